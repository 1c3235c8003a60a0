/**
 * An application's stored checkpoint (storage.meta `analytics/checkpoint/<app>`):
 * the input positions per shard, the SQL operator state and the plan it was
 * built for. The host writes it after the outputs of everything pushed are
 * written, so a restart from it replays input and never skips any.
 */

export const CHECKPOINT_KEY_PREFIX = 'analytics/checkpoint/';

export interface ShardCheckpoint {
  offset: number;
}

export interface InputCheckpoint {
  /** Identity of the stream the offsets belong to (ARN + creation time). */
  streamKey: string;
  shards: Record<string, ShardCheckpoint>;
  /** For a delivery-stream input: its name (the reader's retained position is released with the checkpoint). */
  delivery?: string;
}

export interface StoredCheckpoint {
  takenMs: number;
  /** Code plus input and reference schemas the operator state was built for. */
  plan: string;
  inputs: Record<string, InputCheckpoint>;
  state: unknown;
  /** null before the first row (JSON has no -Infinity). */
  lastRowtimeMs: number | null;
}

/** Who holds a delivery stream's records for an application input. */
export function deliveryHolder(app: string, inputId: string): string {
  return `analytics:${app}:${inputId}`;
}
