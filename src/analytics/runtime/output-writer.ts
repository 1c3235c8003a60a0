/**
 * One application output: rows of an in-app stream, formatted (JSON/CSV) as
 * they are emitted and written on flush with Kinesis PutRecords (500 per call),
 * a delivery stream's PutRecordBatch, or a function (LambdaOutput), retried on
 * throttling. Rows that could not be written stay queued, in order, so a
 * checkpoint never passes them.
 *
 * LambdaOutput (KDA developer guide, "Using a Lambda Function as Output"): the
 * function gets { invocationId, applicationArn, records: [{ recordId,
 * lambdaDeliveryRecordMetadata: { retryHint }, data (base64) }] } and answers
 * { records: [{ recordId, result: "Ok" | "DeliveryFailed" }] }; records marked
 * DeliveryFailed (or not answered for) are sent again with retryHint + 1, as
 * are all records of a failed invocation, until delivered or the retry time
 * runs out (then the application fails with the function's error).
 */
import { randomUUID } from 'node:crypto';
import { retry } from '../../core/index.ts';
import type { AppOutput } from '../model.ts';
import { deliveryStreamNameFromArn, streamNameFromArn } from '../model.ts';
import { invalidConfig } from './config-errors.ts';
import type { DeliveryPort, FunctionPort, RowFormatter, StreamEngine } from './ports.ts';

const MAX_PUT_RECORDS = 500;

/** Where outputs go, and how writes are retried (the host). */
export interface OutputSink {
  readonly streams: StreamEngine;
  readonly delivery: DeliveryPort | undefined;
  readonly functions: FunctionPort | undefined;
  /** How long LambdaOutput retries failed deliveries before the application fails (default 30 s). */
  readonly lambdaRetryMs?: number;
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
    private readonly applicationArn = '',
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
      await this.invokeFunction(dest.resourceArn, batch);
    }
  }

  private async invokeFunction(arn: string, batch: Uint8Array[]): Promise<void> {
    const functions = this.sink.functions;
    if (!functions) throw invalidConfig('Output to a function needs the Lambda service, which is not running');
    const base = randomUUID();
    let todo = batch.map((data, i) => ({ recordId: `${base}-${i}`, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') }));
    let retryHint = 0;
    const again = new Error('records marked DeliveryFailed');
    await retry(
      async () => {
        const event = {
          invocationId: randomUUID(),
          applicationArn: this.applicationArn,
          records: todo.map((r) => ({ recordId: r.recordId, lambdaDeliveryRecordMetadata: { retryHint }, data: r.data })),
        };
        retryHint++;
        const response = (await functions.invoke(arn, event)) as { records?: Array<{ recordId?: unknown; result?: unknown }> } | null;
        const ok = new Set<string>();
        for (const r of response?.records ?? []) if (r && r.result === 'Ok' && typeof r.recordId === 'string') ok.add(r.recordId);
        todo = todo.filter((r) => !ok.has(r.recordId));
        if (todo.length) throw again;
      },
      { initialDelayMs: 50, maxDelayMs: 2_000, maxElapsedMs: this.sink.lambdaRetryMs ?? 30_000, jitter: 0.5, isRetryable: () => true },
    ).catch((e: unknown) => {
      const why = e === again ? `${todo.length} record(s) still marked DeliveryFailed` : e instanceof Error ? e.message : String(e);
      throw invalidConfig(`Output to function ${arn} failed after ${retryHint} invocation(s): ${why}`, e);
    });
  }
}
