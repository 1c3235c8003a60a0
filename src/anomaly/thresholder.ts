/**
 * The reference's BasicThresholder (random-cut-forest-by-aws, parkservices):
 * turns the stream of RCF scores into a threshold from discounted statistics.
 *
 *   primary    discounted mean / deviation of the scores (discount = the forest's
 *              time decay, 1 / (10 × sampleSize) by default)
 *   secondary  deviation of the score differences (corrected score minus the
 *              previous score; discount = anomalyRate, 0.01), which measures how
 *              jumpy consecutive scores are once shingling links them
 *   threshold  deviation of the gaps of scores *below* the mean (half the primary
 *              discount): RCF scores are skewed, so the spread below the mean is
 *              a steadier estimate of the ordinary spread than the full deviation
 *
 *   threshold = max(absoluteThreshold, mean + (z′ − 1)·longTerm + primary deviation)
 *
 * blended from `initialThreshold` over minimumScores … 2·minimumScores scores,
 * where z′ is zFactor (optionally scaled down for low average scores, the
 * reference's auto-adjustment) and longTerm mixes the primary and secondary
 * deviations by scoreDifferencing (shingled or differenced input) or caps the
 * primary deviation by √2 × the below-mean deviation (unshingled input).
 *
 * Grade: the reference's getThresholdAndGrade returns a "surprise index" that is
 * already 1 at the threshold, so every alert looks equally severe (and a grade
 * in units of the score's deviation saturates a few deviations up, since RCF
 * scores of anomalies are far out in a heavy tail). Freshet keeps the
 * reference's threshold and grades on the score's own scale, logarithmically:
 *
 *   grade = log(score / threshold) / log(maxScore / threshold)
 *
 * 0 at the threshold, 1 at the largest score the forest can give
 * (log2(sampleSize + 1)); a score twice the threshold of 1.3 grades 0.38.
 */
import { Deviation } from './deviation.ts';

export const TRANSFORM_METHODS = ['NONE', 'NORMALIZE', 'DIFFERENCE', 'NORMALIZE_DIFFERENCE'] as const;
export type TransformMethod = (typeof TRANSFORM_METHODS)[number];

export const THRESHOLDER_DEFAULTS = {
  zFactor: 3,
  absoluteThreshold: 0.8,
  initialThreshold: 1.5,
  scoreDifferencing: 0.5,
  minimumScores: 10,
  /** Mean score below which auto-adjustment lowers zFactor (reference DEFAULT_FACTOR_ADJUSTMENT_THRESHOLD). */
  lowerThreshold: 0.9,
  autoAdjust: false,
} as const;

/** The reference never lets the adjusted zFactor below this. */
const MINIMUM_Z_FACTOR = 2;

export interface ThresholderOptions {
  zFactor?: number;
  absoluteThreshold?: number;
  initialThreshold?: number;
  scoreDifferencing?: number;
  minimumScores?: number;
  lowerThreshold?: number;
  autoAdjust?: boolean;
}

export interface ThresholderState {
  options: Required<ThresholderOptions>;
  count: number;
  primary: number[];
  secondary: number[];
  below: number[];
}

export interface ThresholdAndGrade {
  threshold: number;
  grade: number;
}

export class BasicThresholder {
  readonly options: Required<ThresholderOptions>;
  private count = 0;
  private readonly primary: Deviation;
  private readonly secondary: Deviation;
  private readonly below: Deviation;

  constructor(primaryDiscount: number, secondaryDiscount: number, options: ThresholderOptions = {}) {
    const o: Required<ThresholderOptions> = { ...THRESHOLDER_DEFAULTS, ...stripUndefined(options) };
    if (!(o.zFactor > 0)) throw new RangeError(`zFactor must be > 0, got ${o.zFactor}`);
    if (!(o.scoreDifferencing >= 0 && o.scoreDifferencing <= 1)) throw new RangeError(`scoreDifferencing must be in [0, 1], got ${o.scoreDifferencing}`);
    if (!Number.isInteger(o.minimumScores) || o.minimumScores < 1) throw new RangeError(`minimumScores must be an integer >= 1, got ${o.minimumScores}`);
    this.options = o;
    this.primary = new Deviation(primaryDiscount);
    this.secondary = new Deviation(secondaryDiscount);
    this.below = new Deviation(primaryDiscount / 2);
  }

