/**
 * A detector on top of the forest: turns the raw score stream into an anomaly
 * grade in [0, 1] with an adaptive threshold, after the reference's
 * ThresholdedRandomCutForest / BasicThresholder (random-cut-forest-by-aws,
 * parkservices). Scores are tracked with exponentially discounted mean and
 * deviation; the threshold is
 *
 *     max(absoluteThreshold, mean + (z - 1) * longTermDeviation + deviation)
 *
 * blended with `initialThreshold` over the first 2 × minimumScores scores. The
 * long-term deviation is that of the scores *below* the mean (RCF scores are
 * skewed: anomalies must not inflate the threshold that detects them), and for
 * shingled input it is mixed with the deviation of score differences, as the
 * reference does.
 *
 * Grade: 0 at or below the threshold, rising linearly to 1 at z further
 * (effective) deviations above it. Like the reference's corrector, a point within
 * shingleSize - 1 points after an anomaly is graded only if its score beats that
 * anomaly's score (the anomalous value is still inside the shingle); this is a
 * simplification of the reference's PredictorCorrector, not a copy of it.
 */
import { RandomCutForest } from './forest.ts';
import type { ForestOptions, ForestState } from './forest.ts';

/** Exponentially discounted mean and standard deviation. */
export class Deviation {
  discount: number;
  private weight = 0;
  private sum = 0;
  private sumSquared = 0;
  count = 0;

  constructor(discount: number) {
    this.discount = discount;
  }

  update(x: number): void {
    // Plain averaging for the first points, then the fixed discount.
    const f = this.discount === 0 ? 1 : Math.min(1 - this.discount, 1 - 1 / (this.count + 2));
    this.sum = this.sum * f + x;
    this.sumSquared = this.sumSquared * f + x * x;
    this.weight = this.weight * f + 1;
    this.count++;
  }

  get mean(): number {
    return this.weight > 0 ? this.sum / this.weight : 0;
  }

  get deviation(): number {
    if (this.weight <= 0) return 0;
    const m = this.sum / this.weight;
    const v = this.sumSquared / this.weight - m * m;
    return v > 0 ? Math.sqrt(v) : 0;
  }

  toJSON(): number[] {
    return [this.discount, this.weight, this.sum, this.sumSquared, this.count];
  }

  static fromJSON(s: readonly number[]): Deviation {
    const d = new Deviation(s[0]!);
    d.weight = s[1]!;
    d.sum = s[2]!;
    d.sumSquared = s[3]!;
    d.count = s[4]!;
    return d;
  }
}

export interface ThresholdOptions {
  /** Deviations above the mean at which scores become anomalies (default 3, as the reference). */
  zFactor?: number;
  /** Scores below this are never anomalies (default 0.8, as the reference). */
  absoluteThreshold?: number;
  /** Threshold used until minimumScores scores have been seen (default 1.5). */
  initialThreshold?: number;
  /** Scores needed before the deviation is trusted (default 10). */
  minimumScores?: number;
  /** Discount per score of the score statistics (default 1 / (10 × sampleSize)). */
  scoreDiscount?: number;
}

export type ThresholdedForestOptions = ForestOptions & ThresholdOptions;

export interface ThresholdedResult {
  score: number;
  /** 0 = not anomalous; (0, 1] = anomalous, 1 being far past the threshold. */
  grade: number;
  /** The threshold the score was compared with. */
  threshold: number;
  /** Per input dimension, present only when grade > 0. */
  attribution?: { high: Float64Array; low: Float64Array };
}

export interface ThresholdedForestState {
  format: 'freshet.trcf';
  version: 1;
  threshold: Required<ThresholdOptions>;
  forest: ForestState;
  primary: number[];
  secondary: number[];
  below: number[];
  count: number;
  lastScore: number;
  sinceAnomaly: number;
  lastAnomalyScore: number;
  lastTimestampMs: number | null;
}

const SQRT2 = Math.SQRT2;
/** Weight of the plain score deviation vs the score-difference deviation for shingled input. */
const SCORE_DIFFERENCING = 0.5;

export class ThresholdedRandomCutForest {
  readonly forest: RandomCutForest;
  readonly thresholdOptions: Readonly<Required<ThresholdOptions>>;
  private primary: Deviation;
  private secondary: Deviation;
  private below: Deviation;
  private count = 0;
  private lastScore = 0;
  private sinceAnomaly = Number.MAX_SAFE_INTEGER;
  private lastAnomalyScore = 0;
  private lastTimestampMs: number | null = null;

