/** Names and literals shared by the views engine and its views. */
import type { Clock } from '../core/index.ts';

/** Schema holding Freshet's catalog tables (and streaming views' raw rows). */
export const CATALOG_SCHEMA = 'freshet_views';
/** The schema tables and views are created in, as on Postgres and Redshift. */
export const DEFAULT_SCHEMA = 'public';

/** A SQL TIMESTAMP literal for a clock time (UTC). */
export function timestampLiteral(ms: number): string {
  return `TIMESTAMP '${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}'`;
}

/** A SQL TIMESTAMP literal for the clock's now. */
export function nowLiteral(clock: Clock): string {
  return timestampLiteral(clock.now());
}
