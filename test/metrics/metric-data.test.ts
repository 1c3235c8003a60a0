import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { MetricStore } from '../../src/metrics/store/store.ts';
import { getMetricStatistics, listMetrics, putMetricData } from '../../src/metrics/metric-data.ts';
import { MetricsError } from '../../src/metrics/errors.ts';
import { DAY, HOUR, MINUTE, T0, clockAt } from './helpers.ts';
import type { ManualClock } from '../../src/core/index.ts';

const stores: MetricStore[] = [];
afterEach(async () => {
  while (stores.length) await stores.pop()!.close();
});

async function setup(nowMs = T0 + HOUR): Promise<{ store: MetricStore; clock: ManualClock }> {
  const clock = clockAt(nowMs);
  const store = await MetricStore.open({ clock });
  stores.push(store);
  return { store, clock };
}

function rejects(fn: () => unknown, code: string, message: string): Promise<void> {
  return assert.rejects(
    async () => fn(),
    (e: unknown) => {
      assert.ok(e instanceof MetricsError, String(e));
      assert.equal(e.code, code);
      assert.equal(e.message, message);
      return true;
    },
  );
}

const dims = [{ name: 'Host', value: 'a' }];

describe('PutMetricData → GetMetricStatistics', () => {
  it('returns exact statistics for values, statistic sets and Values/Counts in the same period', async () => {
    const { store, clock } = await setup();
    putMetricData(store, clock.now(), 'App', [
      { metricName: 'Latency', dimensions: dims, timestampMs: T0 + 5_000, value: 10, unit: 'Milliseconds' },
      {
        metricName: 'Latency',
        dimensions: dims,
        timestampMs: T0 + 15_000,
        statisticValues: { sampleCount: 4, sum: 100, minimum: 5, maximum: 40 },
        unit: 'Milliseconds',
      },
      { metricName: 'Latency', dimensions: dims, timestampMs: T0 + 25_000, values: [1, 2], counts: [3, 1], unit: 'Milliseconds' },
    ]);
    const r = await getMetricStatistics(store, clock.now(), {
      namespace: 'App',
      metricName: 'Latency',
      dimensions: dims,
      startTimeMs: T0,
      endTimeMs: T0 + 2 * MINUTE,
      periodSec: 60,
      statistics: ['SampleCount', 'Sum', 'Average', 'Minimum', 'Maximum'],
    });
    assert.equal(r.label, 'Latency');
    assert.deepEqual(r.datapoints, [
      { timestampMs: T0, unit: 'Milliseconds', statistics: { SampleCount: 9, Sum: 115, Average: 115 / 9, Minimum: 1, Maximum: 40 } },
    ]);
  });

  it('answers each unit separately without a Unit and only the asked unit with one', async () => {
    const { store, clock } = await setup();
    putMetricData(store, clock.now(), 'App', [
      { metricName: 'Size', timestampMs: T0, value: 1, unit: 'Bytes' },
      { metricName: 'Size', timestampMs: T0, value: 2, unit: 'Kilobytes' },
    ]);
    const base = { namespace: 'App', metricName: 'Size', dimensions: [], startTimeMs: T0, endTimeMs: T0 + MINUTE, periodSec: 60, statistics: ['Sum'] };
    const all = await getMetricStatistics(store, clock.now(), base);
    assert.deepEqual(all.datapoints.map((d) => [d.unit, d.statistics.Sum]).sort(), [
      ['Bytes', 1],
      ['Kilobytes', 2],
    ]);
    const kb = await getMetricStatistics(store, clock.now(), { ...base, unit: 'Kilobytes' });
    assert.deepEqual(
      kb.datapoints.map((d) => d.statistics.Sum),
      [2],
    );
    const none = await getMetricStatistics(store, clock.now(), { ...base, unit: 'Percent' });
    assert.deepEqual(none.datapoints, []);
  });

  it('rounds StartTime down to the minute and gives one datapoint per period, timestamped at the period start', async () => {
    const { store, clock } = await setup();
    for (let m = 0; m < 10; m++) putMetricData(store, clock.now(), 'App', [{ metricName: 'Hits', timestampMs: T0 + m * MINUTE + 30_000, value: m }]);
    const r = await getMetricStatistics(store, clock.now(), {
      namespace: 'App',
      metricName: 'Hits',
      dimensions: [],
      startTimeMs: T0 + 2 * MINUTE + 34_000, // 14:02:34 → 14:02:00
      endTimeMs: T0 + 8 * MINUTE,
      periodSec: 180,
      statistics: ['Sum', 'SampleCount'],
    });
    assert.deepEqual(
      r.datapoints.map((d) => [new Date(d.timestampMs).toISOString().slice(11, 19), d.statistics.Sum, d.statistics.SampleCount]),
      [
        ['14:02:00', 2 + 3 + 4, 3],
        ['14:05:00', 5 + 6 + 7, 3],
      ],
    );
  });

  it('reads percentiles as ExtendedStatistics', async () => {
    const { store, clock } = await setup();
    putMetricData(store, clock.now(), 'App', [{ metricName: 'Lat', timestampMs: T0, values: Array.from({ length: 100 }, (_, i) => i + 1) }]);
    const r = await getMetricStatistics(store, clock.now(), {
      namespace: 'App',
      metricName: 'Lat',
      dimensions: [],
      startTimeMs: T0,
      endTimeMs: T0 + MINUTE,
      periodSec: 60,
      extendedStatistics: ['p50', 'p99', 'p100'],
    });
    const ext = r.datapoints[0]!.extendedStatistics!;
    assert.ok(Math.abs(ext.p50! - 50) <= 0.51, String(ext.p50));
    assert.ok(Math.abs(ext.p99! - 99) <= 1, String(ext.p99));
    assert.equal(ext.p100, 100);
  });

  it('merges the distributions of the cells a period spans for its percentiles', async () => {
    const { store, clock } = await setup();
    for (let m = 0; m < 5; m++)
      putMetricData(store, clock.now(), 'App', [
        { metricName: 'Lat', timestampMs: T0 + m * MINUTE, values: Array.from({ length: 20 }, (_, i) => m * 20 + i + 1) },
      ]);
    const q = (periodSec: number) =>
      getMetricStatistics(store, clock.now(), {
        namespace: 'App',
        metricName: 'Lat',
        dimensions: [],
        startTimeMs: T0,
        endTimeMs: T0 + 5 * MINUTE,
        periodSec,
        extendedStatistics: ['p50', 'p90'],
      });
    const five = (await q(300)).datapoints[0]!.extendedStatistics!;
    assert.ok(Math.abs(five.p50! - 50.5) <= 1, String(five.p50)); // 1..100 → rank 49.5
    assert.ok(Math.abs(five.p90! - 90) <= 1, String(five.p90));
    const perMinute = (await q(60)).datapoints.map((d) => d.extendedStatistics!.p50!);
    perMinute.forEach((p50, m) => assert.ok(Math.abs(p50 - (m * 20 + 10.5)) <= 1.5, `minute ${m}: ${p50}`));
  });

  it('serves 1-second periods for high-resolution data within 3 hours', async () => {
    const { store, clock } = await setup(T0 + MINUTE);
    for (let s = 0; s < 20; s++) putMetricData(store, clock.now(), 'App', [{ metricName: 'Fast', timestampMs: T0 + s * 1000, value: s, storageResolution: 1 }]);
    const r = await getMetricStatistics(store, clock.now(), {
      namespace: 'App',
      metricName: 'Fast',
      dimensions: [],
      startTimeMs: T0 + 3000,
      endTimeMs: T0 + 20_000,
      periodSec: 10,
      statistics: ['Sum'],
    });
    assert.deepEqual(
      r.datapoints.map((d) => [(d.timestampMs - T0) / 1000, d.statistics.Sum]),
      [
        [0, 0 + 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9], // StartTime 14:00:03 rounds down to the 10-second division
        [10, 10 + 11 + 12 + 13 + 14 + 15 + 16 + 17 + 18 + 19],
      ],
    );
  });

  it('answers old ranges only at the resolution CloudWatch keeps for their age', async () => {
    const { store, clock } = await setup(T0);
    putMetricData(store, clock.now(), 'App', [{ metricName: 'Old', timestampMs: T0 - 60_000, value: 4 }]);
    clock.advance(20 * DAY);
    const q = (periodSec: number) =>
      getMetricStatistics(store, clock.now(), {
        namespace: 'App',
        metricName: 'Old',
        dimensions: [],
        startTimeMs: T0 - HOUR,
        endTimeMs: T0 + HOUR,
        periodSec,
        statistics: ['Sum'],
      });
    assert.deepEqual((await q(60)).datapoints, [], '1-minute periods are gone after 15 days');
    assert.deepEqual(
      (await q(300)).datapoints.map((d) => [d.timestampMs, d.statistics.Sum]),
      [[T0 - 5 * MINUTE, 4]],
    );
  });

  it("refuses requests the way CloudWatch does, with CloudWatch's texts", async () => {
    const { store, clock } = await setup();
    const base = { namespace: 'App', metricName: 'X', dimensions: [], startTimeMs: T0, endTimeMs: T0 + HOUR, periodSec: 60, statistics: ['Sum'] };
    await rejects(
      () => getMetricStatistics(store, clock.now(), { ...base, endTimeMs: T0 }),
      'InvalidParameterValue',
      'The parameter StartTime must be less than the parameter EndTime.',
    );
    await rejects(
      () => getMetricStatistics(store, clock.now(), { ...base, endTimeMs: T0 + 2 * DAY }),
      'InvalidParameterCombination',
      'You have requested up to 2880 datapoints, which exceeds the limit of 1440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.',
    );
    await rejects(
      () => getMetricStatistics(store, clock.now(), { ...base, statistics: [] }),
      'InvalidParameterCombination',
      'Must specify either Statistics or ExtendedStatistics.',
    );
    await rejects(
      () => getMetricStatistics(store, clock.now(), { ...base, extendedStatistics: ['p1'] }),
      'InvalidParameterCombination',
      'Must specify either Statistics or ExtendedStatistics, but not both.',
    );
    await rejects(
      () => getMetricStatistics(store, clock.now(), { ...base, statistics: undefined, extendedStatistics: ['p101'] }),
      'InvalidParameterValue',
      'The value p101 for parameter ExtendedStatistics is not supported.',
    );
    await rejects(
      () => getMetricStatistics(store, clock.now(), { ...base, periodSec: 45 }),
      'InvalidParameterValue',
      'The parameter Period must be a value in the set [ 1, 5, 10, 20, 30 ] or a multiple of 60.',
    );
  });

  it('rejects a request with a bad datum as a whole, with the datum named', async () => {
    const { store, clock } = await setup();
    const put =
      (d: Parameters<typeof putMetricData>[3], ns = 'App') =>
      () =>
        putMetricData(store, clock.now(), ns, d);
    await rejects(put([{ metricName: 'A', value: 1 }], 'AWS/Kinesis'), 'InvalidParameterValue', 'The value AWS/ for parameter Namespace is invalid.');
    await rejects(
      put([
        { metricName: 'A', value: 1 },
        { metricName: 'B', value: Number.NaN },
      ]),
      'InvalidParameterValue',
      'The value NaN for parameter MetricData.member.2.Value is invalid.',
    );
    await rejects(
      put([{ metricName: 'A', value: 1, statisticValues: { sampleCount: 1, sum: 1, minimum: 1, maximum: 1 } }]),
      'InvalidParameterCombination',
      'The parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues are mutually exclusive and you have specified both.',
    );
    await rejects(
      put([{ metricName: 'A', timestampMs: clock.now() - 15 * DAY, value: 1 }]),
      'InvalidParameterValue',
      'The parameter MetricData.member.1.Timestamp must specify a time within the past two weeks.',
    );
    await rejects(
      put([{ metricName: 'A', statisticValues: { sampleCount: 2, sum: 3, minimum: 5, maximum: 1 } }]),
      'InvalidParameterValue',
      'The parameter MetricData.member.1.StatisticValues.Maximum must be greater than MetricData.member.1.StatisticValues.Minimum.',
    );
    assert.equal(store.catalog.size, 0, 'nothing of a refused request was stored');
  });
});

