/**
 * Subqueries in WHERE, as Flink plans them: `EXISTS (SELECT …)` (correlated or not) becomes a semi join,
 * `NOT EXISTS` an anti join, `x IN (SELECT y …)` a semi join on x = y and `x NOT IN (SELECT y …)` a
 * null-aware anti join. A correlated subquery's WHERE is split: conditions on its own columns filter its
 * rows, equalities between an outer and an inner expression become the join keys, the rest is checked per
 * pair. Inside the subquery its own columns hide the outer query's columns of the same name. Scalar
 * subqueries (planScalarSubquery) are decorrelated into a GROUP BY on the correlation keys and a LEFT join;
 * the SELECT list's EXISTS / IN and a correlated NOT IN are built from such counts (select.ts).
 */
import { SqlError } from '../../errors.ts';
import type { OpPlan, PExpr } from '../../plan/plan.ts';
import type { SqlType } from '../../plan/types.ts';
import type { Expr, Pos, Query, Select, SelectItem } from '../ast.ts';
import type { PlannerContext } from './context.ts';
import type { Hook } from './expressions.ts';
import { bool, cast, containsAgg, containsOver, expr } from './expressions.ts';
import { andAll, conjuncts, materialize, planFrom } from './from.ts';
import type { FCol, Rel } from './relation.ts';
import { lit, resolveColumn, shiftSlots, slotsOf } from './relation.ts';
import { commonType, FT, flinkType } from './types.ts';

/** A WHERE conjunct that is a subquery condition. */
export interface SubqueryCond {
  query: Query;
  anti: boolean;
  /** IN: the outer expression compared with the subquery's one column. */
  arg?: Expr;
  pos: Pos;
}

/** A condition's top-level AND terms, in order. */
export function andTerms(e: Expr, out: Expr[] = []): Expr[] {
  if (e.kind === 'binary' && e.op === 'AND') {
    andTerms(e.left, out);
    andTerms(e.right, out);
  } else out.push(e);
  return out;
}

/** Splits WHERE into its subquery conditions (top-level AND terms) and the rest. */
export function splitSubqueries(where: Expr): { rest: Expr | undefined; subs: SubqueryCond[] } {
  const terms = andTerms(where);
  const subs: SubqueryCond[] = [];
  const rest: Expr[] = [];
  for (const t of terms) {
    const neg = t.kind === 'unary' && t.op === 'NOT';
    const x = neg ? t.arg : t;
    if (x.kind === 'exists') subs.push({ query: x.query, anti: neg, pos: t.pos });
    else if (x.kind === 'inQuery') subs.push({ query: x.query, anti: neg !== x.not, arg: x.arg, pos: t.pos });
    else rest.push(t);
  }
  if (subs.length === 0) return { rest: where, subs };
  const joined = rest.reduce<Expr | undefined>((a, b) => (a ? { kind: 'binary', op: 'AND', left: a, right: b, pos: b.pos } : b), undefined);
  return { rest: joined, subs };
}

function noTime(c: FCol): FCol {
  const { time: _t, ...rest } = c;
  return rest;
}

/**
 * `left` filtered by one subquery condition: a semiJoin operator over left and the subquery's rows. Undefined
 * for NOT IN over a correlated subquery, which the null-aware anti join does not take (the caller counts rows).
 */
