/**
 * A mergeable distribution for percentile (and trimmed-mean) statistics: a
 * log-bucketed histogram in the style of DDSketch (Masson, Rim & Lee, VLDB 2019).
 *
 * A positive value v falls in bucket k = ceil(log_γ v) with γ = (1 + α) / (1 − α),
 * which covers (γ^(k−1), γ^k]; the bucket's representative 2γ^k / (γ + 1) is
 * within α·v of every value in it. So a quantile read from the sketch is within
 * α (1 %) of the value of the right rank — relative accuracy, whatever the
 * range. Callers clamp results to the exact [Minimum, Maximum] they also keep,
 * so p0, p100 and any percentile of identical values are exact.
 *
 * Zero and values below 1e-9 share one zero bucket. Negative values are not
 * kept: CloudWatch offers no percentiles for data with negative values, and the
 * statistic set drops its sketch when one arrives (see stat-set.ts).
 *
 * Buckets are sparse (sorted Int16 keys + Float64 counts: counts may be
 * fractional, as PutMetricData's Counts and SampleCount allow), so a narrow
 * distribution costs a few buckets whatever the magnitude. Keys span
 * ±12,500 for the ±2^360 values CloudWatch accepts.
 */
import type { ByteReader, ByteWriter } from './bytes.ts';

export const SKETCH_RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + SKETCH_RELATIVE_ACCURACY) / (1 - SKETCH_RELATIVE_ACCURACY);
const LN_GAMMA = Math.log(GAMMA);
const MIN_INDEXABLE = 1e-9;

/** The bucket key of a positive value (≥ MIN_INDEXABLE). */
export function sketchKey(value: number): number {
  return Math.ceil(Math.log(value) / LN_GAMMA);
}

/** The value that stands for every value in bucket `key`. */
export function sketchValue(key: number): number {
  return (2 * GAMMA ** key) / (GAMMA + 1);
}

/**
 * The value of rank `rank` (0-based, fractional allowed) read straight from an
 * encoded sketch in buf[start, end), without decoding it into an object: what
 * a percentile of a one-cell period costs.
 */
export function quantileOfEncoded(buf: Uint8Array, start: number, rank: number): number {
  let p = start;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[p++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
    }
  };
  const f64 = (): number => {
    const v = new DataView(buf.buffer, buf.byteOffset + p, 8).getFloat64(0, true);
    p += 8;
    return v;
  };
  const whole = buf[p++] === 1;
  const n = varint();
  let seen = whole ? varint() : f64();
  if (rank < seen) return 0;
  let key = 0;
  for (let i = 0; i < n; i++) {
    const z = varint();
    key += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    seen += whole ? varint() : f64();
    if (rank < seen) return sketchValue(key);
  }
  return n > 0 ? sketchValue(key) : 0;
}

export class Sketch {
  zeroCount = 0;
  /** Sum of all counts, the zero bucket included. */
  total = 0;
  size = 0;
  keys: Int16Array;
  counts: Float64Array;

  constructor(capacity = 8) {
    this.keys = new Int16Array(capacity);
    this.counts = new Float64Array(capacity);
  }

  /** Adds `count` occurrences of a value ≥ 0 (callers drop the sketch on negatives). */
  // hot path
  add(value: number, count = 1): void {
    this.total += count;
    if (value < MIN_INDEXABLE) {
      this.zeroCount += count;
      return;
    }
    this.addKey(sketchKey(value), count);
  }

