/**
 * Under `--auth enforce` a metric detector acts with the roles its configuration names, as Lookout for Metrics
 * does: its metric set's S3 source is read with `S3SourceConfig.RoleArn` (`s3:ListBucket`, `s3:GetObject`), and
 * each alert's action runs with the action's `RoleArn` (`sns:Publish` on the topic, `lambda:InvokeFunction` on the
 * function). A role Lookout for Metrics may not assume, or one without the permission, fails the activation or
 * the interval's run with AWS's AccessDenied text, or drops the alert with the text in the server's log and counts
 * it as `Undelivered` in CloudWatch (AWS/LookoutMetrics, AlertArn), where delivered alerts count as `Delivered`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  ActivateAnomalyDetectorCommand,
  CreateAlertCommand,
  CreateAnomalyDetectorCommand,
  CreateMetricSetCommand,
  DescribeAnomalyDetectionExecutionsCommand,
  DescribeAnomalyDetectorCommand,
  LookoutMetricsClient,
  TagResourceCommand,
} from '@aws-sdk/client-lookoutmetrics';
import { ManualClock } from '../../src/core/index.ts';
import type { DetectorsService } from '../../src/detectors/index.ts';
import { Rng } from '../../src/generators/index.ts';
import { startServer } from '../../src/server/index.ts';
import { MemoryStorage } from '../../src/storage/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { intervalRows, writeInterval } from '../detectors/data.ts';
import type { Injection } from '../detectors/data.ts';
import { startWebhook } from '../detectors/helpers.ts';
import type { Webhook } from '../detectors/helpers.ts';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const ROOT = { accessKeyId: 'AKIAFRESHETROOT00021', secretAccessKey: 'root-secret-for-detector-role-tests-0000' };
const FREQ = 300_000;
const HISTORY = 160;
const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:ecomm-alerts`;
const FUNCTION = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:on-anomaly`;
const BUCKET = 'arn:aws:s3:::freshet-s3';
const role = (name: string): string => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const TRUST = (service: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });
const policy = (statements: { Action: string | string[]; Resource: string | string[] }[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements.map((s) => ({ Effect: 'Allow', ...s })) });
const S3_READ = [
  { Action: 's3:ListBucket', Resource: BUCKET },
  { Action: 's3:GetObject', Resource: `${BUCKET}/*` },
];

describe('a metric detector under --auth enforce', () => {
  let server: FreshetServer;
  let clock: ManualClock;
  let dir: string;
  let iam: IAMClient;
  let lm: LookoutMetricsClient;
  let snsHook: Webhook;
  let fnHook: Webhook;
  const logs: string[] = [];
  // Live intervals start at `now`; the history before it warms the model up.
  // Both taken when the suite's hook runs, not when the file is loaded: in a process running several files that can
  // be minutes earlier, and requests signed by the real clock then fall outside SigV4's 5 minutes of skew from a
  // server clock started at `now` (a fresh-clone run's first request was 5 min 11 s ahead of it).
  let now = 0;
  // The data's daily cycle as if `now` were 16:00 UTC, whatever the hour the test runs at: the scores, and so which
  // alerts fire, must not depend on it (at 18:45 UTC the FR drop scored under the alerts' threshold).
  let DAY_ORIGIN = 0;

  before(async () => {
    now = Math.floor(Date.now() / FREQ) * FREQ;
    DAY_ORIGIN = now - 16 * 3_600_000;
    dir = await mkdtemp(join(tmpdir(), 'freshet-l4m-roles-'));
    snsHook = await startWebhook();
    fnHook = await startWebhook();
    // Near the real time: requests are signed with the real clock (syncClocks keeps them current afterwards); at most
    // 5 minutes behind it, inside SigV4's allowed skew. Starting just after `now`, not at the real time, keeps every
    // activation inside the interval that begins at `now` (a run a few seconds before a 5-minute boundary activated
    // after it, and saw one live interval where the test expects two).
    clock = new ManualClock(now + 1_000);
    server = await startServer({
      port: 0,
      // A storage instance keeps the data dir, where the embedded bucket is.
      storage: new MemoryStorage(),
      dataDir: dir,
      auth: 'enforce',
      clock,
      activityLog: false,
      env: { FRESHET_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, FRESHET_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey },
      detectors: { topics: { [TOPIC]: snsHook.url }, log: (line) => logs.push(line) },
    });
    const cfg = { endpoint: server.url, region: REGION, credentials: ROOT, maxAttempts: 1 };
    iam = new IAMClient(cfg);
    lm = new LookoutMetricsClient(cfg);
    const bucketDir = join(dir, 's3', 'freshet-s3');
    const rng = new Rng(7);
    // A drop in FR in the second and third live intervals.
    const drop: Injection = { marketplace: 'FR', from: HISTORY + 1, to: HISTORY + 2, factor: 0.15 };
    for (let i = 0; i < HISTORY + 6; i++) {
      const start = now + (i - HISTORY) * FREQ;
      writeInterval(bucketDir, start, intervalRows(rng, i, start, FREQ, [drop], DAY_ORIGIN));
    }
    const roles: [string, string, string | undefined][] = [
      ['ec2-only', 'ec2.amazonaws.com', policy([...S3_READ, { Action: ['sns:Publish', 'lambda:InvokeFunction'], Resource: '*' }])],
      ['l4m-blind', 'lookoutmetrics.amazonaws.com', undefined],
      ['l4m-reader', 'lookoutmetrics.amazonaws.com', policy(S3_READ)],
      ['l4m-publisher', 'lookoutmetrics.amazonaws.com', policy([{ Action: 'sns:Publish', Resource: TOPIC }])],
      ['l4m-invoker', 'lookoutmetrics.amazonaws.com', policy([{ Action: 'lambda:InvokeFunction', Resource: FUNCTION }])],
    ];
    for (const [name, service, doc] of roles) {
      await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST(service) }));
      if (doc) await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'p', PolicyDocument: doc }));
    }
  });
  after(async () => {
    iam.destroy();
    lm.destroy();

    await server.close();
    await snsHook.close();
    await fnHook.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Signs with the server's clock: requests made after the ManualClock moved on are still current. */
  function syncClocks(): void {
    for (const c of [lm, iam]) (c.config as { systemClockOffset: number }).systemClockOffset = clock.now() - Date.now();
  }

  const engine = () => (server.services.find((s) => s.signingName === 'lookoutmetrics') as DetectorsService).engine;

  async function createDetector(name: string, roleName: string): Promise<string> {
    const { AnomalyDetectorArn } = await lm.send(
      new CreateAnomalyDetectorCommand({ AnomalyDetectorName: name, AnomalyDetectorConfig: { AnomalyDetectorFrequency: 'PT5M' } }),
    );
    await lm.send(
      new CreateMetricSetCommand({
        AnomalyDetectorArn,
        MetricSetName: `${name}-views`,
        MetricList: [{ MetricName: 'views', AggregationFunction: 'SUM' }],
        DimensionList: ['marketplace'],
        TimestampColumn: { ColumnName: 'event_time', ColumnFormat: 'yyyy-MM-dd HH:mm:ss.S' },
        Offset: 60,
        MetricSetFrequency: 'PT5M',
        Timezone: 'UTC',
        MetricSource: {
          S3SourceConfig: {
            RoleArn: role(roleName),
            TemplatedPathList: ['s3://freshet-s3/streaming-csv/data/intvl_date={{yyyy-MM-dd}}/intvl_hhmm={{HHmm}}'],
            HistoricalDataPathList: ['s3://freshet-s3/streaming-csv/data/'],
            FileFormatDescriptor: { CsvFormatDescriptor: { ContainsHeader: true, Delimiter: ',' } },
          },
        },
      }),
    );
    return AnomalyDetectorArn!;
  }

  async function activate(arn: string) {
    await lm.send(new ActivateAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
    clock.advance(1000);
    await engine().settled();
    return lm.send(new DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
  }

  it('fails activation when Lookout for Metrics may not assume the S3 source role', async () => {
    const d = await activate(await createDetector('untrusted', 'ec2-only'));
    assert.equal(d.Status, 'FAILED');
    assert.equal(d.FailureType, 'ACTIVATION_FAILURE');
    assert.equal(d.FailureReason, `Lookout for Metrics is unable to assume role ${role('ec2-only')}.`);
  });

  it("fails activation with AWS's AccessDenied text when the role may not list the bucket", async () => {
    const d = await activate(await createDetector('blind', 'l4m-blind'));
    assert.equal(d.Status, 'FAILED');
    assert.equal(d.FailureType, 'ACTIVATION_FAILURE');
    assert.equal(
      d.FailureReason,
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/l4m-blind/blind is not authorized to perform: s3:ListBucket on resource: ${BUCKET} because no identity-based policy allows the s3:ListBucket action`,
    );
  });

  it('reads S3 with an allowed role, delivers alerts only through action roles that may publish or invoke (counted as Delivered and Undelivered in CloudWatch), and fails a run once the role loses s3:GetObject', async () => {
    const arn = await createDetector('shop', 'l4m-reader');
    const alerts: [string, NonNullable<ConstructorParameters<typeof CreateAlertCommand>[0]['Action']>][] = [
      ['sns-allowed', { SNSConfiguration: { RoleArn: role('l4m-publisher'), SnsTopicArn: TOPIC, SnsFormat: 'JSON' } }],
      ['sns-denied', { SNSConfiguration: { RoleArn: role('l4m-invoker'), SnsTopicArn: TOPIC, SnsFormat: 'JSON' } }],
      ['lambda-allowed', { LambdaConfiguration: { RoleArn: role('l4m-invoker'), LambdaArn: FUNCTION } }],
      ['lambda-untrusted', { LambdaConfiguration: { RoleArn: role('ec2-only'), LambdaArn: FUNCTION } }],
    ];
    const alertArns = new Map<string, string>();
    for (const [name, action] of alerts) {
      const { AlertArn } = await lm.send(new CreateAlertCommand({ AlertName: name, AnomalyDetectorArn: arn, AlertSensitivityThreshold: 50, Action: action }));
      // The function is not on this server: the alert goes to its webhook, still only if the role may invoke it.
      if (action.LambdaConfiguration) await lm.send(new TagResourceCommand({ ResourceArn: AlertArn, Tags: { 'freshet:webhook': fnHook.url } }));
      alertArns.set(name, AlertArn!);
    }
    const d = await activate(arn);
    assert.equal(d.Status, 'ACTIVE', d.FailureReason);

    // Activation came after `now`: the first live interval is the next one. Two intervals, both with the drop.
    clock.advanceTo(now + 3 * FREQ + 61_000);
    await engine().settled();
    syncClocks();
    const executions = async () =>
      ((await lm.send(new DescribeAnomalyDetectionExecutionsCommand({ AnomalyDetectorArn: arn }))).ExecutionList ?? []).map((e) => [e.Status, e.FailureReason]);
    assert.deepEqual(await executions(), [
      ['COMPLETED', undefined],
      ['COMPLETED', undefined],
    ]);
    // Alerts go out over HTTP after the run completes: wait (up to 10 s) for both deliveries and both refusals, then count exactly.
    for (const start = Date.now(); Date.now() - start < 10_000; ) {
      if (snsHook.bodies.length >= 1 && fnHook.bodies.length >= 1 && logs.filter((l) => l.startsWith('alert ')).length >= 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 100)); // a late duplicate would show now
    assert.equal(snsHook.bodies.length, 1, 'the SNS alert whose role may publish');
    assert.equal((JSON.parse(JSON.parse(snsHook.bodies[0]!.body).Message) as { alertName: string }).alertName, 'sns-allowed');
    assert.equal(fnHook.bodies.length, 1, 'the Lambda alert whose role may invoke');
    assert.equal((JSON.parse(fnHook.bodies[0]!.body) as { alertName: string }).alertName, 'lambda-allowed');
    assert.deepEqual(
      logs.filter((l) => l.startsWith('alert ')),
      [
        `alert sns-denied: delivery failed: User: arn:aws:sts::${ACCOUNT}:assumed-role/l4m-invoker/shop is not authorized to perform: sns:Publish on resource: ${TOPIC} because no identity-based policy allows the sns:Publish action`,
        `alert lambda-untrusted: delivery failed: Lookout for Metrics is unable to assume role ${role('ec2-only')}.`,
      ],
    );
    // CloudWatch counts each alert's deliveries (AWS/LookoutMetrics, AlertArn): once the registry has flushed.
    clock.advance(11_000);
    const cw = new CloudWatchClient({ endpoint: server.url, region: REGION, credentials: ROOT, maxAttempts: 1, systemClockOffset: clock.now() - Date.now() });
    const count = async (metric: 'Delivered' | 'Undelivered', alert: string): Promise<number> => {
      // The SDK resets its offset from the server's (real-time) Date header after each call: sign with the server's clock again.
      (cw.config as { systemClockOffset: number }).systemClockOffset = clock.now() - Date.now();
      const { Datapoints } = await cw.send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/LookoutMetrics',
          MetricName: metric,
          Dimensions: [{ Name: 'AlertArn', Value: alertArns.get(alert)! }],
          StartTime: new Date(now),
          EndTime: new Date(clock.now() + 60_000),
          Period: 3600,
          Statistics: ['Sum'],
        }),
      );
      return (Datapoints ?? []).reduce((n, p) => n + (p.Sum ?? 0), 0);
    };
    const counts: Record<string, [number, number]> = {};
    for (const name of alertArns.keys()) counts[name] = [await count('Delivered', name), await count('Undelivered', name)];
    cw.destroy();
    assert.deepEqual(counts, { 'sns-allowed': [1, 0], 'sns-denied': [0, 1], 'lambda-allowed': [1, 0], 'lambda-untrusted': [0, 1] });

    // The role may list the bucket but no longer get objects: the next run fails with the text.
    await iam.send(new PutRolePolicyCommand({ RoleName: 'l4m-reader', PolicyName: 'p', PolicyDocument: policy([S3_READ[0]!]) }));
    clock.advanceTo(now + 4 * FREQ + 61_000);
    await engine().settled();
    syncClocks();
    const key = `streaming-csv/data/intvl_date=${new Date(now + 3 * FREQ).toISOString().slice(0, 10)}/intvl_hhmm=${new Date(now + 3 * FREQ).toISOString().slice(11, 16).replace(':', '')}/part-0000.csv`;
    const [failed] = await executions();
    assert.deepEqual(failed, [
      'FAILED',
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/l4m-reader/shop is not authorized to perform: s3:GetObject on resource: ${BUCKET}/${key} because no identity-based policy allows the s3:GetObject action`,
    ]);

    // Given back, the next interval is read again.
    await iam.send(new PutRolePolicyCommand({ RoleName: 'l4m-reader', PolicyName: 'p', PolicyDocument: policy(S3_READ) }));
    clock.advanceTo(now + 5 * FREQ + 61_000);
    await engine().settled();
    syncClocks();
    assert.deepEqual((await executions())[0], ['COMPLETED', undefined]);
  });
});
