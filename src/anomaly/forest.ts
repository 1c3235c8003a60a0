/**
 * Random Cut Forest: `numberOfTrees` random cut trees, each fed by its own
 * time-decayed weighted reservoir sample of the (optionally shingled) stream.
 * The score of a point is the average over trees of the reference's
 * expected-inverse-depth score scaled by log2(treeMass + 1), so ordinary points
 * score near 1 and the largest possible score is log2(sampleSize + 1).
 *
 * Parameters follow Kinesis Data Analytics' RANDOM_CUT_FOREST (numberOfTrees 100,
 * subSampleSize 256, timeDecay 100000, shingleSize 1); see docs/anomaly.md for
 * the exact mapping, in particular timeDecay -> sampler lambda = 1 / timeDecay.
 */
import { Rng } from './random.ts';
import { StreamSampler } from './sampler.ts';
import { RandomCutTree } from './tree.ts';

export interface ForestOptions {
  /** Values per input point (columns). With internal shingling the trees see dimensions × shingleSize. */
  dimensions: number;
  /** Trees in the forest (KDA default 100). */
  numberOfTrees?: number;
  /** Points sampled per tree (KDA subSampleSize, default 256). */
  sampleSize?: number;
  /** KDA timeDecay, in points: the sampler's lambda is 1 / timeDecay (default 100000). Infinity disables decay. */
  timeDecay?: number;
  /** Consecutive inputs joined into one tree point (default 1). */
  shingleSize?: number;
  /**
   * true (default when shingleSize > 1): the forest keeps the last shingleSize inputs and
   * builds the shingle itself. false: the caller passes ready-made shingles of length
   * `dimensions` (which must then be a multiple of shingleSize; see Shingle).
   */
  internalShingling?: boolean;
  /** Tree points seen before scores are reported (default sampleSize / 4); scores are 0 before. */
  outputAfter?: number;
  /** Seed for all randomness (default 0): same seed and input, same scores. */
  seed?: number;
}

export interface ResolvedForestOptions {
  dimensions: number;
  numberOfTrees: number;
  sampleSize: number;
  timeDecay: number;
  shingleSize: number;
  internalShingling: boolean;
  outputAfter: number;
  seed: number;
}

export interface AttributionResult {
  /** Per input dimension: part of the score due to the value being higher than the sample. */
  high: Float64Array;
  /** Per input dimension: part of the score due to the value being lower than the sample. */
  low: Float64Array;
  /** The anomaly score; equals the sum of high and low over all dimensions. */
  score: number;
}

interface TreeState {
  root: number;
  rng: number[];
  freeNodeCount: number;
  freeLeafCount: number;
  samplerSize: number;
  arrays: Record<string, string>;
}

export interface ForestState {
  format: 'freshet.rcf';
  /** 2 since node records carry their box's range sum; version 1 states are upgraded on restore. */
  version: 1 | 2;
  options: ResolvedForestOptions;
  totalUpdates: number;
  treeUpdates: number;
  shingle: number[];
  shingleFill: number;
  /** Per-tree rejection bounds (see step()), base64 float64: part of the state so a restore decides identically. */
  rejectBelow: string;
  rejectValidTo: string;
  trees: TreeState[];
}

export const FOREST_DEFAULTS = {
  numberOfTrees: 100,
  sampleSize: 256,
  timeDecay: 100000,
  shingleSize: 1,
  seed: 0,
} as const;

function positiveInt(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
  return v;
}

export function resolveForestOptions(o: ForestOptions): ResolvedForestOptions {
  const dimensions = positiveInt('dimensions', o.dimensions, 1);
  const numberOfTrees = positiveInt('numberOfTrees', o.numberOfTrees ?? FOREST_DEFAULTS.numberOfTrees, 1);
  const sampleSize = positiveInt('sampleSize', o.sampleSize ?? FOREST_DEFAULTS.sampleSize, 2);
  const shingleSize = positiveInt('shingleSize', o.shingleSize ?? FOREST_DEFAULTS.shingleSize, 1);
  const timeDecay = o.timeDecay ?? FOREST_DEFAULTS.timeDecay;
  if (!(timeDecay > 0)) throw new RangeError(`timeDecay must be > 0 (points; Infinity for no decay), got ${timeDecay}`);
  const internalShingling = o.internalShingling ?? shingleSize > 1;
  if (!internalShingling && dimensions % shingleSize !== 0) {
    throw new RangeError(`with external shingling, dimensions (${dimensions}) must be a multiple of shingleSize (${shingleSize})`);
  }
  const outputAfter = positiveInt('outputAfter', o.outputAfter ?? Math.max(1, Math.floor(sampleSize / 4)), 0);
  const seed = o.seed ?? FOREST_DEFAULTS.seed;
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  return { dimensions, numberOfTrees, sampleSize, timeDecay, shingleSize, internalShingling, outputAfter, seed };
}

