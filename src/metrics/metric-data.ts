/**
 * PutMetricData, GetMetricStatistics and ListMetrics semantics
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html,
 * API_GetMetricStatistics.html, API_ListMetrics.html). Inputs are the decoded
 * requests in camelCase (the service's codec converts); model constraints
 * (lengths, enums, required members) are checked by the codec, the rules here
 * are the ones the model does not express, with CloudWatch's error texts where
 * they are known (docs/compatibility.md lists which are verified).
 */
import { MetricsError } from './errors.ts';
import { aggregate, alignStartSec, isValidPeriod, requestedDatapoints } from './query.ts';
import { StatAgg, type StatisticSpec, needsDistribution, parseStatistic } from './stats.ts';
import type { MetricStore } from './store/store.ts';
import { type Dimension, type SeriesInfo, metricKeyOf, sortDimensions } from './store/series.ts';

export const STANDARD_UNITS = [
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
] as const;

const MAX_ABS_VALUE = 2 ** 360;
const TWO_WEEKS_MS = 14 * 86_400_000;
const TWO_HOURS_MS = 2 * 3_600_000;
export const MAX_DATAPOINTS_PER_CALL = 1440;

export interface MetricRef {
  namespace: string;
  metricName: string;
  dimensions: readonly Dimension[];
}

export interface StatisticSetInput {
  sampleCount: number;
  sum: number;
  minimum: number;
  maximum: number;
}

export interface MetricDatumInput {
  metricName: string;
  dimensions?: readonly Dimension[];
  timestampMs?: number;
  value?: number;
  statisticValues?: StatisticSetInput;
  values?: readonly number[];
  counts?: readonly number[];
  unit?: string;
  storageResolution?: number;
}

function invalidValue(v: number, param: string): MetricsError {
  return new MetricsError('InvalidParameterValue', `The value ${Number.isNaN(v) ? 'NaN' : String(v)} for parameter ${param} is invalid.`);
}

function checkValue(v: number, param: string): void {
  if (!Number.isFinite(v) || Math.abs(v) > MAX_ABS_VALUE) throw invalidValue(v, param);
}

/** Validates a whole PutMetricData request, then records it: all datapoints or none. */
export function putMetricData(store: MetricStore, nowMs: number, namespace: string, data: readonly MetricDatumInput[]): void {
  if (namespace.startsWith('AWS/')) throw new MetricsError('InvalidParameterValue', 'The value AWS/ for parameter Namespace is invalid.');
  data.forEach((d, i) => validateDatum(d, `MetricData.member.${i + 1}`, nowMs));
  for (const d of data) recordDatum(store, nowMs, namespace, d);
}

function validateDatum(d: MetricDatumInput, p: string, nowMs: number): void {
  const given = (d.value !== undefined ? 1 : 0) + (d.statisticValues ? 1 : 0) + (d.values !== undefined ? 1 : 0);
  if (d.value !== undefined && d.statisticValues) {
    throw new MetricsError(
      'InvalidParameterCombination',
      `The parameters ${p}.Value and ${p}.StatisticValues are mutually exclusive and you have specified both.`,
    );
  }
  if (d.values !== undefined && (d.value !== undefined || d.statisticValues)) {
    throw new MetricsError(
      'InvalidParameterCombination',
      `The parameters ${p}.Values and ${p}.${d.value !== undefined ? 'Value' : 'StatisticValues'} are mutually exclusive and you have specified both.`,
    );
  }
  if (given === 0)
    throw new MetricsError('InvalidParameterCombination', `At least one of the parameters ${p}.Value, ${p}.StatisticValues or ${p}.Values must be specified.`);
  if (d.value !== undefined) checkValue(d.value, `${p}.Value`);
  if (d.statisticValues) {
    const s = d.statisticValues;
    checkValue(s.sampleCount, `${p}.StatisticValues.SampleCount`);
    checkValue(s.sum, `${p}.StatisticValues.Sum`);
    checkValue(s.minimum, `${p}.StatisticValues.Minimum`);
    checkValue(s.maximum, `${p}.StatisticValues.Maximum`);
    if (!(s.sampleCount > 0)) throw invalidValue(s.sampleCount, `${p}.StatisticValues.SampleCount`);
    if (s.maximum < s.minimum) {
      throw new MetricsError('InvalidParameterValue', `The parameter ${p}.StatisticValues.Maximum must be greater than ${p}.StatisticValues.Minimum.`);
    }
  }
  if (d.values !== undefined) {
    if (d.values.length > 150) throw new MetricsError('InvalidParameterValue', `The collection ${p}.Values must not have a size greater than 150.`);
    d.values.forEach((v, i) => checkValue(v, `${p}.Values.member.${i + 1}`));
    if (d.counts !== undefined) {
      if (d.counts.length !== d.values.length) {
        throw new MetricsError('InvalidParameterValue', `The parameters ${p}.Values and ${p}.Counts must be of the same size.`);
      }
      d.counts.forEach((c, i) => {
        checkValue(c, `${p}.Counts.member.${i + 1}`);
        if (c < 0) throw invalidValue(c, `${p}.Counts.member.${i + 1}`);
      });
    }
  } else if (d.counts !== undefined) {
    throw new MetricsError('InvalidParameterCombination', `The parameter ${p}.Counts requires ${p}.Values.`);
  }
  if (d.storageResolution !== undefined && d.storageResolution !== 1 && d.storageResolution !== 60) {
    throw new MetricsError(
      'InvalidParameterValue',
      `The value ${d.storageResolution} for parameter ${p}.StorageResolution is invalid. Valid values are 1 and 60.`,
    );
  }
  const names = new Set<string>();
  for (const dim of d.dimensions ?? []) {
    if (names.has(dim.name))
      throw new MetricsError('InvalidParameterValue', `The value ${dim.name} for parameter ${p}.Dimensions is invalid: a dimension name may appear only once.`);
    names.add(dim.name);
  }
  if (d.timestampMs !== undefined) {
    if (d.timestampMs < nowMs - TWO_WEEKS_MS)
      throw new MetricsError('InvalidParameterValue', `The parameter ${p}.Timestamp must specify a time within the past two weeks.`);
    if (d.timestampMs > nowMs + TWO_HOURS_MS) {
      throw new MetricsError('InvalidParameterValue', `The parameter ${p}.Timestamp must specify a time no more than two hours in the future.`);
    }
  }
}

