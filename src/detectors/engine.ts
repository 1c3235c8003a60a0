/**
 * The metric detectors engine behind the LookoutMetrics API: anomaly detectors, their metric set, alerts,
 * tags, anomaly groups, feedback and executions. Time comes from the injected clock: status transitions
 * (ACTIVATING → LEARNING → ACTIVE, BACK_TEST_ACTIVATING → BACK_TEST_ACTIVE → BACK_TEST_COMPLETE) and each
 * interval's detection, which runs `Offset` seconds after the interval closes. Runs of one detector are
 * queued, so a clock that jumps hours ahead still detects every interval, in order.
 *
 * With a data directory the resources, results and each detector's models are kept in
 * `<data-dir>/detectors/` (written atomically after every change and every run) and resumed on start.
 * A metric set whose source is a Kinesis stream on this server (`kinesis://<stream>`, a Freshet extension)
 * is read by a StreamSource (stream-source.ts), which sums rows into open intervals and seals each when its
 * run comes due.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyedMutex } from '../core/index.ts';
import type { Clock, TimerHandle } from '../core/index.ts';
import type { FunctionInvoker } from '../functions/index.ts';
import type { RoleAuthorizer } from '../aws/index.ts';
import type { KinesisEngine } from '../kinesis/index.ts';
import type { MetricHandle, MetricsRegistry } from '../metrics/index.ts';
import type { Action, AlertFilters, Metric, MetricSetDimensionFilter, MetricSource, TimestampColumn } from '../aws/models/lookoutmetrics.ts';
import { deliverAlert } from './alerts.ts';
import type { AlertTarget } from './alerts.ts';
import { byInterval, parseRows, parseS3Path, readObjects } from './source.ts';
import type { BucketResolver, ParsedRow, ParseStats, RowSchema } from './source.ts';
import { alertRoleProblem, s3ReadGuard } from './roles.ts';
import { MetricSetDetector } from './series.ts';
import { StreamSource, parseStreamPath, readStreamRows, sumsToRows } from './stream-source.ts';
import type { StreamSourceDeps, StreamSourceSpec } from './stream-source.ts';
import type { IntervalResult, MetricSetDetectorState, SeriesHit, SeriesOptions } from './series.ts';
import { apiTime, frequencyMs, intervalStart, renderTemplate } from './time.ts';

export type DetectorStatus =
  | 'ACTIVE'
  | 'ACTIVATING'
  | 'DELETING'
  | 'FAILED'
  | 'INACTIVE'
  | 'LEARNING'
  | 'BACK_TEST_ACTIVATING'
  | 'BACK_TEST_ACTIVE'
  | 'BACK_TEST_COMPLETE'
  | 'DEACTIVATED'
  | 'DEACTIVATING';

export type Frequency = 'P1D' | 'PT1H' | 'PT10M' | 'PT5M' | 'PT1M';

export interface DetectorRecord {
  arn: string;
  name: string;
  description?: string;
  frequency: Frequency;
  kmsKeyArn?: string;
  creationTime: number;
  lastModificationTime: number;
  status: DetectorStatus;
  failureReason?: string;
  failureType?: 'ACTIVATION_FAILURE' | 'BACK_TEST_ACTIVATION_FAILURE' | 'DELETION_FAILURE' | 'DEACTIVATION_FAILURE';
  /** Start of the next interval live detection will run for. */
  nextIntervalMs?: number;
  /**
   * Start of the last interval whose run was recorded (execution, quality, groups, alerts): after a restart the
   * intervals after the model checkpoint run again to bring the models up to date, and those up to this one
   * are not recorded twice.
   */
  lastRecordedMs?: number;
  /** The first interval of an activation whose model started empty: where a restart resumes before the first model checkpoint. */
  firstIntervalMs?: number;
}

export interface MetricSetRecord {
  arn: string;
  detectorArn: string;
  name: string;
  description?: string;
  metricList: Metric[];
  offset: number;
  timestampColumn?: TimestampColumn;
  dimensionList: string[];
  frequency: Frequency;
  source: MetricSource;
  timezone?: string;
  dimensionFilterList?: MetricSetDimensionFilter[];
  creationTime: number;
  lastModificationTime: number;
}

export interface AlertRecord {
  arn: string;
  detectorArn: string;
  name: string;
  description?: string;
  sensitivity: number;
  action: Action;
  filters?: AlertFilters;
  status: 'ACTIVE' | 'INACTIVE';
  creationTime: number;
  lastModificationTime: number;
}

export interface GroupSeries extends SeriesHit {
  /** Values of the series over its recent intervals, for ListAnomalyGroupTimeSeries (null = missing). */
  values: (number | null)[];
  valuesStartMs: number;
  /** Start of the first interval of this group in which the series was anomalous (absent in states saved before it existed). */
  firstMs?: number;
}

