/**
 * RemoveTagsFromStream (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_RemoveTagsFromStream.html)
 * Reads { StreamName | StreamARN, TagKeys }; answers an empty body.
 */
import { compileValidator } from '../../aws/index.ts';
import type { ActionHandler } from '../../aws/index.ts';
import type { KinesisEngine } from '../engine.ts';
import { STREAM_ARN, STREAM_NAME, streamNameOf } from '../shapes.ts';
import { TAG_KEYS, checkTagChars } from '../tag-rules.ts';

interface RemoveInput {
  TagKeys: string[];
  StreamName?: string;
  StreamARN?: string;
}
const validateRemove = compileValidator<RemoveInput>({ type: 'structure', members: { TagKeys: TAG_KEYS, StreamName: STREAM_NAME, StreamARN: STREAM_ARN } });

export function removeTagsFromStream(engine: KinesisEngine): ActionHandler {
  return async (raw) => {
    const input = validateRemove(raw);
    const name = streamNameOf(input);
    engine.stream(name);
    checkTagChars(input.TagKeys, 'remove', name, engine);
    await engine.removeTags(name, input.TagKeys);
    return undefined;
  };
}
