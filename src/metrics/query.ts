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
import type { Sketch } from './sketch.ts';

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
  private readonly tmp = new StatAgg();

  constructor(
    readonly startSec: number,
    readonly periodSec: number,
    readonly n: number,
    keepDistribution: boolean,
  ) {
    this.count = new Float64Array(n);
    this.sum = new Float64Array(n);
    this.min = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    this.max = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
    this.sketches = keepDistribution ? new Array<Sketch | null>(n).fill(null) : null;
    this.lost = keepDistribution ? new Uint8Array(n) : null;
  }

  timestampMs(i: number): number {
    return (this.startSec + i * this.periodSec) * 1000;
  }

  /** Folds cells [i0, i1) of a run (from the block starting at blockStartSec, cells of resSec) into their buckets. */
  // hot path
  addCells(run: CellRun, i0: number, i1: number, blockStartSec: number, resSec: number): void {
    const start = this.startSec;
    const period = this.periodSec;
    const count = this.count;
    const sum = this.sum;
    const min = this.min;
    const max = this.max;
    const sk = this.sketches;
    for (let i = i0; i < i1; i++) {
      const t = blockStartSec + run.off[i]! * resSec;
      const b = Math.floor((t - start) / period);
      if (b < 0 || b >= this.n) continue;
      count[b]! += run.count[i]!;
      sum[b]! += run.sum[i]!;
      const lo = run.min[i]!;
      const hi = run.max[i]!;
      if (lo < min[b]!) min[b] = lo;
      if (hi > max[b]!) max[b] = hi;
      if (sk !== null) {
        const cell = run.sketches ? run.sketches[i]! : null;
        if (cell === null) {
          this.lost![b] = 1;
          sk[b] = null;
        } else if (this.lost![b] === 0) {
          const mine = sk[b]!;
          if (mine === null) sk[b] = cell.clone();
          else mine.merge(cell);
        }
      }
    }
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
  const n = requestedDatapoints(startSec, endSec, periodSec);
  const buckets = new Buckets(startSec, periodSec, n, keepDistribution);
  if (n === 0 || series.length === 0) return buckets;
  const nowSec = Math.floor(nowMs / 1000);
  const highRes = series.some((s) => s.highResolution);
  // Consecutive buckets answered by the same tier form one scan range.
  let rangeTier: Tier | null = null;
  let rangeFrom = startSec;
  const ranges: Array<{ tier: Tier; from: number; to: number }> = [];
  for (let i = 0; i <= n; i++) {
    const bStart = startSec + i * periodSec;
    const tier = i < n ? tierFor(nowSec - bStart, periodSec, highRes) : null;
    if (i === n || tier !== rangeTier) {
      if (rangeTier) ranges.push({ tier: rangeTier, from: rangeFrom, to: Math.min(bStart, endSec) });
      rangeTier = tier;
      rangeFrom = bStart;
    }
  }
  for (const r of ranges) {
    await store.load(r.tier, r.from, r.to);
    for (const s of series) {
      store.scan(s.id, r.tier, r.from, r.to, (run, i0, i1, blockStart, res) => buckets.addCells(run, i0, i1, blockStart, res));
    }
  }
  return buckets;
}
