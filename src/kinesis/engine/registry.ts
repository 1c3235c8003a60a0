/**
 * The stream registry: loading streams from storage.meta, CreateStream / DeleteStream and the status
 * changes the clock drives (CREATING → ACTIVE, DELETING → gone), and the per-stream settings that are
 * metadata only (tags, encryption, enhanced monitoring, stream mode).
 */
import { randomUUID } from 'node:crypto';
import { kinesisErrors } from '../errors.ts';
import { evenHashKeyRanges } from '../hash.ts';
import { SequenceWriter, ShardSequences, parseSequence } from '../sequence.ts';
import type { EngineContext } from './context.ts';
import { shardLimitExceeded, streamInUse } from './errors.ts';
import {
  META_PREFIX,
  ON_DEMAND_SHARDS,
  ON_DEMAND_STREAM_LIMIT,
  SHARD_LEVEL_METRICS,
  parseShardId,
  rebuildRoutes,
  shardCreateMs,
  shardIdName,
} from './model.ts';
import type { ShardInfo, ShardState, StreamDescription, StreamMeta, StreamMode, StreamState } from './model.ts';

/** What the registry tells the other parts about a stream's life. */
export interface RegistryHooks {
  /** A stream was loaded from storage at start-up. */
  loaded(state: StreamState): Promise<void>;
  /** A stream started deleting. */
  deleting(state: StreamState): void;
}

export class StreamRegistry {
  private unwatch: (() => void) | undefined;

  constructor(
    private readonly ctx: EngineContext,
    private readonly hooks: RegistryHooks,
  ) {}

  /** Loads persisted streams, finishing deletions and resuming pending status changes; on shared storage, follows other nodes' changes. */
  async load(): Promise<void> {
    const meta = this.ctx.storage.meta;
    this.unwatch = meta.watch?.(META_PREFIX, (key) => this.follow(key.slice(META_PREFIX.length)));
    this.ctx.onConflict = (name) => this.follow(name);
    for (const k of meta.keys(META_PREFIX)) {
      const m = meta.get<StreamMeta>(k);
      if (!m) continue;
      if (m.status === 'DELETING') {
        await this.finishDelete(m);
        continue;
      }
      if (migrateLegacySequences(m)) await meta.put(k, m);
      const state = await this.materialise(m);
      this.ctx.streams.set(m.name, state);
      await this.hooks.loaded(state);
      if (m.status === 'CREATING' || m.status === 'UPDATING') this.scheduleActive(state, this.ctx.opts.createDelayMs);
    }
  }

  private async materialise(m: StreamMeta): Promise<StreamState> {
    const storage = this.ctx.storage;
    const shards: Array<ShardState | undefined> = [];
    for (const info of m.shards) {
      const index = parseShardId(info.shardId)!;
      const logId = `${m.uuid}/${info.shardId}`;
      const log = storage.getLog(logId) ?? (storage.openLog ? await storage.openLog(logId) : await storage.createLog(logId));
      let closedEnd: number | undefined;
      if (info.endingSequenceNumber !== undefined) {
        // A crash between persisting a reshard and applying it leaves endOffset unset; records not durable then were
        // never acknowledged. (The EndingSequenceNumber does not depend on the offset: the plan's stands.)
        closedEnd = info.endOffset === undefined ? log.endOffset : Math.min(info.endOffset, log.endOffset);
        info.endOffset = closedEnd;
      }
      const seq = new ShardSequences(index, shardCreateMs(m, info));
      shards[index] = {
        index,
        shardId: info.shardId,
        shardIdAscii: Buffer.from(info.shardId, 'latin1'),
        log,
        seq,
        putSeq: new SequenceWriter(seq),
        lastTimeMs: Math.max(m.createdMs, log.lastTimestampMs ?? 0),
        info,
        nextOffset: log.endOffset,
        closedEnd,
        writeRecords: 0,
        writeBytes: 0,
        closeListeners: new Set(),
      };
    }
    const state: StreamState = {
      meta: m,
      arn: this.ctx.arnFor(m.name),
      shards,
      open: [],
      startKeys: [],
      activeWaiters: [],
      everActive: m.status !== 'CREATING',
    };
    rebuildRoutes(state);
    return state;
  }

