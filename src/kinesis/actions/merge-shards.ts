/**
 * MergeShards (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_MergeShards.html)
 * Reads { StreamName | StreamARN, ShardToMerge, AdjacentShardToMerge }; answers an empty body.
 * The child takes ShardToMerge as ParentShardId and AdjacentShardToMerge as AdjacentParentShardId.
 */
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';
import { streamNameOf } from '../shapes.ts';

export const mergeShards = defineAction(kinesisModel, 'MergeShards', async (input, ctx: KinesisContext) => {
  const engine = ctx.deps;
  await engine.mergeShards(streamNameOf(input), input.ShardToMerge, input.AdjacentShardToMerge);
  return undefined;
});
