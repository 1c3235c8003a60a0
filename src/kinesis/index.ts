/**
 * Kinesis Data Streams: the engine other modules use in-process, and the AWS
 * API service the HTTP server mounts.
 *
 * In-process use (e.g. from a Firehose source or a SQL app):
 *   await engine.createStream('orders', { shardCount: 2 }); await engine.whenActive('orders');
 *   const results = await engine.putRecords('orders', [{ partitionKey: 'k', data: bytes }]);
 *   for (const s of engine.listShards('orders')) {
 *     const reader = await engine.openShardReader('orders', s.shardId, { type: 'TRIM_HORIZON' });
 *     const { records } = await reader.read(1000);
 *     const stop = reader.onAppend(() => { ... read again ... });
 *     // after resharding: when reader.ended, continue with reader.childShards() (parents before children)
 *   }
 */
export {
  KinesisEngine,
  ShardReader,
  shardIdName,
  parseShardId,
  ITERATOR_TTL_MS,
  MAX_GET_RECORDS_BYTES,
  ON_DEMAND_SHARDS,
  ON_DEMAND_SPLIT_BYTES_PER_SEC,
  ON_DEMAND_SPLIT_RECORDS_PER_SEC,
  MAX_CONSUMERS_PER_STREAM,
  SHARD_LEVEL_METRICS,
} from './engine.ts';
export { SUBSCRIPTION_TTL_MS, RESUBSCRIBE_GUARD_MS, HEARTBEAT_MS } from './subscription.ts';
export { WRITE_BYTES_PER_SEC, WRITE_RECORDS_PER_SEC, READ_BYTES_PER_SEC, READ_CALLS_PER_SEC } from './limits.ts';
export { decodeFrame as decodeEventStreamFrame, EVENT_STREAM_CONTENT_TYPE } from './event-stream.ts';
export type {
  ChildShard,
  ConsumerMeta,
  ConsumerStatus,
  KinesisEngineOptions,
  KinesisRecord,
  PutInput,
  PutResult,
  ShardInfo,
  ShardIteratorType,
  ShardPosition,
  StreamDescription,
  StreamMode,
  StreamStatus,
} from './engine.ts';
export { createKinesisService, KINESIS_ACTIONS, KINESIS_IAM } from './service.ts';
export { memoryResourcePolicies } from './actions/resource-policy.ts';
export type { ResourcePolicyStore } from './actions/resource-policy.ts';
export { decodeSequence, SEQUENCE_LENGTH } from './sequence.ts';
export type { DecodedSequence } from './sequence.ts';
export { evenHashKeyRanges, partitionKeyHash } from './hash.ts';
export { MAX_PUT_RECORDS, MAX_PUT_RECORDS_BYTES, MAX_RECORD_BYTES } from './actions/put-records.ts';
export { isAggregated, deaggregate } from './kpl.ts';
export type { KplUserRecord } from './kpl.ts';
