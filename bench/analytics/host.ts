/**
 * Kinesis Analytics runtime host throughput: records already in a Freshet
 * stream (in-process KinesisEngine on MemoryStorage) → a running application
 * started at TRIM_HORIZON → output stream, timed until the host is idle.
 *
 *   node --import tsx bench/analytics/host.ts [--records 100000] [--runs 3] [--write]
 *
 * Two applications: a pass-through (every record becomes an output record:
 * read + parse + SQL + JSON format + PutRecords) and S1's tumbling SUM (read +
 * parse + SQL; few output rows). The floors are the SQL engine alone (the same
 * records parsed and pushed into a SqlApplication in a plain loop, no host) and
 * the engine plus JSON formatting of every output row.
 * `--write` records the figures in docs/benchmarks.md (section analytics-host).
 */
import { parseArgs } from 'node:util';
import { ManualClock } from '../../src/core/index.ts';
import { createAnalyticsService } from '../../src/analytics/index.ts';
import { SqlApplication, formatRowJson, parseRecord, parseType } from '../../src/sql/index.ts';
import type { RequestContext } from '../../src/aws/index.ts';
import { inProcessKinesis } from '../lib/kinesis.ts';
import { machineLine, median, writeSection } from '../lib/report.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '3' },
    shards: { type: 'string', default: '2' },
    write: { type: 'boolean', default: false },
  },
});
const N = Number(values.records);
const RUNS = Number(values.runs);
const SHARDS = Number(values.shards);
const ROLE = 'arn:aws:iam::000000000000:role/bench';
const arn = (s: string) => `arn:aws:kinesis:us-east-1:000000000000:stream/${s}`;

const COLUMNS = [
  { Name: 'category', SqlType: 'VARCHAR(16)', Mapping: '$.category' },
  { Name: 'store_id', SqlType: 'VARCHAR(16)', Mapping: '$.store_id' },
  { Name: 'evnt_time', SqlType: 'VARCHAR(32)', Mapping: '$.evnt_time' },
  { Name: 'sales', SqlType: 'REAL', Mapping: '$.sales' },
];

const APPS = {
  'pass-through': `CREATE OR REPLACE STREAM "DEST" ("store_id" VARCHAR(16), "sales" REAL);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM "store_id", "sales" FROM "SOURCE_SQL_STREAM_001";`,
  's1-tumbling-sum': `CREATE OR REPLACE STREAM "DEST" ("store_id" VARCHAR(16),"revenue" REAL, "timestamp" TIMESTAMP);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST"
    SELECT STREAM "store_id", SUM("sales") AS "revenue", ROWTIME AS "timestamp"
        FROM "SOURCE_SQL_STREAM_001"
        GROUP BY STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '60' SECOND), "store_id";`,
} as const;
type AppName = keyof typeof APPS;

function records(n: number, startMs: number): { data: Uint8Array[]; arrivals: number[] } {
  const enc = new TextEncoder();
  const data: Uint8Array[] = [];
  const arrivals: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = startMs + Math.floor(i / 20) * 50; // 400 records a second
    data.push(
      enc.encode(JSON.stringify({ category: 'Books', store_id: `store_${1 + (i % 5)}`, evnt_time: new Date(t).toISOString(), sales: (i % 10_000) / 100 })),
    );
    arrivals.push(t);
  }
  return { data, arrivals };
}

async function hostRun(app: AppName, n: number): Promise<number> {
  const clock = new ManualClock();
  const { kinesis, storage } = await inProcessKinesis({ clock, streams: { in: SHARDS, out: 1 } });
  const { data } = records(n, clock.now());
  for (let i = 0; i < n; i += 500) {
    await kinesis.putRecords(
      'in',
      data.slice(i, i + 500).map((d, j) => ({ partitionKey: String(i + j), data: d })),
    );
  }
  const service = createAnalyticsService({ storage, clock, region: 'us-east-1', accountId: '000000000000', kinesis, dataDir: undefined });
  const ctx = { requestId: 'bench', region: 'us-east-1', accountId: '000000000000', clock, protocol: 'json' } as RequestContext;
  await service.actions.CreateApplication!(
    {
      ApplicationName: 'bench',
      Inputs: [
        {
          NamePrefix: 'SOURCE_SQL_STREAM',
          KinesisStreamsInput: { ResourceARN: arn('in'), RoleARN: ROLE },
          InputSchema: {
            RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
            RecordColumns: COLUMNS,
          },
        },
      ],
      Outputs: [{ Name: 'DEST', KinesisStreamsOutput: { ResourceARN: arn('out'), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'JSON' } }],
      ApplicationCode: APPS[app],
    },
    ctx,
  );
  const t0 = performance.now();
  await service.actions.StartApplication!(
    {
      ApplicationName: 'bench',
      InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' } }],
    },
    ctx,
  );
  await service.host.whenIdle('bench');
  const ms = performance.now() - t0;
  const stats = service.host.stats('bench')!;
  if (stats.recordsRead !== n) throw new Error(`read ${stats.recordsRead} of ${n} records`);
  await service.close();
  await kinesis.close();
  return n / (ms / 1000);
}

