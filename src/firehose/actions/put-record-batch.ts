/** Firehose PutRecordBatch — API_PutRecordBatch: DeliveryStreamName, Records [{ Data }] (≤ 500, ≤ 4 MiB) → { FailedPutCount, Encrypted, RequestResponses [{ RecordId | ErrorCode, ErrorMessage }] } */
import type { ActionHandler } from '../../aws/index.ts';
import { FirehoseEngine } from '../engine.ts';
import { AwsError } from '../../core/index.ts';
import { Violations, invalidArgument, validateStreamName } from '../validate.ts';
import { decodeBlob, MAX_BATCH_RECORDS, MAX_BATCH_BYTES } from './common.ts';

export function putRecordBatch(engine: FirehoseEngine): ActionHandler {
  return async (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    const list = v.list(input.Records, 'records', { required: true, min: 1, max: MAX_BATCH_RECORDS }) ?? [];
    const datas: Uint8Array[] = [];
    if (list.length <= MAX_BATCH_RECORDS) {
      for (let i = 0; i < list.length; i++) {
        const o = v.obj(list[i], `records.${i + 1}.member`, true);
        datas.push(o ? decodeBlob(v, o.Data, `records.${i + 1}.member.data`) : new Uint8Array(0));
      }
    }
    v.throwIfAny();
    let total = 0;
    for (const d of datas) total += d.length;
    if (total > MAX_BATCH_BYTES) throw invalidArgument(`Records size exceeds 4 MB limit`);
    let first: number;
    try {
      first = await engine.put(name, datas);
    } catch (e) {
      if (e instanceof AwsError) throw e;
      // Storage failed for the whole batch: every record is reported failed, as AWS does per record.
      return {
        FailedPutCount: datas.length,
        Encrypted: false,
        RequestResponses: datas.map(() => ({ ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' })),
      };
    }
    const responses = new Array(datas.length);
    const suffix = FirehoseEngine.recordIdSuffix();
    for (let i = 0; i < datas.length; i++) responses[i] = { RecordId: FirehoseEngine.recordId(first + i, suffix) };
    return { FailedPutCount: 0, Encrypted: engine.encrypted(name), RequestResponses: responses };
  };
}
