/**
 * A SQL application's InputLambdaProcessor and LambdaOutput running the server's
 * functions. Input: KDA's preprocessing event (streamArn, kinesisStreamRecordMetadata),
 * Ok records continue with the returned data, Dropped ones vanish, ProcessingFailed
 * ones reach error_stream. Output:
 * rows reach the handler in KDA's output delivery event (invocationId,
 * applicationArn, records with recordId, lambdaDeliveryRecordMetadata.retryHint,
 * base64 data); records the handler marks DeliveryFailed are sent again with
 * retryHint 1; a LambdaOutput naming no Lambda function ARN is refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddApplicationInputProcessingConfigurationCommand,
  AddApplicationOutputCommand,
  CreateApplicationCommand,
  DeleteApplicationInputProcessingConfigurationCommand,
  DescribeApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics';
import { CreateStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { readStream } from '../analytics/helpers.ts';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { awsError, ROLE, startApplication, startHarness, streamArn, uniqueName } from '../analytics/helpers.ts';
import type { Harness } from '../analytics/helpers.ts';
import type { LambdaService } from '../../src/functions/index.ts';
import { zipOf } from './helpers.ts';

const CODE = `CREATE OR REPLACE STREAM "DEST" ("ticker" VARCHAR(8), "price" DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM "ticker", "price" * 2 FROM "SOURCE_SQL_STREAM_001";`;

// Logs one line per record it gets; the first delivery of T1 fails, so it must come back with retryHint 1.
const HANDLER = `
export const handler = async (event) => {
  const records = event.records.map((r) => {
    const row = JSON.parse(Buffer.from(r.data, 'base64').toString('utf8'));
    const hint = r.lambdaDeliveryRecordMetadata.retryHint;
    console.log('row ' + JSON.stringify({ app: event.applicationArn, id: r.recordId, hint, row, invocation: typeof event.invocationId }));
    return { recordId: r.recordId, result: row.ticker === 'T1' && hint === 0 ? 'DeliveryFailed' : 'Ok' };
  });
  return { records };
};
`;

describe('SQL application InputLambdaProcessor and LambdaOutput through functions', () => {
  let h: Harness;
  let lambda: LambdaClient;
  before(async () => {
    h = await startHarness();
    lambda = new LambdaClient({ endpoint: h.server.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  });
  after(async () => {
    lambda.destroy();
    await h.close();
  });

  it('delivers the output rows to the function in the KDA event and resends records marked DeliveryFailed with retryHint 1', async () => {
    const fn = uniqueName('kda-out');
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: fn,
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: ROLE,
        Code: { ZipFile: zipOf({ 'index.mjs': HANDLER }) },
        Timeout: 30,
      }),
    );
    const source = uniqueName('kda-src');
    const app = uniqueName('kda-app');
    await h.kinesis.send(new CreateStreamCommand({ StreamName: source, ShardCount: 1 }));
    await h.tick(10);
    const fnArn = `arn:aws:lambda:us-east-1:000000000000:function:${fn}`;
    const created = await h.analytics.send(
      new CreateApplicationCommand({
        ApplicationName: app,
        Inputs: [
          {
            NamePrefix: 'SOURCE_SQL_STREAM',
            KinesisStreamsInput: { ResourceARN: streamArn(source), RoleARN: ROLE },
            InputSchema: {
              RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
              RecordColumns: [
                { Name: 'ticker', SqlType: 'VARCHAR(8)', Mapping: '$.ticker' },
                { Name: 'price', SqlType: 'DOUBLE', Mapping: '$.price' },
              ],
            },
          },
        ],
        Outputs: [{ Name: 'DEST', LambdaOutput: { ResourceARN: fnArn, RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'JSON' } }],
        ApplicationCode: CODE,
      }),
    );
    const appArn = created.ApplicationSummary!.ApplicationARN!;
    await startApplication(h, app, 'TRIM_HORIZON');
    await h.kinesis.send(
      new PutRecordsCommand({
        StreamName: source,
        Records: [0, 1, 2].map((i) => ({ PartitionKey: 'k', Data: Buffer.from(JSON.stringify({ ticker: `T${i}`, price: i + 0.5 })) })),
      }),
    );
    const functions = h.server.services.find((s): s is LambdaService => 'functions' in s)!.functions;
    const rows = () =>
      functions.logs
        .recent(fn)
        .map((e) => /\trow (\{.*\})$/m.exec(e.message)?.[1])
        .filter((m): m is string => m !== undefined)
        .map((m) => JSON.parse(m) as { app: string; id: string; hint: number; row: { ticker: string; price: number }; invocation: string });
    const end = Date.now() + 60_000;
    while (rows().length < 4 && Date.now() < end) {
      await h.tick(1000);
      await new Promise((r) => setTimeout(r, 50));
    }
    const seen = rows();
    assert.deepEqual(
      seen.map((r) => [r.row.ticker, r.row.price, r.hint]),
      [
        ['T0', 1, 0],
        ['T1', 3, 0],
        ['T2', 5, 0],
        ['T1', 3, 1],
      ],
    );
    assert.equal(seen[3]!.id, seen[1]!.id, 'the resent record keeps its recordId');
    assert.ok(seen.every((r) => r.app === appArn && r.invocation === 'string'));
  });

  it('preprocesses input records with InputLambdaProcessor: Ok data continues, Dropped vanish, ProcessingFailed go to error_stream', async () => {
    const fn = uniqueName('kda-pre');
    const PRE = `
export const handler = async (event) => ({
  records: event.records.map((r) => {
    const m = r.kinesisStreamRecordMetadata;
    const row = JSON.parse(Buffer.from(r.data, 'base64').toString('utf8'));
    if (row.ticker === 'T2') return { recordId: r.recordId, result: 'Dropped', data: r.data };
    if (row.ticker === 'T3') return { recordId: r.recordId, result: 'ProcessingFailed', data: r.data };
    const out = { ticker: row.ticker.toLowerCase() + '-' + m.shardId.slice(-1) + (m.partitionKey === 'k' && /^\\d+$/.test(m.sequenceNumber) && event.streamArn.endsWith('/' + process.env.SOURCE) ? '' : '?'), price: row.price };
    return { recordId: r.recordId, result: 'Ok', data: Buffer.from(JSON.stringify(out)).toString('base64') };
  }),
});
`;
    const source = uniqueName('kda-src');
    const dest = uniqueName('kda-dst');
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: fn,
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: ROLE,
        Code: { ZipFile: zipOf({ 'index.mjs': PRE }) },
        Environment: { Variables: { SOURCE: source } },
      }),
    );
    const app = uniqueName('kda-app');
    await h.kinesis.send(new CreateStreamCommand({ StreamName: source, ShardCount: 1 }));
    await h.kinesis.send(new CreateStreamCommand({ StreamName: dest, ShardCount: 1 }));
    await h.tick(10);
    await h.analytics.send(
      new CreateApplicationCommand({
        ApplicationName: app,
        Inputs: [
          {
            NamePrefix: 'SOURCE_SQL_STREAM',
            KinesisStreamsInput: { ResourceARN: streamArn(source), RoleARN: ROLE },
            InputProcessingConfiguration: { InputLambdaProcessor: { ResourceARN: `arn:aws:lambda:us-east-1:000000000000:function:${fn}`, RoleARN: ROLE } },
            InputSchema: {
              RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
              RecordColumns: [
                { Name: 'ticker', SqlType: 'VARCHAR(8)', Mapping: '$.ticker' },
                { Name: 'price', SqlType: 'DOUBLE', Mapping: '$.price' },
              ],
            },
          },
        ],
        Outputs: [{ Name: 'DEST', KinesisStreamsOutput: { ResourceARN: streamArn(dest), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'CSV' } }],
        ApplicationCode: CODE,
      }),
    );
    await startApplication(h, app, 'TRIM_HORIZON');
    await h.kinesis.send(
      new PutRecordsCommand({
        StreamName: source,
        Records: [0, 1, 2, 3, 4].map((i) => ({ PartitionKey: 'k', Data: Buffer.from(JSON.stringify({ ticker: `T${i}`, price: i })) })),
      }),
    );
    let out: string[] = [];
    const end = Date.now() + 60_000;
    while (Date.now() < end) {
      await h.tick(1000);
      out = (await readStream(h, dest)).map((r) => r.trim());
      if (out.length >= 3) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(out, ['t0-0,0', 't1-0,2', 't4-0,8']);
    const stats = h.service.host.stats(app)!;
    assert.equal(stats.recordsRead, 5);
    assert.equal(stats.parseErrors, 1, 'the ProcessingFailed record went to error_stream');
  });

  it('refuses a LambdaOutput whose ARN names no Lambda function', async () => {
    const app = uniqueName('kda-bad');
    const source = uniqueName('kda-src');
    await h.kinesis.send(new CreateStreamCommand({ StreamName: source, ShardCount: 1 }));
    await h.tick(10);
    await h.analytics.send(new CreateApplicationCommand({ ApplicationName: app, ApplicationCode: CODE }));
    const e = await awsError(() =>
      h.analytics.send(
        new AddApplicationOutputCommand({
          ApplicationName: app,
          CurrentApplicationVersionId: 1,
          Output: { Name: 'DEST', LambdaOutput: { ResourceARN: streamArn(source), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'JSON' } },
        }),
      ),
    );
    assert.equal(e.name, 'InvalidArgumentException');
    assert.match(e.message, /is not a Lambda function ARN/);
  });

  it('adds and deletes an input processor with Add/DeleteApplicationInputProcessingConfiguration, with AWS errors, and runs it', async () => {
    const fn = uniqueName('kda-add-pre');
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: fn,
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: ROLE,
        Code: {
          ZipFile: zipOf({
            'index.mjs': `export const handler = async (event) => ({ records: event.records.map((r) => {
  const row = JSON.parse(Buffer.from(r.data, 'base64').toString('utf8'));
  return { recordId: r.recordId, result: 'Ok', data: Buffer.from(JSON.stringify({ ticker: row.ticker + '!', price: row.price })).toString('base64') };
}) });`,
          }),
        },
      }),
    );
    const fnArn = `arn:aws:lambda:us-east-1:000000000000:function:${fn}`;
    const source = uniqueName('kda-src');
    const dest = uniqueName('kda-dst');
    const app = uniqueName('kda-app');
    await h.kinesis.send(new CreateStreamCommand({ StreamName: source, ShardCount: 1 }));
    await h.kinesis.send(new CreateStreamCommand({ StreamName: dest, ShardCount: 1 }));
    await h.tick(10);
    await h.analytics.send(
      new CreateApplicationCommand({
        ApplicationName: app,
        Inputs: [
          {
            NamePrefix: 'SOURCE_SQL_STREAM',
            KinesisStreamsInput: { ResourceARN: streamArn(source), RoleARN: ROLE },
            InputSchema: {
              RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
              RecordColumns: [
                { Name: 'ticker', SqlType: 'VARCHAR(8)', Mapping: '$.ticker' },
                { Name: 'price', SqlType: 'DOUBLE', Mapping: '$.price' },
              ],
            },
          },
        ],
        Outputs: [{ Name: 'DEST', KinesisStreamsOutput: { ResourceARN: streamArn(dest), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'CSV' } }],
        ApplicationCode: CODE,
      }),
    );
    const describe = async () => (await h.analytics.send(new DescribeApplicationCommand({ ApplicationName: app }))).ApplicationDetail!;
    const inputId = (await describe()).InputDescriptions![0]!.InputId!;
    const config = { InputLambdaProcessor: { ResourceARN: fnArn, RoleARN: ROLE } };
    const add = (version: number, id = inputId) =>
      h.analytics.send(
        new AddApplicationInputProcessingConfigurationCommand({
          ApplicationName: app,
          CurrentApplicationVersionId: version,
          InputId: id,
          InputProcessingConfiguration: config,
        }),
      );
    const del = (version: number, id = inputId) =>
      h.analytics.send(new DeleteApplicationInputProcessingConfigurationCommand({ ApplicationName: app, CurrentApplicationVersionId: version, InputId: id }));

    let e = await awsError(() => add(7));
    assert.equal(e.name, 'ConcurrentModificationException');
    e = await awsError(() => add(1, '9.9'));
    assert.deepEqual([e.name, e.message], ['ResourceNotFoundException', `Input with id 9.9 is not found in application ${app}`]);
    e = await awsError(() => del(1));
    assert.equal(e.name, 'ResourceNotFoundException');
    e = await awsError(() =>
      h.analytics.send(
        new AddApplicationInputProcessingConfigurationCommand({
          ApplicationName: app,
          CurrentApplicationVersionId: 1,
          InputId: inputId,
          InputProcessingConfiguration: { InputLambdaProcessor: { ResourceARN: streamArn(source), RoleARN: ROLE } },
        }),
      ),
    );
    assert.deepEqual([e.name, e.message], ['InvalidArgumentException', `InputLambdaProcessor ResourceARN ${streamArn(source)} is not a Lambda function ARN`]);

    await add(1);
    let d = await describe();
    assert.equal(d.ApplicationVersionId, 2);
    assert.deepEqual(d.InputDescriptions![0]!.InputProcessingConfigurationDescription, {
      InputLambdaProcessorDescription: { ResourceARN: fnArn, RoleARN: ROLE },
    });
    e = await awsError(() => add(2));
    assert.equal(e.name, 'InvalidArgumentException');
    assert.match(e.message, /already has an InputProcessingConfiguration/);

    // The processor runs once the application starts.
    await startApplication(h, app, 'TRIM_HORIZON');
    await h.kinesis.send(
      new PutRecordsCommand({ StreamName: source, Records: [{ PartitionKey: 'k', Data: Buffer.from(JSON.stringify({ ticker: 'T1', price: 2 })) }] }),
    );
    let out: string[] = [];
    const end = Date.now() + 60_000;
    while (Date.now() < end) {
      await h.tick(1000);
      out = (await readStream(h, dest)).map((r) => r.trim());
      if (out.length >= 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(out, ['T1!,4']);

    d = await describe();
    await del(d.ApplicationVersionId!);
    d = await describe();
    assert.equal(d.InputDescriptions![0]!.InputProcessingConfigurationDescription, undefined);
  });
});
