/**
 * Windows: aggregation contexts (GROUP BY and STAGGER aggregates, OVER
 * sliding-window aggregates) as hooks over expression planning, the size of a
 * tumbling window, and ORDER BY on a stream (sorting within a time granule).
 */
import { SqlError } from '../errors.ts';
import type { Expr, Select, WindowSpec } from '../parser/ast.ts';
import type { AggFn, AggPlan, OpPlan, PExpr } from '../plan/plan.ts';
import type { ColumnDef, SqlType } from '../plan/types.ts';
import { T, isIntegral, isNumeric, typeToString } from '../plan/types.ts';
import type { Scope, SelectPlan } from './binder.ts';
import { describeIdent } from './binder.ts';
import type { Hook } from './expressions.ts';
import { bool, constInterval, containsAgg, expr, projectItems } from './expressions.ts';
import { AGGREGATE_FUNCTIONS, ANALYTIC_ONLY } from './functions.ts';
import { canon, isDeclaredMonotonic, isMonotonicTime, isRowtimeBased, monotonic, rowtimeCols, slotsOf } from './pexpr.ts';

export interface OrderInfo {
  keys: { i: number; desc: boolean }[];
  extra: PExpr[];
  timeKey: number;
  granularityMs: number;
  timeKeyExpr: PExpr | null;
}

/** A hook lets aggregation and sliding contexts replace sub-expressions before normal planning. */
export function windowSize(wk: Extract<PExpr, { k: 'call' }>, e: Expr): number {
  if (wk.fn === 'step') {
    const by = wk.args[1]!;
    if (by.k !== 'lit' || typeof by.v !== 'number' || by.v <= 0) throw new SqlError('STEP needs a positive constant interval', e.pos);
    return by.v;
  }
  const unit = (wk.args[1] as { v: string }).v;
  const sizes: Record<string, number> = { MILLISECOND: 1, SECOND: 1000, MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 };
  const s = sizes[unit];
  if (s === undefined) throw new SqlError(`a tumbling window of one ${unit} has no fixed length; use DAY or a shorter unit`, e.pos);
  return s;
}

/** timeKeySlots: after GROUP BY, the post-aggregation slots of group keys that are windows on ROWTIME. */
export function orderKeys(q: Select, scope: Scope, hook: Hook | undefined, exprs: PExpr[], columns: ColumnDef[], timeKeySlots?: Set<number>): OrderInfo {
  if (!q.orderBy) return { keys: [], extra: [], timeKey: -1, granularityMs: 1, timeKeyExpr: null };
  let granularityMs = 1;
  let timeKeyExpr: PExpr | null = null;
  const extra: PExpr[] = [];
  const keys: { i: number; desc: boolean }[] = [];
  const aliases = q.items.map(
    (it, i) => (it.kind === 'expr' ? (it.alias?.name ?? (it.expr.kind === 'column' ? it.expr.name.name : undefined)) : undefined) ?? columns[i]?.name,
  );
  let timeKey = -1;
  q.orderBy.forEach((o, n) => {
    let slot = -1;
    let p: PExpr | undefined;
    if (o.expr.kind === 'literal' && typeof o.expr.value === 'number') {
      slot = o.expr.value;
      if (slot < 1 || slot > exprs.length) throw new SqlError(`ORDER BY ${slot} is out of range (1..${exprs.length})`, o.expr.pos);
      p = exprs[slot - 1];
    } else if (o.expr.kind === 'column' && !o.expr.qualifier && aliases.includes(o.expr.name.name) && !q.items.some((it) => it.kind === 'star')) {
      slot = aliases.indexOf(o.expr.name.name) + 1;
      p = exprs[slot - 1];
    } else {
      p = expr(o.expr, scope, hook);
      const same = exprs.findIndex((x) => canon(x) === canon(p!));
      if (same >= 0) slot = same + 1;
      else {
        extra.push(p);
        slot = exprs.length + extra.length;
      }
    }
    if (n === 0) {
      if (!isMonotonicTime(p!) && !isDeclaredMonotonic(p!) && !(hook && p!.k === 'col' && (p!.i === 0 || (timeKeySlots?.has(p!.i) ?? false)))) {
        throw new SqlError(
          'ORDER BY on a stream must start with a time window on ROWTIME, e.g. ORDER BY FLOOR(s.ROWTIME TO SECOND), ..., or an expression declared MONOTONIC(...)',
          o.expr.pos,
        );
      }
      timeKey = slot;
      // Rows are held until time passes the granule their key names (1 ms for keys that are not a STEP/FLOOR start).
      // A declared MONOTONIC key over other columns: held until a row brings another value (granularity 0: the clock never flushes).
      if (isDeclaredMonotonic(p!)) granularityMs = 0;
      else if (p!.k === 'call' && isRowtimeBased(p!)) granularityMs = p!.fn === 'step' ? Number((p!.args[1] as { v: number }).v) : windowSize(p!, o.expr);
      else if (!hook && p!.k === 'call') timeKeyExpr = p!;
      // After GROUP BY the rows of one window share a ROWTIME, so the window itself is the granule.
      else if (hook) granularityMs = 1;
    }
    keys.push({ i: slot, desc: o.desc });
  });
  return { keys: keys.slice(1), extra, timeKey, granularityMs, timeKeyExpr };
}

