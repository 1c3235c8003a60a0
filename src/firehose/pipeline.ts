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
 */
import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../core/clock.ts';
import { retry } from '../core/retry.ts';
import type { MetaStore, ShardLog, LogRecord } from '../storage/index.ts';
import type { DestinationConfig, HttpDestConfig, ParquetColumn, S3DestConfig } from './config.ts';
import { compressAsync, extensionFor } from './compression.ts';
import { parsePrefix, objectKey, errorObjectKey } from './prefix.ts';
import type { ErrorOutputType, PrefixTemplate } from './prefix.ts';
import { compileProcessors, errorRecordJson } from './processors.ts';
import type { DeliveryRecord, FailedRecord, ProcessorChain } from './processors.ts';
import { type LambdaHost, transformBatch } from './lambda.ts';
import { planParquet, toParquet } from './parquet.ts';
import type { ParquetPlan } from './parquet.ts';
import type { ObjectStores, ObjectWriter } from './destinations/object-store.ts';
import { postBatch } from './destinations/http-endpoint.ts';
import type { DeliveryMetrics } from './metrics.ts';

export interface RetrySettings {
  /** S3/directory destinations: AWS retries for up to 24 h. */
  s3MaxElapsedMs: number;
  initialDelayMs: number;
  s3MaxDelayMs: number;
  /** HTTP endpoint: 1 s doubling with jitter up to 2 min (Firehose HTTP spec). */
  httpMaxDelayMs: number;
}

export const DEFAULT_RETRY: RetrySettings = { s3MaxElapsedMs: 24 * 3600_000, initialDelayMs: 1000, s3MaxDelayMs: 60_000, httpMaxDelayMs: 120_000 };

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
}

interface Buffer_ {
  key: string;
  kind: 'data' | 'error' | 'backup';
  errorType?: ErrorOutputType;
  records: DeliveryRecord[];
  failed: FailedRecord[];
  bytes: number;
  oldestArrivalMs: number;
  partitionKeys?: Record<string, string>;
  timer: TimerHandle | null;
  /** Clock time at which the interval expires. */
  dueMs: number;
}

interface LambdaBatch {
  records: DeliveryRecord[];
  bytes: number;
  oldestArrivalMs: number;
  timer: TimerHandle | null;
  sealed: boolean;
}

class Stopped extends Error {}

const READ_RECORDS = 5000;
/** Objects compressed and written at once: two keep the libuv pool busy (GZIP) while ingest goes on. */
const DELIVERY_CONCURRENCY = 2;
const READ_BYTES = 8 * 1024 * 1024;
const textEncoder = new TextEncoder();

export class DeliveryPipeline {
  private readonly o: PipelineOptions;
  private readonly retrySettings: RetrySettings;
  private readonly chain: ProcessorChain;
  private readonly s3: S3DestConfig;
  private readonly http: HttpDestConfig | null;
  private readonly prefix: PrefixTemplate | null;
  private readonly errorPrefix: PrefixTemplate | null;
  private readonly partitionKeyNames: string[];
  private readonly dynamic: boolean;
  private readonly sizeLimit: number;
  private readonly intervalMs: number;
  private readonly maxBuffered: number;
  private readonly parquet: ParquetPlan | null;
  private readonly writer: ObjectWriter;
  /** ExtendedS3 S3BackupMode Enabled: source records (before processing) are also written here. */
  private readonly backup: { cfg: S3DestConfig; writer: ObjectWriter; prefix: PrefixTemplate | null } | null;

  private buffers = new Map<string, Buffer_>();
  private dataPartitions = 0;
  private lambdaBatches: LambdaBatch[] = [];
  private lambdaChain: Promise<void> = Promise.resolve();
  /** Buffers waiting for a delivery slot, and deliveries in progress (at most DELIVERY_CONCURRENCY). */
  private waiting: Buffer_[] = [];
  private running = new Set<Promise<void>>();
  /** Flushed buffers not yet delivered (waiting or being delivered): they count for DataFreshness. */
  private inFlight = new Set<Buffer_>();
  /** Arrival time of the last record read from the log (records not yet read arrived no earlier). */
  private lastReadArrivalMs = 0;
  private persistChain: Promise<void> = Promise.resolve();

  private readOffset = 0;
  private committed = 0;
  private persisted = 0;
  private base = 0;
  private pending = new Int32Array(1024);
  private bufferedBytes = 0;
  private pumping = false;
  private repump = false;
  private stopped = false;
  private unsubscribe: (() => void) | null = null;
  private sleepers = new Set<{ timer: TimerHandle; reject: (e: unknown) => void }>();
  private started = false;
  private busyIo = 0;
  private lambdaRunning = 0;
  private persistBusy = 0;

