/**
 * FirehoseEngine: delivery streams over a LogStorage. Each delivery stream has
 * one ShardLog (id `firehose/<uuid>/records`) holding every acknowledged
 * record, a DeliveryPipeline reading it, and its metadata in storage.meta under
 * `firehose/stream/<name>`; the pipeline's checkpoint is `firehose/checkpoint/<name>`, and its metric totals
 * (what `delivery describe` and `/status` show) `firehose/metrics/<name>`, saved every METRICS_SAVE_MS of
 * clock time when they changed and on close: a kill -9 loses at most that much of the counts, never records.
 * Inputs are typed and validated by the action handlers (service.ts); errors
 * are AwsErrors with Firehose's codes and texts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { AwsError } from '../core/errors.ts';
import { KeyedMutex, log } from '../core/index.ts';
import type { Clock, TimerHandle } from '../core/clock.ts';
import type { LogStorage, ShardLog } from '../storage/index.ts';
import type { KinesisEngine } from '../kinesis/index.ts';
import type { RoleAuthorizer } from '../aws/index.ts';
import type { DestinationConfig, ParquetColumn } from './config.ts';
import { describeDestination } from './config.ts';
import { DeliveryPipeline } from './pipeline.ts';
import type { RetrySettings } from './pipeline.ts';
import type { RoleCheck } from './delivery-writer.ts';
import { ObjectStores } from './destinations/object-store.ts';
import type { BucketMapping } from './destinations/object-store.ts';
import { LambdaHost } from './lambda.ts';
import type { FunctionInvoker } from '../functions/index.ts';
import { KinesisSource, SOURCE_PREFIX } from './kinesis-source.ts';
import { DeliveryMetrics } from './metrics.ts';
import type { DeliveryMetricsSnapshot } from './metrics.ts';
import { invalidArgument } from './validate.ts';
import { firehoseErrors } from './errors.ts';

export interface FirehoseOptions {
  /** Buckets written to a remote S3-compatible store, the null sink, or another directory; others go to `<dataDir>/s3/<bucket>`. */
  buckets?: Record<string, BucketMapping>;
  /** Table schemas for record format conversion, keyed `<database>.<table>` (or `<table>`). */
  tables?: Record<string, ParquetColumn[]>;
  /** Lambda processors: function name or ARN → JS/TS module path exporting handler(event). */
  functions?: Record<string, string>;
  lambdaTimeoutMs?: number;
  /** CREATING → ACTIVE after this long on the clock (default 1000 ms). */
  createDelayMs?: number;
  /** ENABLING/DISABLING → ENABLED/DISABLED after this long (default 1000 ms). */
  encryptionDelayMs?: number;
  /** Directory holding the embedded buckets (`<s3Root>/<bucket>`) when the server has no data directory. */
  s3Root?: string;
  retry?: Partial<RetrySettings>;
  maxPartitions?: number;
  logger?: (message: string) => void;
}

export interface FirehoseDeps {
  storage: LogStorage;
  clock: Clock;
  region: string;
  accountId: string;
  dataDir: string | undefined;
  kinesis?: KinesisEngine;
  firehose?: FirehoseOptions;
  /** The server's functions (src/functions), which Lambda processors invoke by ARN or name. */
  functionInvoker?: FunctionInvoker;
  /** `--auth enforce`: a Kinesis source is read, the destination written and the processor invoked with the delivery stream's roles, checked like any caller. */
  roles?: RoleAuthorizer;
  /**
   * Several nodes on one namespace (issue 19): may this node run `resource` (`firehose/<name>`)? A delivery stream
   * whose lease another node holds is known here (puts append to its log) but not delivered from here.
   */
  gate?: { mayRun(resource: string): Promise<boolean> };
}

export type DeliveryStreamType = 'DirectPut' | 'KinesisStreamAsSource';
export interface Tag {
  Key: string;
  Value?: string;
}

/** Persisted delivery stream (JSON in storage.meta). */
export interface DeliveryStreamMeta {
  name: string;
  uuid: string;
  type: DeliveryStreamType;
  createdMs: number;
  activeAtMs: number;
  updatedMs?: number;
  version: number;
  destination: DestinationConfig;
  tags: Tag[];
  encryption: { status: 'ENABLED' | 'ENABLING' | 'DISABLED' | 'DISABLING'; keyType?: string; keyArn?: string; changeAtMs?: number };
  source?: { kinesisStreamArn: string; roleArn: string; startMs: number };
}

