/** Random Cut Forest anomaly detection: the public names of src/anomaly. */
export { RandomCutForest, resolveForestOptions, FOREST_DEFAULTS } from './forest.ts';
export type { ForestOptions, ResolvedForestOptions, ForestState, AttributionResult } from './forest.ts';
export { ThresholdedRandomCutForest, Deviation } from './thresholded.ts';
export type { ThresholdOptions, ThresholdedForestOptions, ThresholdedResult, ThresholdedForestState } from './thresholded.ts';
export { Shingle } from './shingle.ts';
export { KDA_RCF_DEFAULTS, KDA_RCF_RANGES, checkKdaRcfParameters, kdaForestOptions, kdaExplanation } from './kda.ts';
export type { KdaRcfParameters, KdaColumnExplanation } from './kda.ts';
export { Rng } from './random.ts';
export { scoreCsv, splitCsvLine } from './csv.ts';
export type { CsvScoreOptions } from './csv.ts';
