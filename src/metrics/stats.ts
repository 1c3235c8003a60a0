/**
 * Statistics: the aggregate CloudWatch keeps per datapoint (SampleCount, Sum,
 * Minimum, Maximum and, when every contribution was a raw value, a sketch of the
 * distribution) and the statistics read from it — the five basic ones and the
 * extended ones of CloudWatch's "Statistics definitions": pNN.NN percentiles,
 * trimmed mean tm, winsorized mean wm, trimmed count tc, trimmed sum ts (each
 * with a percent range `tm(10%:90%)`, a short form `tm90` = `tm(:90%)`, or an
 * absolute range `tm(150:1000)`), percentile rank PR(n:m) and IQM (= tm(25%:75%)).
 *
 * Percentiles need raw data: a PutMetricData StatisticValues set keeps the
 * distribution only when it describes one value (SampleCount 1 with Min = Max =
 * Sum, or Min = Max and Sum = Min × SampleCount), as the PutMetricData reference
 * says; any other set, and any negative value, drops it ("Percentile statistics
 * are not available for metrics when any of the metric values are negative").
 */
import { Sketch, sketchValue } from './sketch.ts';

export const BASIC_STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] as const;
export type BasicStatistic = (typeof BASIC_STATISTICS)[number];

export type StatisticSpec =
  | { kind: 'basic'; name: BasicStatistic }
  | { kind: 'percentile'; p: number }
  /** Range in percent of the sample (0..100) when `percent`, otherwise in metric values; undefined = open. */
  | { kind: 'trimmed'; fn: 'tm' | 'wm' | 'tc' | 'ts'; lo: number | undefined; hi: number | undefined; percent: boolean }
  | { kind: 'rank'; lo: number | undefined; hi: number | undefined };

const NUM = '(\\d+(?:\\.\\d+)?)';
const PERCENTILE_RE = new RegExp(`^p${NUM}$`);
const SHORT_TRIM_RE = new RegExp(`^(tm|wm|tc|ts)${NUM}$`);
const RANGE_RE = /^(tm|wm|tc|ts|TM|WM|TC|TS|PR)\(([^:()]*):([^:()]*)\)$/;

function bound(text: string): { value: number | undefined; percent: boolean } | null {
  const t = text.trim();
  if (t === '') return { value: undefined, percent: false };
  const percent = t.endsWith('%');
  const n = Number(percent ? t.slice(0, -1) : t);
  if (!Number.isFinite(n) || (percent ? t.length < 2 : false)) return null;
  return { value: n, percent };
}

/** Parses a statistic name as CloudWatch spells it; null if it is not one. */
export function parseStatistic(name: string): StatisticSpec | null {
  if ((BASIC_STATISTICS as readonly string[]).includes(name)) return { kind: 'basic', name: name as BasicStatistic };
  if (name === 'IQM') return { kind: 'trimmed', fn: 'tm', lo: 25, hi: 75, percent: true };
  let m = PERCENTILE_RE.exec(name);
  if (m) {
    const p = Number(m[1]);
    return p >= 0 && p <= 100 ? { kind: 'percentile', p } : null;
  }
  m = SHORT_TRIM_RE.exec(name);
  if (m) {
    const hi = Number(m[2]);
    if (!(hi > 0 && hi <= 100)) return null;
    return { kind: 'trimmed', fn: m[1] as 'tm' | 'wm' | 'tc' | 'ts', lo: undefined, hi, percent: true };
  }
  m = RANGE_RE.exec(name);
  if (m) {
    const lo = bound(m[2]!);
    const hi = bound(m[3]!);
    if (!lo || !hi || (lo.value === undefined && hi.value === undefined)) return null;
    const fn = m[1]!.toLowerCase();
    if (fn === 'pr') {
      if (lo.percent || hi.percent) return null;
      return { kind: 'rank', lo: lo.value, hi: hi.value };
    }
    // Both bounds in the same kind: percent or absolute (an open bound takes the other's kind).
    const percent = lo.value !== undefined ? lo.percent : hi.percent;
    if ((lo.value !== undefined && lo.percent !== percent) || (hi.value !== undefined && hi.percent !== percent)) return null;
    if (percent && ((lo.value ?? 0) < 0 || (hi.value ?? 100) > 100 || (lo.value ?? 0) >= (hi.value ?? 100))) return null;
    if (!percent && lo.value !== undefined && hi.value !== undefined && lo.value >= hi.value) return null;
    return { kind: 'trimmed', fn: fn as 'tm' | 'wm' | 'tc' | 'ts', lo: lo.value, hi: hi.value, percent };
  }
  return null;
}

/** True for the statistics that need the distribution (everything but the basic five). */
export function needsDistribution(spec: StatisticSpec): boolean {
  return spec.kind !== 'basic';
}

/**
 * One aggregate: what a stored cell holds and what a query folds cells into.
 * `sketch` is null when no contribution carried a distribution yet; `lost`
 * once any contribution could not (then percentiles are unavailable for good).
 */
export class StatAgg {
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  sketch: Sketch | null = null;
  lost = false;

  reset(): void {
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
    this.sketch = null;
    this.lost = false;
  }

  /** `count` occurrences of one raw value (PutMetricData Value / Values+Counts). */
  addValue(value: number, count: number, keepDistribution: boolean): void {
    this.count += count;
    this.sum += value * count;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (!keepDistribution || value < 0) {
      this.loseDistribution();
      return;
    }
    if (this.lost) return;
    if (!this.sketch) this.sketch = new Sketch();
    this.sketch.add(value, count);
  }

