/** Firehose ListDeliveryStreams — API_ListDeliveryStreams: Limit (default 10), DeliveryStreamType, ExclusiveStartDeliveryStreamName → { DeliveryStreamNames, HasMoreDeliveryStreams } */
import { defineAction } from '../../aws/index.ts';
import { firehoseModel } from '../../aws/models/firehose.ts';
import type { FirehoseContext } from './common.ts';

export const listDeliveryStreams = defineAction(firehoseModel, 'ListDeliveryStreams', (input, ctx: FirehoseContext) => {
  const { names, hasMore } = ctx.deps.list({
    limit: input.Limit ?? 10,
    type: input.DeliveryStreamType,
    exclusiveStart: input.ExclusiveStartDeliveryStreamName,
  });
  return { DeliveryStreamNames: names, HasMoreDeliveryStreams: hasMore };
});