export function wrapOrder(root: OpPlan, order: OrderInfo, width: number): OpPlan {
  if (order.timeKey < 0) return root;
  return {
    op: 'orderWindow',
    input: root,
    timeKey: order.timeKey,
    granularityMs: order.granularityMs,
    keys: order.keys,
    width,
    timeKeyExpr: order.timeKeyExpr,
  };
}
export function aggPlan(e: Extract<Expr, { kind: 'call' }>, scope: Scope, analytic: boolean): AggPlan {
  const fn = e.name as AggFn;
  if (!analytic && ANALYTIC_ONLY.has(fn)) throw new SqlError(`${fn} needs an OVER window`, e.pos);
  if (e.args.some((a) => containsAgg(a))) throw new SqlError('aggregates cannot be nested', e.pos);
  if (e.star) {
    if (fn !== 'COUNT') throw new SqlError(`${fn}(*) is not valid; only COUNT(*)`, e.pos);
    return { fn, arg: null, param: 0, distinct: false, t: T.BIGINT };
  }
  if (e.args.length === 0) throw new SqlError(`${fn} needs an argument`, e.pos);
  if (e.distinct && fn !== 'COUNT') throw new SqlError(`DISTINCT is only supported in COUNT(DISTINCT ...)`, e.pos);
  const arg = expr(e.args[0]!, scope);
  let param = 0;
  if (fn === 'EXP_AVG') {
    const h = e.args[1];
    if (h?.kind !== 'interval') throw new SqlError("EXP_AVG needs a half-life interval: EXP_AVG(x, INTERVAL '10' SECOND)", e.pos);
    param = h.ms;
  } else if (fn === 'LAG' || fn === 'NTH_VALUE') {
    const n = e.args[1];
    param = fn === 'LAG' ? 1 : 1;
    if (n) {
      if (n.kind !== 'literal' || typeof n.value !== 'number' || !Number.isInteger(n.value) || n.value < (fn === 'LAG' ? 0 : 1))
        throw new SqlError(`${fn} needs a constant integer offset`, n.pos);
      param = n.value;
    }
  } else if (e.args.length > 1) throw new SqlError(`${fn} takes one argument`, e.args[1]!.pos);
  const statistical = fn === 'STDDEV_POP' || fn === 'STDDEV_SAMP' || fn === 'VAR_POP' || fn === 'VAR_SAMP';
  if ((fn === 'SUM' || fn === 'AVG' || fn === 'EXP_AVG' || statistical) && !isNumeric(arg.t))
    throw new SqlError(`${fn} needs a numeric argument, got ${typeToString(arg.t)}`, e.args[0]!.pos);
  const t: SqlType = fn === 'COUNT' ? T.BIGINT : fn === 'EXP_AVG' || statistical ? T.DOUBLE : fn === 'SUM' && isIntegral(arg.t) ? T.BIGINT : { ...arg.t };
  return { fn, arg, param, distinct: e.distinct, t };
}

