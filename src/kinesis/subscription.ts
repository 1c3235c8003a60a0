/**
 * Enhanced fan-out push: one Subscription per SubscribeToShard call, fed by ShardLog.onAppend (no polling).
 * AWS's rules (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_SubscribeToShard.html):
 *  - the consumer must be ACTIVE;
 *  - a second call for the same consumer and shard within 5 s of a successful one fails with
 *    ResourceInUseException; a later one takes over and the older subscription ends;
 *  - a subscription lasts 5 minutes (clock time), then its response ends and the client resubscribes
 *    from the last ContinuationSequenceNumber;
 *  - at the end of a closed shard the last event carries ChildShards and no ContinuationSequenceNumber.
 * Events are written only when there is something to say: records, the shard's end, and a heartbeat (an empty
 * event with the continuation point) after 5 s of clock time without one.
 *
 * Several nodes on one shared storage (JetStream): the rule holds across nodes. Each live subscription has an entry
 * in the shared metadata (`kinesis/efo-subscription/<consumer ARN>|<shard>`: the hub and subscription ids, start
 * time), written before the subscription starts; every node's hub follows those entries through the metadata
 * watch, so a subscription taken through another node ends this node's one for the same consumer and shard within
 * the watch's delay (milliseconds), and a second call within 5 s of another node's is refused the same way.
 */
import { randomUUID } from 'node:crypto';
import { log } from '../core/index.ts';
import { kinesisErrors } from './errors.ts';
import type { TimerHandle } from '../core/clock.ts';
import type { ResponseSink } from '../aws/index.ts';
import type { ChildShard, ConsumerMeta, KinesisEngine, KinesisRecord, ShardCursor, ShardPosition } from './engine.ts';
import { kinesisMetricsOf } from '../metrics/index.ts';

export const SUBSCRIPTION_TTL_MS = 300_000;
export const RESUBSCRIBE_GUARD_MS = 5_000;
export const HEARTBEAT_MS = 5_000;
/** Per event, at most this many records / bytes (AWS pushes up to 2 MiB/s per shard and consumer). */
export const EVENT_MAX_RECORDS = 10_000;
export const EVENT_MAX_BYTES = 1024 * 1024;
/** Shared metadata: one entry per consumer and shard with a live subscription (on storage several nodes share). */
export const SUBSCRIPTION_META_PREFIX = 'kinesis/efo-subscription/';

/** A live subscription's entry in the shared metadata. */
interface SubscriptionEntry {
  hub: string;
  subscription: string;
  startedMs: number;
}

const logger = log.child('kinesis');

/** The content of one SubscribeToShardEvent, before the wire encoding. */
export interface ShardEvent {
  records: KinesisRecord[];
  /** Undefined once the shard has ended. */
  continuationSequenceNumber: string | undefined;
  millisBehindLatest: number;
  childShards: ChildShard[] | undefined;
}

/** Encodes events and the initial response for one wire protocol (JSON or CBOR). */
export interface EventEncoder {
  initialResponse(): Uint8Array;
  event(e: ShardEvent): Uint8Array;
}

export class Subscription {
  private offset: number;
  private pumping = false;
  private again = false;
  private ended = false;
  private sink: ResponseSink | undefined;
  private unsubscribe: (() => void) | undefined;
  private ttlTimer: TimerHandle | undefined;
  private heartbeatTimer: TimerHandle | undefined;
  private lastSeq: string | undefined;
  /** Whether an event went out since the last heartbeat tick (an idle subscription then sends an empty one). */
  private sentAny = true;
  /** Settles once the client has had an event-loop turn to read the last write on its own (see afterClientRead). */
  private spacing: Promise<void> | null = null;
  readonly startedMs: number;
  /** Names this subscription in the shared metadata's entry of its consumer and shard. */
  readonly id = randomUUID();

  constructor(
    private readonly hub: SubscriptionHub,
    readonly key: string,
    readonly consumerArn: string,
    private readonly cursor: ShardCursor,
    private readonly encoder: EventEncoder,
  ) {
    this.offset = cursor.offset;
    this.startedMs = hub.engine.clock.now();
  }

  /** Called by the router once the response head is out. */
  start(sink: ResponseSink): void {
    this.sink = sink;
    sink.onClose(() => this.stop(false));
    if (this.ended) {
      sink.end();
      return;
    }
    sink.write(this.encoder.initialResponse());
    this.spacing = afterClientRead();
    const clock = this.hub.engine.clock;
    this.ttlTimer = clock.setTimer(() => this.stop(true), SUBSCRIPTION_TTL_MS);
    const offAppend = this.cursor.onAppend(this.onAppend);
    const offClose = this.cursor.onClose(this.onAppend);
    this.unsubscribe = () => {
      offAppend();
      offClose();
    };
    this.armHeartbeat();
    // The first event goes out on a later turn than the initial response, in its own write: some event-stream
    // parsers (lifion-aws-event-stream) expect one message per chunk they read.
    setImmediate(this.onAppend);
  }