  constructor(options: PipelineOptions) {
    this.o = options;
    this.retrySettings = { ...DEFAULT_RETRY, ...options.retry };
    const d = options.dest;
    this.http = d.kind === 'http' ? d.http : null;
    this.s3 = d.kind === 's3' ? d.s3 : d.http.s3;
    const proc = d.kind === 's3' ? d.s3.processing : d.http.processing;
    this.chain = compileProcessors(proc);
    this.prefix = this.s3.prefix ? parsePrefix(this.s3.prefix) : null;
    this.errorPrefix = this.s3.errorOutputPrefix ? parsePrefix(this.s3.errorOutputPrefix) : null;
    this.dynamic = d.kind === 's3' && (d.s3.dynamicPartitioning?.enabled ?? false);
    this.partitionKeyNames = this.prefix ? [...this.prefix.partitionKeys.query, ...this.prefix.partitionKeys.lambda] : [];
    const hintsMB = this.http ? this.http.sizeInMBs : this.s3.sizeInMBs;
    this.sizeLimit = hintsMB * 1024 * 1024;
    this.intervalMs = (this.http ? this.http.intervalInSeconds : this.s3.intervalInSeconds) * 1000;
    this.maxBuffered = Math.min(512 * 1024 * 1024, Math.max(4 * this.sizeLimit, 32 * 1024 * 1024));
    this.parquet = d.kind === 's3' && d.s3.dataFormatConversion?.enabled ? this.planParquet(d.s3) : null;
    options.metrics.pending = { destination: this.http ? 'http' : 's3', ageMs: () => this.oldestPendingAgeMs() };
    this.writer = options.stores.forBucket(this.s3.bucket);
    const b = d.kind === 's3' && d.s3.s3BackupMode === 'Enabled' ? d.s3.s3Backup : undefined;
    this.backup = b ? { cfg: b, writer: options.stores.forBucket(b.bucket), prefix: b.prefix ? parsePrefix(b.prefix) : null } : null;
  }

  private planParquet(s3: S3DestConfig): ParquetPlan {
    const raw = s3.dataFormatConversion!.raw as {
      SchemaConfiguration?: { DatabaseName?: string; TableName?: string };
      OutputFormatConfiguration?: { Serializer?: { ParquetSerDe?: { Compression?: string } } };
    };
    const db = raw.SchemaConfiguration?.DatabaseName ?? '';
    const table = raw.SchemaConfiguration?.TableName ?? '';
    const cols = this.o.tables[`${db}.${table}`] ?? this.o.tables[table];
    if (!cols) throw new Error(`No table schema declared for ${db}.${table}: declare it in the server's firehose.tables option`);
    return planParquet(cols, raw.OutputFormatConfiguration?.Serializer?.ParquetSerDe?.Compression);
  }

  /** Loads the checkpoint and starts reading. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const cp = this.o.meta.get<{ offset: number }>(this.o.checkpointKey);
    const from = Math.max(cp?.offset ?? this.o.log.startOffset, this.o.log.startOffset);
    this.readOffset = this.committed = this.persisted = this.base = from;
    this.unsubscribe = this.o.log.onAppend(() => this.kick());
    this.kick();
  }

  /** Stops reading, cancels timers and abandons retries; undelivered records stay in the log for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    for (const b of this.buffers.values()) b.timer?.cancel();
    for (const lb of this.lambdaBatches) lb.timer?.cancel();
    for (const s of this.sleepers) {
      s.timer.cancel();
      s.reject(new Stopped());
    }
    this.sleepers.clear();
    await this.lambdaChain.catch(() => {});
    this.waiting = [];
    await Promise.allSettled([...this.running]);
    await this.persistChain.catch(() => {});
  }

  /**
   * DataFreshness: now − arrival of the oldest record not yet delivered (in a
   * buffer, a Lambda batch, a delivery waiting or retrying, or still unread in
   * the log); 0 when everything is delivered. Read when metrics are read, not per record.
   */
  private oldestPendingAgeMs(): number {
    let oldest = Infinity;
    for (const b of this.buffers.values()) if (b.oldestArrivalMs < oldest) oldest = b.oldestArrivalMs;
    for (const b of this.inFlight) if (b.oldestArrivalMs < oldest) oldest = b.oldestArrivalMs;
    for (const lb of this.lambdaBatches) if (lb.records.length && lb.oldestArrivalMs < oldest) oldest = lb.oldestArrivalMs;
    // Unread records arrived at or after the last one read (arrival times are non-decreasing in the log).
    if (oldest === Infinity && this.readOffset < this.o.log.endOffset) oldest = this.lastReadArrivalMs || this.o.clock.now();
    return oldest === Infinity ? 0 : Math.max(0, this.o.clock.now() - oldest);
  }

