/**
 * A streaming forecaster for operational and business metrics: three
 * exponential-smoothing models run side by side and the one with the smallest
 * recent absolute error gives the expected value.
 *
 *   level    y = ℓ                       (no seasonality)
 *   daily    y = ℓ + S[time of day]       (additive Holt-Winters, one slot per interval of the day)
 *   weekly   y = ℓ + S[time of week]
 *
 * Slots are chosen by the timestamp (not by counting inputs), so a missing
 * interval simply leaves its slot untouched and the phase stays right. The
 * interval is the median of the first 16 positive gaps between timestamps;
 * until then, and for series whose interval does not fit the period (fewer than
 * 4 slots per day, or 14 per week), only the level model runs. Slots are capped
 * at 2016 per period (5-minute data over a week); finer data share slots.
 *
 * Updates are robust: a value more than `clip` residual scales from a model's
 * forecast updates that model as if it were at the clip, so one spike does not
 * drag the level or a slot (a lasting shift still gets through, because the
 * residual scale grows while it lasts). The residual scale is a discounted mean
 * absolute error of the chosen forecast, clipped the same way.
 */
import { b64, unb64 } from './likelihood.ts';

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;
const MAX_SLOTS = 2016;
const INTERVAL_SAMPLE = 16;
/** A model competes only after this many forecasts. */
const MIN_FORECASTS = 20;

export interface ForecasterOptions {
  /** Level smoothing per input (default 0.05). */
  alpha?: number;
  /** Seasonal smoothing per visit of a slot (default 0.2). */
  gamma?: number;
  /** Discount of each model's absolute error when choosing one (default 0.01). */
  errorDiscount?: number;
  /** Discount of the residual scale (default 0.01). */
  scaleDiscount?: number;
  /** Updates and errors are clipped at this many residual scales (default 6). */
  clip?: number;
  /** Seasonal periods in milliseconds to model (default [DAY_MS, WEEK_MS]); [] for level only. */
  periodsMs?: number[];
  /** Known interval between inputs in ms; default: the median of the first 16 gaps. */
  intervalMs?: number;
}

export const FORECASTER_DEFAULTS = {
  alpha: 0.05,
  gamma: 0.2,
  errorDiscount: 0.01,
  scaleDiscount: 0.01,
  clip: 6,
  periodsMs: [DAY_MS, WEEK_MS],
} as const;

type Resolved = Required<Omit<ForecasterOptions, 'intervalMs'>> & { intervalMs: number | null };

class Model {
  level = NaN;
  readonly season: Float64Array | null;
  readonly seen: Uint8Array | null;
  readonly slotMs: number;
  error = 0;
  forecasts = 0;

  constructor(slots: number, slotMs: number) {
    this.season = slots > 0 ? new Float64Array(slots) : null;
    this.seen = slots > 0 ? new Uint8Array(slots) : null;
    this.slotMs = slotMs;
  }

  slot(t: number): number {
    const n = this.season!.length;
    return ((Math.floor(t / this.slotMs) % n) + n) % n;
  }

  /** NaN until the model can forecast at t (level known; the slot visited once). */
  forecast(t: number): number {
    if (Number.isNaN(this.level)) return NaN;
    if (this.season === null) return this.level;
    const s = this.slot(t);
    return this.seen![s] ? this.level + this.season[s]! : NaN;
  }

  learn(t: number, v: number, f: number, alpha: number, gamma: number, clipAt: number): void {
    if (Number.isNaN(this.level)) {
      this.level = v;
      return;
    }
    const x = !Number.isNaN(f) && clipAt > 0 ? Math.max(f - clipAt, Math.min(f + clipAt, v)) : v;
    if (this.season === null) {
      this.level += alpha * (x - this.level);
      return;
    }
    const s = this.slot(t);
    if (!this.seen![s]) {
      this.season[s] = x - this.level;
      this.seen![s] = 1;
      return;
    }
    const S = this.season[s]!;
    this.level += alpha * (x - S - this.level);
    this.season[s] = S + gamma * (x - this.level - S);
  }
}

export interface Forecast {
  /** The expected value (NaN until a model can forecast). */
  expected: number;
  /** (value − expected) / residual scale; 0 when there is no forecast yet. */
  z: number;
  /** The residual scale (mean absolute error) of the forecasts. */
  scale: number;
  /** Which model gave the forecast: 'level', or the period in ms. */
  model: string;
}

export interface ForecasterState {
  options: Resolved;
  gaps: number[];
  lastTimeMs: number | null;
  scale: number;
  models: { slots: number; slotMs: number; level: number | null; season: string | null; seen: string | null; error: number; forecasts: number }[];
}

export class SeasonalForecaster {
  readonly options: Readonly<Resolved>;
  private gaps: number[] = [];
  private lastTimeMs: number | null = null;
  private models: Model[] = [];
  private periods: number[] = [];
  private scale = 0;