export interface AnomalyGroupRecord {
  id: string;
  detectorArn: string;
  metricSetArn: string;
  startMs: number;
  endMs: number;
  score: number;
  primaryMetric: string;
  series: GroupSeries[];
  /** 'live' or 'backtest'. */
  mode: 'live' | 'backtest';
  /** Alerts already sent for this group: a group that goes on over more intervals alerts each alert once. */
  alerted?: string[];
}

export interface ExecutionRecord {
  startMs: number;
  status: 'PENDING' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'FAILED_TO_SCHEDULE';
  failureReason?: string;
}

export interface QualityRecord {
  startMs: number;
  rows: number;
  invalidRows: number;
  partialRows: number;
  seriesCount: number;
}

export interface DetectorsOptions {
  /** Clock time ACTIVATING and BACK_TEST_ACTIVATING last (default 1000 ms). */
  activateDelayMs?: number;
  /** Series model settings (warm-up, forest size; see series.ts). */
  series?: SeriesOptions;
  /** SNS topic ARN → webhook URL (an alert's SNS action delivers there, as an SNS HTTP subscription would). */
  topics?: Readonly<Record<string, string>>;
  /** Where failed alert deliveries and run failures are reported (default: nothing). */
  log?: (line: string) => void;
}

export interface DetectorsDeps {
  clock: Clock;
  region: string;
  accountId: string;
  dataDir: string | undefined;
  /** The local directory of a bucket (the embedded object store), or the remote S3-compatible store it is mapped to. */
  bucketPath: BucketResolver;
  options?: DetectorsOptions;
  /** The server's functions (src/functions' invoker), for alerts whose action is a Lambda function. */
  functions?: FunctionInvoker;
  /** The server's streams, for metric sets read from a Kinesis stream (`kinesis://<stream>`). */
  kinesis?: KinesisEngine;
  /** `--auth enforce`: a stream source is read with the metric set's RoleArn. */
  roles?: RoleAuthorizer;
  /** The server's CloudWatch metrics: alert deliveries are counted there (emitMetrics). */
  metrics?: MetricsRegistry;
}

interface PersistedState {
  version: 1;
  detectors: DetectorRecord[];
  metricSets: MetricSetRecord[];
  alerts: AlertRecord[];
  tags: Record<string, Record<string, string>>;
  groups: AnomalyGroupRecord[];
  feedback: Record<string, boolean>;
  executions: Record<string, ExecutionRecord[]>;
  quality: Record<string, QualityRecord>;
}

const MAX_EXECUTIONS = 1000;
/**
 * Models are checkpointed every this many intervals (and on deactivation, feedback and close): a checkpoint of
 * every series is large, and intervals after the last one are simply read again from the source on restart.
 */
const MODEL_CHECKPOINT_INTERVALS = 12;
const MAX_GROUPS_PER_DETECTOR = 5000;

export class DetectorsEngine {
  readonly detectors = new Map<string, DetectorRecord>();
  readonly metricSets = new Map<string, MetricSetRecord>();
  readonly alerts = new Map<string, AlertRecord>();
  readonly tags = new Map<string, Record<string, string>>();
  readonly groups = new Map<string, AnomalyGroupRecord>();
  /** `<detectorArn> <groupId> <seriesId>` → IsAnomaly. */
  readonly feedback = new Map<string, boolean>();
  readonly executions = new Map<string, ExecutionRecord[]>();
  readonly quality = new Map<string, QualityRecord>();
  private readonly models = new Map<string, MetricSetDetector>();
  /** Live readers of stream sources, by detector ARN. */
  private readonly streams = new Map<string, StreamSource>();
  private readonly timers = new Map<string, TimerHandle>();
  /** Runs of one detector never overlap (the shared keyed mutex: keys of finished runs hold no memory). */
  private readonly runs = new KeyedMutex<string>();
  private readonly dir: string | undefined;
  private closed = false;
  /** Alert deliveries in flight (tests and close() wait for them). */
  private readonly deliveries = new Set<Promise<void>>();

  private readonly topics: Record<string, string>;
  /** AWS/LookoutMetrics: where alert deliveries are counted (emitMetrics), and each alert's two series. */
  private metrics: MetricsRegistry | undefined;
  private readonly alertMetrics = new Map<string, { delivered: MetricHandle; undelivered: MetricHandle }>();

  constructor(readonly deps: DetectorsDeps) {
    this.dir = deps.dataDir === undefined ? undefined : join(deps.dataDir, 'detectors');
    this.topics = { ...readTopics(deps.dataDir), ...deps.options?.topics };
    this.metrics = deps.metrics;
    this.load();
  }

  get clock(): Clock {
    return this.deps.clock;
  }

  get options(): DetectorsOptions {
    return this.deps.options ?? {};
  }

  arn(kind: 'AnomalyDetector' | 'MetricSet' | 'Alert', name: string): string {
    return `arn:aws:lookoutmetrics:${this.deps.region}:${this.deps.accountId}:${kind}:${name}`;
  }

