/**
 * IncreaseStreamRetentionPeriod (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_IncreaseStreamRetentionPeriod.html)
 * Reads { StreamName | StreamARN, RetentionPeriodHours (24–8760) }; answers an empty body.
 */

import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';
import { retention } from './retention.ts';

export const increaseStreamRetentionPeriod = defineAction(kinesisModel, 'IncreaseStreamRetentionPeriod', (input, ctx: KinesisContext) =>
  retention(ctx.deps, input, 'increase'),
);
