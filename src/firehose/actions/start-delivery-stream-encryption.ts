/** Firehose StartDeliveryStreamEncryption — API_StartDeliveryStreamEncryption: DeliveryStreamName, DeliveryStreamEncryptionConfigurationInput → {} */
import { defineAction } from '../../aws/index.ts';
import { firehoseModel } from '../../aws/models/firehose.ts';
import { encryptionInput } from './common.ts';
import type { FirehoseContext } from './common.ts';

export const startDeliveryStreamEncryption = defineAction(firehoseModel, 'StartDeliveryStreamEncryption', async (input, ctx: FirehoseContext) => {
  await ctx.deps.setEncryption(input.DeliveryStreamName, true, encryptionInput(input.DeliveryStreamEncryptionConfigurationInput));
  return {};
});
