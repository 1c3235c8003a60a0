/**
 * TagResource (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_TagResource.html)
 * Reads { ResourceARN (stream ARNs only), Tags }; answers an empty body.
 */
import { compileValidator } from '../../aws/index.ts';
import type { ActionHandler } from '../../aws/index.ts';
import type { KinesisEngine } from '../engine.ts';
import { RESOURCE_ARN, streamNameOfResource } from '../shapes.ts';
import { TAG_MAP, checkTagChars } from '../tag-rules.ts';

interface TagResourceInput {
  Tags: Record<string, string>;
  ResourceARN: string;
}
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
