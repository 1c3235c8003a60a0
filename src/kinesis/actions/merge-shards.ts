/**
 * MergeShards (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_MergeShards.html)
 * Reads { StreamName | StreamARN, ShardToMerge, AdjacentShardToMerge }; answers an empty body.
 * The child takes ShardToMerge as ParentShardId and AdjacentShardToMerge as AdjacentParentShardId.
 */
import { compileValidator } from '../../aws/index.ts';
import type { ActionHandler } from '../../aws/index.ts';
import type { KinesisEngine } from '../engine.ts';
import { SHARD_ID, STREAM_ARN, STREAM_NAME, streamNameOf } from '../shapes.ts';

interface Input {
  StreamName?: string;
  StreamARN?: string;
  AdjacentShardToMerge: string;
  ShardToMerge: string;
}

const validate = compileValidator<Input>({
  type: 'structure',
  members: {
    StreamName: STREAM_NAME,
    StreamARN: STREAM_ARN,
    AdjacentShardToMerge: { ...SHARD_ID, notNull: true },
    ShardToMerge: { ...SHARD_ID, notNull: true },
  },
});

export function mergeShards(engine: KinesisEngine): ActionHandler {
  return async (raw) => {
    const input = validate(raw);
    await engine.mergeShards(streamNameOf(input), input.ShardToMerge, input.AdjacentShardToMerge);
    return undefined;
  };
}
