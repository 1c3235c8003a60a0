/**
 * The delivery pipeline of one delivery stream (one destination version):
 *
 *   log (durable, acknowledged records) → processors (pre) → [Lambda batches]
 *   → processors (post) → one buffer per partition → object / HTTP batch →
 *   destination (retried with backoff) → checkpoint in the MetaStore.
 *
 * Buffers flush on BufferingHints size (bytes before compression) or interval
 * (from the oldest record's arrival), whichever comes first, timed by the
 * injected Clock. The checkpoint is the lowest log offset whose outputs are not
 * all delivered; after a restart reading resumes there, so delivery is
 * at-least-once and nothing acknowledged is lost.
 *
 * This file reads, routes and buffers, and keeps the checkpoint; beside it:
 * lambda-stage.ts (Lambda batches), delivery-writer.ts (what each destination
 * receives), delivery-retry.ts (clock-timed retries), offset-ledger.ts (which
 * offsets still have outputs in flight).
 */
import type { Clock, TimerHandle } from '../core/clock.ts';
import { log } from '../core/index.ts';
import type { LogRecord, MetaStore, ShardLog } from '../storage/index.ts';
import type { DestinationConfig, ParquetColumn } from './config.ts';
import type { ObjectStores } from './destinations/object-store.ts';
import type { RetrySettings } from './delivery-retry.ts';
import { ClockRetrier, DEFAULT_RETRY, Stopped } from './delivery-retry.ts';
import type { OutputBatch, RoleCheck } from './delivery-writer.ts';
import { DestinationWriter } from './delivery-writer.ts';
import type { LambdaHost, TransformOutcome } from './lambda.ts';
import { LambdaStage } from './lambda-stage.ts';
import type { DeliveryMetrics } from './metrics.ts';
import { OffsetLedger } from './offset-ledger.ts';
import { compileProcessors } from './processors.ts';
import type { DeliveryRecord, FailedRecord, ProcessorChain } from './processors.ts';

export { DEFAULT_RETRY } from './delivery-retry.ts';
export type { RetrySettings } from './delivery-retry.ts';

export interface PipelineOptions {
  name: string;
  arn: string;
  region: string;
  version: number;
  log: ShardLog;
  meta: MetaStore;
  clock: Clock;
  dest: DestinationConfig;
  stores: ObjectStores;
  lambda: LambdaHost;
  metrics: DeliveryMetrics;
  checkpointKey: string;
  tables: Readonly<Record<string, readonly ParquetColumn[]>>;
  retry?: Partial<RetrySettings>;
  maxPartitions?: number;
  logger?: (message: string) => void;
  /** `--auth enforce`: the destination's and the processor's roles are checked on every write and invocation. */
  access?: RoleCheck;
}

/** One partition's buffer (or the error / backup buffer) until it is flushed and delivered. */
interface Buffer_ extends OutputBatch {
  key: string;
  bytes: number;
  timer: TimerHandle | null;
  /** Clock time at which the interval expires. */
  dueMs: number;
}

const logger = log.child('firehose');

const READ_RECORDS = 5000;
/** Objects compressed and written at once: two keep the libuv pool busy (GZIP) while ingest goes on. */
const DELIVERY_CONCURRENCY = 2;
const READ_BYTES = 8 * 1024 * 1024;

export class DeliveryPipeline {
  private readonly o: PipelineOptions;
  private readonly chain: ProcessorChain;
  private readonly partitionKeyNames: string[];
  private readonly dynamic: boolean;
  private readonly sizeLimit: number;
  private readonly intervalMs: number;
  private readonly maxBuffered: number;
  private readonly retrier: ClockRetrier;
  private readonly writer: DestinationWriter;
  private readonly backsUpSource: boolean;
  private readonly lambda: LambdaStage | null;

