/**
 * AddTagsToStream (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_AddTagsToStream.html)
 * Reads { StreamName | StreamARN, Tags }; answers an empty body. At most 50 tags per stream.
 */
import { compileValidator } from '../../aws/index.ts';
import type { ActionHandler } from '../../aws/index.ts';
import type { KinesisEngine } from '../engine.ts';
import { STREAM_ARN, STREAM_NAME, streamNameOf } from '../shapes.ts';
import { TAG_MAP, checkTagChars } from '../tag-rules.ts';

interface AddInput {
  Tags: Record<string, string>;
  StreamName?: string;
  StreamARN?: string;
}
const validateAdd = compileValidator<AddInput>({ type: 'structure', members: { Tags: TAG_MAP, StreamName: STREAM_NAME, StreamARN: STREAM_ARN } });

export function addTagsToStream(engine: KinesisEngine): ActionHandler {
  return async (raw) => {
    const input = validateAdd(raw);
    const name = streamNameOf(input);
    engine.stream(name);
    checkTagChars([...Object.keys(input.Tags), ...Object.values(input.Tags)], 'add', name, engine);
    await engine.addTags(name, input.Tags);
    return undefined;
  };
}
