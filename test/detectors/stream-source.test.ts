/**
 * Metric sets that read a Kinesis stream on this server directly (`kinesis://<stream>`, a Freshet extension),
 * driven by @aws-sdk/client-kinesis and @aws-sdk/client-lookoutmetrics on a ManualClock: rows go to intervals
 * by their timestamp column, rows arriving within the Offset are counted and later ones are not, an injected
 * drop becomes an anomaly group led by that marketplace with its alert at the webhook, and the models are fed
 * exactly the sums of the rows put.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateStreamCommand } from '@aws-sdk/client-kinesis';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  ActivateAnomalyDetectorCommand,
  CreateAnomalyDetectorCommand,
  CreateMetricSetCommand,
  DescribeAnomalyDetectionExecutionsCommand,
  DescribeAnomalyDetectorCommand,
  DescribeMetricSetCommand,
  GetAnomalyGroupCommand,
  GetDataQualityMetricsCommand,
  ListAnomalyGroupSummariesCommand,
  LookoutMetricsClient,
} from '@aws-sdk/client-lookoutmetrics';
import { ManualClock } from '../../src/core/index.ts';
import type { DetectorsEngine, DetectorsService } from '../../src/detectors/index.ts';
import { Rng } from '../../src/generators/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { intervalRows } from './data.ts';
import type { Injection } from './data.ts';
import { ROLE, T0, startHarness } from './helpers.ts';
import { FREQ, OFFSET_S, createStreamDetector, kinesisClient, putRows, stamp } from './stream-helpers.ts';
import type { Harness } from './helpers.ts';

/** Sum of the views of `marketplace` in CSV rows. */
function viewsOf(rows: readonly string[], marketplace: string): number {
  let n = 0;
  for (const r of rows) {
    const [m, , v] = r.split(',');
    if (m === marketplace) n += Number(v);
  }
  return n;
}

