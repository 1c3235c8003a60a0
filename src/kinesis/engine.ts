/**
 * KinesisEngine: the semantics of Kinesis Data Streams over a LogStorage, used
 * by the wire actions (src/kinesis/actions) and in-process by other modules
 * (Firehose sources, SQL apps, CLI tail). Inputs are typed and already
 * validated; errors are AwsErrors with AWS's codes and texts.
 *
 * This class is the engine's whole surface: a facade over its parts, one per
 * concern (src/kinesis/engine/): the stream registry (metadata, lifecycle,
 * settings), the write path, the read path (positions, iterators, cursors),
 * resharding, enhanced fan-out consumers and retention. Actions use only the
 * methods below and the handles they return (StreamWriter, ShardCursor), never
 * the runtime state behind them.
 *
 * Streams: metadata in storage.meta under `kinesis/stream/<name>`; one ShardLog
 * per shard, id `<stream-uuid>/<shardId>`. Status CREATING → ACTIVE and
 * DELETING → gone are driven by the injected clock.
 */
import type { AwsError } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import type { MetaStore } from '../storage/index.ts';
import { Consumers } from './engine/consumers.ts';
import { EngineContext } from './engine/context.ts';
import { streamNotFound } from './engine/errors.ts';
import type {
  ConsumerDescription,
  ConsumerMeta,
  ConsumerRef,
  KinesisEngineOptions,
  PutInput,
  PutResult,
  ShardInfo,
  ShardPosition,
  StreamDescription,
  StreamMode,
  StreamState,
} from './engine/model.ts';
import { ShardReader, ReadPath } from './engine/reads.ts';
import type { ShardCursor } from './engine/reads.ts';
import { StreamRegistry } from './engine/registry.ts';
import { Resharding } from './engine/resharding.ts';
import { Retention } from './engine/retention.ts';
import { WritePath, explicitHashKey } from './engine/writes.ts';
import type { StreamWriter } from './engine/writes.ts';

export {
  ITERATOR_TTL_MS,
  MAX_CONSUMERS_PER_STREAM,
  MAX_GET_RECORDS_BYTES,
  NEXT_TOKEN_TTL_MS,
  ON_DEMAND_SHARDS,
  ON_DEMAND_SPLIT_BYTES_PER_SEC,
  ON_DEMAND_SPLIT_RECORDS_PER_SEC,
  ON_DEMAND_STREAM_LIMIT,
  SHARD_LEVEL_METRICS,
  canonicalShardId,
  parseShardId,
  shardIdName,
} from './engine/model.ts';
export type {
  ChildShard,
  ConsumerDescription,
  ConsumerMeta,
  ConsumerRef,
  ConsumerStatus,
  KinesisEngineOptions,
  KinesisRecord,
  PutInput,
  PutResult,
  ShardInfo,
  ShardIteratorType,
  ShardPosition,
  StreamDescription,
  StreamMode,
  StreamStatus,
} from './engine/model.ts';
export { ShardReader } from './engine/reads.ts';
export type { ShardCursor } from './engine/reads.ts';
export type { ShardSequences } from './sequence.ts';
export type { Appended, StreamWriter } from './engine/writes.ts';

export class KinesisEngine {
  readonly clock: Clock;
  readonly region: string;
  readonly accountId: string;
  readonly shardLimit: number;
  /** Whether per-shard throughput limits are enforced (StreamWriter.admitWrite, ShardCursor.admitRead). */
  readonly enforceLimits: boolean;
  private readonly ctx: EngineContext;
  private readonly registry: StreamRegistry;
  private readonly writes: WritePath;
  private readonly reads: ReadPath;
  private readonly resharding: Resharding;
  private readonly consumers: Consumers;
  private readonly retention: Retention;

  private constructor(opts: KinesisEngineOptions) {
    const ctx = new EngineContext(opts);
    this.ctx = ctx;
    this.clock = ctx.clock;
    this.region = ctx.region;
    this.accountId = ctx.accountId;
    this.shardLimit = ctx.shardLimit;
    this.enforceLimits = ctx.enforceLimits;
    this.consumers = new Consumers(ctx);
    this.registry = new StreamRegistry(ctx, {
      loaded: (s) => this.consumers.resume(s),
      deleting: (s) => this.consumers.streamDeleting(s),
    });
    this.writes = new WritePath(ctx);
    this.reads = new ReadPath(ctx);
    this.resharding = new Resharding(ctx);
    this.retention = new Retention(ctx);
  }

