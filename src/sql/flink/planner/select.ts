/**
 * Queries in Flink SQL: picks the operator for each SELECT's shape — window
 * aggregation (window TVF grouped by window_start/window_end, or a legacy
 * GROUP BY TUMBLE/HOP/SESSION), unbounded GROUP BY and DISTINCT (a
 * changelog), OVER aggregation, Top-N and deduplication (ROW_NUMBER()
 * filtered by the enclosing WHERE), projection and filter — then UNION ALL,
 * ORDER BY a time attribute, LIMIT.
 */
import { SqlError } from '../../errors.ts';
import type { WindowPlan } from '../../plan/flink.ts';
import type { AggFn, AggPlan, OpPlan, PExpr } from '../../plan/plan.ts';
import type { SqlType } from '../../plan/types.ts';
import { isNumeric } from '../../plan/types.ts';
import type { Expr, OrderItem, Pos, Query, QueryBody, Select, SelectItem, WindowSpec } from '../ast.ts';
import type { PlannerContext } from './context.ts';
import type { Hook } from './expressions.ts';
import { bool, cast, constInterval, containsAgg, containsOver, expr, walk } from './expressions.ts';
import { andAll, conjuncts, materialize, planFrom } from './from.ts';
import { AGGREGATES } from './functions.ts';
import type { FCol, Rel } from './relation.ts';
import { andTerms, planScalarSubquery, planSemiJoin, planSetSemiJoin, splitSubqueries } from './subquery.ts';
import { canon, lit, slotsOf } from './relation.ts';
import { FT, aggResultType, commonType, flinkType } from './types.ts';

const col = (i: number, t: SqlType): PExpr => ({ k: 'col', i, t });
const KIND_T: SqlType = { name: 'TINYINT' };

/** A query: its body, then ORDER BY / LIMIT. */
export function planQueryBody(ctx: PlannerContext, q: Query): Rel {
  let rel = planBody(ctx, q.body);
  if (q.orderBy) rel = planOrder(ctx, rel, q.orderBy, q.limit, q.pos);
  else if (q.limit !== undefined) {
    completeRank(ctx, rel, undefined, q.pos, true);
    const m = materialize(rel);
    rel = { ...m, root: { op: 'limit', input: m.root, n: q.limit } };
  }
  return rel;
}

function planBody(ctx: PlannerContext, b: QueryBody): Rel {
  switch (b.kind) {
    case 'select':
      return planSelect(ctx, b);
    case 'nested':
      return ctx.planQuery(b.query);
    case 'values':
      return planValues(ctx, b.rows, b.pos);
    case 'union': {
      const l = finish(ctx, planBody(ctx, b.left), b.pos);
      const r = finish(ctx, planBody(ctx, b.right), b.pos);
      const u = unionAll(l, r, b.pos);
      return b.all ? u : distinct(ctx, u);
    }
    case 'setop': {
      const l = finish(ctx, planBody(ctx, b.left), b.pos);
      const r = finish(ctx, planBody(ctx, b.right), b.pos);
      if (l.cols.length !== r.cols.length) throw new SqlError(`Column count mismatch in ${b.op}: ${l.cols.length} and ${r.cols.length}`, b.pos);
      l.cols.forEach((c, i) => {
        if (!commonType(c.type, r.cols[i]!.type))
          throw new SqlError(`Type mismatch in column ${i + 1} of ${b.op}: ${flinkType(c.type)} and ${flinkType(r.cols[i]!.type)}`, b.pos);
      });
      return b.all ? setOpAll(ctx, l, r, b.op, b.pos) : planSetSemiJoin(ctx, distinct(ctx, l), r, b.op === 'EXCEPT');
    }
  }
}

/**
 * INTERSECT ALL / EXCEPT ALL as Flink plans them: both sides' rows marked with which side they come from,
 * UNION ALL, a GROUP BY every column counting each side's copies, then each group's row replicated
 * min(left, right) times (INTERSECT ALL) or left - right times (EXCEPT ALL) — a changelog: a count that
 * changes retracts the old copies (-U each) and emits the new ones (+U each); a count that drops to 0 deletes.
 */
function setOpAll(ctx: PlannerContext, l: Rel, r: Rel, op: 'INTERSECT' | 'EXCEPT', pos: Pos): Rel {
  const one = lit(1, FT.INT);
  const zero = lit(0, FT.INT);
  const mark = (x: Rel, left: boolean): Rel => {
    const n = x.cols.length;
    const list: PExpr[] = [...x.cols.map((c) => col(c.slot, c.type)), left ? one : zero, left ? zero : one];
    if (x.kind !== null) list.push(col(x.kind, KIND_T));
    return {
      root: { op: 'filterProject', input: x.root, filter: null, project: list },
      cols: [
        ...x.cols.map(({ time: _t, ...c }, i) => ({ ...c, slot: i + 1 })),
        { name: '$left', type: FT.INT, slot: n + 1, quals: [] },
        { name: '$right', type: FT.INT, slot: n + 2, quals: [] },
      ],
      width: n + 3,
      kind: x.kind === null ? null : n + 3,
    };
  };
  const u = unionAll(mark(l, true), mark(r, false), pos);
  const n = l.cols.length;
  const keys = u.cols.slice(0, n).map((c) => col(c.slot, c.type));
  const sum = (slot: number): AggPlan => ({ fn: 'SUM', arg: col(slot, FT.INT), param: 0, distinct: false, t: FT.INT });
  const lc = col(n + 1, FT.INT);
  const rc = col(n + 2, FT.INT);
  const call = (fn: string, args: PExpr[], t: SqlType): PExpr => ({ k: 'call', fn, args, t });
  const count: PExpr =
    op === 'INTERSECT' ? { k: 'case', whens: [{ when: call('lt', [lc, rc], FT.BOOLEAN), then: lc }], else: rc, t: FT.INT } : call('sub', [lc, rc], FT.INT);
  const agg: OpPlan = {
    op: 'groupAgg',
    input: u.root,
    keys,
    aggs: [sum(n + 1), sum(n + 2)],
    having: call('gt', [count, zero], FT.BOOLEAN),
    project: [...keys.map((k, i) => col(1 + i, k.t)), count],
    inputKind: u.kind,
    ttlMs: ctx.stateTtlMs(),
  };
  // [t, columns..., count] → one row per copy: [t, columns..., count, element], the row kind after it.
  const copies: OpPlan = {
    op: 'unnest',
    input: agg,
    arg: call('replicateRows', [col(n + 1, FT.INT)], { name: 'ARRAY', element: FT.INT }),
    width: n + 2,
    element: 'value',
    fields: 1,
    ordinality: false,
    outer: false,
    filter: null,
    kind: n + 2,
  };
  const list: PExpr[] = [...keys.map((k, i) => col(1 + i, k.t)), col(n + 3, KIND_T)];
  return {
    root: { op: 'filterProject', input: copies, filter: null, project: list },
    cols: u.cols.slice(0, n),
    width: n + 1,
    kind: n + 1,
    producer: `GroupAggregate(groupBy=[${u.cols
      .slice(0, n)
      .map((c) => c.name)
      .join(', ')}]) (${op} ALL)`,
  };
}

/** A relation ready to be read by another operator (pending windows built, pending ranks refused). */
function finish(ctx: PlannerContext, rel: Rel, pos: Pos): Rel {
  completeRank(ctx, rel, undefined, pos, true);
  return materialize(rel);
}

