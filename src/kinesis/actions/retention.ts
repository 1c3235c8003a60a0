/**
 * The shared handler behind IncreaseStreamRetentionPeriod and DecreaseStreamRetentionPeriod:
 * reads { StreamName | StreamARN, RetentionPeriodHours (24–8760) }; answers an empty body.
 */
import { compileValidator } from '../../aws/index.ts';
import type { ActionHandler } from '../../aws/index.ts';
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

export function retention(engine: KinesisEngine, direction: 'increase' | 'decrease'): ActionHandler {
  return async (raw) => {
    const input = validate(raw);
    await engine.setRetention(streamNameOf(input), input.RetentionPeriodHours, direction);
    return undefined;
  };
}
