import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient, waitForStreamActive } from '../../src/pipeline/index.ts';
import { startServer } from '../../src/server/index.ts';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('GET /health, /ready and /', () => {
  it('answers /health at once and /ready only after a large data dir is recovered', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'freshet-health-'));
    try {
      // A data dir worth recovering: many segments' worth of records in several streams.
      const first = await startServer({ port: 0, dataDir, fsync: { kind: 'never' }, pg: false });
      const client = kinesisClient({ endpoint: first.url });
      const payload = new Uint8Array(1000).fill(65);
      for (let s = 0; s < 2; s++) {
        await client.send(new CreateStreamCommand({ StreamName: `h${s}`, ShardCount: 2 }));
        await waitForStreamActive(client, `h${s}`);
        for (let b = 0; b < 10; b++) {
          await client.send(
            new PutRecordsCommand({ StreamName: `h${s}`, Records: Array.from({ length: 500 }, (_, i) => ({ Data: payload, PartitionKey: `k${i}` })) }),
          );
        }
      }
      client.destroy();
      await first.close();

      const port = await freePort();
      const starting = startServer({ port, dataDir, pg: false });
      const seen = { health: new Set<number>(), ready: new Set<number>() };
      // An AWS request sent while the server starts waits for it, then is answered.
      let early: Promise<Response> | undefined;
      let readyBody: { ready: boolean; storage: string } | undefined;
      let started = false;
      void starting.then(() => {
        started = true;
      });
      while (!started) {
        try {
          const h = await fetch(`http://127.0.0.1:${port}/health`);
          seen.health.add(h.status);
          await h.arrayBuffer();
          const r = await fetch(`http://127.0.0.1:${port}/ready`);
          seen.ready.add(r.status);
          const body = (await r.json()) as { ready: boolean; storage: string };
          if (r.status === 503) readyBody = body;
          early ??= fetch(`http://127.0.0.1:${port}/`, {
            method: 'POST',
            headers: {
              'x-amz-target': 'Kinesis_20131202.ListStreams',
              'content-type': 'application/x-amz-json-1.1',
              'x-amz-date': '20260101T000000Z',
              authorization: 'AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
            },
            body: '{}',
          });
        } catch {
          // not listening yet
        }
      }
      const server = await starting;
      try {
        assert.deepEqual([...seen.health], [200], 'liveness is 200 throughout');
        assert.ok(seen.ready.has(503), `/ready answered ${[...seen.ready]} during recovery`);
        assert.equal(readyBody?.ready, false);
        assert.match(readyBody?.storage ?? '', /^(opening|recovering|recovered)$/);
        assert.ok(early, 'an AWS request was sent while starting');
        const answered = await early;
        assert.equal(answered.status, 200, await answered.clone().text());
        assert.deepEqual(((await answered.json()) as { StreamNames: string[] }).StreamNames, ['h0', 'h1']);
        const ready = await fetch(`${server.url}/ready`);
        assert.equal(ready.status, 200);
        assert.deepEqual(await ready.json(), {
          ready: true,
          storage: 'recovered',
          services: ['monitoring', 'logs', 'kinesis', 'firehose', 'kinesisanalytics', 'sqs', 'lambda', 'kinesisanalytics', 'lookoutmetrics', 'iam', 'sts'],
        });
        const index = await fetch(`${server.url}/`);
        assert.equal(index.status, 200);
        const body = (await index.json()) as { name: string; services: Array<{ name: string }> };
        assert.equal(body.name, 'freshet');
        assert.deepEqual(
          body.services.map((s) => s.name),
          ['monitoring', 'logs', 'kinesis', 'firehose', 'kinesisanalytics', 'sqs', 'lambda', 'kinesisanalytics', 'lookoutmetrics', 'iam', 'sts'],
        );
      } finally {
        await server.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('redirects GET / to the console when one is mounted', async () => {
    const server = await startServer({
      port: 0,
      storage: 'memory',
      pg: false,
      httpRoutes: [{ method: 'GET', path: '/console', prefix: true, handle: (_req, res) => void res.end('console') }],
    });
    try {
      const res = await fetch(`${server.url}/`, { redirect: 'manual' });
      assert.equal(res.status, 302);
      assert.equal(res.headers.get('location'), '/console/');
    } finally {
      await server.close();
    }
  });

  it('creates nothing in a new data dir when the port is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    const dataDir = join(mkdtempSync(join(tmpdir(), 'freshet-busy-')), 'data');
    try {
      await assert.rejects(startServer({ port, dataDir, pg: false }), { code: 'EADDRINUSE' });
      const { existsSync } = await import('node:fs');
      assert.equal(existsSync(dataDir), false);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});
