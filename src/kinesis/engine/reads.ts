/**
 * The read path: resolving a shard and a starting position (GetShardIterator's rules and texts), shard
 * iterators, and ShardCursor — one reader's handle on one shard, which GetRecords, SubscribeToShard and
 * in-process readers (ShardReader) use instead of the shard's internals.
 */
import { randomBytes } from 'node:crypto';
import type { ReadLimits, ReadResult, RecordSpans } from '../../storage/index.ts';
import { IteratorCodec, amzUtcString } from '../iterator.ts';
import { SequenceWriter, encodedShardName, parseSequence } from '../sequence.ts';
import type { ShardSequences } from '../sequence.ts';
import type { EngineContext } from './context.ts';
import { kinesisErrors } from '../errors.ts';
import { couldNotFindShard, rateExceededMessage, shardDoesNotExist } from './errors.ts';
import { ITERATOR_TTL_MS, MAX_GET_RECORDS_BYTES, childShardsOf, parseShardId, shardIdName } from './model.ts';
import type { ChildShard, KinesisRecord, ShardPosition, ShardState, StreamState } from './model.ts';
import { limiterFor } from './writes.ts';
import { kinesisMetricsOf } from '../../metrics/index.ts';

const KEY_META = 'kinesis/iterator-key';

/** One reader's position in one shard of one stream. */
export class ShardCursor {
  private writer: SequenceWriter | undefined;

  constructor(
    private readonly ctx: EngineContext,
    private readonly reads: ReadPath,
    private readonly stream: StreamState,
    private readonly shard: ShardState,
    /** Next offset to read. */
    public offset: number,
  ) {}

  get shardId(): string {
    return this.shard.shardId;
  }

  get streamName(): string {
    return this.stream.meta.name;
  }

  /** The stream's enabled shard-level metrics (the array the stream keeps, for the metrics emitter). */
  get shardLevelMetrics(): readonly string[] | undefined {
    return this.stream.meta.shardLevelMetrics;
  }

  /** One past the shard's last durable record. */
  get endOffset(): number {
    return this.shard.log.endOffset;
  }

  /** True when the shard is closed and `offset` is at (or past) its end: continue with childShards(). */
  endsAt(offset: number): boolean {
    const end = this.shard.closedEnd;
    return end !== undefined && offset >= end;
  }

  /** hot path: records from `offset` as spans (GetRecords). */
  readSpans(offset: number, limits: ReadLimits): Promise<RecordSpans> {
    return this.shard.log.readSpans(offset, limits);
  }

  read(offset: number, limits: ReadLimits): Promise<ReadResult> {
    return this.shard.log.read(offset, limits);
  }

  childShards(): ChildShard[] {
    return childShardsOf(this.stream.meta, this.shard.shardId);
  }

  /** Earliest arrival time still inside the stream's retention period. */
  retentionCutoffMs(): number {
    return this.ctx.clock.now() - this.stream.meta.retentionHours * 3_600_000;
  }

  /** 0 at the tip, else now − the arrival time of the last record read. */
  millisBehindLatest(nextOffset: number, lastTimestampMs: number | undefined): number {
    if (nextOffset >= this.shard.log.endOffset || lastTimestampMs === undefined) return 0;
    return Math.max(0, this.ctx.clock.now() - lastTimestampMs);
  }

  /** A new shard iterator at `offset`, created now. */
  iteratorAt(offset: number): string {
    return this.reads.iteratorFor(this.stream, this.shard, offset);
  }

  /** The shard's sequence numbers (GetRecords' encoder writes them in place with a SequenceWriter). */
  sequences(): ShardSequences {
    return this.shard.seq;
  }

  /** hot path: the sequence number of the record at `offset` that arrived at `timestampMs` (cheapest in offset order). */
  sequenceNumber(offset: number, timestampMs: number): string {
    this.writer ??= new SequenceWriter(this.shard.seq);
    return this.writer.next(offset, timestampMs);
  }

  /**
   * A sequence number to resume from when no record before `offset` was delivered: AFTER_SEQUENCE_NUMBER
   * with it continues at `offset` (SubscribeToShard's ContinuationSequenceNumber before any record).
   */
  continuationBefore(offset: number): string {
    return this.shard.seq.before(offset, this.shard.lastTimeMs);
  }

  /** Fires when new records are readable; returns an unsubscribe. */
  onAppend(listener: (endOffset: number) => void): () => void {
    return this.shard.log.onAppend(listener);
  }

  /** Fires once when the shard closes (a split or merge); returns an unsubscribe. */
  onClose(listener: () => void): () => void {
    const listeners = this.shard.closeListeners;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** With enforced limits: admits one GetRecords call on the shard now, or refuses it. */
  admitRead(): boolean {
    return limiterFor(this.ctx, this.shard).admitRead(this.ctx.clock.now());
  }

  /** With enforced limits: charges the bytes a GetRecords call returned. */
  chargeRead(bytes: number): void {
    limiterFor(this.ctx, this.shard).chargeRead(this.ctx.clock.now(), bytes);
  }

  rateExceededMessage(): string {
    return rateExceededMessage(this.shard.shardId, this.stream.meta.name, this.ctx.accountId);
  }
}

export class ReadPath {
  private iterators!: IteratorCodec;

