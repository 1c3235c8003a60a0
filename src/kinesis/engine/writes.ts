/**
 * The write path: routing a hash key to an open shard and appending records (PutRecord, PutRecords and
 * in-process producers). Actions hold a StreamWriter for one request; it exposes routing, the throughput
 * limiter and the append, never the stream's internals.
 */
import { kinesisErrors } from '../errors.ts';
import type { AppendRecord, AppendResult } from '../../storage/index.ts';
import { HASH_SPACE, hashKeyToBuffer, partitionKeyHash, routeHashKey } from '../hash.ts';
import { ShardLimiter } from '../limits.ts';
import { parseSequence } from '../sequence.ts';
import type { EngineContext } from './context.ts';
import { internalFailure, rateExceededMessage } from './errors.ts';
import type { PutInput, PutResult, ShardState, StreamState } from './model.ts';

/** The 16-byte hash key for an ExplicitHashKey, or InvalidArgumentException when out of range. */
export function explicitHashKey(value: string): Buffer {
  const k = BigInt(value);
  if (k < 0n || k >= HASH_SPACE) {
    throw kinesisErrors.format('InvalidArgumentException', 'badHashKey', { value });
  }
  return hashKeyToBuffer(k);
}

/** One request's handle on a stream that accepts writes (ACTIVE or UPDATING). */
export class StreamWriter {
  constructor(
    private readonly ctx: EngineContext,
    private readonly s: StreamState,
  ) {}

  get streamName(): string {
    return this.s.meta.name;
  }

  /** The stream's enabled shard-level metrics (the array the stream keeps, for the metrics emitter). */
  get shardLevelMetrics(): readonly string[] | undefined {
    return this.s.meta.shardLevelMetrics;
  }

  /** The stream's shards by the index `route` returns (each with its shardId; for the metrics emitter). */
  get shards(): readonly ({ readonly shardId: string } | undefined)[] {
    return this.s.shards;
  }

  /** hot path: the index of the open shard whose hash key range holds the 16-byte `hashKey`. */
  route(hashKey: Uint8Array): number {
    return this.s.open[routeHashKey(hashKey, this.s.startKeys)]!.index;
  }

  /** The shard id of a shard index `route` returned. */
  shardId(index: number): string {
    return this.s.shards[index]!.shardId;
  }

  /** With enforced limits: admits one record of `bytes` (data + partition key) to the shard now, or refuses it. */
  admitWrite(index: number, bytes: number): boolean {
    return limiterFor(this.ctx, this.s.shards[index]!).admitWrite(this.ctx.clock.now(), bytes);
  }

  /** AWS's ProvisionedThroughputExceededException text for the shard. */
  rateExceededMessage(index: number): string {
    return rateExceededMessage(this.s.shards[index]!.shardId, this.s.meta.name, this.ctx.accountId);
  }

  /**
   * PutRecord's SequenceNumberForOrdering: a sequence number in a layout AWS reads, whose time is not in the
   * future (AWS's rule, as kinesalite recorded it). Numbers already increase strictly per shard, so it needs no
   * other effect.
   */
  checkOrderingSequence(seq: string): void {
    const p = parseSequence(seq);
    let latest = this.ctx.clock.now();
    for (const sh of this.s.open) if (sh.lastTimeMs > latest) latest = sh.lastTimeMs;
    if (!p || (p.timeMs !== undefined && p.timeMs > latest)) {
      throw kinesisErrors.format('InvalidArgumentException', 'badOrderingSequence', { sequence: seq, stream: this.s.meta.name, account: this.ctx.accountId });
    }
  }

