/**
 * Reading statistics back: CloudWatch's time rules (StartTime rounding, which
 * resolution answers how old a range, the 1,440-datapoint limit) and the
 * aggregation of stored cells into a query's periods. GetMetricStatistics,
 * GetMetricData and alarm evaluation all read through `aggregate`.
 *
 * StartTime rounding (GetMetricStatistics / GetMetricData reference): less
 * than 15 days ago, down to the minute; 15 to 63 days, down to 5 minutes; more
 * than 63 days, down to the hour; and with a Period of 1, 5, 10, 20 or 30 seconds,
 * down to a multiple of the period. EndTime is exclusive. A period bucket is
 * answered from the finest tier that still holds its time: 1 s cells for
 * high-resolution series within 3 hours, then 1 min (15 days), 5 min (63 days),
 * 1 h; a bucket whose age requires a coarser multiple than the Period
 * (1 min after 3 hours, 5 min after 15 days, 1 h after 63 days) has no data,
 * as the reference says ("or no data points in that time range is returned").
 */
import type { CellRun } from './store/cells.ts';
import type { MetricStore } from './store/store.ts';
import type { SeriesInfo } from './store/series.ts';
import { TIER_1H, TIER_1M, TIER_1S, TIER_5M, type Tier } from './store/tiers.ts';
import { StatAgg, type StatisticSpec, statisticValue } from './stats.ts';
import { type Sketch, quantileOfEncoded } from './sketch.ts';

export const HIGH_RES_PERIODS = [1, 5, 10, 20, 30] as const;

export function isValidPeriod(periodSec: number): boolean {
  return Number.isInteger(periodSec) && periodSec > 0 && ((HIGH_RES_PERIODS as readonly number[]).includes(periodSec) || periodSec % 60 === 0);
}

const DAY = 86_400;

/** StartTime (ms) rounded down as CloudWatch does, in seconds. */
export function alignStartSec(startMs: number, nowMs: number, periodSec: number): number {
  const startSec = Math.floor(startMs / 1000);
  if (periodSec < 60) return Math.floor(startSec / periodSec) * periodSec;
  const age = Math.floor(nowMs / 1000) - startSec;
  const unit = age < 15 * DAY ? 60 : age < 63 * DAY ? 300 : 3600;
  return Math.floor(startSec / unit) * unit;
}

/** How many datapoints a request asks for (CloudWatch's "You have requested up to N datapoints"). */
export function requestedDatapoints(startSec: number, endSec: number, periodSec: number): number {
  return Math.max(0, Math.ceil((endSec - startSec) / periodSec));
}

/** The tier answering a bucket that starts `ageSec` ago, or null when the Period does not fit that age. */
function tierFor(ageSec: number, periodSec: number, highRes: boolean): Tier | null {
  if (ageSec <= TIER_1S.retentionSec) return periodSec < 60 && highRes ? TIER_1S : TIER_1M;
  if (ageSec <= TIER_1M.retentionSec) return periodSec % 60 === 0 ? TIER_1M : null;
  if (ageSec <= TIER_5M.retentionSec) return periodSec % 300 === 0 ? TIER_5M : null;
  return periodSec % 3600 === 0 ? TIER_1H : null;
}

/**
 * Hands out Float64Arrays carved from large chunks: a request's results are
 * thousands of arrays of ~1,440 values, and one typed array each (a separate
 * backing store, zeroed and tracked as external memory, which brings garbage
 * collections) cost more than filling them did (bench/metrics/profile-api.ts).
 * After `reset()` the chunks are handed out again: only for a caller that
 * knows nothing it handed out is still in use.
 */
export class F64Slab {
  private readonly chunks: Float64Array[] = [];
  private chunkIndex = -1;
  private used = 0;

  constructor(
    private readonly chunkLength = 1 << 16,
    /** Chunks kept for reuse across `reset()`. */
    private readonly keepChunks = 32,
  ) {}

