import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AnomalyLikelihood, ConfluenceDetector, DAY_MS, SeasonalForecaster, createBestDetector, restoreBestDetector } from '../../src/anomaly/index.ts';
import type { DetectorResult } from '../../src/anomaly/index.ts';
import { TestRandom } from './helpers.ts';

const T0 = Date.UTC(2024, 0, 1);
const FIVE_MIN = 300_000;
const PER_DAY = 288;

function feed(d: ConfluenceDetector, values: readonly number[], stepMs = FIVE_MIN): DetectorResult[] {
  return values.map((v, i) => d.update(T0 + i * stepMs, v));
}

function noise(n: number, seed: number, level = 10, sd = 0.5): number[] {
  const rnd = new TestRandom(seed);
  return Array.from({ length: n }, () => level + sd * rnd.gaussian());
}

/** 5-minute data with a daily sine (and optional extra per point). */
function daily(days: number, seed: number, extra: (day: number, hour: number) => number = () => 0): number[] {
  const rnd = new TestRandom(seed);
  return Array.from({ length: days * PER_DAY }, (_, i) => {
    const hour = (i % PER_DAY) / 12;
    return 50 + 20 * Math.sin((2 * Math.PI * hour) / 24) + rnd.gaussian() + extra(Math.floor(i / PER_DAY), hour);
  });
}

const alerts = (g: readonly DetectorResult[], from = 0, to = g.length) =>
  g
    .slice(from, to)
    .map((r, i) => (r.grade >= 0.5 ? from + i : -1))
    .filter((i) => i >= 0);

describe('ConfluenceDetector', () => {
  it('grades a spike after a long calm highly on its first point', () => {
    const d = createBestDetector({ seed: 1 });
    const g = feed(d, noise(1200, 2));
    const r = d.update(T0 + 1200 * FIVE_MIN, 20);
    assert.ok(r.grade >= 0.5, `grade ${r.grade}`);
    assert.ok(Math.abs(r.expected - 10) < 1, `expected ${r.expected}`);
    assert.ok(r.deviation > 0.2 && r.deviation < 1, `deviation ${r.deviation}`);
    assert.ok(alerts(g, 400).length <= 2, `ordinary noise rarely alerts: ${alerts(g, 400)}`);
  });

  it('alerts once on a level shift, then settles into the new level', () => {
    const d = createBestDetector({ seed: 1 });
    const shift = 1500;
    const g = feed(d, [...noise(shift, 3), ...noise(1500, 4, 20)]);
    assert.deepEqual(alerts(g, shift - 5), [shift], 'one alert, on the first shifted point');
    const settled = g.slice(shift + 200).map((r) => r.grade);
    assert.ok(Math.max(...settled) < 0.2, `settled: ${Math.max(...settled)}`);
  });

  it('stops alerting on a daily burst after two periods', () => {
    const d = createBestDetector({ seed: 1 });
    const g = feed(
      d,
      daily(8, 5, (day, hour) => (day >= 2 && hour >= 10 && hour < 13 ? 40 : 0)),
    );
    assert.ok(alerts(g, 2 * PER_DAY, 3 * PER_DAY).length > 0, 'the first burst alerts');
    assert.deepEqual(alerts(g, 4 * PER_DAY), [], 'no alert after two periods');
  });

  it('sees a value that is ordinary in size but wrong for the time of day', () => {
    const d = createBestDetector({ seed: 1 });
    // Day 6, 06:00 (the daily peak, ~70): the value of the daily trough (~30) for two hours.
    const g = feed(
      d,
      daily(7, 6, (day, hour) => (day === 6 && hour >= 6 && hour < 8 ? -40 : 0)),
    );
    const start = 6 * PER_DAY + 72;
    assert.ok(alerts(g, start, start + 24).length > 0, 'alerts within two hours');
    assert.ok(g[start]!.expected > 60, `expected the daily peak, got ${g[start]!.expected}`);
    assert.deepEqual(alerts(g, PER_DAY + 50, start), [], 'no alert before it');
  });

  it('treats NaN as a missing interval and keeps the daily phase across a gap', () => {
    const d = createBestDetector({ seed: 1 });
    const values = daily(5, 7);
    const out: DetectorResult[] = [];
    values.forEach((v, i) => {
      if (i >= 3 * PER_DAY && i < 3 * PER_DAY + 24) out.push(d.update(T0 + i * FIVE_MIN, Number.NaN));
      else if (i >= 4 * PER_DAY && i < 4 * PER_DAY + 72)
        return; // six hours with no rows at all
      else out.push(d.update(T0 + i * FIVE_MIN, v));
    });
    const missing = out.filter((r) => r.missing);
    assert.equal(missing.length, 24);
    assert.ok(
      missing.every((r) => r.grade === 0 && Number.isFinite(r.expected)),
      'missing inputs: grade 0, an expected value',
    );
    const afterGap = out.slice(out.length - (PER_DAY - 72));
    assert.deepEqual(
      afterGap.filter((r) => r.grade >= 0.5),
      [],
      'no alerts after the gap',
    );
    const err = afterGap.reduce((s, r, k) => s + Math.abs(r.expected - values[4 * PER_DAY + 72 + k]!), 0) / afterGap.length;
    assert.ok(err < 3, `the forecast stays in phase after the gap: mean error ${err}`);
  });

  it('restores from JSON and continues identically, also before the interval is known', () => {
    for (const at of [5, 900]) {
      const values = daily(4, 8);
      const d = createBestDetector({ seed: 9 });
      values.slice(0, at).forEach((v, i) => d.update(T0 + i * FIVE_MIN, v));
      const copy = at === 5 ? ConfluenceDetector.fromJSON(JSON.parse(JSON.stringify(d))) : restoreBestDetector(JSON.parse(JSON.stringify(d)));
      for (let i = at; i < values.length; i++) {
        const v = i % 301 === 0 ? Number.NaN : values[i]!;
        assert.deepEqual(copy.update(T0 + i * FIVE_MIN, v), d.update(T0 + i * FIVE_MIN, v));
      }
    }
  });

  it('keeps bounded memory per series', () => {
    const d = createBestDetector();
    feed(d, daily(2, 10));
    const before = d.byteSize();
    feed(d, daily(10, 11));
    assert.equal(d.byteSize(), before, 'no growth with the stream');
    assert.ok(before < 3 * 2 ** 20, `${before} bytes`);
  });

  it('rejects bad input and settings', () => {
    const d = createBestDetector();
    assert.throws(() => d.update(Number.NaN, 1), /timestamp must be a finite number of ms/);
    assert.throws(() => d.update(T0, Number.POSITIVE_INFINITY), /value must be a finite number or NaN/);
    assert.throws(() => createBestDetector({ redProbability: 2 }), /redProbability must be in \(0, 1\)/);
    assert.throws(() => createBestDetector({ likelihood: { averagingWindow: 0 } }), /averagingWindow must be an integer >= 1/);
    assert.throws(() => createBestDetector({ forecaster: { alpha: 0 } }), /alpha must be in \(0, 1\]/);
  });
});

