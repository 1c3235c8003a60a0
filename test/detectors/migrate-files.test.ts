/**
 * Detectors written by the previous version (`<data-dir>/detectors/state.json` and `<name>.models.json`) are read
 * into the storage's MetaStore when a server on file storage opens that data directory: the detector, metric set,
 * alert, tags, anomaly group, executions and model answer as before; the old files are set aside (state.json.migrated)
 * and a second restart reads everything from the MetaStore alone.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as LM from '@aws-sdk/client-lookoutmetrics';
import { ManualClock } from '../../src/core/index.ts';
import { MetricSetDetector } from '../../src/detectors/index.ts';
import type { DetectorsService } from '../../src/detectors/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { dropNamespace, testNatsCluster } from '../helpers/nats-cluster.ts';
import { ROLE, T0, TOPIC } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'freshet-l4m-migrate-'));
const ARN = 'arn:aws:lookoutmetrics:us-east-1:000000000000:AnomalyDetector:legacy';
const MS_ARN = 'arn:aws:lookoutmetrics:us-east-1:000000000000:MetricSet:legacy/views';
const ALERT_ARN = 'arn:aws:lookoutmetrics:us-east-1:000000000000:Alert:legacy-alert';
const FREQ = 300_000;

after(() => rmSync(dir, { recursive: true, force: true }));

/** A group over 300 series (about 1.2 KB of JSON each): too large for one key, so it is stored in chunks. */
const BIG = 'b1e4a2c0-0000-4000-8000-000000000002';
function bigGroup() {
  return {
    id: BIG,
    detectorArn: ARN,
    metricSetArn: MS_ARN,
    startMs: T0 + 2 * FREQ,
    endMs: T0 + 3 * FREQ,
    score: 60,
    primaryMetric: 'views',
    series: Array.from({ length: 300 }, (_, i) => ({
      seriesId: `views|M${i}`,
      metric: 'views',
      dimensions: { marketplace: `M${i}` },
      severity: 60,
      value: 10.123456789,
      expected: 100.123456789,
      reason: 'the value is far below its expected range',
      values: Array.from({ length: 48 }, (_, j) => 100 + j + i / 7),
      valuesStartMs: T0 - 45 * FREQ,
    })),
    mode: 'live',
  };
}

/** The previous version's files in `<target>/detectors/`: detector `name` (DEACTIVATED) with its metric set, alert, two groups, five executions and a model. */
function writeLegacy(target = dir, name = 'legacy'): number {
  const model = new MetricSetDetector([{ name: 'views', aggregation: 'SUM' }], ['marketplace'], FREQ);
  for (let i = 0; i < 5; i++) {
    model.process(T0 + i * FREQ, [{ timestampMs: T0 + i * FREQ, dimensions: ['DE'], values: [100 + i] }]);
  }
  const state = {
    version: 1,
    detectors: [
      { arn: ARN, name: 'legacy', frequency: 'PT5M', creationTime: T0, lastModificationTime: T0, status: 'DEACTIVATED', lastRecordedMs: T0 + 4 * FREQ },
    ],
    metricSets: [
      {
        arn: MS_ARN,
        detectorArn: ARN,
        name: 'views',
        metricList: [{ MetricName: 'views', AggregationFunction: 'SUM' }],
        offset: 60,
        dimensionList: ['marketplace'],
        frequency: 'PT5M',
        source: { S3SourceConfig: { RoleArn: ROLE, TemplatedPathList: ['s3://freshet-s3/views/{{yyyyMMdd}}/{{HHmm}}'] } },
        creationTime: T0,
        lastModificationTime: T0,
      },
    ],
    alerts: [
      {
        arn: ALERT_ARN,
        detectorArn: ARN,
        name: 'legacy-alert',
        sensitivity: 70,
        action: { SNSConfiguration: { RoleArn: ROLE, SnsTopicArn: TOPIC } },
        status: 'ACTIVE',
        creationTime: T0,
        lastModificationTime: T0,
      },
    ],
    tags: { [ARN]: { team: 'shop' } },
    groups: [
      {
        id: 'b1e4a2c0-0000-4000-8000-000000000001',
        detectorArn: ARN,
        metricSetArn: MS_ARN,
        startMs: T0 + 3 * FREQ,
        endMs: T0 + 4 * FREQ,
        score: 80,
        primaryMetric: 'views',
        series: [
          {
            seriesId: 'views|DE',
            metric: 'views',
            dimensions: { marketplace: 'DE' },
            severity: 80,
            value: 10,
            expected: 100,
            reason: 'drop',
            values: [100, 10],
            valuesStartMs: T0 + 2 * FREQ,
          },
        ],
        mode: 'live',
      },
      bigGroup(),
    ],
    feedback: {},
    executions: { [ARN]: [0, 1, 2, 3, 4].map((i) => ({ startMs: T0 + i * FREQ, status: 'COMPLETED' })) },
    quality: {},
  };
  mkdirSync(join(target, 'detectors'), { recursive: true });
  // Another detector's names and group ids throughout (the text of the state, renamed).
  const text = name === 'legacy' ? JSON.stringify(state) : JSON.stringify(state).replaceAll('legacy', name).replaceAll('-4000-', '-4001-');
  writeFileSync(join(target, 'detectors', 'state.json'), text);
  writeFileSync(join(target, 'detectors', `${name}.models.json`), JSON.stringify(model));
  return model.intervals;
}

