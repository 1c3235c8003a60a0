/**
 * Input transformation for the thresholded forest, after the reference's
 * Preprocessor and transformers (random-cut-forest-by-aws, parkservices):
 *
 *   NONE                  x
 *   NORMALIZE             (x − mean) / (2 · (deviation + 0.001)), clipped to ±clipFactor
 *   DIFFERENCE            x − previous x
 *   NORMALIZE_DIFFERENCE  (d − mean d) / (2 · (deviation of d + 0.001)), d = x − previous x, clipped
 *
 * with discounted statistics per input column (discount = transformDecay,
 * 1/sampleSize by default): the values, their single-step differences, and a
 * smoothed deviation. A point is transformed with the statistics of the points
 * before it; the statistics are updated after it is scored. The normalising
 * transforms first buffer `startNormalization` inputs (10) and then replay them
 * with statistics computed from all of them, so the first points are not
 * normalised against almost nothing (the reference's InitialSegmentPreprocessor).
 *
 * The preprocessor also keeps the last shingleSize raw inputs and timestamps, so
 * that an expected value in the forest's (transformed) space can be turned back
 * into input values: input = transformed × scale + shift, where shift includes
 * the previous input for the differencing transforms.
 */
import { Deviation } from './deviation.ts';
import type { TransformMethod } from './thresholder.ts';

/** Keeps a normalised value's denominator away from 0 (reference DEFAULT_NORMALIZATION_PRECISION). */
export const NORMALIZATION_PRECISION = 1e-3;

export interface PreprocessorOptions {
  inputLength: number;
  shingleSize: number;
  transform: TransformMethod;
  /** Discount of the column statistics (default 1 / sampleSize). */
  transformDecay: number;
  /** Inputs buffered before normalisation starts (default 10). */
  startNormalization?: number;
  /** Bound of normalised values (default 100). */
  clipFactor?: number;
}

export interface PreprocessorState {
  options: Required<PreprocessorOptions>;
  stats: number[][];
  valuesSeen: number;
  internalTimeStamp: number;
  shingle: number[];
  timestamps: (number | null)[];
  initial: number[][] | null;
  initialTimes: (number | null)[] | null;
}

export class Preprocessor {
  readonly options: Required<PreprocessorOptions>;
  /** Per column: [value stats, difference stats, smoothed deviation] at i, i + n, i + 2n. */
  private stats: Deviation[];
  /** Inputs processed (after the initial buffer was replayed). */
  valuesSeen = 0;
  /** The reference's internal clock: advances by one per input that reached the forest's stream. */
  internalTimeStamp = 0;
  /** Last shingleSize raw inputs, oldest first. */
  private readonly lastInputs: Float64Array;
  /** View of the last entry of lastInputs (the previous raw input). */
  private readonly previous: Float64Array;
  private readonly lastTimes: (number | null)[];
  private initial: number[][] | null;
  private initialTimes: (number | null)[] | null;

  constructor(options: PreprocessorOptions) {
    const o: Required<PreprocessorOptions> = { startNormalization: 10, clipFactor: 100, ...options };
    if (!Number.isInteger(o.startNormalization) || o.startNormalization < 1) throw new RangeError('startNormalization must be an integer >= 1');
    if (!(o.clipFactor > 0)) throw new RangeError('clipFactor must be > 0');
    if (!(o.transformDecay >= 0 && o.transformDecay < 1)) throw new RangeError('transformDecay must be in [0, 1)');
    this.options = o;
    const n = o.inputLength;
    this.stats = [];
    for (let i = 0; i < 3 * n; i++) this.stats.push(new Deviation(i < 2 * n ? o.transformDecay : 0.1 * o.transformDecay));
    this.lastInputs = new Float64Array(n * o.shingleSize);
    this.previous = this.lastInputs.subarray(this.lastInputs.length - n);
    this.lastTimes = new Array<number | null>(o.shingleSize).fill(null);
    const buffered = o.transform === 'NORMALIZE' || o.transform === 'NORMALIZE_DIFFERENCE';
    this.initial = buffered ? [] : null;
    this.initialTimes = buffered ? [] : null;
  }

  /** True while the normalising transforms are still buffering their first inputs. */
  get buffering(): boolean {
    return this.initial !== null && this.initial.length < this.options.startNormalization;
  }

  /** The previous raw input (zeros before the first). */
  previousInput(): Float64Array {
    return this.previous;
  }

  /** The raw input at shingle position `k` (0 = oldest … shingleSize − 1 = latest processed). */
  shingledInput(k: number): Float64Array {
    const n = this.options.inputLength;
    return this.lastInputs.slice(k * n, (k + 1) * n);
  }

  /** The timestamp at shingle position `k`, or null. */
  shingledTime(k: number): number | null {
    return this.lastTimes[k] ?? null;
  }

  /** Transforms `input` with the current statistics into `out`. */
  // hot path
  transform(input: ArrayLike<number>, out: Float64Array, stats: Deviation[] = this.stats, previous: ArrayLike<number> = this.previousInput()): void {
    const o = this.options,
      n = o.inputLength,
      clip = o.clipFactor;
    const first = this.internalTimeStamp === 0;
    for (let i = 0; i < n; i++) {
      const x = input[i]!;
      switch (o.transform) {
        case 'NONE':
          out[i] = x;
          break;
        case 'DIFFERENCE':
          out[i] = first ? 0 : x - previous[i]!;
          break;
        case 'NORMALIZE': {
          const s = stats[i]!;
          out[i] = normalize(x - s.mean, s.deviation, clip);
          break;
        }
        case 'NORMALIZE_DIFFERENCE': {
          const s = stats[n + i]!;
          out[i] = normalize((first ? 0 : x - previous[i]!) - s.mean, s.deviation, clip);
          break;
        }
      }
    }
  }

