/**
 * The LookoutMetrics API driven by @aws-sdk/client-lookoutmetrics against a Freshet server on a ManualClock:
 * every action, AWS's errors, status transitions, live detection over the embedded object store with an
 * alert reaching a webhook, feedback, and a backtest over the same files giving the same groups.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ActivateAnomalyDetectorCommand,
  BackTestAnomalyDetectorCommand,
  CreateAlertCommand,
  CreateAnomalyDetectorCommand,
  CreateMetricSetCommand,
  DeactivateAnomalyDetectorCommand,
  DeleteAlertCommand,
  DeleteAnomalyDetectorCommand,
  DescribeAlertCommand,
  DescribeAnomalyDetectionExecutionsCommand,
  DescribeAnomalyDetectorCommand,
  DescribeMetricSetCommand,
  DetectMetricSetConfigCommand,
  GetAnomalyGroupCommand,
  GetDataQualityMetricsCommand,
  GetFeedbackCommand,
  GetSampleDataCommand,
  ListAlertsCommand,
  ListAnomalyDetectorsCommand,
  ListAnomalyGroupRelatedMetricsCommand,
  ListAnomalyGroupSummariesCommand,
  ListAnomalyGroupTimeSeriesCommand,
  ListMetricSetsCommand,
  ListTagsForResourceCommand,
  PutFeedbackCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAlertCommand,
  UpdateAnomalyDetectorCommand,
  UpdateMetricSetCommand,
} from '@aws-sdk/client-lookoutmetrics';
import type { LookoutMetricsClient, MetricSource } from '@aws-sdk/client-lookoutmetrics';
import { Rng } from '../../src/generators/index.ts';
import { intervalRows, writeInterval } from './data.ts';
import type { Injection } from './data.ts';
import { ROLE, T0, TOPIC, startHarness } from './helpers.ts';
import type { Harness } from './helpers.ts';

const FREQ = 300_000;
const SOURCE: MetricSource = {
  S3SourceConfig: {
    RoleArn: ROLE,
    TemplatedPathList: ['s3://freshet-s3/streaming-csv/data/intvl_date={{yyyy-MM-dd}}/intvl_hhmm={{HHmm}}'],
    HistoricalDataPathList: ['s3://freshet-s3/streaming-csv/data/'],
    FileFormatDescriptor: { CsvFormatDescriptor: { FileCompression: 'NONE', Charset: 'UTF-8', ContainsHeader: true, Delimiter: ',', QuoteSymbol: '"' } },
  },
};

async function errorOf(p: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
  throw new Error('expected an error');
}

async function createDetector(client: LookoutMetricsClient, name: string, source: MetricSource = SOURCE): Promise<string> {
  const { AnomalyDetectorArn } = await client.send(
    new CreateAnomalyDetectorCommand({ AnomalyDetectorName: name, AnomalyDetectorConfig: { AnomalyDetectorFrequency: 'PT5M' } }),
  );
  await client.send(
    new CreateMetricSetCommand({
      AnomalyDetectorArn,
      MetricSetName: 'ecommerce',
      MetricList: [{ MetricName: 'views', AggregationFunction: 'SUM' }],
      DimensionList: ['marketplace'],
      TimestampColumn: { ColumnName: 'event_time', ColumnFormat: 'yyyy-MM-dd HH:mm:ss.s' },
      Offset: 60,
      MetricSetFrequency: 'PT5M',
      Timezone: 'UTC',
      MetricSource: source,
    }),
  );
  return AnomalyDetectorArn!;
}

/** Writes `n` intervals of ecommerce views from T0, with the given injections. */
function writeData(h: Harness, n: number, inject: Injection[], seed = 2): void {
  const rng = new Rng(seed);
  for (let i = 0; i < n; i++) writeInterval(h.bucketDir, T0 + i * FREQ, intervalRows(rng, i, T0 + i * FREQ, FREQ, inject));
}

