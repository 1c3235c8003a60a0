/** Firehose StopDeliveryStreamEncryption — API_StopDeliveryStreamEncryption: DeliveryStreamName → {} */
import { defineAction } from '../../aws/index.ts';
import { firehoseModel } from '../../aws/models/firehose.ts';
import type { FirehoseContext } from './common.ts';

export const stopDeliveryStreamEncryption = defineAction(firehoseModel, 'StopDeliveryStreamEncryption', async (input, ctx: FirehoseContext) => {
  await ctx.deps.setEncryption(input.DeliveryStreamName, false);
  return {};
});
