/**
 * KinesisEngine: the semantics of Kinesis Data Streams over a LogStorage, used
 * by the wire actions (src/kinesis/actions) and in-process by other modules
 * (Firehose sources, SQL apps, CLI tail). Inputs are typed and already
 * validated; errors are AwsErrors with AWS's codes and texts.
 *
 * Streams: metadata in storage.meta under `kinesis/stream/<name>`; one ShardLog
 * per shard, id `<stream-uuid>/<shardId>`. Status CREATING → ACTIVE and
 * DELETING → gone are driven by the injected clock.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { AwsError } from '../core/errors.ts';
import type { Clock, TimerHandle } from '../core/clock.ts';
import type { AppendRecord, LogRecord, LogStorage, ShardLog } from '../storage/index.ts';
import { evenHashKeyRanges, hashKeyToBuffer, partitionKeyHash, routeHashKey, HASH_SPACE } from './hash.ts';
import { decodeSequence, encodeSequence, newSalt, sequenceFromPrefix, sequencePrefix } from './sequence.ts';
import { IteratorCodec, amzUtcString } from './iterator.ts';
import { ShardLimiter } from './limits.ts';

export type StreamStatus = 'CREATING' | 'ACTIVE' | 'DELETING' | 'UPDATING';
export type StreamMode = 'PROVISIONED' | 'ON_DEMAND';
export type ShardIteratorType = 'TRIM_HORIZON' | 'LATEST' | 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'AT_TIMESTAMP';

export interface ShardInfo {
  shardId: string;
  /** Decimal strings, as on the wire. */
  startingHashKey: string;
  endingHashKey: string;
  startingSequenceNumber: string;
  /** Set once the shard is closed by a split or merge. */
  endingSequenceNumber?: string;
  parentShardId?: string;
  adjacentParentShardId?: string;
  /** Clock time the shard opened; undefined for the stream's first shards (open "since forever"). */
  openedMs?: number;
  /** Clock time the shard closed. */
  closedMs?: number;
  /** For a closed shard: one past its last log offset (may be missing after a crash mid-reshard; recovered from the log). */
  endOffset?: number;
}

/** Persisted stream metadata (JSON in storage.meta). */
export interface StreamMeta {
  name: string;
  uuid: string;
  salt: string;
  createdMs: number;
  status: StreamStatus;
  mode: StreamMode;
  retentionHours: number;
  tags: Record<string, string>;
  shards: ShardInfo[];
  /** Enhanced fan-out consumers registered on the stream. */
  consumers?: ConsumerMeta[];
  /** Server-side encryption state (StartStreamEncryption); Freshet records it, data is stored as written. */
  encryptionType?: 'NONE' | 'KMS';
  keyId?: string;
  /** Enhanced monitoring (EnableEnhancedMonitoring): the shard-level metrics switched on. */
  shardLevelMetrics?: string[];
}

/** Every shard-level metric, in AWS's order (what 'ALL' stands for). */
export const SHARD_LEVEL_METRICS = [
  'IncomingBytes',
  'IncomingRecords',
  'OutgoingBytes',
  'OutgoingRecords',
  'WriteProvisionedThroughputExceeded',
  'ReadProvisionedThroughputExceeded',
  'IteratorAgeMilliseconds',
] as const;

export type ConsumerStatus = 'CREATING' | 'DELETING' | 'ACTIVE';

/** A registered enhanced fan-out consumer. */
export interface ConsumerMeta {
  name: string;
  arn: string;
  status: ConsumerStatus;
  createdMs: number;
}

/** At most this many consumers per stream (AWS's quota). */
export const MAX_CONSUMERS_PER_STREAM = 20;

/** A child of a closed shard, as GetRecords and SubscribeToShard report it. */
export interface ChildShard {
  shardId: string;
  parentShards: string[];
  startingHashKey: string;
  endingHashKey: string;
}

export interface StreamDescription {
  streamName: string;
  streamArn: string;
  status: StreamStatus;
  mode: StreamMode;
  retentionHours: number;
  createdMs: number;
  shards: ShardInfo[];
  tags: Record<string, string>;
}

export interface PutInput {
  partitionKey: string;
  data: Uint8Array;
  /** Decimal string in [0, 2^128-1]; overrides the partition key's MD5. */
  explicitHashKey?: string;
}

export interface PutResult {
  shardId: string;
  sequenceNumber: string;
}

export interface KinesisRecord {
  sequenceNumber: string;
  partitionKey: string;
  data: Uint8Array;
  approximateArrivalTimestampMs: number;
}

export interface ShardPosition {
  type: ShardIteratorType;
  sequenceNumber?: string;
  /** For AT_TIMESTAMP, ms since epoch. */
  timestampMs?: number;
}

export interface KinesisEngineOptions {
  storage: LogStorage;
  clock: Clock;
  region: string;
  accountId: string;
  shardLimit: number;
  createDelayMs: number;
  deleteDelayMs: number;
  updateDelayMs: number;
  /** How often retention trimming runs, in ms of clock time (default 60 s). */
  retentionCheckIntervalMs?: number;
  /** How often ON_DEMAND streams are checked for hot shards, in ms of clock time (default 60 s). */
  scalingCheckIntervalMs?: number;
  /** Enforce AWS's per-shard throughput limits (see limits.ts). Off by default. */
  enforceLimits?: boolean;
}

export const ITERATOR_TTL_MS = 300_000;
export const NEXT_TOKEN_TTL_MS = 300_000;
export const MAX_GET_RECORDS_BYTES = 10 * 1024 * 1024;
export const ON_DEMAND_SHARDS = 4;
/** ON_DEMAND streams split a shard whose writes, over one scaling check interval, average above half a shard's write limit. */
export const ON_DEMAND_SPLIT_BYTES_PER_SEC = 512 * 1024;
export const ON_DEMAND_SPLIT_RECORDS_PER_SEC = 500;
/** AWS's default quota of on-demand streams per account. */
export const ON_DEMAND_STREAM_LIMIT = 50;
const META_PREFIX = 'kinesis/stream/';
const KEY_META = 'kinesis/iterator-key';

/** Runtime state of one shard. */
export interface ShardState {
  readonly index: number;
  readonly shardId: string;
  readonly log: ShardLog;
  /** pad6(index): the fixed shard field of its sequence numbers. */
  readonly shardPart: string;
  /** Last arrival time handed out; keeps sequence numbers' time field non-decreasing. */
  lastTimeMs: number;
  /** The shard's metadata entry (shared with StreamMeta.shards). */
  readonly info: ShardInfo;
  /** Next offset append() will assign (ahead of the durable endOffset while writes are in flight). */
  nextOffset: number;
  /** Set when closed: one past the shard's last offset. Readers reaching it move to the children. */
  closedEnd: number | undefined;
  /** Records and bytes written since the last on-demand scaling check. */
  writeRecords: number;
  writeBytes: number;
  /** Called once when the shard closes (SubscribeToShard moves on to the children). */
  readonly closeListeners: Set<() => void>;
  /** Throughput limiter, created on first use when limits are enforced. */
  limiter?: ShardLimiter;
}

