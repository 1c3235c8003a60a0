/**
 * The poller of one SQS event source mapping: long-polls the queue, invokes
 * the function with batches of messages, and deletes what was processed.
 *
 * Reference: Lambda developer guide, "Using Lambda with Amazon SQS" — batches
 * of up to BatchSize messages (gathered for up to MaximumBatchingWindowInSeconds),
 * messages deleted after a successful invocation; on failure they become
 * visible again after the queue's visibility timeout (the queue's redrive
 * policy moves them to its dead-letter queue); with ReportBatchItemFailures
 * only the messages listed in batchItemFailures stay; messages not passing
 * FilterCriteria are deleted. Concurrency: a few pollers, at most
 * ScalingConfig.MaximumConcurrency.
 */
import { AwsError } from '../../core/index.ts';
import type { Clock, TimerHandle } from '../../core/index.ts';
import type { QueuesEngine, ReceivedMessage } from '../../queues/index.ts';
import { queueNameFromArn } from '../../queues/index.ts';
import type { FunctionsEngine } from '../engine.ts';
import type { CompiledFilter } from './filter.ts';
import { compileCriteria, passes } from './filter.ts';
import { batchItemFailures, sqsEvent } from './events.ts';
import type { MappingRecord } from './model.ts';

export interface SqsPollerDeps {
  functions: FunctionsEngine;
  queues: QueuesEngine;
  clock: Clock;
  region: string;
  retryInitialMs: number;
  /** Under `--auth enforce`: why the execution role may not read the queue now, or undefined. */
  access?: () => string | undefined;
  /** In a cluster: whether this node still holds the mapping's lease (checked before every invocation). */
  holds?: () => boolean;
  /** Called when `holds` answers false before an invocation: the poller is to stop. */
  onLost?: () => void;
  onResult(uuid: string, result: string): void;
  report(what: string, err?: unknown): void;
}

/** Pollers per mapping before ScalingConfig (Lambda starts with five). */
const DEFAULT_POLLERS = 5;
const LONG_POLL_SECONDS = 20;

export class SqsPoller {
  private stopped = false;
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly filters: CompiledFilter[];
  private readonly queueName: string;
  private readonly timers = new Set<{ timer: TimerHandle; resolve: () => void }>();
  readonly stats = { recordsProcessed: 0, batchesInvoked: 0 };

  constructor(
    private readonly m: MappingRecord,
    private readonly deps: SqsPollerDeps,
  ) {
    this.filters = compileCriteria(m.filters, 'body');
    this.queueName = queueNameFromArn(m.eventSourceArn) ?? '';
  }

