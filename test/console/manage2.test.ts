/**
 * More day-to-day management from the console in Debian's chromium (playwright-core), against one Freshet server
 * started in this process: a function's provisioned concurrency put on a published version (IN_PROGRESS, then
 * READY on the page), a conflicting alias refused in Lambda's words, the configuration removed; an event source
 * mapping's parallelization factor (out of range refused, then set) and a queue mapping's maximum concurrency
 * removed; a SQL application's Lambda output added (a non-function ARN refused), changed and removed, its reference
 * data changed in place (a stale version refused) and its preprocessing function replaced in place. Every change is
 * read back with the AWS SDK; an HTTP endpoint delivery stream's common attributes (the endpoint receives them),
 * content encoding and CloudWatch logging set and changed, and its server-side encryption switched on and off.
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
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { AddApplicationOutputCommand, CreateApplicationCommand, DescribeApplicationCommand, KinesisAnalyticsClient } from '@aws-sdk/client-kinesis-analytics';
import {
  CreateAliasCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  GetEventSourceMappingCommand,
  GetProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  PublishVersionCommand,
} from '@aws-sdk/client-lambda';
import { CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand, FirehoseClient, PutRecordCommand } from '@aws-sdk/client-firehose';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createConsole } from '../../src/console/index.ts';
import { waitForStreamActive } from '../../src/pipeline/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { ROOT } from '../cli/run-cli.ts';
import { ROLE, zipOf } from '../functions/helpers.ts';
import { launchChromium, openPage, shot, textMatching, until } from './helpers.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const credentials = { accessKeyId: 'AKID', secretAccessKey: 'secret' };
const region = 'us-east-1';
const CODE = 'import os\ndef h(e, c):\n    return {"type": os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"]}\n';

describe('managing provisioned concurrency, mapping scaling, SQL application outputs, reference data and preprocessing, and delivery stream attributes, logging and encryption from the console in chromium', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-console-manage2-'));
  const webConsole = createConsole();
  let server: FreshetServer;
  let kinesis: KinesisClient;
  let lambda: LambdaClient;
  let sqs: SQSClient;
  let analytics: KinesisAnalyticsClient;
  let firehose: FirehoseClient;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  /** Answers the page's next confirm() with `accept`. */
  const answerConfirm = (accept: boolean) => page.once('dialog', (d) => void (accept ? d.accept() : d.dismiss()));
  const createFunction = (name: string) =>
    lambda.send(
      new CreateFunctionCommand({ FunctionName: name, Runtime: 'python3.11', Role: ROLE, Handler: 'app.h', Code: { ZipFile: zipOf({ 'app.py': CODE }) } }),
    );

  before(async () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-stale', '--quiet'], { stdio: 'inherit' });
    server = await startServer({
      port: 0,
      dataDir,
      fsync: { kind: 'never' },
      httpRoutes: webConsole.routes,
      functions: { provisionedReadyMs: 500, mappingTransitionMs: 1 },
    });
    webConsole.attach({ kinesis: server.kinesis, services: server.services, dataDir, region });
    const client = { endpoint: server.url, region, credentials, maxAttempts: 1 };
    kinesis = new KinesisClient(client);
    lambda = new LambdaClient(client);
    sqs = new SQSClient(client);
    analytics = new KinesisAnalyticsClient(client);
    firehose = new FirehoseClient(client);
    await kinesis.send(new CreateStreamCommand({ StreamName: 'pf-in', ShardCount: 1 }));
    await waitForStreamActive(kinesis, 'pf-in');
    browser = await launchChromium();
    ({ page, errors } = await openPage(browser));
  });

  after(async () => {
    await browser?.close();
    for (const c of [kinesis, lambda, sqs, analytics, firehose]) c?.destroy();
    webConsole.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("adds, changes and removes a SQL application's Lambda output, changes its reference data and replaces its preprocessing function in place (read back with the SDK)", async () => {
    const streamArn = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'pf-in' }))).StreamDescriptionSummary!.StreamARN!;
    const role = 'arn:aws:iam::000000000000:role/kinesis-analytics';
    const fnArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
    await analytics.send(
      new CreateApplicationCommand({
        ApplicationName: 'sql2-app',
        Inputs: [
          {
            NamePrefix: 'SOURCE_SQL_STREAM',
            KinesisStreamsInput: { ResourceARN: streamArn, RoleARN: role },
            InputProcessingConfiguration: { InputLambdaProcessor: { ResourceARN: fnArn('preprocess-a'), RoleARN: role } },
            InputSchema: {
              RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
              RecordColumns: [{ Name: 'store', SqlType: 'VARCHAR(8)', Mapping: '$.store' }],
            },
          },
        ],
      }),
    );
    const describe = async () => (await analytics.send(new DescribeApplicationCommand({ ApplicationName: 'sql2-app' }))).ApplicationDetail!;
    await page.goto(`${server.url}/console/#/apps/sql2-app`);

    // A Lambda output: a destination that is not a function ARN is refused in the API's words, then one by name.
    const outputs = page.locator('[data-testid=app-outputs]');
    await outputs.locator('button', { hasText: 'Add output' }).click();
    const outForm = outputs.locator('[data-testid=output-form]');
    await outForm.locator('select[name=kind]').selectOption('lambda');
    await outForm.locator('input[name=destination]').fill('arn:aws:s3:::not-a-function');
    await outForm.locator('button[type=submit]').click();
    assert.equal(
      await textMatching(outputs.locator('p.error'), /LambdaOutput/),
      'InvalidArgumentException: LambdaOutput ResourceARN arn:aws:s3:::not-a-function is not a Lambda function ARN',
    );
    await outForm.locator('input[name=destination]').fill('out-fn');
    await outForm.locator('button[type=submit]').click();
    await outputs.locator('[data-output=DESTINATION_SQL_STREAM]', { hasText: fnArn('out-fn') }).waitFor({ timeout: 10_000 });
    let d = await describe();
    const [out] = d.OutputDescriptions ?? [];
    assert.deepEqual([out?.LambdaOutputDescription?.ResourceARN, out?.LambdaOutputDescription?.RoleARN], [fnArn('out-fn'), role]);
    // Changed to another function and CSV, in place.
    await outputs.locator('[data-output=DESTINATION_SQL_STREAM] button', { hasText: 'Change' }).click();
    assert.equal(await outForm.locator('select[name=kind]').inputValue(), 'lambda');
    assert.equal(await outForm.locator('input[name=destination]').inputValue(), 'out-fn');
    await outForm.locator('input[name=destination]').fill('out-fn2');
    await outForm.locator('select[name=format]').selectOption('CSV');
    await outForm.locator('button[type=submit]').click();
    await outputs.locator('[data-output=DESTINATION_SQL_STREAM]', { hasText: fnArn('out-fn2') }).waitFor({ timeout: 10_000 });
    d = await describe();
    assert.equal(d.OutputDescriptions?.[0]?.OutputId, out?.OutputId);
    assert.equal(d.OutputDescriptions?.[0]?.LambdaOutputDescription?.ResourceARN, fnArn('out-fn2'));
    assert.equal(d.OutputDescriptions?.[0]?.DestinationSchema?.RecordFormatType, 'CSV');
    await outputs.locator('[data-output=DESTINATION_SQL_STREAM] button', { hasText: 'Remove' }).click();
    await outputs.locator('.message', { hasText: 'Output DESTINATION_SQL_STREAM removed' }).waitFor({ timeout: 10_000 });
    assert.deepEqual((await describe()).OutputDescriptions ?? [], []);

    // The preprocessing function replaced in place (InputProcessingConfigurationUpdate), keeping its role.
    const processing = page.locator('[data-testid=app-input] [data-testid=input-processing]');
    await processing.locator('button', { hasText: 'Replace function' }).click();
    const processingForm = page.locator('[data-testid=processing-form]');
    assert.equal(await processingForm.locator('input[name=function]').inputValue(), 'preprocess-a');
    await processingForm.locator('input[name=function]').fill('preprocess-b');
    await processingForm.locator('button[type=submit]').click();
    await processing.locator('.mono', { hasText: /:function:preprocess-b$/ }).waitFor({ timeout: 10_000 });
    const processor = (await describe()).InputDescriptions?.[0]?.InputProcessingConfigurationDescription?.InputLambdaProcessorDescription;
    assert.deepEqual([processor?.ResourceARN, processor?.RoleARN], [fnArn('preprocess-b'), role]);

    // Reference data added, then changed in place: its table, object and a column.
    const refs = page.locator('[data-testid=app-references]');
    await refs.locator('button', { hasText: 'Add reference data' }).click();
    const refForm = refs.locator('[data-testid=reference-form]');
    await refForm.locator('input[name=table]').fill('STORES');
    await refForm.locator('input[name=bucket]').fill('ref-bucket');
    await refForm.locator('input[name=key]').fill('stores.csv');
    await refForm.locator('button[type=submit]').click();
    await refs.locator('[data-reference=STORES]').waitFor({ timeout: 10_000 });
    const referenceId = (await describe()).ReferenceDataSourceDescriptions?.[0]?.ReferenceId;
    const change = async (schema: { RecordColumns: Array<{ Name: string }> } | undefined) => {
      await refs.locator('[data-reference=STORES] button', { hasText: 'Change' }).click();
      assert.equal(await refForm.locator('input[name=key]').inputValue(), 'stores.csv');
      await refForm.locator('input[name=table]').fill('SHOPS');
      await refForm.locator('input[name=key]').fill('shops-v2.csv');
      const edited = schema ?? JSON.parse(await refForm.locator('textarea[name=schema]').inputValue());
      edited.RecordColumns[1]!.Name = 'area';
      await refForm.locator('textarea[name=schema]').fill(JSON.stringify(edited));
      return edited;
    };
    const schema = await change(undefined);
    // Changed elsewhere meanwhile: the form's version is stale and the API refuses it.
    await analytics.send(
      new AddApplicationOutputCommand({
        ApplicationName: 'sql2-app',
        CurrentApplicationVersionId: (await describe()).ApplicationVersionId!,
        Output: { Name: 'OTHER_STREAM', LambdaOutput: { ResourceARN: fnArn('other'), RoleARN: role }, DestinationSchema: { RecordFormatType: 'JSON' } },
      }),
    );
    // The SDK's change leaves the application UPDATING for a moment, refused as ResourceInUseException: wait it out, so
    // what is refused is the form's stale version.
    for (let i = 0; i < 100 && (await describe()).ApplicationStatus === 'UPDATING'; i++) await new Promise((r) => setTimeout(r, 100));
    await refForm.locator('button[type=submit]').click();
    assert.match(await textMatching(refs.locator('p.error'), /ConcurrentModification/), /^ConcurrentModificationException: /);
    await page.reload();
    await change(schema);
    await refForm.locator('button[type=submit]').click();
    await refs.locator('[data-reference=SHOPS]', { hasText: 's3://ref-bucket/shops-v2.csv' }).waitFor({ timeout: 10_000 });
    const ref = (await describe()).ReferenceDataSourceDescriptions?.[0];
    assert.equal(ref?.ReferenceId, referenceId);
    assert.deepEqual([ref?.TableName, ref?.S3ReferenceDataSourceDescription?.FileKey], ['SHOPS', 'shops-v2.csv']);
    assert.deepEqual(
      ref?.ReferenceSchema?.RecordColumns?.map((c) => c.Name),
      ['store', 'area'],
    );
    await shot(page, 'app-lambda-output-reference-update');
  });

  it("creates an HTTP endpoint delivery stream with common attributes, GZIP and CloudWatch logging, edits them, and switches server-side encryption on and off (a stream-fed one refused in Firehose's words)", async () => {
    const received: Array<{ attributes: string | undefined; encoding: string | undefined }> = [];
    const endpoint = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push({ attributes: req.headers['x-amz-firehose-common-attributes'] as string | undefined, encoding: req.headers['content-encoding'] });
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ requestId: req.headers['x-amz-firehose-request-id'], timestamp: Date.now() }));
      });
    });
    await new Promise<void>((r) => endpoint.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/ingest`;
      await page.goto(`${server.url}/console/#/deliveries`);
      await page.click('[data-testid=create-delivery-open]');
      const form = page.locator('[data-testid=create-delivery]');
      await form.locator('input[name=name]').fill('attrs-http');
      await form.locator('select[name=kind]').selectOption('http');
      await form.locator('input[name=url]').fill(url);
      await form.locator('select[name=contentEncoding]').selectOption('GZIP');
      await form.locator('textarea[name=commonAttributes]').fill('team=data\nenv = test');
      await form.locator('input[name=logGroup]').fill('/aws/kinesisfirehose/attrs-http');
      await form.locator('input[name=bucket]').fill('attrs-backup');
      await form.locator('input[name=size]').fill('1');
      await form.locator('input[name=interval]').fill('0');
      await form.locator('button[type=submit]').click();
      await page.locator('.message', { hasText: 'Creating attrs-http…' }).waitFor({ timeout: 10_000 });
      const describe = async () => (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'attrs-http' }))).DeliveryStreamDescription!;
      let http = (await describe()).Destinations?.[0]?.HttpEndpointDestinationDescription;
      assert.deepEqual(http?.RequestConfiguration, {
        ContentEncoding: 'GZIP',
        CommonAttributes: [
          { AttributeName: 'team', AttributeValue: 'data' },
          { AttributeName: 'env', AttributeValue: 'test' },
        ],
      });
      assert.deepEqual(http?.CloudWatchLoggingOptions, {
        Enabled: true,
        LogGroupName: '/aws/kinesisfirehose/attrs-http',
        LogStreamName: 'DestinationDelivery',
      });
      await until('attrs-http ACTIVE', async () => (await describe()).DeliveryStreamStatus === 'ACTIVE', 10_000);
      await firehose.send(new PutRecordCommand({ DeliveryStreamName: 'attrs-http', Record: { Data: Buffer.from('{"n":1}\n') } }));
      await until('the endpoint receives the record', async () => received.length > 0, 10_000);
      assert.deepEqual(received[0], { attributes: JSON.stringify({ commonAttributes: { team: 'data', env: 'test' } }), encoding: 'gzip' });

      // Edited: one attribute left, no compression, logging off.
      await page.goto(`${server.url}/console/#/deliveries/attrs-http`);
      await page.locator('button', { hasText: 'Edit destination' }).click();
      const update = page.locator('[data-testid=update-destination]');
      assert.equal(await update.locator('textarea[name=commonAttributes]').inputValue(), 'team=data\nenv=test');
      assert.equal(await update.locator('input[name=logGroup]').inputValue(), '/aws/kinesisfirehose/attrs-http');
      await update.locator('textarea[name=commonAttributes]').fill('team=platform');
      await update.locator('select[name=contentEncoding]').selectOption('NONE');
      await update.locator('input[name=logGroup]').fill('');
      await update.locator('button[type=submit]').click();
      await page.locator('.message', { hasText: 'Destination updated' }).waitFor({ timeout: 10_000 });
      http = (await describe()).Destinations?.[0]?.HttpEndpointDestinationDescription;
      assert.deepEqual(http?.RequestConfiguration, { ContentEncoding: 'NONE', CommonAttributes: [{ AttributeName: 'team', AttributeValue: 'platform' }] });
      assert.equal(http?.CloudWatchLoggingOptions?.Enabled, false);

      // Server-side encryption: ENABLING, then ENABLED on the page; then off again.
      const encryption = page.locator('[data-testid=delivery-encryption]');
      assert.equal(await textMatching(encryption.locator('[data-testid=encryption-status]'), /DISABLED/), 'DISABLED');
      await encryption.locator('button', { hasText: 'Enable encryption' }).click();
      assert.equal(await textMatching(encryption.locator('[data-testid=encryption-status]'), /^ENABLED$/), 'ENABLED');
      const enc = (await describe()).DeliveryStreamEncryptionConfiguration;
      assert.deepEqual([enc?.Status, enc?.KeyType], ['ENABLED', 'AWS_OWNED_CMK']);
      await encryption.locator('button', { hasText: 'Disable encryption' }).click();
      assert.equal(await textMatching(encryption.locator('[data-testid=encryption-status]'), /^DISABLED$/), 'DISABLED');
      assert.equal((await describe()).DeliveryStreamEncryptionConfiguration?.Status, 'DISABLED');
      await shot(page, 'delivery-http-attributes-encryption');
    } finally {
      endpoint.close();
    }

    // A delivery stream reading a Kinesis data stream: Firehose refuses encryption, in its words.
    await firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'fed-by-stream',
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: {
          KinesisStreamARN: (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'pf-in' }))).StreamDescriptionSummary!.StreamARN!,
          RoleARN: 'arn:aws:iam::000000000000:role/firehose-delivery',
        },
        ExtendedS3DestinationConfiguration: { BucketARN: 'arn:aws:s3:::fed', RoleARN: 'arn:aws:iam::000000000000:role/firehose-delivery' },
      }),
    );
    await page.goto(`${server.url}/console/#/deliveries/fed-by-stream`);
    const encryption = page.locator('[data-testid=delivery-encryption]');
    await encryption.locator('button', { hasText: 'Enable encryption' }).click();
    assert.equal(
      await textMatching(encryption.locator('.error'), /not supported/),
      'InvalidArgumentException: Encryption is not supported for delivery stream fed-by-stream because its source is a Kinesis data stream.',
    );
  });

  it('provisions concurrency on a published version from the function page (IN_PROGRESS, then READY), refuses a conflicting alias, and removes it', async () => {
    await createFunction('pc-fn');
    await lambda.send(new PublishVersionCommand({ FunctionName: 'pc-fn' }));
    await lambda.send(new CreateAliasCommand({ FunctionName: 'pc-fn', Name: 'live', FunctionVersion: '1' }));
    await page.goto(`${server.url}/console/#/functions/pc-fn`);
    const section = page.locator('[data-testid=provisioned-concurrency]');
    const form = section.locator('[data-testid=put-provisioned]');
    await form.locator('select[name=qualifier] option', { hasText: /^live$/ }).waitFor({ state: 'attached', timeout: 10_000 });
    await form.locator('select[name=qualifier]').selectOption('1');
    await form.locator('input[name=count]').fill('2');
    await form.locator('button[type=submit]').click();
    assert.equal(await textMatching(section.locator('p.message'), /Provisioning/), 'Provisioning 2 for 1: IN_PROGRESS');
    // The page reads the configuration again while it is IN_PROGRESS, until its environments are up.
    const row = section.locator('tr[data-qualifier="1"]');
    assert.equal(await textMatching(row.locator('[data-testid=provisioned-status]'), /READY/, 20_000), 'READY');
    const got = await lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc-fn', Qualifier: '1' }));
    assert.equal(got.Status, 'READY');
    assert.equal(got.RequestedProvisionedConcurrentExecutions, 2);
    assert.equal(got.AvailableProvisionedConcurrentExecutions, 2);
    const invoked = await lambda.send(new InvokeCommand({ FunctionName: 'pc-fn:live' }));
    assert.deepEqual(JSON.parse(Buffer.from(invoked.Payload!).toString('utf8')), { type: 'provisioned-concurrency' });
    await shot(page, 'function-provisioned-concurrency');

    // The alias points at the provisioned version: Lambda's refusal, in its words.
    await form.locator('select[name=qualifier]').selectOption('live');
    await form.locator('input[name=count]').fill('1');
    await form.locator('button[type=submit]').click();
    assert.equal(
      await textMatching(section.locator('p.error'), /ResourceConflictException/),
      "ResourceConflictException: Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version",
    );

    // Removed after the question (dismissing it keeps the configuration).
    answerConfirm(false);
    await row.locator('button', { hasText: 'Remove' }).click();
    assert.equal((await lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc-fn', Qualifier: '1' }))).Status, 'READY');
    answerConfirm(true);
    await row.locator('button', { hasText: 'Remove' }).click();
    assert.equal(await textMatching(section.locator('p.message'), /removed/), 'Provisioned concurrency of 1 removed');
    await assert.rejects(lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc-fn', Qualifier: '1' })), (e: Error) => {
      assert.equal(e.name, 'ProvisionedConcurrencyConfigNotFoundException');
      return true;
    });
    await row.waitFor({ state: 'detached', timeout: 10_000 });
  });

  it("sets a stream mapping's parallelization factor (out of range refused in Lambda's words) and removes a queue mapping's maximum concurrency", async () => {
    await createFunction('pf-fn');
    await page.goto(`${server.url}/console/#/functions/pf-fn`);
    const create = page.locator('[data-testid=create-mapping]');
    await create.locator('select[name=source] option', { hasText: /^pf-in$/ }).waitFor({ state: 'attached', timeout: 10_000 });
    await create.locator('select[name=source]').selectOption('pf-in');
    await create.locator('summary').click();
    await create.locator('input[name=parallelization]').fill('11');
    await create.locator('button[type=submit]').click();
    assert.match(
      await textMatching(page.locator('[data-testid=mapping-outcome] p.error'), /arallelization/),
      /^(ValidationException|InvalidParameterValueException): .*11.*10/,
    );
    await create.locator('input[name=parallelization]').fill('3');
    await create.locator('button[type=submit]').click();
    await page.locator('.message', { hasText: /^Created mapping [0-9a-f-]{36} from pf-in$/ }).waitFor({ timeout: 10_000 });
    const [fromStream] = (await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'pf-fn' }))).EventSourceMappings ?? [];
    assert.equal(fromStream?.ParallelizationFactor, 3);
    assert.equal(
      await textMatching(page.locator(`[data-testid=mappings] tr[data-uuid="${fromStream!.UUID}"] [data-testid=mapping-options]`), /per shard/),
      '3 batches per shard at once',
    );

    // A queue mapping with a maximum concurrency: the field emptied in the edit form removes it.
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'pf-queue' }))).QueueUrl!;
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const fromQueue = await lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: 'pf-fn', EventSourceArn: queueArn, BatchSize: 10, ScalingConfig: { MaximumConcurrency: 5 } }),
    );
    await page.reload();
    const row = page.locator(`[data-testid=mappings] tr[data-uuid="${fromQueue.UUID}"]`);
    assert.equal(await textMatching(row.locator('[data-testid=mapping-options]'), /concurrent/), 'at most 5 concurrent');
    await row.locator('button', { hasText: 'Edit' }).click();
    const edit = page.locator('[data-testid=edit-mapping]');
    assert.equal(await edit.locator('input[name=concurrency]').inputValue(), '5');
    await edit.locator('input[name=concurrency]').fill('');
    await edit.locator('button[type=submit]').click();
    await page.locator('p.message', { hasText: /^Updating the mapping from arn:aws:sqs:.*:pf-queue…$/ }).waitFor({ timeout: 10_000 });
    const read = await lambda.send(new GetEventSourceMappingCommand({ UUID: fromQueue.UUID! }));
    assert.equal(read.ScalingConfig?.MaximumConcurrency, undefined);
    assert.equal(read.BatchSize, 10);
    assert.deepEqual(errors, []);
  });
});
