/**
 * Relations as the Flink planner sees them: an operator tree, the columns it
 * makes visible (each with the row slot it reads, its qualifiers and whether
 * it is a time attribute), whether its rows carry a row kind (a changelog),
 * and what is known about window columns. Column references resolve here,
 * case-sensitively as Flink does.
 */
import { SqlError } from '../../errors.ts';
import type { PExpr, OpPlan } from '../../plan/plan.ts';
import type { WindowPlan } from '../../plan/flink.ts';
import type { SqlType } from '../../plan/types.ts';
import type { Expr, Ident } from '../ast.ts';
import type { TableDef } from './catalog.ts';
import { flinkType } from './types.ts';

export type TimeAttr = 'rowtime' | 'proctime';

export interface FCol {
  name: string;
  type: SqlType;
  slot: number;
  quals: string[];
  time?: TimeAttr;
}

/** A window TVF not yet turned into an operator: a window aggregation reads the base relation directly. */
export interface PendingWindow {
  base: Rel;
  plan: WindowPlan;
  time: PExpr;
  proctime: boolean;
  /** SESSION ... PARTITION BY keys (over the base row). */
  partition: PExpr[];
  /** Slots of window_start, window_end, window_time in the materialised relation. */
  start: number;
  end: number;
  wtime: number;
}

/** A SELECT with ROW_NUMBER() OVER (...) not yet turned into a Top-N: the enclosing query's WHERE rn <= N completes it. */
export interface PendingRank {
  /** The SELECT's input (after its WHERE). */
  base: Rel;
  partition: PExpr[];
  order: { expr: PExpr; desc: boolean }[];
  /** The SELECT list over the base row; the row number reads slot base.width. */
  project: PExpr[];
  /** Index (in cols) of the ROW_NUMBER column. */
  rnCol: number;
  pos: { line: number; column: number };
}

export interface Rel {
  root: OpPlan;
  cols: FCol[];
  /** Slots per row, ROWTIME slot 0 included, row kind excluded. */
  width: number;
  /** The slot holding the row kind when the rows are a changelog. */
  kind: number | null;
  /** Slots of window_start / window_end when they are columns of this relation (window Top-N, cascaded windows). */
  windowCols?: { start: number; end: number };
  pending?: PendingWindow;
  pendingRank?: PendingRank;
  /** The slots of a unique key of a changelog (the GROUP BY keys): updates are keyed by it. */
  upsertKey?: number[];
  /** The catalog table a plain scan reads (temporal and lookup joins need it). */
  table?: TableDef;
  /** What produced the changelog, for error messages (`GroupAggregate(groupBy=[...])`). */
  producer?: string;
}

export function describe(id: Ident): string {
  return `\`${id.name}\``;
}

/** Columns visible in a relation, for hints. */
export function columnList(rel: Rel): string {
  return rel.cols.map((c) => c.name).join(', ');
}

export function colExpr(c: FCol): PExpr {
  return { k: 'col', i: c.slot, t: c.type };
}

/** Resolves `a`, `t.a`, `a.f`, `t.a.f.g` against a relation's columns (qualifier first, then nested ROW fields). */
export function resolveColumn(e: Extract<Expr, { kind: 'column' }>, rel: Rel): { col: FCol; fields: Ident[] } {
  const parts = e.parts;
  if (parts.length >= 2) {
    const q = parts[0]!.name;
    const n = parts[1]!.name;
    const qualified = rel.cols.filter((c) => c.quals.includes(q) && c.name === n);
    if (qualified.length === 1) return { col: qualified[0]!, fields: parts.slice(2) };
    if (qualified.length > 1) throw new SqlError(`Column '${n}' is ambiguous`, e.pos);
    if (rel.cols.some((c) => c.quals.includes(q)) && !rel.cols.some((c) => c.name === q)) {
      const hint = rel.cols.find((c) => c.quals.includes(q) && c.name.toLowerCase() === n.toLowerCase());
      throw new SqlError(
        `Column '${n}' not found in table '${q}'${
          hint
            ? `; did you mean '${hint.name}'? (Flink names are case-sensitive)`
            : `; its columns: ${rel.cols
                .filter((c) => c.quals.includes(q))
                .map((c) => c.name)
                .join(', ')}`
        }`,
        parts[1]!.pos,
      );
    }
  }
  const n = parts[0]!.name;
  const matches = rel.cols.filter((c) => c.name === n);
  if (matches.length === 1) return { col: matches[0]!, fields: parts.slice(1) };
  if (matches.length > 1) {
    if (matches.every((m) => m.slot === matches[0]!.slot)) return { col: matches[0]!, fields: parts.slice(1) };
    throw new SqlError(`Column '${n}' is ambiguous; qualify it (${matches.map((m) => `${m.quals[0] ?? '?'}.${m.name}`).join(' or ')})`, e.pos);
  }
  if (parts.length >= 2 && !rel.cols.some((c) => c.quals.includes(n))) {
    throw new SqlError(`Table '${n}' not found; FROM names ${[...new Set(rel.cols.flatMap((c) => c.quals))].join(', ') || 'no tables'}`, parts[0]!.pos);
  }
  const ci = rel.cols.find((c) => c.name.toLowerCase() === n.toLowerCase());
  throw new SqlError(
    `Column '${n}' not found in any table${ci ? `; did you mean '${ci.name}'? (Flink names are case-sensitive)` : `; available: ${columnList(rel) || 'none'}`}`,
    e.pos,
  );
}

