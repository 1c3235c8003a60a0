/**
 * `--output table|json|yaml` on `functions list`, `detectors list|describe|anomalies`, `metrics` and `alarms`, which kept
 * their plain output when no format is asked for. The commands run in-process (their modules registered on a
 * fresh program, as main.ts does) against a real server; one run of the built binary checks that the release
 * carries the option.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { CloudWatchClient, PutMetricAlarmCommand, PutMetricDataCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateAnomalyDetectorCommand, CreateMetricSetCommand, LookoutMetricsClient } from '@aws-sdk/client-lookoutmetrics';
import { MODULES } from '../../src/cli/command-table.ts';
import { startServer, type FreshetServer } from '../../src/server/index.ts';
import { ROLE, zipOf } from '../functions/helpers.ts';
import { runCli } from './run-cli.ts';

const creds = { region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };
const MINUTE = Math.floor(Date.now() / 60_000) * 60_000;

let server: FreshetServer;
let empty: FreshetServer;

/** Runs `freshet <args>` in this process; what it printed with console.log. */
async function cli(module: keyof typeof MODULES, args: string[]): Promise<string> {
  const program = new Command();
  program.exitOverride();
  (await MODULES[module]()).register(program);
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => {
    lines.push(a.map(String).join(' '));
  };
  try {
    await program.parseAsync(['node', 'freshet', ...args]);
  } finally {
    console.log = log;
  }
  return `${lines.join('\n')}\n`;
}

before(async () => {
  [server, empty] = await Promise.all([
    startServer({ port: 0, storage: 'memory', createDelayMs: 0, pg: false, activityLog: false }),
    startServer({ port: 0, storage: 'memory', createDelayMs: 0, pg: false, activityLog: false }),
  ]);
  const lambda = new LambdaClient({ endpoint: server.url, ...creds });
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: 'greeter',
      Runtime: 'nodejs20.x',
      Role: ROLE,
      Handler: 'index.handler',
      MemorySize: 256,
      Code: { ZipFile: zipOf({ 'index.js': 'exports.handler = async () => "hi";' }) },
    }),
  );
  lambda.destroy();
  const cw = new CloudWatchClient({ endpoint: server.url, ...creds });
  await cw.send(
    new PutMetricDataCommand({
      Namespace: 'Shop',
      MetricData: [5, 10].map((v, i) => ({
        MetricName: 'Orders',
        Dimensions: [{ Name: 'Store', Value: 'north' }],
        Timestamp: new Date(MINUTE - (2 - i) * 60_000),
        Value: v,
        Unit: 'Count',
      })),
    }),
  );
  // A day's period: no evaluation undoes the SetAlarmState below while the commands run.
  await cw.send(
    new PutMetricAlarmCommand({
      AlarmName: 'orders-low',
      Namespace: 'Shop',
      MetricName: 'Orders',
      Statistic: 'Sum',
      Period: 86_400,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
    }),
  );
  await cw.send(new SetAlarmStateCommand({ AlarmName: 'orders-low', StateValue: 'ALARM', StateReason: 'testing the listing' }));
  cw.destroy();
  const lookout = new LookoutMetricsClient({ endpoint: server.url, ...creds });
  const { AnomalyDetectorArn } = await lookout.send(
    new CreateAnomalyDetectorCommand({
      AnomalyDetectorName: 'views-watch',
      AnomalyDetectorDescription: 'page views',
      AnomalyDetectorConfig: { AnomalyDetectorFrequency: 'PT5M' },
    }),
  );
  await lookout.send(
    new CreateMetricSetCommand({
      AnomalyDetectorArn,
      MetricSetName: 'views',
      MetricList: [{ MetricName: 'views', AggregationFunction: 'SUM' }],
      DimensionList: ['marketplace'],
      TimestampColumn: { ColumnName: 'event_time' },
      Offset: 60,
      MetricSource: {
        S3SourceConfig: {
          RoleArn: ROLE,
          TemplatedPathList: ['s3://views/data/{{yyyy-MM-dd}}/{{HHmm}}'],
          FileFormatDescriptor: { CsvFormatDescriptor: { ContainsHeader: true } },
        },
      },
    }),
  );
  lookout.destroy();
});
after(async () => {
  await Promise.all([server.close(), empty.close()]);
});