/** Runtime state of one stream. */
export interface StreamState {
  meta: StreamMeta;
  readonly arn: string;
  /** Every shard still kept (open or closed, within retention), by shard index; removed ones are undefined. */
  readonly shards: Array<ShardState | undefined>;
  /** Open shards, ascending by starting hash key: what writes route to. */
  open: ShardState[];
  /** Open shards' starting hash keys as 16-byte buffers, for routing (parallel to `open`). */
  startKeys: Buffer[];
  timer?: TimerHandle;
  activeWaiters: Array<() => void>;
}

export function shardIdName(index: number): string {
  return `shardId-${String(index).padStart(12, '0')}`;
}

/** 'shardId-000000000001', 'shardId-1' and '1' all name shard 1, as AWS accepts. */
export function parseShardId(id: string): number | undefined {
  const m = /^(?:shardId-)?(\d{1,12})$/.exec(id);
  return m ? Number(m[1]) : undefined;
}

export class KinesisEngine {
  readonly storage: LogStorage;
  readonly clock: Clock;
  readonly region: string;
  readonly accountId: string;
  readonly shardLimit: number;
  /** Whether per-shard throughput limits are enforced (limiterFor() then returns a limiter). */
  readonly enforceLimits: boolean;
  private readonly opts: KinesisEngineOptions;
  private readonly streams = new Map<string, StreamState>();
  private iterators!: IteratorCodec;
  private retentionTimer: TimerHandle | undefined;
  private scalingTimer: TimerHandle | undefined;
  private readonly consumerListeners = new Set<(consumerArn: string) => void>();
  private trimming: Promise<void> | undefined;
  private trimAgain = false;
  private closed = false;
  /** Serialises metadata mutations per stream name (create/delete/tags/retention). */
  private locks = new Map<string, Promise<unknown>>();
  /** Work started by timers (activation, deletion, retention), awaited by whenIdle() and close(). */
  private background = new Set<Promise<unknown>>();

  private constructor(opts: KinesisEngineOptions) {
    this.opts = opts;
    this.storage = opts.storage;
    this.clock = opts.clock;
    this.region = opts.region;
    this.accountId = opts.accountId;
    this.shardLimit = opts.shardLimit;
    this.enforceLimits = opts.enforceLimits ?? false;
  }

  /** The shard's throughput limiter (only call when enforceLimits). */
  limiterFor(shard: ShardState): ShardLimiter {
    return (shard.limiter ??= new ShardLimiter(this.clock.now()));
  }

  /** AWS's ProvisionedThroughputExceededException text for a shard. */
  rateExceededMessage(s: StreamState, shard: ShardState): string {
    return `Rate exceeded for shard ${shard.shardId} in stream ${s.meta.name} under account ${this.accountId}.`;
  }

  /** Loads persisted streams from an opened storage, resuming pending status changes. */
  static async open(opts: KinesisEngineOptions): Promise<KinesisEngine> {
    const e = new KinesisEngine(opts);
    await e.load();
    return e;
  }

  private async load(): Promise<void> {
    const meta = this.storage.meta;
    let key = meta.get<string>(KEY_META);
    if (!key) {
      key = randomBytes(32).toString('base64');
      await meta.put(KEY_META, key);
    }
    this.iterators = new IteratorCodec(Buffer.from(key, 'base64'));
    for (const k of meta.keys(META_PREFIX)) {
      const m = meta.get<StreamMeta>(k);
      if (!m) continue;
      if (m.status === 'DELETING') {
        await this.finishDelete(m);
        continue;
      }
      const state = await this.materialise(m);
      this.streams.set(m.name, state);
      if (m.consumers?.some((c) => c.status === 'DELETING')) {
        m.consumers = m.consumers.filter((c) => c.status !== 'DELETING');
        await this.persist(state);
      }
      for (const c of m.consumers ?? []) if (c.status === 'CREATING') this.scheduleConsumerActive(state, c);
      if (m.status === 'CREATING' || m.status === 'UPDATING') this.scheduleActive(state, this.opts.createDelayMs);
    }
    this.scheduleRetention();
    this.scheduleScaling();
  }

  private async materialise(m: StreamMeta): Promise<StreamState> {
    const shards: Array<ShardState | undefined> = [];
    for (const info of m.shards) {
      const index = parseShardId(info.shardId)!;
      const logId = `${m.uuid}/${info.shardId}`;
      const log = this.storage.getLog(logId) ?? (await this.storage.createLog(logId));
      let closedEnd: number | undefined;
      if (info.endingSequenceNumber !== undefined) {
        // A crash between persisting a reshard and applying it leaves endOffset unset; records not durable then were never acknowledged.
        if (info.endOffset === undefined) {
          info.endingSequenceNumber = encodeSequence(
            Math.max(info.closedMs ?? 0, log.lastTimestampMs ?? 0),
            String(index).padStart(6, '0'),
            Math.max(log.endOffset - 1, 0),
            m.salt,
          );
        }
        closedEnd = info.endOffset === undefined ? log.endOffset : Math.min(info.endOffset, log.endOffset);
        info.endOffset = closedEnd;
      }
      shards[index] = {
        index,
        shardId: info.shardId,
        log,
        shardPart: String(index).padStart(6, '0'),
        lastTimeMs: Math.max(m.createdMs, log.lastTimestampMs ?? 0),
        info,
        nextOffset: log.endOffset,
        closedEnd,
        writeRecords: 0,
        writeBytes: 0,
        closeListeners: new Set(),
      };
    }
    const state: StreamState = { meta: m, arn: this.arnFor(m.name), shards, open: [], startKeys: [], activeWaiters: [] };
    this.reroute(state);
    return state;
  }

  /** Rebuilds the routing table from the open shards. */
  private reroute(state: StreamState): void {
    const open: ShardState[] = [];
    for (const sh of state.shards) if (sh && sh.closedEnd === undefined) open.push(sh);
    open.sort((a, b) => (BigInt(a.info.startingHashKey) < BigInt(b.info.startingHashKey) ? -1 : 1));
    state.open = open;
    state.startKeys = open.map((sh) => hashKeyToBuffer(BigInt(sh.info.startingHashKey)));
  }

  private track(p: Promise<unknown>): void {
    const t = p.catch(() => undefined).finally(() => this.background.delete(t));
    this.background.add(t);
  }

  /** Resolves once timer-started work (status changes, deletion, retention trims) has finished. */
  async whenIdle(): Promise<void> {
    while (this.background.size) await Promise.all([...this.background]);
  }

  arnFor(name: string): string {
    return `arn:aws:kinesis:${this.region}:${this.accountId}:stream/${name}`;
  }