describe('LookoutMetrics API (SDK)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('creates, describes, lists, updates and tags detectors, metric sets and alerts', async () => {
    const c = h.client;
    const arn = await createDetector(c, 'roundtrip');
    assert.equal(arn, 'arn:aws:lookoutmetrics:us-east-1:000000000000:AnomalyDetector:roundtrip'.replace('000000000000', arn.split(':')[4]!));
    const d = await c.send(new DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
    assert.equal(d.AnomalyDetectorName, 'roundtrip');
    assert.equal(d.Status, 'INACTIVE');
    assert.equal(d.AnomalyDetectorConfig?.AnomalyDetectorFrequency, 'PT5M');
    assert.ok(d.CreationTime instanceof Date);
    await c.send(new UpdateAnomalyDetectorCommand({ AnomalyDetectorArn: arn, AnomalyDetectorDescription: 'views per marketplace' }));
    const listed = await c.send(new ListAnomalyDetectorsCommand({}));
    assert.equal(listed.AnomalyDetectorSummaryList?.find((x) => x.AnomalyDetectorArn === arn)?.AnomalyDetectorDescription, 'views per marketplace');

    const sets = await c.send(new ListMetricSetsCommand({ AnomalyDetectorArn: arn }));
    const msArn = sets.MetricSetSummaryList?.[0]?.MetricSetArn;
    assert.equal(msArn, `${arn.replace(':AnomalyDetector:roundtrip', ':MetricSet:roundtrip/ecommerce')}`);
    await c.send(new UpdateMetricSetCommand({ MetricSetArn: msArn, Offset: 120, MetricSetDescription: 'S3 intervals' }));
    const ms = await c.send(new DescribeMetricSetCommand({ MetricSetArn: msArn }));
    assert.equal(ms.Offset, 120);
    assert.equal(ms.MetricSetDescription, 'S3 intervals');
    assert.deepEqual(ms.DimensionList, ['marketplace']);
    assert.equal(ms.TimestampColumn?.ColumnFormat, 'yyyy-MM-dd HH:mm:ss.s');
    assert.deepEqual(ms.MetricSource?.S3SourceConfig?.TemplatedPathList, SOURCE.S3SourceConfig!.TemplatedPathList);

    const { AlertArn } = await c.send(
      new CreateAlertCommand({
        AlertName: 'roundtrip-alert',
        AnomalyDetectorArn: arn,
        AlertSensitivityThreshold: 60,
        Action: { SNSConfiguration: { RoleArn: ROLE, SnsTopicArn: TOPIC, SnsFormat: 'JSON' } },
        AlertFilters: { MetricList: ['views'] },
        Tags: { team: 'growth' },
      }),
    );
    assert.match(AlertArn!, /:Alert:roundtrip-alert$/);
    await c.send(new UpdateAlertCommand({ AlertArn, AlertSensitivityThreshold: 55 }));
    const a = await c.send(new DescribeAlertCommand({ AlertArn }));
    assert.equal(a.Alert?.AlertSensitivityThreshold, 55);
    assert.equal(a.Alert?.AlertType, 'SNS');
    assert.equal(a.Alert?.AlertStatus, 'ACTIVE');
    assert.deepEqual(a.Alert?.AlertFilters?.MetricList, ['views']);
    const alerts = await c.send(new ListAlertsCommand({ AnomalyDetectorArn: arn }));
    assert.deepEqual(alerts.AlertSummaryList?.[0]?.Tags, { team: 'growth' });

    await c.send(new TagResourceCommand({ ResourceArn: arn, Tags: { env: 'test', owner: 'me' } }));
    await c.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['owner'] }));
    assert.deepEqual((await c.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags, { env: 'test' });

    await c.send(new DeleteAlertCommand({ AlertArn }));
    assert.equal((await errorOf(c.send(new DescribeAlertCommand({ AlertArn })))).name, 'ResourceNotFoundException');
    await c.send(new DeleteAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
    assert.equal((await errorOf(c.send(new DescribeMetricSetCommand({ MetricSetArn: msArn })))).name, 'ResourceNotFoundException');
  });

  it("answers AWS's errors: conflicts, missing resources, model and semantic validation", async () => {
    const c = h.client;
    const arn = await createDetector(c, 'errors');
    const dup = await errorOf(
      c.send(new CreateAnomalyDetectorCommand({ AnomalyDetectorName: 'errors', AnomalyDetectorConfig: { AnomalyDetectorFrequency: 'PT5M' } })),
    );
    assert.equal(dup.name, 'ConflictException');
    assert.equal(dup.status, 409);
    const missing = await errorOf(c.send(new DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: `${arn}-nope` })));
    assert.equal(missing.name, 'ResourceNotFoundException');
    assert.equal(missing.message, `${arn}-nope does not exist.`);
    const badName = await errorOf(
      c.send(new CreateAnomalyDetectorCommand({ AnomalyDetectorName: '-bad', AnomalyDetectorConfig: { AnomalyDetectorFrequency: 'PT5M' } })),
    );
    assert.equal(badName.name, 'ValidationException');
    assert.equal(badName.status, 400);
    const second = await errorOf(
      c.send(
        new CreateMetricSetCommand({
          AnomalyDetectorArn: arn,
          MetricSetName: 'other',
          MetricList: [{ MetricName: 'views', AggregationFunction: 'SUM' }],
          TimestampColumn: { ColumnName: 'event_time' },
          MetricSource: SOURCE,
        }),
      ),
    );
    assert.equal(second.name, 'ConflictException');
    const bare = (await c.send(new CreateAnomalyDetectorCommand({ AnomalyDetectorName: 'bare', AnomalyDetectorConfig: { AnomalyDetectorFrequency: 'PT1H' } })))
      .AnomalyDetectorArn;
    const noSet = await errorOf(c.send(new ActivateAnomalyDetectorCommand({ AnomalyDetectorArn: bare })));
    assert.equal(noSet.name, 'ValidationException');
    const freq = await errorOf(
      c.send(
        new CreateMetricSetCommand({
          AnomalyDetectorArn: bare,
          MetricSetName: 'hourly',
          MetricList: [{ MetricName: 'views', AggregationFunction: 'SUM' }],
          TimestampColumn: { ColumnName: 'event_time' },
          MetricSetFrequency: 'PT5M',
          MetricSource: SOURCE,
        }),
      ),
    );
    assert.equal(freq.name, 'ValidationException');
    assert.match(freq.message, /must match the anomaly detector's frequency PT1H/);
    const group = await errorOf(c.send(new GetAnomalyGroupCommand({ AnomalyDetectorArn: arn, AnomalyGroupId: '00000000-0000-0000-0000-000000000000' })));
    assert.equal(group.name, 'ResourceNotFoundException');
    const deact = await errorOf(c.send(new DeactivateAnomalyDetectorCommand({ AnomalyDetectorArn: arn })));
    assert.equal(deact.name, 'ConflictException');
    await c.send(new DeleteAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
    await c.send(new DeleteAnomalyDetectorCommand({ AnomalyDetectorArn: bare }));
  });
});

