/**
 * Stream sources of metric detectors (`kinesis://`, src/detectors/stream-source.ts): how fast rows read from a
 * Kinesis stream are parsed and summed into an open interval, in process (in-memory streams, no HTTP).
 * Each run puts `--rows` CSV rows (10 per record, `--series` dimension values, timestamps inside one PT5M
 * interval) into a 4-shard stream, then times seal(): reading every shard to its end, parsing, summing, and
 * (with a data directory) the fsynced checkpoint and sealed-interval file. Writes its figures into
 * docs/benchmarks.md (section detectors-stream).
 *
 *   node --import tsx bench/detectors/stream.ts [--rows 500000] [--series 10000] [--runs 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/index.ts';
import { StreamSource } from '../../src/detectors/index.ts';
import { inProcessKinesis } from '../lib/kinesis.ts';
import { machineLine, median, writeSection } from '../lib/report.ts';

const args = process.argv.slice(2);
const argNum = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const ROWS = argNum('rows', 500_000);
const SERIES = argNum('series', 10_000);
const RUNS = argNum('runs', 5);
const FREQ = 300_000;
const T0 = Date.UTC(2021, 5, 2);
const load = loadavg()[0]!;

async function run(withDir: boolean): Promise<{ wallMs: number; cpuMs: number }> {
  const clock = new ManualClock(T0);
  const { kinesis } = await inProcessKinesis({ clock, streams: { bench: 4 } });
  const dir = withDir ? mkdtempSync(join(tmpdir(), 'freshet-bench-stream-')) : undefined;
  const src = new StreamSource(
    { kinesis, clock, roles: undefined, dir, log: undefined },
    {
      detectorName: 'bench',
      stream: 'bench',
      roleArn: undefined,
      freqMs: FREQ,
      schema: {
        format: 'CSV',
        delimiter: ',',
        headerList: ['page', 'event_time', 'views', 'latency'],
        containsHeader: false,
        timestampColumn: 'event_time',
        timestampFormat: 'yyyy-MM-dd HH:mm:ss',
        timezone: 'UTC',
        metrics: ['views', 'latency'],
        dimensions: ['page'],
      },
    },
  );
  await src.start(T0);
  const enc = new TextEncoder();
  for (let r = 0; r < ROWS; ) {
    const batch = [];
    for (let b = 0; b < 500 && r < ROWS; b++) {
      const lines: string[] = [];
      for (let j = 0; j < 10 && r < ROWS; j++, r++) {
        const t = new Date(T0 + (r % (FREQ - 1000))).toISOString();
        lines.push(`/p${r % SERIES},${t.slice(0, 10)} ${t.slice(11, 19)},${r % 7},${(r % 13) * 10}`);
      }
      batch.push({ partitionKey: `k${r}`, data: enc.encode(lines.join('\n')) });
    }
    await kinesis.putRecords('bench', batch);
  }
  clock.advanceTo(T0 + FREQ + 60_000);
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const sums = await src.seal(T0);
  const wallMs = performance.now() - w0;
  const cpu = process.cpuUsage(c0);
  if (sums.rows !== ROWS || sums.series.size !== SERIES) throw new Error(`sealed ${sums.rows} rows in ${sums.series.size} series`);
  await src.remove();
  await kinesis.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const results: Record<string, { wallMs: number; cpuMs: number }[]> = { memory: [], 'data dir': [] };
for (let i = 0; i < RUNS; i++) {
  results.memory!.push(await run(false));
  results['data dir']!.push(await run(true));
  process.stderr.write(`run ${i + 1}/${RUNS}\n`);
}
const lines = [
  machineLine(),
  '',
  `Command: \`node --import tsx bench/detectors/stream.ts --rows ${ROWS} --series ${SERIES} --runs ${RUNS}\`. Load average at the start: ${load.toFixed(1)}.`,
  '',
  `Sealing one PT5M interval of ${ROWS.toLocaleString('en-US')} CSV rows (10 per record, 4 shards, ${SERIES.toLocaleString('en-US')} series × 2 measures): reading the shards to their ends, parsing, summing; with a data directory also the fsynced checkpoint and sealed-interval file. Medians of ${RUNS} runs:`,
  '',
  '| | wall ms | CPU ms | rows per CPU-second |',
  '|---|---|---|---|',
];
for (const [name, rs] of Object.entries(results)) {
  const wall = median(rs.map((r) => r.wallMs));
  const cpu = median(rs.map((r) => r.cpuMs));
  lines.push(`| ${name} | ${wall.toFixed(0)} | ${cpu.toFixed(0)} | ${Math.round(ROWS / (cpu / 1000)).toLocaleString('en-US')} |`);
}
writeSection('detectors-stream', 'Metric detectors: stream sources (kinesis://)', lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);