interface Runtime {
  meta: DeliveryStreamMeta;
  lastArrivalMs: number;
  log: ShardLog;
  pipeline: Pipeline;
  metrics: DeliveryMetrics;
  source?: KinesisSource;
  /** Open record readers (openRecordReader): delivered records they have not read are not trimmed. */
  readers: Set<DeliveryRecordReader>;
  /** Another node delivers it (gate): the pipeline is built but not started, the source not read. */
  idle?: boolean;
}

type Pipeline = Pick<DeliveryPipeline, 'start' | 'stop' | 'settled'> & { readonly failure?: string };

/**
 * Stands in for a pipeline whose configuration cannot run (e.g. a table schema
 * removed from the server configuration): the stream stays listed, accepts and
 * keeps records, and describes the failure; nothing is delivered until the
 * configuration is fixed and the server restarted (or the destination updated).
 */
class FailedPipeline {
  constructor(readonly failure: string) {}
  start(): void {}
  async stop(): Promise<void> {}
  async settled(): Promise<void> {}
}

const logger = log.child('firehose');
const META_PREFIX = 'firehose/stream/';
const CHECKPOINT_PREFIX = 'firehose/checkpoint/';
const HOLD_PREFIX = 'firehose/hold/';
const METRICS_PREFIX = 'firehose/metrics/';
/** How often changed metric totals are written (clock time). */
export const METRICS_SAVE_MS = 5_000;

function loadOptions(dataDir: string | undefined, given: FirehoseOptions | undefined): FirehoseOptions {
  if (given) return given;
  // A server data directory may carry firehose.json (buckets, tables, functions).
  const file = dataDir ? join(dataDir, 'firehose.json') : undefined;
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as FirehoseOptions;
  return {};
}

export class FirehoseEngine {
  readonly options: FirehoseOptions;
  readonly stores: ObjectStores;
  private readonly lambda: LambdaHost;
  private streams = new Map<string, Runtime>();
  /** Control-plane changes to one delivery stream run one at a time. */
  private readonly locks = new KeyedMutex();
  /** Per delivery stream: the metric totals last written (JSON), so unchanged ones are not written again. */
  private readonly savedMetrics = new Map<string, string>();
  private metricsTimer: TimerHandle | undefined;
  private closed = false;

  private constructor(private readonly deps: FirehoseDeps) {
    this.options = loadOptions(deps.dataDir, deps.firehose);
    // Embedded buckets: <dataDir>/s3/<bucket>, or <s3Root>/<bucket> when the server keeps no data directory.
    const root = deps.dataDir !== undefined ? join(deps.dataDir, 's3') : (this.options.s3Root ?? join(tmpdir(), 'freshet-s3'));
    this.stores = new ObjectStores(root, this.options.buckets);
    this.lambda = new LambdaHost({ functions: this.options.functions, timeoutMs: this.options.lambdaTimeoutMs }, deps.functionInvoker);
  }

  /** Opens the engine and resumes every persisted delivery stream from its checkpoint. */
  static open(deps: FirehoseDeps): FirehoseEngine {
    const e = new FirehoseEngine(deps);
    e.loadPromise = e.load();
    e.scheduleMetricsSave();
    return e;
  }

  private loadPromise: Promise<void> = Promise.resolve();

  /** Resolves once persisted delivery streams are running again. */
  ready(): Promise<void> {
    return this.loadPromise;
  }

