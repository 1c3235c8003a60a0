/**
 * PutRecord (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecord.html)
 * Reads { StreamName | StreamARN, Data, PartitionKey, ExplicitHashKey?, SequenceNumberForOrdering? };
 * writes { ShardId, SequenceNumber } once the record is durable.
 * Sequence numbers already increase strictly per shard, so SequenceNumberForOrdering is only checked.
 */
import { AwsError } from '../../core/index.ts';
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';
import { partitionKeyHash } from '../hash.ts';
import { decodeSequence } from '../sequence.ts';
import { streamNameOf } from '../shapes.ts';
import { MAX_RECORD_BYTES } from './put-records.ts';
import { kinesisMetricsOf } from '../../metrics/index.ts';

export const putRecord = defineAction(kinesisModel, 'PutRecord', async (input, ctx: KinesisContext) => {
  const engine = ctx.deps;
  const t0 = performance.now();
  const name = streamNameOf(input);
  const data = input.Data;
  if (data.length + input.PartitionKey.length > MAX_RECORD_BYTES) {
    throw new AwsError(
      'InvalidArgumentException',
      `Record size (data plus partition key) of ${data.length + input.PartitionKey.length} bytes exceeds the 1 MiB limit.`,
    );
  }
  const s = engine.activeStream(name);
  const hk = input.ExplicitHashKey !== undefined ? engine.explicitHashKey(input.ExplicitHashKey) : partitionKeyHash(input.PartitionKey);
  const ordering = input.SequenceNumberForOrdering;
  if (ordering !== undefined) {
    const d = decodeSequence(ordering);
    if (!d || d.timeMs > Math.max(engine.clock.now(), ...s.open.map((x) => x.lastTimeMs))) {
      throw new AwsError(
        'InvalidArgumentException',
        `ExclusiveMinimumSequenceNumber ${ordering} used in PutRecord on stream ${name} under account ${engine.accountId} is invalid.`,
      );
    }
  }
  const shard = engine.route(s, hk);
  if (engine.enforceLimits) {
    const state = s.shards[shard]!;
    if (!engine.limiterFor(state).admitWrite(engine.clock.now(), data.length + Buffer.byteLength(input.PartitionKey))) {
      kinesisMetricsOf(engine)
        ?.stream(name, s.meta.shardLevelMetrics)
        .putRecordThrottled(state.shardId, performance.now() - t0);
      throw new AwsError('ProvisionedThroughputExceededException', engine.rateExceededMessage(s, state));
    }
  }
  const shardOf = new Uint32Array(1);
  shardOf[0] = shard;
  const [seq] = await engine.appendRouted(s, [input.PartitionKey], [data], shardOf);
  kinesisMetricsOf(engine)
    ?.stream(name, s.meta.shardLevelMetrics)
    .putRecord(s.shards[shard]!.shardId, data.length, performance.now() - t0);
  return { ShardId: s.shards[shard]!.shardId, SequenceNumber: seq! };
});
