/**
 * ListTagsForStream (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_ListTagsForStream.html)
 * Reads { StreamName | StreamARN, Limit?, ExclusiveStartTagKey? }; writes { Tags: [{Key, Value}], HasMoreTags }.
 */
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';
import { streamNameOf } from '../shapes.ts';

export const listTagsForStream = defineAction(kinesisModel, 'ListTagsForStream', (input, ctx: KinesisContext) => {
  const tags = ctx.deps.describe(streamNameOf(input)).tags;
  let keys = Object.keys(tags).sort();
  const start = input.ExclusiveStartTagKey;
  if (start !== undefined) keys = keys.filter((k) => k > start);
  const limit = input.Limit ?? 50;
  const page = keys.slice(0, limit);
  return { Tags: page.map((k) => ({ Key: k, Value: tags[k] })), HasMoreTags: keys.length > page.length };
});