  /**
   * hot path: appends pre-routed records. `shardOf[i]` is record i's shard index (from `route`).
   * Resolves once every record is durable, with where each landed (its sequence number on demand).
   * Storage failures become InternalFailure (HTTP 500); nothing is acknowledged.
   */
  async append(keys: readonly string[], datas: readonly Uint8Array[], shardOf: Uint32Array): Promise<Appended> {
    const s = this.s;
    const n = keys.length;
    const shardCount = s.shards.length;
    const offsets = new Float64Array(n);
    const timesMs = new Float64Array(n);
    // Group per shard without closures: count, then fill.
    const counts = new Uint32Array(shardCount);
    for (let i = 0; i < n; i++) counts[shardOf[i]!]!++;
    const durables: Promise<void>[] = [];
    // Each shard's append and the input slots of its records: offsets are read once durable (AppendResult.firstOffset).
    const results: AppendResult[] = [];
    const slotsOf: Uint32Array[] = [];
    const now = this.ctx.clock.now();
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
      shard.nextOffset = res.firstOffset + c;
      for (let k = 0; k < c; k++) timesMs[slots[k]!] = time;
      results.push(res);
      slotsOf.push(slots);
      durables.push(res.durable);
    }
    try {
      if (durables.length === 1) await durables[0];
      else await Promise.all(durables);
    } catch (e) {
      throw internalFailure(e);
    }
    for (let r = 0; r < results.length; r++) {
      const first = results[r]!.firstOffset;
      const slots = slotsOf[r]!;
      for (let k = 0; k < slots.length; k++) offsets[slots[k]!] = first + k;
    }
    return new Appended(s, shardOf, offsets, timesMs);
  }
}

/** The records one StreamWriter.append made durable, in input order: each one's shard, and its sequence number on demand. */
export class Appended {
  constructor(
    private readonly s: StreamState,
    private readonly shardOf: Uint32Array,
    private readonly offsets: Float64Array,
    private readonly timesMs: Float64Array,
  ) {}

  get count(): number {
    return this.offsets.length;
  }

  shardId(i: number): string {
    return this.s.shards[this.shardOf[i]!]!.shardId;
  }

  /** Record i's shard id as ASCII bytes (20 of them). */
  shardIdAscii(i: number): Uint8Array {
    return this.s.shards[this.shardOf[i]!]!.shardIdAscii;
  }

  /** Record i's sequence number. */
  sequenceNumber(i: number): string {
    return this.s.shards[this.shardOf[i]!]!.putSeq.next(this.offsets[i]!, this.timesMs[i]!);
  }

  /** hot path: writes record i's sequence number as 56 ASCII digits at `pos` of the bytes under `view` (in input order it costs two additions). */
  writeSequenceNumber(view: DataView, pos: number, i: number): void {
    this.s.shards[this.shardOf[i]!]!.putSeq.write(view, pos, this.offsets[i]!, this.timesMs[i]!);
  }
}

/** The shard's throughput limiter (only used when limits are enforced). */
export function limiterFor(ctx: EngineContext, shard: ShardState): ShardLimiter {
  return (shard.limiter ??= new ShardLimiter(ctx.clock.now()));
}

export class WritePath {
  constructor(private readonly ctx: EngineContext) {}

  /** A writer for a stream that accepts writes, or ResourceNotFoundException (AWS's answer for a stream not ACTIVE/UPDATING). */
  writer(name: string): StreamWriter {
    return new StreamWriter(this.ctx, this.ctx.activeStream(name));
  }

  /** PutRecords for in-process callers. */
  async putRecords(name: string, records: readonly PutInput[]): Promise<PutResult[]> {
    const w = this.writer(name);
    const n = records.length;
    const keys = new Array<string>(n);
    const datas = new Array<Uint8Array>(n);
    const shardOf = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const r = records[i]!;
      const hk = r.explicitHashKey !== undefined ? explicitHashKey(r.explicitHashKey) : partitionKeyHash(r.partitionKey);
      shardOf[i] = w.route(hk);
      keys[i] = r.partitionKey;
      datas[i] = r.data;
    }
    const done = await w.append(keys, datas, shardOf);
    const out = new Array<PutResult>(n);
    for (let i = 0; i < n; i++) out[i] = { shardId: done.shardId(i), sequenceNumber: done.sequenceNumber(i) };
    return out;
  }
}
