/**
 * SplitShard (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_SplitShard.html)
 * Reads { StreamName | StreamARN, ShardToSplit, NewStartingHashKey }; answers an empty body.
 * The stream is UPDATING until the split takes effect (the engine's updateDelayMs of clock time).
 */
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';
import { streamNameOf } from '../shapes.ts';

export const splitShard = defineAction(kinesisModel, 'SplitShard', async (input, ctx: KinesisContext) => {
  const engine = ctx.deps;
  await engine.splitShard(streamNameOf(input), input.ShardToSplit, input.NewStartingHashKey);
  return undefined;
});