  private async withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(name) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(name, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(name) === tail) this.locks.delete(name);
    }
  }

  private async persist(state: StreamState): Promise<void> {
    await this.storage.meta.put(META_PREFIX + state.meta.name, state.meta);
  }

  // ---------------------------------------------------------------- errors

  notFound(name: string): AwsError {
    return new AwsError('ResourceNotFoundException', `Stream ${name} under account ${this.accountId} not found.`);
  }

  private shardNotFound(shardId: string, name: string): AwsError {
    return new AwsError('ResourceNotFoundException', `Shard ${shardId} in stream ${name} under account ${this.accountId} does not exist`);
  }

  /** The stream in any status, or ResourceNotFoundException. */
  stream(name: string): StreamState {
    const s = this.streams.get(name);
    if (!s) throw this.notFound(name);
    return s;
  }

  /** The stream, which must accept reads and writes (ACTIVE or UPDATING). */
  activeStream(name: string): StreamState {
    const s = this.streams.get(name);
    if (!s || (s.meta.status !== 'ACTIVE' && s.meta.status !== 'UPDATING')) throw this.notFound(name);
    return s;
  }

  // ---------------------------------------------------------------- lifecycle

  /** CreateStream. The stream is CREATING until `createDelayMs` of clock time has passed; see whenActive(). */
  async createStream(name: string, opts: { shardCount?: number; mode?: StreamMode; tags?: Record<string, string> } = {}): Promise<void> {
    const mode = opts.mode ?? 'PROVISIONED';
    const shardCount = mode === 'ON_DEMAND' ? (opts.shardCount ?? ON_DEMAND_SHARDS) : opts.shardCount;
    if (shardCount === undefined) {
      throw new AwsError('InvalidArgumentException', 'ShardCount must be specified for streams in PROVISIONED mode.');
    }
    await this.withLock(name, async () => {
      if (this.streams.has(name)) {
        throw new AwsError('ResourceInUseException', `Stream ${name} under account ${this.accountId} already exists.`);
      }
      const current = this.openShardCount();
      if (current + shardCount > this.shardLimit) {
        throw new AwsError(
          'LimitExceededException',
          `This request would exceed the shard limit for the account ${this.accountId} in ${this.region}. ` +
            `Current shard count for the account: ${current}. Limit: ${this.shardLimit}. ` +
            `Number of additional shards that would have resulted from this request: ${shardCount}. ` +
            'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) ' +
            'for current limits and how to request higher limits.',
        );
      }
      const createdMs = this.clock.now();
      const salt = newSalt();
      const ranges = evenHashKeyRanges(shardCount);
      const shards: ShardInfo[] = ranges.map((r, i) => ({
        shardId: shardIdName(i),
        startingHashKey: r.startingHashKey.toString(),
        endingHashKey: r.endingHashKey.toString(),
        startingSequenceNumber: encodeSequence(createdMs, String(i).padStart(6, '0'), 0, salt),
      }));
      const meta: StreamMeta = {
        name,
        uuid: randomUUID(),
        salt,
        createdMs,
        status: 'CREATING',
        mode,
        retentionHours: 24,
        tags: { ...(opts.tags ?? {}) },
        shards,
      };
      // Metadata first: a crash before the logs exist is repaired on load (materialise creates missing logs).
      await this.storage.meta.put(META_PREFIX + name, meta);
      const state = await this.materialise(meta);
      this.streams.set(name, state);
      this.scheduleActive(state, this.opts.createDelayMs);
    });
  }

  private scheduleActive(state: StreamState, delayMs: number): void {
    state.timer?.cancel();
    state.timer = this.clock.setTimer(() => {
      state.timer = undefined;
      if (this.closed || this.streams.get(state.meta.name) !== state) return;
      if (state.meta.status !== 'CREATING' && state.meta.status !== 'UPDATING') return;
      state.meta.status = 'ACTIVE';
      const waiters = state.activeWaiters.splice(0);
      for (const w of waiters) w();
      this.track(this.persist(state));
    }, delayMs);
  }

  /** Resolves once the stream is ACTIVE (immediately if it already is). */
  whenActive(name: string): Promise<void> {
    const s = this.stream(name);
    if (s.meta.status === 'ACTIVE') return Promise.resolve();
    return new Promise((resolve) => s.activeWaiters.push(resolve));
  }

  /** DeleteStream: DELETING now, gone (logs deleted) after `deleteDelayMs`. */
  async deleteStream(name: string, opts: { enforceConsumerDeletion?: boolean } = {}): Promise<void> {
    await this.withLock(name, async () => {
      const s = this.stream(name);
      if (s.meta.status === 'DELETING') return;
      const consumers = s.meta.consumers ?? [];
      if (consumers.length && !opts.enforceConsumerDeletion) {
        throw new AwsError(
          'ResourceInUseException',
          `Stream ${name} under account ${this.accountId} has registered consumers. Use EnforceConsumerDeletion to delete it with its consumers.`,
        );
      }
      for (const c of consumers) for (const l of this.consumerListeners) l(c.arn);
      s.timer?.cancel();
      s.meta.status = 'DELETING';
      await this.persist(s);
      s.timer = this.clock.setTimer(() => {
        s.timer = undefined;
        if (this.closed) return;
        this.track(
          this.withLock(name, async () => {
            if (this.streams.get(name) !== s) return;
            this.streams.delete(name);
            await this.finishDelete(s.meta);
          }),
        );
      }, this.opts.deleteDelayMs);
    });
  }

  private async finishDelete(m: StreamMeta): Promise<void> {
    for (const sh of m.shards) {
      const id = `${m.uuid}/${sh.shardId}`;
      if (this.storage.getLog(id)) await this.storage.deleteLog(id);
    }
    await this.storage.meta.delete(META_PREFIX + m.name);
  }

  openShardCount(): number {
    let n = 0;
    for (const s of this.streams.values()) n += s.open.length;
    return n;
  }

  onDemandStreamCount(): number {
    let n = 0;
    for (const s of this.streams.values()) if (s.meta.mode === 'ON_DEMAND') n++;
    return n;
  }

  /** Stream names, sorted. */
  listStreams(): string[] {
    return [...this.streams.keys()].sort();
  }

  describe(name: string): StreamDescription {
    const s = this.stream(name);
    const m = s.meta;
    return {
      streamName: m.name,
      streamArn: s.arn,
      status: m.status,
      mode: m.mode,
      retentionHours: m.retentionHours,
      createdMs: m.createdMs,
      shards: m.shards,
      tags: m.tags,
    };
  }

  listShards(name: string): ShardInfo[] {
    return this.stream(name).meta.shards;
  }

  // ---------------------------------------------------------------- retention & tags

  async setRetention(name: string, hours: number, direction: 'increase' | 'decrease'): Promise<void> {
    await this.withLock(name, async () => {
      const s = this.stream(name);
      if (hours < 24) {
        throw new AwsError(
          'InvalidArgumentException',
          `Minimum allowed retention period is 24 hours. Requested retention period (${hours} hours) is too short.`,
        );
      }
      if (hours > 8760) {
        throw new AwsError(
          'InvalidArgumentException',
          `Maximum allowed retention period is 8760 hours. Requested retention period (${hours} hours) is too long.`,
        );
      }
      const cur = s.meta.retentionHours;
      if (direction === 'increase' && cur > hours) {
        throw new AwsError(
          'InvalidArgumentException',
          `Requested retention period (${hours} hours) for stream ${name} can not be shorter than existing retention period (${cur} hours). Use DecreaseRetentionPeriod API.`,
        );
      }
      if (direction === 'decrease' && cur < hours) {
        throw new AwsError(
          'InvalidArgumentException',
          `Requested retention period (${hours} hours) for stream ${name} can not be longer than existing retention period (${cur} hours). Use IncreaseRetentionPeriod API.`,
        );
      }
      s.meta.retentionHours = hours;
      await this.persist(s);
    });
    if (direction === 'decrease') await this.trimStream(this.stream(name));
  }

  async addTags(name: string, tags: Record<string, string>): Promise<void> {
    await this.withLock(name, async () => {
      const s = this.stream(name);
      const merged = { ...s.meta.tags, ...tags };
      if (Object.keys(merged).length > 50) {
        throw new AwsError(
          'InvalidArgumentException',
          `Failed to add tags to stream ${name} under account ${this.accountId} because a given stream cannot have more than 50 tags associated with it.`,
        );
      }
      s.meta.tags = merged;
      await this.persist(s);
    });
  }

  async removeTags(name: string, keys: readonly string[]): Promise<void> {
    await this.withLock(name, async () => {
      const s = this.stream(name);
      const next = { ...s.meta.tags };
      for (const k of keys) delete next[k];
      s.meta.tags = next;
      await this.persist(s);
    });
  }

  private scheduleRetention(): void {
    const every = this.opts.retentionCheckIntervalMs ?? 60_000;
    this.retentionTimer = this.clock.setTimer(() => {
      if (this.closed) return;
      this.requestTrim();
      this.scheduleRetention();
    }, every);
  }

  /** Runs trimAll(), or once more after the running one if a trim is already under way. */
  private requestTrim(): void {
    if (this.trimming) {
      this.trimAgain = true;
      return;
    }
    this.trimming = (async () => {
      do {
        this.trimAgain = false;
        await this.trimAll();
      } while (this.trimAgain && !this.closed);
    })().finally(() => {
      this.trimming = undefined;
    });
    this.track(this.trimming);
  }

  /** Removes expired data from every stream (whole segments; see ShardLog.trimBefore). */
  async trimAll(): Promise<void> {
    for (const s of [...this.streams.values()]) await this.trimStream(s);
  }

  private async trimStream(s: StreamState): Promise<void> {
    if (s.meta.status === 'DELETING') return;
    const cutoff = this.clock.now() - s.meta.retentionHours * 3_600_000;
    let expired = false;
    for (const sh of s.shards) {
      if (!sh) continue;
      if (sh.info.closedMs !== undefined && sh.info.closedMs < cutoff) expired = true;
      else await sh.log.trimBefore(cutoff);
    }
    if (expired) await this.removeExpiredShards(s, cutoff);
  }

  /** Closed shards whose close time is past the retention period go, with their logs (as AWS drops them from ListShards). */
  private async removeExpiredShards(s: StreamState, cutoff: number): Promise<void> {
    await this.withLock(s.meta.name, async () => {
      if (this.streams.get(s.meta.name) !== s || s.meta.status === 'DELETING') return;
      const gone: ShardState[] = [];
      for (const sh of s.shards) if (sh && sh.info.closedMs !== undefined && sh.info.closedMs < cutoff) gone.push(sh);
      if (!gone.length) return;
      for (const sh of gone) s.shards[sh.index] = undefined;
      s.meta.shards = s.meta.shards.filter((i) => !(i.closedMs !== undefined && i.closedMs < cutoff));
      await this.persist(s);
      for (const sh of gone) if (this.storage.getLog(sh.log.id)) await this.storage.deleteLog(sh.log.id);
    });
  }

  // ---------------------------------------------------------------- encryption & monitoring

  /** Start/StopStreamEncryption: the stream is UPDATING for `updateDelayMs`, then reports the new state. */
  async setEncryption(name: string, type: 'NONE' | 'KMS', keyId: string | undefined): Promise<void> {
    await this.withLock(name, async () => {
      const s = this.stream(name);
      if (s.meta.status !== 'ACTIVE') throw this.notActive(s);
      s.meta.status = 'UPDATING';
      await this.persist(s);
      s.timer?.cancel();
      s.timer = this.clock.setTimer(() => {
        s.timer = undefined;
        if (this.closed || this.streams.get(name) !== s) return;
        s.meta.encryptionType = type;
        if (type === 'KMS') s.meta.keyId = keyId;
        else delete s.meta.keyId;
        this.finishUpdate(s);
      }, this.opts.updateDelayMs);
    });
  }

  /** Enable/DisableEnhancedMonitoring ('ALL' names every metric). Returns the metrics before and after. */
  async setMonitoring(name: string, metrics: readonly string[], enable: boolean): Promise<{ current: string[]; desired: string[] }> {
    return this.withLock(name, async () => {
      const s = this.stream(name);
      if (s.meta.status !== 'ACTIVE') throw this.notActive(s);
      const named = new Set(metrics.includes('ALL') ? SHARD_LEVEL_METRICS : metrics);
      const current = s.meta.shardLevelMetrics ?? [];
      const next = new Set(current);
      for (const m of named) {
        if (enable) next.add(m);
        else next.delete(m);
      }
      const desired = SHARD_LEVEL_METRICS.filter((m) => next.has(m));
      s.meta.shardLevelMetrics = desired;
      await this.persist(s);
      return { current: [...current], desired };
    });
  }

  // ---------------------------------------------------------------- enhanced fan-out consumers

  /** `arn:aws:kinesis:<region>:<account>:stream/<name>/consumer/<consumer>:<creation epoch seconds>`. */
  consumerArnFor(stream: string, consumer: string, createdMs: number): string {
    return `${this.arnFor(stream)}/consumer/${consumer}:${Math.floor(createdMs / 1000)}`;
  }

  private consumerNotFound(stream: string, consumer: string): AwsError {
    return new AwsError('ResourceNotFoundException', `Consumer ${consumer} under stream ${stream} under account ${this.accountId} not found.`);
  }

  /** RegisterStreamConsumer: CREATING for `createDelayMs` of clock time, then ACTIVE. */
  async registerConsumer(streamName: string, consumerName: string): Promise<ConsumerMeta> {
    return this.withLock(streamName, async () => {
      const s = this.stream(streamName);
      if (s.meta.status !== 'ACTIVE' && s.meta.status !== 'UPDATING') throw this.notActive(s);
      const list = (s.meta.consumers ??= []);
      if (list.some((c) => c.name === consumerName)) {
        throw new AwsError('ResourceInUseException', `Consumer ${consumerName} under stream ${streamName} under account ${this.accountId} already exists.`);
      }
      if (list.length >= MAX_CONSUMERS_PER_STREAM) {
        throw new AwsError(
          'LimitExceededException',
          `Stream ${streamName} under account ${this.accountId} already has ${list.length} registered consumers. The limit is ${MAX_CONSUMERS_PER_STREAM}.`,
        );
      }
      const createdMs = this.clock.now();
      const c: ConsumerMeta = { name: consumerName, arn: this.consumerArnFor(streamName, consumerName, createdMs), status: 'CREATING', createdMs };
      list.push(c);
      await this.persist(s);
      this.scheduleConsumerActive(s, c);
      return { ...c };
    });
  }

  private scheduleConsumerActive(s: StreamState, c: ConsumerMeta): void {
    this.clock.setTimer(() => {
      if (this.closed || this.streams.get(s.meta.name) !== s || c.status !== 'CREATING') return;
      c.status = 'ACTIVE';
      this.track(this.persist(s));
    }, this.opts.createDelayMs);
  }

  /** Finds a consumer by stream + name, or by ARN alone (DescribeStreamConsumer / DeregisterStreamConsumer rules). */
  findConsumer(ref: { streamName?: string; consumerName?: string; consumerArn?: string }): { stream: StreamState; consumer: ConsumerMeta } {
    if (ref.consumerArn !== undefined) {
      const m = /^arn:aws[^:]*:kinesis:[^:]*:\d{12}:stream\/([^/]+)\/consumer\/(.+):(\d+)$/.exec(ref.consumerArn);
      const s = m ? this.streams.get(m[1]!) : undefined;
      const c = s?.meta.consumers?.find((x) => x.arn === ref.consumerArn);
      if (!m || !s || !c) throw new AwsError('ResourceNotFoundException', `Consumer ${ref.consumerArn} not found.`);
      return { stream: s, consumer: c };
    }
    const name = ref.streamName!;
    const s = this.stream(name);
    const c = s.meta.consumers?.find((x) => x.name === ref.consumerName);
    if (!c) throw this.consumerNotFound(name, ref.consumerName!);
    return { stream: s, consumer: c };
  }

  /** DeregisterStreamConsumer: DELETING for `deleteDelayMs`, then gone; its subscriptions end. */
  async deregisterConsumer(ref: { streamName?: string; consumerName?: string; consumerArn?: string }): Promise<void> {
    const { stream } = this.findConsumer(ref);
    await this.withLock(stream.meta.name, async () => {
      const { stream: s, consumer: c } = this.findConsumer(ref);
      if (c.status === 'DELETING') return;
      c.status = 'DELETING';
      await this.persist(s);
      for (const l of this.consumerListeners) l(c.arn);
      this.clock.setTimer(() => {
        if (this.closed) return;
        this.track(
          this.withLock(s.meta.name, async () => {
            if (this.streams.get(s.meta.name) !== s) return;
            s.meta.consumers = (s.meta.consumers ?? []).filter((x) => x !== c);
            await this.persist(s);
          }),
        );
      }, this.opts.deleteDelayMs);
    });
  }

  listConsumers(streamName: string): ConsumerMeta[] {
    return [...(this.stream(streamName).meta.consumers ?? [])];
  }

  /** Called with a consumer's ARN when it starts deregistering (subscriptions end). Returns an unsubscribe. */
  onConsumerGone(listener: (consumerArn: string) => void): () => void {
    this.consumerListeners.add(listener);
    return () => this.consumerListeners.delete(listener);
  }

  // ---------------------------------------------------------------- resharding

  private notActive(s: StreamState): AwsError {
    return new AwsError('ResourceInUseException', `Stream ${s.meta.name} under account ${this.accountId} not ACTIVE, instead in state ${s.meta.status}`);
  }

  private shardLimitError(current: number, additional: number): AwsError {
    return new AwsError(
      'LimitExceededException',
      `This request would exceed the shard limit for the account ${this.accountId} in ${this.region}. ` +
        `Current shard count for the account: ${current}. Limit: ${this.shardLimit}. ` +
        `Number of additional shards that would have resulted from this request: ${additional}. ` +
        'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) ' +
        'for current limits and how to request higher limits.',
    );
  }

  /** An open shard of the stream by id, or AWS's ResourceNotFoundException. */
  private openShard(s: StreamState, shardId: string): ShardState {
    const index = parseShardId(shardId);
    const sh = index === undefined ? undefined : s.shards[index];
    if (!sh || sh.closedEnd !== undefined) {
      throw new AwsError('ResourceNotFoundException', `Could not find shard ${shardId} in stream ${s.meta.name} under account ${this.accountId}.`);
    }
    return sh;
  }

  /** SplitShard: the stream is UPDATING for `updateDelayMs`, then the shard closes and two children open. */
  async splitShard(name: string, shardId: string, newStartingHashKey: string): Promise<void> {
    await this.withLock(name, async () => {
      const s = this.stream(name);
      const sh = this.openShard(s, shardId);
      const current = this.openShardCount();
      if (current + 1 > this.shardLimit) throw this.shardLimitError(current, 1);
      const h = BigInt(newStartingHashKey);
      const start = BigInt(sh.info.startingHashKey);
      const end = BigInt(sh.info.endingHashKey);
      if (h <= start + 1n || h >= end) {
        throw new AwsError(
          'InvalidArgumentException',
          `NewStartingHashKey ${newStartingHashKey} used in SplitShard() on shard ${sh.shardId} in stream ${name} under account ${this.accountId} ` +
            `is not both greater than one plus the shard's StartingHashKey ${sh.info.startingHashKey} and less than the shard's EndingHashKey ${sh.info.endingHashKey}.`,
        );
      }
      if (s.meta.status !== 'ACTIVE') throw this.notActive(s);
      await this.beginReshard(s, (p) => p.split(sh.index, h));
    });
  }

  /** MergeShards: two adjacent open shards close and one child covering both opens. */
  async mergeShards(name: string, shardId: string, adjacentShardId: string): Promise<void> {
    await this.withLock(name, async () => {
      const s = this.stream(name);
      const a = this.openShard(s, shardId);
      const b = this.openShard(s, adjacentShardId);
      if (BigInt(a.info.endingHashKey) + 1n !== BigInt(b.info.startingHashKey)) {
        throw new AwsError(
          'InvalidArgumentException',
          `Shards ${a.shardId} and ${b.shardId} in stream ${name} under account ${this.accountId} are not an adjacent pair of shards eligible for merging`,
        );
      }
      if (s.meta.status !== 'ACTIVE') throw this.notActive(s);
      await this.beginReshard(s, (p) => p.merge(a.index, b.index));
    });
  }

  /**
   * UpdateShardCount with UNIFORM_SCALING, as AWS does it: splits and merges until the open shards
   * split the hash space evenly into `target` shards. Every child has at most two parents, so readers
   * that finish parents before children keep per-key order. Intermediate shards open and close empty.
   */
  async updateShardCount(name: string, target: number): Promise<{ current: number; target: number }> {
    return this.withLock(name, async () => {
      const s = this.stream(name);
      if (s.meta.status !== 'ACTIVE') throw this.notActive(s);
      const open = s.open.length;
      if (target > this.shardLimit) {
        throw new AwsError(
          'LimitExceededException',
          `Target shard count or number of open shards cannot be greater than ${this.shardLimit}. Current open shard count: ${open}, Target shard count: ${target}`,
        );
      }
      if (target > open * 2) {
        throw new AwsError(
          'LimitExceededException',
          `UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: ${open}, Target shard count: ${target}`,
        );
      }
      if (target < open / 2) {
        throw new AwsError(
          'LimitExceededException',
          `UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: ${open}, Target shard count: ${target}`,
        );
      }
      const others = this.openShardCount() - open;
      if (others + target > this.shardLimit) throw this.shardLimitError(this.openShardCount(), target - open);
      await this.beginReshard(s, (p) => p.uniform(target));
      return { current: open, target };
    });
  }

  /** UpdateStreamMode: PROVISIONED ⇄ ON_DEMAND, UPDATING for `updateDelayMs`. */
  async updateStreamMode(name: string, mode: StreamMode): Promise<void> {
    await this.withLock(name, async () => {
      const s = this.stream(name);
      if (s.meta.status !== 'ACTIVE') throw this.notActive(s);
      if (mode === 'ON_DEMAND' && s.meta.mode !== 'ON_DEMAND' && this.onDemandStreamCount() >= ON_DEMAND_STREAM_LIMIT) {
        throw new AwsError(
          'LimitExceededException',
          `This request would exceed the limit of ${ON_DEMAND_STREAM_LIMIT} on-demand streams for the account ${this.accountId} in ${this.region}.`,
        );
      }
      s.meta.status = 'UPDATING';
      await this.persist(s);
      s.timer?.cancel();
      s.timer = this.clock.setTimer(() => {
        s.timer = undefined;
        if (this.closed || this.streams.get(name) !== s) return;
        s.meta.mode = mode;
        this.finishUpdate(s);
      }, this.opts.updateDelayMs);
    });
  }

  private finishUpdate(s: StreamState): void {
    s.meta.status = 'ACTIVE';
    const waiters = s.activeWaiters.splice(0);
    for (const w of waiters) w();
    this.track(this.persist(s));
  }

  /**
   * Marks the stream UPDATING and, after `updateDelayMs` of clock time, applies the plan: child logs are
   * created first, the plan is persisted (a crash after that completes it on load), then parents close and
   * children open in one synchronous step, so no write can land on a parent after a child took its keys.
   */
  private async beginReshard(s: StreamState, build: (p: ReshardPlan) => void): Promise<void> {
    const plan = new ReshardPlan(s);
    build(plan);
    if (!plan.created.length) return;
    s.meta.status = 'UPDATING';
    await this.persist(s);
    s.timer?.cancel();
    s.timer = this.clock.setTimer(() => {
      s.timer = undefined;
      if (this.closed) return;
      this.track(this.withLock(s.meta.name, () => this.applyReshard(s, plan)));
    }, this.opts.updateDelayMs);
  }

  private async applyReshard(s: StreamState, plan: ReshardPlan): Promise<void> {
    if (this.streams.get(s.meta.name) !== s || s.meta.status !== 'UPDATING') return;
    const m = s.meta;
    const logs = new Map<number, ShardLog>();
    for (const c of plan.created) {
      const id = `${m.uuid}/${shardIdName(c.index)}`;
      logs.set(c.index, this.storage.getLog(id) ?? (await this.storage.createLog(id)));
    }
    const now = this.clock.now();
    const infos: ShardInfo[] = plan.created.map((c) => ({
      shardId: shardIdName(c.index),
      startingHashKey: c.start.toString(),
      endingHashKey: c.end.toString(),
      startingSequenceNumber: encodeSequence(now, String(c.index).padStart(6, '0'), 0, m.salt),
      ...(c.parent !== undefined ? { parentShardId: shardIdName(c.parent) } : {}),
      ...(c.adjacentParent !== undefined ? { adjacentParentShardId: shardIdName(c.adjacentParent) } : {}),
      openedMs: now,
      ...(c.closes ? { endingSequenceNumber: encodeSequence(now, String(c.index).padStart(6, '0'), 0, m.salt), closedMs: now, endOffset: 0 } : {}),
    }));
    // The plan, persisted before it takes effect: closing parents carry a provisional ending (endOffset is fixed on load).
    const planned: StreamMeta = {
      ...m,
      shards: [
        ...m.shards.map((i) =>
          plan.closing.has(parseShardId(i.shardId)!) ? { ...i, endingSequenceNumber: encodeSequence(now, '000000', 0, m.salt), closedMs: now } : i,
        ),
        ...infos,
      ],
    };
    await this.storage.meta.put(META_PREFIX + m.name, planned);
    if (this.streams.get(m.name) !== s) return;
    // Synchronous from here: parents close at exactly the offsets already assigned.
    const at = this.clock.now();
    for (const index of plan.closing) {
      const sh = s.shards[index]!;
      const end = sh.nextOffset;
      sh.closedEnd = end;
      sh.info.endOffset = end;
      sh.info.closedMs = at;
      sh.info.endingSequenceNumber = encodeSequence(Math.max(at, sh.lastTimeMs), sh.shardPart, Math.max(end - 1, 0), m.salt);
    }
    for (let i = 0; i < infos.length; i++) {
      const info = infos[i]!;
      const c = plan.created[i]!;
      m.shards.push(info);
      s.shards[c.index] = {
        index: c.index,
        shardId: info.shardId,
        log: logs.get(c.index)!,
        shardPart: String(c.index).padStart(6, '0'),
        lastTimeMs: now,
        info,
        nextOffset: 0,
        closedEnd: c.closes ? 0 : undefined,
        writeRecords: 0,
        writeBytes: 0,
        closeListeners: new Set(),
      };
    }
    this.reroute(s);
    this.finishUpdate(s);
    for (const index of plan.closing) for (const l of s.shards[index]!.closeListeners) l();
    await this.persist(s);
  }

  /** Children of a shard (shards naming it as parent or adjacent parent), with their parents, as GetRecords' ChildShards. */
  childShards(s: StreamState, shard: ShardState): ChildShard[] {
    const out: ChildShard[] = [];
    for (const i of s.meta.shards) {
      if (i.parentShardId !== shard.shardId && i.adjacentParentShardId !== shard.shardId) continue;
      const parents = [i.parentShardId!];
      if (i.adjacentParentShardId !== undefined) parents.push(i.adjacentParentShardId);
      out.push({ shardId: i.shardId, parentShards: parents, startingHashKey: i.startingHashKey, endingHashKey: i.endingHashKey });
    }
    return out;
  }

  /** ON_DEMAND streams: splits shards that ran hot over the last interval (see ON_DEMAND_SPLIT_*). */
  private scheduleScaling(): void {
    const every = this.opts.scalingCheckIntervalMs ?? 60_000;
    this.scalingTimer = this.clock.setTimer(() => {
      if (this.closed) return;
      for (const s of this.streams.values()) this.checkHotShards(s, every);
      this.scheduleScaling();
    }, every);
  }

  private checkHotShards(s: StreamState, intervalMs: number): void {
    const hot: ShardState[] = [];
    const seconds = intervalMs / 1000;
    for (const sh of s.open) {
      if (sh.writeBytes / seconds > ON_DEMAND_SPLIT_BYTES_PER_SEC || sh.writeRecords / seconds > ON_DEMAND_SPLIT_RECORDS_PER_SEC) hot.push(sh);
      sh.writeBytes = 0;
      sh.writeRecords = 0;
    }
    if (s.meta.mode !== 'ON_DEMAND' || s.meta.status !== 'ACTIVE' || !hot.length) return;
    this.track(
      this.withLock(s.meta.name, async () => {
        if (this.streams.get(s.meta.name) !== s || s.meta.status !== 'ACTIVE') return;
        const room = this.shardLimit - this.openShardCount();
        await this.beginReshard(s, (p) => {
          let n = 0;
          for (const sh of hot) {
            const start = BigInt(sh.info.startingHashKey);
            const end = BigInt(sh.info.endingHashKey);
            if (sh.closedEnd !== undefined || end - start < 2n || n >= room) continue;
            p.split(sh.index, start + (end - start + 1n) / 2n);
            n++;
          }
        });
      }),
    );
  }

  // ---------------------------------------------------------------- writes

  /** Routes a 16-byte hash key to a shard index. */
  route(s: StreamState, hashKey: Uint8Array): number {
    return s.open[routeHashKey(hashKey, s.startKeys)]!.index;
  }

  /** The 16-byte hash key for an ExplicitHashKey, or InvalidArgumentException when out of range. */
  explicitHashKey(value: string): Buffer {
    const k = BigInt(value);
    if (k < 0n || k >= HASH_SPACE) {
      throw new AwsError(
        'InvalidArgumentException',
        `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${value}`,
      );
    }
    return hashKeyToBuffer(k);
  }

  /**
   * hot path: appends pre-routed records. `shardOf[i]` is record i's shard index.
   * Returns sequence numbers in input order, once every record is durable.
   * Storage failures become InternalFailure (HTTP 500); nothing is acknowledged.
   */
  async appendRouted(s: StreamState, keys: readonly string[], datas: readonly Uint8Array[], shardOf: Uint32Array): Promise<string[]> {
    const n = keys.length;
    const shardCount = s.shards.length;
    const seqs = new Array<string>(n);
    // Group per shard without closures: count, then fill.
    const counts = new Uint32Array(shardCount);
    for (let i = 0; i < n; i++) counts[shardOf[i]!]!++;
    const durables: Promise<void>[] = [];
    const now = this.clock.now();
    for (let sh = 0; sh < shardCount; sh++) {
      const c = counts[sh]!;
      if (c === 0) continue;
      const shard = s.shards[sh]!;
      const time = Math.max(now, shard.lastTimeMs);
      shard.lastTimeMs = time;
      const batch = new Array<AppendRecord>(c);
      const slots = new Uint32Array(c);
      let j = 0;
      let bytes = 0;
      for (let i = 0; i < n; i++) {
        if (shardOf[i] !== sh) continue;
        const k = keys[i]!;
        const d = datas[i]!;
        bytes += d.byteLength + k.length;
        batch[j] = { key: k, data: d, timestampMs: time };
        slots[j++] = i;
      }
      shard.writeRecords += c;
      shard.writeBytes += bytes;
      let res;
      try {
        res = shard.log.append(batch);
      } catch (e) {
        throw internalFailure(e);
      }
      const first = res.firstOffset;
      shard.nextOffset = first + c;
      const prefix = sequencePrefix(time, shard.shardPart);
      const salt = s.meta.salt;
      for (let k = 0; k < c; k++) seqs[slots[k]!] = sequenceFromPrefix(prefix, first + k, salt);
      durables.push(res.durable);
    }
    try {
      if (durables.length === 1) await durables[0];
      else await Promise.all(durables);
    } catch (e) {
      throw internalFailure(e);
    }
    return seqs;
  }

  /** PutRecords for in-process callers. */
  async putRecords(name: string, records: readonly PutInput[]): Promise<PutResult[]> {
    const s = this.activeStream(name);
    const n = records.length;
    const keys = new Array<string>(n);
    const datas = new Array<Uint8Array>(n);
    const shardOf = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const r = records[i]!;
      const hk = r.explicitHashKey !== undefined ? this.explicitHashKey(r.explicitHashKey) : partitionKeyHash(r.partitionKey);
      shardOf[i] = this.route(s, hk);
      keys[i] = r.partitionKey;
      datas[i] = r.data;
    }
    const seqs = await this.appendRouted(s, keys, datas, shardOf);
    const out = new Array<PutResult>(records.length);
    for (let i = 0; i < records.length; i++) out[i] = { shardId: s.shards[shardOf[i]!]!.shardId, sequenceNumber: seqs[i]! };
    return out;
  }

  async putRecord(name: string, record: PutInput): Promise<PutResult> {
    return (await this.putRecords(name, [record]))[0]!;
  }

  // ---------------------------------------------------------------- reads

  /** Resolves a shard id to its state, with GetShardIterator's AWS errors. */
  shardFor(name: string, shardId: string): { stream: StreamState; shard: ShardState } {
    const index = parseShardId(shardId);
    if (index === undefined) {
      throw new AwsError('ResourceNotFoundException', `Could not find shard ${shardId} in stream ${name} under account ${this.accountId}.`);
    }
    const s = this.streams.get(name);
    const canonical = shardIdName(index);
    const shard = s?.shards[index];
    if (!s || !shard || s.meta.status === 'DELETING') throw this.shardNotFound(canonical, name);
    return { stream: s, shard };
  }

  /** The log offset a position names (GetShardIterator semantics, AWS's errors). */
  async resolvePosition(s: StreamState, shard: ShardState, pos: ShardPosition): Promise<number> {
    const name = s.meta.name;
    const log = shard.log;
    const seq = pos.sequenceNumber;
    if (seq !== undefined && (pos.type === 'TRIM_HORIZON' || pos.type === 'LATEST' || pos.type === 'AT_TIMESTAMP')) {
      if (pos.type !== 'AT_TIMESTAMP') {
        throw new AwsError(
          'InvalidArgumentException',
          'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or ' +
            `(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified ${pos.type} and also a StartingSequenceNumber.`,
        );
      }
    }
    switch (pos.type) {
      case 'TRIM_HORIZON':
        return log.startOffset;
      case 'LATEST':
        return log.endOffset;
      case 'AT_TIMESTAMP': {
        const now = this.clock.now();
        if (pos.timestampMs === undefined) {
          throw new AwsError(
            'InvalidArgumentException',
            'Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.',
          );
        }
        if (pos.timestampMs > now) {
          throw new AwsError(
            'InvalidArgumentException',
            `The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: ${pos.timestampMs}, currentTimestampInMillis: ${now}`,
          );
        }
        return Math.max(log.startOffset, await log.offsetForTimestamp(pos.timestampMs));
      }
      case 'AT_SEQUENCE_NUMBER':
      case 'AFTER_SEQUENCE_NUMBER': {
        if (seq === undefined) {
          throw new AwsError(
            'InvalidArgumentException',
            'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or ' +
              `(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified ${pos.type} and no StartingSequenceNumber.`,
          );
        }
        const d = decodeSequence(seq);
        if (!d) {
          throw new AwsError(
            'InvalidArgumentException',
            `StartingSequenceNumber ${seq} used in GetShardIterator on shard ${shard.shardId} in stream ${name} under account ${this.accountId} is invalid.`,
          );
        }
        if (d.shardIndex !== shard.index) {
          throw new AwsError(
            'InvalidArgumentException',
            `Invalid StartingSequenceNumber. It encodes ${shardIdName(d.shardIndex)}, while it was used in a call to a shard with ${shard.shardId}`,
          );
        }
        if (d.salt !== s.meta.salt) {
          throw new AwsError(
            'InvalidArgumentException',
            `StartingSequenceNumber ${seq} used in GetShardIterator on shard ${shard.shardId} in stream ${name} under account ${this.accountId} is invalid because it did not come from this stream.`,
          );
        }
        // A time field of 0 marks "just before offset" (see beforeOffsetSequence): no record carries it.
        const off = pos.type === 'AT_SEQUENCE_NUMBER' || d.timeMs === 0 ? d.offset : d.offset + 1;
        // A number from the future of this shard (never issued) starts at the tip.
        return Math.max(log.startOffset, Math.min(off, log.endOffset));
      }
    }
  }

  /** GetShardIterator. */
  async getShardIterator(name: string, shardId: string, pos: ShardPosition): Promise<string> {
    const { stream, shard } = this.shardFor(name, shardId);
    const offset = await this.resolvePosition(stream, shard, pos);
    return this.iterators.encode({ streamName: name, salt: stream.meta.salt, shardIndex: shard.index, offset, createdMs: this.clock.now() });
  }

  /** A new iterator for (stream, shard, offset), created now. */
  iteratorAt(s: StreamState, shard: ShardState, offset: number): string {
    return this.iterators.encode({ streamName: s.meta.name, salt: s.meta.salt, shardIndex: shard.index, offset, createdMs: this.clock.now() });
  }

  /** Decodes and checks an iterator (validity, expiry, stream existence). */
  openIterator(token: string): { stream: StreamState; shard: ShardState; offset: number } {
    const p = this.iterators.decode(token);
    if (!p) throw new AwsError('InvalidArgumentException', 'Invalid ShardIterator.');
    const now = this.clock.now();
    if (now - p.createdMs > ITERATOR_TTL_MS) {
      throw new AwsError(
        'ExpiredIteratorException',
        `Iterator expired. The iterator was created at time ${amzUtcString(p.createdMs)} while right now it is ${amzUtcString(now)} ` +
          `which is further in the future than the tolerated delay of ${ITERATOR_TTL_MS} milliseconds.`,
      );
    }
    const s = this.streams.get(p.streamName);
    const shardId = shardIdName(p.shardIndex);
    const shard = s?.shards[p.shardIndex];
    if (!s || !shard || s.meta.salt !== p.salt || s.meta.status === 'DELETING') throw this.shardNotFound(shardId, p.streamName);
    return { stream: s, shard, offset: p.offset };
  }

  /** Sequence number of a stored record. */
  sequenceOf(s: StreamState, shard: ShardState, r: LogRecord): string {
    return encodeSequence(r.timestampMs, shard.shardPart, r.offset, s.meta.salt);
  }

  /** Earliest arrival time still inside the stream's retention period. */
  retentionCutoffMs(s: StreamState): number {
    return this.clock.now() - s.meta.retentionHours * 3_600_000;
  }

  /**
   * In-process reader over one shard (what GetRecords does without the wire):
   * `read()` returns the next batch; `onAppend` fires when new data lands.
   */
  async openShardReader(name: string, shardId: string, position: ShardPosition): Promise<ShardReader> {
    const { stream, shard } = this.shardFor(name, shardId);
    const offset = await this.resolvePosition(stream, shard, position);
    return new ShardReader(this, stream, shard, offset);
  }

  /** Calls `listener` whenever new records become readable in a shard. Returns an unsubscribe. */
  subscribe(name: string, shardId: string, listener: (endOffset: number) => void): () => void {
    return this.shardFor(name, shardId).shard.log.onAppend(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.retentionTimer?.cancel();
    this.scalingTimer?.cancel();
    for (const s of this.streams.values()) s.timer?.cancel();
    await Promise.all([...this.locks.values()]);
    await this.whenIdle();
  }
}

