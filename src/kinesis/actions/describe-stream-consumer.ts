/**
 * DescribeStreamConsumer (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DescribeStreamConsumer.html)
 * Reads { StreamARN + ConsumerName | ConsumerARN };
 * writes { ConsumerDescription: { ConsumerName, ConsumerARN, ConsumerStatus, ConsumerCreationTimestamp, StreamARN } }.
 */
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';
import { wire } from './context.ts';
import type { ConsumerDescription } from '../../aws/models/kinesis.ts';
import { consumerToWire } from './consumer-shapes.ts';
import { consumerRef } from './deregister-stream-consumer.ts';

export const describeStreamConsumer = defineAction(kinesisModel, 'DescribeStreamConsumer', (input, ctx: KinesisContext) => {
  const { streamArn, consumer } = ctx.deps.describeConsumer(consumerRef(input));
  return { ConsumerDescription: wire<ConsumerDescription>({ ...consumerToWire(consumer), StreamARN: streamArn }) };
});
