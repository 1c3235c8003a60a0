/** Firehose UntagDeliveryStream — API_UntagDeliveryStream: DeliveryStreamName, TagKeys (1–50) → {} */
import { defineAction } from '../../aws/index.ts';
import { firehoseModel } from '../../aws/models/firehose.ts';
import type { FirehoseContext } from './common.ts';

export const untagDeliveryStream = defineAction(firehoseModel, 'UntagDeliveryStream', async (input, ctx: FirehoseContext) => {
  const keys = input.TagKeys;
  await ctx.deps.setTags(input.DeliveryStreamName, (current) => current.filter((t) => !keys.includes(t.Key)));
  return {};
});
