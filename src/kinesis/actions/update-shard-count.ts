/**
 * UpdateShardCount (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_UpdateShardCount.html)
 * Reads { StreamName | StreamARN, TargetShardCount, ScalingType: UNIFORM_SCALING };
 * writes { StreamName, StreamARN, CurrentShardCount, TargetShardCount }.
 * Targets outside ½×–2× the open shard count fail with LimitExceededException, in AWS's words.
 */
import { compileValidator } from '../../aws/index.ts';
import type { ActionHandler } from '../../aws/index.ts';
import type { KinesisEngine } from '../engine.ts';
import { STREAM_ARN, STREAM_NAME, streamNameOf } from '../shapes.ts';

interface Input {
  StreamName?: string;
  StreamARN?: string;
  TargetShardCount: number;
  ScalingType: 'UNIFORM_SCALING';
}

const validate = compileValidator<Input>({
  type: 'structure',
  members: {
    StreamName: STREAM_NAME,
    StreamARN: STREAM_ARN,
    TargetShardCount: { type: 'integer', notNull: true, min: 1, max: 100000 },
    ScalingType: { type: 'string', notNull: true, enum: ['UNIFORM_SCALING'] },
  },
});

export function updateShardCount(engine: KinesisEngine): ActionHandler {
  return async (raw) => {
    const input = validate(raw);
    const name = streamNameOf(input);
    const r = await engine.updateShardCount(name, input.TargetShardCount);
    return { StreamName: name, StreamARN: engine.arnFor(name), CurrentShardCount: r.current, TargetShardCount: r.target };
  };
}
