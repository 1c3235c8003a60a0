/**
 * Batches records into PutRecords calls (≤ 500 records, ≤ 5 MiB) and retries
 * the records a call reports as failed (FailedRecordCount / ErrorCode), plus
 * whole calls that fail with a retryable error, through core's retry().
 */
import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { retry, type RetryOptions } from '../core/index.ts';
import { isConnectionError } from '../client/index.ts';

/** Where generators put records: the Kinesis writer, or anything shaped like it. */
export interface RecordSink {
  add(data: Uint8Array, partitionKey: string): void;
  /** Sends everything added so far; rejects (now and on every later call) once records could not be written. */
  flush(): Promise<void>;
  readonly stats: WriterStats;
}

export interface WriterStats {
  /** Records acknowledged by the stream. */
  sent: number;
  /** Record attempts repeated after a partial failure or a retryable error. */
  retried: number;
  /** Records given up on. */
  failed: number;
  batches: number;
}

export interface KinesisWriterOptions {
  client: KinesisClient;
  streamName: string;
  /** Records per PutRecords call (AWS maximum 500). */
  maxBatchRecords?: number;
  /**
   * Concurrent PutRecords calls. A batch holding a partition key that a call in flight also holds waits for it (and
   * so do the batches after it): records of one key reach the stream in the order they were added.
   */
  maxInFlight?: number;
  retry?: Partial<RetryOptions>;
}

// AWS: PutRecords ≤ 500 records and ≤ 5 MiB per call; keep a margin for keys.
const MAX_BATCH_BYTES = 5 * 1024 * 1024 - 64 * 1024;

const RETRYABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'InternalFailure',
  'InternalFailureException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ThrottlingException',
  'KMSThrottlingException',
]);

class PartialFailure extends Error {
  constructor(
    readonly count: number,
    readonly errorCode: string,
    readonly errorMessage: string,
  ) {
    super(`${count} record(s) failed: ${errorCode}: ${errorMessage}`);
  }
}

export function isRetryablePutError(e: unknown): boolean {
  if (e instanceof PartialFailure) return true;
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (err?.name && RETRYABLE_NAMES.has(err.name)) return true;
  if (err?.$retryable) return true;
  if ((err?.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  return isConnectionError(e);
}

export class KinesisWriter implements RecordSink {
  readonly stats: WriterStats = { sent: 0, retried: 0, failed: 0, batches: 0 };
  private buffer: PutRecordsRequestEntry[] = [];
  private bufferBytes = 0;
  private inFlight = 0;
  private readonly waiting: PutRecordsRequestEntry[][] = [];
  /** Partition keys of the calls in flight, with how many of those calls hold each. */
  private readonly keysInFlight = new Map<string, number>();
  private readonly settled = new Set<Promise<void>>();
  private firstError: unknown;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private readonly retryOptions: RetryOptions;

  constructor(private readonly opts: KinesisWriterOptions) {
    this.maxBatch = Math.min(500, opts.maxBatchRecords ?? 500);
    this.maxInFlight = opts.maxInFlight ?? 4;
    this.retryOptions = {
      initialDelayMs: 50,
      maxDelayMs: 2000,
      maxElapsedMs: 30_000,
      jitter: 0.5,
      isRetryable: isRetryablePutError,
      ...opts.retry,
    };
  }

  add(data: Uint8Array, partitionKey: string): void {
    this.buffer.push({ Data: data, PartitionKey: partitionKey });
    this.bufferBytes += data.length + partitionKey.length;
    if (this.buffer.length >= this.maxBatch || this.bufferBytes >= MAX_BATCH_BYTES) this.cut();
  }

  async flush(): Promise<void> {
    this.cut();
    while (this.settled.size > 0 || this.waiting.length > 0) {
      await Promise.all([...this.settled]);
    }
    // Sticky: once records were given up on, every later flush reports it, so
    // no caller (of several concurrent flushes) can miss the loss.
    if (this.firstError !== undefined) throw this.firstError;
  }

  private cut(): void {
    if (this.buffer.length === 0) return;
    this.waiting.push(this.buffer);
    this.buffer = [];
    this.bufferBytes = 0;
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting[0]!;
      // In order: a batch sharing a key with a call in flight would overtake it if that call is retried or slower.
      if (this.inFlight > 0 && batch.some((e) => this.keysInFlight.has(e.PartitionKey!))) return;
      this.waiting.shift();
      const keys = new Set<string>();
      for (const e of batch) keys.add(e.PartitionKey!);
      for (const k of keys) this.keysInFlight.set(k, (this.keysInFlight.get(k) ?? 0) + 1);
      this.inFlight++;
      const p: Promise<void> = this.send(batch).finally(() => {
        for (const k of keys) {
          const n = this.keysInFlight.get(k)! - 1;
          if (n === 0) this.keysInFlight.delete(k);
          else this.keysInFlight.set(k, n);
        }
        this.inFlight--;
        this.settled.delete(p);
        this.pump();
      });
      this.settled.add(p);
    }
  }

  private async send(entries: PutRecordsRequestEntry[]): Promise<void> {
    let pending = entries;
    try {
      await retry(async (attempt) => {
        if (attempt > 1) this.stats.retried += pending.length;
        this.stats.batches++;
        const res = await this.opts.client.send(new PutRecordsCommand({ StreamName: this.opts.streamName, Records: pending }));
        const failedCount = res.FailedRecordCount ?? 0;
        if (failedCount === 0) {
          this.stats.sent += pending.length;
          return;
        }
        const failed: PutRecordsRequestEntry[] = [];
        let code = '';
        let message = '';
        const results = res.Records ?? [];
        for (let i = 0; i < pending.length; i++) {
          const r = results[i];
          if (r?.ErrorCode) {
            failed.push(pending[i]!);
            code ||= r.ErrorCode;
            message ||= r.ErrorMessage ?? '';
          }
        }
        this.stats.sent += pending.length - failed.length;
        pending = failed;
        throw new PartialFailure(failed.length, code, message);
      }, this.retryOptions);
    } catch (e) {
      this.stats.failed += pending.length;
      this.firstError ??= e;
    }
  }
}