function planValues(ctx: PlannerContext, rows: Expr[][], pos: Pos): Rel {
  const empty: Rel = { root: { op: 'scan', stream: '' }, cols: [], width: 1, kind: null };
  const planned = rows.map((r) => r.map((e) => expr(e, { rel: empty })));
  const n = planned[0]!.length;
  if (planned.some((r) => r.length !== n)) throw new SqlError('all rows of VALUES must have the same number of columns', pos);
  const types: SqlType[] = [];
  for (let i = 0; i < n; i++) {
    let t: SqlType = FT.NULL;
    for (const r of planned) {
      const c = commonType(t, r[i]!.t);
      if (!c) throw new SqlError(`VALUES column ${i + 1} mixes ${flinkType(t)} and ${flinkType(r[i]!.t)}`, pos);
      t = c;
    }
    types.push(t.name === 'CHAR' ? FT.STRING : t);
  }
  return ctx.values(
    planned,
    types.map((t, i) => ({ name: `EXPR$${i}`, type: t })),
  );
}

// ---- SELECT ----

function planSelect(ctx: PlannerContext, sIn: Select): Rel {
  let rel: Rel;
  // Scalar subqueries in SELECT and WHERE: a LEFT join with each one's single row, read as a hidden column.
  const scalars: Query[] = [];
  const s = withScalarColumns(sIn, scalars);
  let where: Expr | undefined = s.where;
  if (s.from.length === 0) rel = ctx.values([[]], []);
  else ({ rel, where } = planFrom(ctx, s.from, s.where));
  if (scalars.length > 0) rel = joinScalars(ctx, rel, scalars);
  const items = s.items;
  // The enclosing query of a ROW_NUMBER() subquery completes it into a Top-N.
  if (rel.pendingRank) {
    const usesRank = items.some((it) => it.kind === 'star' || (it.kind === 'expr' && mentions(it.expr, rel.cols[rel.pendingRank!.rnCol]!.name)));
    rel = completeRank(ctx, rel, where, s.pos, false, usesRank) as Rel;
    where = undefined;
  }
  const grouped = !!s.groupBy || !!s.having || items.some((it) => it.kind === 'expr' && containsAgg(it.expr));
  const overItems = items.filter((it) => it.kind === 'expr' && containsOver(it.expr));
  const rowNumber = overItems.some((it) => it.kind === 'expr' && isRankCall(it.expr));
  if (where) {
    // EXISTS / IN (SELECT ...) conjuncts: semi and anti joins, then the rest of WHERE.
    const { rest, subs } = splitSubqueries(where);
    for (const sq of subs) {
      const semi = planSemiJoin(ctx, rel, sq);
      if (semi) {
        rel = semi;
        continue;
      }
      // NOT IN over a correlated subquery: its three-valued value from row counts, then a filter.
      const cond = sq.arg ? inAsCounts({ kind: 'inQuery', arg: sq.arg, query: sq.query, not: true, pos: sq.pos }) : undefined;
      if (!cond)
        throw new SqlError(
          'NOT IN with a correlated subquery is supported over a plain SELECT ... FROM; write NOT EXISTS (SELECT ... WHERE ...) instead',
          sq.pos,
        );
      const first = scalars.length;
      const swapped = withScalarColumns({ ...s, items: [], where: cond }, scalars);
      rel = filterRel(joinScalars(ctx, rel, scalars.slice(first), first), swapped.where!);
    }
    if (rest) rel = filterRel(rel, rest);
  }
  if (rowNumber) {
    if (grouped) throw new SqlError('ROW_NUMBER() OVER cannot be mixed with GROUP BY in one SELECT; aggregate in a subquery first', s.pos);
    return pendingRank(ctx, s, materialize(rel));
  }
  if (grouped) {
    if (overItems.length > 0) throw new SqlError('a query cannot mix GROUP BY aggregates and OVER windows; aggregate in a subquery first', s.pos);
    return planAggregate(ctx, s, rel);
  }
  rel = materialize(rel);
  if (overItems.length > 0) return planOver(ctx, s, rel);
  const projected = project(rel, items, undefined);
  return s.distinct ? distinct(ctx, projected) : projected;
}

/** The hidden column a scalar subquery's value is read from (no Flink identifier starts with `$`). */
const SCALAR = '$scalar';

/** `s` with every scalar subquery of its SELECT list and WHERE replaced by its hidden column; the queries go to `out`. */
function withScalarColumns(s: Select, out: Query[]): Select {
  const swap = (x: unknown, key: string): unknown => {
    if (Array.isArray(x)) return x.map((v) => swap(v, key));
    if (x === null || typeof x !== 'object') return x;
    // EXISTS anywhere but as a conjunct of WHERE (in the SELECT list, under OR): COUNT(*) of its rows > 0.
    const kind = key === 'from' ? undefined : (x as { kind?: unknown }).kind;
    const counted =
      kind === 'exists'
        ? existsAsCount(x as Extract<Expr, { kind: 'exists' }>)
        : kind === 'inQuery'
          ? inAsCounts(x as Extract<Expr, { kind: 'inQuery' }>)
          : undefined;
    const o: Record<string, unknown> = counted ? { ...counted } : (x as Record<string, unknown>);
    if (o.kind === 'subquery' && o.query && key !== 'from') {
      out.push(o.query as Query);
      return { kind: 'column', parts: [{ name: `${SCALAR}${out.length - 1}`, pos: o.pos }], pos: o.pos };
    }
    const copy: Record<string, unknown> = {};
    // A nested query (EXISTS, IN, a FROM subquery) plans its own scalar subqueries.
    for (const [k, v] of Object.entries(o)) copy[k] = k === 'query' ? v : swap(v, k);
    return copy;
  };
  const items = swap(s.items, 'items') as SelectItem[];
  // WHERE's own EXISTS / IN conjuncts stay: they become semi and anti joins.
  const terms = s.where ? andTerms(s.where) : [];
  const isCondition = (e: Expr): boolean => {
    const x = e.kind === 'unary' && e.op === 'NOT' ? e.arg : e;
    return x.kind === 'exists' || x.kind === 'inQuery';
  };
  const where = s.where
    ? terms.map((t) => (isCondition(t) ? t : (swap(t, 'where') as Expr))).reduce((a, b) => ({ kind: 'binary', op: 'AND', left: a, right: b, pos: b.pos }))
    : undefined;
  if (out.length === 0) return s;
  const { where: _w, ...rest } = s;
  return { ...rest, items, ...(where ? { where } : {}) };
}

/**
 * `EXISTS (SELECT ... FROM ... WHERE ...)` as the value `COALESCE((SELECT COUNT(*) FROM ... WHERE ...), 0) > 0`,
 * a scalar subquery that may be correlated (undefined for a subquery that is not a plain SELECT ... FROM).
 */
function existsAsCount(e: Extract<Expr, { kind: 'exists' }>): Expr | undefined {
  const q = e.query;
  const b = q.body;
  if (b.kind !== 'select' || b.from.length === 0 || b.groupBy || b.having || q.orderBy || q.limit !== undefined || q.with.length > 0) return undefined;
  const pos = e.pos;
  const count: Expr = { kind: 'call', name: 'COUNT', args: [], star: true, distinct: false, pos };
  const body: Select = { ...b, distinct: false, items: [{ kind: 'expr', expr: count, pos }] };
  const zero: Expr = { kind: 'literal', value: 0, type: FT.BIGINT, pos };
  const value: Expr = {
    kind: 'call',
    name: 'COALESCE',
    args: [{ kind: 'subquery', query: { ...q, body }, pos }, zero],
    star: false,
    distinct: false,
    pos,
  };
  return { kind: 'binary', op: '>', left: value, right: { ...zero }, pos };
}

