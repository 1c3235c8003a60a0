/**
 * A Flink SQL application at Parallelism 1 against 2 (ParallelismConfiguration): records already in a 4-shard
 * Freshet stream (in-process server, MemoryStorage, ManualClock), the application started at TRIM_HORIZON and
 * timed from StartApplication until every record has gone through (FlinkJob.settle()). Two jobs: a stateless
 * filter/projection (shards assigned to subtasks) and a per-ticker one-minute tumbling SUM (rows routed by key).
 * Wall-clock time (the subtasks run on other threads) and the process's CPU time (every thread), median of --runs
 * after a warm-up run per configuration (which also starts the pooled subtask workers); the two parallelisms'
 * runs alternate, so a change in the machine's load meets both.
 *
 *   node --import tsx bench/analytics/flink-parallel.ts [--records 200000] [--runs 5] [--only keyed] [--write]
 *
 * `--write` records the figures in docs/benchmarks.md (section analytics-flink-parallel).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { CreateApplicationCommand, KinesisAnalyticsV2Client, StartApplicationCommand, StopApplicationCommand } from '@aws-sdk/client-kinesis-analytics-v2';
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ManualClock } from '../../src/core/index.ts';
import { MemoryStorage } from '../../src/storage/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { AnalyticsV2Service } from '../../src/analytics/index.ts';
import { machineLine, median, writeSection } from '../lib/report.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    runs: { type: 'string', default: '5' },
    write: { type: 'boolean', default: false },
    /** Only the jobs whose label contains this (profiling one of them). */
    only: { type: 'string', default: '' },
  },
});
const N = Number(values.records);
const RUNS = Number(values.runs);
const SHARDS = 4;
const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const TICKERS = Array.from({ length: 64 }, (_, i) => `T${i}`);

const SOURCE = `CREATE TABLE ticks (event_time TIMESTAMP(3), ticker STRING, price DOUBLE, qty INT,
  WATERMARK FOR event_time AS event_time - INTERVAL '1' SECOND
) WITH ('connector' = 'kinesis', 'stream' = 'ticks', 'scan.stream.initpos' = 'TRIM_HORIZON', 'format' = 'json',
        'json.timestamp-format.standard' = 'ISO-8601');`;
const JOBS: Record<string, string> = {
  'stateless filter': `${SOURCE}
CREATE TABLE out_t (ticker STRING, notional DOUBLE) WITH ('connector' = 'blackhole');
INSERT INTO out_t SELECT UPPER(ticker), price * qty FROM ticks WHERE price > 20;`,
  'keyed TUMBLE SUM': `${SOURCE}
CREATE TABLE out_t (ticker STRING, window_start TIMESTAMP(3), total DOUBLE) WITH ('connector' = 'blackhole');
INSERT INTO out_t SELECT ticker, window_start, SUM(price * qty)
FROM TABLE(TUMBLE(TABLE ticks, DESCRIPTOR(event_time), INTERVAL '1' MINUTE)) GROUP BY ticker, window_start, window_end;`,
};

const clock = new ManualClock(T0);
const server = await startServer({
  port: 0,
  storage: new MemoryStorage(),
  clock,
  region: 'us-east-1',
  accountId: '000000000000',
  createDelayMs: 0,
  analyticsV2: { startMs: 0, stopMs: 0, updateMs: 0, deleteMs: 0 },
});
const config = {
  endpoint: server.url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  maxAttempts: 1,
  requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }) }),
};
const v2 = new KinesisAnalyticsV2Client(config);
const kinesis = new KinesisClient(config);
const service = server.services.find((s) => s.targetPrefix === 'KinesisAnalytics_20180523') as AnalyticsV2Service;

await kinesis.send(new CreateStreamCommand({ StreamName: 'ticks', ShardCount: SHARDS }));
clock.advance(1);
const load = loadavg()[0]!;
for (let i = 0; i < N; i += 500) {
  const records = [];
  for (let j = i; j < Math.min(N, i + 500); j++) {
    const body = { event_time: new Date(T0 + j * 10).toISOString(), ticker: TICKERS[(j * 13) % TICKERS.length], price: 10 + (j % 50), qty: 1 + (j % 7) };
    records.push({ PartitionKey: `p${j % 97}`, Data: Buffer.from(JSON.stringify(body)) });
  }
  await kinesis.send(new PutRecordsCommand({ StreamName: 'ticks', Records: records }));
}

/** The main thread's CPU time in ms (Linux: /proc/self/task/<pid>/stat, in clock ticks of 10 ms); NaN elsewhere. */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