export function aggHook(scope: Scope, keys: PExpr[], keyCanon: string[], aggs: AggPlan[]): Hook {
  const nKeys = keys.length;
  const hook: Hook = (e) => {
    if (e.kind === 'call' && !e.over && AGGREGATE_FUNCTIONS.has(e.name)) {
      const a = aggPlan(e, scope, false);
      const c = JSON.stringify(a);
      let idx = aggs.findIndex((x) => JSON.stringify(x) === c);
      if (idx < 0) {
        aggs.push(a);
        idx = aggs.length - 1;
      }
      return { k: 'col', i: 1 + nKeys + idx, t: a.t };
    }
    if (e.kind === 'literal' || e.kind === 'interval') return undefined;
    let p: PExpr | undefined;
    try {
      if (!containsAgg(e)) p = expr(e, scope);
    } catch {
      p = undefined;
    }
    if (p) {
      let j = keyCanon.indexOf(canon(p));
      // MONOTONIC(x) returns x, so a GROUP BY MONOTONIC(x) key also answers for x.
      if (j < 0) j = keyCanon.indexOf(canon({ k: 'call', fn: 'monotonic', args: [p], t: p.t }));
      if (j >= 0) return { k: 'col', i: 1 + j, t: p.t };
      if (p.k === 'col' && p.i === 0) return { k: 'col', i: 0, t: T.TIMESTAMP };
    }
    if (e.kind === 'column') {
      const name = describeIdent(e.name);
      throw new SqlError(`column ${name} must appear in GROUP BY or inside an aggregate such as SUM(${name})`, e.pos);
    }
    return undefined;
  };
  return hook;
}

export function overHook(q: Select, scope: Scope, aggs: AggPlan[], win: { spec?: WindowSpec; canon?: string }): Hook {
  return (e) => {
    if (e.kind === 'call' && AGGREGATE_FUNCTIONS.has(e.name) && !e.over)
      throw new SqlError(`${e.name} without OVER in a query with sliding windows; add OVER to every aggregate`, e.pos);
    if (e.kind !== 'call' || !e.over) return undefined;
    if (!AGGREGATE_FUNCTIONS.has(e.name)) throw new SqlError(`${e.name} cannot be used with OVER`, e.pos);
    let spec = e.over;
    if (spec.ref) {
      const named = q.windows.find((w) => w.name.name === spec.ref!.name);
      if (!named) throw new SqlError(`no window called ${describeIdent(spec.ref)}; define it with WINDOW ${describeIdent(spec.ref)} AS (...)`, spec.ref.pos);
      spec = { ...named.spec, partitionBy: spec.partitionBy.length ? spec.partitionBy : named.spec.partitionBy, frame: spec.frame ?? named.spec.frame };
    }
    const c = JSON.stringify({
      p: spec.partitionBy.map((x) => canon(expr(x, scope))),
      f: spec.frame ? JSON.stringify(spec.frame, (k, v) => (k === 'pos' ? undefined : v)) : '',
    });
    if (win.canon === undefined) {
      win.canon = c;
      win.spec = spec;
    } else if (win.canon !== c) throw new SqlError('all OVER windows of one query must be the same; split different windows into separate pumps', e.pos);
    const a = aggPlan(e, scope, true);
    const key = JSON.stringify(a);
    let idx = aggs.findIndex((x) => JSON.stringify(x) === key);
    if (idx < 0) {
      aggs.push(a);
      idx = aggs.length - 1;
    }
    return { k: 'col', i: scope.width + idx, t: a.t };
  };
}

