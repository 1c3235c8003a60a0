/**
 * The metric detectors engine behind the LookoutMetrics API: anomaly detectors, their metric set, alerts,
 * tags, anomaly groups, feedback and executions. Time comes from the injected clock: status transitions
 * (ACTIVATING → LEARNING → ACTIVE, BACK_TEST_ACTIVATING → BACK_TEST_ACTIVE → BACK_TEST_COMPLETE) and each
 * interval's detection, which runs `Offset` seconds after the interval closes. Runs of one detector are
 * queued, so a clock that jumps hours ahead still detects every interval, in order.
 *
 * Resources, results and each detector's models are kept in the storage's MetaStore (`DetectorsDeps.meta`; see
 * the key layout under "persistence"), written after every change and every run, and resumed on start; a data
 * directory of the previous version (`<data-dir>/detectors/state.json`) is migrated into it on open. In a cluster
 * (JetStream) every node follows the others' writes and answers for every detector, and a running detector runs
 * on the node holding its lease `detector/<name>` (leased()), whose writes of its results are fenced.
 * A metric set whose source is a Kinesis stream on this server (`kinesis://<stream>`, a Freshet extension)
 * is read by a StreamSource (stream-source.ts), which sums rows into open intervals and seals each when its
 * run comes due.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { KeyedMutex } from '../core/index.ts';
import type { Clock, TimerHandle } from '../core/index.ts';
import type { FunctionInvoker } from '../functions/index.ts';
import type { RoleAuthorizer } from '../aws/index.ts';
import type { KinesisEngine } from '../kinesis/index.ts';
import type { MetricHandle, MetricsRegistry } from '../metrics/index.ts';
import { FENCE_FIELD } from '../storage/index.ts';
import type { MetaStore } from '../storage/index.ts';
import type { Action, AlertFilters, Metric, MetricSetDimensionFilter, MetricSource, TimestampColumn } from '../aws/models/lookoutmetrics.ts';
import { deliverAlert } from './alerts.ts';
import type { AlertTarget } from './alerts.ts';
import { byInterval, parseRows, parseS3Path, readObjects } from './source.ts';
import type { BucketResolver, ParsedRow, ParseStats, RowSchema } from './source.ts';
import { alertRoleProblem, s3ReadGuard } from './roles.ts';
import { MetricSetDetector } from './series.ts';
import { DirMetaStore } from './store.ts';
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
  /**
   * Status changes made through the API (activate, back-test, deactivate) so far: the owner's own transitions since
   * the last one (LEARNING, ACTIVE, FAILED, BACK_TEST_*) are stored in its run state for this epoch (StoredRun.state).
   */
  epoch?: number;
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
  /**
   * Where resources, results and models are kept (`storage.meta`); without it, `<data-dir>/detectors/meta/`
   * (DirMetaStore: a server on in-memory storage), or memory.
   */
  meta?: MetaStore;
  /** Several nodes on one JetStream namespace: each running detector runs on the node holding its lease `detector/<name>`. */
  leases?: DetectorLeases;
}

/** The lease manager (src/cluster/leases.ts) as the detectors use it. */
export interface DetectorLeases {
  mayRun(resource: string): Promise<boolean>;
  holds(resource: string): boolean;
  token(resource: string): number | undefined;
}

/** The lease of a detector's runs: `detector/<name>`. */
export const DETECTOR_LEASE_PREFIX = 'detector/';

const KEY_PREFIX = 'detectors/';
const DEF_PREFIX = 'detectors/d/';
const GROUP_PREFIX = 'detectors/g/';
const FENCE = FENCE_FIELD as 'leaseToken';
const defKey = (name: string): string => `${DEF_PREFIX}${name}`;
const runKey = (name: string): string => `detectors/r/${name}`;
const groupKey = (name: string, id: string): string => `${GROUP_PREFIX}${name}/${id}`;
/** A large group's series, in chunks: `detectors/gs/<name>/<group id>/<generation>/<i>` (not under GROUP_PREFIX). */
const groupChunksPrefix = (name: string, id?: string): string => `detectors/gs/${name}/${id === undefined ? '' : `${id}/`}`;
/** JSON bytes of a group stored in one key; a larger one (about 1.2 KB per anomalous series) is split into chunks of this size. */
const GROUP_CHUNK_BYTES = 256 * 1024;
const modelKey = (name: string): string => `detectors/m/${name}`;
/** JSON bytes of series per model chunk key (well under JetStream's default 1 MiB message). */
const MODEL_CHUNK_BYTES = 256 * 1024;
/** Statuses in which a detector runs somewhere (a timer, a queued run, a backtest). */
const RUNNING = new Set<DetectorStatus>(['ACTIVATING', 'LEARNING', 'ACTIVE', 'BACK_TEST_ACTIVATING', 'BACK_TEST_ACTIVE']);

