/**
 * AddTagsToStream (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_AddTagsToStream.html)
 * Reads { StreamName | StreamARN, Tags }; answers an empty body. At most 50 tags per stream.
 */
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';
import { streamNameOf } from '../shapes.ts';
import { checkTagChars } from '../tag-rules.ts';

export const addTagsToStream = defineAction(kinesisModel, 'AddTagsToStream', async (input, ctx: KinesisContext) => {
  const engine = ctx.deps;
  const name = streamNameOf(input);
  engine.requireStream(name);
  checkTagChars([...Object.keys(input.Tags), ...Object.values(input.Tags)], 'add', name, engine);
  await engine.addTags(name, input.Tags);
  return undefined;
});
