/** Firehose ListTagsForDeliveryStream — API_ListTagsForDeliveryStream: DeliveryStreamName, ExclusiveStartTagKey, Limit → { Tags, HasMoreTags } */
import type { ActionHandler } from '../../aws/index.ts';
import type { FirehoseEngine } from '../engine.ts';
import { Violations, validateStreamName } from '../validate.ts';

export function listTagsForDeliveryStream(engine: FirehoseEngine): ActionHandler {
  return (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    const start = v.str(input.ExclusiveStartTagKey, 'exclusiveStartTagKey', { min: 1, max: 128 });
    const limit = v.int(input.Limit, 'limit', { min: 1, max: 50 }) ?? 50;
    v.throwIfAny();
    const tags = engine.meta(name).tags;
    let from = 0;
    if (start !== undefined) {
      const i = tags.findIndex((t) => t.Key === start);
      from = i >= 0 ? i + 1 : tags.length;
    }
    const page = tags.slice(from, from + limit);
    return { Tags: page, HasMoreTags: from + limit < tags.length };
  };
}