describe('AnomalyLikelihood', () => {
  it('finds a run of surprises unlikely, one surprise less so, and a lasting level ordinary again', () => {
    const a = new AnomalyLikelihood({ minHistory: 100, historyLength: 1000 });
    const rnd = new TestRandom(12);
    for (let i = 0; i < 600; i++) a.update(0.1 * rnd.next());
    const single = a.update(1);
    let run = 1;
    for (let i = 0; i < 5; i++) run = Math.min(run, a.update(1));
    assert.ok(single < 1e-3, `one surprise: p ${single}`);
    assert.ok(run < single * 1e-3, `a run: p ${run}`);
    for (let i = 0; i < 1200; i++) a.update(1);
    assert.equal(a.update(1), 1, 'a lasting level is the new normal');
  });

  it('gives 1 while warming up', () => {
    const a = new AnomalyLikelihood({ minHistory: 50 });
    for (let i = 0; i < 50; i++) assert.equal(a.update(i === 40 ? 1 : 0), 1);
    assert.ok(a.isReady);
  });
});

describe('SeasonalForecaster', () => {
  it('learns a daily pattern from timestamps and forecasts it', () => {
    const f = new SeasonalForecaster();
    const values = daily(4, 13);
    let err = 0;
    values.forEach((v, i) => {
      const r = f.update(T0 + i * FIVE_MIN, v);
      if (i >= 3 * PER_DAY) err += Math.abs(r.expected - v);
    });
    assert.equal(f.intervalMs, FIVE_MIN);
    assert.ok(err / PER_DAY < 1.5, `mean absolute error on day 4: ${err / PER_DAY}`);
    assert.equal(f.update(T0 + values.length * FIVE_MIN, 50).model, String(DAY_MS));
  });

  it('uses the level alone for a series without seasonality', () => {
    const f = new SeasonalForecaster();
    let model = '';
    noise(3000, 14).forEach((v, i) => {
      model = f.update(T0 + i * FIVE_MIN, v).model;
    });
    assert.equal(model, 'level');
  });
});
