/**
 * The shared handler behind IncreaseStreamRetentionPeriod and DecreaseStreamRetentionPeriod:
 * reads { StreamName | StreamARN, RetentionPeriodHours (24–8760) }; answers an empty body.
 */

import type { KinesisEngine } from '../engine.ts';
import { streamNameOf } from '../shapes.ts';

export async function retention(
  engine: KinesisEngine,
  input: { RetentionPeriodHours: number; StreamName?: string; StreamARN?: string },
  direction: 'increase' | 'decrease',
): Promise<undefined> {
  await engine.setRetention(streamNameOf(input), input.RetentionPeriodHours, direction);
  return undefined;
}