describe('--output on functions, detectors, metrics and alarms', () => {
  it('prints the AWS shapes as JSON with --output json (and --json)', async () => {
    const ep = ['--endpoint', server.url];
    const fns = JSON.parse(await cli('functions', ['functions', 'list', '-o', 'json', ...ep])) as Array<Record<string, unknown>>;
    assert.deepEqual(
      fns.map((f) => [f.FunctionName, f.Runtime, f.Handler, f.MemorySize]),
      [['greeter', 'nodejs20.x', 'index.handler', 256]],
    );
    const detectors = JSON.parse(await cli('detectors', ['detectors', 'list', '--json', ...ep])) as Array<Record<string, unknown>>;
    assert.deepEqual(
      detectors.map((d) => [d.AnomalyDetectorName, d.AnomalyDetectorDescription, d.AnomalyDetectorFrequency]),
      [['views-watch', 'page views', 'PT5M']],
    );
    const described = JSON.parse(await cli('detectors', ['detectors', 'describe', 'views-watch', '-o', 'json', ...ep])) as {
      AnomalyDetectorName: string;
      AnomalyDetectorConfig: { AnomalyDetectorFrequency: string };
      MetricSets: Array<{ MetricSetName: string; DimensionList: string[]; MetricSource: { S3SourceConfig: { TemplatedPathList: string[] } } }>;
      Alerts: unknown[];
    };
    assert.equal(described.AnomalyDetectorName, 'views-watch');
    assert.equal(described.AnomalyDetectorConfig.AnomalyDetectorFrequency, 'PT5M');
    assert.deepEqual(
      described.MetricSets.map((s) => [s.MetricSetName, s.DimensionList, s.MetricSource.S3SourceConfig.TemplatedPathList]),
      [['views', ['marketplace'], ['s3://views/data/{{yyyy-MM-dd}}/{{HHmm}}']]],
    );
    assert.deepEqual(described.Alerts, []);
    assert.deepEqual(JSON.parse(await cli('detectors', ['detectors', 'anomalies', 'views-watch', '-o', 'json', ...ep])), []);
    assert.equal(
      await cli('detectors', ['detectors', 'anomalies', 'views-watch', '-o', 'table', ...ep]),
      'no anomaly groups at severity >= 0 (detector INACTIVE)\n',
    );
    assert.deepEqual(JSON.parse(await cli('metrics', ['metrics', '-o', 'json', ...ep])), [
      { Namespace: 'Shop', MetricName: 'Orders', Dimensions: [{ Name: 'Store', Value: 'north' }] },
    ]);
    const series = JSON.parse(await cli('metrics', ['metrics', 'Shop', 'Orders', '--since', '5m', '--stat', 'Sum', '-o', 'json', ...ep]));
    assert.deepEqual(series, [
      {
        Namespace: 'Shop',
        MetricName: 'Orders',
        Dimensions: [{ Name: 'Store', Value: 'north' }],
        Statistic: 'Sum',
        Period: 60,
        Unit: 'Count',
        Datapoints: [
          { Timestamp: new Date(MINUTE - 120_000).toISOString(), Value: 5 },
          { Timestamp: new Date(MINUTE - 60_000).toISOString(), Value: 10 },
        ],
      },
    ]);
    assert.deepEqual(JSON.parse(await cli('metrics', ['metrics', 'Shop', 'Nothing', '-o', 'json', ...ep])), []);
    const alarms = JSON.parse(await cli('metrics', ['alarms', '-o', 'json', ...ep])) as Array<Record<string, unknown>>;
    assert.deepEqual(
      alarms.map((a) => [a.name, a.type, a.state, a.reason]),
      [['orders-low', 'metric', 'ALARM', 'testing the listing']],
    );
  });

  it('prints aligned tables with --output table, JSON when piped without a format, and says what to do next when empty', async () => {
    const ep = ['--endpoint', server.url];
    assert.match(
      await cli('functions', ['functions', 'list', '-o', 'table', ...ep]),
      /^NAME {5}RUNTIME {5}HANDLER {8}MEMORY {2}TIMEOUT {2}MODIFIED\ngreeter {2}nodejs20\.x {2}index\.handler {2}256 MB {2}3 s {6}\d{4}-\d\d-\d\dT\S+\n$/,
    );
    // Piped (as here) without a format, every listing prints JSON, the same as -o json.
    assert.deepEqual(
      JSON.parse(await cli('functions', ['functions', 'list', ...ep])),
      JSON.parse(await cli('functions', ['functions', 'list', '-o', 'json', ...ep])),
    );
    assert.match(
      await cli('detectors', ['detectors', 'list', '-o', 'table', ...ep]),
      /^NAME {9}STATUS +FREQUENCY {2}DESCRIPTION\nviews-watch {2}\S+ +PT5M {7}page views\n$/,
    );
    assert.deepEqual(
      JSON.parse(await cli('detectors', ['detectors', 'list', ...ep])),
      JSON.parse(await cli('detectors', ['detectors', 'list', '-o', 'json', ...ep])),
    );
    const text = await cli('detectors', ['detectors', 'describe', 'views-watch', '-o', 'table', ...ep]);
    assert.deepEqual(
      JSON.parse(await cli('detectors', ['detectors', 'describe', 'views-watch', ...ep])),
      JSON.parse(await cli('detectors', ['detectors', 'describe', 'views-watch', '-o', 'json', ...ep])),
    );
    assert.match(
      text,
      /^views-watch {2}\S+ {2}PT5M {2}arn:aws:lookoutmetrics:us-east-1:000000000000:AnomalyDetector:views-watch\n {2}metric set views: measures views \(SUM\)\n/,
    );
    assert.equal(await cli('metrics', ['metrics', '-o', 'table', ...ep]), 'NAMESPACE  METRIC  DIMENSIONS\nShop       Orders  Store=north\n');
    assert.deepEqual(JSON.parse(await cli('metrics', ['metrics', ...ep])), JSON.parse(await cli('metrics', ['metrics', '-o', 'json', ...ep])));
    const chart = await cli('metrics', ['metrics', 'Shop', 'Orders', '--since', '5m', '--stat', 'Sum', '-o', 'table', ...ep]);
    assert.match(chart, /^Shop Orders Store=north — Sum \(Count\) per 1 min, last 5m\n/);
    assert.equal(JSON.parse(await cli('metrics', ['metrics', 'Shop', 'Orders', '--since', '5m', '--stat', 'Sum', ...ep]))[0].MetricName, 'Orders');
    assert.deepEqual(JSON.parse(await cli('metrics', ['alarms', ...ep])), JSON.parse(await cli('metrics', ['alarms', '-o', 'json', ...ep])));
    assert.match(
      await cli('metrics', ['alarms', '-o', 'table', ...ep]),
      /^STATE {2}ALARM {7}TYPE {4}SINCE {16}REASON\nALARM {2}orders-low {2}metric {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}testing the listing\n$/,
    );

    const none = ['-o', 'table', '--endpoint', empty.url];
    assert.equal(
      await cli('functions', ['functions', 'list', ...none]),
      'no functions yet — create one with `aws lambda create-function` or a functions: entry in a pipeline file (`freshet up -f <file>`)\n',
    );
    assert.equal(
      await cli('detectors', ['detectors', 'list', ...none]),
      'no detectors yet — create one with `freshet up -f <pipeline file>` (a detectors: entry) or the LookoutMetrics API\n',
    );
    assert.equal(
      await cli('metrics', ['metrics', ...none]),
      'no metrics yet — streams, applications, delivery streams and functions publish theirs once they have traffic (`freshet put`, `freshet generate`), and `aws cloudwatch put-metric-data` adds your own\n',
    );
    assert.equal(
      await cli('metrics', ['metrics', 'AWS/Kinesis', ...none]),
      'no metrics in AWS/Kinesis yet — streams, applications, delivery streams and functions publish theirs once they have traffic (`freshet put`, `freshet generate`), and `aws cloudwatch put-metric-data` adds your own\n',
    );
    assert.equal(await cli('metrics', ['alarms', ...none]), 'no alarms (create them with PutMetricAlarm or a pipeline file)\n');
    assert.deepEqual(JSON.parse(await cli('functions', ['functions', 'list', '-o', 'json', '--endpoint', empty.url])), []);
  });

  it('carries --output in the built CLI: YAML of a detector equals its JSON', async () => {
    const yaml = await runCli(['detectors', 'describe', 'views-watch', '-o', 'yaml', '--endpoint', server.url]);
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.deepEqual(
      parseYaml(yaml.stdout),
      JSON.parse(await cli('detectors', ['detectors', 'describe', 'views-watch', '-o', 'json', '--endpoint', server.url])),
    );
  });
});
