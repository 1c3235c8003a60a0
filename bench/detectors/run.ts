/**
 * Metric detectors benchmark (issue 14), figures into docs/benchmarks.md (section `detectors`):
 *
 *  1. Scale: one metric set of 10,000 series (100 × 100 dimension values), PT5M. Intervals are fed until the
 *     series are past their warm-up; the time to score and learn one interval (all series) is the median over
 *     the last intervals, on one core (this process). Memory per series from the models' typed arrays.
 *  2. Quality on ../shared/data/nab-sample (each file one series, no dimension), scored by
 *     ../shared/tools/nab-sample-score.py (NAB v1.1 rules) side by side: `anomaly score --detector metric`,
 *     Freshet's plain RCF grade (`anomaly score --kda`) and a rolling z-score (bench/detectors/zscore.ts);
 *     false positives per series-day at each one's best standard-profile threshold.
 *
 *   node --expose-gc --import tsx bench/detectors/run.ts [--intervals 70] [--skip-quality]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MetricSetDetector } from '../../src/detectors/index.ts';
import type { ParsedRow } from '../../src/detectors/index.ts';
import { Rng } from '../../src/generators/index.ts';
import { machineLine, median, writeSection } from '../lib/report.ts';
import { NAB_DIR } from '../anomaly/nab-score.ts';

const args = process.argv.slice(2);
const intervals = Number(args[args.indexOf('--intervals') + 1] ?? 70) || 70;
const skipQuality = args.includes('--skip-quality');
const ROOT = new URL('../..', import.meta.url).pathname;
const FREQ = 300_000;

function scale(): { perInterval: number[]; bytesPerSeries: number; heapPerSeries: number; series: number } {
  const det = new MetricSetDetector([{ name: 'views', aggregation: 'SUM' }], ['a', 'b'], FREQ);
  const rng = new Rng(1);
  const base = Array.from({ length: 10_000 }, () => 100 + rng.uniform(0, 900));
  const rows: ParsedRow[] = [];
  for (let i = 0; i < 100; i++) for (let j = 0; j < 100; j++) rows.push({ timestampMs: 0, values: [0], dimensions: [`a${i}`, `b${j}`] });
  (globalThis as { gc?: () => void }).gc?.();
  const heap0 = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const times: number[] = [];
  const t0 = Date.UTC(2021, 5, 1);
  for (let k = 0; k < intervals; k++) {
    const start = t0 + k * FREQ;
    const day = Math.sin((2 * Math.PI * (start % 86_400_000)) / 86_400_000);
    for (let s = 0; s < rows.length; s++) {
      rows[s]!.timestampMs = start;
      rows[s]!.values[0] = base[s]! * (1 + 0.3 * day) * (1 + 0.05 * rng.normal());
    }
    const c0 = process.cpuUsage();
    det.process(start, rows);
    const c = process.cpuUsage(c0);
    times.push((c.user + c.system) / 1e6);
    if (k % 10 === 9) process.stderr.write(`scale: ${k + 1}/${intervals} intervals, last ${times[times.length - 1]!.toFixed(2)} s CPU\n`);
  }
  (globalThis as { gc?: () => void }).gc?.();
  const heap1 = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  return { perInterval: times, bytesPerSeries: det.byteSize() / det.seriesCount, heapPerSeries: (heap1 - heap0) / det.seriesCount, series: det.seriesCount };
}

interface NabResult {
  standard: { normalized: number; threshold: number };
  reward_low_FP_rate: { normalized: number };
  reward_low_FN_rate: { normalized: number };
  per_file_at_standard_threshold: Record<string, { windows: number; detected: number; false_positive_rows: number }>;
}

function nab(command: string[]): NabResult {
  const out = execFileSync('python3', [join(NAB_DIR, '..', '..', 'tools', 'nab-sample-score.py'), '--json', '--', ...command], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return JSON.parse(out) as NabResult;
}

function seriesDays(): number {
  const dir = NAB_DIR;
  let days = 0;
  for (const sub of readdirSync(dir)) {
    const p = join(dir, sub);
    if (!statSync(p).isDirectory()) continue;
    for (const f of readdirSync(p)) {
      const lines = readFileSync(join(p, f), 'utf8').trim().split('\n');
      const first = Date.parse(`${lines[1]!.split(',')[0]!.replace(' ', 'T')}Z`);
      const last = Date.parse(`${lines[lines.length - 1]!.split(',')[0]!.replace(' ', 'T')}Z`);
      days += (last - first) / 86_400_000;
    }
  }
  return days;
}

const s = scale();
const steady = s.perInterval.slice(-10);
let md = `${machineLine()}\n\nCommand: \`node --expose-gc --import tsx bench/detectors/run.ts --intervals ${intervals}\`. Load average at the start: ${(await import('node:os')).loadavg()[0]!.toFixed(1)} (the machine is shared; CPU seconds, not wall time, are quoted).\n\n`;
md += `**Scale.** One metric set, ${s.series.toLocaleString('en-US')} series (100 × 100 dimension values), PT5M, ${intervals} intervals (past the 64-interval warm-up). Scoring and learning one interval of all series: median ${median(steady).toFixed(2)} CPU-s over the last 10 intervals (min ${Math.min(...steady).toFixed(2)}, max ${Math.max(...steady).toFixed(2)}); target ≤ 2 s. Memory per series: ${(s.bytesPerSeries / 1024).toFixed(1)} KiB of model arrays (${((s.bytesPerSeries * s.series) / 2 ** 20).toFixed(0)} MiB for all), ${(s.heapPerSeries / 1024).toFixed(1)} KiB of heap growth per series measured.\n\n`;
if (!skipQuality) {
  const cli = [process.execPath, join(ROOT, 'bin/freshet.js'), 'anomaly', 'score'];
  const days = seriesDays();
  const runs: [string, string[]][] = [
    ['metric detector (`--detector metric`)', [...cli, '--detector', 'metric']],
    ['plain RCF grade (`--kda`)', [...cli, '--kda']],
    ['rolling z-score (288 values)', [process.execPath, '--import', 'tsx', join(ROOT, 'bench/detectors/zscore.ts')]],
  ];
  md += `**Quality** on the ${Object.keys(JSON.parse(readFileSync(join(NAB_DIR, 'windows.json'), 'utf8'))).length} NAB sample series (${days.toFixed(0)} series-days), NAB v1.1 normalized scores by \`../shared/tools/nab-sample-score.py\`; false positives per series-day at each detector's best standard threshold:\n\n| detector | standard | low FP | low FN | windows found | FP rows / series-day |\n|---|---|---|---|---|---|\n`;
  for (const [name, cmd] of runs) {
    process.stderr.write(`quality: ${name}\n`);
    const r = nab(cmd);
    const files = Object.values(r.per_file_at_standard_threshold);
    const found = files.reduce((a, f) => a + f.detected, 0);
    const windows = files.reduce((a, f) => a + f.windows, 0);
    const fp = files.reduce((a, f) => a + f.false_positive_rows, 0);
    md += `| ${name} | ${r.standard.normalized} | ${r.reward_low_FP_rate.normalized} | ${r.reward_low_FN_rate.normalized} | ${found}/${windows} | ${(fp / days).toFixed(2)} |\n`;
  }
}
console.log(md);
writeSection('detectors', 'Metric detectors (Lookout for Metrics)', md);