/**
 * `x [NOT] IN (SELECT y FROM ... WHERE ...)` outside WHERE's conjuncts, with SQL's NULL rules, from three counts of
 * the (correlated) rows: those with y = x, all of them, those with y NULL:
 * CASE WHEN x IS NULL THEN (NULL if any row, else FALSE) WHEN a match THEN TRUE WHEN a NULL y THEN NULL ELSE FALSE.
 */
function inAsCounts(e: Extract<Expr, { kind: 'inQuery' }>): Expr | undefined {
  const q = e.query;
  const b = q.body;
  if (b.kind !== 'select' || b.from.length === 0 || b.groupBy || b.having || q.orderBy || q.limit !== undefined || q.with.length > 0) return undefined;
  const only = b.items[0];
  if (b.items.length !== 1 || !only || only.kind !== 'expr' || containsAgg(only.expr) || containsOver(only.expr)) return undefined;
  const pos = e.pos;
  const y = only.expr;
  const zero: Expr = { kind: 'literal', value: 0, type: FT.BIGINT, pos };
  const count = (where: Expr | undefined, correlate?: Query['correlate']): Expr => {
    const body: Select = {
      ...b,
      distinct: false,
      items: [{ kind: 'expr', expr: { kind: 'call', name: 'COUNT', args: [], star: true, distinct: false, pos }, pos }],
    };
    if (where) body.where = where;
    else delete body.where;
    const sub: Expr = { kind: 'subquery', query: { ...q, body, ...(correlate ? { correlate } : {}) }, pos };
    return { kind: 'binary', op: '>', left: { kind: 'call', name: 'COALESCE', args: [sub, zero], star: false, distinct: false, pos }, right: zero, pos };
  };
  const and = (a: Expr | undefined, c: Expr): Expr => (a ? { kind: 'binary', op: 'AND', left: a, right: c, pos } : c);
  const TRUE: Expr = { kind: 'literal', value: true, type: FT.BOOLEAN, pos };
  const FALSE: Expr = { kind: 'literal', value: false, type: FT.BOOLEAN, pos };
  const NULL: Expr = { kind: 'literal', value: null, type: FT.NULL, pos };
  const value: Expr = {
    kind: 'case',
    whens: [
      {
        when: { kind: 'is', arg: e.arg, what: 'NULL', not: false, pos },
        then: { kind: 'case', whens: [{ when: count(b.where), then: NULL }], else: FALSE, pos },
      },
      { when: count(b.where, { inner: y, outer: e.arg }), then: TRUE },
      { when: count(and(b.where, { kind: 'is', arg: y, what: 'NULL', not: false, pos })), then: NULL },
    ],
    else: FALSE,
    pos,
  };
  return e.not ? { kind: 'unary', op: 'NOT', arg: value, pos } : value;
}

/** `rel` LEFT JOINed (no keys: every row) with each scalar subquery's rows; its value is column `$scalar<i>`. */
function joinScalars(ctx: PlannerContext, input: Rel, queries: Query[], first = 0): Rel {
  let rel = materialize(input);
  queries.forEach((q, i) => {
    const correlated = planScalarSubquery(ctx, rel, q, `${SCALAR}${first + i}`);
    if (correlated) {
      rel = correlated;
      return;
    }
    const sub = finish(ctx, ctx.planQuery(q), q.pos);
    if (sub.cols.length !== 1) throw new SqlError(`A scalar subquery must return exactly one column, but it returns ${sub.cols.length}`, q.pos);
    const lw = rel.width;
    const root: OpPlan = {
      op: 'regularJoin',
      left: rel.root,
      right: sub.root,
      joinType: 'LEFT',
      leftKeys: [],
      rightKeys: [],
      on: null,
      leftWidth: lw,
      rightWidth: sub.width,
      leftKind: rel.kind,
      rightKind: sub.kind,
      changelog: true,
      ttlMs: ctx.stateTtlMs(),
    };
    const v = sub.cols[0]!;
    const width = lw + sub.width;
    rel = {
      root,
      cols: [...rel.cols.map(({ time: _t, ...c }) => c), { name: `${SCALAR}${first + i}`, type: v.type, slot: lw + v.slot, quals: [] }],
      width,
      kind: width,
      producer: 'Join(joinType=[LeftOuterJoin]) (a scalar subquery)',
    };
  });
  return rel;
}

function mentions(e: Expr, name: string): boolean {
  let found = false;
  walk(e, (x) => {
    if (x.kind === 'column' && x.parts[x.parts.length - 1]!.name === name) found = true;
  });
  return found;
}

function isRankCall(e: Expr): boolean {
  return e.kind === 'call' && !!e.over && (e.name === 'ROW_NUMBER' || e.name === 'RANK' || e.name === 'DENSE_RANK');
}

/** WHERE: over the base of a pending window when it reads only base columns (the window aggregation reads filtered rows). */
function filterRel(rel: Rel, where: Expr): Rel {
  if (rel.pending) {
    const w = rel.pending;
    const p = bool(expr(where, { rel }), where.pos, 'WHERE');
    if (slotsOf(p).every((i) => i < w.base.width)) {
      const base: Rel = { ...w.base, root: { op: 'filterProject', input: w.base.root, filter: p, project: null } };
      return { ...rel, root: base.root, pending: { ...w, base } };
    }
    rel = materialize(rel);
  }
  const p = bool(expr(where, { rel }), where.pos, 'WHERE');
  return { ...rel, root: { op: 'filterProject', input: rel.root, filter: p, project: null } };
}

/** Output name of a SELECT item: its alias, the column's name, or EXPR$<position>. */
function itemName(it: Extract<SelectItem, { kind: 'expr' }>, index: number): string {
  if (it.alias) return it.alias.name;
  if (it.expr.kind === 'column') return it.expr.parts[it.expr.parts.length - 1]!.name;
  return `EXPR$${index}`;
}

/** The SELECT list over `rel` (with `hook` answering first): expressions and output columns. */
function selectList(rel: Rel, items: SelectItem[], hook: Hook | undefined): { exprs: PExpr[]; names: string[]; srcCols: (FCol | undefined)[] } {
  const exprs: PExpr[] = [];
  const names: string[] = [];
  const srcCols: (FCol | undefined)[] = [];
  items.forEach((it, index) => {
    if (it.kind === 'star') {
      const cols = rel.cols.filter((c) => (!it.qualifier || c.quals.includes(it.qualifier.name)) && !c.name.startsWith(SCALAR));
      if (it.qualifier && cols.length === 0) throw new SqlError(`Unknown identifier '${it.qualifier.name}'`, it.pos);
      for (const c of cols) {
        const p = hook
          ? expr(
              { kind: 'column', parts: [...(c.quals[0] ? [{ name: c.quals[0], pos: it.pos }] : []), { name: c.name, pos: it.pos }], pos: it.pos },
              { rel, hook },
            )
          : col(c.slot, c.type);
        exprs.push(p);
        names.push(c.name);
        srcCols.push(c);
      }
      return;
    }
    const p = expr(it.expr, { rel, ...(hook ? { hook } : {}) });
    exprs.push(p);
    names.push(itemName(it, index));
    srcCols.push(p.k === 'col' ? rel.cols.find((c) => c.slot === p.i) : undefined);
  });
  return { exprs, names, srcCols };
}

