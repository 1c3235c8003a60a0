/**
 * Firehose-compatible delivery streams: the AWS API service, the engine other
 * modules can use in-process, and the key/format helpers tests and tools use.
 */
export { createFirehoseService, FIREHOSE_ACTIONS, MAX_BATCH_RECORDS, MAX_BATCH_BYTES, MAX_RECORD_BYTES } from './service.ts';
export type { FirehoseService } from './service.ts';
export { FirehoseEngine, DeliveryRecordReader } from './engine.ts';
export type { FirehoseDeps, FirehoseOptions, DeliveryStreamMeta, DeliveryStreamType } from './engine.ts';
export type { DeliveryMetricsSnapshot } from './metrics.ts';
export { DeliveryMetrics, emitDeliveryMetrics } from './metrics.ts';
export { compress, decompress, extensionFor, crc32c, COMPRESSION_FORMATS } from './compression.ts';
export type { CompressionFormat } from './compression.ts';
export { compileJavaPattern, formatJava, zonedFields } from './java-time.ts';
export { parsePrefix, evaluatePrefix, objectKey, errorObjectKey, validatePrefixes, parseIsoDurationMs } from './prefix.ts';
export type { PrefixTemplate, ErrorOutputType } from './prefix.ts';
export type { BucketMapping, RemoteBucket } from './destinations/object-store.ts';
export { DEFAULT_RETRY } from './pipeline.ts';
export type { RetrySettings } from './pipeline.ts';
export type { ParquetColumn } from './config.ts';
