/**
 * Kinesis Data Analytics (API v1, SQL applications): the
 * KinesisAnalytics_20150814 service and the host that runs applications on
 * live Freshet streams.
 */
export { createAnalyticsService, leasedApplications, TARGET_PREFIX } from './service.ts';
export { formatAppLogLine, logLevelPasses } from './app-log.ts';
export type { ApplicationLogWriter, AppLogLevel, AppLogLine } from './app-log.ts';
export { createAnalyticsV2Service, leasedFlinkApplications } from './v2/service.ts';
export type { AnalyticsV2Deps, AnalyticsV2Options, AnalyticsV2Service } from './v2/service.ts';
export type { V2Delays as AnalyticsV2Delays } from './v2/registry.ts';
export { verifyPresignedToken } from './v2/presign.ts';
export type { PresignedCheck } from './v2/presign.ts';
export type { AnalyticsDeps, AnalyticsOptions, AnalyticsService, FirehoseEngineLike } from './service.ts';
export { ACTION_NAMES } from './actions/index.ts';
export { ApplicationRegistry } from './registry.ts';
export type { ApplicationRuntime } from './registry.ts';
export { AnalyticsHost, CHECKPOINT_KEY_PREFIX } from './runtime/host.ts';
export type { ApplicationStats, HostOptions, OutputStats, RunningStats } from './runtime/host.ts';
export { emitApplicationMetrics } from './metrics.ts';
export type { DeliveryPort, RunGate, SqlPort, CompiledApplication, RecordParser, RowFormatter, StreamEngine } from './runtime/ports.ts';
export { createSqlPort } from './runtime/sql-adapter.ts';
export { ShardFollower } from './runtime/shard-follower.ts';
export type { FollowedFeed } from './runtime/shard-follower.ts';
export type { StreamShardReader } from './runtime/ports.ts';
export { inferSchema } from './discover.ts';
export type { DiscoveredSchema } from './discover.ts';
export { inAppStreamNames, streamNameFromArn, deliveryStreamNameFromArn } from './model.ts';
export type {
  ApplicationConfig,
  ApplicationStatus,
  AppInput,
  AppOutput,
  AppReference,
  ColumnSpec,
  RecordSchema,
  StartingPosition,
} from './model.ts';
