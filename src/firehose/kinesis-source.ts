/**
 * KinesisStreamAsSource: copies a Freshet Kinesis stream into a delivery
 * stream's log, starting at LATEST as of the delivery stream's creation.
 *
 * Resharding is followed as the KCL does it: a shard is read only once every
 * parent it has (ParentShardId, AdjacentParentShardId) has been read to its
 * end and that end is checkpointed, so the records of one partition key reach
 * the delivery log in sequence-number order across SplitShard, MergeShards and
 * UpdateShardCount. Shards that appear after the first start (children) begin
 * at TRIM_HORIZON, since all their records arrived after reading began.
 *
 * Checkpoint (`firehose/source/<name>` in storage.meta): the next offset to
 * read per shard, written after each durable append to the delivery log. A
 * restart re-opens every listed shard at its checkpoint; a closed parent whose
 * checkpoint is its end is finished at once, so it is neither skipped nor
 * re-read, and at most the batch in flight at the crash is copied twice
 * (at-least-once). KPL-aggregated records are de-aggregated.
 */
import type { TimerHandle } from '../core/clock.ts';
import type { ShardLog } from '../storage/index.ts';
import { FENCE_FIELD } from '../storage/index.ts';
import type { ShardReader } from '../kinesis/index.ts';
import { deaggregate, isAggregated } from '../kinesis/index.ts';
import type { FirehoseDeps, DeliveryStreamMeta } from './engine.ts';

export const SOURCE_PREFIX = 'firehose/source/';

/**
 * How often (clock time) a Kinesis source lists the stream's shards, to find
 * children of splits and merges and to notice a parent that closed after its
 * reader went idle (closing a shard appends nothing, so no append wakes it).
 * A parent read to its end triggers a listing at once.
 */
export const RESCAN_MS = 10_000;

/** Records copied per read from one shard. */
const COPY_BATCH = 1000;

