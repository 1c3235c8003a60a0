/** Firehose PutRecord — API_PutRecord: DeliveryStreamName, Record { Data } → { RecordId, Encrypted } */
import { defineAction } from '../../aws/index.ts';
import { firehoseModel } from '../../aws/models/firehose.ts';
import { FirehoseEngine } from '../engine.ts';
import type { FirehoseContext } from './common.ts';

export const putRecord = defineAction(firehoseModel, 'PutRecord', async (input, ctx: FirehoseContext) => {
  const engine = ctx.deps;
  const offset = await engine.put(input.DeliveryStreamName, [input.Record.Data]);
  return { RecordId: FirehoseEngine.recordId(offset), Encrypted: engine.encrypted(input.DeliveryStreamName) };
});
