/** Firehose DeleteDeliveryStream — API_DeleteDeliveryStream: DeliveryStreamName, AllowForceDelete → {} */
import { defineAction } from '../../aws/index.ts';
import { firehoseModel } from '../../aws/models/firehose.ts';
import type { FirehoseContext } from './common.ts';

export const deleteDeliveryStream = defineAction(firehoseModel, 'DeleteDeliveryStream', async (input, ctx: FirehoseContext) => {
  await ctx.deps.delete(input.DeliveryStreamName);
  return {};
});
