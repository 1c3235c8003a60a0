/**
 * The detectors `freshet anomaly score` offers, by name, and the settings each
 * uses by default for one univariate series (how they were chosen: docs/anomaly.md).
 */
import { ConfluenceDetector } from './confluence.ts';
import type { ConfluenceOptions, ConfluenceState } from './confluence.ts';

export const DETECTOR_NAMES = ['trcf', 'confluence', 'kda'] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];

/** The name `best` stands for: Freshet's best detector on the NAB sample. */
export const BEST_DETECTOR: DetectorName = 'confluence';

/** ThresholdedRandomCutForest settings for one univariate series (shingle 8, 30 trees, raw values). */
export const TRCF_UNIVARIATE_DEFAULTS = {
  numberOfTrees: 30,
  sampleSize: 256,
  shingleSize: 8,
  /** The reference's decay: 1 / (10 × sampleSize) per point. */
  timeDecay: 2560,
  transform: 'NONE',
} as const;

/** The detector behind `best`, for one series (what the metric detectors use). */
export function createBestDetector(options: ConfluenceOptions = {}): ConfluenceDetector {
  return new ConfluenceDetector(options);
}

/** Restores a best detector from its `toJSON()` state (a checkpoint). */
export function restoreBestDetector(state: ConfluenceState): ConfluenceDetector {
  return ConfluenceDetector.fromJSON(state);
}
