/**
 * PutMetricAlarm (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html)
 * Reads the alarm's configuration (a metric with Statistic | ExtendedStatistic, or Metrics for metric
 * math and anomaly-detection bands); writes nothing. A new alarm starts INSUFFICIENT_DATA; an update
 * keeps the state and replaces the configuration.
 */
import { defineAction } from '../../aws/index.ts';
import { cloudWatchModel } from '../../aws/models/cloudwatch.ts';
import type { MetricAlarmInput } from '../../metrics/index.ts';
import { type CloudWatchContext, dimensionsIn, engineCall, queriesIn, tagsIn } from './common.ts';

export const putMetricAlarm = defineAction(cloudWatchModel, 'PutMetricAlarm', async (input, ctx: CloudWatchContext) => {
  const a: MetricAlarmInput = {
    alarmName: input.AlarmName,
    evaluationPeriods: input.EvaluationPeriods,
    comparisonOperator: input.ComparisonOperator,
  };
  if (input.AlarmDescription !== undefined) a.alarmDescription = input.AlarmDescription;
  if (input.ActionsEnabled !== undefined) a.actionsEnabled = input.ActionsEnabled;
  if (input.OKActions !== undefined) a.okActions = input.OKActions;
  if (input.AlarmActions !== undefined) a.alarmActions = input.AlarmActions;
  if (input.InsufficientDataActions !== undefined) a.insufficientDataActions = input.InsufficientDataActions;
  if (input.MetricName !== undefined) a.metricName = input.MetricName;
  if (input.Namespace !== undefined) a.namespace = input.Namespace;
  if (input.Statistic !== undefined) a.statistic = input.Statistic;
  if (input.ExtendedStatistic !== undefined) a.extendedStatistic = input.ExtendedStatistic;
  if (input.Dimensions !== undefined) a.dimensions = dimensionsIn(input.Dimensions);
  if (input.Period !== undefined) a.periodSec = input.Period;
  if (input.Unit !== undefined) a.unit = input.Unit;
  if (input.DatapointsToAlarm !== undefined) a.datapointsToAlarm = input.DatapointsToAlarm;
  if (input.Threshold !== undefined) a.threshold = input.Threshold;
  if (input.TreatMissingData !== undefined) a.treatMissingData = input.TreatMissingData;
  if (input.EvaluateLowSampleCountPercentile !== undefined) a.evaluateLowSampleCountPercentile = input.EvaluateLowSampleCountPercentile;
  if (input.Metrics !== undefined) a.metrics = queriesIn(input.Metrics);
  if (input.ThresholdMetricId !== undefined) a.thresholdMetricId = input.ThresholdMetricId;
  const tags = tagsIn(input.Tags);
  if (tags) a.tags = tags;
  await engineCall(() => ctx.deps.alarms.putMetricAlarm(a));
  return undefined;
});
