/**
 * Resharding: SplitShard, MergeShards, UpdateShardCount (UNIFORM_SCALING) and the automatic splits of
 * ON_DEMAND streams. Every change is a plan of splits and merges computed up front, applied after the
 * stream has been UPDATING for `updateDelayMs`: parents close and children open in one synchronous step.
 */
import type { AwsError } from '../../core/index.ts';
import { kinesisErrors } from '../errors.ts';
import type { ShardLog } from '../../storage/index.ts';
import { evenHashKeyRanges } from '../hash.ts';
import { SequenceWriter, ShardSequences } from '../sequence.ts';
import type { EngineContext } from './context.ts';
import { couldNotFindShard, shardLimitExceeded } from './errors.ts';
import { ON_DEMAND_SPLIT_BYTES_PER_SEC, ON_DEMAND_SPLIT_RECORDS_PER_SEC, parseShardId, rebuildRoutes, shardIdName } from './model.ts';
import type { ShardInfo, ShardState, StreamMeta, StreamState } from './model.ts';
import type { TimerHandle } from '../../core/index.ts';

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

export class Resharding {
  private scalingTimer: TimerHandle | undefined;

  constructor(private readonly ctx: EngineContext) {}

  private shardLimitError(current: number, additional: number): AwsError {
    return shardLimitExceeded(this.ctx.accountId, this.ctx.region, current, this.ctx.shardLimit, additional);
  }

  /**
   * The shard index a SplitShard / MergeShards shard id names. AWS checks the id before the stream: one that
   * names no shard index is "Could not find shard <id as given>" even when the stream does not exist.
   */
  private shardIndex(name: string, shardId: string): number {
    const index = parseShardId(shardId);
    if (index === undefined) throw couldNotFindShard(shardId, name, this.ctx.accountId);
    return index;
  }

  /** The open shard at `index` of an ACTIVE stream, with AWS's errors (by its canonical id). */
  private openShard(s: StreamState, index: number): ShardState {
    const sh = s.shards[index];
    if (!sh) throw couldNotFindShard(shardIdName(index), s.meta.name, this.ctx.accountId);
    if (sh.closedEnd !== undefined) {
      // moto's capture of AWS's text; kinesalite does not record this case.
      throw kinesisErrors.format('InvalidArgumentException', 'shardClosed', { shard: sh.shardId, stream: s.meta.name, account: this.ctx.accountId });
    }
    return sh;
  }

  /**
   * SplitShard: the stream is UPDATING for `updateDelayMs`, then the shard closes and two children open.
   * AWS's order of checks: the shard id, the stream, its status, the shard, the account's shard limit, the hash key.
   */
  async splitShard(name: string, shardId: string, newStartingHashKey: string): Promise<void> {
    const ctx = this.ctx;
    const index = this.shardIndex(name, shardId);
    await ctx.withLock(name, async () => {
      const s = ctx.stream(name);
      if (s.meta.status !== 'ACTIVE') throw ctx.notActive(s);
      const sh = this.openShard(s, index);
      const current = ctx.openShardCount();
      if (current + 1 > ctx.shardLimit) throw this.shardLimitError(current, 1);
      const h = BigInt(newStartingHashKey);
      const start = BigInt(sh.info.startingHashKey);
      const end = BigInt(sh.info.endingHashKey);
      if (h <= start + 1n || h >= end) {
        throw kinesisErrors.format('InvalidArgumentException', 'badSplitKey', {
          key: newStartingHashKey,
          shard: sh.shardId,
          stream: name,
          account: ctx.accountId,
          start: sh.info.startingHashKey,
          end: sh.info.endingHashKey,
        });
      }
      await this.beginReshard(s, (p) => p.split(sh.index, h));
    });
  }

