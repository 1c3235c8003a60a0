/**
 * The console in a real browser: `freshet demo` (what `npm start` runs) as a child process, Debian's
 * chromium driven by playwright-core, and the AWS SDK putting data from outside, as a user would.
 * Screenshots of each page go to test-artifacts/console/ (FRESHET_UPDATE_SCREENSHOTS=1 also copies the key
 * ones to docs/images/ for the README).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { parquetWriteBuffer } from 'hyparquet-writer';
import {
  CreateStreamCommand,
  DeregisterStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  ListStreamConsumersCommand,
  ListStreamsCommand,
  PutRecordCommand,
  RegisterStreamConsumerCommand,
} from '@aws-sdk/client-kinesis';
import { CreateDeliveryStreamCommand, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { CreateApplicationCommand, StartApplicationCommand, DescribeApplicationCommand } from '@aws-sdk/client-kinesis-analytics';
import { CloudWatchClient, DescribeAlarmsCommand, PutDashboardCommand, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  GetEventSourceMappingCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import { CreateAlertCommand, CreateAnomalyDetectorCommand, LookoutMetricsClient } from '@aws-sdk/client-lookoutmetrics';
import { createClients, waitForStreamActive } from '../../src/pipeline/index.ts';
import type { FreshetClients } from '../../src/pipeline/index.ts';
import { ROOT, spawnCli } from '../cli/run-cli.ts';
import { zipOf } from '../functions/helpers.ts';
import { textMatching } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const require = createRequire(import.meta.url);
const agg = require('aws-kinesis-agg') as {
  aggregate(
    records: Array<{ partitionKey: string; data: Buffer }>,
    onEncoded: (r: { partitionKey: string; data: Buffer }, cb: (err?: Error) => void) => void,
    after: () => void,
    onError: (e: Error) => void,
  ): void;
};

/** KPL-aggregates user records into Kinesis records, as the KPL does. */
function aggregate(records: Array<{ partitionKey: string; data: Buffer }>): Promise<Array<{ partitionKey: string; data: Buffer }>> {
  return new Promise((resolve, reject) => {
    const out: Array<{ partitionKey: string; data: Buffer }> = [];
    agg.aggregate(
      records,
      (r, cb) => {
        out.push(r);
        cb();
      },
      () => resolve(out),
      reject,
    );
  });
}
const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');
const KEY_SCREENSHOTS = ['overview', 'stream', 'sql-app', 'delivery', 'anomalies', 'metrics', 'detectors', 'delivery-parquet', 'functions'];

/** Starts the demo on a free port and resolves with the console URL it prints. */
function startDemo(dataDir: string): Promise<{ child: ChildProcessWithoutNullStreams; endpoint: string; consoleUrl: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(['demo', '--port', '0', '--data-dir', dataDir]);
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`demo did not print its console URL; stdout: ${out} stderr: ${err}`)), 60_000);
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const m = /Console: (http:\/\/[^\s]+\/console\/)/.exec(out);
      // The console URL is printed before the pipelines are applied; wait for both.
      if (m && /pipeline s2-anomalous-trades:/.test(out)) {
        clearTimeout(timer);
        resolve({ child, endpoint: m[1]!.replace(/\/console\/$/, ''), consoleUrl: m[1]! });
      }
    });
    child.on('exit', (code) => reject(new Error(`demo exited with ${code}: ${err}`)));
  });
}

/** Polls `probe` until it returns true, failing with `what` after `timeoutMs`. */
async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!(await probe())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  if (process.env.FRESHET_UPDATE_SCREENSHOTS === '1' && KEY_SCREENSHOTS.includes(name)) {
    copyFileSync(path, join(ROOT, 'docs', 'images', `console-${name}.png`));
  }
}

