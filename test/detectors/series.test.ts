/**
 * The per-series model of the metric detectors (src/detectors/series.ts), fed directly: a daily-cycle
 * business metric with noise, PT5M, well past the warm-up. No server: the engine and the S3 example test
 * drive the same model through the API.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricSetDetector, SERIES_DEFAULTS } from '../../src/detectors/index.ts';
import type { ParsedRow } from '../../src/detectors/index.ts';
import { Rng } from '../../src/generators/index.ts';

const FREQ = 300_000;
const T0 = Date.UTC(2021, 5, 1);

/** Severities of one series over `n` intervals; `factor(i)` multiplies the value of interval i. */
function run(n: number, factor: (i: number) => number, seed = 7): number[] {
  const det = new MetricSetDetector([{ name: 'views', aggregation: 'SUM' }], ['marketplace'], FREQ);
  const rng = new Rng(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = T0 + i * FREQ;
    const day = Math.sin((2 * Math.PI * (start % 86_400_000)) / 86_400_000);
    const v = 2000 * (1 + 0.3 * day) * (1 + 0.05 * rng.normal()) * factor(i);
    const rows: ParsedRow[] = [{ timestampMs: start, values: [v], dimensions: ['DE'] }];
    const r = det.process(start, rows);
    out.push(r.hits[0]?.severity ?? 0);
  }
  return out;
}

describe('metric detector series model', () => {
  const n = 400;
  it('reports each of three short drops in one series, hours apart, at alert severity', () => {
    const drops = [
      [150, 152],
      [200, 201],
      [260, 263],
    ] as const;
    const sev = run(n, (i) => (drops.some(([a, b]) => i >= a && i <= b) ? 0.2 : 1));
    for (const [a, b] of drops) {
      const peak = Math.max(...sev.slice(a, b + 1));
      assert.ok(peak >= SERIES_DEFAULTS.minSeverity, `drop at ${a}–${b}: peak severity ${peak}`);
    }
  });

  it('reports a fivefold spike and nothing outside it', () => {
    const sev = run(n, (i) => (i >= 300 && i <= 302 ? 5 : 1));
    assert.ok(Math.max(...sev.slice(300, 303)) >= SERIES_DEFAULTS.minSeverity, `spike severities ${sev.slice(300, 303).join(',')}`);
    const outside = sev.flatMap((s, i) => (s >= SERIES_DEFAULTS.minSeverity && (i < 300 || i > 303) ? [i] : []));
    assert.deepEqual(outside, []);
  });

  it('reports nothing on a clean run of the same length', () => {
    for (const seed of [1, 2, 3]) {
      const sev = run(n, () => 1, seed);
      const flagged = sev.flatMap((s, i) => (s >= SERIES_DEFAULTS.minSeverity ? [`${i}:${s}`] : []));
      assert.deepEqual(flagged, [], `seed ${seed}`);
    }
  });

  it('grades nothing during the warm-up, whatever the values', () => {
    const sev = run(SERIES_DEFAULTS.warmupIntervals - 1, (i) => (i === 40 ? 10 : 1));
    assert.deepEqual(
      sev.filter((s) => s > 0),
      [],
    );
  });
  it('learns a weekly peak: not flagged after two weeks, its absence in week five is', () => {
    const HOUR = 3_600_000;
    const monday = Date.UTC(2021, 5, 7);
    for (const seed of [1, 2, 3]) {
      const det = new MetricSetDetector([{ name: 'views', aggregation: 'SUM' }], ['marketplace'], HOUR);
      const rng = new Rng(seed);
      const flagged: { week: number; day: number }[] = [];
      for (let i = 0; i < 24 * 7 * 5; i++) {
        const start = monday + i * HOUR;
        const day = Math.floor(i / 24) % 7;
        const week = Math.floor(i / 168);
        let v = 1000 * (1 + 0.3 * Math.sin((2 * Math.PI * (i % 24)) / 24)) * (1 + 0.03 * rng.normal());
        // Saturdays double, except in week five (index 4): the weekly pattern breaks.
        if (day === 5 && week !== 4) v *= 2;
        const r = det.process(start, [{ timestampMs: start, values: [v], dimensions: ['DE'] }]);
        if ((r.hits[0]?.severity ?? 0) >= SERIES_DEFAULTS.minSeverity) flagged.push({ week, day });
      }
      assert.deepEqual(
        flagged.filter((f) => f.week >= 2 && f.week <= 3),
        [],
        `seed ${seed}: Saturday peaks of weeks 3 and 4 flagged`,
      );
      assert.ok(
        flagged.some((f) => f.week === 4 && f.day === 5),
        `seed ${seed}: the missing Saturday peak of week 5 is not flagged (${JSON.stringify(flagged)})`,
      );
    }
  });
});
