import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { CreateDeliveryStreamCommand, PutRecordBatchCommand, DescribeDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import { startHarness, listFiles, readObject, enc, ROLE } from './helpers.ts';
import type { Harness } from './helpers.ts';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: { requestId: string; timestamp: number; records: { data: string }[] };
}

/** A Firehose HTTP endpoint: answers per `mode`, records what it received. */
class Endpoint {
  received: Received[] = [];
  mode: 'ok' | 'error' | 'wrong-id' = 'ok';
  failuresLeft = 0;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let raw = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
        const body = JSON.parse(raw.toString()) as Received['body'];
        this.received.push({ headers: req.headers, body });
        const fail = this.mode === 'error' || this.failuresLeft > 0;
        if (this.failuresLeft > 0) this.failuresLeft--;
        if (fail) {
          res.writeHead(503);
          res.end('{"errorMessage":"busy"}');
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ requestId: this.mode === 'wrong-id' ? 'other' : body.requestId, timestamp: Date.now() }));
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/ingest`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

describe('HTTP endpoint destination', () => {
  let h: Harness;
  const ep = new Endpoint();
  before(async () => {
    await ep.start();
    h = await startHarness();
  });
  after(async () => {
    await h.close();
    await ep.stop();
  });

  async function create(name: string, extra: Record<string, unknown> = {}): Promise<void> {
    await h.client.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: name,
        HttpEndpointDestinationConfiguration: {
          EndpointConfiguration: { Url: ep.url, Name: 'test endpoint', AccessKey: 'secret-key' },
          BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
          RequestConfiguration: { ContentEncoding: 'GZIP', CommonAttributes: [{ AttributeName: 'env', AttributeValue: 'test' }] },
          RetryOptions: { DurationInSeconds: 30 },
          S3BackupMode: 'FailedDataOnly',
          S3Configuration: {
            BucketARN: `arn:aws:s3:::backup-${name}`,
            RoleARN: ROLE,
            ErrorOutputPrefix: 'failed/!{firehose:error-output-type}/',
            Prefix: 'raw/!{timestamp:yyyy}/',
          },
          ...extra,
        } as never,
      }),
    );
    await h.tick(1000, name);
  }

  it('POSTs the Firehose request shape with its headers and gzip, and describes the destination without the access key', async () => {
    ep.mode = 'ok';
    ep.received = [];
    await create('http-ok');
    const d = (await h.client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'http-ok' }))).DeliveryStreamDescription!;
    const hd = d.Destinations![0]!.HttpEndpointDestinationDescription!;
    assert.deepEqual(hd.EndpointConfiguration, { Url: ep.url, Name: 'test endpoint' });
    assert.equal(hd.RetryOptions?.DurationInSeconds, 30);
    const payloads = ['{"a":1}', 'two', 'three'];
    await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'http-ok', Records: payloads.map((p) => ({ Data: enc(p) })) }));
    await h.tick(60_000, 'http-ok');
    assert.equal(ep.received.length, 1);
    const r = ep.received[0]!;
    assert.equal(r.headers['x-amz-firehose-protocol-version'], '1.0');
    assert.equal(r.headers['x-amz-firehose-request-id'], r.body.requestId);
    assert.equal(r.headers['x-amz-firehose-access-key'], 'secret-key');
    assert.equal(r.headers['x-amz-firehose-source-arn'], 'arn:aws:firehose:us-east-1:000000000000:deliverystream/http-ok');
    assert.deepEqual(JSON.parse(String(r.headers['x-amz-firehose-common-attributes'])), { commonAttributes: { env: 'test' } });
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.equal(typeof r.body.timestamp, 'number');
    assert.deepEqual(
      r.body.records.map((x) => Buffer.from(x.data, 'base64').toString()),
      payloads,
    );
    const m = h.engine.metrics('http-ok');
    assert.equal(m['DeliveryToHttpEndpoint.Records'], 3);
    assert.equal(m['DeliveryToHttpEndpoint.Success'], 1);
  });

  it('retries an outage with backoff on the clock, keeping the request id, and delivers once', async () => {
    ep.mode = 'ok';
    ep.received = [];
    ep.failuresLeft = 3;
    await create('http-retry');
    await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'http-retry', Records: [{ Data: enc('x') }] }));
    await h.tick(60_000, 'http-retry');
    assert.equal(ep.received.length, 1);
    // Backoff 1 s, 2 s, 4 s (±20% jitter): nothing is sent before the delay has passed.
    await h.tick(700, 'http-retry');
    assert.equal(ep.received.length, 1);
    for (let i = 0; i < 20 && ep.received.length < 4; i++) await h.tick(500, 'http-retry');
    assert.equal(ep.received.length, 4);
    assert.equal(new Set(ep.received.map((r) => r.body.requestId)).size, 1, 'same request id on every retry');
    assert.equal(new Set(ep.received.map((r) => r.headers['x-amz-firehose-request-id'])).size, 1);
    assert.equal(new Set(ep.received.map((r) => r.body.timestamp)).size, 1, 'same request body on every retry');
    await h.tick(10_000, 'http-retry');
    assert.equal(ep.received.length, 4, 'delivered exactly once after success');
    const m = h.engine.metrics('http-retry');
    assert.equal(m['DeliveryToHttpEndpoint.Records'], 1);
    assert.equal(m['DeliveryToHttpEndpoint.Success'], 0.25);
    assert.equal(m.DeliveryRetries, 3);
  });

  it('gives up after RetryOptions.DurationInSeconds and backs the records up under http-endpoint-failed', async () => {
    ep.mode = 'wrong-id';
    ep.received = [];
    await create('http-fail');
    await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'http-fail', Records: [{ Data: enc('lost?') }, { Data: enc('not lost') }] }));
    await h.tick(60_000, 'http-fail');
    for (let i = 0; i < 40; i++) await h.tick(2_000, 'http-fail');
    assert.ok(ep.received.length >= 4, `attempts: ${ep.received.length}`);
    const root = join(h.dir, 's3', 'backup-http-fail');
    const files = await listFiles(root);
    assert.equal(files.length, 1, files.join(','));
    assert.match(files[0]!, /^failed\/http-endpoint-failed\/http-fail-1-/);
    const lines = (await readObject(root, files[0]!))
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => Buffer.from(l.rawData, 'base64').toString()),
      ['lost?', 'not lost'],
    );
    assert.equal(lines[0].errorCode, 'HttpEndpoint.InvalidResponseFromDestination');
    assert.equal(lines[0].attemptsMade, ep.received.length);
  });

  it('AllData backs every record up to S3 as well', async () => {
    ep.mode = 'ok';
    ep.received = [];
    await create('http-all', { S3BackupMode: 'AllData' });
    await h.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'http-all', Records: [{ Data: enc('a\n') }, { Data: enc('b\n') }] }));
    await h.tick(60_000, 'http-all');
    assert.equal(ep.received.length, 1);
    const root = join(h.dir, 's3', 'backup-http-all');
    const files = await listFiles(root);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^raw\/2021\/http-all-1-/);
    assert.equal((await readObject(root, files[0]!)).toString(), 'a\nb\n');
  });
});