describe('metric sets reading a Kinesis stream (kinesis://, ManualClock, SDK clients)', () => {
  let h: Harness;
  let k: KinesisClient;
  before(async () => {
    h = await startHarness();
    k = kinesisClient(h.server.url);
  });
  after(async () => {
    k.destroy();
    await h.close();
  });

  it('describes the kinesis:// source as given, and refuses a CSV stream source without columns or with a header line', async () => {
    const lm = h.client;
    const arn = await createStreamDetector(lm, 'described', 'nowhere', { alert: false });
    const ms = await lm.send(new DescribeMetricSetCommand({ MetricSetArn: arn.replace(':AnomalyDetector:described', ':MetricSet:described/described-views') }));
    assert.deepEqual(ms.MetricSource?.S3SourceConfig?.TemplatedPathList, ['kinesis://nowhere']);
    const { AnomalyDetectorArn: bare } = await lm.send(
      new CreateAnomalyDetectorCommand({ AnomalyDetectorName: 'bad-stream-source', AnomalyDetectorConfig: { AnomalyDetectorFrequency: 'PT5M' } }),
    );
    const attempt = async (TemplatedPathList: string[], csv: Record<string, unknown>) => {
      try {
        await lm.send(
          new CreateMetricSetCommand({
            AnomalyDetectorArn: bare,
            MetricSetName: 'm',
            MetricList: [{ MetricName: 'views', AggregationFunction: 'SUM' }],
            TimestampColumn: { ColumnName: 'event_time' },
            MetricSource: { S3SourceConfig: { RoleArn: ROLE, TemplatedPathList, FileFormatDescriptor: { CsvFormatDescriptor: csv } } },
          }),
        );
        return 'ok';
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
    };
    assert.equal(
      await attempt(['kinesis://views'], { ContainsHeader: false }),
      'ValidationException: A kinesis:// source in CSV needs the columns in CsvFormatDescriptor.HeaderList.',
    );
    assert.equal(
      await attempt(['kinesis://views'], { ContainsHeader: true, HeaderList: ['event_time', 'views'] }),
      'ValidationException: Records of a kinesis:// source have no header line: set ContainsHeader to false and list the columns in HeaderList.',
    );
    assert.match(await attempt(['kinesis://bad name'], { ContainsHeader: false, HeaderList: ['event_time', 'views'] }), /^ValidationException: /);
    assert.match(await attempt(['http://views'], { ContainsHeader: false, HeaderList: ['event_time', 'views'] }), /^ValidationException: /);
  });

  it('fails activation with the reason when the stream does not exist', async () => {
    const lm = h.client;
    const arn = await createStreamDetector(lm, 'missing-stream', 'no-such-stream', { alert: false });
    await lm.send(new ActivateAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
    h.clock.advance(1000);
    await h.engine.settled();
    const d = await lm.send(new DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
    assert.equal(d.Status, 'FAILED');
    assert.equal(d.FailureType, 'ACTIVATION_FAILURE');
    assert.equal(d.FailureReason, 'Kinesis stream no-such-stream does not exist on this server');
  });

  it('buckets rows by their timestamp column, counts rows that arrive within the Offset, drops later ones, and turns an injected drop into an alerted group', async () => {
    const lm = h.client;
    await k.send(new CreateStreamCommand({ StreamName: 'views', ShardCount: 2 }));
    h.clock.advance(1000);
    const arn = await createStreamDetector(lm, 'live-stream', 'views');
    await lm.send(new ActivateAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
    h.clock.advance(1000);
    await h.engine.settled();
    assert.equal((await lm.send(new DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: arn }))).Status, 'LEARNING');
    // The first interval detected is the first one starting after activation.
    const first = Math.ceil(h.clock.now() / FREQ) * FREQ;
    const n = 80;
    const inject: Injection[] = [{ marketplace: 'DE', from: 72, to: 74, factor: 0.2 }];
    const rng = new Rng(5);
    const expectedUS: number[] = [];
    const expectedDE: number[] = [];
    let leftover: string[] = [];
    for (let i = 0; i < n; i++) {
      const start = first + i * FREQ;
      const rows = intervalRows(rng, i, start, FREQ, inject);
      expectedUS.push(viewsOf(rows, 'US'));
      expectedDE.push(viewsOf(rows, 'DE'));
      // Two thirds of the rows arrive during their interval, with the previous interval's last third (late, within its Offset).
      const cut = Math.floor((rows.length * 2) / 3);
      h.clock.advanceTo(start + 30_000);
      await putRows(k, 'views', [...leftover, ...rows.slice(0, cut)]);
      leftover = rows.slice(cut);
      // The previous interval's run (Offset after its end) has sealed it: a row of it now is too late.
      h.clock.advanceTo(start + OFFSET_S * 1000 + 1);
      await h.engine.settled();
      if (i > 0) await putRows(k, 'views', [`US,2021-06-02 00:00:00.0,1000000`.replace('2021-06-02 00:00:00.0', stamp(start - 1000))]);
      h.clock.advanceTo(start + FREQ - 1);
    }
    h.clock.advanceTo(first + n * FREQ + 30_000);
    await putRows(k, 'views', leftover);
    h.clock.advanceTo(first + n * FREQ + OFFSET_S * 1000 + 1);
    await h.engine.settled();

    assert.equal((await lm.send(new DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: arn }))).Status, 'ACTIVE');
    // The models got exactly the sums of the rows put within each interval's Offset, late rows excluded.
    const model = h.engine.model(arn)!;
    const us = model.recent('views|US')!;
    const de = model.recent('views|DE')!;
    assert.equal(us.startMs, first + (n - us.values.length) * FREQ);
    assert.deepEqual(us.values, expectedUS.slice(n - us.values.length));
    assert.deepEqual(de.values, expectedDE.slice(n - de.values.length));
    const executions = (await lm.send(new DescribeAnomalyDetectionExecutionsCommand({ AnomalyDetectorArn: arn, MaxResults: 100 }))).ExecutionList ?? [];
    assert.equal(executions.length, n);
    assert.ok(executions.every((e) => e.Status === 'COMPLETED'));
    // The last interval: 18 rows, plus the late row put after the previous interval was sealed (counted invalid).
    const quality = await lm.send(new GetDataQualityMetricsCommand({ AnomalyDetectorArn: arn }));
    const metrics = quality.AnomalyDetectorDataQualityMetricList?.[0]?.MetricSetDataQualityMetricList?.[0]?.DataQualityMetricList ?? [];
    assert.equal(metrics.find((m) => m.MetricType === 'ROWS_PROCESSED')?.MetricValue, 18);

    const groups = (await lm.send(new ListAnomalyGroupSummariesCommand({ AnomalyDetectorArn: arn, SensitivityThreshold: 0 }))).AnomalyGroupSummaryList ?? [];
    const starts = groups.map((g) => (Date.parse(g.StartTime!) - first) / FREQ);
    assert.ok(
      starts.some((s) => s >= 72 && s <= 74),
      `a group in the injected drop (groups at intervals ${starts.join(',')})`,
    );
    for (const s of starts) assert.ok(s >= 72 && s <= 75, `group at interval ${s} is outside the drop`);
    const g = groups.find((x) => (Date.parse(x.StartTime!) - first) / FREQ <= 74)!;
    const full = (await lm.send(new GetAnomalyGroupCommand({ AnomalyDetectorArn: arn, AnomalyGroupId: g.AnomalyGroupId }))).AnomalyGroup!;
    const top = full.MetricLevelImpactList?.[0]?.ContributionMatrix?.DimensionContributionList?.[0]?.DimensionValueContributionList?.[0];
    assert.equal(top?.DimensionValue, 'DE');
    assert.ok((full.AnomalyGroupScore ?? 0) >= 50);
    assert.ok(h.webhook.bodies.length >= 1, 'the alert reached the webhook');
    const note = JSON.parse(h.webhook.bodies[0]!.body) as { Message: string };
    assert.equal((JSON.parse(note.Message) as { alertName: string }).alertName, 'live-stream-alert');
  });
});

