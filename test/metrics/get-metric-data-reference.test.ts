import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { MetricStore } from '../../src/metrics/store/store.ts';
import { putMetricData } from '../../src/metrics/metric-data.ts';
import { type GetMetricDataOutput, type MetricDataQueryInput, getMetricData } from '../../src/metrics/get-metric-data.ts';
import { HOUR, MINUTE, T0, clockAt, prng } from './helpers.ts';

/**
 * GetMetricData's fast paths (dense column copies, shared timestamp columns,
 * dense-grid reducers) checked against a straightforward reference computed
 * from the raw datapoints on random data: dense series, series with gaps,
 * several datapoints a minute, an empty series, periods of 1 and 5 minutes,
 * a start inside a minute and data crossing a block boundary (18:00 UTC).
 * Values are integers, so every sum is exact and results must be equal, not close.
 */

const stores: MetricStore[] = [];
afterEach(async () => {
  while (stores.length) await stores.pop()!.close();
});

interface Point {
  sec: number;
  value: number;
}

const SERIES = 12;
const MINUTES = 300; // 14:00 to 19:00, across the 1-minute tier's block boundary at 18:00
const STATS = ['Sum', 'Average', 'Minimum', 'Maximum', 'SampleCount'] as const;

function randomData(seed: number): Point[][] {
  const rnd = prng(seed);
  const all: Point[][] = [];
  for (let s = 0; s < SERIES; s++) {
    const points: Point[] = [];
    // Series 0–5 dense, 6–10 with gaps (s × 7 % of the minutes missing), 11 empty.
    const missing = s < 6 ? 0 : s === 11 ? 1 : (s * 7) / 100;
    for (let m = 0; m < MINUTES; m++) {
      if (rnd() < missing) continue;
      const k = s % 3 === 0 ? 1 + Math.floor(rnd() * 3) : 1;
      for (let j = 0; j < k; j++) points.push({ sec: (T0 + m * MINUTE) / 1000 + Math.floor(rnd() * 60), value: Math.floor(rnd() * 2000) - 500 });
    }
    all.push(points);
  }
  return all;
}