  private readonly onAppend = (): void => {
    this.pump();
  };

  private armHeartbeat(): void {
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = this.hub.engine.clock.setTimer(() => {
      this.heartbeatTimer = undefined;
      if (this.ended) return;
      this.sentAny = false;
      this.pump();
    }, HEARTBEAT_MS);
  }

  /** Sends whatever is readable; re-runs if new data landed meanwhile. */
  private pump(): void {
    if (this.ended) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.drain()
      .catch(() => this.stop(true))
      .finally(() => {
        this.pumping = false;
      });
  }

  private async drain(): Promise<void> {
    const cursor = this.cursor;
    do {
      this.again = false;
      while (!this.ended) {
        if (cursor.endsAt(this.offset)) {
          if (this.spacing) await this.spacing;
          if (this.ended) return;
          this.send({ records: [], continuationSequenceNumber: undefined, millisBehindLatest: 0, childShards: cursor.childShards() });
          this.stop(true);
          return;
        }
        if (this.offset >= cursor.endOffset && this.sentAny) break;
        const res = await cursor.read(this.offset, { maxRecords: EVENT_MAX_RECORDS, maxBytes: EVENT_MAX_BYTES });
        if (this.ended) return;
        const cutoff = cursor.retentionCutoffMs();
        const records: KinesisRecord[] = [];
        // hot path: one object per record, no closures
        for (let i = 0; i < res.records.length; i++) {
          const r = res.records[i]!;
          if (r.timestampMs < cutoff) continue;
          records.push({
            sequenceNumber: cursor.sequenceNumber(r.offset, r.timestampMs),
            partitionKey: r.key,
            data: r.data,
            approximateArrivalTimestampMs: r.timestampMs,
          });
        }
        this.offset = res.nextOffset;
        const last = res.records.at(-1);
        if (records.length) this.lastSeq = records[records.length - 1]!.sequenceNumber;
        else if (last) this.lastSeq = cursor.sequenceNumber(last.offset, last.timestampMs);
        const behind = cursor.millisBehindLatest(res.nextOffset, last?.timestampMs);
        const endsHere = cursor.endsAt(this.offset);
        const metrics = kinesisMetricsOf(this.hub.engine);
        if (metrics) {
          let bytes = 0;
          for (let i = 0; i < records.length; i++) bytes += records[i]!.data.length;
          metrics.stream(cursor.streamName, cursor.shardLevelMetrics).subscribeEvent(cursor.shardId, records.length, bytes, behind);
        }
        if (this.spacing) await this.spacing;
        if (this.ended) return;
        this.send({
          records,
          continuationSequenceNumber: endsHere ? undefined : this.continuation(),
          millisBehindLatest: behind,
          childShards: endsHere ? cursor.childShards() : undefined,
        });
        if (endsHere) {
          this.stop(true);
          return;
        }
        await this.sink!.drained();
        if (res.records.length === 0) break;
      }
    } while (this.again && !this.ended);
  }

  /** The sequence number to resume after: the last record delivered, or a marker just before the current offset. */
  private continuation(): string {
    return this.lastSeq ?? this.cursor.continuationBefore(this.offset);
  }

  private send(e: ShardEvent): void {
    this.sentAny = true;
    this.sink!.write(this.encoder.event(e));
    this.spacing = afterClientRead();
    this.armHeartbeat();
  }

  /** Ends the subscription; `endResponse` closes the HTTP response (the client resubscribes). */
  stop(endResponse: boolean): void {
    if (this.ended) return;
    this.ended = true;
    this.unsubscribe?.();
    this.ttlTimer?.cancel();
    this.heartbeatTimer?.cancel();
    this.hub.forget(this);
    if (endResponse) this.sink?.end();
  }

  get isEnded(): boolean {
    return this.ended;
  }
}

/**
 * Resolves after the event loop has polled for I/O at least once more (two check phases). Events are written one
 * per such turn: a client that reads the byte stream and expects one event-stream message per read (lifion-aws-event-
 * stream's parser keeps what follows a message but then takes the next read's first bytes as the next length) gets
 * each message in its own read, when it runs in this process or keeps up; writes in one turn would arrive as one.
 * AWS sends each event in its own HTTP/2 DATA frame, which such clients also read one at a time.
 */
