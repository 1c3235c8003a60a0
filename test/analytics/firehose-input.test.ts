/**
 * A delivery stream as an application input (KinesisFirehoseInput): records put with
 * @aws-sdk/client-firehose reach the application and its output stream, from
 * TRIM_HORIZON, NOW and LAST_STOPPED_POINT — the last one also after Firehose has
 * delivered (and would have trimmed) what arrived while the application was stopped.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateApplicationCommand,
  DeleteApplicationCommand,
  DescribeApplicationCommand,
  StartApplicationCommand,
  StopApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics';
import { CreateStreamCommand } from '@aws-sdk/client-kinesis';
import { CreateDeliveryStreamCommand, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { readStream, ROLE, startApplication, startHarness, streamArn, uniqueName, type Harness } from './helpers.ts';

const CODE = `CREATE OR REPLACE STREAM "DEST" ("ticker" VARCHAR(8), "price" DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM "ticker", "price" FROM "SOURCE_SQL_STREAM_001";`;

function deliveryArn(name: string): string {
  return `arn:aws:firehose:us-east-1:000000000000:deliverystream/${name}`;
}

async function createDelivery(h: Harness, name: string): Promise<void> {
  await h.firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: name,
      DeliveryStreamType: 'DirectPut',
      ExtendedS3DestinationConfiguration: {
        RoleARN: ROLE,
        BucketARN: 'arn:aws:s3:::fh-input-bucket',
        Prefix: `${name}/`,
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
      },
    }),
  );
  await h.tick(1000); // CREATING → ACTIVE
}

async function createApp(h: Harness, app: string, delivery: string, dest: string): Promise<void> {
  await h.analytics.send(
    new CreateApplicationCommand({
      ApplicationName: app,
      Inputs: [
        {
          NamePrefix: 'SOURCE_SQL_STREAM',
          KinesisFirehoseInput: { ResourceARN: deliveryArn(delivery), RoleARN: ROLE },
          InputSchema: {
            RecordFormat: { RecordFormatType: 'CSV', MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: ',' } } },
            RecordColumns: [
              { Name: 'ticker', SqlType: 'VARCHAR(8)' },
              { Name: 'price', SqlType: 'DOUBLE' },
            ],
          },
        },
      ],
      Outputs: [{ Name: 'DEST', KinesisStreamsOutput: { ResourceARN: streamArn(dest), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'CSV' } }],
      ApplicationCode: CODE,
    }),
  );
}

async function putBatch(h: Harness, delivery: string, from: number, to: number): Promise<void> {
  const records = [];
  for (let i = from; i < to; i++) records.push({ Data: Buffer.from(`T${i},${i}.5`) });
  const res = await h.firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: delivery, Records: records }));
  assert.equal(res.FailedPutCount, 0);
}

function expected(from: number, to: number): string[] {
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(`T${i},${i}.5`);
  return out;
}

async function output(h: Harness, dest: string): Promise<string[]> {
  return (await readStream(h, dest)).map((r) => r.trim());
}

describe('Kinesis Analytics: a delivery stream as the application input', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('reads records put with PutRecordBatch from TRIM_HORIZON, live, and from LAST_STOPPED_POINT after a stop', async () => {
    const delivery = uniqueName('fh-in');
    const dest = uniqueName('fh-out');
    const app = uniqueName('fh-app');
    await createDelivery(h, delivery);
    await h.kinesis.send(new CreateStreamCommand({ StreamName: dest, ShardCount: 1 }));
    await h.tick(10);
    await createApp(h, app, delivery, dest);

    await putBatch(h, delivery, 0, 5); // before the start: read from TRIM_HORIZON
    await startApplication(h, app, 'TRIM_HORIZON');
    await h.tick(1000);
    await putBatch(h, delivery, 5, 10); // live
    await h.tick(1000);
    assert.deepEqual(await output(h, dest), expected(0, 10));
    assert.equal(h.service.host.stats(app)!.recordsRead, 10);

    await h.analytics.send(new StopApplicationCommand({ ApplicationName: app }));
    await putBatch(h, delivery, 10, 15); // while stopped, at two different times
    await h.tick(1000);
    await putBatch(h, delivery, 15, 20);
    // Firehose delivers everything meanwhile (buffer interval 60 s) and trims what it delivered,
    // except what the stopped application has still to read.
    await h.tick(61_000);
    await h.firehoseEngine.settled(delivery);
    await h.tick(1000);
    await h.firehoseEngine.settled(delivery);
    assert.equal(h.firehoseEngine.metrics(delivery)['DeliveryToS3.Records'], 20, 'Firehose delivered every record');

    await startApplication(h, app, 'LAST_STOPPED_POINT');
    await h.tick(1000);
    await putBatch(h, delivery, 20, 25);
    await h.tick(1000);
    assert.deepEqual(await output(h, dest), expected(0, 25), 'nothing skipped, nothing repeated');

    // NOW skips what is already there.
    await h.analytics.send(new StopApplicationCommand({ ApplicationName: app }));
    await putBatch(h, delivery, 25, 30);
    await startApplication(h, app, 'NOW');
    await putBatch(h, delivery, 30, 32);
    await h.tick(1000);
    assert.deepEqual(await output(h, dest), [...expected(0, 25), ...expected(30, 32)]);
    await h.analytics.send(
      new DeleteApplicationCommand({
        ApplicationName: app,
        CreateTimestamp: (await h.analytics.send(new DescribeApplicationCommand({ ApplicationName: app }))).ApplicationDetail!.CreateTimestamp!,
      }),
    );
    assert.deepEqual(h.storage.meta.keys(`firehose/hold/${delivery}/`), [], 'deleting the application releases what it held');
  });

  it('refuses to start when the delivery stream does not exist', async () => {
    const dest = uniqueName('fh-out');
    const app = uniqueName('fh-missing');
    await h.kinesis.send(new CreateStreamCommand({ StreamName: dest, ShardCount: 1 }));
    await h.tick(10);
    await createApp(h, app, uniqueName('no-such-delivery'), dest);
    await assert.rejects(
      h.analytics.send(
        new StartApplicationCommand({
          ApplicationName: app,
          InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'NOW' } }],
        }),
      ),
      (e: Error) => e.name === 'InvalidApplicationConfigurationException' && /delivery stream .* does not exist/.test(e.message),
    );
  });
});

describe('Kinesis Analytics: configurable checkpoint interval', () => {
  it('startServer({ analytics: { checkpointIntervalMs } }) checkpoints at that interval of clock time', async () => {
    const h = await startHarness({ analytics: { checkpointIntervalMs: 3_000 } });
    try {
      const delivery = uniqueName('fh-ckpt');
      const dest = uniqueName('fh-ckpt-out');
      const app = uniqueName('fh-ckpt');
      await createDelivery(h, delivery);
      await h.kinesis.send(new CreateStreamCommand({ StreamName: dest, ShardCount: 1 }));
      await h.tick(10);
      await createApp(h, app, delivery, dest);
      await startApplication(h, app, 'TRIM_HORIZON');
      const stats = h.service.host.stats(app)!;
      assert.equal(stats.checkpoints, 1, 'the starting point is checkpointed');
      const startedMs = stats.lastCheckpointMs!;
      await h.tick(1_000);
      await h.tick(1_000);
      assert.equal(stats.checkpoints, 1, 'not yet: 2 s of the 3 s interval');
      await h.tick(1_000);
      assert.equal(stats.checkpoints, 2, 'after 3 s');
      assert.equal(stats.lastCheckpointMs, startedMs + 3_000);
      await putBatch(h, delivery, 0, 3);
      for (let i = 0; i < 3; i++) await h.tick(1_000);
      assert.equal(stats.checkpoints, 3, 'after 6 s');
      assert.equal(stats.lastCheckpointMs, startedMs + 6_000);
      const stored = h.storage.meta.get<{ inputs: Record<string, { shards: Record<string, { offset: number }> }> }>(`analytics/checkpoint/${app}`);
      assert.deepEqual(
        Object.values(stored!.inputs['1.1']!.shards).map((s) => s.offset),
        [3],
        'the delivery-stream position is in the checkpoint',
      );
      assert.deepEqual(await output(h, dest), expected(0, 3));
    } finally {
      await h.close();
    }
  });
});

describe('Kinesis Analytics: error_stream rows from the SQL engine', () => {
  it('a runtime error inside the application reaches an error_stream output with DATA_ROW hex-encoded, like a parse error', async () => {
    const h = await startHarness();
    try {
      const delivery = uniqueName('fh-err');
      const errors = uniqueName('fh-errors');
      const app = uniqueName('fh-err');
      await createDelivery(h, delivery);
      await h.kinesis.send(new CreateStreamCommand({ StreamName: errors, ShardCount: 1 }));
      await h.tick(10);
      await h.analytics.send(
        new CreateApplicationCommand({
          ApplicationName: app,
          Inputs: [
            {
              NamePrefix: 'SOURCE_SQL_STREAM',
              KinesisFirehoseInput: { ResourceARN: deliveryArn(delivery), RoleARN: ROLE },
              InputSchema: {
                RecordFormat: {
                  RecordFormatType: 'CSV',
                  MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: ',' } },
                },
                RecordColumns: [
                  { Name: 'ticker', SqlType: 'VARCHAR(8)' },
                  { Name: 'price', SqlType: 'DOUBLE' },
                ],
              },
            },
          ],
          Outputs: [
            { Name: 'error_stream', KinesisStreamsOutput: { ResourceARN: streamArn(errors), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'JSON' } },
          ],
          ApplicationCode: `CREATE OR REPLACE STREAM "DEST" ("ticker" VARCHAR(8), "n" INTEGER);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM "ticker", CAST("ticker" AS INTEGER) FROM "SOURCE_SQL_STREAM_001";`,
        }),
      );
      await startApplication(h, app, 'TRIM_HORIZON');
      await h.firehose.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: delivery,
          Records: [{ Data: Buffer.from('AB,1.5') }, { Data: Buffer.from('CD,oops') }, { Data: Buffer.from('42,2') }],
        }),
      );
      await h.tick(1000);
      const errs = (await readStream(h, errors)).map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.equal(errs.length, 2, JSON.stringify(errs));
      const parse = errs.find((e) => e.ERROR_NAME === 'Input_Parse_Error')!;
      const runtime = errs.find((e) => e.ERROR_NAME !== 'Input_Parse_Error')!;
      assert.equal(Buffer.from(String(parse.DATA_ROW), 'hex').toString(), 'CD,oops');
      assert.match(String(runtime.DATA_ROW), /^[0-9a-f]+$/, 'DATA_ROW of a runtime error is hex');
      assert.deepEqual((JSON.parse(Buffer.from(String(runtime.DATA_ROW), 'hex').toString()) as unknown[]).slice(0, 2), ['AB', 1.5]);
      assert.match(String(runtime.MESSAGE), /AB/);
      assert.equal(runtime.PUMP_NAME, 'P');
      const recent = h.service.host.stats(app)!.recentErrors;
      assert.equal(recent.length, 2);
      for (const e of recent) assert.match(String(e.DATA_ROW), /^[0-9a-f]+$/);
    } finally {
      await h.close();
    }
  });
});
