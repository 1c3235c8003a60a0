/**
 * Name binding: the catalog a query plans against (PlanContext), scopes (the
 * columns a relation makes visible, each with the row slot it reads), and
 * resolving column references and ROW fields against them with KDA's case
 * rules (quoted names keep their case, unquoted ones are upper-cased).
 */
import { SqlError } from '../errors.ts';
import type { Expr, FromItem, Ident, Select } from '../parser/ast.ts';
import type { OpPlan, PExpr, StreamPlan, TablePlan } from '../plan/plan.ts';
import { APPROXIMATE_ARRIVAL_TIME } from '../plan/plan.ts';
import type { ColumnDef, SqlType } from '../plan/types.ts';
import { T, typeToString } from '../plan/types.ts';
import { lit } from './pexpr.ts';

/** What planning a query needs from the statement level: the catalog, and SELECT planning for subqueries and cursors. */
export interface PlanContext {
  readonly streams: Map<string, StreamPlan>;
  readonly tables: Map<string, TablePlan>;
  select(q: Select): SelectPlan;
}

/** A planned SELECT: its operator tree, output columns, and which output columns are exactly ROWTIME. */
export interface SelectPlan {
  root: OpPlan;
  columns: ColumnDef[];
  rowtimeCols: Set<number>;
}

export interface ScopeCol {
  quals: string[];
  name: string;
  type: SqlType;
  index: number;
  hidden: boolean;
}

export interface Scope {
  cols: ScopeCol[];
  /** Slots per row, including ROWTIME at 0. */
  width: number;
  /** Qualifiers that name this relation's ROWTIME (slot 0). */
  rowtimeQuals: string[];
  /** Extra ROWTIME slots of joined relations: qualifier → slot. */
  extraRowtimes: Map<string, number>;
}

export interface Relation {
  root: OpPlan;
  scope: Scope;
}

export function describeIdent(id: Ident): string {
  return id.quoted ? `"${id.name}"` : id.name;
}

/** The scope of a stream or table read under `qual`; an input stream also has the hidden APPROXIMATE_ARRIVAL_TIME column. */
export function streamScope(columns: ColumnDef[], qual: string, input: boolean): Scope {
  const cols: ScopeCol[] = columns.map((c, i) => ({ quals: [qual], name: c.name, type: c.type, index: i + 1, hidden: false }));
  if (input) cols.push({ quals: [qual], name: APPROXIMATE_ARRIVAL_TIME, type: T.TIMESTAMP, index: columns.length + 1, hidden: true });
  return { cols, width: cols.length + 1, rowtimeQuals: [qual], extraRowtimes: new Map() };
}

/** The scope of a relation with `columns` (slots 1..n) under `qual` (none: the columns are reachable unqualified only). */
export function columnsScope(columns: ColumnDef[], qual: string | null): Scope {
  const quals = qual === null ? [] : [qual];
  return {
    cols: columns.map((c, i) => ({ quals, name: c.name, type: c.type, index: i + 1, hidden: false })),
    width: columns.length + 1,
    rowtimeQuals: quals,
    extraRowtimes: new Map(),
  };
}

/** A stream or reference table named in FROM, as a scan and its scope (`table` set for a reference table). */
export function fromStream(ctx: PlanContext, item: Extract<FromItem, { kind: 'stream' }>): Relation & { table?: TablePlan } {
  const qual = item.alias?.name ?? item.name.name;
  const st = ctx.streams.get(item.name.name);
  if (st) {
    if (st.kind === 'error') {
      return { root: { op: 'scan', stream: st.name }, scope: streamScope(st.columns, qual, false) };
    }
    return { root: { op: 'scan', stream: st.name }, scope: streamScope(st.columns, qual, st.kind === 'input') };
  }
  const tb = ctx.tables.get(item.name.name);
  if (tb) return { root: { op: 'scan', stream: tb.name }, scope: streamScope(tb.columns, qual, false), table: tb };
  const hint = [...ctx.streams.keys(), ...ctx.tables.keys()].find((n) => n.toUpperCase() === item.name.name.toUpperCase());
  throw new SqlError(
    `unknown stream ${describeIdent(item.name)}${hint ? `; did you mean "${hint}"? (quoted names keep their case, unquoted names are upper-cased)` : ''}`,
    item.name.pos,
  );
}

