/** Metric detectors (a Lookout for Metrics replacement): the public names of src/detectors. */
export { createDetectorsService, LOOKOUTMETRICS_ACTIONS } from './service.ts';
export type { DetectorsService } from './service.ts';
export { DetectorsEngine, rowSchema } from './engine.ts';
export type {
  AlertRecord,
  AnomalyGroupRecord,
  DetectorRecord,
  DetectorStatus,
  DetectorsDeps,
  DetectorsOptions,
  GroupSeries,
  MetricSetRecord,
} from './engine.ts';
export { MetricSetDetector, SERIES_DEFAULTS, createSeriesDetector, gradeSeries, seriesIdOf } from './series.ts';
export type { IntervalResult, MetricSpec, SeriesGrade, SeriesHit, SeriesOptions } from './series.ts';
export { contributions } from './groups.ts';
export { alertDocument } from './alerts.ts';
export { anomalyGroupOf } from './actions/results.ts';
export { parseRows, byInterval, sniffFormat } from './source.ts';
export type { ParsedRow, ParseStats, RowSchema } from './source.ts';
export { StreamSource, RecordParser, parseStreamPath, sumsToRows, STREAM_SCHEME, STREAM_READ_ACTIONS, PUMP_MS } from './stream-source.ts';
export type { IntervalSums, StreamSourceDeps, StreamSourceSpec } from './stream-source.ts';
export { FREQUENCY_MS, frequencyMs, intervalStart, apiTime, parseTimestampCell, renderTemplate } from './time.ts';