  metricSetOf(detectorArn: string): MetricSetRecord | undefined {
    for (const m of this.metricSets.values()) if (m.detectorArn === detectorArn) return m;
    return undefined;
  }

  // ---- persistence -------------------------------------------------------------------------------

  private load(): void {
    if (!this.dir) return;
    let state: PersistedState;
    try {
      state = JSON.parse(readFileSync(join(this.dir, 'state.json'), 'utf8')) as PersistedState;
    } catch {
      return;
    }
    for (const d of state.detectors) this.detectors.set(d.arn, d);
    for (const m of state.metricSets) this.metricSets.set(m.arn, m);
    for (const a of state.alerts) this.alerts.set(a.arn, a);
    for (const [k, v] of Object.entries(state.tags)) this.tags.set(k, v);
    for (const g of state.groups) this.groups.set(g.id, g);
    for (const [k, v] of Object.entries(state.feedback)) this.feedback.set(k, v);
    for (const [k, v] of Object.entries(state.executions)) this.executions.set(k, v);
    for (const [k, v] of Object.entries(state.quality ?? {})) this.quality.set(k, v);
    for (const d of this.detectors.values()) {
      const ms = this.metricSetOf(d.arn);
      if (ms) {
        try {
          const saved = JSON.parse(readFileSync(join(this.dir, `${d.name}.models.json`), 'utf8')) as MetricSetDetectorState;
          this.models.set(
            d.arn,
            MetricSetDetector.fromJSON(saved, ms.metricList.map(toSpec), ms.dimensionList, frequencyMs(ms.frequency), this.options.series),
          );
        } catch {
          // No checkpoint yet: the detector learns again from the next interval.
        }
      }
      // Statuses in passing resume where they were heading.
      if (d.status === 'ACTIVATING') this.finishActivation(d.arn);
      else if (d.status === 'ACTIVE' || d.status === 'LEARNING') {
        // Resume after the last checkpointed interval: later ones are read again from the source.
        const model = this.models.get(d.arn);
        if (ms && model?.lastStartMs !== null && model?.lastStartMs !== undefined) d.nextIntervalMs = model.lastStartMs + frequencyMs(ms.frequency);
        // No interval in the model checkpoint yet: from the first interval after activation.
        else if (d.firstIntervalMs !== undefined) d.nextIntervalMs = d.firstIntervalMs;
        this.schedule(d);
        const src = this.streamSource(d);
        if (src) void src.start().catch((e: unknown) => this.options.log?.(`detector ${d.name}: ${(e as Error).message}`));
      } else if (d.status === 'BACK_TEST_ACTIVATING' || d.status === 'BACK_TEST_ACTIVE') this.startBacktest(d.arn);
      else if (d.status === 'DEACTIVATING') d.status = 'DEACTIVATED';
    }
  }

  save(): void {
    if (!this.dir || this.closed) return;
    const state: PersistedState = {
      version: 1,
      detectors: [...this.detectors.values()],
      metricSets: [...this.metricSets.values()],
      alerts: [...this.alerts.values()],
      tags: Object.fromEntries(this.tags),
      groups: [...this.groups.values()],
      feedback: Object.fromEntries(this.feedback),
      executions: Object.fromEntries(this.executions),
      quality: Object.fromEntries(this.quality),
    };
    writeAtomic(this.dir, 'state.json', JSON.stringify(state));
  }

  private saveModels(d: DetectorRecord, force = true): void {
    if (!this.dir || this.closed) return;
    const model = this.models.get(d.arn);
    if (!model || (!force && model.intervals % MODEL_CHECKPOINT_INTERVALS !== 0)) return;
    writeAtomic(this.dir, `${d.name}.models.json`, JSON.stringify(model));
    // The models now hold every interval up to lastStartMs: a stream source no longer needs to keep them.
    if (model.lastStartMs !== null) this.streams.get(d.arn)?.prune(model.lastStartMs);
  }

  // ---- life cycle ------------------------------------------------------------------------------------

  touch(d: DetectorRecord, status: DetectorStatus): void {
    d.status = status;
    d.lastModificationTime = this.clock.now();
  }

  /** ActivateAnomalyDetector: ACTIVATING for a moment, then LEARNING (warm-up from historical data first) or ACTIVE. */
  activate(arn: string): void {
    const d = this.detectors.get(arn)!;
    this.touch(d, 'ACTIVATING');
    delete d.failureReason;
    delete d.failureType;
    this.save();
    const t = this.clock.setTimer(() => this.finishActivation(arn), this.options.activateDelayMs ?? 1000);
    this.setTimer(arn, t);
  }

