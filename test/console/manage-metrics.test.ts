/**
 * The console's day-to-day actions on metrics, alarms, detectors and views, in Debian's chromium (playwright-core),
 * against one Freshet server started in this process on a ManualClock with the Postgres endpoint: a metric alarm
 * created, edited and deleted from its form, a dashboard from its JSON body, a detector with its metric set and an
 * alert, an anomaly group's related metrics, and a materialized view created, refreshed and dropped. Every change
 * is read back with the SDK (or over the Postgres wire, as psql would), and every refusal is shown in the words of
 * the API that refused it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  GetDashboardCommand,
  ListDashboardsCommand,
  PutCompositeAlarmCommand,
} from '@aws-sdk/client-cloudwatch';
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  ActivateAnomalyDetectorCommand,
  CreateAnomalyDetectorCommand,
  CreateMetricSetCommand,
  DescribeAlertCommand,
  DescribeAnomalyDetectorCommand,
  DescribeMetricSetCommand,
  ListAlertsCommand,
  ListAnomalyDetectorsCommand,
  ListAnomalyGroupSummariesCommand,
  ListMetricSetsCommand,
  LookoutMetricsClient,
} from '@aws-sdk/client-lookoutmetrics';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import pg from 'pg';
import { CONSOLE_SIGNING_NAME, createConsole } from '../../src/console/index.ts';
import { ManualClock } from '../../src/core/index.ts';
import type { DetectorsService } from '../../src/detectors/index.ts';
import { formatJava } from '../../src/firehose/index.ts';
import { Rng } from '../../src/generators/index.ts';
import { waitForStreamActive } from '../../src/pipeline/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { MARKETPLACES } from '../detectors/data.ts';
import { buildConsoleAssets, launchChromium, newPage, refusedLine, shot } from './launch2.ts';
import { textMatching, valueMatching } from './helpers.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const credentials = { accessKeyId: 'AKID', secretAccessKey: 'secret' };
const T0 = Date.UTC(2021, 5, 2, 0, 0, 0);
const FREQ = 300_000;
const ROLE = 'arn:aws:iam::000000000000:role/l4m-role';
const BAD_REQUEST = refusedLine(400, 'Bad Request');

/** Revenue in DE drops first, views in DE three intervals later (as test/detectors/related.test.ts). */
const N = 90;
const REVENUE_DROP = [75, 76] as const;
const VIEWS_DROP = [79, 81] as const;