async function check(): Promise<void> {
  const server = await startServer({ port: 0, dataDir: dir, clock: new ManualClock(T0 + 10 * FREQ) });
  const c = new LM.LookoutMetricsClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
  try {
    const d = await c.send(new LM.DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: ARN }));
    assert.equal(d.Status, 'DEACTIVATED');
    assert.equal((await c.send(new LM.DescribeMetricSetCommand({ MetricSetArn: MS_ARN }))).Offset, 60);
    assert.equal((await c.send(new LM.DescribeAlertCommand({ AlertArn: ALERT_ARN }))).Alert?.AlertSensitivityThreshold, 70);
    assert.deepEqual((await c.send(new LM.ListTagsForResourceCommand({ ResourceArn: ARN }))).Tags, { team: 'shop' });
    const groups = (await c.send(new LM.ListAnomalyGroupSummariesCommand({ AnomalyDetectorArn: ARN, SensitivityThreshold: 0 }))).AnomalyGroupSummaryList ?? [];
    assert.deepEqual(groups.map((g) => [g.AnomalyGroupId, g.AnomalyGroupScore]).sort(), [
      ['b1e4a2c0-0000-4000-8000-000000000001', 80],
      [BIG, 60],
    ]);
    const execs = await c.send(new LM.DescribeAnomalyDetectionExecutionsCommand({ AnomalyDetectorArn: ARN }));
    assert.equal(execs.ExecutionList?.length, 5);
    const engine = (server.services.find((s) => s.signingName === 'lookoutmetrics') as DetectorsService).engine;
    assert.equal(engine.model(ARN)?.intervals, 5, 'the model checkpoint came along');
    assert.equal(engine.model(ARN)?.lastStartMs, T0 + 4 * FREQ);
    // The large group: every series back, its value in the store split into chunks of at most 256 KiB.
    assert.equal(engine.groups.get(BIG)?.series.length, 300);
    assert.deepEqual(engine.groups.get(BIG)?.series[299], bigGroup().series[299]);
    const chunks = server.storage.meta.keys(`detectors/gs/legacy/${BIG}/`);
    assert.ok(chunks.length >= 2, `chunks: ${chunks.join(', ')}`);
    for (const k of chunks) assert.ok(JSON.stringify(server.storage.meta.get(k)).length <= 256 * 1024);
    await engine.flushed();
    assertStored(server.storage.meta, 'legacy');
  } finally {
    c.destroy();
    await server.close();
  }
}

describe('detectors of the previous version (files) on file storage', () => {
  it('are migrated into the MetaStore on open, answer as before, and still do after a second restart', async () => {
    assert.equal(writeLegacy(), 5);
    await check();
    assert.ok(!existsSync(join(dir, 'detectors', 'state.json')), 'state.json is set aside');
    assert.ok(existsSync(join(dir, 'detectors', 'state.json.migrated')));
    assert.ok(!existsSync(join(dir, 'detectors', 'legacy.models.json')));
    // Nothing left in files: the second open reads the MetaStore.
    await check();
  });
});

/** Every key of detector `name` the migration writes, as `meta` holds them: run state, groups (the large one in chunks), model. */
function assertStored(meta: FreshetServer['storage']['meta'], name: string): void {
  const run = meta.get<{ executions: unknown[]; lastRecordedMs?: number }>(`detectors/r/${name}`);
  assert.equal(run?.executions.length, 5, `${name}: run state`);
  assert.equal(run?.lastRecordedMs, T0 + 4 * FREQ);
  assert.equal(meta.keys(`detectors/g/${name}/`).length, 2, `${name}: groups`);
  assert.ok(meta.keys(`detectors/gs/${name}/`).length >= 2, `${name}: the large group's chunks`);
  const head = meta.get<{ intervals: number; gen: number; chunks: number }>(`detectors/m/${name}`);
  assert.equal(head?.intervals, 5, `${name}: model checkpoint`);
  for (let i = 0; i < head.chunks; i++) assert.ok(meta.get(`detectors/m/${name}/${head.gen}/${i}`), `${name}: model chunk ${i}`);
}

