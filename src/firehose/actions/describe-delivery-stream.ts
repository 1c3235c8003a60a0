/** Firehose DescribeDeliveryStream — API_DescribeDeliveryStream: DeliveryStreamName, Limit, ExclusiveStartDestinationId → { DeliveryStreamDescription } */
import { defineAction } from '../../aws/index.ts';
import { firehoseModel } from '../../aws/models/firehose.ts';
import type { DeliveryStreamDescription } from '../../aws/models/firehose.ts';
import type { FirehoseContext } from './common.ts';

/** The engine builds the description in its wire shape already (engine.ts, describe()). */
const wire = (d: object): DeliveryStreamDescription => d as DeliveryStreamDescription;

export const describeDeliveryStream = defineAction(firehoseModel, 'DescribeDeliveryStream', (input, ctx: FirehoseContext) => ({
  DeliveryStreamDescription: wire(ctx.deps.describe(input.DeliveryStreamName)),
}));
