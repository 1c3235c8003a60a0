/**
 * Scenario S3 end to end on a ManualClock: `applyUp` of examples/s3-ecommerce-metrics (stream, SQL app,
 * delivery stream writing 5-minute CSV intervals, and the detector from the file's flat `detectors:` settings
 * with its alert), the ecommerce generator with its marketplace episodes, and the detector reading each
 * interval 60 s after it closes: each episode after the warm-up becomes an anomaly group led by that
 * marketplace, and the alert reaches the webhook as an SNS notification.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DescribeAnomalyDetectorCommand,
  GetAnomalyGroupCommand,
  ListAnomalyDetectorsCommand,
  ListAnomalyGroupSummariesCommand,
} from '@aws-sdk/client-lookoutmetrics';
import { ManualClock } from '../../src/core/index.ts';
import { getGenerator } from '../../src/generators/index.ts';
import { applyDown, applyUp, createClients, loadPipeline, startPipelineGenerators } from '../../src/pipeline/index.ts';
import type { FreshetClients, LoadedPipeline, RunningGenerator } from '../../src/pipeline/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import type { DetectorsService } from '../../src/detectors/index.ts';
import { ROOT } from '../cli/run-cli.ts';
import { startWebhook } from './helpers.ts';
import type { Webhook } from './helpers.ts';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:ecommlive-alerts';
const RUN_MS = 5 * 60_000;
const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The generator's episodes, replayed from its factory: run index → the marketplace whose rows are anomalous. */
function episodes(seed: number, runs: number): Map<number, string> {
  const g = getGenerator('ecommerce');
  const f = g.create({ seed, anomalyRate: g.defaultAnomalyRate });
  const out = new Map<number, string>();
  for (let k = 0; k < runs; k++) {
    for (let i = 0; i < 18; i++) {
      const r = f.next(0);
      if (r.anomalous) out.set(k, String(r.value.marketplace));
    }
  }
  return out;
}

describe('scenario S3 end to end (ManualClock)', () => {
  let clock: ManualClock;
  let server: FreshetServer;
  let clients: FreshetClients;
  let loaded: LoadedPipeline;
  let generators: RunningGenerator[];
  let webhook: Webhook;
  let root: string;
  let stateDir: string;

  before(async () => {
    clock = new ManualClock(Date.UTC(2021, 5, 2, 0, 0, 0));
    root = mkdtempSync(join(tmpdir(), 'freshet-s3-e2e-'));
    stateDir = join(root, '.freshet-state');
    webhook = await startWebhook();
    server = await startServer({ port: 0, storage: 'memory', clock, firehose: { s3Root: root }, detectors: { topics: { [TOPIC]: webhook.url } } });
    clients = createClients({ endpoint: server.url });
    loaded = loadPipeline(join(ROOT, 'examples', 's3-ecommerce-metrics', 'freshet.yaml'));
    const pump = setInterval(() => clock.advance(100), 5);
    try {
      await applyUp(loaded, clients, { waitTimeoutMs: 30_000, stateDir });
    } finally {
      clearInterval(pump);
    }
    generators = startPipelineGenerators(loaded, clients.kinesis, { clock });
  });

  after(async () => {
    for (const g of generators) await g.stop().catch(() => {});
    const pump = setInterval(() => clock.advance(100), 5);
    try {
      await applyDown(loaded, clients, { waitTimeoutMs: 30_000, stateDir });
    } finally {
      clearInterval(pump);
      clients.destroy();
      await server.close();
      await webhook.close();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('turns each marketplace episode after the warm-up into an anomaly group led by that marketplace, and alerts the webhook', async () => {
    const lm = clients.lookoutmetrics;
    const list = await lm.send(new ListAnomalyDetectorsCommand({}));
    const arn = list.AnomalyDetectorSummaryList?.find((d) => d.AnomalyDetectorName === 'ecommlive')?.AnomalyDetectorArn;
    assert.ok(arn, 'up created the detector');
    const start = clock.now();
    const hours = 12;
    for (let t = 0; t < hours * 3_600_000; t += 60_000) {
      clock.advance(60_000);
      await Promise.all(generators.map((g) => g.flush()));
      await realSleep(10);
    }
    // Detection runs queue behind the clock: wait for the last interval's.
    const service = server.services.find((x) => x.signingName === 'lookoutmetrics') as DetectorsService;
    await service.engine.settled();
    assert.equal((await lm.send(new DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: arn }))).Status, 'ACTIVE');

    const groups = (await lm.send(new ListAnomalyGroupSummariesCommand({ AnomalyDetectorArn: arn, SensitivityThreshold: 0 }))).AnomalyGroupSummaryList ?? [];
    const eps = episodes(loaded.spec.generators[0]?.seed ?? 1, (hours * 3_600_000) / RUN_MS);
    // The generator's run k is in the interval starting k runs after the one holding `start`.
    const firstRun = Math.floor(start / RUN_MS) * RUN_MS;
    const detectedAfter = 64; // runs: the warm-up
    const expected = [...eps].filter(([k]) => k >= detectedAfter && !eps.has(k - 1));
    assert.ok(expected.length >= 1, `the seed has episodes after the warm-up (${[...eps.keys()].join(',')})`);
    const found = new Map<number, { top: string; score: number }>();
    for (const g of groups) {
      const full = (await lm.send(new GetAnomalyGroupCommand({ AnomalyDetectorArn: arn, AnomalyGroupId: g.AnomalyGroupId }))).AnomalyGroup!;
      const top = full.MetricLevelImpactList?.[0]?.ContributionMatrix?.DimensionContributionList?.[0]?.DimensionValueContributionList?.[0]?.DimensionValue;
      found.set(Math.round((Date.parse(g.StartTime!) - firstRun) / RUN_MS), { top: top ?? '', score: g.AnomalyGroupScore ?? 0 });
    }
    for (const [k, marketplace] of expected) {
      // A group starts inside the episode (its first interval, or a later one when the change is gradual in the likelihood stage).
      let at = k;
      while (!found.has(at) && eps.get(at + 1) === marketplace) at += 1;
      const hit = found.get(at);
      assert.ok(hit, `episode at run ${k} (${marketplace}) has a group (groups at runs ${[...found.keys()].join(',')})`);
      assert.equal(hit.top, marketplace);
      assert.ok(hit.score >= 50);
    }
    // No group outside an episode (or the interval right after one, when the values come back).
    for (const [k, g] of found) assert.ok(eps.has(k) || eps.has(k - 1), `group at run ${k} (${g.top}, ${g.score}) has no episode`);

    assert.ok(webhook.bodies.length >= expected.length, `${webhook.bodies.length} notifications`);
    const first = JSON.parse(webhook.bodies[0]!.body) as { Type: string; TopicArn: string; Message: string };
    assert.equal(first.Type, 'Notification');
    assert.equal(first.TopicArn, TOPIC);
    assert.equal((JSON.parse(first.Message) as { alertName: string }).alertName, 'ecommlive-alert');
  });
});