function writeRelatedIntervals(bucketDir: string): void {
  const rng = new Rng(11);
  for (let i = 0; i < N; i++) {
    const start = T0 + i * FREQ;
    const day = Math.sin((2 * Math.PI * (start % 86_400_000)) / 86_400_000);
    const rows = ['marketplace,event_time,views,revenue'];
    for (const [k, m] of MARKETPLACES.entries()) {
      let views = (1000 + 300 * k) * (1 + 0.3 * day) * (1 + 0.05 * rng.normal());
      let revenue = (50_000 + 9_000 * k) * (1 + 0.3 * day) * (1 + 0.05 * rng.normal());
      if (m === 'DE' && i >= REVENUE_DROP[0] && i <= REVENUE_DROP[1]) revenue *= 0.2;
      if (m === 'DE' && i >= VIEWS_DROP[0] && i <= VIEWS_DROP[1]) views *= 0.2;
      rows.push(`${m},${formatJava('yyyy-MM-dd HH:mm:ss.S', start + 1000 * k)},${Math.round(views)},${Math.round(revenue)}`);
    }
    const dir = join(bucketDir, 'related', `intvl_date=${formatJava('yyyy-MM-dd', start)}`, `intvl_hhmm=${formatJava('HHmm', start)}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'part-0000.csv'), `${rows.join('\n')}\n`);
  }
}

describe('console: managing alarms, dashboards, detectors and views in chromium (ManualClock, Postgres endpoint)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-console-manage-'));
  const webConsole = createConsole();
  const clock = new ManualClock(T0 - 2000);
  let server: FreshetServer;
  let cw: CloudWatchClient;
  let l4m: LookoutMetricsClient;
  let kinesis: KinesisClient;
  let browser: Browser;
  let page: Page;
  const browserErrors: string[] = [];

  /** Runs `step`, which makes the server refuse `count` requests, and takes chromium's lines for them out of the log. */
  const expectRefusals = async (count: number, step: () => Promise<void>, line = BAD_REQUEST) => {
    const logged = browserErrors.length;
    await step();
    assert.deepEqual(
      browserErrors.splice(logged),
      Array.from({ length: count }, () => line),
    );
  };

  before(async () => {
    buildConsoleAssets();
    server = await startServer({ port: 0, dataDir, fsync: { kind: 'never' }, clock, pg: { port: 0 }, httpRoutes: webConsole.routes });
    const pgEndpoint = server.pg!;
    webConsole.attach({
      kinesis: server.kinesis,
      services: server.services,
      dataDir,
      region: 'us-east-1',
      views: async () => (await pgEndpoint.engine()).list(),
      postgres: { host: pgEndpoint.host, port: pgEndpoint.port },
    });
    cw = new CloudWatchClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    l4m = new LookoutMetricsClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    kinesis = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    browser = await launchChromium();
    page = await newPage(browser, browserErrors);
  });

  after(async () => {
    await browser?.close();
    cw?.destroy();
    l4m?.destroy();
    kinesis?.destroy();
    webConsole.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("shows an anomaly group's related metrics: an earlier drop of another measure as a potential cause", async () => {
    const bucketDir = join(dataDir, 's3', 'freshet-s3');
    writeRelatedIntervals(bucketDir);
    const { AnomalyDetectorArn: arn } = await l4m.send(
      new CreateAnomalyDetectorCommand({ AnomalyDetectorName: 'shop', AnomalyDetectorConfig: { AnomalyDetectorFrequency: 'PT5M' } }),
    );
    await l4m.send(
      new CreateMetricSetCommand({
        AnomalyDetectorArn: arn,
        MetricSetName: 'shop',
        MetricList: [
          { MetricName: 'views', AggregationFunction: 'SUM' },
          { MetricName: 'revenue', AggregationFunction: 'SUM' },
        ],
        DimensionList: ['marketplace'],
        TimestampColumn: { ColumnName: 'event_time', ColumnFormat: 'yyyy-MM-dd HH:mm:ss.s' },
        Offset: 60,
        MetricSetFrequency: 'PT5M',
        Timezone: 'UTC',
        MetricSource: {
          S3SourceConfig: {
            RoleArn: ROLE,
            TemplatedPathList: ['s3://freshet-s3/related/intvl_date={{yyyy-MM-dd}}/intvl_hhmm={{HHmm}}'],
            FileFormatDescriptor: { CsvFormatDescriptor: { ContainsHeader: true, Delimiter: ',' } },
          },
        },
      }),
    );
    // Activated two seconds before T0 (the test runs first), so live detection starts with T0's interval.
    await l4m.send(new ActivateAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
    const engine = (server.services.find((s) => s.signingName === 'lookoutmetrics') as DetectorsService).engine;
    clock.advance(1000);
    await engine.settled();
    clock.advanceTo(T0 + N * FREQ + 60_000);
    await engine.settled();
    const at = (i: number) => new Date(T0 + i * FREQ).toISOString().replace('.000Z', 'Z');
    const groups = (await l4m.send(new ListAnomalyGroupSummariesCommand({ AnomalyDetectorArn: arn, SensitivityThreshold: 50 }))).AnomalyGroupSummaryList ?? [];
    const revenueGroup = groups.find((g) => g.StartTime === at(REVENUE_DROP[0]));
    const viewsGroup = groups.find((g) => g.StartTime === at(VIEWS_DROP[0]));
    assert.ok(revenueGroup && viewsGroup, JSON.stringify(groups));

    await page.goto(`${server.url}/console/#/detectors/shop`);
    const row = page.locator(`[data-testid=anomaly-groups] tr[data-id="${viewsGroup.AnomalyGroupId}"]`);
    await row.waitFor({ timeout: 15_000 });
    await row.getByRole('button', { name: 'Details' }).click();
    const related = page.locator('[data-testid=related-metrics] tr[data-metric=revenue]');
    await related.waitFor({ timeout: 10_000 });
    assert.deepEqual(await related.locator('td').allTextContents(), ['revenue', 'potential cause', '100%', revenueGroup.AnomalyGroupId]);
    // The cause's time series are charted too: revenue in DE, in the revenue group (its anomalous intervals as points).
    const relatedDe = page.locator('[data-testid=related-series][data-metric=revenue] [data-testid=time-series][data-label="marketplace=DE"]');
    await relatedDe.locator('.uplot').waitFor({ timeout: 10_000 });
    assert.deepEqual(
      await page
        .locator('[data-testid=related-series][data-metric=revenue] [data-testid=time-series]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-label'))),
      ['marketplace=DE'],
    );
    await shot(page, 'related-metrics');
    // Following the cause to its group: the revenue group names views as its effect.
    await related.getByRole('button', { name: revenueGroup.AnomalyGroupId }).click();
    await page.locator('[data-testid=related-metrics] tr[data-metric=views]', { hasText: 'effect' }).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('[data-testid=related-metrics] tr[data-metric=views] td').nth(3).textContent(), viewsGroup.AnomalyGroupId);
  });

  it('creates a metric alarm from its form (a bad period refused in CloudWatch words), edits its threshold and actions, and deletes it', async () => {
    await page.goto(`${server.url}/console/#/metrics`);
    await page.getByRole('button', { name: 'Create alarm', exact: true }).click();
    const form = page.locator('[data-testid=alarm-form]');
    await form.locator('[name=name]').fill('orders-slow');
    await form.locator('[name=namespace]').fill('AWS/Kinesis');
    await form.locator('[name=metric]').fill('IncomingRecords');
    await form.locator('[name=dimensions]').fill('StreamName=orders');
    await form.locator('[name=statistic]').selectOption('Sum');
    await form.locator('[name=period]').fill('45');
    await form.locator('[name=comparison]').selectOption('LessThanThreshold');
    await form.locator('[name=threshold]').fill('10');
    await form.locator('[name=evaluationPeriods]').fill('3');
    await form.locator('[name=datapoints]').fill('2');
    await form.locator('[name=missing]').selectOption('breaching');
    await form.locator('[name=alarmActions]').fill('arn:aws:sns:us-east-1:000000000000:on-call');
    await expectRefusals(1, async () => {
      await form.getByRole('button', { name: 'Create alarm' }).click();
      await form.locator('.error', { hasText: 'ValidationError: The parameter Period must be 10, 20, 30 or a multiple of 60.' }).waitFor({ timeout: 10_000 });
    });
    await shot(page, 'alarm-form', { docs: true });
    await form.locator('[name=period]').fill('60');
    await form.getByRole('button', { name: 'Create alarm' }).click();
    const row = page.locator('[data-testid=alarms] tr[data-name=orders-slow]');
    await row.waitFor({ timeout: 10_000 });
    assert.match((await row.textContent()) ?? '', /LessThanThreshold 10/);
    const described = async () => (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['orders-slow'] }))).MetricAlarms ?? [];
    const [created] = await described();
    assert.ok(created);
    assert.deepEqual(
      {
        Namespace: created.Namespace,
        MetricName: created.MetricName,
        Dimensions: created.Dimensions,
        Statistic: created.Statistic,
        Period: created.Period,
        EvaluationPeriods: created.EvaluationPeriods,
        DatapointsToAlarm: created.DatapointsToAlarm,
        Threshold: created.Threshold,
        ComparisonOperator: created.ComparisonOperator,
        TreatMissingData: created.TreatMissingData,
        AlarmActions: created.AlarmActions,
      },
      {
        Namespace: 'AWS/Kinesis',
        MetricName: 'IncomingRecords',
        Dimensions: [{ Name: 'StreamName', Value: 'orders' }],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        Threshold: 10,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
        AlarmActions: ['arn:aws:sns:us-east-1:000000000000:on-call'],
      },
    );

    // Edit: the form opens with the alarm's settings; the name cannot change (PutMetricAlarm would make another).
    await row.getByRole('button', { name: 'Edit' }).click();
    assert.equal(await form.locator('[name=name]').inputValue(), 'orders-slow');
    assert.equal(await form.locator('[name=name]').getAttribute('readonly'), '');
    assert.equal(await form.locator('[name=statistic]').inputValue(), 'Sum');
    assert.equal(await form.locator('[name=dimensions]').inputValue(), 'StreamName=orders');
    // Its actions are switched off first: saving the form keeps them off (PutMetricAlarm replaces the whole alarm).
    await row.getByRole('button', { name: 'Disable actions' }).click();
    await row.getByRole('button', { name: 'Enable actions' }).waitFor({ timeout: 10_000 });
    await form.locator('[name=threshold]').fill('25');
    await form.locator('[name=statistic]').selectOption('p99');
    await form.locator('[name=alarmActions]').fill('');
    await form.getByRole('button', { name: 'Save alarm' }).click();
    await row.filter({ hasText: 'LessThanThreshold 25' }).waitFor({ timeout: 10_000 });
    const [edited] = await described();
    assert.equal(edited?.Threshold, 25);
    assert.deepEqual(edited?.AlarmActions, []);
    assert.equal(edited?.Period, 60);
    assert.equal(edited?.Statistic, undefined);
    assert.equal(edited?.ExtendedStatistic, 'p99');
    assert.equal(edited?.ActionsEnabled, false);

    // Delete, after the question (dismissing it keeps the alarm).
    page.once('dialog', (d) => void d.dismiss());
    await row.getByRole('button', { name: 'Delete' }).click();
    assert.equal((await described()).length, 1);
    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.locator('.message', { hasText: 'Alarm orders-slow deleted' }).waitFor({ timeout: 10_000 });
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    assert.deepEqual(await described(), []);
  });

  it('creates and edits a metric-math, an anomaly-detection and a composite alarm from the form, each opening its stored definition', async () => {
    await page.goto(`${server.url}/console/#/metrics`);
    const form = page.locator('[data-testid=alarm-form]');
    const queries = form.locator('[data-testid=alarm-queries] tbody tr');
    const describe = async (name: string) => {
      const r = await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }));
      return { metric: r.MetricAlarms?.[0], composite: r.CompositeAlarms?.[0] };
    };

    // Metric math: the form starts with a metric (m1, not returned) and an expression over it (e1, returned).
    await page.getByRole('button', { name: 'Create alarm', exact: true }).click();
    await form.locator('[name=name]').fill('orders-rate');
    await form.locator('[name=kind]').selectOption('math');
    await queries.nth(0).locator('[name=namespace]').fill('AWS/Kinesis');
    await queries.nth(0).locator('[name=metric]').fill('IncomingRecords');
    await queries.nth(0).locator('[name=dimensions]').fill('StreamName=orders');
    await queries.nth(0).locator('[name=stat]').fill('Sum');
    await queries.nth(1).locator('[name=expression]').fill('m1 / 60');
    await queries.nth(1).locator('[name=label]').fill('per second');
    await form.locator('[name=threshold]').fill('100');
    // Both queries returned: CloudWatch's refusal under the form.
    await queries.nth(0).locator('[name=returnData]').check();
    await expectRefusals(1, async () => {
      await form.getByRole('button', { name: 'Create alarm' }).click();
      await form
        .locator('.error', { hasText: 'ValidationError: Exactly one element of the Metrics array must have ReturnData set to true.' })
        .waitFor({ timeout: 10_000 });
    });
    await queries.nth(0).locator('[name=returnData]').uncheck();
    await form.getByRole('button', { name: 'Create alarm' }).click();
    const mathRow = page.locator('[data-testid=alarms] tr[data-name=orders-rate]');
    await mathRow.filter({ hasText: 'm1 / 60' }).waitFor({ timeout: 10_000 });
    const math = (await describe('orders-rate')).metric;
    assert.deepEqual(math?.Metrics, [
      {
        Id: 'm1',
        ReturnData: false,
        MetricStat: {
          Metric: { Namespace: 'AWS/Kinesis', MetricName: 'IncomingRecords', Dimensions: [{ Name: 'StreamName', Value: 'orders' }] },
          Period: 60,
          Stat: 'Sum',
        },
      },
      { Id: 'e1', Expression: 'm1 / 60', Label: 'per second', ReturnData: true },
    ]);
    assert.equal(math?.Threshold, 100);
    assert.equal(math?.MetricName, undefined);

    // Editing opens the stored queries; the expression changes.
    await mathRow.getByRole('button', { name: 'Edit' }).click();
    assert.equal(await valueMatching(queries.nth(1).locator('[name=expression]'), /m1 \/ 60/), 'm1 / 60');
    assert.equal(await form.locator('[name=kind]').inputValue(), 'math');
    assert.equal(await queries.nth(0).locator('[name=dimensions]').inputValue(), 'StreamName=orders');
    assert.equal(await queries.nth(0).locator('[name=returnData]').isChecked(), false);
    await queries.nth(1).locator('[name=expression]').fill('m1 / 30');
    await form.getByRole('button', { name: 'Save alarm' }).click();
    await mathRow.filter({ hasText: 'm1 / 30' }).waitFor({ timeout: 10_000 });
    assert.equal((await describe('orders-rate')).metric?.Metrics?.[1]?.Expression, 'm1 / 30');

    // Anomaly detection: the metric and its band (ad1), compared with the band's operators.
    await page.getByRole('button', { name: 'Create alarm', exact: true }).click();
    await form.locator('[name=name]').fill('orders-band');
    await form.locator('[name=kind]').selectOption('anomaly');
    await queries.nth(0).locator('[name=namespace]').fill('AWS/Kinesis');
    await queries.nth(0).locator('[name=metric]').fill('IncomingRecords');
    await queries.nth(0).locator('[name=dimensions]').fill('StreamName=orders');
    await queries.nth(1).locator('[name=expression]').fill('ANOMALY_DETECTION_BAND(m1, 3)');
    await form.locator('[name=comparison]').selectOption('GreaterThanUpperThreshold');
    await form.locator('[name=evaluationPeriods]').fill('2');
    await shot(page, 'alarm-form-anomaly');
    await form.getByRole('button', { name: 'Create alarm' }).click();
    const bandRow = page.locator('[data-testid=alarms] tr[data-name=orders-band]');
    await bandRow.filter({ hasText: 'GreaterThanUpperThreshold ad1' }).waitFor({ timeout: 10_000 });
    const band = (await describe('orders-band')).metric;
    assert.equal(band?.ThresholdMetricId, 'ad1');
    assert.equal(band?.Threshold, undefined);
    assert.equal(band?.EvaluationPeriods, 2);
    assert.deepEqual(
      band?.Metrics?.map((q) => [q.Id, q.Expression ?? q.MetricStat?.Metric?.MetricName, q.ReturnData]),
      [
        ['m1', 'IncomingRecords', true],
        ['ad1', 'ANOMALY_DETECTION_BAND(m1, 3)', true],
      ],
    );
    // Edited: the band opens as stored and is narrowed.
    await bandRow.getByRole('button', { name: 'Edit' }).click();
    assert.equal(await valueMatching(queries.nth(1).locator('[name=expression]'), /BAND/), 'ANOMALY_DETECTION_BAND(m1, 3)');
    assert.equal(await form.locator('[name=comparison]').inputValue(), 'GreaterThanUpperThreshold');
    await queries.nth(1).locator('[name=expression]').fill('ANOMALY_DETECTION_BAND(m1, 1.5)');
    await form.getByRole('button', { name: 'Save alarm' }).click();
    await form.waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal((await describe('orders-band')).metric?.Metrics?.[1]?.Expression, 'ANOMALY_DETECTION_BAND(m1, 1.5)');

    // Composite: a rule over an alarm that does not exist is refused; then one over the two above, edited from OR to AND.
    await page.getByRole('button', { name: 'Create alarm', exact: true }).click();
    await form.locator('[name=name]').fill('orders-trouble');
    await form.locator('[name=kind]').selectOption('composite');
    await form.locator('[name=rule]').fill('ALARM("orders-rate") OR ALARM("no-such-alarm")');
    await form.locator('[name=alarmActions]').fill('arn:aws:sns:us-east-1:000000000000:on-call');
    await expectRefusals(1, async () => {
      await form.getByRole('button', { name: 'Create alarm' }).click();
      await form
        .locator('.error', { hasText: 'ValidationError: Could not save the composite alarm as alarms [no-such-alarm] in the alarm rule do not exist' })
        .waitFor({ timeout: 10_000 });
    });
    await form.locator('[name=rule]').fill('ALARM("orders-rate") OR ALARM("orders-band")');
    await form.getByRole('button', { name: 'Create alarm' }).click();
    const compositeRow = page.locator('[data-testid=alarms] tr[data-name=orders-trouble]');
    await compositeRow.filter({ hasText: 'ALARM("orders-rate") OR ALARM("orders-band")' }).waitFor({ timeout: 10_000 });
    assert.deepEqual((await describe('orders-trouble')).composite?.AlarmActions, ['arn:aws:sns:us-east-1:000000000000:on-call']);
    // An actions suppressor set with the SDK (the form does not show it) is kept when the form saves the alarm.
    await cw.send(
      new PutCompositeAlarmCommand({
        AlarmName: 'orders-trouble',
        AlarmRule: 'ALARM("orders-rate") OR ALARM("orders-band")',
        AlarmActions: ['arn:aws:sns:us-east-1:000000000000:on-call'],
        ActionsSuppressor: 'orders-band',
        ActionsSuppressorWaitPeriod: 120,
        ActionsSuppressorExtensionPeriod: 60,
      }),
    );
    await page.reload();
    await compositeRow.getByRole('button', { name: 'Edit' }).click();
    assert.equal(await valueMatching(form.locator('[name=rule]'), /orders-band/), 'ALARM("orders-rate") OR ALARM("orders-band")');
    assert.equal(await form.locator('[name=alarmActions]').inputValue(), 'arn:aws:sns:us-east-1:000000000000:on-call');
    await form.locator('[name=rule]').fill('ALARM("orders-rate") AND ALARM("orders-band")');
    await form.getByRole('button', { name: 'Save alarm' }).click();
    await compositeRow.filter({ hasText: ' AND ' }).waitFor({ timeout: 10_000 });
    const composite = (await describe('orders-trouble')).composite;
    assert.equal(composite?.AlarmRule, 'ALARM("orders-rate") AND ALARM("orders-band")');
    assert.deepEqual(composite?.AlarmActions, ['arn:aws:sns:us-east-1:000000000000:on-call']);
    assert.deepEqual(
      [composite?.ActionsSuppressor, composite?.ActionsSuppressorWaitPeriod, composite?.ActionsSuppressorExtensionPeriod],
      ['orders-band', 120, 60],
    );
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['orders-trouble'] }));
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['orders-rate', 'orders-band'] }));
  });

  it("creates a dashboard from its JSON body, lists PutDashboard's validation messages for a bad one, edits and deletes it", async () => {
    await page.goto(`${server.url}/console/#/metrics`);
    await page.getByRole('button', { name: 'Create dashboard', exact: true }).click();
    const form = page.locator('[data-testid=dashboard-form]');
    await form.locator('[name=dashboard]').fill('ops');
    // A text widget without its markdown: CloudWatch's DashboardInvalidInputError with one validation message.
    await form.locator('[name=body]').fill(JSON.stringify({ widgets: [{ type: 'text', x: 0, y: 0, width: 12, height: 3, properties: {} }] }));
    const problem = form.locator('[data-testid=dashboard-problem]');
    await expectRefusals(1, async () => {
      await form.getByRole('button', { name: 'Save dashboard' }).click();
      await problem.waitFor({ timeout: 10_000 });
    });
    assert.match(
      (await problem.locator('p').textContent()) ?? '',
      /^DashboardInvalidInputError: The dashboard body is invalid, there are 1 validation errors:$/,
    );
    assert.deepEqual(await problem.locator('li').allTextContents(), ["/widgets/0/properties Should have required property 'markdown'"]);
    await shot(page, 'dashboard-editor');
    assert.deepEqual((await cw.send(new ListDashboardsCommand({}))).DashboardEntries, []);

    await form
      .locator('[name=body]')
      .fill(JSON.stringify({ widgets: [{ type: 'text', x: 0, y: 0, width: 12, height: 3, properties: { markdown: 'On call: ops' } }] }));
    await form.getByRole('button', { name: 'Save dashboard' }).click();
    const section = page.locator('section[data-dashboard=ops]');
    await section.locator('.text-widget', { hasText: 'On call: ops' }).waitFor({ timeout: 10_000 });

    // Edit: the editor opens with the stored body; the drawn dashboard follows the saved one.
    await section.getByRole('button', { name: 'Edit' }).click();
    assert.match(await valueMatching(form.locator('[name=body]'), /On call: ops/), /On call: ops/);
    await form
      .locator('[name=body]')
      .fill(JSON.stringify({ widgets: [{ type: 'text', x: 0, y: 0, width: 12, height: 3, properties: { markdown: 'On call: ana' } }] }));
    await form.getByRole('button', { name: 'Save dashboard' }).click();
    await section.locator('.text-widget', { hasText: 'On call: ana' }).waitFor({ timeout: 10_000 });
    assert.match((await cw.send(new GetDashboardCommand({ DashboardName: 'ops' }))).DashboardBody ?? '', /On call: ana/);

    page.once('dialog', (d) => void d.accept());
    await section.getByRole('button', { name: 'Delete' }).click();
    await section.waitFor({ state: 'detached', timeout: 10_000 });
    assert.deepEqual((await cw.send(new ListDashboardsCommand({}))).DashboardEntries, []);
  });

  it('creates a detector with its frequency, its metric set over a Kinesis stream and alerts, updates the metric set (S3, gzipped CSV) and an alert (filters), then deletes an alert and the detector', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'console-clicks', ShardCount: 1 }));
    clock.advance(10_000);
    await waitForStreamActive(kinesis, 'console-clicks');

    await page.goto(`${server.url}/console/#/detectors`);
    await page.getByRole('button', { name: 'Create detector', exact: true }).click();
    const form = page.locator('[data-testid=detector-form]');
    await form.locator('[name=name]').fill('clicks');
    await form.locator('[name=description]').fill('clicks per page');
    await form.locator('[name=frequency]').selectOption('PT10M');
    await form.getByRole('button', { name: 'Create detector' }).click();
    await page.locator('[data-testid=detectors] tr[data-name=clicks]').waitFor({ timeout: 10_000 });
    const arn = (await l4m.send(new ListAnomalyDetectorsCommand({}))).AnomalyDetectorSummaryList?.find(
      (d) => d.AnomalyDetectorName === 'clicks',
    )?.AnomalyDetectorArn;
    assert.ok(arn);
    const detector = await l4m.send(new DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
    assert.equal(detector.AnomalyDetectorConfig?.AnomalyDetectorFrequency, 'PT10M');
    assert.equal(detector.AnomalyDetectorDescription, 'clicks per page');

    // A second detector of the same name: Lookout for Metrics' refusal under the form.
    await page.getByRole('button', { name: 'Create detector', exact: true }).click();
    await form.locator('[name=name]').fill('clicks');
    await expectRefusals(
      1,
      async () => {
        await form.getByRole('button', { name: 'Create detector' }).click();
        await form.locator('.error', { hasText: /^ConflictException: / }).waitFor({ timeout: 10_000 });
      },
      refusedLine(409, 'Conflict'),
    );
    await form.getByRole('button', { name: 'Cancel' }).click();

    await page.locator('[data-testid=detectors] tr[data-name=clicks] a').click();
    const setSection = page.locator('[data-testid=metric-set]');
    await setSection.getByRole('button', { name: 'Create metric set' }).click();
    const setForm = page.locator('[data-testid=metric-set-form]');
    await setForm.locator('h3', { hasText: 'PT10M' }).waitFor();
    await setForm.locator('[name=name]').fill('clickstream');
    await setForm.locator('[name=stream]').fill('console-clicks');
    await setForm.locator('[name=roleArn]').fill(ROLE);
    await setForm.locator('[name=metrics]').fill('clicks:SUM, latency:AVG');
    await setForm.locator('[name=dimensions]').fill('page');
    await setForm.locator('[name=timestampColumn]').fill('ts');
    await shot(page, 'metric-set-form');
    await setForm.getByRole('button', { name: 'Create metric set' }).click();
    await setSection.locator('td', { hasText: 'kinesis://console-clicks' }).waitFor({ timeout: 10_000 });
    const sets = (await l4m.send(new ListMetricSetsCommand({ AnomalyDetectorArn: arn }))).MetricSetSummaryList ?? [];
    assert.equal(sets.length, 1);
    const set = await l4m.send(new DescribeMetricSetCommand({ MetricSetArn: sets[0]!.MetricSetArn }));
    assert.deepEqual(set.MetricList, [
      { MetricName: 'clicks', AggregationFunction: 'SUM' },
      { MetricName: 'latency', AggregationFunction: 'AVG' },
    ]);
    assert.deepEqual(set.DimensionList, ['page']);
    assert.deepEqual(set.TimestampColumn, { ColumnName: 'ts', ColumnFormat: 'yyyy-MM-dd HH:mm:ss' });
    assert.equal(set.MetricSetFrequency, 'PT10M');
    assert.deepEqual(set.MetricSource?.S3SourceConfig?.TemplatedPathList, ['kinesis://console-clicks']);
    assert.ok(set.MetricSource?.S3SourceConfig?.FileFormatDescriptor?.JsonFormatDescriptor);

    // An alert: a sensitivity out of range is refused in the model's words, then a Lambda action is kept.
    await page.getByRole('button', { name: 'Create alert', exact: true }).click();
    const alertForm = page.locator('[data-testid=alert-form]');
    await alertForm.locator('[name=name]').fill('clicks-drop');
    await alertForm.locator('[name=sensitivity]').fill('150');
    await alertForm.locator('[name=target]').fill('arn:aws:lambda:us-east-1:000000000000:function:page-on-call');
    await alertForm.locator('[name=roleArn]').fill(ROLE);
    await expectRefusals(1, async () => {
      await alertForm.getByRole('button', { name: 'Create alert' }).click();
      await alertForm.locator('.error', { hasText: /^ValidationException: .*alertSensitivityThreshold/i }).waitFor({ timeout: 10_000 });
    });
    await alertForm.locator('[name=sensitivity]').fill('60');
    await alertForm.getByRole('button', { name: 'Create alert' }).click();
    const alertRow = page.locator('[data-testid=alerts] tr[data-name=clicks-drop]');
    await alertRow.waitFor({ timeout: 10_000 });
    assert.match((await alertRow.textContent()) ?? '', /60/);
    const alerts = (await l4m.send(new ListAlertsCommand({ AnomalyDetectorArn: arn }))).AlertSummaryList ?? [];
    assert.deepEqual(
      alerts.map((a) => [a.AlertName, a.AlertSensitivityThreshold, a.AlertType]),
      [['clicks-drop', 60, 'LAMBDA']],
    );
    // An SNS action (delivered to the topic's webhook) with its format.
    await page.getByRole('button', { name: 'Create alert', exact: true }).click();
    await alertForm.locator('[name=name]').fill('clicks-page');
    await alertForm.locator('[name=kind]').selectOption('sns');
    await alertForm.locator('[name=target]').fill('arn:aws:sns:us-east-1:000000000000:clicks');
    await alertForm.locator('[name=roleArn]').fill(ROLE);
    await alertForm.locator('[name=snsFormat]').selectOption('LONG_TEXT');
    await alertForm.getByRole('button', { name: 'Create alert' }).click();
    await page.locator('[data-testid=alerts] tr[data-name=clicks-page]').waitFor({ timeout: 10_000 });
    const sns = (await l4m.send(new ListAlertsCommand({ AnomalyDetectorArn: arn }))).AlertSummaryList?.find((a) => a.AlertName === 'clicks-page');
    assert.equal(sns?.AlertType, 'SNS');
    const snsAction = (await l4m.send(new DescribeAlertCommand({ AlertArn: sns.AlertArn }))).Alert?.Action?.SNSConfiguration;
    assert.deepEqual(snsAction, { RoleArn: ROLE, SnsTopicArn: 'arn:aws:sns:us-east-1:000000000000:clicks', SnsFormat: 'LONG_TEXT' });

    // The metric set updated (UpdateMetricSet): the form opens with its definition; an offset over 5 days is refused in
    // the model's words; then the source moves to an S3 path of gzipped CSV with ";" and a header line, with a third
    // measure, a second dimension and a new offset.
    await setSection.getByRole('button', { name: 'Edit metric set' }).click();
    assert.equal(await valueMatching(setForm.locator('[name=stream]'), /console-clicks/), 'console-clicks');
    assert.equal(await setForm.locator('[name=metrics]').inputValue(), 'clicks:SUM, latency:AVG');
    assert.equal(await setForm.locator('[name=name]').getAttribute('readonly'), '');
    await setForm.locator('[name=offset]').fill('500000');
    await expectRefusals(1, async () => {
      await setForm.getByRole('button', { name: 'Update metric set' }).click();
      await setForm.locator('.error', { hasText: /^ValidationException: .*offset/i }).waitFor({ timeout: 10_000 });
    });
    await setForm.locator('[name=sourceKind]').selectOption('s3');
    await setForm.locator('[name=path]').fill('s3://freshet-s3/clicks/{{yyyyMMdd}}/{{HHmm}}');
    await setForm.locator('[name=format]').selectOption('csv');
    await setForm.locator('[name=compression]').selectOption('GZIP');
    await setForm.locator('[name=delimiter]').fill(';');
    await setForm.locator('[name=metrics]').fill('clicks:SUM, latency:AVG, views:SUM');
    await setForm.locator('[name=dimensions]').fill('page, country');
    await setForm.locator('[name=offset]').fill('120');
    await setForm.getByRole('button', { name: 'Update metric set' }).click();
    await setSection.locator('.message', { hasText: 'Metric set clickstream updated' }).waitFor({ timeout: 10_000 });
    // The message shows at once; the summary follows when the page has described the set again.
    assert.equal(await textMatching(setSection.locator('[data-testid=metric-set-format]'), /^CSV/), 'CSV (header, ";", GZIP, UTF-8)');
    const updated = await l4m.send(new DescribeMetricSetCommand({ MetricSetArn: sets[0]!.MetricSetArn }));
    assert.deepEqual(updated.MetricSource?.S3SourceConfig?.TemplatedPathList, ['s3://freshet-s3/clicks/{{yyyyMMdd}}/{{HHmm}}']);
    assert.deepEqual(updated.MetricSource?.S3SourceConfig?.FileFormatDescriptor, {
      CsvFormatDescriptor: { FileCompression: 'GZIP', Charset: 'UTF-8', Delimiter: ';', QuoteSymbol: '"', ContainsHeader: true },
    });
    assert.deepEqual(
      updated.MetricList?.map((m) => m.MetricName),
      ['clicks', 'latency', 'views'],
    );
    assert.deepEqual(updated.DimensionList, ['page', 'country']);
    assert.equal(updated.Offset, 120);

    // The SNS alert updated (UpdateAlert): it opens as stored; a new threshold and its filters (AlertFilters).
    const snsRow = page.locator('[data-testid=alerts] tr[data-name=clicks-page]');
    await snsRow.getByRole('button', { name: 'Edit' }).click();
    assert.equal(await valueMatching(alertForm.locator('[name=target]'), /clicks$/), 'arn:aws:sns:us-east-1:000000000000:clicks');
    assert.equal(await alertForm.locator('[name=snsFormat]').inputValue(), 'LONG_TEXT');
    await alertForm.locator('[name=sensitivity]').fill('80');
    await alertForm.locator('[name=filterMetrics]').fill('clicks');
    await alertForm.locator('[name=filterDimensions]').fill('page=home,cart');
    await alertForm.getByRole('button', { name: 'Save alert' }).click();
    await snsRow.locator('td', { hasText: /^80$/ }).waitFor({ timeout: 10_000 });
    const edited = (await l4m.send(new DescribeAlertCommand({ AlertArn: sns.AlertArn }))).Alert;
    assert.equal(edited?.AlertSensitivityThreshold, 80);
    assert.deepEqual(edited?.AlertFilters, { MetricList: ['clicks'], DimensionFilterList: [{ DimensionName: 'page', DimensionValueList: ['home', 'cart'] }] });
    assert.deepEqual(edited?.Action?.SNSConfiguration, snsAction);

    page.once('dialog', (d) => void d.accept());
    await alertRow.getByRole('button', { name: 'Delete' }).click();
    await alertRow.waitFor({ state: 'detached', timeout: 10_000 });
    assert.deepEqual(
      ((await l4m.send(new ListAlertsCommand({ AnomalyDetectorArn: arn }))).AlertSummaryList ?? []).map((a) => a.AlertName),
      ['clicks-page'],
    );

    page.once('dialog', (d) => void d.accept());
    await page.locator('[data-testid=detector-actions]').getByRole('button', { name: 'Delete', exact: true }).click();
    await page.locator('h1', { hasText: 'Metric detectors' }).waitFor({ timeout: 10_000 });
    await page.locator('[data-testid=detectors] tr[data-name=clicks]').waitFor({ state: 'detached', timeout: 10_000 });
    const left = (await l4m.send(new ListAnomalyDetectorsCommand({}))).AnomalyDetectorSummaryList ?? [];
    assert.deepEqual(
      left.filter((d) => d.AnomalyDetectorName === 'clicks'),
      [],
    );
  });

  it("creates a metric set with its description, time zone, historical data path and dimension filters, and edits them where UpdateMetricSet allows (read back with the SDK; refusals in the model's words)", async () => {
    const { AnomalyDetectorArn: arn } = await l4m.send(
      new CreateAnomalyDetectorCommand({ AnomalyDetectorName: 'orders-sets', AnomalyDetectorConfig: { AnomalyDetectorFrequency: 'PT1H' } }),
    );
    assert.ok(arn);
    // A fresh load: the detectors page read its list before the SDK made this one.
    await page.goto(`${server.url}/console/#/detectors/orders-sets`);
    await page.reload();
    const setSection = page.locator('[data-testid=metric-set]');
    await setSection.getByRole('button', { name: 'Create metric set' }).click();
    const setForm = page.locator('[data-testid=metric-set-form]');
    await setForm.locator('h3', { hasText: 'PT1H' }).waitFor({ timeout: 10_000 });
    await setForm.locator('[name=name]').fill('orders');
    await setForm.locator('[name=description]').fill('orders per marketplace');
    await setForm.locator('[name=timezone]').fill('Europe/Paris');
    await setForm.locator('[name=sourceKind]').selectOption('s3');
    await setForm.locator('[name=path]').fill('s3://freshet-s3/orders/{{yyyyMMdd}}/{{HH}}');
    await setForm.locator('[name=roleArn]').fill(ROLE);
    await setForm.locator('[name=metrics]').fill('orders:SUM');
    await setForm.locator('[name=dimensions]').fill('marketplace, platform');
    await setForm.locator('[name=timestampColumn]').fill('ts');
    // A historical path that is not an s3:// one, then a filter without values: each refused in the model's words.
    await setForm.locator('[name=historical]').fill('https://example.com/orders/');
    await expectRefusals(1, async () => {
      await setForm.getByRole('button', { name: 'Create metric set' }).click();
      await setForm
        .locator('.error', {
          hasText:
            /^ValidationException: 1 validation error detected: Value '\[https:\/\/example\.com\/orders\/\]' at 'metricSource\.s3SourceConfig\.historicalDataPathList'/,
        })
        .waitFor({ timeout: 10_000 });
    });
    await setForm.locator('[name=historical]').fill('s3://freshet-s3/orders-history/');
    await setForm.locator('[name=filters]').fill('marketplace=');
    await expectRefusals(1, async () => {
      await setForm.getByRole('button', { name: 'Create metric set' }).click();
      await setForm
        .locator('.error', {
          hasText:
            "ValidationException: 1 validation error detected: Value '[]' at 'dimensionFilterList.1.member.filterList' failed to satisfy constraint: Member must have length greater than or equal to 1",
        })
        .waitFor({ timeout: 10_000 });
    });
    await setForm.locator('[name=filters]').fill('marketplace=US,UK\nplatform=web');
    await shot(page, 'metric-set-options');
    await setForm.getByRole('button', { name: 'Create metric set' }).click();
    await setSection.locator('.message', { hasText: 'Metric set orders created' }).waitFor({ timeout: 10_000 });
    const setArn = (await l4m.send(new ListMetricSetsCommand({ AnomalyDetectorArn: arn }))).MetricSetSummaryList?.[0]?.MetricSetArn;
    assert.ok(setArn);
    const created = await l4m.send(new DescribeMetricSetCommand({ MetricSetArn: setArn }));
    assert.equal(created.MetricSetDescription, 'orders per marketplace');
    assert.equal(created.Timezone, 'Europe/Paris');
    assert.deepEqual(created.MetricSource?.S3SourceConfig?.HistoricalDataPathList, ['s3://freshet-s3/orders-history/']);
    assert.deepEqual(created.DimensionFilterList, [
      {
        Name: 'marketplace',
        FilterList: [
          { DimensionValue: 'US', FilterOperation: 'EQUALS' },
          { DimensionValue: 'UK', FilterOperation: 'EQUALS' },
        ],
      },
      { Name: 'platform', FilterList: [{ DimensionValue: 'web', FilterOperation: 'EQUALS' }] },
    ]);
    assert.equal(await setSection.locator('[data-testid=metric-set-description]').textContent(), 'orders per marketplace');
    assert.equal(await setSection.locator('[data-testid=metric-set-historical]').textContent(), 's3://freshet-s3/orders-history/');
    assert.equal(await setSection.locator('[data-testid=metric-set-filters]').textContent(), 'marketplace=US,UK; platform=web');
    assert.match((await setSection.textContent()) ?? '', /PT1H, time zone Europe\/Paris/);

    // Edited: the form opens with them; the time zone is read-only (UpdateMetricSet takes none); a new description,
    // another historical path and one filter left.
    await setSection.getByRole('button', { name: 'Edit metric set' }).click();
    assert.equal(await valueMatching(setForm.locator('[name=description]'), /orders/), 'orders per marketplace');
    assert.equal(await setForm.locator('[name=timezone]').inputValue(), 'Europe/Paris');
    assert.equal(await setForm.locator('[name=timezone]').getAttribute('readonly'), '');
    assert.equal(await setForm.locator('[name=historical]').inputValue(), 's3://freshet-s3/orders-history/');
    assert.equal(await setForm.locator('[name=filters]').inputValue(), 'marketplace=US,UK\nplatform=web');
    await setForm.locator('[name=description]').fill('orders in the US');
    await setForm.locator('[name=historical]').fill('s3://freshet-s3/orders-2020/');
    await setForm.locator('[name=filters]').fill('marketplace=US');
    await setForm.getByRole('button', { name: 'Update metric set' }).click();
    await setSection.locator('.message', { hasText: 'Metric set orders updated' }).waitFor({ timeout: 10_000 });
    const updated = await l4m.send(new DescribeMetricSetCommand({ MetricSetArn: setArn }));
    assert.equal(updated.MetricSetDescription, 'orders in the US');
    assert.equal(updated.Timezone, 'Europe/Paris');
    assert.deepEqual(updated.MetricSource?.S3SourceConfig?.HistoricalDataPathList, ['s3://freshet-s3/orders-2020/']);
    assert.deepEqual(updated.DimensionFilterList, [{ Name: 'marketplace', FilterList: [{ DimensionValue: 'US', FilterOperation: 'EQUALS' }] }]);
    // Filters emptied: sent as an empty list, so the set reads every value again.
    await setSection.getByRole('button', { name: 'Edit metric set' }).click();
    assert.equal(await valueMatching(setForm.locator('[name=filters]'), /US/), 'marketplace=US');
    await setForm.locator('[name=filters]').fill('');
    await setForm.getByRole('button', { name: 'Update metric set' }).click();
    await setSection.locator('[data-testid=metric-set-filters]', { hasText: /^$/ }).waitFor({ timeout: 10_000 });
    assert.deepEqual((await l4m.send(new DescribeMetricSetCommand({ MetricSetArn: setArn }))).DimensionFilterList ?? [], []);
  });

  it('creates, refreshes, switches AUTO REFRESH on and off and drops a materialized view, and drops its external schema, through the Postgres endpoint, showing its refusals as psql would', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'console-page-views', ShardCount: 1 }));
    clock.advance(10_000);
    await waitForStreamActive(kinesis, 'console-page-views');
    const put = (keys: string[]) =>
      kinesis.send(new PutRecordsCommand({ StreamName: 'console-page-views', Records: keys.map((k) => ({ PartitionKey: k, Data: Buffer.from('{"x":1}') })) }));
    await put(['a', 'b', 'a']);
    const client = new pg.Client({ host: '127.0.0.1', port: server.pg!.port, user: 'analyst', database: 'dev' });
    try {
      await client.connect();
      await page.goto(`${server.url}/console/#/views`);
      // The external schema streams are named in, made from the page (kds, IAM_ROLE default, as filled in).
      const message = page.locator('[data-testid=views-message]');
      await page.locator('[data-testid=schema-form]').getByRole('button', { name: 'Create external schema' }).click();
      await message.filter({ hasText: 'External schema kds created' }).waitFor({ timeout: 10_000 });
      await assert.rejects(client.query('CREATE EXTERNAL SCHEMA kds FROM KINESIS IAM_ROLE default'), /schema "kds" already exists/);
      await page.getByRole('button', { name: 'Create view', exact: true }).click();
      const form = page.locator('[data-testid=view-form]');
      await form.locator('[name=name]').fill('keys_seen');
      // A stream that does not exist: the endpoint's refusal, as psql prints it (message and SQLSTATE).
      await form.locator('[name=query]').fill('SELECT partition_key, count(*) AS n FROM kds."no-such-stream" GROUP BY partition_key');
      await expectRefusals(1, async () => {
        await form.getByRole('button', { name: 'Create view' }).click();
        await message.locator('.error').waitFor({ timeout: 10_000 });
      });
      const refusal = (await message.textContent()) ?? '';
      const psql = await client
        .query('CREATE MATERIALIZED VIEW keys_seen AS SELECT partition_key, count(*) AS n FROM kds."no-such-stream" GROUP BY partition_key')
        .then(
          () => undefined,
          (e: { message: string; code: string }) => e,
        );
      assert.ok(psql, 'the endpoint refuses the view over a missing stream');
      assert.equal(refusal, `ERROR: ${psql.message} (SQLSTATE ${psql.code})`);
      await shot(page, 'view-form');

      await form.locator('[name=query]').fill('SELECT partition_key, count(*) AS n FROM kds."console-page-views" GROUP BY partition_key');
      await form.getByRole('button', { name: 'Create view' }).click();
      await message.filter({ hasText: 'Materialized view public.keys_seen created' }).waitFor({ timeout: 10_000 });
      const row = page.locator('[data-testid=views] tr[data-name=keys_seen]');
      await row.waitFor({ timeout: 15_000 });
      const rows = async () =>
        (await client.query('SELECT partition_key, n FROM keys_seen ORDER BY partition_key')).rows.map((r) => [r.partition_key, Number(r.n)]);
      // A streaming view is filled by its refreshes (it has no AUTO REFRESH here).
      assert.deepEqual(await rows(), []);

      // Refresh from the page reads the records put so far, and the next one those put since.
      await row.getByRole('button', { name: 'Refresh', exact: true }).click();
      await message.filter({ hasText: 'public.keys_seen refreshed' }).waitFor({ timeout: 10_000 });
      assert.deepEqual(await rows(), [
        ['a', 2],
        ['b', 1],
      ]);
      await put(['c', 'a']);
      // The message reads the same after the second refresh: the rows say when it has run.
      await row.getByRole('button', { name: 'Refresh', exact: true }).click();
      const want = [
        ['a', 3],
        ['b', 1],
        ['c', 1],
      ];
      for (let i = 0; i < 100 && JSON.stringify(await rows()) !== JSON.stringify(want); i++) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(await rows(), want);
      await row.locator('td', { hasText: /^3$/ }).first().waitFor({ timeout: 10_000 });

      // AUTO REFRESH switched on and off again from the row (ALTER MATERIALIZED VIEW), read back from the endpoint's catalog.
      const autoRefresh = async () => (await (await server.pg!.engine()).list()).find((v) => v.name === 'keys_seen')?.autoRefresh;
      await row.getByRole('button', { name: 'Auto refresh', exact: true }).click();
      await message.filter({ hasText: 'public.keys_seen: auto refresh on' }).waitFor({ timeout: 10_000 });
      await row.locator('td', { hasText: 'streaming, auto refresh' }).waitFor({ timeout: 10_000 });
      assert.equal(await autoRefresh(), true);
      await row.getByRole('button', { name: 'Stop auto refresh' }).click();
      await message.filter({ hasText: 'public.keys_seen: auto refresh off' }).waitFor({ timeout: 10_000 });
      await row.getByRole('button', { name: 'Auto refresh', exact: true }).waitFor({ timeout: 10_000 });
      assert.equal(await autoRefresh(), false);

      // The external schema cannot go while the view reads it: the endpoint's refusal, as psql prints it.
      const schemaForm = page.locator('[data-testid=schema-form]');
      await expectRefusals(1, async () => {
        page.once('dialog', (d) => void d.accept());
        await schemaForm.getByRole('button', { name: 'Drop external schema' }).click();
        await message.filter({ hasText: 'ERROR: cannot drop schema kds because other objects depend on it (SQLSTATE 2BP01)' }).waitFor({ timeout: 10_000 });
      });

      page.once('dialog', (d) => void d.accept());
      await row.getByRole('button', { name: 'Drop' }).click();
      await message.filter({ hasText: 'public.keys_seen dropped' }).waitFor({ timeout: 10_000 });
      await row.waitFor({ state: 'detached', timeout: 10_000 });
      await assert.rejects(client.query('SELECT * FROM keys_seen'), /keys_seen/);

      // Dismissing the question keeps the schema; accepting drops it (its name is free again for psql).
      page.once('dialog', (d) => void d.dismiss());
      await schemaForm.getByRole('button', { name: 'Drop external schema' }).click();
      page.once('dialog', (d) => void d.accept());
      await schemaForm.getByRole('button', { name: 'Drop external schema' }).click();
      await message.filter({ hasText: 'External schema kds dropped' }).waitFor({ timeout: 10_000 });
      await client.query('CREATE EXTERNAL SCHEMA kds FROM KINESIS IAM_ROLE default');
    } finally {
      await client.end().catch(() => undefined);
    }
  });

  it("refuses a view statement another site's page could send through the visitor's browser (no preflight, foreign origin), and an ALTER without its AUTO REFRESH choice", async () => {
    const post = (headers: Record<string, string>, body: unknown = { action: 'schema', name: 'evil' }) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const u = new URL(server.url);
        const req = request({ host: u.hostname, port: u.port, method: 'POST', path: '/console/api/views/statement', headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        });
        req.on('error', reject);
        req.end(JSON.stringify(body));
      });
    const plain = await post({ 'content-type': 'text/plain' });
    assert.equal(plain.status, 415, plain.text);
    const foreign = await post({ 'content-type': 'application/json', origin: 'http://evil.example' });
    assert.equal(foreign.status, 403, foreign.text);
    assert.match(foreign.text, /requests from http:\/\/evil.example may not change views/);
    // An ALTER without its AUTO REFRESH choice is malformed: refused before anything is sent to the endpoint.
    const alter = await post({ 'content-type': 'application/json' }, { action: 'alter', name: 'keys_seen' });
    assert.equal(alter.status, 400, alter.text);
    assert.deepEqual(JSON.parse(alter.text), { __type: 'ValidationException', message: 'autoRefresh (true or false) is required to alter a view' });
    const client = new pg.Client({ host: '127.0.0.1', port: server.pg!.port, user: 'analyst', database: 'dev' });
    await client.connect();
    try {
      // Nothing was created: the schema's name is still free.
      await client.query('CREATE EXTERNAL SCHEMA evil FROM KINESIS IAM_ROLE default');
    } finally {
      await client.end();
    }
  });

  it('logged no errors in the browser console besides the refusals it asked for', () => {
    assert.deepEqual(browserErrors, []);
  });
});

