/**
 * Confluence: Freshet's own detector for one univariate metric, streaming, one
 * pass, bounded memory, no look-ahead. Two views of the stream feed one
 * anomaly-likelihood stage each, and the more surprised view decides:
 *
 *  1. Forecast residual. A seasonal forecaster (seasonal.ts: level, daily and
 *     weekly additive Holt-Winters, the best recent one chosen) predicts each
 *     value; the raw surprise is |residual| / (6 × residual scale), capped at 1.
 *     This sees contextual anomalies: a normal-looking value at the wrong time
 *     of day or week, a flat line where the day should rise.
 *  2. Value isolation. A Random Cut Forest over single values (100 trees, 256
 *     samples, timeDecay 100,000) scores how isolated the value is among the
 *     values sampled; the raw surprise is score / log2(sampleSize + 1). This
 *     sees values that are rare whatever the time.
 *
 * Each raw surprise goes through an anomaly likelihood (likelihood.ts, after
 * Numenta's HTM detector): the probability p of its recent 10-input average
 * under a normal fit to the last 8640 averages. The evidence is −log10 of the
 * smaller of the two probabilities, and the grade is evidence / 10 (p = 10⁻⁵ →
 * 0.5, 10⁻¹⁰ → 1). Two rules shape the alerts, as in Numenta's detector:
 *  - a value beyond everything seen so far by more than 5% of the seen range
 *    (after the warm-up), while the likelihood stage finds the recent behaviour
 *    at least somewhat unlikely (p ≤ 0.1), gets grade 1 (a spatial anomaly);
 *  - after an alert (red, p ≤ 10⁻⁵, or spatial), further alerts are lowered to
 *    a yellow (grade 0.3) until p has risen above the yellow level (10⁻³) once:
 *    a continuing burst or a level shift alerts once, not on every point.
 * During the warm-up (the first minHistory + 16 inputs) the grade is 0.
 *
 * Missing intervals: pass NaN as the value (or simply skip the interval; the
 * forecaster's slots follow the timestamps). A NaN input returns grade 0 with the
 * expected value and changes nothing but the clock.
 *
 * The parameters were chosen once for all series: see docs/anomaly.md.
 */
import { RandomCutForest } from './forest.ts';
import type { ForestState } from './forest.ts';
import { AnomalyLikelihood } from './likelihood.ts';
import type { LikelihoodOptions, LikelihoodState } from './likelihood.ts';
import { SeasonalForecaster } from './seasonal.ts';
import type { ForecasterOptions, ForecasterState } from './seasonal.ts';

export const CONFLUENCE_DEFAULTS = {
  /** Residual scales that make a raw forecast surprise of 1. */
  residualScales: 6,
  /** Trees of the value-isolation forest (100: the isolation score's noise halved against 50; see docs/anomaly.md). */
  numberOfTrees: 100,
  sampleSize: 256,
  timeDecay: 100000,
  /** A value beyond the seen range by more than this fraction of it is a spatial anomaly. */
  spatialTolerance: 0.05,
  /** A spatial anomaly also needs the likelihood stage to find the recent behaviour at least this unlikely. */
  spatialProbability: 0.1,
  /** p at or below this is a red alert (an alert right after an alert is lowered to yellow). */
  redProbability: 1e-5,
  /** The grade an alert during an alert is lowered to. */
  yellowGrade: 0.3,
  /** An alert ends when p rises above this (the yellow level, 10⁻³). */
  yellowProbability: 1e-3,
  seed: 0,
} as const;

export interface ConfluenceOptions {
  /** Options of the seasonal forecaster (seasonal.ts). */
  forecaster?: ForecasterOptions;
  /** Options of both anomaly-likelihood stages (likelihood.ts). */
  likelihood?: LikelihoodOptions;
  residualScales?: number;
  numberOfTrees?: number;
  sampleSize?: number;
  timeDecay?: number;
  spatialTolerance?: number;
  spatialProbability?: number;
  redProbability?: number;
  yellowGrade?: number;
  yellowProbability?: number;
  seed?: number;
}