/** A detector's definition in the MetaStore: written through whichever node the API call reached. */
interface StoredDef {
  detector: Omit<DetectorRecord, 'nextIntervalMs' | 'lastRecordedMs' | 'firstIntervalMs'>;
  metricSet?: MetricSetRecord;
  alerts: AlertRecord[];
  tags: Record<string, Record<string, string>>;
  feedback: Record<string, boolean>;
  /** Times the metric set's shape changed (UpdateMetricSet): the running node starts its model again. */
  resets?: number;
}

/** A detector's run state: written by the node that runs it. */
interface StoredRun {
  nextIntervalMs?: number;
  lastRecordedMs?: number;
  firstIntervalMs?: number;
  executions: ExecutionRecord[];
  quality?: QualityRecord;
  /**
   * The status the owner moved the detector to since the API last set one (epoch): it goes here, not into the
   * definition, so the owner never rewrites the definition (and never overwrites a change made through another node
   * meanwhile). It applies while the definition's epoch is the same.
   */
  state?: StatusFields & { epoch: number };
}

type StatusFields = Pick<DetectorRecord, 'status' | 'lastModificationTime' | 'failureReason' | 'failureType'>;

function statusFields(d: StatusFields): StatusFields {
  return {
    status: d.status,
    lastModificationTime: d.lastModificationTime,
    ...(d.failureReason !== undefined ? { failureReason: d.failureReason } : {}),
    ...(d.failureType !== undefined ? { failureType: d.failureType } : {}),
  };
}

function setStatusFields(d: DetectorRecord, f: StatusFields): void {
  d.status = f.status;
  d.lastModificationTime = f.lastModificationTime;
  if (f.failureReason !== undefined) d.failureReason = f.failureReason;
  else delete d.failureReason;
  if (f.failureType !== undefined) d.failureType = f.failureType;
  else delete d.failureType;
}

/** A group stored in chunks: the head keeps everything but its series. */
interface StoredGroupHead extends AnomalyGroupRecord {
  chunks?: number;
  gen?: number;
}

interface StoredModelHead {
  version: 1;
  intervals: number;
  lastStartMs: number | null;
  gen: number;
  chunks: number;
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
  private readonly meta: MetaStore;
  private readonly leases: DetectorLeases | undefined;
  /** Each key's value as last written (or read) here: a save writes only what changed. */
  private readonly written = new Map<string, string>();
  /** Writes in flight, per key. */
  private readonly pending = new Map<string, Promise<void>>();
  /**
   * Detectors whose status the owner moved on since the API last set it (StoredRun.state), by ARN: the epoch and the
   * status fields as the definition holds them, which the definition keeps while the epoch lasts.
   */
  private readonly advanced = new Map<string, { epoch: number; def: StatusFields }>();
  /** Metric set shape changes per detector (StoredDef.resets). */
  private readonly resets = new Map<string, number>();
  private unwatch: (() => void) | undefined;
  /** Detectors being migrated from files (migrateFiles): no lease is held yet, so their keys are written unfenced. */
  private readonly migrating = new Set<string>();
  /** The migration of files of the previous version: settled once its writes are stored (or failed). */
  private migration: Promise<void> = Promise.resolve();
  /** Intervals whose detection this node ran and recorded (not replays): in a cluster, where each detector ran. */
  recordedHere = 0;

