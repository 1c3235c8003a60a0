/**
 * Anomaly likelihood: how unusual is the *recent* level of a raw anomaly score,
 * compared with its own history? After Numenta's anomaly likelihood for HTM
 * (Ahmad et al., "Unsupervised real-time anomaly detection for streaming data",
 * Neurocomputing 2017): the raw score (in [0, 1]) is averaged over the last
 * `averagingWindow` inputs; a normal distribution is fitted to the history of
 * those averages (the last `historyLength`, refitted every `reestimateEvery`
 * inputs); the result is the upper-tail probability of the current average.
 * A single large surprise raises the average a little; several surprises close
 * together (a burst, a denser run of spikes) raise it a lot, which is what the
 * raw score alone cannot show. A lasting change becomes part of the history and
 * stops being unlikely.
 *
 * Bounded memory: two rings of doubles (the window and the history). The state
 * is a plain object (typed arrays as base64) for checkpoints.
 */

export interface LikelihoodOptions {
  /** Raw scores averaged into the short-term level (default 10). */
  averagingWindow?: number;
  /** Averages kept for the fitted distribution (default 8640: a month of 5-minute data). */
  historyLength?: number;
  /** Averages needed before a probability is given (1 before; default 300). */
  minHistory?: number;
  /** The distribution is refitted every this many inputs (default 100). */
  reestimateEvery?: number;
  /** Floor of the fitted standard deviation, in raw-score units (default 0.01). */
  minDeviation?: number;
}

export const LIKELIHOOD_DEFAULTS: Required<LikelihoodOptions> = {
  averagingWindow: 10,
  historyLength: 8640,
  minHistory: 300,
  reestimateEvery: 100,
  minDeviation: 0.01,
};

export interface LikelihoodState {
  options: Required<LikelihoodOptions>;
  window: string;
  windowFill: number;
  windowAt: number;
  windowSum: number;
  history: string;
  historyFill: number;
  historyAt: number;
  sinceFit: number;
  mean: number;
  deviation: number;
}

export class AnomalyLikelihood {
  readonly options: Readonly<Required<LikelihoodOptions>>;
  private readonly window: Float64Array;
  private windowFill = 0;
  private windowAt = 0;
  private windowSum = 0;
  private readonly history: Float64Array;
  private historyFill = 0;
  private historyAt = 0;
  private sinceFit = 0;
  private mean = 0;
  private deviation = 0;

  constructor(options: LikelihoodOptions = {}) {
    const o = { ...LIKELIHOOD_DEFAULTS };
    for (const [k, v] of Object.entries(options)) if (v !== undefined) (o as Record<string, number>)[k] = v;
    for (const k of ['averagingWindow', 'historyLength', 'minHistory', 'reestimateEvery'] as const) {
      if (!Number.isInteger(o[k]) || o[k] < 1) throw new RangeError(`${k} must be an integer >= 1, got ${o[k]}`);
    }
    if (o.minHistory > o.historyLength) throw new RangeError('minHistory must not exceed historyLength');
    if (!(o.minDeviation > 0)) throw new RangeError('minDeviation must be > 0');
    this.options = Object.freeze(o);
    this.window = new Float64Array(o.averagingWindow);
    this.history = new Float64Array(o.historyLength);
  }

  /** The current short-term average of the raw score. */
  get average(): number {
    return this.windowFill > 0 ? this.windowSum / this.windowFill : 0;
  }

  /** True once probabilities are given (minHistory averages seen). */
  get isReady(): boolean {
    return this.historyFill >= this.options.minHistory;
  }

  /**
   * Adds a raw score (clipped to [0, 1]) and returns the upper-tail probability
   * of the new short-term average under the fitted distribution (1 while
   * warming up or when the average is at or below the fitted mean).
   */
  // hot path
  update(raw: number): number {
    const o = this.options;
    const x = Math.min(1, Math.max(0, raw));
    const w = this.window;
    if (this.windowFill === w.length) this.windowSum -= w[this.windowAt]!;
    else this.windowFill++;
    w[this.windowAt] = x;
    this.windowSum += x;
    this.windowAt = (this.windowAt + 1) % w.length;
    if (this.windowAt === 0) this.windowSum = sum(w, this.windowFill); // re-add now and then: no drift
    const avg = this.windowSum / this.windowFill;
    let p = 1;
    if (this.historyFill >= o.minHistory) {
      if (this.sinceFit % o.reestimateEvery === 0) this.fit();
      this.sinceFit++;
      if (avg > this.mean) p = upperTail((avg - this.mean) / this.deviation);
    }
    const h = this.history;
    h[this.historyAt] = avg;
    this.historyAt = (this.historyAt + 1) % h.length;
    if (this.historyFill < h.length) this.historyFill++;
    return p;
  }

  private fit(): void {
    const h = this.history,
      n = this.historyFill;
    let s = 0;
    for (let i = 0; i < n; i++) s += h[i]!;
    const m = s / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (h[i]! - m) * (h[i]! - m);
    this.mean = m;
    this.deviation = Math.max(this.options.minDeviation, Math.sqrt(v / n));
  }

  toJSON(): LikelihoodState {
    return {
      options: { ...this.options },
      window: b64(this.window),
      windowFill: this.windowFill,
      windowAt: this.windowAt,
      windowSum: this.windowSum,
      history: b64(this.history),
      historyFill: this.historyFill,
      historyAt: this.historyAt,
      sinceFit: this.sinceFit,
      mean: this.mean,
      deviation: this.deviation,
    };
  }

  static fromJSON(s: LikelihoodState): AnomalyLikelihood {
    const a = new AnomalyLikelihood(s.options);
    unb64(s.window, a.window);
    unb64(s.history, a.history);
    a.windowFill = s.windowFill;
    a.windowAt = s.windowAt;
    a.windowSum = s.windowSum;
    a.historyFill = s.historyFill;
    a.historyAt = s.historyAt;
    a.sinceFit = s.sinceFit;
    a.mean = s.mean;
    a.deviation = s.deviation;
    return a;
  }
}

function sum(a: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i]!;
  return s;
}

/** Upper-tail probability of the standard normal, Q(z) = erfc(z/√2)/2 (Numerical Recipes' erfc, |error| < 1.2e-7). */
export function upperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const r =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? 0.5 * r : 1 - 0.5 * r;
}

export function b64(a: Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function unb64(s: string, into: Float64Array): void {
  const bytes = Buffer.from(s, 'base64');
  if (bytes.byteLength !== into.byteLength) throw new RangeError('state array has the wrong size');
  new Uint8Array(into.buffer, into.byteOffset, into.byteLength).set(bytes);
}