/** Output columns for a projection [t, ...exprs]: names, types, time attributes and window columns carried through plain references. */
function outputCols(rel: Rel, exprs: PExpr[], names: string[], srcCols: (FCol | undefined)[]): { cols: FCol[]; windowCols?: { start: number; end: number } } {
  const seen = new Map<string, number>();
  const cols: FCol[] = exprs.map((p, i) => {
    let name = names[i]!;
    const n = seen.get(name) ?? 0;
    seen.set(name, n + 1);
    if (n > 0) name = `${name}${n - 1}`;
    const c: FCol = { name, type: p.t, slot: i + 1, quals: [] };
    const src = srcCols[i];
    if (src?.time && p.k === 'col') c.time = src.time;
    return c;
  });
  let windowCols: { start: number; end: number } | undefined;
  if (rel.windowCols) {
    const s = exprs.findIndex((p) => p.k === 'col' && p.i === rel.windowCols!.start);
    const e = exprs.findIndex((p) => p.k === 'col' && p.i === rel.windowCols!.end);
    if (s >= 0 && e >= 0) windowCols = { start: s + 1, end: e + 1 };
  }
  return { cols, ...(windowCols ? { windowCols } : {}) };
}

function project(rel: Rel, items: SelectItem[], hook: Hook | undefined): Rel {
  const { exprs, names, srcCols } = selectList(rel, items, hook);
  const { cols, windowCols } = outputCols(rel, exprs, names, srcCols);
  const kind = rel.kind;
  const list = kind === null ? exprs : [...exprs, col(kind, KIND_T)];
  const upsertKey = rel.upsertKey ? remapKey(rel.upsertKey, exprs) : undefined;
  return {
    root: { op: 'filterProject', input: rel.root, filter: null, project: list },
    cols,
    width: exprs.length + 1,
    kind: kind === null ? null : exprs.length + 1,
    ...(windowCols ? { windowCols } : {}),
    ...(upsertKey ? { upsertKey } : {}),
    ...(rel.producer ? { producer: rel.producer } : {}),
  };
}

function remapKey(key: number[], exprs: PExpr[]): number[] | undefined {
  const out: number[] = [];
  for (const k of key) {
    const i = exprs.findIndex((p) => p.k === 'col' && p.i === k);
    if (i < 0) return undefined;
    out.push(i + 1);
  }
  return out;
}

/** SELECT DISTINCT / UNION: a GROUP BY every column without aggregates. */
function distinct(ctx: PlannerContext, rel: Rel): Rel {
  const keys = rel.cols.map((c) => col(c.slot, c.type));
  const root: OpPlan = {
    op: 'groupAgg',
    input: rel.root,
    keys,
    aggs: [],
    having: null,
    project: keys.map((k, i) => col(1 + i, k.t)),
    inputKind: rel.kind,
    ttlMs: ctx.stateTtlMs(),
  };
  const n = keys.length;
  return {
    root,
    cols: rel.cols.map((c, i) => {
      const { time: _t, ...rest } = c;
      return { ...rest, slot: i + 1 };
    }),
    width: n + 1,
    kind: n + 1,
    upsertKey: keys.map((_k, i) => i + 1),
    producer: `GroupAggregate(groupBy=[${rel.cols.map((c) => c.name).join(', ')}])`,
  };
}

function unionAll(l: Rel, r: Rel, pos: Pos): Rel {
  if (l.cols.length !== r.cols.length) throw new SqlError(`Column count mismatch in UNION ALL: ${l.cols.length} and ${r.cols.length}`, pos);
  const types = l.cols.map((c, i) => {
    const t = commonType(c.type, r.cols[i]!.type);
    if (!t) throw new SqlError(`Type mismatch in column ${i + 1} of UNION ALL: ${flinkType(c.type)} and ${flinkType(r.cols[i]!.type)}`, pos);
    return t;
  });
  const changelog = l.kind !== null || r.kind !== null;
  const branch = (b: Rel): OpPlan => {
    const same = b.cols.every((c, i) => c.type.name === types[i]!.name && c.type.length === types[i]!.length) && (b.kind !== null || !changelog);
    if (same) return b.root;
    const list = b.cols.map((c, i) => (c.type.name === types[i]!.name ? col(c.slot, types[i]!) : cast(col(c.slot, c.type), types[i]!, false, pos)));
    if (changelog) list.push(b.kind !== null ? col(b.kind, KIND_T) : lit(0, KIND_T));
    return { op: 'filterProject', input: b.root, filter: null, project: list };
  };
  const n = l.cols.length;
  return {
    root: { op: 'unionAll', inputs: [branch(l), branch(r)] },
    cols: l.cols.map((c, i) => {
      const x: FCol = { name: c.name, type: types[i]!, slot: i + 1, quals: [] };
      if (c.time && c.time === r.cols[i]!.time) x.time = c.time;
      return x;
    }),
    width: n + 1,
    kind: changelog ? n + 1 : null,
    ...(l.producer || r.producer ? { producer: l.producer ?? r.producer! } : {}),
  };
}

// ---- aggregation ----

const AGG_ALIASES: Record<string, AggFn> = {
  COUNT: 'COUNT',
  SUM: 'SUM',
  SUM0: 'SUM',
  AVG: 'AVG',
  MIN: 'MIN',
  MAX: 'MAX',
  FIRST_VALUE: 'FIRST_VALUE',
  LAST_VALUE: 'LAST_VALUE',
  STDDEV_POP: 'STDDEV_POP',
  STDDEV_SAMP: 'STDDEV_SAMP',
  STDDEV: 'STDDEV_SAMP',
  VAR_POP: 'VAR_POP',
  VAR_SAMP: 'VAR_SAMP',
  VARIANCE: 'VAR_SAMP',
  LISTAGG: 'LISTAGG',
};

/** An aggregate call over the input scope. */
function aggPlan(e: Extract<Expr, { kind: 'call' }>, rel: Rel): AggPlan {
  const fn = AGG_ALIASES[e.name]!;
  let arg: PExpr | null = null;
  if (e.star) {
    if (fn !== 'COUNT') throw new SqlError(`${e.name}(*) is not allowed; only COUNT(*)`, e.pos);
  } else {
    if (e.args.length === 0) throw new SqlError(`${e.name} needs an argument`, e.pos);
    if (e.args.length > 1 && fn !== 'LISTAGG') throw new SqlError(`${e.name} takes one argument`, e.pos);
    arg = expr(e.args[0]!, { rel });
    if (containsAggPlan(e.args[0]!)) throw new SqlError('aggregate function calls cannot be nested', e.args[0]!.pos);
    if ((fn === 'SUM' || fn === 'AVG' || fn.startsWith('STDDEV') || fn.startsWith('VAR')) && !isNumeric(arg.t))
      throw new SqlError(`Cannot apply '${e.name}' to arguments of type '${e.name}(<${flinkType(arg.t)}>)'. Supported form(s): '${e.name}(<NUMERIC>)'`, e.pos);
  }
  let separator: string | undefined;
  if (fn === 'LISTAGG' && e.args[1]) {
    const sep = e.args[1];
    if (sep.kind !== 'literal' || typeof sep.value !== 'string') throw new SqlError("LISTAGG's separator must be a string literal", sep.pos);
    separator = sep.value;
  }
  const filter = e.filter ? bool(expr(e.filter, { rel }), e.filter.pos, 'FILTER') : undefined;
  const t = aggResultType(e.name === 'SUM0' ? 'SUM' : e.name, arg?.t);
  return { fn, arg, param: 0, distinct: e.distinct, t, ...(filter ? { filter } : {}), ...(separator !== undefined ? { separator } : {}) };
}

function containsAggPlan(e: Expr): boolean {
  return containsAgg(e);
}

