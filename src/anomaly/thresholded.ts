/**
 * ThresholdedRandomCutForest: a Random Cut Forest with the reference's
 * preprocessing, thresholding and predictor-corrector (random-cut-forest-by-aws,
 * parkservices: ThresholdedRandomCutForest, Preprocessor, BasicThresholder,
 * PredictorCorrector), for one stream of points (STANDARD forest mode, the
 * EXPECTED_INVERSE_DEPTH scoring strategy).
 *
 * Per input: transform it (preprocessor.ts), form the shingle, score it, compare
 * the score with the adaptive threshold (thresholder.ts), and if it is above,
 * ask whether the high score is *explained*:
 *  - by the last anomaly, still inside the shingle: the shingle is scored again
 *    with the last anomaly's entries replaced by their expected values (the past
 *    corrector); if that corrected score is no longer above the threshold, the
 *    point is not a new anomaly;
 *  - by data that are only noise: the most responsible shingle entry (the
 *    relative index, from the attribution) is replaced by its expected value
 *    (conditional imputation in the forest); the alert stands only if what
 *    changed since the last anomaly would cross the threshold on its own
 *    (`trigger`) and the departure from the expected value is significant in
 *    input units (`isSignificant`, with the optional ignore-near-expected bands).
 * The reported grade is 0 or in (0, 1] (see thresholder.ts for how it grows with
 * the score); an anomaly carries its relative index, the expected input values at
 * that index, the input values there and the attribution per input column.
 *
 * Differences from the reference are listed in docs/anomaly.md.
 */
import { RandomCutForest } from './forest.ts';
import type { ForestOptions, ForestState } from './forest.ts';
import { Preprocessor, NORMALIZATION_PRECISION } from './preprocessor.ts';
import type { PreprocessorState } from './preprocessor.ts';
import { BasicThresholder, TRANSFORM_METHODS } from './thresholder.ts';
import type { ThresholderOptions, ThresholderState, TransformMethod } from './thresholder.ts';

/** The reference's default number of trees for a thresholded forest. */
export const TRCF_DEFAULTS = {
  numberOfTrees: 50,
  sampleSize: 256,
  shingleSize: 1,
  transform: 'NONE',
  anomalyRate: 0.01,
  numberOfAttributors: 5,
} as const;

/** Below this many inputs the forest's expected values are not trusted (reference MINIMUM_OBSERVATIONS_FOR_EXPECTED). */
const MINIMUM_OBSERVATIONS_FOR_EXPECTED = 100;
/** Share of the last anomaly's score that new evidence must add to alert again (reference DEFAULT_DIFFERENTIAL_FACTOR). */
const DIFFERENTIAL_FACTOR = 0.3;

export interface ThresholdedForestOptions extends ForestOptions, ThresholderOptions {
  /** Input transformation (default NONE, as the reference). */
  transform?: TransformMethod;
  /** Discount of the preprocessor's column statistics (default 1 / sampleSize). */
  transformDecay?: number;
  /** Discount of the score-difference statistics (default 0.01). */
  anomalyRate?: number;
  /** At most this many input columns are imputed to explain an anomaly (default 5). */
  numberOfAttributors?: number;
  /** Per input column: differences from the expected value up to this much (input units) are ignored. */
  ignoreNearExpectedFromAbove?: number[];
  ignoreNearExpectedFromBelow?: number[];
  /** Per input column: differences up to this fraction of |expected| are ignored. */
  ignoreNearExpectedFromAboveByRatio?: number[];
  ignoreNearExpectedFromBelowByRatio?: number[];
  /** Inputs buffered before normalisation starts (default 10). */
  startNormalization?: number;
  /** Bound of normalised values (default 100). */
  clipFactor?: number;
}

