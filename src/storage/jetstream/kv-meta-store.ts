/**
 * MetaStore on a JetStream KV bucket. `get`/`keys` stay synchronous: the store keeps an in-memory copy, loaded at
 * open and kept current by a KV watcher (other Freshet nodes' writes). `put`/`delete` change the copy at once and
 * resolve on the KV ack. Values are CBOR with structured-clone tags (Map, Date, …), as the file backend stores them.
 *
 * Revisions: each key's last known KV revision is kept, so a watcher event older than a write this node has already
 * seen acknowledged never overwrites the copy. `create` and `update` are the compare-and-set forms (a second
 * node's CreateStream loses with EXISTS / CONFLICT instead of overwriting).
 */
import { Encoder } from 'cbor-x';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import { KvWatchInclude } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/transport-node';
import type { MetaStore } from '../types.ts';
import { StorageError } from '../types.ts';
import { encodeKvKey, decodeKvKey } from './kv-keys.ts';
import { kvCompareAndSet, kvCreateIfAbsent } from './kv-cas.ts';
import { listKvKeys } from './kv-list.ts';

export { decodeKvKey, encodeKvKey } from './kv-keys.ts';

import { FENCE_FIELD } from './kv-keys.ts';
export { FENCE_FIELD };

/**
 * Which keys are fenced (src/cluster/leases.ts installs it): `tokenFor(key)` is undefined for a key that is not
 * fenced, null for a fenced key whose lease this node does not hold, else the lease's fencing token.
 */
export type FenceRule = (key: string) => number | null | undefined;

export class KvMetaStore implements MetaStore {
  private readonly map = new Map<string, unknown>();
  private readonly revisions = new Map<string, number>();
  /** Local writes not yet acknowledged, per key: watcher events for the key wait until they are. */
  private readonly inFlight = new Map<string, number>();
  /** The newest watcher event of a key that arrived while a local write of it was in flight (applied after it). */
  private readonly deferred = new Map<string, { key: string; revision: number; operation: string; value: Uint8Array }>();
  private readonly cbor = new Encoder({ structuredClone: true, useRecords: false });
  private watcher: QueuedIterator<KvWatchEntry> | null = null;
  /** The last conditional write of each key (updateIfUnchanged): the next one waits for it. */
  private readonly chains = new Map<string, Promise<number>>();
  private readonly listeners = new Set<{ prefix: string; fn: (key: string) => void }>();
  private closed = false;
  /** The bucket's last sequence as last seen here (the first guess of a compare-and-set write, see cas()). */
  private bucketSeq = 0;
  private fence: FenceRule | null = null;

  constructor(
    private readonly kv: KV,
    /** Lists the bucket at load (kv-list.ts). */
    private readonly jsm: JetStreamManager,
    private readonly bucket: string,
  ) {}

  /** Makes `put` of the keys `rule` names fenced writes (putFenced with the rule's token). */
  setFence(rule: FenceRule | null): void {
    this.fence = rule;
  }

  /** Loads every key and starts following other nodes' changes. */
  async load(): Promise<void> {
    // The watcher first (updates only), then the listing: a change between the two is seen by the watcher.
    const w = await this.kv.watch({ include: KvWatchInclude.UpdatesOnly });
    this.watcher = w;
    void this.follow(w);
    // Not kv.keys(): it does not end while other nodes write faster than it reads (kv-list.ts).
    for (const k of await listKvKeys(this.jsm, this.bucket)) {
      const e = await this.kv.get(k);
      if (e) this.apply(e);
    }
  }

  private async follow(w: QueuedIterator<KvWatchEntry>): Promise<void> {
    try {
      for await (const e of w) this.apply(e);
    } catch {
      // The watcher ends with an error when the connection closes; the copy then stops following (close()).
    }
  }

