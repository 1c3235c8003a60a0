/** Firehose ListTagsForDeliveryStream — API_ListTagsForDeliveryStream: DeliveryStreamName, ExclusiveStartTagKey, Limit (default 50) → { Tags, HasMoreTags } */
import { defineAction } from '../../aws/index.ts';
import { firehoseModel } from '../../aws/models/firehose.ts';
import type { FirehoseContext } from './common.ts';

export const listTagsForDeliveryStream = defineAction(firehoseModel, 'ListTagsForDeliveryStream', (input, ctx: FirehoseContext) => {
  const tags = ctx.deps.meta(input.DeliveryStreamName).tags;
  const start = input.ExclusiveStartTagKey;
  const limit = input.Limit ?? 50;
  let from = 0;
  if (start !== undefined) {
    const i = tags.findIndex((t) => t.Key === start);
    from = i >= 0 ? i + 1 : tags.length;
  }
  return { Tags: tags.slice(from, from + limit), HasMoreTags: from + limit < tags.length };
});