export interface DetectorResult {
  /** 0 = normal; (0, 1]: anomalous, higher = less likely (0.5 ≈ a one-in-100,000 event, 1 = beyond anything seen). */
  grade: number;
  /** The evidence, −log10 of the probability of the recent behaviour (0 when ordinary or warming up). */
  score: number;
  /** The forecast for this timestamp (NaN until a model can forecast). */
  expected: number;
  /** The forecast's residual scale (mean absolute error); expected ± 3 × deviation is a typical range. */
  deviation: number;
  /** Which view decided: 'forecast', 'isolation', 'spatial' or 'none'. */
  reason: 'forecast' | 'isolation' | 'spatial' | 'none';
  /** The value was missing (NaN): nothing was learnt. */
  missing: boolean;
}

export interface ConfluenceState {
  format: 'freshet.confluence';
  version: 1;
  options: ResolvedConfluenceOptions;
  forecaster: ForecasterState;
  forest: ForestState;
  forecastLikelihood: LikelihoodState;
  isolationLikelihood: LikelihoodState;
  count: number;
  min: number | null;
  max: number | null;
  lastRed: boolean;
}

type ResolvedConfluenceOptions = Required<Omit<ConfluenceOptions, 'forecaster' | 'likelihood'>> & {
  forecaster: ForecasterOptions;
  likelihood: LikelihoodOptions;
};

const FLOOR_P = 1e-10;

export class ConfluenceDetector {
  readonly options: Readonly<ResolvedConfluenceOptions>;
  private forecaster: SeasonalForecaster;
  private forest: RandomCutForest;
  private forecastLikelihood: AnomalyLikelihood;
  private isolationLikelihood: AnomalyLikelihood;
  private readonly maxForestScore: number;
  private readonly point = new Float64Array(1);
  private count = 0;
  private min = Infinity;
  private max = -Infinity;
  private lastRed = false;

  constructor(options: ConfluenceOptions = {}) {
    const o: ResolvedConfluenceOptions = {
      residualScales: options.residualScales ?? CONFLUENCE_DEFAULTS.residualScales,
      numberOfTrees: options.numberOfTrees ?? CONFLUENCE_DEFAULTS.numberOfTrees,
      sampleSize: options.sampleSize ?? CONFLUENCE_DEFAULTS.sampleSize,
      timeDecay: options.timeDecay ?? CONFLUENCE_DEFAULTS.timeDecay,
      spatialTolerance: options.spatialTolerance ?? CONFLUENCE_DEFAULTS.spatialTolerance,
      spatialProbability: options.spatialProbability ?? CONFLUENCE_DEFAULTS.spatialProbability,
      redProbability: options.redProbability ?? CONFLUENCE_DEFAULTS.redProbability,
      yellowGrade: options.yellowGrade ?? CONFLUENCE_DEFAULTS.yellowGrade,
      yellowProbability: options.yellowProbability ?? CONFLUENCE_DEFAULTS.yellowProbability,
      seed: options.seed ?? CONFLUENCE_DEFAULTS.seed,
      forecaster: { ...options.forecaster },
      likelihood: { ...options.likelihood },
    };
    if (!(o.residualScales > 0)) throw new RangeError(`residualScales must be > 0, got ${o.residualScales}`);
    if (!(o.spatialTolerance >= 0)) throw new RangeError(`spatialTolerance must be >= 0, got ${o.spatialTolerance}`);
    if (!(o.redProbability > 0 && o.redProbability < 1)) throw new RangeError(`redProbability must be in (0, 1), got ${o.redProbability}`);
    if (!(o.yellowGrade >= 0 && o.yellowGrade <= 1)) throw new RangeError(`yellowGrade must be in [0, 1], got ${o.yellowGrade}`);
    if (!(o.yellowProbability >= o.redProbability && o.yellowProbability < 1)) throw new RangeError('yellowProbability must be in [redProbability, 1)');
    this.options = Object.freeze(o);
    this.forecaster = new SeasonalForecaster(o.forecaster);
    this.forest = new RandomCutForest({ dimensions: 1, numberOfTrees: o.numberOfTrees, sampleSize: o.sampleSize, timeDecay: o.timeDecay, seed: o.seed });
    this.forecastLikelihood = new AnomalyLikelihood(o.likelihood);
    this.isolationLikelihood = new AnomalyLikelihood(o.likelihood);
    this.maxForestScore = Math.log2(o.sampleSize + 1);
  }