  private async load(): Promise<void> {
    // Shared metadata (JetStream): a delivery stream created through another node becomes known here, idle until leased.
    if (this.deps.gate) {
      this.deps.storage.meta.watch?.(META_PREFIX, (key) => {
        const name = key.slice(META_PREFIX.length);
        void this.withLock(name, async () => {
          const meta = this.deps.storage.meta.get<DeliveryStreamMeta>(key);
          if (meta && !this.streams.has(name) && !this.closed) await this.materialise(meta, false);
          const gone = !meta ? this.streams.get(name) : undefined;
          if (gone) {
            // Deleted through another node: forgotten here too (it was still described and listed here, issue 19);
            // its pipeline stops as at shutdown, and the deleting node removes its log.
            this.streams.delete(name);
            await gone.source?.stop();
            await gone.pipeline.stop();
          }
        }).catch((e) => logger.swallowed('following a delivery stream created on another node', e, { deliveryStream: name }));
      });
    }
    for (const key of this.deps.storage.meta.keys(META_PREFIX)) {
      const meta = this.deps.storage.meta.get<DeliveryStreamMeta>(key);
      if (!meta) continue;
      try {
        await this.materialise(meta);
      } catch (e) {
        this.say(`could not resume delivery stream ${meta.name}: ${(e as Error).message}`);
      }
    }
  }

  private say(message: string): void {
    (this.options.logger ?? ((m: string) => console.error(m)))(`firehose: ${message}`);
  }

  get region(): string {
    return this.deps.region;
  }
  get accountId(): string {
    return this.deps.accountId;
  }
  get clock(): Clock {
    return this.deps.clock;
  }

  arnFor(name: string): string {
    return `arn:aws:firehose:${this.deps.region}:${this.deps.accountId}:deliverystream/${name}`;
  }

  notFound(name: string): AwsError {
    return firehoseErrors.format('ResourceNotFoundException', 'stream', { name, account: this.deps.accountId });
  }

