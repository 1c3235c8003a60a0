/**
 * Shapes shared by the enhanced fan-out consumer actions (Register/Deregister/Describe/ListStreamConsumers).
 */
import type { Shape } from '../../aws/index.ts';
import type { ConsumerMeta } from '../engine.ts';
import { toEpochSeconds } from '../shapes.ts';

export const CONSUMER_NAME = { type: 'string', pattern: '[a-zA-Z0-9_.-]+', minLength: 1, maxLength: 128 } as const satisfies Shape;
export const CONSUMER_ARN = {
  type: 'string',
  pattern: '^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+',
  minLength: 1,
  maxLength: 2048,
} as const satisfies Shape;

/** The `Consumer` structure (RegisterStreamConsumer, ListStreamConsumers). */
export function consumerToWire(c: ConsumerMeta): Record<string, unknown> {
  return { ConsumerName: c.name, ConsumerARN: c.arn, ConsumerStatus: c.status, ConsumerCreationTimestamp: toEpochSeconds(c.createdMs) };
}