export class RandomCutForest {
  readonly options: Readonly<ResolvedForestOptions>;
  /** Length of the points given to score/update. */
  readonly inputDimensions: number;
  /** Length of the points the trees hold (inputDimensions × shingleSize with internal shingling). */
  readonly treeDimensions: number;
  /** Sampler decay per tree point: 1 / timeDecay. */
  readonly lambda: number;
  private readonly trees: RandomCutTree[] = [];
  private readonly samplers: StreamSampler[] = [];
  private readonly shingle: Float64Array;
  private shingleFill = 0;
  private readonly scratch: Float64Array;
  private readonly attrHigh: Float64Array;
  private readonly attrLow: Float64Array;
  private updates = 0;
  private treeUpdates = 0;
  /** Per tree: u at or below this is certainly rejected while decay <= rejectValidTo (see step()). */
  private readonly rejectBelow: Float64Array;
  private readonly rejectValidTo: Float64Array;
  /** Decay the bound stays valid for: about 1000 points' worth, never more than 0.01. */
  private readonly boundSlack: number;

  constructor(options: ForestOptions) {
    const o = resolveForestOptions(options);
    this.options = Object.freeze(o);
    this.inputDimensions = o.dimensions;
    this.treeDimensions = o.internalShingling ? o.dimensions * o.shingleSize : o.dimensions;
    this.lambda = Number.isFinite(o.timeDecay) ? 1 / o.timeDecay : 0;
    const seeder = new Rng(o.seed);
    for (let t = 0; t < o.numberOfTrees; t++) {
      this.trees.push(new RandomCutTree(this.treeDimensions, o.sampleSize, new Rng(seeder.nextUint32())));
      this.samplers.push(new StreamSampler(o.sampleSize));
    }
    this.rejectBelow = new Float64Array(o.numberOfTrees);
    this.rejectValidTo = new Float64Array(o.numberOfTrees).fill(-Infinity);
    this.boundSlack = Math.min(0.01, this.lambda * 1000);
    this.shingle = new Float64Array(this.treeDimensions);
    this.scratch = new Float64Array(this.treeDimensions);
    this.attrHigh = new Float64Array(this.treeDimensions);
    this.attrLow = new Float64Array(this.treeDimensions);
  }

  /** Inputs given to update() so far. */
  get totalUpdates(): number {
    return this.updates;
  }

  /** Points inserted into the trees' streams so far (inputs once the shingle is full). */
  get treePoints(): number {
    return this.treeUpdates;
  }

  /** True once scores are reported (outputAfter tree points seen). */
  get isOutputReady(): boolean {
    return this.treeUpdates >= this.options.outputAfter && this.treeUpdates > 0;
  }

