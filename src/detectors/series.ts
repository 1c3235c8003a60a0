/**
 * Detection over one metric set: each (measure, dimension-value combination) is its own series, aggregated
 * per interval (SUM or AVG of the interval's rows) and scored by the anomaly library's best detector
 * (Confluence: a seasonal forecast and value isolation, each through an anomaly likelihood; docs/anomaly.md),
 * set up for interval metrics: the forecaster knows the interval, the forest is smaller (one per series),
 * and the likelihood stage needs `warmupIntervals` before it grades. A series absent from an interval gets a
 * missing value (NaN): nothing learnt, the seasonal phase kept.
 *
 * Severity = grade × 100, rounded (grade 0.3 = p 10⁻³, 0.5 = p 10⁻⁵, 1 = beyond anything seen), or the drop rule's (SERIES_DEFAULTS.dropFraction) when higher. Feedback that
 * a series was not anomalous raises that series' bar to above the severity it was flagged with.
 *
 * The same `MetricSetDetector` runs live (one interval when its offset passes) and in a backtest (the
 * historical intervals in order), so both give the same anomalies for the same data.
 */
import { createBestDetector, restoreBestDetector } from '../anomaly/index.ts';
import type { ConfluenceDetector, ConfluenceState } from '../anomaly/index.ts';
import type { ParsedRow } from './source.ts';

export const SERIES_DEFAULTS = {
  /** Intervals a series needs before it is graded (the likelihood stage's history, plus 16 for the interval estimate). */
  warmupIntervals: 64,
  /**
   * Isolation forest per series: far smaller than the library's default (100 × 256), so that 10,000 series fit
   * in memory and score in time (bench/detectors). On the NAB sample 10 × 32 costs 5 points (77.5 against 82.7
   * with the library's forest, bench/detectors/tune.ts).
   */
  numberOfTrees: 10,
  sampleSize: 32,
  /**
   * Likelihood history: a week of 5-minute intervals (the library's 8,640 is a month, 140 KB a series).
   * NAB sample: 1,008 → 72.2, 2,016 → 77.0, 8,640 → 77.5 (bench/detectors/tune.ts).
   */
  historyLength: 2016,
  /** Lowest severity reported as an anomaly (grade 0.5: p ≤ 10⁻⁵, the detector's red level; the NAB sample's best threshold is 0.52). */
  minSeverity: 50,
  /**
   * Likelihood stage's averaging window: the library's 10. Shorter windows flag single noisy intervals
   * (NAB sample: 3 → 52.4, 5 → 66.9, 10 → 77.0); short drops are caught by the drop rule instead.
   */
  averagingWindow: 10,
  /** The spatial rule (beyond every value seen by 5% of the range → grade 1) as in the library (off: 77.0 → 64.8 on NAB). */
  spatialTolerance: 0.05,
  /**
   * ... but only for a value also this many forecast deviations off the forecast; nearer, it grades by its
   * likelihood evidence alone. Until a series has seen a whole day, each evening's low is a new minimum, which
   * the spatial rule alone reads as an anomaly (false alerts in clean synthetic days; NAB: 72.8 → 70.2).
   */
  spatialGate: 6,
  /**
   * An anomaly must also be off the forecast by this many forecast deviations (mean absolute errors): the
   * likelihood stage's fit on a short history is overconfident in its tails, and this keeps noise of a
   * well-forecast series out (false groups in the S3 example's clean marketplaces without it; NAB: 77.0 → 76.0).
   */
  residualGate: 3,
  /**
   * The drop rule: a value below (1 − dropFraction) of a positive forecast and more than dropGate deviations
   * off it is an outage-like drop, graded at least 50 (100 at twice the gate) whatever the likelihood stage
   * says. The likelihood averages surprises over 10 intervals and learns each burst into its history, so a
   * second short drop in the same series within hours would grade low; business metrics that fall by more
   * than half are what a metric detector is for. NAB sample: 76.0 → 72.8 (spikes treated alike: 39.2).
   */
  dropFraction: 0.6,
  dropGate: 8,
  /** Values kept per series for ListAnomalyGroupTimeSeries and the CLI's sparklines. */
  recentValues: 48,
} as const;

export type SeriesOptions = { -readonly [K in keyof typeof SERIES_DEFAULTS]?: number };

export interface MetricSpec {
  name: string;
  aggregation: 'SUM' | 'AVG';
}

export interface SeriesHit {
  seriesId: string;
  metric: string;
  dimensions: Record<string, string>;
  severity: number;
  value: number;
  expected: number;
  reason: string;
}

export interface IntervalResult {
  startMs: number;
  hits: SeriesHit[];
  seriesCount: number;
  rows: number;
  /** Every series has its warm-up behind it. */
  learned: boolean;
}

interface Series {
  id: string;
  metric: number;
  dimensions: string[];
  detector: ConfluenceDetector;
  seen: number;
  /** Severities at or below this are not reported (feedback "not anomalous"). */
  suppressBelow: number;
  recent: Float64Array;
  recentStart: number;
}

