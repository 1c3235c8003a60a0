/**
 * Nexmark-style queries in the Flink SQL dialect — q5 (HOP), q7 (TUMBLE),
 * q8 (interval join), q11 (SESSION) — over pre-generated Person / Auction /
 * Bid rows held in memory, side by side in one run with DuckDB (one thread,
 * the same records in tables, the same query as a batch) and, where KDA SQL
 * can say the same thing, the KDA dialect. Results are cross-checked: each
 * query's output row count must agree with DuckDB's.
 *
 *   node --single-threaded-gc --expose-gc --import tsx bench/sql/nexmark-flink.ts     # writes the `sql-flink` section of docs/benchmarks.md
 *   FRESHET_BENCH_EVENTS=200000 node --single-threaded-gc --expose-gc --import tsx bench/sql/nexmark-flink.ts --no-write [q5|q7|q8|q11]
 *   node --single-threaded-gc --cpu-prof --import tsx bench/sql/nexmark-flink.ts --freshet-only q11   # profile the Flink job alone (no DuckDB, no KDA)
 *   node --single-threaded-gc --expose-gc --import tsx bench/sql/nexmark-flink.ts --freshet-only q11 --profile q11.cpuprofile   # the timed runs only
 *
 * With --expose-gc every timed run starts after a full collection and a short idle (settle()), so no run
 * pays for the garbage of the one before, nor for V8's concurrent sweeping of that forced collection on
 * its helper threads (process CPU time counts every thread). The input rows stay in the old generation.
 * --single-threaded-gc puts V8's collector on the main thread: a run is charged for the collections its own
 * allocation causes, and not for background marking that V8 starts on its own (the memory reducer after
 * an idle spell), which otherwise lands on whichever engine is being timed, DuckDB included.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { ColumnBatch, FlinkApplication, SqlApplication, type ColumnDef, type Row } from '../../src/sql/index.ts';
import { machineLine, median, writeSection } from '../lib/report.ts';
import { fmtRate, loadNexmarkTables, personsAndAuctions, type Bid } from '../lib/nexmark.ts';

const N_BIDS = Number(process.env.FRESHET_BENCH_EVENTS ?? 1_000_000);
const RUNS = Number(process.env.FRESHET_BENCH_RUNS ?? 5);
const EVENTS_PER_SECOND = 10_000; // event time: 10k bids/s, so 1M bids span 100 s
const BATCH = 1000;
const T0 = Date.UTC(2021, 0, 31, 14, 0, 0);
const AUCTIONS = 10_000;
const BIDDERS = 100_000;

// ---- data (the generator of bench/sql/nexmark.ts, plus bidders for q11) ----
let seed = 12345;
const rnd = (): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'];
// Bidders come from their own xorshift generator: the LCG above, read three times per bid, gives its
// third reading only a few thousand distinct values.
let xs = 0x2545f491;
const rndBidder = (): number => {
  xs ^= xs << 13;
  xs ^= xs >>> 17;
  xs ^= xs << 5;
  return (xs >>> 0) % BIDDERS;
};

const bids: Bid[] = [];
for (let i = 0; i < N_BIDS; i++) {
  bids.push({
    auction: Math.floor(rnd() * AUCTIONS),
    bidder: rndBidder(),
    price: 100 + Math.floor(rnd() * 99_900),
    channel: CHANNELS[i & 3]!,
    url: `https://www.nexmark.com/item/${i % 997}`,
    rt: T0 + Math.floor((i * 1000) / EVENTS_PER_SECOND),
  });
}
const N_PERSONS = Math.floor(N_BIDS / 10);
const { persons, auctions } = personsAndAuctions(N_PERSONS, T0, EVENTS_PER_SECOND, rnd);

// Flink rows: [time, ...columns] with the rowtime column last; KDA rows: [ROWTIME, ...columns, APPROXIMATE_ARRIVAL_TIME].
const flinkBids: Row[] = bids.map((b) => [0, b.auction, b.bidder, b.price, b.channel, b.url, b.rt]);
const flinkPersons: Row[] = persons.map((p) => [0, p.id, p.name, p.city, p.state, p.rt]);
const flinkAuctions: Row[] = auctions.map((a) => [0, a.id, a.seller, a.reserve, a.category, a.rt]);
const kdaBids: Row[] = bids.map((b) => [b.rt, b.auction, b.bidder, b.price, b.channel, b.url, b.rt]);
const kdaPersons: Row[] = persons.map((p) => [p.rt, p.id, p.name, p.city, p.state, p.rt]);
const kdaAuctions: Row[] = auctions.map((a) => [a.rt, a.id, a.seller, a.reserve, a.category, a.rt]);

const DDL = `
CREATE TABLE bid (auction INT, bidder INT, price DOUBLE, channel STRING, url STRING, dateTime TIMESTAMP(3),
  WATERMARK FOR dateTime AS dateTime - INTERVAL '1' SECOND) WITH ('connector' = 'datagen');
CREATE TABLE person (id INT, name STRING, city STRING, state STRING, dateTime TIMESTAMP(3),
  WATERMARK FOR dateTime AS dateTime - INTERVAL '1' SECOND) WITH ('connector' = 'datagen');
CREATE TABLE auction (id INT, seller INT, reserve INT, category INT, dateTime TIMESTAMP(3),
  WATERMARK FOR dateTime AS dateTime - INTERVAL '1' SECOND) WITH ('connector' = 'datagen');
`;

const vc = (n: number): ColumnDef['type'] => ({ name: 'VARCHAR', length: n });
const KDA_BID: ColumnDef[] = [
  { name: 'AUCTION', type: { name: 'INTEGER' } },
  { name: 'BIDDER', type: { name: 'INTEGER' } },
  { name: 'PRICE', type: { name: 'DOUBLE' } },
  { name: 'CHANNEL', type: vc(16) },
  { name: 'URL', type: vc(64) },
];
const KDA_PERSON: ColumnDef[] = [
  { name: 'ID', type: { name: 'INTEGER' } },
  { name: 'NAME', type: vc(32) },
  { name: 'CITY', type: vc(16) },
  { name: 'STATE', type: vc(2) },
];
const KDA_AUCTION: ColumnDef[] = [
  { name: 'ID', type: { name: 'INTEGER' } },
  { name: 'SELLER', type: { name: 'INTEGER' } },
  { name: 'RESERVE', type: { name: 'INTEGER' } },
  { name: 'CATEGORY', type: { name: 'INTEGER' } },
];

interface Query {
  id: string;
  what: string;
  events: number;
  flink: string;
  sink: string;
  feed: (app: FlinkApplication) => void;
  kda?: { what: string; code: string; inputs: { name: string; columns: ColumnDef[] }[]; feed: (app: SqlApplication) => void; end: number };
  duck: string;
}

// The input arrives in batches, as a Kinesis GetRecords page would bring it: cut once here, not in the timed
// runs (DuckDB's tables are loaded before its runs, too).
function batches(rows: Row[], size: number): Row[][] {
  const out: Row[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
// The bids as the Kinesis source hands them to a Flink job: pushRecords decodes each page into one vector per
// column (ColumnBatch; numbers in Float64Arrays) and pushes that (FlinkApplication.pushColumns).
const flinkBidBatches = batches(flinkBids, BATCH).map((b) => ColumnBatch.fromRows(b, 7));
const kdaBidBatches = batches(kdaBids, BATCH);
const flinkPersonBatches = batches(flinkPersons, BATCH / 4);
const flinkAuctionBatches = batches(flinkAuctions, (BATCH / 4) * 3);
const kdaPersonBatches = batches(kdaPersons, BATCH / 4);
const kdaAuctionBatches = batches(kdaAuctions, (BATCH / 4) * 3);

function feedFlinkBids(app: FlinkApplication): void {
  for (const batch of flinkBidBatches) app.pushColumns('bid', batch, (batch.cols[6] as Float64Array)[batch.length - 1]!);
}
function feedFlinkQ8(app: FlinkApplication): void {
  for (let i = 0; i < flinkPersonBatches.length; i++) {
    const p = flinkPersonBatches[i]!;
    const t = p[p.length - 1]![5] as number;
    app.pushRows('person', p, t);
    const a = flinkAuctionBatches[i];
    if (a !== undefined) app.pushRows('auction', a, t);
  }
}
function feedKdaBids(app: SqlApplication): void {
  for (const batch of kdaBidBatches) app.pushRows('BID', batch, batch[batch.length - 1]![6] as number);
}
function feedKdaQ8(app: SqlApplication): void {
  for (let i = 0; i < kdaPersonBatches.length; i++) {
    const p = kdaPersonBatches[i]!;
    const t = p[p.length - 1]![5] as number;
    app.pushRows('PERSON', p, t);
    const a = kdaAuctionBatches[i];
    if (a !== undefined) app.pushRows('AUCTION', a, t);
  }
}
const bidEnd = T0 + Math.floor(((N_BIDS - 1) * 1000) / EVENTS_PER_SECOND) + 60_000;
const personEnd = T0 + Math.floor(((N_PERSONS - 1) * 1000) / (EVENTS_PER_SECOND / 10)) + 60_000;

const QUERIES: Query[] = [
  {
    id: 'q5',
    what: 'HOP 10 s / 2 s: bids per auction per window',
    events: N_BIDS,
    sink: 'out',
    flink: `${DDL}
CREATE TABLE out (auction INT, window_start TIMESTAMP(3), window_end TIMESTAMP(3), num BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO out
SELECT auction, window_start, window_end, COUNT(*) AS num
FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
GROUP BY auction, window_start, window_end;`,
    feed: feedFlinkBids,
    kda: {
      what: 'sliding COUNT(*) per auction, 10 s (KDA has no HOP: one row per bid)',
      inputs: [{ name: 'BID', columns: KDA_BID }],
      code: `CREATE OR REPLACE STREAM out (auction INTEGER, n BIGINT);
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT STREAM auction, COUNT(*) OVER (PARTITION BY auction RANGE INTERVAL '10' SECOND PRECEDING) FROM bid;`,
      feed: feedKdaBids,
      end: bidEnd,
    },
    duck: `CREATE OR REPLACE TEMP TABLE o AS
      SELECT auction, ws, count(*) AS num
      FROM (SELECT auction, unnest(generate_series(CAST(floor(rt / 2000) AS BIGINT) * 2000 - 8000, CAST(floor(rt / 2000) AS BIGINT) * 2000, 2000)) AS ws FROM bid)
      GROUP BY auction, ws`,
  },
  {
    id: 'q7',
    what: 'TUMBLE 10 s: highest bid per window',
    events: N_BIDS,
    sink: 'out',
    flink: `${DDL}
CREATE TABLE out (window_start TIMESTAMP(3), window_end TIMESTAMP(3), max_price DOUBLE) WITH ('connector' = 'blackhole');
INSERT INTO out
SELECT window_start, window_end, MAX(price)
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))
GROUP BY window_start, window_end;`,
    feed: feedFlinkBids,
    kda: {
      what: 'tumbling MAX(price) per 10 s (STEP(ROWTIME))',
      inputs: [{ name: 'BID', columns: KDA_BID }],
      code: `CREATE OR REPLACE STREAM out (max_price DOUBLE);
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT STREAM MAX(price) FROM bid GROUP BY STEP(bid.ROWTIME BY INTERVAL '10' SECOND);`,
      feed: feedKdaBids,
      end: bidEnd,
    },
    duck: 'CREATE OR REPLACE TEMP TABLE o AS SELECT floor(rt / 10000) AS w, max(price) AS max_price FROM bid GROUP BY w',
  },
  {
    id: 'q8',
    what: 'interval join: auctions × sellers who joined in the last 10 s',
    events: N_PERSONS * 4,
    sink: 'out',
    flink: `${DDL}
CREATE TABLE out (id INT, name STRING, reserve INT) WITH ('connector' = 'blackhole');
INSERT INTO out
SELECT p.id, p.name, a.reserve
FROM auction a JOIN person p
  ON a.seller = p.id AND p.dateTime BETWEEN a.dateTime - INTERVAL '10' SECOND AND a.dateTime;`,
    feed: feedFlinkQ8,
    kda: {
      what: 'windowed join (OVER RANGE 10 s PRECEDING)',
      inputs: [
        { name: 'PERSON', columns: KDA_PERSON },
        { name: 'AUCTION', columns: KDA_AUCTION },
      ],
      code: `CREATE OR REPLACE STREAM out (id INTEGER, name VARCHAR(32), reserve INTEGER);
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT STREAM p.id, p.name, a.reserve
  FROM auction AS a JOIN person OVER (RANGE INTERVAL '10' SECOND PRECEDING) AS p ON a.seller = p.id;`,
      feed: feedKdaQ8,
      end: personEnd,
    },
    duck: 'CREATE OR REPLACE TEMP TABLE o AS SELECT p.id, p.name, a.reserve FROM auction a JOIN person p ON a.seller = p.id AND p.rt BETWEEN a.rt - 10000 AND a.rt',
  },
  {
    id: 'q11',
    what: 'SESSION 10 s gap: bids per bidder session',
    events: N_BIDS,
    sink: 'out',
    flink: `${DDL}
CREATE TABLE out (bidder INT, bid_count BIGINT, window_start TIMESTAMP(3), window_end TIMESTAMP(3)) WITH ('connector' = 'blackhole');
INSERT INTO out
SELECT bidder, COUNT(*) AS bid_count, window_start, window_end
FROM TABLE(SESSION(TABLE bid PARTITION BY bidder, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))
GROUP BY bidder, window_start, window_end;`,
    feed: feedFlinkBids,
    duck: `CREATE OR REPLACE TEMP TABLE o AS
      SELECT bidder, sid, count(*) AS bid_count, min(rt) AS ws, max(rt) + 10000 AS we FROM (
        SELECT bidder, rt, sum(new_session) OVER (PARTITION BY bidder ORDER BY rt ROWS UNBOUNDED PRECEDING) AS sid FROM (
          SELECT bidder, rt, CASE WHEN rt - lag(rt) OVER (PARTITION BY bidder ORDER BY rt) <= 10000 THEN 0 ELSE 1 END AS new_session FROM bid))
      GROUP BY bidder, sid`,
  },
];

/** CPU time (user + system) of this process since `from`, in ms: on a shared, loaded machine wall time mostly measures the neighbours. */
function cpuMs(from: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
}