  private buffers = new Map<string, Buffer_>();
  private dataPartitions = 0;
  /** Buffers waiting for a delivery slot, and deliveries in progress (at most DELIVERY_CONCURRENCY). */
  private waiting: Buffer_[] = [];
  private running = new Set<Promise<void>>();
  /** Flushed buffers not yet delivered (waiting or being delivered): they count for DataFreshness. */
  private inFlight = new Set<Buffer_>();
  /** Arrival time of the last record read from the log (records not yet read arrived no earlier). */
  private lastReadArrivalMs = 0;
  private persistChain: Promise<void> = Promise.resolve();

  private readOffset = 0;
  private ledger = new OffsetLedger(0);
  private persisted = 0;
  private bufferedBytes = 0;
  private pumping = false;
  private repump = false;
  private stopped = false;
  private unsubscribe: (() => void) | null = null;
  private started = false;
  private persistBusy = 0;

  constructor(options: PipelineOptions) {
    this.o = options;
    const d = options.dest;
    const http = d.kind === 'http' ? d.http : null;
    const s3 = d.kind === 's3' ? d.s3 : d.http.s3;
    this.chain = compileProcessors(d.kind === 's3' ? d.s3.processing : d.http.processing);
    this.retrier = new ClockRetrier(options.clock, { ...DEFAULT_RETRY, ...options.retry }, (e, attempt, delayMs) => {
      options.metrics.retries++;
      this.say(`delivery attempt ${attempt} failed (${(e as Error).message}); retrying in ${Math.round(delayMs)} ms`);
    });
    this.writer = new DestinationWriter({
      name: options.name,
      arn: options.arn,
      version: options.version,
      clock: options.clock,
      dest: d,
      stores: options.stores,
      tables: options.tables,
      metrics: options.metrics,
      retrier: this.retrier,
      say: (m) => this.say(m),
      ...(options.access ? { access: options.access } : {}),
    });
    const prefix = this.writer.prefix;
    this.dynamic = d.kind === 's3' && (d.s3.dynamicPartitioning?.enabled ?? false);
    this.partitionKeyNames = prefix ? [...prefix.partitionKeys.query, ...prefix.partitionKeys.lambda] : [];
    this.sizeLimit = (http ? http.sizeInMBs : s3.sizeInMBs) * 1024 * 1024;
    this.intervalMs = (http ? http.intervalInSeconds : s3.intervalInSeconds) * 1000;
    this.maxBuffered = Math.min(512 * 1024 * 1024, Math.max(4 * this.sizeLimit, 32 * 1024 * 1024));
    this.backsUpSource = this.writer.backsUpSource;
    const lambda = this.chain.lambda;
    this.lambda = lambda
      ? new LambdaStage({
          host: options.lambda,
          settings: lambda,
          arn: options.arn,
          region: options.region,
          clock: options.clock,
          metrics: options.metrics,
          say: (m) => this.say(m),
          onTransformed: (bytes, outcome) => this.transformed(bytes, outcome),
          // The processor's RoleArn parameter, else the destination's role (Firehose developer guide, "Grant Firehose access").
          ...(options.access ? { access: { check: options.access, roleArn: lambda.roleArn ?? s3.roleArn } } : {}),
        })
      : null;
    options.metrics.pending = { destination: http ? 'http' : 's3', ageMs: () => this.oldestPendingAgeMs() };
  }

  /** Loads the checkpoint and starts reading. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const cp = this.o.meta.get<{ offset: number }>(this.o.checkpointKey);
    const from = Math.max(cp?.offset ?? this.o.log.startOffset, this.o.log.startOffset);
    this.readOffset = this.persisted = from;
    this.ledger = new OffsetLedger(from);
    this.unsubscribe = this.o.log.onAppend(() => this.kick());
    this.kick();
  }

  /** Stops reading, cancels timers and abandons retries; undelivered records stay in the log for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    for (const b of this.buffers.values()) b.timer?.cancel();
    const lambdaDone = this.lambda?.stop();
    this.retrier.stop();
    await lambdaDone;
    this.waiting = [];
    await Promise.allSettled([...this.running]);
    // persist() catches (and reports) its own failures, so this only waits for the last checkpoint write.
    await this.persistChain;
  }

  /**
   * DataFreshness: now − arrival of the oldest record not yet delivered (in a
   * buffer, a Lambda batch, a delivery waiting or retrying, or still unread in
   * the log); 0 when everything is delivered. Read when metrics are read, not per record.
   */
  private oldestPendingAgeMs(): number {
    let oldest = this.lambda ? this.lambda.oldestArrivalMs() : Infinity;
    for (const b of this.buffers.values()) if (b.oldestArrivalMs < oldest) oldest = b.oldestArrivalMs;
    for (const b of this.inFlight) if (b.oldestArrivalMs < oldest) oldest = b.oldestArrivalMs;
    // Unread records arrived at or after the last one read (arrival times are non-decreasing in the log).
    if (oldest === Infinity && this.readOffset < this.o.log.endOffset) oldest = this.lastReadArrivalMs || this.o.clock.now();
    return oldest === Infinity ? 0 : Math.max(0, this.o.clock.now() - oldest);
  }