  /** Loads persisted streams from an opened storage, resuming pending status changes. */
  static async open(opts: KinesisEngineOptions): Promise<KinesisEngine> {
    const e = new KinesisEngine(opts);
    await e.reads.load();
    await e.registry.load();
    e.retention.schedule();
    e.resharding.scheduleScaling();
    return e;
  }

  /** The storage's metadata (enhanced fan-out keeps its one-subscription-per-consumer-and-shard entries there on shared storage). */
  get meta(): MetaStore {
    return this.ctx.storage.meta;
  }

  /** Timer-started work that failed so far (each one also logged as `kinesis: … failed: …`). */
  get backgroundFailures(): number {
    return this.ctx.backgroundFailures;
  }

  /** Resolves once timer-started work (status changes, deletion, retention trims) has finished. */
  whenIdle(): Promise<void> {
    return this.ctx.whenIdle();
  }

  async close(): Promise<void> {
    this.ctx.closed = true;
    this.retention.cancel();
    this.resharding.cancelScaling();
    this.registry.cancelTimers();
    await this.ctx.locksSettled();
    await this.ctx.whenIdle();
  }

  // ---------------------------------------------------------------- streams (registry)

  arnFor(name: string): string {
    return this.ctx.arnFor(name);
  }

  /** AWS's ResourceNotFoundException for a stream. */
  notFound(name: string): AwsError {
    return streamNotFound(name, this.accountId);
  }

  /** Throws ResourceNotFoundException unless the stream exists (in any status). */
  requireStream(name: string): void {
    this.ctx.stream(name);
  }

  /** CreateStream. The stream is CREATING until `createDelayMs` of clock time has passed; see whenActive(). */
  createStream(name: string, opts: { shardCount?: number; mode?: StreamMode; tags?: Record<string, string> } = {}): Promise<void> {
    return this.registry.create(name, opts);
  }

  /** Resolves once the stream is ACTIVE (immediately if it already is). */
  whenActive(name: string): Promise<void> {
    return this.registry.whenActive(name);
  }

  /** DeleteStream: DELETING now, gone (logs deleted) after `deleteDelayMs`. */
  deleteStream(name: string, opts: { enforceConsumerDeletion?: boolean } = {}): Promise<void> {
    return this.registry.delete(name, opts);
  }

  /** A stream's live state, read-only, for in-process observers (the console's live view); StreamNotFound when absent. */
  stream(name: string): Readonly<StreamState> {
    const s = this.ctx.streams.get(name);
    if (s === undefined) throw this.notFound(name);
    return s;
  }

  /** Stream names, sorted. */
  listStreams(): string[] {
    return this.registry.list();
  }

  describe(name: string): StreamDescription {
    return this.registry.describe(name);
  }

  /** Every shard still kept, open and closed (what ListShards lists without a filter). */
  listShards(name: string): ShardInfo[] {
    return this.registry.describe(name).shards;
  }

  /** Open shards over every stream (what the account's shard limit counts). */
  openShardCount(): number {
    return this.ctx.openShardCount();
  }

  onDemandStreamCount(): number {
    return this.registry.onDemandStreamCount();
  }

  addTags(name: string, tags: Record<string, string>): Promise<void> {
    return this.registry.addTags(name, tags);
  }

  removeTags(name: string, keys: readonly string[]): Promise<void> {
    return this.registry.removeTags(name, keys);
  }

  /** Start/StopStreamEncryption: the stream is UPDATING for `updateDelayMs`, then reports the new state. */
  setEncryption(name: string, type: 'NONE' | 'KMS', keyId: string | undefined): Promise<void> {
    return this.registry.setEncryption(name, type, keyId);
  }

  /** Enable/DisableEnhancedMonitoring ('ALL' names every metric). Returns the metrics before and after. */
  setMonitoring(name: string, metrics: readonly string[], enable: boolean): Promise<{ current: string[]; desired: string[] }> {
    return this.registry.setMonitoring(name, metrics, enable);
  }

  /** UpdateStreamMode: PROVISIONED ⇄ ON_DEMAND, UPDATING for `updateDelayMs`. */
  updateStreamMode(name: string, mode: StreamMode): Promise<void> {
    return this.registry.updateStreamMode(name, mode);
  }

  // ---------------------------------------------------------------- retention

  setRetention(name: string, hours: number, direction: 'increase' | 'decrease'): Promise<void> {
    return this.retention.setRetention(name, hours, direction);
  }

