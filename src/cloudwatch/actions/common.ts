/**
 * What every CloudWatch action shares: the context (request context + the metrics engine), the
 * conversion of engine errors, and the wire ↔ engine shape conversions (AWS's PascalCase members,
 * timestamps in epoch seconds on the wire, milliseconds in the engine).
 */
import type { ActionContext } from '../../aws/index.ts';
import type {
  CompositeAlarm,
  Dimension as WireDimension,
  MetricAlarm,
  MetricDataQuery,
  AlarmHistoryItem,
  Tag as WireTag,
} from '../../aws/models/cloudwatch.ts';
import { isMetricsError } from '../../metrics/index.ts';
import type { AlarmView, Dimension, HistoryItem, MetricDataQueryInput, MetricsEngine, Tag } from '../../metrics/index.ts';
import { toAwsError } from '../errors.ts';

export type CloudWatchContext = ActionContext<MetricsEngine>;

/** Runs engine code, turning its MetricsError into the service's AwsError. */
export async function engineCall<T>(fn: () => T | Promise<T>, opts: { dashboard?: boolean } = {}): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isMetricsError(e)) throw toAwsError(e, opts);
    throw e;
  }
}

export const seconds = (ms: number): number => ms / 1000;
export const millis = (s: number): number => Math.round(s * 1000);

export function dimensionsIn(d: readonly WireDimension[] | undefined): Dimension[] {
  return (d ?? []).map((x) => ({ name: x.Name, value: x.Value }));
}

export function dimensionsOut(d: readonly Dimension[] | undefined): WireDimension[] {
  return (d ?? []).map((x) => ({ Name: x.name, Value: x.value }));
}

export function tagsIn(t: readonly WireTag[] | undefined): Tag[] | undefined {
  return t?.map((x) => ({ key: x.Key, value: x.Value }));
}

export function tagsOut(t: readonly Tag[]): WireTag[] {
  return t.map((x) => ({ Key: x.key, Value: x.value }));
}

export function queriesIn(qs: readonly MetricDataQuery[]): MetricDataQueryInput[] {
  return qs.map((q) => {
    const out: MetricDataQueryInput = { id: q.Id };
    if (q.MetricStat) {
      const ms = q.MetricStat;
      out.metricStat = {
        metric: { namespace: ms.Metric.Namespace ?? '', metricName: ms.Metric.MetricName ?? '', dimensions: dimensionsIn(ms.Metric.Dimensions) },
        periodSec: ms.Period,
        stat: ms.Stat,
        ...(ms.Unit !== undefined ? { unit: ms.Unit } : {}),
      };
    }
    if (q.Expression !== undefined) out.expression = q.Expression;
    if (q.Label !== undefined) out.label = q.Label;
    if (q.ReturnData !== undefined) out.returnData = q.ReturnData;
    if (q.Period !== undefined) out.periodSec = q.Period;
    if (q.AccountId !== undefined) out.accountId = q.AccountId;
    return out;
  });
}

export function queriesOut(qs: readonly MetricDataQueryInput[]): MetricDataQuery[] {
  return qs.map((q) => {
    const out: MetricDataQuery = { Id: q.id };
    if (q.metricStat) {
      const ms = q.metricStat;
      out.MetricStat = {
        Metric: { Namespace: ms.metric.namespace, MetricName: ms.metric.metricName, Dimensions: dimensionsOut(ms.metric.dimensions) },
        Period: ms.periodSec,
        Stat: ms.stat,
        ...(ms.unit !== undefined ? { Unit: ms.unit as NonNullable<MetricDataQuery['MetricStat']>['Unit'] } : {}),
      };
    }
    if (q.expression !== undefined) out.Expression = q.expression;
    if (q.label !== undefined) out.Label = q.label;
    out.ReturnData = q.returnData ?? true;
    if (q.periodSec !== undefined) out.Period = q.periodSec;
    if (q.accountId !== undefined) out.AccountId = q.accountId;
    return out;
  });
}

