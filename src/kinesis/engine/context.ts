/**
 * What the parts of the Kinesis engine share: configuration, the stream table, the per-stream lock that
 * serialises metadata changes, and the tracking of timer-started work (so whenIdle() and close() can
 * wait for it). Each part (registry, writes, reads, resharding, consumers, retention) holds one context.
 */
import type { Clock } from '../../core/index.ts';
import { KeyedMutex, log } from '../../core/index.ts';
import type { LogStorage } from '../../storage/index.ts';
import { streamNotActive, streamNotFound } from './errors.ts';
import { META_PREFIX } from './model.ts';
import type { KinesisEngineOptions, StreamMeta, StreamState } from './model.ts';

const kinesisLog = log.child('kinesis');

export class EngineContext {
  readonly storage: LogStorage;
  readonly clock: Clock;
  readonly region: string;
  readonly accountId: string;
  readonly shardLimit: number;
  readonly enforceLimits: boolean;
  readonly opts: KinesisEngineOptions;
  /** Every stream not yet gone (DELETING ones included), by name. */
  readonly streams = new Map<string, StreamState>();
  /** Set by close(): timers that fire afterwards do nothing. */
  closed = false;
  /** Serialises metadata mutations per stream name (create/delete/tags/retention/resharding). */
  private readonly locks = new KeyedMutex<string>();
  /** Work started by timers (activation, deletion, retention), awaited by whenIdle() and close(). */
  private readonly background = new Set<Promise<unknown>>();

  constructor(opts: KinesisEngineOptions) {
    this.opts = opts;
    this.storage = opts.storage;
    this.clock = opts.clock;
    this.region = opts.region;
    this.accountId = opts.accountId;
    this.shardLimit = opts.shardLimit;
    this.enforceLimits = opts.enforceLimits ?? false;
  }

  arnFor(name: string): string {
    return `arn:aws:kinesis:${this.region}:${this.accountId}:stream/${name}`;
  }

  /** The stream in any status, or ResourceNotFoundException. */
  stream(name: string): StreamState {
    const s = this.streams.get(name);
    if (!s) throw streamNotFound(name, this.accountId);
    return s;
  }

  /** The stream, which must accept reads and writes (ACTIVE or UPDATING). */
  activeStream(name: string): StreamState {
    const s = this.streams.get(name);
    if (!s || (s.meta.status !== 'ACTIVE' && s.meta.status !== 'UPDATING')) throw streamNotFound(name, this.accountId);
    return s;
  }

  notActive(s: StreamState): Error {
    return streamNotActive(s.meta.name, s.meta.status, this.accountId);
  }

  /** Open shards over every stream (what the account's shard limit counts). */
  openShardCount(): number {
    let n = 0;
    for (const s of this.streams.values()) n += s.open.length;
    return n;
  }

  withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(name, fn);
  }

  /** Resolves once every lock holder queued so far has finished. */
  locksSettled(): Promise<void> {
    return this.locks.idle();
  }

  /** Timer-started work that failed (a status change not persisted, a trim or a deletion not done), counted and logged. */
  backgroundFailures = 0;

  /**
   * Keeps timer-started work for whenIdle(). Nobody awaits it, so a failure is logged (`<what> failed`, namespace
   * `kinesis`, counted in the errors.swallowed metric) and counted here instead of being lost.
   */
  track(p: Promise<unknown>, what: string): void {
    const t = p
      .catch((e: unknown) => {
        this.backgroundFailures++;
        kinesisLog.swallowed(what, e);
      })
      .finally(() => this.background.delete(t));
    this.background.add(t);
  }

  /** Resolves once timer-started work (status changes, deletion, retention trims) has finished. */
  async whenIdle(): Promise<void> {
    while (this.background.size) await Promise.all([...this.background]);
  }

  /** Set by the registry on shared storage: re-reads a stream whose metadata another node changed first. */
  onConflict: ((name: string) => void) | undefined;

  /**
   * Stores the stream's metadata. On shared storage only if no other node changed it since this node saw it: else
   * the local state is re-read from the store and the caller gets ResourceInUseException (retryable).
   */
  persist(state: StreamState): Promise<void> {
    return this.persistMeta(state.meta);
  }

  /** persist() for metadata not (yet) the stream's state (a reshard's plan). */
  async persistMeta(m: StreamMeta): Promise<void> {
    const meta = this.storage.meta;
    const name = m.name;
    if (!meta.updateIfUnchanged) return meta.put(META_PREFIX + name, m);
    try {
      await meta.updateIfUnchanged(META_PREFIX + name, m);
    } catch (e) {
      if ((e as { code?: string }).code !== 'CONFLICT') throw e;
      this.onConflict?.(name);
      // The other node's change may not have arrived here yet: what it did is an update in progress.
      const seen = meta.get<{ status?: string }>(META_PREFIX + name)?.status;
      throw streamNotActive(name, seen === undefined || seen === 'ACTIVE' ? 'UPDATING' : seen, this.accountId);
    }
  }

  /** UPDATING (or CREATING) → ACTIVE: wakes whenActive() callers and persists the status. */
  finishUpdate(s: StreamState): void {
    s.meta.status = 'ACTIVE';
    s.everActive = true;
    const waiters = s.activeWaiters.splice(0);
    for (const w of waiters) w();
    this.track(this.persist(s), `persisting stream ${s.meta.name} as ACTIVE`);
  }
}
