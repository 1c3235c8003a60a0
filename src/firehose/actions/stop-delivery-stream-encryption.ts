/** Firehose StopDeliveryStreamEncryption — API_StopDeliveryStreamEncryption: DeliveryStreamName → {} */
import type { ActionHandler } from '../../aws/index.ts';
import type { FirehoseEngine } from '../engine.ts';
import { Violations, validateStreamName } from '../validate.ts';

export function stopDeliveryStreamEncryption(engine: FirehoseEngine): ActionHandler {
  return async (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    v.throwIfAny();
    await engine.setEncryption(name, false);
    return {};
  };
}
