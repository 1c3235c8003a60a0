/**
 * The GetMetricData request set of bench/metrics/run.ts (1,000 series × 1 day
 * at 1-minute resolution: two requests of 499 MetricStat Sum queries and a
 * SUM(METRICS()) expression, one of 2), alone and repeated, for profiling and
 * quick A/B runs. Prints the minimum and median CPU and wall time per request
 * set; with a file name, writes a CPU profile of the timed runs (load it in
 * Chrome DevTools).
 *
 *   node --import tsx bench/metrics/profile-api.ts [runs=30] [profile.cpuprofile]
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { ManualClock } from '../../src/core/index.ts';
import { type MetricDataQueryInput, MetricsEngine } from '../../src/metrics/index.ts';
import { MemoryStorage } from '../../src/storage/index.ts';

const SERIES = 1000;
const MINUTES = 1440;
const T0 = Date.UTC(2021, 0, 31);
const RUNS = Number(process.argv[2] ?? 30);
const PROFILE = process.argv[3];

const clock = new ManualClock(T0 + MINUTES * 60_000);
const e = await MetricsEngine.open({ clock, meta: new MemoryStorage().meta, emit: false });
const handles = [];
for (let s = 0; s < SERIES; s++) handles.push(e.store.series('Bench', 'IncomingRecords', [{ name: 'StreamName', value: `stream-${s}` }], 'Count'));
for (let m = 0; m < MINUTES; m++) for (let s = 0; s < SERIES; s++) e.store.record(handles[s]!, T0 + m * 60_000, 60, 600 + s + m, 1, 20 + (m % 7), null, false);

function metricStats(from: number, to: number): MetricDataQueryInput[] {
  const qs: MetricDataQueryInput[] = [];
  for (let s = from; s < to; s++) {
    qs.push({
      id: `m${s}`,
      metricStat: {
        metric: { namespace: 'Bench', metricName: 'IncomingRecords', dimensions: [{ name: 'StreamName', value: `stream-${s}` }] },
        periodSec: 60,
        stat: 'Sum',
      },
      returnData: false,
    });
  }
  return qs;
}

async function requestSet(): Promise<void> {
  for (let from = 0; from < SERIES; from += 499) {
    const out = await e.getMetricData({
      startTimeMs: T0,
      endTimeMs: T0 + MINUTES * 60_000,
      queries: [...metricStats(from, Math.min(SERIES, from + 499)), { id: 'total', expression: 'SUM(METRICS())' }],
    });
    if (out.results[0]!.values.length !== MINUTES) throw new Error('wrong result size');
  }
}

for (let i = 0; i < 5; i++) await requestSet();
const session = PROFILE ? new Session() : null;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
}
const cpu: number[] = [];
const wall: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await requestSet();
  const c = process.cpuUsage(c0);
  wall.push(performance.now() - t0);
  cpu.push((c.user + c.system) / 1000);
}
const at = (xs: number[], f: number): string =>
  xs
    .slice()
    .sort((a, b) => a - b)
    [Math.floor(f * (xs.length - 1))]!.toFixed(1);
console.log(
  `per request set: CPU min ${at(cpu, 0)} median ${at(cpu, 0.5)} ms; wall min ${at(wall, 0)} median ${at(wall, 0.5)} ms; load ${loadavg()[0]!.toFixed(1)}`,
);
if (session && PROFILE) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(PROFILE, JSON.stringify(profile));
}
await e.close();