  alloc(n: number): Float64Array {
    if (n > this.chunkLength >> 2) return new Float64Array(n);
    let chunk = this.chunks[this.chunkIndex];
    if (chunk === undefined || this.used + n > chunk.length) {
      this.chunkIndex++;
      chunk = this.chunks[this.chunkIndex];
      if (chunk === undefined) {
        chunk = new Float64Array(this.chunkLength);
        this.chunks.push(chunk);
      }
      this.used = 0;
    }
    const a = chunk.subarray(this.used, this.used + n);
    this.used += n;
    return a;
  }

  /** Takes every chunk back (keeping at most `keepChunks`): earlier arrays will be overwritten. */
  reset(): void {
    if (this.chunks.length > this.keepChunks) this.chunks.length = this.keepChunks;
    this.chunkIndex = -1;
    this.used = 0;
  }
}

/** Per-period aggregates of a query, as columns. */
export class Buckets {
  readonly count: Float64Array;
  readonly sum: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  /** Per bucket, when distributions are kept: the merged sketch, or null. */
  readonly sketches: Array<Sketch | null> | null;
  /** Per bucket: some contribution had no distribution. */
  readonly lost: Uint8Array | null;
  /**
   * Per bucket of a one-series query with one cell per bucket: the cell whose
   * (still encoded) sketch is the bucket's; a percentile is read from its bytes
   * without decoding. Decoded as soon as anything else needs the sketch.
   */
  private readonly refRun: Array<CellRun | null> | null;
  private readonly refCell: Int32Array | null;
  /** True while the buckets receive one series only: a dense run of cells can then be copied in as it is. */
  single = false;
  private readonly tmp = new StatAgg();

  constructor(
    readonly startSec: number,
    readonly periodSec: number,
    readonly n: number,
    keepDistribution: boolean,
    /** Fold Minimum and Maximum too (false when only SampleCount/Sum/Average are read: half the bytes to scan). */
    readonly minMax = true,
    /**
     * Sum the cells' sample counts (false when only Sum/Minimum/Maximum are read: `count` then
     * only has to be > 0 where a bucket has data, and a dense copy skips reading the column).
     */
    readonly counts = true,
  ) {
    this.count = new Float64Array(n);
    this.sum = new Float64Array(n);
    this.min = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    this.max = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
    this.sketches = keepDistribution ? new Array<Sketch | null>(n).fill(null) : null;
    this.lost = keepDistribution ? new Uint8Array(n) : null;
    this.refRun = keepDistribution ? new Array<CellRun | null>(n).fill(null) : null;
    this.refCell = keepDistribution ? new Int32Array(n) : null;
  }

  /** Empties every bucket, so one Buckets serves the series of a query one after the other. */
  reset(): void {
    this.count.fill(0);
    this.sum.fill(0);
    if (this.minMax) {
      this.min.fill(Number.POSITIVE_INFINITY);
      this.max.fill(Number.NEGATIVE_INFINITY);
    }
    if (this.sketches) {
      this.sketches.fill(null);
      this.lost!.fill(0);
      this.refRun!.fill(null);
    }
  }

  timestampMs(i: number): number {
    return (this.startSec + i * this.periodSec) * 1000;
  }

  private dense: Float64Array | null = null;

  /**
   * Every bucket's start (seconds), built once: the timestamps of any series
   * with a value in every period. Shared by all such results of the query, so
   * nobody may write to it (time series are never changed in place).
   */
  denseSec(): Float64Array {
    let t = this.dense;
    if (t === null) {
      t = new Float64Array(this.n);
      for (let i = 0; i < t.length; i++) t[i] = this.startSec + i * this.periodSec;
      this.dense = t;
    }
    return t;
  }

