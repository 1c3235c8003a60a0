/**
 * The console's server side: its routes on a real Freshet server (startServer with httpRoutes), called over
 * HTTP; AWS calls made with the AWS SDK.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreateApplicationCommand, KinesisAnalyticsClient } from '@aws-sdk/client-kinesis-analytics';
import pg from 'pg';
import { createConsole } from '../../src/console/index.ts';
import type { LiveSnapshot } from '../../src/console/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { waitForStreamActive } from '../../src/pipeline/index.ts';

const credentials = { accessKeyId: 'AKID', secretAccessKey: 'secret' };
const require = createRequire(import.meta.url);
const agg = require('aws-kinesis-agg') as {
  aggregate(
    records: Array<{ partitionKey: string; data: Buffer }>,
    onEncoded: (r: { partitionKey: string; data: Buffer }, cb: (err?: Error) => void) => void,
    after: () => void,
    onError: (e: Error) => void,
  ): void;
};

/** KPL-aggregates user records into one Kinesis record, as the KPL does. */
function aggregateOne(records: Array<{ partitionKey: string; data: Buffer }>): Promise<{ partitionKey: string; data: Buffer }> {
  return new Promise((resolve, reject) => {
    const out: Array<{ partitionKey: string; data: Buffer }> = [];
    agg.aggregate(
      records,
      (r, cb) => {
        out.push(r);
        cb();
      },
      () => (out.length === 1 ? resolve(out[0]!) : reject(new Error(`${out.length} aggregates`))),
      reject,
    );
  });
}

async function get(url: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const res = await fetch(url, { redirect: 'manual' });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

async function post(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

/** Reads Server-Sent Events until `count` events of `event` arrived; returns their data. */
function readEvents(url: string, event: string, count: number): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const got: unknown[] = [];
    const req = request(url, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const name = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (name === event && data !== undefined) got.push(JSON.parse(data));
          if (got.length === count) {
            req.destroy();
            resolve(got);
            return;
          }
        }
      });
    });
    req.on('error', (e) => (got.length === count ? undefined : reject(e)));
    req.end();
  });
}