describe('live detection over S3 intervals (SDK, ManualClock)', () => {
  let h: Harness;
  const DROP: Injection = { marketplace: 'DE', from: 150, to: 153, factor: 0.2 };
  const N = 170;
  before(async () => {
    // Activated a second before T0, so live detection starts with T0's interval, as the backtest does.
    h = await startHarness({ start: T0 - 2000 });
    writeData(h, N, [DROP]);
  });
  after(async () => {
    await h.close();
  });

  it('goes ACTIVATING → LEARNING → ACTIVE, reports the drop as one group led by DE, alerts the webhook, and honours feedback', async () => {
    const c = h.client;
    const arn = await createDetector(c, 'ecommlive');
    await c.send(
      new CreateAlertCommand({
        AlertName: 'ecomm-drop',
        AnomalyDetectorArn: arn,
        AlertSensitivityThreshold: 50,
        Action: { SNSConfiguration: { RoleArn: ROLE, SnsTopicArn: TOPIC, SnsFormat: 'JSON' } },
      }),
    );
    await c.send(new ActivateAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
    const status = async () => (await c.send(new DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: arn }))).Status;
    assert.equal(await status(), 'ACTIVATING');
    h.clock.advance(1000);
    await h.engine.settled();
    assert.equal(await status(), 'LEARNING');
    // Each interval is read 60 s (Offset) after it closes.
    h.clock.advanceTo(T0 + 30 * FREQ + 60_000);
    await h.engine.settled();
    assert.equal(await status(), 'LEARNING');
    h.clock.advanceTo(T0 + N * FREQ + 60_000);
    await h.engine.settled();
    assert.equal(await status(), 'ACTIVE');

    const execs = await c.send(new DescribeAnomalyDetectionExecutionsCommand({ AnomalyDetectorArn: arn, MaxResults: 5 }));
    assert.equal(execs.ExecutionList?.length, 5);
    assert.equal(execs.ExecutionList?.[0]?.Timestamp, new Date(T0 + (N - 1) * FREQ).toISOString().replace('.000Z', 'Z'));
    assert.equal(execs.ExecutionList?.[0]?.Status, 'COMPLETED');

    const summaries = await c.send(new ListAnomalyGroupSummariesCommand({ AnomalyDetectorArn: arn, SensitivityThreshold: 50 }));
    const groups = summaries.AnomalyGroupSummaryList ?? [];
    assert.equal(groups.length, 1, JSON.stringify(groups));
    const g = groups[0]!;
    assert.equal(g.StartTime, new Date(T0 + DROP.from * FREQ).toISOString().replace('.000Z', 'Z'));
    assert.ok(g.AnomalyGroupScore! >= 50);
    assert.equal(g.PrimaryMetricName, 'views');
    assert.equal(summaries.AnomalyGroupStatistics?.TotalCount, 1);

    const full = await c.send(new GetAnomalyGroupCommand({ AnomalyDetectorArn: arn, AnomalyGroupId: g.AnomalyGroupId }));
    const impact = full.AnomalyGroup?.MetricLevelImpactList?.[0];
    assert.equal(impact?.MetricName, 'views');
    const contrib = impact?.ContributionMatrix?.DimensionContributionList?.[0];
    assert.equal(contrib?.DimensionName, 'marketplace');
    assert.equal(contrib?.DimensionValueContributionList?.[0]?.DimensionValue, 'DE');

    const ts = await c.send(new ListAnomalyGroupTimeSeriesCommand({ AnomalyDetectorArn: arn, AnomalyGroupId: g.AnomalyGroupId, MetricName: 'views' }));
    const de = ts.TimeSeriesList?.find((s) => s.DimensionList?.[0]?.DimensionValue === 'DE');
    assert.ok(de);
    assert.equal(de.MetricValueList?.length, ts.TimestampList?.length);
    const at = ts.TimestampList!.indexOf(g.StartTime!);
    assert.ok(at > 0);
    assert.ok(de.MetricValueList![at]! < 0.4 * de.MetricValueList![at - 1]!, 'the drop shows in the series values');

    const related = await c.send(new ListAnomalyGroupRelatedMetricsCommand({ AnomalyDetectorArn: arn, AnomalyGroupId: g.AnomalyGroupId }));
    assert.deepEqual(related.InterMetricImpactList, []);

    const quality = await c.send(new GetDataQualityMetricsCommand({ AnomalyDetectorArn: arn }));
    const metrics = quality.AnomalyDetectorDataQualityMetricList?.[0]?.MetricSetDataQualityMetricList?.[0]?.DataQualityMetricList ?? [];
    assert.equal(metrics.find((m) => m.MetricType === 'ROWS_PROCESSED')?.MetricValue, 18);
    assert.equal(metrics.find((m) => m.MetricType === 'TIME_SERIES_COUNT')?.MetricValue, 6);

    // The webhook got the SNS notification with the alert document.
    assert.equal(h.webhook.bodies.length, 1);
    const note = h.webhook.bodies[0]!;
    assert.equal(note.headers['x-amz-sns-message-type'], 'Notification');
    const envelope = JSON.parse(note.body) as { Type: string; TopicArn: string; Message: string };
    assert.equal(envelope.Type, 'Notification');
    assert.equal(envelope.TopicArn, TOPIC);
    const alert = JSON.parse(envelope.Message) as {
      alertName: string;
      anomalyGroupId: string;
      anomalySeverityScore: number;
      impactedMetric: { metricName: string; dimensionContribution: { dimensionValue: string }[] };
    };
    assert.equal(alert.alertName, 'ecomm-drop');
    assert.equal(alert.anomalyGroupId, g.AnomalyGroupId);
    assert.equal(alert.anomalySeverityScore, g.AnomalyGroupScore);
    assert.equal(alert.impactedMetric.metricName, 'views');
    assert.equal(alert.impactedMetric.dimensionContribution[0]?.dimensionValue, 'DE');

    const seriesId = de.TimeSeriesId!;
    await c.send(
      new PutFeedbackCommand({
        AnomalyDetectorArn: arn,
        AnomalyGroupTimeSeriesFeedback: { AnomalyGroupId: g.AnomalyGroupId, TimeSeriesId: seriesId, IsAnomaly: false },
      }),
    );
    const fb = await c.send(new GetFeedbackCommand({ AnomalyDetectorArn: arn, AnomalyGroupTimeSeriesFeedback: { AnomalyGroupId: g.AnomalyGroupId } }));
    assert.deepEqual(fb.AnomalyGroupTimeSeriesFeedback, [{ TimeSeriesId: seriesId, IsAnomaly: false }]);

    // GetSampleData and DetectMetricSetConfig read the same files.
    const sample = await c.send(
      new GetSampleDataCommand({
        S3SourceConfig: { RoleArn: ROLE, ...SOURCE.S3SourceConfig!, FileFormatDescriptor: SOURCE.S3SourceConfig!.FileFormatDescriptor! },
      }),
    );
    assert.deepEqual(sample.HeaderValues, ['marketplace', 'event_time', 'views']);
    assert.equal(sample.SampleRows?.length, 18);
    const detected = await c.send(
      new DetectMetricSetConfigCommand({
        AnomalyDetectorArn: arn,
        AutoDetectionMetricSource: { S3SourceConfig: { HistoricalDataPathList: SOURCE.S3SourceConfig!.HistoricalDataPathList } },
      }),
    );
    assert.equal(detected.DetectedMetricSetConfig?.MetricSource?.S3SourceConfig?.FileFormatDescriptor?.CsvFormatDescriptor?.Delimiter?.Value?.S, ',');

    await c.send(new DeactivateAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
    assert.equal(await status(), 'DEACTIVATED');

    // Backtest == live: the historical folder holds the same intervals, through a fresh model in the same order.
    const bt = await createDetector(c, 'ecommbacktest');
    await c.send(new BackTestAnomalyDetectorCommand({ AnomalyDetectorArn: bt }));
    assert.equal((await c.send(new DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: bt }))).Status, 'BACK_TEST_ACTIVATING');
    h.clock.advance(1000);
    await h.engine.settled();
    assert.equal((await c.send(new DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: bt }))).Status, 'BACK_TEST_COMPLETE');
    const btGroups = (await c.send(new ListAnomalyGroupSummariesCommand({ AnomalyDetectorArn: bt, SensitivityThreshold: 0 }))).AnomalyGroupSummaryList ?? [];
    const liveGroups = (await c.send(new ListAnomalyGroupSummariesCommand({ AnomalyDetectorArn: arn, SensitivityThreshold: 0 }))).AnomalyGroupSummaryList ?? [];
    const strip = (list: typeof liveGroups) =>
      list.map((x) => ({ StartTime: x.StartTime, EndTime: x.EndTime, Score: x.AnomalyGroupScore, Metric: x.PrimaryMetricName }));
    assert.deepEqual(strip(btGroups), strip(liveGroups));
    const btFull = await c.send(new GetAnomalyGroupCommand({ AnomalyDetectorArn: bt, AnomalyGroupId: btGroups[0]!.AnomalyGroupId }));
    assert.deepEqual(btFull.AnomalyGroup?.MetricLevelImpactList, full.AnomalyGroup?.MetricLevelImpactList);
  });
});