interface Agg {
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** Per period from startSec: the five statistics of the points whose minute starts in [startSec, endSec). */
function referenceBuckets(points: Point[], startSec: number, endSec: number, periodSec: number): Map<number, Agg> {
  const out = new Map<number, Agg>();
  for (const p of points) {
    const cellSec = Math.floor(p.sec / 60) * 60;
    if (cellSec < startSec || cellSec >= endSec) continue;
    const t = startSec + Math.floor((cellSec - startSec) / periodSec) * periodSec;
    const a = out.get(t);
    if (!a) out.set(t, { count: 1, sum: p.value, min: p.value, max: p.value });
    else {
      a.count++;
      a.sum += p.value;
      a.min = Math.min(a.min, p.value);
      a.max = Math.max(a.max, p.value);
    }
  }
  return out;
}

function statOf(a: Agg, stat: (typeof STATS)[number]): number {
  return stat === 'Sum' ? a.sum : stat === 'Average' ? a.sum / a.count : stat === 'Minimum' ? a.min : stat === 'Maximum' ? a.max : a.count;
}

/** Ascending [timestampMs, value] pairs of a result. */
function pairs(out: GetMetricDataOutput, id: string): Array<[number, number]> {
  const r = out.results.find((x) => x.id === id);
  assert.ok(r, `result ${id}`);
  return r.timestampsMs.map((t, i) => [t, r.values[i]!] as [number, number]).sort((a, b) => a[0] - b[0]);
}

async function storeWith(data: Point[][]): Promise<{ store: MetricStore; nowMs: number }> {
  const clock = clockAt(T0 + 6 * HOUR);
  const store = await MetricStore.open({ clock });
  stores.push(store);
  data.forEach((points, s) => {
    for (const p of points) putMetricData(store, clock.now(), 'Ref', [{ metricName: `m${s}`, timestampMs: p.sec * 1000, value: p.value }]);
  });
  return { store, nowMs: clock.now() };
}

describe('GetMetricData against a straightforward reference', () => {
  for (const periodSec of [60, 300]) {
    for (const stat of STATS) {
      it(`returns each series' ${stat} per ${periodSec} s period, and SUM/AVG/MIN/MAX(METRICS()) over them, as computed from the raw datapoints`, async () => {
        const data = randomData(periodSec * 7 + stat.length);
        const { store, nowMs } = await storeWith(data);
        // Start 7 min 13 s after T0 (rounded down to the minute), end 10 minutes before the data does.
        const startTimeMs = T0 + 7 * MINUTE + 13_000;
        const endTimeMs = T0 + (MINUTES - 10) * MINUTE;
        const startSec = Math.floor(startTimeMs / 60_000) * 60;
        const endSec = endTimeMs / 1000;
        const queries: MetricDataQueryInput[] = data.map((_, s) => ({
          id: `m${s}`,
          metricStat: { metric: { namespace: 'Ref', metricName: `m${s}`, dimensions: [] }, periodSec, stat },
        }));
        for (const fn of ['SUM', 'AVG', 'MIN', 'MAX']) queries.push({ id: fn.toLowerCase(), expression: `${fn}(METRICS())` });
        const out = await getMetricData(store, nowMs, { queries, startTimeMs, endTimeMs });

        const perSeries = data.map((points) => referenceBuckets(points, startSec, endSec, periodSec));
        const times = new Set<number>();
        perSeries.forEach((buckets, s) => {
          const expected = [...buckets].map(([t, a]) => [t * 1000, statOf(a, stat)] as [number, number]).sort((a, b) => a[0] - b[0]);
          assert.deepEqual(pairs(out, `m${s}`), expected, `m${s}`);
          for (const t of buckets.keys()) times.add(t);
        });
        assert.ok(times.size > 0 && perSeries[11]!.size === 0 && perSeries[0]!.size === times.size);
        for (const fn of ['sum', 'avg', 'min', 'max']) {
          const expected: Array<[number, number]> = [];
          for (const t of [...times].sort((a, b) => a - b)) {
            const present = perSeries.filter((b) => b.has(t)).map((b) => statOf(b.get(t)!, stat));
            let v: number;
            if (fn === 'sum') v = present.reduce((a, b) => a + b, 0);
            // AVG counts a series without a value at that time as 0 (User Guide: "Missing values are treated as 0").
            else if (fn === 'avg') v = present.reduce((a, b) => a + b, 0) / SERIES;
            else if (fn === 'min') v = Math.min(...present);
            else v = Math.max(...present);
            expected.push([t * 1000, v]);
          }
          assert.deepEqual(pairs(out, fn), expected, fn);
        }
      });
    }
  }

  it('pages through the same values with a small MaxDatapoints, newest first in each result, with other requests in between', async () => {
    const data = randomData(99);
    const { store, nowMs } = await storeWith(data);
    const queries: MetricDataQueryInput[] = data.map((_, s) => ({
      id: `m${s}`,
      metricStat: { metric: { namespace: 'Ref', metricName: `m${s}`, dimensions: [] }, periodSec: 60, stat: 'Maximum' },
    }));
    queries.push({ id: 'total', expression: 'SUM(METRICS())' });
    const input = { queries, startTimeMs: T0, endTimeMs: T0 + MINUTES * MINUTE };
    const whole = await getMetricData(store, nowMs, input);
    assert.equal(whole.nextToken, undefined);
    const paged = new Map<string, { t: number[]; v: number[] }>();
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const out = await getMetricData(store, nowMs, { ...input, maxDatapoints: 250, nextToken });
      // Other requests between the pages (their memory is reused from request to request) change nothing.
      const others = data.map((_, s) => ({
        id: `o${s}`,
        metricStat: { metric: { namespace: 'Ref', metricName: `m${SERIES - 1 - s}`, dimensions: [] }, periodSec: 60, stat: 'Minimum' },
      }));
      const other = await getMetricData(store, nowMs, { ...input, queries: others });
      assert.equal(other.results.length, SERIES);
      for (const r of out.results) {
        const acc = paged.get(r.id) ?? { t: [], v: [] };
        acc.t.push(...r.timestampsMs);
        acc.v.push(...r.values);
        paged.set(r.id, acc);
      }
      nextToken = out.nextToken;
      pages++;
    } while (nextToken !== undefined);
    assert.ok(pages > 10, `${pages} pages`);
    for (const r of whole.results) {
      assert.deepEqual(paged.get(r.id), { t: r.timestampsMs, v: r.values }, r.id);
      for (let i = 1; i < r.timestampsMs.length; i++) assert.ok(r.timestampsMs[i]! < r.timestampsMs[i - 1]!);
    }
  });
});