  private finishActivation(arn: string): void {
    this.enqueue(arn, async () => {
      const d = this.detectors.get(arn);
      const ms = d && this.metricSetOf(arn);
      if (!d || !ms || d.status !== 'ACTIVATING') return;
      const freq = frequencyMs(ms.frequency);
      const model = this.models.get(arn) ?? this.newModel(ms);
      this.models.set(arn, model);
      const now = this.clock.now();
      const historical = ms.source.S3SourceConfig?.HistoricalDataPathList ?? [];
      if (historical.length > 0 && model.intervals === 0) {
        try {
          // Warm-up: learn every historical interval before the current one (anomalies there are not reported).
          const byStart = await this.readHistorical(ms, historical);
          for (const start of orderedIntervals(byStart, freq, intervalStart(now, freq))) {
            model.process(start, byStart.get(start) ?? [], this.dimensionFilter(ms));
          }
        } catch (e) {
          this.fail(d, 'ACTIVATION_FAILURE', (e as Error).message);
          return;
        }
      }
      this.touch(d, learned(model) ? 'ACTIVE' : 'LEARNING');
      // The first interval is the first one that starts at or after activation: an interval already under way
      // when the detector starts may hold only part of its data.
      const firstFull = intervalStart(now + freq - 1, freq);
      d.nextIntervalMs = model.lastStartMs === null ? firstFull : Math.max(firstFull, model.lastStartMs + freq);
      if (model.lastStartMs === null) d.firstIntervalMs = d.nextIntervalMs;
      else delete d.firstIntervalMs;
      const src = this.streamSource(d);
      if (src) {
        try {
          // Rows of intervals before the first one detected are not counted.
          await src.start(d.nextIntervalMs);
        } catch (e) {
          this.fail(d, 'ACTIVATION_FAILURE', (e as Error).message);
          return;
        }
      }
      this.save();
      this.saveModels(d);
      this.schedule(d);
    });
  }

  deactivate(arn: string): void {
    const d = this.detectors.get(arn)!;
    this.cancelTimer(arn);
    this.touch(d, 'DEACTIVATED');
    this.save();
    this.enqueue(arn, async () => {
      this.saveModels(d);
      // The reader stops; its checkpoint stays, and rows of the intervals missed meanwhile are late on reactivation.
      await this.streams.get(arn)?.stop();
    });
  }

  delete(arn: string): void {
    this.cancelTimer(arn);
    this.dropStreamSource(arn);
    this.detectors.delete(arn);
    this.tags.delete(arn);
    for (const m of [...this.metricSets.values()]) {
      if (m.detectorArn === arn) {
        this.metricSets.delete(m.arn);
        this.tags.delete(m.arn);
      }
    }
    for (const a of [...this.alerts.values()]) {
      if (a.detectorArn === arn) {
        this.alerts.delete(a.arn);
        this.tags.delete(a.arn);
      }
    }
    for (const g of [...this.groups.values()]) if (g.detectorArn === arn) this.groups.delete(g.id);
    this.executions.delete(arn);
    this.quality.delete(arn);
    const model = this.models.get(arn);
    this.models.delete(arn);
    if (model && this.dir) {
      const name = arn.slice(arn.lastIndexOf(':') + 1);
      rmSync(join(this.dir, `${name}.models.json`), { force: true });
    }
    this.save();
  }

  private fail(d: DetectorRecord, type: NonNullable<DetectorRecord['failureType']>, reason: string): void {
    this.touch(d, 'FAILED');
    d.failureType = type;
    d.failureReason = reason;
    this.options.log?.(`detector ${d.name}: ${reason}`);
    this.save();
  }

  private newModel(ms: MetricSetRecord): MetricSetDetector {
    return new MetricSetDetector(ms.metricList.map(toSpec), ms.dimensionList, frequencyMs(ms.frequency), this.options.series);
  }

  /** A metric set's definition changed: its series start again. */
  resetModel(detectorArn: string): void {
    this.models.delete(detectorArn);
  }

  /** The detector is gone: its stream reader stops and its files are removed. */
  private dropStreamSource(detectorArn: string): void {
    const src = this.streams.get(detectorArn);
    if (!src) return;
    this.streams.delete(detectorArn);
    void src.remove().catch((e: unknown) => this.options.log?.(`detector stream source: ${(e as Error).message}`));
  }

  /**
   * A metric set's source or columns changed: its stream reader (sums of the old columns) is removed and, for
   * a running detector, a new one starts from the stream's end, in the detector's queue (after any run in flight).
   */
  restartStreamSource(detectorArn: string): void {
    this.enqueue(detectorArn, async () => {
      const old = this.streams.get(detectorArn);
      this.streams.delete(detectorArn);
      await old?.remove();
      const d = this.detectors.get(detectorArn);
      if (!d || (d.status !== 'ACTIVE' && d.status !== 'LEARNING')) return;
      await this.streamSource(d)?.start(d.nextIntervalMs);
    });
  }

  private streamDeps(): StreamSourceDeps {
    return { kinesis: this.deps.kinesis, clock: this.clock, roles: this.deps.roles, dir: this.dir, log: this.options.log };
  }

