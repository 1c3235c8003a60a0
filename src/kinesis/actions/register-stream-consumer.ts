/**
 * RegisterStreamConsumer (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_RegisterStreamConsumer.html)
 * Reads { StreamARN, ConsumerName, Tags? }; writes { Consumer: { ConsumerName, ConsumerARN, ConsumerStatus: CREATING, ConsumerCreationTimestamp } }.
 * The consumer turns ACTIVE after the engine's createDelayMs; at most 20 per stream (LimitExceededException).
 */
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';
import { wire } from './context.ts';
import type { Consumer } from '../../aws/models/kinesis.ts';
import { streamNameOf } from '../shapes.ts';
import { consumerToWire } from './consumer-shapes.ts';

export const registerStreamConsumer = defineAction(kinesisModel, 'RegisterStreamConsumer', async (input, ctx: KinesisContext) => {
  const engine = ctx.deps;
  const c = await engine.registerConsumer(streamNameOf(input), input.ConsumerName);
  return { Consumer: wire<Consumer>(consumerToWire(c)) };
});
