/**
 * RegisterStreamConsumer (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_RegisterStreamConsumer.html)
 * Reads { StreamARN, ConsumerName, Tags? }; writes { Consumer: { ConsumerName, ConsumerARN, ConsumerStatus: CREATING, ConsumerCreationTimestamp } }.
 * The consumer turns ACTIVE after the engine's createDelayMs; at most 20 per stream (LimitExceededException).
 */
import { compileValidator } from '../../aws/index.ts';
import type { ActionHandler } from '../../aws/index.ts';
import type { KinesisEngine } from '../engine.ts';
import { STREAM_ARN, streamNameOf } from '../shapes.ts';
import { CONSUMER_NAME, consumerToWire } from './consumer-shapes.ts';

interface Input {
  StreamARN: string;
  ConsumerName: string;
}

const validate = compileValidator<Input>({
  type: 'structure',
  members: {
    StreamARN: { ...STREAM_ARN, notNull: true },
    ConsumerName: { ...CONSUMER_NAME, notNull: true },
    Tags: { type: 'map', value: { type: 'string' }, minLength: 1, maxLength: 50 },
  },
});

export function registerStreamConsumer(engine: KinesisEngine): ActionHandler {
  return async (raw) => {
    const input = validate(raw);
    const c = await engine.registerConsumer(streamNameOf(input), input.ConsumerName);
    return { Consumer: consumerToWire(c) };
  };
}