  /** The stream a metric set reads live (`kinesis://<stream>` in TemplatedPathList), as a reader's settings. */
  private streamSpec(d: DetectorRecord, ms: MetricSetRecord, path?: string): StreamSourceSpec | undefined {
    const s3 = ms.source.S3SourceConfig;
    const stream = parseStreamPath(path ?? s3?.TemplatedPathList?.[0] ?? '');
    if (stream === undefined) return undefined;
    return { detectorName: d.name, stream, roleArn: s3?.RoleArn, schema: rowSchema(ms), freqMs: frequencyMs(ms.frequency) };
  }

  /** The live reader of the detector's stream source (made on first use), or undefined for an S3 source. */
  private streamSource(d: DetectorRecord): StreamSource | undefined {
    const have = this.streams.get(d.arn);
    if (have) return have;
    const ms = this.metricSetOf(d.arn);
    const spec = ms && this.streamSpec(d, ms);
    if (!spec) return undefined;
    const src = new StreamSource(this.streamDeps(), spec);
    this.streams.set(d.arn, src);
    return src;
  }

  model(detectorArn: string): MetricSetDetector | undefined {
    return this.models.get(detectorArn);
  }

  // ---- live detection ------------------------------------------------------------------------------

  private setTimer(arn: string, t: TimerHandle): void {
    this.timers.get(arn)?.cancel();
    this.timers.set(arn, t);
  }

  private cancelTimer(arn: string): void {
    this.timers.get(arn)?.cancel();
    this.timers.delete(arn);
  }

  /** Arms the timer for the detector's next interval: it fires `Offset` seconds after the interval closes. */
  private schedule(d: DetectorRecord): void {
    const ms = this.metricSetOf(d.arn);
    if (!ms || d.nextIntervalMs === undefined || this.closed) return;
    const freq = frequencyMs(ms.frequency);
    const start = d.nextIntervalMs;
    const due = start + freq + ms.offset * 1000;
    const t = this.clock.setTimer(() => {
      const cur = this.detectors.get(d.arn);
      if (!cur || (cur.status !== 'ACTIVE' && cur.status !== 'LEARNING') || cur.nextIntervalMs !== start) return;
      cur.nextIntervalMs = start + freq;
      this.enqueue(d.arn, () => this.runLive(d.arn, start));
      this.schedule(cur);
    }, due - this.clock.now());
    this.setTimer(d.arn, t);
  }

  private enqueue(arn: string, fn: () => Promise<void>): void {
    this.runs.run(arn, fn).catch((e: unknown) => this.options.log?.(`detector run failed: ${(e as Error).message}`));
  }

  /** Resolves when every queued run (and alert delivery) of every detector has finished. */
  async settled(): Promise<void> {
    // A run may queue deliveries and a delivery more runs: wait until neither has anything left.
    while (this.runs.size > 0 || this.deliveries.size > 0) await Promise.all([this.runs.idle(), ...this.deliveries]);
  }

  private async runLive(arn: string, startMs: number): Promise<void> {
    const d = this.detectors.get(arn);
    const ms = d && this.metricSetOf(arn);
    if (!d || !ms) return;
    // An interval recorded before a restart runs again only to bring the models up to date.
    const replay = d.lastRecordedMs !== undefined && startMs <= d.lastRecordedMs;
    const exec: ExecutionRecord = { startMs, status: 'IN_PROGRESS' };
    if (!replay) this.recordExecution(arn, exec);
    let rows: ParsedRow[];
    const stats: ParseStats = { rows: 0, invalidRows: 0, partialRows: 0 };
    try {
      rows = await this.readInterval(d, ms, startMs, stats);
    } catch (e) {
      exec.status = 'FAILED';
      exec.failureReason = (e as Error).message;
      this.options.log?.(`detector ${d.name}: interval ${apiTime(startMs)}: ${exec.failureReason}`);
      this.save();
      return;
    }
    let model = this.models.get(arn);
    if (!model) this.models.set(arn, (model = this.newModel(ms)));
    const result = model.process(startMs, rows, this.dimensionFilter(ms));
    if (replay) {
      this.saveModels(d, false);
      return;
    }
    exec.status = 'COMPLETED';
    this.quality.set(arn, { startMs, rows: stats.rows, invalidRows: stats.invalidRows, partialRows: stats.partialRows, seriesCount: result.seriesCount });
    const group = this.recordGroup(d, ms, model, result, 'live');
    if (d.status === 'LEARNING' && result.learned) this.touch(d, 'ACTIVE');
    d.lastRecordedMs = startMs;
    this.save();
    this.saveModels(d, false);
    if (group) this.fireAlerts(d, group);
  }

