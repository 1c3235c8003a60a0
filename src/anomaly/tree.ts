/**
 * One random cut tree over a fixed-capacity sample (Guha et al., "Robust Random
 * Cut Forest Based Anomaly Detection on Streams", ICML 2016; behaviour follows
 * the reference implementation, random-cut-forest-by-aws).
 *
 * Storage is preallocated typed arrays, sized by the sample capacity, so inserts,
 * deletes and scoring allocate nothing:
 *   internal nodes: a link record of 3 doubles per node — cut value (f64), then
 *   cut dimension, left child, right child, parent (four i32 in two f64 slots) —
 *   kept apart from the boxes, so the walk down (which reads only cuts and
 *   children) runs through a few kilobytes per tree that stay in cache; a box
 *   record of 1 + 2d doubles per node — the sum of the box's ranges, then min and
 *   max interleaved per dimension (node i, dimension k: min at i·B + 1 + 2k, max
 *   right after, B = 1 + 2d); the mass in `mass`;
 *   leaves: the point, its mass (number of sampled copies) and parent.
 * Checkpoints keep the earlier single-record layout (see nodeRecords()).
 * A child reference is an internal node index (>= 0) or ~leafIndex (< 0).
 *
 * Insertion is the top-down RRCF insertion: at each node a cut is drawn on the
 * node's box merged with the new point, the dimension chosen with probability
 * proportional to its range; if the cut separates the point from the box the
 * point becomes a sibling of that node, otherwise the point follows the node's
 * existing cut (a point inside the node's box cannot be separated, so no cut is
 * drawn there). The resulting tree has the same distribution as one built from
 * scratch on the sample plus the point. A point equal to an existing leaf raises
 * that leaf's mass instead of adding a leaf.
 */
import type { Rng } from './random.ts';

export const NIL = 0x7fffffff;

const LN2 = Math.LN2;

/**
 * Link record: f64 slot 0 cut value; i32 slots 2..5 cut dim, left, right, parent.
 * Box record: f64 slot 0 the sum of the box's ranges (so a score walk need not
 * re-add the ranges of dimensions the point is inside); f64 slots 1.. the box.
 */
const LINK_F = 3;
const LINK_I = 6;
const RANGE = 0;
const BOX = 1;
/** Checkpoint node record (version 2): cut, four i32, range sum, box: 4 + 2d doubles. */
const RECORD_BOX = 4;
const CUT_DIM = 2;
const LEFT = 3;
const RIGHT = 4;
const PARENT = 5;

/** Scratch of imputeInto: one completed point per tree level (shared: imputation is synchronous; grown on demand). */
let IMPUTE = new Float64Array(0);

/** log2(m + 1) for masses up to the largest sample size seen so far (grown on demand, never per point). */
let LOG2P1 = new Float64Array(0);

function log2Table(capacity: number): Float64Array {
  if (LOG2P1.length <= capacity + 1) {
    const t = new Float64Array(capacity + 2);
    for (let m = 0; m < t.length; m++) t[m] = Math.log(m + 1) / LN2;
    LOG2P1 = t;
  }
  return LOG2P1;
}

export class RandomCutTree {
  readonly dims: number;
  readonly capacity: number;
  readonly rng: Rng;

  root = NIL;

  // Internal nodes (at most capacity - 1 are in use; one spare slot keeps the code simple).
  /** Link records (cut value, cut dimension, children, parent); nodeF and nodeI view the same bytes. */
  readonly nodeF: Float64Array;
  readonly nodeI: Int32Array;
  /** Box records (range sum, then min and max per dimension). */
  readonly boxes: Float64Array;
  /** Box record stride in f64 slots (1 + 2 × dims). */
  private readonly strideF: number;
  readonly mass: Int32Array;
  readonly freeNodes: Int32Array;
  freeNodeCount: number;

  // Leaves.
  readonly leafPoint: Float64Array;
  readonly leafMass: Int32Array;
  readonly leafParent: Int32Array;
  readonly freeLeaves: Int32Array;
  freeLeafCount: number;