  constructor(readonly deps: DetectorsDeps) {
    this.dir = deps.dataDir === undefined ? undefined : join(deps.dataDir, 'detectors');
    this.topics = { ...readTopics(deps.dataDir), ...deps.options?.topics };
    this.metrics = deps.metrics;
    this.meta = deps.meta ?? new DirMetaStore(this.dir === undefined ? undefined : join(this.dir, 'meta'));
    this.leases = deps.leases;
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
  //
  // Keys of one detector in the MetaStore (values bounded per key: JetStream's largest message is 1 MiB by default):
  //   detectors/d/<name>               definition: detector, metric set, alerts, tags, feedback (written through any node)
  //   detectors/r/<name>               run state: next and last recorded interval, executions, data quality, the owner's
  //                                    status transitions since the API's last (StoredRun.state) (owner)
  //   detectors/g/<name>/<group id>    one anomaly group (owner)
  //   detectors/m/<name>               model checkpoint head: intervals, last interval, generation, chunk count (owner)
  //   detectors/m/<name>/<gen>/<i>     the checkpoint's series, in chunks of at most MODEL_CHUNK_BYTES of JSON (owner)
  // In a cluster the owner's keys are written fenced by the lease `detector/<name>` (putFenced with its token).

  /** Reads the stored detectors (after migrating files of the previous version) and resumes those that run here. */
  private load(): void {
    const migrated = this.migrateFiles();
    for (const key of this.meta.keys(DEF_PREFIX)) {
      const name = key.slice(DEF_PREFIX.length);
      if (migrated.has(name)) continue;
      this.readDetector(name, true);
      this.readGroups(name);
    }
    for (const d of this.detectors.values()) this.primeWritten(d);
    // Shared metadata (a cluster): detectors created, changed or deleted through other nodes, and the results their
    // owner writes, are followed here; the leases (leased()) decide where each runs.
    this.unwatch = this.meta.watch?.(KEY_PREFIX, (key) => this.followed(key));
    if (!this.leases) for (const d of [...this.detectors.values()]) this.resume(d);
  }

  /**
   * `<data-dir>/detectors/state.json` and `<name>.models.json` of the previous version, read into the MetaStore: each
   * detector whose definition is not stored yet (in a cluster each node migrates its own, issue 19: a detector lived
   * on the node it was created through). This runs before any lease is held, so every key (run state, groups, model,
   * then the definition last, so a definition present means the rest is) is written with plain puts, not fenced.
   * The files are set aside (state.json.migrated, model files removed) only once every key written reads back; else
   * they stay and the next start migrates what is still missing. Returns the names migrated (held here already).
   */
  private migrateFiles(): Set<string> {
    const names = new Set<string>();
    if (!this.dir) return names;
    let state: PersistedState;
    try {
      state = JSON.parse(readFileSync(join(this.dir, 'state.json'), 'utf8')) as PersistedState;
    } catch {
      return names;
    }
    const todo = state.detectors.filter((d) => this.meta.get(defKey(d.name)) === undefined);
    const arns = new Set(todo.map((d) => d.arn));
    for (const d of todo) {
      this.detectors.set(d.arn, d);
      names.add(d.name);
    }
    for (const m of state.metricSets) if (arns.has(m.detectorArn)) this.metricSets.set(m.arn, m);
    for (const a of state.alerts) if (arns.has(a.detectorArn)) this.alerts.set(a.arn, a);
    const owned = new Set([...arns, ...[...this.metricSets.values(), ...this.alerts.values()].map((r) => r.arn)]);
    for (const [k, v] of Object.entries(state.tags)) if (owned.has(k)) this.tags.set(k, v);
    for (const g of state.groups) if (arns.has(g.detectorArn)) this.groups.set(g.id, g);
    for (const [k, v] of Object.entries(state.feedback)) if (arns.has(k.slice(0, k.indexOf(' ')))) this.feedback.set(k, v);
    for (const [k, v] of Object.entries(state.executions)) if (arns.has(k)) this.executions.set(k, v);
    for (const [k, v] of Object.entries(state.quality ?? {})) if (arns.has(k)) this.quality.set(k, v);
    const modelFiles: string[] = [];
    for (const d of state.detectors) {
      const file = join(this.dir, `${d.name}.models.json`);
      const ms = this.metricSetOf(d.arn);
      if (!arns.has(d.arn) || !ms) {
        modelFiles.push(file);
        continue;
      }
      try {
        const saved = JSON.parse(readFileSync(file, 'utf8')) as MetricSetDetectorState;
        this.models.set(d.arn, MetricSetDetector.fromJSON(saved, ms.metricList.map(toSpec), ms.dimensionList, frequencyMs(ms.frequency), this.options.series));
        modelFiles.push(file);
      } catch {
        // No checkpoint yet.
      }
    }
    for (const d of todo) {
      this.migrating.add(d.name);
      this.write(runKey(d.name), this.runValue(d));
      const keys = [runKey(d.name)];
      for (const g of this.groups.values()) {
        if (g.detectorArn !== d.arn) continue;
        this.writeGroup(d.name, g);
        keys.push(groupKey(d.name, g.id));
      }
      if (this.models.has(d.arn)) {
        this.saveModels(d);
        keys.push(modelKey(d.name));
      }
      const before = keys.map((k) => this.pending.get(k));
      const def = this.defValue(d);
      this.written.set(defKey(d.name), JSON.stringify(def));
      const model = this.models.get(d.arn);
      const ms = this.metricSetOf(d.arn);
      this.enqueueWrite(defKey(d.name), async () => {
        await Promise.all(before);
        const missing = keys.filter((k) =>
          k === runKey(d.name)
            ? this.meta.get(k) === undefined
            : k === modelKey(d.name)
              ? model !== undefined && ms !== undefined && this.loadModel(d, ms) === undefined
              : this.storedGroup(d.name, k) === undefined,
        );
        if (missing.length > 0) throw new Error(`migrating detector ${d.name}: ${missing.join(', ')} not stored`);
        await this.meta.put(defKey(d.name), def);
      });
    }
    const dir = this.dir;
    this.migration = this.flushed().then(() => {
      for (const n of names) this.migrating.delete(n);
      const lost = state.detectors.filter((d) => this.meta.get(defKey(d.name)) === undefined).map((d) => d.name);
      if (lost.length > 0) {
        this.options.log?.(`detectors: migrating ${dir} to the metadata store left out ${lost.join(', ')}; state.json stays for the next start`);
        return;
      }
      renameSync(join(dir, 'state.json'), join(dir, 'state.json.migrated'));
      for (const f of modelFiles) rmSync(f, { force: true });
    });
    this.migration.catch((e: unknown) => this.options.log?.(`detectors: migrating ${dir} to the metadata store failed: ${(e as Error).message}`));
    return names;
  }

  /** Whether this node runs the detector: always on one machine; in a cluster, while it holds the lease. */
  private owns(name: string): boolean {
    return this.leases === undefined || this.leases.holds(DETECTOR_LEASE_PREFIX + name);
  }

  /** The detector's definition as stored (the run fields are in its run state). */
  private defValue(d: DetectorRecord): StoredDef {
    const { nextIntervalMs: _n, lastRecordedMs: _l, firstIntervalMs: _f, ...detector } = d;
    const adv = this.advanced.get(d.arn);
    if (adv && adv.epoch === (d.epoch ?? 0)) {
      delete detector.failureReason;
      delete detector.failureType;
      Object.assign(detector, adv.def);
    }
    const ms = this.metricSetOf(d.arn);
    const alerts = [...this.alerts.values()].filter((a) => a.detectorArn === d.arn).sort((a, b) => a.arn.localeCompare(b.arn));
    const tags: Record<string, Record<string, string>> = {};
    for (const arn of [d.arn, ...(ms ? [ms.arn] : []), ...alerts.map((a) => a.arn)]) {
      const t = this.tags.get(arn);
      if (t) tags[arn] = t;
    }
    const feedback: Record<string, boolean> = {};
    for (const [k, v] of this.feedback) if (k.startsWith(`${d.arn} `)) feedback[k] = v;
    return { detector, ...(ms ? { metricSet: ms } : {}), alerts, tags, feedback, resets: this.resets.get(d.arn) ?? 0 };
  }

  private runValue(d: DetectorRecord): StoredRun {
    const q = this.quality.get(d.arn);
    return {
      ...(d.nextIntervalMs !== undefined ? { nextIntervalMs: d.nextIntervalMs } : {}),
      ...(d.lastRecordedMs !== undefined ? { lastRecordedMs: d.lastRecordedMs } : {}),
      ...(d.firstIntervalMs !== undefined ? { firstIntervalMs: d.firstIntervalMs } : {}),
      executions: this.executions.get(d.arn) ?? [],
      ...(q ? { quality: q } : {}),
      ...(this.advanced.get(d.arn)?.epoch === (d.epoch ?? 0) ? { state: { ...statusFields(d), epoch: d.epoch ?? 0 } } : {}),
    };
  }

  /** Writes what changed since the last write: every definition, and the run state and groups of detectors run here. */
  save(): void {
    if (this.closed) return;
    for (const d of this.detectors.values()) {
      this.write(defKey(d.name), this.defValue(d));
      if (!this.owns(d.name)) continue;
      this.write(runKey(d.name), this.runValue(d));
      for (const g of this.groups.values()) if (g.detectorArn === d.arn) this.writeGroup(d.name, g);
    }
  }

  /**
   * One anomaly group; a group whose JSON exceeds GROUP_CHUNK_BYTES (a broad anomaly over many series) is stored as
   * its series in chunks, then the head naming them (`chunks`, `gen`), then the previous generation's chunks removed.
   */
  private writeGroup(name: string, g: AnomalyGroupRecord): void {
    const key = groupKey(name, g.id);
    const text = JSON.stringify(g);
    if (this.written.get(key) === text) return;
    this.written.set(key, text);
    const copy = JSON.parse(text) as AnomalyGroupRecord;
    const prefix = groupChunksPrefix(name, g.id);
    this.enqueueWrite(key, async () => {
      if (text.length <= GROUP_CHUNK_BYTES) {
        await this.put(key, copy);
        for (const k of this.meta.keys(prefix)) await this.meta.delete(k);
        return;
      }
      const gen = (this.meta.get<StoredGroupHead>(key)?.gen ?? 0) + 1;
      const chunks = chunked(copy.series, GROUP_CHUNK_BYTES);
      for (let i = 0; i < chunks.length; i++) await this.put(`${prefix}${gen}/${i}`, { series: chunks[i] });
      await this.put(key, { ...copy, series: [], chunks: chunks.length, gen } satisfies StoredGroupHead);
      for (const k of this.meta.keys(prefix)) if (!k.startsWith(`${prefix}${gen}/`)) await this.meta.delete(k);
    });
  }

  /** A stored group (its series gathered from its chunks), or undefined when absent or its chunks are not all there. */
  private storedGroup(name: string, key: string): AnomalyGroupRecord | undefined {
    const head = this.meta.get<StoredGroupHead & { [FENCE]?: number }>(key);
    if (!head) return undefined;
    delete head[FENCE];
    const { chunks, gen, ...g } = head;
    if (chunks === undefined) return g;
    g.series = [];
    for (let i = 0; i < chunks; i++) {
      const c = this.meta.get<{ series: GroupSeries[] }>(`${groupChunksPrefix(name, g.id)}${gen}/${i}`);
      if (!c) return undefined;
      g.series.push(...c.series);
    }
    return g;
  }

  private dropGroup(name: string, id: string): void {
    this.dropKey(groupKey(name, id));
    for (const k of this.meta.keys(groupChunksPrefix(name, id))) this.dropKey(k);
  }

  /** Records the detector's keys as written (their stored values are what this node holds): the next save skips them. */
  private primeWritten(d: DetectorRecord): void {
    this.written.set(defKey(d.name), JSON.stringify(this.defValue(d)));
    this.written.set(runKey(d.name), JSON.stringify(this.runValue(d)));
    for (const g of this.groups.values()) if (g.detectorArn === d.arn) this.written.set(groupKey(d.name, g.id), JSON.stringify(g));
  }

  private write(key: string, value: unknown): void {
    const text = JSON.stringify(value);
    if (this.written.get(key) === text) return;
    this.written.set(key, text);
    const copy = JSON.parse(text) as unknown;
    this.enqueueWrite(key, () => this.put(key, copy));
  }

  /** A write of the owner's keys is fenced by the detector's lease in a cluster. */
  private async put(key: string, value: unknown): Promise<void> {
    const name = key.split('/')[2]!;
    if (!key.startsWith(DEF_PREFIX) && !this.detectors.has(this.arn('AnomalyDetector', name))) {
      // Deleted (here, or through another node) after this write was queued: its keys are gone for good (purge()).
      this.written.delete(key);
      return;
    }
    if (!key.startsWith(DEF_PREFIX) && this.leases && !this.migrating.has(name)) {
      const token = this.leases.token(DETECTOR_LEASE_PREFIX + name);
      if (token === undefined || !this.leases.holds(DETECTOR_LEASE_PREFIX + name))
        throw new Error(`metadata ${key}: this node does not hold the detector's lease (another node runs it)`);
      const fenced = this.meta as MetaStore & { putFenced?: (k: string, v: unknown, t: number) => Promise<void> };
      if (fenced.putFenced) return fenced.putFenced(key, value, token);
    }
    await this.meta.put(key, value);
  }

  /**
   * A deleted detector: once the writes of its keys queued before the deletion have run (a model checkpoint queued
   * before it writes chunks the deletion could not list), every key of it still stored is removed, unless a detector
   * of that name exists again by then. Later writes of its keys are dropped (put()).
   */
  private purge(name: string): void {
    const owned = (k: string): boolean =>
      k === runKey(name) || k === modelKey(name) || [`${modelKey(name)}/`, `${GROUP_PREFIX}${name}/`, groupChunksPrefix(name)].some((p) => k.startsWith(p));
    const before = [...this.pending].filter(([k]) => owned(k)).map(([, p]) => p);
    this.enqueueWrite(`${KEY_PREFIX}purge/${name}`, async () => {
      await Promise.all(before);
      if (this.detectors.has(this.arn('AnomalyDetector', name)) || this.meta.get(defKey(name)) !== undefined) return;
      const keys = [
        runKey(name),
        modelKey(name),
        ...this.meta.keys(`${modelKey(name)}/`),
        ...this.meta.keys(`${GROUP_PREFIX}${name}/`),
        ...this.meta.keys(groupChunksPrefix(name)),
      ];
      for (const k of keys) if (this.meta.get(k) !== undefined) await this.meta.delete(k);
    });
  }

  private dropKey(key: string): void {
    this.written.delete(key);
    if (this.meta.get(key) === undefined && !this.pending.has(key)) return;
    this.enqueueWrite(key, () => this.meta.delete(key));
  }

  /** Writes of one key go in order; a failed one is written again at the next save. */
  private enqueueWrite(key: string, fn: () => Promise<void>): void {
    const prev = this.pending.get(key) ?? Promise.resolve();
    const p = prev.then(fn).catch((e: unknown) => {
      this.written.delete(key);
      this.options.log?.(`detectors: ${key}: ${(e as Error).message}`);
    });
    this.pending.set(key, p);
    void p.finally(() => {
      if (this.pending.get(key) === p) this.pending.delete(key);
    });
  }

  /** Resolves when every write issued so far has been stored (or failed). */
  async flushed(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending.values());
  }