  /** A statistic set; keeps the distribution only when the set describes a single value. */
  addSet(count: number, sum: number, min: number, max: number): void {
    this.count += count;
    this.sum += sum;
    if (min < this.min) this.min = min;
    if (max > this.max) this.max = max;
    const singleValue = min === max && (count === 1 ? sum === min : sum === min * count);
    if (!singleValue || min < 0) {
      this.loseDistribution();
      return;
    }
    if (this.lost) return;
    if (!this.sketch) this.sketch = new Sketch();
    this.sketch.add(min, count);
  }

  /** Folds another aggregate (or a stored cell) in; `sketch` null with `lost` false means "no distribution part". */
  merge(count: number, sum: number, min: number, max: number, sketch: Sketch | null, lost: boolean): void {
    if (count === 0) return;
    this.count += count;
    this.sum += sum;
    if (min < this.min) this.min = min;
    if (max > this.max) this.max = max;
    if (lost || !sketch) {
      this.loseDistribution();
      return;
    }
    if (this.lost) return;
    if (!this.sketch) this.sketch = sketch.clone();
    else this.sketch.merge(sketch);
  }

  loseDistribution(): void {
    this.lost = true;
    this.sketch = null;
  }

  /** The sketch, if percentiles can be computed for this aggregate. */
  distribution(): Sketch | null {
    return this.lost ? null : this.sketch;
  }
}

/** The value of one statistic over an aggregate, or undefined where CloudWatch has none. */
export function statisticValue(agg: StatAgg, spec: StatisticSpec): number | undefined {
  if (agg.count <= 0) return undefined;
  switch (spec.kind) {
    case 'basic':
      switch (spec.name) {
        case 'SampleCount':
          return agg.count;
        case 'Sum':
          return agg.sum;
        case 'Average':
          return agg.sum / agg.count;
        case 'Minimum':
          return agg.min;
        case 'Maximum':
          return agg.max;
      }
      return undefined;
    case 'percentile': {
      const s = agg.distribution();
      if (!s) return undefined;
      if (spec.p === 0) return agg.min;
      if (spec.p === 100) return agg.max;
      return clamp(s.quantile(spec.p / 100), agg.min, agg.max);
    }
    case 'trimmed': {
      const s = agg.distribution();
      if (!s) return undefined;
      return trimmed(s, agg, spec.fn, spec.lo, spec.hi, spec.percent);
    }
    case 'rank': {
      const s = agg.distribution();
      if (!s) return undefined;
      return percentRank(s, agg, spec.lo, spec.hi);
    }
  }
}

function clamp(v: number, min: number, max: number): number {
  return Math.min(Math.max(v, min), max);
}

/** Calls fn(value, count) for every bucket of the sketch, smallest first, values clamped to [min, max]. */
function forEachBucket(s: Sketch, agg: StatAgg, fn: (value: number, count: number) => void): void {
  if (s.zeroCount > 0) fn(clamp(0, agg.min, agg.max), s.zeroCount);
  for (let i = 0; i < s.size; i++) fn(clamp(sketchValue(s.keys[i]!), agg.min, agg.max), s.counts[i]!);
}

function trimmed(s: Sketch, agg: StatAgg, fn: 'tm' | 'wm' | 'tc' | 'ts', lo: number | undefined, hi: number | undefined, percent: boolean): number | undefined {
  const total = s.total;
  let keptCount = 0;
  let keptSum = 0;
  let below = 0;
  let above = 0;
  let lowEdge = Number.NaN;
  let highEdge = Number.NaN;
  if (percent) {
    // Keep the part of the sample whose rank lies in (lo%, hi%] of the total count.
    const from = ((lo ?? 0) / 100) * total;
    const to = ((hi ?? 100) / 100) * total;
    let seen = 0;
    forEachBucket(s, agg, (v, c) => {
      const start = seen;
      const end = seen + c;
      seen = end;
      const overlap = Math.max(0, Math.min(end, to) - Math.max(start, from));
      if (overlap > 0) {
        keptCount += overlap;
        keptSum += overlap * v;
        if (Number.isNaN(lowEdge)) lowEdge = v;
        highEdge = v;
      }
      below += Math.max(0, Math.min(end, from) - start);
      above += Math.max(0, end - Math.max(start, to));
    });
  } else {
    forEachBucket(s, agg, (v, c) => {
      if (lo !== undefined && v <= lo) {
        below += c;
        return;
      }
      if (hi !== undefined && v > hi) {
        above += c;
        return;
      }
      keptCount += c;
      keptSum += c * v;
      if (Number.isNaN(lowEdge)) lowEdge = v;
      highEdge = v;
    });
  }
  switch (fn) {
    case 'tc':
      return keptCount;
    case 'ts':
      return keptSum;
    case 'tm':
      return keptCount > 0 ? keptSum / keptCount : undefined;
    case 'wm': {
      if (keptCount <= 0) return undefined;
      // Winsorized: values outside the range count as the range's edge values.
      const n = keptCount + below + above;
      return (keptSum + below * lowEdge + above * highEdge) / n;
    }
  }
}

/** PR(n:m): the percentage of values greater than n and at most m. */
function percentRank(s: Sketch, agg: StatAgg, lo: number | undefined, hi: number | undefined): number {
  let inside = 0;
  forEachBucket(s, agg, (v, c) => {
    if ((lo === undefined || v > lo) && (hi === undefined || v <= hi)) inside += c;
  });
  return (inside / s.total) * 100;
}
