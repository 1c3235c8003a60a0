import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BasicThresholder, ThresholdedRandomCutForest, TRCF_UNIVARIATE_DEFAULTS } from '../../src/anomaly/index.ts';
import type { ThresholdedForestOptions, ThresholdedResult } from '../../src/anomaly/index.ts';
import { TestRandom } from './helpers.ts';

const T0 = Date.UTC(2024, 0, 1);
const FIVE_MIN = 300_000;

/** The settings `freshet anomaly score` uses by default. */
function cliTrcf(extra: Partial<ThresholdedForestOptions> = {}): ThresholdedRandomCutForest {
  return new ThresholdedRandomCutForest({ dimensions: 1, ...TRCF_UNIVARIATE_DEFAULTS, seed: 1, ...extra });
}

function feed(t: ThresholdedRandomCutForest, values: readonly number[]): ThresholdedResult[] {
  return values.map((v, i) => t.process([v], T0 + i * FIVE_MIN));
}

function calm(n: number, seed: number, level = 10, sd = 0.5): number[] {
  const rnd = new TestRandom(seed);
  return Array.from({ length: n }, () => level + sd * rnd.gaussian());
}

describe('ThresholdedRandomCutForest (univariate defaults: shingle 8, 30 trees)', () => {
  it('grades a spike after a long calm highly on its first point, with the expected value and where it is', () => {
    const t = cliTrcf();
    feed(t, calm(1200, 2));
    const r = t.process([20], T0 + 1200 * FIVE_MIN);
    assert.ok(r.grade >= 0.5, `grade ${r.grade}`);
    assert.equal(r.relativeIndex, 0, 'the newest input is the anomaly');
    assert.deepEqual(Array.from(r.pastValues!), [20]);
    assert.ok(r.expected && Math.abs(r.expected[0]! - 10) < 1.5, `expected ${r.expected?.[0]}`);
    assert.ok(r.attribution!.high[0]! > 10 * r.attribution!.low[0]!, 'attributed to a high value');
  });

  it('gives a bigger departure a higher grade', () => {
    const history = calm(1200, 3);
    const grades = [13, 16, 25, 60].map((spike) => {
      const t = cliTrcf();
      feed(t, history);
      return t.process([spike], T0 + 1200 * FIVE_MIN).grade;
    });
    assert.ok(grades[0]! > 0, `a 6-sigma spike is an anomaly: ${grades}`);
    for (let i = 1; i < grades.length; i++) assert.ok(grades[i]! > grades[i - 1]!, `grades rise with the departure: ${grades}`);
    assert.ok(grades[3]! < 1, `the grade does not saturate: ${grades}`);
  });

  it('alerts on a level shift while the shingle spans it, then settles into the new level', () => {
    const t = cliTrcf();
    const shift = 1500,
      s = TRCF_UNIVARIATE_DEFAULTS.shingleSize;
    const g = feed(t, [...calm(shift, 4), ...calm(1500, 5, 20)]).map((r) => r.grade);
    assert.ok(Math.max(...g.slice(shift, shift + s)) >= 0.5, 'alerts as the shift enters the shingle');
    const after = g.slice(shift + 2 * s);
    assert.ok(Math.max(...after) < 0.2, `settled: largest grade after two shingles ${Math.max(...after)}`);
  });

  it('stops alerting on a daily burst after two periods', () => {
    const t = cliTrcf();
    const rnd = new TestRandom(6);
    const perDay = 288;
    const values = Array.from({ length: perDay * 8 }, (_, i) => {
      const hour = (i % perDay) / 12,
        day = Math.floor(i / perDay);
      return 50 + 20 * Math.sin((2 * Math.PI * hour) / 24) + rnd.gaussian() + (day >= 2 && hour >= 10 && hour < 13 ? 40 : 0);
    });
    const g = feed(t, values).map((r) => r.grade);
    assert.ok(Math.max(...g.slice(2 * perDay, 3 * perDay)) > 0.3, 'the first burst alerts');
    const later = g.slice(4 * perDay);
    assert.ok(Math.max(...later) < 0.2, `no alert after two periods: ${Math.max(...later)}`);
  });

  it('points back at an anomaly inside the shingle when the newest input is ordinary', () => {
    const t = cliTrcf();
    feed(t, calm(1000, 7));
    const first = t.process([25], T0 + 1000 * FIVE_MIN);
    assert.ok(first.grade > 0);
    // The spike stays inside the next shingles; ordinary inputs after it are not new anomalies.
    for (let i = 1; i < 8; i++) {
      const r = t.process([10], T0 + (1000 + i) * FIVE_MIN);
      assert.equal(r.grade, 0, `input ${i} after the spike is explained by it (grade ${r.grade})`);
    }
  });

  it('gives expected values in input units for every transform', () => {
    for (const transform of ['NONE', 'NORMALIZE', 'DIFFERENCE', 'NORMALIZE_DIFFERENCE'] as const) {
      const t = cliTrcf({ transform, seed: 8 });
      feed(t, calm(1200, 9, 1000, 2));
      const r = t.process([1040], T0 + 1200 * FIVE_MIN);
      assert.ok(r.grade > 0, `${transform}: the spike is an anomaly`);
      assert.ok(r.expected && Math.abs(r.expected[0]! - 1000) < 8, `${transform}: expected ${r.expected?.[0]}`);
    }
  });

  it('attributes a multivariate anomaly to its column and keeps the others as they are', () => {
    const t = new ThresholdedRandomCutForest({ dimensions: 2, shingleSize: 4, numberOfTrees: 30, seed: 10 });
    const rnd = new TestRandom(11);
    for (let i = 0; i < 1000; i++) t.process([5 + 0.2 * rnd.gaussian(), 50 + rnd.gaussian()]);
    const r = t.process([5, 80]);
    assert.ok(r.grade > 0);
    assert.ok(r.attribution!.high[1]! > 5 * (r.attribution!.high[0]! + r.attribution!.low[0]!), 'column 1 carries it');
    assert.equal(r.expected![0], 5, 'an entry the forest did not change keeps its input value');
    assert.ok(Math.abs(r.expected![1]! - 50) < 4, `expected column 1: ${r.expected![1]}`);
  });

  it('does not grade before the forest reports scores', () => {
    const t = new ThresholdedRandomCutForest({ dimensions: 1, numberOfTrees: 10, sampleSize: 32, seed: 1 });
    for (let i = 0; i < 8; i++) {
      const r = t.process([i === 5 ? 1e6 : i]);
      assert.equal(r.score, 0);
      assert.equal(r.grade, 0);
    }
  });

  it('restores from JSON and continues with identical results, normalising and mid-anomaly', () => {
    const t = cliTrcf({ transform: 'NORMALIZE', seed: 12 });
    feed(t, calm(700, 13));
    t.process([30], T0 + 700 * FIVE_MIN); // an anomaly in the shingle: the corrector's state matters
    const copy = ThresholdedRandomCutForest.fromJSON(JSON.parse(JSON.stringify(t)));
    const rnd = new TestRandom(14);
    for (let i = 0; i < 300; i++) {
      const v = i % 97 === 50 ? 25 : 10 + 0.5 * rnd.gaussian();
      const a = t.process([v], T0 + (701 + i) * FIVE_MIN),
        b = copy.process([v], T0 + (701 + i) * FIVE_MIN);
      assert.deepEqual(b, a);
    }
  });

  it('restores during the normalisation warm-up', () => {
    const t = new ThresholdedRandomCutForest({ dimensions: 1, transform: 'NORMALIZE_DIFFERENCE', numberOfTrees: 10, seed: 15 });
    for (let i = 0; i < 5; i++) t.process([i]);
    const copy = ThresholdedRandomCutForest.fromJSON(JSON.parse(JSON.stringify(t)));
    for (let i = 5; i < 200; i++) assert.deepEqual(copy.process([Math.sin(i)]), t.process([Math.sin(i)]));
  });

  it('rejects bad input and settings with one-line messages', () => {
    const t = cliTrcf();
    assert.throws(() => t.process([1, 2]), /input has 2 values, expected 1/);
    assert.throws(() => t.process([Number.NaN]), /not a finite number/);
    assert.throws(() => cliTrcf({ transform: 'LOG' as never }), /transform must be one of NONE, NORMALIZE, DIFFERENCE, NORMALIZE_DIFFERENCE/);
    assert.throws(() => cliTrcf({ zFactor: 0 }), /zFactor must be > 0/);
    assert.throws(() => cliTrcf({ ignoreNearExpectedFromAbove: [1, 2] }), /needs 1 values >= 0/);
  });
});