  private async readInterval(d: DetectorRecord, ms: MetricSetRecord, startMs: number, stats: ParseStats): Promise<ParsedRow[]> {
    const src = this.streamSource(d);
    if (src) {
      const sums = await src.seal(startMs);
      stats.rows += sums.rows;
      stats.invalidRows += sums.invalidRows;
      stats.partialRows += sums.partialRows;
      return sumsToRows(
        sums,
        startMs,
        ms.metricList.map((m) => m.AggregationFunction === 'AVG'),
      );
    }
    const s3 = ms.source.S3SourceConfig;
    if (!s3) throw new Error('the metric set has no S3SourceConfig');
    const freq = frequencyMs(ms.frequency);
    const rows: ParsedRow[] = [];
    const guard = s3ReadGuard(this.deps.roles, s3.RoleArn, d.name);
    for (const template of s3.TemplatedPathList ?? []) {
      const path = renderTemplate(template, startMs, ms.timezone ?? 'UTC');
      const loc = parseS3Path(path);
      if (!loc) throw new Error(`not an S3 path: ${path}`);
      for (const f of await readObjects(loc, this.deps.bucketPath, isGzip(ms), guard)) parseRows(f.text, rowSchema(ms), stats, rows);
    }
    // Rows are assigned by their timestamp: those of other intervals are not this interval's data.
    const end = startMs + freq;
    return rows.filter((r) => r.timestampMs >= startMs && r.timestampMs < end);
  }

  private async readHistorical(ms: MetricSetRecord, paths: readonly string[]): Promise<Map<number, ParsedRow[]>> {
    const rows: ParsedRow[] = [];
    const stats: ParseStats = { rows: 0, invalidRows: 0, partialRows: 0 };
    const d = this.detectors.get(ms.detectorArn);
    const guard = s3ReadGuard(this.deps.roles, ms.source.S3SourceConfig?.RoleArn, d?.name ?? '');
    for (const p of paths) {
      const spec = d && this.streamSpec(d, ms, p);
      if (spec) {
        // A stream's retained records (every shard from TRIM_HORIZON), assigned to intervals by their timestamps.
        await readStreamRows(this.streamDeps(), spec, stats, rows);
        continue;
      }
      const loc = parseS3Path(p);
      if (!loc) throw new Error(`not an S3 path: ${p}`);
      for (const f of await readObjects(loc, this.deps.bucketPath, isGzip(ms), guard)) parseRows(f.text, rowSchema(ms), stats, rows);
    }
    return byInterval(rows, frequencyMs(ms.frequency));
  }

  private dimensionFilter(ms: MetricSetRecord): ((dims: readonly string[]) => boolean) | undefined {
    const list = ms.dimensionFilterList ?? [];
    if (list.length === 0) return undefined;
    const checks: { index: number; values: Set<string> }[] = [];
    for (const f of list) {
      const index = ms.dimensionList.indexOf(f.Name ?? '');
      if (index < 0) continue;
      checks.push({ index, values: new Set((f.FilterList ?? []).map((x) => x.DimensionValue ?? '')) });
    }
    return (dims) => checks.every((c) => c.values.has(dims[c.index]!));
  }

  private recordExecution(arn: string, exec: ExecutionRecord): void {
    let list = this.executions.get(arn);
    if (!list) this.executions.set(arn, (list = []));
    list.push(exec);
    if (list.length > MAX_EXECUTIONS) list.splice(0, list.length - MAX_EXECUTIONS);
  }

  /**
   * Anomalies of one interval form one anomaly group (every measure and dimension value of the metric set);
   * a group continues while consecutive intervals keep a series of it anomalous.
   */
  private recordGroup(
    d: DetectorRecord,
    ms: MetricSetRecord,
    model: MetricSetDetector,
    result: IntervalResult,
    mode: 'live' | 'backtest',
  ): AnomalyGroupRecord | undefined {
    if (result.hits.length === 0) return undefined;
    const freq = frequencyMs(ms.frequency);
    const series: GroupSeries[] = result.hits.map((h) => {
      const r = model.recent(h.seriesId);
      return {
        ...h,
        values: r ? r.values.map((v) => (Number.isNaN(v) ? null : v)) : [],
        valuesStartMs: r?.startMs ?? result.startMs,
        firstMs: result.startMs,
      };
    });
    let open: AnomalyGroupRecord | undefined;
    for (const g of this.groups.values()) {
      if (g.detectorArn === d.arn && g.mode === mode && g.endMs === result.startMs) {
        const ids = new Set(g.series.map((s) => s.seriesId));
        if (series.some((s) => ids.has(s.seriesId))) open = g;
      }
    }
    if (open) {
      open.endMs = result.startMs + freq;
      for (const s of series) {
        const i = open.series.findIndex((x) => x.seriesId === s.seriesId);
        if (i < 0) open.series.push(s);
        else if (s.severity >= open.series[i]!.severity) open.series[i] = { ...s, firstMs: open.series[i]!.firstMs ?? open.startMs };
        else open.series[i] = { ...open.series[i]!, values: s.values, valuesStartMs: s.valuesStartMs };
      }
      refreshScore(open);
      return open;
    }
    const g: AnomalyGroupRecord = {
      id: randomUUID(),
      detectorArn: d.arn,
      metricSetArn: ms.arn,
      startMs: result.startMs,
      endMs: result.startMs + freq,
      score: 0,
      primaryMetric: '',
      series,
      mode,
    };
    refreshScore(g);
    this.groups.set(g.id, g);
    this.trimGroups(d.arn);
    return g;
  }

