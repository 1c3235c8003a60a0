/**
 * KinesisAnalyticsV2 (KinesisAnalytics_20180523) through @aws-sdk/client-kinesis-analytics-v2 against a
 * real server on a ManualClock: Flink SQL applications created, started on live Kinesis streams,
 * snapshotted, updated, rolled back (code and state), stopped and deleted; AWS's errors.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { zipSync } from 'fflate';
import {
  AddApplicationOutputCommand,
  CreateApplicationCommand,
  CreateApplicationSnapshotCommand,
  DeleteApplicationCommand,
  DeleteApplicationOutputCommand,
  DeleteApplicationSnapshotCommand,
  DescribeApplicationCommand,
  DescribeApplicationSnapshotCommand,
  DescribeApplicationVersionCommand,
  KinesisAnalyticsV2Client,
  ListApplicationSnapshotsCommand,
  ListApplicationsCommand,
  ListApplicationVersionsCommand,
  ListTagsForResourceCommand,
  RollbackApplicationCommand,
  StartApplicationCommand,
  StopApplicationCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateApplicationCommand,
  AddApplicationCloudWatchLoggingOptionCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  CreateApplicationCommand as CreateV1Command,
  DescribeApplicationCommand as DescribeV1Command,
  KinesisAnalyticsClient,
} from '@aws-sdk/client-kinesis-analytics';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ManualClock } from '../../src/core/index.ts';
import { MemoryStorage } from '../../src/storage/index.ts';
import { startServer, type FreshetServer } from '../../src/server/index.ts';
import type { AnalyticsV2Service } from '../../src/analytics/index.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ROLE = 'arn:aws:iam::000000000000:role/flink-role';
const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);

function job(agg: 'SUM' | 'MAX'): string {
  return `
CREATE TABLE ticks (
  event_time TIMESTAMP(3),
  ticker STRING,
  price DOUBLE,
  WATERMARK FOR event_time AS event_time - INTERVAL '1' SECOND
) WITH ('connector' = 'kinesis', 'stream' = 'ticks', 'aws.region' = 'us-east-1', 'scan.stream.initpos' = 'TRIM_HORIZON',
        'format' = 'json', 'json.timestamp-format.standard' = 'ISO-8601');
CREATE TABLE totals (ticker STRING, window_start TIMESTAMP(3), total DOUBLE)
  WITH ('connector' = 'kinesis', 'stream' = 'totals', 'format' = 'json', 'json.timestamp-format.standard' = 'ISO-8601');
INSERT INTO totals
SELECT ticker, window_start, ${agg}(price) FROM TABLE(TUMBLE(TABLE ticks, DESCRIPTOR(event_time), INTERVAL '1' MINUTE))
GROUP BY ticker, window_start, window_end;`;
}

describe('KinesisAnalyticsV2 (Flink SQL applications)', () => {
  let server: FreshetServer;
  let clock: ManualClock;
  let v2: KinesisAnalyticsV2Client;
  let v1: KinesisAnalyticsClient;
  let kinesis: KinesisClient;
  let service: AnalyticsV2Service;
  let totalsIterator: string | undefined;

  before(async () => {
    clock = new ManualClock(T0);
    server = await startServer({
      port: 0,
      storage: new MemoryStorage(),
      clock,
      region: 'us-east-1',
      accountId: '000000000000',
      createDelayMs: 0,
      deleteDelayMs: 0,
      updateDelayMs: 0,
      analytics: { startDelayMs: 0, stopDelayMs: 0, updateDelayMs: 0, deleteDelayMs: 0 },
      analyticsV2: { startMs: 1000, stopMs: 1000, updateMs: 1000, deleteMs: 0 },
    });
    const config = {
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }) }),
    };
    v2 = new KinesisAnalyticsV2Client(config);
    v1 = new KinesisAnalyticsClient(config);
    kinesis = new KinesisClient(config);
    service = server.services.find((s) => s.targetPrefix === 'KinesisAnalytics_20180523') as AnalyticsV2Service;
    await kinesis.send(new CreateStreamCommand({ StreamName: 'ticks', ShardCount: 1 }));
    await kinesis.send(new CreateStreamCommand({ StreamName: 'totals', ShardCount: 1 }));
    const it = await kinesis.send(new GetShardIteratorCommand({ StreamName: 'totals', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
    totalsIterator = it.ShardIterator;
  });

  after(async () => {
    v2.destroy();
    v1.destroy();
    kinesis.destroy();
    await server.close();
  });

  async function put(rows: { s: number; ticker: string; price: number }[]): Promise<void> {
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'ticks',
        Records: rows.map((r) => ({
          PartitionKey: r.ticker,
          Data: Buffer.from(JSON.stringify({ event_time: new Date(T0 + r.s * 1000).toISOString(), ticker: r.ticker, price: r.price })),
        })),
      }),
    );
    await service.registry.job('ticker')!.settle();
  }

  async function totals(): Promise<Record<string, unknown>[]> {
    const r = await kinesis.send(new GetRecordsCommand({ ShardIterator: totalsIterator }));
    totalsIterator = r.NextShardIterator;
    return (r.Records ?? []).map((x) => JSON.parse(Buffer.from(x.Data!).toString('utf8')) as Record<string, unknown>);
  }

  async function status(): Promise<string | undefined> {
    return (await v2.send(new DescribeApplicationCommand({ ApplicationName: 'ticker' }))).ApplicationDetail?.ApplicationStatus;
  }

  async function settle(ms: number): Promise<void> {
    clock.advance(ms);
    await service.registry.whenSettled();
  }

  it('creates a Flink SQL application from PLAINTEXT code and describes it as AWS does', async () => {
    const out = await v2.send(
      new CreateApplicationCommand({
        ApplicationName: 'ticker',
        ApplicationDescription: 'per-minute totals',
        RuntimeEnvironment: 'FLINK-1_15',
        ServiceExecutionRole: ROLE,
        ApplicationConfiguration: {
          ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: job('SUM') } },
          ApplicationSnapshotConfiguration: { SnapshotsEnabled: true },
          EnvironmentProperties: { PropertyGroups: [{ PropertyGroupId: 'sql', PropertyMap: { 'table.exec.source.idle-timeout': '0' } }] },
        },
        Tags: [{ Key: 'team', Value: 'quant' }],
      }),
    );
    const d = out.ApplicationDetail!;
    assert.equal(d.ApplicationStatus, 'READY');
    assert.equal(d.ApplicationVersionId, 1);
    assert.equal(d.RuntimeEnvironment, 'FLINK-1_15');
    assert.equal(d.ApplicationARN, 'arn:aws:kinesisanalytics:us-east-1:000000000000:application/ticker');
    assert.equal(d.ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription?.CodeContentDescription?.TextContent, job('SUM'));
    assert.equal(d.ApplicationConfigurationDescription?.ApplicationSnapshotConfigurationDescription?.SnapshotsEnabled, true);
    assert.deepEqual(d.ApplicationConfigurationDescription?.EnvironmentPropertyDescriptions?.PropertyGroupDescriptions, [
      { PropertyGroupId: 'sql', PropertyMap: { 'table.exec.source.idle-timeout': '0' } },
    ]);
    assert.equal(d.CreateTimestamp?.getTime(), T0);
    const list = await v2.send(new ListApplicationsCommand({}));
    assert.deepEqual(
      list.ApplicationSummaries?.map((s) => [s.ApplicationName, s.ApplicationStatus, s.RuntimeEnvironment, s.ApplicationVersionId]),
      [['ticker', 'READY', 'FLINK-1_15', 1]],
    );
  });

  it('refuses SQL with a mistake (CodeValidationException with line:column), a JAR, and an existing name', async () => {
    const base = { RuntimeEnvironment: 'FLINK-1_15' as const, ServiceExecutionRole: ROLE };
    await assert.rejects(
      v2.send(
        new CreateApplicationCommand({
          ...base,
          ApplicationName: 'broken',
          ApplicationConfiguration: { ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: 'SELEC 1' } } },
        }),
      ),
      (e: Error) => e.name === 'CodeValidationException' && /^1:1: /.test(e.message),
    );
    const jar = zipSync({ 'META-INF/MANIFEST.MF': Buffer.from('Manifest-Version: 1.0\n'), 'com/acme/Job.class': new Uint8Array([0xca, 0xfe]) });
    await assert.rejects(
      v2.send(
        new CreateApplicationCommand({
          ...base,
          ApplicationName: 'jvm',
          ApplicationConfiguration: { ApplicationCodeConfiguration: { CodeContentType: 'ZIPFILE', CodeContent: { ZipFileContent: jar } } },
        }),
      ),
      (e: Error) => e.name === 'CodeValidationException' && /Flink SQL only/.test(e.message),
    );
    await assert.rejects(
      v2.send(
        new CreateApplicationCommand({
          ...base,
          ApplicationName: 'ticker',
          ApplicationConfiguration: { ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: job('SUM') } } },
        }),
      ),
      (e: Error) => e.name === 'ResourceInUseException',
    );
    await assert.rejects(v2.send(new DescribeApplicationCommand({ ApplicationName: 'nope' })), (e: Error) => e.name === 'ResourceNotFoundException');
  });

  it('accepts the SQL in a zip, and shows a KDA v1 application as SQL-1_0', async () => {
    const zip = zipSync({ 'job/ticker.sql': Buffer.from(job('MAX')) });
    const out = await v2.send(
      new CreateApplicationCommand({
        ApplicationName: 'zipped',
        RuntimeEnvironment: 'FLINK-1_15',
        ServiceExecutionRole: ROLE,
        ApplicationConfiguration: { ApplicationCodeConfiguration: { CodeContentType: 'ZIPFILE', CodeContent: { ZipFileContent: zip } } },
      }),
    );
    const code = out.ApplicationDetail?.ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription;
    assert.equal(code?.CodeContentType, 'ZIPFILE');
    assert.equal(code?.CodeContentDescription?.CodeSize, zip.length);
    await v1.send(new CreateV1Command({ ApplicationName: 'legacy', ApplicationCode: '' }));
    const list = await v2.send(new ListApplicationsCommand({ Limit: 2 }));
    assert.deepEqual(
      list.ApplicationSummaries?.map((s) => [s.ApplicationName, s.RuntimeEnvironment]),
      [
        ['legacy', 'SQL-1_0'],
        ['ticker', 'FLINK-1_15'],
      ],
    );
    const next = await v2.send(new ListApplicationsCommand({ Limit: 2, NextToken: list.NextToken }));
    assert.deepEqual(
      next.ApplicationSummaries?.map((s) => s.ApplicationName),
      ['zipped'],
    );
    assert.equal(next.NextToken, undefined);
    const legacy = await v2.send(new DescribeApplicationCommand({ ApplicationName: 'legacy' }));
    assert.equal(legacy.ApplicationDetail?.RuntimeEnvironment, 'SQL-1_0');
    await v2.send(new DeleteApplicationCommand({ ApplicationName: 'zipped', CreateTimestamp: out.ApplicationDetail!.CreateTimestamp! }));
    await assert.rejects(v2.send(new DescribeApplicationCommand({ ApplicationName: 'zipped' })), (e: Error) => e.name === 'ResourceNotFoundException');
  });

  it('starts (STARTING, then RUNNING on the clock) and runs the job on the live streams', async () => {
    await v2.send(
      new StartApplicationCommand({
        ApplicationName: 'ticker',
        RunConfiguration: { ApplicationRestoreConfiguration: { ApplicationRestoreType: 'SKIP_RESTORE_FROM_SNAPSHOT' } },
      }),
    );
    assert.equal(await status(), 'STARTING');
    await settle(1000);
    assert.equal(await status(), 'RUNNING');
    await put([
      { s: 1, ticker: 'BTC', price: 10 },
      { s: 20, ticker: 'BTC', price: 5 },
      { s: 30, ticker: 'ETH', price: 2 },
    ]);
    assert.deepEqual(await totals(), []);
    await put([{ s: 62, ticker: 'BTC', price: 7 }]);
    const first = await totals();
    assert.deepEqual(first.map((r) => [r.ticker, r.total]).sort(), [
      ['BTC', 15],
      ['ETH', 2],
    ]);
  });

  it('snapshots a running application and lists, describes and deletes snapshots', async () => {
    await v2.send(new CreateApplicationSnapshotCommand({ ApplicationName: 'ticker', SnapshotName: 'after-minute-1' }));
    await assert.rejects(
      v2.send(new CreateApplicationSnapshotCommand({ ApplicationName: 'ticker', SnapshotName: 'after-minute-1' })),
      (e: Error) => e.name === 'ResourceInUseException',
    );
    const d = await v2.send(new DescribeApplicationSnapshotCommand({ ApplicationName: 'ticker', SnapshotName: 'after-minute-1' }));
    assert.equal(d.SnapshotDetails?.SnapshotStatus, 'READY');
    assert.equal(d.SnapshotDetails?.ApplicationVersionId, 1);
    await v2.send(new CreateApplicationSnapshotCommand({ ApplicationName: 'ticker', SnapshotName: 'spare' }));
    const spare = await v2.send(new DescribeApplicationSnapshotCommand({ ApplicationName: 'ticker', SnapshotName: 'spare' }));
    await v2.send(
      new DeleteApplicationSnapshotCommand({
        ApplicationName: 'ticker',
        SnapshotName: 'spare',
        SnapshotCreationTimestamp: spare.SnapshotDetails!.SnapshotCreationTimestamp!,
      }),
    );
    const list = await v2.send(new ListApplicationSnapshotsCommand({ ApplicationName: 'ticker' }));
    assert.deepEqual(
      list.SnapshotSummaries?.map((s) => s.SnapshotName),
      ['after-minute-1'],
    );
  });

  it('updates the code of a running application (a new version) and rolls back to the previous code and the snapshot state', async () => {
    await assert.rejects(
      v2.send(new UpdateApplicationCommand({ ApplicationName: 'ticker', CurrentApplicationVersionId: 7 })),
      (e: Error) => e.name === 'ConcurrentModificationException',
    );
    const up = await v2.send(
      new UpdateApplicationCommand({
        ApplicationName: 'ticker',
        CurrentApplicationVersionId: 1,
        ApplicationConfigurationUpdate: { ApplicationCodeConfigurationUpdate: { CodeContentUpdate: { TextContentUpdate: job('MAX') } } },
      }),
    );
    assert.equal(up.ApplicationDetail?.ApplicationVersionId, 2);
    assert.equal(up.ApplicationDetail?.ApplicationVersionUpdatedFrom, 1);
    assert.equal(up.ApplicationDetail?.ApplicationStatus, 'UPDATING');
    await settle(1000);
    assert.equal(await status(), 'RUNNING');
    // Minute 2 under MAX: BTC 7 and 9, closed by a row in minute 3.
    await put([
      { s: 70, ticker: 'BTC', price: 9 },
      { s: 125, ticker: 'BTC', price: 1 },
    ]);
    assert.deepEqual(
      (await totals()).map((r) => [r.ticker, r.total]),
      [['BTC', 9]],
    );
    const rb = await v2.send(new RollbackApplicationCommand({ ApplicationName: 'ticker', CurrentApplicationVersionId: 2 }));
    assert.equal(rb.ApplicationDetail?.ApplicationStatus, 'ROLLING_BACK');
    assert.equal(rb.ApplicationDetail?.ApplicationVersionId, 3);
    assert.equal(rb.ApplicationDetail?.ApplicationVersionRolledBackFrom, 2);
    assert.equal(rb.ApplicationDetail?.ApplicationVersionRolledBackTo, 1);
    assert.equal(
      rb.ApplicationDetail?.ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription?.CodeContentDescription?.TextContent,
      job('SUM'),
    );
    await settle(1000);
    assert.equal(await status(), 'RUNNING');
    // Back on the snapshot taken after minute 1: minute 2 is summed again from the stream (7 + 9), minute 3 follows.
    await service.registry.job('ticker')!.settle();
    await put([{ s: 190, ticker: 'ETH', price: 1 }]);
    assert.deepEqual(
      (await totals()).map((r) => [r.ticker, r.total]),
      [
        ['BTC', 16],
        ['BTC', 1],
      ],
    );
    const versions = await v2.send(new ListApplicationVersionsCommand({ ApplicationName: 'ticker' }));
    assert.deepEqual(
      versions.ApplicationVersionSummaries?.map((v) => v.ApplicationVersionId),
      [3, 2, 1],
    );
    const v1d = await v2.send(new DescribeApplicationVersionCommand({ ApplicationName: 'ticker', ApplicationVersionId: 2 }));
    assert.equal(
      v1d.ApplicationVersionDetail?.ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription?.CodeContentDescription?.TextContent,
      job('MAX'),
    );
  });

  it('keeps tags and logging options', async () => {
    const arn = 'arn:aws:kinesisanalytics:us-east-1:000000000000:application/ticker';
    await v2.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'env', Value: 'test' }] }));
    await v2.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['team'] }));
    const tags = await v2.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
    assert.deepEqual(tags.Tags, [{ Key: 'env', Value: 'test' }]);
    const log = await v2.send(
      new AddApplicationCloudWatchLoggingOptionCommand({
        ApplicationName: 'ticker',
        CurrentApplicationVersionId: 3,
        CloudWatchLoggingOption: { LogStreamARN: 'arn:aws:logs:us-east-1:000000000000:log-group:flink:log-stream:ticker' },
      }),
    );
    assert.equal(log.ApplicationVersionId, 4);
    assert.equal(log.CloudWatchLoggingOptionDescriptions?.length, 1);
    await settle(1000);
  });

  it('stops (STOPPING, then READY), refuses a second stop, and deletes', async () => {
    await v2.send(new StopApplicationCommand({ ApplicationName: 'ticker' }));
    assert.equal(await status(), 'STOPPING');
    await settle(1000);
    assert.equal(await status(), 'READY');
    await assert.rejects(v2.send(new StopApplicationCommand({ ApplicationName: 'ticker' })), (e: Error) => e.name === 'ResourceInUseException');
    const d = await v2.send(new DescribeApplicationCommand({ ApplicationName: 'ticker' }));
    await assert.rejects(
      v2.send(new DeleteApplicationCommand({ ApplicationName: 'ticker', CreateTimestamp: new Date(T0 + 5000) })),
      (e: Error) => e.name === 'InvalidArgumentException',
    );
    await v2.send(new DeleteApplicationCommand({ ApplicationName: 'ticker', CreateTimestamp: d.ApplicationDetail!.CreateTimestamp! }));
    await assert.rejects(v2.send(new DescribeApplicationCommand({ ApplicationName: 'ticker' })), (e: Error) => e.name === 'ResourceNotFoundException');
  });

  it('creates, starts, stops and deletes a SQL-1_0 application through v2 on the KDA SQL engine', async () => {
    const created = await v2.send(
      new CreateApplicationCommand({
        ApplicationName: 'kda-sql',
        RuntimeEnvironment: 'SQL-1_0',
        ServiceExecutionRole: ROLE,
        ApplicationConfiguration: {
          ApplicationCodeConfiguration: {
            CodeContentType: 'PLAINTEXT',
            CodeContent: {
              TextContent: `CREATE OR REPLACE STREAM "DEST" ("ticker" VARCHAR(8), "price" DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM "ticker", "price" FROM "SOURCE_SQL_STREAM_001";`,
            },
          },
          SqlApplicationConfiguration: {
            Inputs: [
              {
                NamePrefix: 'SOURCE_SQL_STREAM',
                KinesisStreamsInput: { ResourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/ticks' },
                InputSchema: {
                  RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
                  RecordColumns: [
                    { Name: 'ticker', SqlType: 'VARCHAR(8)', Mapping: '$.ticker' },
                    { Name: 'price', SqlType: 'DOUBLE', Mapping: '$.price' },
                  ],
                },
              },
            ],
          },
        },
      }),
    );
    assert.equal(created.ApplicationDetail?.RuntimeEnvironment, 'SQL-1_0');
    assert.equal(
      created.ApplicationDetail?.ApplicationConfigurationDescription?.SqlApplicationConfigurationDescription?.InputDescriptions?.[0]?.InputId,
      '1.1',
    );
    await v2.send(
      new StartApplicationCommand({
        ApplicationName: 'kda-sql',
        RunConfiguration: { SqlRunConfigurations: [{ InputId: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'NOW' } }] },
      }),
    );
    const running = await v2.send(new DescribeApplicationCommand({ ApplicationName: 'kda-sql' }));
    assert.equal(running.ApplicationDetail?.ApplicationStatus, 'RUNNING');
    await v2.send(new StopApplicationCommand({ ApplicationName: 'kda-sql' }));
    const stopped = await v2.send(new DescribeApplicationCommand({ ApplicationName: 'kda-sql' }));
    assert.equal(stopped.ApplicationDetail?.ApplicationStatus, 'READY');

    // A v2 deployment script configures the SQL application: an output, new code, then the output goes again.
    const added = await v2.send(
      new AddApplicationOutputCommand({
        ApplicationName: 'kda-sql',
        CurrentApplicationVersionId: 1,
        Output: {
          Name: 'DEST',
          KinesisStreamsOutput: { ResourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/totals' },
          DestinationSchema: { RecordFormatType: 'JSON' },
        },
      }),
    );
    assert.equal(added.ApplicationVersionId, 2);
    assert.deepEqual(
      added.OutputDescriptions?.map((o) => [o.OutputId, o.Name, o.KinesisStreamsOutputDescription?.ResourceARN, o.DestinationSchema?.RecordFormatType]),
      [['1.1', 'DEST', 'arn:aws:kinesis:us-east-1:000000000000:stream/totals', 'JSON']],
    );
    // v2 endpoints name no role: the ServiceExecutionRole acts for the input and the added output.
    assert.equal(added.OutputDescriptions?.[0]?.KinesisStreamsOutputDescription?.RoleARN, ROLE);
    assert.equal(
      created.ApplicationDetail?.ApplicationConfigurationDescription?.SqlApplicationConfigurationDescription?.InputDescriptions?.[0]
        ?.KinesisStreamsInputDescription?.RoleARN,
      ROLE,
    );
    const newCode = `CREATE OR REPLACE STREAM "DEST" ("ticker" VARCHAR(8), "price" DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM "ticker", "price" * 2 FROM "SOURCE_SQL_STREAM_001";`;
    await assert.rejects(
      v2.send(new UpdateApplicationCommand({ ApplicationName: 'kda-sql', CurrentApplicationVersionId: 1 })),
      (e: Error) => e.name === 'ConcurrentModificationException',
    );
    const updated = await v2.send(
      new UpdateApplicationCommand({
        ApplicationName: 'kda-sql',
        CurrentApplicationVersionId: 2,
        ApplicationConfigurationUpdate: {
          ApplicationCodeConfigurationUpdate: { CodeContentUpdate: { TextContentUpdate: newCode } },
          SqlApplicationConfigurationUpdate: { InputUpdates: [{ InputId: '1.1', NamePrefixUpdate: 'SOURCE_SQL_STREAM' }] },
        },
      }),
    );
    assert.equal(updated.ApplicationDetail?.ApplicationVersionId, 3);
    assert.equal(
      updated.ApplicationDetail?.ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription?.CodeContentDescription?.TextContent,
      newCode,
    );
    const sqlDescription = updated.ApplicationDetail?.ApplicationConfigurationDescription?.SqlApplicationConfigurationDescription;
    assert.equal(sqlDescription?.InputDescriptions?.[0]?.KinesisStreamsInputDescription?.ResourceARN, 'arn:aws:kinesis:us-east-1:000000000000:stream/ticks');
    assert.deepEqual(
      sqlDescription?.InputDescriptions?.[0]?.InputSchema?.RecordColumns?.map((c) => c.Name),
      ['ticker', 'price'],
    );
    const v1View = await v1.send(new DescribeV1Command({ ApplicationName: 'kda-sql' }));
    assert.equal(v1View.ApplicationDetail?.ApplicationCode, newCode);
    assert.equal(v1View.ApplicationDetail?.OutputDescriptions?.[0]?.Name, 'DEST');
    const removed = await v2.send(new DeleteApplicationOutputCommand({ ApplicationName: 'kda-sql', CurrentApplicationVersionId: 3, OutputId: '1.1' }));
    assert.equal(removed.ApplicationVersionId, 4);
    await assert.rejects(
      v2.send(new DeleteApplicationOutputCommand({ ApplicationName: 'kda-sql', CurrentApplicationVersionId: 4, OutputId: '1.1' })),
      (e: Error) => e.name === 'ResourceNotFoundException',
    );
    // The same actions on a Flink application say they are for SQL-1_0 applications.
    await v2.send(
      new CreateApplicationCommand({
        ApplicationName: 'flink-side',
        RuntimeEnvironment: 'FLINK-1_20',
        ServiceExecutionRole: ROLE,
        ApplicationConfiguration: { ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: job('SUM') } } },
      }),
    );
    await assert.rejects(
      v2.send(
        new AddApplicationOutputCommand({
          ApplicationName: 'flink-side',
          CurrentApplicationVersionId: 1,
          Output: {
            Name: 'X',
            KinesisStreamsOutput: { ResourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/totals' },
            DestinationSchema: { RecordFormatType: 'JSON' },
          },
        }),
      ),
      (e: Error) => e.name === 'InvalidArgumentException' && /only valid for SQL-1_0 applications; application flink-side is FLINK-1_20/.test(e.message),
    );
    const final = await v2.send(new DescribeApplicationCommand({ ApplicationName: 'kda-sql' }));
    await v2.send(new DeleteApplicationCommand({ ApplicationName: 'kda-sql', CreateTimestamp: final.ApplicationDetail!.CreateTimestamp! }));
    await assert.rejects(v2.send(new DescribeApplicationCommand({ ApplicationName: 'kda-sql' })), (e: Error) => e.name === 'ResourceNotFoundException');
  });
});
