/**
 * A map from a group or join key to a non-negative int (a slot or sequence number), for operator state
 * keyed by whole numbers — ids, bidders, sellers — which is the usual case. Int32 keys live in an
 * open-addressing table (linear probing over typed arrays, deletion by backward shift: no tombstones,
 * no entry object, no rehash churn under a sliding set of keys); any other key (text, a composite key,
 * a fraction, NULL) goes to a Map beside it. JavaScript's Map costs several times more per
 * get/set/delete once keys come and go (its deleted entries stay until the next rehash).
 */
export class KeyIndex {
  /**
   * The table: entry i is kv[2i] (the key) and kv[2i + 1] (its value, −1 when the entry is empty), side by
   * side so that a probe reads one cache line, not one per array (keys, values and a used flag each in
   * their own array cost up to three misses per lookup in a table of 100k keys).
   */
  private kv: Int32Array;
  private mask: number;
  private shift: number;
  private n = 0;
  private readonly other = new Map<unknown, number>();

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.kv = new Int32Array(cap * 2).fill(-1);
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
  }

  get size(): number {
    return this.n + this.other.size;
  }

  // hot path: Fibonacci hashing of an int32 key to its home entry.
  private home(k: number): number {
    return Math.imul(k, 0x9e3779b1) >>> this.shift;
  }

  /** The value of key k, or −1. */
  // hot path
  get(k: unknown): number {
    if (typeof k !== 'number' || (k | 0) !== k) {
      const v = this.other.get(k);
      return v === undefined ? -1 : v;
    }
    const kv = this.kv;
    const mask = this.mask;
    for (let i = this.home(k); ; i = (i + 1) & mask) {
      const v = kv[2 * i + 1]!;
      if (v < 0) return -1;
      if (kv[2 * i] === k) return v;
    }
  }

  /** Sets key k to v (v ≥ 0). */
  set(k: unknown, v: number): void {
    this.swap(k, v);
  }

  /** Sets key k to v (v ≥ 0) and returns the value it had (−1: none): one probe where get and set take two. */
  // hot path
  swap(k: unknown, v: number): number {
    if (typeof k !== 'number' || (k | 0) !== k) {
      const old = this.other.get(k);
      this.other.set(k, v);
      return old === undefined ? -1 : old;
    }
    const kv = this.kv;
    const mask = this.mask;
    let i = this.home(k);
    for (; kv[2 * i + 1]! >= 0; i = (i + 1) & mask) {
      if (kv[2 * i] === k) {
        const old = kv[2 * i + 1]!;
        kv[2 * i + 1] = v;
        return old;
      }
    }
    kv[2 * i] = k;
    kv[2 * i + 1] = v;
    if (++this.n * 2 > mask) this.grow();
    return -1;
  }

  delete(k: unknown): void {
    this.remove(k);
  }

  /** Deletes key k and returns its value (−1: k was not there): one probe where get and delete take two. */
  remove(k: unknown): number {
    if (typeof k !== 'number' || (k | 0) !== k) {
      const v = this.other.get(k);
      if (v === undefined) return -1;
      this.other.delete(k);
      return v;
    }
    const kv = this.kv;
    const mask = this.mask;
    let i = this.home(k);
    for (; kv[2 * i + 1]! >= 0; i = (i + 1) & mask) if (kv[2 * i] === k) break;
    const found = kv[2 * i + 1]!;
    if (found < 0) return -1;
    this.n--;
    // Backward shift: move later entries of the probe run into the hole when their home allows it.
    for (let j = (i + 1) & mask; kv[2 * j + 1]! >= 0; j = (j + 1) & mask) {
      const h = this.home(kv[2 * j]!);
      const between = i <= j ? h > i && h <= j : h > i || h <= j;
      if (between) continue;
      kv[2 * i] = kv[2 * j]!;
      kv[2 * i + 1] = kv[2 * j + 1]!;
      i = j;
    }
    kv[2 * i + 1] = -1;
    return found;
  }

  private grow(): void {
    const old = this.kv;
    const cap = (this.mask + 1) * 2;
    this.kv = new Int32Array(cap * 2).fill(-1);
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
    this.n = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i + 1]! >= 0) this.set(old[i]!, old[i + 1]!);
  }

  clear(): void {
    this.kv.fill(-1);
    this.n = 0;
    this.other.clear();
  }
}

/** A map from keys to values on a KeyIndex: values in an array by slot, freed slots reused. */
export class KeyedSlots<T> {
  private readonly index = new KeyIndex();
  private vals: (T | undefined)[] = [];
  private free: number[] = [];

  get size(): number {
    return this.index.size;
  }

  get(k: unknown): T | undefined {
    const s = this.index.get(k);
    return s < 0 ? undefined : this.vals[s];
  }

  set(k: unknown, v: T): void {
    const s = this.index.get(k);
    if (s >= 0) {
      this.vals[s] = v;
      return;
    }
    const slot = this.free.length > 0 ? this.free.pop()! : this.vals.length;
    this.vals[slot] = v;
    this.index.set(k, slot);
  }

  delete(k: unknown): void {
    const s = this.index.remove(k);
    if (s < 0) return;
    this.vals[s] = undefined;
    this.free.push(s);
  }

  /** Deletes key k when its value is v (one probe); otherwise leaves it. Returns the value k had (undefined: none). */
  deleteIf(k: unknown, v: T): T | undefined {
    const s = this.index.remove(k);
    if (s < 0) return undefined;
    const cur = this.vals[s];
    if (cur === v) {
      this.vals[s] = undefined;
      this.free.push(s);
    } else this.index.set(k, s);
    return cur;
  }

  /** The values, in no particular order. */
  values(): T[] {
    const out: T[] = [];
    for (const v of this.vals) if (v !== undefined) out.push(v);
    return out;
  }

  clear(): void {
    this.index.clear();
    this.vals = [];
    this.free = [];
  }
}
