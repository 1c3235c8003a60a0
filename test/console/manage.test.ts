/**
 * Day-to-day management from the console in Debian's chromium (playwright-core), against one Freshet server
 * started in this process: SQL applications created, given an input (schema discovered from the stream's
 * records) and outputs, changed and deleted; delivery streams created (Direct PUT and from a stream), their
 * destination updated with the version they were read at, deleted; functions created from code zipped in the
 * browser, their code and configuration changed, event source mappings created and deleted, the function
 * deleted. Every change is read back with the AWS SDK, and each refusal is shown in AWS's words.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { DescribeDeliveryStreamCommand, FirehoseClient, PutRecordCommand, UpdateDestinationCommand } from '@aws-sdk/client-firehose';
import { CreateApplicationCommand, DescribeApplicationCommand, KinesisAnalyticsClient } from '@aws-sdk/client-kinesis-analytics';
import {
  CreateApplicationCommand as CreateV2Command,
  CreateApplicationPresignedUrlCommand,
  DescribeApplicationCommand as DescribeV2Command,
  KinesisAnalyticsV2Client,
  ListApplicationSnapshotsCommand,
  ListApplicationVersionsCommand,
  StartApplicationCommand as StartV2Command,
  StopApplicationCommand as StopV2Command,
  UpdateApplicationCommand as UpdateV2Command,
} from '@aws-sdk/client-kinesis-analytics-v2';
import {
  CreateFunctionCommand,
  GetAliasCommand,
  GetEventSourceMappingCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { createConsole } from '../../src/console/index.ts';
import { waitForStreamActive } from '../../src/pipeline/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { ROOT } from '../cli/run-cli.ts';
import { zipOf } from '../functions/helpers.ts';
import { launchChromium, openPage, shot, textMatching, until } from './helpers.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const credentials = { accessKeyId: 'AKID', secretAccessKey: 'secret' };
const region = 'us-east-1';

describe('managing applications, delivery streams and functions from the console in chromium', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-console-manage-'));
  const webConsole = createConsole();
  let server: FreshetServer;
  let kinesis: KinesisClient;
  let firehose: FirehoseClient;
  let analytics: KinesisAnalyticsClient;
  let lambda: LambdaClient;
  let sqs: SQSClient;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let refusals: string[];

  let flinkApi: KinesisAnalyticsV2Client;
  const describeV2 = async (name: string) => (await flinkApi.send(new DescribeV2Command({ ApplicationName: name }))).ApplicationDetail!;

  /** Answers the page's next confirm() with `accept`. */
  const answerConfirm = (accept: boolean) => page.once('dialog', (d) => void (accept ? d.accept() : d.dismiss()));

  before(async () => {
    // The page's assets (dist/console), built when a source changed.
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-stale', '--quiet'], { stdio: 'inherit' });
    // A table JSON → Parquet conversion can name (Freshet's stand-in for a Glue table).
    const tables = {
      'sales.events': [
        { name: 'store', type: 'string' },
        { name: 'qty', type: 'int' },
      ],
    };
    server = await startServer({ port: 0, dataDir, fsync: { kind: 'never' }, firehose: { tables }, httpRoutes: webConsole.routes });
    webConsole.attach({ kinesis: server.kinesis, services: server.services, dataDir, region });
    const client = { endpoint: server.url, region, credentials, maxAttempts: 1 };
    kinesis = new KinesisClient(client);
    firehose = new FirehoseClient(client);
    analytics = new KinesisAnalyticsClient(client);
    lambda = new LambdaClient(client);
    sqs = new SQSClient(client);
    flinkApi = new KinesisAnalyticsV2Client(client);
    for (const name of ['m-in', 'm-out']) {
      await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      await waitForStreamActive(kinesis, name);
    }
    // Records DiscoverInputSchema samples from the input stream.
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'm-in',
        Records: [1, 2, 3].map((i) => ({ PartitionKey: `k${i}`, Data: Buffer.from(JSON.stringify({ store: `s${i}`, amount: i * 1.5, qty: i })) })),
      }),
    );
    browser = await launchChromium();
    ({ page, errors, refusals } = await openPage(browser));
  });

  after(async () => {
    await browser?.close();
    for (const c of [kinesis, firehose, analytics, flinkApi, lambda, sqs]) c?.destroy();
    webConsole.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates a SQL application, adds and changes its input with a discovered schema, adds, changes and removes an output, and deletes it after asking', async () => {
    await page.goto(`${server.url}/console/#/apps`);
    await page.click('[data-testid=create-app-open]');
    const form = page.locator('[data-testid=create-app]');
    await form.locator('input[name=name]').fill('console-app');
    await form.locator('input[name=description]').fill('made in the console');
    await form.locator('button[type=submit]').click();
    await page.locator('a', { hasText: 'console-app' }).waitFor({ timeout: 10_000 });
    const created = (await analytics.send(new DescribeApplicationCommand({ ApplicationName: 'console-app' }))).ApplicationDetail!;
    assert.equal(created.ApplicationDescription, 'made in the console');
    assert.match(created.ApplicationCode ?? '', /DESTINATION_SQL_STREAM/);
    // The same name again: Kinesis Analytics' refusal, in its words.
    await page.click('[data-testid=create-app-open]');
    await form.locator('input[name=name]').fill('console-app');
    await form.locator('button[type=submit]').click();
    await page.locator('.error', { hasText: 'ResourceInUseException: Application console-app already exists' }).waitFor({ timeout: 10_000 });

    await page.goto(`${server.url}/console/#/apps/console-app`);
    const input = page.locator('[data-testid=app-input]');
    await input.locator('button', { hasText: 'Add input' }).click();
    const inputForm = page.locator('[data-testid=input-form]');
    await inputForm.locator('select[name=source]').selectOption('m-in');
    await inputForm.locator('button', { hasText: 'Discover schema' }).click();
    await inputForm.locator('.message', { hasText: 'Schema discovered from 3 record(s)' }).waitFor({ timeout: 10_000 });
    assert.match(await inputForm.locator('textarea[name=schema]').inputValue(), /"amount"/);
    await shot(page, 'app-input-form');
    await inputForm.locator('button[type=submit]').click();
    await input.locator('.message', { hasText: 'Input added' }).waitFor({ timeout: 10_000 });
    let detail = (await analytics.send(new DescribeApplicationCommand({ ApplicationName: 'console-app' }))).ApplicationDetail!;
    const [desc] = detail.InputDescriptions ?? [];
    assert.match(desc?.KinesisStreamsInputDescription?.ResourceARN ?? '', /:stream\/m-in$/);
    assert.equal(desc?.NamePrefix, 'SOURCE_SQL_STREAM');
    assert.deepEqual(
      desc?.InputSchema?.RecordColumns?.map((c) => c.Name),
      ['store', 'amount', 'qty'],
    );
    // Another name prefix would leave the code reading a stream that no longer exists: refused, in the API's words.
    await input.locator('button', { hasText: 'Change' }).click();
    await inputForm.locator('input[name=prefix]').fill('SALES');
    await inputForm.locator('button[type=submit]').click();
    await input.locator('.error', { hasText: 'CodeValidationException: 3:22: unknown stream "SOURCE_SQL_STREAM_001"' }).waitFor({ timeout: 10_000 });
    // Change the source instead (UpdateApplication's InputUpdates); the version moves on.
    await inputForm.locator('input[name=prefix]').fill('SOURCE_SQL_STREAM');
    await inputForm.locator('select[name=source]').selectOption('m-out');
    await inputForm.locator('button[type=submit]').click();
    await input.locator('.message', { hasText: 'Input changed' }).waitFor({ timeout: 10_000 });
    detail = (await analytics.send(new DescribeApplicationCommand({ ApplicationName: 'console-app' }))).ApplicationDetail!;
    assert.match(detail.InputDescriptions?.[0]?.KinesisStreamsInputDescription?.ResourceARN ?? '', /:stream\/m-out$/);
    assert.equal(detail.ApplicationVersionId, 3);
    await page.locator('[data-testid=app-version]', { hasText: 'version 3' }).waitFor({ timeout: 10_000 });

    // An output to m-out as CSV, then changed to JSON, then removed.
    const outputs = page.locator('[data-testid=app-outputs]');
    await outputs.locator('button', { hasText: 'Add output' }).click();
    const outputForm = page.locator('[data-testid=output-form]');
    await outputForm.locator('select[name=destination]').selectOption('m-out');
    await outputForm.locator('select[name=format]').selectOption('CSV');
    await outputForm.locator('button[type=submit]').click();
    await outputs.locator('.message', { hasText: 'Output DESTINATION_SQL_STREAM added' }).waitFor({ timeout: 10_000 });
    detail = (await analytics.send(new DescribeApplicationCommand({ ApplicationName: 'console-app' }))).ApplicationDetail!;
    assert.match(detail.OutputDescriptions?.[0]?.KinesisStreamsOutputDescription?.ResourceARN ?? '', /:stream\/m-out$/);
    assert.equal(detail.OutputDescriptions?.[0]?.DestinationSchema?.RecordFormatType, 'CSV');
    await outputs.locator('[data-output=DESTINATION_SQL_STREAM] button', { hasText: 'Change' }).click();
    await outputForm.locator('select[name=format]').selectOption('JSON');
    await outputForm.locator('button[type=submit]').click();
    await outputs.locator('.message', { hasText: 'Output DESTINATION_SQL_STREAM changed' }).waitFor({ timeout: 10_000 });
    detail = (await analytics.send(new DescribeApplicationCommand({ ApplicationName: 'console-app' }))).ApplicationDetail!;
    assert.equal(detail.OutputDescriptions?.[0]?.DestinationSchema?.RecordFormatType, 'JSON');
    // A schema without columns is refused with the API's text.
    await input.locator('button', { hasText: 'Change' }).click();
    await inputForm.locator('textarea[name=schema]').fill('{"RecordFormat": {"RecordFormatType": "JSON"}, "RecordColumns": []}');
    await inputForm.locator('button[type=submit]').click();
    const refusal = await input.locator('.error').textContent({ timeout: 10_000 });
    assert.equal(
      refusal,
      "ValidationException: 1 validation error detected: Value '[]' at 'applicationUpdate.inputUpdates.1.member.inputSchemaUpdate.recordColumnUpdates' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    await inputForm.locator('button', { hasText: 'Cancel' }).click();
    await outputs.locator('[data-output=DESTINATION_SQL_STREAM] button', { hasText: 'Remove' }).click();
    await outputs.locator('.message', { hasText: 'Output DESTINATION_SQL_STREAM removed' }).waitFor({ timeout: 10_000 });
    detail = (await analytics.send(new DescribeApplicationCommand({ ApplicationName: 'console-app' }))).ApplicationDetail!;
    assert.deepEqual(detail.OutputDescriptions ?? [], []);

    // Delete: dismissing the question keeps it; accepting deletes it and goes back to the list.
    answerConfirm(false);
    await page.click('[data-testid=app-delete]');
    await page.waitForTimeout(200);
    assert.equal((await analytics.send(new DescribeApplicationCommand({ ApplicationName: 'console-app' }))).ApplicationDetail?.ApplicationName, 'console-app');
    answerConfirm(true);
    await page.click('[data-testid=app-delete]');
    await page.locator('.message', { hasText: 'Deleted console-app.' }).waitFor({ timeout: 10_000 });
    await until(
      'console-app gone',
      () =>
        analytics.send(new DescribeApplicationCommand({ ApplicationName: 'console-app' })).then(
          () => false,
          (e: Error) => e.name === 'ResourceNotFoundException',
        ),
      10_000,
    );
  });

  it("adds and removes a SQL application's reference data and its input's preprocessing function from its page (read back with the SDK; a duplicate table refused in the API's words)", async () => {
    const streamArn = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'm-in' }))).StreamDescriptionSummary!.StreamARN!;
    const role = 'arn:aws:iam::000000000000:role/kinesis-analytics';
    await analytics.send(
      new CreateApplicationCommand({
        ApplicationName: 'ref-app',
        Inputs: [
          {
            NamePrefix: 'SOURCE_SQL_STREAM',
            KinesisStreamsInput: { ResourceARN: streamArn, RoleARN: role },
            InputSchema: {
              RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
              RecordColumns: [{ Name: 'store', SqlType: 'VARCHAR(8)', Mapping: '$.store' }],
            },
          },
        ],
      }),
    );
    const describe = async () => (await analytics.send(new DescribeApplicationCommand({ ApplicationName: 'ref-app' }))).ApplicationDetail!;
    await page.goto(`${server.url}/console/#/apps/ref-app`);
    const refs = page.locator('[data-testid=app-references]');
    const addReference = async () => {
      await refs.locator('button', { hasText: 'Add reference data' }).click();
      const form = refs.locator('[data-testid=reference-form]');
      await form.locator('input[name=table]').fill('STORES');
      await form.locator('input[name=bucket]').fill('ref-bucket');
      await form.locator('input[name=key]').fill('stores.csv');
      await form.locator('button[type=submit]').click();
    };
    await addReference();
    await refs.locator('[data-reference=STORES]', { hasText: 's3://ref-bucket/stores.csv' }).waitFor({ timeout: 10_000 });
    let d = await describe();
    assert.equal(d.ApplicationVersionId, 2);
    const [ref] = d.ReferenceDataSourceDescriptions ?? [];
    assert.deepEqual(
      [
        ref?.TableName,
        ref?.S3ReferenceDataSourceDescription?.BucketARN,
        ref?.S3ReferenceDataSourceDescription?.FileKey,
        ref?.S3ReferenceDataSourceDescription?.ReferenceRoleARN,
      ],
      ['STORES', 'arn:aws:s3:::ref-bucket', 'stores.csv', role],
    );
    assert.deepEqual(
      ref?.ReferenceSchema?.RecordColumns?.map((c) => [c.Name, c.SqlType]),
      [
        ['store', 'VARCHAR(16)'],
        ['region', 'VARCHAR(16)'],
      ],
    );
    // The same table again: the API's refusal.
    await addReference();
    assert.equal(await textMatching(refs.locator('.error'), /defined twice/), 'InvalidArgumentException: Reference table STORES is defined twice');

    // The input's preprocessing function: added by name (its ARN in the server's account), then removed.
    const processing = page.locator('[data-testid=app-input] [data-testid=input-processing]');
    await processing.locator('button', { hasText: 'Add preprocessing' }).click();
    const processingForm = page.locator('[data-testid=processing-form]');
    await processingForm.locator('input[name=function]').fill('preprocess');
    await processingForm.locator('button[type=submit]').click();
    await processing.locator('.mono', { hasText: /:function:preprocess$/ }).waitFor({ timeout: 10_000 });
    d = await describe();
    assert.match(
      d.InputDescriptions?.[0]?.InputProcessingConfigurationDescription?.InputLambdaProcessorDescription?.ResourceARN ?? '',
      /^arn:aws:lambda:us-east-1:\d{12}:function:preprocess$/,
    );
    assert.equal(d.InputDescriptions?.[0]?.InputProcessingConfigurationDescription?.InputLambdaProcessorDescription?.RoleARN, role);
    await shot(page, 'app-reference-data');
    await processing.locator('button', { hasText: 'Remove preprocessing' }).click();
    await processing.locator('button', { hasText: 'Add preprocessing' }).waitFor({ timeout: 10_000 });
    assert.equal((await describe()).InputDescriptions?.[0]?.InputProcessingConfigurationDescription, undefined);

    // The removal leaves the application UPDATING for a moment, when a change is refused (ResourceInUseException).
    for (let i = 0; i < 100 && (await describe()).ApplicationStatus === 'UPDATING'; i++) await new Promise((r) => setTimeout(r, 100));
    await refs.locator('[data-reference=STORES] button', { hasText: 'Remove' }).click();
    await refs.locator('.message', { hasText: 'Reference table STORES removed' }).waitFor({ timeout: 10_000 });
    d = await describe();
    assert.deepEqual(d.ReferenceDataSourceDescriptions ?? [], []);
    assert.equal(d.ApplicationVersionId, 5);
  });

  it('creates a Flink SQL application beside the SQL ones, refuses code that does not parse, starts and stops it, and deletes it after asking', async () => {
    await page.goto(`${server.url}/console/#/apps`);
    const flink = page.locator('[data-testid=flink-apps]');
    await flink.locator('button', { hasText: 'Create Flink application' }).click();
    const form = page.locator('[data-testid=create-flink]');
    await form.locator('input[name=name]').fill('console-flink');
    await form.locator('select[name=runtime]').selectOption('FLINK-1_18');
    await form.locator('textarea[name=code]').fill('SELEC 1');
    await form.locator('button[type=submit]').click();
    const refusal = await flink.locator('.error').textContent({ timeout: 10_000 });
    assert.match(refusal ?? '', /^CodeValidationException: 1:1: /);
    await form
      .locator('textarea[name=code]')
      .fill(
        [
          "CREATE TABLE src (store STRING, qty INT) WITH ('connector' = 'kinesis', 'stream' = 'm-in', 'scan.stream.initpos' = 'TRIM_HORIZON', 'format' = 'json');",
          "CREATE TABLE dst (store STRING, qty INT) WITH ('connector' = 'kinesis', 'stream' = 'm-out', 'format' = 'json');",
          'INSERT INTO dst SELECT store, qty FROM src;',
        ].join('\n'),
      );
    await form.locator('button[type=submit]').click();
    await flink.locator('.message', { hasText: 'Created console-flink' }).waitFor({ timeout: 10_000 });
    const row = flink.locator('tr[data-name=console-flink]');
    await row.locator('td', { hasText: 'READY' }).waitFor({ timeout: 10_000 });
    assert.match((await row.textContent()) ?? '', /FLINK-1_18/);
    // The SQL-1_0 table above does not list it, and the v2 API reads it back.
    assert.equal(await page.locator('table.list a', { hasText: 'console-flink' }).count(), 0);
    assert.equal((await describeV2('console-flink')).RuntimeEnvironment, 'FLINK-1_18');
    await row.locator('button', { hasText: 'Start' }).click();
    await row.locator('td', { hasText: 'RUNNING' }).waitFor({ timeout: 15_000 });
    await row.locator('button', { hasText: 'Stop' }).click();
    await row.locator('td', { hasText: 'READY' }).waitFor({ timeout: 15_000 });
    answerConfirm(false);
    await row.locator('button', { hasText: 'Delete' }).click();
    await page.waitForTimeout(200);
    assert.equal((await describeV2('console-flink')).ApplicationName, 'console-flink');
    answerConfirm(true);
    await row.locator('button', { hasText: 'Delete' }).click();
    await flink.locator('.message', { hasText: 'Deleting console-flink…' }).waitFor({ timeout: 10_000 });
    await until(
      'console-flink gone',
      () =>
        describeV2('console-flink').then(
          () => false,
          (e: Error) => e.name === 'ResourceNotFoundException',
        ),
      10_000,
    );
    await row.waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('creates delivery streams (Direct PUT and from a stream), updates a destination with its version id, refuses a stale version, and deletes after asking', async () => {
    await page.goto(`${server.url}/console/#/deliveries`);
    await page.click('[data-testid=create-delivery-open]');
    const form = page.locator('[data-testid=create-delivery]');
    await form.locator('input[name=name]').fill('console-direct');
    await form.locator('input[name=bucket]').fill('console-bucket');
    await form.locator('input[name=prefix]').fill('direct/');
    await form.locator('input[name=size]').fill('1');
    await form.locator('input[name=interval]').fill('60');
    await form.locator('select[name=compression]').selectOption('GZIP');
    await shot(page, 'create-delivery', true);
    await form.locator('button[type=submit]').click();
    await page.locator('.message', { hasText: 'Creating console-direct…' }).waitFor({ timeout: 10_000 });
    let d = (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'console-direct' }))).DeliveryStreamDescription!;
    assert.equal(d.DeliveryStreamType, 'DirectPut');
    let s3 = d.Destinations?.[0]?.ExtendedS3DestinationDescription;
    assert.equal(s3?.BucketARN, 'arn:aws:s3:::console-bucket');
    assert.equal(s3?.Prefix, 'direct/');
    assert.deepEqual(s3?.BufferingHints, { SizeInMBs: 1, IntervalInSeconds: 60 });
    assert.equal(s3?.CompressionFormat, 'GZIP');

    // From a Kinesis data stream; then the same name again, refused in Firehose's words.
    await page.click('[data-testid=create-delivery-open]');
    await form.locator('input[name=name]').fill('console-from-stream');
    await form.locator('select[name=source]').selectOption('m-in');
    await form.locator('button[type=submit]').click();
    await page.locator('.message', { hasText: 'Creating console-from-stream…' }).waitFor({ timeout: 10_000 });
    d = (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'console-from-stream' }))).DeliveryStreamDescription!;
    assert.equal(d.DeliveryStreamType, 'KinesisStreamAsSource');
    assert.match(d.Source?.KinesisStreamSourceDescription?.KinesisStreamARN ?? '', /:stream\/m-in$/);
    await page.click('[data-testid=create-delivery-open]');
    await form.locator('input[name=name]').fill('console-direct');
    await form.locator('button[type=submit]').click();
    await page
      .locator('.error', { hasText: /^ResourceInUseException: Firehose console-direct under accountId \d{12} already exists$/ })
      .waitFor({ timeout: 10_000 });

    // JSON → Parquet against the declared table (the form stays open after a refusal): Firehose wants 64 MiB buffers for it, and says so.
    await form.locator('input[name=name]').fill('console-parquet');
    await form.locator('select[name=source]').selectOption('');
    await form.locator('select[name=format]').selectOption('parquet');
    await form.locator('input[name=table]').fill('sales.events');
    await form.locator('select[name=compression]').selectOption('UNCOMPRESSED');
    await form.locator('input[name=size]').fill('5');
    await form.locator('button[type=submit]').click();
    await page
      .locator('.error', { hasText: 'InvalidArgumentException: BufferingHints.SizeInMBs must be at least 64 when data format conversion is enabled.' })
      .waitFor({ timeout: 10_000 });
    await form.locator('input[name=size]').fill('64');
    await form.locator('button[type=submit]').click();
    await page.locator('.message', { hasText: 'Creating console-parquet…' }).waitFor({ timeout: 10_000 });
    const conversion = (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'console-parquet' }))).DeliveryStreamDescription
      ?.Destinations?.[0]?.ExtendedS3DestinationDescription?.DataFormatConversionConfiguration;
    assert.equal(conversion?.Enabled, true);
    assert.equal(conversion?.SchemaConfiguration?.DatabaseName, 'sales');
    assert.equal(conversion?.SchemaConfiguration?.TableName, 'events');
    assert.ok(conversion?.OutputFormatConfiguration?.Serializer?.ParquetSerDe);

    await until(
      'console-direct ACTIVE',
      async () =>
        (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'console-direct' }))).DeliveryStreamDescription?.DeliveryStreamStatus ===
        'ACTIVE',
      10_000,
    );
    await page.goto(`${server.url}/console/#/deliveries/console-direct`);
    await page.locator('[data-testid=delivery-version]', { hasText: /^1$/ }).waitFor({ timeout: 10_000 });
    await page.locator('button', { hasText: 'Edit destination' }).click();
    const update = page.locator('[data-testid=update-destination]');
    assert.equal(await update.locator('input[name=prefix]').inputValue(), 'direct/');
    await update.locator('input[name=prefix]').fill('changed/');
    await update.locator('select[name=compression]').selectOption('UNCOMPRESSED');
    await update.locator('button[type=submit]').click();
    await page.locator('.message', { hasText: 'Destination updated' }).waitFor({ timeout: 10_000 });
    d = (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'console-direct' }))).DeliveryStreamDescription!;
    assert.equal(d.VersionId, '2');
    s3 = d.Destinations?.[0]?.ExtendedS3DestinationDescription;
    assert.equal(s3?.Prefix, 'changed/');
    assert.equal(s3?.CompressionFormat, 'UNCOMPRESSED');
    await page.locator('[data-testid=delivery-version]', { hasText: /^2$/ }).waitFor({ timeout: 10_000 });

    // Someone else updates it meanwhile: the page's version 2 is stale, and Firehose says so.
    await page.locator('button', { hasText: 'Edit destination' }).click();
    await firehose.send(
      new UpdateDestinationCommand({
        DeliveryStreamName: 'console-direct',
        CurrentDeliveryStreamVersionId: '2',
        DestinationId: d.Destinations?.[0]?.DestinationId,
        ExtendedS3DestinationUpdate: { Prefix: 'sdk/' },
      }),
    );
    await update.locator('input[name=prefix]').fill('late/');
    await update.locator('button[type=submit]').click();
    await page
      .locator('.error', {
        hasText:
          'ConcurrentModificationException: Cannot update firehose: console-direct since the current version id: 3 and specified version id: 2 do not match',
      })
      .waitFor({ timeout: 10_000 });

    answerConfirm(false);
    await page.click('[data-testid=delivery-delete]');
    await page.waitForTimeout(200);
    assert.ok((await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'console-direct' }))).DeliveryStreamDescription);
    answerConfirm(true);
    await page.click('[data-testid=delivery-delete]');
    await page.locator('.message', { hasText: 'Deleting console-direct…' }).waitFor({ timeout: 10_000 });
    await until(
      'console-direct deleted',
      () =>
        firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'console-direct' })).then(
          () => false,
          (e: Error) => e.name === 'ResourceNotFoundException',
        ),
      10_000,
    );
  });

  it('creates a function from code zipped in the browser, changes its code and configuration, creates and deletes a mapping, and deletes it after asking', async () => {
    await page.goto(`${server.url}/console/#/functions`);
    await page.click('[data-testid=create-function-open]');
    const form = page.locator('[data-testid=create-function]');
    await form.locator('input[name=name]').fill('console-fn');
    await form.locator('textarea[name=code]').fill("export const handler = async (event) => ({ from: 'v1', got: event.n });\n");
    await shot(page, 'create-function');
    await form.locator('button[type=submit]').click();
    await page.locator('.message', { hasText: 'Created console-fn' }).waitFor({ timeout: 10_000 });
    await page.locator('[data-testid=functions] tr[data-name=console-fn]').waitFor({ timeout: 10_000 });
    const invoke = async () => {
      const r = await lambda.send(new InvokeCommand({ FunctionName: 'console-fn', Payload: Buffer.from('{"n": 7}') }));
      return JSON.parse(Buffer.from(r.Payload ?? new Uint8Array()).toString()) as unknown;
    };
    assert.deepEqual(await invoke(), { from: 'v1', got: 7 });
    // The same name again: Lambda's ResourceConflictException.
    await page.click('[data-testid=create-function-open]');
    await form.locator('input[name=name]').fill('console-fn');
    await form.locator('button[type=submit]').click();
    await page.locator('.error', { hasText: 'ResourceConflictException: Function already exist: console-fn' }).waitFor({ timeout: 10_000 });

    await page.goto(`${server.url}/console/#/functions/console-fn`);
    const manage = page.locator('[data-testid=manage-function]');
    await manage.locator('button', { hasText: 'Edit code' }).click();
    const codeForm = page.locator('[data-testid=function-code]');
    // The handler's file of the current package, read from GetFunction's Code.Location and unzipped in the page.
    await until('the current code in the editor', async () => /from: 'v1'/.test(await codeForm.locator('textarea[name=code]').inputValue()), 10_000);
    assert.equal(await codeForm.locator('input[name=file]').inputValue(), 'index.mjs');
    await codeForm.locator('textarea[name=code]').fill("export const handler = async (event) => ({ from: 'v2', got: event.n });\n");
    await codeForm.locator('button[type=submit]').click();
    await manage.locator('.message', { hasText: 'Code updated' }).waitFor({ timeout: 10_000 });
    await until(
      'the new code to serve',
      async () => (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'console-fn' }))).LastUpdateStatus === 'Successful',
      10_000,
    );
    assert.deepEqual(await invoke(), { from: 'v2', got: 7 });

    await manage.locator('button', { hasText: 'Edit configuration' }).click();
    const configForm = page.locator('[data-testid=function-config]');
    await configForm.locator('input[name=timeout]').fill('9');
    await configForm.locator('input[name=description]').fill('edited in the console');
    await configForm.locator('textarea[name=environment]').fill('GREETING=hello');
    await configForm.locator('button[type=submit]').click();
    await manage.locator('.message', { hasText: 'Configuration updated' }).waitFor({ timeout: 10_000 });
    const cfg = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'console-fn' }));
    assert.equal(cfg.Timeout, 9);
    assert.equal(cfg.Description, 'edited in the console');
    assert.deepEqual(cfg.Environment?.Variables, { GREETING: 'hello' });
    // Memory below Lambda's 128 MB: refused with Lambda's validation text.
    await configForm.locator('input[name=memory]').fill('64');
    await configForm.locator('button[type=submit]').click();
    const refusal = await manage.locator('.error').textContent({ timeout: 10_000 });
    assert.equal(
      refusal,
      "ValidationException: 1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128",
    );

    // A mapping from m-in: batch size 10 from TRIM_HORIZON; the same again is refused; then deleted.
    const create = page.locator('[data-testid=create-mapping]');
    await create.locator('select[name=source]').selectOption('m-in');
    await create.locator('input[name=batch]').fill('10');
    await create.locator('select[name=position]').selectOption('TRIM_HORIZON');
    await create.locator('button[type=submit]').click();
    await page.locator('.message', { hasText: /^Created mapping [0-9a-f-]{36} from m-in$/ }).waitFor({ timeout: 10_000 });
    const [mapping] = (await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'console-fn' }))).EventSourceMappings ?? [];
    assert.equal(mapping?.BatchSize, 10);
    assert.equal(mapping?.StartingPosition, 'TRIM_HORIZON');
    assert.match(mapping?.EventSourceArn ?? '', /:stream\/m-in$/);
    await create.locator('button[type=submit]').click();
    await page
      .locator('.error', { hasText: `provided mapping already exists. Please update or delete the existing mapping with UUID ${mapping!.UUID}` })
      .waitFor({ timeout: 10_000 });
    const row = page.locator(`[data-testid=mappings] tr[data-uuid="${mapping!.UUID}"]`);
    await row.waitFor({ timeout: 10_000 });
    // Lambda refuses to delete a mapping while it is Creating: wait for Enabled (read with the SDK, not the page's 5 s refresh).
    await until('the mapping enabled', async () => (await lambda.send(new GetEventSourceMappingCommand({ UUID: mapping!.UUID }))).State === 'Enabled', 15_000);
    answerConfirm(true);
    await row.locator('button', { hasText: 'Delete' }).click();
    await page.locator('.message', { hasText: 'Deleting the mapping from' }).waitFor({ timeout: 10_000 });
    await until(
      'the mapping gone',
      async () => ((await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'console-fn' }))).EventSourceMappings ?? []).length === 0,
      15_000,
    );

    answerConfirm(false);
    await page.click('[data-testid=function-delete]');
    await page.waitForTimeout(200);
    assert.ok((await lambda.send(new GetFunctionCommand({ FunctionName: 'console-fn' }))).Configuration);
    answerConfirm(true);
    await page.click('[data-testid=function-delete]');
    await page.locator('.message', { hasText: 'Deleted console-fn.' }).waitFor({ timeout: 10_000 });
    await assert.rejects(lambda.send(new GetFunctionCommand({ FunctionName: 'console-fn' })), { name: 'ResourceNotFoundException' });
  });

  it("opens a Flink application's page from CreateApplicationPresignedUrl's URL, edits its code, takes a snapshot, rolls back and deletes the snapshot there (refusals in AWS's words), and refuses an altered URL", async () => {
    const CODE = [
      "CREATE TABLE src (store STRING) WITH ('connector' = 'kinesis', 'stream' = 'm-in', 'format' = 'json');",
      "CREATE TABLE dst (store STRING) WITH ('connector' = 'kinesis', 'stream' = 'm-out', 'format' = 'json');",
      'INSERT INTO dst SELECT store FROM src;',
    ].join('\n');
    await flinkApi.send(
      new CreateV2Command({
        ApplicationName: 'presigned-flink',
        RuntimeEnvironment: 'FLINK-1_18',
        ServiceExecutionRole: `arn:aws:iam::000000000000:role/flink-role`,
        ApplicationConfiguration: {
          ApplicationSnapshotConfiguration: { SnapshotsEnabled: true },
          ApplicationCodeConfiguration: {
            CodeContentType: 'PLAINTEXT',
            CodeContent: {
              TextContent: CODE,
            },
          },
        },
      }),
    );
    await flinkApi.send(new StartV2Command({ ApplicationName: 'presigned-flink' }));
    await until('presigned-flink RUNNING', async () => (await describeV2('presigned-flink')).ApplicationStatus === 'RUNNING', 10_000);
    const { AuthorizedUrl } = await flinkApi.send(
      new CreateApplicationPresignedUrlCommand({ ApplicationName: 'presigned-flink', UrlType: 'FLINK_DASHBOARD_URL' }),
    );
    assert.ok(AuthorizedUrl);
    await page.goto(AuthorizedUrl);
    const detail = page.locator('[data-testid=flink-detail]');
    await detail.locator('h2', { hasText: 'Flink application presigned-flink' }).waitFor({ timeout: 10_000 });
    assert.match((await detail.locator('[data-testid=flink-summary]').textContent({ timeout: 10_000 })) ?? '', /^RUNNING · version 1 · FLINK-1_18$/);
    assert.match(await detail.locator('[data-testid=flink-code]').inputValue(), /INSERT INTO dst SELECT store FROM src;/);

    // Rolling back with no earlier version is refused in AWS's words.
    await detail.locator('button', { hasText: 'Roll back' }).click();
    assert.match(
      (await detail.locator('.error').textContent({ timeout: 10_000 })) ?? '',
      /^InvalidRequestException: Application presigned-flink has no earlier version/,
    );

    // A snapshot taken from the page is listed (and read back with the SDK); a second one of the same name is refused in AWS's words; deleted from the page.
    await detail.locator('input[name=snapshot]').fill('snap-1');
    await detail.locator('[data-testid=flink-snapshot-form] button[type=submit]').click();
    await detail.locator('.message', { hasText: 'Snapshot snap-1 taken' }).waitFor({ timeout: 10_000 });
    await detail.locator('[data-testid=flink-snapshots] tr[data-name=snap-1]').waitFor({ timeout: 10_000 });
    const listed = await flinkApi.send(new ListApplicationSnapshotsCommand({ ApplicationName: 'presigned-flink' }));
    assert.deepEqual(
      listed.SnapshotSummaries?.map((x) => x.SnapshotName),
      ['snap-1'],
    );
    await detail.locator('[data-testid=flink-snapshot-form] button[type=submit]').click();
    assert.match(await textMatching(detail.locator('.error'), /^ResourceInUseException: .*snap-1/), /^ResourceInUseException: .*snap-1/);
    // Code that does not parse is refused; code that does is version 2; rolling back (with snap-1) makes version 3 with version 1's code.
    await detail.locator('[data-testid=flink-code]').fill('SELEC 1');
    await detail.locator('button', { hasText: 'Update code' }).click();
    assert.match(await textMatching(detail.locator('.error'), /^CodeValidationException: 1:1: /), /^CodeValidationException: 1:1: /);
    await detail.locator('[data-testid=flink-code]').fill(CODE.replace('SELECT store', 'SELECT UPPER(store)'));
    await detail.locator('button', { hasText: 'Update code' }).click();
    await detail.locator('[data-testid=flink-summary]', { hasText: 'version 2' }).waitFor({ timeout: 10_000 });
    assert.match(
      (await describeV2('presigned-flink')).ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription?.CodeContentDescription?.TextContent ??
        '',
      /UPPER/,
    );
    await detail.locator('button', { hasText: 'Roll back' }).click();
    await detail.locator('.message', { hasText: 'Rolled back' }).waitFor({ timeout: 10_000 });
    const rolled = await describeV2('presigned-flink');
    assert.equal(rolled.ApplicationVersionId, 3);
    assert.doesNotMatch(
      rolled.ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription?.CodeContentDescription?.TextContent ?? '',
      /UPPER/,
    );
    await detail.locator('[data-testid=flink-snapshots] tr[data-name=snap-1] button', { hasText: 'Delete' }).click();
    await detail.locator('.message', { hasText: 'Deleted snapshot snap-1' }).waitFor({ timeout: 10_000 });
    assert.deepEqual((await flinkApi.send(new ListApplicationSnapshotsCommand({ ApplicationName: 'presigned-flink' }))).SnapshotSummaries, []);
    await flinkApi.send(new StopV2Command({ ApplicationName: 'presigned-flink', Force: true }));

    // A token altered by one character, or signed by another server process, opens a refusal page instead.
    const forged = AuthorizedUrl.replace(
      /authToken=([^#.]+)\.([^#]+)/,
      (_m, p: string, mac: string) => `authToken=${p}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`,
    );
    assert.notEqual(forged, AuthorizedUrl);
    const res = await page.goto(forged);
    assert.equal(res?.status(), 403);
    assert.match((await page.locator('[data-testid=presigned-refused]').textContent()) ?? '', /This application link is not valid/);
    await shot(page, 'console-presigned-refused');
  });

  it("edits a Flink application's runtime properties from its page (read back with the SDK; a stale version and an empty value refused in AWS's words)", async () => {
    await flinkApi.send(
      new CreateV2Command({
        ApplicationName: 'props-flink',
        RuntimeEnvironment: 'FLINK-1_18',
        ServiceExecutionRole: 'arn:aws:iam::000000000000:role/flink-role',
        ApplicationConfiguration: {
          ApplicationCodeConfiguration: {
            CodeContentType: 'PLAINTEXT',
            CodeContent: {
              TextContent: [
                "CREATE TABLE src (store STRING) WITH ('connector' = 'kinesis', 'stream' = 'm-in', 'format' = 'json');",
                "CREATE TABLE dst (store STRING) WITH ('connector' = 'kinesis', 'stream' = 'm-out', 'format' = 'json');",
                'INSERT INTO dst SELECT store FROM src;',
              ].join('\n'),
            },
          },
          EnvironmentProperties: { PropertyGroups: [{ PropertyGroupId: 'app', PropertyMap: { 'app.region': 'eu' } }] },
        },
      }),
    );
    await page.goto(`${server.url}/console/#/apps/props-flink`);
    const props = page.locator('[data-testid=flink-properties]');
    const text = props.locator('textarea[name=properties]');
    await until('the properties in the editor', async () => (await text.inputValue()) === 'app: app.region=eu', 10_000);
    await text.fill('app: app.region=us\napp: app.limit=5\nsink: batch.size=100');
    await props.locator('button[type=submit]').click();
    await props.locator('.message', { hasText: 'Runtime properties saved (2 group(s))' }).waitFor({ timeout: 10_000 });
    let d = await describeV2('props-flink');
    assert.equal(d.ApplicationVersionId, 2);
    assert.deepEqual(d.ApplicationConfigurationDescription?.EnvironmentPropertyDescriptions?.PropertyGroupDescriptions, [
      { PropertyGroupId: 'app', PropertyMap: { 'app.region': 'us', 'app.limit': '5' } },
      { PropertyGroupId: 'sink', PropertyMap: { 'batch.size': '100' } },
    ]);
    await page.locator('[data-testid=flink-summary]', { hasText: 'version 2' }).waitFor({ timeout: 10_000 });
    // A value left empty: the API's validation text.
    await text.fill('app: app.region=');
    await props.locator('button[type=submit]').click();
    const empty = await props.locator('.error').textContent({ timeout: 10_000 });
    assert.match(empty ?? '', /^ValidationException: .*PropertyMap|^ValidationException: .*propertyMap/);
    // Someone else changes the application meanwhile: the page's version 2 is stale, and the API says so.
    await flinkApi.send(
      new UpdateV2Command({
        ApplicationName: 'props-flink',
        CurrentApplicationVersionId: 2,
        ApplicationConfigurationUpdate: { EnvironmentPropertyUpdates: { PropertyGroups: [{ PropertyGroupId: 'sdk', PropertyMap: { k: 'v' } }] } },
      }),
    );
    await text.fill('app: app.region=late');
    await props.locator('button[type=submit]').click();
    await props
      .locator('.error', { hasText: 'ConcurrentModificationException: Current application version id 2 does not match the latest version id 3' })
      .waitFor({ timeout: 10_000 });
    d = await describeV2('props-flink');
    assert.deepEqual(d.ApplicationConfigurationDescription?.EnvironmentPropertyDescriptions?.PropertyGroupDescriptions, [
      { PropertyGroupId: 'sdk', PropertyMap: { k: 'v' } },
    ]);
    await shot(page, 'flink-properties');

    // The code editor too: a draft begun at version 3 stays at 3 while the page's poll shows the SDK's version 4, and is refused.
    await page.locator('[data-testid=flink-summary]', { hasText: 'version 3' }).waitFor({ timeout: 10_000 });
    const code = page.locator('[data-testid=flink-code]');
    await code.fill(`${await code.inputValue()}\n-- a stale draft`);
    await flinkApi.send(
      new UpdateV2Command({
        ApplicationName: 'props-flink',
        CurrentApplicationVersionId: 3,
        ApplicationConfigurationUpdate: { EnvironmentPropertyUpdates: { PropertyGroups: [{ PropertyGroupId: 'sdk', PropertyMap: { k: 'v2' } }] } },
      }),
    );
    await page.locator('[data-testid=flink-summary]', { hasText: 'version 4' }).waitFor({ timeout: 10_000 });
    assert.match(await code.inputValue(), /-- a stale draft$/);
    await page.locator('button', { hasText: 'Update code' }).click();
    await page
      .locator('[data-testid=flink-detail] p.error', {
        hasText: 'ConcurrentModificationException: Current application version id 3 does not match the latest version id 4',
      })
      .waitFor({ timeout: 10_000 });
    d = await describeV2('props-flink');
    assert.equal(d.ApplicationVersionId, 4);
    assert.doesNotMatch(
      d.ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription?.CodeContentDescription?.TextContent ?? '',
      /stale draft/,
    );
  });

  it("edits a Flink application's parallelism, checkpointing and monitoring from its page and lists its versions, each opened with its settings (read back with the SDK; refusals in AWS's words)", async () => {
    await flinkApi.send(
      new CreateV2Command({
        ApplicationName: 'settings-flink',
        RuntimeEnvironment: 'FLINK-1_18',
        ServiceExecutionRole: 'arn:aws:iam::000000000000:role/flink-role',
        ApplicationConfiguration: {
          ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: 'SELECT 1;' } },
        },
      }),
    );
    await page.goto(`${server.url}/console/#/apps/settings-flink`);
    const form = page.locator('[data-testid=flink-settings]');
    await form.locator('select[name=parallelismType]').selectOption('CUSTOM');
    await form.locator('input[name=parallelism]').fill('4');
    await form.locator('input[name=perKpu]').fill('2');
    await form.locator('select[name=autoScaling]').selectOption('false');
    await form.locator('select[name=checkpointType]').selectOption('CUSTOM');
    await form.locator('input[name=interval]').fill('30000');
    await form.locator('input[name=minPause]').fill('1000');
    await form.locator('select[name=monitoringType]').selectOption('CUSTOM');
    await form.locator('select[name=metricsLevel]').selectOption('TASK');
    await form.locator('select[name=logLevel]').selectOption('WARN');
    await form.locator('button[type=submit]').click();
    await form.locator('.message', { hasText: 'Flink settings saved' }).waitFor({ timeout: 10_000 });
    const d = await describeV2('settings-flink');
    assert.equal(d.ApplicationVersionId, 2);
    const f = d.ApplicationConfigurationDescription?.FlinkApplicationConfigurationDescription;
    assert.deepEqual(
      [
        f?.ParallelismConfigurationDescription?.ConfigurationType,
        f?.ParallelismConfigurationDescription?.Parallelism,
        f?.ParallelismConfigurationDescription?.ParallelismPerKPU,
        f?.ParallelismConfigurationDescription?.AutoScalingEnabled,
      ],
      ['CUSTOM', 4, 2, false],
    );
    assert.deepEqual(
      [
        f?.CheckpointConfigurationDescription?.ConfigurationType,
        f?.CheckpointConfigurationDescription?.CheckpointingEnabled,
        f?.CheckpointConfigurationDescription?.CheckpointInterval,
        f?.CheckpointConfigurationDescription?.MinPauseBetweenCheckpoints,
      ],
      ['CUSTOM', true, 30000, 1000],
    );
    assert.deepEqual(
      [
        f?.MonitoringConfigurationDescription?.ConfigurationType,
        f?.MonitoringConfigurationDescription?.MetricsLevel,
        f?.MonitoringConfigurationDescription?.LogLevel,
      ],
      ['CUSTOM', 'TASK', 'WARN'],
    );
    // A parallelism of 0: the API's validation text, and nothing changes.
    await page.locator('[data-testid=flink-summary]', { hasText: 'version 2' }).waitFor({ timeout: 10_000 });
    await form.locator('input[name=parallelism]').fill('0');
    await form.locator('button[type=submit]').click();
    const refusal = await textMatching(form.locator('.error'), /^ValidationException/);
    assert.equal(
      refusal,
      "ValidationException: 1 validation error detected: Value '0' at 'applicationConfigurationUpdate.flinkApplicationConfigurationUpdate.parallelismConfigurationUpdate.parallelismUpdate' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    assert.equal((await describeV2('settings-flink')).ApplicationVersionId, 2);

    // The versions, newest first as ListApplicationVersions gives them; version 1 opened shows the defaults, version 2 its settings.
    const versions = page.locator('[data-testid=flink-versions]');
    await versions.locator('tr[data-version="1"]').waitFor({ timeout: 10_000 });
    // The page reads the list again as the application's status moves (UPDATING, then READY): compare once both settled.
    const compare = async () => ({
      shown: await versions.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.textContent)),
      listed: ((await flinkApi.send(new ListApplicationVersionsCommand({ ApplicationName: 'settings-flink' }))).ApplicationVersionSummaries ?? []).map(
        (v) => `${v.ApplicationVersionId}${v.ApplicationStatus}`,
      ),
    });
    let seen = await compare();
    for (const start = Date.now(); JSON.stringify(seen.shown) !== JSON.stringify(seen.listed) && Date.now() - start < 10_000; ) {
      await new Promise((r) => setTimeout(r, 200));
      seen = await compare();
    }
    assert.deepEqual(seen.shown, seen.listed);
    assert.deepEqual(seen.listed, ['2READY', '1READY']);
    await versions.locator('tr[data-version="1"] button').click();
    assert.equal(
      await textMatching(versions.locator('[data-testid=flink-version-settings]'), /DEFAULT/),
      'parallelism DEFAULT · checkpointing DEFAULT · monitoring DEFAULT',
    );
    await versions.locator('tr[data-version="2"] button').click();
    assert.equal(
      await textMatching(versions.locator('[data-testid=flink-version-settings]'), /CUSTOM/),
      'parallelism CUSTOM 4 (2 per KPU, auto scaling false) · checkpointing CUSTOM every 30000 ms, min pause 1000 ms · monitoring CUSTOM TASK/WARN',
    );
    await shot(page, 'flink-settings');
  });

  it("publishes a function's version, creates, moves and deletes an alias, and sets and removes reserved concurrency from its page (read back with the SDK; Lambda's refusals shown)", async () => {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'versioned-fn',
        Runtime: 'nodejs20.x',
        Role: 'arn:aws:iam::000000000000:role/lambda-role',
        Handler: 'index.handler',
        Code: { ZipFile: zipOf({ 'index.mjs': "export const handler = async () => 'one';\n" }) },
      }),
    );
    await page.goto(`${server.url}/console/#/functions/versioned-fn`);
    const panel = page.locator('[data-testid=versions-aliases]');
    await panel.locator('[data-testid=function-versions] tr[data-version="$LATEST"]').waitFor({ timeout: 10_000 });
    await panel.locator('[data-testid=publish-version] input[name=description]').fill('first');
    await panel.locator('[data-testid=publish-version] button[type=submit]').click();
    await panel.locator('.message', { hasText: 'Published version 1' }).waitFor({ timeout: 10_000 });
    await panel.locator('[data-testid=function-versions] tr[data-version="1"]', { hasText: 'first' }).waitFor({ timeout: 10_000 });
    const versions = (await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'versioned-fn' }))).Versions ?? [];
    assert.deepEqual(
      versions.map((v) => [v.Version, v.Description ?? '']),
      [
        ['$LATEST', ''],
        ['1', 'first'],
      ],
    );

    // An alias on version 1; the same name again is refused in Lambda's words; moved to $LATEST; deleted after asking.
    const create = panel.locator('[data-testid=create-alias]');
    await create.locator('input[name=alias]').fill('live');
    await create.locator('select[name=version]').selectOption('1');
    await create.locator('button[type=submit]').click();
    await panel.locator('.message', { hasText: 'Created alias live' }).waitFor({ timeout: 10_000 });
    assert.equal((await lambda.send(new GetAliasCommand({ FunctionName: 'versioned-fn', Name: 'live' }))).FunctionVersion, '1');
    await create.locator('button[type=submit]').click();
    await panel
      .locator('.error', { hasText: 'ResourceConflictException: Alias already exists: arn:aws:lambda:us-east-1:000000000000:function:versioned-fn:live' })
      .waitFor({ timeout: 10_000 });
    const row = panel.locator('[data-testid=function-aliases] tr[data-alias=live]');
    await row.locator('select[name=version]').selectOption('$LATEST');
    await panel.locator('.message', { hasText: 'Alias live now points at version $LATEST' }).waitFor({ timeout: 10_000 });
    assert.equal((await lambda.send(new GetAliasCommand({ FunctionName: 'versioned-fn', Name: 'live' }))).FunctionVersion, '$LATEST');
    answerConfirm(false);
    await row.locator('button', { hasText: 'Delete' }).click();
    await page.waitForTimeout(200);
    assert.equal((await lambda.send(new GetAliasCommand({ FunctionName: 'versioned-fn', Name: 'live' }))).Name, 'live');
    answerConfirm(true);
    await row.locator('button', { hasText: 'Delete' }).click();
    await panel.locator('.message', { hasText: 'Deleted alias live' }).waitFor({ timeout: 10_000 });
    await assert.rejects(lambda.send(new GetAliasCommand({ FunctionName: 'versioned-fn', Name: 'live' })), { name: 'ResourceNotFoundException' });

    // Reserved concurrency: more than the account can spare is refused in Lambda's words; 5 is set, then removed.
    const conc = panel.locator('[data-testid=set-concurrency]');
    await conc.locator('input[name=reserved]').fill('990');
    await conc.locator('button[type=submit]').click();
    await panel
      .locator('.error', {
        hasText:
          "InvalidParameterValueException: Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of",
      })
      .waitFor({ timeout: 10_000 });
    await conc.locator('input[name=reserved]').fill('5');
    await conc.locator('button[type=submit]').click();
    await panel.locator('[data-testid=reserved-concurrency]', { hasText: 'Reserved concurrency: 5' }).waitFor({ timeout: 10_000 });
    assert.equal((await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'versioned-fn' }))).ReservedConcurrentExecutions, 5);
    await conc.locator('button', { hasText: 'Remove reservation' }).click();
    await panel.locator('.message', { hasText: 'Reserved concurrency removed' }).waitFor({ timeout: 10_000 });
    assert.equal((await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'versioned-fn' }))).ReservedConcurrentExecutions, undefined);
    await shot(page, 'function-versions');
  });

  it("creates an event source mapping from one of the server's SQS queues (listed with ListQueues) with its batch size, and the function reads the queue", async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'console-queue' }));
    await page.goto(`${server.url}/console/#/functions/versioned-fn`);
    const create = page.locator('[data-testid=create-mapping]');
    // The page was already open: focusing the source lists the queues again.
    await create.locator('select[name=source]').focus();
    await create.locator('select[name=source] option', { hasText: 'console-queue' }).waitFor({ state: 'attached', timeout: 10_000 });
    await create.locator('select[name=source]').selectOption(`sqs:${QueueUrl}`);
    // A queue has no starting position: the form does not ask for one.
    assert.equal(await create.locator('select[name=position]').count(), 0);
    await create.locator('input[name=batch]').fill('5');
    await create.locator('button[type=submit]').click();
    await page.locator('.message', { hasText: /^Created mapping [0-9a-f-]{36} from console-queue$/ }).waitFor({ timeout: 10_000 });
    const [mapping] = (await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'versioned-fn' }))).EventSourceMappings ?? [];
    assert.equal(mapping?.EventSourceArn, 'arn:aws:sqs:us-east-1:000000000000:console-queue');
    assert.equal(mapping?.BatchSize, 5);
    assert.equal(mapping?.StartingPosition, undefined);
    await page.locator(`[data-testid=mappings] tr[data-uuid="${mapping!.UUID}"]`).waitFor({ timeout: 10_000 });
    // The mapping polls the queue: a message sent is consumed (deleted after the function succeeds).
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"n": 1}' }));
    await until(
      'the message consumed',
      async () => {
        const a = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
        );
        return a.Attributes?.ApproximateNumberOfMessages === '0' && a.Attributes?.ApproximateNumberOfMessagesNotVisible === '0';
      },
      15_000,
    );
  });

  it('logs no browser errors besides the refusals the tests asked for', () => {
    assert.deepEqual(errors, []);
    assert.ok(refusals.length >= 5, `the refusals were shown: ${refusals.join('\n')}`);
  });

  describe('the rest of the settings: processors, partitioning, backup and HTTP endpoints; images, weighted aliases and mapping options', () => {
    it('creates a delivery stream with de-aggregation, a Lambda processor of the server, metadata extraction for dynamic partitioning and S3 backup, and edits its processors (read back with the SDK)', async () => {
      const transform = await lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'fh-transform',
          Runtime: 'nodejs20.x',
          Role: 'arn:aws:iam::000000000000:role/lambda-role',
          Handler: 'index.handler',
          Code: {
            ZipFile: zipOf({
              'index.mjs': "export const handler = async (e) => ({ records: e.records.map((r) => ({ recordId: r.recordId, result: 'Ok', data: r.data })) });\n",
            }),
          },
        }),
      );
      await page.goto(`${server.url}/console/#/deliveries`);
      await page.click('[data-testid=create-delivery-open]');
      const form = page.locator('[data-testid=create-delivery]');
      await form.locator('input[name=name]').fill('console-partitioned');
      await form.locator('input[name=bucket]').fill('partitioned-bucket');
      await form.locator('input[name=prefix]').fill('store=!{partitionKeyFromQuery:store}/');
      await form.locator('input[name=errorPrefix]').fill('errors/!{firehose:error-output-type}/');
      await form.locator('input[name=size]').fill('5');
      await form.locator('input[name=interval]').fill('60');
      await form.locator('input[name=fileExtension]').fill('.json');
      await form.locator('input[name=timeZone]').fill('Europe/Paris');
      await form.locator('summary', { hasText: 'Processing' }).click();
      await form.locator('input[name=decompress]').check();
      await form.locator('select[name=deaggregate]').selectOption('JSON');
      await form.locator('select[name=lambdaArn] option', { hasText: 'fh-transform' }).waitFor({ state: 'attached', timeout: 10_000 });
      await form.locator('select[name=lambdaArn]').selectOption(transform.FunctionArn!);
      await form.locator('input[name=metadataQuery]').fill('{store: .store}');
      await form.locator('input[name=appendDelimiter]').check();
      await form.locator('input[name=dynamicPartitioning]').check();
      await form.locator('input[name=backup]').check();
      await form.locator('input[name=backupBucket]').fill('partitioned-backup');
      await form.locator('input[name=backupPrefix]').fill('source/');
      // Dynamic partitioning wants 64 MiB buffers, and Firehose says so.
      await form.locator('button[type=submit]').click();
      assert.equal(
        await textMatching(page.locator('span.error'), /dynamic partitioning/),
        'InvalidArgumentException: BufferingHints.SizeInMBs must be at least 64 when dynamic partitioning is enabled',
      );
      await form.locator('input[name=size]').fill('64');
      await shot(page, 'delivery-processors');
      await form.locator('button[type=submit]').click();
      await page.locator('.message', { hasText: 'Creating console-partitioned…' }).waitFor({ timeout: 10_000 });
      const describe = async () =>
        (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'console-partitioned' }))).DeliveryStreamDescription!;
      let d = await describe();
      let ext = d.Destinations?.[0]?.ExtendedS3DestinationDescription;
      assert.equal(ext?.Prefix, 'store=!{partitionKeyFromQuery:store}/');
      assert.equal(ext?.ErrorOutputPrefix, 'errors/!{firehose:error-output-type}/');
      assert.equal(ext?.ProcessingConfiguration?.Enabled, true);
      assert.deepEqual(
        ext?.ProcessingConfiguration?.Processors?.map((p) => [
          p.Type,
          Object.fromEntries((p.Parameters ?? []).map((x) => [x.ParameterName, x.ParameterValue])),
        ]),
        [
          ['Decompression', { CompressionFormat: 'GZIP' }],
          ['RecordDeAggregation', { SubRecordType: 'JSON' }],
          ['Lambda', { LambdaArn: transform.FunctionArn, BufferSizeInMBs: '1', BufferIntervalInSeconds: '60', NumberOfRetries: '3' }],
          ['MetadataExtraction', { MetadataExtractionQuery: '{store: .store}', JsonParsingEngine: 'JQ-1.6' }],
          ['AppendDelimiterToRecord', {}],
        ],
      );
      assert.equal(ext?.DynamicPartitioningConfiguration?.Enabled, true);
      assert.equal(ext?.FileExtension, '.json');
      assert.equal(ext?.CustomTimeZone, 'Europe/Paris');
      assert.equal(ext?.S3BackupMode, 'Enabled');
      assert.equal(ext?.S3BackupDescription?.BucketARN, 'arn:aws:s3:::partitioned-backup');
      assert.equal(ext?.S3BackupDescription?.Prefix, 'source/');

      // Its page opens the edit form with those settings; the Lambda step is removed and the query widened.
      await until('console-partitioned ACTIVE', async () => (await describe()).DeliveryStreamStatus === 'ACTIVE', 10_000);
      await page.goto(`${server.url}/console/#/deliveries/console-partitioned`);
      assert.match(
        await textMatching(page.locator('[data-testid=delivery-summary]'), /processors/),
        /processors: decompress GZIP, de-aggregate JSON, Lambda fh-transform, metadata \{store: \.store\}, append new line/,
      );
      await page.locator('button', { hasText: 'Edit destination' }).click();
      const update = page.locator('[data-testid=update-destination]');
      assert.equal(await update.locator('select[name=lambdaArn]').inputValue(), transform.FunctionArn);
      assert.equal(await update.locator('input[name=metadataQuery]').inputValue(), '{store: .store}');
      assert.equal(await update.locator('input[name=backupPrefix]').inputValue(), 'source/');
      assert.equal(await update.locator('input[name=timeZone]').inputValue(), 'Europe/Paris');
      await update.locator('input[name=decompress]').uncheck();
      await update.locator('select[name=lambdaArn]').selectOption('');
      await update.locator('input[name=metadataQuery]').fill('{store: .store, day: .day}');
      // The page offers the query's keys as the prefix; a 0 s interval delivers at once.
      await update.locator('[data-testid=keys-to-prefix]').click();
      assert.equal(await update.locator('input[name=prefix]').inputValue(), 'store=!{partitionKeyFromQuery:store}/day=!{partitionKeyFromQuery:day}/');
      await update.locator('input[name=interval]').fill('0');
      await update.locator('button[type=submit]').click();
      await page.locator('.message', { hasText: 'Destination updated' }).waitFor({ timeout: 10_000 });
      d = await describe();
      assert.equal(d.VersionId, '2');
      ext = d.Destinations?.[0]?.ExtendedS3DestinationDescription;
      assert.deepEqual(
        ext?.ProcessingConfiguration?.Processors?.map((p) => p.Type),
        ['RecordDeAggregation', 'MetadataExtraction', 'AppendDelimiterToRecord'],
      );
      assert.equal(ext?.ProcessingConfiguration?.Processors?.[1]?.Parameters?.[0]?.ParameterValue, '{store: .store, day: .day}');
      assert.equal(ext?.Prefix, 'store=!{partitionKeyFromQuery:store}/day=!{partitionKeyFromQuery:day}/');
      assert.equal(ext?.DynamicPartitioningConfiguration?.Enabled, true);
      assert.equal(ext?.S3BackupMode, 'Enabled');
      // A record is delivered under its keys, and the page's bucket tree shows them.
      await firehose.send(
        new PutRecordCommand({ DeliveryStreamName: 'console-partitioned', Record: { Data: Buffer.from(JSON.stringify({ store: 's1', day: 'mon', qty: 2 })) } }),
      );
      const bucket = page.locator('[data-testid=bucket]');
      await bucket.locator('summary', { hasText: 'store=s1/' }).waitFor({ timeout: 10_000 });
      await bucket.locator('summary', { hasText: 'day=mon/' }).waitFor({ timeout: 10_000 });
      assert.match((await bucket.locator('button[data-key]').first().getAttribute('data-key')) ?? '', /^store=s1\/day=mon\/console-partitioned-2-.*\.json$/);
    });

    it('creates a delivery stream to an HTTP endpoint (URL, name, access key, buffering, retry, backup bucket) that receives records with the key, and edits its retry and backup while keeping the key', async () => {
      const received: Array<{ key: string | undefined; records: string[] }> = [];
      const endpoint = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          const json = JSON.parse(body) as { requestId: string; records: Array<{ data: string }> };
          received.push({
            key: req.headers['x-amz-firehose-access-key'] as string | undefined,
            records: json.records.map((r) => Buffer.from(r.data, 'base64').toString()),
          });
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ requestId: json.requestId, timestamp: Date.now() }));
        });
      });
      await new Promise<void>((r) => endpoint.listen(0, '127.0.0.1', r));
      try {
        const url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/ingest`;
        await page.goto(`${server.url}/console/#/deliveries`);
        await page.click('[data-testid=create-delivery-open]');
        const form = page.locator('[data-testid=create-delivery]');
        await form.locator('input[name=name]').fill('console-http');
        await form.locator('select[name=kind]').selectOption('http');
        await form.locator('input[name=url]').fill(url);
        await form.locator('input[name=endpointName]').fill('collector');
        await form.locator('input[name=accessKey]').fill('secret-key-1');
        await form.locator('input[name=retryS]').fill('60');
        await form.locator('input[name=bucket]').fill('http-backup');
        await form.locator('input[name=prefix]').fill('failed/');
        await form.locator('input[name=size]').fill('1');
        await form.locator('input[name=interval]').fill('0');
        await form.locator('button[type=submit]').click();
        await page.locator('.message', { hasText: 'Creating console-http…' }).waitFor({ timeout: 10_000 });
        const describe = async () =>
          (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'console-http' }))).DeliveryStreamDescription!;
        let http = (await describe()).Destinations?.[0]?.HttpEndpointDestinationDescription;
        assert.deepEqual(http?.EndpointConfiguration, { Url: url, Name: 'collector' });
        assert.deepEqual(http?.BufferingHints, { SizeInMBs: 1, IntervalInSeconds: 0 });
        assert.equal(http?.RetryOptions?.DurationInSeconds, 60);
        assert.equal(http?.S3BackupMode, 'FailedDataOnly');
        assert.equal(http?.S3DestinationDescription?.BucketARN, 'arn:aws:s3:::http-backup');
        assert.equal(http?.S3DestinationDescription?.Prefix, 'failed/');
        await until('console-http ACTIVE', async () => (await describe()).DeliveryStreamStatus === 'ACTIVE', 10_000);
        // Firehose never describes the access key: the endpoint sees it.
        await firehose.send(new PutRecordCommand({ DeliveryStreamName: 'console-http', Record: { Data: Buffer.from('{"n":1}\n') } }));
        await until('the endpoint receives the record', async () => received.length > 0, 10_000);
        assert.deepEqual(received[0], { key: 'secret-key-1', records: ['{"n":1}\n'] });

        // Edited: a longer retry and every record backed up; the key, left blank, is kept.
        await page.goto(`${server.url}/console/#/deliveries/console-http`);
        await page.locator('[data-testid=delivery-summary]', { hasText: 'collector' }).waitFor({ timeout: 10_000 });
        await page.locator('button', { hasText: 'Edit destination' }).click();
        const update = page.locator('[data-testid=update-destination]');
        assert.equal(await update.locator('input[name=url]').inputValue(), url);
        assert.equal(await update.locator('input[name=accessKey]').inputValue(), '');
        await update.locator('input[name=retryS]').fill('120');
        await update.locator('select[name=httpBackupMode]').selectOption('AllData');
        await update.locator('button[type=submit]').click();
        await page.locator('.message', { hasText: 'Destination updated' }).waitFor({ timeout: 10_000 });
        const d = await describe();
        assert.equal(d.VersionId, '2');
        http = d.Destinations?.[0]?.HttpEndpointDestinationDescription;
        assert.equal(http?.RetryOptions?.DurationInSeconds, 120);
        assert.equal(http?.S3BackupMode, 'AllData');
        assert.equal(http?.EndpointConfiguration?.Url, url);
        await firehose.send(new PutRecordCommand({ DeliveryStreamName: 'console-http', Record: { Data: Buffer.from('{"n":2}\n') } }));
        await until('the endpoint receives the second record', async () => received.length > 1, 10_000);
        assert.deepEqual(received[1], { key: 'secret-key-1', records: ['{"n":2}\n'] });
        await shot(page, 'delivery-http');
      } finally {
        endpoint.close();
      }
    });

    it("creates an event source mapping with a filter, a batching window, an on-failure queue, bisect and retry limits, edits them, and shows Lambda's refusal of a bad filter", async () => {
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'esm-options-fn',
          Runtime: 'nodejs20.x',
          Role: 'arn:aws:iam::000000000000:role/lambda-role',
          Handler: 'index.handler',
          Code: { ZipFile: zipOf({ 'index.mjs': 'export const handler = async () => 1;\n' }) },
        }),
      );
      const failures = (await sqs.send(new CreateQueueCommand({ QueueName: 'esm-failures' }))).QueueUrl!;
      await page.goto(`${server.url}/console/#/functions/esm-options-fn`);
      const create = page.locator('[data-testid=create-mapping]');
      await create.locator('select[name=source] option', { hasText: /^m-out$/ }).waitFor({ state: 'attached', timeout: 10_000 });
      await create.locator('select[name=source]').selectOption('m-out');
      await create.locator('select[name=position]').selectOption('TRIM_HORIZON');
      await create.locator('summary').click();
      await create.locator('input[name=window]').fill('5');
      await create.locator('textarea[name=filters]').fill('{"data": {"kind": ["order"]}}');
      await create.locator('select[name=onFailure] option', { hasText: 'queue esm-failures' }).waitFor({ state: 'attached', timeout: 10_000 });
      await create.locator('select[name=onFailure]').selectOption('esm-failures');
      await create.locator('input[name=bisect]').check();
      await create.locator('input[name=retries]').fill('2');
      await create.locator('input[name=maxAge]').fill('120');
      await create.locator('input[name=tumbling]').fill('30');
      await create.locator('input[name=reportFailures]').check();
      await create.locator('button[type=submit]').click();
      await page.locator('.message', { hasText: /^Created mapping [0-9a-f-]{36} from m-out$/ }).waitFor({ timeout: 10_000 });
      const [created] = (await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'esm-options-fn' }))).EventSourceMappings ?? [];
      const read = async () => lambda.send(new GetEventSourceMappingCommand({ UUID: created!.UUID }));
      let m = await read();
      assert.deepEqual(m.FilterCriteria?.Filters, [{ Pattern: '{"data": {"kind": ["order"]}}' }]);
      assert.equal(m.MaximumBatchingWindowInSeconds, 5);
      assert.equal(m.DestinationConfig?.OnFailure?.Destination, 'arn:aws:sqs:us-east-1:000000000000:esm-failures');
      assert.equal(m.BisectBatchOnFunctionError, true);
      assert.equal(m.MaximumRetryAttempts, 2);
      assert.equal(m.MaximumRecordAgeInSeconds, 120);
      assert.equal(m.TumblingWindowInSeconds, 30);
      assert.deepEqual(m.FunctionResponseTypes, ['ReportBatchItemFailures']);
      const row = page.locator(`[data-testid=mappings] tr[data-uuid="${created!.UUID}"]`);
      assert.equal(
        await textMatching(row.locator('[data-testid=mapping-options]'), /bisect/),
        'window 5 s · 1 filter(s) · on failure → esm-failures · bisect · 2 retries · max age 120 s · tumbling window 30 s · reports batch item failures',
      );

      // Edited: a pattern whose value is not a list is refused in Lambda's words; then two filters, no destination, no limits.
      await row.locator('button', { hasText: 'Edit' }).click();
      const edit = page.locator('[data-testid=edit-mapping]');
      // The mapping's queue is selected at once, before the queues are listed.
      assert.equal(await edit.locator('select[name=onFailure]').inputValue(), 'esm-failures');
      await edit.locator('textarea[name=filters]').fill('{"data": {"kind": "order"}}');
      await edit.locator('button[type=submit]').click();
      assert.match(
        await textMatching(page.locator('[data-testid=mapping-outcome] p.error'), /Invalid filter pattern/),
        /^InvalidParameterValueException: Invalid filter pattern definition\. /,
      );
      await edit.locator('input[name=batch]').fill('50');
      await edit.locator('input[name=window]').fill('0');
      await edit.locator('textarea[name=filters]').fill('{"data": {"kind": ["order"]}}\n{"partitionKey": [{"prefix": "vip-"}]}');
      await edit.locator('select[name=onFailure]').selectOption('');
      await edit.locator('input[name=bisect]').uncheck();
      await edit.locator('input[name=retries]').fill('-1');
      await edit.locator('input[name=maxAge]').fill('-1');
      await edit.locator('input[name=tumbling]').fill('0');
      await edit.locator('input[name=reportFailures]').uncheck();
      await edit.locator('button[type=submit]').click();
      await page.locator('p.message', { hasText: /^Updating the mapping from arn:aws:kinesis:.*:stream\/m-out…$/ }).waitFor({ timeout: 10_000 });
      m = await read();
      assert.equal(m.BatchSize, 50);
      assert.equal(m.MaximumBatchingWindowInSeconds, 0);
      assert.deepEqual(
        m.FilterCriteria?.Filters?.map((f) => f.Pattern),
        ['{"data": {"kind": ["order"]}}', '{"partitionKey": [{"prefix": "vip-"}]}'],
      );
      assert.equal(m.DestinationConfig?.OnFailure?.Destination, undefined);
      assert.equal(m.BisectBatchOnFunctionError, false);
      assert.equal(m.MaximumRetryAttempts, -1);
      assert.equal(m.MaximumRecordAgeInSeconds, -1);
      assert.equal(m.TumblingWindowInSeconds, 0);
      assert.deepEqual(m.FunctionResponseTypes ?? [], []);
      await shot(page, 'function-mapping-options');

      // From a queue: no failure destination or retries to set, but its maximum concurrency.
      await create.locator('select[name=source]').focus();
      await create.locator('select[name=source] option', { hasText: /^esm-failures$/ }).waitFor({ state: 'attached', timeout: 10_000 });
      await create.locator('select[name=source]').selectOption(`sqs:${failures}`);
      assert.equal(await create.locator('select[name=onFailure]').count(), 0);
      await create.locator('input[name=batch]').fill('10');
      await create.locator('input[name=window]').fill('0');
      await create.locator('textarea[name=filters]').fill('');
      await create.locator('input[name=reportFailures]').uncheck();
      await create.locator('input[name=concurrency]').fill('5');
      await create.locator('button[type=submit]').click();
      await page.locator('.message', { hasText: /^Created mapping [0-9a-f-]{36} from esm-failures$/ }).waitFor({ timeout: 10_000 });
      const fromQueue = (await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'esm-options-fn' }))).EventSourceMappings?.find((x) =>
        x.EventSourceArn?.endsWith(':esm-failures'),
      );
      assert.equal(fromQueue?.ScalingConfig?.MaximumConcurrency, 5);
      assert.equal(fromQueue?.BatchSize, 10);
      assert.equal(
        await textMatching(page.locator(`[data-testid=mappings] tr[data-uuid="${fromQueue!.UUID}"] [data-testid=mapping-options]`), /concurrent/),
        'at most 5 concurrent',
      );
    });

    it("refuses a function from a container image in the server's words, and sets and removes an alias's weighted routing (read back with the SDK)", async () => {
      await page.goto(`${server.url}/console/#/functions`);
      await page.click('[data-testid=create-function-open]');
      const form = page.locator('[data-testid=create-function]');
      await form.locator('input[name=name]').fill('image-fn');
      await form.locator('select[name=packageType]').selectOption('Image');
      assert.equal(await form.locator('textarea[name=code]').count(), 0);
      await form.locator('input[name=imageUri]').fill('000000000000.dkr.ecr.us-east-1.amazonaws.com/app:latest');
      await form.locator('button[type=submit]').click();
      assert.equal(
        await textMatching(page.locator('.error'), /Container images/),
        'InvalidParameterValueException: Container images are not supported by Freshet: use a zip package (ZipFile or S3Bucket/S3Key).',
      );

      // Two published versions; an alias on 1 sends 10% to 2, a weight over 100% is refused, the weights are removed.
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'weighted-fn',
          Runtime: 'nodejs20.x',
          Role: 'arn:aws:iam::000000000000:role/lambda-role',
          Handler: 'index.handler',
          Publish: true,
          Code: { ZipFile: zipOf({ 'index.mjs': "export const handler = async () => 'one';\n" }) },
        }),
      );
      await lambda.send(
        new UpdateFunctionCodeCommand({ FunctionName: 'weighted-fn', ZipFile: zipOf({ 'index.mjs': "export const handler = async () => 'two';\n" }) }),
      );
      assert.equal((await lambda.send(new PublishVersionCommand({ FunctionName: 'weighted-fn' }))).Version, '2');
      await page.goto(`${server.url}/console/#/functions/weighted-fn`);
      const panel = page.locator('[data-testid=versions-aliases]');
      await panel.locator('[data-testid=function-versions] tr[data-version="2"]').waitFor({ timeout: 10_000 });
      const createAlias = panel.locator('[data-testid=create-alias]');
      await createAlias.locator('input[name=alias]').fill('canary');
      await createAlias.locator('select[name=version]').selectOption('1');
      await createAlias.locator('button[type=submit]').click();
      const row = panel.locator('[data-testid=function-aliases] tr[data-alias=canary]');
      await row.waitFor({ timeout: 10_000 });
      assert.equal(await row.locator('select[name=weightVersion]').inputValue(), '2');
      await row.locator('input[name=weight]').fill('10');
      await row.locator('button', { hasText: 'Set weight' }).click();
      assert.equal(await textMatching(row.locator('[data-testid=alias-weights]'), /10%/), '90% → 1, 10% → 2');
      assert.deepEqual((await lambda.send(new GetAliasCommand({ FunctionName: 'weighted-fn', Name: 'canary' }))).RoutingConfig?.AdditionalVersionWeights, {
        '2': 0.1,
      });
      await row.locator('input[name=weight]').fill('150');
      await row.locator('button', { hasText: 'Set weight' }).click();
      assert.match(
        await textMatching(panel.locator('.error'), /1\.5/),
        /^ValidationException: 1 validation error detected: Value '1\.5' at 'routingConfig\.additionalVersionWeights'/,
      );
      await shot(page, 'function-alias-weights');
      await row.locator('button', { hasText: 'Remove weights' }).click();
      assert.equal(await textMatching(row.locator('[data-testid=alias-weights]'), /^none$/), 'none');
      assert.deepEqual(
        (await lambda.send(new GetAliasCommand({ FunctionName: 'weighted-fn', Name: 'canary' }))).RoutingConfig?.AdditionalVersionWeights ?? {},
        {},
      );
    });

    it('logs no browser errors besides the refusals these tests asked for', () => {
      assert.deepEqual(errors, []);
    });
  });

  describe("a Flink application's run configuration, execution role, snapshots, VPC and logging from its page", () => {
    const CODE = [
      "CREATE TABLE src (store STRING) WITH ('connector' = 'kinesis', 'stream' = 'm-in', 'format' = 'json');",
      "CREATE TABLE dst (store STRING) WITH ('connector' = 'kinesis', 'stream' = 'm-out', 'format' = 'json');",
      'INSERT INTO dst SELECT store FROM src;',
    ].join('\n');
    const LOG_STREAM = 'arn:aws:logs:us-east-1:000000000000:log-group:/flink/options-flink:log-stream:job';
    let logsApi: CloudWatchLogsClient;

    before(async () => {
      logsApi = new CloudWatchLogsClient({ endpoint: server.url, region, credentials, maxAttempts: 1 });
      await logsApi.send(new CreateLogGroupCommand({ logGroupName: '/flink/options-flink' }));
      await logsApi.send(new CreateLogStreamCommand({ logGroupName: '/flink/options-flink', logStreamName: 'job' }));
      await flinkApi.send(
        new CreateV2Command({
          ApplicationName: 'options-flink',
          RuntimeEnvironment: 'FLINK-1_18',
          ServiceExecutionRole: 'arn:aws:iam::000000000000:role/flink-role',
          ApplicationConfiguration: { ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: CODE } } },
        }),
      );
    });

    after(() => logsApi?.destroy());

    it("sets the execution role, snapshots, a VPC configuration and a logging option from the page (read back with the SDK; refusals in AWS's words)", async () => {
      await page.goto(`${server.url}/console/#/apps/options-flink`);
      const summary = page.locator('[data-testid=flink-summary]');
      await summary.waitFor({ timeout: 10_000 });
      const role = page.locator('[data-testid=flink-role]');
      assert.equal(await role.locator('input[name=role]').inputValue(), 'arn:aws:iam::000000000000:role/flink-role');
      assert.equal(await role.locator('input[name=snapshots]').isChecked(), false);
      await role.locator('input[name=role]').fill('flink-role');
      await role.locator('button[type=submit]').click();
      assert.equal(
        await textMatching(role.locator('.error'), /^ValidationException/),
        "ValidationException: 1 validation error detected: Value 'flink-role' at 'serviceExecutionRoleUpdate' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:.*",
      );
      await role.locator('input[name=role]').fill('arn:aws:iam::000000000000:role/flink-role-2');
      await role.locator('input[name=snapshots]').check();
      await role.locator('button[type=submit]').click();
      await role.locator('.message', { hasText: 'Role and snapshot setting saved' }).waitFor({ timeout: 10_000 });
      let d = await describeV2('options-flink');
      assert.equal(d.ServiceExecutionRole, 'arn:aws:iam::000000000000:role/flink-role-2');
      assert.equal(d.ApplicationConfigurationDescription?.ApplicationSnapshotConfigurationDescription?.SnapshotsEnabled, true);
      assert.equal(d.ApplicationVersionId, 2);

      // The VPC configuration: added, a second refused (AWS allows one), deleted after asking.
      await summary.filter({ hasText: 'version 2' }).waitFor({ timeout: 10_000 });
      const vpc = page.locator('[data-testid=flink-vpc]');
      await vpc.locator('input[name=subnets]').fill('subnet-0a1b2c3d, subnet-4e5f6a7b');
      await vpc.locator('input[name=securityGroups]').fill('sg-0a1b2c3d');
      await vpc.getByRole('button', { name: 'Add VPC configuration' }).click();
      await vpc.locator('.message', { hasText: 'VPC configuration added' }).waitFor({ timeout: 10_000 });
      d = await describeV2('options-flink');
      const [added] = d.ApplicationConfigurationDescription?.VpcConfigurationDescriptions ?? [];
      assert.deepEqual([added?.SubnetIds, added?.SecurityGroupIds], [['subnet-0a1b2c3d', 'subnet-4e5f6a7b'], ['sg-0a1b2c3d']]);
      await vpc.locator(`tr[data-id="${added?.VpcConfigurationId}"]`).waitFor({ timeout: 10_000 });
      await summary.filter({ hasText: 'version 3' }).waitFor({ timeout: 10_000 });
      await vpc.locator('input[name=subnets]').fill('subnet-11111111');
      await vpc.locator('input[name=securityGroups]').fill('sg-11111111');
      await vpc.getByRole('button', { name: 'Add VPC configuration' }).click();
      assert.equal(
        await textMatching(vpc.locator('.error'), /^InvalidArgumentException/),
        'InvalidArgumentException: Application options-flink already has a VPC configuration; an application can have at most one',
      );
      answerConfirm(true);
      await vpc.locator(`tr[data-id="${added?.VpcConfigurationId}"] button`, { hasText: 'Delete' }).click();
      await vpc.locator('.message', { hasText: 'VPC configuration deleted' }).waitFor({ timeout: 10_000 });
      assert.equal((await describeV2('options-flink')).ApplicationConfigurationDescription?.VpcConfigurationDescriptions, undefined);

      // A logging option: added by its log stream's ARN; the same stream again refused.
      await summary.filter({ hasText: 'version 4' }).waitFor({ timeout: 10_000 });
      const logging = page.locator('[data-testid=flink-logging]');
      await logging.locator('input[name=arn]').fill(LOG_STREAM);
      await logging.getByRole('button', { name: 'Add logging option' }).click();
      await logging.locator('.message', { hasText: 'Logging option added' }).waitFor({ timeout: 10_000 });
      d = await describeV2('options-flink');
      assert.deepEqual(
        d.CloudWatchLoggingOptionDescriptions?.map((o) => o.LogStreamARN),
        [LOG_STREAM],
      );
      await summary.filter({ hasText: 'version 5' }).waitFor({ timeout: 10_000 });
      await logging.locator('input[name=arn]').fill(LOG_STREAM);
      await logging.getByRole('button', { name: 'Add logging option' }).click();
      assert.equal(
        await textMatching(logging.locator('.error'), /^InvalidArgumentException/),
        `InvalidArgumentException: Log stream ${LOG_STREAM} is already a logging option of application options-flink`,
      );
      await page.locator('[data-testid=flink-run]').evaluate((el) => el.scrollIntoView());
      await shot(page, 'flink-options');
    });

    it("starts it with a run configuration and stops it from the page, its log stream's events read through the CloudWatch Logs API (a missing snapshot refused in AWS's words)", async () => {
      const run = page.locator('[data-testid=flink-run]');
      const summary = page.locator('[data-testid=flink-summary]');
      // A named snapshot that does not exist: the API's refusal, and the application stays READY.
      await run.locator('select[name=restoreType]').selectOption('RESTORE_FROM_CUSTOM_SNAPSHOT');
      await run.locator('input[name=snapshot]').fill('no-such-snapshot');
      await run.getByRole('button', { name: 'Start' }).click();
      assert.equal(
        await textMatching(run.locator('.error'), /^ResourceNotFoundException/),
        'ResourceNotFoundException: Snapshot no-such-snapshot of application options-flink is not found',
      );
      assert.equal((await describeV2('options-flink')).ApplicationStatus, 'READY');
      await run.locator('select[name=restoreType]').selectOption('SKIP_RESTORE_FROM_SNAPSHOT');
      await run.locator('input[name=allowNonRestored]').check();
      await run.getByRole('button', { name: 'Start' }).click();
      await summary.filter({ hasText: /^RUNNING/ }).waitFor({ timeout: 10_000 });
      const running = (await describeV2('options-flink')).ApplicationConfigurationDescription?.RunConfigurationDescription;
      assert.deepEqual(running?.ApplicationRestoreConfigurationDescription, { ApplicationRestoreType: 'SKIP_RESTORE_FROM_SNAPSHOT' });
      assert.equal(running?.FlinkRunConfigurationDescription?.AllowNonRestoredState, true);

      // The job's lines in its log stream, as GetLogEvents reads them; a filter pattern goes through FilterLogEvents.
      const logging = page.locator('[data-testid=flink-logging]');
      await logging.getByRole('button', { name: 'Events' }).click();
      const events = page.locator('[data-testid=flink-log-events]');
      assert.match(await textMatching(events.locator('pre'), /Job started/), /Z .*Job started/);
      const stored = await logsApi.send(new GetLogEventsCommand({ logGroupName: '/flink/options-flink', logStreamName: 'job' }));
      assert.ok(stored.events?.some((e) => /Job started/.test(e.message ?? '')));
      await events.locator('input[name=filterPattern]').fill('"Job stopped"');
      assert.equal(await textMatching(events.locator('pre'), /^$/), '');

      // Stopped gracefully from the page: a snapshot is taken (snapshots are enabled) and the line reaches the filtered view.
      await run.getByRole('button', { name: 'Stop' }).click();
      await summary.filter({ hasText: /^READY/ }).waitFor({ timeout: 10_000 });
      assert.match(
        await textMatching(events.locator('pre'), /Job stopped/),
        /Z \{"level":"INFO","messageType":"INFO","message":"Job stopped after a final checkpoint"/,
      );
      assert.equal((await flinkApi.send(new ListApplicationSnapshotsCommand({ ApplicationName: 'options-flink' }))).SnapshotSummaries?.length, 1);
      await events.evaluate((el) => el.scrollIntoView({ block: 'end' }));
      await shot(page, 'flink-run-logs');
    });

    it("saves a run configuration as the application's own, changes a logging option's log stream in place and deletes it (read back with the SDK)", async () => {
      const run = page.locator('[data-testid=flink-run]');
      const summary = page.locator('[data-testid=flink-summary]');
      const [snapshot] = (await flinkApi.send(new ListApplicationSnapshotsCommand({ ApplicationName: 'options-flink' }))).SnapshotSummaries ?? [];
      assert.ok(snapshot?.SnapshotName);
      const version = (await describeV2('options-flink')).ApplicationVersionId!;
      await run.locator('select[name=restoreType]').selectOption('RESTORE_FROM_CUSTOM_SNAPSHOT');
      await run.locator('input[name=snapshot]').fill(snapshot.SnapshotName);
      await run.locator('input[name=allowNonRestored]').uncheck();
      await run.getByRole('button', { name: 'Save as its run configuration' }).click();
      await run.locator('.message', { hasText: 'Run configuration saved' }).waitFor({ timeout: 10_000 });
      const d = await describeV2('options-flink');
      assert.equal(d.ApplicationVersionId, version + 1);
      assert.deepEqual(d.ApplicationConfigurationDescription?.RunConfigurationDescription, {
        ApplicationRestoreConfigurationDescription: { ApplicationRestoreType: 'RESTORE_FROM_CUSTOM_SNAPSHOT', SnapshotName: snapshot.SnapshotName },
        FlinkRunConfigurationDescription: { AllowNonRestoredState: false },
      });

      // The log stream changed in place (UpdateApplication's CloudWatchLoggingOptionUpdates): same option, new stream.
      await summary.filter({ hasText: `version ${version + 1}` }).waitFor({ timeout: 10_000 });
      const logging = page.locator('[data-testid=flink-logging]');
      const [option] = d.CloudWatchLoggingOptionDescriptions ?? [];
      assert.ok(option?.CloudWatchLoggingOptionId);
      const row = logging.locator(`tr[data-id="${option.CloudWatchLoggingOptionId}"]`);
      await row.getByRole('button', { name: 'Change' }).click();
      const moved = LOG_STREAM.replace(/:log-stream:job$/, ':log-stream:job-2');
      await row.locator('input[name=changeArn]').fill(moved);
      await row.getByRole('button', { name: 'Save' }).click();
      await logging.locator('.message', { hasText: 'Logging option changed' }).waitFor({ timeout: 10_000 });
      assert.deepEqual((await describeV2('options-flink')).CloudWatchLoggingOptionDescriptions, [
        { CloudWatchLoggingOptionId: option.CloudWatchLoggingOptionId, LogStreamARN: moved },
      ]);
      await row.locator('td', { hasText: moved }).waitFor({ timeout: 10_000 });

      // Deleted after asking.
      answerConfirm(true);
      await row.getByRole('button', { name: 'Delete' }).click();
      await logging.locator('.message', { hasText: 'Logging option deleted' }).waitFor({ timeout: 10_000 });
      assert.equal((await describeV2('options-flink')).CloudWatchLoggingOptionDescriptions, undefined);
    });

    it('logs no browser errors besides the refusals these tests asked for', () => {
      assert.deepEqual(errors, []);
    });
  });
});
