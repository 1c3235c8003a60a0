/**
 * UntagResource (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_UntagResource.html)
 * Reads { ResourceARN (stream ARNs only), TagKeys }; answers an empty body.
 */
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';
import { streamNameOfResource } from '../shapes.ts';
import { checkTagChars } from '../tag-rules.ts';

export const untagResource = defineAction(kinesisModel, 'UntagResource', async (input, ctx: KinesisContext) => {
  const engine = ctx.deps;
  const name = streamNameOfResource(input.ResourceARN, engine);
  checkTagChars(input.TagKeys, 'remove', name, engine);
  await engine.removeTags(name, input.TagKeys);
  return undefined;
});
