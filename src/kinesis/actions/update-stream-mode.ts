/**
 * UpdateStreamMode (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_UpdateStreamMode.html)
 * Reads { StreamARN, StreamModeDetails: { StreamMode: PROVISIONED | ON_DEMAND } }; answers an empty body.
 * The stream is UPDATING for the engine's updateDelayMs; shards are unchanged by the switch itself.
 */
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';
import { streamNameOf } from '../shapes.ts';

export const updateStreamMode = defineAction(kinesisModel, 'UpdateStreamMode', async (input, ctx: KinesisContext) => {
  const engine = ctx.deps;
  await engine.updateStreamMode(streamNameOf(input), input.StreamModeDetails.StreamMode);
  return undefined;
});