  private withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(name, fn);
  }

  private logId(meta: DeliveryStreamMeta): string {
    return `firehose/${meta.uuid}/records`;
  }

  private newPipeline(meta: DeliveryStreamMeta, log: ShardLog, metrics: DeliveryMetrics): Pipeline {
    try {
      return this.buildPipeline(meta, this.holdingLog(meta.name, log), metrics);
    } catch (e) {
      const failure = `the delivery configuration cannot run: ${(e as Error).message}`;
      // Nothing runs: DataFreshness must not keep reading a replaced pipeline.
      metrics.pending = null;
      this.say(`delivery stream ${meta.name}: ${failure}`);
      return new FailedPipeline(failure);
    }
  }

  private buildPipeline(meta: DeliveryStreamMeta, log: ShardLog, metrics: DeliveryMetrics): DeliveryPipeline {
    return new DeliveryPipeline({
      name: meta.name,
      arn: this.arnFor(meta.name),
      region: this.deps.region,
      version: meta.version,
      log,
      meta: this.deps.storage.meta,
      clock: this.deps.clock,
      dest: meta.destination,
      stores: this.stores,
      lambda: this.lambda,
      metrics,
      checkpointKey: CHECKPOINT_PREFIX + meta.name,
      tables: this.options.tables ?? {},
      retry: this.options.retry,
      maxPartitions: this.options.maxPartitions,
      logger: (m) => this.say(m),
      ...(this.deps.roles ? { access: roleCheck(this.deps.roles, meta.name) } : {}),
    });
  }

  private async materialise(meta: DeliveryStreamMeta, run = true): Promise<Runtime> {
    const id = this.logId(meta);
    // Opened, not created, where the storage can (JetStream): a delivery stream created through another node has its
    // log already, and createLog's EXISTS left this node without the delivery stream (issue 19: the S1 application
    // handed over to it failed to start, its output "does not exist", and ran nowhere).
    const storage = this.deps.storage;
    const log = storage.getLog(id) ?? (storage.openLog ? await storage.openLog(id) : await storage.createLog(id));
    const metrics = new DeliveryMetrics();
    const saved = this.deps.storage.meta.get<Record<string, unknown>>(METRICS_PREFIX + meta.name);
    if (saved) {
      metrics.restore(saved);
      this.savedMetrics.set(meta.name, JSON.stringify(metrics.persisted()));
    }
    const pipeline = this.newPipeline(meta, log, metrics);
    const rt: Runtime = { meta, log, pipeline, metrics, lastArrivalMs: log.lastTimestampMs ?? 0, readers: new Set() };
    this.streams.set(meta.name, rt);
    if (!run || (this.deps.gate && !(await this.deps.gate.mayRun(`firehose/${meta.name}`)))) {
      rt.idle = true;
      return rt;
    }
    await this.startDelivery(rt);
    return rt;
  }

  private async startDelivery(rt: Runtime): Promise<void> {
    rt.idle = false;
    rt.pipeline.start();
    if (rt.meta.type === 'KinesisStreamAsSource' && rt.meta.source) {
      rt.source = new KinesisSource(this.deps, rt.meta, rt.log, (m) => this.say(m));
      await rt.source.start();
    }
  }

  /** This node took the delivery stream's lease: deliver it from here (the configuration as stored, from its checkpoint). */
  async runLeased(name: string): Promise<void> {
    await this.withLock(name, async () => {
      const meta = this.deps.storage.meta.get<DeliveryStreamMeta>(META_PREFIX + name);
      if (!meta || this.closed) return;
      const rt = this.streams.get(name) ?? (await this.materialise(meta, false));
      if (!rt.idle) return;
      if (rt.meta.version !== meta.version) {
        rt.meta = meta;
        rt.pipeline = this.newPipeline(meta, rt.log, rt.metrics);
      }
      await this.startDelivery(rt);
    });
  }

  /** This node gives the delivery stream's lease up: stop delivering (undelivered records stay in the log for the next owner). */
  async idleLeased(name: string): Promise<void> {
    await this.withLock(name, async () => {
      const rt = this.streams.get(name);
      if (!rt || rt.idle) return;
      rt.idle = true;
      await rt.source?.stop();
      delete rt.source;
      await rt.pipeline.stop();
      rt.pipeline = this.newPipeline(rt.meta, rt.log, rt.metrics);
    });
  }

  /** Names and versions of every delivery stream in the (shared) metadata: each is delivered by one node. */
  leasedStreams(): Map<string, number> {
    const out = new Map<string, number>();
    for (const key of this.deps.storage.meta.keys(META_PREFIX)) {
      const meta = this.deps.storage.meta.get<DeliveryStreamMeta>(key);
      if (meta) out.set(meta.name, meta.version);
    }
    return out;
  }

  private persist(meta: DeliveryStreamMeta): Promise<void> {
    return this.deps.storage.meta.put(META_PREFIX + meta.name, meta);
  }

  async create(input: {
    name: string;
    type: DeliveryStreamType;
    destination: DestinationConfig;
    tags: Tag[];
    encryption?: { keyType: string; keyArn?: string };
    source?: { kinesisStreamArn: string; roleArn: string };
  }): Promise<string> {
    return this.withLock(input.name, async () => {
      if (this.streams.has(input.name)) {
        throw firehoseErrors.format('ResourceInUseException', 'exists', { name: input.name, account: this.deps.accountId });
      }
      if (input.source) {
        const streamName = input.source.kinesisStreamArn.slice(input.source.kinesisStreamArn.lastIndexOf('/') + 1);
        if (!this.deps.kinesis) throw invalidArgument('KinesisStreamAsSource is not available: this server has no Kinesis engine');
        try {
          this.deps.kinesis.describe(streamName);
        } catch {
          throw invalidArgument(`Kinesis stream ${input.source.kinesisStreamArn} does not exist or is not accessible`);
        }
        if (this.deps.roles !== undefined && !this.deps.roles.assumableBy(input.source.roleArn, 'firehose.amazonaws.com')) {
          throw invalidArgument(`Firehose is unable to assume role ${input.source.roleArn}. Please check the role provided.`);
        }
        // Firehose describes the source stream with the role when the delivery stream is created.
        const denied = this.deps.roles?.denied(input.source.roleArn, 'kinesis:DescribeStream', input.source.kinesisStreamArn, input.name);
        if (denied !== undefined) throw invalidArgument(denied);
      }
      if (this.deps.roles !== undefined) {
        // The destination's role (and its S3 backup's) is what Firehose writes with: it must trust Firehose too.
        const d = input.destination;
        const s3 = d.kind === 's3' ? d.s3 : d.http.s3;
        const arns = [
          s3.roleArn,
          ...(d.kind === 's3' && d.s3.s3Backup ? [d.s3.s3Backup.roleArn] : []),
          ...(d.kind === 'http' && d.http.roleArn ? [d.http.roleArn] : []),
        ];
        for (const arn of arns) {
          if (!this.deps.roles.assumableBy(arn, 'firehose.amazonaws.com'))
            throw invalidArgument(`Firehose is unable to assume role ${arn}. Please check the role provided.`);
        }
      }
      const now = this.deps.clock.now();
      const meta: DeliveryStreamMeta = {
        name: input.name,
        uuid: randomUUID(),
        type: input.type,
        createdMs: now,
        activeAtMs: now + (this.options.createDelayMs ?? 1000),
        version: 1,
        destination: input.destination,
        tags: input.tags,
        encryption: input.encryption ? { status: 'ENABLED', keyType: input.encryption.keyType, keyArn: input.encryption.keyArn } : { status: 'DISABLED' },
        source: input.source ? { ...input.source, startMs: now } : undefined,
      };
      await this.persist(meta);
      await this.materialise(meta);
      return this.arnFor(input.name);
    });
  }

  private runtime(name: string): Runtime {
    const rt = this.streams.get(name);
    if (!rt) throw this.notFound(name);
    return rt;
  }

  status(meta: DeliveryStreamMeta): 'CREATING' | 'ACTIVE' {
    return this.deps.clock.now() >= meta.activeAtMs ? 'ACTIVE' : 'CREATING';
  }

  private encryptionStatus(meta: DeliveryStreamMeta): DeliveryStreamMeta['encryption']['status'] {
    const e = meta.encryption;
    if (e.changeAtMs !== undefined && this.deps.clock.now() >= e.changeAtMs) {
      if (e.status === 'ENABLING') return 'ENABLED';
      if (e.status === 'DISABLING') return 'DISABLED';
    }
    return e.status;
  }

  async delete(name: string): Promise<void> {
    await this.withLock(name, async () => {
      const rt = this.runtime(name);
      this.streams.delete(name);
      await rt.source?.stop();
      await rt.pipeline.stop();
      await this.deps.storage.meta.delete(META_PREFIX + name);
      await this.deps.storage.meta.delete(CHECKPOINT_PREFIX + name);
      await this.deps.storage.meta.delete(METRICS_PREFIX + name);
      this.savedMetrics.delete(name);
      await this.deps.storage.meta.delete(SOURCE_PREFIX + name);
      for (const key of this.deps.storage.meta.keys(`${HOLD_PREFIX + name}/`)) await this.deps.storage.meta.delete(key);
      // The stream is gone from the metadata already; a log left behind only wastes space: log it, count it, go on.
      await this.deps.storage.deleteLog(rt.log.id).catch((e) => logger.swallowed('deleting the records log', e, { deliveryStream: name }));
    });
  }

  describe(name: string): Record<string, unknown> {
    const rt = this.runtime(name);
    const { meta, pipeline } = rt;
    const enc = meta.encryption;
    return {
      DeliveryStreamName: meta.name,
      DeliveryStreamARN: this.arnFor(meta.name),
      DeliveryStreamStatus: this.status(meta),
      DeliveryStreamEncryptionConfiguration: {
        ...(enc.keyArn ? { KeyARN: enc.keyArn } : {}),
        ...(enc.keyType ? { KeyType: enc.keyType } : {}),
        Status: this.encryptionStatus(meta),
      },
      DeliveryStreamType: meta.type,
      VersionId: String(meta.version),
      CreateTimestamp: meta.createdMs / 1000,
      ...(meta.updatedMs !== undefined ? { LastUpdateTimestamp: meta.updatedMs / 1000 } : {}),
      ...(meta.source
        ? {
            Source: {
              KinesisStreamSourceDescription: {
                KinesisStreamARN: meta.source.kinesisStreamArn,
                RoleARN: meta.source.roleArn,
                DeliveryStartTimestamp: meta.source.startMs / 1000,
              },
            },
          }
        : {}),
      Destinations: [describeDestination(meta.destination)],
      HasMoreDestinations: false,
      ...(pipeline.failure
        ? { FailureDescription: { Type: 'UNKNOWN_ERROR', Details: pipeline.failure } }
        : rt.source?.problem !== undefined
          ? { FailureDescription: { Type: 'UNKNOWN_ERROR', Details: rt.source.problem } }
          : {}),
    };
  }

  list(opts: { limit: number; type?: string; exclusiveStart?: string }): { names: string[]; hasMore: boolean } {
    const all = [...this.streams.values()]
      .filter((r) => !opts.type || r.meta.type === opts.type)
      .map((r) => r.meta.name)
      .sort();
    const from = opts.exclusiveStart ? all.filter((n) => n > opts.exclusiveStart!) : all;
    return { names: from.slice(0, opts.limit), hasMore: from.length > opts.limit };
  }

  /** Appends records to the delivery stream's log; resolves once they are durable. Returns the first offset. */
  async put(name: string, datas: readonly Uint8Array[]): Promise<number> {
    const rt = this.streams.get(name);
    if (!rt || this.status(rt.meta) !== 'ACTIVE') throw this.notFound(name);
    if (rt.meta.type !== 'DirectPut') {
      throw invalidArgument(`This operation is not permitted on KinesisStreamAsSource delivery stream type.`);
    }
    // Arrival times stay non-decreasing per log (the storage contract), even if the wall clock steps back.
    const now = Math.max(this.deps.clock.now(), rt.lastArrivalMs);
    rt.lastArrivalMs = now;
    const batch = new Array(datas.length);
    let bytes = 0;
    for (let i = 0; i < datas.length; i++) {
      batch[i] = { key: '', data: datas[i]!, timestampMs: now };
      bytes += datas[i]!.length;
    }
    const { firstOffset, durable } = rt.log.append(batch);
    await durable;
    const m = rt.metrics;
    m.incomingPutRequests++;
    m.incomingRecords += datas.length;
    m.incomingBytes += bytes;
    return firstOffset;
  }

  async updateDestination(
    name: string,
    currentVersion: string,
    destinationId: string,
    build: (current: DestinationConfig) => DestinationConfig,
  ): Promise<void> {
    await this.withLock(name, async () => {
      const rt = this.runtime(name);
      if (String(rt.meta.version) !== currentVersion) {
        throw firehoseErrors.format('ConcurrentModificationException', 'version', { name, current: rt.meta.version, specified: currentVersion });
      }
      if (destinationId !== 'destinationId-000000000001') {
        throw invalidArgument(`Destination Id ${destinationId} not found.`);
      }
      const destination = build(rt.meta.destination);
      const meta: DeliveryStreamMeta = { ...rt.meta, destination, version: rt.meta.version + 1, updatedMs: this.deps.clock.now() };
      await this.persist(meta);
      // Undelivered records (from the checkpoint on) are delivered with the new configuration.
      await rt.pipeline.stop();
      rt.meta = meta;
      rt.pipeline = this.newPipeline(meta, rt.log, rt.metrics);
      if (!rt.idle) rt.pipeline.start();
    });
  }

  meta(name: string): DeliveryStreamMeta {
    return this.runtime(name).meta;
  }

  async setTags(name: string, change: (tags: Tag[]) => Tag[]): Promise<void> {
    await this.withLock(name, async () => {
      const rt = this.runtime(name);
      rt.meta = { ...rt.meta, tags: change(rt.meta.tags) };
      await this.persist(rt.meta);
    });
  }

  async setEncryption(name: string, enable: boolean, cfg?: { keyType: string; keyArn?: string }): Promise<void> {
    await this.withLock(name, async () => {
      const rt = this.runtime(name);
      if (rt.meta.type === 'KinesisStreamAsSource') {
        throw invalidArgument(`Encryption is not supported for delivery stream ${name} because its source is a Kinesis data stream.`);
      }
      const changeAtMs = this.deps.clock.now() + (this.options.encryptionDelayMs ?? 1000);
      const enc = enable
        ? { status: 'ENABLING' as const, keyType: cfg?.keyType ?? 'AWS_OWNED_CMK', keyArn: cfg?.keyArn, changeAtMs }
        : { status: 'DISABLING' as const, keyType: rt.meta.encryption.keyType, keyArn: rt.meta.encryption.keyArn, changeAtMs };
      rt.meta = { ...rt.meta, encryption: enc };
      await this.persist(rt.meta);
    });
  }

  /** True when server-side encryption is ENABLED (PutRecord's `Encrypted`). */
  encrypted(name: string): boolean {
    return this.encryptionStatus(this.runtime(name).meta) === 'ENABLED';
  }

  metrics(name: string): DeliveryMetricsSnapshot {
    return this.runtime(name).metrics.snapshot();
  }

  /** Every delivery stream's live counters, for the AWS/Firehose emitter (see emitDeliveryMetrics). */
  *deliveryMetrics(): IterableIterator<[string, DeliveryMetrics]> {
    for (const [name, rt] of this.streams) yield [name, rt.metrics];
  }

  /** Every delivery stream's metrics, keyed by name (for a metrics exporter). */
  allMetrics(): Record<string, DeliveryMetricsSnapshot> {
    const out: Record<string, DeliveryMetricsSnapshot> = {};
    for (const [name, rt] of this.streams) out[name] = rt.metrics.snapshot();
    return out;
  }

  /** Test and benchmark hook: resolves once the stream's pipeline is idle (buffers may still wait for their interval). */
  async settled(name: string): Promise<void> {
    const rt = this.runtime(name);
    await rt.source?.settled();
    await rt.pipeline.settled();
  }

  /**
   * A reader over the records of a delivery stream (as put, or as copied from its Kinesis source), in
   * arrival order, for consumers such as a SQL application input. The log holds nothing but those
   * records. `sequenceNumber` is the record's log offset in decimal. Delivered segments may be trimmed;
   * while the reader is open (until `close()`), and from the offset last given to `retain()` (kept in
   * storage.meta, so it outlives restarts, until `release()`), nothing at or after it is trimmed.
   */
  async openRecordReader(name: string, position: 'TRIM_HORIZON' | 'LATEST', holder: string): Promise<DeliveryRecordReader> {
    const rt = this.runtime(name);
    const log = rt.log;
    const r = new DeliveryRecordReader(
      log,
      this.deps.clock,
      position === 'TRIM_HORIZON' ? log.startOffset : log.endOffset,
      rt.meta.createdMs,
      `${HOLD_PREFIX + name}/${holder}`,
      this.deps.storage.meta,
      (reader) => rt.readers.delete(reader),
    );
    rt.readers.add(r);
    return r;
  }

  /** Drops a consumer's retained position (e.g. its application was deleted). */
  async releaseRecordReader(name: string, holder: string): Promise<void> {
    await this.deps.storage.meta.delete(`${HOLD_PREFIX + name}/${holder}`);
  }

  /** The log as the pipeline sees it: trimming stops short of what a record reader still needs. */
  private holdingLog(name: string, log: ShardLog): ShardLog {
    const heldFrom = (): number => this.heldFrom(name);
    return {
      get id() {
        return log.id;
      },
      get startOffset() {
        return log.startOffset;
      },
      get endOffset() {
        return log.endOffset;
      },
      get lastTimestampMs() {
        return log.lastTimestampMs;
      },
      append: (records) => log.append(records),
      read: (fromOffset, limits) => log.read(fromOffset, limits),
      readSpans: (fromOffset, limits) => log.readSpans(fromOffset, limits),
      offsetForTimestamp: (ts) => log.offsetForTimestamp(ts),
      onAppend: (listener) => log.onAppend(listener),
      async trimBefore(timestampMs: number): Promise<number> {
        const held = heldFrom();
        if (held < log.endOffset) {
          const { records } = await log.read(held, { maxRecords: 1, maxBytes: Number.MAX_SAFE_INTEGER });
          const t = records[0]?.timestampMs;
          if (t !== undefined && t < timestampMs) timestampMs = t;
        }
        return log.trimBefore(timestampMs);
      },
    };
  }

  /** Lowest offset an open or retained reader still needs (Infinity when none). */
  private heldFrom(name: string): number {
    let min = Infinity;
    const rt = this.streams.get(name);
    if (rt) for (const r of rt.readers) if (r.offset < min) min = r.offset;
    const meta = this.deps.storage.meta;
    for (const key of meta.keys(`${HOLD_PREFIX + name}/`)) {
      const off = meta.get<number>(key);
      if (typeof off === 'number' && off < min) min = off;
    }
    return min;
  }

  /** Local directory of an embedded bucket. */
  bucketPath(bucket: string): string | undefined {
    return this.stores.localPath(bucket);
  }

  private scheduleMetricsSave(): void {
    this.metricsTimer = this.deps.clock.setTimer(() => {
      // A failed write only keeps older totals (the next period retries): log it, count it, go on.
      this.saveMetrics()
        .catch((e) => logger.swallowed('saving delivery metrics', e))
        .finally(() => {
          if (!this.closed) this.scheduleMetricsSave();
        });
    }, METRICS_SAVE_MS);
  }

  /** Writes the metric totals of every delivery stream whose totals changed since the last write. */
  async saveMetrics(): Promise<void> {
    for (const [name, rt] of this.streams) {
      const text = JSON.stringify(rt.metrics.persisted());
      if (this.savedMetrics.get(name) === text) continue;
      await this.deps.storage.meta.put(METRICS_PREFIX + name, JSON.parse(text));
      // Deleted meanwhile: its key was removed by delete(); do not bring it back.
      if (this.streams.get(name) !== rt) await this.deps.storage.meta.delete(METRICS_PREFIX + name);
      else this.savedMetrics.set(name, text);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.metricsTimer?.cancel();
    await this.locks.idle();
    for (const rt of this.streams.values()) {
      await rt.source?.stop();
      await rt.pipeline.stop();
    }
    // After the pipelines stopped: their last deliveries are counted.
    await this.saveMetrics().catch((e) => logger.swallowed('saving delivery metrics', e));
    this.streams.clear();
    await this.lambda.close();
  }

  /** A record id in the style of Firehose's (opaque, unique per record): the log offset, then a random part shared by one request. */
  static recordId(offset: number, suffix = FirehoseEngine.recordIdSuffix()): string {
    return offset.toString(16).padStart(16, '0') + suffix;
  }

  static recordIdSuffix(): string {
    return randomBytes(24).toString('hex');
  }
}

