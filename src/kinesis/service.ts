/**
 * The Kinesis Data Streams API (Kinesis_20131202) as an AwsService: one table listing every operation
 * of the generated model (src/aws/models/kinesis.ts). Operations Freshet does not implement map to
 * undefined, which the server answers with UnknownOperationException. Requests are checked against the
 * model (AWS's texts) before an action runs; PutRecords also has a raw-body fast path.
 */
import { actionTable, defineService } from '../aws/index.ts';
import type { AwsService, IamMapping } from '../aws/index.ts';
import { kinesisModel } from '../aws/models/kinesis.ts';
import { kinesisErrors } from './errors.ts';
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
import { memoryResourcePolicies, resourcePolicyActions } from './actions/resource-policy.ts';
import type { ResourcePolicyStore } from './actions/resource-policy.ts';

/** Every Kinesis_20131202 operation, in AWS's alphabetical order. */
export const KINESIS_ACTIONS = actionTable(kinesisModel, {
  AddTagsToStream: addTagsToStream,
  CreateStream: createStream,
  DecreaseStreamRetentionPeriod: decreaseStreamRetentionPeriod,
  DeleteResourcePolicy: undefined, // resourcePolicyActions, given the server's policy store
  DeleteStream: deleteStream,
  DeregisterStreamConsumer: deregisterStreamConsumer,
  DescribeAccountSettings: undefined,
  DescribeLimits: describeLimits,
  DescribeStream: describeStream,
  DescribeStreamConsumer: describeStreamConsumer,
  DescribeStreamSummary: describeStreamSummary,
  DisableEnhancedMonitoring: disableEnhancedMonitoring,
  EnableEnhancedMonitoring: enableEnhancedMonitoring,
  GetRecords: getRecords,
  GetResourcePolicy: undefined, // resourcePolicyActions, given the server's policy store
  GetShardIterator: getShardIterator,
  IncreaseStreamRetentionPeriod: increaseStreamRetentionPeriod,
  ListShards: listShards,
  ListStreamConsumers: listStreamConsumers,
  ListStreams: listStreams,
  ListTagsForResource: listTagsForResource,
  ListTagsForStream: listTagsForStream,
  MergeShards: mergeShards,
  PutRecord: putRecord,
  PutRecords: putRecords,
  PutResourcePolicy: undefined, // resourcePolicyActions, given the server's policy store
  RegisterStreamConsumer: registerStreamConsumer,
  RemoveTagsFromStream: removeTagsFromStream,
  SplitShard: splitShard,
  StartStreamEncryption: startStreamEncryption,
  StopStreamEncryption: stopStreamEncryption,
  SubscribeToShard: subscribeToShard,
  TagResource: tagResource,
  UntagResource: untagResource,
  UpdateAccountSettings: undefined,
  UpdateMaxRecordSize: undefined,
  UpdateShardCount: updateShardCount,
  UpdateStreamMode: updateStreamMode,
  UpdateStreamWarmThroughput: undefined,
});

/**
 * Kinesis refuses bodies over 7 MiB with a bare 413 (the limit kinesalite recorded from AWS). A maximal
 * PutRecords — 5 MiB of data and keys, the data base64-encoded — is about 7.0 MB, so it fits.
 */
export const KINESIS_MAX_REQUEST_BYTES = 7 * 1024 * 1024;

/**
 * IAM's names for Kinesis calls: `kinesis:<Operation>` on the stream's ARN (StreamARN, ResourceARN or
 * StreamName), the consumer's ARN (ConsumerARN), or `*` (ListStreams, DescribeLimits…), as the Service
 * Authorization Reference lists them.
 */
export const KINESIS_IAM: IamMapping = {
  prefix: 'kinesis',
  resource(_op, input, region, accountId) {
    const arn = input.ConsumerARN ?? input.StreamARN ?? input.ResourceARN;
    if (typeof arn === 'string') return arn;
    const name = input.StreamName;
    return typeof name === 'string' ? `arn:aws:kinesis:${region}:${accountId}:stream/${name}` : '*';
  },
};

export function createKinesisService(engine: KinesisEngine, opts: { resourcePolicies?: ResourcePolicyStore } = {}): AwsService {
  return defineService(
    {
      model: kinesisModel,
      actions: { ...KINESIS_ACTIONS, ...resourcePolicyActions(opts.resourcePolicies ?? memoryResourcePolicies()) },
      iam: KINESIS_IAM,
      errors: kinesisErrors,
      rawJsonActions: { PutRecords: putRecordsRaw(engine) },
      maxRequestBytes: KINESIS_MAX_REQUEST_BYTES,
      close: async () => {
        hubFor(engine).closeAll();
        await engine.close();
      },
    },
    engine,
  );
}
