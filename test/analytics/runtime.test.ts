/**
 * The runtime host beyond the scenarios: code validation, reference data from
 * the embedded object store (and its reload), periodic checkpoints, and one
 * failing application not taking anything else down.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import {
  CreateApplicationCommand,
  DescribeApplicationCommand,
  StartApplicationCommand,
  UpdateApplicationCommand,
  type Input,
} from '@aws-sdk/client-kinesis-analytics';
import { CreateStreamCommand, DeleteStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CHECKPOINT_KEY_PREFIX } from '../../src/analytics/index.ts';
import { awsError, readStream, ROLE, startHarness, streamArn, uniqueName, type Harness } from './helpers.ts';

function tradesInput(stream: string): Input {
  return {
    NamePrefix: 'SOURCE_SQL_STREAM',
    KinesisStreamsInput: { ResourceARN: streamArn(stream), RoleARN: ROLE },
    InputSchema: {
      RecordFormat: { RecordFormatType: 'CSV', MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: ',' } } },
      RecordColumns: [
        { Name: 'ticker', SqlType: 'VARCHAR(8)' },
        { Name: 'price', SqlType: 'DOUBLE' },
      ],
    },
  };
}

const PASS_THROUGH = `CREATE OR REPLACE STREAM "DEST" ("ticker" VARCHAR(8), "price" DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM "ticker", "price" FROM "SOURCE_SQL_STREAM_001";`;

async function streams(h: Harness, ...names: string[]): Promise<void> {
  for (const n of names) await h.kinesis.send(new CreateStreamCommand({ StreamName: n, ShardCount: 1 }));
  await h.tick(10);
}

async function put(h: Harness, stream: string, lines: string[]): Promise<void> {
  await h.kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: lines.map((l, i) => ({ PartitionKey: String(i), Data: Buffer.from(l) })) }));
}

async function startApp(h: Harness, app: string): Promise<void> {
  await h.analytics.send(
    new StartApplicationCommand({
      ApplicationName: app,
      InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' } }],
    }),
  );
}

describe('Kinesis Analytics runtime', () => {
  let h: Harness;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kda-rt-'));
    h = await startHarness({ dataDir: dir });
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects application code that does not compile with CodeValidationException (line:column)', async () => {
    const e = await awsError(() =>
      h.analytics.send(
        new CreateApplicationCommand({
          ApplicationName: uniqueName('badsql'),
          Inputs: [tradesInput('x')],
          ApplicationCode:
            'CREATE OR REPLACE STREAM "DEST" ("a" INTEGER);\nCREATE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM "nope" FROM "SOURCE_SQL_STREAM_001";',
        }),
      ),
    );
    assert.equal(e.name, 'CodeValidationException');
    assert.match(e.message, /^2:\d+: /);
    const name = uniqueName('badupdate');
    await h.analytics.send(new CreateApplicationCommand({ ApplicationName: name, Inputs: [tradesInput('x')], ApplicationCode: PASS_THROUGH }));
    const u = await awsError(() =>
      h.analytics.send(
        new UpdateApplicationCommand({
          ApplicationName: name,
          CurrentApplicationVersionId: 1,
          ApplicationUpdate: { ApplicationCodeUpdate: 'SELECT FROM WHERE' },
        }),
      ),
    );
    assert.equal(u.name, 'CodeValidationException');
    const { ApplicationDetail: d } = await h.analytics.send(new DescribeApplicationCommand({ ApplicationName: name }));
    assert.equal(d!.ApplicationVersionId, 1, 'a rejected update changes nothing');
  });

  it('accepts code before its input exists (syntax only) and checks it in full once the input is added', async () => {
    const name = uniqueName('code-first');
    await h.analytics.send(new CreateApplicationCommand({ ApplicationName: name, ApplicationCode: PASS_THROUGH }));
    const syntax = await awsError(() =>
      h.analytics.send(
        new UpdateApplicationCommand({
          ApplicationName: name,
          CurrentApplicationVersionId: 1,
          ApplicationUpdate: { ApplicationCodeUpdate: 'CREATE OR REPLACE STREAM' },
        }),
      ),
    );
    assert.equal(syntax.name, 'CodeValidationException');
    const input = tradesInput('x');
    input.InputSchema!.RecordColumns = [{ Name: 'ticker', SqlType: 'VARCHAR(8)' }];
    const { AddApplicationInputCommand } = await import('@aws-sdk/client-kinesis-analytics');
    const e = await awsError(() => h.analytics.send(new AddApplicationInputCommand({ ApplicationName: name, CurrentApplicationVersionId: 1, Input: input })));
    assert.equal(e.name, 'CodeValidationException');
    assert.match(e.message, /price/);
    await h.analytics.send(new AddApplicationInputCommand({ ApplicationName: name, CurrentApplicationVersionId: 1, Input: tradesInput('x') }));
  });

  it('rejects a RecordColumn with an unknown SqlType with InvalidArgumentException', async () => {
    const input = tradesInput('x');
    input.InputSchema!.RecordColumns![1]!.SqlType = 'MONEY(5)';
    const e = await awsError(() => h.analytics.send(new CreateApplicationCommand({ ApplicationName: uniqueName('badtype'), Inputs: [input] })));
    assert.equal(e.name, 'InvalidArgumentException');
    assert.match(e.message, /MONEY\(5\)/);
  });

  it('joins a reference table loaded from the embedded object store and reloads it on update', async () => {
    const source = uniqueName('ref-in');
    const dest = uniqueName('ref-out');
    const app = uniqueName('ref');
    await streams(h, source, dest);
    mkdirSync(join(dir, 's3', 'ref-bucket'), { recursive: true });
    writeFileSync(join(dir, 's3', 'ref-bucket', 'company-v1.csv'), 'AMZN,Amazon\nMSFT,Microsoft\n');
    writeFileSync(join(dir, 's3', 'ref-bucket', 'company-v2.csv'), 'AMZN,Amazon.com Inc\nMSFT,Microsoft Corp\n');
    await h.analytics.send(
      new CreateApplicationCommand({
        ApplicationName: app,
        Inputs: [tradesInput(source)],
        Outputs: [{ Name: 'DEST', KinesisStreamsOutput: { ResourceARN: streamArn(dest), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'JSON' } }],
      }),
    );
    const { ApplicationDetail: d1 } = await h.analytics.send(new DescribeApplicationCommand({ ApplicationName: app }));
    const { AddApplicationReferenceDataSourceCommand } = await import('@aws-sdk/client-kinesis-analytics');
    await h.analytics.send(
      new AddApplicationReferenceDataSourceCommand({
        ApplicationName: app,
        CurrentApplicationVersionId: d1!.ApplicationVersionId!,
        ReferenceDataSource: {
          TableName: 'CompanyName',
          S3ReferenceDataSource: { BucketARN: 'arn:aws:s3:::ref-bucket', FileKey: 'company-v1.csv', ReferenceRoleARN: ROLE },
          ReferenceSchema: {
            RecordFormat: { RecordFormatType: 'CSV', MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: ',' } } },
            RecordColumns: [
              { Name: 'Ticker', SqlType: 'VARCHAR(8)' },
              { Name: 'Company', SqlType: 'VARCHAR(64)' },
            ],
          },
        },
      }),
    );
    await h.analytics.send(
      new UpdateApplicationCommand({
        ApplicationName: app,
        CurrentApplicationVersionId: 2,
        ApplicationUpdate: {
          ApplicationCodeUpdate: `CREATE OR REPLACE STREAM "DEST" ("ticker" VARCHAR(8), "company" VARCHAR(64), "price" DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST"
  SELECT STREAM s."ticker", c."Company", s."price" FROM "SOURCE_SQL_STREAM_001" AS s LEFT JOIN "CompanyName" AS c ON s."ticker" = c."Ticker";`,
        },
      }),
    );
    await startApp(h, app);
    await put(h, source, ['AMZN,101.5', 'IBM,20']);
    await h.tick(2_000);
    await h.analytics.send(
      new UpdateApplicationCommand({
        ApplicationName: app,
        CurrentApplicationVersionId: 3,
        ApplicationUpdate: { ReferenceDataSourceUpdates: [{ ReferenceId: '1.1', S3ReferenceDataSourceUpdate: { FileKeyUpdate: 'company-v2.csv' } }] },
      }),
    );
    await put(h, source, ['MSFT,300']);
    await h.tick(2_000);
    const rows = (await readStream(h, dest)).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(rows, [
      { ticker: 'AMZN', company: 'Amazon', price: 101.5 },
      { ticker: 'IBM', company: null, price: 20 },
      { ticker: 'MSFT', company: 'Microsoft Corp', price: 300 },
    ]);
  });

  it('refuses to start when the reference object is missing', async () => {
    const source = uniqueName('ref-missing-in');
    const app = uniqueName('ref-missing');
    await streams(h, source);
    await h.analytics.send(new CreateApplicationCommand({ ApplicationName: app, Inputs: [tradesInput(source)] }));
    const { AddApplicationReferenceDataSourceCommand } = await import('@aws-sdk/client-kinesis-analytics');
    await h.analytics.send(
      new AddApplicationReferenceDataSourceCommand({
        ApplicationName: app,
        CurrentApplicationVersionId: 1,
        ReferenceDataSource: {
          TableName: 'T',
          S3ReferenceDataSource: { BucketARN: 'arn:aws:s3:::ref-bucket', FileKey: 'missing.csv', ReferenceRoleARN: ROLE },
          ReferenceSchema: {
            RecordFormat: { RecordFormatType: 'CSV', MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: ',' } } },
            RecordColumns: [{ Name: 'a', SqlType: 'INTEGER' }],
          },
        },
      }),
    );
    const e = await awsError(() => startApp(h, app));
    assert.equal(e.name, 'InvalidApplicationConfigurationException');
    assert.match(e.message, /missing\.csv/);
  });

  it('checkpoints positions and operator state every 10 s of clock time', async () => {
    const source = uniqueName('ckpt-in');
    const dest = uniqueName('ckpt-out');
    const app = uniqueName('ckpt');
    await streams(h, source, dest);
    await h.analytics.send(
      new CreateApplicationCommand({
        ApplicationName: app,
        Inputs: [tradesInput(source)],
        ApplicationCode: PASS_THROUGH,
        Outputs: [{ Name: 'DEST', KinesisStreamsOutput: { ResourceARN: streamArn(dest), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'CSV' } }],
      }),
    );
    await startApp(h, app);
    await put(h, source, ['A,1', 'B,2']);
    await h.tick(1_000);
    assert.equal(h.service.host.stats(app)!.checkpoints, 1, 'the starting point is checkpointed');
    for (let i = 0; i < 10; i++) await h.tick(1_000);
    const stats = h.service.host.stats(app)!;
    assert.equal(stats.checkpoints, 2);
    const stored = h.storage.meta.get<{ inputs: Record<string, { shards: Record<string, { offset: number }> }> }>(CHECKPOINT_KEY_PREFIX + app);
    assert.deepEqual(
      Object.values(stored!.inputs['1.1']!.shards).map((s) => s.offset),
      [2],
    );
    assert.deepEqual(await readStream(h, dest), ['A,1\n', 'B,2\n']);
  });

  it('lets the CLI and console tap any in-app stream of a running application', async () => {
    const source = uniqueName('tap-in');
    const app = uniqueName('tap');
    await streams(h, source);
    await h.analytics.send(new CreateApplicationCommand({ ApplicationName: app, Inputs: [tradesInput(source)], ApplicationCode: PASS_THROUGH }));
    await startApp(h, app);
    const seen: Array<Record<string, unknown>> = [];
    const input: Array<Record<string, unknown>> = [];
    const stop = h.service.host.tap(app, 'DEST', (rows) => seen.push(...rows));
    h.service.host.tap(app, 'SOURCE_SQL_STREAM_001', (rows) => input.push(...rows));
    assert.throws(() => h.service.host.tap(app, 'NOPE', () => undefined), /no in-application stream NOPE/);
    await put(h, source, ['A,1.5']);
    await h.tick(1_000);
    stop();
    await put(h, source, ['B,2']);
    await h.tick(1_000);
    const rowtime = new Date(h.clock.now() - 2_000).toISOString().replace('T', ' ').replace('Z', '');
    assert.deepEqual(seen, [{ ROWTIME: rowtime, ticker: 'A', price: 1.5 }]);
    assert.deepEqual(
      input.map((r) => r.ticker),
      ['A', 'B'],
    );
  });

  it('switches a running application to new code without skipping input', async () => {
    const source = uniqueName('swap-in');
    const dest = uniqueName('swap-out');
    const app = uniqueName('swap');
    await streams(h, source, dest);
    await h.analytics.send(
      new CreateApplicationCommand({
        ApplicationName: app,
        Inputs: [tradesInput(source)],
        ApplicationCode: PASS_THROUGH,
        Outputs: [{ Name: 'DEST', KinesisStreamsOutput: { ResourceARN: streamArn(dest), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'CSV' } }],
      }),
    );
    await startApp(h, app);
    await put(h, source, ['a,1']);
    await h.tick(1_000);
    await put(h, source, ['b,2']); // appended just before the update: may or may not be processed by the old code
    await h.analytics.send(
      new UpdateApplicationCommand({
        ApplicationName: app,
        CurrentApplicationVersionId: 1,
        ApplicationUpdate: {
          ApplicationCodeUpdate: `CREATE OR REPLACE STREAM "DEST" ("ticker" VARCHAR(8), "price" DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM UPPER("ticker"), "price" * 10 FROM "SOURCE_SQL_STREAM_001";`,
        },
      }),
    );
    await put(h, source, ['c,3']);
    await h.tick(1_000);
    const rows = await readStream(h, dest);
    assert.equal(rows[0], 'a,1\n');
    assert.ok(rows[1] === 'b,2\n' || rows[1] === 'B,20\n', `b was processed once: ${rows.join('')}`);
    assert.equal(rows.at(-1), 'C,30\n');
    assert.equal(rows.length, 3);
  });

  it('fails only the application whose output stream disappears; others keep running', async () => {
    const source = uniqueName('fail-in');
    const doomed = uniqueName('fail-out');
    const healthyOut = uniqueName('ok-out');
    await streams(h, source, doomed, healthyOut);
    const bad = uniqueName('fails');
    const good = uniqueName('survives');
    for (const [app, out] of [
      [bad, doomed],
      [good, healthyOut],
    ] as const) {
      await h.analytics.send(
        new CreateApplicationCommand({
          ApplicationName: app,
          Inputs: [tradesInput(source)],
          ApplicationCode: PASS_THROUGH,
          Outputs: [{ Name: 'DEST', KinesisStreamsOutput: { ResourceARN: streamArn(out), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'CSV' } }],
        }),
      );
      await startApp(h, app);
    }
    await h.kinesis.send(new DeleteStreamCommand({ StreamName: doomed }));
    await h.tick(100);
    await put(h, source, ['X,1']);
    await h.tick(1_000);
    await h.tick(1_000);
    const status = async (app: string) =>
      (await h.analytics.send(new DescribeApplicationCommand({ ApplicationName: app }))).ApplicationDetail!.ApplicationStatus;
    assert.equal(await status(bad), 'READY');
    assert.match(h.service.registry.get(bad).lastError ?? '', /not found/);
    assert.equal(await status(good), 'RUNNING');
    assert.deepEqual(await readStream(h, healthyOut), ['X,1\n']);
  });
});

const require = createRequire(import.meta.url);
interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
const S3rver = require('s3rver') as new (o: Record<string, unknown>) => S3rverInstance;

describe('Kinesis Analytics reference data from an S3-compatible store', () => {
  it('reads a reference object from a bucket Firehose maps to a remote store (s3rver)', async () => {
    const s3dir = mkdtempSync(join(tmpdir(), 'kda-s3rver-'));
    const s3 = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory: s3dir,
      configureBuckets: [{ name: 'remote-ref' }],
      allowMismatchedSignatures: true,
    });
    const { port } = await s3.run();
    const endpoint = `http://127.0.0.1:${port}`;
    const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
    const h = await startHarness({ firehose: { buckets: { 'company-data': { endpoint, forcePathStyle: true, credentials, remoteBucket: 'remote-ref' } } } });
    const writer = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    try {
      await writer.send(
        new PutObjectCommand({
          Bucket: 'remote-ref',
          Key: 'ref/company.json',
          Body: '{"Ticker": "AMZN", "Company": "Amazon"}\n{"Ticker": "MSFT", "Company": "Microsoft"}\n',
        }),
      );
      const source = uniqueName('s3ref-in');
      const dest = uniqueName('s3ref-out');
      const app = uniqueName('s3ref');
      await streams(h, source, dest);
      await h.analytics.send(
        new CreateApplicationCommand({
          ApplicationName: app,
          Inputs: [tradesInput(source)],
          Outputs: [{ Name: 'DEST', KinesisStreamsOutput: { ResourceARN: streamArn(dest), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'CSV' } }],
        }),
      );
      const { AddApplicationReferenceDataSourceCommand } = await import('@aws-sdk/client-kinesis-analytics');
      await h.analytics.send(
        new AddApplicationReferenceDataSourceCommand({
          ApplicationName: app,
          CurrentApplicationVersionId: 1,
          ReferenceDataSource: {
            TableName: 'CompanyName',
            S3ReferenceDataSource: { BucketARN: 'arn:aws:s3:::company-data', FileKey: 'ref/company.json', ReferenceRoleARN: ROLE },
            ReferenceSchema: {
              RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
              RecordColumns: [
                { Name: 'Ticker', SqlType: 'VARCHAR(8)', Mapping: '$.Ticker' },
                { Name: 'Company', SqlType: 'VARCHAR(64)', Mapping: '$.Company' },
              ],
            },
          },
        }),
      );
      await h.analytics.send(
        new UpdateApplicationCommand({
          ApplicationName: app,
          CurrentApplicationVersionId: 2,
          ApplicationUpdate: {
            ApplicationCodeUpdate: `CREATE OR REPLACE STREAM "DEST" ("ticker" VARCHAR(8), "company" VARCHAR(64));
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST"
  SELECT STREAM s."ticker", c."Company" FROM "SOURCE_SQL_STREAM_001" AS s JOIN "CompanyName" AS c ON s."ticker" = c."Ticker";`,
          },
        }),
      );
      await startApp(h, app);
      await put(h, source, ['MSFT,1', 'IBM,2', 'AMZN,3']);
      await h.tick(2_000);
      assert.deepEqual(await readStream(h, dest), ['MSFT,Microsoft\n', 'AMZN,Amazon\n']);
    } finally {
      writer.destroy();
      await h.close();
      await s3.close().catch(() => undefined);
      rmSync(s3dir, { recursive: true, force: true });
    }
  });
});
