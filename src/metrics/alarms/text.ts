/**
 * State reasons, state reason data and notification payloads, worded as
 * CloudWatch words them in captured output, e.g.
 *   Threshold Crossed: 3 out of the last 3 datapoints [8.89 (14/07/21 23:18:00), …] were greater than or
 *   equal to the threshold (7.0) (minimum 3 datapoints for OK -> ALARM transition).
 *   Threshold Crossed: 1 datapoint [5.0 (31/01/21 14:05:00)] was greater than the threshold (4.0).
 *   Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching].
 *   Insufficient Data: 1 datapoint was unknown.
 */
import type { MetricDataQueryInput } from '../get-metric-data.ts';
import { type AlarmStateValue, type ComparisonOperator, type EvalPoint, type WindowResult, isBandOperator } from './evaluate.ts';
import { awsJsonDate, javaDouble, reasonDate } from './format.ts';

const OP_TEXT: Record<string, string> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}

function pointList(points: EvalPoint[]): string {
  return `[${points.map((p) => `${javaDouble(p.value)} (${reasonDate(p.timestampMs)})`).join(', ')}]`;
}

export interface ReasonInput {
  result: WindowResult;
  oldState: AlarmStateValue;
  newState: AlarmStateValue;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  comparisonOperator: ComparisonOperator;
  threshold: number | undefined;
  treatMissingData: string;
}

export function stateReason(r: ReasonInput): string {
  const { result, evaluationPeriods: n, datapointsToAlarm: m } = r;
  if (result.reason === 'insufficient') {
    const unknown = n - result.evaluated.length;
    return `Insufficient Data: ${unknown} ${plural(unknown, 'datapoint was', 'datapoints were')} unknown.`;
  }
  if (result.reason === 'filled') {
    const treated = r.treatMissingData === 'breaching' ? 'Breaching' : 'NonBreaching';
    const got = result.evaluated.length;
    const received = got === 0 ? 'no datapoints were' : `${got} ${plural(got, 'datapoint was', 'datapoints were')}`;
    return `Threshold Crossed: ${received} received for ${n} periods and ${result.filled} missing ${plural(result.filled, 'datapoint was', 'datapoints were')} treated as [${treated}].`;
  }
  const toAlarm = r.newState === 'ALARM';
  // Newest first, as CloudWatch lists them: the breaching ones for ALARM, the others for OK.
  const listed = result.evaluated
    .filter((e) => e.breaching === toAlarm)
    .map((e) => e.point)
    .reverse();
  const k = listed.length;
  const minimum = toAlarm ? m : n - m + 1;
  const transition = `(minimum ${minimum} ${plural(minimum, 'datapoint', 'datapoints')} for ${r.oldState} -> ${r.newState} transition)`;
  if (isBandOperator(r.comparisonOperator)) {
    const lower = `[${listed.map((p) => javaDouble(p.lower ?? Number.NaN)).join(', ')}]`;
    const upper = `[${listed.map((p) => javaDouble(p.upper ?? Number.NaN)).join(', ')}]`;
    const not = toAlarm ? '' : 'not ';
    const phrase =
      r.comparisonOperator === 'LessThanLowerThreshold'
        ? `${not}less than the lower thresholds ${lower}`
        : r.comparisonOperator === 'GreaterThanUpperThreshold'
          ? `${not}greater than the upper thresholds ${upper}`
          : toAlarm
            ? `less than the lower thresholds ${lower} or greater than the upper thresholds ${upper}`
            : `not less than the lower thresholds ${lower} or greater than the upper thresholds ${upper}`;
    return `Thresholds Crossed: ${k} out of the last ${n} datapoints ${pointList(listed)} ${plural(k, 'was', 'were')} ${phrase} ${transition}.`;
  }
  const op = `${toAlarm ? '' : 'not '}${OP_TEXT[r.comparisonOperator]}`;
  const thr = javaDouble(r.threshold ?? 0);
  if (n === 1 && k === 1) return `Threshold Crossed: 1 datapoint ${pointList(listed)} was ${op} the threshold (${thr}).`;
  return `Threshold Crossed: ${k} out of the last ${n} datapoints ${pointList(listed)} ${plural(k, 'was', 'were')} ${op} the threshold (${thr}) ${transition}.`;
}