const agg = new StatAgg();

function recordDatum(store: MetricStore, nowMs: number, namespace: string, d: MetricDatumInput): void {
  const series = store.series(namespace, d.metricName, d.dimensions ?? [], d.unit ?? 'None');
  const ts = d.timestampMs ?? nowMs;
  const highRes = d.storageResolution === 1;
  agg.reset();
  if (d.value !== undefined) agg.addValue(d.value, 1, true);
  else if (d.statisticValues) {
    const s = d.statisticValues;
    agg.addSet(s.sampleCount, s.sum, s.minimum, s.maximum);
  } else if (d.values) {
    d.values.forEach((v, i) => {
      const c = d.counts?.[i] ?? 1;
      if (c > 0) agg.addValue(v, c, true);
    });
  }
  if (agg.count > 0) store.record(series, ts, agg.count, agg.sum, agg.min, agg.max, agg.distribution(), highRes);
}

// ------------------------------------------------------------------ GetMetricStatistics

export interface GetMetricStatisticsInput extends MetricRef {
  startTimeMs: number;
  endTimeMs: number;
  periodSec: number;
  statistics?: readonly string[];
  extendedStatistics?: readonly string[];
  unit?: string;
}

export interface StatisticsDatapoint {
  timestampMs: number;
  unit: string;
  /** Basic statistics by name (SampleCount, Average, Sum, Minimum, Maximum). */
  statistics: Record<string, number>;
  /** Extended statistics by the name asked for. */
  extendedStatistics?: Record<string, number>;
}

export function checkTimeRange(startMs: number, endMs: number): void {
  if (!(startMs < endMs)) throw new MetricsError('InvalidParameterValue', 'The parameter StartTime must be less than the parameter EndTime.');
}

export function checkPeriod(periodSec: number, param = 'Period'): void {
  if (!isValidPeriod(periodSec))
    throw new MetricsError('InvalidParameterValue', `The parameter ${param} must be a value in the set [ 1, 5, 10, 20, 30 ] or a multiple of 60.`);
}

/** The series of a metric: one unit, or every unit it has. */
export function seriesOf(store: MetricStore, ref: MetricRef, unit: string | undefined): SeriesInfo[] {
  const key = metricKeyOf(ref.namespace, ref.metricName, sortDimensions(ref.dimensions));
  if (unit !== undefined) {
    const s = store.catalog.find(key, unit);
    return s ? [s] : [];
  }
  return [...store.catalog.forMetric(key)];
}