  /** Per column: input = transformed × scale + shift (for the position after `previous`). */
  scale(out: Float64Array = new Float64Array(this.options.inputLength)): Float64Array {
    const o = this.options,
      n = o.inputLength;
    for (let i = 0; i < n; i++) {
      if (o.transform === 'NORMALIZE') out[i] = 2 * (this.stats[i]!.deviation + NORMALIZATION_PRECISION);
      else if (o.transform === 'NORMALIZE_DIFFERENCE') out[i] = 2 * (this.stats[n + i]!.deviation + NORMALIZATION_PRECISION);
      else out[i] = 1;
    }
    return out;
  }

  shift(previous: ArrayLike<number> = this.previousInput(), out: Float64Array = new Float64Array(this.options.inputLength)): Float64Array {
    const o = this.options,
      n = o.inputLength;
    for (let i = 0; i < n; i++) {
      if (o.transform === 'NORMALIZE') out[i] = this.stats[i]!.mean;
      else if (o.transform === 'DIFFERENCE') out[i] = previous[i]!;
      else if (o.transform === 'NORMALIZE_DIFFERENCE') out[i] = this.stats[n + i]!.mean + previous[i]!;
      else out[i] = 0;
    }
    return out;
  }

  /**
   * Turns transformed values of the tree point's block `k` (0 = oldest, shingleSize − 1
   * = the input being processed) back into input values. The input before block k is
   * raw shingle entry k, since the raw shingle does not yet hold the current input.
   */
  invert(values: ArrayLike<number>, k: number): Float64Array {
    const prev = this.shingledInput(k);
    const sc = this.scale(),
      sh = this.shift(prev),
      out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = values[i]! * sc[i]! + sh[i]!;
    return out;
  }

  /** Records a processed input: statistics, shingle of raw inputs, timestamps, clock. */
  // hot path
  commit(input: ArrayLike<number>, timestampMs: number | null): void {
    const n = this.options.inputLength,
      s = this.stats,
      li = this.lastInputs;
    const prevBase = li.length - n;
    for (let i = 0; i < n; i++) {
      const x = input[i]!;
      s[i]!.update(x);
      s[n + i]!.update(s[n + i]!.count === 0 ? 0 : x - li[prevBase + i]!);
      s[2 * n + i]!.update(s[i]!.deviation);
    }
    li.copyWithin(0, n);
    for (let i = 0; i < n; i++) li[prevBase + i] = input[i]!;
    this.lastTimes.shift();
    this.lastTimes.push(timestampMs);
    this.internalTimeStamp++;
    this.valuesSeen++;
  }

  /** Buffers an input of the initial segment; returns true once the buffer is full (the caller replays it). */
  bufferInitial(input: ArrayLike<number>, timestampMs: number | null): boolean {
    this.initial!.push(Array.from(input));
    this.initialTimes!.push(timestampMs);
    return this.initial!.length >= this.options.startNormalization;
  }

  /**
   * Replays the buffered initial segment: computes the statistics from all of
   * it, transforms each buffered input with them and hands the result to `feed`
   * (which updates the forest), updating the running statistics as it goes.
   */
  dischargeInitial(feed: (transformed: Float64Array) => void): void {
    const init = this.initial!,
      times = this.initialTimes!,
      o = this.options,
      n = o.inputLength;
    const temp: Deviation[] = [];
    for (let i = 0; i < 3 * n; i++) temp.push(new Deviation(o.transformDecay));
    for (let r = 0; r < init.length; r++) {
      for (let i = 0; i < n; i++) {
        temp[i]!.update(init[r]![i]!);
        temp[n + i]!.update(r === 0 ? 0 : init[r]![i]! - init[r - 1]![i]!);
      }
    }
    const out = new Float64Array(n);
    for (let r = 0; r < init.length; r++) {
      this.transform(init[r]!, out, temp, r === 0 ? new Float64Array(n) : init[r - 1]!);
      feed(out);
      this.commit(init[r]!, times[r] ?? null);
    }
    this.initial = null;
    this.initialTimes = null;
  }

  toJSON(): PreprocessorState {
    return {
      options: { ...this.options },
      stats: this.stats.map((d) => d.toJSON()),
      valuesSeen: this.valuesSeen,
      internalTimeStamp: this.internalTimeStamp,
      shingle: Array.from(this.lastInputs),
      timestamps: [...this.lastTimes],
      initial: this.initial ? this.initial.map((r) => [...r]) : null,
      initialTimes: this.initialTimes ? [...this.initialTimes] : null,
    };
  }

  static fromJSON(s: PreprocessorState): Preprocessor {
    const p = new Preprocessor(s.options);
    if (s.stats.length !== p.stats.length || s.shingle.length !== p.lastInputs.length) throw new RangeError('preprocessor state does not match its options');
    p.stats = s.stats.map((d) => Deviation.fromJSON(d));
    p.valuesSeen = s.valuesSeen;
    p.internalTimeStamp = s.internalTimeStamp;
    p.lastInputs.set(s.shingle);
    p.lastTimes.splice(0, p.lastTimes.length, ...s.timestamps);
    p.initial = s.initial ? s.initial.map((r) => [...r]) : null;
    p.initialTimes = s.initialTimes ? [...s.initialTimes] : null;
    return p;
  }
}

// hot path
function normalize(centred: number, deviation: number, clip: number): number {
  const t = centred / (2 * (deviation + NORMALIZATION_PRECISION));
  return Math.min(clip, Math.max(-clip, t));
}