const collect = (globalThis as { gc?: () => void }).gc;
const SETTLE_MS = 50;

/**
 * Before a timed run: a full collection, then an idle macrotask so V8's helper threads finish sweeping
 * (concurrent sweeping, freeing pages) before the clock starts; a second collection of what the first one's
 * finalisation left, and another idle. DuckDB's runs get the same.
 */
async function settle(): Promise<void> {
  if (!collect) return;
  collect();
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  collect();
  await new Promise((r) => setTimeout(r, SETTLE_MS));
}

/**
 * The job of each engine's last run, closed but still referenced until the engine's next run has built its
 * own (as a server's other jobs would be). V8 keeps optimized code that relies on a hidden class only while
 * some object of that class lives: when DuckDB's run and its forced collections came between two Flink runs
 * with no FlinkApplication alive, the engine's hidden classes died with their optimized code, and each timed
 * run paid for compiling the engine's hot functions again (about 20 functions per run instead of 5) — the
 * warm-up run warmed nothing. q8 on the same code: 148–175 ms of CPU per Flink run without this, 83–127
 * with --freshet-only (no DuckDB run between), 92–108 (medians of two runs) with this.
 */
const lastJobs: { flink: FlinkApplication | null; kda: SqlApplication | null } = { flink: null, kda: null };

