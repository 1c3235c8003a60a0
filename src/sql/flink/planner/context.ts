/**
 * What planning a query needs from the script level: the catalog (tables,
 * views, WITH queries in scope), the SET options in effect, and the plan's
 * streams and lookup tables, created as queries read them.
 */
import { SqlError } from '../../errors.ts';
import type { Query } from '../ast.ts';
import type { TableDef, ViewDef } from './catalog.ts';
import type { Rel } from './relation.ts';
import type { Pos } from '../ast.ts';

export interface PlannerContext {
  /** A table, view or WITH query by name (innermost scope first). */
  lookup(name: string): TableDef | ViewDef | { kind: 'cte'; name: string; query: Query; columns?: { name: string; pos: Pos }[] } | undefined;
  /** A scan of a connector table (its input stream is created once). */
  scan(def: TableDef, pos: Pos, hints?: Record<string, string>): Rel;
  /** Registers a table read by lookup join (its rows are loaded by the host). */
  lookupTable(def: TableDef, pos: Pos): string;
  /** A bounded source of constant rows (VALUES, SELECT without FROM). */
  values(rows: unknown[][], columns: { name: string; type: import('../../plan/types.ts').SqlType }[]): Rel;
  /** Plans a query (WITH queries scoped to it). */
  planQuery(q: Query): Rel;
  /** SET options in effect. */
  readonly options: Record<string, string>;
  /** table.exec.state.ttl in ms (0: keep state forever). */
  stateTtlMs(): number;
}

const DURATION_UNITS: Record<string, number> = {
  '': 1,
  ms: 1,
  milli: 1,
  millis: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  min: 60_000,
  mins: 60_000,
  m: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

/** A Flink duration option ('10 s', '1 min', '500ms', '1 h', '0') in ms. */
export function parseDuration(text: string, key: string, pos?: Pos): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? DURATION_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined)
    throw new SqlError(
      `Could not parse value '${text}' for key '${key}': a duration such as '10 s', '5 min', '1 h' or '500 ms'`,
      pos ?? { line: 0, column: 0 },
    );
  return Math.round(Number(m[1]) * unit);
}
