/**
 * DescribeStream (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DescribeStream.html)
 * Reads { StreamName | StreamARN, Limit? (1–10000, default 100), ExclusiveStartShardId? };
 * writes { StreamDescription: { StreamName, StreamARN, StreamStatus, StreamModeDetails, Shards, HasMoreShards, ... } }.
 * Shards are listed only once the stream is ACTIVE, as AWS does; closed shards (within retention) are listed too,
 * with EndingSequenceNumber and their children's ParentShardId / AdjacentParentShardId.
 */
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';
import { wire } from './context.ts';
import type { DescribeStreamOutput } from '../../aws/models/kinesis.ts';
import { canonicalShardId } from '../engine.ts';
import type { ShardInfo } from '../engine.ts';
import { streamNameOf, toEpochSeconds } from '../shapes.ts';

export function shardToWire(s: ShardInfo): Record<string, unknown> {
  const out: Record<string, unknown> = { ShardId: s.shardId };
  if (s.parentShardId !== undefined) out.ParentShardId = s.parentShardId;
  if (s.adjacentParentShardId !== undefined) out.AdjacentParentShardId = s.adjacentParentShardId;
  out.HashKeyRange = { StartingHashKey: s.startingHashKey, EndingHashKey: s.endingHashKey };
  out.SequenceNumberRange =
    s.endingSequenceNumber === undefined
      ? { StartingSequenceNumber: s.startingSequenceNumber }
      : { StartingSequenceNumber: s.startingSequenceNumber, EndingSequenceNumber: s.endingSequenceNumber };
  return out;
}

export const describeStream = defineAction(kinesisModel, 'DescribeStream', (input, ctx: KinesisContext) => {
  const engine = ctx.deps;
  const d = engine.describe(streamNameOf(input));
  const limit = Math.min(input.Limit ?? 100, 100);
  let shards = d.shards;
  if (input.ExclusiveStartShardId !== undefined) {
    const after = canonicalShardId(input.ExclusiveStartShardId);
    shards = shards.filter((s) => s.shardId > after);
  }
  const page = shards.slice(0, limit);
  return wire<DescribeStreamOutput>({
    StreamDescription: {
      StreamName: d.streamName,
      StreamARN: d.streamArn,
      StreamStatus: d.status,
      StreamModeDetails: { StreamMode: d.mode },
      Shards: page.map(shardToWire),
      HasMoreShards: shards.length > page.length,
      RetentionPeriodHours: d.retentionHours,
      StreamCreationTimestamp: toEpochSeconds(d.createdMs),
      EnhancedMonitoring: [{ ShardLevelMetrics: d.shardLevelMetrics }],
      EncryptionType: d.encryptionType,
      ...(d.keyId !== undefined ? { KeyId: d.keyId } : {}),
    },
  });
});
