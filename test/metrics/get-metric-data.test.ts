import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { MetricStore } from '../../src/metrics/store/store.ts';
import { putMetricData } from '../../src/metrics/metric-data.ts';
import { type MetricDataQueryInput, getMetricData } from '../../src/metrics/get-metric-data.ts';
import { MetricsError } from '../../src/metrics/errors.ts';
import { HOUR, MINUTE, T0, clockAt } from './helpers.ts';
import type { ManualClock } from '../../src/core/index.ts';

const stores: MetricStore[] = [];
afterEach(async () => {
  while (stores.length) await stores.pop()!.close();
});

/** A store whose metric `name` has the given per-minute values from T0 (null = no datapoint that minute). */
async function withSeries(series: Record<string, Array<number | null>>): Promise<{ store: MetricStore; clock: ManualClock }> {
  const clock = clockAt(T0 + HOUR);
  const store = await MetricStore.open({ clock });
  stores.push(store);
  for (const [name, values] of Object.entries(series)) {
    values.forEach((v, i) => {
      if (v !== null) putMetricData(store, clock.now(), 'Test', [{ metricName: name, timestampMs: T0 + i * MINUTE, value: v }]);
    });
  }
  return { store, clock };
}

function metric(id: string, name: string, stat = 'Sum', extra: Partial<MetricDataQueryInput> = {}): MetricDataQueryInput {
  return { id, metricStat: { metric: { namespace: 'Test', metricName: name, dimensions: [] }, periodSec: 60, stat }, returnData: false, ...extra };
}

function expr(id: string, expression: string, extra: Partial<MetricDataQueryInput> = {}): MetricDataQueryInput {
  return { id, expression, ...extra };
}

/** Values per minute index (null where the result has no datapoint) of the result with `id`. */
async function run(store: MetricStore, clock: ManualClock, queries: MetricDataQueryInput[], minutes: number, id = 'e'): Promise<Array<number | null>> {
  const out = await getMetricData(store, clock.now(), { queries, startTimeMs: T0, endTimeMs: T0 + minutes * MINUTE, scanBy: 'TimestampAscending' });
  const r = out.results.find((x) => x.id === id)!;
  const byMinute: Array<number | null> = new Array(minutes).fill(null);
  r.timestampsMs.forEach((t, i) => {
    byMinute[(t - T0) / MINUTE] = r.values[i]!;
  });
  return byMinute;
}

describe('GetMetricData: MetricStat', () => {
  it('returns each metric newest first by default, with its metric name as label', async () => {
    const { store, clock } = await withSeries({ requests: [1, 2, 3] });
    const out = await getMetricData(store, clock.now(), {
      queries: [metric('m1', 'requests', 'Sum', { returnData: true })],
      startTimeMs: T0,
      endTimeMs: T0 + 3 * MINUTE,
    });
    assert.deepEqual(out.results, [
      { id: 'm1', label: 'requests', timestampsMs: [T0 + 2 * MINUTE, T0 + MINUTE, T0], values: [3, 2, 1], statusCode: 'Complete', messages: [] },
    ]);
  });

  it('fills dynamic labels from the metric and its values', async () => {
    const { store, clock } = await withSeries({ requests: [1, 5, 3] });
    const q = metric('m1', 'requests', 'Maximum', { returnData: true, label: "${PROP('MetricName')} ${PROP('Stat')} max ${MAX} over ${DATAPOINT_COUNT}" });
    const out = await getMetricData(store, clock.now(), { queries: [q], startTimeMs: T0, endTimeMs: T0 + 3 * MINUTE });
    assert.equal(out.results[0]!.label, 'requests Maximum max 5 over 3');
  });

  it('pages with MaxDatapoints and NextToken, marking cut results PartialData', async () => {
    const { store, clock } = await withSeries({ a: [1, 2, 3, 4, 5], b: [10, 20, 30] });
    const input = {
      queries: [metric('m1', 'a', 'Sum', { returnData: true }), metric('m2', 'b', 'Sum', { returnData: true })],
      startTimeMs: T0,
      endTimeMs: T0 + 5 * MINUTE,
      scanBy: 'TimestampAscending' as const,
      maxDatapoints: 3,
    };
    const seen: Array<[string, number[], string]> = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await getMetricData(store, clock.now(), { ...input, nextToken: token });
      for (const r of out.results) if (r.values.length) seen.push([r.id, r.values, r.statusCode]);
      token = out.nextToken;
      pages++;
    } while (token && pages < 10);
    assert.deepEqual(seen, [
      ['m1', [1, 2, 3], 'PartialData'],
      ['m1', [4, 5], 'Complete'],
      ['m2', [10], 'PartialData'],
      ['m2', [20, 30], 'Complete'],
    ]);
  });
});

