/**
 * DeregisterStreamConsumer (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DeregisterStreamConsumer.html)
 * Reads { StreamARN + ConsumerName | ConsumerARN }; answers an empty body. The consumer is DELETING for the
 * engine's deleteDelayMs, then gone; its subscriptions end at once.
 */
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import { kinesisErrors } from '../errors.ts';
import { streamNameOf } from '../shapes.ts';
import type { KinesisContext } from './context.ts';

/** The consumer reference AWS accepts: ConsumerARN, or StreamARN with ConsumerName. */
export function consumerRef(input: { StreamARN?: string; ConsumerName?: string; ConsumerARN?: string }): {
  streamName?: string;
  consumerName?: string;
  consumerArn?: string;
} {
  if (input.ConsumerARN !== undefined) return { consumerArn: input.ConsumerARN };
  if (input.StreamARN === undefined || input.ConsumerName === undefined) {
    throw kinesisErrors.format('InvalidArgumentException', 'noConsumer', {});
  }
  return { streamName: streamNameOf({ StreamARN: input.StreamARN }), consumerName: input.ConsumerName };
}

export const deregisterStreamConsumer = defineAction(kinesisModel, 'DeregisterStreamConsumer', async (input, ctx: KinesisContext) => {
  await ctx.deps.deregisterConsumer(consumerRef(input));
  return undefined;
});
