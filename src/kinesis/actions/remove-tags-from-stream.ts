/**
 * RemoveTagsFromStream (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_RemoveTagsFromStream.html)
 * Reads { StreamName | StreamARN, TagKeys }; answers an empty body.
 */
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';
import { streamNameOf } from '../shapes.ts';
import { checkTagChars } from '../tag-rules.ts';

export const removeTagsFromStream = defineAction(kinesisModel, 'RemoveTagsFromStream', async (input, ctx: KinesisContext) => {
  const engine = ctx.deps;
  const name = streamNameOf(input);
  engine.requireStream(name);
  checkTagChars(input.TagKeys, 'remove', name, engine);
  await engine.removeTags(name, input.TagKeys);
  return undefined;
});
