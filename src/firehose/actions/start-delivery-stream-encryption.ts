/** Firehose StartDeliveryStreamEncryption — API_StartDeliveryStreamEncryption: DeliveryStreamName, DeliveryStreamEncryptionConfigurationInput → {} */
import type { ActionHandler } from '../../aws/index.ts';
import type { FirehoseEngine } from '../engine.ts';
import { Violations, validateStreamName } from '../validate.ts';
import { encryptionInput } from './common.ts';

export function startDeliveryStreamEncryption(engine: FirehoseEngine): ActionHandler {
  return async (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    v.throwIfAny();
    const cfg = encryptionInput(v, input.DeliveryStreamEncryptionConfigurationInput, 'deliveryStreamEncryptionConfigurationInput');
    await engine.setEncryption(name, true, cfg);
    return {};
  };
}
