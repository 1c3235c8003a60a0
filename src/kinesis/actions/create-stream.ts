/**
 * CreateStream (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_CreateStream.html)
 * Reads { StreamName, ShardCount?, StreamModeDetails?: { StreamMode }, Tags? }; answers an empty body.
 * ON_DEMAND streams start with 4 shards.
 */
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import { kinesisErrors } from '../errors.ts';
import type { KinesisContext } from './context.ts';

export const createStream = defineAction(kinesisModel, 'CreateStream', async (input, ctx: KinesisContext) => {
  const engine = ctx.deps;
  const mode = input.StreamModeDetails?.StreamMode ?? 'PROVISIONED';
  if (mode === 'PROVISIONED' && input.ShardCount === undefined) {
    throw kinesisErrors.format('ValidationException', 'shardCountNull', {});
  }
  await engine.createStream(input.StreamName, { shardCount: input.ShardCount, mode, tags: input.Tags });
  return undefined;
});