  /**
   * MergeShards: two adjacent open shards close and one child covering both opens.
   * AWS's order of checks: both shard ids, the stream, its status, both shards, their adjacency.
   */
  async mergeShards(name: string, shardId: string, adjacentShardId: string): Promise<void> {
    const ctx = this.ctx;
    const ia = this.shardIndex(name, shardId);
    const ib = this.shardIndex(name, adjacentShardId);
    await ctx.withLock(name, async () => {
      const s = ctx.stream(name);
      if (s.meta.status !== 'ACTIVE') throw ctx.notActive(s);
      const a = this.openShard(s, ia);
      const b = this.openShard(s, ib);
      if (BigInt(a.info.endingHashKey) + 1n !== BigInt(b.info.startingHashKey)) {
        throw kinesisErrors.format('InvalidArgumentException', 'notAdjacent', { first: a.shardId, second: b.shardId, stream: name, account: ctx.accountId });
      }
      await this.beginReshard(s, (p) => p.merge(a.index, b.index));
    });
  }

  /**
   * UpdateShardCount with UNIFORM_SCALING, as AWS does it: splits and merges until the open shards
   * split the hash space evenly into `target` shards. Every child has at most two parents, so readers
   * that finish parents before children keep per-key order. Intermediate shards open and close empty.
   */
  async updateShardCount(name: string, target: number): Promise<{ current: number; target: number }> {
    const ctx = this.ctx;
    return ctx.withLock(name, async () => {
      const s = ctx.stream(name);
      if (s.meta.status !== 'ACTIVE') throw ctx.notActive(s);
      const open = s.open.length;
      if (target > ctx.shardLimit) {
        throw kinesisErrors.format('LimitExceededException', 'targetOverLimit', { limit: ctx.shardLimit, open, target });
      }
      if (target > open * 2) {
        throw kinesisErrors.format('LimitExceededException', 'scaleUpOverDouble', { open, target });
      }
      if (target < open / 2) {
        throw kinesisErrors.format('LimitExceededException', 'scaleDownBelowHalf', { open, target });
      }
      const others = ctx.openShardCount() - open;
      if (others + target > ctx.shardLimit) throw this.shardLimitError(ctx.openShardCount(), target - open);
      await this.beginReshard(s, (p) => p.uniform(target));
      return { current: open, target };
    });
  }

  /**
   * Marks the stream UPDATING and, after `updateDelayMs` of clock time, applies the plan: child logs are
   * created first, the plan is persisted (a crash after that completes it on load), then parents close and
   * children open in one synchronous step, so no write can land on a parent after a child took its keys.
   */
  private async beginReshard(s: StreamState, build: (p: ReshardPlan) => void): Promise<void> {
    const ctx = this.ctx;
    const plan = new ReshardPlan(s);
    build(plan);
    if (!plan.created.length) return;
    s.meta.status = 'UPDATING';
    await ctx.persist(s);
    s.timer?.cancel();
    s.timer = ctx.clock.setTimer(() => {
      s.timer = undefined;
      if (ctx.closed) return;
      ctx.track(
        ctx.withLock(s.meta.name, () => this.applyReshard(s, plan)),
        `resharding stream ${s.meta.name}`,
      );
    }, ctx.opts.updateDelayMs);
  }

