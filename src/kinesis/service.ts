/**
 * The Kinesis Data Streams API (Kinesis_20131202) as an AwsService: one table
 * listing every action AWS defines. Actions Freshet does not implement map to
 * undefined, which the server answers with UnknownOperationException.
 */
import type { ActionHandler, AwsService } from '../aws/index.ts';
import type { KinesisEngine } from './engine.ts';
import { createStream } from './actions/create-stream.ts';
import { deleteStream } from './actions/delete-stream.ts';
import { describeLimits } from './actions/describe-limits.ts';
import { describeStream } from './actions/describe-stream.ts';
import { describeStreamSummary } from './actions/describe-stream-summary.ts';
import { getRecords } from './actions/get-records.ts';
import { getShardIterator } from './actions/get-shard-iterator.ts';
import { listShards } from './actions/list-shards.ts';
import { listStreams } from './actions/list-streams.ts';
import { putRecord } from './actions/put-record.ts';
import { putRecords, putRecordsRaw } from './actions/put-records.ts';
import { decreaseStreamRetentionPeriod } from './actions/decrease-stream-retention-period.ts';
import { increaseStreamRetentionPeriod } from './actions/increase-stream-retention-period.ts';
import { addTagsToStream } from './actions/add-tags-to-stream.ts';
import { removeTagsFromStream } from './actions/remove-tags-from-stream.ts';
import { listTagsForStream } from './actions/list-tags-for-stream.ts';
import { tagResource } from './actions/tag-resource.ts';
import { untagResource } from './actions/untag-resource.ts';
import { listTagsForResource } from './actions/list-tags-for-resource.ts';
import { splitShard } from './actions/split-shard.ts';
import { registerStreamConsumer } from './actions/register-stream-consumer.ts';
import { deregisterStreamConsumer } from './actions/deregister-stream-consumer.ts';
import { describeStreamConsumer } from './actions/describe-stream-consumer.ts';
import { listStreamConsumers } from './actions/list-stream-consumers.ts';
import { subscribeToShard } from './actions/subscribe-to-shard.ts';
import { hubFor } from './subscription.ts';
import { startStreamEncryption, stopStreamEncryption } from './actions/stream-encryption.ts';
import { enableEnhancedMonitoring, disableEnhancedMonitoring } from './actions/enhanced-monitoring.ts';
import { mergeShards } from './actions/merge-shards.ts';
import { updateShardCount } from './actions/update-shard-count.ts';
import { updateStreamMode } from './actions/update-stream-mode.ts';

type Factory = (engine: KinesisEngine) => ActionHandler;

/** Every Kinesis_20131202 action, in AWS's alphabetical order. */
export const KINESIS_ACTIONS: Readonly<Record<string, Factory | undefined>> = {
  AddTagsToStream: addTagsToStream,
  CreateChannel: undefined,
  CreateStream: createStream,
  DecreaseStreamRetentionPeriod: decreaseStreamRetentionPeriod,
  DeleteChannel: undefined,
  DeleteResourcePolicy: undefined,
  DeleteStream: deleteStream,
  DeregisterStreamConsumer: deregisterStreamConsumer,
  DescribeAccountSettings: undefined,
  DescribeChannel: undefined,
  DescribeLimits: describeLimits,
  DescribeStream: describeStream,
  DescribeStreamConsumer: describeStreamConsumer,
  DescribeStreamSummary: describeStreamSummary,
  DisableEnhancedMonitoring: disableEnhancedMonitoring,
  EnableEnhancedMonitoring: enableEnhancedMonitoring,
  GetRecords: getRecords,
  GetResourcePolicy: undefined,
  GetShardIterator: getShardIterator,
  IncreaseStreamRetentionPeriod: increaseStreamRetentionPeriod,
  ListChannels: undefined,
  ListShards: listShards,
  ListStreamConsumers: listStreamConsumers,
  ListStreams: listStreams,
  ListTagsForResource: listTagsForResource,
  ListTagsForStream: listTagsForStream,
  MergeShards: mergeShards,
  PutRecord: putRecord,
  PutRecords: putRecords,
  PutResourcePolicy: undefined,
  RegisterStreamConsumer: registerStreamConsumer,
  RemoveTagsFromStream: removeTagsFromStream,
  SplitShard: splitShard,
  StartStreamEncryption: startStreamEncryption,
  StopStreamEncryption: stopStreamEncryption,
  SubscribeToShard: subscribeToShard,
  TagResource: tagResource,
  UntagResource: untagResource,
  UpdateAccountSettings: undefined,
  UpdateChannel: undefined,
  UpdateMaxRecordSize: undefined,
  UpdateShardCount: updateShardCount,
  UpdateStreamMode: updateStreamMode,
  UpdateStreamRecordDistributionStrategy: undefined,
  UpdateStreamWarmThroughput: undefined,
};

/**
 * Kinesis refuses bodies over 7 MiB with a bare 413 (the limit kinesalite recorded from AWS). A maximal
 * PutRecords — 5 MiB of data and keys, the data base64-encoded — is about 7.0 MB, so it fits.
 */
export const KINESIS_MAX_REQUEST_BYTES = 7 * 1024 * 1024;

export function createKinesisService(engine: KinesisEngine): AwsService {
  const actions: Record<string, ActionHandler | undefined> = {};
  for (const [name, factory] of Object.entries(KINESIS_ACTIONS)) actions[name] = factory?.(engine);
  return {
    targetPrefix: 'Kinesis_20131202',
    signingName: 'kinesis',
    actions,
    rawJsonActions: { PutRecords: putRecordsRaw(engine) },
    maxRequestBytes: KINESIS_MAX_REQUEST_BYTES,
    close: async () => {
      hubFor(engine).closeAll();
      await engine.close();
    },
  };
}
