/**
 * LookoutMetrics detectors across two Freshet nodes on one NATS JetStream cluster (issue 19): a detector, its metric
 * set and alert created through one node are described through the other (definitions, run state, anomaly groups and
 * models are in the shared metadata); an activated detector runs its detection on one node only, the holder of its
 * lease `detector/<name>`; when that node stops, the other takes the lease and goes on with the next interval from
 * the stored state — every interval recorded once, none skipped — and the anomaly after the handover alerts once.
 * The stopped node, restarted, knows the detector and leaves it to the owner; feedback put through it reaches the
 * owner's model, and a deactivation through it stops the detection on the owner.
 * Both nodes share one ManualClock and one directory of embedded buckets (the detector's S3 source).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import * as LM from '@aws-sdk/client-lookoutmetrics';
import type { NatsCluster } from '../../src/cluster/index.ts';
import { ManualClock } from '../../src/core/index.ts';
import type { DetectorsService } from '../../src/detectors/index.ts';
import { Rng } from '../../src/generators/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { dropNamespace, testNatsCluster } from '../helpers/nats-cluster.ts';
import { intervalRows, writeInterval } from '../detectors/data.ts';
import type { Injection } from '../detectors/data.ts';
import { ROLE, T0, TOPIC } from '../detectors/helpers.ts';
import { eventually as waitFor } from '../helpers/eventually.ts';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FREQ = 300_000;
/** Intervals of data; the owner stops after HANDOVER of them, the drop comes after that. */
const N = 160;
const HANDOVER = 100;
const DROP: Injection = { marketplace: 'DE', from: 150, to: 153, factor: 0.2 };

let nats: NatsCluster;
const namespace = `detl${process.pid}`;
const clock = new ManualClock(T0 - 2000);
const s3Root = mkdtempSync(join(tmpdir(), 'freshet-detectors-leased-'));
let nodeA: FreshetServer | undefined;
let nodeB: FreshetServer | undefined;
/** Alert notifications as the SNS topic's HTTP endpoint receives them: the path names the node that sent each. */
const notified: string[] = [];
let hook: Server;
let hookUrl = '';

/** A node on the namespace; `label` names it in the alert topic's endpoint. Leases that never expire under the jumping clock. */
function node(label: string): Promise<FreshetServer> {
  return startServer({
    port: 0,
    storage: 'jetstream',
    nats: { servers: nats.urls, namespace },
    clock,
    createDelayMs: 0,
    deleteDelayMs: 0,
    firehose: { s3Root },
    leases: { ttlMs: 24 * 3_600_000, renewMs: 1000 },
    detectors: { topics: { [TOPIC]: `${hookUrl}/${label}` }, log: () => undefined },
  });
}

function client(s: FreshetServer): LM.LookoutMetricsClient {
  return new LM.LookoutMetricsClient({ endpoint: s.url, region: 'us-east-1', credentials, maxAttempts: 1 });
}

function engineOf(s: FreshetServer) {
  return (s.services.find((x) => x.signingName === 'lookoutmetrics') as DetectorsService).engine;
}

const eventually = <T>(check: () => Promise<T>, what: string, timeoutMs = 10_000): Promise<T> => waitFor(check, what, timeoutMs, 25);

/** Moves the clock to `t` and waits until both nodes have run (and stored) what came due. */
async function advanceTo(t: number, nodes: FreshetServer[]): Promise<void> {
  clock.advanceTo(t);
  for (const n of nodes) {
    await engineOf(n).settled();
    await engineOf(n).flushed();
  }
}