  get scoreCount(): number {
    return this.count;
  }

  get meanScore(): number {
    return this.primary.mean;
  }

  private isDeviationReady(): boolean {
    const m = this.options.minimumScores;
    if (this.count < m) return false;
    const d = this.options.scoreDifferencing;
    if (d === 0) return this.secondary.count >= m;
    if (d === 1) return this.primary.count >= m;
    return this.secondary.count >= m && this.primary.count >= m;
  }

  private intermediateFraction(): number {
    const m = this.options.minimumScores;
    if (this.count < m) return 0;
    if (this.count > 2 * m) return 1;
    return (this.count - m) / m;
  }

  private adjustedFactor(method: TransformMethod): number {
    const o = this.options;
    let f = o.zFactor;
    const base = this.primary.mean;
    if (o.autoAdjust && base < o.lowerThreshold && method !== 'NONE') f = (base * o.zFactor) / o.lowerThreshold;
    return Math.max(f, MINIMUM_Z_FACTOR);
  }

  private longTermDeviation(method: TransformMethod, shingleSize: number): number {
    const differenced = method === 'DIFFERENCE' || method === 'NORMALIZE_DIFFERENCE';
    if (shingleSize === 1 && !differenced) return Math.min(Math.SQRT2 * this.below.deviation, this.primary.deviation);
    let first = this.primary.deviation;
    if (method !== 'NORMALIZE') first = Math.min(first, Math.SQRT2 * this.below.deviation);
    const d = this.options.scoreDifferencing;
    return d * first + (1 - d) * this.secondary.deviation;
  }

  /** The threshold a score is compared with now, and the score's grade (0 when not above it). */
  thresholdAndGrade(score: number, method: TransformMethod, shingleSize: number, maxScore: number): ThresholdAndGrade {
    const o = this.options;
    const factor = this.adjustedFactor(method);
    const scaled = (factor - 1) * this.longTermDeviation(method, shingleSize) + this.primary.deviation;
    const frac = this.intermediateFraction();
    const threshold = !this.isDeviationReady()
      ? Math.max(o.initialThreshold, o.absoluteThreshold)
      : Math.max(o.absoluteThreshold, frac * (this.primary.mean + scaled) + (1 - frac) * o.initialThreshold);
    if (!(threshold > 0) || !(score > threshold)) return { threshold, grade: 0 };
    const grade = maxScore > threshold ? Math.min(1, Math.log(score / threshold) / Math.log(maxScore / threshold)) : 1;
    // A score above the threshold is an anomaly: its grade is never 0.
    return { threshold, grade: Math.max(grade, Number.MIN_VALUE) };
  }

  /** Records a score: `score` feeds the primary statistics, `corrected − last` the secondary. */
  update(score: number, corrected: number, last: number): void {
    const gap = this.primary.mean - score;
    if (gap > 0) this.below.update(gap);
    this.primary.update(score);
    this.secondary.update(corrected - last);
    this.count++;
  }

  toJSON(): ThresholderState {
    return { options: { ...this.options }, count: this.count, primary: this.primary.toJSON(), secondary: this.secondary.toJSON(), below: this.below.toJSON() };
  }

  static fromJSON(s: ThresholderState): BasicThresholder {
    const p = Deviation.fromJSON(s.primary),
      q = Deviation.fromJSON(s.secondary),
      b = Deviation.fromJSON(s.below);
    const t = new BasicThresholder(p.discount, q.discount, s.options);
    Object.assign(t, { count: s.count, primary: p, secondary: q, below: b });
    return t;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