export async function getMetricStatistics(
  store: MetricStore,
  nowMs: number,
  input: GetMetricStatisticsInput,
): Promise<{ label: string; datapoints: StatisticsDatapoint[] }> {
  const stats = input.statistics ?? [];
  const ext = input.extendedStatistics ?? [];
  if (stats.length === 0 && ext.length === 0) throw new MetricsError('InvalidParameterCombination', 'Must specify either Statistics or ExtendedStatistics.');
  if (stats.length > 0 && ext.length > 0)
    throw new MetricsError('InvalidParameterCombination', 'Must specify either Statistics or ExtendedStatistics, but not both.');
  const specs: Array<{ name: string; spec: StatisticSpec; extended: boolean }> = [];
  for (const s of stats) {
    const spec = parseStatistic(s);
    if (spec?.kind !== 'basic') throw new MetricsError('InvalidParameterValue', `The value ${s} for parameter Statistics is not supported.`);
    specs.push({ name: s, spec, extended: false });
  }
  for (const s of ext) {
    const spec = parseStatistic(s);
    if (!spec || spec.kind === 'basic') throw new MetricsError('InvalidParameterValue', `The value ${s} for parameter ExtendedStatistics is not supported.`);
    specs.push({ name: s, spec, extended: true });
  }
  checkTimeRange(input.startTimeMs, input.endTimeMs);
  checkPeriod(input.periodSec);
  const startSec = alignStartSec(input.startTimeMs, nowMs, input.periodSec);
  const endSec = Math.ceil(input.endTimeMs / 1000);
  const n = requestedDatapoints(startSec, endSec, input.periodSec);
  if (n > MAX_DATAPOINTS_PER_CALL) {
    throw new MetricsError(
      'InvalidParameterCombination',
      `You have requested up to ${n} datapoints, which exceeds the limit of ${MAX_DATAPOINTS_PER_CALL}. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
    );
  }
  const keep = specs.some((s) => needsDistribution(s.spec));
  const datapoints: StatisticsDatapoint[] = [];
  // One answer per unit the metric was published with (CloudWatch does not convert units).
  for (const series of seriesOf(store, input, input.unit)) {
    const buckets = await aggregate(store, [series], startSec, endSec, input.periodSec, keep, nowMs);
    for (let i = 0; i < buckets.n; i++) {
      if (!(buckets.count[i]! > 0)) continue;
      const dp: StatisticsDatapoint = { timestampMs: buckets.timestampMs(i), unit: series.unit, statistics: {} };
      for (const s of specs) {
        const v = buckets.value(i, s.spec);
        if (v === undefined) continue;
        if (s.extended) (dp.extendedStatistics ??= {})[s.name] = v;
        else dp.statistics[s.name] = v;
      }
      datapoints.push(dp);
    }
  }
  datapoints.sort((a, b) => a.timestampMs - b.timestampMs);
  return { label: input.metricName, datapoints };
}

// ------------------------------------------------------------------ ListMetrics

export interface ListMetricsInput {
  namespace?: string;
  metricName?: string;
  dimensions?: ReadonlyArray<{ name: string; value?: string }>;
  recentlyActive?: 'PT3H';
  nextToken?: string;
}

const LIST_PAGE = 500;
const LIST_MAX_AGE_SEC = 14 * 86_400;

/**
 * Metrics that reported data in the last two weeks (three hours with
 * RecentlyActive=PT3H), filtered by namespace, name and dimensions (each filter
 * dimension must be among the metric's; a filter without a value matches any
 * value), sorted, 500 a page. NextToken is the key of the last metric returned.
 */
export function listMetrics(store: MetricStore, nowMs: number, input: ListMetricsInput): { metrics: MetricRef[]; nextToken?: string } {
  const nowSec = Math.floor(nowMs / 1000);
  const minSeen = nowSec - (input.recentlyActive === 'PT3H' ? 3 * 3600 : LIST_MAX_AGE_SEC);
  let after: string | null = null;
  if (input.nextToken !== undefined) {
    try {
      after = Buffer.from(input.nextToken, 'base64url').toString('utf8');
      if (!after.includes('\u0000')) throw new Error('bad token');
    } catch {
      throw new MetricsError('InvalidParameterValue', 'The value for parameter NextToken is invalid.');
    }
  }
  const matches: Array<{ key: string; ref: MetricRef }> = [];
  for (const [key, list] of store.catalog.metrics()) {
    const s = list[0]!;
    if (input.namespace !== undefined && s.namespace !== input.namespace) continue;
    if (input.metricName !== undefined && s.metricName !== input.metricName) continue;
    if (input.dimensions?.some((f) => !s.dimensions.some((d) => d.name === f.name && (f.value === undefined || d.value === f.value)))) continue;
    if (!list.some((x) => x.lastSeenSec >= minSeen)) continue;
    if (after !== null && key <= after) continue;
    matches.push({ key, ref: { namespace: s.namespace, metricName: s.metricName, dimensions: s.dimensions } });
  }
  matches.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const page = matches.slice(0, LIST_PAGE);
  const out: { metrics: MetricRef[]; nextToken?: string } = { metrics: page.map((m) => m.ref) };
  if (matches.length > LIST_PAGE) out.nextToken = Buffer.from(page[page.length - 1]!.key, 'utf8').toString('base64url');
  return out;
}