/** The hook of a grouped query: group keys, window columns and aggregates → slots of the post-aggregation row. */
function groupHook(rel: Rel, keys: PExpr[], keySlot: (k: number) => number, aggs: AggPlan[], aggBase: number, special: (e: Expr) => PExpr | undefined): Hook {
  const keyCanon = keys.map(canon);
  const self: Hook = (e) => {
    const sp = special(e);
    if (sp) return sp;
    if (e.kind === 'call' && AGGREGATES.has(e.name) && !e.over) {
      const a = aggPlan(e, rel);
      const c = canon({ k: 'call', fn: 'agg', args: a.arg ? [a.arg] : [], t: a.t }) + JSON.stringify([a.fn, a.distinct, a.filter ?? null, a.separator ?? null]);
      let i = aggs.findIndex(
        (x) =>
          canon({ k: 'call', fn: 'agg', args: x.arg ? [x.arg] : [], t: x.t }) + JSON.stringify([x.fn, x.distinct, x.filter ?? null, x.separator ?? null]) === c,
      );
      if (i < 0) {
        aggs.push(a);
        i = aggs.length - 1;
      }
      return col(aggBase + i, a.t);
    }
    if (e.kind === 'literal' || e.kind === 'interval') return undefined;
    let p: PExpr | undefined;
    try {
      if (!containsAgg(e)) p = expr(e, { rel });
    } catch {
      p = undefined;
    }
    if (p) {
      const k = keyCanon.indexOf(canon(p));
      if (k >= 0) return col(keySlot(k), p.t);
      if (slotsOf(p).length === 0 && p.k !== 'call') return p;
    }
    if (e.kind === 'column') throw new SqlError(`Expression '${e.parts.map((x) => x.name).join('.')}' is not being grouped`, e.pos);
    return undefined;
  };
  return self;
}

const LEGACY = new Set(['TUMBLE', 'HOP', 'SESSION']);
const WINDOW_SETS =
  'a window aggregation with GROUPING SETS, ROLLUP or CUBE needs window_start and window_end in every grouping set: GROUP BY window_start, window_end, ROLLUP (...)';
const LEGACY_SETS =
  "GROUPING SETS, ROLLUP and CUBE are not supported with a legacy GROUP BY TUMBLE/HOP/SESSION window by Freshet's Flink SQL; use a window TVF (GROUP BY window_start, window_end, ROLLUP (...))";

function planAggregate(ctx: PlannerContext, s: Select, input: Rel): Rel {
  const groupBy = s.groupBy ?? [];
  // Window TVF grouped by window_start and window_end.
  if (input.pending) {
    const w = input.pending;
    const planned = groupBy.map((g) => ({ g, p: expr(g, { rel: input }) }));
    const isWin = (p: PExpr, slot: number): boolean => p.k === 'col' && p.i === slot;
    const hasStart = planned.some(({ p }) => isWin(p, w.start));
    const hasEnd = planned.some(({ p }) => isWin(p, w.end));
    if (hasStart && hasEnd) {
      const keys = planned.filter(({ p }) => !isWin(p, w.start) && !isWin(p, w.end) && !isWin(p, w.wtime)).map(({ p }) => p);
      for (const k of keys)
        if (slotsOf(k).some((i) => i >= w.base.width))
          throw new SqlError('a window column can only be grouped as itself (window_start, window_end, window_time)', s.pos);
      // GROUPING SETS with window_start and window_end in every set: the base rows are expanded per set.
      let base = w.base;
      let gkeys = keys;
      let grouping: ((e: Expr) => PExpr | undefined) | undefined;
      if (s.groupingSets) {
        const sets = s.groupingSets.map((set) => set.map((e) => expr(e, { rel: input })));
        if (sets.some((set) => !set.some((p) => isWin(p, w.start)) || !set.some((p) => isWin(p, w.end)))) throw new SqlError(WINDOW_SETS, s.pos);
        const keyCanon = keys.map(canon);
        const members = sets.map((set) => new Set(set.map((p) => keyCanon.indexOf(canon(p))).filter((j) => j >= 0)));
        const x = expandSets(w.base.root, w.base.width, null, keys, members);
        base = { ...w.base, root: x.root };
        gkeys = x.keys;
        grouping = (e) => groupingCall(e, input, keyCanon, (args) => x.grouping(args, col(1 + keys.length, FT.INT)));
      }
      const nk = gkeys.length;
      return windowAggregate(
        ctx,
        s,
        base,
        w.plan,
        w.time,
        w.proctime,
        gkeys,
        (e) => {
          const g = grouping?.(e);
          if (g) return g;
          if (e.kind !== 'column') return undefined;
          let p: PExpr;
          try {
            p = expr(e, { rel: input });
          } catch {
            return undefined;
          }
          if (isWin(p, w.start)) return col(1 + nk, FT.TIMESTAMP3);
          if (isWin(p, w.end)) return col(2 + nk, FT.TIMESTAMP3);
          if (isWin(p, w.wtime)) return col(0, p.t);
          return undefined;
        },
        w.partition,
        input,
        keys,
      );
    }
    if (planned.some(({ p }) => isWin(p, w.start) || isWin(p, w.end)))
      throw new SqlError('a window aggregation groups by both window_start and window_end', s.pos);
    input = materialize(input);
  }
  // Legacy group windows: GROUP BY TUMBLE(ts, INTERVAL ...), ...
  const legacy = groupBy.filter((g) => g.kind === 'call' && LEGACY.has(g.name));
  if (legacy.length > 1) throw new SqlError('a query can group by one window only', legacy[1]!.pos);
  if (legacy.length === 1) {
    if (s.groupingSets) throw new SqlError(LEGACY_SETS, s.pos);
    const g = legacy[0] as Extract<Expr, { kind: 'call' }>;
    const t = g.args[0] ? expr(g.args[0], { rel: input }) : undefined;
    const tcol = t?.k === 'col' ? input.cols.find((c) => c.slot === t.i) : undefined;
    if (!t || !tcol?.time)
      throw new SqlError(`Window can only be defined on a time attribute column, but is type of ${t ? flinkType(t.t) : 'nothing'}`, g.args[0]?.pos ?? g.pos);
    let plan: WindowPlan;
    if (g.name === 'TUMBLE') {
      if (g.args.length < 2) throw new SqlError('TUMBLE(time_attr, INTERVAL ...) needs the window size', g.pos);
      plan = { kind: 'TUMBLE', sizeMs: constInterval(g.args[1]!, 'the TUMBLE size'), offsetMs: g.args[2] ? constInterval(g.args[2], 'the TUMBLE offset') : 0 };
    } else if (g.name === 'HOP') {
      if (g.args.length < 3) throw new SqlError('HOP(time_attr, slide, size) needs the slide and the size', g.pos);
      const slideMs = constInterval(g.args[1]!, 'the HOP slide');
      const sizeMs = constInterval(g.args[2]!, 'the HOP size');
      if (sizeMs % slideMs !== 0) throw new SqlError('HOP window size must be an integral multiple of the slide', g.pos);
      plan = { kind: 'HOP', sizeMs, slideMs, offsetMs: 0 };
    } else {
      if (g.args.length < 2) throw new SqlError('SESSION(time_attr, INTERVAL gap) needs the gap', g.pos);
      plan = { kind: 'SESSION', gapMs: constInterval(g.args[1]!, 'the SESSION gap') };
    }
    const keys = groupBy.filter((x) => x !== g).map((x) => expr(x, { rel: input }));
    const aux = new RegExp(`^${g.name}_(START|END|ROWTIME|PROCTIME)$`);
    return windowAggregate(
      ctx,
      s,
      input,
      plan,
      t,
      tcol.time === 'proctime',
      keys,
      (e) => {
        if (e.kind !== 'call') return undefined;
        const m = aux.exec(e.name);
        if (!m) {
          if (/^(TUMBLE|HOP|SESSION)_(START|END|ROWTIME|PROCTIME)$/.test(e.name))
            throw new SqlError(`${e.name} does not match the GROUP BY window ${g.name}(...)`, e.pos);
          return undefined;
        }
        if (m[1] === 'START') return col(1 + keys.length, FT.TIMESTAMP3);
        if (m[1] === 'END') return col(2 + keys.length, FT.TIMESTAMP3);
        if (m[1] === 'ROWTIME') {
          if (tcol.time !== 'rowtime') throw new SqlError(`${e.name} needs an event-time window`, e.pos);
          return col(0, tcol.type);
        }
        return col(0, FT.TIMESTAMP_LTZ3);
      },
      [],
      undefined,
    );
  }
  // Unbounded GROUP BY: a changelog.
  input = materialize(input);
  if (s.groupingSets) return planGroupingSets(ctx, s, input);
  const keys = groupBy.map((g) => expr(g, { rel: input }));
  const aggs: AggPlan[] = [];
  const nk = keys.length;
  const keyCanon = keys.map(canon);
  const hook = groupHook(
    input,
    keys,
    (k) => 1 + k,
    aggs,
    1 + nk,
    (e) =>
      groupingCall(e, input, keyCanon, (args) => {
        void args;
        return lit(0, FT.BIGINT);
      }),
  );
  const { exprs, names } = selectList(input, s.items, hook);
  const having = s.having ? bool(expr(s.having, { rel: input, hook }), s.having.pos, 'HAVING') : null;
  const root: OpPlan = { op: 'groupAgg', input: input.root, keys, aggs, having, project: exprs, inputKind: input.kind, ttlMs: ctx.stateTtlMs() };
  const cols: FCol[] = exprs.map((p, i) => ({ name: names[i]!, type: p.t, slot: i + 1, quals: [] }));
  const upsertKey = keys.map((_k, i) => exprs.findIndex((p) => p.k === 'col' && p.i === 1 + i) + 1);
  return {
    root,
    cols: dedupeNames(cols),
    width: exprs.length + 1,
    kind: exprs.length + 1,
    ...(upsertKey.every((k) => k > 0) && upsertKey.length > 0 ? { upsertKey } : {}),
    producer: `GroupAggregate(groupBy=[${groupBy.map((g) => (g.kind === 'column' ? g.parts.map((x) => x.name).join('.') : 'expr')).join(', ')}])`,
  };
}

