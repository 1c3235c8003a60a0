/**
 * Metrics engine figures, written into the "Metrics" section of docs/benchmarks.md:
 *
 * 1. Emission cost: ns per `handle.record()` in a hot loop with the registry
 *    off (no store attached), on, and on with a distribution (timers).
 * 2. GetMetricData over 1,000 series × 1 day at 1-minute resolution (1.44 M
 *    cells): the API way (two requests of 500 MetricStat queries and a
 *    SUM(METRICS()) expression, as the 500-queries-per-request limit makes it)
 *    and the full read of every datapoint (MaxDatapoints raised to 1.44 M).
 * 3. Storage: bytes per stored 1-minute datapoint on disk (block files of all
 *    four tiers, after a checkpoint) for per-second emitter aggregates, single
 *    PutMetricData values and latency distributions; log bytes per record;
 *    checkpoint and reopen times.
 *
 * 4. PutRecords with AWS/Kinesis emission off (no emitter attached), on, and on
 *    with every shard-level metric enabled: the Kinesis raw-body PutRecords
 *    handler called in-process on an in-memory log (no HTTP), 500 records a call.
 *
 *   node --import tsx bench/metrics/run.ts [--runs 5] [--series 1000] [--no-write] [--put-records-only] [--queries-only]
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/index.ts';
import { MemoryStorage } from '../../src/storage/index.ts';
import { MetricStore, MetricsEngine, MetricsRegistry, attachKinesisMetrics, type MetricDataQueryInput } from '../../src/metrics/index.ts';
import { type KinesisEngine, createKinesisService } from '../../src/kinesis/index.ts';
import type { RawJsonHandler, RequestContext } from '../../src/aws/index.ts';
import { Sketch } from '../../src/metrics/sketch.ts';
import { inProcessKinesis } from '../lib/kinesis.ts';
import { machineLine, median, writeSection } from '../lib/report.ts';

const args = process.argv.slice(2);
const argNum = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const RUNS = argNum('runs', 5);
const SERIES = argNum('series', 1000);
const WRITE = !args.includes('--no-write');
const MINUTES = 1440;
const T0 = Date.UTC(2021, 0, 31, 0, 0, 0);
const load0 = loadavg()[0]!;

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

// ------------------------------------------------------------------ 1. emission

function emission(): Array<[string, number]> {
  const N = 20_000_000;
  const out: Array<[string, number]> = [];
  const clock = new ManualClock(T0);
  const variants: Array<[string, boolean, boolean]> = [
    ['registry off (no store attached)', false, false],
    ['registry on, counter', true, false],
    ['registry on, with distribution (timer)', true, true],
  ];
  for (const [label, on, distribution] of variants) {
    const samples: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const reg = new MetricsRegistry(clock);
      const h = reg.handle('AWS/Kinesis', 'PutRecords.Latency', [{ name: 'StreamName', value: 's' }], 'Milliseconds', { distribution });
      if (on) reg.on = true; // flushing is timer-driven and not part of the per-call cost
      const t = process.hrtime.bigint();
      for (let i = 0; i < N; i++) h.record(i & 1023);
      samples.push(Number(process.hrtime.bigint() - t) / N);
      reg.dirty = [];
    }
    out.push([label, median(samples)]);
  }
  return out;
}

// ------------------------------------------------------------------ 4. PutRecords with emission off / on

interface PutVariant {
  label: string;
  handler: RawJsonHandler;
  flush: () => void;
}

async function putRecordsCost(): Promise<Array<[string, Timed]>> {
  const CALLS = 200;
  const clock = new ManualClock(T0);
  const ctx = { requestId: 'bench', region: 'us-east-1', accountId: '000000000000', clock, protocol: 'json' } as RequestContext;
  const records = Array.from({ length: 500 }, (_, i) => ({ Data: Buffer.alloc(48, i).toString('base64'), PartitionKey: `key-${i}` }));
  const variants: PutVariant[] = [];
  const engines: KinesisEngine[] = [];
  for (const mode of ['off', 'on', 'enhanced'] as const) {
    const { kinesis: kin } = await inProcessKinesis({ clock, streams: { bench: 4 } });
    engines.push(kin);
    let flush = (): void => {};
    if (mode !== 'off') {
      const metrics = MetricsEngine.openSync({ dataDir: undefined, meta: new MemoryStorage().meta, clock, region: 'us-east-1', accountId: '000000000000' });
      attachKinesisMetrics(kin, metrics.registry);
      if (mode === 'enhanced') await kin.setMonitoring('bench', ['ALL'], true);
      flush = () => metrics.registry.flush();
    }
    const label =
      mode === 'off'
        ? 'emission off (no emitter attached)'
        : mode === 'on'
          ? 'emission on (stream-level metrics)'
          : 'emission on, enhanced monitoring ALL (4 shards)';
    variants.push({ label, handler: createKinesisService(kin).rawJsonActions!.PutRecords!, flush });
  }
  const body = Buffer.from(JSON.stringify({ StreamName: 'bench', Records: records }));
  const samples = variants.map(() => [] as Timed[]);
  for (let r = 0; r < RUNS + 1; r++) {
    for (let v = 0; v < variants.length; v++) {
      const { handler, flush } = variants[v]!;
      const t = await timed(async () => {
        for (let i = 0; i < CALLS; i++) {
          await handler(body, ctx);
          // The registry's once-a-second flush, at a PutRecords rate of ~50 calls a second per stream.
          if (i % 50 === 49) flush();
        }
      });
      // The first round warms up.
      if (r > 0) samples[v]!.push({ wall: (t.wall * 1000) / CALLS, cpu: (t.cpu * 1000) / CALLS });
    }
  }
  for (const k of engines) await k.close();
  return variants.map((v, i) => [v.label, med(samples[i]!)]);
}

// ------------------------------------------------------------------ 2. queries

interface Timed {
  wall: number;
  cpu: number;
}

/** Wall and CPU (user + system) milliseconds of `fn`, CPU being the steadier figure on a shared machine. */
async function timed(fn: () => Promise<void>): Promise<Timed> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
}