async function until(what: string, ok: () => boolean): Promise<void> {
  const end = Date.now() + 10_000;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('model checkpoints', () => {
  it('two queued back to back each get their own generation, the head naming only whole chunks of the last', async () => {
    // Runs after the migration above: the stored checkpoint is the migrated one.
    const server = await startServer({ port: 0, dataDir: dir, clock: new ManualClock(T0 + 10 * FREQ) });
    try {
      const engine = (server.services.find((s) => s.signingName === 'lookoutmetrics') as DetectorsService).engine;
      const meta = server.storage.meta;
      const before = meta.get<{ gen: number }>('detectors/m/legacy')?.gen ?? 0;
      // Feedback checkpoints the model: twice in one tick queues two checkpoints before either runs.
      engine.putFeedback(ARN, 'b1e4a2c0-0000-4000-8000-000000000001', 'views|DE', true);
      engine.putFeedback(ARN, 'b1e4a2c0-0000-4000-8000-000000000001', 'views|DE', false);
      await engine.flushed();
      const head = meta.get<{ gen: number; chunks: number }>('detectors/m/legacy');
      assert.equal(head?.gen, before + 2);
      assert.deepEqual(
        meta.keys('detectors/m/legacy/'),
        Array.from({ length: head.chunks }, (_, i) => `detectors/m/legacy/${head.gen}/${i}`),
      );
    } finally {
      await server.close();
    }
  });
});

describe('a deleted detector', () => {
  it('leaves no key behind, also of a model checkpoint queued just before the deletion', async () => {
    const server = await startServer({ port: 0, dataDir: dir, clock: new ManualClock(T0 + 10 * FREQ) });
    try {
      const engine = (server.services.find((s) => s.signingName === 'lookoutmetrics') as DetectorsService).engine;
      const meta = server.storage.meta;
      assert.ok(meta.keys('detectors/m/legacy/').length > 0);
      // The checkpoint is queued first; the deletion lists the chunks it is about to replace with the next generation's.
      engine.putFeedback(ARN, 'b1e4a2c0-0000-4000-8000-000000000001', 'views|DE', true);
      engine.delete(ARN);
      await engine.flushed();
      assert.deepEqual(
        meta.keys('detectors/').filter((k) => k.split('/')[2] === 'legacy'),
        [],
      );
    } finally {
      await server.close();
    }
  });
});

describe('detectors of the previous version (files) on a JetStream cluster with leases', () => {
  it('each node migrates its own detectors with their run state, groups and model, also when the store already has others', async () => {
    const nats = await testNatsCluster();
    const namespace = `detmig${process.pid}`;
    const dirA = join(dir, 'node-a');
    const dirB = join(dir, 'node-b');
    writeLegacy(dirA, 'legacy');
    writeLegacy(dirB, 'other');
    const node = (dataDir: string) =>
      startServer({
        port: 0,
        storage: 'jetstream',
        nats: { servers: nats.urls, namespace },
        dataDir,
        clock: new ManualClock(T0 + 10 * FREQ),
        leases: { ttlMs: 24 * 3_600_000, renewMs: 1000 },
        detectors: { log: () => undefined },
      });
    const engineOf = (s: FreshetServer) => (s.services.find((x) => x.signingName === 'lookoutmetrics') as DetectorsService).engine;
    let a: FreshetServer | undefined;
    let b: FreshetServer | undefined;
    try {
      a = await node(dirA);
      await until('node A set its state.json aside', () => existsSync(join(dirA, 'detectors', 'state.json.migrated')));
      assertStored(a.storage.meta, 'legacy');
      // The store holds a detector now: the second node still migrates its own.
      b = await node(dirB);
      await until('node B set its state.json aside', () => existsSync(join(dirB, 'detectors', 'state.json.migrated')));
      assert.ok(!existsSync(join(dirB, 'detectors', 'other.models.json')));
      await engineOf(b).flushed();
      assertStored(b.storage.meta, 'other');
      const other = 'arn:aws:lookoutmetrics:us-east-1:000000000000:AnomalyDetector:other';
      await until('node A follows the migrated detector', () => engineOf(a!).executions.get(other)?.length === 5);
      assert.equal(engineOf(a).detectors.get(other)?.status, 'DEACTIVATED');
      assert.equal([...engineOf(a).groups.values()].filter((g) => g.detectorArn === other).length, 2);
    } finally {
      await b?.close();
      await a?.close();
      await dropNamespace(nats.urls, namespace);
      await nats.stop();
    }
  });
});