  private saveModels(d: DetectorRecord, force = true): void {
    if (this.closed || (!this.owns(d.name) && !this.migrating.has(d.name))) return;
    const model = this.models.get(d.arn);
    if (!model || (!force && model.intervals % MODEL_CHECKPOINT_INTERVALS !== 0)) return;
    const state = model.toJSON();
    const head = modelKey(d.name);
    const chunks = chunked(state.series, MODEL_CHUNK_BYTES);
    const src = this.streams.get(d.arn);
    // Chunks first, then the head that names them, then the previous generation's chunks: a reader sees one whole checkpoint.
    this.enqueueWrite(head, async () => {
      // The generation after the head as stored when this write runs: two checkpoints queued back to back (a run's,
      // then deactivate's or close()'s) each get their own, not the second overwriting the first's chunks under its head.
      const gen = (this.meta.get<StoredModelHead>(head)?.gen ?? 0) + 1;
      for (let i = 0; i < chunks.length; i++) await this.put(`${head}/${gen}/${i}`, { series: chunks[i] });
      await this.put(head, { version: 1, intervals: state.intervals, lastStartMs: state.lastStartMs, gen, chunks: chunks.length } satisfies StoredModelHead);
      for (const k of this.meta.keys(`${head}/`)) if (!k.startsWith(`${head}/${gen}/`)) await this.meta.delete(k);
      // The models now hold every interval up to lastStartMs: a stream source no longer needs to keep them.
      if (state.lastStartMs !== null) src?.prune(state.lastStartMs);
    });
  }