describe('ListMetrics', () => {
  it('filters by namespace, name and dimensions (a filter without a value matches any value), sorted', async () => {
    const { store, clock } = await setup();
    putMetricData(store, clock.now(), 'App', [
      { metricName: 'B', dimensions: [{ name: 'Host', value: 'x' }], value: 1 },
      {
        metricName: 'A',
        dimensions: [
          { name: 'Host', value: 'y' },
          { name: 'Az', value: '1' },
        ],
        value: 1,
      },
      { metricName: 'A', value: 1 },
    ]);
    putMetricData(store, clock.now(), 'Other', [{ metricName: 'A', value: 1 }]);
    const names = (r: ReturnType<typeof listMetrics>) =>
      r.metrics.map((m) => `${m.namespace}/${m.metricName}/${m.dimensions.map((d) => `${d.name}=${d.value}`).join(',')}`);
    assert.deepEqual(names(listMetrics(store, clock.now(), { namespace: 'App' })), ['App/A/', 'App/A/Az=1,Host=y', 'App/B/Host=x']);
    assert.deepEqual(names(listMetrics(store, clock.now(), { metricName: 'A' })), ['App/A/', 'App/A/Az=1,Host=y', 'Other/A/']);
    assert.deepEqual(names(listMetrics(store, clock.now(), { dimensions: [{ name: 'Host' }] })), ['App/A/Az=1,Host=y', 'App/B/Host=x']);
    assert.deepEqual(names(listMetrics(store, clock.now(), { dimensions: [{ name: 'Host', value: 'x' }] })), ['App/B/Host=x']);
  });

  it('lists metrics with data in the last two weeks, or three hours with RecentlyActive PT3H', async () => {
    const { store, clock } = await setup();
    putMetricData(store, clock.now(), 'App', [{ metricName: 'Early', value: 1 }]);
    clock.advance(4 * HOUR);
    putMetricData(store, clock.now(), 'App', [{ metricName: 'Late', value: 1 }]);
    assert.equal(listMetrics(store, clock.now(), {}).metrics.length, 2);
    assert.deepEqual(
      listMetrics(store, clock.now(), { recentlyActive: 'PT3H' }).metrics.map((m) => m.metricName),
      ['Late'],
    );
    clock.advance(15 * DAY);
    assert.equal(listMetrics(store, clock.now(), {}).metrics.length, 0);
  });

  it('pages 500 metrics at a time with NextToken', async () => {
    const { store, clock } = await setup();
    putMetricData(
      store,
      clock.now(),
      'App',
      Array.from({ length: 900 }, (_, i) => ({ metricName: `m${String(i).padStart(4, '0')}`, value: i })),
    );
    const first = listMetrics(store, clock.now(), {});
    assert.equal(first.metrics.length, 500);
    assert.ok(first.nextToken);
    const second = listMetrics(store, clock.now(), { nextToken: first.nextToken });
    assert.equal(second.metrics.length, 400);
    assert.equal(second.nextToken, undefined);
    assert.equal(new Set([...first.metrics, ...second.metrics].map((m) => m.metricName)).size, 900);
  });
});
