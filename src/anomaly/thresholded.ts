/**
 * A detector on top of the forest: turns the raw score stream into an anomaly
 * grade in [0, 1] with an adaptive threshold, modelled on the reference's
 * ThresholdedRandomCutForest / BasicThresholder (random-cut-forest-by-aws,
 * parkservices) but simpler. Scores are tracked with an exponentially discounted
 * mean and standard deviation, and
 *
 *     threshold = max(absoluteThreshold, mean + zFactor * deviation)
 *
 * blended from `initialThreshold` over the first 2 × minimumScores scores, as
 * the reference does. A score enters the statistics capped at the grade-1 level
 * (2 × threshold - mean), so one far outlier cannot raise the bar much (the
 * reference gets a similar effect from the deviation of scores below the mean).
 *
 * Grade: 0 at or below the threshold, rising linearly to 1 when the score is
 * twice as far above the mean as the threshold is (the reference's primary
 * grade, (t - z) / z for t deviations). A point within shingleSize - 1 points
 * after an anomaly is graded only if its score beats that anomaly's score (the
 * anomalous value is still inside the shingle), a simplification of the
 * reference's PredictorCorrector.
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
  /** Scores at or below this are never anomalies (default 1: ordinary points score about 1). */
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
  count: number;
  sinceAnomaly: number;
  lastAnomalyScore: number;
  lastTimestampMs: number | null;
}

export class ThresholdedRandomCutForest {
  readonly forest: RandomCutForest;
  readonly thresholdOptions: Readonly<Required<ThresholdOptions>>;
  private primary: Deviation;
  private count = 0;
  private sinceAnomaly = Number.MAX_SAFE_INTEGER;
  private lastAnomalyScore = 0;
  private lastTimestampMs: number | null = null;

  constructor(options: ThresholdedForestOptions, forest?: RandomCutForest) {
    this.forest = forest ?? new RandomCutForest(options);
    const sampleSize = this.forest.options.sampleSize;
    const t: Required<ThresholdOptions> = {
      zFactor: options.zFactor ?? 3,
      absoluteThreshold: options.absoluteThreshold ?? 1,
      initialThreshold: options.initialThreshold ?? 1.5,
      minimumScores: options.minimumScores ?? 10,
      scoreDiscount: options.scoreDiscount ?? 1 / (10 * sampleSize),
    };
    if (!(t.zFactor > 0)) throw new RangeError(`zFactor must be > 0, got ${t.zFactor}`);
    if (!(t.scoreDiscount >= 0 && t.scoreDiscount < 1)) throw new RangeError(`scoreDiscount must be in [0, 1), got ${t.scoreDiscount}`);
    if (!Number.isInteger(t.minimumScores) || t.minimumScores < 1) throw new RangeError(`minimumScores must be an integer >= 1`);
    this.thresholdOptions = Object.freeze(t);
    this.primary = new Deviation(t.scoreDiscount);
  }

  /** The threshold a score would be compared with now. */
  currentThreshold(): number {
    const t = this.thresholdOptions;
    if (this.count < t.minimumScores) return Math.max(t.initialThreshold, t.absoluteThreshold);
    const frac = this.count >= 2 * t.minimumScores ? 1 : (this.count - t.minimumScores) / t.minimumScores;
    const adaptive = this.primary.mean + t.zFactor * this.primary.deviation;
    return Math.max(t.absoluteThreshold, frac * adaptive + (1 - frac) * t.initialThreshold);
  }

  /** Scores the point, grades it, then adds it to the forest. */
  process(point: ArrayLike<number>, timestampMs?: number): ThresholdedResult {
    if (timestampMs !== undefined) this.lastTimestampMs = timestampMs;
    const f = this.forest;
    const score = f.score(point);
    const threshold = this.currentThreshold();
    let grade = 0;
    if (score > 0 && score > threshold) {
      const span = threshold - Math.min(this.primary.mean, this.thresholdOptions.absoluteThreshold);
      grade = span > 0 ? Math.min(1, (score - threshold) / span) : 1;
      if (this.sinceAnomaly < f.options.shingleSize - 1 && score <= this.lastAnomalyScore) grade = 0;
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
      // Winsorised at the grade-1 level: ordinary tail scores count fully, a far outlier no more than that.
      const cap = 2 * threshold - this.primary.mean;
      this.primary.update(Math.min(score, cap));
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
      count: this.count,
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
    t.count = state.count;
    t.sinceAnomaly = state.sinceAnomaly;
    t.lastAnomalyScore = state.lastAnomalyScore;
    t.lastTimestampMs = state.lastTimestampMs;
    return t;
  }
}
