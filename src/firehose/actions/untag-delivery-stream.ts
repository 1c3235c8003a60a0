/** Firehose UntagDeliveryStream — API_UntagDeliveryStream: DeliveryStreamName, TagKeys → {} */
import type { ActionHandler } from '../../aws/index.ts';
import type { FirehoseEngine } from '../engine.ts';
import { Violations, validateStreamName } from '../validate.ts';
import { MAX_TAGS } from './common.ts';

export function untagDeliveryStream(engine: FirehoseEngine): ActionHandler {
  return async (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    const keys = v.list(input.TagKeys, 'tagKeys', { required: true, min: 1, max: MAX_TAGS }) ?? [];
    keys.forEach((k, i) => v.str(k, `tagKeys.${i + 1}.member`, { required: true, min: 1, max: 128 }));
    v.throwIfAny();
    await engine.setTags(name, (current) => current.filter((t) => !keys.includes(t.Key)));
    return {};
  };
}