/** JSON with numbers written the way Java writes doubles (7.0, 1.0E-4), as CloudWatch's reason data has them. */
export function javaJson(value: unknown): string {
  if (typeof value === 'number') return javaDouble(value);
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(javaJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${javaJson(v)}`).join(',')}}`;
}

export function stateReasonData(opts: {
  queryDateMs: number;
  startDateMs: number;
  statistic?: string;
  extendedStatistic?: string;
  unit?: string;
  periodSec: number;
  recent: EvalPoint[];
  threshold: number | undefined;
  evaluated: EvalPoint[];
}): string {
  return javaJson({
    version: '1.0',
    queryDate: awsJsonDate(opts.queryDateMs),
    startDate: awsJsonDate(opts.startDateMs),
    statistic: opts.statistic,
    extendedStatistic: opts.extendedStatistic,
    unit: opts.unit,
    period: opts.periodSec,
    recentDatapoints: opts.recent.map((p) => p.value),
    threshold: opts.threshold,
    evaluatedDatapoints: [...opts.evaluated].reverse().map((p) => ({ timestamp: awsJsonDate(p.timestampMs), sampleCount: p.sampleCount, value: p.value })),
  });
}

/** How an alarm's Metrics array appears in a notification's Trigger (dimensions as {value, name}, as AWS writes them). */
export function triggerMetrics(metrics: readonly MetricDataQueryInput[]): unknown[] {
  return metrics.map((q) => {
    if (q.metricStat) {
      const ms = q.metricStat;
      return {
        Id: q.id,
        Label: q.label,
        MetricStat: {
          Metric: {
            Dimensions: ms.metric.dimensions.map((d) => ({ value: d.value, name: d.name })),
            MetricName: ms.metric.metricName,
            Namespace: ms.metric.namespace,
          },
          Period: ms.periodSec,
          Stat: ms.stat,
          Unit: ms.unit,
        },
        ReturnData: q.returnData ?? true,
      };
    }
    return { Expression: q.expression, Id: q.id, Label: q.label, ReturnData: q.returnData ?? true };
  });
}

/** A single-metric alarm's metric as the Lambda action event lists it: one query with a stable generated id. */
export interface SingleMetricRef {
  namespace: string;
  metricName: string;
  dimensions: ReadonlyArray<{ name: string; value: string }>;
  periodSec: number;
  stat: string;
  unit: string | undefined;
}

/**
 * `alarmData.configuration.metrics` of the event a Lambda alarm action receives: camelCase, the
 * dimensions as an object, `metric.name` for the metric name; expressions as `{id, expression, label,
 * returnData}`. A single-metric alarm is listed as one metricStat query under `id` (CloudWatch
 * generates one; Freshet derives it from the alarm's ARN so it stays the same between invocations).
 */
export function lambdaEventMetrics(metrics: readonly MetricDataQueryInput[] | undefined, single: SingleMetricRef | undefined, id: string): unknown[] {
  const stat = (
    m: { namespace: string; metricName: string; dimensions: ReadonlyArray<{ name: string; value: string }> },
    periodSec: number,
    s: string,
    unit: string | undefined,
  ) => ({
    metric: { namespace: m.namespace, name: m.metricName, dimensions: Object.fromEntries(m.dimensions.map((d) => [d.name, d.value])) },
    period: periodSec,
    stat: s,
    ...(unit !== undefined ? { unit } : {}),
  });
  if (metrics === undefined) {
    if (single === undefined) return [];
    return [{ id, metricStat: stat(single, single.periodSec, single.stat, single.unit), returnData: true }];
  }
  return metrics.map((q) => {
    if (q.metricStat) {
      const ms = q.metricStat;
      return {
        id: q.id,
        metricStat: stat(ms.metric, ms.periodSec, ms.stat, ms.unit),
        ...(q.label !== undefined ? { label: q.label } : {}),
        returnData: q.returnData ?? true,
      };
    }
    return { id: q.id, expression: q.expression, ...(q.label !== undefined ? { label: q.label } : {}), returnData: q.returnData ?? true };
  });
}
