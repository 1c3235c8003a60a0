/**
 * CloudWatch-compatible metrics: an embedded time-series store, in-process
 * emission handles, GetMetricStatistics / GetMetricData (metric math) /
 * ListMetrics semantics, alarms (metric, metric-math, anomaly-band, composite)
 * with actions, dashboards, and the Prometheus exposition.
 */
export { MetricsEngine } from './engine.ts';
export type { MetricsEngineOptions } from './engine.ts';
export { MetricsRegistry, MetricHandle } from './registry.ts';
export type { HandleOptions, MetricsCollector } from './registry.ts';
export { MetricStore } from './store/store.ts';
export type { MetricStoreOptions, RecoveryReport } from './store/store.ts';
export type { Dimension, SeriesInfo } from './store/series.ts';
export { TIERS } from './store/tiers.ts';
export type { Tier } from './store/tiers.ts';
export { MetricsError, METRICS_ERRORS, isMetricsError } from './errors.ts';
export type { MetricsErrorCode, DashboardValidationMessage } from './errors.ts';
export { STANDARD_UNITS, MAX_DATAPOINTS_PER_CALL } from './metric-data.ts';
export type { MetricRef, MetricDatumInput, StatisticSetInput, GetMetricStatisticsInput, StatisticsDatapoint, ListMetricsInput } from './metric-data.ts';
export { defaultBand } from './get-metric-data.ts';
export { forecastBand } from './band.ts';
export type { GetMetricDataInput, GetMetricDataOutput, MetricDataQueryInput, MetricDataResultOut, MetricStatInput } from './get-metric-data.ts';
export type { BandFunction, TimeSeries } from './math/evaluate.ts';
export { parseStatistic, BASIC_STATISTICS } from './stats.ts';
export type { StatisticSpec } from './stats.ts';
export { SKETCH_RELATIVE_ACCURACY } from './sketch.ts';
export { AlarmEngine } from './alarms/engine.ts';
export type { AlarmView, AlarmStateRecord, AlarmType, HistoryItem, MetricAlarmInput, CompositeAlarmInput, Tag } from './alarms/engine.ts';
export { ActionDispatcher } from './alarms/actions.ts';
export type { AlarmActionsConfig, AlarmNotification, AlarmFunctionEvent, ActionRequest, ActionOutcome } from './alarms/actions.ts';
export { COMPARISON_OPERATORS } from './alarms/evaluate.ts';
export type { AlarmStateValue, ComparisonOperator, TreatMissingData } from './alarms/evaluate.ts';
export { Dashboards, validateDashboardBody } from './dashboards.ts';
export type { DashboardEntry } from './dashboards.ts';
export { KINESIS_NAMESPACE, KINESIS_SHARD_LEVEL_METRICS, KinesisMetrics, KinesisStreamMetrics, attachKinesisMetrics, kinesisMetricsOf } from './kinesis.ts';
export type { KinesisShardRef, KinesisSpansRef } from './kinesis.ts';
export { prometheusText, prometheusName, PROMETHEUS_CONTENT_TYPE } from './prometheus.ts';