/** The scope of a join: the right relation's slots follow the left's, its ROWTIME becomes an extra ROWTIME slot. */
export function concatScopes(l: Scope, r: Scope): Scope {
  const cols = [...l.cols, ...r.cols.map((c) => ({ ...c, index: c.index + l.width }))];
  const extra = new Map(l.extraRowtimes);
  for (const q of r.rowtimeQuals) extra.set(q, l.width);
  for (const [q, i] of r.extraRowtimes) extra.set(q, i + l.width);
  return { cols, width: l.width + r.width, rowtimeQuals: l.rowtimeQuals, extraRowtimes: extra };
}

/** A column reference → the slot it reads, with KDA's case rules and hints for near misses. */
export function resolve(e: Extract<Expr, { kind: 'column' }>, scope: Scope): PExpr {
  if (e.field) return fieldOf(resolve({ kind: 'column', qualifier: e.qualifier, name: e.name, pos: e.pos }, scope), e.field);
  // `r.COLUMN1` where r is a ROW column (not a relation name): a field access.
  if (e.qualifier && !scope.cols.some((c) => c.quals.includes(e.qualifier!.name)) && !scope.rowtimeQuals.includes(e.qualifier.name)) {
    const row = scope.cols.filter((c) => c.name === e.qualifier!.name && c.type.name === 'ROW');
    if (row.length === 1) return fieldOf({ k: 'col', i: row[0]!.index, t: row[0]!.type }, e.name);
  }
  const name = e.name.name;
  const q = e.qualifier?.name;
  const matches = scope.cols.filter((c) => c.name === name && (!q || c.quals.includes(q)));
  if (matches.length === 1) return { k: 'col', i: matches[0]!.index, t: matches[0]!.type };
  if (matches.length > 1) {
    // The same slot visible under two names is not ambiguous.
    if (matches.every((m) => m.index === matches[0]!.index)) return { k: 'col', i: matches[0]!.index, t: matches[0]!.type };
    throw new SqlError(`column ${describeIdent(e.name)} is ambiguous; qualify it (${matches.map((m) => `${m.quals[0]}.${m.name}`).join(' or ')})`, e.pos);
  }
  if (name === 'ROWTIME') {
    if (!q || scope.rowtimeQuals.includes(q)) return { k: 'col', i: 0, t: T.TIMESTAMP };
    const x = scope.extraRowtimes.get(q);
    if (x !== undefined) return { k: 'col', i: x, t: T.TIMESTAMP };
  }
  if (q && !scope.cols.some((c) => c.quals.includes(q)) && !scope.rowtimeQuals.includes(q) && !scope.extraRowtimes.has(q)) {
    throw new SqlError(
      `unknown qualifier ${describeIdent(e.qualifier!)}; FROM names ${[...new Set(scope.cols.flatMap((c) => c.quals))].join(', ')}`,
      e.qualifier!.pos,
    );
  }
  const ci = scope.cols.find((c) => c.name.toUpperCase() === name.toUpperCase() && (!q || c.quals.includes(q)));
  const hint = ci
    ? `; did you mean "${ci.name}"? (quoted names keep their case, unquoted names are upper-cased)`
    : `; available: ${scope.cols
        .filter((c) => !c.hidden)
        .map((c) => `"${c.name}"`)
        .join(', ')}`;
  throw new SqlError(`unknown column ${q ? `${e.qualifier!.quoted ? `"${q}"` : q}.` : ''}${describeIdent(e.name)}${hint}`, e.pos);
}

/** `row.field` on a ROW value (a log parser's result). */
export function fieldOf(row: PExpr, field: Ident): PExpr {
  if (row.t.name !== 'ROW' || !row.t.fields)
    throw new SqlError(`${describeIdent(field)} is a field access, but the value is ${typeToString(row.t)}, not a ROW`, field.pos);
  const i = row.t.fields.findIndex((f) => f.name === field.name);
  if (i < 0) throw new SqlError(`the ROW has no field ${describeIdent(field)}; fields: ${row.t.fields.map((f) => f.name).join(', ')}`, field.pos);
  return { k: 'call', fn: 'field', args: [row, lit(i, T.INTEGER)], t: row.t.fields[i]!.type };
}
