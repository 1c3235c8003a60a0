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
 */
import { Encoder } from 'cbor-x';
import type { LogStorage, ShardLog } from '../../storage/index.ts';

const cbor = new Encoder({ structuredClone: false, useRecords: false });
export const CHECKPOINT_LOG_PREFIX = 'functions/esm-cp/';
/** Trim the log behind the latest checkpoint every this many writes. */
const TRIM_EVERY = 1000;

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
  ) {}

  /** The latest checkpoint, or undefined if none was written. */
  async load(): Promise<T | undefined> {
    const log = this.storage.getLog(this.id) ?? (await this.storage.createLog(this.id));
    this.log = log;
    this.lastTs = log.lastTimestampMs ?? 0;
    if (log.endOffset <= log.startOffset) return undefined;
    const { records } = await log.read(log.endOffset - 1, { maxRecords: 1, maxBytes: 64 * 1024 * 1024 });
    const last = records.at(-1);
    return last ? (cbor.decode(last.data) as T) : undefined;
  }

  /** Writes `snapshot()` (taken when the write starts) durably; concurrent calls share a write. */
  write(snapshot: () => T): Promise<void> {
    if (this.next) return this.next;
    const p = this.saving
      // The previous write's failure went to its own callers; this one starts regardless.
      .catch(() => undefined)
      .then(async () => {
        this.next = null;
        const log = this.log ?? (await this.storage.createLog(this.id));
        this.log = log;
        const ts = Math.max(this.lastTs, this.now());
        this.lastTs = ts;
        const { durable } = log.append([{ key: 'cp', data: cbor.encode(snapshot()), timestampMs: ts }]);
        await durable;
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
