/**
 * Nexmark-style queries in the KDA dialect over pre-generated Person /
 * Auction / Bid rows already in memory, side by side in one run with DuckDB
 * (one thread, the same records loaded into tables, the same query as a
 * batch) and a hand-written JS loop as the floor. Figures are events per
 * second on one core; results are cross-checked between the three.
 *
 *   node --import tsx bench/sql/nexmark.ts            # writes the `sql` section of docs/benchmarks.md
 *   FRESHET_BENCH_EVENTS=200000 node --import tsx bench/sql/nexmark.ts --no-write
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { parseRecord, SqlApplication, type ColumnDef, type InputColumn, type Row } from '../../src/sql/index.ts';
import { loadavg } from 'node:os';
import { machineLine, median, writeSection } from '../lib/report.ts';
import { fmtRate, loadNexmarkTables, personsAndAuctions, type Bid } from '../lib/nexmark.ts';

const N_BIDS = Number(process.env.FRESHET_BENCH_EVENTS ?? 1_000_000);
const RUNS = Number(process.env.FRESHET_BENCH_RUNS ?? 5);
const EVENTS_PER_SECOND = 10_000; // event time: 10k bids/s, so 1M bids span 100 s
const BATCH = 1000;
const T0 = Date.UTC(2021, 0, 31, 14, 0, 0);
const AUCTIONS = 10_000;

// ---- data ----
let seed = 12345;
const rnd = (): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'];

const bids: Bid[] = [];
for (let i = 0; i < N_BIDS; i++) {
  bids.push({
    auction: Math.floor(rnd() * AUCTIONS),
    bidder: Math.floor(rnd() * 100_000),
    price: 100 + Math.floor(rnd() * 99_900),
    channel: CHANNELS[i & 3]!,
    url: `https://www.nexmark.com/item/${i % 997}`,
    rt: T0 + Math.floor((i * 1000) / EVENTS_PER_SECOND),
  });
}
// q8: Nexmark's 1 person : 3 auctions; sellers are people who joined in the last ~5 s (most joins hit).
const N_PERSONS = Math.floor(N_BIDS / 10);
const { persons, auctions } = personsAndAuctions(N_PERSONS, T0, EVENTS_PER_SECOND, rnd);

const vc = (n: number): ColumnDef['type'] => ({ name: 'VARCHAR', length: n });
const BID_COLS: ColumnDef[] = [
  { name: 'AUCTION', type: { name: 'INTEGER' } },
  { name: 'BIDDER', type: { name: 'INTEGER' } },
  { name: 'PRICE', type: { name: 'DOUBLE' } },
  { name: 'CHANNEL', type: vc(16) },
  { name: 'URL', type: vc(64) },
];
const PERSON_COLS: ColumnDef[] = [
  { name: 'ID', type: { name: 'INTEGER' } },
  { name: 'NAME', type: vc(32) },
  { name: 'CITY', type: vc(16) },
  { name: 'STATE', type: vc(2) },
];
const AUCTION_COLS: ColumnDef[] = [
  { name: 'ID', type: { name: 'INTEGER' } },
  { name: 'SELLER', type: { name: 'INTEGER' } },
  { name: 'RESERVE', type: { name: 'INTEGER' } },
  { name: 'CATEGORY', type: { name: 'INTEGER' } },
];

/** Internal row shape [ROWTIME, ...columns, APPROXIMATE_ARRIVAL_TIME], built once (the "already in memory" input). */
const bidRows: Row[] = bids.map((b) => [b.rt, b.auction, b.bidder, b.price, b.channel, b.url, b.rt]);
const personRows: Row[] = persons.map((p) => [p.rt, p.id, p.name, p.city, p.state, p.rt]);
const auctionRows: Row[] = auctions.map((a) => [a.rt, a.id, a.seller, a.reserve, a.category, a.rt]);

/** Output rows collected per batch of BATCH inputs, as the engine hands them on, and counted. */
class Sink {
  private rows: Row[] = [];
  private n = 0;
  count = 0;
  push(r: Row): void {
    this.rows.push(r);
    if (++this.n === BATCH) this.flush();
  }
  private flush(): void {
    this.count += this.rows.length;
    this.rows = [];
    this.n = 0;
  }
  done(): number {
    this.flush();
    return this.count;
  }
}