  private trimGroups(arn: string): void {
    const mine = [...this.groups.values()].filter((g) => g.detectorArn === arn);
    if (mine.length <= MAX_GROUPS_PER_DETECTOR) return;
    mine.sort((a, b) => a.startMs - b.startMs);
    for (const g of mine.slice(0, mine.length - MAX_GROUPS_PER_DETECTOR)) this.groups.delete(g.id);
  }

  // ---- backtest ------------------------------------------------------------------------------------

  /**
   * BackTestAnomalyDetector: the historical data, interval by interval in time order, through a fresh model
   * — exactly what live detection does with the same intervals — recording the anomaly groups found.
   */
  backtest(arn: string): void {
    const d = this.detectors.get(arn)!;
    this.touch(d, 'BACK_TEST_ACTIVATING');
    this.save();
    const t = this.clock.setTimer(() => this.startBacktest(arn), this.options.activateDelayMs ?? 1000);
    this.setTimer(arn, t);
  }

  private startBacktest(arn: string): void {
    const d = this.detectors.get(arn);
    if (!d) return;
    this.touch(d, 'BACK_TEST_ACTIVE');
    this.save();
    this.enqueue(arn, async () => {
      const ms = this.metricSetOf(arn);
      if (!ms || d.status !== 'BACK_TEST_ACTIVE') return;
      for (const g of [...this.groups.values()]) if (g.detectorArn === arn && g.mode === 'backtest') this.groups.delete(g.id);
      try {
        const byStart = await this.readHistorical(ms, ms.source.S3SourceConfig?.HistoricalDataPathList ?? []);
        const model = this.newModel(ms);
        const freq = frequencyMs(ms.frequency);
        for (const start of orderedIntervals(byStart, freq, Infinity)) {
          const result = model.process(start, byStart.get(start) ?? [], this.dimensionFilter(ms));
          this.recordExecution(arn, { startMs: start, status: 'COMPLETED' });
          this.recordGroup(d, ms, model, result, 'backtest');
        }
      } catch (e) {
        this.fail(d, 'BACK_TEST_ACTIVATION_FAILURE', (e as Error).message);
        return;
      }
      this.touch(d, 'BACK_TEST_COMPLETE');
      this.save();
    });
  }

  // ---- alerts --------------------------------------------------------------------------------------

  /**
   * Counts every alert delivery from now on in CloudWatch, as Lookout for Metrics does: `Delivered` and
   * `Undelivered` (Count) in the AWS/LookoutMetrics namespace with the `AlertArn` dimension. An undelivered alert
   * (its role may not publish or invoke, the endpoint or function failed, or nothing to deliver to) is also named
   * with the reason in the server log.
   */
  emitMetrics(registry: MetricsRegistry): void {
    this.metrics = registry;
  }

  private countDelivery(a: AlertRecord, delivered: boolean, reason?: string): void {
    if (!delivered && reason !== undefined) this.options.log?.(`alert ${a.name}: delivery failed: ${reason}`);
    const registry = this.metrics;
    if (registry === undefined) return;
    let h = this.alertMetrics.get(a.arn);
    if (h === undefined) {
      const dims = [{ name: 'AlertArn', value: a.arn }];
      h = {
        delivered: registry.handle('AWS/LookoutMetrics', 'Delivered', dims, 'Count'),
        undelivered: registry.handle('AWS/LookoutMetrics', 'Undelivered', dims, 'Count'),
      };
      this.alertMetrics.set(a.arn, h);
    }
    (delivered ? h.delivered : h.undelivered).record(1);
  }

  private fireAlerts(d: DetectorRecord, g: AnomalyGroupRecord): void {
    for (const a of this.alerts.values()) {
      if (a.detectorArn !== d.arn || a.status !== 'ACTIVE' || g.alerted?.includes(a.arn)) continue;
      const series = g.series.filter((s) => s.severity >= a.sensitivity && matchesFilters(s, a.filters));
      if (series.length === 0) continue;
      const target = this.alertTarget(a);
      if (!target) {
        this.options.log?.(
          a.action.LambdaConfiguration
            ? `alert ${a.name}: no function ${a.action.LambdaConfiguration.LambdaArn} on this server (create it, or set the freshet:webhook tag)`
            : `alert ${a.name}: no webhook for its action (set detectors.topics or the freshet:webhook tag)`,
        );
        this.countDelivery(a, false);
        continue;
      }
      (g.alerted ??= []).push(a.arn);
      // Under --auth enforce the action runs with its RoleArn: a role that may not publish or invoke drops the alert.
      const denied = alertRoleProblem(this.deps.roles, a.action, d.name);
      if (denied !== undefined) {
        this.countDelivery(a, false, denied);
        continue;
      }
      const p = deliverAlert(target, { alert: a, detector: d, group: g, series, clock: this.clock }).then(
        () => this.countDelivery(a, true),
        (e: unknown) => this.countDelivery(a, false, (e as Error).message),
      );
      this.deliveries.add(p);
      void p.finally(() => this.deliveries.delete(p));
    }
  }

