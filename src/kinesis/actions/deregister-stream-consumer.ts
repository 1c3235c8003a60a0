/**
 * DeregisterStreamConsumer (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DeregisterStreamConsumer.html)
 * Reads { StreamARN + ConsumerName | ConsumerARN }; answers an empty body. The consumer is DELETING for the
 * engine's deleteDelayMs, then gone; its subscriptions end at once.
 */
import { AwsError } from '../../core/index.ts';
import { compileValidator } from '../../aws/index.ts';
import type { ActionHandler } from '../../aws/index.ts';
import type { KinesisEngine } from '../engine.ts';
import { STREAM_ARN, streamNameOf } from '../shapes.ts';
import { CONSUMER_ARN, CONSUMER_NAME } from './consumer-shapes.ts';

interface Input {
  StreamARN?: string;
  ConsumerName?: string;
  ConsumerARN?: string;
}

const validate = compileValidator<Input>({
  type: 'structure',
  members: { StreamARN: STREAM_ARN, ConsumerName: CONSUMER_NAME, ConsumerARN: CONSUMER_ARN },
});

/** The consumer reference AWS accepts: ConsumerARN, or StreamARN with ConsumerName. */
export function consumerRef(input: Input): { streamName?: string; consumerName?: string; consumerArn?: string } {
  if (input.ConsumerARN !== undefined) return { consumerArn: input.ConsumerARN };
  if (input.StreamARN === undefined || input.ConsumerName === undefined) {
    throw new AwsError('InvalidArgumentException', 'Either ConsumerARN or both ConsumerName and StreamARN must be provided.');
  }
  return { streamName: streamNameOf({ StreamARN: input.StreamARN }), consumerName: input.ConsumerName };
}

export function deregisterStreamConsumer(engine: KinesisEngine): ActionHandler {
  return async (raw) => {
    await engine.deregisterConsumer(consumerRef(validate(raw)));
    return undefined;
  };
}