  constructor(options: ThresholdedForestOptions, forest?: RandomCutForest) {
    this.forest = forest ?? new RandomCutForest(options);
    const sampleSize = this.forest.options.sampleSize;
    const t: Required<ThresholdOptions> = {
      zFactor: options.zFactor ?? 3,
      absoluteThreshold: options.absoluteThreshold ?? 0.8,
      initialThreshold: options.initialThreshold ?? 1.5,
      minimumScores: options.minimumScores ?? 10,
      scoreDiscount: options.scoreDiscount ?? 1 / (10 * sampleSize),
    };
    if (!(t.zFactor > 0)) throw new RangeError(`zFactor must be > 0, got ${t.zFactor}`);
    if (!(t.scoreDiscount >= 0 && t.scoreDiscount < 1)) throw new RangeError(`scoreDiscount must be in [0, 1), got ${t.scoreDiscount}`);
    if (!Number.isInteger(t.minimumScores) || t.minimumScores < 1) throw new RangeError(`minimumScores must be an integer >= 1`);
    this.thresholdOptions = Object.freeze(t);
    this.primary = new Deviation(t.scoreDiscount);
    this.secondary = new Deviation(t.scoreDiscount);
    this.below = new Deviation(t.scoreDiscount / 10);
  }

  /** The threshold a score would be compared with now. */
  currentThreshold(): number {
    const t = this.thresholdOptions;
    if (this.count < t.minimumScores) return Math.max(t.initialThreshold, t.absoluteThreshold);
    const frac = this.count >= 2 * t.minimumScores ? 1 : (this.count - t.minimumScores) / t.minimumScores;
    const scaled = this.scaledDeviation();
    return Math.max(t.absoluteThreshold, frac * (this.primary.mean + scaled) + (1 - frac) * t.initialThreshold);
  }

  private scaledDeviation(): number {
    const z = this.thresholdOptions.zFactor;
    const pd = this.primary.deviation;
    let longTerm = Math.min(SQRT2 * this.below.deviation, pd);
    if (this.forest.options.shingleSize > 1) {
      longTerm = SCORE_DIFFERENCING * longTerm + (1 - SCORE_DIFFERENCING) * this.secondary.deviation;
    }
    return (z - 1) * longTerm + pd;
  }

  /** Scores the point, grades it, then adds it to the forest. */
  process(point: ArrayLike<number>, timestampMs?: number): ThresholdedResult {
    if (timestampMs !== undefined) this.lastTimestampMs = timestampMs;
    const f = this.forest;
    const score = f.score(point);
    const threshold = this.currentThreshold();
    let grade = 0;
    if (score > 0 && score > threshold) {
      const z = this.thresholdOptions.zFactor;
      const effective = this.count >= this.thresholdOptions.minimumScores ? this.scaledDeviation() / z : 0;
      grade = effective > 0 ? Math.min(1, (score - threshold) / (z * effective)) : 1;
      const shingle = f.options.shingleSize;
      if (this.sinceAnomaly < shingle - 1 && score <= this.lastAnomalyScore) grade = 0;
    }
    let attribution: { high: Float64Array; low: Float64Array } | undefined;
    if (grade > 0) {
      const a = f.attribution(point);
      attribution = { high: a.high, low: a.low };
      this.sinceAnomaly = 0;
      this.lastAnomalyScore = score;
    } else if (this.sinceAnomaly < Number.MAX_SAFE_INTEGER) {
      this.sinceAnomaly++;
    }
    f.update(point);
    if (score > 0) {
      const gap = this.primary.mean - score;
      if (this.count > 0 && gap > 0) this.below.update(gap);
      this.primary.update(score);
      this.secondary.update(score - this.lastScore);
      this.lastScore = score;
      this.count++;
    }
    return attribution ? { score, grade, threshold, attribution } : { score, grade, threshold };
  }

  /** Timestamp of the last processed point that carried one (recorded for checkpoints; scoring is by arrival order). */
  get lastTimestamp(): number | null {
    return this.lastTimestampMs;
  }

  toJSON(): ThresholdedForestState {
    return {
      format: 'freshet.trcf',
      version: 1,
      threshold: { ...this.thresholdOptions },
      forest: this.forest.toJSON(),
      primary: this.primary.toJSON(),
      secondary: this.secondary.toJSON(),
      below: this.below.toJSON(),
      count: this.count,
      lastScore: this.lastScore,
      sinceAnomaly: this.sinceAnomaly,
      lastAnomalyScore: this.lastAnomalyScore,
      lastTimestampMs: this.lastTimestampMs,
    };
  }

  static fromJSON(state: ThresholdedForestState): ThresholdedRandomCutForest {
    if (state?.format !== 'freshet.trcf' || state.version !== 1) throw new RangeError('not a freshet.trcf version 1 state');
    const forest = RandomCutForest.fromJSON(state.forest);
    const t = new ThresholdedRandomCutForest({ ...forest.options, ...state.threshold }, forest);
    t.primary = Deviation.fromJSON(state.primary);
    t.secondary = Deviation.fromJSON(state.secondary);
    t.below = Deviation.fromJSON(state.below);
    t.count = state.count;
    t.lastScore = state.lastScore;
    t.sinceAnomaly = state.sinceAnomaly;
    t.lastAnomalyScore = state.lastAnomalyScore;
    t.lastTimestampMs = state.lastTimestampMs;
    return t;
  }
}
