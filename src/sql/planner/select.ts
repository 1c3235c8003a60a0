/**
 * SELECT: picks the operator for the query's shape — UNION ALL, GROUP BY
 * windows (tumbling, STAGGER, MONOTONIC keys), OVER sliding windows, or a
 * filter/projection with optional DISTINCT — and wraps ORDER BY around it.
 */
import { SqlError } from '../errors.ts';
import type { Select } from '../parser/ast.ts';
import type { OpPlan, PExpr } from '../plan/plan.ts';
import { typeToString } from '../plan/types.ts';
import type { PlanContext, SelectPlan } from './binder.ts';
import { columnsScope } from './binder.ts';
import { bool, containsAgg, containsOver, expr, projectItems } from './expressions.ts';
import { planFrom } from './from.ts';
import { compatible, isDeclaredMonotonic, monotonic, rowtimeCols, slotsOf } from './pexpr.ts';
import { orderKeys, planGrouped, planSliding, wrapOrder } from './windows.ts';

/** One SELECT (or UNION ALL of SELECTs) → its operator tree and output columns. */
export function select(ctx: PlanContext, q: Select): SelectPlan {
  if (q.unionAll) {
    const branches: Select[] = [];
    for (let b: Select | undefined = q; b; b = b.unionAll) branches.push({ ...b, unionAll: undefined });
    // An ORDER BY after the last branch belongs to the whole UNION ALL (SQL; KDA's ORDER BY reference
    // sorts `... UNION ALL ... ORDER BY ROWTIME, MOD(x, 5)`): it sorts the merged rows by their columns.
    const lastBranch = branches[branches.length - 1]!;
    const orderBy = lastBranch.orderBy;
    if (orderBy) branches[branches.length - 1] = { ...lastBranch, orderBy: undefined };
    const planned = branches.map((b) => select(ctx, b));
    const first = planned[0]!;
    planned.slice(1).forEach((p, n) => {
      const at = branches[n + 1]!.pos;
      if (p.columns.length !== first.columns.length)
        throw new SqlError(`each UNION ALL branch must return ${first.columns.length} column(s); this one returns ${p.columns.length}`, at);
      p.columns.forEach((c, i) => {
        if (!compatible(c.type, first.columns[i]!.type))
          throw new SqlError(`column ${i + 1} is ${typeToString(c.type)} here but ${typeToString(first.columns[i]!.type)} in the first UNION ALL branch`, at);
      });
    });
    let root: OpPlan = { op: 'union', inputs: planned.map((p) => p.root) };
    if (orderBy) {
      const cols = first.columns;
      const scope = columnsScope(cols, null);
      const exprs: PExpr[] = cols.map((c, i) => ({ k: 'col', i: i + 1, t: c.type }));
      const order = orderKeys({ ...q, items: [], orderBy }, scope, undefined, exprs, cols);
      if (order.extra.length > 0) root = { op: 'filterProject', input: root, filter: null, project: [...exprs, ...order.extra] };
      root = wrapOrder(root, order, exprs.length);
    }
    return { root, columns: first.columns, rowtimeCols: first.rowtimeCols };
  }
  if (!q.stream) throw new SqlError('queries on streams must say SELECT STREAM', q.pos);
  const rel = planFrom(ctx, q.from, q.pos);
  let root = rel.root;
  const scope = rel.scope;
  const filter = q.where ? bool(expr(q.where, scope), q.where) : null;
  const hasAgg = !!q.groupBy || !!q.stagger || q.items.some((it) => it.kind === 'expr' && containsAgg(it.expr)) || !!q.having;
  const hasOver = q.items.some((it) => it.kind === 'expr' && containsOver(it.expr));
  if (q.distinct && (hasAgg || hasOver))
    throw new SqlError('SELECT STREAM DISTINCT with aggregates is not supported; drop DISTINCT (GROUP BY already gives one row per group)', q.pos);
  if (hasAgg && hasOver) throw new SqlError('a query cannot mix GROUP BY aggregates and OVER windows; split it into two pumps', q.pos);

  if (hasAgg || hasOver) {
    // Aggregates read the rows WHERE keeps, so the filter goes below the window operator.
    if (filter) root = { op: 'filterProject', input: root, filter, project: null };
    return hasAgg ? planGrouped(q, root, scope) : planSliding(q, root, scope);
  }

  const { exprs, columns } = projectItems(q, scope, undefined);
  if (q.having) throw new SqlError('HAVING needs GROUP BY', q.having.pos);
  const order = orderKeys(q, scope, undefined, exprs, columns);
  root = { op: 'filterProject', input: root, filter, project: [...exprs, ...order.extra] };
  if (q.distinct) {
    // KDA: DISTINCT on a stream needs a column that only grows with ROWTIME, which bounds the memory.
    const tk = exprs.findIndex((x) => isDeclaredMonotonic(x) || (slotsOf(x).every((i) => i === 0) && slotsOf(x).length > 0 && monotonic(x)));
    if (tk < 0)
      throw new SqlError(
        "SELECT STREAM DISTINCT needs a column based on ROWTIME in the SELECT list, e.g. ROWTIME or STEP(s.ROWTIME BY INTERVAL '5' SECOND)",
        q.pos,
      );
    root = { op: 'distinct', input: root, timeKey: tk + 1 };
  }
  root = wrapOrder(root, order, exprs.length);
  return { root, columns, rowtimeCols: rowtimeCols(exprs) };
}