  /** Offset below which everything is delivered. */
  get checkpoint(): number {
    return this.ledger.committed;
  }

  /**
   * Resolves once nothing is being read, transformed, written or checkpointed
   * (buffers may still wait for their interval, and retries for their backoff
   * on the clock). Tests and benchmarks use it after moving a ManualClock.
   */
  async settled(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await new Promise((r) => setImmediate(r));
      // Idle: every delivery still running is asleep in a retry backoff on the clock.
      const idle = () =>
        !this.pumping && this.retrier.busy === 0 && (this.lambda?.running ?? 0) === 0 && this.persistBusy === 0 && this.running.size === this.retrier.sleeping;
      if (idle()) {
        // Two consecutive idle observations: work handed over between promises has had its turn.
        await new Promise((r) => setImmediate(r));
        if (idle()) return;
      }
      if (Date.now() > deadline) throw new Error(`firehose ${this.o.name}: pipeline did not settle within ${timeoutMs} ms`);
    }
  }

  private say(message: string): void {
    this.o.logger?.(`firehose ${this.o.name}: ${message}`);
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.repump = true;
      return;
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      do {
        this.repump = false;
        while (!this.stopped && this.readOffset < this.o.log.endOffset) {
          if (this.bufferedBytes >= this.maxBuffered) {
            // Memory bound: deliver what is buffered early; reading resumes as deliveries complete.
            this.flushAll();
            break;
          }
          const { records, nextOffset } = await this.o.log.read(this.readOffset, { maxRecords: READ_RECORDS, maxBytes: READ_BYTES });
          if (this.stopped || records.length === 0) break;
          this.lastReadArrivalMs = records[records.length - 1]!.timestampMs;
          this.ingest(records);
          this.readOffset = nextOffset;
          this.afterIngest();
        }
      } while (this.repump && !this.stopped);
    } catch (e) {
      this.say(`reading the log failed: ${(e as Error).message}`);
    } finally {
      this.pumping = false;
    }
  }

  // hot path: per record through the synchronous processors into buffers
  private ingest(records: readonly LogRecord[]): void {
    if (this.chain.passthrough) {
      for (let i = 0; i < records.length; i++) {
        const r = records[i]!;
        if (this.backsUpSource) this.routeBackup(r);
        this.route({ data: r.data, arrivalMs: r.timestampMs, offset: r.offset });
      }
      return;
    }
    const outs: DeliveryRecord[] = [];
    const failed: FailedRecord[] = [];
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      if (this.backsUpSource) this.routeBackup(r);
      this.chain.pre({ data: r.data, arrivalMs: r.timestampMs, offset: r.offset }, outs, failed);
    }
    for (let i = 0; i < failed.length; i++) this.routeFailed(failed[i]!);
    const lambda = this.lambda;
    if (lambda) {
      for (let i = 0; i < outs.length; i++) {
        const rec = outs[i]!;
        this.bufferedBytes += rec.data.length;
        lambda.add(rec);
      }
      return;
    }
    this.postAndRoute(outs);
  }

  private postAndRoute(outs: readonly DeliveryRecord[]): void {
    const post: DeliveryRecord[] = [];
    const failed: FailedRecord[] = [];
    for (let i = 0; i < outs.length; i++) this.chain.post(outs[i]!, post, failed);
    for (let i = 0; i < failed.length; i++) this.routeFailed(failed[i]!);
    for (let i = 0; i < post.length; i++) this.route(post[i]!);
  }

  /** A Lambda batch came back: route what it returned, as ingest would have. */
  private transformed(bytes: number, outcome: TransformOutcome): void {
    this.bufferedBytes -= bytes;
    for (const f of outcome.failed) this.routeFailed(f);
    this.postAndRoute(outcome.ok);
    this.afterIngest();
    this.kick();
  }

  private get ingestedTo(): number {
    const first = this.lambda?.firstOffset;
    if (first !== undefined) return Math.min(first, this.readOffset);
    return this.readOffset;
  }

  private afterIngest(): void {
    if (this.intervalMs === 0) this.flushAll();
    else for (const b of [...this.buffers.values()]) if (b.timer === null) this.flush(b);
    this.advance();
  }

  private advance(): void {
    if (this.ledger.advance(this.ingestedTo)) this.persist();
  }

  private persist(): void {
    this.persistBusy++;
    this.persistChain = this.persistChain
      .then(async () => {
        const offset = this.ledger.committed;
        if (offset <= this.persisted || this.stopped) return;
        await this.o.meta.put(this.o.checkpointKey, { offset });
        this.persisted = offset;
        // Everything read is delivered: whole segments before the last record can go.
        const last = this.o.log.lastTimestampMs;
        if (offset === this.o.log.endOffset && last !== undefined) {
          // A failed trim only keeps delivered records on disk longer (the next checkpoint retries it): log it, count it, go on.
          await this.o.log.trimBefore(last).catch((e) => logger.swallowed('trimming delivered records', e, { deliveryStream: this.o.name }));
        }
      })
      .catch((e) => this.say(`checkpoint failed: ${(e as Error).message}`))
      .finally(() => {
        this.persistBusy--;
      });
  }

  private newBuffer(key: string, kind: Buffer_['kind'], oldestArrivalMs: number): Buffer_ {
    const dueMs = oldestArrivalMs + this.intervalMs;
    const buf: Buffer_ = { key, kind, records: [], failed: [], bytes: 0, oldestArrivalMs, timer: null, dueMs };
    this.buffers.set(key, buf);
    // Records re-read after a restart (or held by a Lambda batch) may already be past their interval: those flush at once.
    if (this.intervalMs > 0 && dueMs > this.o.clock.now()) buf.timer = this.o.clock.setTimer(() => this.flush(buf), dueMs - this.o.clock.now());
    return buf;
  }

  private route(rec: DeliveryRecord): void {
    let key = '';
    if (this.dynamic) {
      const keys = rec.partitionKeys;
      let missing: string | null = null;
      for (const k of this.partitionKeyNames) {
        const v = keys?.[k];
        if (v === undefined) {
          missing = k;
          break;
        }
        key += `\u0000${v}`;
      }
      if (missing !== null) {
        this.routeFailed({
          data: rec.data,
          arrivalMs: rec.arrivalMs,
          offset: rec.offset,
          type: 'processing-failed',
          errorCode: 'DynamicPartitioning.PartitionKeyMissing',
          errorMessage: `The partition key ${missing} used in the prefix was not found in the record's metadata`,
          attemptsMade: 1,
        });
        return;
      }
    }
    let buf = this.buffers.get(key);
    if (!buf) {
      if (this.dynamic && this.dataPartitions >= (this.o.maxPartitions ?? 500)) {
        this.o.metrics.partitionCountExceeded++;
        this.routeFailed({
          data: rec.data,
          arrivalMs: rec.arrivalMs,
          offset: rec.offset,
          type: 'processing-failed',
          errorCode: 'DynamicPartitioning.ActivePartitionsLimitExceeded',
          errorMessage: `The number of active partitions exceeded the limit of ${this.o.maxPartitions ?? 500}`,
          attemptsMade: 1,
        });
        return;
      }
      buf = this.newBuffer(key, 'data', rec.arrivalMs);
      if (this.dynamic) {
        buf.partitionKeys = rec.partitionKeys;
        this.dataPartitions++;
        this.o.metrics.partitionCount = Math.max(this.o.metrics.partitionCount, this.dataPartitions);
      }
    }
    buf.records.push(rec);
    buf.bytes += rec.data.length;
    if (rec.arrivalMs < buf.oldestArrivalMs) buf.oldestArrivalMs = rec.arrivalMs;
    this.bufferedBytes += rec.data.length;
    this.o.metrics.bufferedRecords++;
    this.ledger.add(rec.offset);
    if (buf.bytes >= this.sizeLimit) this.flush(buf);
  }

  private routeFailed(f: FailedRecord): void {
    const key = `\u0001${f.type}`;
    const buf = this.buffers.get(key) ?? this.newBuffer(key, 'error', f.arrivalMs);
    buf.errorType = f.type;
    buf.failed.push(f);
    buf.bytes += f.data.length;
    if (f.arrivalMs < buf.oldestArrivalMs) buf.oldestArrivalMs = f.arrivalMs;
    this.bufferedBytes += f.data.length;
    this.ledger.add(f.offset);
    if (buf.bytes >= this.sizeLimit) this.flush(buf);
  }

  private routeBackup(r: LogRecord): void {
    const key = '\u0002backup';
    const buf = this.buffers.get(key) ?? this.newBuffer(key, 'backup', r.timestampMs);
    buf.records.push({ data: r.data, arrivalMs: r.timestampMs, offset: r.offset });
    buf.bytes += r.data.length;
    this.bufferedBytes += r.data.length;
    this.ledger.add(r.offset);
    if (buf.bytes >= this.sizeLimit) this.flush(buf);
  }

  /** Flushes every buffer now (interval 0, memory pressure). */
  private flushAll(): void {
    this.lambda?.sealOpen();
    for (const b of [...this.buffers.values()]) this.flush(b);
  }

  private flush(buf: Buffer_): void {
    if (this.buffers.get(buf.key) !== buf) return;
    this.buffers.delete(buf.key);
    buf.timer?.cancel();
    if (buf.kind === 'data' && this.dynamic) this.dataPartitions--;
    this.inFlight.add(buf);
    this.waiting.push(buf);
    this.startDeliveries();
  }

  private startDeliveries(): void {
    while (this.running.size < DELIVERY_CONCURRENCY && this.waiting.length > 0 && !this.stopped) {
      const buf = this.waiting.shift()!;
      const p: Promise<void> = this.deliver(buf)
        .catch((e) => this.say(`delivery failed: ${(e as Error).message}`))
        .finally(() => {
          this.running.delete(p);
          this.startDeliveries();
        });
      this.running.add(p);
    }
  }

  private async deliver(buf: Buffer_): Promise<void> {
    try {
      await this.attempt(buf);
    } finally {
      this.inFlight.delete(buf);
    }
  }

  private async attempt(buf: Buffer_): Promise<void> {
    try {
      if (this.stopped) return;
      await this.writer.write(buf);
    } catch (e) {
      if (this.stopped || e instanceof Stopped) return;
      // The retry window (24 h for S3 and directory destinations) has passed: AWS discards the data.
      // Freshet does too, but counts it (DroppedRecords / DroppedBytes) and says so in the log.
      const n = buf.records.length + buf.failed.length;
      this.o.metrics.droppedRecords += n;
      this.o.metrics.droppedBytes += buf.bytes;
      this.say(`delivery gave up after the retry window; ${n} record(s) (${buf.bytes} bytes) dropped: ${(e as Error).message}`);
    }
    if (this.stopped) return;
    this.bufferedBytes -= buf.bytes;
    if (buf.kind === 'data') this.o.metrics.bufferedRecords -= buf.records.length;
    for (let i = 0; i < buf.records.length; i++) this.ledger.release(buf.records[i]!.offset);
    for (let i = 0; i < buf.failed.length; i++) this.ledger.release(buf.failed[i]!.offset);
    this.advance();
    this.kick();
  }
}
