/**
 * GetShardIterator (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetShardIterator.html)
 * Reads { StreamName | StreamARN, ShardId, ShardIteratorType, StartingSequenceNumber?, Timestamp? (epoch s) };
 * writes { ShardIterator } — opaque, valid for 5 minutes.
 */
import { compileValidator } from '../../aws/index.ts';
import type { ActionHandler } from '../../aws/index.ts';
import type { KinesisEngine, ShardIteratorType } from '../engine.ts';
import { SEQUENCE_NUMBER, SHARD_ID, STREAM_ARN, STREAM_NAME, streamNameOf } from '../shapes.ts';

interface Input {
  ShardId: string;
  ShardIteratorType: ShardIteratorType;
  StartingSequenceNumber?: string;
  StreamName?: string;
  StreamARN?: string;
  Timestamp?: number;
}

const validate = compileValidator<Input>({
  type: 'structure',
  members: {
    ShardId: { ...SHARD_ID, notNull: true },
    ShardIteratorType: { type: 'string', notNull: true, enum: ['AFTER_SEQUENCE_NUMBER', 'LATEST', 'AT_TIMESTAMP', 'AT_SEQUENCE_NUMBER', 'TRIM_HORIZON'] },
    StartingSequenceNumber: SEQUENCE_NUMBER,
    StreamName: STREAM_NAME,
    StreamARN: STREAM_ARN,
    Timestamp: { type: 'timestamp' },
  },
});

export function getShardIterator(engine: KinesisEngine): ActionHandler {
  return async (raw) => {
    const input = validate(raw);
    const iterator = await engine.getShardIterator(streamNameOf(input), input.ShardId, {
      type: input.ShardIteratorType,
      sequenceNumber: input.StartingSequenceNumber,
      timestampMs: input.Timestamp === undefined ? undefined : Math.round(input.Timestamp * 1000),
    });
    return { ShardIterator: iterator };
  };
}
