import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { mkdir, writeFile, rm } from 'node:fs/promises';
import { CreateDeliveryStreamCommand, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { startHarness, listFiles, readObject, s3Dest, enc, ROLE } from './helpers.ts';
import type { Harness } from './helpers.ts';

describe('DataFreshness and the retry window', () => {
  let h: Harness;
  // Backoff capped at 1 h so that 24 h of clock pass in a few dozen retries.
  before(async () => {
    h = await startHarness({ firehose: { retry: { s3MaxDelayMs: 3_600_000 } } });
  });
  after(async () => {
    await h.close();
  });

  async function create(name: string, bucket: string): Promise<string> {
    await h.client.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: name,
        ExtendedS3DestinationConfiguration: s3Dest(bucket, { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 } }) as never,
      }),
    );
    await h.tick(1000, name);
    const root = join(h.dir, 's3', bucket);
    return root;
  }

  /** A regular file where the bucket directory should be: every write fails (works even as root). */
  async function breakBucket(root: string): Promise<void> {
    await mkdir(join(h.dir, 's3'), { recursive: true });
    await writeFile(root, 'not a directory');
  }

  const freshness = (name: string) => h.engine.metrics(name)['DeliveryToS3.DataFreshness'];

  it('DeliveryToS3.DataFreshness is the age of the oldest undelivered record: grows while the destination is down, 0 once delivered', async () => {
    const name = 'fresh-s3';
    const root = await create(name, 'bkt-fresh');
    assert.equal(freshness(name), 0);
    await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: [{ Data: enc('a\n') }] }));
    await h.tick(20_000, name);
    assert.equal(freshness(name), 20);
    await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: [{ Data: enc('b\n') }] }));
    await h.tick(10_000, name);
    assert.equal(freshness(name), 30, 'the oldest record counts, not the newest');
    await breakBucket(root);
    await h.tick(30_000, name); // the 60 s interval passes: the first attempt fails
    assert.ok(h.engine.metrics(name).DeliveryRetries >= 1);
    assert.equal(freshness(name), 60);
    await h.tick(120_000, name);
    assert.equal(freshness(name), 180, 'still growing during the outage');
    await rm(root);
    for (let i = 0; i < 10 && (await listFiles(root)).length === 0; i++) await h.tick(60_000, name);
    assert.equal((await readObject(root, (await listFiles(root))[0]!)).toString(), 'a\nb\n');
    assert.equal(freshness(name), 0);
    assert.equal(h.engine.metrics(name)['DeliveryToHttpEndpoint.DataFreshness'], 0);
  });

  it('gives up on an S3/directory destination after 24 h of failures: records dropped and counted, the stream delivers again', async () => {
    const name = 'giveup-s3';
    const root = await create(name, 'bkt-giveup');
    await breakBucket(root);
    await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: [{ Data: enc('lost 1\n') }, { Data: enc('lost 2\n') }] }));
    await h.tick(60_000, name);
    // 23 h: still retrying, nothing dropped.
    for (let i = 0; i < 23; i++) await h.tick(3_600_000, name);
    let m = h.engine.metrics(name);
    assert.equal(m.DroppedRecords, 0);
    assert.ok(m['DeliveryToS3.DataFreshness'] > 23 * 3600, `freshness ${m['DeliveryToS3.DataFreshness']}`);
    for (let i = 0; i < 3 && h.engine.metrics(name).DroppedRecords === 0; i++) await h.tick(3_600_000, name);
    m = h.engine.metrics(name);
    assert.equal(m.DroppedRecords, 2);
    assert.equal(m.DroppedBytes, 14);
    assert.equal(m['DeliveryToS3.Records'], 0);
    assert.equal(m['DeliveryToS3.DataFreshness'], 0);
    // The stream goes on: a later record is delivered, the dropped ones are not re-sent.
    await rm(root);
    await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: [{ Data: enc('later\n') }] }));
    await h.tick(60_000, name);
    const files = await listFiles(root);
    assert.equal(files.length, 1);
    assert.equal((await readObject(root, files[0]!)).toString(), 'later\n');
  });

  it('DeliveryToHttpEndpoint.DataFreshness grows while the endpoint fails and drops to 0 after delivery', async () => {
    let up = false;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        if (!up) {
          res.writeHead(503).end();
          return;
        }
        const id = (JSON.parse(body) as { requestId: string }).requestId;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ requestId: id, timestamp: Date.now() }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const name = 'fresh-http';
    try {
      await h.client.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: name,
          HttpEndpointDestinationConfiguration: {
            EndpointConfiguration: { Url: url, Name: 'fresh' },
            BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
            RetryOptions: { DurationInSeconds: 7200 },
            S3Configuration: { BucketARN: 'arn:aws:s3:::backup-fresh-http', RoleARN: ROLE },
          } as never,
        }),
      );
      await h.tick(1000, name);
      await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: [{ Data: enc('h\n') }] }));
      await h.tick(60_000, name);
      const m = () => h.engine.metrics(name);
      assert.equal(m()['DeliveryToHttpEndpoint.DataFreshness'], 60);
      assert.equal(m()['DeliveryToS3.DataFreshness'], 0);
      await h.tick(60_000, name);
      assert.equal(m()['DeliveryToHttpEndpoint.DataFreshness'], 120);
      up = true;
      for (let i = 0; i < 10 && m()['DeliveryToHttpEndpoint.Records'] === 0; i++) await h.tick(60_000, name);
      assert.equal(m()['DeliveryToHttpEndpoint.Records'], 1);
      assert.equal(m()['DeliveryToHttpEndpoint.DataFreshness'], 0);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
