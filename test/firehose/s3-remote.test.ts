import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { S3Client, ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';
import { CreateDeliveryStreamCommand, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { decompress } from '../../src/firehose/index.ts';
import { startHarness, s3Dest, enc } from './helpers.ts';
import type { Harness } from './helpers.ts';

const require = createRequire(import.meta.url);
interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
const S3rver = require('s3rver') as new (o: Record<string, unknown>) => S3rverInstance;

describe('S3-compatible remote bucket (s3rver)', () => {
  let h: Harness;
  let s3dir: string;
  let s3: S3rverInstance;
  let port: number;
  let reader: S3Client;

  async function startS3(p = 0): Promise<void> {
    s3 = new S3rver({
      port: p,
      address: '127.0.0.1',
      silent: true,
      directory: s3dir,
      configureBuckets: [{ name: 'remote-bucket' }],
      allowMismatchedSignatures: true,
    });
    port = (await s3.run()).port;
  }

  before(async () => {
    s3dir = await mkdtemp(join(tmpdir(), 'freshet-s3rver-'));
    await startS3();
    h = await startHarness({
      firehose: {
        buckets: {
          'my-firehose-bucket': {
            endpoint: `http://127.0.0.1:${port}`,
            region: 'us-east-1',
            forcePathStyle: true,
            credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
            remoteBucket: 'remote-bucket',
          },
        },
      },
    });
    reader = new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
  });
  after(async () => {
    reader.destroy();
    await h.close();
    await s3.close().catch(() => {});
    await rm(s3dir, { recursive: true, force: true });
  });

  async function keys(): Promise<string[]> {
    const res = await reader.send(new ListObjectsV2Command({ Bucket: 'remote-bucket' }));
    return (res.Contents ?? []).map((c) => c.Key!).sort();
  }
  async function body(key: string): Promise<Uint8Array> {
    const res = await reader.send(new GetObjectCommand({ Bucket: 'remote-bucket', Key: key }));
    return res.Body!.transformToByteArray();
  }

  it('writes GZIP objects to the mapped bucket with PutObject', async () => {
    await h.client.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'remote',
        ExtendedS3DestinationConfiguration: s3Dest('my-firehose-bucket', {
          Prefix: 'logs/',
          CompressionFormat: 'GZIP',
          BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
        }) as never,
      }),
    );
    await h.tick(1000, 'remote');
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i}\n`);
    await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'remote', Records: lines.map((l) => ({ Data: enc(l) })) }));
    await h.tick(60_000, 'remote');
    const k = await keys();
    assert.equal(k.length, 1);
    assert.match(k[0]!, /^logs\/2021\/01\/31\/\d\d\/remote-1-2021-01-31-\d\d-\d\d-\d\d-[0-9a-f-]{36}\.gz$/);
    assert.equal(new TextDecoder().decode(decompress('GZIP', await body(k[0]!))), lines.join(''));
  });

  it('retries while the S3 server is down and delivers once it is back', async () => {
    await s3.close();
    await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'remote', Records: [{ Data: enc('during outage\n') }] }));
    await h.tick(60_000, 'remote');
    for (let i = 0; i < 5; i++) await h.tick(5_000, 'remote');
    assert.ok(h.engine.metrics('remote').DeliveryRetries >= 3, 'attempts were retried');
    await startS3(port);
    for (let i = 0; i < 10 && (await keys()).length < 2; i++) await h.tick(30_000, 'remote');
    const k = await keys();
    assert.equal(k.length, 2);
    const texts = await Promise.all(k.map(async (key) => new TextDecoder().decode(decompress('GZIP', await body(key)))));
    assert.ok(texts.includes('during outage\n'));
    const m = h.engine.metrics('remote');
    assert.equal(m['DeliveryToS3.Records'], 101);
    assert.ok(m['DeliveryToS3.Success'] < 1);
  });
});