  /** CreateStream. The stream is CREATING until `createDelayMs` of clock time has passed; see whenActive(). */
  async create(name: string, opts: { shardCount?: number; mode?: StreamMode; tags?: Record<string, string> }): Promise<void> {
    const ctx = this.ctx;
    const mode = opts.mode ?? 'PROVISIONED';
    const shardCount = mode === 'ON_DEMAND' ? (opts.shardCount ?? ON_DEMAND_SHARDS) : opts.shardCount;
    if (shardCount === undefined) {
      throw kinesisErrors.format('InvalidArgumentException', 'shardCountRequired', {});
    }
    await ctx.withLock(name, async () => {
      if (ctx.streams.has(name)) throw streamInUse(name, ctx.accountId);
      const current = ctx.openShardCount();
      if (current + shardCount > ctx.shardLimit) throw shardLimitExceeded(ctx.accountId, ctx.region, current, ctx.shardLimit, shardCount);
      const createdMs = ctx.clock.now();
      const salt = newSalt();
      const ranges = evenHashKeyRanges(shardCount);
      const shards: ShardInfo[] = ranges.map((r, i) => ({
        shardId: shardIdName(i),
        startingHashKey: r.startingHashKey.toString(),
        endingHashKey: r.endingHashKey.toString(),
        startingSequenceNumber: new ShardSequences(i, createdMs).starting(),
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
      // On shared storage the key is created only if no node has it: of two nodes creating one name, one wins.
      const store = ctx.storage.meta;
      if (store.create) {
        try {
          await store.create(META_PREFIX + name, meta);
        } catch (e) {
          if ((e as { code?: string }).code === 'EXISTS') throw streamInUse(name, ctx.accountId);
          throw e;
        }
      } else await store.put(META_PREFIX + name, meta);
      const state = await this.materialise(meta);
      ctx.streams.set(name, state);
      this.scheduleActive(state, ctx.opts.createDelayMs);
    });
  }

  private scheduleActive(state: StreamState, delayMs: number): void {
    const ctx = this.ctx;
    state.timer?.cancel();
    state.timer = ctx.clock.setTimer(() => {
      state.timer = undefined;
      if (ctx.closed || ctx.streams.get(state.meta.name) !== state) return;
      if (state.meta.status !== 'CREATING' && state.meta.status !== 'UPDATING') return;
      ctx.finishUpdate(state);
    }, delayMs);
  }

  /** Resolves once the stream is ACTIVE (immediately if it already is). */
  whenActive(name: string): Promise<void> {
    const s = this.ctx.stream(name);
    if (s.meta.status === 'ACTIVE') return Promise.resolve();
    return new Promise((resolve) => s.activeWaiters.push(resolve));
  }

  /** DeleteStream: DELETING now, gone (logs deleted) after `deleteDelayMs`. */
  async delete(name: string, opts: { enforceConsumerDeletion?: boolean }): Promise<void> {
    const ctx = this.ctx;
    await ctx.withLock(name, async () => {
      const s = ctx.stream(name);
      if (s.meta.status === 'DELETING') return;
      if (s.meta.consumers?.length && !opts.enforceConsumerDeletion) {
        throw kinesisErrors.format('ResourceInUseException', 'hasConsumers', { stream: name, account: ctx.accountId });
      }
      this.hooks.deleting(s);
      s.timer?.cancel();
      s.meta.status = 'DELETING';
      await ctx.persist(s);
      s.timer = ctx.clock.setTimer(() => {
        s.timer = undefined;
        if (ctx.closed) return;
        ctx.track(
          ctx.withLock(name, async () => {
            if (ctx.streams.get(name) !== s) return;
            ctx.streams.delete(name);
            await this.finishDelete(s.meta);
          }),
          `deleting stream ${name}`,
        );
      }, ctx.opts.deleteDelayMs);
    });
  }

  private async finishDelete(m: StreamMeta): Promise<void> {
    const storage = this.ctx.storage;
    for (const sh of m.shards) {
      const id = `${m.uuid}/${sh.shardId}`;
      if (storage.getLog(id)) await storage.deleteLog(id);
    }
    await storage.meta.delete(META_PREFIX + m.name);
  }

  onDemandStreamCount(): number {
    let n = 0;
    for (const s of this.ctx.streams.values()) if (s.meta.mode === 'ON_DEMAND') n++;
    return n;
  }

  /** Stream names, sorted. */
  list(): string[] {
    return [...this.ctx.streams.keys()].sort();
  }

  describe(name: string): StreamDescription {
    const s = this.ctx.stream(name);
    const m = s.meta;
    const shards = s.everActive ? m.shards : [];
    let open = 0;
    for (const sh of shards) if (sh.endingSequenceNumber === undefined) open++;
    return {
      streamName: m.name,
      streamArn: s.arn,
      status: m.status,
      mode: m.mode,
      retentionHours: m.retentionHours,
      createdMs: m.createdMs,
      shards,
      tags: m.tags,
      openShardCount: open,
      consumerCount: m.consumers?.length ?? 0,
      encryptionType: m.encryptionType ?? 'NONE',
      keyId: m.keyId,
      shardLevelMetrics: m.shardLevelMetrics ?? [],
      incarnation: m.salt,
    };
  }

  async addTags(name: string, tags: Record<string, string>): Promise<void> {
    const ctx = this.ctx;
    await ctx.withLock(name, async () => {
      const s = ctx.stream(name);
      const merged = { ...s.meta.tags, ...tags };
      if (Object.keys(merged).length > 50) {
        throw kinesisErrors.format('InvalidArgumentException', 'tooManyTags', { stream: name, account: ctx.accountId });
      }
      s.meta.tags = merged;
      await ctx.persist(s);
    });
  }

  async removeTags(name: string, keys: readonly string[]): Promise<void> {
    const ctx = this.ctx;
    await ctx.withLock(name, async () => {
      const s = ctx.stream(name);
      const next = { ...s.meta.tags };
      for (const k of keys) delete next[k];
      s.meta.tags = next;
      await ctx.persist(s);
    });
  }

  /** Start/StopStreamEncryption: the stream is UPDATING for `updateDelayMs`, then reports the new state. */
  async setEncryption(name: string, type: 'NONE' | 'KMS', keyId: string | undefined): Promise<void> {
    await this.whileUpdating(name, (s) => {
      s.meta.encryptionType = type;
      if (type === 'KMS') s.meta.keyId = keyId;
      else delete s.meta.keyId;
    });
  }

  /** UpdateStreamMode: PROVISIONED ⇄ ON_DEMAND, UPDATING for `updateDelayMs`. */
  async updateStreamMode(name: string, mode: StreamMode): Promise<void> {
    const ctx = this.ctx;
    await this.whileUpdating(
      name,
      (s) => {
        s.meta.mode = mode;
      },
      (s) => {
        if (mode === 'ON_DEMAND' && s.meta.mode !== 'ON_DEMAND' && this.onDemandStreamCount() >= ON_DEMAND_STREAM_LIMIT) {
          throw kinesisErrors.format('LimitExceededException', 'onDemandStreams', {
            limit: ON_DEMAND_STREAM_LIMIT,
            account: ctx.accountId,
            region: ctx.region,
          });
        }
      },
    );
  }

  /** An ACTIVE stream goes UPDATING, and after `updateDelayMs` takes `apply` and turns ACTIVE again. */
  private async whileUpdating(name: string, apply: (s: StreamState) => void, check?: (s: StreamState) => void): Promise<void> {
    const ctx = this.ctx;
    await ctx.withLock(name, async () => {
      const s = ctx.stream(name);
      if (s.meta.status !== 'ACTIVE') throw ctx.notActive(s);
      check?.(s);
      s.meta.status = 'UPDATING';
      await ctx.persist(s);
      s.timer?.cancel();
      s.timer = ctx.clock.setTimer(() => {
        s.timer = undefined;
        if (ctx.closed || ctx.streams.get(name) !== s) return;
        apply(s);
        ctx.finishUpdate(s);
      }, ctx.opts.updateDelayMs);
    });
  }

  /** Enable/DisableEnhancedMonitoring ('ALL' names every metric). Returns the metrics before and after. */
  async setMonitoring(name: string, metrics: readonly string[], enable: boolean): Promise<{ current: string[]; desired: string[] }> {
    const ctx = this.ctx;
    return ctx.withLock(name, async () => {
      const s = ctx.stream(name);
      if (s.meta.status !== 'ACTIVE') throw ctx.notActive(s);
      const named = new Set(metrics.includes('ALL') ? SHARD_LEVEL_METRICS : metrics);
      const current = s.meta.shardLevelMetrics ?? [];
      const next = new Set(current);
      for (const m of named) {
        if (enable) next.add(m);
        else next.delete(m);
      }
      const desired = SHARD_LEVEL_METRICS.filter((m) => next.has(m));
      s.meta.shardLevelMetrics = desired;
      await ctx.persist(s);
      return { current: [...current], desired };
    });
  }

  cancelTimers(): void {
    this.unwatch?.();
    for (const s of this.ctx.streams.values()) s.timer?.cancel();
  }

  /** Another node changed stream `name`'s metadata (shared storage): the local state follows, under the stream's lock. */
  private follow(name: string, attempt = 0): void {
    const ctx = this.ctx;
    if (ctx.closed) return;
    // At once, not behind the lock: another node's UPDATING/DELETING is what this node's next check must see. A
    // check and the compare-and-set write after it run in one synchronous step, so either the check sees the change
    // or the write is made at the revision before it and loses.
    const s = ctx.streams.get(name);
    const m = ctx.storage.meta.get<StreamMeta>(META_PREFIX + name);
    if (s && m && m.uuid === s.meta.uuid && m.status !== 'ACTIVE' && s.meta.status === 'ACTIVE') s.meta.status = m.status;
    const p = ctx.withLock(name, () => this.reconcile(name));
    // A failure (the NATS cluster slow or failing over) is retried: the stream must not stay unknown on this node.
    p.catch(() => {
      if (ctx.closed) return;
      setTimeout(() => this.follow(name, attempt + 1), Math.min(2000, 50 * 2 ** attempt)).unref();
    });
    ctx.track(p, `following stream ${name}`);
  }

  /**
   * Makes the local state of `name` what the shared metadata says: a stream created elsewhere is materialised, one
   * deleted elsewhere is dropped, settings (status, retention, tags, consumers, encryption, mode, metrics) are taken,
   * and a reshard another node completed (every closed shard has its final end) closes parents and opens children.
   * The node that made a change runs its timers (activation, deletion); followers only mirror the result.
   */
  async reconcile(name: string): Promise<void> {
    const ctx = this.ctx;
    if (ctx.closed) return;
    const m = ctx.storage.meta.get<StreamMeta>(META_PREFIX + name);
    let s = ctx.streams.get(name);
    if (s && (!m || m.uuid !== s.meta.uuid)) {
      s.timer?.cancel();
      s.timer = undefined;
      if (s.meta.status !== 'DELETING') this.hooks.deleting(s);
      ctx.streams.delete(name);
      for (const sh of s.shards) if (sh) for (const l of sh.closeListeners) l();
      s = undefined;
    }
    if (!m || m.status === 'DELETING') {
      if (s && s.meta.status !== 'DELETING') {
        s.timer?.cancel();
        s.timer = undefined;
        this.hooks.deleting(s);
        s.meta.status = 'DELETING';
      }
      return;
    }
    if (!s) {
      const state = await this.materialise(m);
      if (ctx.closed || ctx.streams.has(name)) return;
      ctx.streams.set(name, state);
      return;
    }
    const cur = s.meta;
    cur.status = m.status;
    cur.mode = m.mode;
    cur.retentionHours = m.retentionHours;
    cur.tags = m.tags;
    cur.consumers = m.consumers;
    cur.encryptionType = m.encryptionType;
    cur.keyId = m.keyId;
    cur.shardLevelMetrics = m.shardLevelMetrics;
    if (m.shards.length !== cur.shards.length || m.shards.some((i, k) => i.endOffset !== cur.shards[k]?.endOffset)) await this.followReshard(s, m);
    if (m.status === 'ACTIVE') {
      s.everActive = true;
      const waiters = s.activeWaiters.splice(0);
      for (const w of waiters) w();
    }
  }

  /** A reshard another node completed: parents close at the ends it sealed them at, children open. Waits for the final plan (every closed shard with its end). */
  private async followReshard(s: StreamState, m: StreamMeta): Promise<void> {
    if (m.shards.some((i) => i.endingSequenceNumber !== undefined && i.endOffset === undefined)) return;
    const storage = this.ctx.storage;
    const added: ShardState[] = [];
    for (const info of m.shards) {
      const index = parseShardId(info.shardId)!;
      const sh = s.shards[index];
      if (!sh) {
        const logId = `${m.uuid}/${info.shardId}`;
        const log = storage.getLog(logId) ?? (storage.openLog ? await storage.openLog(logId) : await storage.createLog(logId));
        const seq = new ShardSequences(index, shardCreateMs(m, info));
        const fresh: ShardState = {
          index,
          shardId: info.shardId,
          shardIdAscii: Buffer.from(info.shardId, 'latin1'),
          log,
          seq,
          putSeq: new SequenceWriter(seq),
          lastTimeMs: Math.max(m.createdMs, log.lastTimestampMs ?? 0),
          info,
          nextOffset: log.endOffset,
          closedEnd: info.endOffset,
          writeRecords: 0,
          writeBytes: 0,
          closeListeners: new Set(),
        };
        added.push(fresh);
        continue;
      }
      if (info.endOffset !== undefined && sh.closedEnd === undefined) {
        Object.assign(sh.info, info);
        sh.closedEnd = info.endOffset;
      }
    }
    // Synchronous from here: the shard table changes in one step.
    const closed: ShardState[] = [];
    for (const info of m.shards) {
      const sh = s.shards[parseShardId(info.shardId)!];
      if (sh && sh.closedEnd !== undefined && s.open.includes(sh)) closed.push(sh);
    }
    for (const sh of added) {
      s.shards[sh.index] = sh;
      s.meta.shards.push(sh.info);
    }
    rebuildRoutes(s);
    for (const sh of closed) for (const l of sh.closeListeners) l();
  }
}

/** A fresh 14-digit salt for a new stream incarnation (tells its iterators and pagination tokens from an earlier one's). */
function newSalt(random: () => number = Math.random): string {
  // 1 + 13 random digits: never starts with 0 so it always prints as 14 digits.
  return String(1 + Math.floor(random() * 9)) + String(Math.floor(random() * 1e13)).padStart(13, '0');
}

/**
 * Data dirs written before issue 11 keep shard ranges in Freshet's earlier sequence layout: rewrites them in
 * AWS's (records' numbers are computed when read, so nothing else changes). Clients' checkpoints in the old
 * layout stay readable (parseSequence). Returns whether anything changed.
 */
export function migrateLegacySequences(m: StreamMeta): boolean {
  let changed = false;
  for (const info of m.shards) {
    const index = parseShardId(info.shardId)!;
    const seq = new ShardSequences(index, shardCreateMs(m, info));
    if (parseSequence(info.startingSequenceNumber)?.layout === 'legacy') {
      info.startingSequenceNumber = seq.starting();
      changed = true;
    }
    if (info.endingSequenceNumber !== undefined && parseSequence(info.endingSequenceNumber)?.layout === 'legacy') {
      info.endingSequenceNumber = seq.ending(info.closedMs ?? m.createdMs);
      changed = true;
    }
  }
  return changed;
}
