/**
 * ListTagsForStream (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_ListTagsForStream.html)
 * Reads { StreamName | StreamARN, Limit?, ExclusiveStartTagKey? }; writes { Tags: [{Key, Value}], HasMoreTags }.
 */
import { compileValidator } from '../../aws/index.ts';
import type { ActionHandler } from '../../aws/index.ts';
import type { KinesisEngine } from '../engine.ts';
import { STREAM_ARN, STREAM_NAME, streamNameOf } from '../shapes.ts';

interface ListInput {
  Limit?: number;
  ExclusiveStartTagKey?: string;
  StreamName?: string;
  StreamARN?: string;
}
const validateList = compileValidator<ListInput>({
  type: 'structure',
  members: {
    Limit: { type: 'integer', min: 1, max: 50 },
    ExclusiveStartTagKey: { type: 'string', minLength: 1, maxLength: 128 },
    StreamName: STREAM_NAME,
    StreamARN: STREAM_ARN,
  },
});

export function listTagsForStream(engine: KinesisEngine): ActionHandler {
  return (raw) => {
    const input = validateList(raw);
    const tags = engine.describe(streamNameOf(input)).tags;
    let keys = Object.keys(tags).sort();
    const start = input.ExclusiveStartTagKey;
    if (start !== undefined) keys = keys.filter((k) => k > start);
    const limit = input.Limit ?? 50;
    const page = keys.slice(0, limit);
    return { Tags: page.map((k) => ({ Key: k, Value: tags[k] })), HasMoreTags: keys.length > page.length };
  };
}