  start(): void {
    const n = Math.min(this.m.maximumConcurrency ?? DEFAULT_POLLERS, DEFAULT_POLLERS);
    for (let i = 0; i < n; i++) this.loops.push(this.loop());
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const e = {
        timer: this.deps.clock.setTimer(() => {
          this.timers.delete(e);
          resolve();
        }, ms),
        resolve,
      };
      this.timers.add(e);
    });
  }

  private async gather(): Promise<ReceivedMessage[]> {
    const m = this.m;
    const q = this.deps.queues;
    const out: ReceivedMessage[] = [];
    const windowMs = m.maximumBatchingWindowSeconds * 1000;
    const start = this.deps.clock.now();
    while (!this.stopped && out.length < m.batchSize) {
      const elapsed = this.deps.clock.now() - start;
      const waitMs = out.length === 0 ? LONG_POLL_SECONDS * 1000 : windowMs - elapsed;
      if (out.length > 0 && waitMs <= 0) break;
      const got = await q.receiveMessage(this.queueName, {
        maxNumberOfMessages: Math.min(10, m.batchSize - out.length),
        waitTimeSeconds: Math.max(0, Math.min(LONG_POLL_SECONDS, Math.ceil(waitMs / 1000))),
        attributeNames: ['All'],
        messageAttributeNames: ['All'],
        signal: this.abort.signal,
      });
      out.push(...got);
      if (windowMs === 0 && out.length > 0) break;
    }
    return out;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const denied = this.deps.access?.();
      if (denied !== undefined) {
        // Nothing is received (so no message's receive count rises) until the role may read again.
        this.deps.onResult(this.m.uuid, `PROBLEM: ${denied}`);
        await this.sleep(this.deps.retryInitialMs);
        continue;
      }
      let batch: ReceivedMessage[];
      try {
        batch = await this.gather();
      } catch (e) {
        if (this.stopped) return;
        this.deps.report(`event source mapping ${this.m.uuid}: receiving from ${this.queueName}`, e);
        await this.sleep(this.deps.retryInitialMs);
        continue;
      }
      if (this.stopped || batch.length === 0) continue;
      try {
        await this.handle(batch);
      } catch (e) {
        this.deps.report(`event source mapping ${this.m.uuid}`, e);
      }
    }
  }

  private async handle(batch: ReceivedMessage[]): Promise<void> {
    const m = this.m;
    let keep = batch;
    if (this.filters.length) {
      keep = [];
      const drop: ReceivedMessage[] = [];
      for (const msg of batch) {
        const subject: Record<string, unknown> = {
          messageId: msg.messageId,
          attributes: msg.attributes,
          messageAttributes: msg.messageAttributes ?? {},
          md5OfBody: msg.md5OfBody,
          eventSource: 'aws:sqs',
          eventSourceARN: m.eventSourceArn,
          awsRegion: this.deps.region,
        };
        (passes(this.filters, subject, 'body', msg.body) ? keep : drop).push(msg);
      }
      // Messages that do not pass the filters are deleted, as Lambda does.
      if (drop.length) await this.deleteAll(drop);
      if (keep.length === 0) return;
    }
    let result;
    if (this.deps.holds?.() === false) {
      // The lease moved: the messages return after their visibility timeout, to the new owner's poller.
      this.deps.onLost?.();
      return;
    }
    try {
      result = await this.deps.functions.invoke(m.functionArn, sqsEvent(keep, m.eventSourceArn, this.deps.region), { trustedPayload: true });
    } catch (e) {
      if (e instanceof AwsError) {
        // Throttled or missing: the messages return after their visibility timeout.
        this.deps.onResult(m.uuid, e.code === 'ResourceNotFoundException' ? 'PROBLEM: Function not found.' : 'PROBLEM: Function call throttled.');
        await this.sleep(this.deps.retryInitialMs);
        return;
      }
      throw e;
    }
    if (this.stopped) return;
    this.stats.batchesInvoked++;
    if (result.functionError) {
      this.deps.onResult(m.uuid, 'PROBLEM: Function call failed');
      return;
    }
    let done = keep;
    if (m.functionResponseTypes.includes('ReportBatchItemFailures')) {
      let response: unknown;
      try {
        response = JSON.parse(result.payload.toString('utf8'));
      } catch {
        response = undefined;
      }
      const ids = new Set(keep.map((x) => x.messageId));
      const f = batchItemFailures(response, (id) => ids.has(id));
      if (f.kind === 'invalid') {
        this.deps.onResult(m.uuid, 'PROBLEM: Function call failed');
        return;
      }
      if (f.kind === 'failed') {
        const failed = new Set(f.ids);
        done = keep.filter((x) => !failed.has(x.messageId));
      }
    }
    await this.deleteAll(done);
    this.stats.recordsProcessed += done.length;
    this.deps.onResult(m.uuid, 'OK');
  }

  private async deleteAll(msgs: readonly ReceivedMessage[]): Promise<void> {
    for (let i = 0; i < msgs.length; i += 10) {
      const chunk = msgs.slice(i, i + 10);
      await this.deps.queues.deleteMessageBatch(
        this.queueName,
        chunk.map((x, k) => ({ id: String(k), receiptHandle: x.receiptHandle })),
      );
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    for (const t of this.timers) {
      t.timer.cancel();
      t.resolve();
    }
    this.timers.clear();
    await Promise.allSettled(this.loops);
  }
}
