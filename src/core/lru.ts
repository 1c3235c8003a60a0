/**
 * A bounded cache for values derived from user input (compiled LIKE patterns,
 * JSONPaths, date formats, zone formatters…), so a stream of distinct inputs
 * cannot grow memory without limit.
 *
 * Least-recently-used in two generations (the scheme of hashlru / quick-lru):
 * new entries go into the current generation; when it holds half the capacity
 * it becomes the old one and the previous old one is dropped. A hit in the
 * current generation costs one Map lookup and no reordering (caches sit on
 * per-row paths); a hit in the old one moves the entry to the current. So at
 * most `maxEntries` are held, and an entry used within the last
 * `maxEntries / 2` insertions is never evicted.
 */
export class LruCache<K, V> {
  private current = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly generationSize: number;

  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 2) throw new RangeError(`LruCache needs maxEntries ≥ 2, got ${maxEntries}`);
    this.generationSize = Math.floor(maxEntries / 2);
  }

  // hot path: one lookup per evaluation
  get(key: K): V | undefined {
    const v = this.current.get(key);
    if (v !== undefined) return v;
    const o = this.old.get(key);
    if (o !== undefined) {
      this.old.delete(key);
      this.insert(key, o);
    }
    return o;
  }

  set(key: K, value: V): void {
    if (this.current.has(key)) this.current.set(key, value);
    else {
      this.old.delete(key);
      this.insert(key, value);
    }
  }

  /** The cached value for `key`, computing and caching it on a miss. */
  getOrCreate(key: K, create: (key: K) => V): V {
    const v = this.get(key);
    if (v !== undefined) return v;
    const made = create(key);
    this.set(key, made);
    return made;
  }

  has(key: K): boolean {
    return this.current.has(key) || this.old.has(key);
  }

  delete(key: K): boolean {
    const a = this.current.delete(key);
    const b = this.old.delete(key);
    return a || b;
  }

  /** Entries held (at most maxEntries). */
  get size(): number {
    return this.current.size + this.old.size;
  }

  clear(): void {
    this.current.clear();
    this.old.clear();
  }

  private insert(key: K, value: V): void {
    if (this.current.size >= this.generationSize) {
      this.old = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
  }
}