  // hot path
  private addKey(key: number, count: number): void {
    const n = this.size;
    const keys = this.keys;
    // Fast paths: the same bucket as the last one, or a new largest bucket.
    if (n > 0) {
      const last = keys[n - 1]!;
      if (key === last) {
        this.counts[n - 1]! += count;
        return;
      }
      if (key > last) {
        this.insertAt(n, key, count);
        return;
      }
    } else {
      this.insertAt(0, key, count);
      return;
    }
    let lo = 0;
    let hi = n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const k = keys[mid]!;
      if (k === key) {
        this.counts[mid]! += count;
        return;
      }
      if (k < key) lo = mid + 1;
      else hi = mid - 1;
    }
    this.insertAt(lo, key, count);
  }

  private insertAt(i: number, key: number, count: number): void {
    if (this.size === this.keys.length) {
      const cap = this.keys.length * 2;
      const keys = new Int16Array(cap);
      keys.set(this.keys);
      const counts = new Float64Array(cap);
      counts.set(this.counts);
      this.keys = keys;
      this.counts = counts;
    }
    if (i < this.size) {
      this.keys.copyWithin(i + 1, i, this.size);
      this.counts.copyWithin(i + 1, i, this.size);
    }
    this.keys[i] = key;
    this.counts[i] = count;
    this.size++;
  }

  merge(other: Sketch): void {
    this.zeroCount += other.zeroCount;
    this.total += other.total;
    if (other.size === 0) return;
    if (this.size === 0) {
      if (this.keys.length < other.size) {
        this.keys = new Int16Array(other.size);
        this.counts = new Float64Array(other.size);
      }
      this.keys.set(other.keys.subarray(0, other.size));
      this.counts.set(other.counts.subarray(0, other.size));
      this.size = other.size;
      return;
    }
    // Merge two sorted runs into fresh arrays.
    const a = this.size;
    const b = other.size;
    const keys = new Int16Array(a + b);
    const counts = new Float64Array(a + b);
    let i = 0;
    let j = 0;
    let n = 0;
    while (i < a || j < b) {
      const ka = i < a ? this.keys[i]! : 0x7fffffff;
      const kb = j < b ? other.keys[j]! : 0x7fffffff;
      if (ka === kb) {
        keys[n] = ka;
        counts[n++] = this.counts[i++]! + other.counts[j++]!;
      } else if (ka < kb) {
        keys[n] = ka;
        counts[n++] = this.counts[i++]!;
      } else {
        keys[n] = kb;
        counts[n++] = other.counts[j++]!;
      }
    }
    this.keys = keys;
    this.counts = counts;
    this.size = n;
  }

  /** Empties the sketch, keeping its arrays. */
  clear(): void {
    this.zeroCount = 0;
    this.total = 0;
    this.size = 0;
  }

  clone(): Sketch {
    const s = new Sketch(Math.max(1, this.size));
    s.zeroCount = this.zeroCount;
    s.total = this.total;
    s.size = this.size;
    s.keys.set(this.keys.subarray(0, this.size));
    s.counts.set(this.counts.subarray(0, this.size));
    return s;
  }

  /**
   * The value at quantile q ∈ [0, 1]: the value of rank q·(total − 1) counted
   * from 0 (so q = 0 is the smallest value, q = 1 the largest), approximated to α.
   */
  quantile(q: number): number {
    if (this.total <= 0) return NaN;
    const rank = q * (this.total - 1);
    let seen = this.zeroCount;
    if (rank < seen) return 0;
    for (let i = 0; i < this.size; i++) {
      seen += this.counts[i]!;
      if (rank < seen) return sketchValue(this.keys[i]!);
    }
    return this.size > 0 ? sketchValue(this.keys[this.size - 1]!) : 0;
  }

  /** Writes the sketch; counts as varints when all are whole numbers. */
  encode(w: ByteWriter): void {
    let whole = Number.isInteger(this.zeroCount);
    for (let i = 0; i < this.size && whole; i++) whole = Number.isInteger(this.counts[i]!);
    w.u8(whole ? 1 : 0);
    w.varint(this.size);
    if (whole) w.varint(this.zeroCount);
    else w.f64(this.zeroCount);
    let prev = 0;
    for (let i = 0; i < this.size; i++) {
      const k = this.keys[i]!;
      w.zigzag(k - prev);
      prev = k;
      if (whole) w.varint(this.counts[i]!);
      else w.f64(this.counts[i]!);
    }
  }

  static decode(r: ByteReader): Sketch {
    const whole = r.u8() === 1;
    const n = r.varint();
    const s = new Sketch(Math.max(1, n));
    s.zeroCount = whole ? r.varint() : r.f64();
    let total = s.zeroCount;
    let prev = 0;
    for (let i = 0; i < n; i++) {
      prev += r.zigzag();
      s.keys[i] = prev;
      const c = whole ? r.varint() : r.f64();
      s.counts[i] = c;
      total += c;
    }
    s.size = n;
    s.total = total;
    return s;
  }
}
