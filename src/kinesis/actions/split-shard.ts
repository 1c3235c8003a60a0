/**
 * SplitShard (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_SplitShard.html)
 * Reads { StreamName | StreamARN, ShardToSplit, NewStartingHashKey }; answers an empty body.
 * The stream is UPDATING until the split takes effect (the engine's updateDelayMs of clock time).
 */
import { compileValidator } from '../../aws/index.ts';
import type { ActionHandler } from '../../aws/index.ts';
import type { KinesisEngine } from '../engine.ts';
import { HASH_KEY, SHARD_ID, STREAM_ARN, STREAM_NAME, streamNameOf } from '../shapes.ts';

interface Input {
  NewStartingHashKey: string;
  StreamName?: string;
  StreamARN?: string;
  ShardToSplit: string;
}

const validate = compileValidator<Input>({
  type: 'structure',
  members: {
    NewStartingHashKey: { ...HASH_KEY, notNull: true },
    StreamName: STREAM_NAME,
    StreamARN: STREAM_ARN,
    ShardToSplit: { ...SHARD_ID, notNull: true },
  },
});

export function splitShard(engine: KinesisEngine): ActionHandler {
  return async (raw) => {
    const input = validate(raw);
    await engine.splitShard(streamNameOf(input), input.ShardToSplit, input.NewStartingHashKey);
    return undefined;
  };
}
