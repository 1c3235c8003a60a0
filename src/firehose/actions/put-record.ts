/** Firehose PutRecord — API_PutRecord: DeliveryStreamName, Record { Data } → { RecordId, Encrypted } */
import type { ActionHandler } from '../../aws/index.ts';
import { FirehoseEngine } from '../engine.ts';
import { Violations, validateStreamName } from '../validate.ts';
import { decodeBlob } from './common.ts';

export function putRecord(engine: FirehoseEngine): ActionHandler {
  return async (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    const rec = v.obj(input.Record, 'record', true);
    const data = rec ? decodeBlob(v, rec.Data, 'record.data') : new Uint8Array(0);
    v.throwIfAny();
    const offset = await engine.put(name, [data]);
    return { RecordId: FirehoseEngine.recordId(offset), Encrypted: engine.encrypted(name) };
  };
}