interface Node {
  server: FreshetServer;
  clock: ManualClock;
  k: KinesisClient;
  lm: LookoutMetricsClient;
  engine: DetectorsEngine;
  close(): Promise<void>;
}

async function startNode(dir: string, startMs: number): Promise<Node> {
  const clock = new ManualClock(startMs);
  const server = await startServer({ port: 0, storage: 'file', dataDir: dir, clock, activityLog: false });
  const k = kinesisClient(server.url);
  const lm = new LookoutMetricsClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
  const engine = (server.services.find((s) => s.signingName === 'lookoutmetrics') as DetectorsService).engine;
  return {
    server,
    clock,
    k,
    lm,
    engine,
    async close() {
      k.destroy();
      lm.destroy();
      await server.close();
    },
  };
}

describe('a stream source across a crash (the data directory as kill -9 leaves it)', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('resumes from its checkpoint: every interval counted once, the same sums, executions and groups as a run without the crash', async () => {
    const dirA = mkdtempSync(join(tmpdir(), 'freshet-l4m-stream-a-'));
    const dirB = mkdtempSync(join(tmpdir(), 'freshet-l4m-stream-b-'));
    dirs.push(dirA, dirB);
    const a = await startNode(dirA, T0);
    let b: Node | undefined;
    try {
      await a.k.send(new CreateStreamCommand({ StreamName: 'views', ShardCount: 1 }));
      a.clock.advance(1000);
      const arn = await createStreamDetector(a.lm, 'crashy', 'views', { alert: false });
      await a.lm.send(new ActivateAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
      a.clock.advance(1000);
      await a.engine.settled();
      const first = Math.ceil(a.clock.now() / FREQ) * FREQ;
      const n = 30;
      const crashAt = 17;
      const rng = new Rng(9);
      const inject: Injection[] = [{ marketplace: 'UK', from: 25, to: 26, factor: 0.1 }];
      const nodes = (): Node[] => (b ? [a, b] : [a]);
      let leftover: string[] = [];
      for (let i = 0; i < n; i++) {
        const start = first + i * FREQ;
        const rows = intervalRows(rng, i, start, FREQ, inject);
        const cut = Math.floor(rows.length / 2);
        for (const x of nodes()) {
          x.clock.advanceTo(start + 30_000);
          await putRows(x.k, 'views', [...leftover, ...rows.slice(0, cut)]);
          // Read (pumped) into the open interval and checkpointed, every 5 s of clock time.
          x.clock.advanceTo(start + 90_000);
          await x.engine.settled();
        }
        if (i === crashAt) {
          // Rows put after the last pump are in the stream but not in the checkpoint: the copy must read them again.
          await putRows(a.k, 'views', rows.slice(cut, cut + 3));
          cpSync(dirA, dirB, { recursive: true });
          b = await startNode(dirB, a.clock.now());
          await putRows(a.k, 'views', rows.slice(cut + 3));
          await putRows(b.k, 'views', rows.slice(cut + 3));
        } else {
          for (const x of nodes()) await putRows(x.k, 'views', rows.slice(cut));
        }
        leftover = [];
        for (const x of nodes()) {
          x.clock.advanceTo(start + FREQ + OFFSET_S * 1000 + 1);
          await x.engine.settled();
        }
      }
      assert.ok(b);
      const results = [];
      for (const x of [a, b]) {
        const executions = (await x.lm.send(new DescribeAnomalyDetectionExecutionsCommand({ AnomalyDetectorArn: arn, MaxResults: 100 }))).ExecutionList ?? [];
        const groups =
          (await x.lm.send(new ListAnomalyGroupSummariesCommand({ AnomalyDetectorArn: arn, SensitivityThreshold: 0 }))).AnomalyGroupSummaryList ?? [];
        const model = x.engine.model(arn)!;
        results.push({
          executions: executions.map((e) => `${e.Timestamp} ${e.Status}`).sort(),
          groups: groups.map((g) => `${g.StartTime} ${g.EndTime} ${g.AnomalyGroupScore}`).sort(),
          series: ['US', 'UK', 'DE', 'FR', 'JP', 'IN'].map((m) => model.recent(`views|${m}`)!.values),
          intervals: model.intervals,
        });
      }
      const [ra, rb] = results as [(typeof results)[0], (typeof results)[0]];
      assert.equal(ra.executions.length, n);
      assert.equal(new Set(rb.executions).size, n, 'one execution per interval after the crash');
      assert.deepEqual(rb.executions, ra.executions);
      assert.deepEqual(rb.series, ra.series);
      assert.equal(rb.intervals, ra.intervals);
      assert.deepEqual(rb.groups, ra.groups);
    } finally {
      await a.close();
      await b?.close();
    }
  });
});
