/**
 * TagResource (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_TagResource.html)
 * Reads { ResourceARN (stream ARNs only), Tags }; answers an empty body.
 */
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';
import { streamNameOfResource } from '../shapes.ts';
import { checkTagChars } from '../tag-rules.ts';

export const tagResource = defineAction(kinesisModel, 'TagResource', async (input, ctx: KinesisContext) => {
  const engine = ctx.deps;
  const name = streamNameOfResource(input.ResourceARN, engine);
  checkTagChars([...Object.keys(input.Tags), ...Object.values(input.Tags)], 'add', name, engine);
  await engine.addTags(name, input.Tags);
  return undefined;
});