  /** Folds cells [i0, i1) of a run (from the block starting at blockStartSec, cells of resSec) into their buckets. */
  // hot path
  addCells(run: CellRun, i0: number, i1: number, blockStartSec: number, resSec: number): void {
    const count = this.count;
    const sum = this.sum;
    const min = this.min;
    const max = this.max;
    const off = run.off;
    const rc = run.count;
    const rs = run.sum;
    const rmin = run.min;
    const rmax = run.max;
    const n = this.n;
    // Cells and buckets both sit on integer grids: a cell's bucket is (cells from the query start) / (cells per bucket).
    const cellsPerBucket = this.periodSec / resSec;
    const aligned = Number.isInteger(cellsPerBucket) && (blockStartSec - this.startSec) % resSec === 0;
    if (aligned && this.sketches === null) {
      const base = ((blockStartSec - this.startSec) / resSec) | 0;
      if (cellsPerBucket === 1 && this.single && i1 > i0 && off[i1 - 1]! - off[i0]! === i1 - 1 - i0) {
        // One series, consecutive cells, one cell per bucket: the columns are the answer (memcpy, no loop).
        const b0 = base + off[i0]!;
        if (b0 >= 0 && b0 + (i1 - i0) <= n) {
          // Every stored cell has a count > 0 (the store drops empty contributions).
          if (this.counts) count.set(rc.subarray(i0, i1), b0);
          else count.fill(1, b0, b0 + (i1 - i0));
          sum.set(rs.subarray(i0, i1), b0);
          if (this.minMax) {
            min.set(rmin.subarray(i0, i1), b0);
            max.set(rmax.subarray(i0, i1), b0);
          }
          return;
        }
      }
      if (cellsPerBucket === 1 && !this.minMax) {
        for (let i = i0; i < i1; i++) {
          const b = base + off[i]!;
          if (b < 0 || b >= n) continue;
          count[b]! += rc[i]!;
          sum[b]! += rs[i]!;
        }
        return;
      }
      if (cellsPerBucket === 1) {
        for (let i = i0; i < i1; i++) {
          const b = base + off[i]!;
          if (b < 0 || b >= n) continue;
          count[b]! += rc[i]!;
          sum[b]! += rs[i]!;
          if (rmin[i]! < min[b]!) min[b] = rmin[i]!;
          if (rmax[i]! > max[b]!) max[b] = rmax[i]!;
        }
        return;
      }
      for (let i = i0; i < i1; i++) {
        const b = Math.floor((base + off[i]!) / cellsPerBucket);
        if (b < 0 || b >= n) continue;
        count[b]! += rc[i]!;
        sum[b]! += rs[i]!;
        if (rmin[i]! < min[b]!) min[b] = rmin[i]!;
        if (rmax[i]! > max[b]!) max[b] = rmax[i]!;
      }
      return;
    }
    const start = this.startSec;
    const period = this.periodSec;
    const sk = this.sketches;
    for (let i = i0; i < i1; i++) {
      const t = blockStartSec + off[i]! * resSec;
      const b = Math.floor((t - start) / period);
      if (b < 0 || b >= n) continue;
      count[b]! += rc[i]!;
      sum[b]! += rs[i]!;
      if (rmin[i]! < min[b]!) min[b] = rmin[i]!;
      if (rmax[i]! > max[b]!) max[b] = rmax[i]!;
      if (sk !== null) {
        if (!run.hasSketch(i)) {
          this.lost![b] = 1;
          sk[b] = null;
        } else if (this.lost![b] === 0) {
          const mine = sk[b]!;
          if (mine === null && this.refRun![b] === null && count[b] === rc[i]) {
            // First cell of the bucket: remember it, decode later only if needed.
            this.refRun![b] = run;
            this.refCell![b] = i;
            continue;
          }
          // Cells hold encoded sketches: each decode is a fresh object the bucket owns.
          const cell = run.sketchAt(i)!;
          const base = mine ?? this.takeRef(b);
          if (base === null) sk[b] = cell;
          else {
            base.merge(cell);
            sk[b] = base;
          }
        }
      }
    }
  }

  /** Decodes a remembered cell's sketch into the bucket (or null when there is none). */
  private takeRef(b: number): Sketch | null {
    const run = this.refRun![b];
    if (!run) return null;
    this.refRun![b] = null;
    return run.sketchAt(this.refCell![b]!);
  }

