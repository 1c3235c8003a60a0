/**
 * The errors the Kinesis engine's parts share, made from the templates of the service's error catalog
 * (../errors.ts, AWS's words as recorded against the real service by kinesalite's test suite).
 */
import type { AwsError } from '../../core/index.ts';
import { fillTemplate } from '../../aws/index.ts';
import { kinesisErrors } from '../errors.ts';

const MESSAGES = {
  rate: kinesisErrors.entries.ProvisionedThroughputExceededException.messages.rate,
  internal: kinesisErrors.entries.InternalFailure.messages.unknown,
};

export function streamNotFound(name: string, accountId: string): AwsError {
  return kinesisErrors.format('ResourceNotFoundException', 'stream', { stream: name, account: accountId });
}

/** GetShardIterator / GetRecords: a well-formed shard id the stream does not have (or a stream that does not exist). */
export function shardDoesNotExist(shardId: string, name: string, accountId: string): AwsError {
  return kinesisErrors.format('ResourceNotFoundException', 'shardDoesNotExist', { shard: shardId, stream: name, account: accountId });
}

/** A shard id that names no shard (unparseable, or SplitShard / MergeShards on a shard the stream does not have). */
export function couldNotFindShard(shardId: string, name: string, accountId: string): AwsError {
  return kinesisErrors.format('ResourceNotFoundException', 'couldNotFindShard', { shard: shardId, stream: name, account: accountId });
}

export function streamNotActive(name: string, status: string, accountId: string): AwsError {
  return kinesisErrors.format('ResourceInUseException', 'notActive', { stream: name, account: accountId, status });
}

export function streamInUse(name: string, accountId: string): AwsError {
  return kinesisErrors.format('ResourceInUseException', 'exists', { stream: name, account: accountId });
}

export function shardLimitExceeded(accountId: string, region: string, current: number, limit: number, additional: number): AwsError {
  return kinesisErrors.format('LimitExceededException', 'shardLimit', { account: accountId, region, current, limit, additional });
}

export function rateExceeded(shardId: string, name: string, accountId: string): AwsError {
  return kinesisErrors.create('ProvisionedThroughputExceededException', rateExceededMessage(shardId, name, accountId));
}

/** AWS's ProvisionedThroughputExceededException text for a shard (also PutRecords' per-record ErrorMessage). */
export function rateExceededMessage(shardId: string, name: string, accountId: string): string {
  return fillTemplate(MESSAGES.rate, { shard: shardId, stream: name, account: accountId });
}

/** Storage failures: HTTP 500, nothing acknowledged. */
export function internalFailure(e: unknown): AwsError {
  return kinesisErrors.create('InternalFailure', MESSAGES.internal, { cause: e });
}

/** Freshet's own text (AWS's is not recorded). */
export function consumerNotFound(stream: string, consumer: string, accountId: string): AwsError {
  return kinesisErrors.format('ResourceNotFoundException', 'consumer', { consumer, stream, account: accountId });
}
