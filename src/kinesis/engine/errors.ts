/**
 * The Kinesis engine's error texts, in AWS's words (as recorded against the real service by kinesalite's
 * test suite unless a comment says otherwise). One place for the templates the engine's parts share.
 */
import { AwsError } from '../../core/index.ts';

export function streamNotFound(name: string, accountId: string): AwsError {
  return new AwsError('ResourceNotFoundException', `Stream ${name} under account ${accountId} not found.`);
}

/** GetShardIterator / GetRecords: a well-formed shard id the stream does not have (or a stream that does not exist). */
export function shardDoesNotExist(shardId: string, name: string, accountId: string): AwsError {
  return new AwsError('ResourceNotFoundException', `Shard ${shardId} in stream ${name} under account ${accountId} does not exist`);
}

/** A shard id that names no shard (unparseable, or SplitShard / MergeShards on a shard the stream does not have). */
export function couldNotFindShard(shardId: string, name: string, accountId: string): AwsError {
  return new AwsError('ResourceNotFoundException', `Could not find shard ${shardId} in stream ${name} under account ${accountId}.`);
}

export function streamNotActive(name: string, status: string, accountId: string): AwsError {
  return new AwsError('ResourceInUseException', `Stream ${name} under account ${accountId} not ACTIVE, instead in state ${status}`);
}

export function streamInUse(name: string, accountId: string): AwsError {
  return new AwsError('ResourceInUseException', `Stream ${name} under account ${accountId} already exists.`);
}

export function shardLimitExceeded(accountId: string, region: string, current: number, limit: number, additional: number): AwsError {
  return new AwsError(
    'LimitExceededException',
    `This request would exceed the shard limit for the account ${accountId} in ${region}. ` +
      `Current shard count for the account: ${current}. Limit: ${limit}. ` +
      `Number of additional shards that would have resulted from this request: ${additional}. ` +
      'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) ' +
      'for current limits and how to request higher limits.',
  );
}

export function rateExceeded(shardId: string, name: string, accountId: string): AwsError {
  return new AwsError('ProvisionedThroughputExceededException', rateExceededMessage(shardId, name, accountId));
}

/** AWS's ProvisionedThroughputExceededException text for a shard (also PutRecords' per-record ErrorMessage). */
export function rateExceededMessage(shardId: string, name: string, accountId: string): string {
  return `Rate exceeded for shard ${shardId} in stream ${name} under account ${accountId}.`;
}

/** Storage failures: HTTP 500, nothing acknowledged. */
export function internalFailure(e: unknown): AwsError {
  return new AwsError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', { cause: e });
}

/** Freshet's own text (AWS's is not recorded). */
export function consumerNotFound(stream: string, consumer: string, accountId: string): AwsError {
  return new AwsError('ResourceNotFoundException', `Consumer ${consumer} under stream ${stream} under account ${accountId} not found.`);
}
