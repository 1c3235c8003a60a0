import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { KinesisClient, CreateStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreateDeliveryStreamCommand, PutRecordBatchCommand, DescribeDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import type { FirehoseOptions } from '../../src/firehose/index.ts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ManualClock } from '../../src/core/index.ts';
import { FileStorage } from '../../src/storage/index.ts';
import { startHarness, listFiles, readObject, s3Dest, enc, ROLE, START_MS } from './helpers.ts';

describe('restart on the same data dir', () => {
  it('resumes from the checkpoint: buffered records are delivered, delivered ones are not re-delivered (DirectPut and Kinesis source)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'freshet-fh-restart-'));
    const clock = new ManualClock(START_MS);
    const open = () => startHarness({ dir, clock, storage: new FileStorage({ dataDir: dir, fsync: { kind: 'always' }, clock }) });
    try {
      let h = await open();
      const kinesis = (url: string) =>
        new KinesisClient({
          endpoint: url,
          region: 'us-east-1',
          credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
          requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }) }),
        });
      let k = kinesis(h.server.url);
      await k.send(new CreateStreamCommand({ StreamName: 'src', ShardCount: 1 }));
      await h.tick(1000);
      await h.client.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'direct',
          ExtendedS3DestinationConfiguration: s3Dest('b-direct', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 } }) as never,
        }),
      );
      await h.client.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'fromk',
          DeliveryStreamType: 'KinesisStreamAsSource',
          KinesisStreamSourceConfiguration: { KinesisStreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/src', RoleARN: ROLE },
          ExtendedS3DestinationConfiguration: s3Dest('b-fromk', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 } }) as never,
        }),
      );
      await h.tick(1000, 'direct', 'fromk');
      await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'direct', Records: [{ Data: enc('d1\n') }] }));
      await k.send(new PutRecordsCommand({ StreamName: 'src', Records: [{ PartitionKey: 'p', Data: enc('k1\n') }] }));
      await h.tick(60_000, 'direct', 'fromk');
      // Buffered but not yet due when the server stops.
      await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'direct', Records: [{ Data: enc('d2\n') }] }));
      await k.send(new PutRecordsCommand({ StreamName: 'src', Records: [{ PartitionKey: 'p', Data: enc('k2\n') }] }));
      await h.settle('direct', 'fromk');
      k.destroy();
      await h.close();

      h = await open();
      k = kinesis(h.server.url);
      await k.send(new PutRecordsCommand({ StreamName: 'src', Records: [{ PartitionKey: 'p', Data: enc('k3\n') }] }));
      await h.tick(60_000, 'direct', 'fromk');
      await h.tick(60_000, 'direct', 'fromk');
      const read = async (bucket: string) => {
        const root = join(dir, 's3', bucket);
        let t = '';
        for (const f of await listFiles(root)) t += (await readObject(root, f)).toString();
        return t.split('\n').filter(Boolean).sort();
      };
      assert.deepEqual(await read('b-direct'), ['d1', 'd2']);
      assert.deepEqual(await read('b-fromk'), ['k1', 'k2', 'k3']);
      k.destroy();
      await h.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps a stream whose configuration no longer runs: described with FailureDescription, records kept and delivered once fixed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'freshet-fh-broken-'));
    const clock = new ManualClock(START_MS);
    const tables = { 'db.t': [{ name: 'a', type: 'int' }] };
    const open = (firehose: FirehoseOptions) =>
      startHarness({ dir, clock, firehose, storage: new FileStorage({ dataDir: dir, fsync: { kind: 'always' }, clock }) });
    try {
      let h = await open({ tables });
      await h.client.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'pq',
          ExtendedS3DestinationConfiguration: s3Dest('b-pq', {
            BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
            DataFormatConversionConfiguration: {
              Enabled: true,
              SchemaConfiguration: { DatabaseName: 'db', TableName: 't', RoleARN: ROLE },
              OutputFormatConfiguration: { Serializer: { ParquetSerDe: {} } },
            },
          }) as never,
        }),
      );
      await h.tick(1000, 'pq');
      await h.close();

      h = await open({});
      const d = (await h.client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'pq' }))).DeliveryStreamDescription!;
      assert.equal(d.FailureDescription?.Type, 'UNKNOWN_ERROR');
      assert.match(d.FailureDescription!.Details!, /No table schema declared for db\.t/);
      await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'pq', Records: [{ Data: enc('{"a":1}') }] }));
      await h.tick(60_000, 'pq');
      assert.deepEqual(await listFiles(join(dir, 's3', 'b-pq')), []);
      await h.close();

      h = await open({ tables });
      await h.tick(60_000, 'pq');
      assert.equal((await listFiles(join(dir, 's3', 'b-pq'))).length, 1);
      await h.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