  constructor(private readonly ctx: EngineContext) {}

  /** Loads (or creates) the data directory's iterator key, so iterators survive a restart. */
  async load(): Promise<void> {
    const meta = this.ctx.storage.meta;
    let key = meta.get<string>(KEY_META);
    if (!key && meta.create) {
      // Shared storage: the first node's key is every node's key (iterators issued by one are valid on all).
      try {
        const mine = randomBytes(32).toString('base64');
        await meta.create(KEY_META, mine);
        key = mine;
      } catch (e) {
        if ((e as { code?: string }).code !== 'EXISTS') throw e;
        for (let i = 0; i < 500 && !key; i++) {
          await new Promise((r) => setTimeout(r, 10));
          key = meta.get<string>(KEY_META);
        }
        if (!key) throw e;
      }
    }
    if (!key) {
      key = randomBytes(32).toString('base64');
      await meta.put(KEY_META, key);
    }
    this.iterators = new IteratorCodec(Buffer.from(key, 'base64'));
  }

  /** Resolves a shard id to its state, with GetShardIterator's AWS errors. */
  private shardFor(name: string, shardId: string): { stream: StreamState; shard: ShardState } {
    const index = parseShardId(shardId);
    // AWS checks the id before the stream: one that names no shard index is answered as given.
    if (index === undefined) throw couldNotFindShard(shardId, name, this.ctx.accountId);
    const s = this.ctx.streams.get(name);
    const canonical = shardIdName(index);
    const shard = s?.shards[index];
    if (!s || !shard || s.meta.status === 'DELETING') throw shardDoesNotExist(canonical, name, this.ctx.accountId);
    return { stream: s, shard };
  }

  /** The log offset a position names (GetShardIterator semantics, AWS's errors). */
  private async resolvePosition(s: StreamState, shard: ShardState, pos: ShardPosition): Promise<number> {
    const name = s.meta.name;
    const accountId = this.ctx.accountId;
    const log = shard.log;
    const seq = pos.sequenceNumber;
    if (seq !== undefined && (pos.type === 'TRIM_HORIZON' || pos.type === 'LATEST')) {
      throw kinesisErrors.format('InvalidArgumentException', 'iteratorWithSequence', { type: pos.type });
    }
    // Shared storage: other nodes' appends and trims moved the log since this node last looked. If the store cannot
    // say now (a JetStream leader election, a stopped server), this node's own view stands: exact for what it wrote,
    // behind only by other nodes' appends it has not seen yet — an iterator, not an error, as on AWS.
    if (log.refresh) {
      try {
        await log.refresh();
      } catch (e) {
        if ((e as { code?: string }).code === 'NOT_FOUND') throw e;
      }
    }
    switch (pos.type) {
      case 'TRIM_HORIZON':
        return log.startOffset;
      case 'LATEST':
        return log.endOffset;
      case 'AT_TIMESTAMP': {
        const now = this.ctx.clock.now();
        if (pos.timestampMs === undefined) {
          throw kinesisErrors.format('InvalidArgumentException', 'noTimestamp', {});
        }
        if (pos.timestampMs > now) {
          throw kinesisErrors.format('InvalidArgumentException', 'futureTimestamp', { timestamp: pos.timestampMs, now });
        }
        return Math.max(log.startOffset, await log.offsetForTimestamp(pos.timestampMs));
      }
      case 'AT_SEQUENCE_NUMBER':
      case 'AFTER_SEQUENCE_NUMBER': {
        if (seq === undefined) {
          throw kinesisErrors.format('InvalidArgumentException', 'iteratorWithoutSequence', { type: pos.type });
        }
        // AWS's checks, in its order: a layout it reads, the shard the number encodes, then that it came from this
        // shard of this stream (same layout version and shard creation time; Freshet's earlier layout: same salt).
        const p = parseSequence(seq);
        if (!p) {
          throw kinesisErrors.format('InvalidArgumentException', 'badStartingSequence', {
            sequence: seq,
            shard: shard.shardId,
            stream: name,
            account: accountId,
          });
        }
        if (p.shardIndex !== shard.index) {
          throw kinesisErrors.format('InvalidArgumentException', 'sequenceOfOtherShard', { encoded: encodedShardName(p.shardIndex), shard: shard.shardId });
        }
        let at: number;
        let before: boolean;
        if (p.layout === 'v2' && p.shardCreateSecs === shard.seq.shardCreateSecs) {
          // Index 0 is the position before the first record; index k is the record at offset k − 1.
          before = p.index === 0n;
          at = before ? 0 : Number(p.index - 1n);
        } else if (p.layout === 'legacy' && p.salt === s.meta.salt) {
          // A time field of 0 marked "just before offset": no record carried it.
          before = p.timeMs === 0;
          at = p.offset;
        } else {
          throw kinesisErrors.format('InvalidArgumentException', 'sequenceOfOtherStream', {
            sequence: p.display,
            shard: shard.shardId,
            stream: name,
            account: accountId,
          });
        }
        const off = pos.type === 'AT_SEQUENCE_NUMBER' || before ? at : at + 1;
        // A number from the future of this shard (never issued, or an EndingSequenceNumber) starts at the tip.
        return Math.max(log.startOffset, Math.min(off, log.endOffset));
      }
    }
  }

