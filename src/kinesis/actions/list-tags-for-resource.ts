/**
 * ListTagsForResource (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_ListTagsForResource.html)
 * Reads { ResourceARN (stream ARNs only) }; writes { Tags: [{Key, Value}] }.
 */
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';
import { streamNameOfResource } from '../shapes.ts';

export const listTagsForResource = defineAction(kinesisModel, 'ListTagsForResource', (input, ctx: KinesisContext) => {
  const tags = ctx.deps.describe(streamNameOfResource(input.ResourceARN, ctx.deps)).tags;
  return {
    Tags: Object.keys(tags)
      .sort()
      .map((k) => ({ Key: k, Value: tags[k] })),
  };
});
