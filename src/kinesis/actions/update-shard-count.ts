/**
 * UpdateShardCount (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_UpdateShardCount.html)
 * Reads { StreamName | StreamARN, TargetShardCount, ScalingType: UNIFORM_SCALING };
 * writes { StreamName, StreamARN, CurrentShardCount, TargetShardCount }.
 * Targets outside ½×–2× the open shard count fail with LimitExceededException, in AWS's words.
 */
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';
import { streamNameOf } from '../shapes.ts';

export const updateShardCount = defineAction(kinesisModel, 'UpdateShardCount', async (input, ctx: KinesisContext) => {
  const engine = ctx.deps;
  const name = streamNameOf(input);
  const r = await engine.updateShardCount(name, input.TargetShardCount);
  return { StreamName: name, StreamARN: engine.arnFor(name), CurrentShardCount: r.current, TargetShardCount: r.target };
});
