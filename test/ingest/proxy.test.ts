/**
 * The HTTP ingest proxy on a real server: routes managed through
 * /freshet/ingest-routes, records written with PUT/POST and read back with
 * @aws-sdk/client-kinesis (data, partition keys, order), API keys, batches,
 * the errors a client sees, and routes surviving a restart.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let n = 0;
const unique = (p: string) => `${p}-${process.pid}-${n++}`;

async function putRoute(server: FreshetServer, spec: Record<string, unknown>): Promise<Response> {
  return fetch(`${server.url}/freshet/ingest-routes/${spec.name as string}`, { method: 'PUT', body: JSON.stringify(spec) });
}

async function readAll(kinesis: KinesisClient, stream: string): Promise<Array<{ key: string; data: string; seq: string }>> {
  const out: Array<{ key: string; data: string; seq: string }> = [];
  const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
  for (const s of Shards ?? []) {
    const { ShardIterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: s.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
    const { Records } = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
    for (const r of Records ?? []) out.push({ key: r.PartitionKey!, data: Buffer.from(r.Data!).toString(), seq: r.SequenceNumber! });
  }
  return out;
}

describe('HTTP ingest proxy', () => {
  let server: FreshetServer;
  let kinesis: KinesisClient;
  before(async () => {
    server = await startServer({ port: 0, storage: 'memory', createDelayMs: 0 });
    kinesis = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  });
  after(async () => {
    kinesis.destroy();
    await server.close();
  });

  const stream = async (shards = 2) => {
    const name = unique('ingest');
    await server.kinesis.createStream(name, { shardCount: shards });
    await server.kinesis.whenActive(name);
    return name;
  };

  it('writes a PUT body as one record keyed by a JSON field and answers with its sequence number and shard', async () => {
    const name = await stream();
    const route = unique('r');
    assert.equal((await putRoute(server, { name: route, path: `/ingest/${route}`, stream: name, partitionKey: { field: 'device.id' } })).status, 200);
    const body = JSON.stringify({ device: { id: 42 }, temperature: 21.5 });
    const res = await fetch(`${server.url}/ingest/${route}`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body });
    assert.equal(res.status, 200);
    const answer = (await res.json()) as { SequenceNumber: string; ShardId: string };
    assert.match(answer.SequenceNumber, /^\d{56}$/);
    assert.match(answer.ShardId, /^shardId-\d{12}$/);
    const records = await readAll(kinesis, name);
    assert.deepEqual(records, [{ key: '42', data: body, seq: answer.SequenceNumber }]);
  });

  it('takes the stream from {stream}, the key from a header, and writes a JSON array body as a batch in order', async () => {
    const name = await stream(1);
    const route = unique('r');
    await putRoute(server, { name: route, path: `/ingest/${route}/{stream}`, partitionKey: { header: 'X-Partition-Key' } });
    const items = [{ n: 1 }, { n: 2 }, { n: 3 }];
    const res = await fetch(`${server.url}/ingest/${route}/${name}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Partition-Key': 'user-7' },
      body: JSON.stringify(items),
    });
    assert.equal(res.status, 200);
    const answer = (await res.json()) as { FailedRecordCount: number; Records: Array<{ SequenceNumber: string }> };
    assert.equal(answer.FailedRecordCount, 0);
    assert.equal(answer.Records.length, 3);
    const records = await readAll(kinesis, name);
    assert.deepEqual(
      records.map((r) => [r.key, r.data, r.seq]),
      items.map((item, i) => ['user-7', JSON.stringify(item), answer.Records[i]!.SequenceNumber]),
    );
  });

  it('writes JSON lines as a batch (split over PutRecords calls past 500 records) with random keys when none is configured', async () => {
    const name = await stream(4);
    const route = unique('r');
    await putRoute(server, { name: route, path: `/ingest/${route}`, stream: name });
    const lines = Array.from({ length: 1200 }, (_, i) => JSON.stringify({ i }));
    const res = await fetch(`${server.url}/ingest/${route}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/x-ndjson' },
      body: `${lines.join('\r\n')}\n\n`,
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { Records: unknown[] }).Records.length, 1200);
    const records = await readAll(kinesis, name);
    assert.equal(records.length, 1200);
    assert.deepEqual(new Set(records.map((r) => r.data)), new Set(lines));
    assert.ok(new Set(records.map((r) => r.key)).size > 1000, 'random partition keys spread the records');
    assert.equal(new Set(records.map((r) => r.key.length)).size, 1);
  });

  it('writes a non-JSON body as-is (an array under another content type is one record)', async () => {
    const name = await stream(1);
    const route = unique('r');
    await putRoute(server, { name: route, path: `/ingest/${route}`, stream: name, partitionKey: { header: 'x-key' } });
    const res = await fetch(`${server.url}/ingest/${route}`, { method: 'PUT', headers: { 'Content-Type': 'text/plain', 'x-key': 'k' }, body: '[1,2]' });
    assert.equal(res.status, 200);
    assert.deepEqual(
      (await readAll(kinesis, name)).map((r) => r.data),
      ['[1,2]'],
    );
  });

  it('answers 403 Forbidden without the route API key, and writes with it', async () => {
    const name = await stream(1);
    const route = unique('r');
    await putRoute(server, { name: route, path: `/ingest/${route}`, stream: name, apiKey: 'let-me-in-please' });
    for (const headers of [{}, { 'x-api-key': 'wrong-key-of-same' }] as Record<string, string>[]) {
      const res = await fetch(`${server.url}/ingest/${route}`, { method: 'PUT', headers, body: 'x' });
      assert.equal(res.status, 403);
      assert.deepEqual(await res.json(), { message: 'Forbidden' });
    }
    const ok = await fetch(`${server.url}/ingest/${route}`, { method: 'PUT', headers: { 'x-api-key': 'let-me-in-please' }, body: 'x' });
    assert.equal(ok.status, 200);
    assert.equal((await readAll(kinesis, name)).length, 1);
    const listedRoute = (await (await fetch(`${server.url}/freshet/ingest-routes/${route}`)).json()) as Record<string, unknown>;
    assert.equal(listedRoute.apiKey, undefined, 'the key itself is never listed');
    assert.match(String(listedRoute.apiKeySha256), /^[0-9a-f]{64}$/);
  });

  it('answers with a message saying the fix: unknown path, wrong method, missing key field or header, empty body, unknown stream', async () => {
    const name = await stream(1);
    const route = unique('r');
    await putRoute(server, { name: route, path: `/ingest/${route}`, stream: name, partitionKey: { field: 'id' }, methods: ['PUT'] });
    const call = async (path: string, init: RequestInit) => {
      const res = await fetch(`${server.url}${path}`, init);
      return { status: res.status, body: (await res.json()) as { message: string; __type?: string } };
    };
    let r = await call('/ingest/nowhere', { method: 'PUT', body: '{}' });
    assert.equal(r.status, 404);
    assert.match(r.body.message, /No ingest route serves \/ingest\/nowhere/);
    const templated = unique('r');
    await putRoute(server, { name: templated, path: `/ingest/${templated}/{stream}` });
    r = await call(`/ingest/${templated}/%E0%A4%A`, { method: 'PUT', body: '{}' });
    assert.equal(r.status, 404, 'a malformed escape names no stream');
    r = await call(`/ingest/${route}`, { method: 'POST', body: '{"id":1}' });
    assert.equal(r.status, 405);
    assert.match(r.body.message, /send PUT/);
    r = await call(`/ingest/${route}`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{"other":1}' });
    assert.equal(r.status, 400);
    assert.match(r.body.message, /no field id/);
    r = await call(`/ingest/${route}`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '[{"id":1},{"x":2}]' });
    assert.equal(r.status, 400);
    assert.match(r.body.message, /^record 1 has no field id/);
    r = await call(`/ingest/${route}`, { method: 'PUT', body: 'not json' });
    assert.equal(r.status, 400);
    assert.match(r.body.message, /not JSON/);
    r = await call(`/ingest/${route}`, { method: 'PUT', body: '' });
    assert.equal(r.status, 400);
    assert.match(r.body.message, /Empty body/);
    assert.equal((await readAll(kinesis, name)).length, 0, 'a rejected batch writes nothing');

    const headerRoute = unique('r');
    await putRoute(server, { name: headerRoute, path: `/ingest/${headerRoute}/{stream}`, partitionKey: { header: 'X-Device' } });
    r = await call(`/ingest/${headerRoute}/${name}`, { method: 'PUT', body: 'x' });
    assert.equal(r.status, 400);
    assert.match(r.body.message, /Missing header x-device/);
    r = await call(`/ingest/${headerRoute}/no-such-stream`, { method: 'PUT', headers: { 'X-Device': 'd' }, body: 'x' });
    assert.equal(r.status, 400);
    assert.equal(r.body.__type, 'ResourceNotFoundException');
    assert.match(r.body.message, /no-such-stream/);
  });

  it('rejects invalid route specs and a second route on a taken path, and deletes routes', async () => {
    const route = unique('r');
    const bad = [
      [{ name: route, path: '/other/x', stream: 's' }, /must start with \/ingest\//],
      [{ name: route, path: `/ingest/${route}` }, /stream: required/],
      [{ name: route, path: `/ingest/{stream}`, stream: 's' }, /already takes the stream/],
      [{ name: route, path: `/ingest/${route}`, stream: 's', partitionKey: { column: 'x' } }, /partitionKey:/],
      [{ name: route, path: `/ingest/${route}`, stream: 's', apiKey: 'short' }, /apiKey/],
      [{ name: route, path: `/ingest/${route}`, stream: 's', colour: 'red' }, /unknown field 'colour'/],
    ] as const;
    for (const [spec, message] of bad) {
      const res = await putRoute(server, spec);
      assert.equal(res.status, 400, JSON.stringify(spec));
      assert.match(((await res.json()) as { message: string }).message, message);
    }
    assert.equal((await putRoute(server, { name: route, path: `/ingest/${route}`, stream: 's' })).status, 200);
    const clash = await putRoute(server, { name: unique('r'), path: `/ingest/${route}`, stream: 't' });
    assert.equal(clash.status, 409);
    assert.match(((await clash.json()) as { message: string }).message, new RegExp(`already served by ingest route ${route}`));
    const list = (await (await fetch(`${server.url}/freshet/ingest-routes`)).json()) as { routes: Array<{ name: string }> };
    assert.ok(list.routes.some((r) => r.name === route));
    assert.equal((await fetch(`${server.url}/freshet/ingest-routes/${route}`, { method: 'DELETE' })).status, 200);
    assert.equal((await fetch(`${server.url}/freshet/ingest-routes/${route}`)).status, 404);
    assert.equal((await fetch(`${server.url}/ingest/${route}`, { method: 'PUT', body: 'x' })).status, 404);
  });
});

describe('HTTP ingest routes across a restart', () => {
  it('serves the routes it was given after the server restarts on the same data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'freshet-ingest-'));
    try {
      let server = await startServer({ port: 0, dataDir, fsync: { kind: 'never' }, createDelayMs: 0 });
      await server.kinesis.createStream('kept', { shardCount: 1 });
      await server.kinesis.whenActive('kept');
      assert.equal((await putRoute(server, { name: 'kept', path: '/ingest/kept', stream: 'kept' })).status, 200);
      await server.close();
      server = await startServer({ port: 0, dataDir, fsync: { kind: 'never' }, createDelayMs: 0 });
      try {
        const res = await fetch(`${server.url}/ingest/kept`, { method: 'PUT', body: 'after restart' });
        assert.equal(res.status, 200);
        const reader = await server.kinesis.openShardReader('kept', 'shardId-000000000000', { type: 'TRIM_HORIZON' });
        const { records } = await reader.read(10);
        assert.deepEqual(
          records.map((r) => Buffer.from(r.data).toString()),
          ['after restart'],
        );
      } finally {
        await server.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
