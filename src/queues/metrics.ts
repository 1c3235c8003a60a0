/**
 * AWS/SQS metrics, named and dimensioned (QueueName) as Amazon SQS publishes them:
 * - per call: NumberOfMessagesSent (messages of a SendMessage/SendMessageBatch entry), SentMessageSize
 *   (bytes of each message body), NumberOfMessagesReceived (messages a ReceiveMessage returned),
 *   NumberOfEmptyReceives (ReceiveMessage calls that returned none), NumberOfMessagesDeleted;
 * - once a minute of the clock, for every queue: ApproximateNumberOfMessagesVisible / NotVisible /
 *   Delayed and ApproximateAgeOfOldestMessage (seconds since the oldest live message was sent; no
 *   sample when the queue is empty).
 * A message a redrive policy moves to a dead-letter queue counts neither as sent to the dead-letter
 * queue nor as deleted from the source, as SQS documents; one sent to it with SendMessage counts.
 */
import type { MetricHandle, MetricsRegistry } from '../metrics/index.ts';

export const SQS_NAMESPACE = 'AWS/SQS';

/** What a queue is to the gauge collector. */
export interface QueueGaugeSource {
  /** Live queues by name, with their visible / in-flight / delayed counts and the oldest live message's sent time. */
  gauges(): Iterable<[string, { visible: number; notVisible: number; delayed: number; oldestSentMs: number | undefined }]>;
}

class QueueHandles {
  readonly sent: MetricHandle;
  readonly size: MetricHandle;
  readonly received: MetricHandle;
  readonly empty: MetricHandle;
  readonly deleted: MetricHandle;
  readonly visible: MetricHandle;
  readonly notVisible: MetricHandle;
  readonly delayed: MetricHandle;
  readonly age: MetricHandle;

  constructor(registry: MetricsRegistry, name: string) {
    const dims = [{ name: 'QueueName', value: name }];
    const h = (metric: string, unit: string) => registry.handle(SQS_NAMESPACE, metric, dims, unit);
    this.sent = h('NumberOfMessagesSent', 'Count');
    this.size = h('SentMessageSize', 'Bytes');
    this.received = h('NumberOfMessagesReceived', 'Count');
    this.empty = h('NumberOfEmptyReceives', 'Count');
    this.deleted = h('NumberOfMessagesDeleted', 'Count');
    this.visible = h('ApproximateNumberOfMessagesVisible', 'Count');
    this.notVisible = h('ApproximateNumberOfMessagesNotVisible', 'Count');
    this.delayed = h('ApproximateNumberOfMessagesDelayed', 'Count');
    this.age = h('ApproximateAgeOfOldestMessage', 'Seconds');
  }
}

/** The queues engine's emitter: the engine calls one method per API call; a collector samples the gauges once a minute. */
export class QueueMetrics {
  private readonly queues = new Map<string, QueueHandles>();
  private lastGaugeMinute = -1;
  readonly detach: () => void;

  constructor(
    private readonly registry: MetricsRegistry,
    source: QueueGaugeSource,
  ) {
    this.detach = registry.addCollector(() => this.sampleGauges(source));
  }

  private of(name: string): QueueHandles {
    let h = this.queues.get(name);
    if (h === undefined) {
      h = new QueueHandles(this.registry, name);
      this.queues.set(name, h);
    }
    return h;
  }

  sent(queue: string, bodyBytes: number): void {
    const h = this.of(queue);
    h.sent.record(1);
    h.size.record(bodyBytes);
  }

  received(queue: string, messages: number): void {
    const h = this.of(queue);
    if (messages === 0) h.empty.record(1);
    else h.received.record(messages);
  }

  deleted(queue: string, messages: number): void {
    if (messages > 0) this.of(queue).deleted.record(messages);
  }

  /** The queue is gone: its series stop. */
  forget(queue: string): void {
    this.queues.delete(queue);
  }

  private sampleGauges(source: QueueGaugeSource): void {
    const now = this.registry.clock.now();
    const minute = Math.floor(now / 60_000);
    if (minute === this.lastGaugeMinute) return;
    this.lastGaugeMinute = minute;
    for (const [name, g] of source.gauges()) {
      const h = this.of(name);
      h.visible.record(g.visible);
      h.notVisible.record(g.notVisible);
      h.delayed.record(g.delayed);
      if (g.oldestSentMs !== undefined) h.age.record(Math.max(0, Math.floor((now - g.oldestSentMs) / 1000)));
    }
  }
}