export interface ThresholdedResult {
  /** The forest's score of this input's shingle (0 while warming up). */
  score: number;
  /** 0 = not anomalous; (0, 1]: anomalous, growing with the score's distance above the threshold. */
  grade: number;
  /** The threshold the score was compared with (the score itself when an alert was explained away). */
  threshold: number;
  /** The score was above the threshold (even if the alert was then explained away). */
  inHighScoreRegion: boolean;
  /** Anomalies only: which input in the shingle is anomalous, 0 = this one, −k = k inputs back. */
  relativeIndex?: number;
  /** Anomalies only: the input values at relativeIndex. */
  pastValues?: Float64Array;
  /** Anomalies only, when a forecast was possible: the expected input values at relativeIndex. */
  expected?: Float64Array;
  /** Anomalies only: the timestamp of the input at relativeIndex (when inputs carried one). */
  pastTimestampMs?: number | null;
  /** Anomalies only: per input column, the score's attribution at relativeIndex (high + low sum to its share). */
  attribution?: { high: Float64Array; low: Float64Array };
}

interface LastAnomaly {
  internalTimeStamp: number;
  score: number;
  point: number[] | null;
  expectedPoint: number[] | null;
  relativeIndex: number;
  high: number[] | null;
  low: number[] | null;
  deltaShift: number[] | null;
}

export interface ThresholdedForestState {
  format: 'freshet.trcf';
  version: 2;
  options: ResolvedTrcfOptions;
  forest: ForestState;
  preprocessor: PreprocessorState;
  thresholder: ThresholderState;
  lastScore: number;
  lastAnomaly: LastAnomaly;
}

type ResolvedTrcfOptions = Required<
  Pick<
    ThresholdedForestOptions,
    | 'transform'
    | 'transformDecay'
    | 'anomalyRate'
    | 'numberOfAttributors'
    | 'ignoreNearExpectedFromAbove'
    | 'ignoreNearExpectedFromBelow'
    | 'ignoreNearExpectedFromAboveByRatio'
    | 'ignoreNearExpectedFromBelowByRatio'
  >
>;

interface DiVector {
  high: Float64Array;
  low: Float64Array;
}

function sumDi(d: DiVector): number {
  let s = 0;
  for (let i = 0; i < d.high.length; i++) s += d.high[i]! + d.low[i]!;
  return s;
}