interface PlannedShard {
  index: number;
  start: bigint;
  end: bigint;
  parent?: number;
  adjacentParent?: number;
  /** An intermediate shard of a multi-step plan: opens and closes empty. */
  closes: boolean;
}

/** A sequence of splits and merges over the open shards, computed up front and applied at once. */
class ReshardPlan {
  readonly created: PlannedShard[] = [];
  readonly closing = new Set<number>();
  private nextIndex: number;
  /** Open shards as the plan goes: index → range. */
  private readonly live = new Map<number, { start: bigint; end: bigint; planned?: PlannedShard }>();

  constructor(s: StreamState) {
    this.nextIndex = s.shards.length;
    for (const sh of s.open) this.live.set(sh.index, { start: BigInt(sh.info.startingHashKey), end: BigInt(sh.info.endingHashKey) });
  }

  private close(index: number): void {
    const l = this.live.get(index)!;
    this.live.delete(index);
    if (l.planned) l.planned.closes = true;
    else this.closing.add(index);
  }

  private open(start: bigint, end: bigint, parent: number, adjacentParent?: number): number {
    const p: PlannedShard = { index: this.nextIndex++, start, end, parent, closes: false };
    if (adjacentParent !== undefined) p.adjacentParent = adjacentParent;
    this.created.push(p);
    this.live.set(p.index, { start, end, planned: p });
    return p.index;
  }

