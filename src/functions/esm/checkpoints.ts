/**
 * Durable positions of one event source mapping, kept as a storage log
 * (`functions/esm-cp/<uuid>`): each checkpoint is one record holding every
 * shard's position (CBOR); the last record is the current state.
 *
 * A log rather than the MetaStore because a checkpoint is written after
 * every batch: log appends are group-committed off the main thread, where
 * the MetaStore's fsync runs on it (measured: ~16% of a mapping's CPU and
 * event-loop stalls of several ms per batch on this machine's disk).
 * Writes are coalesced: while one is in flight, later requests share the
 * next write, whose snapshot is taken when it starts (so it holds all of
 * their progress). Old segments are trimmed as the log rolls.
 *
 * In a cluster the mapping is leased (`esm/<uuid>`, src/cluster/leases.ts) and its checkpoints are fenced: each
 * record's key carries the writer's fencing token (`cp:<token>`), a write is refused while this node does not hold
 * the lease, and `load` takes the newest record among those with the largest token in the log's tail, so a stale
 * owner's late append (written after a newer owner's first checkpoint, with a smaller token) is never resumed from.
 * A new owner writes a checkpoint as soon as it has opened its shards, so its token is in the log before it invokes.
 */
import { Encoder } from 'cbor-x';
import { retry } from '../../core/index.ts';
import { StorageError } from '../../storage/index.ts';
import type { LogStorage, ShardLog } from '../../storage/index.ts';

const cbor = new Encoder({ structuredClone: false, useRecords: false });
export const CHECKPOINT_LOG_PREFIX = 'functions/esm-cp/';
/** Trim the log behind the latest checkpoint every this many writes. */
const TRIM_EVERY = 1000;
/** Records of the tail `load` looks at for the largest token (a stale owner appends at most a few in-flight writes). */
const FENCE_TAIL = 64;

/** The fencing token of this node's lease on the mapping, null when it holds none (the write is refused). */
export type CheckpointFence = () => number | null;

/** A storage refusal for now (a shared log recovering from a failed append); anything else fails the write. */
export function isRetryableAppend(e: unknown): boolean {
  return e instanceof StorageError && e.code === 'EIO';
}

/** The token a checkpoint record carries in its key (`cp` from an unleased writer: 0). */
function tokenOf(key: string | undefined): number {
  const m = key === undefined ? null : /^cp:(\d+)$/.exec(key);
  return m ? Number(m[1]) : 0;
}

export class CheckpointLog<T> {
  private log: ShardLog | undefined;
  private saving: Promise<void> = Promise.resolve();
  private next: Promise<void> | null = null;
  private writes = 0;
  private lastTs = 0;

  constructor(
    private readonly storage: LogStorage,
    private readonly id: string,
    private readonly now: () => number,
    private readonly fence?: CheckpointFence,
  ) {}

  /** The latest checkpoint, or undefined if none was written. */
  async load(): Promise<T | undefined> {
    const log = await this.open();
    this.log = log;
    // Shared storage: another node (the mapping's previous owner) appended since this node last looked.
    await log.refresh?.();
    this.lastTs = log.lastTimestampMs ?? 0;
    if (log.endOffset <= log.startOffset) return undefined;
    if (!this.fence) {
      const { records } = await log.read(log.endOffset - 1, { maxRecords: 1, maxBytes: 64 * 1024 * 1024 });
      const last = records.at(-1);
      return last ? (cbor.decode(last.data) as T) : undefined;
    }
    // Fenced: the newest record of the largest token in the tail (a stale owner's late appends carry smaller ones).
    const from = Math.max(log.startOffset, log.endOffset - FENCE_TAIL);
    const { records } = await log.read(from, { maxRecords: FENCE_TAIL, maxBytes: 64 * 1024 * 1024 });
    let best: (typeof records)[number] | undefined;
    for (const r of records) if (best === undefined || tokenOf(r.key) >= tokenOf(best.key)) best = r;
    return best ? (cbor.decode(best.data) as T) : undefined;
  }

  /** The log, created unless it exists (in a cluster, another node may have created it). */
  private async open(): Promise<ShardLog> {
    const s = this.storage;
    return s.getLog(this.id) ?? (s.openLog ? await s.openLog(this.id) : await s.createLog(this.id));
  }

  /** Writes `snapshot()` (taken when the write starts) durably; concurrent calls share a write. */
  write(snapshot: () => T): Promise<void> {
    if (this.next) return this.next;
    const p = this.saving
      // The previous write's failure went to its own callers; this one starts regardless.
      .catch(() => undefined)
      .then(async () => {
        this.next = null;
        const log = this.log ?? (await this.open());
        this.log = log;
        const ts = Math.max(this.lastTs, this.now());
        this.lastTs = ts;
        const data = cbor.encode(snapshot());
        // A shared log (JetStream) whose append failed refuses every append with a retryable EIO until it has read
        // its end from the stream again (its `resync`, a round trip or more): the append is retried with backoff while
        // that lasts. The lease is asked again before each try, and a refusal (this node no longer holds it) is not retried.
        await retry(
          async () => {
            const token = this.fence ? this.fence() : 0;
            if (token === null) throw new Error(`checkpoint ${this.id}: this node does not hold the mapping's lease (another node runs it)`);
            await log.append([{ key: this.fence ? `cp:${token}` : 'cp', data, timestampMs: ts }]).durable;
          },
          { initialDelayMs: 20, maxDelayMs: 1_000, maxElapsedMs: 15_000, jitter: 0.5, isRetryable: isRetryableAppend },
        );
        if (++this.writes % TRIM_EVERY === 0) await log.trimBefore(ts);
      });
    this.next = p;
    this.saving = p;
    return p;
  }

  /** Resolves once the writes so far are done (a failed one was already reported to its callers). */
  async settled(): Promise<void> {
    await this.saving.catch(() => undefined);
  }

  /** Removes the log (the mapping is deleted). */
  static async remove(storage: LogStorage, id: string): Promise<void> {
    if (storage.getLog(id)) await storage.deleteLog(id);
  }
}
