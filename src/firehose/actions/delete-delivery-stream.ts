/** Firehose DeleteDeliveryStream — API_DeleteDeliveryStream: DeliveryStreamName, AllowForceDelete → {} */
import type { ActionHandler } from '../../aws/index.ts';
import type { FirehoseEngine } from '../engine.ts';
import { Violations, validateStreamName } from '../validate.ts';

export function deleteDeliveryStream(engine: FirehoseEngine): ActionHandler {
  return async (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    v.bool(input.AllowForceDelete, 'allowForceDelete');
    v.throwIfAny();
    await engine.delete(name);
    return {};
  };
}
