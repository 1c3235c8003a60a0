/** Firehose TagDeliveryStream — API_TagDeliveryStream: DeliveryStreamName, Tags → {} */
import type { ActionHandler } from '../../aws/index.ts';
import type { FirehoseEngine } from '../engine.ts';
import { AwsError } from '../../core/index.ts';
import { Violations, validateStreamName } from '../validate.ts';
import { parseTags, mergeTags, MAX_TAGS } from './common.ts';

export function tagDeliveryStream(engine: FirehoseEngine): ActionHandler {
  return async (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    const tags = parseTags(v, input.Tags, 'tags', true);
    v.throwIfAny();
    await engine.setTags(name, (current) => {
      const merged = mergeTags(current, tags);
      if (merged.length > MAX_TAGS)
        throw new AwsError('LimitExceededException', `Number of tags for delivery stream ${name} exceeds the limit of ${MAX_TAGS}.`);
      return merged;
    });
    return {};
  };
}