before(async () => {
  hook = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      notified.push(req.url ?? '');
      res.end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}`;
  nats = await testNatsCluster();
  nodeA = await node('a');
  nodeB = await node('b');
  const rng = new Rng(2);
  for (let i = 0; i < N; i++) writeInterval(join(s3Root, 'freshet-s3'), T0 + i * FREQ, intervalRows(rng, i, T0 + i * FREQ, FREQ, [DROP]));
});

after(async () => {
  await nodeB?.close();
  await nodeA?.close();
  await dropNamespace(nats.urls, namespace);
  await nats?.stop();
  rmSync(s3Root, { recursive: true, force: true });
  await new Promise((r) => hook?.close(r));
});

describe('detectors across nodes', () => {
  it('created through A, described through B; detection runs on one node; its owner stops and the other goes on with the next interval; the alert is sent once', async () => {
    const a = client(nodeA!);
    const b = client(nodeB!);
    try {
      const arn = (
        await a.send(new LM.CreateAnomalyDetectorCommand({ AnomalyDetectorName: 'shared', AnomalyDetectorConfig: { AnomalyDetectorFrequency: 'PT5M' } }))
      ).AnomalyDetectorArn!;
      const { MetricSetArn } = await a.send(
        new LM.CreateMetricSetCommand({
          AnomalyDetectorArn: arn,
          MetricSetName: 'ecommerce',
          MetricList: [{ MetricName: 'views', AggregationFunction: 'SUM' }],
          DimensionList: ['marketplace'],
          TimestampColumn: { ColumnName: 'event_time', ColumnFormat: 'yyyy-MM-dd HH:mm:ss.s' },
          Offset: 60,
          MetricSetFrequency: 'PT5M',
          Timezone: 'UTC',
          MetricSource: {
            S3SourceConfig: {
              RoleArn: ROLE,
              TemplatedPathList: ['s3://freshet-s3/streaming-csv/data/intvl_date={{yyyy-MM-dd}}/intvl_hhmm={{HHmm}}'],
              FileFormatDescriptor: { CsvFormatDescriptor: { FileCompression: 'NONE', Charset: 'UTF-8', ContainsHeader: true, Delimiter: ',' } },
            },
          },
        }),
      );
      const { AlertArn } = await a.send(
        new LM.CreateAlertCommand({
          AlertName: 'drop',
          AnomalyDetectorArn: arn,
          AlertSensitivityThreshold: 50,
          Action: { SNSConfiguration: { RoleArn: ROLE, SnsTopicArn: TOPIC, SnsFormat: 'JSON' } },
        }),
      );

      // B knows all three (its copy of the shared metadata follows A's writes).
      await eventually(async () => {
        const d = await b.send(new LM.DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
        assert.equal(d.Status, 'INACTIVE');
        assert.equal((await b.send(new LM.DescribeMetricSetCommand({ MetricSetArn }))).Offset, 60);
        assert.equal((await b.send(new LM.DescribeAlertCommand({ AlertArn }))).Alert?.AlertSensitivityThreshold, 50);
      }, 'B describes the detector, metric set and alert created through A');

      // Activated through B: B takes the free lease and runs it.
      await b.send(new LM.ActivateAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
      await eventually(
        async () => assert.equal((await a.send(new LM.DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: arn }))).Status, 'ACTIVATING'),
        'A sees ACTIVATING',
      );
      await sleep(200); // B's lease take (mayRun) completes and arms the activation timer
      await advanceTo(T0 - 1000, [nodeA!, nodeB!]); // ACTIVATING ends before T0: the first interval is the one from T0
      await advanceTo(T0 + HANDOVER * FREQ + 60_000, [nodeA!, nodeB!]);
      const ea = engineOf(nodeA!);
      const eb = engineOf(nodeB!);
      assert.deepEqual([ea.recordedHere, eb.recordedHere].sort(), [0, HANDOVER], `intervals detected per node: A ${ea.recordedHere}, B ${eb.recordedHere}`);
      const ownerIsA = ea.recordedHere > 0;
      const [owner, survivor] = ownerIsA ? [nodeA!, nodeB!] : [nodeB!, nodeA!];
      const [survivorClient, survivorEngine] = ownerIsA ? [b, eb] : [a, ea];

      // The other node answers with the owner's results.
      await eventually(async () => {
        const d = await survivorClient.send(new LM.DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
        assert.equal(d.Status, 'ACTIVE');
        const execs = await survivorClient.send(new LM.DescribeAnomalyDetectionExecutionsCommand({ AnomalyDetectorArn: arn, MaxResults: 1 }));
        assert.equal(execs.ExecutionList?.[0]?.Timestamp, new Date(T0 + (HANDOVER - 1) * FREQ).toISOString().replace('.000Z', 'Z'));
      }, 'the other node describes the owner’s last execution');
      // The owner's own transitions (ACTIVATING → LEARNING → ACTIVE) are in its run state; the definition keeps what the
      // API wrote, so the owner never rewrites it (over a change made through the other node meanwhile).
      assert.equal((survivor.storage.meta.get('detectors/d/shared') as { detector: { status: string } }).detector.status, 'ACTIVATING');
      assert.equal((survivor.storage.meta.get('detectors/r/shared') as { state?: { status: string } }).state?.status, 'ACTIVE');
      assert.deepEqual(notified, [], 'no anomaly before the handover');
      // The owner's writes carry its fencing token (a stale owner's later write would be refused by the store).
      const tokenOf = (n: FreshetServer) => (n.storage.meta.get('detectors/r/shared') as { leaseToken?: number } | undefined)?.leaseToken;
      const firstToken = tokenOf(owner);
      assert.ok(typeof firstToken === 'number' && firstToken > 0, `run state fenced (token ${firstToken})`);

      // The owner stops: it checkpoints and releases the lease; the survivor takes it (a free lease is taken when seen twice).
      await owner.close();
      if (owner === nodeA) nodeA = undefined;
      else nodeB = undefined;
      const t = T0 + HANDOVER * FREQ + 60_000;
      for (let i = 1; i <= 20 && survivorEngine.recordedHere === 0; i++) {
        clock.advanceTo(t + i * 1000);
        await sleep(100);
        await survivorEngine.settled();
      }
      await advanceTo(T0 + N * FREQ + 60_000, [survivor]);
      assert.equal(survivorEngine.recordedHere, N - HANDOVER, 'the survivor detected every interval after the handover');
      assert.ok(tokenOf(survivor)! > firstToken, `the new owner writes with a larger token (${tokenOf(survivor)} > ${firstToken})`);

      // Every interval recorded once, in order, none skipped.
      const execs: LM.ExecutionStatus[] = [];
      let next: string | undefined;
      do {
        const page = await survivorClient.send(new LM.DescribeAnomalyDetectionExecutionsCommand({ AnomalyDetectorArn: arn, MaxResults: 100, NextToken: next }));
        execs.push(...(page.ExecutionList ?? []));
        next = page.NextToken;
      } while (next);
      const times = execs.map((e) => Date.parse(e.Timestamp!)).sort((x, y) => x - y);
      assert.deepEqual(
        times,
        Array.from({ length: N }, (_, i) => T0 + i * FREQ),
      );
      assert.ok(execs.every((e) => e.Status === 'COMPLETED'));

      // The drop after the handover: one group, through the survivor, alerted once, by the survivor.
      const groups =
        (await survivorClient.send(new LM.ListAnomalyGroupSummariesCommand({ AnomalyDetectorArn: arn, SensitivityThreshold: 50 }))).AnomalyGroupSummaryList ??
        [];
      assert.equal(groups.length, 1, JSON.stringify(groups));
      assert.equal(groups[0]!.StartTime, new Date(T0 + DROP.from * FREQ).toISOString().replace('.000Z', 'Z'));
      await eventually(async () => assert.equal(notified.length, 1), 'the alert arrives');
      await sleep(200);
      assert.deepEqual(notified, [ownerIsA ? '/b' : '/a'], 'one notification, from the node that runs the detector now');

      // The stopped node comes back: it knows the detector (ACTIVE, from the shared metadata) and leaves it to the lease owner.
      const back = await node(ownerIsA ? 'a' : 'b');
      if (ownerIsA) nodeA = back;
      else nodeB = back;
      const bc = client(back);
      try {
        await eventually(
          async () => assert.equal((await bc.send(new LM.DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: arn }))).Status, 'ACTIVE'),
          'the restarted node describes it',
        );
        // Feedback through it reaches the model on the node that runs the detector.
        const group = groups[0]!.AnomalyGroupId!;
        const series = survivorEngine.groups.get(group)!.series[0]!;
        await bc.send(
          new LM.PutFeedbackCommand({
            AnomalyDetectorArn: arn,
            AnomalyGroupTimeSeriesFeedback: { AnomalyGroupId: group, TimeSeriesId: series.seriesId, IsAnomaly: false },
          }),
        );
        await eventually(async () => {
          const s = survivorEngine
            .model(arn)!
            .toJSON()
            .series.find((x) => x.id === series.seriesId)!;
          assert.equal(s.suppressBelow, Math.min(99, series.severity));
        }, 'the owner’s model takes the feedback');
        // Deactivated through it: the owner stops detecting, and neither node runs the next intervals.
        await bc.send(new LM.DeactivateAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
        await eventually(
          async () => assert.equal((await survivorClient.send(new LM.DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: arn }))).Status, 'DEACTIVATED'),
          'the owner sees DEACTIVATED',
        );
        await sleep(200);
        await advanceTo(T0 + (N + 5) * FREQ + 60_000, [survivor, back]);
        assert.equal(survivorEngine.recordedHere, N - HANDOVER, 'the owner detected nothing after the deactivation');
        assert.equal(engineOf(back).recordedHere, 0);
      } finally {
        bc.destroy();
      }
    } finally {
      a.destroy();
      b.destroy();
    }
  });
});
