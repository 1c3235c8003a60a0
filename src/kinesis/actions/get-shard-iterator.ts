/**
 * GetShardIterator (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetShardIterator.html)
 * Reads { StreamName | StreamARN, ShardId, ShardIteratorType, StartingSequenceNumber?, Timestamp? (epoch s) };
 * writes { ShardIterator } — opaque, valid for 5 minutes.
 */
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';
import { streamNameOf } from '../shapes.ts';

export const getShardIterator = defineAction(kinesisModel, 'GetShardIterator', async (input, ctx: KinesisContext) => {
  const engine = ctx.deps;
  const iterator = await engine.getShardIterator(streamNameOf(input), input.ShardId, {
    type: input.ShardIteratorType,
    sequenceNumber: input.StartingSequenceNumber,
    timestampMs: input.Timestamp === undefined ? undefined : Math.round(input.Timestamp * 1000),
  });
  return { ShardIterator: iterator };
});
