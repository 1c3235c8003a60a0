import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CloudWatchClient, GetMetricStatisticsCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import type { Statistic } from '@aws-sdk/client-cloudwatch';
import { CreateApplicationCommand, DescribeApplicationCommand, StartApplicationCommand, StopApplicationCommand } from '@aws-sdk/client-kinesis-analytics';
import { CreateStreamCommand, DeleteStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { ROLE, startHarness, streamArn } from '../analytics/helpers.ts';
import type { Harness } from '../analytics/helpers.ts';

const PASS_THROUGH = `CREATE OR REPLACE STREAM "DEST" ("ticker" VARCHAR(8), "price" DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM "ticker", "price" FROM "SOURCE_SQL_STREAM_001";`;

describe('AWS/KinesisAnalytics metrics', () => {
  let h: Harness;
  let cw: CloudWatchClient;
  before(async () => {
    h = await startHarness();
    cw = new CloudWatchClient({ endpoint: h.server.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 's' }, maxAttempts: 1 });
  });
  after(async () => {
    cw.destroy();
    await h.close();
  });

  async function stat(metric: string, dims: Record<string, string>, statistic: Statistic): Promise<number | undefined> {
    const r = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/KinesisAnalytics',
        MetricName: metric,
        Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
        StartTime: new Date(h.clock.now() - 3_600_000),
        EndTime: new Date(h.clock.now() + 3_600_000),
        Period: 7200,
        Statistics: [statistic],
      }),
    );
    return r.Datapoints?.[0]?.[statistic];
  }

  async function createApp(app: string, source: string, dest: string): Promise<string> {
    await h.analytics.send(
      new CreateApplicationCommand({
        ApplicationName: app,
        Inputs: [
          {
            NamePrefix: 'SOURCE_SQL_STREAM',
            KinesisStreamsInput: { ResourceARN: streamArn(source), RoleARN: ROLE },
            InputSchema: {
              RecordFormat: { RecordFormatType: 'CSV', MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: ',' } } },
              RecordColumns: [
                { Name: 'ticker', SqlType: 'VARCHAR(8)' },
                { Name: 'price', SqlType: 'DOUBLE' },
              ],
            },
          },
        ],
        ApplicationCode: PASS_THROUGH,
        Outputs: [{ Name: 'DEST', KinesisStreamsOutput: { ResourceARN: streamArn(dest), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'CSV' } }],
      }),
    );
    await h.analytics.send(
      new StartApplicationCommand({
        ApplicationName: app,
        InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' } }],
      }),
    );
    const detail = (await h.analytics.send(new DescribeApplicationCommand({ ApplicationName: app }))).ApplicationDetail!;
    return detail.OutputDescriptions![0]!.OutputId!;
  }

  async function put(stream: string, lines: string[]): Promise<number> {
    await h.kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: lines.map((l, i) => ({ PartitionKey: String(i), Data: Buffer.from(l) })) }));
    return lines.reduce((n, l) => n + Buffer.byteLength(l), 0);
  }

  it('publishes records and bytes read and written, output success and lag, up to what a stopped application did last', async () => {
    for (const s of ['kda-m-in', 'kda-m-out']) await h.kinesis.send(new CreateStreamCommand({ StreamName: s, ShardCount: 1 }));
    await h.tick(10);
    const outputId = await createApp('kda-m', 'kda-m-in', 'kda-m-out');
    const input = { Application: 'kda-m', Flow: 'Input', Id: '1.1' };
    const output = { Application: 'kda-m', Flow: 'Output', Id: outputId };
    let bytes = await put('kda-m-in', ['A,1', 'B,2', 'C,3']);
    await h.tick(1_000);
    await h.tick(1_000);
    assert.equal(await stat('Records', input, 'Sum'), 3);
    assert.equal(await stat('Bytes', input, 'Sum'), bytes);
    assert.equal(await stat('Records', output, 'Sum'), 3);
    assert.equal(await stat('Bytes', output, 'Sum'), 'A,1\nB,2\nC,3\n'.length);
    assert.equal(await stat('Success', output, 'Average'), 1);
    assert.equal(await stat('MillisBehindLatest', { Application: 'kda-m' }, 'Maximum'), 0);

    // Records read and written just before a stop still count.
    bytes += await put('kda-m-in', ['D,4', 'E,5']);
    await h.tick(100);
    await h.analytics.send(new StopApplicationCommand({ ApplicationName: 'kda-m' }));
    await h.tick(1_000);
    assert.equal(await stat('Records', input, 'Sum'), 5);
    assert.equal(await stat('Bytes', input, 'Sum'), bytes);
    assert.equal(await stat('Records', output, 'Sum'), 5);

    const listed = await cw.send(new ListMetricsCommand({ Namespace: 'AWS/KinesisAnalytics' }));
    assert.deepEqual([...new Set(listed.Metrics!.map((m) => m.MetricName))].sort(), ['Bytes', 'MillisBehindLatest', 'Records', 'Success']);
  });

  it('reports a failed output write as Success 0', async () => {
    for (const s of ['kda-f-in', 'kda-f-out']) await h.kinesis.send(new CreateStreamCommand({ StreamName: s, ShardCount: 1 }));
    await h.tick(10);
    const outputId = await createApp('kda-f', 'kda-f-in', 'kda-f-out');
    await h.kinesis.send(new DeleteStreamCommand({ StreamName: 'kda-f-out' }));
    await h.tick(100);
    await put('kda-f-in', ['X,1']);
    await h.tick(1_000);
    await h.tick(1_000);
    const output = { Application: 'kda-f', Flow: 'Output', Id: outputId };
    assert.equal(await stat('Success', output, 'Minimum'), 0);
    assert.equal(await stat('Records', output, 'Sum'), undefined, 'nothing written');
    assert.equal(await stat('Records', { Application: 'kda-f', Flow: 'Input', Id: '1.1' }, 'Sum'), 1);
  });
});
