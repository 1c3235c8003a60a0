/**
 * IncreaseStreamRetentionPeriod / DecreaseStreamRetentionPeriod
 * (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_IncreaseStreamRetentionPeriod.html)
 * Reads { StreamName | StreamARN, RetentionPeriodHours (24–8760) }; answers an empty body.
 */
import { compileValidator } from '../../server/index.ts';
import type { ActionHandler } from '../../server/index.ts';
import type { KinesisEngine } from '../engine.ts';
import { STREAM_ARN, STREAM_NAME, streamNameOf } from '../shapes.ts';

interface Input {
  RetentionPeriodHours: number;
  StreamName?: string;
  StreamARN?: string;
}

const validate = compileValidator<Input>({
  type: 'structure',
  members: { RetentionPeriodHours: { type: 'integer', notNull: true }, StreamName: STREAM_NAME, StreamARN: STREAM_ARN },
});

function retention(engine: KinesisEngine, direction: 'increase' | 'decrease'): ActionHandler {
  return async (raw) => {
    const input = validate(raw);
    await engine.setRetention(streamNameOf(input), input.RetentionPeriodHours, direction);
    return undefined;
  };
}

export const increaseStreamRetentionPeriod = (engine: KinesisEngine): ActionHandler => retention(engine, 'increase');
export const decreaseStreamRetentionPeriod = (engine: KinesisEngine): ActionHandler => retention(engine, 'decrease');