export function planSemiJoin(ctx: PlannerContext, leftIn: Rel, sq: SubqueryCond): Rel | undefined {
  const left = materialize(leftIn);
  const q = sq.query;
  const body = q.body;
  const simple =
    body.kind === 'select' &&
    !body.groupBy &&
    !body.having &&
    body.from.length > 0 &&
    q.orderBy === undefined &&
    q.limit === undefined &&
    !body.items.some((it) => it.kind === 'expr' && (containsAgg(it.expr) || containsOver(it.expr)));
  // A simple SELECT may be correlated: its FROM is planned alone, its WHERE over both scopes below.
  const right = materialize(simple ? planFrom(ctx, body.from, undefined).rel : ctx.planQuery(q));
  const lw = left.width;
  const inner: Rel = { root: right.root, cols: right.cols.map((c) => noTime({ ...c, slot: c.slot + lw })), width: lw + right.width, kind: null };
  const scope: Rel = { root: left.root, cols: [...left.cols, ...inner.cols], width: lw + right.width, kind: null };
  // The subquery's own columns first, then the outer query's.
  const hook: Hook = (e) => {
    if (e.kind !== 'column') return undefined;
    for (const r of [inner, left]) {
      let found: ReturnType<typeof resolveColumn> | undefined;
      try {
        found = resolveColumn(e, r);
      } catch {
        continue;
      }
      return found.fields.length === 0 ? { k: 'col', i: found.col.slot, t: found.col.type } : undefined;
    }
    return undefined;
  };
  const leftKeys: PExpr[] = [];
  const rightKeys: PExpr[] = [];
  const rightFilter: PExpr[] = [];
  const residual: PExpr[] = [];
  const isRight = (p: PExpr): boolean => {
    const s = slotsOf(p);
    return s.length > 0 && s.every((i) => i >= lw);
  };
  const isLeft = (p: PExpr): boolean => {
    const s = slotsOf(p);
    return s.length > 0 && s.every((i) => i < lw);
  };
  if (sq.arg) {
    let value: PExpr;
    if (simple) {
      const items = body.kind === 'select' ? body.items : [];
      const only = items[0];
      if (items.length !== 1 || !only || only.kind !== 'expr') throw new SqlError('The subquery of IN must select exactly one column', q.pos);
      value = expr(only.expr, { rel: scope, hook });
      if (!isRight(value)) throw new SqlError('The column the IN subquery selects must come from its own FROM', only.pos);
    } else {
      if (right.cols.length !== 1) throw new SqlError('The subquery of IN must select exactly one column', q.pos);
      const c = inner.cols[0]!;
      value = { k: 'col', i: c.slot, t: c.type };
    }
    const a = expr(sq.arg, { rel: left });
    if (!commonType(a.t, value.t)) throw new SqlError(`Cannot apply 'IN' to arguments of type '<${flinkType(a.t)}> IN <${flinkType(value.t)}>'`, sq.arg.pos);
    leftKeys.push(a);
    rightKeys.push(shiftSlots(value, -lw));
  }
  if (simple && body.kind === 'select' && body.where) {
    for (const p of conjuncts(bool(expr(body.where, { rel: scope, hook }), body.where.pos, 'WHERE'))) {
      if (isRight(p)) {
        rightFilter.push(shiftSlots(p, -lw));
        continue;
      }
      if (p.k === 'call' && p.fn === 'eq') {
        const [a, b] = p.args as [PExpr, PExpr];
        if (isLeft(a) && isRight(b)) {
          leftKeys.push(a);
          rightKeys.push(shiftSlots(b, -lw));
          continue;
        }
        if (isRight(a) && isLeft(b)) {
          leftKeys.push(b);
          rightKeys.push(shiftSlots(a, -lw));
          continue;
        }
      }
      residual.push(p);
    }
  }
  const nullAware = sq.anti && sq.arg !== undefined;
  if (nullAware && (leftKeys.length > 1 || residual.length > 0)) return undefined;
  const filter = andAll(rightFilter);
  const rightRoot: OpPlan = filter ? { op: 'filterProject', input: right.root, filter, project: null } : right.root;
  const changelog = sq.anti || left.kind !== null || right.kind !== null;
  const root: OpPlan = {
    op: 'semiJoin',
    left: left.root,
    right: rightRoot,
    anti: sq.anti,
    nullAware,
    leftKeys,
    rightKeys,
    on: andAll(residual),
    leftWidth: lw,
    rightWidth: right.width,
    leftKind: left.kind,
    rightKind: right.kind,
    changelog,
    ttlMs: ctx.stateTtlMs(),
  };
  return {
    root,
    cols: left.cols.map(noTime),
    width: lw,
    kind: changelog ? lw : null,
    ...(changelog ? { producer: `Join(joinType=[${sq.anti ? 'LeftAntiJoin' : 'LeftSemiJoin'}])` } : {}),
  };
}

/**
 * INTERSECT / EXCEPT: the left's distinct rows semi (anti) joined with the right's rows on every column.
 * Set operations treat NULLs as equal, so the key is always the joined text form (a constant second key
 * makes a one-column key use it too).
 */