/** GROUP BY or STAGGER on a stream: a tumbling window (STEP/FLOOR of ROWTIME, another ROWTIME-monotonic key, or a MONOTONIC(...) key) or a stagger window. */
export function planGrouped(q: Select, input: OpPlan, scope: Scope): SelectPlan {
  let root = input;
  // STAGGER without GROUP BY groups by its PARTITION BY expressions (the KDA reference's form).
  const keys = (q.groupBy ?? q.stagger?.partitionBy ?? []).map((g) => expr(g, scope));
  const keyCanon = keys.map(canon);
  const aggs: AggPlan[] = [];
  const hook = aggHook(scope, keys, keyCanon, aggs);
  const { exprs, columns } = projectItems(q, scope, hook);
  const having = q.having ? bool(expr(q.having, scope, hook), q.having) : null;
  const timeKeySlots = new Set(
    keys
      .map((k, j) => (isRowtimeBased(k) || isDeclaredMonotonic(k) || (slotsOf(k).length > 0 && slotsOf(k).every((i) => i === 0) && monotonic(k)) ? 1 + j : -1))
      .filter((x) => x > 0),
  );
  const order = orderKeys(q, scope, hook, exprs, columns, timeKeySlots);
  const project = [...exprs, ...order.extra];
  if (q.stagger) {
    const partition = q.stagger.partitionBy.map((e) => expr(e, scope));
    const rangeMs = constInterval(q.stagger.range);
    if (rangeMs <= 0) throw new SqlError('the STAGGER range must be positive', q.stagger.range.pos);
    root = { op: 'stagger', input: root, partition, rangeMs, keys, aggs, having, project };
  } else {
    let wi = keys.findIndex(isRowtimeBased);
    if (wi < 0) {
      // Any other expression that only grows with ROWTIME also windows the stream, e.g.
      // FLOOR((s.ROWTIME - TIMESTAMP '1970-01-01 00:00:00') SECOND / 10 TO SECOND).
      wi = keys.findIndex((k) => k.k === 'call' && slotsOf(k).length > 0 && slotsOf(k).every((i) => i === 0) && monotonic(k));
      if (wi >= 0) {
        root = { op: 'tumble', input: root, windowStart: keys[wi]!, sizeMs: 0, keys, windowKey: wi, aggs, having, project };
        root = wrapOrder(root, order, exprs.length);
        return { root, columns, rowtimeCols: rowtimeCols(exprs) };
      }
      // GROUP BY MONOTONIC(orderId), ...: a group closes when a row brings another value (sizeMs -1).
      wi = keys.findIndex(isDeclaredMonotonic);
      if (wi >= 0) {
        root = { op: 'tumble', input: root, windowStart: keys[wi]!, sizeMs: -1, keys, windowKey: wi, aggs, having, project };
        root = wrapOrder(root, order, exprs.length);
        return { root, columns, rowtimeCols: rowtimeCols(exprs) };
      }
      throw new SqlError(
        "GROUP BY on a stream needs a time window on ROWTIME, e.g. GROUP BY STEP(s.ROWTIME BY INTERVAL '1' MINUTE), ... or FLOOR(s.ROWTIME TO MINUTE), or an expression declared MONOTONIC(...)",
        q.groupBy?.[0]?.pos ?? q.pos,
      );
    }
    const wk = keys[wi] as Extract<PExpr, { k: 'call' }>;
    const sizeMs = windowSize(wk, q.groupBy![wi]!);
    root = { op: 'tumble', input: root, windowStart: wk, sizeMs, keys, windowKey: wi, aggs, having, project };
  }
  root = wrapOrder(root, order, exprs.length);
  return { root, columns, rowtimeCols: rowtimeCols(exprs) };
}

/** Aggregates OVER one sliding window (RANGE or ROWS PRECEDING, optionally PARTITION BY). */
export function planSliding(q: Select, input: OpPlan, scope: Scope): SelectPlan {
  let root = input;
  const aggs: AggPlan[] = [];
  const win: { spec?: WindowSpec; canon?: string } = {};
  const hook = overHook(q, scope, aggs, win);
  const { exprs, columns } = projectItems(q, scope, hook);
  const order = orderKeys(q, scope, hook, exprs, columns);
  const spec = win.spec!;
  const partition = spec.partitionBy.map((e) => expr(e, scope));
  let rangeMs: number | null = null;
  let rows: number | null = null;
  const needRows = aggs.reduce((m, a) => (a.fn === 'LAG' || a.fn === 'NTH_VALUE' ? Math.max(m, a.param + 1) : m), 0);
  if (spec.frame) {
    if (spec.frame.following && spec.frame.following !== 'CURRENT')
      throw new SqlError('sliding windows over streams look back only: use ... PRECEDING', spec.pos);
    if (spec.frame.preceding === 'UNBOUNDED' || spec.frame.preceding === 'CURRENT') {
      if (spec.frame.preceding === 'UNBOUNDED')
        throw new SqlError('UNBOUNDED PRECEDING would keep the whole stream; give a RANGE INTERVAL or ROWS n', spec.pos);
      rows = 0;
    } else if (spec.frame.unit === 'RANGE') rangeMs = constInterval(spec.frame.preceding);
    else {
      const n = spec.frame.preceding;
      if (n.kind !== 'literal' || typeof n.value !== 'number' || !Number.isInteger(n.value) || n.value < 0)
        throw new SqlError('ROWS needs a non-negative integer, e.g. ROWS 10 PRECEDING', n.pos);
      rows = n.value;
    }
  } else if (needRows > 0) rows = needRows - 1;
  else throw new SqlError("a sliding window needs a frame: RANGE INTERVAL '1' MINUTE PRECEDING or ROWS 10 PRECEDING", spec.pos);
  if (rows !== null && needRows - 1 > rows) rows = needRows - 1;
  root = { op: 'sliding', input: root, inputWidth: scope.width, partition, rangeMs, rows, aggs, filter: null, project: [...exprs, ...order.extra] };
  root = wrapOrder(root, order, exprs.length);
  return { root, columns, rowtimeCols: rowtimeCols(exprs) };
}
