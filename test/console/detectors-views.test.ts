/**
 * The metric-detector and materialized-view pages in Debian's chromium (playwright-core), against one Freshet
 * server started in this process on a ManualClock with the Postgres endpoint: a detector runs live over S3
 * intervals on the injected clock and finds a drop; the page charts the group's time series and records
 * feedback, read back with the SDK; a view made over psql's protocol (pg) is listed with its rows.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  ActivateAnomalyDetectorCommand,
  CreateAnomalyDetectorCommand,
  CreateMetricSetCommand,
  DescribeAnomalyDetectorCommand,
  GetFeedbackCommand,
  ListAnomalyDetectorsCommand,
  ListAnomalyGroupSummariesCommand,
  LookoutMetricsClient,
} from '@aws-sdk/client-lookoutmetrics';
import pg from 'pg';
import { createConsole } from '../../src/console/index.ts';
import { ManualClock } from '../../src/core/index.ts';
import type { DetectorsService } from '../../src/detectors/index.ts';
import { waitForStreamActive } from '../../src/pipeline/index.ts';
import { Rng } from '../../src/generators/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { ROOT } from '../cli/run-cli.ts';
import { intervalRows, writeInterval } from '../detectors/data.ts';
import type { Injection } from '../detectors/data.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');
const credentials = { accessKeyId: 'AKID', secretAccessKey: 'secret' };
const T0 = Date.UTC(2021, 5, 2, 0, 0, 0);
const FREQ = 300_000;
const ROLE = 'arn:aws:iam::000000000000:role/l4m-role';

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  if (process.env.FRESHET_UPDATE_SCREENSHOTS === '1') copyFileSync(path, join(ROOT, 'docs', 'images', `console-${name}.png`));
}

describe('metric detector and views pages in chromium (ManualClock, Postgres endpoint)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-console-engines-'));
  const webConsole = createConsole();
  // Activated two seconds before T0, so live detection starts with T0's interval.
  const clock = new ManualClock(T0 - 2000);
  let server: FreshetServer;
  let l4m: LookoutMetricsClient;
  let browser: Browser;
  let page: Page;
  const browserErrors: string[] = [];

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (scripts/test.sh does it)`);
    // The page's assets (dist/console), built when a source changed.
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-stale', '--quiet'], { stdio: 'inherit' });
    server = await startServer({ port: 0, dataDir, fsync: { kind: 'never' }, clock, pg: { port: 0 }, httpRoutes: webConsole.routes });
    const pgEndpoint = server.pg!;
    webConsole.attach({
      kinesis: server.kinesis,
      services: server.services,
      dataDir,
      region: 'us-east-1',
      views: async () => (await pgEndpoint.engine()).list(),
    });
    l4m = new LookoutMetricsClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') browserErrors.push(m.text());
    });
    page.on('pageerror', (e) => browserErrors.push(e.message));
  });

  after(async () => {
    await browser?.close();
    l4m?.destroy();
    webConsole.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('charts an anomaly group found on the injected clock and records "not an anomaly" feedback that GetFeedback reads back', async () => {
    // 100 five-minute intervals of views per marketplace (the detector grades after 64); DE drops to a fifth for intervals 90–93.
    const drop: Injection = { marketplace: 'DE', from: 90, to: 93, factor: 0.2 };
    const n = 100;
    const rng = new Rng(2);
    const bucketDir = join(dataDir, 's3', 'freshet-s3');
    for (let i = 0; i < n; i++) writeInterval(bucketDir, T0 + i * FREQ, intervalRows(rng, i, T0 + i * FREQ, FREQ, [drop]));
    const { AnomalyDetectorArn: arn } = await l4m.send(
      new CreateAnomalyDetectorCommand({
        AnomalyDetectorName: 'console-views-per-marketplace',
        AnomalyDetectorDescription: 'ecommerce views per marketplace',
        AnomalyDetectorConfig: { AnomalyDetectorFrequency: 'PT5M' },
      }),
    );
    await l4m.send(
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
            FileFormatDescriptor: {
              CsvFormatDescriptor: { FileCompression: 'NONE', Charset: 'UTF-8', ContainsHeader: true, Delimiter: ',', QuoteSymbol: '"' },
            },
          },
        },
      }),
    );
    await l4m.send(new ActivateAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
    const engine = (server.services.find((s) => s.signingName === 'lookoutmetrics') as DetectorsService).engine;
    clock.advance(1000);
    await engine.settled();
    // Each interval is read 60 s (the Offset) after it closes.
    clock.advanceTo(T0 + n * FREQ + 60_000);
    await engine.settled();
    assert.equal((await l4m.send(new DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: arn }))).Status, 'ACTIVE');
    const groups = (await l4m.send(new ListAnomalyGroupSummariesCommand({ AnomalyDetectorArn: arn, SensitivityThreshold: 50 }))).AnomalyGroupSummaryList ?? [];
    assert.equal(groups.length, 1, JSON.stringify(groups));
    const group = groups[0]!;

    await page.goto(`${server.url}/console/#/detectors/console-views-per-marketplace`);
    const row = page.locator(`[data-testid=anomaly-groups] tr[data-id="${group.AnomalyGroupId}"]`);
    await row.waitFor({ timeout: 15_000 });
    assert.match((await row.textContent()) ?? '', /views/);
    assert.match((await row.textContent()) ?? '', new RegExp(String(Math.round(group.AnomalyGroupScore!))));
    await row.locator('button', { hasText: 'Details' }).click();
    await page.locator('[data-testid=contributions]', { hasText: 'marketplace: DE' }).waitFor({ timeout: 10_000 });
    // DE's series drawn with its anomalous intervals, and the feedback question under it.
    const de = page.locator('[data-testid=time-series][data-label="marketplace=DE"]');
    await de.locator('.uplot').waitFor({ timeout: 10_000 });
    assert.match((await de.textContent()) ?? '', /anomalous/);
    const seriesId = await de.getAttribute('data-id');
    assert.ok(seriesId);
    await de.locator('[data-testid=feedback]', { hasText: 'no feedback yet' }).waitFor();
    await shot(page, 'anomaly-group');

    await de.locator('button', { hasText: 'No' }).click();
    await page.locator('[data-testid=group-series] .message', { hasText: 'Feedback recorded: not an anomaly' }).waitFor({ timeout: 10_000 });
    await de.locator('[data-testid=feedback]', { hasText: 'feedback: not an anomaly' }).waitFor({ timeout: 10_000 });
    const fb = await l4m.send(new GetFeedbackCommand({ AnomalyDetectorArn: arn, AnomalyGroupTimeSeriesFeedback: { AnomalyGroupId: group.AnomalyGroupId } }));
    assert.deepEqual(fb.AnomalyGroupTimeSeriesFeedback, [{ TimeSeriesId: seriesId, IsAnomaly: false }]);
    // Changing one's mind: "Yes" replaces the answer.
    await de.locator('button', { hasText: 'Yes' }).click();
    await de.locator('[data-testid=feedback]', { hasText: 'feedback: an anomaly' }).waitFor({ timeout: 10_000 });
    const again = await l4m.send(new GetFeedbackCommand({ AnomalyDetectorArn: arn, AnomalyGroupTimeSeriesFeedback: { AnomalyGroupId: group.AnomalyGroupId } }));
    assert.deepEqual(again.AnomalyGroupTimeSeriesFeedback, [{ TimeSeriesId: seriesId, IsAnomaly: true }]);
    // The overview counts the detector's group.
    await page.goto(`${server.url}/console/`);
    await page
      .locator('[data-testid=overview-detectors] tr[data-name=console-views-per-marketplace]', { hasText: '1 anomaly group(s)' })
      .waitFor({ timeout: 15_000 });
  });

  it('deactivates and activates the detector from its page, and shows why a back test without historical data is refused', async () => {
    const list = await l4m.send(new ListAnomalyDetectorsCommand({}));
    const arn = list.AnomalyDetectorSummaryList?.find((d) => d.AnomalyDetectorName === 'console-views-per-marketplace')?.AnomalyDetectorArn;
    assert.ok(arn);
    const status = async () => (await l4m.send(new DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: arn }))).Status;
    assert.equal(await status(), 'ACTIVE');
    await page.goto(`${server.url}/console/#/detectors/console-views-per-marketplace`);
    const actions = page.locator('[data-testid=detector-actions]');
    const heading = page.locator('h1', { hasText: 'console-views-per-marketplace' });
    await heading.filter({ hasText: 'ACTIVE' }).waitFor({ timeout: 15_000 });
    // A running detector can only be deactivated.
    assert.equal(await actions.getByRole('button', { name: 'Activate', exact: true }).isDisabled(), true);
    assert.equal(await actions.getByRole('button', { name: 'Back test', exact: true }).isDisabled(), true);

    await actions.getByRole('button', { name: 'Deactivate', exact: true }).click();
    await actions.locator('.message', { hasText: 'Deactivated' }).waitFor({ timeout: 10_000 });
    await heading.filter({ hasText: 'DEACTIVATED' }).waitFor({ timeout: 10_000 });
    assert.equal(await status(), 'DEACTIVATED');
    assert.equal(await actions.getByRole('button', { name: 'Deactivate', exact: true }).isDisabled(), true);

    // BackTestAnomalyDetector's ValidationException, in AWS's words, under the buttons. Chromium logs the refused
    // request (HTTP 400) as a console error: that one is expected and taken out of the log checked below.
    const logged = browserErrors.length;
    await actions.getByRole('button', { name: 'Back test', exact: true }).click();
    await actions.locator('.error', { hasText: 'Back testing needs historical data' }).waitFor({ timeout: 10_000 });
    assert.deepEqual(browserErrors.splice(logged), ['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
    assert.equal(await status(), 'DEACTIVATED');

    await actions.getByRole('button', { name: 'Activate', exact: true }).click();
    await actions.locator('.message', { hasText: 'Activating' }).waitFor({ timeout: 10_000 });
    await heading.filter({ hasText: 'ACTIVATING' }).waitFor({ timeout: 10_000 });
    // Activation completes on the server's clock, with the model it had learned: ACTIVE again at once.
    const engine = (server.services.find((s) => s.signingName === 'lookoutmetrics') as DetectorsService).engine;
    clock.advance(1000);
    await engine.settled();
    assert.equal(await status(), 'ACTIVE');
    await heading.filter({ hasText: /ACTIVE$/ }).waitFor({ timeout: 15_000 });
  });

  it('lists a materialized view made over the Postgres endpoint with its stream and rows', async () => {
    const kinesis = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials });
    const client = new pg.Client({ host: '127.0.0.1', port: server.pg!.port, user: 'analyst', database: 'dev' });
    try {
      await kinesis.send(new CreateStreamCommand({ StreamName: 'console-page-views', ShardCount: 1 }));
      // A stream turns ACTIVE on the server's clock: this one is a ManualClock.
      clock.advance(10_000);
      await waitForStreamActive(kinesis, 'console-page-views');
      await kinesis.send(
        new PutRecordsCommand({
          StreamName: 'console-page-views',
          Records: ['a', 'b', 'a', 'c'].map((k) => ({ PartitionKey: k, Data: Buffer.from('{"x":1}') })),
        }),
      );
      await client.connect();
      await client.query('CREATE EXTERNAL SCHEMA IF NOT EXISTS kds FROM KINESIS IAM_ROLE default');
      await client.query('CREATE MATERIALIZED VIEW views_per_key AS SELECT partition_key, count(*) AS n FROM kds."console-page-views" GROUP BY partition_key');
      await client.query('REFRESH MATERIALIZED VIEW views_per_key');
      await page.goto(`${server.url}/console/#/views`);
      const row = page.locator('[data-testid=views] tr[data-name=views_per_key]');
      await row.waitFor({ timeout: 15_000 });
      const cells = await row.locator('td').allTextContents();
      assert.match(cells[2] ?? '', /console-page-views/);
      assert.equal(cells[3], '3', `rows: ${cells.join(' | ')}`);
      assert.equal(cells[6], '4', 'records read');
      assert.equal(cells[7], 'ok');
      await shot(page, 'views');
    } finally {
      await client.end().catch(() => undefined);
      kinesis.destroy();
    }
  });

  it('logged no errors in the browser console', () => {
    assert.deepEqual(browserErrors, []);
  });
});
