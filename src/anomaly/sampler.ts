/**
 * Per-tree weighted reservoir sampler with time decay, in the manner of the
 * reference implementation's stream sampler (random-cut-forest-by-aws,
 * CompactSampler): each offered point gets the key
 *
 *     w = log(-log(u)) - lambda * sequenceIndex,    u ~ U(0, 1)
 *
 * and the sampler keeps the `capacity` smallest keys (a max-heap on w, so the
 * worst key is at the root and is the one evicted). This is the Efraimidis–Spirakis
 * A-Res scheme with weight exp(lambda * t) written in log space: a key
 * u^(1/weight) is large exactly when log(-log u) - lambda t is small. With
 * lambda = 0 the reservoir is a uniform sample of the whole stream; with a larger
 * lambda, recent points are favoured and the sample covers about the last
 * 1/lambda points.
 *
 * While the reservoir is filling, a point is taken outright with a probability
 * that falls from 1 (below `initialAcceptFraction` of capacity) to 0 (full), as
 * the reference does, so that the trees of one forest do not all start from the
 * same first `capacity` points.
 *
 * The sampler stores only keys and the leaf each entry points at; the tree owns
 * the point values. Several entries may point at one leaf (duplicates).
 */
export const INITIAL_ACCEPT_FRACTION = 0.125;

export class StreamSampler {
  readonly capacity: number;
  size = 0;
  readonly weights: Float64Array;
  readonly leaves: Int32Array;
  /** Leaf evicted by the last accepted offer, or -1. Read by the tree owner. */
  evictedLeaf = -1;
  private pendingWeight = 0;
  private pendingSlot = -1;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.weights = new Float64Array(capacity);
    this.leaves = new Int32Array(capacity);
  }

  /**
   * Decides whether a point with key `weight` enters the sample. `uFill` is a
   * uniform draw used only while filling. On true, the caller deletes
   * `evictedLeaf` from its tree (when >= 0), inserts the point and calls commit().
   */
  // hot path
  offer(weight: number, uFill: number): boolean {
    this.evictedLeaf = -1;
    const size = this.size;
    const cap = this.capacity;
    if (size < cap) {
      const fill = size / cap;
      const p = fill < INITIAL_ACCEPT_FRACTION ? 1 : 1 - (fill - INITIAL_ACCEPT_FRACTION) / (1 - INITIAL_ACCEPT_FRACTION);
      if (uFill < p) {
        this.pendingWeight = weight;
        this.pendingSlot = -1;
        return true;
      }
    }
    if (size > 0 && weight < this.weights[0]!) {
      this.evictedLeaf = this.leaves[0]!;
      this.pendingWeight = weight;
      this.pendingSlot = 0;
      return true;
    }
    return false;
  }

  /** Records the accepted point as stored in `leaf`. */
  // hot path
  commit(leaf: number): void {
    if (this.pendingSlot === 0) {
      this.weights[0] = this.pendingWeight;
      this.leaves[0] = leaf;
      this.siftDown(0);
    } else {
      const i = this.size++;
      this.weights[i] = this.pendingWeight;
      this.leaves[i] = leaf;
      this.siftUp(i);
    }
  }

  private siftUp(i: number): void {
    const w = this.weights,
      l = this.leaves;
    const wi = w[i]!,
      li = l[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (w[p]! >= wi) break;
      w[i] = w[p]!;
      l[i] = l[p]!;
      i = p;
    }
    w[i] = wi;
    l[i] = li;
  }

  private siftDown(i: number): void {
    const w = this.weights,
      l = this.leaves,
      n = this.size;
    const wi = w[i]!,
      li = l[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && w[c + 1]! > w[c]!) c++;
      if (w[c]! <= wi) break;
      w[i] = w[c]!;
      l[i] = l[c]!;
      i = c;
    }
    w[i] = wi;
    l[i] = li;
  }

  /** Largest (worst) key in the sample, or +Infinity when empty. */
  maxWeight(): number {
    return this.size > 0 ? this.weights[0]! : Infinity;
  }
}