function arraysEqual(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class ThresholdedRandomCutForest {
  readonly forest: RandomCutForest;
  readonly options: Readonly<ResolvedTrcfOptions>;
  readonly inputDimensions: number;
  readonly shingleSize: number;
  private readonly preprocessor: Preprocessor;
  private readonly thresholder: BasicThresholder;
  private lastScore = 0;
  private lastAnomaly: LastAnomaly = {
    internalTimeStamp: 0,
    score: 0,
    point: null,
    expectedPoint: null,
    relativeIndex: 0,
    high: null,
    low: null,
    deltaShift: null,
  };
  private readonly scaled: Float64Array;
  private readonly point: Float64Array;
  private readonly shiftNow: Float64Array;
  private readonly scaleNow: Float64Array;
  private readonly detection: Detection = { score: 0, grade: 0, threshold: 0, inHigh: false, index: 0, expectedPoint: null, attribution: null };

  constructor(options: ThresholdedForestOptions, parts?: { forest: RandomCutForest; preprocessor: Preprocessor; thresholder: BasicThresholder }) {
    const sampleSize = options.sampleSize ?? TRCF_DEFAULTS.sampleSize;
    this.forest =
      parts?.forest ??
      new RandomCutForest({
        numberOfTrees: TRCF_DEFAULTS.numberOfTrees,
        // The reference's forest decays by 1 / (10 × sampleSize) per point.
        timeDecay: 10 * sampleSize,
        ...options,
        sampleSize,
        internalShingling: true,
      });
    const f = this.forest.options;
    if (!f.internalShingling) throw new RangeError('a thresholded forest shingles internally');
    this.inputDimensions = f.dimensions;
    this.shingleSize = f.shingleSize;
    const n = f.dimensions;
    const transform = options.transform ?? TRCF_DEFAULTS.transform;
    if (!TRANSFORM_METHODS.includes(transform)) throw new RangeError(`transform must be one of ${TRANSFORM_METHODS.join(', ')}, got ${transform}`);
    const band = (name: string, v: number[] | undefined): number[] => {
      if (v === undefined) return new Array<number>(n).fill(0);
      if (v.length !== n || v.some((x) => !(x >= 0))) throw new RangeError(`${name} needs ${n} values >= 0`);
      return [...v];
    };
    const o: ResolvedTrcfOptions = {
      transform,
      transformDecay: options.transformDecay ?? 1 / f.sampleSize,
      anomalyRate: options.anomalyRate ?? TRCF_DEFAULTS.anomalyRate,
      numberOfAttributors: options.numberOfAttributors ?? TRCF_DEFAULTS.numberOfAttributors,
      ignoreNearExpectedFromAbove: band('ignoreNearExpectedFromAbove', options.ignoreNearExpectedFromAbove),
      ignoreNearExpectedFromBelow: band('ignoreNearExpectedFromBelow', options.ignoreNearExpectedFromBelow),
      ignoreNearExpectedFromAboveByRatio: band('ignoreNearExpectedFromAboveByRatio', options.ignoreNearExpectedFromAboveByRatio),
      ignoreNearExpectedFromBelowByRatio: band('ignoreNearExpectedFromBelowByRatio', options.ignoreNearExpectedFromBelowByRatio),
    };
    if (!(o.anomalyRate > 0 && o.anomalyRate < 1)) throw new RangeError(`anomalyRate must be in (0, 1), got ${o.anomalyRate}`);
    if (!Number.isInteger(o.numberOfAttributors) || o.numberOfAttributors < 1) throw new RangeError('numberOfAttributors must be an integer >= 1');
    this.options = Object.freeze(o);
    this.preprocessor =
      parts?.preprocessor ??
      new Preprocessor({
        inputLength: n,
        shingleSize: f.shingleSize,
        transform,
        transformDecay: o.transformDecay,
        ...(options.startNormalization !== undefined ? { startNormalization: options.startNormalization } : {}),
        ...(options.clipFactor !== undefined ? { clipFactor: options.clipFactor } : {}),
      });
    this.thresholder = parts?.thresholder ?? new BasicThresholder(this.forest.lambda, o.anomalyRate, options);
    this.scaled = new Float64Array(n);
    this.point = new Float64Array(this.forest.treeDimensions);
    this.shiftNow = new Float64Array(n);
    this.scaleNow = new Float64Array(n);
  }

  /** The largest score the forest can give: log2(sampleSize + 1). */
  get maxScore(): number {
    return Math.log2(this.forest.options.sampleSize + 1);
  }

  /** Bytes of typed arrays held (the forest's, essentially; the rest is a few hundred bytes). */
  byteSize(): number {
    return this.forest.byteSize() + this.scaled.byteLength + this.point.byteLength + this.shiftNow.byteLength + this.scaleNow.byteLength;
  }

  /** The transformation in use. */
  get transform(): TransformMethod {
    return this.options.transform;
  }

  /** The threshold a score would be compared with now. */
  currentThreshold(): number {
    return this.thresholder.thresholdAndGrade(0, this.options.transform, this.shingleSize, this.maxScore).threshold;
  }

  /** Scores and grades one input, then learns it. `timestampMs` is kept to report when a past input was the anomaly. */
  // hot path
  process(input: ArrayLike<number>, timestampMs?: number): ThresholdedResult {
    const n = this.inputDimensions;
    if (input.length !== n) throw new RangeError(`input has ${input.length} values, expected ${n}`);
    for (let i = 0; i < n; i++) if (!Number.isFinite(input[i])) throw new RangeError(`input value ${i} is not a finite number: ${input[i]}`);
    const ts = timestampMs ?? null;
    const pre = this.preprocessor,
      forest = this.forest;
    if (pre.buffering) {
      if (pre.bufferInitial(input, ts)) pre.dischargeInitial((t) => forest.update(t));
      return { score: 0, grade: 0, threshold: this.currentThreshold(), inHighScoreRegion: false };
    }
    pre.transform(input, this.scaled);
    forest.treePointOf(this.scaled, this.point);
    const shift = pre.shift(pre.previousInput(), this.shiftNow),
      scale = pre.scale(this.scaleNow);
    const internal = pre.internalTimeStamp;
    const r = this.detect(this.point, internal, shift, scale);
    const out: ThresholdedResult = { score: r.score, grade: r.grade, threshold: r.threshold, inHighScoreRegion: r.inHigh };
    if (r.grade > 0) this.describe(out, input, r);
    pre.commit(input, ts);
    forest.update(this.scaled);
    if (r.grade > 0) {
      const post = pre.shift();
      this.lastAnomaly = {
        internalTimeStamp: internal,
        score: r.score,
        point: Array.from(this.point),
        expectedPoint: r.expectedPoint ? Array.from(r.expectedPoint) : null,
        relativeIndex: r.index,
        high: Array.from(r.attribution!.high),
        low: Array.from(r.attribution!.low),
        deltaShift: Array.from(post, (v, i) => v - shift[i]!),
      };
    }
    return out;
  }

  /** Fills an anomaly's relative index, past values, expected values and attribution per input column. */
  private describe(out: ThresholdedResult, input: ArrayLike<number>, r: Detection): void {
    const n = this.inputDimensions,
      s = this.shingleSize,
      pre = this.preprocessor;
    const k = s - 1 + r.index; // block of the tree point holding the anomalous input
    const past = r.index === 0 ? Float64Array.from(input) : pre.shingledInput(k + 1);
    out.relativeIndex = r.index;
    out.pastValues = past;
    if (r.index < 0) out.pastTimestampMs = pre.shingledTime(k + 1);
    if (r.expectedPoint) {
      const exp = pre.invert(r.expectedPoint.subarray(k * n, (k + 1) * n), k);
      // Entries the forest did not change keep the actual input (no round trip through the transform).
      for (let i = 0; i < n; i++) if (r.expectedPoint[k * n + i] === this.point[k * n + i]) exp[i] = past[i]!;
      out.expected = exp;
    }
    const a = r.attribution!;
    const total = sumDi(a);
    const f = total > 0 ? r.score / total : 0;
    const high = new Float64Array(n),
      low = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      high[i] = a.high[k * n + i]! * f;
      low[i] = a.low[k * n + i]! * f;
    }
    out.attribution = { high, low };
  }

  // ---- the predictor-corrector ----

  private attribution(p: Float64Array): DiVector {
    const d = this.forest.treeDimensions;
    const high = new Float64Array(d),
      low = new Float64Array(d);
    this.forest.attributionTreePoint(p, high, low);
    return { high, low };
  }

  /**
   * The block (relative index, −shingleSize … −1 as a start) with the largest
   * attribution from `startIndex` on; later blocks win ties lost only to larger sums.
   */
  private maxContribution(a: DiVector, startIndex: number): number {
    const n = this.inputDimensions,
      dims = a.high.length;
    let index = startIndex;
    const position = dims + startIndex * n;
    let val = 0;
    for (let i = 0; i < n; i++) val += a.high[position + i]! + a.low[position + i]!;
    for (let i = position + n; i < dims; i += n) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += a.high[i + j]! + a.low[i + j]!;
      if (sum > val) {
        val = sum;
        index = (i - dims) / n;
      }
    }
    return index;
  }

  /** The tree point with the most responsible entries of the block at `position` imputed, or null when too many would be. */
  private expectedPoint(a: DiVector, position: number, p: Float64Array): Float64Array | null {
    const n = this.inputDimensions;
    let missing: number[];
    if (n === 1) missing = [position];
    else {
      const values: number[] = [];
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const v = a.high[position + i]! + a.low[position + i]!;
        values.push(v);
        sum += v;
      }
      values.sort((x, y) => x - y);
      if (values[n - 1]! < 0.1 * sum) return null; // no column stands out
      const threshold = Math.min(0.1 * sum, 0.1);
      let pick = 1;
      while (pick < n && values[n - pick - 1]! >= threshold) pick++;
      if (pick > this.options.numberOfAttributors) return null;
      const cutoff = values[n - pick]!;
      missing = [];
      for (let i = 0; i < n && missing.length < pick; i++) {
        const v = a.high[position + i]! + a.low[position + i]!;
        if (v >= cutoff && (missing.length === 0 || v > sum * 0.1)) missing.push(position + i);
      }
    }
    if (missing.length > 0.5 * this.forest.treeDimensions) return null;
    const out = new Float64Array(p.length);
    this.forest.imputeTreePoint(p, missing, out);
    return out;
  }

  /**
   * Is the evidence added since the last anomaly enough on its own? With no
   * expected point: the attribution of the newest `difference` entries, scaled up
   * to the whole shingle, must exceed the threshold. With one: the change in
   * attribution those entries show against the expected point must be a fair
   * share of the last anomaly's score and, scaled up, exceed the threshold.
   */
  private trigger(candidate: DiVector, difference: number, ideal: DiVector | null, threshold: number): boolean {
    const dims = candidate.high.length,
      last = this.lastAnomaly;
    if (last.high === null || difference >= dims) return true;
    if (ideal === null) {
      let remainder = 0;
      for (let i = dims - Math.min(difference, dims); i < dims; i++) remainder += candidate.high[i]! + candidate.low[i]!;
      return (remainder * dims) / difference > threshold;
    }
    let diff = 0;
    for (let i = dims - difference; i < dims; i++) diff += Math.abs(candidate.low[i]! - ideal.low[i]!) + Math.abs(candidate.high[i]! - ideal.high[i]!);
    return diff > DIFFERENTIAL_FACTOR * last.score && (diff * dims) / difference > threshold;
  }

  /**
   * The shingle with the last anomaly's entries replaced by their expected values
   * (and its shift skew undone); `p` itself when the last anomaly is too far back
   * to matter (the common case: no copy).
   */
  private applyPastCorrector(p: Float64Array, gap: number, shift: Float64Array, scale: Float64Array): Float64Array {
    const last = this.lastAnomaly,
      n = this.inputDimensions,
      s = this.shingleSize,
      len = p.length;
    const method = this.options.transform;
    const pastApplies = last.expectedPoint !== null && last.point !== null && gap <= s;
    const shiftApplies = last.deltaShift !== null && method === 'NORMALIZE' && gap < 2 * s;
    if (!pastApplies && !shiftApplies) return p;
    const corrected = Float64Array.from(p);
    if (pastApplies && last.expectedPoint !== null && last.point !== null) {
      if (gap < s) for (let i = 0; i < len - gap * n; i++) corrected[i] = last.expectedPoint[gap * n + i]!;
      if (gap <= s && last.relativeIndex === 0 && (method === 'DIFFERENCE' || method === 'NORMALIZE_DIFFERENCE')) {
        for (let y = 0; y < n; y++) corrected[len - gap * n + y]! += last.point[len - n + y]! - last.expectedPoint[len - n + y]!;
      }
    }
    if (shiftApplies && last.deltaShift !== null) {
      const factor = Math.exp(-gap * this.options.transformDecay);
      const number = Math.min(gap, s);
      for (let y = 0; y < n; y++) {
        if (Math.abs(last.deltaShift[y]!) > NORMALIZATION_PRECISION * Math.abs(shift[y]!)) {
          for (let j = 0; j < number; j++) corrected[len - (number - j) * n + y]! += scale[y] === 0 ? 0 : (last.deltaShift[y]! * factor) / scale[y]!;
        }
      }
    }
    return corrected;
  }

  /** False when every entry is within rounding of 0 relative to the shift (nothing to report for centred transforms). */
  private centeredTransformPass(p: Float64Array, shift: Float64Array): boolean {
    const n = this.inputDimensions;
    for (let i = 0; i < p.length; i++) if (Math.abs(p[i]!) > NORMALIZATION_PRECISION + NORMALIZATION_PRECISION * Math.abs(shift[i % n]!)) return true;
    return false;
  }

  /** L1 variation of entry `index` from block `start` to the end of the shingle. */
  private pathDeviation(p: Float64Array, start: number, index: number, differenced: boolean): number {
    const n = this.inputDimensions;
    let variation = 0;
    for (let pos = start; pos + index + n < p.length; pos += n) {
      variation += differenced ? Math.abs(p[pos + index]!) : Math.abs(p[pos + index]! - p[pos + n + index]!);
    }
    return variation;
  }

  /**
   * Is the departure from the expected point significant in input units? Small
   * differences that transforms and rounding produce are ignored, as are
   * differences inside the configured ignore-near-expected bands.
   */
  private isSignificant(significantScore: boolean, p: Float64Array, expected: Float64Array, start: number, shift: Float64Array, scale: Float64Array): boolean {
    const n = this.inputDimensions,
      o = this.options,
      method = o.transform;
    const differenced = method === 'DIFFERENCE' || method === 'NORMALIZE_DIFFERENCE';
    let answer = false;
    for (let y = 0; y < n && !answer; y++) {
      const observedGap = Math.abs(p[start + y]! - expected[start + y]!);
      const pathGap = this.pathDeviation(p, start, y, differenced);
      if (!(observedGap > Math.min(2 / this.shingleSize, 0.1) * pathGap)) continue;
      const sc = scale[y]!,
        sh = shift[y]!;
      const delta = observedGap * sc;
      let shiftAmount = 0;
      if (sh !== 0) shiftAmount += (method === 'NORMALIZE' ? 4 : 2) * NORMALIZATION_PRECISION * Math.abs(sh);
      const a = sc * p[start + y]! + sh,
        b = sc * expected[start + y]! + sh;
      if (sc !== 1 || sh !== 0) shiftAmount += (method === 'NORMALIZE' ? 2 : 1) * NORMALIZATION_PRECISION * (sc + (Math.abs(a) + Math.abs(b)) / 2);
      answer = (significantScore && delta > 1e-6) || delta > shiftAmount + NORMALIZATION_PRECISION;
      if (answer) {
        const lower = a < b - o.ignoreNearExpectedFromBelow[y]! && a < b - o.ignoreNearExpectedFromBelowByRatio[y]! * Math.abs(b);
        const upper = a > b + o.ignoreNearExpectedFromAbove[y]! && a > b + o.ignoreNearExpectedFromAboveByRatio[y]! * Math.abs(b);
        answer = lower || upper;
      }
    }
    return answer;
  }

  private detect(point: Float64Array, internal: number, shift: Float64Array, scale: Float64Array): Detection {
    const forest = this.forest,
      s = this.shingleSize,
      n = this.inputDimensions,
      len = point.length,
      method = this.options.transform;
    const score = forest.scoreTreePoint(point);
    if (score === 0) return this.detected(0, 0, this.currentThreshold(), false, 0, null, null);
    const gap = internal - this.lastAnomaly.internalTimeStamp;
    const difference = gap * n;
    const relative = gap >= s ? -s : -gap;
    const tg = this.thresholder.thresholdAndGrade(score, method, s, this.maxScore);
    let threshold = tg.threshold,
      grade = tg.grade,
      correctedScore = score,
      inHigh = false,
      index = 0;
    let expectedPoint: Float64Array | null = null,
      attribution: DiVector | null = null;
    const correctedPoint = this.applyPastCorrector(point, gap, shift, scale);
    if (!this.centeredTransformPass(correctedPoint, shift)) grade = 0;
    if (grade > 0) {
      inHigh = true;
      const reasonableForecast = internal > MINIMUM_OBSERVATIONS_FOR_EXPECTED && len >= 4;
      if (!reasonableForecast) {
        attribution = this.attribution(point);
        if (!this.trigger(attribution, difference, null, threshold)) grade = 0;
        index = s === 1 && grade > 0 ? 0 : this.maxContribution(attribution, relative) + 1;
      } else {
        if (correctedPoint !== point && !arraysEqual(correctedPoint, point)) {
          attribution = this.attribution(correctedPoint);
          correctedScore = sumDi(attribution);
          if (correctedScore > threshold && relative + s > 0) {
            // The past does not explain it: would the newest data, imputed away, explain it?
            const tempIndex = this.maxContribution(attribution, relative - 1) + 1;
            if (tempIndex === relative) {
              const tempPoint = this.expectedPoint(attribution, len + (tempIndex - 1) * n, correctedPoint);
              if (tempPoint !== null) {
                const tempAttribution = this.attribution(tempPoint);
                correctedScore = sumDi(tempAttribution);
                if (correctedScore > threshold) attribution = tempAttribution;
              }
            }
          }
          if (correctedScore <= threshold) grade = 0;
        } else {
          attribution = this.attribution(point);
        }
        if (grade > 0) {
          index = s === 1 ? 0 : this.maxContribution(attribution, relative) + 1;
          const start = len + (index - 1) * n;
          expectedPoint = this.expectedPoint(attribution, start, correctedPoint);
          let ideal: DiVector | null = null;
          if (expectedPoint !== null) {
            if (difference < len) {
              ideal = this.attribution(expectedPoint);
              correctedScore = sumDi(ideal);
            } else correctedScore = score;
          }
          if (!this.trigger(attribution, difference, ideal, threshold)) grade = 0;
          if (grade > 0 && expectedPoint !== null) {
            const significant = score > 1.5 || score > threshold + 0.25 || (score > correctedScore + 0.25 && gap > s);
            if (!this.isSignificant(significant, point, expectedPoint, start, shift, scale)) grade = 0;
          }
        }
        if (grade === 0) {
          threshold = score;
          correctedScore = score;
        }
      }
    }
    this.thresholder.update(score, correctedScore, this.lastScore);
    if (s > 1) this.lastScore = score;
    if (grade === 0) return this.detected(score, 0, threshold, inHigh, 0, null, null);
    return this.detected(score, grade, threshold, inHigh, index, expectedPoint, attribution);
  }

  /** Fills the one Detection record (read by process() before the next input; never kept). */
  private detected(
    score: number,
    grade: number,
    threshold: number,
    inHigh: boolean,
    index: number,
    expectedPoint: Float64Array | null,
    attribution: DiVector | null,
  ): Detection {
    const r = this.detection;
    r.score = score;
    r.grade = grade;
    r.threshold = threshold;
    r.inHigh = inHigh;
    r.index = index;
    r.expectedPoint = expectedPoint;
    r.attribution = attribution;
    return r;
  }

  toJSON(): ThresholdedForestState {
    return {
      format: 'freshet.trcf',
      version: 2,
      options: { ...this.options },
      forest: this.forest.toJSON(),
      preprocessor: this.preprocessor.toJSON(),
      thresholder: this.thresholder.toJSON(),
      lastScore: this.lastScore,
      lastAnomaly: { ...this.lastAnomaly },
    };
  }

  static fromJSON(state: ThresholdedForestState): ThresholdedRandomCutForest {
    if (state?.format !== 'freshet.trcf' || state.version !== 2) throw new RangeError('not a freshet.trcf version 2 state');
    const forest = RandomCutForest.fromJSON(state.forest);
    const t = new ThresholdedRandomCutForest(
      { ...forest.options, ...state.options },
      { forest, preprocessor: Preprocessor.fromJSON(state.preprocessor), thresholder: BasicThresholder.fromJSON(state.thresholder) },
    );
    t.lastScore = state.lastScore;
    t.lastAnomaly = { ...state.lastAnomaly };
    return t;
  }
}

interface Detection {
  score: number;
  grade: number;
  threshold: number;
  inHigh: boolean;
  index: number;
  expectedPoint: Float64Array | null;
  attribution: DiVector | null;
}