  split(index: number, at: bigint): [number, number] {
    const l = this.live.get(index)!;
    this.close(index);
    return [this.open(l.start, at - 1n, index), this.open(at, l.end, index)];
  }

  merge(a: number, b: number): number {
    const la = this.live.get(a)!;
    const lb = this.live.get(b)!;
    this.close(a);
    this.close(b);
    return this.open(la.start, lb.end, a, b);
  }

  /** Splits at every target boundary inside a shard, then merges the pieces of each target range left to right. */
  uniform(target: number): void {
    const ranges = evenHashKeyRanges(target);
    const ordered = [...this.live.entries()].sort((x, y) => (x[1].start < y[1].start ? -1 : 1)).map((e) => e[0]);
    const pieces: number[] = [];
    for (const idx of ordered) {
      let cur = idx;
      for (const r of ranges) {
        const l = this.live.get(cur)!;
        if (r.startingHashKey > l.start && r.startingHashKey <= l.end) {
          const [left, right] = this.split(cur, r.startingHashKey);
          pieces.push(left);
          cur = right;
        }
      }
      pieces.push(cur);
    }
    let p = 0;
    for (const r of ranges) {
      let acc = pieces[p++]!;
      while (p < pieces.length && this.live.get(pieces[p]!)!.start <= r.endingHashKey) acc = this.merge(acc, pieces[p++]!);
    }
  }
}

