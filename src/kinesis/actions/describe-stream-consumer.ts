/**
 * DescribeStreamConsumer (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DescribeStreamConsumer.html)
 * Reads { StreamARN + ConsumerName | ConsumerARN };
 * writes { ConsumerDescription: { ConsumerName, ConsumerARN, ConsumerStatus, ConsumerCreationTimestamp, StreamARN } }.
 */
import { compileValidator } from '../../aws/index.ts';
import type { ActionHandler } from '../../aws/index.ts';
import type { KinesisEngine } from '../engine.ts';
import { STREAM_ARN } from '../shapes.ts';
import { CONSUMER_ARN, CONSUMER_NAME, consumerToWire } from './consumer-shapes.ts';
import { consumerRef } from './deregister-stream-consumer.ts';

const validate = compileValidator<{ StreamARN?: string; ConsumerName?: string; ConsumerARN?: string }>({
  type: 'structure',
  members: { StreamARN: STREAM_ARN, ConsumerName: CONSUMER_NAME, ConsumerARN: CONSUMER_ARN },
});

export function describeStreamConsumer(engine: KinesisEngine): ActionHandler {
  return (raw) => {
    const { stream, consumer } = engine.findConsumer(consumerRef(validate(raw)));
    return { ConsumerDescription: { ...consumerToWire(consumer), StreamARN: stream.arn } };
  };
}
