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
    messages: { noStream: 'Either StreamName or StreamARN must be provided.', badNextToken: 'Invalid NextToken: {token}' },
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
    },
  },
  ValidationException: { httpStatus: 400, retryable: false },
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