  /** A cursor on a shard at a position (GetShardIterator's resolution and errors). */
  async openShard(name: string, shardId: string, pos: ShardPosition): Promise<ShardCursor> {
    const { stream, shard } = this.shardFor(name, shardId);
    const offset = await this.resolvePosition(stream, shard, pos);
    return new ShardCursor(this.ctx, this, stream, shard, offset);
  }

  /** Calls `listener` whenever new records become readable in a shard. Returns an unsubscribe. */
  onAppend(name: string, shardId: string, listener: (endOffset: number) => void): () => void {
    return this.shardFor(name, shardId).shard.log.onAppend(listener);
  }

  /** GetShardIterator. */
  async getShardIterator(name: string, shardId: string, pos: ShardPosition): Promise<string> {
    const c = await this.openShard(name, shardId, pos);
    return c.iteratorAt(c.offset);
  }

  iteratorFor(s: StreamState, shard: ShardState, offset: number): string {
    return this.iterators.encode({ streamName: s.meta.name, salt: s.meta.salt, shardIndex: shard.index, offset, createdMs: this.ctx.clock.now() });
  }

  /** Decodes and checks an iterator (validity, expiry, stream existence): GetRecords' cursor. */
  openIterator(token: string): ShardCursor {
    const p = this.iterators.decode(token);
    if (!p) throw kinesisErrors.format('InvalidArgumentException', 'badIterator', {});
    const now = this.ctx.clock.now();
    if (now - p.createdMs > ITERATOR_TTL_MS) {
      throw kinesisErrors.format('ExpiredIteratorException', 'expired', { created: amzUtcString(p.createdMs), now: amzUtcString(now), ttl: ITERATOR_TTL_MS });
    }
    const s = this.ctx.streams.get(p.streamName);
    const shard = s?.shards[p.shardIndex];
    if (!s || !shard || s.meta.salt !== p.salt || s.meta.status === 'DELETING') {
      throw shardDoesNotExist(shardIdName(p.shardIndex), p.streamName, this.ctx.accountId);
    }
    return new ShardCursor(this.ctx, this, s, shard, p.offset);
  }
}

/**
 * In-process reader over one shard (what GetRecords does without the wire):
 * `read()` returns the next batch; `onAppend` fires when new data lands.
 */
export class ShardReader {
  constructor(
    private readonly cursor: ShardCursor,
    /** The engine whose AWS/Kinesis metrics (src/metrics/kinesis.ts) count this reader's reads. */
    private readonly owner: object,
    private readonly now: () => number,
  ) {}

  /** Next offset to read. */
  get offset(): number {
    return this.cursor.offset;
  }

  set offset(value: number) {
    this.cursor.offset = value;
  }

  get shardId(): string {
    return this.cursor.shardId;
  }

  /** True once the shard is closed and every record in it has been read: continue with childShards(). */
  get ended(): boolean {
    return this.cursor.endsAt(this.cursor.offset);
  }

  childShards(): ChildShard[] {
    return this.cursor.childShards();
  }

  /** Reads up to `limit` records (default 10,000; at most 10 MiB). */
  async read(limit = 10_000): Promise<{ records: KinesisRecord[]; millisBehindLatest: number }> {
    const c = this.cursor;
    const t0 = performance.now();
    const res = await c.read(c.offset, { maxRecords: limit, maxBytes: MAX_GET_RECORDS_BYTES });
    const cutoff = c.retentionCutoffMs();
    const out: KinesisRecord[] = [];
    for (const r of res.records) {
      if (r.timestampMs < cutoff) continue;
      out.push({ sequenceNumber: c.sequenceNumber(r.offset, r.timestampMs), partitionKey: r.key, data: r.data, approximateArrivalTimestampMs: r.timestampMs });
    }
    c.offset = res.nextOffset;
    // AWS/Kinesis GetRecords.*: in-process consumers (delivery streams, SQL applications) read as AWS's services do, with GetRecords.
    const metrics = kinesisMetricsOf(this.owner);
    if (metrics !== undefined) {
      let bytes = 0;
      for (let i = 0; i < out.length; i++) bytes += out[i]!.data.length;
      const lastMs = out.length > 0 ? out[out.length - 1]!.approximateArrivalTimestampMs : undefined;
      metrics.stream(c.streamName, c.shardLevelMetrics).recordsRead(c.shardId, out.length, bytes, lastMs, this.now(), performance.now() - t0);
    }
    return { records: out, millisBehindLatest: c.millisBehindLatest(res.nextOffset, res.records.at(-1)?.timestampMs) };
  }

  /** Fires when new records are readable; returns an unsubscribe. */
  onAppend(listener: (endOffset: number) => void): () => void {
    return this.cursor.onAppend(listener);
  }
}