  private async applyReshard(s: StreamState, plan: ReshardPlan): Promise<void> {
    const ctx = this.ctx;
    if (ctx.streams.get(s.meta.name) !== s || s.meta.status !== 'UPDATING') return;
    const m = s.meta;
    const logs = new Map<number, ShardLog>();
    for (const c of plan.created) {
      const id = `${m.uuid}/${shardIdName(c.index)}`;
      const storage = ctx.storage;
      logs.set(c.index, storage.getLog(id) ?? (storage.openLog ? await storage.openLog(id) : await storage.createLog(id)));
    }
    const now = ctx.clock.now();
    const seqs = plan.created.map((c) => new ShardSequences(c.index, now));
    const infos: ShardInfo[] = plan.created.map((c, i) => ({
      shardId: shardIdName(c.index),
      startingHashKey: c.start.toString(),
      endingHashKey: c.end.toString(),
      startingSequenceNumber: seqs[i]!.starting(),
      ...(c.parent !== undefined ? { parentShardId: shardIdName(c.parent) } : {}),
      ...(c.adjacentParent !== undefined ? { adjacentParentShardId: shardIdName(c.adjacentParent) } : {}),
      openedMs: now,
      ...(c.closes ? { endingSequenceNumber: seqs[i]!.ending(now), closedMs: now, endOffset: 0 } : {}),
    }));
    // The plan, persisted before it takes effect: closing parents carry their ending (endOffset is fixed on load).
    const planned: StreamMeta = {
      ...m,
      shards: [
        ...m.shards.map((i) => {
          const index = parseShardId(i.shardId)!;
          return plan.closing.has(index) ? { ...i, endingSequenceNumber: s.shards[index]!.seq.ending(now), closedMs: now } : i;
        }),
        ...infos,
      ],
    };
    await ctx.persistMeta(planned);
    if (ctx.streams.get(m.name) !== s) return;
    // Shared storage: the parents' logs are sealed against every node's writes, and close at the ends sealing found.
    const sealedAt = new Map<number, number>();
    for (const index of plan.closing) {
      const log = s.shards[index]!.log;
      if (log.seal) sealedAt.set(index, await log.seal());
    }
    if (ctx.streams.get(m.name) !== s) return;
    // Synchronous from here: parents close at exactly the offsets already assigned.
    const at = ctx.clock.now();
    for (const index of plan.closing) {
      const sh = s.shards[index]!;
      const end = sealedAt.get(index) ?? sh.nextOffset;
      sh.closedEnd = end;
      sh.info.endOffset = end;
      sh.info.closedMs = at;
      sh.info.endingSequenceNumber = sh.seq.ending(at);
    }
    for (let i = 0; i < infos.length; i++) {
      const info = infos[i]!;
      const c = plan.created[i]!;
      m.shards.push(info);
      s.shards[c.index] = {
        index: c.index,
        shardId: info.shardId,
        shardIdAscii: Buffer.from(info.shardId, 'latin1'),
        log: logs.get(c.index)!,
        seq: seqs[i]!,
        putSeq: new SequenceWriter(seqs[i]!),
        lastTimeMs: now,
        info,
        nextOffset: 0,
        closedEnd: c.closes ? 0 : undefined,
        writeRecords: 0,
        writeBytes: 0,
        closeListeners: new Set(),
      };
    }
    rebuildRoutes(s);
    ctx.finishUpdate(s);
    for (const index of plan.closing) for (const l of s.shards[index]!.closeListeners) l();
    await ctx.persist(s);
  }

  /** ON_DEMAND streams: splits shards that ran hot over the last interval (see ON_DEMAND_SPLIT_*). */
  scheduleScaling(): void {
    const ctx = this.ctx;
    const every = ctx.opts.scalingCheckIntervalMs ?? 60_000;
    this.scalingTimer = ctx.clock.setTimer(() => {
      if (ctx.closed) return;
      for (const s of ctx.streams.values()) this.checkHotShards(s, every);
      this.scheduleScaling();
    }, every);
  }

  cancelScaling(): void {
    this.scalingTimer?.cancel();
  }

  private checkHotShards(s: StreamState, intervalMs: number): void {
    const ctx = this.ctx;
    const hot: ShardState[] = [];
    const seconds = intervalMs / 1000;
    for (const sh of s.open) {
      if (sh.writeBytes / seconds > ON_DEMAND_SPLIT_BYTES_PER_SEC || sh.writeRecords / seconds > ON_DEMAND_SPLIT_RECORDS_PER_SEC) hot.push(sh);
      sh.writeBytes = 0;
      sh.writeRecords = 0;
    }
    if (s.meta.mode !== 'ON_DEMAND' || s.meta.status !== 'ACTIVE' || !hot.length) return;
    ctx.track(
      ctx.withLock(s.meta.name, async () => {
        if (ctx.streams.get(s.meta.name) !== s || s.meta.status !== 'ACTIVE') return;
        const room = ctx.shardLimit - ctx.openShardCount();
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
      `splitting hot shards of stream ${s.meta.name}`,
    );
  }
}
