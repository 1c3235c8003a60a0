/**
 * Applications write their log lines to CloudWatch Logs: a KDA SQL (v1) application with
 * CloudWatchLoggingOptions logs started / checkpoint / stopped and its errors (a record that does not parse,
 * an SQL runtime error) as KDA's JSON lines to its log stream, read back with
 * @aws-sdk/client-cloudwatch-logs; Add/DeleteApplicationCloudWatchLoggingOption take effect while it runs.
 * One server on a ManualClock (test/analytics/helpers.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddApplicationCloudWatchLoggingOptionCommand,
  CreateApplicationCommand,
  DeleteApplicationCloudWatchLoggingOptionCommand,
  DescribeApplicationCommand,
  StopApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics';
import { CreateStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  CreateApplicationCommand as CreateV2Command,
  DescribeApplicationCommand as DescribeV2Command,
  KinesisAnalyticsV2Client,
  StartApplicationCommand as StartV2Command,
  UpdateApplicationCommand as UpdateV2Command,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ROLE, startApplication, startHarness, streamArn, uniqueName } from '../analytics/helpers.ts';
import type { Harness } from '../analytics/helpers.ts';

interface Line {
  level: string;
  messageType: string;
  message: string;
  applicationARN: string;
  applicationVersionId: string;
  errorCode?: string;
}

describe('Applications log to CloudWatch Logs', () => {
  let h: Harness;
  let logs: CloudWatchLogsClient;
  let v2: KinesisAnalyticsV2Client;
  before(async () => {
    h = await startHarness({ analytics: { checkpointIntervalMs: 5_000 } });
    const config = { endpoint: h.server.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 };
    logs = new CloudWatchLogsClient(config);
    v2 = new KinesisAnalyticsV2Client(config);
  });
  after(async () => {
    logs.destroy();
    v2.destroy();
    await h.close();
  });

  /** The stream's lines, waiting (a few event-loop turns) until `until` holds: log lines are written after the application moves on. */
  async function lines(group: string, stream: string, until: (ls: Line[]) => boolean): Promise<Line[]> {
    let out: Line[] = [];
    for (let i = 0; i < 200; i++) {
      const r = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true }));
      out = (r.events ?? []).map((e) => JSON.parse(e.message!) as Line);
      if (until(out)) return out;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.fail(`log lines never matched: ${JSON.stringify(out)}`);
  }

  it("writes a SQL application's lifecycle, parse and runtime errors as KDA JSON lines, following logging options changed while it runs", async () => {
    const input = uniqueName('cw-in');
    const app = uniqueName('cw-app');
    const group = `/aws/kinesis-analytics/${app}`;
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'app' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'second' }));
    const arn = (stream: string) => `arn:aws:logs:us-east-1:000000000000:log-group:${group}:log-stream:${stream}`;
    await h.kinesis.send(new CreateStreamCommand({ StreamName: input, ShardCount: 1 }));
    await h.tick(10);
    await h.analytics.send(
      new CreateApplicationCommand({
        ApplicationName: app,
        Inputs: [
          {
            NamePrefix: 'SOURCE_SQL_STREAM',
            KinesisStreamsInput: { ResourceARN: streamArn(input), RoleARN: ROLE },
            InputSchema: {
              RecordFormat: { RecordFormatType: 'CSV', MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: ',' } } },
              RecordColumns: [
                { Name: 'ticker', SqlType: 'VARCHAR(8)' },
                { Name: 'price', SqlType: 'DOUBLE' },
              ],
            },
          },
        ],
        ApplicationCode: `CREATE OR REPLACE STREAM "DEST" ("ticker" VARCHAR(8), "n" INTEGER);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM "ticker", CAST("ticker" AS INTEGER) FROM "SOURCE_SQL_STREAM_001";`,
        CloudWatchLoggingOptions: [{ LogStreamARN: arn('app'), RoleARN: ROLE }],
      }),
    );
    const described = await h.analytics.send(new DescribeApplicationCommand({ ApplicationName: app }));
    const appArn = described.ApplicationDetail!.ApplicationARN!;
    await startApplication(h, app, 'TRIM_HORIZON');
    const put = (...rows: string[]) =>
      h.kinesis.send(new PutRecordsCommand({ StreamName: input, Records: rows.map((r) => ({ Data: Buffer.from(r), PartitionKey: 'k' })) }));
    // 'CD,oops' does not parse (price is DOUBLE); 'AB' cannot be cast to INTEGER (a runtime error); '42' is fine.
    await put('AB,1.5', 'CD,oops', '42,2');
    await h.tick(1000);
    const first = await lines(group, 'app', (ls) => ls.filter((l) => l.level === 'ERROR').length >= 2);
    const started = first.find((l) => l.message === 'Application started');
    assert.ok(started, JSON.stringify(first));
    assert.equal(started.level, 'INFO');
    assert.equal(started.applicationARN, appArn);
    assert.match(started.applicationVersionId, /^\d+$/);
    const errors = first.filter((l) => l.level === 'ERROR');
    const parse = errors.find((l) => l.errorCode === 'Input_Parse_Error');
    assert.ok(parse, JSON.stringify(errors));
    assert.equal(parse.messageType, 'ERROR');
    assert.match(parse.message, /price|DOUBLE|oops/i);
    const runtime = errors.find((l) => l.errorCode !== 'Input_Parse_Error');
    assert.ok(runtime, JSON.stringify(errors));
    // A checkpoint is logged when it is taken (the first at start, the next after the 5 s interval).
    const checkpoints = first.filter((l) => /^Checkpoint \d+ completed$/.test(l.message)).length;
    await h.tick(5_000);
    await lines(group, 'app', (ls) => ls.filter((l) => /^Checkpoint \d+ completed$/.test(l.message)).length > checkpoints);

    // Logging moves to the second stream while the application runs.
    const options = described.ApplicationDetail!.CloudWatchLoggingOptionDescriptions!;
    let version = (await h.analytics.send(new DescribeApplicationCommand({ ApplicationName: app }))).ApplicationDetail!.ApplicationVersionId!;
    await h.analytics.send(
      new AddApplicationCloudWatchLoggingOptionCommand({
        ApplicationName: app,
        CurrentApplicationVersionId: version,
        CloudWatchLoggingOption: { LogStreamARN: arn('second'), RoleARN: ROLE },
      }),
    );
    version = (await h.analytics.send(new DescribeApplicationCommand({ ApplicationName: app }))).ApplicationDetail!.ApplicationVersionId!;
    await h.analytics.send(
      new DeleteApplicationCloudWatchLoggingOptionCommand({
        ApplicationName: app,
        CurrentApplicationVersionId: version,
        CloudWatchLoggingOptionId: options[0]!.CloudWatchLoggingOptionId!,
      }),
    );
    const before = (await lines(group, 'app', () => true)).length;
    await put('EF,bad');
    await h.tick(1000);
    const second = await lines(group, 'second', (ls) => ls.some((l) => l.errorCode === 'Input_Parse_Error'));
    assert.match(second.find((l) => l.errorCode === 'Input_Parse_Error')!.message, /bad|price|DOUBLE/i);
    assert.equal((await lines(group, 'app', () => true)).filter((l) => l.errorCode === 'Input_Parse_Error').length, 1);
    assert.ok((await lines(group, 'app', () => true)).length >= before);

    await h.analytics.send(new StopApplicationCommand({ ApplicationName: app }));
    await lines(group, 'second', (ls) => ls.at(-1)?.message === 'Application stopped');
  });

  it("writes a Flink application's job lines at or above MonitoringConfiguration's LogLevel, which an update changes", async () => {
    const input = uniqueName('flink-in');
    const app = uniqueName('flink-app');
    const group = `/aws/kinesis-analytics/${app}`;
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'job' }));
    await h.kinesis.send(new CreateStreamCommand({ StreamName: input, ShardCount: 1 }));
    await h.tick(10);
    const sql = `CREATE TABLE src (ticker STRING, price DOUBLE)
  WITH ('connector' = 'kinesis', 'stream' = '${input}', 'scan.stream.initpos' = 'TRIM_HORIZON', 'format' = 'json');
CREATE TABLE out_t (ticker STRING, price DOUBLE) WITH ('connector' = 'print');
INSERT INTO out_t SELECT ticker, price FROM src;`;
    await v2.send(
      new CreateV2Command({
        ApplicationName: app,
        RuntimeEnvironment: 'FLINK-1_15',
        ServiceExecutionRole: ROLE,
        ApplicationConfiguration: {
          ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: sql } },
          FlinkApplicationConfiguration: { MonitoringConfiguration: { ConfigurationType: 'CUSTOM', LogLevel: 'INFO', MetricsLevel: 'APPLICATION' } },
        },
        CloudWatchLoggingOptions: [{ LogStreamARN: `arn:aws:logs:us-east-1:000000000000:log-group:${group}:log-stream:job` }],
      }),
    );
    const status = async () => (await v2.send(new DescribeV2Command({ ApplicationName: app }))).ApplicationDetail!;
    const settle = async (want: string) => {
      for (let i = 0; i < 100 && (await status()).ApplicationStatus !== want; i++) await h.tick(100);
      assert.equal((await status()).ApplicationStatus, want);
    };
    await v2.send(
      new StartV2Command({
        ApplicationName: app,
        RunConfiguration: { ApplicationRestoreConfiguration: { ApplicationRestoreType: 'SKIP_RESTORE_FROM_SNAPSHOT' } },
      }),
    );
    await settle('RUNNING');
    const started = await lines(group, 'job', (ls) => ls.some((l) => l.message === 'Job started'));
    assert.equal(started.find((l) => l.message === 'Job started')?.level, 'INFO');
    // Only ERROR from now on: the restarted job's INFO lines are filtered out, its failure on a bad record is not.
    await v2.send(
      new UpdateV2Command({
        ApplicationName: app,
        CurrentApplicationVersionId: (await status()).ApplicationVersionId!,
        ApplicationConfigurationUpdate: {
          FlinkApplicationConfigurationUpdate: { MonitoringConfigurationUpdate: { ConfigurationTypeUpdate: 'CUSTOM', LogLevelUpdate: 'ERROR' } },
        },
      }),
    );
    await settle('RUNNING');
    const updated = await lines(group, 'job', () => true);
    // The update restarted the job from its state: that start was not logged at ERROR.
    assert.deepEqual(
      updated.filter((l) => l.message.startsWith('Job started')).map((l) => l.message),
      ['Job started'],
    );
    const infoBefore = updated.filter((l) => l.level === 'INFO').length;
    await h.kinesis.send(new PutRecordsCommand({ StreamName: input, Records: [{ Data: Buffer.from('{not json'), PartitionKey: 'k' }] }));
    for (let i = 0; i < 20 && (await status()).ApplicationStatus === 'RUNNING'; i++) await h.tick(1000);
    const after = await lines(group, 'job', (ls) => ls.some((l) => l.level === 'ERROR'));
    const failed = after.find((l) => l.level === 'ERROR')!;
    assert.match(failed.message, /^Job failed: /);
    assert.equal(failed.applicationARN, (await status()).ApplicationARN);
    assert.equal(after.filter((l) => l.level === 'INFO').length, infoBefore);
  });
});
