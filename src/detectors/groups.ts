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

/** An anomaly group as relatedMetrics reads it (the engine's AnomalyGroupRecord). */
export interface RelatedGroup {
  id: string;
  startMs: number;
  endMs: number;
  primaryMetric: string;
  series: readonly (SeriesHit & { firstMs?: number })[];
}

export type RelationshipType = 'CAUSE_OF_INPUT_ANOMALY_GROUP' | 'EFFECT_OF_INPUT_ANOMALY_GROUP';

export interface RelatedMetric {
  MetricName: string;
  AnomalyGroupId: string;
  /** Absent for a measure that turned anomalous in the same interval as the primary measure. */
  RelationshipType?: RelationshipType;
  /** The measure's share (0–100) of the anomalous series of the group named. */
  ContributionPercentage: number;
}

/** How far apart (in intervals) a cause may precede, or an effect follow, the group's primary measure. */
export const RELATED_WINDOW_INTERVALS = 6;

/**
 * ListAnomalyGroupRelatedMetrics by temporal precedence (a heuristic, not causal inference): another measure
 * whose series turned anomalous before the group's primary measure did — earlier in the same group, or in a
 * group that ended at most RELATED_WINDOW_INTERVALS before this one began and shares a dimension value with
 * the primary measure's series — is a potential cause; one that turned anomalous after it is an effect.
 * Measures anomalous from the same interval on are listed without a relationship type.
 */
export function relatedMetrics(g: RelatedGroup, others: readonly RelatedGroup[], freqMs: number): RelatedMetric[] {
  const primary = g.series.filter((s) => s.metric === g.primaryMetric);
  const firstOf = (series: readonly (SeriesHit & { firstMs?: number })[], fallback: number): number => {
    let t = Infinity;
    for (const s of series) t = Math.min(t, s.firstMs ?? fallback);
    return Number.isFinite(t) ? t : fallback;
  };
  const firstPrimary = firstOf(primary, g.startMs);
  const pairs = new Set<string>();
  for (const s of primary) for (const [k, v] of Object.entries(s.dimensions)) pairs.add(`${k}\u0000${v}`);
  const overlaps = (s: SeriesHit): boolean => {
    const entries = Object.entries(s.dimensions);
    if (entries.length === 0 || pairs.size === 0) return true;
    return entries.some(([k, v]) => pairs.has(`${k}\u0000${v}`));
  };
  const share = (h: RelatedGroup, metric: string): number => Math.round((h.series.filter((s) => s.metric === metric).length / h.series.length) * 100);
  const out = new Map<string, RelatedMetric>();
  const add = (metric: string, h: RelatedGroup, type: RelationshipType | undefined): void => {
    const key = `${metric} ${h.id} ${type ?? ''}`;
    if (out.has(key)) return;
    out.set(key, { MetricName: metric, AnomalyGroupId: h.id, ...(type ? { RelationshipType: type } : {}), ContributionPercentage: share(h, metric) });
  };
  for (const m of new Set(g.series.map((s) => s.metric))) {
    if (m === g.primaryMetric) continue;
    const first = firstOf(
      g.series.filter((s) => s.metric === m),
      g.startMs,
    );
    add(m, g, first < firstPrimary ? 'CAUSE_OF_INPUT_ANOMALY_GROUP' : first > firstPrimary ? 'EFFECT_OF_INPUT_ANOMALY_GROUP' : undefined);
  }
  const window = RELATED_WINDOW_INTERVALS * freqMs;
  for (const h of others) {
    if (h.id === g.id) continue;
    const before = h.endMs <= g.startMs && g.startMs - h.endMs <= window;
    const after = h.startMs >= g.endMs && h.startMs - g.endMs <= window;
    if (!before && !after) continue;
    for (const s of h.series) {
      if (s.metric === g.primaryMetric || !overlaps(s)) continue;
      add(s.metric, h, before ? 'CAUSE_OF_INPUT_ANOMALY_GROUP' : 'EFFECT_OF_INPUT_ANOMALY_GROUP');
    }
  }
  const rank = (r: RelatedMetric): number => (r.RelationshipType === 'CAUSE_OF_INPUT_ANOMALY_GROUP' ? 0 : r.RelationshipType === undefined ? 1 : 2);
  return [...out.values()].sort((a, b) => rank(a) - rank(b) || b.ContributionPercentage - a.ContributionPercentage || a.MetricName.localeCompare(b.MetricName));
}