describe('console routes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-console-api-'));
  const webConsole = createConsole();
  let server: FreshetServer;
  let kinesis: KinesisClient;
  let analytics: KinesisAnalyticsClient;

  before(async () => {
    server = await startServer({ port: 0, dataDir, fsync: { kind: 'never' }, httpRoutes: webConsole.routes });
    kinesis = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials });
    analytics = new KinesisAnalyticsClient({ endpoint: server.url, region: 'us-east-1', credentials });
  });

  after(async () => {
    kinesis.destroy();
    analytics.destroy();
    webConsole.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 on its API until attached to the server, and serves the page at once', async () => {
    const r = await get(`${server.url}/console/api/config`);
    assert.equal(r.status, 503);
    const page = await get(`${server.url}/console/`);
    assert.equal(page.status, 200);
    assert.match(page.body, /<script type="module" src="\/console\/assets\/app\.js">/);
    webConsole.attach({ kinesis: server.kinesis, services: server.services, dataDir, region: 'us-east-1' });
    const config = JSON.parse((await get(`${server.url}/console/api/config`)).body) as { region: string; auth: string; services: string[] };
    assert.equal(config.region, 'us-east-1');
    assert.equal(config.auth, 'open');
    assert.ok(config.services.includes('Kinesis_20131202') && config.services.includes('KinesisAnalytics_20150814'), config.services.join());
  });

  it('redirects /console to /console/ and refuses asset names that leave the assets folder', async () => {
    const r = await get(`${server.url}/console`);
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, '/console/');
    assert.equal((await get(`${server.url}/console/assets/..%2F..%2Fpackage.json`)).status, 404);
  });

  it('reports a syntax error with its line and column', async () => {
    const code = 'CREATE STREAM "OUT" ("a" INTEGER);\nCREATE PUMP "P" AS INSERT INTO "OUT" SELEC STREAM "a" FROM "IN";';
    const r = await post(`${server.url}/console/api/sql-check`, { code });
    assert.equal(r.status, 200);
    const { errors } = r.json as { errors: Array<{ line: number; column: number; message: string }> };
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.line, 2);
    assert.ok(errors[0]!.column > 1, `column ${errors[0]!.column}`);
  });

  it("checks names against an application's input schema when given the application", async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'console-api-in', ShardCount: 1 }));
    await waitForStreamActive(kinesis, 'console-api-in');
    await analytics.send(
      new CreateApplicationCommand({
        ApplicationName: 'console-api-app',
        Inputs: [
          {
            NamePrefix: 'SOURCE_SQL_STREAM',
            KinesisStreamsInput: { ResourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/console-api-in', RoleARN: 'arn:aws:iam::000000000000:role/r' },
            InputSchema: { RecordFormat: { RecordFormatType: 'JSON' }, RecordColumns: [{ Name: 'price', SqlType: 'DOUBLE', Mapping: '$.price' }] },
          },
        ],
      }),
    );
    const code = 'CREATE STREAM "OUT" ("p" DOUBLE);\nCREATE PUMP "P" AS INSERT INTO "OUT"\n  SELECT STREAM "prize" FROM "SOURCE_SQL_STREAM_001";';
    const withApp = (await post(`${server.url}/console/api/sql-check`, { code, application: 'console-api-app' })).json as {
      errors: Array<{ line: number; message: string }>;
    };
    assert.equal(withApp.errors.length, 1);
    assert.equal(withApp.errors[0]!.line, 3);
    assert.match(withApp.errors[0]!.message, /prize/);
    const syntaxOnly = (await post(`${server.url}/console/api/sql-check`, { code })).json as { errors: unknown[] };
    assert.deepEqual(syntaxOnly.errors, []);
    const ok = (await post(`${server.url}/console/api/sql-check`, { code: code.replace('prize', 'price'), application: 'console-api-app' })).json as {
      errors: unknown[];
    };
    assert.deepEqual(ok.errors, []);
  });

  it('refuses a check body that is not JSON with code', async () => {
    assert.equal((await post(`${server.url}/console/api/sql-check`, { code: 3 })).status, 400);
  });

  it('sends a snapshot at once and one a second with record counts and rates', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'console-api-live', ShardCount: 2 }));
    await waitForStreamActive(kinesis, 'console-api-live');
    const events = readEvents(`${server.url}/console/api/live`, 'snapshot', 2);
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'console-api-live',
        Records: Array.from({ length: 40 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from('x') })),
      }),
    );
    const [, second] = (await events) as LiveSnapshot[];
    const s = second!.streams.find((x) => x.name === 'console-api-live');
    assert.ok(s, 'the stream is in the snapshot');
    assert.equal(s.shards.length, 2);
    assert.equal(s.records, 40);
    assert.ok(s.rate > 0, `rate ${s.rate}`);
    assert.ok(second!.apps.some((a) => a.name === 'console-api-app' && a.status === 'READY' && a.inputs[0] === 'console-api-in'));
  });

  it('lists delivered objects newest first and serves their bytes, refusing keys outside the bucket', async () => {
    const dir = join(dataDir, 's3', 'console-bucket', 'a', 'b');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'one.json'), '{"x":1}\n');
    writeFileSync(join(dataDir, 'secret.txt'), 'no');
    const list = JSON.parse((await get(`${server.url}/console/api/objects?bucket=console-bucket`)).body) as { objects: Array<{ key: string; size: number }> };
    assert.deepEqual(
      list.objects.map((o) => [o.key, o.size]),
      [['a/b/one.json', 8]],
    );
    const obj = await get(`${server.url}/console/api/object?bucket=console-bucket&key=a/b/one.json`);
    assert.equal(obj.status, 200);
    assert.equal(obj.body, '{"x":1}\n');
    assert.equal((await get(`${server.url}/console/api/object?bucket=console-bucket&key=../../secret.txt`)).status, 400);
    assert.equal((await get(`${server.url}/console/api/objects?bucket=..`)).status, 400);
    assert.equal((await get(`${server.url}/console/api/object?bucket=console-bucket&key=a/none.json`)).status, 404);
  });

  it('decodes tail records on the server: JSON, text, binary as base64, and KPL aggregates into their user records', async () => {
    const aggregate = await aggregateOne([
      { partitionKey: 'user-a', data: Buffer.from('{ "n": 1 }') },
      { partitionKey: 'user-b', data: Buffer.from('plain two') },
    ]);
    const b64 = (b: Buffer) => b.toString('base64');
    const r = await post(`${server.url}/console/api/decode`, {
      records: [
        { data: b64(Buffer.from(' {"a": [1, 2]} ')), partitionKey: 'k', sequenceNumber: '1' },
        { data: b64(Buffer.from('hello')), partitionKey: 'k', sequenceNumber: '2' },
        { data: b64(Buffer.from([0xff, 0xfe, 0x00])), partitionKey: 'k', sequenceNumber: '3' },
        { data: b64(aggregate.data), partitionKey: aggregate.partitionKey, sequenceNumber: '4' },
        // The magic bytes with a broken digest: not an aggregate after all, shown as bytes.
        { data: b64(Buffer.concat([aggregate.data.subarray(0, -1), Buffer.from([aggregate.data.at(-1)! ^ 1])])), partitionKey: 'k', sequenceNumber: '5' },
      ],
    });
    assert.equal(r.status, 200);
    const { records } = r.json as { records: Array<{ text: string; json: boolean; subRecords?: unknown[] }> };
    assert.deepEqual(records[0], { text: '{"a":[1,2]}', json: true });
    assert.deepEqual(records[1], { text: 'hello', json: false });
    assert.deepEqual(records[2], { text: 'base64://4A', json: false });
    assert.deepEqual(records[3], {
      text: 'KPL aggregate of 2 user record(s)',
      json: false,
      subRecords: [
        { partitionKey: 'user-a', subSequenceNumber: 0, text: '{"n":1}', json: true },
        { partitionKey: 'user-b', subSequenceNumber: 1, text: 'plain two', json: false },
      ],
    });
    assert.match(records[4]!.text, /^base64:/);
    assert.equal(records[4]!.subRecords, undefined);
  });

  it('refuses a decode body without a list of records with base64 data', async () => {
    assert.equal((await post(`${server.url}/console/api/decode`, { records: 'x' })).status, 400);
    assert.equal((await post(`${server.url}/console/api/decode`, { records: [{ data: 1 }] })).status, 400);
  });

  it('answers 404 for the rows of an application that does not exist', async () => {
    const r = await get(`${server.url}/console/api/rows?app=nope`);
    assert.equal(r.status, 404);
    assert.match(r.body, /Application nope is not found/);
  });
});