  /** Removes expired data from every stream now (the clock-driven trim does this every retention check interval). */
  trimAll(): Promise<void> {
    return this.retention.trimAll();
  }

  /** The stream's trim horizon: the earliest arrival time inside its retention period. */
  trimHorizonMs(name: string): number {
    return this.retention.cutoffMs(name);
  }

  // ---------------------------------------------------------------- resharding

  /** SplitShard: the stream is UPDATING for `updateDelayMs`, then the shard closes and two children open. */
  splitShard(name: string, shardId: string, newStartingHashKey: string): Promise<void> {
    return this.resharding.splitShard(name, shardId, newStartingHashKey);
  }

  /** MergeShards: two adjacent open shards close and one child covering both opens. */
  mergeShards(name: string, shardId: string, adjacentShardId: string): Promise<void> {
    return this.resharding.mergeShards(name, shardId, adjacentShardId);
  }

  /** UpdateShardCount (UNIFORM_SCALING), by splits and merges as AWS does it. */
  updateShardCount(name: string, target: number): Promise<{ current: number; target: number }> {
    return this.resharding.updateShardCount(name, target);
  }

  // ---------------------------------------------------------------- enhanced fan-out consumers

  /** RegisterStreamConsumer: CREATING for `createDelayMs` of clock time, then ACTIVE. */
  registerConsumer(streamName: string, consumerName: string): Promise<ConsumerMeta> {
    return this.consumers.register(streamName, consumerName);
  }

  /** DeregisterStreamConsumer: DELETING for `deleteDelayMs`, then gone; its subscriptions end. */
  deregisterConsumer(ref: ConsumerRef): Promise<void> {
    return this.consumers.deregister(ref);
  }

  /** A consumer by stream + name, or by ARN alone, with its stream (or ResourceNotFoundException). */
  describeConsumer(ref: ConsumerRef): ConsumerDescription {
    return this.consumers.describe(ref);
  }

  /** The stream's consumers in registration order. */
  listConsumers(streamName: string): ConsumerMeta[] {
    return this.consumers.list(streamName);
  }

  /** Called with a consumer's ARN when it starts deregistering (subscriptions end). Returns an unsubscribe. */
  onConsumerGone(listener: (consumerArn: string) => void): () => void {
    return this.consumers.onGone(listener);
  }

  // ---------------------------------------------------------------- writes

  /** A writer for one request on a stream that accepts writes (ACTIVE or UPDATING), or ResourceNotFoundException. */
  writer(name: string): StreamWriter {
    return this.writes.writer(name);
  }

  /** The 16-byte hash key for an ExplicitHashKey, or InvalidArgumentException when out of range. */
  explicitHashKey(value: string): Buffer {
    return explicitHashKey(value);
  }

  /** PutRecords for in-process callers. */
  putRecords(name: string, records: readonly PutInput[]): Promise<PutResult[]> {
    return this.writes.putRecords(name, records);
  }

  async putRecord(name: string, record: PutInput): Promise<PutResult> {
    return (await this.writes.putRecords(name, [record]))[0]!;
  }

  // ---------------------------------------------------------------- reads

  /** GetShardIterator. */
  getShardIterator(name: string, shardId: string, pos: ShardPosition): Promise<string> {
    return this.reads.getShardIterator(name, shardId, pos);
  }

  /** A cursor on a shard at a position, with GetShardIterator's resolution and errors (SubscribeToShard). */
  openShard(name: string, shardId: string, pos: ShardPosition): Promise<ShardCursor> {
    return this.reads.openShard(name, shardId, pos);
  }

  /** Decodes and checks a shard iterator (validity, expiry, stream and shard): GetRecords' cursor. */
  openIterator(token: string): ShardCursor {
    return this.reads.openIterator(token);
  }

  /**
   * In-process reader over one shard (what GetRecords does without the wire):
   * `read()` returns the next batch; `onAppend` fires when new data lands.
   */
  async openShardReader(name: string, shardId: string, position: ShardPosition): Promise<ShardReader> {
    return new ShardReader(await this.reads.openShard(name, shardId, position), this, () => this.clock.now());
  }

  /** Calls `listener` whenever new records become readable in a shard. Returns an unsubscribe. */
  subscribe(name: string, shardId: string, listener: (endOffset: number) => void): () => void {
    return this.reads.onAppend(name, shardId, listener);
  }
}