  /** The statistic's value for bucket i, or undefined (no samples, or no distribution for a percentile). */
  value(i: number, spec: StatisticSpec): number | undefined {
    const c = this.count[i]!;
    if (!(c > 0)) return undefined;
    if (spec.kind === 'basic') {
      switch (spec.name) {
        case 'SampleCount':
          return c;
        case 'Sum':
          return this.sum[i]!;
        case 'Average':
          return this.sum[i]! / c;
        case 'Minimum':
          return this.min[i]!;
        case 'Maximum':
          return this.max[i]!;
      }
    }
    const ref = this.refRun?.[i] ?? null;
    if (ref !== null && this.lost![i] === 0) {
      if (spec.kind === 'percentile') {
        if (spec.p === 0) return this.min[i]!;
        if (spec.p === 100) return this.max[i]!;
        const at = ref.skAt![this.refCell![i]!]!;
        const v = quantileOfEncoded(ref.arena!, at, (spec.p / 100) * (c - 1));
        return Math.min(Math.max(v, this.min[i]!), this.max[i]!);
      }
      this.sketches![i] = this.takeRef(i);
    }
    const a = this.tmp;
    a.count = c;
    a.sum = this.sum[i]!;
    a.min = this.min[i]!;
    a.max = this.max[i]!;
    a.lost = this.lost === null || this.lost[i] === 1;
    a.sketch = this.sketches?.[i] ?? null;
    return statisticValue(a, spec);
  }
}

/**
 * One query shape (start, end, period, now): the tier of each bucket is
 * planned once, the blocks loaded once, and one Buckets reused for every
 * series read with it (`run`).
 */
export class Aggregation {
  private readonly buckets: Buckets;
  private readonly plans = new Map<boolean, Array<{ tier: Tier; from: number; to: number }>>();

  constructor(
    private readonly store: MetricStore,
    readonly startSec: number,
    readonly endSec: number,
    readonly periodSec: number,
    keepDistribution: boolean,
    private readonly nowMs: number,
    minMax = true,
    counts = true,
  ) {
    this.buckets = new Buckets(startSec, periodSec, requestedDatapoints(startSec, endSec, periodSec), keepDistribution, minMax, counts);
  }

  /** Consecutive buckets answered by the same tier form one scan range. */
  private plan(highRes: boolean): Array<{ tier: Tier; from: number; to: number }> {
    let ranges = this.plans.get(highRes);
    if (ranges) return ranges;
    ranges = [];
    const n = this.buckets.n;
    const nowSec = Math.floor(this.nowMs / 1000);
    let rangeTier: Tier | null = null;
    let rangeFrom = this.startSec;
    for (let i = 0; i <= n; i++) {
      const bStart = this.startSec + i * this.periodSec;
      const tier = i < n ? tierFor(nowSec - bStart, this.periodSec, highRes) : null;
      if (i === n || tier !== rangeTier) {
        if (rangeTier) ranges.push({ tier: rangeTier, from: rangeFrom, to: Math.min(bStart, this.endSec) });
        rangeTier = tier;
        rangeFrom = bStart;
      }
    }
    this.plans.set(highRes, ranges);
    return ranges;
  }

  /** Loads the blocks every series of this shape may need. */
  async load(): Promise<void> {
    for (const highRes of [false, true]) for (const r of this.plan(highRes)) await this.store.load(r.tier, r.from, r.to);
  }

  /** Aggregates `series` (folded together) into the shared buckets; valid until the next run. Call load() first. */
  run(series: readonly SeriesInfo[]): Buckets {
    const b = this.buckets;
    b.reset();
    if (b.n === 0 || series.length === 0) return b;
    let highRes = false;
    for (const s of series) if (s.highResolution) highRes = true;
    b.single = series.length === 1;
    const visit = (run: CellRun, i0: number, i1: number, blockStart: number, res: number): void => b.addCells(run, i0, i1, blockStart, res);
    for (const r of this.plan(highRes)) for (const s of series) this.store.scan(s.id, r.tier, r.from, r.to, visit);
    return b;
  }
}

/**
 * Aggregates the cells of `series` (all folded together) into `periodSec`
 * buckets from `startSec` (already aligned) up to `endSec`, choosing the tier
 * by each bucket's age at `nowMs`.
 */
export async function aggregate(
  store: MetricStore,
  series: readonly SeriesInfo[],
  startSec: number,
  endSec: number,
  periodSec: number,
  keepDistribution: boolean,
  nowMs: number,
): Promise<Buckets> {
  const a = new Aggregation(store, startSec, endSec, periodSec, keepDistribution, nowMs);
  await a.load();
  return a.run(series);
}
