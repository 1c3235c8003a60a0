/**
 * NAB v1.1 scoring in-process, for fast parameter studies: the same rules as
 * ../shared/tools/nab-sample-score.py (probation, scaled-sigmoid window and
 * false-positive weights, one threshold for all files chosen per profile,
 * normalisation against the null and perfect detectors). The benchmark's
 * published figures come from the Python script itself (bench/anomaly/run.ts
 * calls it); this port is checked against it there (see `checkAgainstPython`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const NAB_DIR = process.env.FRESHET_NAB_DIR ?? '/work/shared/data/nab-sample';

export interface NabSeries {
  /** Path inside the sample, e.g. `realKnownCause/nyc_taxi.csv`. */
  file: string;
  /** Timestamps as written in the CSV (copied to detector output). */
  stamps: string[];
  timesMs: Float64Array;
  values: Float64Array;
  /** Labelled windows as inclusive row-index spans. */
  spans: [number, number][];
}

export const PROFILES = {
  standard: { tp: 1, fp: 0.11, fn: 1 },
  reward_low_FP_rate: { tp: 1, fp: 0.22, fn: 1 },
  reward_low_FN_rate: { tp: 1, fp: 0.11, fn: 2 },
} as const;
export type ProfileName = keyof typeof PROFILES;

/** NAB timestamps (`2014-04-10 07:15:00` or with fractional seconds) as UTC milliseconds. */
export function parseNabTime(s: string): number {
  const t = Date.parse(`${s.trim().replace(' ', 'T').replace(/Z$/, '')}Z`);
  if (Number.isNaN(t)) throw new Error(`bad timestamp '${s}'`);
  return t;
}

export function loadNabSample(dir = NAB_DIR): NabSeries[] {
  const windows = JSON.parse(readFileSync(join(dir, 'windows.json'), 'utf8')) as Record<string, [string, string][]>;
  return Object.keys(windows)
    .sort()
    .map((file) => {
      const lines = readFileSync(join(dir, file), 'utf8').trim().split('\n').slice(1);
      const stamps: string[] = [];
      const timesMs = new Float64Array(lines.length);
      const values = new Float64Array(lines.length);
      const index = new Map<number, number>();
      lines.forEach((l, i) => {
        const comma = l.indexOf(',');
        const ts = l.slice(0, comma);
        stamps.push(ts);
        timesMs[i] = parseNabTime(ts);
        values[i] = Number(l.slice(comma + 1));
        index.set(timesMs[i]!, i);
      });
      const spans = windows[file]!.map(([a, b]) => {
        const l = index.get(parseNabTime(a)),
          r = index.get(parseNabTime(b));
        if (l === undefined || r === undefined) throw new Error(`${file}: window edge not a row timestamp`);
        return [l, r] as [number, number];
      });
      return { file, stamps, timesMs, values, spans };
    });
}

function scaledSigmoid(x: number): number {
  return x > 3 ? -1 : 2 / (1 + Math.exp(5 * x)) - 1;
}

interface Pt {
  score: number;
  weight: number;
  /** Global window id, or -1 outside windows. */
  win: number;
}

function filePoints(n: number, scores: ArrayLike<number>, spans: [number, number][], firstWin: number, tpW: number, fpW: number, out: Pt[]): void {
  const probation = Math.min(Math.floor(0.15 * n), 0.15 * 5000);
  const maxTp = scaledSigmoid(-1);
  let w = 0;
  let prevRight = -1,
    prevWidth = 0;
  for (let i = 0; i < n; i++) {
    const span = spans[w];
    const inside = span !== undefined && span[0] <= i && i <= span[1];
    let weight: number,
      win = -1;
    if (inside) {
      weight = (scaledSigmoid(-(span[1] - i + 1) / (span[1] - span[0] + 1)) * tpW) / maxTp;
      win = firstWin + w;
    } else {
      weight = prevRight < 0 ? -fpW : scaledSigmoid(Math.abs(prevRight - i) / (prevWidth - 1)) * fpW;
    }
    if (i >= probation) out.push({ score: Math.min(1, Math.max(0, scores[i]!)), weight, win });
    if (inside && i === span[1]) {
      prevRight = span[1];
      prevWidth = span[1] - span[0] + 1;
      w++;
    }
  }
}

export interface ProfileScore {
  normalized: number;
  raw: number;
  threshold: number;
}

export type NabScores = Record<ProfileName, ProfileScore>;

/** Scores one detector's output (one score array per series, same order) with NAB's rules. */
export function scoreNab(series: readonly NabSeries[], scores: readonly ArrayLike<number>[]): NabScores {
  const out = {} as NabScores;
  for (const name of Object.keys(PROFILES) as ProfileName[]) {
    const p = PROFILES[name];
    const pts: Pt[] = [];
    let winBase = 0;
    series.forEach((s, k) => {
      filePoints(s.values.length, scores[k]!, s.spans, winBase, p.tp, p.fp, pts);
      winBase += s.spans.length;
    });
    pts.sort((a, b) => b.score - a.score);
    const windowPart = new Map<number, number>();
    for (const pt of pts) if (pt.win >= 0) windowPart.set(pt.win, -p.fn);
    let windowSum = -p.fn * windowPart.size;
    let fpPart = 0;
    let best = windowSum,
      bestThr = 1.1;
    let i = 0;
    while (i < pts.length) {
      const thr = pts[i]!.score;
      while (i < pts.length && pts[i]!.score === thr) {
        const pt = pts[i]!;
        if (pt.win < 0) fpPart += pt.weight;
        else {
          const cur = windowPart.get(pt.win)!;
          if (pt.weight > cur) {
            windowSum += pt.weight - cur;
            windowPart.set(pt.win, pt.weight);
          }
        }
        i++;
      }
      const total = fpPart + windowSum;
      if (total > best) {
        best = total;
        bestThr = thr;
      }
    }
    const nWin = windowPart.size;
    const nul = -p.fn * nWin,
      perfect = p.tp * nWin;
    out[name] = { normalized: Math.round((1000 * (best - nul)) / (perfect - nul)) / 10, raw: best, threshold: bestThr };
  }
  return out;
}

export interface FileDetail {
  file: string;
  windows: number;
  detected: number;
  falsePositiveRows: number;
}

/** Per file at a threshold: windows detected and rows flagged outside windows (after probation). */
export function detailAt(series: readonly NabSeries[], scores: readonly ArrayLike<number>[], threshold: number): FileDetail[] {
  return series.map((s, k) => {
    const sc = scores[k]!;
    const n = s.values.length;
    const probation = Math.min(Math.floor(0.15 * n), 750);
    const hit = new Set<number>();
    let fp = 0;
    for (let i = probation; i < n; i++) {
      if (!(Math.min(1, Math.max(0, sc[i]!)) >= threshold)) continue;
      const w = s.spans.findIndex(([a, b]) => i >= a && i <= b);
      if (w >= 0) hit.add(w);
      else fp++;
    }
    return { file: s.file, windows: s.spans.length, detected: hit.size, falsePositiveRows: fp };
  });
}
