import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ByteReader, ByteWriter } from '../../src/metrics/bytes.ts';
import { SKETCH_RELATIVE_ACCURACY, Sketch } from '../../src/metrics/sketch.ts';
import { StatAgg, parseStatistic, statisticValue } from '../../src/metrics/stats.ts';
import { prng } from './helpers.ts';

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

describe('Sketch', () => {
  it('reads every percentile of a wide log-normal sample within the documented 1 % relative accuracy', () => {
    const rand = prng(7);
    const values: number[] = [];
    const s = new Sketch();
    for (let i = 0; i < 20_000; i++) {
      // Box-Muller log-normal: spans about six orders of magnitude.
      const z = Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
      const v = Math.exp(3 + 2.5 * z);
      values.push(v);
      s.add(v);
    }
    values.sort((a, b) => a - b);
    for (const q of [0.01, 0.1, 0.25, 0.5, 0.9, 0.99, 0.999]) {
      const exact = exactQuantile(values, q);
      const got = s.quantile(q);
      assert.ok(Math.abs(got - exact) <= SKETCH_RELATIVE_ACCURACY * exact * 1.0001, `q=${q}: ${got} vs ${exact}`);
    }
  });

  it('merges into the same sketch as adding both samples to one', () => {
    const rand = prng(3);
    const a = new Sketch();
    const b = new Sketch();
    const both = new Sketch();
    for (let i = 0; i < 3000; i++) {
      const v = rand() * 1000;
      (i % 3 === 0 ? a : b).add(v);
      both.add(v);
    }
    a.merge(b);
    assert.equal(a.total, both.total);
    for (const q of [0, 0.3, 0.5, 0.77, 1]) assert.equal(a.quantile(q), both.quantile(q));
  });

  it('round-trips through its encoding, fractional counts and the zero bucket included', () => {
    const s = new Sketch();
    s.add(0, 3);
    s.add(1e-12);
    s.add(5, 0.5);
    s.add(1e100, 2);
    s.add(2 ** 300);
    const w = new ByteWriter(16);
    s.encode(w);
    const back = Sketch.decode(new ByteReader(w.toBuffer()));
    assert.equal(back.total, s.total);
    assert.equal(back.zeroCount, 4);
    for (const q of [0, 0.5, 0.7, 1]) assert.equal(back.quantile(q), s.quantile(q));
  });
});

describe('Statistics', () => {
  function agg(values: number[]): StatAgg {
    const a = new StatAgg();
    for (const v of values) a.addValue(v, 1, true);
    return a;
  }
  const stat = (a: StatAgg, name: string): number | undefined => statisticValue(a, parseStatistic(name)!);

  it('computes the basic statistics exactly', () => {
    const a = agg([1, 2, 3, 10]);
    assert.deepEqual(
      ['SampleCount', 'Sum', 'Average', 'Minimum', 'Maximum'].map((n) => stat(a, n)),
      [4, 16, 4, 1, 10],
    );
  });

  it('gives exact percentiles for a single value, identical values, p0 and p100', () => {
    assert.equal(stat(agg([42.5]), 'p99'), 42.5);
    assert.equal(stat(agg([7, 7, 7, 7]), 'p50'), 7);
    const a = agg([3, 1, 4, 1, 5, 9, 2, 6]);
    assert.equal(stat(a, 'p0'), 1);
    assert.equal(stat(a, 'p100'), 9);
  });

  it('keeps percentiles for a statistic set that describes one value and drops them otherwise, as PutMetricData documents', () => {
    const single = new StatAgg();
    single.addSet(4, 20, 5, 5);
    assert.equal(stat(single, 'p90'), 5);
    const mixed = new StatAgg();
    mixed.addSet(4, 20, 1, 9);
    assert.equal(stat(mixed, 'p90'), undefined);
    assert.equal(stat(mixed, 'Average'), 5);
  });

  it('has no percentiles once a negative value arrives', () => {
    const a = agg([1, 2, -3]);
    assert.equal(stat(a, 'p50'), undefined);
    assert.equal(stat(a, 'Minimum'), -3);
  });

  it('parses the extended statistic forms and rejects malformed ones', () => {
    assert.deepEqual(parseStatistic('p99.9'), { kind: 'percentile', p: 99.9 });
    assert.deepEqual(parseStatistic('tm90'), { kind: 'trimmed', fn: 'tm', lo: undefined, hi: 90, percent: true });
    assert.deepEqual(parseStatistic('tm(10%:90%)'), { kind: 'trimmed', fn: 'tm', lo: 10, hi: 90, percent: true });
    assert.deepEqual(parseStatistic('TS(150:1000)'), { kind: 'trimmed', fn: 'ts', lo: 150, hi: 1000, percent: false });
    assert.deepEqual(parseStatistic('PR(:300)'), { kind: 'rank', lo: undefined, hi: 300 });
    assert.deepEqual(parseStatistic('IQM'), { kind: 'trimmed', fn: 'tm', lo: 25, hi: 75, percent: true });
    for (const bad of ['p101', 'p', 'avg', 'tm(90%:10%)', 'tm(10%:900)', 'PR(10%:20%)', 'tm0']) assert.equal(parseStatistic(bad), null, bad);
  });

  it('computes trimmed mean, count, sum, winsorized mean and percentile rank within the sketch accuracy', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    const a = agg(values);
    const near = (got: number | undefined, want: number, tol = 0.02): void =>
      assert.ok(got !== undefined && Math.abs(got - want) <= tol * Math.abs(want), `${got} vs ${want}`);
    near(stat(a, 'tm(10%:90%)'), 50.5); // 11..90
    near(stat(a, 'tc(10%:90%)'), 80);
    near(stat(a, 'ts(10%:90%)'), 4040);
    near(stat(a, 'IQM'), 50.5);
    near(stat(a, 'wm(10%:90%)'), 50.5);
    near(stat(a, 'PR(:50)'), 50, 0.05);
    near(stat(a, 'tm90'), 45.5); // 1..90
  });
});