  private apply(e: { key: string; revision: number; operation: string; value: Uint8Array }): void {
    const key = decodeKvKey(e.key);
    if (e.revision > this.bucketSeq) this.bucketSeq = e.revision;
    if (this.inFlight.has(key)) {
      // Our own pending write may decide (its ack records a newer revision); if it fails or is older, this event is
      // applied when the write settles (settled()): another node's change must not be lost.
      const held = this.deferred.get(key);
      if (!held || held.revision < e.revision) this.deferred.set(key, e);
      return;
    }
    const known = this.revisions.get(key);
    if (known !== undefined && e.revision <= known) return;
    this.revisions.set(key, e.revision);
    if (e.operation === 'PUT') this.map.set(key, this.cbor.decode(e.value));
    else this.map.delete(key);
    for (const l of this.listeners) if (key.startsWith(l.prefix)) l.fn(key);
  }

  /** Calls `listener(key)` after a change another node made (or one made before this node loaded) to a key under `prefix`. */
  watch(prefix: string, listener: (key: string) => void): () => void {
    const l = { prefix, fn: listener };
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  get<T = unknown>(key: string): T | undefined {
    const v = this.map.get(key);
    return v === undefined ? undefined : (structuredClone(v) as T);
  }

  keys(prefix: string): string[] {
    const out: string[] = [];
    for (const k of this.map.keys()) if (k.startsWith(prefix)) out.push(k);
    return out.sort();
  }

  /** The KV revision of the key as last seen here (for `update`), or undefined. */
  revision(key: string): number | undefined {
    return this.revisions.get(key);
  }

  async put(key: string, value: unknown): Promise<void> {
    const token = this.fence?.(key);
    if (token !== undefined) {
      if (token === null) throw new StorageError(`metadata ${key}: this node does not hold the lease of its resource (another node runs it)`, 'FENCED');
      await this.putFenced(key, value, token);
      return;
    }
    await this.write(key, value, (k, body) => this.kv.put(k, body));
  }

  /**
   * A checkpoint write carrying a fencing token: stored (with FENCE_FIELD = token) only if the value in the bucket
   * carries no larger token, compare-and-set on the revision read from the bucket (not this node's copy, which may
   * lag). A stale owner's late write, after a newer owner wrote once, fails with FENCED and changes nothing.
   */
  async putFenced(key: string, value: unknown, token: number): Promise<void> {
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw new StorageError(`metadata ${key}: only an object value can be fenced`, 'EINVAL');
    const stamped = { ...(value as Record<string, unknown>), [FENCE_FIELD]: token };
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw new StorageError('storage is closed', 'CLOSED');
      let rev = 0;
      try {
        const e = await this.kv.get(encodeKvKey(key));
        if (e) {
          rev = e.revision;
          if (e.operation === 'PUT' && e.value.byteLength > 0) {
            const held = (this.cbor.decode(e.value) as Record<string, unknown> | null)?.[FENCE_FIELD];
            if (typeof held === 'number' && held > token)
              throw new StorageError(`metadata ${key}: refused a write with fencing token ${token}, a newer owner (token ${held}) wrote it`, 'FENCED');
          }
        }
      } catch (e) {
        if (e instanceof StorageError) throw e;
        throw new StorageError(`metadata read of ${key} failed: ${(e as Error).message}`, 'EIO', { cause: e });
      }
      try {
        await this.write(key, stamped, (k, body) => (rev > 0 ? this.cas(k, body, rev) : this.casCreate(k, body)), 'CONFLICT');
        return;
      } catch (e) {
        // Another writer got in between the read and the write: read again (its token decides).
        if (attempt >= 5) throw e;
      }
    }
  }

  /** Stores `value` only if the key does not exist in the bucket (any node): else rejects with EXISTS. */
  async create(key: string, value: unknown): Promise<void> {
    await this.write(key, value, (k, body) => this.casCreate(k, body), 'EXISTS');
  }