  /** The detector's stored model checkpoint, or undefined. */
  private loadModel(d: DetectorRecord, ms: MetricSetRecord): MetricSetDetector | undefined {
    const head = this.meta.get<StoredModelHead>(modelKey(d.name));
    if (!head) return undefined;
    const series: MetricSetDetectorState['series'] = [];
    for (let i = 0; i < head.chunks; i++) {
      const c = this.meta.get<{ series: MetricSetDetectorState['series'] }>(`${modelKey(d.name)}/${head.gen}/${i}`);
      if (!c) return undefined;
      series.push(...c.series);
    }
    const state: MetricSetDetectorState = { version: 1, intervals: head.intervals, lastStartMs: head.lastStartMs, series };
    return MetricSetDetector.fromJSON(state, ms.metricList.map(toSpec), ms.dimensionList, frequencyMs(ms.frequency), this.options.series);
  }

  /**
   * Reads one detector's definition (and, with `withRun`, its run state) from the store into the maps, updating the
   * record in place (runs hold it). Returns it, or undefined when it is gone (its entries are then dropped).
   */
  private readDetector(name: string, withRun: boolean): DetectorRecord | undefined {
    const def = this.meta.get<StoredDef>(defKey(name));
    const arn = this.arn('AnomalyDetector', name);
    for (const m of [...this.metricSets.values()]) if (m.detectorArn === arn) this.metricSets.delete(m.arn);
    for (const a of [...this.alerts.values()]) if (a.detectorArn === arn) this.alerts.delete(a.arn);
    for (const k of [...this.feedback.keys()]) if (k.startsWith(`${arn} `)) this.feedback.delete(k);
    const old = this.detectors.get(arn);
    if (!def) {
      this.detectors.delete(arn);
      this.tags.delete(arn);
      for (const g of [...this.groups.values()]) if (g.detectorArn === arn) this.groups.delete(g.id);
      this.executions.delete(arn);
      this.quality.delete(arn);
      this.advanced.delete(arn);
      return undefined;
    }
    const run = withRun ? this.meta.get<StoredRun>(runKey(name)) : undefined;
    const next: DetectorRecord = { ...def.detector };
    const epoch = next.epoch ?? 0;
    // The owner's transitions since the API last set the status: from its run state, or (the owner) as held here.
    const adv = this.advanced.get(arn);
    const state = withRun ? (run?.state?.epoch === epoch ? run.state : undefined) : adv?.epoch === epoch && old ? statusFields(old) : undefined;
    if (state) {
      this.advanced.set(arn, { epoch, def: statusFields(def.detector) });
      setStatusFields(next, state);
    } else this.advanced.delete(arn);
    const from = withRun ? run : old;
    if (from?.nextIntervalMs !== undefined) next.nextIntervalMs = from.nextIntervalMs;
    if (from?.lastRecordedMs !== undefined) next.lastRecordedMs = from.lastRecordedMs;
    if (from?.firstIntervalMs !== undefined) next.firstIntervalMs = from.firstIntervalMs;
    let d = old;
    if (d) {
      // Fields the stored record no longer has (e.g. a cleared description) go from the copy held here too.
      const held: Partial<Record<keyof DetectorRecord, unknown>> = d;
      for (const k of Object.keys(d) as (keyof DetectorRecord)[]) if (!(k in next)) delete held[k];
      Object.assign(d, next);
    } else this.detectors.set(arn, (d = next));
    if (def.metricSet) this.metricSets.set(def.metricSet.arn, def.metricSet);
    for (const a of def.alerts) this.alerts.set(a.arn, a);
    for (const [k, v] of Object.entries(def.tags)) this.tags.set(k, v);
    for (const [k, v] of Object.entries(def.feedback)) this.feedback.set(k, v);
    this.resets.set(arn, def.resets ?? 0);
    if (withRun) {
      this.executions.set(arn, run?.executions ?? []);
      if (run?.quality) this.quality.set(arn, run.quality);
      else this.quality.delete(arn);
    }
    this.written.set(defKey(name), JSON.stringify(this.defValue(d)));
    return d;
  }

