/**
 * An alert whose action is a Lambda function (`Action.LambdaConfiguration`): live detection over the embedded
 * object store on a ManualClock invokes a Node function of the same server (created with
 * @aws-sdk/client-lambda) with the alert document as its event; the function posts what it got to a webhook.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ActivateAnomalyDetectorCommand,
  CreateAlertCommand,
  CreateAnomalyDetectorCommand,
  CreateMetricSetCommand,
  ListAnomalyGroupSummariesCommand,
} from '@aws-sdk/client-lookoutmetrics';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { Rng } from '../../src/generators/index.ts';
import { intervalRows, writeInterval } from './data.ts';
import type { Injection } from './data.ts';
import { ROLE, T0, startHarness, startWebhook } from './helpers.ts';
import type { Harness, Webhook } from './helpers.ts';
import { zipOf } from '../functions/helpers.ts';

const FREQ = 300_000;
const N = 170;
const DROP: Injection = { marketplace: 'FR', from: 150, to: 152, factor: 0.15 };
const HANDLER = `
exports.handler = async (event) => {
  await fetch(process.env.HOOK, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
  return { ok: true };
};
`;

describe('alert with a Lambda action', () => {
  let h: Harness;
  let fnHook: Webhook;
  let lambda: LambdaClient;
  before(async () => {
    h = await startHarness({ start: T0 - 2000 });
    fnHook = await startWebhook();
    lambda = new LambdaClient({ endpoint: h.server.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    const rng = new Rng(5);
    for (let i = 0; i < N; i++) writeInterval(h.bucketDir, T0 + i * FREQ, intervalRows(rng, i, T0 + i * FREQ, FREQ, [DROP]));
  });
  after(async () => {
    lambda.destroy();
    await h.close();
    await fnHook.close();
  });

  it('invokes the function with the alert document when a group passes the alert threshold', async () => {
    const fn = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'on-anomaly',
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/lambda-role',
        Code: { ZipFile: zipOf({ 'index.js': HANDLER }) },
        Environment: { Variables: { HOOK: fnHook.url } },
        Timeout: 30,
      }),
    );
    const c = h.client;
    const { AnomalyDetectorArn: arn } = await c.send(
      new CreateAnomalyDetectorCommand({ AnomalyDetectorName: 'lambda-alerts', AnomalyDetectorConfig: { AnomalyDetectorFrequency: 'PT5M' } }),
    );
    await c.send(
      new CreateMetricSetCommand({
        AnomalyDetectorArn: arn,
        MetricSetName: 'ecommerce',
        MetricList: [{ MetricName: 'views', AggregationFunction: 'SUM' }],
        DimensionList: ['marketplace'],
        TimestampColumn: { ColumnName: 'event_time', ColumnFormat: 'yyyy-MM-dd HH:mm:ss.s' },
        Offset: 60,
        MetricSetFrequency: 'PT5M',
        Timezone: 'UTC',
        MetricSource: {
          S3SourceConfig: {
            RoleArn: ROLE,
            TemplatedPathList: ['s3://freshet-s3/streaming-csv/data/intvl_date={{yyyy-MM-dd}}/intvl_hhmm={{HHmm}}'],
            FileFormatDescriptor: { CsvFormatDescriptor: { ContainsHeader: true, Delimiter: ',' } },
          },
        },
      }),
    );
    const { AlertArn } = await c.send(
      new CreateAlertCommand({
        AlertName: 'to-function',
        AnomalyDetectorArn: arn,
        AlertSensitivityThreshold: 50,
        Action: { LambdaConfiguration: { RoleArn: ROLE, LambdaArn: fn.FunctionArn! } },
      }),
    );
    await c.send(new ActivateAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
    h.clock.advance(1000);
    await h.engine.settled();
    h.clock.advanceTo(T0 + N * FREQ + 60_000);
    await h.engine.settled();

    const groups = (await c.send(new ListAnomalyGroupSummariesCommand({ AnomalyDetectorArn: arn, SensitivityThreshold: 50 }))).AnomalyGroupSummaryList ?? [];
    assert.equal(groups.length, 1, JSON.stringify(groups));
    // The function ran inside the delivery that settled() awaited, so its POST has arrived.
    assert.equal(fnHook.bodies.length, 1);
    const event = JSON.parse(fnHook.bodies[0]!.body) as {
      alertName: string;
      alertArn: string;
      anomalyDetectorArn: string;
      anomalyGroupId: string;
      anomalySeverityScore: number;
      impactedMetric: { metricName: string; dimensionContribution: { dimensionValue: string }[] };
    };
    assert.equal(event.alertName, 'to-function');
    assert.equal(event.alertArn, AlertArn);
    assert.equal(event.anomalyDetectorArn, arn);
    assert.equal(event.anomalyGroupId, groups[0]!.AnomalyGroupId);
    assert.equal(event.anomalySeverityScore, groups[0]!.AnomalyGroupScore);
    assert.equal(event.impactedMetric.metricName, 'views');
    assert.equal(event.impactedMetric.dimensionContribution[0]?.dimensionValue, 'FR');
    // Nothing went to the SNS webhook: the action is the function alone.
    assert.equal(h.webhook.bodies.length, 0);
  });
});
