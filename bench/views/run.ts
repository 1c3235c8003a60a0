/**
 * Views benchmark (issue 21), against `freshet server` in a child process (memory storage, Postgres endpoint on):
 *
 *  1. Refresh throughput: a 4-shard stream holding N card payments (~130 B of JSON each); `REFRESH MATERIALIZED
 *     VIEW` of the seeds' JSON-parsing view (JSON_PARSE(kinesis_data) … WHERE CAN_JSON_PARSE) from TRIM_HORIZON,
 *     records/s, against reading the same records with GetRecords alone (every shard from TRIM_HORIZON,
 *     Limit 10,000, shards in parallel, raw HTTP as in bench/kinesis). Target: refresh ≥ 0.5× GetRecords.
 *  2. A grouped query over 10 M rows (an hour of payments: amount per terminal and minute, top 10) through the Postgres endpoint
 *     (node-postgres), against the same query on the same data in DuckDB directly (@duckdb/node-api, in this
 *     process, same memory limit). Target: ≤ 1.2× DuckDB.
 *  3. Freshness with AUTO REFRESH: 5,000 records/s for 20 s, each carrying its put time; every 250 ms the age of
 *     the newest record the view holds. p50 / p99.
 *
 *   node --import tsx bench/views/run.ts                 # writes the "Views" section of docs/benchmarks.md
 *   node --import tsx bench/views/run.ts --quick --no-write
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { DuckDBInstance } from '@duckdb/node-api';
import { machineLine, median, percentile, writeSection } from '../lib/report.ts';
import { KinesisWire } from '../kinesis/wire.ts';
import { readShard, type Page } from '../kinesis/workload.ts';
import { cardPayments } from '../../src/generators/card-payments.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    records: { type: 'string' },
    rows: { type: 'string' },
    runs: { type: 'string' },
  },
});
const QUICK = values.quick;
const RECORDS = Number(values.records ?? (QUICK ? 100_000 : 400_000));
const ROWS = Number(values.rows ?? (QUICK ? 1_000_000 : 10_000_000));
const RUNS = Number(values.runs ?? (QUICK ? 2 : 5));
const FRESHNESS_S = QUICK ? 6 : 20;
const FRESHNESS_RATE = 5000;
const SHARDS = 4;
const ROOT = join(import.meta.dirname, '..', '..');

interface Server {
  child: ChildProcess;
  port: number;
  pgPort: number;
  stop(): Promise<void>;
}

async function startFreshet(): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'server', '--port', '0', '--pg-port', '0', '--storage', 'memory'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const ports = await new Promise<{ port: number; pgPort: number }>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const k = /Kinesis endpoint http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      const p = /Postgres endpoint 127\.0\.0\.1:(\d+)/.exec(out);
      if (k && p) resolve({ port: Number(k[1]), pgPort: Number(p[1]) });
    });
    child.on('exit', (code) => reject(new Error(`freshet server exited (${code}): ${out}`)));
  });
  return {
    child,
    ...ports,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGINT');
      }),
  };
}

function payload(i: number, extra?: Record<string, unknown>): string {
  const f = cardPayments.create({ seed: i, anomalyRate: 0 });
  const r = f.next(Date.UTC(2024, 3, 1, 10, 0, 0) + i);
  return JSON.stringify({ ...r.value, TRANSACTION_ID: i, ...extra });
}

async function putRecords(wire: KinesisWire, stream: string, records: Array<{ key: string; data: string }>): Promise<void> {
  for (let i = 0; i < records.length; i += 500) {
    const batch = records.slice(i, i + 500).map((r) => ({ PartitionKey: r.key, Data: Buffer.from(r.data).toString('base64') }));
    const res = await wire.call<{ FailedRecordCount?: number }>('PutRecords', { StreamName: stream, Records: batch });
    if (res.FailedRecordCount) throw new Error(`${res.FailedRecordCount} records failed`);
  }
}

async function createStream(wire: KinesisWire, name: string): Promise<string[]> {
  await wire.call('CreateStream', { StreamName: name, ShardCount: SHARDS });
  for (;;) {
    const d = await wire.call<{ StreamDescription: { StreamStatus: string; Shards: Array<{ ShardId: string }> } }>('DescribeStream', { StreamName: name });
    if (d.StreamDescription.StreamStatus === 'ACTIVE') return d.StreamDescription.Shards.map((s) => s.ShardId);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const GROUPED = `SELECT minute, terminal_id, sum(amount) AS amount FROM card_rows GROUP BY 1, 2 ORDER BY amount DESC, 1, 2 LIMIT 10`;
const BUILD = (n: number) => `CREATE TABLE card_rows AS SELECT TIMESTAMP '2024-04-01 00:00:00' + to_minutes(CAST(i % 60 AS BIGINT)) AS minute,
  CAST(hash(i) % 1000 AS INTEGER) AS terminal_id, CAST((hash(i * 7) % 100000) / 100.0 AS DECIMAL(18,2)) AS amount FROM range(${n}) t(i)`;

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0]!;
  const server = await startFreshet();
  const wire = new KinesisWire(server.port, SHARDS);
  const client = new pg.Client({ host: '127.0.0.1', port: server.pgPort, user: 'bench', database: 'dev' });
  await client.connect();
  const lines: string[] = [];
  try {
    // ---- 1. refresh throughput vs GetRecords ----
    const stream = 'bench-card-payments';
    const shardIds = await createStream(wire, stream);
    const records = Array.from({ length: RECORDS }, (_, i) => ({ key: String(i % 5000), data: payload(i) }));
    const bytes = records.reduce((a, r) => a + r.data.length, 0);
    await putRecords(wire, stream, records);
    await client.query('CREATE EXTERNAL SCHEMA kds FROM KINESIS IAM_ROLE default');
    const getRecordsRates: number[] = [];
    const refreshRates: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const pages: Page[] = [];
      let t0 = performance.now();
      await Promise.all(shardIds.map((id) => readShard(wire, stream, id, pages, Date.now() + 300_000)));
      getRecordsRates.push(RECORDS / ((performance.now() - t0) / 1000));
      await client.query('DROP MATERIALIZED VIEW IF EXISTS card_tx');
      await client.query(`CREATE MATERIALIZED VIEW card_tx AS SELECT approximate_arrival_timestamp, partition_key, shard_id, sequence_number,
          JSON_PARSE(kinesis_data) AS payload FROM kds."${stream}" WHERE CAN_JSON_PARSE(kinesis_data)`);
      t0 = performance.now();
      await client.query('REFRESH MATERIALIZED VIEW card_tx');
      refreshRates.push(RECORDS / ((performance.now() - t0) / 1000));
      const n = Number((await client.query('SELECT count(*) AS n FROM card_tx')).rows[0].n);
      if (n !== RECORDS) throw new Error(`view holds ${n} rows, expected ${RECORDS}`);
      console.error(`run ${run + 1}: GetRecords ${Math.round(getRecordsRates.at(-1)!)} records/s, refresh ${Math.round(refreshRates.at(-1)!)} records/s`);
    }
    await client.query('DROP MATERIALIZED VIEW card_tx');
    const ratio = median(refreshRates.map((r, i) => r / getRecordsRates[i]!));

    // ---- 2. grouped query over ROWS rows: Freshet (pg wire) vs DuckDB directly ----
    await client.query(BUILD(ROWS));
    const duck = await DuckDBInstance.create(':memory:', { memory_limit: '1GB' });
    const dc = await duck.connect();
    await dc.run(BUILD(ROWS));
    const viaFreshet: number[] = [];
    const direct: number[] = [];
    let freshetTop = '';
    let duckTop = '';
    for (let run = 0; run <= RUNS; run++) {
      let t0 = performance.now();
      const r = await client.query(GROUPED);
      const f = performance.now() - t0;
      t0 = performance.now();
      const d = await dc.runAndReadAll(GROUPED);
      const dd = performance.now() - t0;
      if (run === 0) {
        // Warm-up; both answers must agree.
        freshetTop = r.rows.map((x) => `${x.terminal_id}:${x.amount}`).join(',');
        duckTop = d
          .getRowObjectsJson()
          .map((x) => `${x.terminal_id}:${x.amount}`)
          .join(',');
        if (freshetTop !== duckTop) throw new Error(`answers differ:\n${freshetTop}\n${duckTop}`);
        continue;
      }
      viaFreshet.push(f);
      direct.push(dd);
    }
    dc.closeSync();
    duck.closeSync();
    await client.query('DROP TABLE card_rows');
    const queryRatio = median(viaFreshet.map((f, i) => f / direct[i]!));

    // ---- 3. freshness with AUTO REFRESH ----
    const fstream = 'bench-freshness';
    await createStream(wire, fstream);
    await client.query(
      `CREATE MATERIALIZED VIEW fresh_tx AUTO REFRESH YES AS SELECT JSON_PARSE(kinesis_data) AS p FROM kds."${fstream}" WHERE CAN_JSON_PARSE(kinesis_data)`,
    );
    const ages: number[] = [];
    const start = Date.now();
    let sent = 0;
    let lastProbe = start;
    const probe = async () => {
      const r = await client.query('SELECT max(p.at::bigint) AS newest FROM fresh_tx');
      if (r.rows[0].newest !== null) ages.push(Date.now() - Number(r.rows[0].newest));
    };
    while (Date.now() - start < FRESHNESS_S * 1000) {
      const tick = Date.now();
      const batch = Array.from({ length: FRESHNESS_RATE / 10 }, (_, k) => ({ key: String(k), data: payload(sent + k, { at: tick }) }));
      await putRecords(wire, fstream, batch);
      sent += batch.length;
      if (Date.now() - lastProbe >= 250) {
        lastProbe = Date.now();
        await probe();
      }
      const wait = 100 - (Date.now() - tick);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const achievedRate = sent / ((Date.now() - start) / 1000);

    const fmt = (n: number) => Math.round(n).toLocaleString('en');
    lines.push(
      `Command: \`node --import tsx bench/views/run.ts${QUICK ? ' --quick' : ''}\` (records ${RECORDS.toLocaleString('en')}, rows ${ROWS.toLocaleString('en')}, runs ${RUNS}).`,
      `Machine: ${machineLine()}. \`freshet server --storage memory\` in a child process; the bench process is the client (and, for the query comparison, also runs DuckDB directly), sharing the machine's cores; 1-minute load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end (other jobs on the machine: figures are comparable within a run, not across runs).`,
      '',
      '| measure | Freshet | reference | ratio | target |',
      '|---|---|---|---|---|',
      `| refresh of the seeds' JSON-parsing view from a 4-shard stream (${RECORDS.toLocaleString('en')} card payments, ${Math.round(bytes / RECORDS)} B each), records/s | ${fmt(median(refreshRates))} | GetRecords alone: ${fmt(median(getRecordsRates))} | ${ratio.toFixed(2)}× | ≥ 0.5× — ${ratio >= 0.5 ? 'met' : 'not met'} |`,
      `| grouped query over ${ROWS.toLocaleString('en')} rows (an hour of payments: sum per terminal and minute, top 10), ms | ${median(viaFreshet).toFixed(0)} (node-postgres → Postgres endpoint) | DuckDB directly: ${median(direct).toFixed(0)} | ${queryRatio.toFixed(2)}× | ≤ 1.2× — ${queryRatio <= 1.2 ? 'met' : 'not met'} |`,
      `| freshness with AUTO REFRESH at ${fmt(achievedRate)} records/s for ${FRESHNESS_S} s (age of the newest record in the view, sampled every 250 ms) | p50 ${fmt(percentile(ages, 50))} ms, p99 ${fmt(percentile(ages, 99))} ms | | | lag < 5 s |`,
      '',
      `Runs: GetRecords ${getRecordsRates.map(fmt).join(', ')}; refresh ${refreshRates.map(fmt).join(', ')} records/s; query via Freshet ${viaFreshet.map((x) => x.toFixed(0)).join(', ')} ms, DuckDB ${direct.map((x) => x.toFixed(0)).join(', ')} ms (medians above; ratios are medians of per-run ratios).`,
    );
  } finally {
    await client.end().catch(() => undefined);
    wire.close();
    await server.stop();
  }
  const md = lines.join('\n');
  console.log(md);
  if (!values['no-write']) writeSection('views', 'Views: Postgres endpoint and streaming materialized views', md);
}

await main();