describe('GetMetricData: metric math (the User Guide examples)', () => {
  it('compares and combines series as the comparison-operator table shows', async () => {
    const { store, clock } = await withSeries({ metric1: [30, 20, 0, 0], metric2: [20, null, 20, null] });
    const base = [metric('metric1', 'metric1'), metric('metric2', 'metric2')];
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'metric1 < metric2')], 4), [0, 0, 1, 0]);
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'metric1 >= 30')], 4), [1, 0, 0, 0]);
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'metric1 > 15 AND metric2 > 15')], 4), [1, 0, 0, 0]);
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'metric1 > 15 && metric2 > 15 || metric1 == 0')], 4), [1, 0, 1, 1]);
  });

  it('evaluates IF(metric1, metric2, metric3) and its scalar forms as the IF tables show', async () => {
    const { store, clock } = await withSeries({ metric1: [1, 1, 0, 0, null], metric2: [30, null, 0, 0, 30], metric3: [0, 0, 20, null, 20] });
    const base = [metric('metric1', 'metric1'), metric('metric2', 'metric2'), metric('metric3', 'metric3')];
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'IF(metric1, metric2, metric3)')], 5), [30, 0, 20, null, null]);
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'IF(metric1, 5, metric3)')], 5), [5, 5, 20, null, null]);
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'IF(metric1, metric2, 5)')], 5), [30, 0, 5, 5, null]);
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'IF(metric3 < 10, 1, 2)')], 5), [1, 1, 2, null, 2]);
  });

  it('treats a value missing on one side as 0 in arithmetic and drops points that divide by zero', async () => {
    const { store, clock } = await withSeries({ a: [4, 6, null, 8], b: [2, null, 3, 0] });
    const base = [metric('a', 'a'), metric('b', 'b')];
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'a + b')], 4), [6, 6, 3, 8]);
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'a / b')], 4), [2, null, 0, null]);
    assert.deepEqual(await run(store, clock, [...base, expr('e', '-a * 2 + 100 / 4 - 2 ^ 3')], 4), [9, 5, null, 1]);
  });

  it('fills gaps with a value, REPEAT, LINEAR or another series', async () => {
    const { store, clock } = await withSeries({ a: [null, 2, null, null, 8, null], b: [9, 9, 9, 9, 9, 9] });
    const base = [metric('a', 'a'), metric('b', 'b')];
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'FILL(a, 0)')], 6), [0, 2, 0, 0, 8, 0]);
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'FILL(a, REPEAT)')], 6), [null, 2, 2, 2, 8, 8]);
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'FILL(a, LINEAR)')], 6), [null, 2, 4, 6, 8, null]);
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'FILL(a, b)')], 6), [9, 2, 9, 9, 8, 9]);
  });

  it('computes RATE, DIFF, RUNNING_SUM and the scalar reducers', async () => {
    const { store, clock } = await withSeries({ a: [60, 120, 300, 300] });
    const base = [metric('a', 'a')];
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'RATE(a)')], 4), [null, 1, 3, 0]);
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'DIFF(a)')], 4), [null, 60, 180, 0]);
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'RUNNING_SUM(a)')], 4), [60, 180, 480, 780]);
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'a - AVG(a)')], 4), [-135, -75, 105, 105]);
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'a / MAX(a) * 100')], 4), [20, 40, 100, 100]);
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'TIME_SERIES(DATAPOINT_COUNT(a) + PERIOD(a))')], 4), [64, 64, 64, 64]);
  });

  it('works over METRICS(), METRICS("filter"), arrays, SORT and SLICE', async () => {
    const { store, clock } = await withSeries({ errors4xx: [1, 2], errors5xx: [10, 20], requests: [100, 200] });
    const base = [metric('errors4xx', 'errors4xx'), metric('errors5xx', 'errors5xx'), metric('requests', 'requests')];
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'SUM(METRICS())')], 2), [111, 222]);
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'SUM(METRICS("errors")) / requests * 100')], 2), [11, 11]);
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'AVG([errors4xx, errors5xx])')], 2), [5.5, 11]);
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'FIRST(SORT(METRICS(), SUM, DESC))')], 2), [100, 200]);
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'LAST(SLICE(SORT(METRICS(), MAX, ASC), 0, 2))')], 2), [10, 20]);
    assert.deepEqual(await run(store, clock, [...base, expr('e', 'METRIC_COUNT(METRICS()) * TIME_SERIES(1)')], 2), [3, 3]);
    const out = await getMetricData(store, clock.now(), {
      queries: [...base, expr('e', 'METRICS("errors") * 2', { label: 'Doubled' })],
      startTimeMs: T0,
      endTimeMs: T0 + 2 * MINUTE,
    });
    assert.deepEqual(
      out.results.map((r) => [r.id, r.label, r.values]),
      [
        ['e', 'Doubled errors4xx', [4, 2]],
        ['e', 'Doubled errors5xx', [40, 20]],
      ],
    );
  });

  it('uses expressions of other expressions and the time functions', async () => {
    const { store, clock } = await withSeries({ a: [1, 2, 3] });
    const qs = [metric('a', 'a'), expr('e1', 'a * 10', { returnData: false }), expr('e', 'e1 + MINUTE(a) + HOUR(a) * 100 + DAY(a) * 10000')];
    // 2021-01-31 was a Sunday (DAY = 7), 14:00 UTC.
    assert.deepEqual(await run(store, clock, qs, 3), [10 + 0 + 1400 + 70000, 20 + 1 + 1400 + 70000, 30 + 2 + 1400 + 70000]);
  });

  it('reports bad requests as ValidationError with AWS-style texts, one per line', async () => {
    const { store, clock } = await withSeries({ a: [1] });
    const call = (queries: MetricDataQueryInput[]) => getMetricData(store, clock.now(), { queries, startTimeMs: T0, endTimeMs: T0 + MINUTE });
    const check = (queries: MetricDataQueryInput[], message: string) =>
      assert.rejects(call(queries), (e: unknown) => e instanceof MetricsError && e.code === 'ValidationError' && e.message === message);
    await check([{ id: 'x' }], 'The parameter MetricDataQueries.member.1.MetricStat is required.\n');
    await check(
      [metric('Bad', 'a', 'Avg'), metric('b1', 'a', 'p50')],
      'The value Bad for parameter MetricDataQueries.member.1.Id is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$.\nThe value Avg for parameter MetricDataQueries.member.1.MetricStat.Stat is not a valid statistic.\n',
    );
    await check([metric('a', 'a'), expr('e', 'a +')], 'Error in expression e: Syntax error at column 4: expected a value but found end of expression.\n');
    await check([metric('a', 'a'), expr('e', 'a + m9')], "Error in expression e: Unrecognized metric or expression id 'm9'.\n");
    await check([metric('a', 'a'), expr('e', 'FOO(a)')], 'Error in expression e: Unrecognized function FOO.\n');
    await check(
      [metric('a', 'a'), expr('e', 'AVG(a)')],
      'Error in expression e: the expression must return a time series or an array of time series, not a scalar.\n',
    );
    await check([expr('e', 'f + 1'), expr('f', 'e * 2')], 'Error in expression e: it depends on itself through the expressions it uses.\n');
  });
});