/**
 * GROUPING(a, ...) / GROUPING_ID(a, ...): which of its arguments the row's grouping set leaves out, as bits
 * (the first argument the highest, 1 = not grouped). `value` builds it from the argument key indexes.
 */
function groupingCall(e: Expr, rel: Rel, keyCanon: string[], value: (args: number[]) => PExpr): PExpr | undefined {
  if (e.kind !== 'call' || (e.name !== 'GROUPING' && e.name !== 'GROUPING_ID') || e.over) return undefined;
  if (e.args.length === 0) throw new SqlError(`Invalid number of arguments to function '${e.name}'. Was expecting at least 1 arguments`, e.pos);
  const args = e.args.map((a) => {
    const j = keyCanon.indexOf(canon(expr(a, { rel })));
    if (j < 0) throw new SqlError(`Argument to ${e.name} operator must be a grouped expression`, a.pos);
    return j;
  });
  return value(args);
}

/**
 * GROUP BY GROUPING SETS / ROLLUP / CUBE, as Flink plans it: each row is expanded once per grouping set
 * (the keys outside the set nulled, the set's number appended), then one unbounded group aggregation groups
 * by all keys plus the set number, so equal key values of different sets stay apart. A changelog.
 */
function planGroupingSets(ctx: PlannerContext, s: Select, input: Rel): Rel {
  const sets = s.groupingSets!;
  const keys = (s.groupBy ?? []).map((g) => expr(g, { rel: input }));
  const keyCanon = keys.map(canon);
  const members = sets.map((set) => new Set(set.map((e) => keyCanon.indexOf(canon(expr(e, { rel: input }))))));
  const m = keys.length;
  const x = expandSets(input.root, input.width, input.kind, keys, members);
  const aggs: AggPlan[] = [];
  const hook = groupHook(
    input,
    keys,
    (k) => 1 + k,
    aggs,
    2 + m,
    (e) => groupingCall(e, input, keyCanon, (args) => x.grouping(args, col(1 + m, FT.INT))),
  );
  const { exprs, names } = selectList(input, s.items, hook);
  const having = s.having ? bool(expr(s.having, { rel: input, hook }), s.having.pos, 'HAVING') : null;
  const root: OpPlan = {
    op: 'groupAgg',
    input: x.root,
    keys: x.keys,
    aggs,
    having,
    project: exprs,
    inputKind: input.kind === null ? null : input.width + 1,
    ttlMs: ctx.stateTtlMs(),
  };
  const cols: FCol[] = exprs.map((p, i) => ({ name: names[i]!, type: p.t, slot: i + 1, quals: [] }));
  return {
    root,
    cols: dedupeNames(cols),
    width: exprs.length + 1,
    kind: exprs.length + 1,
    producer: `GroupAggregate(groupBy=[${keys.length} keys], groupingSets=${sets.length})`,
  };
}

/**
 * Flink's Expand for grouping sets: each row of `root` (`width` slots, the row kind at `kind`) once per set,
 * the set's number appended at slot `width` (the kind after it). `keys`: the grouping keys over the row, each
 * NULL where the row's set leaves it out, then the set number. `grouping`: GROUPING_ID of key indexes `args`
 * given the set number's slot in the aggregated row.
 */
function expandSets(
  root: OpPlan,
  width: number,
  kind: number | null,
  keys: PExpr[],
  members: Set<number>[],
): { root: OpPlan; keys: PExpr[]; grouping: (args: number[], id: PExpr) => PExpr } {
  const id = col(width, FT.INT);
  const expand: OpPlan = {
    op: 'unnest',
    input: root,
    arg: { k: 'call', fn: 'arrayOf', args: members.map((_set, i) => lit(i, FT.INT)), t: { name: 'ARRAY', element: FT.INT } },
    width,
    element: 'value',
    fields: 1,
    ordinality: false,
    outer: false,
    filter: null,
    kind,
  };
  const isSet = (slot: PExpr, i: number): PExpr => ({ k: 'call', fn: 'eq', args: [slot, lit(i, FT.INT)], t: FT.BOOLEAN });
  const gkeys: PExpr[] = keys.map((k, j) => {
    const absent: number[] = [];
    members.forEach((set, i) => {
      if (!set.has(j)) absent.push(i);
    });
    if (absent.length === 0) return k;
    return { k: 'case', whens: absent.map((i) => ({ when: isSet(id, i), then: lit(null, k.t) })), else: k, t: k.t };
  });
  gkeys.push(id);
  const grouping = (args: number[], idOut: PExpr): PExpr => ({
    k: 'case',
    whens: members.map((set, i) => {
      let bits = 0;
      for (const j of args) bits = bits * 2 + (set.has(j) ? 0 : 1);
      return { when: isSet(idOut, i), then: lit(bits, FT.BIGINT) };
    }),
    else: null,
    t: FT.BIGINT,
  });
  return { root: expand, keys: gkeys, grouping };
}

