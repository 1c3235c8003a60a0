/**
 * GetMetricData (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html)
 * Reads { MetricDataQueries, StartTime, EndTime, NextToken, ScanBy, MaxDatapoints, LabelOptions };
 * writes { MetricDataResults[{ Id, Label, Timestamps, Values, StatusCode, Messages }], NextToken, Messages }.
 */
import { defineAction } from '../../aws/index.ts';
import { cloudWatchModel } from '../../aws/models/cloudwatch.ts';
import { type CloudWatchContext, engineCall, millis, queriesIn, seconds } from './common.ts';

export const getMetricData = defineAction(cloudWatchModel, 'GetMetricData', async (input, ctx: CloudWatchContext) => {
  const out = await engineCall(() =>
    ctx.deps.getMetricData({
      queries: queriesIn(input.MetricDataQueries),
      startTimeMs: millis(input.StartTime),
      endTimeMs: millis(input.EndTime),
      ...(input.NextToken !== undefined ? { nextToken: input.NextToken } : {}),
      ...(input.ScanBy !== undefined ? { scanBy: input.ScanBy } : {}),
      ...(input.MaxDatapoints !== undefined ? { maxDatapoints: input.MaxDatapoints } : {}),
    }),
  );
  return {
    MetricDataResults: out.results.map((r) => ({
      Id: r.id,
      Label: r.label,
      Timestamps: r.timestampsMs.map(seconds),
      Values: r.values,
      StatusCode: r.statusCode,
      Messages: r.messages.map((m) => ({ Code: m.code, Value: m.value })),
    })),
    ...(out.nextToken !== undefined ? { NextToken: out.nextToken } : {}),
    Messages: out.messages.map((m) => ({ Code: m.code, Value: m.value })),
  };
});