// ---- queries ----
interface Query {
  id: string;
  what: string;
  code: string;
  inputs: { name: string; columns: ColumnDef[] }[];
  events: number;
  feed: (app: SqlApplication) => void;
  end: number;
  loop: () => number;
  duck: string;
}

function feedBids(app: SqlApplication): void {
  for (let i = 0; i < bidRows.length; i += BATCH) {
    const batch = bidRows.slice(i, i + BATCH);
    app.pushRows('BID', batch, batch[batch.length - 1]![6] as number);
  }
}
function feedQ8(app: SqlApplication): void {
  const step = BATCH / 4;
  for (let i = 0; i < personRows.length; i += step) {
    const p = personRows.slice(i, i + step);
    const a = auctionRows.slice(i * 3, (i + step) * 3);
    const t = p[p.length - 1]![5] as number;
    app.pushRows('PERSON', p, t);
    app.pushRows('AUCTION', a, t);
  }
}
const bidEnd = bids[bids.length - 1]!.rt + 60_000;

const QUERIES: Query[] = [
  {
    id: 'q0',
    what: 'pass-through',
    events: N_BIDS,
    feed: feedBids,
    end: bidEnd,
    inputs: [{ name: 'BID', columns: BID_COLS }],
    code: `CREATE OR REPLACE STREAM out (auction INTEGER, bidder INTEGER, price DOUBLE, channel VARCHAR(16), url VARCHAR(64));
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT STREAM * FROM bid;`,
    loop: () => {
      const sink = new Sink();
      for (const r of bidRows) sink.push([r[0], r[1], r[2], r[3], r[4], r[5]]);
      return sink.done();
    },
    duck: 'CREATE OR REPLACE TEMP TABLE o AS SELECT auction, bidder, price, channel, url, rt FROM bid',
  },
  {
    id: 'q1',
    what: 'projection (price in EUR)',
    events: N_BIDS,
    feed: feedBids,
    end: bidEnd,
    inputs: [{ name: 'BID', columns: BID_COLS }],
    code: `CREATE OR REPLACE STREAM out (auction INTEGER, bidder INTEGER, price DOUBLE, channel VARCHAR(16));
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT STREAM auction, bidder, price * 0.908, channel FROM bid;`,
    loop: () => {
      const sink = new Sink();
      for (const r of bidRows) sink.push([r[0], r[1], r[2], (r[3] as number) * 0.908, r[4]]);
      return sink.done();
    },
    duck: 'CREATE OR REPLACE TEMP TABLE o AS SELECT auction, bidder, price * 0.908 AS price, channel, rt FROM bid',
  },
  {
    id: 'q2',
    what: 'filter (auction % 123 = 0)',
    events: N_BIDS,
    feed: feedBids,
    end: bidEnd,
    inputs: [{ name: 'BID', columns: BID_COLS }],
    code: `CREATE OR REPLACE STREAM out (auction INTEGER, price DOUBLE);
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT STREAM auction, price FROM bid WHERE MOD(auction, 123) = 0;`,
    loop: () => {
      const sink = new Sink();
      for (const r of bidRows) if ((r[1] as number) % 123 === 0) sink.push([r[0], r[1], r[3]]);
      return sink.done();
    },
    duck: 'CREATE OR REPLACE TEMP TABLE o AS SELECT auction, price, rt FROM bid WHERE auction % 123 = 0',
  },
  {
    id: 'q7',
    what: 'tumbling MAX(price) per 10 s',
    events: N_BIDS,
    feed: feedBids,
    end: bidEnd,
    inputs: [{ name: 'BID', columns: BID_COLS }],
    code: `CREATE OR REPLACE STREAM out (max_price DOUBLE);
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT STREAM MAX(price) FROM bid GROUP BY STEP(bid.ROWTIME BY INTERVAL '10' SECOND);`,
    loop: () => {
      const m = new Map<number, number>();
      for (const r of bidRows) {
        const w = Math.floor((r[0] as number) / 10_000);
        const v = r[3] as number;
        const cur = m.get(w);
        if (cur === undefined || v > cur) m.set(w, v);
      }
      return m.size;
    },
    duck: 'CREATE OR REPLACE TEMP TABLE o AS SELECT floor(rt / 10000) AS w, max(price) AS max_price FROM bid GROUP BY w',
  },
  {
    id: 'q5',
    what: 'sliding COUNT(*) per auction, 10 s',
    events: N_BIDS,
    feed: feedBids,
    end: bidEnd,
    inputs: [{ name: 'BID', columns: BID_COLS }],
    code: `CREATE OR REPLACE STREAM out (auction INTEGER, n BIGINT);
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT STREAM auction, COUNT(*) OVER (PARTITION BY auction RANGE INTERVAL '10' SECOND PRECEDING) FROM bid;`,
    loop: () => {
      const frames = new Map<number, number[]>();
      const sink = new Sink();
      for (const r of bidRows) {
        const k = r[1] as number;
        const t = r[0] as number;
        let f = frames.get(k);
        if (!f) {
          f = [];
          frames.set(k, f);
        }
        f.push(t);
        while (f[0]! < t - 10_000) f.shift();
        sink.push([t, k, f.length]);
      }
      return sink.done();
    },
    duck: 'CREATE OR REPLACE TEMP TABLE o AS SELECT auction, count(*) OVER (PARTITION BY auction ORDER BY rt RANGE BETWEEN 10000 PRECEDING AND CURRENT ROW) AS n FROM bid',
  },
  {
    id: 'q8',
    what: 'windowed join: auctions × people who joined in the last 10 s',
    events: personRows.length + auctionRows.length,
    feed: feedQ8,
    end: persons[persons.length - 1]!.rt + 60_000,
    inputs: [
      { name: 'PERSON', columns: PERSON_COLS },
      { name: 'AUCTION', columns: AUCTION_COLS },
    ],
    code: `CREATE OR REPLACE STREAM out (id INTEGER, name VARCHAR(32), reserve INTEGER);
CREATE OR REPLACE PUMP p AS INSERT INTO out SELECT STREAM p.id, p.name, a.reserve
  FROM auction AS a JOIN person OVER (RANGE INTERVAL '10' SECOND PRECEDING) AS p ON a.seller = p.id;`,
    loop: () => {
      // People by id with their ROWTIME; a person older than 10 s does not match.
      const byId = new Map<number, Row>();
      const sink = new Sink();
      let pi = 0;
      for (const a of auctionRows) {
        const t = a[0] as number;
        while (pi < personRows.length && (personRows[pi]![0] as number) <= t) {
          byId.set(personRows[pi]![1] as number, personRows[pi]!);
          pi++;
        }
        const p = byId.get(a[2] as number);
        if (p && (p[0] as number) >= t - 10_000) sink.push([t, p[1], p[2], a[3]]);
      }
      return sink.done();
    },
    duck: 'CREATE OR REPLACE TEMP TABLE o AS SELECT p.id, p.name, a.reserve FROM auction a JOIN person p ON a.seller = p.id AND p.rt BETWEEN a.rt - 10000 AND a.rt',
  },
];

