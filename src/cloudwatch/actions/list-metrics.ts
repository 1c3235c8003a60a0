/**
 * ListMetrics (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_ListMetrics.html)
 * Reads { Namespace, MetricName, Dimensions (filters), NextToken, RecentlyActive }; writes { Metrics, NextToken }.
 */
import { defineAction } from '../../aws/index.ts';
import { cloudWatchModel } from '../../aws/models/cloudwatch.ts';
import { type CloudWatchContext, dimensionsOut, engineCall } from './common.ts';

export const listMetrics = defineAction(cloudWatchModel, 'ListMetrics', async (input, ctx: CloudWatchContext) => {
  const out = await engineCall(() =>
    ctx.deps.listMetrics({
      ...(input.Namespace !== undefined ? { namespace: input.Namespace } : {}),
      ...(input.MetricName !== undefined ? { metricName: input.MetricName } : {}),
      ...(input.Dimensions !== undefined
        ? { dimensions: input.Dimensions.map((d) => (d.Value === undefined ? { name: d.Name } : { name: d.Name, value: d.Value })) }
        : {}),
      ...(input.RecentlyActive !== undefined ? { recentlyActive: input.RecentlyActive } : {}),
      ...(input.NextToken !== undefined ? { nextToken: input.NextToken } : {}),
    }),
  );
  return {
    Metrics: out.metrics.map((m) => ({ Namespace: m.namespace, MetricName: m.metricName, Dimensions: dimensionsOut(m.dimensions) })),
    ...(out.nextToken !== undefined ? { NextToken: out.nextToken } : {}),
  };
});
