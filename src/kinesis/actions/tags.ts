/**
 * Stream tagging, both API generations:
 *  AddTagsToStream / RemoveTagsFromStream / ListTagsForStream (by StreamName | StreamARN)
 *  TagResource / UntagResource / ListTagsForResource (by ResourceARN; stream ARNs only)
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_AddTagsToStream.html and siblings.
 * ListTagsForStream writes { Tags: [{Key, Value}], HasMoreTags }; ListTagsForResource writes { Tags }.
 */
import { AwsError } from '../../core/errors.ts';
import { compileValidator } from '../../server/index.ts';
import type { ActionHandler, Shape } from '../../server/index.ts';
import type { KinesisEngine } from '../engine.ts';
import { RESOURCE_ARN, STREAM_ARN, STREAM_NAME, streamNameOf, streamNameOfResource } from '../shapes.ts';

const TAG_MAP = { type: 'map', notNull: true, value: { type: 'string' }, minLength: 1, maxLength: 200, keyLengths: [1, 128], valueLengths: [0, 256] } as const satisfies Shape;
const TAG_KEYS = { type: 'list', notNull: true, member: { type: 'string' }, minLength: 1, maxLength: 50, memberLengths: [1, 128] } as const satisfies Shape;

// Unicode letters, digits, white space and _ . / = + - % @ (AWS's tag character rule).
const BAD_TAG_CHAR = /[^\p{L}\p{N}\s_.\/=+\-%@:]/u;

function checkTagChars(strings: readonly string[], verb: 'add' | 'remove', name: string, engine: KinesisEngine): void {
  if (strings.some((s) => BAD_TAG_CHAR.test(s))) {
    throw new AwsError('InvalidArgumentException', 'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.');
  }
  if (strings.some((s) => s.includes('%'))) {
    throw new AwsError('InvalidArgumentException',
      `Failed to ${verb} tags ${verb === 'add' ? 'to' : 'from'} stream ${name} under account ${engine.accountId} because some tags contained illegal characters. ` +
        "The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.");
  }
}

interface AddInput { Tags: Record<string, string>; StreamName?: string; StreamARN?: string }
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

interface RemoveInput { TagKeys: string[]; StreamName?: string; StreamARN?: string }
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

interface ListInput { Limit?: number; ExclusiveStartTagKey?: string; StreamName?: string; StreamARN?: string }
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

interface TagResourceInput { Tags: Record<string, string>; ResourceARN: string }
const validateTagResource = compileValidator<TagResourceInput>({ type: 'structure', members: { Tags: TAG_MAP, ResourceARN: RESOURCE_ARN } });

export function tagResource(engine: KinesisEngine): ActionHandler {
  return async (raw) => {
    const input = validateTagResource(raw);
    const name = streamNameOfResource(input.ResourceARN, engine);
    checkTagChars([...Object.keys(input.Tags), ...Object.values(input.Tags)], 'add', name, engine);
    await engine.addTags(name, input.Tags);
    return undefined;
  };
}

interface UntagResourceInput { TagKeys: string[]; ResourceARN: string }
const validateUntagResource = compileValidator<UntagResourceInput>({ type: 'structure', members: { TagKeys: TAG_KEYS, ResourceARN: RESOURCE_ARN } });

export function untagResource(engine: KinesisEngine): ActionHandler {
  return async (raw) => {
    const input = validateUntagResource(raw);
    const name = streamNameOfResource(input.ResourceARN, engine);
    checkTagChars(input.TagKeys, 'remove', name, engine);
    await engine.removeTags(name, input.TagKeys);
    return undefined;
  };
}

interface ListForResourceInput { ResourceARN: string }
const validateListForResource = compileValidator<ListForResourceInput>({ type: 'structure', members: { ResourceARN: RESOURCE_ARN } });

export function listTagsForResource(engine: KinesisEngine): ActionHandler {
  return (raw) => {
    const input = validateListForResource(raw);
    const tags = engine.describe(streamNameOfResource(input.ResourceARN, engine)).tags;
    return { Tags: Object.keys(tags).sort().map((k) => ({ Key: k, Value: tags[k] })) };
  };
}