/** Reads a delivery stream's records (see FirehoseEngine.openRecordReader). Shaped like a Kinesis ShardReader. */
export class DeliveryRecordReader {
  readonly shardId = 'deliveryStream';
  private closed = false;

  constructor(
    private readonly log: ShardLog,
    private readonly clock: Clock,
    /** Next offset to read. */
    public offset: number,
    /** Creation time of the delivery stream (with its ARN, identifies this incarnation of it). */
    readonly createdMs: number,
    private readonly holdKey: string,
    private readonly meta: LogStorage['meta'],
    private readonly onClose: (r: DeliveryRecordReader) => void,
  ) {}

  async read(limit = 10_000): Promise<{
    records: Array<{ sequenceNumber: string; partitionKey: string; data: Uint8Array; approximateArrivalTimestampMs: number }>;
    millisBehindLatest: number;
  }> {
    const log = this.log;
    const res = await log.read(this.offset, { maxRecords: limit, maxBytes: 10 * 1024 * 1024 });
    const recs = res.records;
    const out = new Array<{ sequenceNumber: string; partitionKey: string; data: Uint8Array; approximateArrivalTimestampMs: number }>(recs.length);
    for (let i = 0; i < recs.length; i++) {
      const r = recs[i]!;
      out[i] = { sequenceNumber: String(r.offset), partitionKey: r.key, data: r.data, approximateArrivalTimestampMs: r.timestampMs };
    }
    this.offset = res.nextOffset;
    const last = recs.at(-1);
    const behind = res.nextOffset >= log.endOffset || !last ? 0 : Math.max(0, this.clock.now() - last.timestampMs);
    return { records: out, millisBehindLatest: behind };
  }

  /** The log offset of a record this reader returned. */
  offsetOf(sequenceNumber: string): number {
    return Number(sequenceNumber);
  }

  onAppend(listener: (endOffset: number) => void): () => void {
    return this.log.onAppend(listener);
  }

  /** Keeps records from `offset` on from being trimmed after delivery, across restarts, until release. */
  async retain(offset: number): Promise<void> {
    await this.meta.put(this.holdKey, offset);
  }

  /** Stops holding records for this open reader (a retained offset stays). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
  }
}

/** The delivery stream's role checks: each is a call by the session `assumed-role/<role>/<delivery stream>`. */
function roleCheck(roles: RoleAuthorizer, sessionName: string): RoleCheck {
  return (roleArn, action, resource) => roles.denied(roleArn, action, resource, sessionName);
}