  // Scratch (never escapes a call).
  private readonly path: Int32Array;
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  private readonly outside: Int32Array;
  private readonly log2p1: Float64Array;
  private readonly attrHigh: Float64Array;
  private readonly attrLow: Float64Array;
  private readonly shadowMin: Float64Array;
  private readonly shadowMax: Float64Array;
  private cutD = 0;
  private cutV = 0;
  private depth = 0;

  constructor(dims: number, capacity: number, rng: Rng) {
    this.dims = dims;
    this.capacity = capacity;
    this.rng = rng;
    const n = capacity;
    this.strideF = BOX + 2 * dims;
    const nodeBuf = new ArrayBuffer(n * LINK_F * 8);
    this.nodeF = new Float64Array(nodeBuf);
    this.nodeI = new Int32Array(nodeBuf);
    this.boxes = new Float64Array(n * this.strideF);
    this.mass = new Int32Array(n);
    this.freeNodes = new Int32Array(n);
    this.leafPoint = new Float64Array(n * dims);
    this.leafMass = new Int32Array(n);
    this.leafParent = new Int32Array(n);
    this.freeLeaves = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      this.freeNodes[i] = n - 1 - i;
      this.freeLeaves[i] = n - 1 - i;
    }
    this.freeNodeCount = n;
    this.freeLeafCount = n;
    this.path = new Int32Array(n + 1);
    this.lo = new Float64Array(dims);
    this.hi = new Float64Array(dims);
    this.outside = new Int32Array(dims);
    this.log2p1 = log2Table(capacity);
    this.attrHigh = new Float64Array(dims);
    this.attrLow = new Float64Array(dims);
    this.shadowMin = new Float64Array(dims);
    this.shadowMax = new Float64Array(dims);
  }

  /**
   * Node records of a version-1 checkpoint (3 + 2d doubles per node, no range
   * sum) in today's layout, with each node's range sum computed from its box.
   */
  static upgradeNodeRecords(old: Float64Array, dims: number): Float64Array {
    const oldStride = 3 + 2 * dims,
      stride = RECORD_BOX + 2 * dims;
    const n = old.length / oldStride;
    const out = new Float64Array(n * stride);
    for (let i = 0; i < n; i++) {
      const o = i * oldStride,
        q = i * stride;
      out[q] = old[o]!;
      out[q + 1] = old[o + 1]!;
      out[q + 2] = old[o + 2]!;
      let range = 0;
      for (let k = 0; k < dims; k++) {
        out[q + RECORD_BOX + 2 * k] = old[o + 3 + 2 * k]!;
        out[q + RECORD_BOX + 2 * k + 1] = old[o + 3 + 2 * k + 1]!;
        range += old[o + 3 + 2 * k + 1]! - old[o + 3 + 2 * k]!;
      }
      out[q + RECORD_BOX - 1] = range;
    }
    return out;
  }

  /** Node records in the checkpoint layout (version 2: 4 + 2d doubles per node, box after the links). */
  nodeRecords(): Float64Array {
    const n = this.capacity,
      stride = RECORD_BOX + 2 * this.dims,
      bs = this.strideF;
    const out = new Float64Array(n * stride);
    for (let i = 0; i < n; i++) {
      out.set(this.nodeF.subarray(i * LINK_F, (i + 1) * LINK_F), i * stride);
      out[i * stride + RECORD_BOX - 1] = this.boxes[i * bs + RANGE]!;
      out.set(this.boxes.subarray(i * bs + BOX, (i + 1) * bs), i * stride + RECORD_BOX);
    }
    return out;
  }

  /** Loads node records in the checkpoint layout (the inverse of nodeRecords()). */
  setNodeRecords(records: Float64Array): void {
    const n = this.capacity,
      stride = RECORD_BOX + 2 * this.dims,
      bs = this.strideF;
    if (records.length !== n * stride) throw new RangeError('forest state array has the wrong size');
    for (let i = 0; i < n; i++) {
      this.nodeF.set(records.subarray(i * stride, i * stride + LINK_F), i * LINK_F);
      this.boxes[i * bs + RANGE] = records[i * stride + RECORD_BOX - 1]!;
      this.boxes.set(records.subarray(i * stride + RECORD_BOX, (i + 1) * stride), i * bs + BOX);
    }
  }

  /** Total mass (number of sampled points, duplicates included). */
  totalMass(): number {
    const r = this.root;
    if (r === NIL) return 0;
    return r >= 0 ? this.mass[r]! : this.leafMass[~r]!;
  }

  /** Typed-array bytes held by this tree (its memory, excluding object headers). */
  byteSize(): number {
    return (
      this.nodeF.byteLength +
      this.boxes.byteLength +
      this.mass.byteLength +
      this.freeNodes.byteLength +
      this.leafPoint.byteLength +
      this.leafMass.byteLength +
      this.leafParent.byteLength +
      this.freeLeaves.byteLength +
      this.path.byteLength +
      this.lo.byteLength +
      this.hi.byteLength +
      this.outside.byteLength +
      this.attrHigh.byteLength +
      this.attrLow.byteLength +
      this.shadowMin.byteLength +
      this.shadowMax.byteLength
    );
  }

  private allocLeaf(point: Float64Array): number {
    const j = this.freeLeaves[--this.freeLeafCount]!;
    const d = this.dims,
      base = j * d,
      lp = this.leafPoint;
    for (let k = 0; k < d; k++) lp[base + k] = point[k]!;
    this.leafMass[j] = 1;
    return j;
  }

  private allocNode(): number {
    return this.freeNodes[--this.freeNodeCount]!;
  }

  private link(par: number, oldRef: number, newRef: number): void {
    if (par === -1) this.root = newRef;
    else if (this.nodeI[par * LINK_I + LEFT] === oldRef) this.nodeI[par * LINK_I + LEFT] = newRef;
    else this.nodeI[par * LINK_I + RIGHT] = newRef;
  }

  /** Writes a new internal node with the cut in cutD / cutV, box [lo, hi] and the given children. */
  private writeNode(n: number, left: number, right: number, par: number, mass: number): void {
    const ni = this.nodeI,
      o = n * LINK_I;
    this.nodeF[n * LINK_F] = this.cutV;
    ni[o + CUT_DIM] = this.cutD;
    ni[o + LEFT] = left;
    ni[o + RIGHT] = right;
    ni[o + PARENT] = par;
    this.mass[n] = mass;
    const d = this.dims,
      box = this.boxes,
      lo = this.lo,
      hi = this.hi,
      b = n * this.strideF + BOX;
    let range = 0;
    for (let k = 0; k < d; k++) {
      box[b + 2 * k] = lo[k]!;
      box[b + 2 * k + 1] = hi[k]!;
      range += hi[k]! - lo[k]!;
    }
    box[n * this.strideF + RANGE] = range;
  }

  /** Draws a cut on the box [lo, hi] (sum of ranges `sum`) into cutD / cutV. */
  // hot path
  private drawCut(sum: number): void {
    const d = this.dims,
      lo = this.lo,
      hi = this.hi;
    let r = this.rng.nextDouble() * sum;
    let last = -1;
    for (let k = 0; k < d; k++) {
      const range = hi[k]! - lo[k]!;
      if (range <= 0) continue;
      last = k;
      if (r < range) {
        let v = lo[k]! + r;
        // Rounding can land on the upper bound; a cut must leave the maximum on the right.
        if (v >= hi[k]!) v = lo[k]!;
        this.cutD = k;
        this.cutV = v;
        return;
      }
      r -= range;
    }
    // r ran past the total through rounding: take the last dimension with a range.
    this.cutD = last;
    this.cutV = lo[last]!;
  }

  /** Inserts a point (length dims); returns the leaf that now holds it. */
  // hot path
  insert(point: Float64Array): number {
    if (this.root === NIL) {
      const j = this.allocLeaf(point);
      this.leafParent[j] = -1;
      this.root = ~j;
      return j;
    }
    const d = this.dims,
      lo = this.lo,
      hi = this.hi,
      box = this.boxes,
      nodeI = this.nodeI,
      nodeF = this.nodeF;
    const sf = this.strideF,
      si = LINK_I;
    let node = this.root;
    let par = -1;
    for (;;) {
      if (node < 0) {
        const j = ~node;
        const base = j * d,
          lp = this.leafPoint;
        let equal = true;
        let sum = 0;
        for (let k = 0; k < d; k++) {
          const a = lp[base + k]!,
            b = point[k]!;
          if (a !== b) equal = false;
          if (a < b) {
            lo[k] = a;
            hi[k] = b;
            sum += b - a;
          } else {
            lo[k] = b;
            hi[k] = a;
            sum += a - b;
          }
        }
        if (equal) {
          this.leafMass[j]!++;
          return j;
        }
        this.drawCut(sum);
        const n = this.allocNode();
        const leaf = this.allocLeaf(point);
        if (point[this.cutD]! <= this.cutV) this.writeNode(n, ~leaf, node, par, this.leafMass[j]! + 1);
        else this.writeNode(n, node, ~leaf, par, this.leafMass[j]! + 1);
        this.leafParent[leaf] = n;
        this.leafParent[j] = n;
        this.link(par, node, n);
        return leaf;
      }
      const i = node,
        b = i * sf + BOX;
      let grew = false;
      for (let k = 0; k < d; k++) {
        const x = point[k]!;
        if (x < box[b + 2 * k]! || x > box[b + 2 * k + 1]!) {
          grew = true;
          break;
        }
      }
      if (!grew) {
        // Inside the node's box: no cut of that box can separate the point, so none is drawn.
        this.mass[i]!++;
        par = i;
        const o = i * si;
        node = point[nodeI[o + CUT_DIM]!]! <= nodeF[i * LINK_F]! ? nodeI[o + LEFT]! : nodeI[o + RIGHT]!;
        continue;
      }
      let sum = 0;
      for (let k = 0; k < d; k++) {
        const x = point[k]!;
        const l = Math.min(x, box[b + 2 * k]!),
          h = Math.max(x, box[b + 2 * k + 1]!);
        lo[k] = l;
        hi[k] = h;
        sum += h - l;
      }
      this.drawCut(sum);
      const cd = this.cutD,
        cv = this.cutV;
      const below = cv < box[b + 2 * cd]!;
      if (below || cv >= box[b + 2 * cd + 1]!) {
        const n = this.allocNode();
        const leaf = this.allocLeaf(point);
        if (below) this.writeNode(n, ~leaf, i, par, this.mass[i]! + 1);
        else this.writeNode(n, i, ~leaf, par, this.mass[i]! + 1);
        this.leafParent[leaf] = n;
        nodeI[i * LINK_I + PARENT] = n;
        this.link(par, i, n);
        return leaf;
      }
      // Not separated here: the point lies in this subtree, whose box grows to include it.
      for (let k = 0; k < d; k++) {
        box[b + 2 * k] = lo[k]!;
        box[b + 2 * k + 1] = hi[k]!;
      }
      box[i * sf + RANGE] = sum;
      this.mass[i]!++;
      par = i;
      const o = i * si;
      node = point[nodeI[o + CUT_DIM]!]! <= nodeF[i * LINK_F]! ? nodeI[o + LEFT]! : nodeI[o + RIGHT]!;
    }
  }

  /** Removes one copy of the point held by leaf `j`. */
  // hot path
  deleteOne(j: number): void {
    const nodeI = this.nodeI,
      mass = this.mass;
    const p = this.leafParent[j]!;
    if (--this.leafMass[j]! > 0) {
      for (let a = p; a !== -1; a = nodeI[a * LINK_I + PARENT]!) mass[a]!--;
      return;
    }
    this.freeLeaves[this.freeLeafCount++] = j;
    if (p === -1) {
      this.root = NIL;
      return;
    }
    mass[p]!--;
    const po = p * LINK_I;
    const sib = nodeI[po + LEFT] === ~j ? nodeI[po + RIGHT]! : nodeI[po + LEFT]!;
    const g = nodeI[po + PARENT]!;
    if (sib >= 0) nodeI[sib * LINK_I + PARENT] = g;
    else this.leafParent[~sib] = g;
    this.link(g, p, sib);
    this.freeNodes[this.freeNodeCount++] = p;
    // One walk up: every ancestor loses the copy; the removed point may have defined
    // ancestors' box edges, so boxes shrink until one is unchanged.
    let shrinking = true;
    for (let n = g; n !== -1; n = nodeI[n * LINK_I + PARENT]!) {
      mass[n]!--;
      if (shrinking) shrinking = this.onBoundary(n, j) && this.recomputeBox(n);
    }
  }

  /** Does leaf j's point lie on node n's box boundary? If not, removing it cannot shrink the box. */
  private onBoundary(n: number, j: number): boolean {
    const d = this.dims,
      b = n * this.strideF + BOX,
      box = this.boxes,
      lp = this.leafPoint,
      base = j * d;
    for (let k = 0; k < d; k++) {
      const x = lp[base + k]!;
      if (x === box[b + 2 * k] || x === box[b + 2 * k + 1]) return true;
    }
    return false;
  }

  private recomputeBox(n: number): boolean {
    const d = this.dims,
      b = n * this.strideF + BOX;
    const l = this.nodeI[n * LINK_I + LEFT]!,
      r = this.nodeI[n * LINK_I + RIGHT]!;
    const box = this.boxes,
      lp = this.leafPoint;
    let changed = false;
    let range = 0;
    for (let k = 0; k < d; k++) {
      let lmin: number, lmax: number, rmin: number, rmax: number;
      if (l >= 0) {
        lmin = box[l * this.strideF + BOX + 2 * k]!;
        lmax = box[l * this.strideF + BOX + 2 * k + 1]!;
      } else {
        lmin = lmax = lp[~l * d + k]!;
      }
      if (r >= 0) {
        rmin = box[r * this.strideF + BOX + 2 * k]!;
        rmax = box[r * this.strideF + BOX + 2 * k + 1]!;
      } else {
        rmin = rmax = lp[~r * d + k]!;
      }
      const mn = Math.min(lmin, rmin);
      const mx = Math.max(lmax, rmax);
      range += mx - mn;
      if (mn !== box[b + 2 * k] || mx !== box[b + 2 * k + 1]) {
        box[b + 2 * k] = mn;
        box[b + 2 * k + 1] = mx;
        changed = true;
      }
    }
    if (changed) box[n * this.strideF + RANGE] = range;
    return changed;
  }

  /** Walks to the leaf the point would reach; fills `path`, sets `depth` and returns the leaf index. */
  // hot path
  private descend(point: Float64Array): number {
    const path = this.path,
      nodeI = this.nodeI,
      nodeF = this.nodeF,
      si = LINK_I;
    let depth = 0;
    let node = this.root;
    while (node >= 0) {
      path[depth++] = node;
      const o = node * si;
      node = point[nodeI[o + CUT_DIM]!]! <= nodeF[node * LINK_F]! ? nodeI[o + LEFT]! : nodeI[o + RIGHT]!;
    }
    this.depth = depth;
    return ~node;
  }

  private leafEquals(j: number, point: Float64Array): boolean {
    const d = this.dims,
      base = j * d,
      lp = this.leafPoint;
    for (let k = 0; k < d; k++) if (lp[base + k] !== point[k]) return false;
    return true;
  }

  /**
   * The reference's anomaly score for this tree: expected inverse depth at which
   * the point would be isolated, times log2(mass + 1). A point equal to a leaf
   * scores damp(leafMass) / (depth + log2(leafMass + 1)) before scaling.
   */
  // hot path
  score(point: Float64Array): number {
    if (this.root === NIL) return 0;
    const j = this.descend(point);
    const depth = this.depth;
    const treeMass = this.totalMass();
    const log2p1 = this.log2p1;
    const norm = log2p1[treeMass]!;
    if (this.leafEquals(j, point)) {
      const m = this.leafMass[j]!;
      return ((1 - m / (2 * treeMass)) / (depth + log2p1[m]!)) * norm;
    }
    let s = 1 / (depth + 1);
    const d = this.dims,
      outside = this.outside,
      box = this.boxes,
      path = this.path,
      sf = this.strideF;
    // A coordinate inside a box is inside every ancestor's box, so it never adds to the
    // separation again: `outside` lists, in order, the coordinates still outside.
    let live = d;
    for (let c = 0; c < d; c++) outside[c] = c;
    for (let k = depth - 1; k >= 0; k--) {
      const node = path[k]! * sf,
        b = node + BOX;
      let sumDiff = 0,
        kept = 0;
      for (let i = 0; i < live; i++) {
        const c = outside[i]!,
          x = point[c]!,
          mx = box[b + 2 * c + 1]!;
        if (x > mx) {
          sumDiff += x - mx;
          outside[kept++] = c;
          continue;
        }
        const mn = box[b + 2 * c]!;
        if (x < mn) {
          sumDiff += mn - x;
          outside[kept++] = c;
        }
      }
      live = kept;
      // Inside this box means inside every ancestor's box too: no further change.
      if (sumDiff <= 0) break;
      const prob = sumDiff / (box[node + RANGE]! + sumDiff);
      s = prob / (k + 1) + (1 - prob) * s;
    }
    return s * norm;
  }

  /**
   * Adds this tree's attribution of the score to `high` / `low` (per dimension):
   * the probability that the isolating cut falls above (high) or below (low) the
   * box in each dimension, weighted like the score so that the parts sum to it.
   * For a point equal to a leaf the reference's counterfactual applies: ancestors
   * are judged by their other children's boxes (as if the point were absent) and
   * the result is rescaled to the duplicate's score.
   */
  attributionInto(point: Float64Array, high: Float64Array, low: Float64Array): void {
    if (this.root === NIL) return;
    const j = this.descend(point);
    const depth = this.depth;
    const treeMass = this.totalMass();
    const norm = this.log2p1[treeMass]!;
    const d = this.dims,
      th = this.attrHigh,
      tl = this.attrLow,
      path = this.path;
    const box = this.boxes,
      lp = this.leafPoint,
      nodeI = this.nodeI;
    if (this.leafEquals(j, point)) {
      const m = this.leafMass[j]!;
      const saved = (1 - m / (2 * treeMass)) / (depth + this.log2p1[m]!);
      th.fill(saved / (2 * d));
      tl.fill(saved / (2 * d));
      const smin = this.shadowMin,
        smax = this.shadowMax;
      let child = ~j;
      let first = true;
      for (let k = depth - 1; k >= 0; k--) {
        const n = path[k]!,
          o = n * LINK_I;
        const sib = nodeI[o + LEFT] === child ? nodeI[o + RIGHT]! : nodeI[o + LEFT]!;
        child = n;
        for (let c = 0; c < d; c++) {
          let mn: number, mx: number;
          if (sib >= 0) {
            mn = box[sib * this.strideF + BOX + 2 * c]!;
            mx = box[sib * this.strideF + BOX + 2 * c + 1]!;
          } else {
            mn = mx = lp[~sib * d + c]!;
          }
          if (first || mn < smin[c]!) smin[c] = mn;
          if (first || mx > smax[c]!) smax[c] = mx;
        }
        first = false;
        let sumNew = 0,
          sumDiff = 0;
        for (let c = 0; c < d; c++) {
          const x = point[c]!,
            mn = smin[c]!,
            mx = smax[c]!;
          sumNew += Math.max(x, mx) - Math.min(x, mn);
          sumDiff += (x > mx ? x - mx : 0) + (x < mn ? mn - x : 0);
        }
        const prob = sumNew > 0 ? sumDiff / sumNew : 0;
        if (prob <= 0) break;
        const ns = 1 / (k + 1);
        for (let c = 0; c < d; c++) {
          const x = point[c]!;
          const up = x > smax[c]! ? x - smax[c]! : 0;
          const down = x < smin[c]! ? smin[c]! - x : 0;
          th[c] = (up / sumNew) * ns + (1 - prob) * th[c]!;
          tl[c] = (down / sumNew) * ns + (1 - prob) * tl[c]!;
        }
      }
      let total = 0;
      for (let c = 0; c < d; c++) total += th[c]! + tl[c]!;
      const f = total > 0 ? (saved / total) * norm : 0;
      for (let c = 0; c < d; c++) {
        high[c] = high[c]! + th[c]! * f;
        low[c] = low[c]! + tl[c]! * f;
      }
      return;
    }
    const saved = 1 / (depth + 1);
    const base = j * d;
    let sumNew = 0;
    for (let c = 0; c < d; c++) {
      const diff = point[c]! - lp[base + c]!;
      sumNew += diff > 0 ? diff : -diff;
    }
    for (let c = 0; c < d; c++) {
      const diff = point[c]! - lp[base + c]!;
      th[c] = diff > 0 ? (saved * diff) / sumNew : 0;
      tl[c] = diff < 0 ? (saved * -diff) / sumNew : 0;
    }
    for (let k = depth - 1; k >= 0; k--) {
      const b = path[k]! * this.strideF + BOX;
      let sNew = 0,
        sDiff = 0;
      for (let c = 0; c < d; c++) {
        const x = point[c]!,
          mn = box[b + 2 * c]!,
          mx = box[b + 2 * c + 1]!;
        sNew += Math.max(x, mx) - Math.min(x, mn);
        sDiff += (x > mx ? x - mx : 0) + (x < mn ? mn - x : 0);
      }
      if (sDiff <= 0) break;
      const prob = sDiff / sNew;
      const ns = 1 / (k + 1);
      for (let c = 0; c < d; c++) {
        const x = point[c]!,
          mn = box[b + 2 * c]!,
          mx = box[b + 2 * c + 1]!;
        th[c] = ((x > mx ? x - mx : 0) / sNew) * ns + (1 - prob) * th[c]!;
        tl[c] = ((x < mn ? mn - x : 0) / sNew) * ns + (1 - prob) * tl[c]!;
      }
    }
    for (let c = 0; c < d; c++) {
      high[c] = high[c]! + th[c]! * norm;
      low[c] = low[c]! + tl[c]! * norm;
    }
  }

  /**
   * Conditional imputation (the reference's ImputeVisitor): fills the entries of
   * `point` flagged in `missing` with the values of the leaf that makes the
   * completed point least anomalous in this tree. The walk follows the point's
   * cuts, but a node cutting on a missing dimension sends it down both sides; at
   * a leaf the missing entries are copied from the leaf and the candidate's rank
   * is the score the completed point would get there; going back up, every
   * ancestor mixes in 1/(depth + 1) with the probability that a random cut of its
   * box separates the candidate, and a split node keeps the lower-ranked side.
   * Writes the completed point into `out`; returns its rank (lower = more
   * typical). Not a hot path: called only for points already judged anomalous.
   */
  imputeInto(point: Float64Array, missing: Uint8Array, out: Float64Array): number {
    if (this.root === NIL) {
      out.set(point);
      return Infinity;
    }
    const d = this.dims;
    if (IMPUTE.length < (this.capacity + 1) * d) IMPUTE = new Float64Array((this.capacity + 1) * d);
    const rank = this.imputeVisit(this.root, 0, point, missing);
    out.set(IMPUTE.subarray(0, d));
    return rank;
  }

  /**
   * Returns the rank of the best completion below `ref` and writes that completed
   * point into slot `depth` of the shared IMPUTE scratch (slots deeper down are
   * the children's and are overwritten freely).
   */
  private imputeVisit(ref: number, depth: number, point: Float64Array, missing: Uint8Array): number {
    const d = this.dims,
      q = IMPUTE,
      at = depth * d;
    if (ref < 0) {
      const j = ~ref,
        base = j * d,
        lp = this.leafPoint;
      let same = true;
      for (let k = 0; k < d; k++) {
        if (missing[k]) q[at + k] = lp[base + k]!;
        else {
          q[at + k] = point[k]!;
          if (point[k] !== lp[base + k]) same = false;
        }
      }
      const m = this.leafMass[j]!;
      return same ? (depth === 0 ? 0 : 1 / (depth + this.log2p1[m]!)) : 1 / (depth + 1);
    }
    const o = ref * LINK_I,
      cd = this.nodeI[o + CUT_DIM]!,
      below = at + d;
    let rank: number;
    if (missing[cd]) {
      const a = this.imputeVisit(this.nodeI[o + LEFT]!, depth + 1, point, missing);
      q.copyWithin(at, below, below + d);
      const b = this.imputeVisit(this.nodeI[o + RIGHT]!, depth + 1, point, missing);
      if (b < a) {
        q.copyWithin(at, below, below + d);
        rank = b;
      } else rank = a;
    } else {
      rank = this.imputeVisit(point[cd]! <= this.nodeF[ref * LINK_F]! ? this.nodeI[o + LEFT]! : this.nodeI[o + RIGHT]!, depth + 1, point, missing);
      q.copyWithin(at, below, below + d);
    }
    const b = ref * this.strideF + BOX,
      box = this.boxes;
    let sumNew = 0,
      sumDiff = 0;
    for (let k = 0; k < d; k++) {
      const x = q[at + k]!,
        mn = box[b + 2 * k]!,
        mx = box[b + 2 * k + 1]!;
      sumNew += Math.max(x, mx) - Math.min(x, mn);
      sumDiff += (x > mx ? x - mx : 0) + (x < mn ? mn - x : 0);
    }
    if (sumDiff > 0) {
      const prob = sumDiff / sumNew;
      rank = prob / (depth + 1) + (1 - prob) * rank;
    }
    return rank;
  }

  /**
   * Verifies the structure (for tests and debugging, not the hot path): parent
   * links, masses, boxes equal to the union of the children, cuts that separate
   * the children, and free lists that account for every slot. Throws on the
   * first violation.
   */
  checkInvariants(): void {
    const d = this.dims,
      nodeI = this.nodeI,
      nodeF = this.nodeF,
      box = this.boxes,
      lp = this.leafPoint;
    let nodes = 0,
      leaves = 0;
    const fail = (msg: string): never => {
      throw new Error(`tree invariant: ${msg}`);
    };
    // Returns the subtree mass; checks the subtree's box against [mins, maxs] written into lo/hi.
    const visit = (ref: number, par: number): number => {
      if (ref < 0) {
        const j = ~ref;
        leaves++;
        if (this.leafParent[j] !== par) fail(`leaf ${j} parent ${this.leafParent[j]} != ${par}`);
        if (this.leafMass[j]! < 1) fail(`leaf ${j} mass ${this.leafMass[j]}`);
        return this.leafMass[j]!;
      }
      nodes++;
      const o = ref * LINK_I;
      if (nodeI[o + PARENT] !== par) fail(`node ${ref} parent ${nodeI[o + PARENT]} != ${par}`);
      const l = nodeI[o + LEFT]!,
        r = nodeI[o + RIGHT]!;
      const m = visit(l, ref) + visit(r, ref);
      if (m !== this.mass[ref]) fail(`node ${ref} mass ${this.mass[ref]} != ${m}`);
      const cd = nodeI[o + CUT_DIM]!,
        cv = nodeF[ref * LINK_F]!;
      for (let k = 0; k < d; k++) {
        const lmin = l >= 0 ? box[l * this.strideF + BOX + 2 * k]! : lp[~l * d + k]!;
        const lmax = l >= 0 ? box[l * this.strideF + BOX + 2 * k + 1]! : lp[~l * d + k]!;
        const rmin = r >= 0 ? box[r * this.strideF + BOX + 2 * k]! : lp[~r * d + k]!;
        const rmax = r >= 0 ? box[r * this.strideF + BOX + 2 * k + 1]! : lp[~r * d + k]!;
        if (box[ref * this.strideF + BOX + 2 * k] !== Math.min(lmin, rmin) || box[ref * this.strideF + BOX + 2 * k + 1] !== Math.max(lmax, rmax)) {
          fail(`node ${ref} box in dimension ${k} is not the union of its children`);
        }
        if (k === cd && !(lmax <= cv && rmin > cv)) fail(`node ${ref} cut ${cv} does not separate its children`);
      }
      let range = 0;
      for (let k = 0; k < d; k++) range += box[ref * this.strideF + BOX + 2 * k + 1]! - box[ref * this.strideF + BOX + 2 * k]!;
      const stored = box[ref * this.strideF + RANGE]!;
      if (Math.abs(stored - range) > 1e-9 * Math.max(1, Math.abs(range))) fail(`node ${ref} range sum ${stored} != ${range}`);
      return m;
    };
    if (this.root !== NIL) visit(this.root, -1);
    if (nodes + this.freeNodeCount !== this.capacity) fail(`${nodes} nodes + ${this.freeNodeCount} free != ${this.capacity}`);
    if (leaves + this.freeLeafCount !== this.capacity) fail(`${leaves} leaves + ${this.freeLeafCount} free != ${this.capacity}`);
    if (this.root !== NIL && leaves !== nodes + 1) fail(`${leaves} leaves for ${nodes} internal nodes`);
  }
}