// ---- runners ----
function runFreshet(q: Query): { ms: number; rows: number } {
  const app = SqlApplication.compile(q.code, { inputs: q.inputs });
  let rows = 0;
  app.onOutput('OUT', (r) => {
    rows += r.length;
  });
  const t = performance.now();
  q.feed(app);
  app.advanceTime(q.end);
  const ms = performance.now() - t;
  app.close();
  return { ms, rows };
}

function runLoop(q: Query): { ms: number; rows: number } {
  const t = performance.now();
  const rows = q.loop();
  return { ms: performance.now() - t, rows };
}

async function runDuck(con: DuckDBConnection, q: Query): Promise<{ ms: number; rows: number }> {
  const t = performance.now();
  await con.run(q.duck);
  const ms = performance.now() - t;
  const r = await con.runAndReadAll('SELECT count(*) FROM o');
  return { ms, rows: Number(r.getRows()[0]![0]) };
}

async function main(): Promise<void> {
  const duck = await DuckDBInstance.create(':memory:');
  const con = await duck.connect();
  await loadNexmarkTables(con, { bids, persons, auctions });
  const lines: string[] = [];
  const summary: { id: string; freshet: number; loop: number; duck: number }[] = [];
  for (const q of QUERIES) {
    const f: number[] = [];
    const l: number[] = [];
    const d: number[] = [];
    let rows = { freshet: 0, loop: 0, duck: 0 };
    // One untimed warm-up of each (JIT for the generated code, DuckDB's caches).
    runFreshet(q);
    runLoop(q);
    await runDuck(con, q);
    for (let i = 0; i < RUNS; i++) {
      const a = runFreshet(q);
      const b = runLoop(q);
      const c = await runDuck(con, q);
      f.push(a.ms);
      l.push(b.ms);
      d.push(c.ms);
      rows = { freshet: a.rows, loop: b.rows, duck: c.rows };
    }
    const mf = median(f),
      ml = median(l),
      md = median(d);
    summary.push({ id: q.id, freshet: mf, loop: ml, duck: md });
    const check = rows.freshet === rows.loop && rows.loop === rows.duck ? 'equal' : `DIFFER (Freshet ${rows.freshet}, loop ${rows.loop}, DuckDB ${rows.duck})`;
    lines.push(
      `| ${q.id} | ${q.what} | ${q.events.toLocaleString('en')} | ${fmtRate(q.events, mf)} | ${fmtRate(q.events, ml)} | ${fmtRate(q.events, md)} | ${(mf / md).toFixed(2)}× | ${(mf / ml).toFixed(1)}× | ${rows.freshet.toLocaleString('en')} (${check}) |`,
    );
    console.log(lines[lines.length - 1]);
  }
  con.closeSync();
  duck.closeSync();

  // Input record parsing (hot path of every application input): S1-shaped JSON records → typed rows.
  const salesCols: InputColumn[] = [
    { name: 'category', type: { name: 'VARCHAR', length: 16 }, mapping: '$.category' },
    { name: 'store_id', type: { name: 'VARCHAR', length: 16 }, mapping: '$.store_id' },
    { name: 'evnt_time', type: { name: 'TIMESTAMP' }, mapping: '$.evnt_time' },
    { name: 'sales', type: { name: 'REAL' }, mapping: '$.sales' },
  ];
  const N_REC = Math.min(200_000, N_BIDS);
  const recs = Array.from({ length: N_REC }, (_x, i) =>
    new TextEncoder().encode(
      JSON.stringify({
        category: 'Electronics',
        store_id: `store_${1 + (i % 5)}`,
        evnt_time: '2021-01-31T14:05:47.190114',
        sales: Math.round(rnd() * 10000) / 100,
      }),
    ),
  );
  const parseTimes: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const t = performance.now();
    let n = 0;
    for (const r of recs) n += parseRecord(r, { type: 'JSON' }, salesCols).rows.length;
    if (n !== N_REC) throw new Error('parse count');
    if (run > 0) parseTimes.push(performance.now() - t);
  }
  const parseLine = `Input parsing (\`parseRecord\`, JSON with JSONPath mappings to VARCHAR/TIMESTAMP/REAL columns, S1's record shape): ${fmtRate(N_REC, median(parseTimes))} records (${N_REC.toLocaleString('en')} records, median of ${RUNS}).`;
  console.log(parseLine);
  const md = `Command: \`node --import tsx bench/sql/nexmark.ts\` (FRESHET_BENCH_EVENTS=${N_BIDS}, FRESHET_BENCH_RUNS=${RUNS}).
Machine: ${machineLine()}; load average at the end of the run ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ')} (the machine is shared: compare the ratios within this run, not absolute figures).

Input: ${N_BIDS.toLocaleString('en')} Nexmark-style bids (10,000 auctions, event time 10k bids/s) and, for q8, ${N_PERSONS.toLocaleString('en')} people + ${(N_PERSONS * 3).toLocaleString('en')} auctions, generated once and held in memory as rows. Freshet runs the query as a KDA SQL application (compile excluded; rows pushed in batches of ${BATCH}; every output row goes through the pump's typed insert into the output stream). DuckDB ${'(@duckdb/node-api, `SET threads = 1`)'} runs the same query as a batch over the same records loaded into tables (\`CREATE TEMP TABLE o AS ...\`, load excluded). The JS loop is a hand-written single-purpose loop over the same rows that materialises its output rows the same way (arrays, handed on per batch): the floor. Throughput = input events / median wall time of ${RUNS} runs after one untimed warm-up run, one core. "vs DuckDB" and "vs loop" are Freshet's time divided by theirs (lower is better); the last column checks that all three produce the same number of rows.

| query | what | events | Freshet | JS loop | DuckDB (1 thread) | Freshet time vs DuckDB | vs loop | output rows |
|---|---|---:|---:|---:|---:|---:|---:|---|
${lines.join('\n')}

${parseLine}

Targets: q0–q2 ≥ 1M events/s; tumbling aggregation (q7) within 3× of DuckDB.`;
  if (!process.argv.includes('--no-write')) writeSection('sql', 'SQL engine: Nexmark-style queries', md);
  console.log(md);
}

await main();
