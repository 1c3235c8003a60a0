/**
 * CloudWatch Logs on Freshet's storage: log groups, streams and events (LogsEngine), the Logs_20140328
 * API on the server's port (createLogsService), and what applications write their log lines through.
 *
 *   const logs = await LogsEngine.open({ storage, clock, region, accountId });
 *   await logs.createGroup('/aws/kinesis-analytics/orders');
 *   await logs.createStream('/aws/kinesis-analytics/orders', 'kinesis-analytics-log-stream');
 *   await logs.put('/aws/kinesis-analytics/orders', 'kinesis-analytics-log-stream', [{ timestamp: Date.now(), message: 'hello' }]);
 */
export { LogsEngine, LOGS_META_PREFIX, RETENTION_DAYS } from './engine.ts';
export type { LogsEngineOptions, LogEvent, GroupInfo, StreamInfo, PutResult } from './engine.ts';
export { createLogsService, LOGS_ACTIONS, logsIam } from './service.ts';
export type { LogsService } from './service.ts';
export { logsErrors } from './errors.ts';
export { compileFilterPattern, FilterPatternError } from './filter-pattern.ts';
export type { Matcher } from './filter-pattern.ts';
