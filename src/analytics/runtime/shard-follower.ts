/**
 * Follows the shards of one Kinesis input across resharding, as the KCL does:
 * a shard is read only once every parent it has (ParentShardId,
 * AdjacentParentShardId) has been read to its end, so the records of one
 * partition key reach the application in sequence order across SplitShard,
 * MergeShards, UpdateShardCount and ON_DEMAND auto-splits.
 *
 * - Start: every listed shard (closed parents included) is opened at the
 *   starting position, or at its checkpointed offset; a shard missing from a
 *   checkpoint was created after it and starts at TRIM_HORIZON. A closed parent
 *   whose checkpoint is its end is finished at once: neither skipped nor re-read.
 * - Later: `refresh()` lists the shards again and opens new ones at
 *   TRIM_HORIZON (all their records arrived after reading began). Closing a
 *   shard appends nothing, so the host calls it on every step (its timer ticks
 *   find children of an idle parent) and again whenever a round read nothing.
 * - Shards removed after the retention period are dropped (nothing is left to read).
 *
 * The feeds of finished shards are kept, so the host's checkpoint holds their
 * end offsets too.
 */
import type { StreamEngine, StreamShardReader } from './ports.ts';

/** What the follower needs of the host's per-shard feed. */
export interface FollowedFeed {
  readonly reader: StreamShardReader;
  unsubscribe(): void;
}

export class ShardFollower<F extends FollowedFeed> {
  private readonly byId = new Map<string, F>();
  /** Per shard: its parents that are still listed. */
  private readonly parents = new Map<string, string[]>();
  /** Shards readable after the last `readableChanged()`. */
  private readableIds = new Set<string>();
  /** Shard ids in the order they were opened (spreads shards over in-app streams). */
  private opened = 0;

  constructor(
    private readonly streams: StreamEngine,
    private readonly streamName: string,
    /** Every opened shard's feed, in opening order; the host reads and checkpoints these (shared array). */
    readonly feeds: F[],
    /** Builds the host's feed around a reader (`index` counts opened shards from 0). */
    private readonly makeFeed: (reader: StreamShardReader, index: number) => F,
  ) {}

  /** Opens every listed shard at `position`, or at its offset in `saved` (a checkpoint of this stream). */
  async start(position: 'TRIM_HORIZON' | 'LATEST', saved: Readonly<Record<string, { offset: number }>> | undefined): Promise<void> {
    for (const shard of this.list()) {
      const at = saved?.[shard.shardId];
      // With a checkpoint, a shard it does not name was created after it: all its records are new.
      const type = saved !== undefined ? 'TRIM_HORIZON' : position;
      await this.open(shard.shardId, type, at?.offset);
    }
    this.readableChanged();
  }

  /** Lists the shards; opens new ones at TRIM_HORIZON and drops those removed after retention. */
  async refresh(): Promise<void> {
    let current: ReadonlyArray<{ shardId: string }>;
    try {
      current = this.streams.describe(this.streamName).shards;
    } catch {
      // The stream is gone (deleted): the shards already open are read to what they hold.
      return;
    }
    // Nothing new: shards are listed in creation order, so a new one would be last.
    if (current.length === this.byId.size && (current.length === 0 || this.byId.has(current[current.length - 1]!.shardId))) return;
    const shards = this.list();
    const listed = new Set<string>();
    for (const s of shards) {
      listed.add(s.shardId);
      if (!this.byId.has(s.shardId)) await this.open(s.shardId, 'TRIM_HORIZON', undefined);
    }
    for (const [id, feed] of this.byId) {
      if (listed.has(id)) continue;
      feed.unsubscribe();
      this.byId.delete(id);
      this.parents.delete(id);
      const i = this.feeds.indexOf(feed);
      if (i >= 0) this.feeds.splice(i, 1);
    }
  }

  /** True when the shard may be read now: not read to its end, and every parent is. */
  readable(feed: F): boolean {
    if (feed.reader.ended === true) return false;
    const ps = this.parents.get(feed.reader.shardId);
    if (ps === undefined) return true;
    for (let i = 0; i < ps.length; i++) {
      const p = this.byId.get(ps[i]!);
      if (p !== undefined && p.reader.ended !== true) return false;
    }
    return true;
  }

  /** Recomputes the readable shards; true when one became readable since the last call (children of a finished parent). */
  readableChanged(): boolean {
    const now = new Set<string>();
    let grew = false;
    for (const f of this.feeds) {
      if (!this.readable(f)) continue;
      now.add(f.reader.shardId);
      if (!this.readableIds.has(f.reader.shardId)) grew = true;
    }
    this.readableIds = now;
    return grew;
  }

  private list(): Array<{ shardId: string; parentShardId?: string; adjacentParentShardId?: string }> {
    const shards = this.streams.describe(this.streamName).shards;
    for (const s of shards) {
      const ps: string[] = [];
      if (s.parentShardId !== undefined) ps.push(s.parentShardId);
      if (s.adjacentParentShardId !== undefined) ps.push(s.adjacentParentShardId);
      this.parents.set(s.shardId, ps);
    }
    return shards;
  }

  private async open(shardId: string, type: 'TRIM_HORIZON' | 'LATEST', offset: number | undefined): Promise<void> {
    const reader = await this.streams.openShardReader(this.streamName, shardId, { type: offset !== undefined ? 'TRIM_HORIZON' : type });
    if (offset !== undefined) reader.offset = Math.max(reader.offset, offset);
    const feed = this.makeFeed(reader, this.opened++);
    this.byId.set(shardId, feed);
    this.feeds.push(feed);
  }
}