async function runFlink(q: Query, prof: { profiler: Session; file: string } | null = null): Promise<{ ms: number; rows: number }> {
  const app = FlinkApplication.compile(q.flink);
  lastJobs.flink = app;
  await settle();
  let rows = 0;
  app.onOutput(q.sink, (r) => {
    rows += r.length;
  });
  if (prof) {
    await prof.profiler.post('Profiler.enable');
    await prof.profiler.post('Profiler.setSamplingInterval', { interval: 100 });
    await prof.profiler.post('Profiler.start');
  }
  const t = process.cpuUsage();
  q.feed(app);
  app.finish();
  const ms = cpuMs(t);
  if (prof) {
    const { profile } = await prof.profiler.post('Profiler.stop');
    writeFileSync(prof.file, JSON.stringify(profile));
    console.log(`profile of the last timed run written to ${prof.file}`);
  }
  app.close();
  return { ms, rows };
}

async function runKda(q: Query): Promise<{ ms: number; rows: number } | null> {
  if (!q.kda) return null;
  const app = SqlApplication.compile(q.kda.code, { inputs: q.kda.inputs });
  lastJobs.kda = app;
  await settle();
  let rows = 0;
  app.onOutput('OUT', (r) => {
    rows += r.length;
  });
  const t = process.cpuUsage();
  q.kda.feed(app);
  app.advanceTime(q.kda.end);
  const ms = cpuMs(t);
  app.close();
  return { ms, rows };
}

