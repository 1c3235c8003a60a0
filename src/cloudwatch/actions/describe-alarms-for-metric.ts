/**
 * DescribeAlarmsForMetric (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarmsForMetric.html)
 * Reads { MetricName, Namespace, Statistic, ExtendedStatistic, Dimensions, Period, Unit }; writes { MetricAlarms }.
 */
import { defineAction } from '../../aws/index.ts';
import { cloudWatchModel } from '../../aws/models/cloudwatch.ts';
import { type CloudWatchContext, dimensionsIn, engineCall, metricAlarmOut } from './common.ts';

export const describeAlarmsForMetric = defineAction(cloudWatchModel, 'DescribeAlarmsForMetric', async (input, ctx: CloudWatchContext) => {
  const alarms = await engineCall(() =>
    ctx.deps.alarms.describeAlarmsForMetric({
      metricName: input.MetricName,
      namespace: input.Namespace,
      ...(input.Statistic !== undefined ? { statistic: input.Statistic } : {}),
      ...(input.ExtendedStatistic !== undefined ? { extendedStatistic: input.ExtendedStatistic } : {}),
      ...(input.Dimensions !== undefined ? { dimensions: dimensionsIn(input.Dimensions) } : {}),
      ...(input.Period !== undefined ? { periodSec: input.Period } : {}),
      ...(input.Unit !== undefined ? { unit: input.Unit } : {}),
    }),
  );
  return { MetricAlarms: alarms.map(metricAlarmOut) };
});