let apps = 0;
async function runOnce(sql: string, parallelism: number): Promise<{ ms: number; cpuMs: number; mainMs: number }> {
  const name = `bench-${++apps}`;
  await v2.send(
    new CreateApplicationCommand({
      ApplicationName: name,
      RuntimeEnvironment: 'FLINK-1_18',
      ServiceExecutionRole: 'arn:aws:iam::000000000000:role/bench',
      ApplicationConfiguration: {
        ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: sql } },
        FlinkApplicationConfiguration: { ParallelismConfiguration: { ConfigurationType: 'CUSTOM', Parallelism: parallelism, AutoScalingEnabled: false } },
      },
    }),
  );
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const m0 = mainThreadCpuMs();
  await v2.send(new StartApplicationCommand({ ApplicationName: name }));
  await service.registry.whenSettled();
  const job = service.registry.job(name)!;
  await job.settle();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpuMs = (c.user + c.system) / 1000;
  const mainMs = mainThreadCpuMs() - m0;
  if (job.stats().recordsRead !== N) throw new Error(`${name} read ${job.stats().recordsRead} of ${N} records`);
  if (job.parallel.n !== parallelism) throw new Error(`${name} ran as ${job.parallel.n} subtasks, not ${parallelism}`);
  await v2.send(new StopApplicationCommand({ ApplicationName: name, Force: true }));
  await service.registry.whenSettled();
  return { ms, cpuMs, mainMs };
}

const lines: string[] = [];
for (const [label, sql] of Object.entries(JOBS)) {
  if (!label.includes(values.only)) continue;
  const times: Record<number, number[]> = { 1: [], 2: [] };
  const cpu: Record<number, number[]> = { 1: [], 2: [] };
  const main: Record<number, number[]> = { 1: [], 2: [] };
  await runOnce(sql, 1);
  await runOnce(sql, 2);
  for (let r = 0; r < RUNS; r++)
    for (const p of [1, 2]) {
      const { ms, cpuMs, mainMs } = await runOnce(sql, p);
      times[p]!.push(ms);
      cpu[p]!.push(cpuMs);
      main[p]!.push(mainMs);
    }
  const rate = (p: number): number => N / (median(times[p]!) / 1000);
  for (const p of [1, 2])
    console.log(
      `${label} at parallelism ${p}: wall ${times[p]!.map((t) => t.toFixed(0)).join(', ')} ms; CPU ${cpu[p]!.map((t) => t.toFixed(0)).join(', ')} ms (main thread ${main[p]!.map((t) => t.toFixed(0)).join(', ')} ms)`,
    );
  const k = (x: number): string => `${(x / 1000).toFixed(1)}k records/s`;
  lines.push(
    `| ${label} | ${k(rate(1))} | ${k(rate(2))} | ${(rate(2) / rate(1)).toFixed(2)}× | ${median(cpu[1]!).toFixed(0)} ms | ${median(cpu[2]!).toFixed(0)} ms (main thread ${median(main[2]!).toFixed(0)} ms) | ${(median(cpu[2]!) / median(cpu[1]!)).toFixed(2)}× | ${((median(cpu[1]!) * 1000) / N).toFixed(2)} / ${((median(cpu[2]!) * 1000) / N).toFixed(2)} µs |`,
  );
}
v2.destroy();
kinesis.destroy();
await server.close();

const md = `${machineLine()}; load average ${load.toFixed(1)} at the start; ${N.toLocaleString('en-US')} JSON records in a ${SHARDS}-shard stream, read from TRIM_HORIZON by a v2 application; wall-clock time from StartApplication until every record has gone through, median of ${RUNS} runs after a warm-up.
Command: \`node --import tsx bench/analytics/flink-parallel.ts --records ${N} --runs ${RUNS} --write\`

| job | Parallelism 1 | Parallelism 2 | throughput ratio | CPU time at 1 | CPU time at 2 | CPU ratio | CPU per record at 1 / 2 |
|---|---|---|---|---|---|---|---|
${lines.join('\n')}

The wall-clock ratio is what parallelism buys when a second core is free${load > 2 ? "; with the load average above this machine's 2 cores it partly measures the other work" : ''}. Read it with the CPU ratio: what the same records cost in all threads at 2 subtasks against 1, and CPU per record, which a loaded machine changes far less than wall-clock time. At 2 subtasks the main thread reads the shards and packs each batch of records into one transferred ArrayBuffer (its share is in brackets); the subtasks decode them, and for a keyed job route rows by key group to each other as packed rows (src/analytics/v2/wire.ts). What 2 subtasks cost beyond 1: packing and unpacking batches, for a keyed job a router per subtask and an operator instance per key group.`;
console.log(md);
if (values.write) writeSection('analytics-flink-parallel', 'Flink SQL applications: Parallelism 1 against 2', md);
