import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { runCli } from '../cli/run-cli.ts';
import { runCliInProcess } from '../cli/run-cli-in-process.ts';
import { startTestServer, type TestServer } from '../cli/server-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'freshet-sql-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const S1 = `CREATE OR REPLACE STREAM "DEST_SQL_STREAM_BY_STORE_ID" ("store_id" VARCHAR(16),"revenue" REAL, "timestamp" TIMESTAMP);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DEST_SQL_STREAM_BY_STORE_ID"
    SELECT STREAM "store_id", SUM("sales") AS "revenue", ROWTIME AS "timestamp"
        FROM "STORE_REVENUE_PER_MIN_001"
        GROUP BY STEP("STORE_REVENUE_PER_MIN_001".ROWTIME BY INTERVAL '60' SECOND),
        "store_id";`;

describe('freshet sql check', () => {
  it('prints file:line:column and fails for a wrong column name', async () => {
    const f = join(dir, 'bad.sql');
    writeFileSync(
      f,
      'CREATE OR REPLACE STREAM out (p DOUBLE);\nCREATE OR REPLACE PUMP p AS INSERT INTO out\n  SELECT STREAM price FROM SOURCE_SQL_STREAM_001;\n',
    );
    const r = await runCli(['sql', 'check', f, '--schema', '"price" DOUBLE']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad\.sql:3:17: error: unknown column PRICE; did you mean "price"\?/);
  });

  it('accepts S1 verbatim against its input schema', async () => {
    const f = join(dir, 's1.sql');
    writeFileSync(f, S1);
    const r = await runCliInProcess(['sql', 'check', f, '--input-name', 'STORE_REVENUE_PER_MIN_001', '--schema', '"store_id" VARCHAR(16), "sales" REAL']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /OK — 1 pump\(s\), streams DEST_SQL_STREAM_BY_STORE_ID/);
  });
});

describe('freshet sql run', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('reads a stream, runs S1 and prints the per-store revenue rows', async () => {
    const client = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const name = `sql-cli-${Date.now()}`;
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    for (let i = 0; i < 50; i++) {
      try {
        const { DescribeStreamSummaryCommand } = await import('@aws-sdk/client-kinesis');
        const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
        if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
      } catch {
        // not visible yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const totals = new Map<string, number>();
    const entries = Array.from({ length: 60 }, (_x, i) => {
      const store = `store_${1 + (i % 3)}`;
      const sales = 1 + (i % 4) * 0.25;
      totals.set(store, (totals.get(store) ?? 0) + sales);
      return { PartitionKey: store, Data: Buffer.from(JSON.stringify({ category: 'Books', store_id: store, evnt_time: '2021-01-31T14:05:47.190114', sales })) };
    });
    await client.send(new PutRecordsCommand({ StreamName: name, Records: entries }));
    client.destroy();
    const f = join(dir, 's1-run.sql');
    writeFileSync(f, S1);
    const r = await runCli([
      'sql',
      'run',
      f,
      '--input',
      name,
      '--from',
      'trim-horizon',
      '--no-follow',
      '--endpoint',
      server.url,
      '--input-name',
      'STORE_REVENUE_PER_MIN_001',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /input schema "category" VARCHAR\(8\), "store_id" VARCHAR\(8\), "evnt_time" TIMESTAMP, "sales" DOUBLE/);
    const got = new Map<string, number>();
    for (const line of r.stdout.trim().split('\n')) {
      // Caught up with --no-follow: the still-open window's rows are flushed marked [partial].
      const m = /^DEST_SQL_STREAM_BY_STORE_ID \[partial\] (\{.*\})$/.exec(line);
      assert.ok(m, `unexpected line ${line}`);
      const o = JSON.parse(m[1]!) as { store_id: string; revenue: number; timestamp: string; ROWTIME: string };
      assert.equal(o.timestamp, o.ROWTIME);
      got.set(o.store_id, (got.get(o.store_id) ?? 0) + o.revenue);
    }
    assert.deepEqual([...got.keys()].sort(), ['store_1', 'store_2', 'store_3']);
    for (const [k, v] of totals) assert.ok(Math.abs(got.get(k)! - v) < 1e-3, `${k}: ${got.get(k)} vs ${v}`);
  });

  it('reads CSV records with --schema and prints rows as CSV, bad records to error_stream', async () => {
    const client = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const name = `sql-cli-csv-${Date.now()}`;
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    const { DescribeStreamSummaryCommand } = await import('@aws-sdk/client-kinesis');
    for (let i = 0; i < 50; i++) {
      const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: name })).catch(() => undefined);
      if (d?.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const lines = ['AMZN,50', 'MSFT,oops', 'AMZN,70', 'GOOG,10'];
    await client.send(new PutRecordsCommand({ StreamName: name, Records: lines.map((l) => ({ PartitionKey: 'k', Data: Buffer.from(l) })) }));
    client.destroy();
    const f = join(dir, 'csv.sql');
    writeFileSync(
      f,
      `CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(4), price DOUBLE);
CREATE OR REPLACE PUMP p AS INSERT INTO "DESTINATION_SQL_STREAM" SELECT STREAM ticker, price FROM "SOURCE_SQL_STREAM_001" WHERE price > 20;`,
    );
    const r = await runCliInProcess([
      'sql',
      'run',
      f,
      '--input',
      name,
      '--from',
      'trim-horizon',
      '--no-follow',
      '--endpoint',
      server.url,
      '--format',
      'csv',
      '--schema',
      'ticker VARCHAR(4), price DOUBLE',
      '--output-format',
      'csv',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout.trim().split('\n');
    assert.deepEqual(
      out.filter((l) => l.startsWith('DESTINATION_SQL_STREAM,')).map((l) => l.split(',').slice(2).join(',')),
      ['AMZN,50', 'AMZN,70'],
    );
    assert.ok(
      out.some((l) => l.startsWith('error_stream,') && l.includes("cannot convert 'oops' to DOUBLE")),
      r.stdout,
    );
  });
});