  /** Stores `value` only if the key is still at `revision`: else rejects with CONFLICT (another node changed it). */
  async update(key: string, value: unknown, revision: number): Promise<void> {
    await this.write(key, value, (k, body) => this.cas(k, body, revision), 'CONFLICT');
  }

  /**
   * `update` at the revision this node has seen now, when the caller decided on what it saw (0: the key must not
   * exist). A watcher event arriving while the write waits does not move that revision: the write then loses, as it
   * must. This node's own conditional writes of one key go one after another, each at the revision the one before
   * it produced. The value is copied now: later changes by the caller are not written.
   */
  updateIfUnchanged(key: string, value: unknown): Promise<void> {
    const copy = structuredClone(value);
    const seen = this.revisions.get(key) ?? 0;
    const prev = this.chains.get(key);
    const run = (after: number | undefined): Promise<number> => {
      const rev = after ?? seen;
      return this.write(key, copy, (k, body) => (rev > 0 ? this.cas(k, body, rev) : this.casCreate(k, body)), 'CONFLICT');
    };
    const p = prev ? prev.then(run, () => run(undefined)) : run(undefined);
    this.chains.set(key, p);
    const clear = () => {
      if (this.chains.get(key) === p) this.chains.delete(key);
    };
    p.then(clear, clear);
    return p.then(() => {});
  }

  /** Compare-and-set of one key that also expects the bucket's last sequence (see kv-cas.ts: why). */
  private cas(k: string, body: Uint8Array, expected: number): Promise<number> {
    return kvCompareAndSet(this.kv, k, body, expected, Math.max(this.bucketSeq, expected));
  }

  private casCreate(k: string, body: Uint8Array): Promise<number> {
    return kvCreateIfAbsent(this.kv, k, body, this.bucketSeq);
  }

  /** Resolves with the key's new revision. */
  private async write(key: string, value: unknown, op: (k: string, body: Uint8Array) => Promise<number>, casCode?: string): Promise<number> {
    if (this.closed) throw new StorageError('storage is closed', 'CLOSED');
    // Both before the copy changes: a value that cannot be cloned or encoded leaves it as it was.
    const copy = structuredClone(value);
    const body = this.cbor.encode(value);
    const before = this.map.get(key);
    const had = this.map.has(key);
    if (casCode === undefined) this.map.set(key, copy);
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    try {
      const rev = await op(encodeKvKey(key), body);
      if (rev > this.bucketSeq) this.bucketSeq = rev;
      if (rev > (this.revisions.get(key) ?? 0)) {
        this.revisions.set(key, rev);
        this.map.set(key, copy);
      }
      return rev;
    } catch (e) {
      if (casCode === undefined) {
        if (had) this.map.set(key, before);
        else this.map.delete(key);
        throw new StorageError(`metadata write of ${key} failed: ${(e as Error).message}`, 'EIO', { cause: e });
      }
      throw new StorageError(`metadata ${key}: ${(e as Error).message}`, casCode, { cause: e });
    } finally {
      this.settled(key);
    }
  }

  /** A local write of `key` finished (either way): after the last one, an event deferred meanwhile is applied. */
  private settled(key: string): void {
    const n = this.inFlight.get(key)! - 1;
    if (n > 0) {
      this.inFlight.set(key, n);
      return;
    }
    this.inFlight.delete(key);
    const e = this.deferred.get(key);
    if (!e) return;
    this.deferred.delete(key);
    this.apply(e);
  }

  async delete(key: string): Promise<void> {
    if (this.closed) throw new StorageError('storage is closed', 'CLOSED');
    this.map.delete(key);
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    try {
      await this.kv.delete(encodeKvKey(key));
    } catch (e) {
      throw new StorageError(`metadata delete of ${key} failed: ${(e as Error).message}`, 'EIO', { cause: e });
    } finally {
      this.settled(key);
    }
  }

  close(): void {
    this.closed = true;
    this.watcher?.stop();
    this.watcher = null;
  }
}