function internalFailure(e: unknown): AwsError {
  return new AwsError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', { cause: e });
}

export class ShardReader {
  constructor(
    private readonly engine: KinesisEngine,
    private readonly stream: StreamState,
    private readonly shard: ShardState,
    /** Next offset to read. */
    public offset: number,
  ) {}

  get shardId(): string {
    return this.shard.shardId;
  }

  /** True once the shard is closed and every record in it has been read: continue with childShards(). */
  get ended(): boolean {
    return this.shard.closedEnd !== undefined && this.offset >= this.shard.closedEnd;
  }

  childShards(): ChildShard[] {
    return this.engine.childShards(this.stream, this.shard);
  }

  /** Reads up to `limit` records (default 10,000; at most 10 MiB). */
  async read(limit = 10_000): Promise<{ records: KinesisRecord[]; millisBehindLatest: number }> {
    const log = this.shard.log;
    const res = await log.read(this.offset, { maxRecords: limit, maxBytes: MAX_GET_RECORDS_BYTES });
    const cutoff = this.engine.retentionCutoffMs(this.stream);
    const out: KinesisRecord[] = [];
    for (const r of res.records) {
      if (r.timestampMs < cutoff) continue;
      out.push({
        sequenceNumber: this.engine.sequenceOf(this.stream, this.shard, r),
        partitionKey: r.key,
        data: r.data,
        approximateArrivalTimestampMs: r.timestampMs,
      });
    }
    this.offset = res.nextOffset;
    const last = res.records.at(-1);
    const behind = res.nextOffset >= log.endOffset || !last ? 0 : Math.max(0, this.engine.clock.now() - last.timestampMs);
    return { records: out, millisBehindLatest: behind };
  }

  /** Fires when new records are readable; returns an unsubscribe. */
  onAppend(listener: (endOffset: number) => void): () => void {
    return this.shard.log.onAppend(listener);
  }
}
