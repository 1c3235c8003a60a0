/**
 * UntagResource (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_UntagResource.html)
 * Reads { ResourceARN (stream ARNs only), TagKeys }; answers an empty body.
 */
import { compileValidator } from '../../aws/index.ts';
import type { ActionHandler } from '../../aws/index.ts';
import type { KinesisEngine } from '../engine.ts';
import { RESOURCE_ARN, streamNameOfResource } from '../shapes.ts';
import { TAG_KEYS, checkTagChars } from '../tag-rules.ts';

interface UntagResourceInput {
  TagKeys: string[];
  ResourceARN: string;
}
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
