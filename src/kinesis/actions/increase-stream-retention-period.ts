/**
 * IncreaseStreamRetentionPeriod (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_IncreaseStreamRetentionPeriod.html)
 * Reads { StreamName | StreamARN, RetentionPeriodHours (24–8760) }; answers an empty body.
 */
import type { ActionHandler } from '../../aws/index.ts';
import type { KinesisEngine } from '../engine.ts';
import { retention } from './retention.ts';

export const increaseStreamRetentionPeriod = (engine: KinesisEngine): ActionHandler => retention(engine, 'increase');
