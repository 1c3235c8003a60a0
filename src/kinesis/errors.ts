/**
 * The errors Kinesis_20131202 returns (Amazon Kinesis Data Streams API Reference, each action's "Errors",
 * and its common errors), all HTTP 400 on AWS JSON 1.1 and CBOR except InternalFailure (500). Message
 * templates are AWS's texts as kinesalite and user reports recorded them; the engine's parts make their errors
 * from them (engine/errors.ts).
 */
import { defineErrors } from '../aws/index.ts';
import { kinesisModel } from '../aws/models/kinesis.ts';

export const kinesisErrors = defineErrors(kinesisModel, {
  AccessDeniedException: { httpStatus: 400, retryable: false },
  ExpiredIteratorException: {
    httpStatus: 400,
    retryable: false,
    messages: {
      expired:
        'Iterator expired. The iterator was created at time {created} while right now it is {now} which is further in the future than the tolerated delay of {ttl} milliseconds.',
    },
  },
  ExpiredNextTokenException: { httpStatus: 400, retryable: false, messages: { expired: 'The NextToken {token} has expired.' } },
  InternalFailureException: { httpStatus: 500, retryable: true },
  InvalidArgumentException: {
    httpStatus: 400,
    retryable: false,
    messages: {
      noStream: 'Either StreamName or StreamARN must be provided.',
      badNextToken: 'Invalid NextToken: {token}',
      shardCountRequired: 'ShardCount must be specified for streams in PROVISIONED mode.',
      tooManyTags: 'Failed to add tags to stream {stream} under account {account} because a given stream cannot have more than 50 tags associated with it.',
      retentionTooShort: 'Minimum allowed retention period is 24 hours. Requested retention period ({hours} hours) is too short.',
      retentionTooLong: 'Maximum allowed retention period is 8760 hours. Requested retention period ({hours} hours) is too long.',
      retentionBelowCurrent:
        'Requested retention period ({hours} hours) for stream {stream} can not be shorter than existing retention period ({current} hours). Use DecreaseRetentionPeriod API.',
      retentionAboveCurrent:
        'Requested retention period ({hours} hours) for stream {stream} can not be longer than existing retention period ({current} hours). Use IncreaseRetentionPeriod API.',
      badHashKey: 'Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was {value}',
      badOrderingSequence: 'ExclusiveMinimumSequenceNumber {sequence} used in PutRecord on stream {stream} under account {account} is invalid.',
      iteratorWithSequence:
        'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified {type} and also a StartingSequenceNumber.',
      iteratorWithoutSequence:
        'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified {type} and no StartingSequenceNumber.',
      noTimestamp: 'Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.',
      futureTimestamp:
        'The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: {timestamp}, currentTimestampInMillis: {now}',
      badStartingSequence: 'StartingSequenceNumber {sequence} used in GetShardIterator on shard {shard} in stream {stream} under account {account} is invalid.',
      sequenceOfOtherShard: 'Invalid StartingSequenceNumber. It encodes {encoded}, while it was used in a call to a shard with {shard}',
      sequenceOfOtherStream:
        'StartingSequenceNumber {sequence} used in GetShardIterator on shard {shard} in stream {stream} under account {account} is invalid because it did not come from this stream.',
      badIterator: 'Invalid ShardIterator.',
      recordTooLarge: 'Record size (data plus partition key) of {bytes} bytes exceeds the 1 MiB limit.',
      /** PutRecords: `index` counts from 1, as AWS's member paths do. */
      recordsEntryTooLarge: 'Record size (data plus partition key) of {bytes} bytes exceeds the 1 MiB limit at records.{index}.',
      recordsTooLarge: 'Records size exceeds 5 MB limit',
      /** Freshet's own text. */
      encryptionType: 'Encryption type {type} is not supported. Only KMS is supported.',
      noConsumer: 'Either ConsumerARN or both ConsumerName and StreamARN must be provided.',
      /** ListShards / ListStreams / ListStreamConsumers: NextToken with a member it replaces. */
      nextTokenWith: 'NextToken and {member} cannot be provided together.',
      noNextTokenNorStream: 'Either NextToken or StreamName should be provided.',
      filterNeedsShardId: 'ShardId must be specified in ShardFilter when Type is AFTER_SHARD_ID.',
      filterNeedsTimestamp: 'Timestamp must be specified in ShardFilter when Type is {type}.',
      tagCharacters: 'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.',
      /** A `%` in a tag (`direction`: to / from). */
      tagIllegalCharacters:
        'Failed to {verb} tags {direction} stream {stream} under account {account} because some tags contained illegal characters. ' +
        "The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.",
      arnNameMismatch: 'StreamARN {arn} and StreamName {stream} do not refer to the same stream.',
      /** Freshet's own text. */
      notAStream: 'Resource {arn} is not a stream; Freshet supports tags on streams only.',
      shardClosed:
        'Shard {shard} in stream {stream} under account {account} has already been merged or split, and thus is not eligible for merging or splitting.',
      badSplitKey:
        "NewStartingHashKey {key} used in SplitShard() on shard {shard} in stream {stream} under account {account} is not both greater than one plus the shard's StartingHashKey {start} and less than the shard's EndingHashKey {end}.",
      notAdjacent: 'Shards {first} and {second} in stream {stream} under account {account} are not an adjacent pair of shards eligible for merging',
    },
  },
  KMSAccessDeniedException: { httpStatus: 400, retryable: false },
  KMSDisabledException: { httpStatus: 400, retryable: false },
  KMSInvalidStateException: { httpStatus: 400, retryable: false },
  KMSNotFoundException: { httpStatus: 400, retryable: false },
  KMSOptInRequired: { httpStatus: 400, retryable: false },
  KMSThrottlingException: { httpStatus: 400, retryable: true },
  LimitExceededException: {
    httpStatus: 400,
    retryable: true,
    messages: {
      consumers: 'Stream {stream} under account {account} already has {count} registered consumers. The limit is {limit}.',
      onDemandStreams: 'This request would exceed the limit of {limit} on-demand streams for the account {account} in {region}.',
      targetOverLimit:
        'Target shard count or number of open shards cannot be greater than {limit}. Current open shard count: {open}, Target shard count: {target}',
      scaleUpOverDouble:
        'UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: {open}, Target shard count: {target}',
      scaleDownBelowHalf:
        'UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: {open}, Target shard count: {target}',
      shardLimit:
        'This request would exceed the shard limit for the account {account} in {region}. Current shard count for the account: {current}. ' +
        'Limit: {limit}. Number of additional shards that would have resulted from this request: {additional}. ' +
        'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) ' +
        'for current limits and how to request higher limits.',
    },
  },
  ProvisionedThroughputExceededException: {
    httpStatus: 400,
    retryable: true,
    messages: { rate: 'Rate exceeded for shard {shard} in stream {stream} under account {account}.' },
  },
  ResourceInUseException: {
    httpStatus: 400,
    retryable: false,
    messages: {
      notActive: 'Stream {stream} under account {account} not ACTIVE, instead in state {status}',
      exists: 'Stream {stream} under account {account} already exists.',
      hasConsumers: 'Stream {stream} under account {account} has registered consumers. Use EnforceConsumerDeletion to delete it with its consumers.',
      consumerExists: 'Consumer {consumer} under stream {stream} under account {account} already exists.',
      activeSubscription: 'Another active subscription exists for this consumer: {account}:{stream}:{shard}:{consumer}',
      consumerNotActive: 'Consumer {consumer} with creation timestamp {created} under stream: {stream} , account {account} is not in ACTIVE status.',
    },
  },
  ResourceNotFoundException: {
    httpStatus: 400,
    retryable: false,
    messages: {
      stream: 'Stream {stream} under account {account} not found.',
      /** GetShardIterator / GetRecords: a well-formed shard id the stream does not have (or a stream that does not exist). */
      shardDoesNotExist: 'Shard {shard} in stream {stream} under account {account} does not exist',
      /** A shard id that names no shard (unparseable, or SplitShard / MergeShards on a shard the stream does not have). */
      couldNotFindShard: 'Could not find shard {shard} in stream {stream} under account {account}.',
      /** Freshet's own text (AWS's is not recorded). */
      consumer: 'Consumer {consumer} under stream {stream} under account {account} not found.',
      consumerArn: 'Consumer {arn} not found.',
    },
  },
  ValidationException: {
    httpStatus: 400,
    retryable: false,
    messages: {
      /** CreateStream in PROVISIONED mode without ShardCount (optional in the model since on-demand streams). */
      shardCountNull: "1 validation error detected: Value null at 'shardCount' failed to satisfy constraint: Member must not be null",
    },
  },
  // Front-end errors (AWS's common errors for JSON services).
  SerializationException: { httpStatus: 400, retryable: false },
  UnknownOperationException: { httpStatus: 400, retryable: false },
  InternalFailure: {
    httpStatus: 500,
    retryable: true,
    messages: { unknown: 'The request processing has failed because of an unknown error, exception or failure.' },
  },
  MissingAuthenticationTokenException: { httpStatus: 400, retryable: false },
  IncompleteSignatureException: { httpStatus: 400, retryable: false },
  InvalidSignatureException: { httpStatus: 400, retryable: false },
});
