/**
 * A map from a group or join key to a non-negative int (a slot or sequence number), for operator state
 * keyed by whole numbers — ids, bidders, sellers — which is the usual case. Int32 keys live in an
 * open-addressing table (linear probing over typed arrays, deletion by backward shift: no tombstones,
 * no entry object, no rehash churn under a sliding set of keys); any other key (text, a composite key,
 * a fraction, NULL) goes to a Map beside it. JavaScript's Map costs several times more per
 * get/set/delete once keys come and go (its deleted entries stay until the next rehash).
 */
export class KeyIndex {
  private keys: Int32Array;
  private vals: Int32Array;
  private used: Uint8Array;
  private mask: number;
  private shift: number;
  private n = 0;
  private readonly other = new Map<unknown, number>();

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.keys = new Int32Array(cap);
    this.vals = new Int32Array(cap);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
  }

  get size(): number {
    return this.n + this.other.size;
  }

  // hot path: Fibonacci hashing of an int32 key to its home slot.
  private home(k: number): number {
    return Math.imul(k, 0x9e3779b1) >>> this.shift;
  }

  /** The value of key k, or −1. */
  get(k: unknown): number {
    if (typeof k !== 'number' || (k | 0) !== k) {
      const v = this.other.get(k);
      return v === undefined ? -1 : v;
    }
    const used = this.used;
    const keys = this.keys;
    const mask = this.mask;
    for (let i = this.home(k); used[i] === 1; i = (i + 1) & mask) if (keys[i] === k) return this.vals[i]!;
    return -1;
  }

  set(k: unknown, v: number): void {
    if (typeof k !== 'number' || (k | 0) !== k) {
      this.other.set(k, v);
      return;
    }
    const used = this.used;
    const keys = this.keys;
    const mask = this.mask;
    let i = this.home(k);
    for (; used[i] === 1; i = (i + 1) & mask) {
      if (keys[i] === k) {
        this.vals[i] = v;
        return;
      }
    }
    used[i] = 1;
    keys[i] = k;
    this.vals[i] = v;
    if (++this.n * 2 > mask) this.grow();
  }

  delete(k: unknown): void {
    if (typeof k !== 'number' || (k | 0) !== k) {
      this.other.delete(k);
      return;
    }
    const used = this.used;
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    let i = this.home(k);
    for (; used[i] === 1; i = (i + 1) & mask) if (keys[i] === k) break;
    if (used[i] !== 1) return;
    this.n--;
    // Backward shift: move later entries of the probe run into the hole when their home allows it.
    for (let j = (i + 1) & mask; used[j] === 1; j = (j + 1) & mask) {
      const h = this.home(keys[j]!);
      const between = i <= j ? h > i && h <= j : h > i || h <= j;
      if (between) continue;
      keys[i] = keys[j]!;
      vals[i] = vals[j]!;
      i = j;
    }
    used[i] = 0;
  }

  private grow(): void {
    const { keys, vals, used } = this;
    const cap = (this.mask + 1) * 2;
    this.keys = new Int32Array(cap);
    this.vals = new Int32Array(cap);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
    this.n = 0;
    for (let i = 0; i < used.length; i++) if (used[i] === 1) this.set(keys[i]!, vals[i]!);
  }

  clear(): void {
    this.used.fill(0);
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
    const s = this.index.get(k);
    if (s < 0) return;
    this.index.delete(k);
    this.vals[s] = undefined;
    this.free.push(s);
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
