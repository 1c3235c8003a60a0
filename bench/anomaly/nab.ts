/**
 * Detection on the NAB sample (../shared/data/nab-sample: 6 labelled series and
 * windows.json). For each series and detector configuration: how many labelled
 * windows get at least one detection, and how many detections (flagged rows)
 * fall outside every window. A detection is either a raw score above a fixed
 * threshold or a grade > 0 from ThresholdedRandomCutForest.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ThresholdedRandomCutForest } from '../../src/anomaly/index.ts';

export const NAB_DIR = process.env.FRESHET_NAB_DIR ?? '/work/shared/data/nab-sample';

export interface Series {
  file: string;
  timesMs: Float64Array;
  values: Float64Array;
  windows: [number, number][];
}

function parseTime(s: string): number {
  const t = Date.parse(
    `${s
      .trim()
      .replace(' ', 'T')
      .replace(/\.\d+$/, '')}Z`,
  );
  if (Number.isNaN(t)) throw new Error(`bad timestamp '${s}'`);
  return t;
}

export function loadNab(dir = NAB_DIR): Series[] {
  const windows = JSON.parse(readFileSync(join(dir, 'windows.json'), 'utf8')) as Record<string, [string, string][]>;
  return Object.entries(windows).map(([file, wins]) => {
    const lines = readFileSync(join(dir, file), 'utf8').trim().split('\n').slice(1);
    const timesMs = new Float64Array(lines.length);
    const values = new Float64Array(lines.length);
    lines.forEach((l, i) => {
      const [ts, v] = l.split(',');
      timesMs[i] = parseTime(ts!);
      values[i] = Number(v);
    });
    return { file, timesMs, values, windows: wins.map(([a, b]) => [parseTime(a), parseTime(b)] as [number, number]) };
  });
}

export interface DetectorConfig {
  name: string;
  shingleSize: number;
  /** Raw-score threshold for the "raw" detections. */
  rawThreshold: number;
}

export interface SeriesResult {
  file: string;
  rows: number;
  windows: number;
  rawWindowsHit: number;
  rawOutside: number;
  rawOutsideProbation: number;
  gradeWindowsHit: number;
  gradeOutside: number;
  gradeOutsideProbation: number;
}

/** NAB's probationary period: the first 15% of each file, where NAB does not count detections. */
export const PROBATION_FRACTION = 0.15;

export function evaluate(series: Series, cfg: DetectorConfig, seed = 0): SeriesResult {
  const det = new ThresholdedRandomCutForest({ dimensions: 1, shingleSize: cfg.shingleSize, seed });
  const n = series.values.length;
  const probationEnd = Math.floor(n * PROBATION_FRACTION);
  const hitRaw = new Array<boolean>(series.windows.length).fill(false);
  const hitGrade = new Array<boolean>(series.windows.length).fill(false);
  const r: SeriesResult = {
    file: series.file,
    rows: n,
    windows: series.windows.length,
    rawWindowsHit: 0,
    rawOutside: 0,
    rawOutsideProbation: 0,
    gradeWindowsHit: 0,
    gradeOutside: 0,
    gradeOutsideProbation: 0,
  };
  const point = new Float64Array(1);
  for (let i = 0; i < n; i++) {
    point[0] = series.values[i]!;
    const out = det.process(point, series.timesMs[i]!);
    const raw = out.score > cfg.rawThreshold;
    const graded = out.grade > 0;
    if (!raw && !graded) continue;
    const t = series.timesMs[i]!;
    const w = series.windows.findIndex(([a, b]) => t >= a && t <= b);
    if (raw) {
      if (w >= 0) hitRaw[w] = true;
      else {
        r.rawOutside++;
        if (i < probationEnd) r.rawOutsideProbation++;
      }
    }
    if (graded) {
      if (w >= 0) hitGrade[w] = true;
      else {
        r.gradeOutside++;
        if (i < probationEnd) r.gradeOutsideProbation++;
      }
    }
  }
  r.rawWindowsHit = hitRaw.filter(Boolean).length;
  r.gradeWindowsHit = hitGrade.filter(Boolean).length;
  return r;
}

function shortName(file: string): string {
  return file
    .split('/')
    .pop()!
    .replace(/\.csv$/, '');
}

export function detectionTable(results: SeriesResult[], cfg: DetectorConfig): string {
  const head = `| series | rows | windows | raw > ${cfg.rawThreshold}: windows hit | raw: flagged rows outside (in probation) | grade > 0: windows hit | grade: flagged rows outside (in probation) |\n|---|---:|---:|---:|---:|---:|---:|`;
  const rows = results.map(
    (r) =>
      `| ${shortName(r.file)} | ${r.rows} | ${r.windows} | ${r.rawWindowsHit}/${r.windows} | ${r.rawOutside} (${r.rawOutsideProbation}) | ${r.gradeWindowsHit}/${r.windows} | ${r.gradeOutside} (${r.gradeOutsideProbation}) |`,
  );
  const sum = (f: (r: SeriesResult) => number) => results.reduce((s, r) => s + f(r), 0);
  rows.push(
    `| **total** | ${sum((r) => r.rows)} | ${sum((r) => r.windows)} | ${sum((r) => r.rawWindowsHit)}/${sum((r) => r.windows)} | ${sum((r) => r.rawOutside)} (${sum((r) => r.rawOutsideProbation)}) | ${sum((r) => r.gradeWindowsHit)}/${sum((r) => r.windows)} | ${sum((r) => r.gradeOutside)} (${sum((r) => r.gradeOutsideProbation)}) |`,
  );
  return `${head}\n${rows.join('\n')}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const series = loadNab();
  for (const shingleSize of [1, 4, 8]) {
    for (const rawThreshold of [1.5, 2, 3]) {
      const cfg = { name: `shingle ${shingleSize}`, shingleSize, rawThreshold };
      console.log(`\n### shingleSize ${shingleSize}, raw threshold ${rawThreshold}`);
      console.log(
        detectionTable(
          series.map((s) => evaluate(s, cfg)),
          cfg,
        ),
      );
    }
  }
}
