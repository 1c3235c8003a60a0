/**
 * One application output: rows of an in-app stream, formatted (JSON/CSV) as
 * they are emitted and written on flush with Kinesis PutRecords (500 per call)
 * or a delivery stream's PutRecordBatch, retried on throttling. Rows that could
 * not be written stay queued, in order, so a checkpoint never passes them.
 */
import type { AppOutput } from '../model.ts';
import { deliveryStreamNameFromArn, streamNameFromArn } from '../model.ts';
import { invalidConfig } from './config-errors.ts';
import type { DeliveryPort, RowFormatter, StreamEngine } from './ports.ts';

const MAX_PUT_RECORDS = 500;

/** Where outputs go, and how writes are retried (the host). */
export interface OutputSink {
  readonly streams: StreamEngine;
  readonly delivery: DeliveryPort | undefined;
  withRetry<T>(fn: () => Promise<T>): Promise<T>;
}

/** What an output has written (for the AWS/KinesisAnalytics metrics). */
export interface OutputStats {
  records: number;
  bytes: number;
  /** Write calls (PutRecords / PutRecordBatch, after their retries) and how many of them succeeded. */
  attempts: number;
  successes: number;
}

export class OutputWriter {
  private pending: Uint8Array[] = [];
  private seq = 0;
  readonly stats: OutputStats = { records: 0, bytes: 0, attempts: 0, successes: 0 };

  constructor(
    readonly output: AppOutput,
    private readonly formatter: RowFormatter,
    private readonly sink: OutputSink,
  ) {}

  // hot path: called with every batch of rows an in-app stream emits.
  readonly onRows = (rows: readonly unknown[][]): void => {
    const f = this.formatter;
    for (let i = 0; i < rows.length; i++) this.pending.push(f.format(rows[i]!));
  };

  get pendingCount(): number {
    return this.pending.length;
  }

  async flush(): Promise<number> {
    const all = this.pending;
    if (all.length === 0) return 0;
    this.pending = [];
    for (let i = 0; i < all.length; i += MAX_PUT_RECORDS) {
      const batch = all.slice(i, i + MAX_PUT_RECORDS);
      const stats = this.stats;
      stats.attempts++;
      try {
        await this.write(batch);
      } catch (e) {
        // Keep what was not written, in order, ahead of rows formatted meanwhile.
        this.pending = all.slice(i).concat(this.pending);
        throw e;
      }
      stats.successes++;
      stats.records += batch.length;
      for (let k = 0; k < batch.length; k++) stats.bytes += batch[k]!.length;
    }
    return all.length;
  }

  private async write(batch: Uint8Array[]): Promise<void> {
    const dest = this.output.destination;
    if (dest.kind === 'kinesis') {
      const name = streamNameFromArn(dest.resourceArn)!;
      const records = new Array<{ partitionKey: string; data: Uint8Array }>(batch.length);
      for (let i = 0; i < batch.length; i++) records[i] = { partitionKey: String(this.seq++ % 1_000_000), data: batch[i]! };
      await this.sink.withRetry(() => this.sink.streams.putRecords(name, records));
    } else if (dest.kind === 'firehose') {
      const delivery = this.sink.delivery;
      if (!delivery) throw invalidConfig('Output to a delivery stream needs the Firehose service, which is not running');
      const name = deliveryStreamNameFromArn(dest.resourceArn)!;
      await this.sink.withRetry(() => delivery.putRecordBatch(name, batch));
    } else {
      throw invalidConfig('LambdaOutput is not supported by Freshet');
    }
  }
}
