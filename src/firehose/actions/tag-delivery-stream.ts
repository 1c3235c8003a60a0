/** Firehose TagDeliveryStream — API_TagDeliveryStream: DeliveryStreamName, Tags (1–50) → {}; at most 50 tags per stream (LimitExceededException). */
import { defineAction } from '../../aws/index.ts';
import { firehoseModel } from '../../aws/models/firehose.ts';
import { firehoseErrors } from '../errors.ts';
import { MAX_TAGS, mergeTags, tagsFrom } from './common.ts';
import type { FirehoseContext } from './common.ts';

export const tagDeliveryStream = defineAction(firehoseModel, 'TagDeliveryStream', async (input, ctx: FirehoseContext) => {
  const name = input.DeliveryStreamName;
  const tags = tagsFrom(input.Tags);
  await ctx.deps.setTags(name, (current) => {
    const merged = mergeTags(current, tags);
    if (merged.length > MAX_TAGS) throw firehoseErrors.format('LimitExceededException', 'tags', { name, limit: MAX_TAGS });
    return merged;
  });
  return {};
});