function dedupeNames(cols: FCol[]): FCol[] {
  const seen = new Map<string, number>();
  return cols.map((c) => {
    const n = seen.get(c.name) ?? 0;
    seen.set(c.name, n + 1);
    return n > 0 ? { ...c, name: `${c.name}${n - 1}` } : c;
  });
}

/** post = [windowEnd - 1, ...keys, windowStart, windowEnd, ...aggs]. */
function windowAggregate(
  ctx: PlannerContext,
  s: Select,
  base: Rel,
  plan: WindowPlan,
  time: PExpr,
  proctime: boolean,
  keys: PExpr[],
  special: (e: Expr) => PExpr | undefined,
  partition: PExpr[],
  windowed: Rel | undefined,
  /** The keys SELECT items are matched against (the grouping expressions before GROUPING SETS wrapped them). */
  matchKeys: PExpr[] = keys,
): Rel {
  void ctx;
  if (base.kind !== null) throw new SqlError(`a window aggregation needs an append-only input, but ${base.producer ?? 'its input'} produces updates`, s.pos);
  const nk = keys.length;
  const aggs: AggPlan[] = [];
  const scope = windowed ?? base;
  // Keys and aggregates plan over the base row (the windowed relation's base slots are the same).
  const hook = groupHook(base, matchKeys, (k) => 1 + k, aggs, 3 + nk, special);
  const { exprs, names } = selectList(scope, s.items, hook);
  const having = s.having ? bool(expr(s.having, { rel: scope, hook }), s.having.pos, 'HAVING') : null;
  if (plan.kind === 'SESSION' && partition.length > 0) {
    const pc = partition.map(canon);
    const kc = matchKeys.map(canon);
    if (!pc.every((p) => kc.includes(p))) throw new SqlError('a SESSION window aggregation groups by the columns of its PARTITION BY', s.pos);
  }
  const root: OpPlan = { op: 'windowAgg', input: base.root, window: plan, time, proctime, keys, aggs, having, project: exprs };
  const cols: FCol[] = exprs.map((p, i) => {
    const c: FCol = { name: names[i]!, type: p.t, slot: i + 1, quals: [] };
    if (p.k === 'col' && p.i === 0) c.time = proctime ? 'proctime' : 'rowtime';
    return c;
  });
  const start = exprs.findIndex((p) => p.k === 'col' && p.i === 1 + nk);
  const end = exprs.findIndex((p) => p.k === 'col' && p.i === 2 + nk);
  return {
    root,
    cols: dedupeNames(cols),
    width: exprs.length + 1,
    kind: null,
    ...(start >= 0 && end >= 0 ? { windowCols: { start: start + 1, end: end + 1 } } : {}),
  };
}

// ---- OVER ----

function specOf(s: Select, w: WindowSpec): WindowSpec {
  if (!w.ref) return w;
  const named = s.windows.find((x) => x.name.name === w.ref!.name);
  if (!named) throw new SqlError(`Window '${w.ref.name}' not found`, w.ref.pos);
  return {
    ...named.spec,
    partitionBy: w.partitionBy.length > 0 ? w.partitionBy : named.spec.partitionBy,
    orderBy: w.orderBy.length > 0 ? w.orderBy : named.spec.orderBy,
  };
}

function planOver(ctx: PlannerContext, s: Select, input: Rel): Rel {
  void ctx;
  if (input.kind !== null) throw new SqlError('OVER aggregations need an append-only input', s.pos);
  let spec: WindowSpec | undefined;
  let specKey = '';
  const aggs: AggPlan[] = [];
  const w = input.width;
  let partition: PExpr[] = [];
  let time: PExpr | undefined;
  let proctime = false;
  let rangeMs: number | null = null;
  let rows: number | null = null;
  const hook: Hook = (e) => {
    if (e.kind !== 'call' || !e.over) return undefined;
    const sp = specOf(s, e.over);
    const key = JSON.stringify([sp.partitionBy, sp.orderBy, sp.frame], (k, v: unknown) => (k === 'pos' ? undefined : v));
    if (spec === undefined) {
      spec = sp;
      specKey = key;
      partition = sp.partitionBy.map((p) => expr(p, { rel: input }));
      if (sp.orderBy.length !== 1) throw new SqlError('OVER windows are ordered by exactly one time attribute: ORDER BY rowtime', sp.pos);
      const o = sp.orderBy[0]!;
      const t = expr(o.expr, { rel: input });
      time = t;
      const tc = t.k === 'col' ? input.cols.find((c) => c.slot === t.i) : undefined;
      if (!tc?.time || o.desc) throw new SqlError("OVER windows' ordering in stream mode must be defined on a time attribute, in ascending order", o.pos);
      proctime = tc.time === 'proctime';
      const f = sp.frame;
      if (f) {
        if (f.following !== 'CURRENT') throw new SqlError('OVER RANGE FOLLOWING windows are not supported yet.', sp.pos);
        if (f.preceding === 'CURRENT') {
          if (f.unit === 'ROWS') rows = 0;
          else rangeMs = 0;
        } else if (f.preceding !== 'UNBOUNDED') {
          if (f.unit === 'RANGE') rangeMs = constInterval(f.preceding, 'RANGE ... PRECEDING');
          else {
            const n = f.preceding;
            if (n.kind !== 'literal' || typeof n.value !== 'number' || !Number.isInteger(n.value) || n.value < 0)
              throw new SqlError('ROWS ... PRECEDING needs a non-negative integer', n.pos);
            rows = n.value;
          }
        }
      }
    } else if (key !== specKey) throw new SqlError('Over Agg: Unsupported use of OVER windows. All aggregates must be computed on the same window.', e.pos);
    if (!AGGREGATES.has(e.name)) {
      if (isRankCall(e))
        throw new SqlError(`${e.name}() is only supported in Top-N and deduplication queries: filter it in the enclosing query (WHERE rn <= N)`, e.pos);
      throw new SqlError(`${e.name} is not supported in OVER windows; use COUNT, SUM, AVG, MIN, MAX, FIRST_VALUE or LAST_VALUE`, e.pos);
    }
    const a = aggPlan({ ...e, over: undefined }, input);
    aggs.push(a);
    return col(w + aggs.length - 1, a.t);
  };
  const { exprs, names, srcCols } = selectList(input, s.items, hook);
  const { cols } = outputCols(input, exprs, names, srcCols);
  const root: OpPlan = { op: 'overAgg', input: input.root, time: time!, proctime, partition, rangeMs, rows, aggs, inputWidth: w, project: exprs };
  return { root, cols, width: exprs.length + 1, kind: null };
}

// ---- Top-N and deduplication ----

function pendingRank(ctx: PlannerContext, s: Select, input: Rel): Rel {
  void ctx;
  const items = s.items;
  let rnCol = -1;
  let partition: PExpr[] = [];
  let order: { expr: PExpr; desc: boolean }[] = [];
  let pos: Pos = s.pos;
  const exprs: PExpr[] = [];
  const names: string[] = [];
  const srcCols: (FCol | undefined)[] = [];
  items.forEach((it, index) => {
    if (it.kind === 'expr' && isRankCall(it.expr)) {
      const e = it.expr as Extract<Expr, { kind: 'call' }>;
      if (e.name !== 'ROW_NUMBER') throw new SqlError(`${e.name}() is not supported by Freshet's Top-N yet; use ROW_NUMBER()`, e.pos);
      if (rnCol >= 0) throw new SqlError('one ROW_NUMBER() per query', e.pos);
      const sp = specOf(s, e.over!);
      if (sp.orderBy.length === 0) throw new SqlError('ROW_NUMBER() needs ORDER BY in its window', sp.pos);
      partition = sp.partitionBy.map((p) => expr(p, { rel: input }));
      order = sp.orderBy.map((o: OrderItem) => ({ expr: expr(o.expr, { rel: input }), desc: o.desc }));
      pos = e.pos;
      rnCol = exprs.length;
      exprs.push(col(input.width, FT.BIGINT));
      names.push(itemName(it, index));
      srcCols.push(undefined);
      return;
    }
    const part = selectList(input, [it], undefined);
    exprs.push(...part.exprs);
    names.push(...(it.kind === 'expr' && !it.alias && it.expr.kind !== 'column' ? [`EXPR$${index}`] : part.names));
    srcCols.push(...part.srcCols);
  });
  const { cols } = outputCols(input, exprs, names, srcCols);
  return {
    root: input.root,
    cols,
    width: exprs.length + 1,
    kind: input.kind,
    pendingRank: { base: input, partition, order, project: exprs, rnCol, pos },
  };
}

