/**
 * CreateStream (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_CreateStream.html)
 * Reads { StreamName, ShardCount?, StreamModeDetails?: { StreamMode }, Tags? }; answers an empty body.
 * ON_DEMAND streams start with 4 shards.
 */
import { AwsError } from '../../core/index.ts';
import { compileValidator } from '../../aws/index.ts';
import type { ActionHandler } from '../../aws/index.ts';
import type { KinesisEngine, StreamMode } from '../engine.ts';
import { STREAM_NAME } from '../shapes.ts';

interface Input {
  ShardCount?: number;
  StreamName: string;
  StreamModeDetails?: { StreamMode: StreamMode };
  Tags?: Record<string, string>;
}

const validate = compileValidator<Input>({
  type: 'structure',
  members: {
    ShardCount: { type: 'integer', min: 1, max: 100000 },
    StreamName: { ...STREAM_NAME, notNull: true },
    StreamModeDetails: { type: 'structure', members: { StreamMode: { type: 'string', notNull: true, enum: ['PROVISIONED', 'ON_DEMAND'] } } },
    Tags: { type: 'map', value: { type: 'string' }, minLength: 1, maxLength: 50, keyLengths: [1, 128], valueLengths: [0, 256] },
  },
});

export function createStream(engine: KinesisEngine): ActionHandler {
  return async (raw) => {
    const input = validate(raw);
    const mode = input.StreamModeDetails?.StreamMode ?? 'PROVISIONED';
    if (mode === 'PROVISIONED' && input.ShardCount === undefined) {
      throw new AwsError(
        'ValidationException',
        "1 validation error detected: Value null at 'shardCount' failed to satisfy constraint: Member must not be null",
      );
    }
    await engine.createStream(input.StreamName, { shardCount: input.ShardCount, mode, tags: input.Tags });
    return undefined;
  };
}
