/**
 * Kinesis Data Analytics' RANDOM_CUT_FOREST / RANDOM_CUT_FOREST_WITH_EXPLANATION
 * parameters: defaults and allowed ranges as the KDA SQL reference documents
 * them (see docs/anomaly.md), for the SQL layer to validate at its edge and to
 * map onto ForestOptions.
 */
import type { ForestOptions } from './forest.ts';

export const KDA_RCF_DEFAULTS = {
  numberOfTrees: 100,
  subSampleSize: 256,
  timeDecay: 100000,
  shingleSize: 1,
  withDirectionality: false,
} as const;

export const KDA_RCF_RANGES = {
  numberOfTrees: { min: 1, max: 1000 },
  subSampleSize: { min: 10, max: 1000 },
  timeDecay: { min: 1, max: 2147483647 },
  shingleSize: { min: 1, max: 30 },
} as const;

export interface KdaRcfParameters {
  numberOfTrees?: number;
  subSampleSize?: number;
  timeDecay?: number;
  shingleSize?: number;
}

/**
 * Checks KDA parameters against the documented ranges; returns a message for the
 * first violation, or null when valid. KDA also requires subSampleSize < timeDecay.
 */
export function checkKdaRcfParameters(p: KdaRcfParameters): string | null {
  for (const key of ['numberOfTrees', 'subSampleSize', 'timeDecay', 'shingleSize'] as const) {
    const v = p[key];
    if (v === undefined) continue;
    const r = KDA_RCF_RANGES[key];
    if (!Number.isInteger(v) || v < r.min || v > r.max) return `${key} must be an integer between ${r.min} and ${r.max}, got ${v}`;
  }
  const sub = p.subSampleSize ?? KDA_RCF_DEFAULTS.subSampleSize;
  const decay = p.timeDecay ?? KDA_RCF_DEFAULTS.timeDecay;
  if (sub >= decay) return `subSampleSize (${sub}) must be less than timeDecay (${decay})`;
  return null;
}

/** ForestOptions for a KDA call over `columns` numeric columns (internal shingling, as KDA shingles per record). */
export function kdaForestOptions(columns: number, p: KdaRcfParameters = {}, seed = 0): ForestOptions {
  return {
    dimensions: columns,
    numberOfTrees: p.numberOfTrees ?? KDA_RCF_DEFAULTS.numberOfTrees,
    sampleSize: p.subSampleSize ?? KDA_RCF_DEFAULTS.subSampleSize,
    timeDecay: p.timeDecay ?? KDA_RCF_DEFAULTS.timeDecay,
    shingleSize: p.shingleSize ?? KDA_RCF_DEFAULTS.shingleSize,
    internalShingling: true,
    seed,
  };
}

export interface KdaColumnExplanation {
  /** 'HIGH' or 'LOW': whether the column's value is above or below what the forest has seen (withDirectionality only). */
  DIRECTION?: 'HIGH' | 'LOW';
  /** How one-sided the attribution is, 0..1: |high - low| / (high + low) (withDirectionality only). */
  STRENGTH?: number;
  /** The column's share of ANOMALY_SCORE (high + low); the shares of all columns sum to the score. */
  ATTRIBUTION_SCORE: number;
}

/**
 * ANOMALY_EXPLANATION for RANDOM_CUT_FOREST_WITH_EXPLANATION, as an object keyed
 * by column name (the SQL layer serialises it to the JSON string column). Built
 * from RandomCutForest.attribution(): per column, ATTRIBUTION_SCORE = high + low;
 * with directionality, DIRECTION is the larger side and STRENGTH how one-sided
 * it is. The exact STRENGTH formula AWS uses is not documented; this one is ours.
 */
export function kdaExplanation(
  columns: readonly string[],
  attribution: { high: ArrayLike<number>; low: ArrayLike<number> },
  withDirectionality: boolean,
): Record<string, KdaColumnExplanation> {
  if (columns.length !== attribution.high.length) throw new RangeError(`${columns.length} column names for ${attribution.high.length} attributed columns`);
  const out: Record<string, KdaColumnExplanation> = {};
  for (let i = 0; i < columns.length; i++) {
    const h = attribution.high[i]!,
      l = attribution.low[i]!;
    const total = h + l;
    out[columns[i]!] = withDirectionality
      ? { DIRECTION: h >= l ? 'HIGH' : 'LOW', STRENGTH: total > 0 ? Math.abs(h - l) / total : 0, ATTRIBUTION_SCORE: total }
      : { ATTRIBUTION_SCORE: total };
  }
  return out;
}
