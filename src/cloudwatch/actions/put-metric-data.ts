/**
 * PutMetricData (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html)
 * Reads { Namespace, MetricData[{ MetricName, Dimensions, Timestamp, Value | StatisticValues | Values+Counts,
 * Unit, StorageResolution }] }; writes nothing. The whole request is refused on the first bad datum.
 */
import { defineAction } from '../../aws/index.ts';
import { cloudWatchModel } from '../../aws/models/cloudwatch.ts';
import type { MetricDatumInput } from '../../metrics/index.ts';
import { type CloudWatchContext, dimensionsIn, engineCall, millis } from './common.ts';

export const putMetricData = defineAction(cloudWatchModel, 'PutMetricData', async (input, ctx: CloudWatchContext) => {
  const data: MetricDatumInput[] = (input.MetricData ?? []).map((d) => {
    const out: MetricDatumInput = { metricName: d.MetricName, dimensions: dimensionsIn(d.Dimensions) };
    if (d.Timestamp !== undefined) out.timestampMs = millis(d.Timestamp);
    if (d.Value !== undefined) out.value = d.Value;
    if (d.StatisticValues) {
      const s = d.StatisticValues;
      out.statisticValues = { sampleCount: s.SampleCount, sum: s.Sum, minimum: s.Minimum, maximum: s.Maximum };
    }
    if (d.Values !== undefined) out.values = d.Values;
    if (d.Counts !== undefined) out.counts = d.Counts;
    if (d.Unit !== undefined) out.unit = d.Unit;
    if (d.StorageResolution !== undefined) out.storageResolution = d.StorageResolution;
    return out;
  });
  await engineCall(() => ctx.deps.putMetricData(input.Namespace, data));
  return undefined;
});