/** A metric alarm as DescribeAlarms writes it. */
export function metricAlarmOut(v: AlarmView): MetricAlarm {
  const m = v.metric!;
  const out: MetricAlarm = {
    AlarmName: v.alarmName,
    AlarmArn: v.alarmArn,
    ...(v.alarmDescription !== undefined ? { AlarmDescription: v.alarmDescription } : {}),
    AlarmConfigurationUpdatedTimestamp: seconds(v.configurationUpdatedMs),
    ActionsEnabled: v.actionsEnabled,
    OKActions: v.okActions,
    AlarmActions: v.alarmActions,
    InsufficientDataActions: v.insufficientDataActions,
    StateValue: v.state.value,
    StateReason: v.state.reason,
    ...(v.state.reasonData !== undefined ? { StateReasonData: v.state.reasonData } : {}),
    StateUpdatedTimestamp: seconds(v.state.updatedMs),
    StateTransitionedTimestamp: seconds(v.state.transitionedMs),
    EvaluationPeriods: m.evaluationPeriods,
    ComparisonOperator: m.comparisonOperator as MetricAlarm['ComparisonOperator'],
  };
  if (m.metrics) out.Metrics = queriesOut(m.metrics);
  else {
    out.MetricName = m.metricName;
    out.Namespace = m.namespace;
    if (m.statistic !== undefined) out.Statistic = m.statistic as MetricAlarm['Statistic'];
    if (m.extendedStatistic !== undefined) out.ExtendedStatistic = m.extendedStatistic;
    out.Dimensions = dimensionsOut(m.dimensions);
    out.Period = m.periodSec;
    if (m.unit !== undefined) out.Unit = m.unit as MetricAlarm['Unit'];
  }
  if (m.datapointsToAlarm !== undefined) out.DatapointsToAlarm = m.datapointsToAlarm;
  if (m.threshold !== undefined) out.Threshold = m.threshold;
  if (m.thresholdMetricId !== undefined) out.ThresholdMetricId = m.thresholdMetricId;
  if (m.treatMissingData !== undefined) out.TreatMissingData = m.treatMissingData;
  if (m.evaluateLowSampleCountPercentile !== undefined) out.EvaluateLowSampleCountPercentile = m.evaluateLowSampleCountPercentile;
  return out;
}

export function compositeAlarmOut(v: AlarmView): CompositeAlarm {
  const c = v.composite!;
  return {
    ActionsEnabled: v.actionsEnabled,
    AlarmActions: v.alarmActions,
    AlarmArn: v.alarmArn,
    AlarmConfigurationUpdatedTimestamp: seconds(v.configurationUpdatedMs),
    ...(v.alarmDescription !== undefined ? { AlarmDescription: v.alarmDescription } : {}),
    AlarmName: v.alarmName,
    AlarmRule: c.alarmRule,
    InsufficientDataActions: v.insufficientDataActions,
    OKActions: v.okActions,
    StateReason: v.state.reason,
    ...(v.state.reasonData !== undefined ? { StateReasonData: v.state.reasonData } : {}),
    StateUpdatedTimestamp: seconds(v.state.updatedMs),
    StateValue: v.state.value,
    StateTransitionedTimestamp: seconds(v.state.transitionedMs),
    ...(c.actionsSuppressedBy !== undefined ? { ActionsSuppressedBy: c.actionsSuppressedBy as CompositeAlarm['ActionsSuppressedBy'] } : {}),
    ...(c.actionsSuppressedReason !== undefined ? { ActionsSuppressedReason: c.actionsSuppressedReason } : {}),
    ...(c.actionsSuppressor !== undefined ? { ActionsSuppressor: c.actionsSuppressor } : {}),
    ...(c.actionsSuppressorWaitPeriod !== undefined ? { ActionsSuppressorWaitPeriod: c.actionsSuppressorWaitPeriod } : {}),
    ...(c.actionsSuppressorExtensionPeriod !== undefined ? { ActionsSuppressorExtensionPeriod: c.actionsSuppressorExtensionPeriod } : {}),
  };
}

export function historyOut(h: HistoryItem): AlarmHistoryItem {
  return {
    AlarmName: h.alarmName,
    AlarmType: h.alarmType,
    Timestamp: seconds(h.timestampMs),
    HistoryItemType: h.historyItemType,
    HistorySummary: h.historySummary,
    HistoryData: h.historyData,
  };
}

/** The alarm name of an alarm ARN of this server (TagResource and friends take ARNs). */
export function alarmNameOfArn(ctx: CloudWatchContext, arn: string): string | undefined {
  const prefix = `arn:aws:cloudwatch:${ctx.deps.alarms.region}:${ctx.deps.alarms.accountId}:alarm:`;
  return arn.startsWith(prefix) ? arn.slice(prefix.length) : undefined;
}
