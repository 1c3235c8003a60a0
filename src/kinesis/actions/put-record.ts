/**
 * PutRecord (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecord.html)
 * Reads { StreamName | StreamARN, Data, PartitionKey, ExplicitHashKey?, SequenceNumberForOrdering? };
 * writes { ShardId, SequenceNumber } once the record is durable.
 * Sequence numbers already increase strictly per shard, so SequenceNumberForOrdering is only checked.
 */
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import { kinesisErrors } from '../errors.ts';
import type { KinesisContext } from './context.ts';
import { partitionKeyHash } from '../hash.ts';
import { streamNameOf } from '../shapes.ts';
import { MAX_RECORD_BYTES } from './put-records.ts';
import { kinesisMetricsOf } from '../../metrics/index.ts';

export const putRecord = defineAction(kinesisModel, 'PutRecord', async (input, ctx: KinesisContext) => {
  const engine = ctx.deps;
  const t0 = performance.now();
  const name = streamNameOf(input);
  const data = input.Data;
  if (data.length + input.PartitionKey.length > MAX_RECORD_BYTES) {
    throw kinesisErrors.format('InvalidArgumentException', 'recordTooLarge', { bytes: data.length + input.PartitionKey.length });
  }
  const w = engine.writer(name);
  const hk = input.ExplicitHashKey !== undefined ? engine.explicitHashKey(input.ExplicitHashKey) : partitionKeyHash(input.PartitionKey);
  if (input.SequenceNumberForOrdering !== undefined) w.checkOrderingSequence(input.SequenceNumberForOrdering);
  const shard = w.route(hk);
  if (engine.enforceLimits && !w.admitWrite(shard, data.length + Buffer.byteLength(input.PartitionKey))) {
    kinesisMetricsOf(engine)
      ?.stream(name, w.shardLevelMetrics)
      .putRecordThrottled(w.shardId(shard), performance.now() - t0);
    throw kinesisErrors.create('ProvisionedThroughputExceededException', w.rateExceededMessage(shard));
  }
  const shardOf = new Uint32Array(1);
  shardOf[0] = shard;
  const done = await w.append([input.PartitionKey], [data], shardOf);
  kinesisMetricsOf(engine)
    ?.stream(name, w.shardLevelMetrics)
    .putRecord(done.shardId(0), data.length, performance.now() - t0);
  return { ShardId: done.shardId(0), SequenceNumber: done.sequenceNumber(0) };
});
