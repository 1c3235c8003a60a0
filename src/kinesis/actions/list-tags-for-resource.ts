/**
 * ListTagsForResource (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_ListTagsForResource.html)
 * Reads { ResourceARN (stream ARNs only) }; writes { Tags: [{Key, Value}] }.
 */
import { compileValidator } from '../../aws/index.ts';
import type { ActionHandler } from '../../aws/index.ts';
import type { KinesisEngine } from '../engine.ts';
import { RESOURCE_ARN, streamNameOfResource } from '../shapes.ts';

interface ListForResourceInput {
  ResourceARN: string;
}
const validateListForResource = compileValidator<ListForResourceInput>({ type: 'structure', members: { ResourceARN: RESOURCE_ARN } });

export function listTagsForResource(engine: KinesisEngine): ActionHandler {
  return (raw) => {
    const input = validateListForResource(raw);
    const tags = engine.describe(streamNameOfResource(input.ResourceARN, engine)).tags;
    return {
      Tags: Object.keys(tags)
        .sort()
        .map((k) => ({ Key: k, Value: tags[k] })),
    };
  };
}
