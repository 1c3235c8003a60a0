/**
 * node-postgres (`pg`) against Freshet's Postgres endpoint: the seeds' Redshift DDL unchanged, counts and
 * sums equal to what was written, CAN_JSON_PARSE skipping a record that is not JSON, SUPER navigation,
 * prepared statements with parameters, binary results, views over views and ordinary SQL, and the error
 * codes Postgres clients rely on.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { RawClient } from './raw-client.ts';
import { cardLoad, centsOf, createStream, putAll, seedDdl, startViews, tempDir, uniqueName } from './helpers.ts';
import type { ViewsHarness } from './helpers.ts';

const require = createRequire(import.meta.url);
const agg = require('aws-kinesis-agg') as {
  aggregate(
    records: Array<{ partitionKey: string; data: Buffer }>,
    onEncoded: (r: { partitionKey: string; data: Buffer }, cb: (err?: Error) => void) => void,
    after: () => void,
    onError: (e: Error) => void,
  ): void;
};

function aggregate(records: Array<{ partitionKey: string; data: Buffer }>): Promise<Array<{ partitionKey: string; data: Buffer }>> {
  return new Promise((resolve, reject) => {
    const out: Array<{ partitionKey: string; data: Buffer }> = [];
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

function pgError(e: unknown): { code: string; message: string } {
  return e as { code: string; message: string };
}

describe('Postgres endpoint with node-postgres', () => {
  let h: ViewsHarness;
  let c: pg.Client;
  before(async () => {
    h = await startViews();
    c = await h.client();
  });
  after(async () => {
    await h.close();
  });

  it('runs the seeds DDL unchanged and counts and sums exactly what was written, skipping a record that is not JSON', async () => {
    const stream = uniqueName('card-tx');
    await createStream(h.server, stream, 4);
    const load = cardLoad(2000);
    await putAll(
      h.server,
      stream,
      load.map((r) => ({ partitionKey: r.partitionKey, data: Buffer.from(JSON.stringify(r.value)) })),
    );
    await h.server.kinesis.putRecords(stream, [{ partitionKey: 'junk', data: Buffer.from('not json {') }]);
    for (const s of seedDdl(stream, 'card_tx_seed')) await c.query(s);
    const refresh = await c.query('REFRESH MATERIALIZED VIEW card_tx_seed');
    assert.equal(refresh.command, 'REFRESH');
    const r = await c.query(`SELECT count(*) AS n, sum(payload."TX_AMOUNT"::decimal(18,2)) AS total,
        count(DISTINCT sequence_number) AS seqs, count(DISTINCT shard_id) AS shards FROM card_tx_seed`);
    assert.equal(Number(r.rows[0].n), 2000);
    assert.equal(Number(r.rows[0].seqs), 2000);
    assert.equal(Number(r.rows[0].shards), 4);
    assert.equal(Math.round(Number(r.rows[0].total) * 100), centsOf(load));
    // A second refresh with nothing new adds nothing.
    await c.query('REFRESH MATERIALIZED VIEW card_tx_seed');
    const again = await c.query('SELECT count(*)::int AS n FROM card_tx_seed');
    assert.equal(again.rows[0].n, 2000);
  });

  it('exposes Redshift stream columns with their types and the arrival time of each record', async () => {
    const stream = uniqueName('cols');
    await createStream(h.server, stream, 1);
    const before = Date.now();
    await h.server.kinesis.putRecords(stream, [{ partitionKey: 'pk-1', data: Buffer.from('{"a": 1}') }]);
    await c.query(`CREATE EXTERNAL SCHEMA IF NOT EXISTS kds FROM KINESIS IAM_ROLE default`);
    await c.query(`CREATE MATERIALIZED VIEW raw_cols AS SELECT * FROM kds."${stream}"`);
    await c.query('REFRESH MATERIALIZED VIEW raw_cols');
    const r = await c.query('SELECT * FROM raw_cols');
    assert.deepEqual(
      r.fields.map((f) => f.name),
      ['approximate_arrival_timestamp', 'partition_key', 'shard_id', 'sequence_number', 'refresh_time', 'kinesis_data'],
    );
    const row = r.rows[0];
    assert.equal(row.partition_key, 'pk-1');
    assert.equal(row.shard_id, 'shardId-000000000000');
    assert.match(row.sequence_number, /^\d{56}$/);
    assert.deepEqual(row.kinesis_data, Buffer.from('{"a": 1}'));
    assert.ok(row.approximate_arrival_timestamp instanceof Date);
    // timestamp without time zone comes back as UTC wall-clock time; node-postgres reads it as local time.
    const arrivalUtc = Date.UTC(
      row.approximate_arrival_timestamp.getFullYear(),
      row.approximate_arrival_timestamp.getMonth(),
      row.approximate_arrival_timestamp.getDate(),
      row.approximate_arrival_timestamp.getHours(),
      row.approximate_arrival_timestamp.getMinutes(),
      row.approximate_arrival_timestamp.getSeconds(),
      row.approximate_arrival_timestamp.getMilliseconds(),
    );
    assert.ok(Math.abs(arrivalUtc - before) < 60_000, `arrival ${arrivalUtc} vs put ${before}`);
  });

  it('navigates SUPER with dotted and quoted attribute names and extracts paths from VARBYTE', async () => {
    const stream = uniqueName('nav');
    await createStream(h.server, stream, 1);
    await h.server.kinesis.putRecords(stream, [
      { partitionKey: 'a', data: Buffer.from('{"Customer": {"Name": "Ana", "tier": 2}, "items": [{"sku": "x1"}, {"sku": "y2"}], "status": "OK"}') },
      { partitionKey: 'b', data: Buffer.from('{"Customer": {"Name": "Bo", "tier": 1}, "items": [], "status": "LATE"}') },
    ]);
    await c.query(`CREATE EXTERNAL SCHEMA IF NOT EXISTS kds FROM KINESIS IAM_ROLE default`);
    await c.query(`CREATE MATERIALIZED VIEW nav_v AS SELECT partition_key, JSON_PARSE(kinesis_data) AS data,
        JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kinesis_data, 'utf-8'), 'Customer', 'Name') AS name_text,
        IS_UTF8(kinesis_data) AS utf8 FROM kds."${stream}"`);
    await c.query('REFRESH MATERIALIZED VIEW nav_v');
    const r = await c.query(`SELECT partition_key, data.customer.name::varchar AS n, data."Customer"."tier"::int AS tier,
        data.items[1].sku::varchar AS second_sku, name_text, utf8 FROM nav_v WHERE data.status = 'OK'`);
    assert.deepEqual(r.rows, [{ partition_key: 'a', n: 'Ana', tier: 2, second_sku: 'y2', name_text: 'Ana', utf8: true }]);
    const names = await c.query('SELECT data.customer.name FROM nav_v ORDER BY partition_key');
    assert.deepEqual(
      names.rows.map((x) => x.name),
      ['Ana', 'Bo'],
      'a bare SUPER result is JSON (node-postgres parses it); the column is named after the attribute',
    );
  });

  it('de-aggregates KPL records into one row per user record', async () => {
    const stream = uniqueName('kpl');
    await createStream(h.server, stream, 1);
    const users = Array.from({ length: 25 }, (_, i) => ({ partitionKey: `u${i % 5}`, data: Buffer.from(JSON.stringify({ i })) }));
    const aggregated = await aggregate(users);
    assert.ok(aggregated.length < users.length);
    await h.server.kinesis.putRecords(stream, aggregated);
    await c.query(`CREATE EXTERNAL SCHEMA IF NOT EXISTS kds FROM KINESIS IAM_ROLE default`);
    await c.query(
      `CREATE MATERIALIZED VIEW kpl_v AS SELECT partition_key, JSON_PARSE(kinesis_data) AS p FROM kds."${stream}" WHERE CAN_JSON_PARSE(kinesis_data)`,
    );
    await c.query('REFRESH MATERIALIZED VIEW kpl_v');
    const r = await c.query('SELECT count(*)::int AS n, sum(p.i::int)::int AS s, count(DISTINCT partition_key)::int AS keys FROM kpl_v');
    assert.deepEqual(r.rows[0], { n: 25, s: (24 * 25) / 2, keys: 5 });
  });

  it('prepares statements with parameters, and returns binary results when asked', async () => {
    await c.query('CREATE TABLE terminals (id INTEGER, city VARCHAR, opened DATE, fee DECIMAL(10,2))');
    const ins = await c.query({ name: 'ins-terminal', text: 'INSERT INTO terminals VALUES ($1, $2, $3, $4)', values: [1, 'Lyon', '2020-01-02', '0.35'] });
    assert.equal(ins.command, 'INSERT');
    assert.equal(ins.rowCount, 1);
    await c.query({ name: 'ins-terminal', text: 'INSERT INTO terminals VALUES ($1, $2, $3, $4)', values: [2, 'Nîmes', '2021-06-30', null] });
    const sel = await c.query({ text: 'SELECT id, city, opened, fee FROM terminals WHERE id >= $1 ORDER BY id', values: [1] });
    assert.deepEqual(
      sel.rows.map((r) => [r.id, r.city, r.fee]),
      [
        [1, 'Lyon', '0.35'],
        [2, 'Nîmes', null],
      ],
    );
    assert.deepEqual(
      sel.fields.map((f) => f.dataTypeID),
      [23, 1043, 1082, 1700],
    );
    // Binary results, checked as the bytes Postgres sends (node-postgres hands binary cells over as strings).
    const raw = await RawClient.connect(h.pgPort);
    raw.extended(
      `SELECT 42::int AS i, 7::bigint AS b, 1.5::double AS d, true AS t, $1::varchar AS s,
        TIMESTAMP '2000-01-01 00:00:01.5' AS ts, 12.50::decimal(18,2) AS n, DATE '2000-01-03' AS dt, NULL::int AS z`,
      ['x'],
      1,
    );
    const bin = await raw.collect();
    assert.deepEqual(bin.errors, []);
    assert.deepEqual(
      bin.fields.map((f) => [f.name, f.oid, f.format]),
      [
        ['i', 23, 1],
        ['b', 20, 1],
        ['d', 701, 1],
        ['t', 16, 1],
        ['s', 1043, 1],
        ['ts', 1114, 1],
        ['n', 1700, 1],
        ['dt', 1082, 1],
        ['z', 23, 1],
      ],
    );
    const [i, b, d, t, s, ts, n, dt, z] = bin.rows[0]!;
    assert.equal(i!.readInt32BE(0), 42);
    assert.equal(b!.readBigInt64BE(0), 7n);
    assert.equal(d!.readDoubleBE(0), 1.5);
    assert.deepEqual([...t!], [1]);
    assert.equal(s!.toString(), 'x');
    assert.equal(ts!.readBigInt64BE(0), 1_500_000n, 'microseconds since 2000-01-01');
    // numeric_send: 2 base-10000 digits (12, 5000), weight 0, positive, dscale 2
    assert.deepEqual([...n!], [0, 2, 0, 0, 0, 0, 0, 2, 0, 12, 0x13, 0x88]);
    assert.equal(dt!.readInt32BE(0), 2, 'days since 2000-01-01');
    assert.equal(z, null);
    assert.deepEqual(bin.tags, ['SELECT 1']);
    await raw.close();
  });

  it('suspends a portal at the Execute row limit and resumes it on the next Execute', async () => {
    const raw = await RawClient.connect(h.pgPort);
    raw.extended('SELECT i FROM range(5) t(i) ORDER BY i', [], 0, 2, false);
    raw.write(Buffer.from([0x48, 0, 0, 0, 4])); // Flush
    const first: string[] = [];
    for (;;) {
      const m = await raw.next();
      first.push(m!.type);
      if (m!.type === 's') break;
    }
    assert.deepEqual(first, ['1', '2', 'T', 'D', 'D', 's']);
    raw.executeMore(0);
    const rest = await raw.collect();
    assert.deepEqual(
      rest.rows.map((r) => r[0]!.toString()),
      ['2', '3', '4'],
    );
    assert.deepEqual(rest.tags, ['SELECT 5']);
    await raw.close();
  });

  it('answers views over views, joins, window functions and CREATE TABLE AS', async () => {
    const stream = uniqueName('vov');
    await createStream(h.server, stream, 2);
    const load = cardLoad(300, 11);
    await putAll(
      h.server,
      stream,
      load.map((r) => ({ partitionKey: r.partitionKey, data: Buffer.from(JSON.stringify(r.value)) })),
    );
    await c.query(`CREATE EXTERNAL SCHEMA IF NOT EXISTS kds FROM KINESIS IAM_ROLE default`);
    await c.query(`CREATE MATERIALIZED VIEW tx_base AS SELECT approximate_arrival_timestamp,
        JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kinesis_data, 'utf-8'), 'TERMINAL_ID')::int AS TERMINAL_ID,
        JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kinesis_data, 'utf-8'), 'TX_AMOUNT')::decimal(18,2) AS TX_AMOUNT
        FROM kds."${stream}" WHERE CAN_JSON_PARSE(kinesis_data)`);
    await c.query('REFRESH MATERIALIZED VIEW tx_base');
    await c.query('CREATE MATERIALIZED VIEW per_terminal AS SELECT terminal_id, sum(tx_amount) AS amount, count(*) AS n FROM tx_base GROUP BY terminal_id');
    await c.query("CREATE TABLE terminal_names AS SELECT DISTINCT terminal_id, 'T' || terminal_id AS label FROM tx_base");
    const r = await c.query(`SELECT p.terminal_id, t.label, p.amount, rank() OVER (ORDER BY p.amount DESC, p.terminal_id) AS rk
        FROM per_terminal p JOIN terminal_names t USING (terminal_id) ORDER BY rk LIMIT 3`);
    const byTerminal = new Map<number, number>();
    for (const x of load) byTerminal.set(x.value.TERMINAL_ID, (byTerminal.get(x.value.TERMINAL_ID) ?? 0) + Math.round(x.value.TX_AMOUNT * 100));
    const expected = [...byTerminal.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 3);
    assert.deepEqual(
      r.rows.map((x) => [x.terminal_id, x.label, Math.round(Number(x.amount) * 100), Number(x.rk)]),
      expected.map(([t, cents], i) => [t, `T${t}`, cents, i + 1]),
    );
    // New records reach the view over the view once both are refreshed.
    await h.server.kinesis.putRecords(stream, [{ partitionKey: 'k', data: Buffer.from('{"TERMINAL_ID": 99999, "TX_AMOUNT": 1.25}') }]);
    await c.query('REFRESH MATERIALIZED VIEW tx_base');
    await c.query('REFRESH MATERIALIZED VIEW per_terminal');
    const n = await c.query('SELECT amount FROM per_terminal WHERE terminal_id = 99999');
    assert.equal(n.rows[0].amount, '1.25');
  });

  it('keeps an aggregating streaming view exact across refreshes', async () => {
    const stream = uniqueName('agg');
    await createStream(h.server, stream, 2);
    await c.query(`CREATE EXTERNAL SCHEMA IF NOT EXISTS kds FROM KINESIS IAM_ROLE default`);
    await c.query(`CREATE MATERIALIZED VIEW per_key AS SELECT partition_key, count(*) AS n FROM kds."${stream}" GROUP BY partition_key`);
    await h.server.kinesis.putRecords(stream, [
      { partitionKey: 'a', data: Buffer.from('1') },
      { partitionKey: 'b', data: Buffer.from('2') },
    ]);
    await c.query('REFRESH MATERIALIZED VIEW per_key');
    await h.server.kinesis.putRecords(stream, [{ partitionKey: 'a', data: Buffer.from('3') }]);
    await c.query('REFRESH MATERIALIZED VIEW per_key');
    const r = await c.query('SELECT partition_key, n::int AS n FROM per_key ORDER BY 1');
    assert.deepEqual(r.rows, [
      { partition_key: 'a', n: 2 },
      { partition_key: 'b', n: 1 },
    ]);
  });

  it('answers errors with Postgres SQLSTATE codes and keeps the connection usable', async () => {
    await assert.rejects(c.query('SELECT no_such_function(1)'), (e) => pgError(e).code === '42883');
    await assert.rejects(c.query('SELEC 1'), (e) => pgError(e).code === '42601');
    await assert.rejects(c.query('SELECT * FROM no_such_table'), (e) => pgError(e).code === '42P01');
    await assert.rejects(c.query('SELECT no_such_column FROM terminals'), (e) => pgError(e).code === '42703');
    await assert.rejects(c.query("SELECT 'x'::int"), (e) => pgError(e).code === '22P02');
    await assert.rejects(c.query('REFRESH MATERIALIZED VIEW no_such_view'), (e) => pgError(e).code === '42P01');
    await assert.rejects(c.query(`CREATE MATERIALIZED VIEW v_missing AS SELECT * FROM kds."no-such-stream"`), (e) => pgError(e).code === '42P01');
    await assert.rejects(c.query(`SELECT * FROM kds."whatever"`), (e) => pgError(e).code === '0A000');
    await assert.rejects(c.query('SELECT JSON_PARSE(\'{"a"\')'), (e) => pgError(e).code.startsWith('22'));
    // In a failed transaction block, only ROLLBACK is accepted.
    await c.query('BEGIN');
    await assert.rejects(c.query('SELECT no_such_function()'));
    await assert.rejects(c.query('SELECT 1'), (e) => pgError(e).code === '25P02');
    await c.query('ROLLBACK');
    const ok = await c.query('SELECT 1 AS one');
    assert.deepEqual(ok.rows, [{ one: 1 }]);
  });

  it('cancels a running statement on a CancelRequest with 57014', async () => {
    const victim = await h.client();
    // BackendKeyData, as node-postgres keeps it.
    const processID = Reflect.get(victim, 'processID') as number;
    const secretKey = Reflect.get(victim, 'secretKey') as number;
    const running = victim.query('SELECT count(*) FROM range(100000000000) a');
    await new Promise((r) => setTimeout(r, 300));
    await new Promise<void>((resolve, reject) => {
      const s = connect(h.pgPort, '127.0.0.1', () => {
        const b = Buffer.alloc(16);
        b.writeInt32BE(16, 0);
        b.writeInt32BE(80877102, 4);
        b.writeInt32BE(processID, 8);
        b.writeInt32BE(secretKey, 12);
        s.end(b);
      });
      s.on('close', () => resolve());
      s.on('error', reject);
    });
    await assert.rejects(running, (e) => pgError(e).code === '57014');
    const after = await victim.query('SELECT 2 AS two');
    assert.equal(after.rows[0].two, 2);
  });

  it('streams COPY … TO STDOUT as text and CSV', async () => {
    const stream = await new Promise<string>((resolve, reject) => {
      const s = connect(h.pgPort, '127.0.0.1');
      const chunks: Buffer[] = [];
      s.on('data', (d) => chunks.push(d));
      s.on('error', reject);
      s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
      const params = Buffer.from('user\0analyst\0database\0dev\0\0');
      const startup = Buffer.alloc(8);
      startup.writeInt32BE(8 + params.length, 0);
      startup.writeInt32BE(196608, 4);
      const q = Buffer.from('COPY (SELECT id, city FROM terminals ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)\0');
      const qh = Buffer.alloc(5);
      qh[0] = 0x51;
      qh.writeInt32BE(4 + q.length, 1);
      const x = Buffer.from([0x58, 0, 0, 0, 4]);
      s.write(Buffer.concat([startup, params]));
      s.write(Buffer.concat([qh, q, x]));
    });
    assert.ok(stream.includes('H'), 'CopyOutResponse');
    assert.ok(stream.includes('id,city\n'));
    assert.ok(stream.includes('1,Lyon\n'));
    assert.ok(stream.includes('COPY 2'));
  });
});

describe('Postgres endpoint authentication hook', () => {
  let h: ViewsHarness;
  before(async () => {
    h = await startViews({ authenticate: (user, password) => user === 'analyst' && password === 's3cret' });
  });
  after(async () => {
    await h.close();
  });

  it('lets in the right password and refuses a bad one with 28P01', async () => {
    const ok = await h.client({ password: 's3cret' });
    assert.equal((await ok.query('SELECT 1 AS x')).rows[0].x, 1);
    await assert.rejects(
      h.client({ password: 'wrong' }),
      (e) => pgError(e).code === '28P01' && /password authentication failed for user "analyst"/.test(pgError(e).message),
    );
  });
});

describe('Postgres endpoint over TLS', () => {
  it('answers SSLRequest with S and serves the session over TLS when the server runs with --tls', async () => {
    const tmp = await tempDir('views-tls');
    const { startServer } = await import('../../src/server/index.ts');
    const server = await startServer({ port: 0, dataDir: tmp.dir, fsync: { kind: 'never' }, tls: true, pg: { port: 0 } });
    try {
      const c = new pg.Client({ host: '127.0.0.1', port: server.pg!.port, user: 'analyst', database: 'dev', ssl: { rejectUnauthorized: false } });
      await c.connect();
      const socket = Reflect.get(Reflect.get(c, 'connection') as object, 'stream') as { encrypted?: boolean };
      assert.equal(socket.encrypted, true);
      assert.deepEqual((await c.query('SELECT 40 + 2 AS x')).rows, [{ x: 42 }]);
      await c.end();
      // psql with sslmode=require
      const { stdout } = await promisify(execFile)('/usr/bin/psql', [
        '-X',
        '-A',
        '-t',
        '-c',
        'SELECT 7',
        `host=127.0.0.1 port=${server.pg!.port} user=analyst dbname=dev sslmode=require`,
      ]);
      assert.equal(stdout.trim(), '7');
    } finally {
      await server.close();
      await tmp.remove();
    }
  });

  it('answers SSLRequest with N without --tls, and the client goes on in cleartext', async () => {
    const h = await startViews();
    try {
      const c = new pg.Client({ host: '127.0.0.1', port: h.pgPort, user: 'analyst', database: 'dev', ssl: { rejectUnauthorized: false } });
      await assert.rejects(c.connect(), /does not support SSL/);
      const { stdout } = await promisify(execFile)('/usr/bin/psql', [
        '-X',
        '-A',
        '-t',
        '-c',
        'SELECT 8',
        `host=127.0.0.1 port=${h.pgPort} user=analyst dbname=dev sslmode=prefer`,
      ]);
      assert.equal(stdout.trim(), '8');
    } finally {
      await h.close();
    }
  });
});