/** What the delivery stream's role needs on its source stream (Firehose developer guide, "Grant Firehose access to a Kinesis data stream"). */
const SOURCE_ACTIONS = ['kinesis:DescribeStream', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:ListShards'] as const;

const INIT = '\u0000init';

export class KinesisSource {
  private readers = new Map<string, ShardReader>();
  /** Per shard: the parents (still listed) that must be finished before it is read. */
  private parents = new Map<string, string[]>();
  /** Shards read to their end, with that end checkpointed. */
  private done = new Set<string>();
  /** Next offset per shard; the checkpoint. */
  private positions: Record<string, number> = {};
  private saving: Promise<void> = Promise.resolve();
  private rescanTimer: TimerHandle | null = null;
  private rescanAgain = false;
  private lastTs: number;
  private unsubs: (() => void)[] = [];
  private busy = new Map<string, Promise<void>>();
  private stopped = false;
  /**
   * Under `--auth enforce`, why the delivery stream's role may not read its source now (AWS's AccessDenied text),
   * shown in DescribeDeliveryStream's FailureDescription; reading resumes at the next shard listing once allowed.
   */
  problem: string | undefined;

  constructor(
    private readonly deps: FirehoseDeps,
    private readonly meta: DeliveryStreamMeta,
    private readonly log: ShardLog,
    private readonly say: (m: string) => void,
  ) {
    this.lastTs = log.lastTimestampMs ?? 0;
  }

  private get streamName(): string {
    const arn = this.meta.source!.kinesisStreamArn;
    return arn.slice(arn.lastIndexOf('/') + 1);
  }

  private get key(): string {
    return SOURCE_PREFIX + this.meta.name;
  }

  /** Starts copying; a source stream still CREATING is waited for in the background (LATEST then means "from when it became ACTIVE"). */
  async start(): Promise<void> {
    const kinesis = this.deps.kinesis;
    if (!kinesis) return;
    try {
      // Tracked with the shard copies only once the stream is ACTIVE: settled() and stop() never wait on the clock.
      void kinesis.whenActive(this.streamName).then(() => this.rescan());
    } catch (e) {
      this.say(`cannot read ${this.streamName}: ${(e as Error).message}`);
    }
  }

  /** Lists the shards now (after any listing in progress), opening readers for new ones. */
  private rescan(): void {
    if (this.stopped) return;
    if (this.busy.has(INIT)) {
      this.rescanAgain = true;
      return;
    }
    const p = (async () => {
      do {
        this.rescanAgain = false;
        await this.openReaders();
      } while (this.rescanAgain && !this.stopped);
    })()
      .catch((e) => this.say(`cannot list the shards of ${this.streamName}: ${(e as Error).message}`))
      .finally(() => this.busy.delete(INIT));
    this.busy.set(INIT, p);
  }

  /**
   * Opens a reader for every listed shard not yet read: on the delivery
   * stream's first start at LATEST (a shard already closed is then finished
   * at once), later at its checkpoint, or at TRIM_HORIZON for a shard seen for
   * the first time. Then wakes every unfinished reader.
   */
  private async openReaders(): Promise<void> {
    const kinesis = this.deps.kinesis!;
    if (this.stopped) return;
    const saved = this.deps.storage.meta.get<Record<string, number>>(this.key);
    const firstStart = saved === undefined && this.readers.size === 0;
    if (saved && this.readers.size === 0) {
      // The lease's fencing token, stamped on the positions by a leased owner's write: not a shard.
      const { [FENCE_FIELD]: _token, ...positions } = saved;
      this.positions = positions;
    }
    const shards = kinesis.listShards(this.streamName);
    const listed = new Set<string>();
    for (const s of shards) listed.add(s.shardId);
    // Written at once when this node starts reading (the first listing): a leased owner's first write carries its
    // fencing token, so a previous owner's late write of older positions is refused from then on.
    let changed = firstStart || this.readers.size === 0;
    for (const shard of shards) {
      const id = shard.shardId;
      // A parent no longer listed was removed after the retention period: nothing of it is left to read.
      const parents: string[] = [];
      if (shard.parentShardId !== undefined && listed.has(shard.parentShardId)) parents.push(shard.parentShardId);
      if (shard.adjacentParentShardId !== undefined && listed.has(shard.adjacentParentShardId)) parents.push(shard.adjacentParentShardId);
      this.parents.set(id, parents);
      if (this.readers.has(id)) continue;
      let reader: ShardReader;
      const at = this.positions[id];
      if (at !== undefined) {
        reader = await kinesis.openShardReader(this.streamName, id, { type: 'TRIM_HORIZON' });
        reader.offset = Math.max(reader.offset, at);
      } else {
        reader = await kinesis.openShardReader(this.streamName, id, { type: firstStart ? 'LATEST' : 'TRIM_HORIZON' });
        this.positions[id] = reader.offset;
        changed = true;
      }
      if (this.stopped) return;
      this.readers.set(id, reader);
      this.unsubs.push(reader.onAppend(() => this.kick(reader)));
    }
    // Forget shards removed after the retention period.
    for (const id of Object.keys(this.positions)) {
      if (listed.has(id)) continue;
      delete this.positions[id];
      this.readers.delete(id);
      this.done.delete(id);
      changed = true;
    }
    if (changed) await this.checkpoint();
    if (this.stopped) return;
    for (const r of this.readers.values()) if (!this.done.has(r.shardId)) this.kick(r);
    this.scheduleRescan();
  }

  private scheduleRescan(): void {
    if (this.stopped || this.rescanTimer) return;
    this.rescanTimer = this.deps.clock.setTimer(() => {
      this.rescanTimer = null;
      this.rescan();
    }, RESCAN_MS);
  }

  /** Persists the positions; writes are chained so an older map never lands after a newer one. */
  private checkpoint(): Promise<void> {
    const snapshot = { ...this.positions };
    // Benign: a failed earlier save was returned to (and reported by) its own caller; this only keeps the chain going.
    this.saving = this.saving.catch(() => {}).then(() => this.deps.storage.meta.put(this.key, snapshot));
    return this.saving;
  }

  private parentsDone(id: string): boolean {
    const ps = this.parents.get(id);
    if (!ps) return true;
    for (const p of ps) if (!this.done.has(p)) return false;
    return true;
  }

  private kick(r: ShardReader): void {
    if (this.stopped || this.busy.has(r.shardId) || this.done.has(r.shardId)) return;
    if (!this.parentsDone(r.shardId)) {
      // Records already wait in this child: make sure its parents are being read to their ends.
      for (const p of this.parents.get(r.shardId)!) {
        const pr = this.readers.get(p);
        if (pr) this.kick(pr);
      }
      return;
    }
    const p = this.copy(r).finally(() => this.busy.delete(r.shardId));
    this.busy.set(r.shardId, p);
  }

  /** A shard read to its end: its children may start (listed now if this source has not seen them yet). */
  private finish(r: ShardReader): void {
    this.done.add(r.shardId);
    let unseen = false;
    for (const c of r.childShards()) {
      const child = this.readers.get(c.shardId);
      if (child) this.kick(child);
      else unseen = true;
    }
    if (unseen) this.rescan();
  }

  private async copy(r: ShardReader): Promise<void> {
    try {
      for (;;) {
        if (this.stopped) return;
        if (!this.allowed()) return;
        const before = r.offset;
        const { records } = await r.read(COPY_BATCH);
        if (r.offset === before) {
          // Every earlier batch of this shard is durable and checkpointed (this loop is sequential).
          if (r.ended) this.finish(r);
          return;
        }
        const batch: { key: string; data: Uint8Array; timestampMs: number }[] = [];
        for (const rec of records) {
          if (!isAggregated(rec.data)) {
            batch.push({ key: rec.partitionKey, data: rec.data, timestampMs: rec.approximateArrivalTimestampMs });
            continue;
          }
          const users = deaggregate(rec.data, rec.partitionKey, rec.sequenceNumber);
          if (!users) batch.push({ key: rec.partitionKey, data: rec.data, timestampMs: rec.approximateArrivalTimestampMs });
          else for (const u of users) batch.push({ key: u.partitionKey, data: u.data, timestampMs: rec.approximateArrivalTimestampMs });
        }
        // Keep timestamps non-decreasing in the delivery log (shards interleave; appends may be in flight).
        for (const b of batch) {
          if (b.timestampMs < this.lastTs) b.timestampMs = this.lastTs;
          else this.lastTs = b.timestampMs;
        }
        if (batch.length) await this.log.append(batch).durable;
        this.positions[r.shardId] = r.offset;
        await this.checkpoint();
      }
    } catch (e) {
      this.say(`reading ${this.streamName}/${r.shardId} failed: ${(e as Error).message}`);
    }
  }

  /** Whether the role may read the source (always, unless auth is enforced); records the problem for DescribeDeliveryStream. */
  private allowed(): boolean {
    const roles = this.deps.roles;
    if (roles === undefined) return true;
    const { roleArn, kinesisStreamArn } = this.meta.source!;
    let denied: string | undefined;
    for (const action of SOURCE_ACTIONS) {
      denied = roles.denied(roleArn, action, kinesisStreamArn, this.meta.name);
      if (denied !== undefined) break;
    }
    if (denied !== undefined && denied !== this.problem) this.say(`delivery stream ${this.meta.name}: ${denied}`);
    this.problem = denied;
    return denied === undefined;
  }

  async settled(): Promise<void> {
    while (this.busy.size) await Promise.all([...this.busy.values()]);
    await this.saving;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.rescanTimer?.cancel();
    for (const u of this.unsubs) u();
    await this.settled();
  }
}