/** A console API POST signed for `freshet` with the caller's keys, as the page sends it under --auth enforce. */
async function signedPost(server: FreshetServer, path: string, creds: { accessKeyId: string; secretAccessKey: string }, body: unknown) {
  const u = new URL(server.url);
  const text = JSON.stringify(body);
  const signer = new SignatureV4({ credentials: creds, region: 'us-east-1', service: CONSOLE_SIGNING_NAME, sha256: Hash.bind(null, 'sha256') });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: 'http:',
      hostname: u.hostname,
      port: Number(u.port),
      path,
      headers: { host: u.host, 'content-type': 'application/json' },
      body: text,
    }),
  );
  return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method: 'POST', path, headers: signed.headers as Record<string, string> }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

describe('console: view statements under --auth enforce go to the Postgres endpoint as the signed-in caller', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-console-views-enforce-'));
  const webConsole = createConsole();
  const root = { accessKeyId: 'AKIAFRESHETCONSOLE02', secretAccessKey: 'console-root-secret-000000000000000000002' };
  let server: FreshetServer;
  let viewer: { accessKeyId: string; secretAccessKey: string };

  before(async () => {
    server = await startServer({
      port: 0,
      dataDir,
      fsync: { kind: 'never' },
      auth: 'enforce',
      env: { FRESHET_ROOT_ACCESS_KEY_ID: root.accessKeyId, FRESHET_ROOT_SECRET_ACCESS_KEY: root.secretAccessKey },
      pg: { port: 0 },
      httpRoutes: webConsole.routes,
    });
    webConsole.attach({
      kinesis: server.kinesis,
      services: server.services,
      dataDir,
      region: 'us-east-1',
      auth: server.auth,
      iam: server.iam,
      postgres: { host: server.pg!.host, port: server.pg!.port },
    });
    const iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: root });
    await iam.send(new CreateUserCommand({ UserName: 'viewer' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'viewer' }))).AccessKey!;
    viewer = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    iam.destroy();
    const kinesis = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials: root });
    await kinesis.send(new CreateStreamCommand({ StreamName: 'enforced-views', ShardCount: 1 }));
    await waitForStreamActive(kinesis, 'enforced-views');
    kinesis.destroy();
    const client = new pg.Client({ host: '127.0.0.1', port: server.pg!.port, user: root.accessKeyId, password: root.secretAccessKey, database: 'dev' });
    await client.connect();
    await client.query('CREATE EXTERNAL SCHEMA kds FROM KINESIS IAM_ROLE default');
    await client.end();
  });

  after(async () => {
    webConsole.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a user without views policies exactly as psql is refused, and creates the view for the root', async () => {
    const query = 'SELECT partition_key, count(*) AS n FROM kds."enforced-views" GROUP BY partition_key';
    const denied = await signedPost(server, '/console/api/views/statement', viewer, { action: 'create', name: 'per_key', query });
    const psql = new pg.Client({ host: '127.0.0.1', port: server.pg!.port, user: viewer.accessKeyId, password: viewer.secretAccessKey, database: 'dev' });
    await psql.connect();
    const psqlError = await psql.query(`CREATE MATERIALIZED VIEW "public"."per_key" AS ${query}`).then(
      () => undefined,
      (e: { code: string; message: string }) => e,
    );
    await psql.end();
    assert.ok(psqlError);
    assert.equal(psqlError.code, '42501');
    assert.equal(denied.status, 400);
    assert.deepEqual({ type: denied.body.__type, message: denied.body.message }, { type: psqlError.code, message: psqlError.message });

    const created = await signedPost(server, '/console/api/views/statement', root, { action: 'create', name: 'per_key', query });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.statement, `CREATE MATERIALIZED VIEW "public"."per_key" AS ${query}`);
    const dropped = await signedPost(server, '/console/api/views/statement', root, { action: 'drop', name: 'per_key' });
    assert.equal(dropped.status, 200, JSON.stringify(dropped.body));
    // Two statements in one query are refused before anything is sent.
    const smuggled = await signedPost(server, '/console/api/views/statement', root, { action: 'create', name: 'x', query: 'SELECT 1; DROP SCHEMA kds' });
    assert.deepEqual(smuggled, { status: 400, body: { __type: 'ValidationException', message: 'the query must be a single SELECT statement' } });
  });
});