describe('console in chromium against the demo', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-console-'));
  let demo: Awaited<ReturnType<typeof startDemo>>;
  let clients: FreshetClients;
  let browser: Browser;
  let page: Page;
  const browserErrors: string[] = [];
  /** Requests the server answered with HTTP 400 (Chromium logs each as a console error). */
  const refused: Array<{ target: string; body: string }> = [];
  let feeding: NodeJS.Timeout | undefined;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (scripts/test.sh does it)`);
    demo = await startDemo(dataDir);
    clients = createClients({ endpoint: demo.endpoint });
    const profile = mkdtempSync(join(tmpdir(), 'freshet-chromium-'));
    browser = await chromium
      .launch({
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
          `--user-data-dir=${profile}`,
        ],
      })
      .catch(async (e: unknown) => {
        // Chromium refuses --user-data-dir through launch() on some versions: fall back to Playwright's own fresh profile.
        if (!String(e).includes('user-data-dir')) throw e;
        return chromium.launch({
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
      });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') browserErrors.push(m.text());
    });
    page.on('pageerror', (e) => browserErrors.push(e.message));
    page.on('response', (r) => {
      if (r.status() === 400) refused.push({ target: r.request().headers()['x-amz-target'] ?? '', body: r.request().postData() ?? '' });
    });
  });

  after(async () => {
    if (feeding) clearInterval(feeding);
    await browser?.close();
    clients?.destroy();
    if (demo) {
      const exited = new Promise((r) => demo.child.once('exit', r));
      demo.child.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      demo.child.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows S1 and S2 on the overview with non-zero rates and their pipeline graphs', async () => {
    await page.goto(demo.consoleUrl);
    const rateOf = async (table: string, name: string) => {
      const text = await page.locator(`[data-testid=${table}] tr[data-name="${name}"] td.rate`).textContent({ timeout: 20_000 });
      return Number.parseFloat(text ?? '0');
    };
    await until(
      'S1 and S2 streams with non-zero rates on the overview',
      async () => (await rateOf('overview-streams', 's1-sales-events')) > 0 && (await rateOf('overview-streams', 's2-trades')) > 0,
      40_000,
    );
    assert.ok((await rateOf('overview-apps', 's1-revenue-per-store')) > 0, 'S1 application reads records');
    // One graph per pipeline, S1's ending in its bucket.
    await page.locator('svg.graph').first().waitFor();
    assert.ok((await page.locator('svg.graph').count()) >= 2);
    assert.match((await page.locator('.graphs').textContent()) ?? '', /s1-sales-events.*s1-revenue-per-store/s);
    // Each graph is titled with the freshet.yaml pipeline its resources were created by.
    await page.locator('[data-testid=pipeline]', { hasText: 'pipeline s2-anomalous-trades' }).waitFor({ timeout: 10_000 });
    assert.match((await page.locator('[data-testid=pipeline]', { hasText: 'pipeline s1-revenue-per-store' }).textContent()) ?? '', /s1-sales-events/);
    await shot(page, 'overview');
  });

  it('shows a record put through the SDK in the live tail, filters it, and shows per-shard iterator ages once shard-level metrics are enabled', async () => {
    await page.goto(`${demo.consoleUrl}#/streams/s1-sales-events`);
    // The tail has its iterators once the generator's records show up.
    await page.locator('.tail-table tbody tr').first().waitFor({ timeout: 20_000 });
    const marker = `console-tail-${Date.now()}`;
    await clients.kinesis.send(
      new PutRecordCommand({ StreamName: 's1-sales-events', PartitionKey: marker, Data: Buffer.from(JSON.stringify({ marker, store_id: 'X', sales: 1 })) }),
    );
    await page.locator('.tail-table tbody tr', { hasText: marker }).first().waitFor({ timeout: 10_000 });
    await page.fill('[data-testid=tail-filter]', marker);
    assert.equal(await page.locator('.tail-table tbody tr').count(), 1);
    assert.match((await page.locator('.tail-table tbody tr').first().textContent()) ?? '', /"marker":"console-tail-/);
    // A KPL aggregate shows its user records, each with its own partition key.
    const [aggregated] = await aggregate([
      { partitionKey: 'kpl-a', data: Buffer.from(JSON.stringify({ marker, user: 1 })) },
      { partitionKey: 'kpl-b', data: Buffer.from(JSON.stringify({ marker, user: 2 })) },
    ]);
    await clients.kinesis.send(new PutRecordCommand({ StreamName: 's1-sales-events', PartitionKey: aggregated!.partitionKey, Data: aggregated!.data }));
    const kplRow = page.locator('.tail-table tbody tr', { hasText: 'KPL aggregate of 2 user record(s)' });
    await kplRow.waitFor({ timeout: 10_000 });
    assert.match((await kplRow.locator('ul.sub').textContent()) ?? '', /kpl-a.*"user":1.*kpl-b.*"user":2/s);
    await page.fill('[data-testid=tail-filter]', '');
    // Shard-level metrics turned on from the page: each shard then shows its iterator age (S1's SQL application reads it).
    await page.locator('[data-testid=shard-metrics] button', { hasText: 'Enable shard-level metrics' }).click();
    await page.locator('[data-testid=shard-metrics]').waitFor({ state: 'detached', timeout: 10_000 });
    const monitored = await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 's1-sales-events' }));
    assert.ok(monitored.StreamDescriptionSummary!.EnhancedMonitoring?.[0]?.ShardLevelMetrics?.includes('IteratorAgeMilliseconds'));
    await page
      .locator('table.shards tbody tr td.age', { hasText: /^\d[\d.,k]* ms$/ })
      .first()
      .waitFor({ timeout: 20_000 });
    await shot(page, 'stream');
  });

  it('puts a record from the form, reshards from the page, and tails from a timestamp across the parent and its children', async () => {
    await clients.kinesis.send(new CreateStreamCommand({ StreamName: 'console-test-manage', ShardCount: 1 }));
    await waitForStreamActive(clients.kinesis, 'console-test-manage');
    // The browser's local time 5 s ago, as a datetime-local value (a string: tsx would wrap a function's helpers in __name).
    const before = await page.evaluate<string>(
      "(() => { const d = new Date(Date.now() - 5000); const p = (n) => String(n).padStart(2, '0'); return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + 'T' + p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds()); })()",
    );
    await page.goto(`${demo.consoleUrl}#/streams/console-test-manage`);
    const form = page.locator('[data-testid=put-record]');
    await form.locator('textarea').fill('{"from": "the put form"}');
    await form.locator('button').click();
    await form.locator('.message', { hasText: /Put to shardId-000000000000 as \d+/ }).waitFor({ timeout: 10_000 });

    await page.locator('.card', { hasText: 'Manage' }).locator('input[type=number]').first().fill('2');
    await page.locator('button', { hasText: 'Reshard' }).click();
    // The split closes shard 0 and opens two children whose parent it is.
    await until(
      'two child shards of shardId-000000000000',
      async () => (await page.locator('table.shards tbody tr', { hasText: 'shardId-000000000000' }).count()) === 3,
      15_000,
    );
    assert.equal(await page.locator('table.shards tbody tr', { hasText: 'closed' }).count(), 1);

    await page.fill('.tail input[type=datetime-local]', before);
    await page.locator('.tail button', { hasText: 'Read from then' }).click();
    await page.locator('.tail-table tbody tr', { hasText: 'the put form' }).waitFor({ timeout: 10_000 });
    await page.locator('[data-testid=tail-pause]').click();
    await page.locator('.tail', { hasText: 'paused' }).waitFor();
  });

  const APP = 'console-test-app';
  const CODE_V1 = [
    'CREATE OR REPLACE STREAM "DEST" ("v" INTEGER, "tag" VARCHAR(8));',
    'CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM "v", \'one\' FROM "SOURCE_SQL_STREAM_001";',
  ].join('\n');

  it('shows sql check errors inline at the right line while editing', async () => {
    await clients.kinesis.send(new CreateStreamCommand({ StreamName: 'console-test-in', ShardCount: 1 }));
    await waitForStreamActive(clients.kinesis, 'console-test-in');
    const arn = `arn:aws:kinesis:us-east-1:000000000000:stream/console-test-in`;
    await clients.analytics.send(
      new CreateApplicationCommand({
        ApplicationName: APP,
        ApplicationCode: CODE_V1,
        Inputs: [
          {
            NamePrefix: 'SOURCE_SQL_STREAM',
            KinesisStreamsInput: { ResourceARN: arn, RoleARN: 'arn:aws:iam::000000000000:role/r' },
            InputSchema: {
              RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
              RecordColumns: [{ Name: 'v', SqlType: 'INTEGER', Mapping: '$.v' }],
            },
          },
        ],
      }),
    );
    const inputId = (await clients.analytics.send(new DescribeApplicationCommand({ ApplicationName: APP }))).ApplicationDetail!.InputDescriptions![0]!.InputId!;
    await clients.analytics.send(
      new StartApplicationCommand({
        ApplicationName: APP,
        InputConfigurations: [{ Id: inputId, InputStartingPositionConfiguration: { InputStartingPosition: 'NOW' } }],
      }),
    );
    let v = 0;
    feeding = setInterval(() => {
      v = (v % 9) + 1;
      clients.kinesis
        .send(new PutRecordCommand({ StreamName: 'console-test-in', PartitionKey: 'k', Data: Buffer.from(JSON.stringify({ v })) }))
        .catch(() => undefined); // the demo is stopping at the end of the file
    }, 300);

    await page.goto(`${demo.consoleUrl}#/apps/${APP}`);
    await page.locator('.cm-content').waitFor();
    await page.locator('[data-testid=check-result]', { hasText: 'no errors' }).waitFor({ timeout: 10_000 });
    // A typo in the second line: SELEC for SELECT.
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+a');
    await page.keyboard.insertText(CODE_V1.replace('SELECT STREAM', 'SELEC STREAM'));
    const result = page.locator('[data-testid=check-result]');
    await result.filter({ hasText: 'line 2' }).waitFor({ timeout: 10_000 });
    assert.match((await result.textContent()) ?? '', /line 2, column \d+/);
    await page.locator('.cm-lintRange-error').first().waitFor();
    assert.equal(await page.locator('[data-testid=app-update]').isDisabled(), true, 'update is disabled while the code has errors');
    await shot(page, 'sql-error');
  });

  it('updates the application from the editor and its output table changes', async () => {
    await page.locator('.rows[data-stream=DEST] tbody tr').first().waitFor({ timeout: 20_000 });
    const before = (await page.locator('[data-testid=app-version]').textContent()) ?? '';
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+a');
    await page.keyboard.insertText(CODE_V1.replace('SELECT STREAM "v", \'one\'', 'SELECT STREAM "v" * 10, \'ten\''));
    await page.locator('[data-testid=check-result]', { hasText: 'no errors' }).waitFor({ timeout: 10_000 });
    await page.locator('[data-testid=app-update]').click();
    await until('a new application version', async () => ((await page.locator('[data-testid=app-version]').textContent()) ?? '') !== before, 10_000);
    await page.locator('.rows[data-stream=DEST] tbody tr', { hasText: 'ten' }).first().waitFor({ timeout: 20_000 });
    const cells = await page.locator('.rows[data-stream=DEST] tbody tr', { hasText: 'ten' }).first().locator('td').allTextContents();
    assert.ok(
      cells.some((c) => /^\d+$/.test(c) && Number(c) % 10 === 0 && Number(c) >= 10),
      `a row of the new version carries v * 10: ${cells.join(' | ')}`,
    );
    await shot(page, 'sql-app');
  });

  it('opens a delivered file in the bucket viewer', async () => {
    await clients.firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'console-test-files',
        DeliveryStreamType: 'DirectPut',
        ExtendedS3DestinationConfiguration: {
          BucketARN: 'arn:aws:s3:::console-test',
          RoleARN: 'arn:aws:iam::000000000000:role/r',
          Prefix: 'rows/',
          BufferingHints: { IntervalInSeconds: 0, SizeInMBs: 1 },
        },
      }),
    );
    await until(
      'records accepted by console-test-files',
      async () => {
        try {
          const r = await clients.firehose.send(
            new PutRecordBatchCommand({
              DeliveryStreamName: 'console-test-files',
              Records: [1, 2, 3].map((n) => ({ Data: Buffer.from(`${JSON.stringify({ n, word: `delivered-${n}` })}\n`) })),
            }),
          );
          return r.FailedPutCount === 0;
        } catch {
          return false; // still CREATING
        }
      },
      10_000,
    );
    await page.goto(`${demo.consoleUrl}#/deliveries/console-test-files`);
    const file = page.locator('[data-testid=bucket] button[data-key^="rows/"]').first();
    await file.waitFor({ timeout: 20_000 });
    await file.click();
    const viewer = page.locator('[data-testid=viewer]');
    await viewer.locator('td', { hasText: 'delivered-2' }).waitFor({ timeout: 10_000 });
    assert.match((await viewer.textContent()) ?? '', /NDJSON/);
    await shot(page, 'delivery');
  });

  it('inflates a GZIP-compressed delivered file in the viewer', async () => {
    await clients.firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'console-test-gzip',
        DeliveryStreamType: 'DirectPut',
        ExtendedS3DestinationConfiguration: {
          BucketARN: 'arn:aws:s3:::console-test-gzip',
          RoleARN: 'arn:aws:iam::000000000000:role/r',
          Prefix: 'gz/',
          CompressionFormat: 'GZIP',
          BufferingHints: { IntervalInSeconds: 0, SizeInMBs: 1 },
        },
      }),
    );
    await until(
      'records accepted by console-test-gzip',
      async () => {
        try {
          const r = await clients.firehose.send(
            new PutRecordBatchCommand({
              DeliveryStreamName: 'console-test-gzip',
              Records: [Buffer.from('{"zipped":"yes-1"}\n'), Buffer.from('{"zipped":"yes-2"}\n')].map((Data) => ({ Data })),
            }),
          );
          return r.FailedPutCount === 0;
        } catch {
          return false; // still CREATING
        }
      },
      10_000,
    );
    await page.goto(`${demo.consoleUrl}#/deliveries/console-test-gzip`);
    const file = page.locator('[data-testid=bucket] button[data-key^="gz/"]').first();
    await file.waitFor({ timeout: 20_000 });
    assert.match((await file.getAttribute('data-key')) ?? '', /\.gz$/);
    await file.click();
    const viewer = page.locator('[data-testid=viewer]');
    await viewer.locator('td', { hasText: 'yes-2' }).waitFor({ timeout: 10_000 });
    assert.match((await viewer.textContent()) ?? '', /GZIP, NDJSON/);
  });

  it('draws S2 price series with anomaly scores', async () => {
    await page.goto(`${demo.consoleUrl}#/anomalies`);
    await page.locator('[data-testid=anomaly-chart] .uplot').first().waitFor({ timeout: 30_000 });
    assert.match((await page.locator('[data-testid=anomaly-chart]').first().textContent()) ?? '', /ANOMALY_SCORE/);
    await shot(page, 'anomalies');
  });

  it('renders a CloudWatch dashboard from its JSON body and shows an alarm with its history', async () => {
    const cloudwatch = new CloudWatchClient({ endpoint: demo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } });
    try {
      const body = {
        start: '-PT1H',
        widgets: [
          { type: 'text', x: 0, y: 0, width: 24, height: 2, properties: { markdown: 'Demo streams' } },
          {
            type: 'metric',
            x: 0,
            y: 2,
            width: 12,
            height: 6,
            properties: {
              title: 'Incoming records',
              region: 'us-east-1',
              period: 60,
              stat: 'Sum',
              metrics: [
                ['AWS/Kinesis', 'IncomingRecords', 'StreamName', 's1-sales-events'],
                ['.', '.', '.', 's2-trades'],
              ],
            },
          },
        ],
      };
      await cloudwatch.send(new PutDashboardCommand({ DashboardName: 'console-test', DashboardBody: JSON.stringify(body) }));
      await cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName: 'console-test-alarm',
          Namespace: 'AWS/Kinesis',
          MetricName: 'IncomingRecords',
          Dimensions: [{ Name: 'StreamName', Value: 's1-sales-events' }],
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          // Below what the demo writes each minute: the evaluation at the next minute boundary keeps it in ALARM (a
          // threshold it never reaches would put it back to OK there, between SetAlarmState and the page's read).
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      );
      await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: 'console-test-alarm', StateValue: 'ALARM', StateReason: 'set by the console test' }));
      await page.goto(`${demo.consoleUrl}#/metrics`);
      const alarm = page.locator('[data-testid=alarms] tr[data-name=console-test-alarm]');
      await alarm.waitFor({ timeout: 10_000 });
      assert.match((await alarm.textContent()) ?? '', /ALARM/);
      await alarm.locator('button.link').click();
      await page.locator('[data-testid=alarm-history]', { hasText: 'ALARM' }).waitFor({ timeout: 10_000 });
      const chart = page.locator('[data-testid=dashboard][data-name=console-test] [data-testid=metric-chart]');
      await chart.locator('.uplot').waitFor({ timeout: 15_000 });
      assert.match((await chart.textContent()) ?? '', /IncomingRecords s1-sales-events/);
      assert.match((await chart.textContent()) ?? '', /IncomingRecords s2-trades/);
      assert.match((await page.locator('[data-testid=dashboard]').textContent()) ?? '', /Demo streams/);
      await shot(page, 'metrics');
    } finally {
      cloudwatch.destroy();
    }
  });

  it('creates a stream from the list, changes its retention, and registers and deregisters a consumer', async () => {
    await page.goto(`${demo.consoleUrl}#/streams`);
    await page.fill('input[placeholder="stream name"]', 'console-test-created');
    await page.locator('form.inline-form button', { hasText: 'Create' }).click();
    await page.locator('.message', { hasText: 'Creating console-test-created' }).waitFor({ timeout: 10_000 });
    await page.locator('table.list a', { hasText: 'console-test-created' }).waitFor({ timeout: 15_000 });
    await waitForStreamActive(clients.kinesis, 'console-test-created');

    await page.goto(`${demo.consoleUrl}#/streams/console-test-created`);
    await page.locator('p.muted', { hasText: 'retention 24 h' }).waitFor({ timeout: 10_000 });
    await page.locator('label', { hasText: 'Retention (hours)' }).locator('input').fill('48');
    await page.locator('button', { hasText: 'Set retention' }).click();
    await page.locator('.message', { hasText: 'Retention set to 48 h' }).waitFor({ timeout: 10_000 });
    await page.locator('p.muted', { hasText: 'retention 48 h' }).waitFor({ timeout: 10_000 });
    const summary = await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'console-test-created' }));
    assert.equal(summary.StreamDescriptionSummary!.RetentionPeriodHours, 48);

    await page.fill('input[placeholder="consumer name"]', 'console-consumer');
    await page.locator('button', { hasText: 'Register' }).click();
    await page.locator('.message', { hasText: 'Registered consumer console-consumer' }).waitFor({ timeout: 10_000 });
    const arn = summary.StreamDescriptionSummary!.StreamARN!;
    const consumers = async () => (await clients.kinesis.send(new ListStreamConsumersCommand({ StreamARN: arn }))).Consumers ?? [];
    await until('the consumer ACTIVE', async () => (await consumers()).some((c) => c.ConsumerStatus === 'ACTIVE'), 15_000);
    await page.reload();
    const item = page.locator('[data-testid=consumers] li[data-name=console-consumer]');
    await item.filter({ hasText: 'ACTIVE' }).waitFor({ timeout: 10_000 });
    await item.locator('button', { hasText: 'Deregister' }).click();
    await page.locator('.message', { hasText: 'Deregistered consumer console-consumer' }).waitFor({ timeout: 10_000 });
    await until(
      'the consumer gone',
      async () => !(await consumers()).some((c) => c.ConsumerName === 'console-consumer' && c.ConsumerStatus === 'ACTIVE'),
      15_000,
    );
    await shot(page, 'stream-manage');
  });

  it('stops and starts the application from its page, and shows records it could not parse in error_stream', async () => {
    await page.goto(`${demo.consoleUrl}#/apps/${APP}`);
    await page.locator('h1 span', { hasText: 'RUNNING' }).first().waitFor({ timeout: 15_000 });
    await page.locator('button', { hasText: 'Stop' }).click();
    await until(
      'the application READY',
      async () => (await clients.analytics.send(new DescribeApplicationCommand({ ApplicationName: APP }))).ApplicationDetail!.ApplicationStatus === 'READY',
      20_000,
    );
    await page.locator('h1 span', { hasText: 'READY' }).first().waitFor({ timeout: 10_000 });
    await page.locator('button', { hasText: 'Start' }).click();
    await until(
      'the application RUNNING again',
      async () => (await clients.analytics.send(new DescribeApplicationCommand({ ApplicationName: APP }))).ApplicationDetail!.ApplicationStatus === 'RUNNING',
      20_000,
    );
    await page.locator('h1 span', { hasText: 'RUNNING' }).first().waitFor({ timeout: 10_000 });
    // A record that is not JSON cannot be mapped to the input schema: the application sends it to error_stream.
    await until(
      'an error_stream row on the page',
      async () => {
        await clients.kinesis.send(new PutRecordCommand({ StreamName: 'console-test-in', PartitionKey: 'bad', Data: Buffer.from('this is not json') }));
        return (await page.locator('.rows[data-stream=error_stream] tbody tr').count()) > 0;
      },
      20_000,
    );
    assert.match((await page.locator('.rows[data-stream=error_stream]').textContent()) ?? '', /this is not json/);
    await shot(page, 'sql-errors');
  });

  it('shows a CSV delivered file and a Parquet object as tables in the viewer', async () => {
    await clients.firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'console-test-csv',
        DeliveryStreamType: 'DirectPut',
        ExtendedS3DestinationConfiguration: {
          BucketARN: 'arn:aws:s3:::console-test-csv',
          RoleARN: 'arn:aws:iam::000000000000:role/r',
          Prefix: 'csv/',
          BufferingHints: { IntervalInSeconds: 0, SizeInMBs: 1 },
        },
      }),
    );
    await until(
      'records accepted by console-test-csv',
      async () => {
        try {
          const r = await clients.firehose.send(
            new PutRecordBatchCommand({
              DeliveryStreamName: 'console-test-csv',
              Records: ['store-1,12.50,"Main St, 4"\n', 'store-2,7.25,"Dock ""B"""\n'].map((t) => ({ Data: Buffer.from(t) })),
            }),
          );
          return r.FailedPutCount === 0;
        } catch {
          return false; // still CREATING
        }
      },
      10_000,
    );
    await page.goto(`${demo.consoleUrl}#/deliveries/console-test-csv`);
    const file = page.locator('[data-testid=bucket] button[data-key^="csv/"]').first();
    await file.waitFor({ timeout: 20_000 });
    await file.click();
    const viewer = page.locator('[data-testid=viewer]');
    await viewer.locator('td', { hasText: 'Dock "B"' }).waitFor({ timeout: 10_000 });
    assert.match((await viewer.textContent()) ?? '', /CSV/);
    assert.equal(await viewer.locator('td', { hasText: /^Main St, 4$/ }).count(), 1, 'a quoted comma stays inside its field');

    // A Parquet object in the same bucket (what Firehose's record format conversion writes).
    const parquet = parquetWriteBuffer({
      columnData: [
        { name: 'store', data: ['north', 'south'], type: 'STRING' },
        { name: 'revenue', data: [101.5, 202.25], type: 'DOUBLE' },
      ],
    });
    mkdirSync(join(dataDir, 's3', 'console-test-csv', 'pq'), { recursive: true });
    writeFileSync(join(dataDir, 's3', 'console-test-csv', 'pq', 'sales.parquet'), new Uint8Array(parquet));
    await page.reload();
    const pq = page.locator('[data-testid=bucket] button[data-key="pq/sales.parquet"]');
    await pq.waitFor({ timeout: 20_000 });
    await pq.click();
    await viewer.locator('td', { hasText: 'south' }).waitFor({ timeout: 10_000 });
    assert.match((await viewer.textContent()) ?? '', /Parquet/);
    assert.match((await viewer.textContent()) ?? '', /202\.25/);
    await shot(page, 'delivery-parquet');
  });

  it('lists functions and shows one with its mappings, its AWS/Lambda invocation, error and duration metrics and its log lines', async () => {
    const lambda = new LambdaClient({ endpoint: demo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } });
    try {
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'console-test-fn',
          Runtime: 'nodejs20.x',
          Role: 'arn:aws:iam::000000000000:role/r',
          Handler: 'index.handler',
          Code: {
            ZipFile: zipOf({
              'index.js': 'exports.handler = async (e) => { console.log("console-says-" + e.n); if (e.fail) throw new Error("boom"); return e.n; };',
            }),
          },
        }),
      );
      await until(
        'the function Active',
        async () => (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'console-test-fn' }))).State === 'Active',
        30_000,
      );
      await lambda.send(new InvokeCommand({ FunctionName: 'console-test-fn', Payload: Buffer.from('{"n": 7}') }));
      await lambda.send(new InvokeCommand({ FunctionName: 'console-test-fn', Payload: Buffer.from('{"n": 8, "fail": true}') }));
      await lambda.send(
        new CreateEventSourceMappingCommand({
          FunctionName: 'console-test-fn',
          // A stream nothing writes to: the function's log holds only the two invocations above.
          EventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/console-test-created',
          StartingPosition: 'LATEST',
          BatchSize: 10,
        }),
      );
      await page.goto(`${demo.consoleUrl}#/functions`);
      await page.locator('[data-testid=functions] tr[data-name=console-test-fn]', { hasText: 'nodejs20.x' }).waitFor({ timeout: 15_000 });
      await page.locator('[data-testid=functions] a', { hasText: 'console-test-fn' }).click();
      await page.locator('[data-testid=mappings] tr', { hasText: 'console-test-created' }).waitFor({ timeout: 15_000 });
      // The counts are the function's AWS/Lambda metrics (GetMetricData): two invocations, the second one failed.
      const counts = page.locator('[data-testid=invocations]');
      await counts.filter({ hasText: /2 invocation\(s\), 1 error\(s\), 0 throttle\(s\)/ }).waitFor({ timeout: 15_000 });
      assert.match((await counts.textContent()) ?? '', /duration [\d.]+ ms on average \(max [\d.]+ ms\)/);
      assert.match((await counts.textContent()) ?? '', /AWS\/Lambda metrics/);
      await page.locator('[data-testid=metric-chart][data-title="Invocations, errors and throttles"] .uplot').waitFor({ timeout: 10_000 });
      await page.locator('[data-testid=metric-chart][data-title="Duration (ms)"] .uplot').waitFor({ timeout: 10_000 });
      // Both invocations' REPORT lines are in the log on the page, the first one's output with them.
      const logs = page.locator('[data-testid=function-logs]');
      await until('two REPORT lines in the log on the page', async () => ((await logs.textContent()) ?? '').split('REPORT RequestId').length - 1 === 2, 15_000);
      assert.match((await logs.textContent()) ?? '', /console-says-7/);
      await shot(page, 'functions');
    } finally {
      lambda.destroy();
    }
  });

  it('lists metric detectors and shows one with its anomaly groups and alerts, and the overview lists functions and detectors', async () => {
    const l4m = new LookoutMetricsClient({ endpoint: demo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } });
    try {
      const { AnomalyDetectorArn } = await l4m.send(
        new CreateAnomalyDetectorCommand({
          AnomalyDetectorName: 'console-test-detector',
          AnomalyDetectorDescription: 'revenue per store',
          AnomalyDetectorConfig: { AnomalyDetectorFrequency: 'PT5M' },
        }),
      );
      await l4m.send(
        new CreateAlertCommand({
          AlertName: 'console-test-alert',
          AnomalyDetectorArn,
          AlertSensitivityThreshold: 70,
          Action: { SNSConfiguration: { RoleArn: 'arn:aws:iam::000000000000:role/r', SnsTopicArn: 'arn:aws:sns:us-east-1:000000000000:t' } },
        }),
      );
      await page.goto(`${demo.consoleUrl}#/detectors`);
      await page.locator('[data-testid=detectors] tr[data-name=console-test-detector]', { hasText: 'revenue per store' }).waitFor({ timeout: 15_000 });
      await page.locator('[data-testid=detectors] a', { hasText: 'console-test-detector' }).click();
      await page.locator('[data-testid=alerts] tr', { hasText: 'console-test-alert' }).waitFor({ timeout: 15_000 });
      assert.match((await page.locator('[data-testid=alerts]').textContent()) ?? '', /70/);
      await page.locator('p.muted', { hasText: 'No anomaly groups yet.' }).waitFor({ timeout: 15_000 });
      await shot(page, 'detectors');
      // The overview lists the function with its invocations (AWS/Lambda) and the detector with its group count.
      await page.goto(demo.consoleUrl);
      const fn = page.locator('[data-testid=overview-functions] tr[data-name=console-test-fn]');
      await fn.filter({ hasText: '2 invocations' }).waitFor({ timeout: 15_000 });
      assert.match((await fn.textContent()) ?? '', /Active/);
      assert.equal(await fn.locator('svg.spark path').count(), 1, 'a sparkline of its invocations per minute');
      const detector = page.locator('[data-testid=overview-detectors] tr[data-name=console-test-detector]');
      await detector.filter({ hasText: '0 anomaly group(s)' }).waitFor({ timeout: 15_000 });
      assert.match((await detector.textContent()) ?? '', /INACTIVE/);
    } finally {
      l4m.destroy();
    }
  });

  it("deletes a stream from its page after asking, and refuses while a consumer is registered with Kinesis's words", async () => {
    await clients.kinesis.send(new CreateStreamCommand({ StreamName: 'console-test-doomed', ShardCount: 1 }));
    await waitForStreamActive(clients.kinesis, 'console-test-doomed');
    const arn = (await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'console-test-doomed' }))).StreamDescriptionSummary!.StreamARN!;
    await clients.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'doomed-reader' }));
    await page.goto(`${demo.consoleUrl}#/streams/console-test-doomed`);
    await page.locator('p.muted', { hasText: 'retention 24 h' }).waitFor({ timeout: 10_000 });
    const del = page.getByRole('button', { name: 'Delete stream', exact: true });
    // Each click asks first; `ask` answers the next question and the test waits until it was asked, so an answer meant
    // for one click never stays registered for the next.
    let asked = 0;
    const ask = async (accept: boolean) => {
      const before = asked;
      page.once('dialog', (d) => {
        asked++;
        void (accept ? d.accept() : d.dismiss());
      });
      await del.click();
      await until('the delete question', async () => asked > before, 10_000);
    };
    // Dismissing the question deletes nothing.
    await ask(false);
    assert.equal(
      (await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'console-test-doomed' }))).StreamDescriptionSummary!.StreamStatus,
      'ACTIVE',
    );
    // With a consumer registered, DeleteStream is refused (ResourceInUseException) and the page says why.
    const logged = browserErrors.length;
    const refusedBefore = refused.length;
    await ask(true);
    const manageCard = page.locator('.card', { has: page.locator('h3', { hasText: 'Manage' }) });
    assert.match(await textMatching(manageCard.locator('.message'), /ResourceInUseException/), /ResourceInUseException/);
    await clients.kinesis.send(new DeregisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'doomed-reader' }));
    await until(
      'the consumer gone',
      async () => ((await clients.kinesis.send(new ListStreamConsumersCommand({ StreamARN: arn }))).Consumers ?? []).length === 0,
      15_000,
    );
    await ask(true);
    // The page goes back to the list, which says so and drops the stream once the live feed no longer has it.
    await page.locator('form.inline-form .message', { hasText: 'Deleting console-test-doomed…' }).waitFor({ timeout: 10_000 });
    assert.equal(page.url(), `${demo.consoleUrl}#/streams`);
    await until(
      'the stream gone',
      async () => (await clients.kinesis.send(new ListStreamsCommand({}))).StreamNames?.includes('console-test-doomed') === false,
      30_000,
    );
    await until('the list without it', async () => (await page.locator('table.list a', { hasText: 'console-test-doomed' }).count()) === 0, 15_000);
    // Chromium logs every request the server refused (HTTP 400) as a console error: the refused DeleteStream, and any
    // read of the page's live tail that was under way when the stream went. Those are expected and taken out of the
    // log checked at the end; any other error stays in it.
    const mine = refused.slice(refusedBefore);
    assert.ok(
      mine.every((r) => r.body.includes('console-test-doomed') || r.target.endsWith('.GetRecords')),
      JSON.stringify(mine),
    );
    assert.equal(mine.filter((r) => r.target.endsWith('.DeleteStream')).length, 1, JSON.stringify(mine));
    assert.deepEqual(
      browserErrors.splice(logged),
      mine.map(() => 'Failed to load resource: the server responded with a status of 400 (Bad Request)'),
    );
  });

  it('invokes a function from its page with a test event and shows its response, its error and its log tail', async () => {
    await page.goto(`${demo.consoleUrl}#/functions/console-test-fn`);
    const panel = page.locator('[data-testid=invoke]');
    const event = panel.getByRole('textbox', { name: 'Test event' });
    await event.fill('{"n": 9}');
    await panel.getByRole('button', { name: 'Invoke', exact: true }).click();
    const result = panel.locator('[data-testid=invoke-result]');
    await result.filter({ hasText: 'Succeeded · status 200' }).waitFor({ timeout: 30_000 });
    assert.equal((await panel.locator('[data-testid=invoke-payload]').textContent())?.trim(), '9');
    const log = (await panel.locator('[data-testid=invoke-log]').textContent()) ?? '';
    assert.match(log, /console-says-9/);
    assert.match(log, /REPORT RequestId/);
    // A function that throws: status 200 with X-Amz-Function-Error, the error document as the response.
    await event.fill('{"n": 10, "fail": true}');
    await panel.getByRole('button', { name: 'Invoke', exact: true }).click();
    await result.filter({ hasText: 'Failed (Unhandled) · status 200' }).waitFor({ timeout: 30_000 });
    const failed = JSON.parse((await panel.locator('[data-testid=invoke-payload]').textContent()) ?? '') as { errorMessage?: string };
    assert.equal(failed.errorMessage, 'boom');
    assert.match((await panel.locator('[data-testid=invoke-log]').textContent()) ?? '', /console-says-10/);
    // An event that is not JSON is refused on the page, before any call.
    await event.fill('{"n": ');
    await panel.getByRole('button', { name: 'Invoke', exact: true }).click();
    await panel.locator('p.error', { hasText: 'The test event is not JSON' }).waitFor({ timeout: 10_000 });
  });

  it("disables and enables a function's event source mapping from its page", async () => {
    const lambda = new LambdaClient({ endpoint: demo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } });
    try {
      const [mapping] = (await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'console-test-fn' }))).EventSourceMappings ?? [];
      assert.ok(mapping?.UUID);
      const state = async () => (await lambda.send(new GetEventSourceMappingCommand({ UUID: mapping.UUID }))).State;
      await until('the mapping Enabled', async () => (await state()) === 'Enabled', 15_000);
      await page.goto(`${demo.consoleUrl}#/functions/console-test-fn`);
      const row = page.locator(`[data-testid=mappings] tr[data-uuid="${mapping.UUID}"]`);
      await row.filter({ hasText: 'Enabled' }).waitFor({ timeout: 15_000 });
      await row.getByRole('button', { name: 'Disable', exact: true }).click();
      await page.locator('p.message', { hasText: 'Disabling the mapping from' }).waitFor({ timeout: 10_000 });
      await until('the mapping Disabled', async () => (await state()) === 'Disabled', 15_000);
      await row.filter({ hasText: 'Disabled' }).waitFor({ timeout: 15_000 });
      await row.getByRole('button', { name: 'Enable', exact: true }).click();
      await page.locator('p.message', { hasText: 'Enabling the mapping from' }).waitFor({ timeout: 10_000 });
      await until('the mapping Enabled again', async () => (await state()) === 'Enabled', 15_000);
      await row.filter({ hasText: 'Enabled' }).waitFor({ timeout: 15_000 });
    } finally {
      lambda.destroy();
    }
  });

  it("disables an alarm's actions from the Metrics and alarms page and enables them again", async () => {
    const cw = new CloudWatchClient({ endpoint: demo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } });
    try {
      const enabled = async () => (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['console-test-alarm'] }))).MetricAlarms?.[0]?.ActionsEnabled;
      assert.equal(await enabled(), true);
      await page.goto(`${demo.consoleUrl}#/metrics`);
      const cell = page.locator('[data-testid=alarms] tr[data-name=console-test-alarm] [data-testid=alarm-actions]');
      await cell.filter({ hasText: 'enabled' }).waitFor({ timeout: 15_000 });
      await cell.getByRole('button', { name: 'Disable actions', exact: true }).click();
      await page.locator('p.message', { hasText: 'Actions of console-test-alarm disabled' }).waitFor({ timeout: 10_000 });
      await cell.getByRole('button', { name: 'Enable actions', exact: true }).waitFor({ timeout: 10_000 });
      assert.equal(await enabled(), false);
      await cell.getByRole('button', { name: 'Enable actions', exact: true }).click();
      await page.locator('p.message', { hasText: 'Actions of console-test-alarm enabled' }).waitFor({ timeout: 10_000 });
      await cell.getByRole('button', { name: 'Disable actions', exact: true }).waitFor({ timeout: 10_000 });
      assert.equal(await enabled(), true);
    } finally {
      cw.destroy();
    }
  });

  it('logged no errors in the browser console', () => {
    assert.deepEqual(browserErrors, []);
  });
});