/** The N of `rn <= N`, `rn < N`, `rn = 1`, `rn BETWEEN 1 AND N` on slot `rn`. */
function rankLimit(p: PExpr, rn: number): number | undefined {
  if (p.k !== 'call') return undefined;
  const [a, b] = p.args as [PExpr, PExpr];
  const isRn = (x: PExpr): boolean => x.k === 'col' && x.i === rn;
  const num = (x: PExpr): number | undefined => (x.k === 'lit' && typeof x.v === 'number' ? x.v : undefined);
  if (isRn(a) && num(b) !== undefined) {
    const n = num(b)!;
    if (p.fn === 'le') return n;
    if (p.fn === 'lt') return n - 1;
    if (p.fn === 'eq' && n === 1) return 1;
  }
  if (isRn(b) && num(a) !== undefined) {
    const n = num(a)!;
    if (p.fn === 'ge') return n;
    if (p.fn === 'gt') return n - 1;
    if (p.fn === 'eq' && n === 1) return 1;
  }
  return undefined;
}

/**
 * Completes a pending ROW_NUMBER() relation with the enclosing WHERE into a rank operator (or refuses it when
 * `refuse`). Returns the relation (false when there was nothing to do).
 */
function completeRank(ctx: PlannerContext, rel: Rel, where: Expr | undefined, pos: Pos, refuse: boolean, usesRank = true): Rel | false {
  const pr = rel.pendingRank;
  if (!pr) return false;
  const conds = where ? conjuncts(bool(expr(where, { rel: { ...rel, pendingRank: undefined } }), where.pos, 'WHERE')) : [];
  let limit: number | undefined;
  const rest: PExpr[] = [];
  for (const c of conds) {
    const n = rankLimit(c, pr.rnCol + 1);
    if (n !== undefined && limit === undefined) limit = n;
    else rest.push(c);
  }
  if (limit === undefined || refuse) {
    throw new SqlError(
      'ROW_NUMBER() OVER (...) is supported for Top-N and deduplication: filter it in the enclosing query with WHERE rn <= N (or rn = 1)',
      pr.pos,
    );
  }
  if (limit < 1) throw new SqlError('a Top-N needs rn <= N with N >= 1', where?.pos ?? pos);
  const base = pr.base;
  const first = pr.order[0]!;
  const timeCol = first.expr.k === 'col' ? base.cols.find((c) => c.slot === (first.expr as { i: number }).i) : undefined;
  let dedup: 'first' | 'last' | null = null;
  if (limit === 1 && pr.order.length === 1 && timeCol?.time) dedup = first.desc ? 'last' : 'first';
  const pc = pr.partition.map(canon);
  const windowed =
    base.windowCols && pc.includes(canon(col(base.windowCols.start, FT.TIMESTAMP3))) && pc.includes(canon(col(base.windowCols.end, FT.TIMESTAMP3)));
  const changelog = !windowed && !(dedup === 'first' && timeCol?.time === 'proctime' && base.kind === null);
  const outputRank = usesRank && dedup === null;
  const root: OpPlan = {
    op: 'rank',
    input: base.root,
    partition: pr.partition,
    order: pr.order,
    limit,
    outputRank,
    width: base.width,
    inputKind: base.kind,
    dedup,
    windowEnd: windowed ? base.windowCols!.end : null,
    changelog,
    time: dedup && timeCol ? first.expr : null,
    proctime: timeCol?.time === 'proctime',
  };
  // The SELECT list over the rank's rows: the row number is the slot after the input's columns (1 when deduplicating).
  const rnSlot = base.width;
  const list = pr.project.map((p) => (p.k === 'col' && p.i === rnSlot ? (outputRank ? p : dedup ? lit(1, FT.BIGINT) : lit(null, FT.BIGINT)) : p));
  const kindSlot = changelog ? rnSlot + (outputRank ? 1 : 0) : null;
  const rankWidth = rnSlot + (outputRank ? 1 : 0);
  void rankWidth;
  let out: Rel = {
    root: { op: 'filterProject', input: root, filter: null, project: kindSlot === null ? list : [...list, col(kindSlot, KIND_T)] },
    cols: rel.cols,
    width: rel.width,
    kind: kindSlot === null ? null : rel.width,
    ...(rel.windowCols ? { windowCols: rel.windowCols } : {}),
    producer: dedup
      ? `Deduplicate(keep=[${dedup === 'first' ? 'FirstRow' : 'LastRow'}])`
      : `Rank(rankType=[ROW_NUMBER], rankRange=[rankStart=1, rankEnd=${limit}])`,
  };
  if (!windowed && !dedup) {
    // Rank output keeps the time columns as plain values.
    out = { ...out, cols: out.cols.map((c) => (c.time && changelog ? (({ time: _t, ...x }) => x)(c) : c)) };
  }
  const filter = andAll(rest);
  if (filter) out = { ...out, root: { op: 'filterProject', input: out.root, filter, project: null } };
  void ctx;
  return out;
}

// ---- ORDER BY / LIMIT ----

function planOrder(ctx: PlannerContext, rel: Rel, orderBy: OrderItem[], limit: number | undefined, pos: Pos): Rel {
  completeRank(ctx, rel, undefined, pos, true);
  rel = materialize(rel);
  const keys = orderBy.map((o) => ({ expr: expr(o.expr, { rel }), desc: o.desc }));
  const first = keys[0]!;
  const tc = first.expr.k === 'col' ? rel.cols.find((c) => c.slot === (first.expr as { i: number }).i) : undefined;
  if (tc?.time && !first.desc && rel.kind === null) {
    let root: OpPlan = { op: 'timeSort', input: rel.root, time: first.expr, proctime: tc.time === 'proctime', keys: keys.slice(1) };
    if (limit !== undefined) root = { op: 'limit', input: root, n: limit };
    return { ...rel, root };
  }
  if (limit === undefined) throw new SqlError('Sort on a non-time-attribute field is not supported.', orderBy[0]!.pos);
  // ORDER BY ... LIMIT n: a global Top-N (a changelog).
  const w = rel.width;
  const root: OpPlan = {
    op: 'rank',
    input: rel.root,
    partition: [],
    order: keys,
    limit,
    outputRank: false,
    width: w,
    inputKind: rel.kind,
    dedup: null,
    windowEnd: null,
    changelog: true,
    time: null,
    proctime: false,
  };
  return {
    root,
    cols: rel.cols.map((c) => (c.time ? (({ time: _t, ...x }) => x)(c) : c)),
    width: w,
    kind: w,
    producer: `SortLimit(orderBy=[...], fetch=[${limit}])`,
  };
}

export { finish };
