/** Firehose DescribeDeliveryStream — API_DescribeDeliveryStream: DeliveryStreamName, Limit, ExclusiveStartDestinationId → { DeliveryStreamDescription } */
import type { ActionHandler } from '../../aws/index.ts';
import type { FirehoseEngine } from '../engine.ts';
import { Violations, validateStreamName } from '../validate.ts';

export function describeDeliveryStream(engine: FirehoseEngine): ActionHandler {
  return (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    v.int(input.Limit, 'limit', { min: 1, max: 10000 });
    v.str(input.ExclusiveStartDestinationId, 'exclusiveStartDestinationId', { min: 1, max: 100, pattern: /^[a-zA-Z0-9-]+$/, patternText: '[a-zA-Z0-9-]+' });
    v.throwIfAny();
    return { DeliveryStreamDescription: engine.describe(name) };
  };
}
