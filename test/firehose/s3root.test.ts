import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { FirehoseClient, CreateDeliveryStreamCommand, PutRecordCommand } from '@aws-sdk/client-firehose';
import { ManualClock } from '../../src/core/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FirehoseService } from '../../src/firehose/index.ts';
import { listFiles, s3Dest, enc, START_MS } from './helpers.ts';

describe('embedded buckets without a data directory', () => {
  it('writes <s3Root>/<bucket>/<key> with memory storage', async () => {
    const root = await mkdtemp(join(tmpdir(), 'freshet-s3root-'));
    const clock = new ManualClock(START_MS);
    const server = await startServer({ port: 0, storage: 'memory', clock, firehose: { s3Root: root, createDelayMs: 0, logger: () => {} } });
    const client = new FirehoseClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    try {
      const engine = (server.services.find((s) => s.targetPrefix === 'Firehose_20150804') as FirehoseService).engine;
      await client.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'mem',
          ExtendedS3DestinationConfiguration: s3Dest('mem-bucket', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 } }) as never,
        }),
      );
      await client.send(new PutRecordCommand({ DeliveryStreamName: 'mem', Record: { Data: enc('x\n') } }));
      await engine.settled('mem');
      clock.advance(60_000);
      await engine.settled('mem');
      const files = await listFiles(join(root, 'mem-bucket'));
      assert.equal(files.length, 1);
      assert.equal(engine.bucketPath('mem-bucket'), join(root, 'mem-bucket'));
    } finally {
      client.destroy();
      await server.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
