import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import type { Statistic } from '@aws-sdk/client-cloudwatch';
import { CreateDeliveryStreamCommand, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { startHarness, s3Dest, enc } from '../firehose/helpers.ts';
import type { Harness } from '../firehose/helpers.ts';

describe('AWS/Firehose metrics', () => {
  let h: Harness;
  let cw: CloudWatchClient;
  before(async () => {
    h = await startHarness();
    cw = new CloudWatchClient({ endpoint: h.server.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 's' }, maxAttempts: 1 });
  });
  after(async () => {
    cw.destroy();
    await h.close();
  });

  async function stat(metric: string, statistic: Statistic, fromMs: number, toMs: number): Promise<number | undefined> {
    const r = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/Firehose',
        MetricName: metric,
        Dimensions: [{ Name: 'DeliveryStreamName', Value: 'sales' }],
        StartTime: new Date(fromMs),
        EndTime: new Date(toMs),
        Period: 3600,
        Statistics: [statistic],
      }),
    );
    return r.Datapoints?.[0]?.[statistic];
  }

  it('publishes incoming, delivery, success and freshness figures of a delivery stream as the stream works', async () => {
    await h.client.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'sales',
        ExtendedS3DestinationConfiguration: s3Dest('bkt-metrics', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 } }) as never,
      }),
    );
    await h.tick(1000, 'sales');
    const from = h.clock.now() - 60_000;
    const records = Array.from({ length: 20 }, (_, i) => ({ Data: enc(`{"n":${i}}\n`) }));
    await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'sales', Records: records }));
    await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'sales', Records: records.slice(0, 5) }));
    await h.tick(2000, 'sales');
    const to = h.clock.now() + 3_600_000;
    assert.equal(await stat('IncomingRecords', 'Sum', from, to), 25);
    assert.equal(await stat('IncomingPutRequests', 'Sum', from, to), 2);
    const bytes = [...records, ...records.slice(0, 5)].reduce((n, r) => n + r.Data.length, 0);
    assert.equal(await stat('IncomingBytes', 'Sum', from, to), bytes);
    assert.equal(await stat('DeliveryToS3.Records', 'Sum', from, to), undefined, 'nothing delivered before the buffer interval');
    for (let s = 0; s < 60; s++) await h.tick(1000, 'sales');
    assert.equal(await stat('DeliveryToS3.Records', 'Sum', from, to), 25);
    assert.equal(await stat('DeliveryToS3.Success', 'Average', from, to), 1);
    assert.equal(await stat('DeliveryToS3.ObjectCount', 'Sum', from, to), 1);
    const freshness = await stat('DeliveryToS3.DataFreshness', 'Maximum', from, to);
    assert.ok(freshness !== undefined && freshness >= 55 && freshness <= 62, `oldest undelivered record reached ~60 s (${freshness})`);
  });
});