export interface SeriesState {
  id: string;
  metric: number;
  dimensions: string[];
  detector: ConfluenceState;
  seen: number;
  suppressBelow: number;
  recent: number[];
  recentStart: number;
}

export interface MetricSetDetectorState {
  version: 1;
  intervals: number;
  lastStartMs: number | null;
  series: SeriesState[];
}

/** A series id: stable, readable, from the measure and dimension values. */
export function seriesIdOf(metric: string, dims: readonly string[]): string {
  return dims.length === 0 ? metric : `${metric}|${dims.join('|')}`;
}

export class MetricSetDetector {
  private readonly series = new Map<string, Series>();
  private readonly opts: Required<SeriesOptions>;
  /** Intervals processed. */
  intervals = 0;
  lastStartMs: number | null = null;

  constructor(
    readonly metrics: readonly MetricSpec[],
    readonly dimensionNames: readonly string[],
    readonly freqMs: number,
    options: SeriesOptions = {},
  ) {
    this.opts = { ...SERIES_DEFAULTS, ...options };
  }

  /** Every series has its warm-up behind it (and there is at least one). */
  get warm(): boolean {
    if (this.series.size === 0) return false;
    for (const s of this.series.values()) if (s.seen < this.opts.warmupIntervals) return false;
    return true;
  }

  get seriesCount(): number {
    return this.series.size;
  }

  private newDetector(): ConfluenceDetector {
    return newSeriesDetector(this.opts, this.freqMs);
  }

  /** Scores one interval's rows and learns them. Intervals must come in time order. */
  process(startMs: number, rows: readonly ParsedRow[], filter?: (dims: readonly string[]) => boolean): IntervalResult {
    const nm = this.metrics.length;
    // Aggregate: key → sums and counts per metric.
    const agg = new Map<string, { dims: string[]; sum: Float64Array; count: Float64Array }>();
    for (const r of rows) {
      if (filter && !filter(r.dimensions)) continue;
      const key = r.dimensions.join('\u0000');
      let a = agg.get(key);
      if (!a) agg.set(key, (a = { dims: r.dimensions, sum: new Float64Array(nm), count: new Float64Array(nm) }));
      for (let m = 0; m < nm; m++) {
        const v = r.values[m]!;
        if (Number.isNaN(v)) continue;
        a.sum[m]! += v;
        a.count[m]! += 1;
      }
    }
    const valueOf = new Map<string, number>();
    for (const a of agg.values()) {
      for (let m = 0; m < nm; m++) {
        const id = seriesIdOf(this.metrics[m]!.name, a.dims);
        if (a.count[m] === 0) continue;
        valueOf.set(id, this.metrics[m]!.aggregation === 'AVG' ? a.sum[m]! / a.count[m]! : a.sum[m]!);
        if (!this.series.has(id)) {
          this.series.set(id, {
            id,
            metric: m,
            dimensions: a.dims,
            detector: this.newDetector(),
            seen: 0,
            suppressBelow: 0,
            recent: new Float64Array(this.opts.recentValues).fill(NaN),
            recentStart: startMs - (this.opts.recentValues - 1) * this.freqMs,
          });
        }
      }
    }
    const hits: SeriesHit[] = [];
    let learned = this.series.size > 0;
    // hot path: one update per series per interval
    for (const s of this.series.values()) {
      const v = valueOf.get(s.id) ?? NaN;
      const g = gradeSeries(s.detector, startMs, v, s.seen, this.opts);
      if (!Number.isNaN(v)) s.seen += 1;
      pushRecent(s, startMs, v, this.freqMs);
      if (s.seen < this.opts.warmupIntervals) learned = false;
      if (g.severity < this.opts.minSeverity || g.severity <= s.suppressBelow) continue;
      const dims: Record<string, string> = {};
      for (let d = 0; d < this.dimensionNames.length; d++) dims[this.dimensionNames[d]!] = s.dimensions[d]!;
      hits.push({
        seriesId: s.id,
        metric: this.metrics[s.metric]!.name,
        dimensions: dims,
        severity: g.severity,
        value: v,
        expected: g.expected,
        reason: g.reason,
      });
    }
    this.intervals += 1;
    this.lastStartMs = startMs;
    return { startMs, hits, seriesCount: this.series.size, rows: rows.length, learned };
  }

  /** PutFeedback: a series judged not anomalous at `severity` is not reported again at or below it. */
  feedback(seriesId: string, isAnomaly: boolean, severity: number): void {
    const s = this.series.get(seriesId);
    if (!s) return;
    if (!isAnomaly) s.suppressBelow = Math.max(s.suppressBelow, Math.min(99, severity));
    else s.suppressBelow = 0;
  }

  /** The last `n` interval values of a series (NaN where missing), oldest first, with the first one's start. */
  recent(seriesId: string): { startMs: number; values: number[] } | undefined {
    const s = this.series.get(seriesId);
    if (!s) return undefined;
    return { startMs: s.recentStart, values: Array.from(s.recent) };
  }