function floorRun(app: AppName, n: number, formatOutput: boolean): number {
  const { data, arrivals } = records(n, Date.UTC(2021, 0, 31, 14));
  const columns = COLUMNS.map((c) => ({ name: c.Name, type: parseType(c.SqlType), mapping: c.Mapping }));
  const sql = SqlApplication.compile(APPS[app], { inputs: [{ name: 'SOURCE_SQL_STREAM_001', columns }] });
  let out = 0;
  const destColumns = sql.columns('DEST');
  const enc = new TextEncoder();
  let bytes = 0;
  sql.onOutput('DEST', (rows) => {
    out += rows.length;
    if (formatOutput) for (const r of rows) bytes += enc.encode(formatRowJson(destColumns, r)).length;
  });
  const format = { type: 'JSON' as const };
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const parsed = parseRecord(data[i]!, format, columns);
    sql.push('SOURCE_SQL_STREAM_001', parsed.rows, arrivals[i]!, arrivals[i]!);
  }
  const ms = performance.now() - t0;
  sql.close();
  if (out === 0 && app === 'pass-through') throw new Error('no output');
  if (formatOutput && bytes === 0 && app === 'pass-through') throw new Error('nothing formatted');
  return n / (ms / 1000);
}

const results: Array<{ app: AppName; host: number; floor: number; formatted: number }> = [];
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
for (const app of Object.keys(APPS) as AppName[]) {
  const host: number[] = [];
  const floor: number[] = [];
  const formatted: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    floor.push(floorRun(app, N, false));
    formatted.push(floorRun(app, N, true));
    host.push(await hostRun(app, N));
  }
  results.push({ app, host: median(host), floor: median(floor), formatted: median(formatted) });
  process.stdout.write(
    `${app}: host ${fmt(median(host))} records/s; SQL engine alone ${fmt(median(floor))}; engine + JSON output formatting ${fmt(median(formatted))}\n`,
  );
}

if (values.write) {
  const rows = results.map(
    (r) => `| ${r.app} | ${fmt(r.host)} | ${fmt(r.formatted)} | ${fmt(r.floor)} | ${(r.host / r.formatted).toFixed(2)} | ${(r.host / r.floor).toFixed(2)} |`,
  );
  const md = `Command: \`node --import tsx bench/analytics/host.ts --records ${N} --runs ${RUNS} --shards ${SHARDS} --write\`

Machine: ${machineLine()}

${N.toLocaleString('en-US')} JSON sales records (S1's shape) already in a ${SHARDS}-shard stream (in-process KinesisEngine, MemoryStorage); the application starts at TRIM_HORIZON and the time runs until the host has read, parsed, pushed and written everything. The floors run the same records through a plain loop with no host: "engine" = parsed (src/sql parseRecord) and pushed into a SqlApplication; "engine + format" also formats every output row as a JSON record. What the host adds on top is reading the shard logs, merging shards by arrival time, and writing output records with Kinesis PutRecords semantics (MD5 partition-key routing, log append) — for the pass-through every input record is also an output record. Medians of ${RUNS} runs, one process, single-threaded; the machine is shared, so compare ratios within a run.

| Application | Host, records/s | Engine + format, records/s | Engine, records/s | Host / (engine + format) | Host / engine |
|---|---|---|---|---|---|
${rows.join('\n')}
`;
  writeSection('analytics-host', 'Kinesis Analytics runtime host', md);
  process.stdout.write('wrote the analytics-host section of docs/benchmarks.md\n');
}
