import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultBand, forecastBand } from '../../src/metrics/index.ts';
import type { TimeSeries } from '../../src/metrics/index.ts';

const PERIOD = 300;
const DAY = 86_400;
const T0 = Date.UTC(2026, 0, 5) / 1000;

/** Two days of a 5-minute metric with a daily swing of ±50 around 100 and small deterministic noise. */
function dailySeries(): TimeSeries {
  const n = (2 * DAY) / PERIOD;
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = T0 + i * PERIOD;
    v[i] = 100 + 50 * Math.sin((2 * Math.PI * (i * PERIOD)) / DAY) + 2 * Math.sin(i * 7.3);
  }
  return { label: 'views', periodSec: PERIOD, t, v };
}

function inside(band: { upper: TimeSeries; lower: TimeSeries }, i: number, value: number): boolean {
  return value >= band.lower.v[i]! && value <= band.upper.v[i]!;
}

describe('ANOMALY_DETECTION_BAND from the seasonal forecaster', () => {
  it('follows a daily swing: the second day stays inside the band, a jump at the daily low falls outside it', () => {
    const s = dailySeries();
    const n = s.t.length;
    const low = n - DAY / PERIOD / 4; // the second day's low (sin = −1 at three quarters of the day)
    const normal = s.v[low]!;
    s.v[low] = 110; // an ordinary daytime value, but at night
    const band = forecastBand(s, 3, { startSec: s.t[0]!, endSec: s.t[n - 1]! + PERIOD });
    assert.equal(band.upper.t.length, n);
    assert.ok(!inside(band, low, 110), `110 at the low is outside [${band.lower.v[low]}, ${band.upper.v[low]}] (normal ${normal.toFixed(1)})`);
    let outside = 0;
    for (let i = n / 2; i < n; i++) if (i !== low && !inside(band, i, s.v[i]!)) outside++;
    assert.ok(outside <= 3, `${outside} ordinary points of the second day outside the band`);
    // The plain band (mean ± k standard deviations of the whole series) misses the same jump.
    const plain = defaultBand(s, 3, { startSec: s.t[0]!, endSec: s.t[n - 1]! + PERIOD });
    assert.ok(inside(plain, low, 110));
  });

  it('widens with k and draws a band for every point, also the first ones', () => {
    const s = dailySeries();
    const narrow = forecastBand(s, 1, { startSec: 0, endSec: 0 });
    const wide = forecastBand(s, 4, { startSec: 0, endSec: 0 });
    for (let i = 0; i < s.t.length; i++) {
      assert.ok(Number.isFinite(narrow.upper.v[i]!) && Number.isFinite(narrow.lower.v[i]!), `finite band at ${i}`);
      assert.ok(wide.upper.v[i]! - wide.lower.v[i]! >= narrow.upper.v[i]! - narrow.lower.v[i]!, `wider at ${i}`);
    }
    assert.equal(narrow.upper.label, 'views upper band');
    assert.equal(narrow.lower.label, 'views lower band');
  });
});
