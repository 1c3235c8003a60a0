/**
 * Subqueries in WHERE, as Flink plans them: `EXISTS (SELECT …)` (correlated or not) becomes a semi join,
 * `NOT EXISTS` an anti join, `x IN (SELECT y …)` a semi join on x = y and `x NOT IN (SELECT y …)` a
 * null-aware anti join. A correlated subquery's WHERE is split: conditions on its own columns filter its
 * rows, equalities between an outer and an inner expression become the join keys, the rest is checked per
 * pair. Inside the subquery its own columns hide the outer query's columns of the same name.
 */
import { SqlError } from '../../errors.ts';
import type { OpPlan, PExpr } from '../../plan/plan.ts';
import type { Expr, Pos, Query } from '../ast.ts';
import type { PlannerContext } from './context.ts';
import type { Hook } from './expressions.ts';
import { bool, containsAgg, containsOver, expr } from './expressions.ts';
import { andAll, conjuncts, materialize, planFrom } from './from.ts';
import type { FCol, Rel } from './relation.ts';
import { resolveColumn, shiftSlots, slotsOf } from './relation.ts';
import { commonType, flinkType } from './types.ts';

/** A WHERE conjunct that is a subquery condition. */
export interface SubqueryCond {
  query: Query;
  anti: boolean;
  /** IN: the outer expression compared with the subquery's one column. */
  arg?: Expr;
  pos: Pos;
}

/** Splits WHERE into its subquery conditions (top-level AND terms) and the rest. */
export function splitSubqueries(where: Expr): { rest: Expr | undefined; subs: SubqueryCond[] } {
  const terms: Expr[] = [];
  const flatten = (e: Expr): void => {
    if (e.kind === 'binary' && e.op === 'AND') {
      flatten(e.left);
      flatten(e.right);
    } else terms.push(e);
  };
  flatten(where);
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

/** `left` filtered by one subquery condition: a semiJoin operator over left and the subquery's rows. */
export function planSemiJoin(ctx: PlannerContext, leftIn: Rel, sq: SubqueryCond): Rel {
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
  if (nullAware && (leftKeys.length > 1 || residual.length > 0))
    throw new SqlError('NOT IN with a correlated subquery is not supported by Freshet; write NOT EXISTS (SELECT ... WHERE ...) instead', sq.pos);
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
