/**
 * DeleteStream (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DeleteStream.html)
 * Reads { StreamName | StreamARN, EnforceConsumerDeletion? }; answers an empty body.
 */
import { compileValidator } from '../../aws/index.ts';
import type { ActionHandler } from '../../aws/index.ts';
import type { KinesisEngine } from '../engine.ts';
import { STREAM_ARN, STREAM_NAME, streamNameOf } from '../shapes.ts';

interface Input {
  StreamName?: string;
  StreamARN?: string;
  EnforceConsumerDeletion?: boolean;
}

const validate = compileValidator<Input>({
  type: 'structure',
  members: { StreamName: STREAM_NAME, StreamARN: STREAM_ARN, EnforceConsumerDeletion: { type: 'boolean' } },
});

export function deleteStream(engine: KinesisEngine): ActionHandler {
  return async (raw) => {
    const input = validate(raw);
    await engine.deleteStream(streamNameOf(input), { enforceConsumerDeletion: input.EnforceConsumerDeletion });
    return undefined;
  };
}