  /** Reads one detector's anomaly groups from the store (replacing those held). */
  private readGroups(name: string): void {
    const arn = this.arn('AnomalyDetector', name);
    for (const g of [...this.groups.values()]) if (g.detectorArn === arn) this.groups.delete(g.id);
    for (const k of this.meta.keys(`${GROUP_PREFIX}${name}/`)) {
      const g = this.storedGroup(name, k);
      if (g) this.groups.set(g.id, g);
    }
  }

  /** Another node changed a key: the copy here follows (the owner's own keys are its to write, and not read back). */
  private followed(key: string): void {
    if (this.closed) return;
    const m = /^detectors\/([dgrm])\/([^/]+)(?:\/(.+))?$/.exec(key);
    if (!m) return;
    const kind = m[1]!;
    const name = m[2]!;
    const rest = m[3];
    const owner = this.leases?.holds(DETECTOR_LEASE_PREFIX + name) === true;
    if (kind === 'm' || (owner && kind !== 'd')) return;
    if (kind === 'g') {
      const g = this.storedGroup(name, key);
      if (g) this.groups.set(g.id, g);
      else if (this.meta.get(key) === undefined) this.groups.delete(rest ?? '');
      return;
    }
    const arn = this.arn('AnomalyDetector', name);
    const before = this.detectors.get(arn);
    const status = before?.status;
    const feedback = new Map([...this.feedback].filter(([k]) => k.startsWith(`${arn} `)));
    const resets = this.resets.get(arn) ?? 0;
    const d = this.readDetector(name, !owner);
    if (!owner) return;
    // This node runs the detector: a change made through another node acts here.
    if (!d) {
      this.cancelTimer(arn);
      this.dropStreamSource(arn);
      this.models.delete(arn);
      // Its fenced writes in flight could store keys again after the deleting node removed them.
      this.purge(name);
      return;
    }
    if ((this.resets.get(arn) ?? 0) !== resets) this.models.delete(arn);
    for (const [k, v] of this.feedback) {
      if (feedback.get(k) === v) continue;
      const [, groupId, seriesId] = k.split(' ') as [string, string, string];
      const s = this.groups.get(groupId)?.series.find((x) => x.seriesId === seriesId);
      this.models.get(arn)?.feedback(seriesId, v, s?.severity ?? 0);
    }
    if (d.status === status) return;
    if (d.status === 'ACTIVATING')
      this.setTimer(
        arn,
        this.clock.setTimer(() => this.finishActivation(arn), this.options.activateDelayMs ?? 1000),
      );
    else if (d.status === 'BACK_TEST_ACTIVATING')
      this.setTimer(
        arn,
        this.clock.setTimer(() => this.startBacktest(arn), this.options.activateDelayMs ?? 1000),
      );
    else if (!RUNNING.has(d.status)) void this.idle(arn, true);
  }

