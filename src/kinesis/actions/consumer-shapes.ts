/**
 * The Consumer wire shape shared by the enhanced fan-out consumer actions (Register/Deregister/Describe/ListStreamConsumers).
 */
import type { ConsumerMeta } from '../engine.ts';
import { toEpochSeconds } from '../shapes.ts';

/** The `Consumer` structure (RegisterStreamConsumer, ListStreamConsumers). */
export function consumerToWire(c: ConsumerMeta): Record<string, unknown> {
  return { ConsumerName: c.name, ConsumerARN: c.arn, ConsumerStatus: c.status, ConsumerCreationTimestamp: toEpochSeconds(c.createdMs) };
}