  /** Offset below which everything is delivered. */
  get checkpoint(): number {
    return this.committed;
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
      const idle = () => !this.pumping && this.busyIo === 0 && this.lambdaRunning === 0 && this.persistBusy === 0 && this.running.size === this.sleepers.size;
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
        if (this.backup) this.routeBackup(r);
        this.route({ data: r.data, arrivalMs: r.timestampMs, offset: r.offset });
      }
      return;
    }
    const outs: DeliveryRecord[] = [];
    const failed: FailedRecord[] = [];
    const lambda = this.chain.lambda;
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      if (this.backup) this.routeBackup(r);
      this.chain.pre({ data: r.data, arrivalMs: r.timestampMs, offset: r.offset }, outs, failed);
    }
    for (let i = 0; i < failed.length; i++) this.routeFailed(failed[i]!);
    if (lambda) {
      for (let i = 0; i < outs.length; i++) this.toLambda(outs[i]!);
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

  private get ingestedTo(): number {
    const first = this.lambdaBatches[0];
    if (first?.records.length) return Math.min(first.records[0]!.offset, this.readOffset);
    return this.readOffset;
  }

  private afterIngest(): void {
    if (this.intervalMs === 0) this.flushAll();
    else for (const b of [...this.buffers.values()]) if (b.timer === null) this.flush(b);
    this.advance();
  }

  // ---- Lambda stage --------------------------------------------------------

  private toLambda(rec: DeliveryRecord): void {
    const settings = this.chain.lambda!;
    let batch = this.lambdaBatches.at(-1);
    if (!batch || batch.sealed) {
      batch = { records: [], bytes: 0, oldestArrivalMs: rec.arrivalMs, timer: null, sealed: false };
      this.lambdaBatches.push(batch);
      const due = rec.arrivalMs + settings.bufferIntervalMs - this.o.clock.now();
      const b = batch;
      batch.timer = this.o.clock.setTimer(() => this.sealLambda(b), Math.max(0, due));
    }
    batch.records.push(rec);
    batch.bytes += rec.data.length;
    this.bufferedBytes += rec.data.length;
    if (batch.bytes >= settings.bufferBytes) this.sealLambda(batch);
  }

  private sealLambda(batch: LambdaBatch): void {
    if (batch.sealed || this.stopped) return;
    batch.sealed = true;
    batch.timer?.cancel();
    this.lambdaRunning++;
    this.lambdaChain = this.lambdaChain
      .then(() => this.runLambda(batch))
      .catch((e) => this.say(`transformation failed: ${(e as Error).message}`))
      .finally(() => {
        this.lambdaRunning--;
      });
  }

  private async runLambda(batch: LambdaBatch): Promise<void> {
    if (this.stopped) return;
    const m = this.o.metrics;
    const outcome = await transformBatch(this.o.lambda, this.chain.lambda!, batch.records, {
      deliveryStreamArn: this.o.arn,
      region: this.o.region,
      now: () => this.o.clock.now(),
    });
    if (this.stopped) return;
    m.processingInvocations++;
    if (outcome.success) m.processingSuccesses++;
    m.processingDurationMs = outcome.durationMs;
    m.processedRecords += outcome.ok.length;
    for (const r of outcome.ok) m.processedBytes += r.data.length;
    this.bufferedBytes -= batch.bytes;
    const i = this.lambdaBatches.indexOf(batch);
    if (i >= 0) this.lambdaBatches.splice(i, 1);
    for (const f of outcome.failed) this.routeFailed(f);
    this.postAndRoute(outcome.ok);
    this.afterIngest();
    this.kick();
  }

  /** Seals the open Lambda batch (used by flushAll). */
  private sealOpenLambda(): void {
    const last = this.lambdaBatches.at(-1);
    if (last && !last.sealed) this.sealLambda(last);
  }

  // ---- buffers ---------------------------------------------------------------

  private addPending(offset: number): void {
    let idx = offset - this.base;
    if (idx >= this.pending.length) {
      // Compact first: drop the prefix below the committed offset.
      const shift = this.committed - this.base;
      if (shift > 0) {
        if (shift >= this.pending.length) this.pending.fill(0);
        else {
          this.pending.copyWithin(0, shift);
          this.pending.fill(0, this.pending.length - shift);
        }
        this.base = this.committed;
        idx = offset - this.base;
      }
      if (idx >= this.pending.length) {
        let size = this.pending.length;
        while (size <= idx) size *= 2;
        const grown = new Int32Array(size);
        grown.set(this.pending);
        this.pending = grown;
      }
    }
    this.pending[idx]!++;
  }

  private release(offset: number): void {
    this.pending[offset - this.base]!--;
  }

  private advance(): void {
    const to = this.ingestedTo;
    let c = this.committed;
    // Offsets past the array never had an output (dropped, or de-aggregated into nothing): they count as done.
    while (c < to && (this.pending[c - this.base] ?? 0) === 0) c++;
    if (c !== this.committed) {
      this.committed = c;
      this.persist();
    }
  }

  private persist(): void {
    this.persistBusy++;
    this.persistChain = this.persistChain
      .then(async () => {
        const offset = this.committed;
        if (offset <= this.persisted || this.stopped) return;
        await this.o.meta.put(this.o.checkpointKey, { offset });
        this.persisted = offset;
        // Everything read is delivered: whole segments before the last record can go.
        const last = this.o.log.lastTimestampMs;
        if (offset === this.o.log.endOffset && last !== undefined) await this.o.log.trimBefore(last).catch(() => {});
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
    this.addPending(rec.offset);
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
    this.addPending(f.offset);
    if (buf.bytes >= this.sizeLimit) this.flush(buf);
  }

  private routeBackup(r: LogRecord): void {
    const key = '\u0002backup';
    const buf = this.buffers.get(key) ?? this.newBuffer(key, 'backup', r.timestampMs);
    buf.records.push({ data: r.data, arrivalMs: r.timestampMs, offset: r.offset });
    buf.bytes += r.data.length;
    this.bufferedBytes += r.data.length;
    this.addPending(r.offset);
    if (buf.bytes >= this.sizeLimit) this.flush(buf);
  }

  /** Flushes every buffer now (interval 0, memory pressure). */
  private flushAll(): void {
    this.sealOpenLambda();
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

  // ---- delivery ----------------------------------------------------------------

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.stopped) {
        reject(new Stopped());
        return;
      }
      const entry = { timer: null as unknown as TimerHandle, reject };
      entry.timer = this.o.clock.setTimer(() => {
        this.sleepers.delete(entry);
        resolve();
      }, ms);
      this.sleepers.add(entry);
    });
  }

  private withRetry<T>(fn: (attempt: number) => Promise<T>, maxElapsedMs: number, maxDelayMs: number): Promise<T> {
    const io = async (attempt: number): Promise<T> => {
      this.busyIo++;
      try {
        return await fn(attempt);
      } finally {
        this.busyIo--;
      }
    };
    return retry(io, {
      initialDelayMs: this.retrySettings.initialDelayMs,
      maxDelayMs,
      maxElapsedMs,
      jitter: 0.2,
      isRetryable: (e) => !this.stopped && !(e instanceof Stopped),
      sleep: (ms) => this.sleep(ms),
      now: () => this.o.clock.now(),
      onRetry: (e, attempt, delayMs) => {
        this.o.metrics.retries++;
        this.say(`delivery attempt ${attempt} failed (${(e as Error).message}); retrying in ${Math.round(delayMs)} ms`);
      },
    });
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
      if (buf.kind === 'error') await this.writeErrors(buf.errorType!, buf.failed);
      else if (buf.kind === 'backup') await this.writeBackup(buf);
      else if (this.http) await this.deliverHttp(buf);
      else await this.deliverS3(buf);
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
    for (let i = 0; i < buf.records.length; i++) this.release(buf.records[i]!.offset);
    for (let i = 0; i < buf.failed.length; i++) this.release(buf.failed[i]!.offset);
    this.advance();
    this.kick();
  }

  private async deliverS3(buf: Buffer_): Promise<void> {
    const m = this.o.metrics;
    let body: Uint8Array | null;
    let count = buf.records.length;
    if (this.parquet) {
      const res = toParquet(this.parquet, buf.records);
      if (res.failed.length) await this.writeErrors('format-conversion-failed', res.failed);
      body = res.body;
      count = res.converted.length;
    } else {
      body = concat(buf.records);
    }
    if (!body) return;
    const rawBytes = body.length;
    const compressed = await compressAsync(this.s3.compression, body, 'data');
    const ext = this.s3.fileExtension ?? (this.parquet ? '' : extensionFor(this.s3.compression));
    const key = objectKey({
      prefix: this.prefix,
      streamName: this.o.name,
      version: this.o.version,
      ext,
      ctx: { timestampMs: buf.oldestArrivalMs, timeZone: this.s3.customTimeZone, partitionKeys: buf.partitionKeys },
    });
    await this.withRetry(
      async () => {
        m.s3Attempts++;
        await this.writer.put(key, compressed);
        m.s3Successes++;
      },
      this.retrySettings.s3MaxElapsedMs,
      this.retrySettings.s3MaxDelayMs,
    );
    m.s3Records += count;
    m.s3Bytes += rawBytes;
    m.s3Objects++;
  }

  private async deliverHttp(buf: Buffer_): Promise<void> {
    const http = this.http!;
    const m = this.o.metrics;
    // One request, retried as is: same id and generation time on every attempt.
    const requestId = randomUUID();
    const generatedMs = this.o.clock.now();
    const data = buf.records.map((r) => r.data);
    let attempts = 0;
    let bytes = 0;
    for (const d of data) bytes += d.length;
    try {
      await this.withRetry(
        async () => {
          attempts++;
          m.httpAttempts++;
          await postBatch(http, this.o.arn, { requestId, timestampMs: generatedMs, records: data });
          m.httpSuccesses++;
        },
        http.retryDurationInSeconds * 1000,
        this.retrySettings.httpMaxDelayMs,
      );
    } catch (e) {
      if (e instanceof Stopped || this.stopped) throw e;
      const code = (e as { code?: string }).code ?? 'HttpEndpoint.DestinationException';
      this.say(`HTTP delivery gave up after ${attempts} attempts: ${(e as Error).message}`);
      await this.writeErrors(
        'http-endpoint-failed',
        buf.records.map((r) => ({
          data: r.data,
          arrivalMs: r.arrivalMs,
          offset: r.offset,
          type: 'http-endpoint-failed' as const,
          errorCode: code,
          errorMessage: (e as Error).message,
          attemptsMade: attempts,
        })),
      );
      return;
    }
    m.httpRecords += buf.records.length;
    m.httpBytes += bytes;
    if (http.s3BackupMode === 'AllData') {
      const body = await compressAsync(http.s3.compression, concat(buf.records), 'data');
      const key = objectKey({
        prefix: this.prefix,
        streamName: this.o.name,
        version: this.o.version,
        ext: extensionFor(http.s3.compression),
        ctx: { timestampMs: buf.oldestArrivalMs, timeZone: http.s3.customTimeZone },
      });
      await this.withRetry(() => this.writer.put(key, body), this.retrySettings.s3MaxElapsedMs, this.retrySettings.s3MaxDelayMs);
    }
  }

  private async writeBackup(buf: Buffer_): Promise<void> {
    const b = this.backup!;
    const body = await compressAsync(b.cfg.compression, concat(buf.records), 'data');
    const key = objectKey({
      prefix: b.prefix,
      streamName: this.o.name,
      version: this.o.version,
      ext: extensionFor(b.cfg.compression),
      ctx: { timestampMs: buf.oldestArrivalMs, timeZone: b.cfg.customTimeZone },
    });
    await this.withRetry(() => b.writer.put(key, body), this.retrySettings.s3MaxElapsedMs, this.retrySettings.s3MaxDelayMs);
  }

  private async writeErrors(type: ErrorOutputType, failed: readonly FailedRecord[]): Promise<void> {
    if (failed.length === 0) return;
    let oldest = failed[0]!.arrivalMs;
    for (const f of failed) if (f.arrivalMs < oldest) oldest = f.arrivalMs;
    const now = this.o.clock.now();
    let text = '';
    for (const f of failed) text += `${errorRecordJson(f, now)}\n`;
    const key = errorObjectKey({
      prefix: this.prefix,
      errorPrefix: this.errorPrefix,
      streamName: this.o.name,
      version: this.o.version,
      ctx: { timestampMs: oldest, timeZone: this.s3.customTimeZone, errorType: type },
    });
    const body = textEncoder.encode(text);
    await this.withRetry(() => this.writer.put(key, body), this.retrySettings.s3MaxElapsedMs, this.retrySettings.s3MaxDelayMs);
  }
}

function concat(records: readonly DeliveryRecord[]): Uint8Array {
  let total = 0;
  for (let i = 0; i < records.length; i++) total += records[i]!.data.length;
  const out = new Uint8Array(total);
  let o = 0;
  // hot path: object assembly
  for (let i = 0; i < records.length; i++) {
    const d = records[i]!.data;
    out.set(d, o);
    o += d.length;
  }
  return out;
}