describe('BasicThresholder', () => {
  it('starts from the initial threshold, then follows the mean and deviation of the scores', () => {
    const th = new BasicThresholder(1 / 2560, 0.01);
    assert.equal(th.thresholdAndGrade(1, 'NONE', 1, 8).threshold, 1.5, 'initial threshold before minimumScores');
    const rnd = new TestRandom(16);
    for (let i = 0; i < 3000; i++) th.update(1 + 0.1 * rnd.gaussian(), 1, 0);
    const { threshold } = th.thresholdAndGrade(0, 'NONE', 1, 8);
    assert.ok(threshold > 1.15 && threshold < 1.4, `threshold ${threshold} for scores 1 ± 0.1`);
    assert.equal(th.thresholdAndGrade(threshold * 0.99, 'NONE', 1, 8).grade, 0);
    const g2 = th.thresholdAndGrade(2 * threshold, 'NONE', 1, 8).grade;
    assert.ok(Math.abs(g2 - Math.log(2) / Math.log(8 / threshold)) < 1e-12, 'grade = log(score/threshold) / log(max/threshold)');
    assert.equal(th.thresholdAndGrade(8, 'NONE', 1, 8).grade, 1);
  });

  it('never lets the threshold below absoluteThreshold', () => {
    const th = new BasicThresholder(1 / 2560, 0.01, { absoluteThreshold: 1.2 });
    for (let i = 0; i < 500; i++) th.update(0.5, 0.5, 0);
    assert.equal(th.thresholdAndGrade(0, 'NONE', 1, 8).threshold, 1.2);
  });
});