function med(xs: Timed[]): Timed {
  return { wall: median(xs.map((x) => x.wall)), cpu: median(xs.map((x) => x.cpu)) };
}

async function queries(): Promise<{ api: Timed; full: Timed; stats: Timed; pct: Timed; floor: Timed; cells: number; memoryBytes: number }> {
  const clock = new ManualClock(T0 + MINUTES * 60_000);
  const e = await MetricsEngine.open({ clock, meta: new MemoryStorage().meta, emit: false });
  const store = e.store;
  const handles = [];
  for (let s = 0; s < SERIES; s++) handles.push(store.series('Bench', 'IncomingRecords', [{ name: 'StreamName', value: `stream-${s}` }], 'Count'));
  const lat = [];
  for (let s = 0; s < 100; s++) lat.push(store.series('Bench', 'Latency', [{ name: 'StreamName', value: `stream-${s}` }], 'Milliseconds'));
  const sk = new Sketch();
  for (let v = 1; v <= 60; v++) sk.add(v * 1.7);
  for (let m = 0; m < MINUTES; m++) {
    const ts = T0 + m * 60_000;
    for (let s = 0; s < SERIES; s++) store.record(handles[s]!, ts, 60, 600 + s + m, 1, 20 + (m % 7), null, false);
    for (const l of lat) store.record(l, ts, sk.total, 1000, 1.7, 102, sk, false);
  }
  const ms = (name: string, stat: string, from: number, to: number): MetricDataQueryInput[] => {
    const qs: MetricDataQueryInput[] = [];
    for (let s = from; s < to; s++) {
      qs.push({
        id: `m${s}`,
        metricStat: { metric: { namespace: 'Bench', metricName: name, dimensions: [{ name: 'StreamName', value: `stream-${s}` }] }, periodSec: 60, stat },
        returnData: false,
      });
    }
    return qs;
  };
  const day = { startTimeMs: T0, endTimeMs: T0 + MINUTES * 60_000 };
  // The floor: a plain loop over as many doubles as the full read touches (count and sum of 1.44 M cells).
  const floorData = Array.from({ length: SERIES }, () => Float64Array.from({ length: MINUTES * 2 }, (_, i) => i));
  const floor: Timed[] = [];
  const api: Timed[] = [];
  const full: Timed[] = [];
  const stats: Timed[] = [];
  const pct: Timed[] = [];
  let sink = 0;
  for (let r = 0; r < RUNS; r++) {
    floor.push(
      await timed(async () => {
        for (const a of floorData) for (let i = 0; i < a.length; i++) sink += a[i]!;
      }),
    );
    api.push(
      await timed(async () => {
        for (let from = 0; from < SERIES; from += 499) {
          const out = await e.getMetricData({
            ...day,
            queries: [...ms('IncomingRecords', 'Sum', from, Math.min(SERIES, from + 499)), { id: 'total', expression: 'SUM(METRICS())' }],
          });
          if (out.results[0]!.values.length !== MINUTES) throw new Error('wrong result size');
        }
      }),
    );
    full.push(
      await timed(async () => {
        let points = 0;
        for (let from = 0; from < SERIES; from += 500) {
          const qs = ms('IncomingRecords', 'Average', from, Math.min(SERIES, from + 500)).map((q) => ({ ...q, returnData: true }));
          const out = await e.getMetricData({ ...day, queries: qs, maxDatapoints: SERIES * MINUTES });
          for (const res of out.results) points += res.values.length;
        }
        if (points !== SERIES * MINUTES) throw new Error(`read ${points} points`);
      }),
    );
    stats.push(
      await timed(async () => {
        await e.getMetricStatistics({
          namespace: 'Bench',
          metricName: 'IncomingRecords',
          dimensions: [{ name: 'StreamName', value: 'stream-7' }],
          ...day,
          periodSec: 60,
          statistics: ['Sum', 'Average', 'Maximum'],
        });
      }),
    );
    pct.push(
      await timed(async () => {
        await e.getMetricData({ ...day, queries: ms('Latency', 'p99', 0, 100).map((q) => ({ ...q, returnData: true })), maxDatapoints: 100 * MINUTES });
      }),
    );
  }
  const st = store.stats();
  await e.close();
  if (sink < 0) console.log(sink);
  return { api: med(api), full: med(full), stats: med(stats), pct: med(pct), floor: med(floor), cells: st.cellsInMemory, memoryBytes: st.memoryBytes };
}

