/**
 * Contributions: each dimension value's share (0–100) of an anomaly group's deviation for one measure —
 * |value − expected| summed over the anomalous series carrying that value, divided by the total.
 * A series without an expected value yet counts with its severity instead.
 */
import type { SeriesHit } from './series.ts';

export interface DimensionContributions {
  name: string;
  values: { value: string; score: number }[];
}

function weight(s: SeriesHit): number {
  const dev = Math.abs(s.value - s.expected);
  return Number.isFinite(dev) && dev > 0 ? dev : s.severity;
}

export function contributions(series: readonly SeriesHit[]): DimensionContributions[] {
  const names = new Set<string>();
  for (const s of series) for (const k of Object.keys(s.dimensions)) names.add(k);
  let total = 0;
  for (const s of series) total += weight(s);
  const out: DimensionContributions[] = [];
  for (const name of names) {
    const by = new Map<string, number>();
    for (const s of series) {
      const v = s.dimensions[name];
      if (v === undefined) continue;
      by.set(v, (by.get(v) ?? 0) + weight(s));
    }
    const values = [...by.entries()]
      .map(([value, w]) => ({ value, score: total > 0 ? Math.round((w / total) * 10000) / 100 : 0 }))
      .sort((a, b) => b.score - a.score || a.value.localeCompare(b.value));
    out.push({ name, values });
  }
  return out;
}