export function planSetSemiJoin(ctx: PlannerContext, left: Rel, right: Rel, anti: boolean): Rel {
  const mark: PExpr = { k: 'lit', v: 0, t: { name: 'INTEGER' } };
  const leftKeys: PExpr[] = [...left.cols.map((c): PExpr => ({ k: 'col', i: c.slot, t: c.type })), mark];
  const rightKeys: PExpr[] = [...right.cols.map((c): PExpr => ({ k: 'col', i: c.slot, t: c.type })), mark];
  const root: OpPlan = {
    op: 'semiJoin',
    left: left.root,
    right: right.root,
    anti,
    nullAware: false,
    leftKeys,
    rightKeys,
    on: null,
    leftWidth: left.width,
    rightWidth: right.width,
    leftKind: left.kind,
    rightKind: right.kind,
    changelog: true,
    ttlMs: ctx.stateTtlMs(),
  };
  return {
    root,
    cols: left.cols.map(noTime),
    width: left.width,
    kind: left.width,
    producer: `Join(joinType=[${anti ? 'LeftAntiJoin' : 'LeftSemiJoin'}])`,
  };
}

/**
 * A scalar subquery `(SELECT e FROM ... WHERE ...)` in the SELECT list or WHERE of `outer`, decorrelated as
 * Calcite does: the WHERE conjuncts that compare an outer expression with an inner one become GROUP BY keys
 * of an aggregate over the inner rows (filtered by the conjuncts on their own columns), and `outer` is LEFT
 * JOINed with it on those keys. `e` with an aggregate is the aggregate's value (with no inner row for a key,
 * what `e` is over no rows: COUNT 0, other aggregates NULL); `e` without one is SINGLE_VALUE: NULL with no
 * row, the value with one, a row error in Flink's words with more. The value is the last column of the result.
 * Returns undefined for a query this does not take (not a plain SELECT ... FROM, or uncorrelated with an
 * aggregate: the caller's keyless join keeps its one row).
 */