// ------------------------------------------------------------------ 3. storage

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

interface StorageFigures {
  kind: string;
  blockBytesPerPoint: number;
  byTier: number[];
  walBytesPerRecord: number;
  checkpointMs: number;
  reopenMs: number;
}

async function storage(kind: 'emitter' | 'single' | 'distribution'): Promise<StorageFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'freshet-bench-metrics-'));
  try {
    const clock = new ManualClock(T0 + MINUTES * 60_000);
    const n = kind === 'distribution' ? 100 : SERIES;
    const store = await MetricStore.open({ dir, clock, fsync: false, checkpointIntervalMs: 10 * 86_400_000 });
    const series = [];
    for (let s = 0; s < n; s++) series.push(store.series('Bench', kind, [{ name: 'StreamName', value: `stream-${s}` }], 'Count'));
    const sk = new Sketch();
    for (let v = 1; v <= 60; v++) sk.add(3 + ((v * 37) % 50));
    for (let m = 0; m < MINUTES; m++) {
      const ts = T0 + m * 60_000;
      for (let s = 0; s < n; s++) {
        const x = 500 + ((s * 31 + m * 17) % 1000) / 7;
        if (kind === 'emitter') store.record(series[s]!, ts, 60, x * 60, x - 3, x + 9, null, false);
        else if (kind === 'single') store.record(series[s]!, ts, 1, x, x, x, null, false);
        else store.record(series[s]!, ts, sk.total, x * 60, 3, 52, sk, false);
      }
      if (m % 60 === 59) await store.flush();
    }
    await store.flush();
    const walBytes = store.stats().walBytesWritten;
    let t = performance.now();
    await store.checkpoint();
    const checkpointMs = performance.now() - t;
    await store.close();
    const byTier: number[] = [];
    for (const d of ['1s', '1m', '5m', '1h']) {
      try {
        byTier.push(await dirBytes(join(dir, 'blocks', d)));
      } catch {
        byTier.push(0);
      }
    }
    t = performance.now();
    const again = await MetricStore.open({ dir, clock, fsync: false });
    const reopenMs = performance.now() - t;
    await again.close();
    const points = n * MINUTES;
    return {
      kind,
      blockBytesPerPoint: byTier.reduce((a, b) => a + b, 0) / points,
      byTier: byTier.map((b) => b / points),
      walBytesPerRecord: walBytes / points,
      checkpointMs,
      reopenMs,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (args.includes('--put-records-only')) {
  // A quick look at section 4 alone (nothing written).
  for (const [l, t] of await putRecordsCost()) console.log(`${l}: wall ${fmt(t.wall, 1)} µs, CPU ${fmt(t.cpu, 1)} µs per call`);
  process.exit(0);
}
if (args.includes('--queries-only')) {
  // A quick look at section 2 alone (nothing written); also what `--cpu-prof` profiles best.
  const r = await queries();
  for (const k of ['api', 'full', 'stats', 'pct', 'floor'] as const) console.log(`${k}: wall ${fmt(r[k].wall, 2)} ms, CPU ${fmt(r[k].cpu, 2)} ms`);
  process.exit(0);
}
const em = emission();
const pr = await putRecordsCost();
const q = await queries();
const st = [await storage('emitter'), await storage('single'), await storage('distribution')];
const load1 = loadavg()[0]!;

const md = `
Command: \`node --import tsx bench/metrics/run.ts --runs ${RUNS} --series ${SERIES}\`

Machine: ${machineLine()}; 1-minute load average ${load0.toFixed(1)} before, ${load1.toFixed(1)} after (shared machine). Medians of ${RUNS} runs.

### Emission cost

\`handle.record(value)\` in a hot loop (20 M calls; the once-a-second flush into the store is not in the loop):

| Registry | ns per call |
|---|---:|
${em.map(([l, ns]) => `| ${l} | ${fmt(ns, 1)} |`).join('\n')}

An engine records a handful of samples per API call (PutRecords: IncomingRecords, IncomingBytes, PutRecords.Records/Bytes/Latency/Success), not per record, so a 500-record PutRecords pays about ${fmt((em[2]![1] + 5 * em[1]![1]) / 1000, 2)} µs of emission.

### PutRecords with AWS/Kinesis emission on and off

The Kinesis raw-body PutRecords handler called in-process on an in-memory log (no HTTP, so the relative cost is an upper bound of what a client sees), 500 records of 48 bytes per call, 200 calls a round, rounds alternating between the variants; the registry flushes every 50 calls:

| PutRecords | Wall µs per call, median | CPU µs per call, median | CPU vs off |
|---|---:|---:|---:|
${pr.map(([l, t]) => `| ${l} | ${fmt(t.wall, 1)} | ${fmt(t.cpu, 1)} | ${l === pr[0]![0] ? '' : `${((t.cpu / pr[0]![1].cpu - 1) * 100).toFixed(1)} %`} |`).join('\n')}

Stream-level emission is 10 counter samples and one latency distribution per PutRecords call plus a loop adding the 500 data lengths: about ${fmt((10 * em[1]![1] + em[2]![1] + 500) / 1000, 1)} µs at the hot-loop figures above, ${fmt(((10 * em[1]![1] + em[2]![1] + 500) / 1000 / pr[0]![1].cpu) * 100, 2)} % of the call's CPU time. Differences between the rows smaller than the run-to-run spread (several % on a loaded machine) are noise; wall time there is mostly waiting for the cores.

### Queries: ${fmt(SERIES)} series × 1 day at 1-minute resolution

In-memory store holding ${fmt(q.cells)} cells (the day's 1-minute, 5-minute and 1-hour tiers of ${fmt(SERIES)} counter series and 100 latency series with distributions): ${fmt(q.memoryBytes / 1048576, 1)} MiB.

Wall and CPU time (user + system of the process; the steadier figure when other work shares the cores), and the CPU time as a multiple of the floor: a plain loop adding as many doubles as the full read touches (${fmt(q.floor.cpu, 1)} ms CPU in this run), which shows how loaded the machine was.

| Query | Wall, median | CPU, median | CPU ÷ floor |
|---|---:|---:|---:|
| GetMetricData, ${Math.ceil(SERIES / 499)} requests of up to 499 MetricStat (Sum) + \`SUM(METRICS())\` (the 500-query limit), whole day (1,440 values each) | ${fmt(q.api.wall, 1)} ms | ${fmt(q.api.cpu, 1)} ms | ${fmt(q.api.cpu / q.floor.cpu, 1)} |
| GetMetricData, every datapoint of all ${fmt(SERIES)} series (Average, ${fmt(SERIES * MINUTES)} values, MaxDatapoints raised) | ${fmt(q.full.wall, 1)} ms | ${fmt(q.full.cpu, 1)} ms | ${fmt(q.full.cpu / q.floor.cpu, 1)} |
| GetMetricStatistics, one series, 1,440 periods, Sum/Average/Maximum | ${fmt(q.stats.wall, 2)} ms | ${fmt(q.stats.cpu, 2)} ms | |
| GetMetricData, p99 of 100 latency series (one distribution per cell), ${fmt(100 * MINUTES)} values | ${fmt(q.pct.wall, 1)} ms | ${fmt(q.pct.cpu, 1)} ms | |

### Storage

One day of 1-minute datapoints, checkpointed to block files (every tier: the 1-minute cells and their 5-minute and 1-hour roll-ups), fsync off. "Per datapoint" divides by the 1-minute datapoints written.

| Data | Block bytes per datapoint (all tiers) | 1 min / 5 min / 1 h tier | Log bytes per record | Checkpoint | Reopen |
|---|---:|---:|---:|---:|---:|
${st
  .map(
    (s) =>
      `| ${s.kind === 'emitter' ? `${fmt(SERIES)} series of per-second emitter aggregates (SampleCount 60, Sum, Min, Max)` : s.kind === 'single' ? `${fmt(SERIES)} series of single PutMetricData values` : '100 series of latency distributions (~50 buckets per cell)'} | ${fmt(s.blockBytesPerPoint, 1)} | ${s.byTier
        .slice(1)
        .map((b) => fmt(b, 1))
        .join(' / ')} | ${fmt(s.walBytesPerRecord, 1)} | ${fmt(s.checkpointMs)} ms | ${fmt(s.reopenMs)} ms |`,
  )
  .join('\n')}

The log is retired at each checkpoint, so its bytes are transient; blocks are what a day of metrics keeps on disk.
`;

console.log(md);
if (WRITE) writeSection('metrics', 'Metrics', md);
