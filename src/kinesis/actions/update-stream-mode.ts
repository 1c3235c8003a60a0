/**
 * UpdateStreamMode (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_UpdateStreamMode.html)
 * Reads { StreamARN, StreamModeDetails: { StreamMode: PROVISIONED | ON_DEMAND } }; answers an empty body.
 * The stream is UPDATING for the engine's updateDelayMs; shards are unchanged by the switch itself.
 */
import { compileValidator } from '../../aws/index.ts';
import type { ActionHandler } from '../../aws/index.ts';
import type { KinesisEngine, StreamMode } from '../engine.ts';
import { STREAM_ARN, streamNameOf } from '../shapes.ts';

interface Input {
  StreamARN: string;
  StreamModeDetails: { StreamMode: StreamMode };
}

const validate = compileValidator<Input>({
  type: 'structure',
  members: {
    StreamARN: { ...STREAM_ARN, notNull: true },
    StreamModeDetails: {
      type: 'structure',
      notNull: true,
      members: { StreamMode: { type: 'string', notNull: true, enum: ['PROVISIONED', 'ON_DEMAND'] } },
    },
  },
});

export function updateStreamMode(engine: KinesisEngine): ActionHandler {
  return async (raw) => {
    const input = validate(raw);
    await engine.updateStreamMode(streamNameOf(input), input.StreamModeDetails.StreamMode);
    return undefined;
  };
}
