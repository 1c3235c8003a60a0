/**
 * GetMetricStatistics (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html)
 * Reads { Namespace, MetricName, Dimensions, StartTime, EndTime, Period, Statistics | ExtendedStatistics, Unit };
 * writes { Label, Datapoints[{ Timestamp, SampleCount, Average, Sum, Minimum, Maximum, Unit, ExtendedStatistics }] }.
 */
import { defineAction } from '../../aws/index.ts';
import { type Datapoint, cloudWatchModel } from '../../aws/models/cloudwatch.ts';
import { type CloudWatchContext, dimensionsIn, engineCall, millis, seconds } from './common.ts';

export const getMetricStatistics = defineAction(cloudWatchModel, 'GetMetricStatistics', async (input, ctx: CloudWatchContext) => {
  const r = await engineCall(() =>
    ctx.deps.getMetricStatistics({
      namespace: input.Namespace,
      metricName: input.MetricName,
      dimensions: dimensionsIn(input.Dimensions),
      startTimeMs: millis(input.StartTime),
      endTimeMs: millis(input.EndTime),
      periodSec: input.Period,
      ...(input.Statistics !== undefined ? { statistics: input.Statistics } : {}),
      ...(input.ExtendedStatistics !== undefined ? { extendedStatistics: input.ExtendedStatistics } : {}),
      ...(input.Unit !== undefined ? { unit: input.Unit } : {}),
    }),
  );
  return {
    Label: r.label,
    Datapoints: r.datapoints.map((d) => {
      const out: Datapoint = { Timestamp: seconds(d.timestampMs), ...d.statistics, Unit: d.unit as Datapoint['Unit'] };
      if (d.extendedStatistics) out.ExtendedStatistics = d.extendedStatistics;
      return out;
    }),
  };
});