  constructor(options: ForecasterOptions = {}) {
    const o: Resolved = {
      alpha: options.alpha ?? FORECASTER_DEFAULTS.alpha,
      gamma: options.gamma ?? FORECASTER_DEFAULTS.gamma,
      errorDiscount: options.errorDiscount ?? FORECASTER_DEFAULTS.errorDiscount,
      scaleDiscount: options.scaleDiscount ?? FORECASTER_DEFAULTS.scaleDiscount,
      clip: options.clip ?? FORECASTER_DEFAULTS.clip,
      periodsMs: [...(options.periodsMs ?? FORECASTER_DEFAULTS.periodsMs)],
      intervalMs: options.intervalMs ?? null,
    };
    for (const k of ['alpha', 'gamma', 'errorDiscount', 'scaleDiscount'] as const) {
      if (!(o[k] > 0 && o[k] <= 1)) throw new RangeError(`${k} must be in (0, 1], got ${o[k]}`);
    }
    if (!(o.clip > 0)) throw new RangeError(`clip must be > 0, got ${o.clip}`);
    if (o.periodsMs.some((p) => !(p > 0))) throw new RangeError('periodsMs must be positive');
    if (o.intervalMs !== null && !(o.intervalMs > 0)) throw new RangeError('intervalMs must be > 0');
    this.options = Object.freeze(o);
    if (o.intervalMs !== null) this.build(o.intervalMs);
  }

  /** The interval between inputs in ms (null until estimated). */
  get intervalMs(): number | null {
    return this.models.length > 0 ? (this.options.intervalMs ?? median(this.gaps)) : null;
  }

  private build(interval: number): void {
    this.models.push(new Model(0, 1));
    this.periods.push(0);
    for (const period of this.options.periodsMs) {
      const per = period / interval;
      if (per < (period >= WEEK_MS ? 14 : 4)) continue;
      const slots = Math.min(MAX_SLOTS, Math.round(per));
      this.models.push(new Model(slots, period / slots));
      this.periods.push(period);
    }
  }

  /** The forecast for time t, before seeing its value. */
  forecast(t: number): { expected: number; model: number } {
    let best = -1,
      expected = NaN;
    for (let i = 0; i < this.models.length; i++) {
      const m = this.models[i]!;
      const f = m.forecast(t);
      if (Number.isNaN(f)) continue;
      const b = best >= 0 ? this.models[best]! : null;
      if (b === null || (m.forecasts >= MIN_FORECASTS && (m.error < b.error || b.forecasts < MIN_FORECASTS))) {
        best = i;
        expected = f;
      }
    }
    return { expected, model: best };
  }

  /**
   * Forecasts t, then learns `value` (NaN: a missing interval, nothing learnt).
   * Timestamps should not go backwards; one that does is forecast and learnt in
   * its own slot like any other.
   */
  // hot path
  update(t: number, value: number): Forecast {
    if (this.models.length === 0) {
      if (this.lastTimeMs !== null && t > this.lastTimeMs) this.gaps.push(t - this.lastTimeMs);
      if (this.gaps.length >= INTERVAL_SAMPLE) this.build(median(this.gaps));
    }
    this.lastTimeMs = t;
    const { expected, model } = this.forecast(t);
    const scale = this.scale;
    const out: Forecast = {
      expected,
      z: !Number.isNaN(expected) && scale > 0 && !Number.isNaN(value) ? (value - expected) / scale : 0,
      scale,
      model: model < 0 ? 'none' : model === 0 ? 'level' : String(this.periods[model]),
    };
    if (Number.isNaN(value)) return out;
    const o = this.options;
    const clipAt = scale > 0 ? o.clip * scale : 0;
    for (const m of this.models) {
      const f = m.forecast(t);
      if (!Number.isNaN(f)) {
        const e = Math.min(Math.abs(value - f), clipAt > 0 ? clipAt : Infinity);
        m.error = m.forecasts === 0 ? e : m.error + o.errorDiscount * (e - m.error);
        m.forecasts++;
      }
      m.learn(t, value, f, o.alpha, o.gamma, clipAt);
    }
    if (!Number.isNaN(expected)) {
      const e = Math.abs(value - expected);
      this.scale = scale === 0 ? e + 1e-9 : Math.max(1e-9, scale + o.scaleDiscount * (Math.min(e, o.clip * scale) - scale));
    }
    return out;
  }

  /** Bytes of typed arrays held (the bulk of the memory). */
  byteSize(): number {
    let b = 0;
    for (const m of this.models) b += (m.season?.byteLength ?? 0) + (m.seen?.byteLength ?? 0);
    return b;
  }

  toJSON(): ForecasterState {
    return {
      options: { ...this.options, periodsMs: [...this.options.periodsMs] },
      gaps: [...this.gaps],
      lastTimeMs: this.lastTimeMs,
      scale: this.scale,
      models: this.models.map((m) => ({
        slots: m.season?.length ?? 0,
        slotMs: m.slotMs,
        level: Number.isNaN(m.level) ? null : m.level,
        season: m.season ? b64(m.season) : null,
        seen: m.seen ? Buffer.from(m.seen).toString('base64') : null,
        error: m.error,
        forecasts: m.forecasts,
      })),
    };
  }

  static fromJSON(s: ForecasterState): SeasonalForecaster {
    const f = new SeasonalForecaster({ ...s.options, intervalMs: s.options.intervalMs ?? undefined });
    f.gaps = [...s.gaps];
    f.lastTimeMs = s.lastTimeMs;
    f.scale = s.scale;
    if (f.models.length === 0 && s.models.length > 0) f.build(median(f.gaps));
    if (f.models.length !== s.models.length) throw new RangeError('forecaster state does not match its options');
    s.models.forEach((ms, i) => {
      const m = f.models[i]!;
      if ((m.season?.length ?? 0) !== ms.slots) throw new RangeError('forecaster state does not match its options');
      m.level = ms.level ?? NaN;
      if (m.season && ms.season) unb64(ms.season, m.season);
      if (m.seen && ms.seen) m.seen.set(Buffer.from(ms.seen, 'base64'));
      m.error = ms.error;
      m.forecasts = ms.forecasts;
    });
    return f;
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}