export function planScalarSubquery(ctx: PlannerContext, outerIn: Rel, q: Query, name: string): Rel | undefined {
  const body = q.body;
  if (
    body.kind !== 'select' ||
    q.with.length > 0 ||
    body.from.length === 0 ||
    body.groupBy ||
    body.having ||
    body.distinct ||
    q.orderBy !== undefined ||
    q.limit !== undefined ||
    body.items.length !== 1
  )
    return undefined;
  const item = body.items[0]!;
  if (item.kind !== 'expr' || containsOver(item.expr)) return undefined;
  const aggregated = containsAgg(item.expr);
  const outer = materialize(outerIn);
  const inner = materialize(planFrom(ctx, body.from, undefined).rel);
  const plansOver = (e: Expr, rel: Rel): PExpr | undefined => {
    try {
      return expr(e, { rel });
    } catch (err) {
      if (err instanceof SqlError) return undefined;
      throw err;
    }
  };
  const own: Expr[] = [];
  const innerKeys: Expr[] = [];
  const outerKeys: PExpr[] = [];
  const terms = body.where ? andTerms(body.where) : [];
  for (const t of terms) {
    if (plansOver(t, inner)) {
      own.push(t);
      continue;
    }
    if (t.kind === 'binary' && t.op === '=') {
      const li = plansOver(t.left, inner);
      const ri = plansOver(t.right, inner);
      const lo = li ? undefined : plansOver(t.left, outer);
      const ro = ri ? undefined : plansOver(t.right, outer);
      if (li && ro) {
        innerKeys.push(t.left);
        outerKeys.push(ro);
        continue;
      }
      if (ri && lo) {
        innerKeys.push(t.right);
        outerKeys.push(lo);
        continue;
      }
    }
    // Either a condition mixing both sides in another way, or one naming a column of neither side.
    const both: Rel = { ...outer, cols: [...inner.cols, ...outer.cols] };
    if (plansOver(t, both) === undefined) expr(t, { rel: both });
    throw new SqlError(
      'a correlated scalar subquery may compare its own columns with the outer query only by equality (inner = outer) joined with AND; move other conditions out of the subquery',
      t.pos,
    );
  }
  if (q.correlate) {
    innerKeys.push(q.correlate.inner);
    outerKeys.push(expr(q.correlate.outer, { rel: outer }));
  }
  if (innerKeys.length === 0 && aggregated) return undefined;
  const at = item.pos;
  const countStar: Expr = { kind: 'call', name: 'COUNT', args: [], star: true, distinct: false, pos: at };
  const value: Expr = aggregated ? item.expr : { kind: 'call', name: 'MIN', args: [item.expr], star: false, distinct: false, pos: at };
  const where = own.reduce<Expr | undefined>((a, b) => (a ? { kind: 'binary', op: 'AND', left: a, right: b, pos: b.pos } : b), undefined);
  const agg: Select = {
    kind: 'select',
    distinct: false,
    items: [
      ...innerKeys.map((k, i): SelectItem => ({ kind: 'expr', expr: k, alias: { name: `$key${i}`, pos: at }, pos: at })),
      { kind: 'expr', expr: value, alias: { name: '$value', pos: at }, pos: at },
      { kind: 'expr', expr: countStar, alias: { name: '$rows', pos: at }, pos: at },
    ],
    from: body.from,
    ...(where ? { where } : {}),
    groupBy: innerKeys,
    windows: [],
    pos: body.pos,
  };
  const sub = ctx.planQuery({ kind: 'query', with: [], body: agg, pos: q.pos });
  const nk = innerKeys.length;
  const valueCol = sub.cols[nk]!;
  const rowsCol = sub.cols[nk + 1]!;
  // What the aggregate expression is over no rows (the LEFT JOIN finds no group): COUNT 0, the rest NULL.
  let empty: PExpr | null = null;
  if (aggregated && sub.root.op === 'groupAgg') {
    const g = sub.root;
    const projected = g.project[nk];
    if (projected)
      empty = remapToConstants(projected, (i) => {
        const a = g.aggs[i - 1 - g.keys.length];
        return a?.fn === 'COUNT' ? lit(0, a.t) : lit(null, a?.t ?? projected.t);
      });
  }
  const lw = outer.width;
  const leftKeys: PExpr[] = [];
  const rightKeys: PExpr[] = [];
  outerKeys.forEach((o, i) => {
    const c = sub.cols[i]!;
    let r: PExpr = { k: 'col', i: c.slot, t: c.type };
    let l = o;
    if (!commonType(l.t, r.t)) throw new SqlError(`Cannot apply '=' to arguments of type '<${flinkType(r.t)}> = <${flinkType(l.t)}>'`, innerKeys[i]!.pos);
    if (l.t.name !== r.t.name) {
      const t = commonType(l.t, r.t)!;
      l = cast(l, t, false, at);
      r = cast(r, t, false, at);
    }
    leftKeys.push(l);
    rightKeys.push(r);
  });
  const join: OpPlan = {
    op: 'regularJoin',
    left: outer.root,
    right: sub.root,
    joinType: 'LEFT',
    leftKeys,
    rightKeys,
    on: null,
    leftWidth: lw,
    rightWidth: sub.width,
    leftKind: outer.kind,
    rightKind: sub.kind,
    changelog: true,
    ttlMs: ctx.stateTtlMs(),
  };
  const width = lw + sub.width;
  const v: PExpr = { k: 'col', i: lw + valueCol.slot, t: valueCol.type };
  const rows: PExpr = { k: 'col', i: lw + rowsCol.slot, t: rowsCol.type };
  const final: PExpr = aggregated
    ? empty && !(empty.k === 'lit' && empty.v === null)
      ? { k: 'case', whens: [{ when: { k: 'call', fn: 'isNull', args: [rows], t: FT.BOOLEAN }, then: empty }], else: v, t: v.t }
      : v
    : { k: 'call', fn: 'singleValue', args: [rows, v], t: v.t };
  const project: PExpr[] = [];
  const types = new Map<number, SqlType>();
  for (const c of outer.cols) types.set(c.slot, c.type);
  for (const c of sub.cols) types.set(lw + c.slot, c.type);
  for (let i = 1; i < width; i++) project.push({ k: 'col', i, t: types.get(i) ?? FT.ANY });
  project.push(final, { k: 'col', i: width, t: { name: 'TINYINT' } });
  return {
    root: { op: 'filterProject', input: join, filter: null, project },
    cols: [...outer.cols.map(noTime), { name, type: final.t, slot: width, quals: [] }],
    width: width + 1,
    kind: width + 1,
    producer: 'Join(joinType=[LeftOuterJoin]) (a scalar subquery)',
  };
}

/** `p` with each column reference replaced by `f(slot)` (an aggregate's value over no rows). */
function remapToConstants(p: PExpr, f: (slot: number) => PExpr): PExpr {
  switch (p.k) {
    case 'col':
      return f(p.i);
    case 'lit':
      return p;
    case 'call':
      return { ...p, args: p.args.map((a) => remapToConstants(a, f)) };
    case 'case':
      return {
        ...p,
        whens: p.whens.map((w) => ({ when: remapToConstants(w.when, f), then: remapToConstants(w.then, f) })),
        else: p.else ? remapToConstants(p.else, f) : null,
      };
  }
}