  byteSize(): number {
    let n = 0;
    for (const s of this.series.values()) n += s.detector.byteSize() + s.recent.byteLength;
    return n;
  }

  toJSON(): MetricSetDetectorState {
    return {
      version: 1,
      intervals: this.intervals,
      lastStartMs: this.lastStartMs,
      series: [...this.series.values()].map((s) => ({
        id: s.id,
        metric: s.metric,
        dimensions: s.dimensions,
        detector: s.detector.toJSON(),
        seen: s.seen,
        suppressBelow: s.suppressBelow,
        recent: Array.from(s.recent, (x) => (Number.isNaN(x) ? null : x)) as number[],
        recentStart: s.recentStart,
      })),
    };
  }

  static fromJSON(
    state: MetricSetDetectorState,
    metrics: readonly MetricSpec[],
    dims: readonly string[],
    freqMs: number,
    options: SeriesOptions = {},
  ): MetricSetDetector {
    const d = new MetricSetDetector(metrics, dims, freqMs, options);
    d.intervals = state.intervals;
    d.lastStartMs = state.lastStartMs;
    for (const s of state.series) {
      d.series.set(s.id, {
        id: s.id,
        metric: s.metric,
        dimensions: s.dimensions,
        detector: restoreBestDetector(s.detector),
        seen: s.seen,
        suppressBelow: s.suppressBelow,
        recent: Float64Array.from(s.recent, (x) => (x === null ? NaN : x)),
        recentStart: s.recentStart,
      });
    }
    return d;
  }
}

export interface SeriesGrade {
  /** 0–100; 0 while learning, for a missing value, and within the residual gate. */
  severity: number;
  expected: number;
  reason: string;
}

/**
 * Scores one series value (then learns it): the best detector's grade, gated by the forecast residual, or the
 * drop rule's severity when larger. `seen` is how many values the series had before this one.
 */
export function gradeSeries(detector: ConfluenceDetector, timestampMs: number, v: number, seen: number, opts: Required<SeriesOptions>): SeriesGrade {
  const r = detector.update(timestampMs, v);
  if (r.missing || seen + 1 < opts.warmupIntervals) return { severity: 0, expected: r.expected, reason: r.missing ? 'missing' : 'learning' };
  // Off the forecast by z forecast deviations: below the gate it is noise whatever the likelihood says.
  const z = Math.abs(v - r.expected) / r.deviation;
  if (!(z > opts.residualGate)) return { severity: 0, expected: r.expected, reason: 'none' };
  const severity = Math.round((r.reason === 'spatial' && !(z > opts.spatialGate) ? Math.min(1, r.score / 10) : r.grade) * 100);
  // The drop rule (SERIES_DEFAULTS.dropFraction): a value far below a positive forecast.
  if (r.expected > 0 && v < (1 - opts.dropFraction) * r.expected && z > opts.dropGate) {
    const drop = Math.min(100, Math.round(50 + ((z - opts.dropGate) / opts.dropGate) * 50));
    if (drop > severity) return { severity: drop, expected: r.expected, reason: 'drop' };
  }
  return { severity, expected: r.expected, reason: r.reason === 'none' ? 'forecast' : r.reason };
}

/** A detector for one series, set up as a metric set's series are (the CLI's `--detector metric`). */
export function createSeriesDetector(freqMs: number | undefined, options: SeriesOptions = {}): { detector: ConfluenceDetector; opts: Required<SeriesOptions> } {
  const opts = { ...SERIES_DEFAULTS, ...options };
  return { detector: newSeriesDetector(opts, freqMs), opts };
}

function newSeriesDetector(opts: Required<SeriesOptions>, freqMs: number | undefined): ConfluenceDetector {
  return createBestDetector({
    numberOfTrees: opts.numberOfTrees,
    sampleSize: opts.sampleSize,
    spatialTolerance: opts.spatialTolerance,
    ...(freqMs !== undefined ? { forecaster: { intervalMs: freqMs } } : {}),
    likelihood: {
      minHistory: Math.max(1, opts.warmupIntervals - 16),
      historyLength: opts.historyLength,
      averagingWindow: opts.averagingWindow,
    },
  });
}

/** Keeps the window of the last `recent.length` intervals ending at `startMs`. */
function pushRecent(s: Series, startMs: number, v: number, freqMs: number): void {
  const n = s.recent.length;
  const last = s.recentStart + (n - 1) * freqMs;
  const shift = Math.round((startMs - last) / freqMs);
  if (shift > 0) {
    if (shift >= n) s.recent.fill(NaN);
    else {
      s.recent.copyWithin(0, shift);
      s.recent.fill(NaN, n - shift);
    }
    s.recentStart += shift * freqMs;
  }
  const idx = Math.round((startMs - s.recentStart) / freqMs);
  if (idx >= 0 && idx < n) s.recent[idx] = v;
}