  /** Inputs seen (missing ones included). */
  get inputs(): number {
    return this.count;
  }

  /**
   * Scores the value at `timestampMs`, then learns it. Timestamps should be in
   * order; `value` NaN marks a missing interval.
   */
  // hot path
  update(timestampMs: number, value: number): DetectorResult {
    if (!Number.isFinite(timestampMs)) throw new RangeError(`timestamp must be a finite number of ms, got ${timestampMs}`);
    if (!Number.isFinite(value) && !Number.isNaN(value)) throw new RangeError(`value must be a finite number or NaN (missing), got ${value}`);
    this.count++;
    const f = this.forecaster.update(timestampMs, value);
    if (Number.isNaN(value)) {
      return { grade: 0, score: 0, expected: f.expected, deviation: f.scale, reason: 'none', missing: true };
    }
    const o = this.options;
    const range = this.max - this.min;
    const spatial = range > 0 && (value > this.max + o.spatialTolerance * range || value < this.min - o.spatialTolerance * range);
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.point[0] = value;
    const rawIsolation = this.forest.scoreAndUpdate(this.point) / this.maxForestScore;
    const rawForecast = Math.min(1, Math.abs(f.z) / o.residualScales);
    const pF = this.forecastLikelihood.update(rawForecast);
    const pI = this.isolationLikelihood.update(rawIsolation);
    const p = Math.max(FLOOR_P, Math.min(pF, pI));
    const score = -Math.log10(p);
    let grade = score / 10;
    let reason: DetectorResult['reason'] = grade > 0 ? (pF <= pI ? 'forecast' : 'isolation') : 'none';
    const isSpatial = spatial && p <= o.spatialProbability && this.forecastLikelihood.isReady;
    if (isSpatial) {
      grade = 1;
      reason = 'spatial';
    }
    // Hysteresis: after an alert (red or spatial), further alerts are lowered to a yellow until the
    // evidence has dropped below the yellow level once; a burst or a shift alerts once.
    const alert = isSpatial || p <= o.redProbability;
    if (alert && this.lastRed) grade = Math.min(grade, o.yellowGrade);
    if (alert) this.lastRed = true;
    else if (p > o.yellowProbability) this.lastRed = false;
    return { grade, score, expected: f.expected, deviation: f.scale, reason, missing: false };
  }

  /** Bytes of typed arrays held: the forest, the forecaster's slots, the likelihood histories. */
  byteSize(): number {
    const h = (a: AnomalyLikelihood) => 8 * (a.options.historyLength + a.options.averagingWindow);
    return this.forest.byteSize() + this.forecaster.byteSize() + h(this.forecastLikelihood) + h(this.isolationLikelihood);
  }

  toJSON(): ConfluenceState {
    return {
      format: 'freshet.confluence',
      version: 1,
      options: { ...this.options, forecaster: { ...this.options.forecaster }, likelihood: { ...this.options.likelihood } },
      forecaster: this.forecaster.toJSON(),
      forest: this.forest.toJSON(),
      forecastLikelihood: this.forecastLikelihood.toJSON(),
      isolationLikelihood: this.isolationLikelihood.toJSON(),
      count: this.count,
      min: Number.isFinite(this.min) ? this.min : null,
      max: Number.isFinite(this.max) ? this.max : null,
      lastRed: this.lastRed,
    };
  }

  static fromJSON(s: ConfluenceState): ConfluenceDetector {
    if (s?.format !== 'freshet.confluence' || s.version !== 1) throw new RangeError('not a freshet.confluence version 1 state');
    const d = new ConfluenceDetector(s.options);
    d.forecaster = SeasonalForecaster.fromJSON(s.forecaster);
    d.forest = RandomCutForest.fromJSON(s.forest);
    d.forecastLikelihood = AnomalyLikelihood.fromJSON(s.forecastLikelihood);
    d.isolationLikelihood = AnomalyLikelihood.fromJSON(s.isolationLikelihood);
    d.count = s.count;
    d.min = s.min ?? Infinity;
    d.max = s.max ?? -Infinity;
    d.lastRed = s.lastRed;
    return d;
  }
}
