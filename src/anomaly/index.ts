/** Anomaly detection: the public names of src/anomaly. */
export { RandomCutForest, resolveForestOptions, FOREST_DEFAULTS } from './forest.ts';
export type { ForestOptions, ResolvedForestOptions, ForestState, AttributionResult } from './forest.ts';
export { ThresholdedRandomCutForest, TRCF_DEFAULTS } from './thresholded.ts';
export type { ThresholdedForestOptions, ThresholdedResult, ThresholdedForestState } from './thresholded.ts';
export { BasicThresholder, THRESHOLDER_DEFAULTS, TRANSFORM_METHODS } from './thresholder.ts';
export type { ThresholderOptions, TransformMethod } from './thresholder.ts';
export { Deviation } from './deviation.ts';
export { Shingle } from './shingle.ts';
export { KDA_RCF_DEFAULTS, KDA_RCF_RANGES, checkKdaRcfParameters, kdaForestOptions, kdaExplanation } from './kda.ts';
export type { KdaRcfParameters, KdaColumnExplanation } from './kda.ts';
export { Rng } from './random.ts';
export { scoreCsv, splitCsvLine } from './csv.ts';
export type { CsvScoreOptions } from './csv.ts';