  private checkPoint(point: ArrayLike<number>): void {
    const n = this.inputDimensions;
    if (point.length !== n) throw new RangeError(`point has ${point.length} values, the forest expects ${n}`);
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(point[i])) throw new RangeError(`point value ${i} is not a finite number: ${point[i]}`);
    }
  }

  /** Writes the tree point that `point` would make into scratch; false if the shingle is not yet full. */
  private prepare(point: ArrayLike<number>): boolean {
    this.checkPoint(point);
    const s = this.scratch,
      n = this.inputDimensions;
    if (!this.options.internalShingling) {
      for (let i = 0; i < n; i++) s[i] = point[i]!;
      return true;
    }
    const total = this.treeDimensions,
      sh = this.shingle;
    for (let i = n; i < total; i++) s[i - n] = sh[i]!;
    for (let i = 0; i < n; i++) s[total - n + i] = point[i]!;
    return this.shingleFill + 1 >= this.options.shingleSize;
  }

  /** Anomaly score of `point` without changing the forest; 0 before outputAfter. */
  // hot path
  score(point: ArrayLike<number>): number {
    if (!this.prepare(point) || !this.isOutputReady) return 0;
    const s = this.scratch,
      trees = this.trees;
    let sum = 0;
    for (let t = 0; t < trees.length; t++) sum += trees[t]!.score(s);
    return sum / trees.length;
  }

  /** Adds `point` to the stream (each tree's sampler decides whether to keep it). */
  // hot path
  update(point: ArrayLike<number>): void {
    this.step(point, false);
  }

  /** Scores `point`, then adds it: what a streaming caller uses. */
  // hot path
  scoreAndUpdate(point: ArrayLike<number>): number {
    return this.step(point, true);
  }

  /**
   * Update, optionally scoring first. Each tree is scored and then offered the
   * point before moving to the next tree, so its nodes are still in cache; the
   * result is the same as scoring every tree and then updating every tree, since
   * scoring uses no randomness.
   */
  // hot path
  private step(point: ArrayLike<number>, withScore: boolean): number {
    const full = this.prepare(point);
    const scoring = withScore && full && this.isOutputReady;
    this.updates++;
    if (this.options.internalShingling) {
      this.shingle.set(this.scratch);
      if (this.shingleFill < this.options.shingleSize) this.shingleFill++;
    }
    if (!full) return 0;
    const decay = this.lambda * this.treeUpdates++;
    const s = this.scratch,
      trees = this.trees,
      samplers = this.samplers;
    let sum = 0;
    for (let t = 0; t < trees.length; t++) {
      const tree = trees[t]!,
        sampler = samplers[t]!,
        rng = tree.rng;
      if (scoring) sum += tree.score(s);
      const u = rng.nextOpenDouble();
      const samplerFull = sampler.size === sampler.capacity;
      // A full sampler takes the point only if log(-log u) - decay < maxWeight, i.e. u > exp(-exp(maxWeight + decay)).
      // rejectBelow[t] is that bound computed with a little extra decay, so it stays a valid lower bound
      // for the next points: below it the point is certainly rejected and the two logarithms are skipped.
      if (samplerFull && u <= this.rejectBelow[t]! && decay <= this.rejectValidTo[t]!) continue;
      const weight = Math.log(-Math.log(u)) - decay;
      const uFill = samplerFull ? 1 : rng.nextDouble();
      if (sampler.offer(weight, uFill)) {
        if (sampler.evictedLeaf >= 0) tree.deleteOne(sampler.evictedLeaf);
        sampler.commit(tree.insert(s));
      }
      if (sampler.size === sampler.capacity) {
        const until = decay + this.boundSlack;
        this.rejectBelow[t] = Math.exp(-Math.exp(sampler.weights[0]! + until));
        this.rejectValidTo[t] = until;
      }
    }
    return scoring ? sum / trees.length : 0;
  }

  /**
   * Per-dimension attribution of the score (the reference's DiVector): high[i] + low[i]
   * summed over i equals the score. With internal shingling, the parts of every shingle
   * position are added up per input column. Zero before outputAfter.
   */
  attribution(point: ArrayLike<number>): AttributionResult {
    const n = this.inputDimensions;
    const high = new Float64Array(n),
      low = new Float64Array(n);
    if (!this.prepare(point) || !this.isOutputReady) return { high, low, score: 0 };
    const th = this.attrHigh,
      tl = this.attrLow,
      s = this.scratch,
      trees = this.trees;
    th.fill(0);
    tl.fill(0);
    for (let t = 0; t < trees.length; t++) trees[t]!.attributionInto(s, th, tl);
    const inv = 1 / trees.length;
    let score = 0;
    for (let i = 0; i < this.treeDimensions; i++) {
      const h = th[i]! * inv,
        l = tl[i]! * inv;
      high[i % n]! += h;
      low[i % n]! += l;
      score += h + l;
    }
    return { high, low, score };
  }

  /**
   * Writes into `out` (length treeDimensions) the tree point that `point` would
   * make now: with internal shingling the last shingleSize − 1 inputs followed by
   * `point`. Returns false while the shingle would not yet be full. Changes nothing.
   */
  treePointOf(point: ArrayLike<number>, out: Float64Array): boolean {
    const full = this.prepare(point);
    out.set(this.scratch);
    return full;
  }

  /** Score of a ready-made tree point (length treeDimensions), without shingling; 0 before outputAfter. */
  scoreTreePoint(p: Float64Array): number {
    if (!this.isOutputReady) return 0;
    const trees = this.trees;
    let sum = 0;
    for (let t = 0; t < trees.length; t++) sum += trees[t]!.score(p);
    return sum / trees.length;
  }

  /**
   * The reference's DiVector for a ready-made tree point: `high`/`low` (length
   * treeDimensions) receive each tree dimension's share of the score, unsummed
   * over shingle positions. Returns the score (the sum of both).
   */
  attributionTreePoint(p: Float64Array, high: Float64Array, low: Float64Array): number {
    high.fill(0);
    low.fill(0);
    if (!this.isOutputReady) return 0;
    const trees = this.trees;
    for (let t = 0; t < trees.length; t++) trees[t]!.attributionInto(p, high, low);
    const inv = 1 / trees.length;
    let score = 0;
    for (let i = 0; i < high.length; i++) {
      high[i] = high[i]! * inv;
      low[i] = low[i]! * inv;
      score += high[i]! + low[i]!;
    }
    return score;
  }

  /**
   * Expected values for some entries of a tree point given the others (the
   * reference's imputeMissingValues): each tree imputes the entries listed in
   * `missing` from the leaf that makes the completed point least anomalous, and
   * the forest takes the median over trees of each imputed entry. Writes the
   * completed point into `out`.
   */
  imputeTreePoint(p: Float64Array, missing: readonly number[], out: Float64Array): void {
    out.set(p);
    if (missing.length === 0 || this.treeUpdates === 0) return;
    const mask = new Uint8Array(this.treeDimensions);
    for (const i of missing) mask[i] = 1;
    const per = new Float64Array(this.trees.length * missing.length);
    const tmp = new Float64Array(this.treeDimensions);
    for (let t = 0; t < this.trees.length; t++) {
      this.trees[t]!.imputeInto(p, mask, tmp);
      for (let k = 0; k < missing.length; k++) per[k * this.trees.length + t] = tmp[missing[k]!]!;
    }
    for (let k = 0; k < missing.length; k++) {
      const col = per.subarray(k * this.trees.length, (k + 1) * this.trees.length).sort();
      const m = col.length >> 1;
      out[missing[k]!] = col.length % 2 ? col[m]! : (col[m - 1]! + col[m]!) / 2;
    }
  }

  /** Bytes of typed arrays held by the forest (the bulk of its memory). */
  byteSize(): number {
    let b = this.shingle.byteLength + this.scratch.byteLength + this.attrHigh.byteLength + this.attrLow.byteLength;
    for (let t = 0; t < this.trees.length; t++) {
      b += this.trees[t]!.byteSize() + this.samplers[t]!.weights.byteLength + this.samplers[t]!.leaves.byteLength;
    }
    return b;
  }

  /**
   * Verifies every tree's structure and that each tree's sample matches its leaves
   * (every leaf's mass equals the number of sampler entries pointing at it). For
   * tests and debugging; throws on the first violation.
   */
  checkInvariants(): void {
    this.trees.forEach((tree, t) => {
      tree.checkInvariants();
      const sampler = this.samplers[t]!;
      const counts = new Map<number, number>();
      for (let e = 0; e < sampler.size; e++) counts.set(sampler.leaves[e]!, (counts.get(sampler.leaves[e]!) ?? 0) + 1);
      let total = 0;
      for (const [leaf, n] of counts) {
        if (tree.leafMass[leaf] !== n) throw new Error(`tree ${t}: leaf ${leaf} has mass ${tree.leafMass[leaf]} but ${n} sampler entries`);
        total += n;
      }
      if (total !== tree.totalMass()) throw new Error(`tree ${t}: sample of ${total} but tree mass ${tree.totalMass()}`);
      for (let e = 1; e < sampler.size; e++) {
        if (sampler.weights[(e - 1) >> 1]! < sampler.weights[e]!) throw new Error(`tree ${t}: sampler heap order broken at ${e}`);
      }
    });
  }

  /** Sample sizes per tree (duplicates counted); for inspection and tests. */
  sampleMasses(): number[] {
    return this.trees.map((t) => t.totalMass());
  }

  /** Points currently in tree `t`'s sample, one entry per sampled copy (for inspection and tests). */
  samplePoints(t: number): number[][] {
    const tree = this.trees[t],
      sampler = this.samplers[t];
    if (!tree || !sampler) throw new RangeError(`no tree ${t}`);
    const d = this.treeDimensions,
      out: number[][] = [];
    for (let e = 0; e < sampler.size; e++) {
      const j = sampler.leaves[e]!;
      out.push(Array.from(tree.leafPoint.subarray(j * d, j * d + d)));
    }
    return out;
  }

  toJSON(): ForestState {
    return {
      format: 'freshet.rcf',
      version: 2,
      options: { ...this.options },
      totalUpdates: this.updates,
      treeUpdates: this.treeUpdates,
      shingle: Array.from(this.shingle),
      shingleFill: this.shingleFill,
      rejectBelow: b64(this.rejectBelow),
      rejectValidTo: b64(this.rejectValidTo),
      trees: this.trees.map((tree, t) => {
        const sampler = this.samplers[t]!;
        return {
          root: tree.root,
          rng: tree.rng.getState(),
          freeNodeCount: tree.freeNodeCount,
          freeLeafCount: tree.freeLeafCount,
          samplerSize: sampler.size,
          arrays: {
            nodes: b64(tree.nodeRecords()),
            mass: b64(tree.mass),
            freeNodes: b64(tree.freeNodes),
            leafPoint: b64(tree.leafPoint),
            leafMass: b64(tree.leafMass),
            leafParent: b64(tree.leafParent),
            freeLeaves: b64(tree.freeLeaves),
            weights: b64(sampler.weights),
            leaves: b64(sampler.leaves),
          },
        };
      }),
    };
  }

  static fromJSON(state: ForestState): RandomCutForest {
    if (state?.format !== 'freshet.rcf' || (state.version !== 1 && state.version !== 2)) throw new RangeError('not a freshet.rcf version 1 or 2 forest state');
    // JSON has no Infinity: a forest without decay comes back with timeDecay null.
    const timeDecay = (state.options.timeDecay as number | null) ?? Infinity;
    const forest = new RandomCutForest({ ...state.options, timeDecay });
    if (state.trees.length !== forest.trees.length) throw new RangeError('forest state has the wrong number of trees');
    forest.updates = state.totalUpdates;
    forest.treeUpdates = state.treeUpdates;
    forest.shingle.set(state.shingle);
    forest.shingleFill = state.shingleFill;
    unb64(state.rejectBelow, forest.rejectBelow);
    unb64(state.rejectValidTo, forest.rejectValidTo);
    state.trees.forEach((ts, t) => {
      const tree = forest.trees[t]!,
        sampler = forest.samplers[t]!;
      const a = ts.arrays;
      if (state.version === 1) {
        const old = Buffer.from(a.nodes ?? '', 'base64');
        const records = RandomCutTree.upgradeNodeRecords(
          new Float64Array(old.buffer.slice(old.byteOffset, old.byteOffset + old.byteLength)),
          forest.treeDimensions,
        );
        tree.setNodeRecords(records);
      } else {
        const records = tree.nodeRecords();
        unb64(a.nodes, records);
        tree.setNodeRecords(records);
      }
      unb64(a.mass, tree.mass);
      unb64(a.freeNodes, tree.freeNodes);
      unb64(a.leafPoint, tree.leafPoint);
      unb64(a.leafMass, tree.leafMass);
      unb64(a.leafParent, tree.leafParent);
      unb64(a.freeLeaves, tree.freeLeaves);
      unb64(a.weights, sampler.weights);
      unb64(a.leaves, sampler.leaves);
      tree.root = ts.root;
      tree.freeNodeCount = ts.freeNodeCount;
      tree.freeLeafCount = ts.freeLeafCount;
      tree.rng.setState(ts.rng);
      sampler.size = ts.samplerSize;
    });
    return forest;
  }
}

type Typed = Float64Array | Int32Array;

function b64(a: Typed): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function unb64(s: string | undefined, into: Typed): void {
  if (typeof s !== 'string') throw new RangeError('forest state is missing an array');
  const bytes = Buffer.from(s, 'base64');
  if (bytes.byteLength !== into.byteLength) throw new RangeError('forest state array has the wrong size');
  new Uint8Array(into.buffer, into.byteOffset, into.byteLength).set(bytes);
}