  private alertTarget(a: AlertRecord): AlertTarget | undefined {
    const hook = this.tags.get(a.arn)?.['freshet:webhook'];
    const sns = a.action.SNSConfiguration;
    if (sns) {
      const url = hook ?? this.topics[sns.SnsTopicArn];
      return url ? { kind: 'sns', url, topicArn: sns.SnsTopicArn, format: sns.SnsFormat ?? 'JSON' } : undefined;
    }
    const lambda = a.action.LambdaConfiguration;
    if (lambda && this.deps.functions?.has(lambda.LambdaArn)) return { kind: 'lambda', functionArn: lambda.LambdaArn, functions: this.deps.functions };
    if (lambda && hook) return { kind: 'webhook', url: hook };
    return undefined;
  }

  // ---- feedback --------------------------------------------------------------------------------------

  putFeedback(detectorArn: string, groupId: string, seriesId: string, isAnomaly: boolean): void {
    this.feedback.set(`${detectorArn} ${groupId} ${seriesId}`, isAnomaly);
    const g = this.groups.get(groupId);
    const s = g?.series.find((x) => x.seriesId === seriesId);
    this.models.get(detectorArn)?.feedback(seriesId, isAnomaly, s?.severity ?? 0);
    const d = this.detectors.get(detectorArn);
    this.save();
    if (d) this.saveModels(d);
  }

  async close(): Promise<void> {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    await this.settled();
    for (const s of this.streams.values()) await s.stop();
    for (const d of this.detectors.values()) this.saveModels(d);
    this.closed = true;
  }
}

function learned(model: MetricSetDetector): boolean {
  return model.warm;
}

function refreshScore(g: AnomalyGroupRecord): void {
  let best: GroupSeries | undefined;
  for (const s of g.series) if (!best || s.severity > best.severity) best = s;
  g.score = best?.severity ?? 0;
  g.primaryMetric = best?.metric ?? '';
}

function matchesFilters(s: SeriesHit, f: AlertFilters | undefined): boolean {
  if (!f) return true;
  if (f.MetricList && f.MetricList.length > 0 && !f.MetricList.includes(s.metric)) return false;
  for (const df of f.DimensionFilterList ?? []) {
    const v = s.dimensions[df.DimensionName ?? ''];
    if (df.DimensionValueList && df.DimensionValueList.length > 0 && (v === undefined || !df.DimensionValueList.includes(v))) return false;
  }
  return true;
}

/** Every interval from the first with data up to (not including) `beforeMs`, gaps included as empty intervals. */
function orderedIntervals(byStart: Map<number, ParsedRow[]>, freq: number, beforeMs: number): number[] {
  const keys = [...byStart.keys()].filter((k) => k < beforeMs).sort((a, b) => a - b);
  if (keys.length === 0) return [];
  const out: number[] = [];
  for (let t = keys[0]!; t <= keys[keys.length - 1]!; t += freq) out.push(t);
  return out;
}

function toSpec(m: Metric): { name: string; aggregation: 'SUM' | 'AVG' } {
  return { name: m.MetricName, aggregation: m.AggregationFunction };
}

function isGzip(ms: MetricSetRecord): boolean {
  const f = ms.source.S3SourceConfig?.FileFormatDescriptor;
  return (f?.CsvFormatDescriptor?.FileCompression ?? f?.JsonFormatDescriptor?.FileCompression) === 'GZIP';
}

export function rowSchema(ms: MetricSetRecord): RowSchema {
  const f = ms.source.S3SourceConfig?.FileFormatDescriptor;
  const csv = f?.CsvFormatDescriptor;
  return {
    format: f?.JsonFormatDescriptor && !csv ? 'JSON' : 'CSV',
    delimiter: csv?.Delimiter ?? ',',
    headerList: csv?.HeaderList,
    containsHeader: csv?.ContainsHeader ?? csv?.HeaderList === undefined,
    timestampColumn: ms.timestampColumn?.ColumnName ?? 'timestamp',
    timestampFormat: ms.timestampColumn?.ColumnFormat,
    timezone: ms.timezone ?? 'UTC',
    metrics: ms.metricList.map((m) => m.MetricName),
    dimensions: ms.dimensionList,
  };
}

/** `<data-dir>/detectors.json`'s `topics` (SNS topic ARN → webhook URL), when the file exists. */
function readTopics(dataDir: string | undefined): Record<string, string> {
  if (dataDir === undefined) return {};
  try {
    const conf = JSON.parse(readFileSync(join(dataDir, 'detectors.json'), 'utf8')) as { topics?: Record<string, string> };
    return conf.topics ?? {};
  } catch {
    return {};
  }
}

function writeAtomic(dir: string, name: string, text: string): void {
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${name}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, join(dir, name));
}
