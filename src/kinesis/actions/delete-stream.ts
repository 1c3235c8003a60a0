/**
 * DeleteStream (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DeleteStream.html)
 * Reads { StreamName | StreamARN, EnforceConsumerDeletion? }; answers an empty body.
 */
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';
import { streamNameOf } from '../shapes.ts';

export const deleteStream = defineAction(kinesisModel, 'DeleteStream', async (input, ctx: KinesisContext) => {
  const engine = ctx.deps;
  await engine.deleteStream(streamNameOf(input), { enforceConsumerDeletion: input.EnforceConsumerDeletion });
  return undefined;
});