describe('a clean run (SDK, ManualClock)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    writeData(h, 170, []);
  });
  after(async () => {
    await h.close();
  });

  it('reports no anomaly group and sends no alert for the same length of data without injections', async () => {
    const c = h.client;
    const arn = await createDetector(c, 'clean');
    await c.send(
      new CreateAlertCommand({
        AlertName: 'clean-alert',
        AnomalyDetectorArn: arn,
        AlertSensitivityThreshold: 50,
        Action: { SNSConfiguration: { RoleArn: ROLE, SnsTopicArn: TOPIC } },
      }),
    );
    await c.send(new ActivateAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
    h.clock.advance(1000);
    await h.engine.settled();
    h.clock.advanceTo(T0 + 170 * FREQ + 60_000);
    await h.engine.settled();
    const execs = await c.send(new DescribeAnomalyDetectionExecutionsCommand({ AnomalyDetectorArn: arn, MaxResults: 100 }));
    assert.equal(execs.ExecutionList?.length, 100);
    // The interval under way at activation (T0 + 1 s) is skipped: 169 full intervals.
    assert.equal(h.engine.executions.get(arn)?.length, 169);
    assert.ok(execs.NextToken);
    const groups = await c.send(new ListAnomalyGroupSummariesCommand({ AnomalyDetectorArn: arn, SensitivityThreshold: 0 }));
    assert.deepEqual(groups.AnomalyGroupSummaryList, []);
    assert.equal(h.webhook.bodies.length, 0);
  });
});