describe('console views list', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-console-views-'));
  const webConsole = createConsole();
  let server: FreshetServer;

  before(async () => {
    server = await startServer({ port: 0, dataDir, fsync: { kind: 'never' }, pg: { port: 0 }, httpRoutes: webConsole.routes });
    const pgEndpoint = server.pg!;
    webConsole.attach({
      kinesis: server.kinesis,
      services: server.services,
      dataDir,
      region: 'us-east-1',
      views: async () => (await pgEndpoint.engine()).list(),
    });
  });

  after(async () => {
    webConsole.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("lists the Postgres endpoint's materialized views with their source stream, rows and state", async () => {
    const kinesis = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials });
    await kinesis.send(new CreateStreamCommand({ StreamName: 'console-views', ShardCount: 1 }));
    await waitForStreamActive(kinesis, 'console-views');
    await kinesis.send(
      new PutRecordsCommand({ StreamName: 'console-views', Records: ['a', 'b', 'a'].map((k) => ({ PartitionKey: k, Data: Buffer.from('{"x":1}') })) }),
    );
    kinesis.destroy();
    const c = new pg.Client({ host: '127.0.0.1', port: server.pg!.port, user: 'analyst', database: 'dev' });
    await c.connect();
    try {
      await c.query('CREATE EXTERNAL SCHEMA IF NOT EXISTS kds FROM KINESIS IAM_ROLE default');
      await c.query('CREATE MATERIALIZED VIEW per_key AS SELECT partition_key, count(*) AS n FROM kds."console-views" GROUP BY partition_key');
      await c.query('REFRESH MATERIALIZED VIEW per_key');
    } finally {
      await c.end();
    }
    const r = await get(`${server.url}/console/api/views`);
    assert.equal(r.status, 200);
    const { endpoint, views } = JSON.parse(r.body) as { endpoint: boolean; views: Array<{ name: string; stream: string; rows: number; state: string }> };
    assert.equal(endpoint, true);
    const v = views.find((x) => x.name === 'per_key');
    assert.ok(v, JSON.stringify(views));
    assert.equal(v.rows, 2);
    assert.equal(v.state, 'ok');
    assert.match(String(v.stream), /console-views/);
  });

  it('says when the server runs no Postgres endpoint', async () => {
    const bare = createConsole();
    const other = await startServer({ port: 0, storage: 'memory', httpRoutes: bare.routes });
    try {
      bare.attach({ kinesis: other.kinesis, services: other.services, dataDir: undefined, region: 'us-east-1' });
      assert.deepEqual(JSON.parse((await get(`${other.url}/console/api/views`)).body), { endpoint: false, views: [] });
    } finally {
      bare.close();
      await other.close();
    }
  });
});
