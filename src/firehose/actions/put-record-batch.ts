/**
 * Firehose PutRecordBatch — API_PutRecordBatch: DeliveryStreamName, Records [{ Data }] (1–500, each ≤ 1,000 KiB by
 * the model) → { FailedPutCount, Encrypted, RequestResponses [{ RecordId } | { ErrorCode, ErrorMessage }] }.
 * At most 4 MiB of data per call (InvalidArgumentException).
 */
import { AwsError, defineAction } from '../../aws/index.ts';
import { firehoseModel } from '../../aws/models/firehose.ts';
import { FirehoseEngine } from '../engine.ts';
import { invalidArgument } from '../errors.ts';
import { MAX_BATCH_BYTES } from './common.ts';
import type { FirehoseContext } from './common.ts';

export const putRecordBatch = defineAction(firehoseModel, 'PutRecordBatch', async (input, ctx: FirehoseContext) => {
  const engine = ctx.deps;
  const name = input.DeliveryStreamName;
  const records = input.Records;
  // hot path: one pass over the batch
  const datas = new Array<Uint8Array>(records.length);
  let total = 0;
  for (let i = 0; i < records.length; i++) {
    const d = records[i]!.Data;
    datas[i] = d;
    total += d.length;
  }
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
  const responses = new Array<{ RecordId: string }>(datas.length);
  const suffix = FirehoseEngine.recordIdSuffix();
  for (let i = 0; i < datas.length; i++) responses[i] = { RecordId: FirehoseEngine.recordId(first + i, suffix) };
  return { FailedPutCount: 0, Encrypted: engine.encrypted(name), RequestResponses: responses };
});
