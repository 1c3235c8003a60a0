/**
 * Enhanced fan-out consumers: RegisterStreamConsumer, DeregisterStreamConsumer and their lookups.
 * Consumers live in the stream's metadata; CREATING → ACTIVE and DELETING → gone are driven by the clock.
 * Listeners (the SubscribeToShard hub) hear when a consumer goes, so its subscriptions end at once.
 */
import { kinesisErrors } from '../errors.ts';
import type { EngineContext } from './context.ts';
import { consumerNotFound } from './errors.ts';
import { MAX_CONSUMERS_PER_STREAM } from './model.ts';
import type { ConsumerDescription, ConsumerMeta, ConsumerRef, StreamState } from './model.ts';

export class Consumers {
  private readonly goneListeners = new Set<(consumerArn: string) => void>();

  constructor(private readonly ctx: EngineContext) {}

  /** `arn:aws:kinesis:<region>:<account>:stream/<name>/consumer/<consumer>:<creation epoch seconds>`. */
  arnFor(stream: string, consumer: string, createdMs: number): string {
    return `${this.ctx.arnFor(stream)}/consumer/${consumer}:${Math.floor(createdMs / 1000)}`;
  }

  /** A stream loaded at start-up: deregistrations in flight finish, registrations in flight resume. */
  async resume(s: StreamState): Promise<void> {
    const m = s.meta;
    if (m.consumers?.some((c) => c.status === 'DELETING')) {
      m.consumers = m.consumers.filter((c) => c.status !== 'DELETING');
      await this.ctx.persist(s);
    }
    for (const c of m.consumers ?? []) if (c.status === 'CREATING') this.scheduleActive(s, c);
  }

  /** The stream is being deleted: its consumers' subscriptions end. */
  streamDeleting(s: StreamState): void {
    for (const c of s.meta.consumers ?? []) this.notifyGone(c.arn);
  }

  private notifyGone(arn: string): void {
    for (const l of this.goneListeners) l(arn);
  }

  /** RegisterStreamConsumer: CREATING for `createDelayMs` of clock time, then ACTIVE. */
  async register(streamName: string, consumerName: string): Promise<ConsumerMeta> {
    const ctx = this.ctx;
    return ctx.withLock(streamName, async () => {
      const s = ctx.stream(streamName);
      if (s.meta.status !== 'ACTIVE' && s.meta.status !== 'UPDATING') throw ctx.notActive(s);
      const list = (s.meta.consumers ??= []);
      if (list.some((c) => c.name === consumerName)) {
        throw kinesisErrors.format('ResourceInUseException', 'consumerExists', { consumer: consumerName, stream: streamName, account: ctx.accountId });
      }
      if (list.length >= MAX_CONSUMERS_PER_STREAM) {
        throw kinesisErrors.format('LimitExceededException', 'consumers', {
          stream: streamName,
          account: ctx.accountId,
          count: list.length,
          limit: MAX_CONSUMERS_PER_STREAM,
        });
      }
      const createdMs = ctx.clock.now();
      const c: ConsumerMeta = { name: consumerName, arn: this.arnFor(streamName, consumerName, createdMs), status: 'CREATING', createdMs };
      list.push(c);
      await ctx.persist(s);
      this.scheduleActive(s, c);
      return { ...c };
    });
  }

  private scheduleActive(s: StreamState, c: ConsumerMeta): void {
    const ctx = this.ctx;
    ctx.clock.setTimer(() => {
      if (ctx.closed || ctx.streams.get(s.meta.name) !== s || c.status !== 'CREATING') return;
      c.status = 'ACTIVE';
      ctx.track(ctx.persist(s), `persisting consumer ${c.name} of stream ${s.meta.name} as ACTIVE`);
    }, ctx.opts.createDelayMs);
  }

  private find(ref: ConsumerRef): { stream: StreamState; consumer: ConsumerMeta } {
    const ctx = this.ctx;
    if (ref.consumerArn !== undefined) {
      const m = /^arn:aws[^:]*:kinesis:[^:]*:\d{12}:stream\/([^/]+)\/consumer\/(.+):(\d+)$/.exec(ref.consumerArn);
      const s = m ? ctx.streams.get(m[1]!) : undefined;
      const c = s?.meta.consumers?.find((x) => x.arn === ref.consumerArn);
      if (!m || !s || !c) throw kinesisErrors.format('ResourceNotFoundException', 'consumerArn', { arn: ref.consumerArn });
      return { stream: s, consumer: c };
    }
    const name = ref.streamName!;
    const s = ctx.stream(name);
    const c = s.meta.consumers?.find((x) => x.name === ref.consumerName);
    if (!c) throw consumerNotFound(name, ref.consumerName!, ctx.accountId);
    return { stream: s, consumer: c };
  }

  /** Finds a consumer by stream + name, or by ARN alone (DescribeStreamConsumer / DeregisterStreamConsumer rules). */
  describe(ref: ConsumerRef): ConsumerDescription {
    const { stream, consumer } = this.find(ref);
    return { streamName: stream.meta.name, streamArn: stream.arn, consumer };
  }

  /** DeregisterStreamConsumer: DELETING for `deleteDelayMs`, then gone; its subscriptions end. */
  async deregister(ref: ConsumerRef): Promise<void> {
    const ctx = this.ctx;
    const { stream } = this.find(ref);
    await ctx.withLock(stream.meta.name, async () => {
      const { stream: s, consumer: c } = this.find(ref);
      if (c.status === 'DELETING') return;
      c.status = 'DELETING';
      await ctx.persist(s);
      this.notifyGone(c.arn);
      ctx.clock.setTimer(() => {
        if (ctx.closed) return;
        ctx.track(
          ctx.withLock(s.meta.name, async () => {
            if (ctx.streams.get(s.meta.name) !== s) return;
            s.meta.consumers = (s.meta.consumers ?? []).filter((x) => x !== c);
            await ctx.persist(s);
          }),
          `removing consumer ${c.name} of stream ${s.meta.name}`,
        );
      }, ctx.opts.deleteDelayMs);
    });
  }

  list(streamName: string): ConsumerMeta[] {
    return [...(this.ctx.stream(streamName).meta.consumers ?? [])];
  }

  /** Called with a consumer's ARN when it starts deregistering (subscriptions end). Returns an unsubscribe. */
  onGone(listener: (consumerArn: string) => void): () => void {
    this.goneListeners.add(listener);
    return () => this.goneListeners.delete(listener);
  }
}
