import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { CreateDeliveryStreamCommand, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { parquetReadObjects } from 'hyparquet';
import { startHarness, listFiles, readObject, s3Dest, enc } from './helpers.ts';
import type { Harness } from './helpers.ts';

const fixture = (f: string) => fileURLToPath(new URL(`./fixtures/${f}`, import.meta.url));
const p = (name: string, value: string) => ({ ParameterName: name, ParameterValue: value });

describe('data processing', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      firehose: {
        functions: { transform: fixture('transform.ts'), hang: fixture('hang.mjs'), throws: fixture('throws.mjs') },
        lambdaTimeoutMs: 1000,
        tables: {
          'sales.orders': [
            { name: 'store_id', type: 'string' },
            { name: 'sales', type: 'double' },
            { name: 'qty', type: 'int' },
          ],
        },
        maxPartitions: 2,
      },
    });
  });
  after(async () => {
    await h.close();
  });

  async function run(
    name: string,
    dest: Record<string, unknown>,
    records: (string | Uint8Array)[],
    waitMs = 60_000,
  ): Promise<{ files: string[]; read: (f: string) => Promise<string> }> {
    await h.client.send(
      new CreateDeliveryStreamCommand({ DeliveryStreamName: name, ExtendedS3DestinationConfiguration: s3Dest(`bkt-${name}`, dest) as never }),
    );
    await h.tick(1000, name);
    await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: records.map((r) => ({ Data: typeof r === 'string' ? enc(r) : r })) }));
    await h.tick(waitMs, name);
    await h.tick(waitMs, name);
    const root = join(h.dir, 's3', `bkt-${name}`);
    return { files: await listFiles(root), read: async (f) => (await readObject(root, f)).toString() };
  }

  it('AppendDelimiterToRecord appends a newline to each record (scenario S1)', async () => {
    const { files, read } = await run(
      'append',
      {
        Prefix: 'sales_revenue/',
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
        ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
      },
      ['{"store_id": "store_1", "revenue": 8671.3125}', '{"store_id": "store_2", "revenue": 1.5}'],
    );
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^sales_revenue\/2021\/01\/31\/14\/append-1-/); // S1: sales_revenue/2021/01/31/14/<name>-1-…
    assert.equal(await read(files[0]!), '{"store_id": "store_1", "revenue": 8671.3125}\n{"store_id": "store_2", "revenue": 1.5}\n');
  });

  it('RecordDeAggregation splits concatenated JSON and delimited records', async () => {
    const json = await run(
      'deagg-json',
      {
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [{ Type: 'RecordDeAggregation', Parameters: [p('SubRecordType', 'JSON')] }, { Type: 'AppendDelimiterToRecord' }],
        },
      },
      ['{"a":1}{"a":2} {"a":"}{"}', 'not json'],
    );
    const data = json.files.filter((f) => !f.startsWith('processing-failed/'));
    const errors = json.files.filter((f) => f.startsWith('processing-failed/'));
    assert.equal(data.length, 1);
    assert.equal(await json.read(data[0]!), '{"a":1}\n{"a":2}\n{"a":"}{"}\n');
    assert.equal(errors.length, 1);
    const err = JSON.parse((await json.read(errors[0]!)).trim());
    assert.equal(Buffer.from(err.rawData, 'base64').toString(), 'not json');
    assert.equal(err.errorCode, 'RecordDeAggregation.InvalidJson');

    const delim = await run(
      'deagg-delim',
      {
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            { Type: 'AppendDelimiterToRecord' },
            { Type: 'RecordDeAggregation', Parameters: [p('SubRecordType', 'DELIMITED'), p('Delimiter', Buffer.from('|').toString('base64'))] },
          ],
        },
      },
      ['a|b|c', 'd'],
    );
    assert.equal(await delim.read(delim.files[0]!), 'a\nb\nc\nd\n');
  });

  it('Decompression + CloudWatchLogProcessing extract the log messages of CloudWatch Logs subscription records', async () => {
    const sub = (events: string[], type = 'DATA_MESSAGE') =>
      new Uint8Array(
        gzipSync(
          JSON.stringify({
            messageType: type,
            owner: '123456789012',
            logGroup: 'g',
            logStream: 's',
            subscriptionFilters: ['f'],
            logEvents: events.map((m, i) => ({ id: String(i), timestamp: 0, message: m })),
          }),
        ),
      );
    const { files, read } = await run(
      'cwl',
      {
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            { Type: 'Decompression', Parameters: [p('CompressionFormat', 'GZIP')] },
            { Type: 'CloudWatchLogProcessing', Parameters: [p('DataMessageExtraction', 'true')] },
            { Type: 'AppendDelimiterToRecord' },
          ],
        },
      },
      [sub(['GET /a 200', 'GET /b 404']), sub([], 'CONTROL_MESSAGE'), sub(['POST /c 201'])],
    );
    assert.equal(files.length, 1);
    assert.equal(await read(files[0]!), 'GET /a 200\nGET /b 404\nPOST /c 201\n');
  });

  it('Decompression gunzips records before delivery', async () => {
    const { files, read } = await run(
      'decomp',
      {
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
        ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'Decompression', Parameters: [p('CompressionFormat', 'GZIP')] }] },
      },
      [new Uint8Array(gzipSync('line one\n')), new Uint8Array(gzipSync('line two\n'))],
    );
    assert.equal(await read(files[0]!), 'line one\nline two\n');
  });

  it('Lambda transforms in a worker: Ok records delivered, Dropped removed, ProcessingFailed under processing-failed with AWS fields', async () => {
    const { files, read } = await run(
      'lambda',
      {
        Prefix: 'out/',
        ErrorOutputPrefix: 'err/!{firehose:error-output-type}/',
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            { Type: 'Lambda', Parameters: [p('LambdaArn', 'arn:aws:lambda:us-east-1:123456789012:function:transform'), p('BufferIntervalInSeconds', '60')] },
          ],
        },
      },
      ['keep me', 'please drop', 'will fail', 'also keep'],
    );
    const out = files.filter((f) => f.startsWith('out/'));
    const err = files.filter((f) => f.startsWith('err/processing-failed/'));
    assert.equal(out.length, 1, files.join(','));
    assert.equal(await read(out[0]!), 'KEEP ME\nALSO KEEP\n');
    assert.equal(err.length, 1, files.join(','));
    const rec = JSON.parse((await read(err[0]!)).trim());
    assert.deepEqual(Object.keys(rec).sort(), [
      'arrivalTimestamp',
      'attemptEndingTimestamp',
      'attemptsMade',
      'errorCode',
      'errorMessage',
      'lambdaArn',
      'rawData',
    ]);
    assert.equal(rec.errorCode, 'Lambda.ProcessingFailedStatus');
    assert.equal(Buffer.from(rec.rawData, 'base64').toString(), 'will fail');
    assert.equal(rec.lambdaArn, 'arn:aws:lambda:us-east-1:123456789012:function:transform');
    const m = h.engine.metrics('lambda');
    assert.equal(m['ExecuteProcessing.Success'], 1);
    assert.equal(m['SucceedProcessing.Records'], 2);
  });

  it('a function that times out or throws is retried NumberOfRetries times, then its records go to processing-failed', async () => {
    for (const fn of ['hang', 'throws']) {
      const { files, read } = await run(
        `lambda-${fn}`,
        {
          BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
          // A timeout ends the worker (a cold start per attempt), so the hanging function gets no retry to keep the test short.
          ProcessingConfiguration: {
            Enabled: true,
            Processors: [{ Type: 'Lambda', Parameters: [p('LambdaArn', fn), p('NumberOfRetries', fn === 'hang' ? '0' : '1')] }],
          },
        },
        ['r1', 'r2'],
      );
      assert.equal(files.length, 1, files.join(','));
      assert.match(files[0]!, /^processing-failed\/\d{4}\/\d\d\/\d\d\/\d\d\/lambda-/);
      const lines = (await read(files[0]!))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.equal(lines.length, 2);
      assert.equal(lines[0].attemptsMade, fn === 'hang' ? 1 : 2);
      assert.equal(lines[0].errorCode, fn === 'hang' ? 'Lambda.FunctionTimedOut' : 'Lambda.FunctionError');
      assert.equal(h.engine.metrics(`lambda-${fn}`)['ExecuteProcessing.Success'], 0);
    }
  });

  it('dynamic partitioning with a JQ query writes one object per partition and sends partitions beyond the limit to the error prefix', async () => {
    const { files, read } = await run(
      'dynamic',
      {
        Prefix: 'customer=!{partitionKeyFromQuery:customer}/year=!{timestamp:yyyy}/',
        ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/',
        BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
        DynamicPartitioningConfiguration: { Enabled: true },
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            { Type: 'MetadataExtraction', Parameters: [p('MetadataExtractionQuery', '{customer: .customer_id}'), p('JsonParsingEngine', 'JQ-1.6')] },
            { Type: 'AppendDelimiterToRecord' },
          ],
        },
      },
      ['{"customer_id":"c1","v":1}', '{"customer_id":"c2","v":2}', '{"customer_id":"c1","v":3}', '{"customer_id":"c3","v":4}', 'oops'],
    );
    const c1 = files.filter((f) => f.startsWith('customer=c1/year=2021/'));
    const c2 = files.filter((f) => f.startsWith('customer=c2/year=2021/'));
    assert.equal(c1.length, 1, files.join(','));
    assert.equal(c2.length, 1);
    assert.equal(await read(c1[0]!), '{"customer_id":"c1","v":1}\n{"customer_id":"c1","v":3}\n');
    const errs = files.filter((f) => f.startsWith('errors/processing-failed/'));
    assert.equal(errs.length, 1);
    const lines = (await read(errs[0]!))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.errorCode).sort(), [
      'DynamicPartitioning.ActivePartitionsLimitExceeded',
      'DynamicPartitioning.MetadataExtractionFailed',
    ]);
    assert.equal(h.engine.metrics('dynamic').PartitionCountExceeded, 1);
  });

  it('partitionKeyFromLambda partitions by the keys the function returns', async () => {
    const { files } = await run(
      'dynamic-lambda',
      {
        Prefix: 'kind=!{partitionKeyFromLambda:kind}/',
        ErrorOutputPrefix: 'errors/',
        BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
        DynamicPartitioningConfiguration: { Enabled: true },
        ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'Lambda', Parameters: [p('LambdaArn', 'transform')] }] },
      },
      ['{"kind":"a"}', '{"kind":"b"}', '{"kind":"a"}'],
    );
    assert.deepEqual(files.map((f) => f.split('/')[0]).sort(), ['kind=a', 'kind=b']);
  });

  it('converts JSON to Parquet against the declared table and sends unconvertible records to format-conversion-failed', async () => {
    const { files, read } = await run(
      'parquet',
      {
        BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
        DataFormatConversionConfiguration: {
          Enabled: true,
          SchemaConfiguration: { DatabaseName: 'sales', TableName: 'orders', RoleARN: s3Dest('x').RoleARN },
          InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
          OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
        },
      },
      ['{"store_id":"store_1","SALES":22.78,"qty":3}', '{"store_id":"store_2","sales":1.5,"qty":"x"}', '{"store_id":"store_3","sales":"7","qty":1}'],
    );
    const data = files.filter((f) => !f.startsWith('format-conversion-failed/'));
    const errs = files.filter((f) => f.startsWith('format-conversion-failed/'));
    assert.equal(data.length, 1, files.join(','));
    const buf = await readObject(join(h.dir, 's3', 'bkt-parquet'), data[0]!);
    const rows = await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer });
    assert.deepEqual(rows, [
      { store_id: 'store_1', sales: 22.78, qty: 3 },
      { store_id: 'store_3', sales: 7, qty: 1 },
    ]);
    assert.equal(errs.length, 1);
    const err = JSON.parse((await read(errs[0]!)).trim());
    assert.equal(err.lastErrorCode, 'DataFormatConversion.MalformedData');
    assert.equal(Buffer.from(err.rawData, 'base64').toString(), '{"store_id":"store_2","sales":1.5,"qty":"x"}');
  });

  it('S3BackupMode Enabled writes the source records, before processing, to the backup bucket', async () => {
    const name = 'backup';
    const { files, read } = await run(
      name,
      {
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
        ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'Lambda', Parameters: [p('LambdaArn', 'transform')] }] },
        S3BackupMode: 'Enabled',
        S3BackupConfiguration: { BucketARN: 'arn:aws:s3:::bkt-backup-src', RoleARN: s3Dest('x').RoleARN, Prefix: 'source/', CompressionFormat: 'GZIP' },
      },
      ['a\n', 'b\n'],
    );
    assert.equal(files.length, 1);
    assert.equal(await read(files[0]!), 'A\n\nB\n\n');
    const root = join(h.dir, 's3', 'bkt-backup-src');
    const backups = await listFiles(root);
    assert.equal(backups.length, 1);
    assert.match(backups[0]!, /^source\/2021\/01\/31\/14\/backup-1-.*\.gz$/);
    assert.equal(gunzipSync(await readObject(root, backups[0]!)).toString(), 'a\nb\n');
  });

  it('moves the checkpoint past records that produce no output (thousands of empty records de-aggregated into nothing)', async () => {
    const name = 'empties';
    const { files } = await run(
      name,
      {
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [{ Type: 'RecordDeAggregation', Parameters: [p('SubRecordType', 'DELIMITED'), p('Delimiter', Buffer.from('|').toString('base64'))] }],
        },
      },
      Array.from({ length: 500 }, () => ''),
    );
    assert.deepEqual(files, []);
    for (let i = 0; i < 5; i++) {
      await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: Array.from({ length: 500 }, () => ({ Data: new Uint8Array(0) })) }));
    }
    await h.tick(60_000, name);
    const cp = h.server.storage.meta.get<{ offset: number }>(`firehose/checkpoint/${name}`);
    assert.equal(cp?.offset, 3000);
  });
});