function afterClientRead(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/** All live subscriptions of one engine, with AWS's one-subscription-per-consumer-and-shard rule (across nodes on shared storage). */
export class SubscriptionHub {
  private readonly live = new Map<string, Subscription>();
  private readonly stopConsumerWatch: () => void;
  /** Names this node's hub in the shared entries. */
  private readonly id = randomUUID();
  /** Stops following the shared entries (undefined: storage one process owns, the rule is this hub's alone). */
  private readonly stopSharedWatch: (() => void) | undefined;

  constructor(readonly engine: KinesisEngine) {
    this.stopConsumerWatch = engine.onConsumerGone((arn) => {
      for (const s of [...this.live.values()]) if (s.consumerArn === arn) s.stop(true);
    });
    // Another node's entry for a consumer and shard this node serves: its subscription took over, this one ends.
    this.stopSharedWatch = engine.meta.watch?.(SUBSCRIPTION_META_PREFIX, (metaKey) => {
      const sub = this.live.get(metaKey.slice(SUBSCRIPTION_META_PREFIX.length));
      const entry = engine.meta.get<SubscriptionEntry>(metaKey);
      if (sub && entry && entry.subscription !== sub.id) sub.stop(true);
    });
  }

  /** Validates and registers a subscription; the caller starts it once the response head is sent. */
  async open(consumerArn: string, shardId: string, position: ShardPosition, encoder: EventEncoder): Promise<Subscription> {
    const engine = this.engine;
    const { streamName, consumer } = engine.describeConsumer({ consumerArn });
    assertActive(engine, streamName, consumer);
    const cursor = await engine.openShard(streamName, shardId, position);
    const key = `${consumerArn}|${cursor.shardId}`;
    const existing = this.live.get(key);
    const now = engine.clock.now();
    // Another node's subscription (shared storage): its entry says when it started.
    const shared = this.stopSharedWatch ? engine.meta.get<SubscriptionEntry>(SUBSCRIPTION_META_PREFIX + key) : undefined;
    const elsewhere = shared !== undefined && shared.hub !== this.id && now - shared.startedMs < RESUBSCRIBE_GUARD_MS;
    const replaces = existing !== undefined && !existing.isEnded;
    if (replaces || elsewhere) {
      if (elsewhere || now - existing!.startedMs < RESUBSCRIBE_GUARD_MS) {
        kinesisMetricsOf(engine)?.stream(streamName, cursor.shardLevelMetrics).subscribe(false);
        throw kinesisErrors.format('ResourceInUseException', 'activeSubscription', {
          account: engine.accountId,
          stream: streamName,
          shard: cursor.shardId,
          consumer: consumer.name,
        });
      }
    }
    // Live before the write below: a second open of the same key on this node meanwhile is refused.
    const sub = new Subscription(this, key, consumerArn, cursor, encoder);
    this.live.set(key, sub);
    if (this.stopSharedWatch) {
      // Written before the subscription starts: the node serving the older one sees it and ends that one.
      const entry: SubscriptionEntry = { hub: this.id, subscription: sub.id, startedMs: now };
      try {
        await engine.meta.put(SUBSCRIPTION_META_PREFIX + key, entry);
      } catch (e) {
        // Not registered: the new subscription ends unstarted (it has attached no listener to the cursor yet, and
        // the cursor itself holds nothing), and this node's older one, left running until now, stays the live one.
        sub.stop(false);
        if (replaces && !existing.isEnded && !this.live.has(key)) this.live.set(key, existing);
        throw e;
      }
    }
    // Only once the new one is registered (its entry written): a failed write leaves the older one running.
    if (replaces) existing.stop(true);
    kinesisMetricsOf(engine)?.stream(streamName, cursor.shardLevelMetrics).subscribe(true);
    return sub;
  }

  forget(sub: Subscription): void {
    if (this.live.get(sub.key) === sub) this.live.delete(sub.key);
    if (!this.stopSharedWatch) return;
    // Its shared entry goes, unless a newer subscription (through any node) has replaced it.
    const metaKey = SUBSCRIPTION_META_PREFIX + sub.key;
    if (this.engine.meta.get<SubscriptionEntry>(metaKey)?.subscription === sub.id) {
      this.engine.meta.delete(metaKey).catch((e: unknown) => logger.swallowed('removing a subscription entry', e, { key: sub.key }));
    }
  }

  get size(): number {
    return this.live.size;
  }

  closeAll(): void {
    this.stopConsumerWatch();
    this.stopSharedWatch?.();
    for (const s of [...this.live.values()]) s.stop(true);
  }
}

function assertActive(engine: KinesisEngine, streamName: string, c: ConsumerMeta): void {
  if (c.status !== 'ACTIVE') {
    throw kinesisErrors.format('ResourceInUseException', 'consumerNotActive', {
      consumer: c.name,
      created: Math.floor(c.createdMs / 1000),
      stream: streamName,
      account: engine.accountId,
    });
  }
}

const hubs = new WeakMap<KinesisEngine, SubscriptionHub>();

/** The engine's subscription hub (one per engine). */
export function hubFor(engine: KinesisEngine): SubscriptionHub {
  let h = hubs.get(engine);
  if (!h) {
    h = new SubscriptionHub(engine);
    hubs.set(engine, h);
  }
  return h;
}
