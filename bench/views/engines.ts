/**
 * Which embedded SQL engine holds the views: DuckDB (@duckdb/node-api) or PGlite (WASM Postgres)?
 * Measures what the views need of an engine, the same workload on both:
 *   - load: card-payment records (the stream's columns, the JSON as a blob) appended in batches of 10,000;
 *   - refresh: `INSERT INTO mv SELECT …JSON parse… FROM staging` (what a streaming view's refresh runs);
 *   - grouped query: SUM(amount) per terminal and minute, top 10, over every row;
 *   - memory: the process's RSS after the run;
 *   - compatibility: what psql, node-postgres, psycopg2 and JDBC send on connect and for `\d`, run as sent.
 *
 *   npm i --no-save @electric-sql/pglite   # only for this comparison; Freshet does not depend on it
 *   node --import tsx bench/views/engines.ts [--rows 1000000] [--engine duckdb|pglite|both]
 *
 * Prints a Markdown table (docs/views.md quotes it); writes nothing.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { median } from '../lib/report.ts';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
};
const ROWS = Number(arg('rows', '1000000'));
const ENGINE = arg('engine', 'both');
const BATCH = 10_000;

/** The statements clients send, as they send them (psql 15 `\d`, `\dt`, `\d t`; drivers on connect). */
export const CLIENT_STATEMENTS: readonly string[] = [
  'SET extra_float_digits = 3',
  "SET application_name = 'PostgreSQL JDBC Driver'",
  'SET DateStyle = ISO',
  "SET TimeZone = 'UTC'",
  "SET client_encoding = 'UTF8'",
  'SHOW transaction_isolation',
  'SHOW server_version',
  'SELECT version()',
  'SELECT current_schema()',
  "SELECT pg_catalog.current_setting('standard_conforming_strings')",
  'BEGIN',
  'COMMIT',
  "SELECT t.oid, t.typname FROM pg_catalog.pg_type t WHERE t.typname = 'int4'",
  `SELECT n.nspname as "Schema", c.relname as "Name", CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as "Type", pg_catalog.pg_get_userbyid(c.relowner) as "Owner" FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam WHERE c.relkind IN ('r','p','v','m','S','f','') AND n.nspname <> 'pg_catalog' AND n.nspname !~ '^pg_toast' AND n.nspname <> 'information_schema' AND pg_catalog.pg_table_is_visible(c.oid) ORDER BY 1,2`,
  `SELECT c.oid, n.nspname, c.relname FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relname OPERATOR(pg_catalog.~) '^(mv)$' COLLATE pg_catalog.default AND pg_catalog.pg_table_is_visible(c.oid) ORDER BY 2, 3`,
  `SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true) FROM pg_catalog.pg_attrdef d WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef), a.attnotnull, (SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t WHERE c.oid = a.attcollation AND t.oid = a.atttypid AND a.attcollation <> t.typcollation) AS attcollation, a.attidentity, a.attgenerated FROM pg_catalog.pg_attribute a WHERE a.attrelid = (SELECT oid FROM pg_catalog.pg_class WHERE relname = 'mv') AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
  "SELECT 'mv'::regclass::oid",
];

interface EngineRun {
  loadMs: number;
  refreshMs: number;
  queryMs: number[];
  compat: { ok: number; failed: string[] };
}

function record(i: number): string {
  const minute = Math.floor(i / 5000);
  return `{"TRANSACTION_ID":${i},"TX_DATETIME":"2024-04-01 ${String(10 + (Math.floor(minute / 60) % 10)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00","CUSTOMER_ID":${i % 5000},"TERMINAL_ID":${(i * 7919) % 10000},"TX_AMOUNT":${((i * 31) % 20000) / 100}}`;
}

const GROUPED = `SELECT terminal_id, date_trunc('minute', tx_datetime) AS minute, SUM(tx_amount) AS amount
  FROM mv GROUP BY 1, 2 ORDER BY amount DESC LIMIT 10`;

async function runDuckDb(): Promise<EngineRun> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`CREATE TABLE staging (approximate_arrival_timestamp TIMESTAMP, partition_key VARCHAR, shard_id VARCHAR,
    sequence_number VARCHAR, kinesis_data BLOB)`);
  const enc = new TextEncoder();
  const { timestampValue } = await import('@duckdb/node-api');
  let t0 = performance.now();
  const app = await c.createAppender('staging');
  for (let i = 0; i < ROWS; i++) {
    app.appendTimestamp(timestampValue(BigInt(1_700_000_000_000 + i) * 1000n));
    app.appendVarchar(String(i % 5000));
    app.appendVarchar('shardId-000000000000');
    app.appendVarchar(String(49_000_000_000n + BigInt(i)));
    app.appendBlob(enc.encode(record(i)));
    app.endRow();
    if (i % BATCH === BATCH - 1) app.flushSync();
  }
  app.closeSync();
  const loadMs = performance.now() - t0;
  t0 = performance.now();
  await c.run(`CREATE TABLE mv AS SELECT approximate_arrival_timestamp, partition_key, shard_id, sequence_number,
      CAST(json_extract_string(decode(kinesis_data), '$.TRANSACTION_ID') AS BIGINT) AS transaction_id,
      CAST(json_extract_string(decode(kinesis_data), '$.TX_DATETIME') AS TIMESTAMP) AS tx_datetime,
      CAST(json_extract_string(decode(kinesis_data), '$.TERMINAL_ID') AS INTEGER) AS terminal_id,
      CAST(json_extract_string(decode(kinesis_data), '$.TX_AMOUNT') AS DECIMAL(18,2)) AS tx_amount
    FROM staging WHERE json_valid(decode(kinesis_data))`);
  const refreshMs = performance.now() - t0;
  await c.run('DROP TABLE staging');
  const queryMs: number[] = [];
  for (let r = 0; r < 5; r++) {
    t0 = performance.now();
    await c.runAndReadAll(GROUPED);
    queryMs.push(performance.now() - t0);
  }
  const failed: string[] = [];
  for (const s of CLIENT_STATEMENTS) {
    try {
      await c.run(s);
    } catch (e) {
      failed.push(`${s.slice(0, 40)}… → ${(e as Error).message.split('\n')[0]}`);
    }
  }
  c.closeSync();
  return { loadMs, refreshMs, queryMs, compat: { ok: CLIENT_STATEMENTS.length - failed.length, failed } };
}

interface PgliteLike {
  exec(sql: string): Promise<unknown>;
  query(sql: string, params?: unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

async function runPglite(): Promise<EngineRun> {
  const spec = process.env.FRESHET_PGLITE_MODULE ?? '@electric-sql/pglite';
  const mod = (await import(spec)) as { PGlite: { create(): Promise<PgliteLike> } };
  const pg = await mod.PGlite.create();
  await pg.exec(`CREATE TABLE staging (approximate_arrival_timestamp TIMESTAMP, partition_key VARCHAR, shard_id VARCHAR,
    sequence_number VARCHAR, kinesis_data BYTEA)`);
  let t0 = performance.now();
  // The fastest load PGlite offers from JS: one multi-row INSERT per batch with parameters.
  for (let b = 0; b < ROWS; b += BATCH) {
    const n = Math.min(BATCH, ROWS - b);
    const values: string[] = [];
    const params: unknown[] = [];
    for (let k = 0; k < n; k++) {
      const i = b + k;
      const p = params.length;
      values.push(`($${p + 1}::timestamp, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}::bytea)`);
      params.push(
        new Date(1_700_000_000_000 + i).toISOString(),
        String(i % 5000),
        'shardId-000000000000',
        String(49_000_000_000n + BigInt(i)),
        Buffer.from(record(i)),
      );
    }
    await pg.query(`INSERT INTO staging VALUES ${values.join(',')}`, params);
  }
  const loadMs = performance.now() - t0;
  t0 = performance.now();
  await pg.exec(`CREATE TABLE mv AS SELECT approximate_arrival_timestamp, partition_key, shard_id, sequence_number,
      (convert_from(kinesis_data, 'UTF8')::jsonb->>'TRANSACTION_ID')::bigint AS transaction_id,
      (convert_from(kinesis_data, 'UTF8')::jsonb->>'TX_DATETIME')::timestamp AS tx_datetime,
      (convert_from(kinesis_data, 'UTF8')::jsonb->>'TERMINAL_ID')::int AS terminal_id,
      (convert_from(kinesis_data, 'UTF8')::jsonb->>'TX_AMOUNT')::numeric(18,2) AS tx_amount
    FROM staging`);
  const refreshMs = performance.now() - t0;
  await pg.exec('DROP TABLE staging');
  const queryMs: number[] = [];
  for (let r = 0; r < 3; r++) {
    t0 = performance.now();
    await pg.query(GROUPED);
    queryMs.push(performance.now() - t0);
  }
  const failed: string[] = [];
  for (const s of CLIENT_STATEMENTS) {
    try {
      await pg.exec(s);
    } catch (e) {
      failed.push(`${s.slice(0, 40)}… → ${(e as Error).message.split('\n')[0]}`);
    }
  }
  await pg.close();
  return { loadMs, refreshMs, queryMs, compat: { ok: CLIENT_STATEMENTS.length - failed.length, failed } };
}

function line(name: string, r: EngineRun): string {
  const rate = (ms: number) => `${Math.round(ROWS / (ms / 1000)).toLocaleString('en')}/s`;
  return `| ${name} | ${rate(r.loadMs)} | ${rate(r.refreshMs)} | ${median(r.queryMs).toFixed(0)} ms | ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB | ${r.compat.ok}/${CLIENT_STATEMENTS.length} |`;
}

const out: string[] = [
  `${ROWS.toLocaleString('en')} card-payment records, Node ${process.version}`,
  '',
  '| engine | load (append) | refresh (JSON parse into the view) | grouped query (median) | RSS after | client statements run as sent |',
  '|---|---|---|---|---|---|',
];
const failures: string[] = [];
if (ENGINE === 'duckdb' || ENGINE === 'both') {
  const r = await runDuckDb();
  out.push(line('DuckDB 1.5 (@duckdb/node-api)', r));
  for (const f of r.compat.failed) failures.push(`DuckDB: ${f}`);
}
if (ENGINE === 'pglite' || ENGINE === 'both') {
  const r = await runPglite();
  out.push(line('PGlite 0.5 (WASM Postgres 17)', r));
  for (const f of r.compat.failed) failures.push(`PGlite: ${f}`);
}
console.log([...out, '', ...failures.map((f) => `- ${f}`)].join('\n'));
