/**
 * The anomaly-detection band (ANOMALY_DETECTION_BAND) from Freshet's seasonal forecaster, the model inside the
 * metric detectors (src/anomaly/seasonal.ts, docs/anomaly.md): level plus daily and weekly seasonality where the
 * series' period allows. Each point's band is the forecast made before its value was seen ± k times the
 * forecaster's residual scale (its mean absolute error × √(π/2), one standard deviation for normal residuals), so
 * a spike or a drop falls outside the band drawn for it while the band follows the series' daily shape. Until the
 * forecaster can forecast (its first points), the band is the mean ± k standard deviations of the points before.
 * Alarms give the band a day of history to learn from (alarms/engine.ts).
 */
import { SeasonalForecaster } from '../anomaly/index.ts';
import type { BandFunction } from './math/evaluate.ts';

/** Mean absolute error → standard deviation for normally distributed residuals. */
const MAE_TO_SD = Math.sqrt(Math.PI / 2);

export const forecastBand: BandFunction = (s, k) => {
  const n = s.t.length;
  const upper = new Float64Array(n);
  const lower = new Float64Array(n);
  const forecaster = new SeasonalForecaster({ intervalMs: s.periodSec * 1000 });
  let count = 0;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    const v = s.v[i]!;
    const f = forecaster.update(s.t[i]! * 1000, v);
    let centre: number;
    let width: number;
    if (!Number.isNaN(f.expected) && f.scale > 0) {
      centre = f.expected;
      width = k * MAE_TO_SD * f.scale;
    } else {
      centre = count > 0 ? mean : v;
      width = count > 1 ? k * Math.sqrt(m2 / count) : 0;
    }
    upper[i] = centre + width;
    lower[i] = centre - width;
    if (!Number.isNaN(v)) {
      count++;
      const d = v - mean;
      mean += d / count;
      m2 += d * (v - mean);
    }
  }
  return {
    upper: { label: `${s.label} upper band`, periodSec: s.periodSec, t: s.t.slice(), v: upper },
    lower: { label: `${s.label} lower band`, periodSec: s.periodSec, t: s.t.slice(), v: lower },
  };
};