async function runDuck(con: DuckDBConnection, q: Query): Promise<{ ms: number; rows: number }> {
  await settle();
  const t = process.cpuUsage();
  await con.run(q.duck);
  const ms = cpuMs(t);
  const r = await con.runAndReadAll('SELECT count(*) FROM o');
  return { ms, rows: Number(r.getRows()[0]![0]) };
}

async function main(): Promise<void> {
  for (const flag of ['--single-threaded-gc', '--expose-gc'])
    if (!process.execArgv.includes(flag))
      console.error(`warning: run with node ${flag} (see the header of this file): the figures are not comparable without it`);
  const only = process.argv.find((a) => /^q\d+$/.test(a));
  if (process.argv.includes('--freshet-only')) {
    // --profile <file>: a CPU profile of the timed runs after the warm-up (the inspector's profile of the last run).
    const pi = process.argv.indexOf('--profile');
    const profileFile = pi > 0 ? process.argv[pi + 1] : undefined;
    const profiler = profileFile ? new Session() : null;
    profiler?.connect();
    for (const q of QUERIES) {
      if (only && q.id !== only) continue;
      const ms: number[] = [];
      for (let i = 0; i <= RUNS; i++) ms.push((await runFlink(q, i === RUNS && profileFile ? { profiler: profiler!, file: profileFile } : null)).ms);
      console.log(
        `${q.id}: Freshet ${fmtRate(q.events, median(ms.slice(1)))} (CPU ms of ${RUNS} runs after a warm-up: ${ms
          .slice(1)
          .map((x) => x.toFixed(0))
          .join(', ')})`,
      );
    }
    return;
  }
  const duck = await DuckDBInstance.create(':memory:');
  const con = await duck.connect();
  await loadNexmarkTables(con, { bids, persons, auctions });
  // The generator's objects are in DuckDB now; only the engines' rows stay in memory.
  bids.length = 0;
  persons.length = 0;
  auctions.length = 0;
  const lines: string[] = [];
  for (const q of QUERIES) {
    if (only && q.id !== only) continue;
    const f: number[] = [];
    const k: number[] = [];
    const d: number[] = [];
    let rows = { flink: 0, kda: 0, duck: 0 };
    // One untimed warm-up of each (JIT for the generated code, DuckDB's caches).
    await runFlink(q);
    await runKda(q);
    await runDuck(con, q);
    for (let i = 0; i < RUNS; i++) {
      const a = await runFlink(q);
      const b = await runKda(q);
      const c = await runDuck(con, q);
      f.push(a.ms);
      if (b) k.push(b.ms);
      d.push(c.ms);
      rows = { flink: a.rows, kda: b?.rows ?? 0, duck: c.rows };
    }
    const mf = median(f);
    const md = median(d);
    const mk = k.length > 0 ? median(k) : NaN;
    const check = rows.flink === rows.duck ? 'equal' : `DIFFER (Freshet ${rows.flink}, DuckDB ${rows.duck})`;
    const kdaCell = q.kda ? `${fmtRate(q.events, mk)} (${(mk / md).toFixed(2)}×; ${q.kda.what})` : '— (no KDA equivalent)';
    lines.push(
      `| ${q.id} | ${q.what} | ${q.events.toLocaleString('en')} | ${fmtRate(q.events, mf)} | ${fmtRate(q.events, md)} | **${(mf / md).toFixed(2)}×** | ${kdaCell} | ${rows.flink.toLocaleString('en')} (${check}) |`,
    );
    console.log(lines[lines.length - 1]);
  }
  con.closeSync();
  duck.closeSync();
  const md = `Command: \`node --single-threaded-gc --expose-gc --import tsx bench/sql/nexmark-flink.ts\` (FRESHET_BENCH_EVENTS=${N_BIDS}, FRESHET_BENCH_RUNS=${RUNS}).
Machine: ${machineLine()}; load average at the end of the run ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ')} (the machine is shared: compare the ratios within this run, not absolute figures).

Input: ${N_BIDS.toLocaleString('en')} Nexmark-style bids (10,000 auctions, 100,000 bidders, event time 10k bids/s, in time order) and, for q8, ${N_PERSONS.toLocaleString('en')} people + ${(N_PERSONS * 3).toLocaleString('en')} auctions, generated once and held in memory as rows. Freshet runs each query as a Flink SQL job (FlinkApplication; compile excluded; the bids pushed as columnar batches of ${BATCH} (\`pushColumns\`: one vector per column, numbers in Float64Arrays — what the Kinesis source's \`pushRecords\` decodes a GetRecords page into), q8's people and auctions as rows, each batch cut from the input before the timed runs, with a 1-second watermark delay, then end of input fires the last windows; every output row goes through the typed insert into a blackhole sink). DuckDB (\`SET threads = 1\`) runs the same query as a batch over the same rows in tables (\`CREATE TEMP TABLE o AS ...\`, load excluded): HOP windows by unnesting each bid's five windows, sessions with \`lag\` and a running sum. The KDA column runs the nearest KDA SQL application over the same rows (q5's KDA form is a sliding window: a different result). Throughput = input events / median CPU time (user + system of the one process, DuckDB's thread included) of ${RUNS} runs after one untimed warm-up, one core — CPU time rather than wall time because the machine is shared and loaded; "× DuckDB" is Freshet's time divided by DuckDB's (lower is better); the last column checks that Freshet and DuckDB produce the same number of rows.

Method (the same for all three engines): before each timed run a full collection, an idle 50 ms, another collection and idle (\`--expose-gc\`), so the run starts on a settled heap and is not charged for sweeping the previous run's garbage; and V8's collector runs on the main thread (\`--single-threaded-gc\`), so each run is charged for exactly the collections its own allocation causes. Without that flag process CPU time also counts V8's background marking and sweeping threads, whose work (after a forced collection, or started by V8's memory reducer during the idle) lands on whichever engine is being timed: in one run q7's DuckDB time was 5.7 M/s with concurrent GC and 21.9 M/s without, and the ratios were mostly GC noise. Earlier figures in this section (before 2026-12-07 afternoon) were taken without this and are not comparable. Each engine's job of its last run stays referenced (closed) until its next run has built one, as a server's other jobs would be: before 2026-12-08, with no job alive across DuckDB's run and its collections, V8 dropped the engine's hidden classes and their optimized code, and every timed Flink and KDA run paid for compiling the engine's hot functions again (q8: 148–175 ms per run then, 92–108 ms with this, on the same code); earlier Freshet and KDA figures include that cost.

| query | what | events | Freshet (Flink SQL) | DuckDB (1 thread) | Flink SQL time × DuckDB | KDA SQL (time × DuckDB) | output rows |
|---|---|---:|---:|---:|---:|---|---|
${lines.join('\n')}

Target: each Flink-dialect query within 1.5× of DuckDB's time.`;
  if (!process.argv.includes('--no-write') && !only) writeSection('sql-flink', 'Flink SQL: Nexmark-style queries', md);
  console.log(md);
}

await main();
