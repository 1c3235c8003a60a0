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

export type StreamStatus = 'CREATING' | 'ACTIVE' | 'DELETING' | 'UPDATING';
export type StreamMode = 'PROVISIONED' | 'ON_DEMAND';
export type ShardIteratorType = 'TRIM_HORIZON' | 'LATEST' | 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'AT_TIMESTAMP';

export interface ShardInfo {
  shardId: string;
  /** Decimal strings, as on the wire. */
  startingHashKey: string;
  endingHashKey: string;
  startingSequenceNumber: string;
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
}

export const ITERATOR_TTL_MS = 300_000;
export const NEXT_TOKEN_TTL_MS = 300_000;
export const MAX_GET_RECORDS_BYTES = 10 * 1024 * 1024;
export const ON_DEMAND_SHARDS = 4;
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
}

/** Runtime state of one stream. */
export interface StreamState {
  meta: StreamMeta;
  readonly arn: string;
  readonly shards: ShardState[];
  /** Shards' starting hash keys as 16-byte buffers, for routing. */
  readonly startKeys: Buffer[];
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
  private readonly opts: KinesisEngineOptions;
  private readonly streams = new Map<string, StreamState>();
  private iterators!: IteratorCodec;
  private retentionTimer: TimerHandle | undefined;
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
      if (m.status === 'CREATING' || m.status === 'UPDATING') this.scheduleActive(state, this.opts.createDelayMs);
    }
    this.scheduleRetention();
  }

  private async materialise(m: StreamMeta): Promise<StreamState> {
    const shards: ShardState[] = [];
    const startKeys: Buffer[] = [];
    for (let i = 0; i < m.shards.length; i++) {
      const info = m.shards[i]!;
      const logId = `${m.uuid}/${info.shardId}`;
      const log = this.storage.getLog(logId) ?? (await this.storage.createLog(logId));
      shards.push({ index: i, shardId: info.shardId, log, shardPart: String(i).padStart(6, '0'), lastTimeMs: Math.max(m.createdMs, log.lastTimestampMs ?? 0) });
      startKeys.push(hashKeyToBuffer(BigInt(info.startingHashKey)));
    }
    return { meta: m, arn: this.arnFor(m.name), shards, startKeys, activeWaiters: [] };
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
      const meta: StreamMeta = { name, uuid: randomUUID(), salt, createdMs, status: 'CREATING', mode, retentionHours: 24, tags: { ...(opts.tags ?? {}) }, shards };
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
  async deleteStream(name: string, _opts: { enforceConsumerDeletion?: boolean } = {}): Promise<void> {
    // Freshet has no registered consumers (enhanced fan-out), so EnforceConsumerDeletion changes nothing.
    await this.withLock(name, async () => {
      const s = this.stream(name);
      if (s.meta.status === 'DELETING') return;
      s.timer?.cancel();
      s.meta.status = 'DELETING';
      await this.persist(s);
      s.timer = this.clock.setTimer(() => {
        s.timer = undefined;
        if (this.closed) return;
        this.track(this.withLock(name, async () => {
          if (this.streams.get(name) !== s) return;
          this.streams.delete(name);
          await this.finishDelete(s.meta);
        }));
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
    for (const s of this.streams.values()) n += s.shards.length;
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
    return { streamName: m.name, streamArn: s.arn, status: m.status, mode: m.mode, retentionHours: m.retentionHours, createdMs: m.createdMs, shards: m.shards, tags: m.tags };
  }

  listShards(name: string): ShardInfo[] {
    return this.stream(name).meta.shards;
  }

  // ---------------------------------------------------------------- retention & tags

  async setRetention(name: string, hours: number, direction: 'increase' | 'decrease'): Promise<void> {
    await this.withLock(name, async () => {
      const s = this.stream(name);
      if (hours < 24) {
        throw new AwsError('InvalidArgumentException', `Minimum allowed retention period is 24 hours. Requested retention period (${hours} hours) is too short.`);
      }
      if (hours > 8760) {
        throw new AwsError('InvalidArgumentException', `Maximum allowed retention period is 8760 hours. Requested retention period (${hours} hours) is too long.`);
      }
      const cur = s.meta.retentionHours;
      if (direction === 'increase' && cur > hours) {
        throw new AwsError('InvalidArgumentException', `Requested retention period (${hours} hours) for stream ${name} can not be shorter than existing retention period (${cur} hours). Use DecreaseRetentionPeriod API.`);
      }
      if (direction === 'decrease' && cur < hours) {
        throw new AwsError('InvalidArgumentException', `Requested retention period (${hours} hours) for stream ${name} can not be longer than existing retention period (${cur} hours). Use IncreaseRetentionPeriod API.`);
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
        throw new AwsError('InvalidArgumentException', `Failed to add tags to stream ${name} under account ${this.accountId} because a given stream cannot have more than 50 tags associated with it.`);
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
    for (const sh of s.shards) await sh.log.trimBefore(cutoff);
  }

  // ---------------------------------------------------------------- writes

  /** Routes a 16-byte hash key to a shard index. */
  route(s: StreamState, hashKey: Uint8Array): number {
    return routeHashKey(hashKey, s.startKeys);
  }

  /** The 16-byte hash key for an ExplicitHashKey, or InvalidArgumentException when out of range. */
  explicitHashKey(value: string): Buffer {
    const k = BigInt(value);
    if (k < 0n || k >= HASH_SPACE) {
      throw new AwsError('InvalidArgumentException', `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${value}`);
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
      const time = now > shard.lastTimeMs ? now : shard.lastTimeMs;
      shard.lastTimeMs = time;
      const batch = new Array<AppendRecord>(c);
      const slots = new Uint32Array(c);
      let j = 0;
      for (let i = 0; i < n; i++) {
        if (shardOf[i] !== sh) continue;
        batch[j] = { key: keys[i]!, data: datas[i]!, timestampMs: time };
        slots[j++] = i;
      }
      let res;
      try {
        res = shard.log.append(batch);
      } catch (e) {
        throw internalFailure(e);
      }
      const first = res.firstOffset;
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
    if (!s || s.meta.status === 'DELETING' || index >= s.shards.length) throw this.shardNotFound(canonical, name);
    return { stream: s, shard: s.shards[index]! };
  }

  /** The log offset a position names (GetShardIterator semantics, AWS's errors). */
  async resolvePosition(s: StreamState, shard: ShardState, pos: ShardPosition): Promise<number> {
    const name = s.meta.name;
    const log = shard.log;
    const seq = pos.sequenceNumber;
    if (seq !== undefined && (pos.type === 'TRIM_HORIZON' || pos.type === 'LATEST' || pos.type === 'AT_TIMESTAMP')) {
      if (pos.type !== 'AT_TIMESTAMP') {
        throw new AwsError('InvalidArgumentException',
          'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or ' +
            `(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified ${pos.type} and also a StartingSequenceNumber.`);
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
          throw new AwsError('InvalidArgumentException', 'Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.');
        }
        if (pos.timestampMs > now) {
          throw new AwsError('InvalidArgumentException', `The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: ${pos.timestampMs}, currentTimestampInMillis: ${now}`);
        }
        return Math.max(log.startOffset, await log.offsetForTimestamp(pos.timestampMs));
      }
      case 'AT_SEQUENCE_NUMBER':
      case 'AFTER_SEQUENCE_NUMBER': {
        if (seq === undefined) {
          throw new AwsError('InvalidArgumentException',
            'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or ' +
              `(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified ${pos.type} and no StartingSequenceNumber.`);
        }
        const d = decodeSequence(seq);
        if (!d) {
          throw new AwsError('InvalidArgumentException', `StartingSequenceNumber ${seq} used in GetShardIterator on shard ${shard.shardId} in stream ${name} under account ${this.accountId} is invalid.`);
        }
        if (d.shardIndex !== shard.index) {
          throw new AwsError('InvalidArgumentException', `Invalid StartingSequenceNumber. It encodes ${shardIdName(d.shardIndex)}, while it was used in a call to a shard with ${shard.shardId}`);
        }
        if (d.salt !== s.meta.salt) {
          throw new AwsError('InvalidArgumentException', `StartingSequenceNumber ${seq} used in GetShardIterator on shard ${shard.shardId} in stream ${name} under account ${this.accountId} is invalid because it did not come from this stream.`);
        }
        const off = pos.type === 'AT_SEQUENCE_NUMBER' ? d.offset : d.offset + 1;
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
      throw new AwsError('ExpiredIteratorException',
        `Iterator expired. The iterator was created at time ${amzUtcString(p.createdMs)} while right now it is ${amzUtcString(now)} ` +
          `which is further in the future than the tolerated delay of ${ITERATOR_TTL_MS} milliseconds.`);
    }
    const s = this.streams.get(p.streamName);
    const shardId = shardIdName(p.shardIndex);
    if (!s || s.meta.salt !== p.salt || s.meta.status === 'DELETING' || p.shardIndex >= s.shards.length) throw this.shardNotFound(shardId, p.streamName);
    return { stream: s, shard: s.shards[p.shardIndex]!, offset: p.offset };
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
    for (const s of this.streams.values()) s.timer?.cancel();
    await Promise.all([...this.locks.values()]);
    await this.whenIdle();
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

  /** Reads up to `limit` records (default 10,000; at most 10 MiB). */
  async read(limit = 10_000): Promise<{ records: KinesisRecord[]; millisBehindLatest: number }> {
    const log = this.shard.log;
    const res = await log.read(this.offset, { maxRecords: limit, maxBytes: MAX_GET_RECORDS_BYTES });
    const cutoff = this.engine.retentionCutoffMs(this.stream);
    const out: KinesisRecord[] = [];
    for (const r of res.records) {
      if (r.timestampMs < cutoff) continue;
      out.push({ sequenceNumber: this.engine.sequenceOf(this.stream, this.shard, r), partitionKey: r.key, data: r.data, approximateArrivalTimestampMs: r.timestampMs });
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
