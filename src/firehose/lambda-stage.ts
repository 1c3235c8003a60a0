/**
 * The Lambda step of a delivery pipeline: records after the per-record
 * processors gather into batches by the Lambda processor's BufferSizeInMBs /
 * BufferIntervalInSeconds (timed by the injected Clock), and sealed batches go
 * to the function one at a time, in order, so outputs keep the log's order.
 */
import type { Clock, TimerHandle } from '../core/clock.ts';
import type { LambdaHost, TransformOutcome } from './lambda.ts';
import { transformBatch } from './lambda.ts';
import type { DeliveryMetrics } from './metrics.ts';
import type { RoleCheck } from './delivery-writer.ts';
import type { DeliveryRecord, LambdaSettings } from './processors.ts';

interface LambdaBatch {
  records: DeliveryRecord[];
  bytes: number;
  oldestArrivalMs: number;
  timer: TimerHandle | null;
  sealed: boolean;
}

export interface LambdaStageOptions {
  host: LambdaHost;
  settings: LambdaSettings;
  arn: string;
  region: string;
  clock: Clock;
  metrics: DeliveryMetrics;
  say: (message: string) => void;
  /** A batch came back: `bytes` is what it held; its outcome is to be routed. */
  onTransformed: (bytes: number, outcome: TransformOutcome) => void;
  /** `--auth enforce`: the role the function is invoked with, checked before each invocation. */
  access?: { check: RoleCheck; roleArn: string };
}

export class LambdaStage {
  private batches: LambdaBatch[] = [];
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Batches sealed and not yet back from the function. */
  running = 0;

  constructor(private readonly o: LambdaStageOptions) {}

  /** Adds a record to the open batch (opening one, with its interval timer, if needed). */
  add(rec: DeliveryRecord): void {
    const settings = this.o.settings;
    let batch = this.batches.at(-1);
    if (!batch || batch.sealed) {
      batch = { records: [], bytes: 0, oldestArrivalMs: rec.arrivalMs, timer: null, sealed: false };
      this.batches.push(batch);
      const due = rec.arrivalMs + settings.bufferIntervalMs - this.o.clock.now();
      const b = batch;
      batch.timer = this.o.clock.setTimer(() => this.seal(b), Math.max(0, due));
    }
    batch.records.push(rec);
    batch.bytes += rec.data.length;
    if (batch.bytes >= settings.bufferBytes) this.seal(batch);
  }

  /** Seals the open batch now (interval 0, memory pressure). */
  sealOpen(): void {
    const last = this.batches.at(-1);
    if (last && !last.sealed) this.seal(last);
  }

  /** Offset of the first record still in the stage (its outputs are not routed yet), if any. */
  get firstOffset(): number | undefined {
    return this.batches[0]?.records[0]?.offset;
  }

  /** Arrival time of the oldest record still in the stage (Infinity when empty). */
  oldestArrivalMs(): number {
    let oldest = Infinity;
    for (const lb of this.batches) if (lb.records.length && lb.oldestArrivalMs < oldest) oldest = lb.oldestArrivalMs;
    return oldest;
  }

  /** Cancels batch timers at once; resolves when the call in progress (if any) has returned. */
  stop(): Promise<void> {
    this.stopped = true;
    for (const lb of this.batches) lb.timer?.cancel();
    // The chain's own catch logged any failure; this only waits for it.
    return this.chain;
  }

  private seal(batch: LambdaBatch): void {
    if (batch.sealed || this.stopped) return;
    batch.sealed = true;
    batch.timer?.cancel();
    this.running++;
    this.chain = this.chain
      .then(() => this.run(batch))
      .catch((e) => this.o.say(`transformation failed: ${(e as Error).message}`))
      .finally(() => {
        this.running--;
      });
  }

  private async run(batch: LambdaBatch): Promise<void> {
    if (this.stopped) return;
    const m = this.o.metrics;
    const outcome = await transformBatch(this.o.host, this.o.settings, batch.records, {
      deliveryStreamArn: this.o.arn,
      region: this.o.region,
      now: () => this.o.clock.now(),
      ...(this.o.access ? { access: this.o.access } : {}),
    });
    if (this.stopped) return;
    m.processingInvocations++;
    if (outcome.success) m.processingSuccesses++;
    m.processingDurationMs = outcome.durationMs;
    m.processedRecords += outcome.ok.length;
    for (const r of outcome.ok) m.processedBytes += r.data.length;
    const i = this.batches.indexOf(batch);
    if (i >= 0) this.batches.splice(i, 1);
    this.o.onTransformed(batch.bytes, outcome);
  }
}
