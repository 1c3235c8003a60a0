/**
 * Under `--auth enforce` a metric set reads its Kinesis stream (`kinesis://`) with its RoleArn, as delivery
 * streams and SQL applications read theirs: a role Lookout for Metrics may not assume, or one without read
 * permissions on the stream, fails the activation with the reason; a role that may read the stream detects.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  ActivateAnomalyDetectorCommand,
  DescribeAnomalyDetectionExecutionsCommand,
  DescribeAnomalyDetectorCommand,
  GetDataQualityMetricsCommand,
  LookoutMetricsClient,
} from '@aws-sdk/client-lookoutmetrics';
import { ManualClock } from '../../src/core/index.ts';
import type { DetectorsService } from '../../src/detectors/index.ts';
import { Rng } from '../../src/generators/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { intervalRows } from './data.ts';
import { FREQ, createStreamDetector, putRows } from './stream-helpers.ts';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const ROOT = { accessKeyId: 'AKIAFRESHETROOT00014', secretAccessKey: 'root-secret-for-l4m-stream-tests-000000' };
const STREAM_ARN = `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/views`;
const role = (name: string): string => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const TRUST = (service: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });

describe('a kinesis:// metric set under --auth enforce', () => {
  let server: FreshetServer;
  let clock: ManualClock;
  let iam: IAMClient;
  let k: KinesisClient;
  let lm: LookoutMetricsClient;

  before(async () => {
    // Near the real time: requests are signed with the real clock.
    clock = new ManualClock(Date.now());
    server = await startServer({
      port: 0,
      storage: 'memory',
      auth: 'enforce',
      clock,
      activityLog: false,
      env: { FRESHET_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, FRESHET_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey },
    });
    const cfg = { endpoint: server.url, region: REGION, credentials: ROOT, maxAttempts: 1 };
    iam = new IAMClient(cfg);
    k = new KinesisClient(cfg);
    lm = new LookoutMetricsClient(cfg);
    await k.send(new CreateStreamCommand({ StreamName: 'views', ShardCount: 1 }));
    clock.advance(1000);
    for (const [name, service] of [
      ['l4m-blind', 'lookoutmetrics.amazonaws.com'],
      ['l4m-reader', 'lookoutmetrics.amazonaws.com'],
      ['ec2-only', 'ec2.amazonaws.com'],
    ] as const) {
      await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST(service) }));
    }
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'l4m-reader',
        PolicyName: 'read',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['kinesis:DescribeStream', 'kinesis:ListShards', 'kinesis:GetShardIterator', 'kinesis:GetRecords'],
              Resource: STREAM_ARN,
            },
          ],
        }),
      }),
    );
  });
  after(async () => {
    iam.destroy();
    k.destroy();
    lm.destroy();
    await server.close();
  });

  /** Signs with the server's clock: requests made after the ManualClock moved on are still current. */
  function syncClocks(): void {
    for (const c of [k, lm, iam]) (c.config as { systemClockOffset: number }).systemClockOffset = clock.now() - Date.now();
  }

  const engine = () => (server.services.find((s) => s.signingName === 'lookoutmetrics') as DetectorsService).engine;

  async function activate(name: string, roleName: string) {
    const arn = await createStreamDetector(lm, name, 'views', { roleArn: role(roleName), alert: false });
    await lm.send(new ActivateAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
    clock.advance(1000);
    await engine().settled();
    return { arn, d: await lm.send(new DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: arn })) };
  }

  it('fails activation when Lookout for Metrics may not assume the role', async () => {
    const { d } = await activate('untrusted', 'ec2-only');
    assert.equal(d.Status, 'FAILED');
    assert.equal(d.FailureReason, `Lookout for Metrics is unable to assume role ${role('ec2-only')}.`);
  });

  it("fails activation with AWS's AccessDenied text when the role may not read the stream", async () => {
    const { d } = await activate('blind', 'l4m-blind');
    assert.equal(d.Status, 'FAILED');
    assert.equal(d.FailureType, 'ACTIVATION_FAILURE');
    assert.match(
      d.FailureReason ?? '',
      /assumed-role\/l4m-blind\/blind is not authorized to perform: kinesis:DescribeStream on resource: arn:aws:kinesis:us-east-1:000000000000:stream\/views/,
    );
  });

  it('reads the stream with a role allowed to, detects its intervals, and fails a run with the AccessDenied text once the role loses the permission', async () => {
    const { arn, d } = await activate('reader', 'l4m-reader');
    assert.equal(d.Status, 'LEARNING');
    const start = Math.ceil(clock.now() / FREQ) * FREQ;
    clock.advanceTo(start + 1000);
    syncClocks();
    await putRows(k, 'views', intervalRows(new Rng(3), 0, start, FREQ));
    clock.advanceTo(start + FREQ + 61_000);
    await engine().settled();
    syncClocks();
    const quality = await lm.send(new GetDataQualityMetricsCommand({ AnomalyDetectorArn: arn }));
    const metrics = quality.AnomalyDetectorDataQualityMetricList?.[0]?.MetricSetDataQualityMetricList?.[0]?.DataQualityMetricList ?? [];
    assert.equal(metrics.find((m) => m.MetricType === 'ROWS_PROCESSED')?.MetricValue, 18);

    // The policy now allows another stream only.
    syncClocks();
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'l4m-reader',
        PolicyName: 'read',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kinesis:*', Resource: `${STREAM_ARN}-other` }] }),
      }),
    );
    clock.advanceTo(start + 2 * FREQ + 61_000);
    await engine().settled();
    syncClocks();
    const executions = (await lm.send(new DescribeAnomalyDetectionExecutionsCommand({ AnomalyDetectorArn: arn }))).ExecutionList ?? [];
    assert.deepEqual(
      executions.map((e) => e.Status),
      ['FAILED', 'COMPLETED'],
    );
    assert.match(executions[0]!.FailureReason ?? '', /l4m-reader\/reader is not authorized to perform: kinesis:DescribeStream/);
  });
});
