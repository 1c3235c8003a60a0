/** What every Kinesis_20131202 action receives besides its input: the request context and the engine. */
import type { ActionContext } from '../../aws/index.ts';
import type { KinesisEngine } from '../engine.ts';

export type KinesisContext = ActionContext<KinesisEngine>;

/**
 * A response the engine or a shared helper builds in AWS's wire shape already, typed as the operation's
 * output (engine.ts describes streams, shards and consumers as plain records).
 */
export function wire<T>(value: object): T {
  return value as T;
}