  /** Stops running the detector here: no timer, runs finished, models checkpointed (when `checkpoint`), stream reader stopped. */
  private async idle(arn: string, checkpoint: boolean): Promise<void> {
    this.cancelTimer(arn);
    await this.runs.run(arn, async () => {
      const d = this.detectors.get(arn);
      if (d && checkpoint) {
        this.save();
        this.saveModels(d);
      }
      await this.streams.get(arn)?.stop();
    });
    await this.flushed();
  }

  /**
   * The leased kind (a cluster): each detector that should run (activating, learning, active, back-testing) runs
   * on one node, the holder of `detector/<name>`. Taking the lease reads the detector's run state, groups and model
   * checkpoint as the previous owner stored them, and resumes where they end: intervals after the checkpoint are
   * read again to bring the model up to date, and only those after the last recorded one are recorded.
   */
  leased(): {
    prefix: string;
    desired(): ReadonlyMap<string, number>;
    start(name: string): Promise<void>;
    stop(name: string, checkpoint: boolean): Promise<void>;
  } {
    return {
      prefix: DETECTOR_LEASE_PREFIX,
      desired: () => {
        const out = new Map<string, number>();
        for (const d of this.detectors.values()) if (RUNNING.has(d.status)) out.set(d.name, 1);
        return out;
      },
      start: async (name) => {
        // A detector migrated from files here: its stored state is complete once the migration's writes are.
        await this.migration.catch(() => undefined);
        if (this.closed) return;
        const d = this.takeOver(name);
        if (d) this.resume(d);
      },
      stop: async (name, checkpoint) => {
        const arn = this.arn('AnomalyDetector', name);
        await this.idle(arn, checkpoint);
        this.models.delete(arn);
        this.streams.delete(arn);
      },
    };
  }

  /** This node has just taken the detector's lease: its state as the store holds it. */
  private takeOver(name: string): DetectorRecord | undefined {
    const d = this.readDetector(name, true);
    if (!d) return undefined;
    this.readGroups(name);
    this.models.delete(d.arn);
    this.primeWritten(d);
    return d;
  }

  /** Runs `fn` here if this node runs the detector (one machine; or it holds, or has just taken, its lease). */
  private whenOwner(name: string, fn: () => void): void {
    if (!this.leases) {
      fn();
      return;
    }
    if (this.leases.holds(DETECTOR_LEASE_PREFIX + name)) {
      fn();
      return;
    }
    // A detector migrated from files here is stored whole (its definition last) once the migration's writes are.
    const leases = this.leases;
    void this.migration
      .catch(() => undefined)
      .then(() => leases.mayRun(DETECTOR_LEASE_PREFIX + name))
      .then((ok) => {
        if (!ok || this.closed) return;
        this.takeOver(name);
        fn();
      });
  }