describe('GetMetricData: SEARCH expressions', () => {
  it('tokenizes and matches partially as the User Guide describes', async () => {
    const { tokensOf, partialMatch } = await import('../../src/metrics/math/search.ts');
    assert.deepEqual(tokensOf('CustomCount1'), ['Custom', 'Count', '1']);
    assert.deepEqual(tokensOf('SDBFailure'), ['SDB', 'Failure']);
    assert.deepEqual(tokensOf('Project2-trial333'), ['Project', '2', 'trial', '333']);
    for (const term of ['count', 'Count', 'COUNT', 'CustomCount', 'Count1']) assert.ok(partialMatch(term, 'CustomCount1'), term);
    for (const term of ['couNT', 'customcount', 'count1']) assert.ok(!partialMatch(term, 'CustomCount1'), term);
    for (const term of ['network/errors', 'network+errors', 'network-errors', 'Network_Errors']) {
      assert.ok(partialMatch(term, 'Network-Errors-2'), term);
      assert.ok(partialMatch(term, 'NetworkErrors2'), term);
    }
    assert.ok(partialMatch('sdbfailure', 'SDBFailure'));
  });

  it('finds metrics by schema, property, exact and partial terms with AND, OR, NOT', async () => {
    const clock = clockAt(T0 + HOUR);
    const store = await MetricStore.open({ clock });
    stores.push(store);
    const put = (ns: string, name: string, dims: Array<[string, string]>, v: number) =>
      putMetricData(store, clock.now(), ns, [{ metricName: name, dimensions: dims.map(([n, x]) => ({ name: n, value: x })), timestampMs: T0, value: v }]);
    put('Lambda', 'Errors', [['FunctionName', 'ProjectA-ingest']], 1);
    put('Lambda', 'Errors', [['FunctionName', 'ProjectB-ingest']], 2);
    put('Lambda', 'Invocations', [['FunctionName', 'ProjectA-ingest']], 10);
    put('Lambda', 'Invocations', [['FunctionName', 'other']], 20);
    put(
      'Lambda',
      'Errors',
      [
        ['FunctionName', 'x'],
        ['Resource', 'y'],
      ],
      100,
    );
    const search = async (expression: string): Promise<Array<[string, number]>> => {
      const out = await getMetricData(store, clock.now(), { queries: [{ id: 'e', expression }], startTimeMs: T0, endTimeMs: T0 + MINUTE });
      return out.results.map((r) => [r.label, r.values[0]!] as [string, number]).sort();
    };
    assert.deepEqual(await search(`SEARCH(' {Lambda,FunctionName} MetricName="Errors" ', 'Sum', 60)`), [
      ['ProjectA-ingest', 1],
      ['ProjectB-ingest', 2],
    ]);
    assert.deepEqual(
      await search(`SEARCH(' {Lambda,FunctionName} MetricName="Errors" OR (MetricName="Invocations" AND (ProjectA OR ProjectB)) ', 'Sum', 60)`),
      [
        ['ProjectA-ingest Errors', 1],
        ['ProjectA-ingest Invocations', 10],
        ['ProjectB-ingest Errors', 2],
      ],
    );
    assert.deepEqual(await search(`SEARCH(' {Lambda,FunctionName} Invocations NOT "other" ', 'Sum', 60)`), [['ProjectA-ingest', 10]]);
    assert.deepEqual(await search(`SEARCH(' FunctionName=project MetricName=Invocations ', 'Sum', 60)`), [['ProjectA-ingest', 10]]);
    const sum = await getMetricData(store, clock.now(), {
      queries: [
        { id: 'e1', expression: `SEARCH(' {Lambda,FunctionName} MetricName="Errors" ', 'Sum', 60)`, returnData: false },
        { id: 'total', expression: 'SUM(e1)' },
      ],
      startTimeMs: T0,
      endTimeMs: T0 + MINUTE,
    });
    assert.deepEqual(
      sum.results.map((r) => [r.id, r.values]),
      [['total', [3]]],
    );
    await assert.rejects(
      getMetricData(store, clock.now(), { queries: [{ id: 'e', expression: `SEARCH(' {Lambda ', 'Sum', 60)` }], startTimeMs: T0, endTimeMs: T0 + MINUTE }),
      (e: unknown) => e instanceof MetricsError && e.message === 'Error in expression e: The metric schema has no closing }.\n',
    );
  });
});