/** `row.field` on a ROW-typed value. */
export function fieldAccess(row: PExpr, field: Ident): PExpr {
  if (row.t.name !== 'ROW' || !row.t.fields)
    throw new SqlError(`'${field.name}' is a field access, but the value is ${flinkType(row.t)}, not a ROW`, field.pos);
  const i = row.t.fields.findIndex((f) => f.name === field.name);
  if (i < 0) throw new SqlError(`The ROW has no field '${field.name}'; fields: ${row.t.fields.map((f) => f.name).join(', ')}`, field.pos);
  return { k: 'call', fn: 'field', args: [row, { k: 'lit', v: i, t: { name: 'INTEGER' } }], t: row.t.fields[i]!.type };
}

/** The relation with every column requalified under `alias` (FROM t AS x, subquery aliases). */
export function requalify(rel: Rel, alias: string | undefined, columnAliases?: Ident[]): Rel {
  let cols = rel.cols;
  if (columnAliases) {
    if (columnAliases.length !== cols.length)
      throw new SqlError(
        `List of column aliases must have same degree as table; table has ${cols.length} columns, whereas alias list has ${columnAliases.length} columns`,
        columnAliases[0]!.pos,
      );
    cols = cols.map((c, i) => ({ ...c, name: columnAliases[i]!.name }));
  }
  if (alias === undefined) return { ...rel, cols };
  return { ...rel, cols: cols.map((c) => ({ ...c, quals: [alias] })) };
}

/** Slots read by an expression. */
export function slotsOf(p: PExpr, out: number[] = []): number[] {
  if (p.k === 'col') out.push(p.i);
  else if (p.k === 'call') for (const a of p.args) slotsOf(a, out);
  else if (p.k === 'case') {
    for (const w of p.whens) {
      slotsOf(w.when, out);
      slotsOf(w.then, out);
    }
    if (p.else) slotsOf(p.else, out);
  }
  return out;
}

export function shiftSlots(p: PExpr, by: number): PExpr {
  if (p.k === 'col') return { ...p, i: p.i + by };
  if (p.k === 'call') return { ...p, args: p.args.map((a) => shiftSlots(a, by)) };
  if (p.k === 'case')
    return { ...p, whens: p.whens.map((w) => ({ when: shiftSlots(w.when, by), then: shiftSlots(w.then, by) })), else: p.else ? shiftSlots(p.else, by) : null };
  return p;
}

/** Replaces slot i by map(i) (a projection's inverse when pushing expressions down). */
export function remapSlots(p: PExpr, map: (i: number) => number): PExpr {
  if (p.k === 'col') return { ...p, i: map(p.i) };
  if (p.k === 'call') return { ...p, args: p.args.map((a) => remapSlots(a, map)) };
  if (p.k === 'case')
    return {
      ...p,
      whens: p.whens.map((w) => ({ when: remapSlots(w.when, map), then: remapSlots(w.then, map) })),
      else: p.else ? remapSlots(p.else, map) : null,
    };
  return p;
}

export function canon(p: PExpr): string {
  return JSON.stringify(p);
}

export function lit(v: string | number | boolean | null, t: SqlType): PExpr {
  return { k: 'lit', v, t };
}