  /** Resumes a detector this node runs from its stored state: statuses in passing go on where they were heading. */
  private resume(d: DetectorRecord): void {
    const ms = this.metricSetOf(d.arn);
    if (ms && !this.models.has(d.arn)) {
      const model = this.loadModel(d, ms);
      if (model) this.models.set(d.arn, model);
    }
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

  // ---- life cycle ------------------------------------------------------------------------------------

  /** A status change made through the API (stored in the definition): a new epoch. */
  touch(d: DetectorRecord, status: DetectorStatus): void {
    d.status = status;
    d.lastModificationTime = this.clock.now();
    d.epoch = (d.epoch ?? 0) + 1;
    this.advanced.delete(d.arn);
  }

  /** A status change the owner makes (stored in its run state, StoredRun.state; the definition keeps the API's). */
  private advance(d: DetectorRecord, status: DetectorStatus): void {
    const epoch = d.epoch ?? 0;
    if (this.advanced.get(d.arn)?.epoch !== epoch) this.advanced.set(d.arn, { epoch, def: statusFields(d) });
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
    // A cluster: the node holding the detector's lease activates it (this one, if the lease was free).
    this.whenOwner(d.name, () =>
      this.setTimer(
        arn,
        this.clock.setTimer(() => this.finishActivation(arn), this.options.activateDelayMs ?? 1000),
      ),
    );
  }

  private finishActivation(arn: string): void {
    this.enqueue(arn, async () => {
      const d = this.detectors.get(arn);
      const ms = d && this.metricSetOf(arn);
      if (!d || !ms || d.status !== 'ACTIVATING') return;
      const freq = frequencyMs(ms.frequency);
      const model = this.models.get(arn) ?? this.loadModel(d, ms) ?? this.newModel(ms);
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
      this.advance(d, learned(model) ? 'ACTIVE' : 'LEARNING');
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
    this.models.delete(arn);
    this.resets.delete(arn);
    this.advanced.delete(arn);
    const name = arn.slice(arn.lastIndexOf(':') + 1);
    for (const k of [
      defKey(name),
      runKey(name),
      modelKey(name),
      ...this.meta.keys(`${modelKey(name)}/`),
      ...this.meta.keys(`${GROUP_PREFIX}${name}/`),
      ...this.meta.keys(groupChunksPrefix(name)),
    ])
      this.dropKey(k);
    for (const k of [...this.written.keys()]) if (k.startsWith(`${GROUP_PREFIX}${name}/`)) this.dropKey(k);
    this.purge(name);
    this.save();
  }

  private fail(d: DetectorRecord, type: NonNullable<DetectorRecord['failureType']>, reason: string): void {
    this.advance(d, 'FAILED');
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
    // The node running the detector (a cluster) follows the count in its definition.
    this.resets.set(detectorArn, (this.resets.get(detectorArn) ?? 0) + 1);
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
      // The lease moved (a cluster): the new owner resumes from the stored state.
      if (!this.owns(cur.name)) return;
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
    if (d.status === 'LEARNING' && result.learned) this.advance(d, 'ACTIVE');
    d.lastRecordedMs = startMs;
    this.recordedHere += 1;
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
    const name = arn.slice(arn.lastIndexOf(':') + 1);
    for (const g of mine.slice(0, mine.length - MAX_GROUPS_PER_DETECTOR)) {
      this.groups.delete(g.id);
      this.dropGroup(name, g.id);
    }
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
    this.whenOwner(d.name, () =>
      this.setTimer(
        arn,
        this.clock.setTimer(() => this.startBacktest(arn), this.options.activateDelayMs ?? 1000),
      ),
    );
  }

  private startBacktest(arn: string): void {
    const d = this.detectors.get(arn);
    if (!d) return;
    this.advance(d, 'BACK_TEST_ACTIVE');
    this.save();
    this.enqueue(arn, async () => {
      const ms = this.metricSetOf(arn);
      if (!ms || d.status !== 'BACK_TEST_ACTIVE') return;
      for (const g of [...this.groups.values()]) {
        if (g.detectorArn !== arn || g.mode !== 'backtest') continue;
        this.groups.delete(g.id);
        this.dropGroup(d.name, g.id);
      }
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
      this.advance(d, 'BACK_TEST_COMPLETE');
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
    this.unwatch?.();
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    await this.settled();
    for (const s of this.streams.values()) await s.stop();
    for (const d of this.detectors.values()) this.saveModels(d);
    await this.flushed();
    this.closed = true;
  }
}

/** `items` in consecutive chunks of at most `bytes` of JSON each (an item larger than that alone in its chunk). */
function chunked<T>(items: readonly T[], bytes: number): T[][] {
  const out: T[][] = [];
  let size = Infinity;
  for (const item of items) {
    const n = JSON.stringify(item).length;
    if (size + n > bytes) {
      out.push([]);
      size = 0;
    }
    out.at(-1)!.push(item);
    size += n;
  }
  return out;
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
