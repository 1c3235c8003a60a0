import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { KinesisClient, CreateStreamCommand, PutRecordsCommand, PutRecordCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand, PutRecordCommand as FhPutRecord } from '@aws-sdk/client-firehose';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startHarness, listFiles, readObject, s3Dest, enc, ROLE } from './helpers.ts';
import type { Harness } from './helpers.ts';

const require = createRequire(import.meta.url);
const agg = require('aws-kinesis-agg') as {
  aggregate(
    records: { partitionKey: string; data: Buffer }[],
    onEncoded: (r: { partitionKey: string; data: Buffer }, cb: (err?: Error) => void) => void,
    after: () => void,
    onError: (e: Error) => void,
  ): void;
};

function aggregate(records: { partitionKey: string; data: Buffer }[]): Promise<{ partitionKey: string; data: Buffer }[]> {
  return new Promise((resolve, reject) => {
    const out: { partitionKey: string; data: Buffer }[] = [];
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

describe('KinesisStreamAsSource', () => {
  let h: Harness;
  let kinesis: KinesisClient;
  before(async () => {
    h = await startHarness();
    kinesis = new KinesisClient({
      endpoint: h.server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }) }),
    });
  });
  after(async () => {
    kinesis.destroy();
    await h.close();
  });

  it('delivers records put after creation (LATEST), de-aggregating KPL records, and refuses PutRecord', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'src', ShardCount: 2 }));
    await h.tick(1000);
    await kinesis.send(new PutRecordCommand({ StreamName: 'src', PartitionKey: 'early', Data: enc('before creation\n') }));
    await h.client.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'from-kinesis',
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: { KinesisStreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/src', RoleARN: ROLE },
        ExtendedS3DestinationConfiguration: s3Dest('bkt-kin', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 } }) as never,
      }),
    );
    await h.tick(1000, 'from-kinesis');
    const d = (await h.client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'from-kinesis' }))).DeliveryStreamDescription!;
    assert.equal(d.DeliveryStreamType, 'KinesisStreamAsSource');
    assert.equal(d.Source?.KinesisStreamSourceDescription?.KinesisStreamARN, 'arn:aws:kinesis:us-east-1:000000000000:stream/src');
    await assert.rejects(h.client.send(new FhPutRecord({ DeliveryStreamName: 'from-kinesis', Record: { Data: enc('x') } })), {
      name: 'InvalidArgumentException',
    });

    await kinesis.send(
      new PutRecordsCommand({ StreamName: 'src', Records: Array.from({ length: 10 }, (_, i) => ({ PartitionKey: `k${i}`, Data: enc(`plain ${i}\n`) })) }),
    );
    const aggregated = await aggregate(Array.from({ length: 5 }, (_, i) => ({ partitionKey: `u${i}`, data: Buffer.from(`user ${i}\n`) })));
    assert.equal(aggregated.length, 1);
    await kinesis.send(new PutRecordCommand({ StreamName: 'src', PartitionKey: aggregated[0]!.partitionKey, Data: new Uint8Array(aggregated[0]!.data) }));
    await h.tick(60_000, 'from-kinesis');
    await h.tick(60_000, 'from-kinesis');
    const root = join(h.dir, 's3', 'bkt-kin');
    const files = await listFiles(root);
    assert.ok(files.length >= 1);
    let text = '';
    for (const f of files) text += (await readObject(root, f)).toString();
    const lines = text.split('\n').filter(Boolean).sort();
    const expected = [...Array.from({ length: 10 }, (_, i) => `plain ${i}`), ...Array.from({ length: 5 }, (_, i) => `user ${i}`)].sort();
    assert.deepEqual(lines, expected);
  });

  it('rejects a source stream that does not exist', async () => {
    await assert.rejects(
      h.client.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'from-nowhere',
          DeliveryStreamType: 'KinesisStreamAsSource',
          KinesisStreamSourceConfiguration: { KinesisStreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/missing', RoleARN: ROLE },
          ExtendedS3DestinationConfiguration: s3Dest('b') as never,
        }),
      ),
      { name: 'InvalidArgumentException' },
    );
  });

  it('waits for a source stream that is still CREATING', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'late', ShardCount: 1 }));
    await h.client.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'from-late',
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: { KinesisStreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/late', RoleARN: ROLE },
        ExtendedS3DestinationConfiguration: s3Dest('bkt-late', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 } }) as never,
      }),
    );
    await h.tick(1000, 'from-late');
    await kinesis.send(new PutRecordCommand({ StreamName: 'late', PartitionKey: 'p', Data: enc('after active\n') }));
    await h.tick(60_000, 'from-late');
    await h.tick(60_000, 'from-late');
    const root = join(h.dir, 's3', 'bkt-late');
    const files = await listFiles(root);
    assert.equal(files.length, 1);
    assert.equal((await readObject(root, files[0]!)).toString(), 'after active\n');
  });

  it('follows the child shards of a split', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'splitting', ShardCount: 1 }));
    await h.tick(1000);
    await h.client.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'from-split',
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: { KinesisStreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/splitting', RoleARN: ROLE },
        ExtendedS3DestinationConfiguration: s3Dest('bkt-split', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 } }) as never,
      }),
    );
    await h.tick(1000, 'from-split');
    await kinesis.send(new PutRecordCommand({ StreamName: 'splitting', PartitionKey: 'p', Data: enc('parent\n') }));
    await kinesis.send(new SplitShardCommand({ StreamName: 'splitting', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (2n ** 127n).toString() }));
    await h.tick(1000, 'from-split');
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'splitting',
        Records: Array.from({ length: 20 }, (_, i) => ({ PartitionKey: `key-${i}`, Data: enc(`child ${i}\n`) })),
      }),
    );
    await h.tick(10_000, 'from-split');
    await h.tick(60_000, 'from-split');
    await h.tick(60_000, 'from-split');
    const root = join(h.dir, 's3', 'bkt-split');
    let text = '';
    for (const f of await listFiles(root)) text += (await readObject(root, f)).toString();
    const lines = text.split('\n').filter(Boolean).sort();
    assert.deepEqual(lines, ['parent', ...Array.from({ length: 20 }, (_, i) => `child ${i}`)].sort());
  });
});
