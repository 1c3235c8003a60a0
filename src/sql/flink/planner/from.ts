/**
 * FROM in Flink SQL: tables, views and WITH queries, subqueries, window
 * table-valued functions (TUMBLE, HOP, CUMULATE, SESSION), and joins — an
 * interval join when ON bounds the two sides' rowtimes against each other,
 * an event-time temporal join (`FOR SYSTEM_TIME AS OF` a rowtime, against a
 * versioned table), a lookup join (`FOR SYSTEM_TIME AS OF` a proctime,
 * against a file table), otherwise a regular join.
 */
import { SqlError } from '../../errors.ts';
import type { WindowPlan } from '../../plan/flink.ts';
import type { OpPlan, PExpr } from '../../plan/plan.ts';
import type { SqlType } from '../../plan/types.ts';
import type { Expr, FromItem, Pos, TvfArg } from '../ast.ts';
import type { TableDef } from './catalog.ts';
import type { PlannerContext } from './context.ts';
import { bool, constInterval, expr } from './expressions.ts';
import { planMatch } from './match.ts';
import type { FCol, Rel } from './relation.ts';
import { describe, requalify, shiftSlots, slotsOf } from './relation.ts';
import { FT, flinkType } from './types.ts';

/** A FROM list: `a, b WHERE ...` is planned as `a JOIN b ON <where>` (the WHERE's conditions can key the join). */
export function planFrom(ctx: PlannerContext, items: FromItem[], where: Expr | undefined): { rel: Rel; where: Expr | undefined } {
  if (items.length === 1) return { rel: planFromItem(ctx, items[0]!), where };
  let joined: FromItem = items[0]!;
  for (let i = 1; i < items.length; i++) {
    const last = i === items.length - 1;
    const on: Expr = last && where ? where : { kind: 'literal', value: true, type: FT.BOOLEAN, pos: items[i]!.pos };
    joined = { kind: 'join', joinType: 'INNER', left: joined, right: items[i]!, on, pos: items[i]!.pos };
  }
  return { rel: planFromItem(ctx, joined), where: undefined };
}

export function planFromItem(ctx: PlannerContext, item: FromItem): Rel {
  switch (item.kind) {
    case 'table': {
      if (item.asOf) throw new SqlError('FOR SYSTEM_TIME AS OF is only valid on the right side of a join (a temporal or lookup join)', item.asOf.pos);
      let rel = tableRel(ctx, item.name.name, item.name.pos, item.hints);
      if (item.match) rel = planMatch(ctx, rel, item.match);
      return requalify(rel, item.alias?.name ?? (item.match ? undefined : item.name.name), item.columnAliases);
    }
    case 'subquery': {
      let rel = ctx.planQuery(item.query);
      if (item.match) rel = planMatch(ctx, rel, item.match);
      return requalify(rel, item.alias?.name ?? '', item.columnAliases);
    }
    case 'tvf':
      return planTvf(ctx, item);
    case 'join':
      return planJoin(ctx, item);
    case 'unnest':
      throw new SqlError('UNNEST reads a column of a table: write FROM t CROSS JOIN UNNEST(t.col) AS u (c)', item.pos);
  }
}

/** A table, view or WITH query by name, its columns qualified by that name. */
export function tableRel(ctx: PlannerContext, name: string, pos: Pos, hints?: Record<string, string>): Rel {
  const def = ctx.lookup(name);
  if (!def) throw new SqlError(`Object '${name}' not found`, pos);
  if (def.kind === 'table') return requalify(ctx.scan(def, pos, hints), name);
  const rel = ctx.planQuery(def.query);
  const aliases = def.columns ? def.columns.map((c) => ({ name: c.name, pos: c.pos })) : undefined;
  return requalify(rel, name, aliases);
}

/** Turns a pending window TVF into an operator (its rows once per window, with window_start/end/time). */
export function materialize(rel: Rel): Rel {
  const w = rel.pending;
  if (!w) return rel;
  const base = w.base;
  const root: OpPlan = { op: 'windowAssign', input: base.root, window: w.plan, time: w.time, proctime: w.proctime, width: base.width, partition: w.partition };
  const { pending: _p, ...rest } = rel;
  return { ...rest, root };
}

const WINDOW_ARGS: Record<string, string[]> = {
  TUMBLE: ['DATA', 'TIMECOL', 'SIZE', 'OFFSET'],
  HOP: ['DATA', 'TIMECOL', 'SLIDE', 'SIZE', 'OFFSET'],
  CUMULATE: ['DATA', 'TIMECOL', 'STEP', 'SIZE', 'OFFSET'],
  SESSION: ['DATA', 'TIMECOL', 'GAP'],
};

function planTvf(ctx: PlannerContext, item: Extract<FromItem, { kind: 'tvf' }>): Rel {
  const fn = item.fn.name;
  const names = WINDOW_ARGS[fn];
  if (!names)
    throw new SqlError(`Unsupported table function ${fn}; Freshet's Flink SQL has the window functions TUMBLE, HOP, CUMULATE and SESSION`, item.fn.pos);
  // Positional, then named arguments.
  const args = new Map<string, TvfArg>();
  item.args.forEach((a, i) => {
    const name = a.argName ?? names[i];
    if (!name || !names.includes(name)) throw new SqlError(`${fn} has no parameter ${a.argName ?? `#${i + 1}`}; its parameters: ${names.join(', ')}`, a.pos);
    args.set(name, a);
  });
  const data = args.get('DATA');
  if (data?.kind !== 'table') throw new SqlError(`${fn}'s first argument is the table: ${fn}(TABLE t, DESCRIPTOR(time_col), ...)`, data?.pos ?? item.pos);
  const timecol = args.get('TIMECOL');
  if (timecol?.kind !== 'descriptor' || timecol.columns.length !== 1)
    throw new SqlError(`${fn}'s second argument is the time attribute: DESCRIPTOR(time_col)`, timecol?.pos ?? item.pos);
  const base = requalify(materialize(tableRel(ctx, data.name.name, data.name.pos)), data.name.name);
  if (base.kind !== null)
    throw new SqlError(
      `StreamPhysicalWindowTableFunction doesn't support consuming update and delete changes which is produced by ${base.producer ?? 'its input'}`,
      item.pos,
    );
  const tc = timecol.columns[0]!;
  const col = base.cols.find((c) => c.name === tc.name);
  if (!col) throw new SqlError(`Column '${tc.name}' not found in table '${data.name.name}'`, tc.pos);
  if (!col.time) throw new SqlError(`The window function requires the timecol is a time attribute type, but is ${flinkType(col.type)}.`, tc.pos);
  const interval = (name: string): number => {
    const a = args.get(name);
    if (!a) throw new SqlError(`${fn} needs its ${name} argument`, item.pos);
    if (a.kind !== 'expr') throw new SqlError(`${fn}'s ${name} must be an interval`, a.pos);
    const ms = constInterval(a.expr, `${fn}'s ${name}`);
    if (ms <= 0 && name !== 'OFFSET') throw new SqlError(`${fn}'s ${name} must be positive`, a.pos);
    return ms;
  };
  const offsetArg = args.get('OFFSET');
  const offsetMs = offsetArg ? interval('OFFSET') : 0;
  let plan: WindowPlan;
  switch (fn) {
    case 'TUMBLE':
      plan = { kind: 'TUMBLE', sizeMs: interval('SIZE'), offsetMs };
      break;
    case 'HOP': {
      const slideMs = interval('SLIDE');
      const sizeMs = interval('SIZE');
      if (sizeMs % slideMs !== 0) throw new SqlError('HOP table function based aggregate requires size must be an integral multiple of slide', item.pos);
      plan = { kind: 'HOP', sizeMs, slideMs, offsetMs };
      break;
    }
    case 'CUMULATE': {
      const stepMs = interval('STEP');
      const maxSizeMs = interval('SIZE');
      if (maxSizeMs % stepMs !== 0)
        throw new SqlError('CUMULATE table function based aggregate requires maxSize must be an integral multiple of step', item.pos);
      plan = { kind: 'CUMULATE', maxSizeMs, stepMs, offsetMs };
      break;
    }
    default:
      plan = { kind: 'SESSION', gapMs: interval('GAP') };
  }
  const partition: PExpr[] = data.partitionBy.map((p) => expr(p, { rel: base }));
  if (partition.length > 0 && fn !== 'SESSION') throw new SqlError(`PARTITION BY is only supported by SESSION windows`, data.pos);
  const w = base.width;
  const qual = item.alias?.name;
  const cols: FCol[] = [
    ...base.cols.map((c) => ({ ...c, ...(qual ? { quals: [qual] } : {}), time: c.time === 'rowtime' ? undefined : c.time })),
    { name: 'window_start', type: FT.TIMESTAMP3, slot: w, quals: qual ? [qual] : [] },
    { name: 'window_end', type: FT.TIMESTAMP3, slot: w + 1, quals: qual ? [qual] : [] },
    { name: 'window_time', type: col.time === 'proctime' ? FT.TIMESTAMP_LTZ3 : col.type, slot: w + 2, quals: qual ? [qual] : [], time: col.time },
  ];
  // Time attributes of the input other than the window's stay time attributes only when they are the window's.
  for (const c of cols) if (c.time === undefined) delete c.time;
  return {
    root: base.root,
    cols,
    width: w + 3,
    kind: null,
    windowCols: { start: w, end: w + 1 },
    pending: { base, plan, time: { k: 'col', i: col.slot, t: col.type }, proctime: col.time === 'proctime', partition, start: w, end: w + 1, wtime: w + 2 },
  };
}

/** Splits a condition into its AND-ed parts. */
export function conjuncts(p: PExpr): PExpr[] {
  if (p.k === 'call' && p.fn === 'and') return [...conjuncts(p.args[0]!), ...conjuncts(p.args[1]!)];
  if (p.k === 'lit' && p.v === true) return [];
  return [p];
}

export function andAll(ps: PExpr[]): PExpr | null {
  if (ps.length === 0) return null;
  return ps.reduce((a, b) => ({ k: 'call', fn: 'and', args: [a, b], t: FT.BOOLEAN }));
}

type Side = 'L' | 'R' | 'B' | 'N';
function sideOf(p: PExpr, lw: number): Side {
  const s = slotsOf(p);
  if (s.length === 0) return 'N';
  const l = s.every((i) => i < lw);
  const r = s.every((i) => i >= lw);
  return l ? 'L' : r ? 'R' : 'B';
}

/** `time_col`, `time_col + INTERVAL`, `time_col - INTERVAL` → the slot and the constant. */
function timeTerm(p: PExpr): { slot: number; c: number } | null {
  if (p.k === 'col') return { slot: p.i, c: 0 };
  if (
    p.k === 'call' &&
    (p.fn === 'add' || p.fn === 'sub') &&
    p.args[0]!.k === 'col' &&
    p.args[1]!.k === 'lit' &&
    typeof p.args[1]!.v === 'number' &&
    p.args[1]!.t.name === 'INTERVAL' &&
    p.args[1]!.t.precision !== -1
  )
    return { slot: p.args[0]!.i, c: p.fn === 'add' ? p.args[1]!.v : -p.args[1]!.v };
  if (
    p.k === 'call' &&
    p.fn === 'add' &&
    p.args[1]!.k === 'col' &&
    p.args[0]!.k === 'lit' &&
    typeof p.args[0]!.v === 'number' &&
    p.args[0]!.t.name === 'INTERVAL'
  )
    return { slot: p.args[1]!.i, c: p.args[0]!.v };
  return null;
}

interface Bounds {
  leftSlot: number;
  rightSlot: number;
  lower: number;
  upper: number;
  /** The ON conditions that gave these bounds. */
  parts: PExpr[];
}

/** A comparison between the two sides' time attributes → a bound on rightTime − leftTime. */
function timeBound(
  p: PExpr,
  lw: number,
  lTimes: Set<number>,
  rTimes: Set<number>,
): { leftSlot: number; rightSlot: number; lower?: number; upper?: number } | null {
  if (p.k !== 'call' || !['lt', 'le', 'gt', 'ge', 'eq'].includes(p.fn)) return null;
  const x = timeTerm(p.args[0]!);
  const y = timeTerm(p.args[1]!);
  if (!x || !y) return null;
  let op = p.fn;
  let l: { slot: number; c: number };
  let r: { slot: number; c: number };
  if (lTimes.has(x.slot) && x.slot < lw && rTimes.has(y.slot) && y.slot >= lw) {
    l = x;
    r = y;
  } else if (rTimes.has(x.slot) && x.slot >= lw && lTimes.has(y.slot) && y.slot < lw) {
    // r op l  ⟺  l op' r
    l = y;
    r = x;
    op = { lt: 'gt', le: 'ge', gt: 'lt', ge: 'le', eq: 'eq' }[op]!;
  } else return null;
  // l.t + lc  op  r.t + rc   ⟺   (r.t − l.t)  op'  (lc − rc)
  const k = l.c - r.c;
  switch (op) {
    case 'ge':
      return { leftSlot: l.slot, rightSlot: r.slot, upper: k };
    case 'gt':
      return { leftSlot: l.slot, rightSlot: r.slot, upper: k - 1 };
    case 'le':
      return { leftSlot: l.slot, rightSlot: r.slot, lower: k };
    case 'lt':
      return { leftSlot: l.slot, rightSlot: r.slot, lower: k + 1 };
    default:
      return { leftSlot: l.slot, rightSlot: r.slot, lower: k, upper: k };
  }
}

function joinScope(left: Rel, right: Rel, keepTimes: boolean): FCol[] {
  const strip = (c: FCol): FCol => {
    if (keepTimes || c.time === undefined) return c;
    const { time: _t, ...rest } = c;
    return rest;
  };
  return [...left.cols.map(strip), ...right.cols.map((c) => strip({ ...c, slot: c.slot + left.width }))];
}

function planJoin(ctx: PlannerContext, j: Extract<FromItem, { kind: 'join' }>): Rel {
  if (j.right.kind === 'table' && j.right.asOf) return planTemporal(ctx, j);
  if (j.right.kind === 'unnest') return planUnnest(ctx, j, j.right);
  const left = materialize(planFromItem(ctx, j.left));
  const right = materialize(planFromItem(ctx, j.right));
  const lw = left.width;
  const cols = joinScope(left, right, true);
  const scope: Rel = { root: left.root, cols, width: lw + right.width, kind: null };
  let on: PExpr | null = null;
  if (j.using) {
    const parts: PExpr[] = j.using.map((u) => {
      const l = left.cols.find((c) => c.name === u.name);
      const r = right.cols.find((c) => c.name === u.name);
      if (!l || !r) throw new SqlError(`Column '${u.name}' is not in both sides of the JOIN ... USING`, u.pos);
      return {
        k: 'call',
        fn: 'eq',
        args: [
          { k: 'col', i: l.slot, t: l.type },
          { k: 'col', i: r.slot + lw, t: r.type },
        ],
        t: FT.BOOLEAN,
      };
    });
    on = andAll(parts);
  } else if (j.on) on = bool(expr(j.on, { rel: scope }), j.on.pos, 'the JOIN condition');
  const parts = on ? conjuncts(on) : [];
  const leftKeys: PExpr[] = [];
  const rightKeys: PExpr[] = [];
  const rest: PExpr[] = [];
  const lTimes = new Set(left.cols.filter((c) => c.time === 'rowtime').map((c) => c.slot));
  const rTimes = new Set(right.cols.filter((c) => c.time === 'rowtime').map((c) => c.slot + lw));
  const bounds: Bounds[] = [];
  for (const p of parts) {
    if (p.k === 'call' && p.fn === 'eq') {
      const [a, b] = p.args as [PExpr, PExpr];
      const sa = sideOf(a, lw);
      const sb = sideOf(b, lw);
      if (sa === 'L' && sb === 'R' && !(lTimes.size > 0 && timeTerm(a) && lTimes.has(timeTerm(a)!.slot) && timeTerm(b) && rTimes.has(timeTerm(b)!.slot))) {
        leftKeys.push(a);
        rightKeys.push(shiftSlots(b, -lw));
        continue;
      }
      if (sa === 'R' && sb === 'L' && !(lTimes.size > 0 && timeTerm(b) && lTimes.has(timeTerm(b)!.slot) && timeTerm(a) && rTimes.has(timeTerm(a)!.slot))) {
        leftKeys.push(b);
        rightKeys.push(shiftSlots(a, -lw));
        continue;
      }
    }
    const tb = left.kind === null && right.kind === null ? timeBound(p, lw, lTimes, rTimes) : null;
    if (tb) {
      let b = bounds.find((x) => x.leftSlot === tb.leftSlot && x.rightSlot === tb.rightSlot);
      if (!b) {
        b = { leftSlot: tb.leftSlot, rightSlot: tb.rightSlot, lower: -Infinity, upper: Infinity, parts: [] };
        bounds.push(b);
      }
      if (tb.lower !== undefined) b.lower = Math.max(b.lower, tb.lower);
      if (tb.upper !== undefined) b.upper = Math.min(b.upper, tb.upper);
      b.parts.push(p);
      continue;
    }
    rest.push(p);
  }
  const joinType = j.joinType === 'CROSS' ? 'INNER' : j.joinType;
  const interval = bounds.find((b) => Number.isFinite(b.lower) && Number.isFinite(b.upper));
  if (interval) {
    // Other time comparisons stay as residual conditions.
    const residual = [...rest, ...bounds.filter((b) => b !== interval).flatMap((b) => b.parts)];
    if (interval.lower > interval.upper) throw new SqlError('the interval join condition can never be true (its lower bound is above its upper bound)', j.pos);
    const lt = left.cols.find((c) => c.slot === interval.leftSlot)!;
    const rt = right.cols.find((c) => c.slot + lw === interval.rightSlot)!;
    const root: OpPlan = {
      op: 'intervalJoin',
      left: left.root,
      right: right.root,
      joinType,
      leftTime: { k: 'col', i: lt.slot, t: lt.type },
      rightTime: { k: 'col', i: rt.slot, t: rt.type },
      lowerMs: interval.lower,
      upperMs: interval.upper,
      leftKeys,
      rightKeys,
      on: andAll(residual),
      leftWidth: lw,
      rightWidth: right.width,
    };
    return { root, cols, width: lw + right.width, kind: null };
  }
  // A regular join: time attributes become ordinary timestamps, conditions on them stay in ON.
  for (const b of bounds) rest.push(...b.parts);
  const changelog = joinType !== 'INNER' || left.kind !== null || right.kind !== null;
  const root: OpPlan = {
    op: 'regularJoin',
    left: left.root,
    right: right.root,
    joinType,
    leftKeys,
    rightKeys,
    on: andAll(rest),
    leftWidth: lw,
    rightWidth: right.width,
    leftKind: left.kind,
    rightKind: right.kind,
    changelog,
    ttlMs: ctx.stateTtlMs(),
  };
  const width = lw + right.width;
  return {
    root,
    cols: joinScope(left, right, false),
    width,
    kind: changelog ? width : null,
    ...(changelog ? { producer: `Join(joinType=[${joinType}Join])` } : {}),
  };
}

/**
 * `t CROSS JOIN UNNEST(t.col) AS u (c)` (also `t, UNNEST(...)`, `JOIN UNNEST(...) ON cond` and
 * `LEFT JOIN UNNEST(...) ON TRUE`): a correlate, one row per element. The left side keeps its columns and
 * time attributes; an ARRAY of ROWs gives one column per field, a MAP a key and a value column, WITH
 * ORDINALITY the element's position (from 1).
 */
function planUnnest(ctx: PlannerContext, j: Extract<FromItem, { kind: 'join' }>, u: Extract<FromItem, { kind: 'unnest' }>): Rel {
  if (j.using) throw new SqlError('JOIN UNNEST(...) takes ON, not USING', j.pos);
  const left = materialize(planFromItem(ctx, j.left));
  const arg = expr(u.arg, { rel: left });
  const t = arg.t;
  let element: 'value' | 'row' | 'map';
  let types: { name: string; type: SqlType }[];
  if (t.name === 'ARRAY' && t.element?.name === 'ROW' && t.element.fields) {
    element = 'row';
    types = t.element.fields.map((f) => ({ name: f.name, type: f.type }));
  } else if (t.name === 'ARRAY') {
    element = 'value';
    types = [{ name: 'EXPR$0', type: t.element ?? FT.NULL }];
  } else if (t.name === 'MAP') {
    element = 'map';
    types = [
      { name: 'EXPR$0', type: t.key ?? FT.NULL },
      { name: 'EXPR$1', type: t.value ?? FT.NULL },
    ];
  } else throw new SqlError(`UNNEST needs an ARRAY or a MAP, but its argument is ${flinkType(t)}`, u.arg.pos);
  if (u.ordinality) types.push({ name: 'ORDINALITY', type: FT.INT });
  const lw = left.width;
  const qual = u.alias?.name;
  let ucols: FCol[] = types.map((c, i) => ({ name: c.name, type: c.type, slot: lw + i, quals: qual ? [qual] : [] }));
  if (u.columnAliases) ucols = requalify({ root: left.root, cols: ucols, width: lw, kind: null }, qual, u.columnAliases).cols;
  const width = lw + ucols.length;
  const cols = [...left.cols, ...ucols];
  const outer = j.joinType === 'LEFT';
  let filter: PExpr | null = null;
  if (j.on) {
    filter = bool(expr(j.on, { rel: { root: left.root, cols, width, kind: null } }), j.on.pos, 'the JOIN condition');
    if (filter.k === 'lit' && filter.v === true) filter = null;
    if (outer && filter) throw new SqlError('LEFT JOIN UNNEST(...) supports ON TRUE only; filter the unnested rows in WHERE', j.on.pos);
  }
  const root: OpPlan = {
    op: 'unnest',
    input: left.root,
    arg,
    width: lw,
    element,
    fields: element === 'row' ? types.length - (u.ordinality ? 1 : 0) : element === 'map' ? 2 : 1,
    ordinality: u.ordinality,
    outer,
    filter,
    kind: left.kind,
  };
  const { pending: _p, pendingRank: _r, windowCols: _w, table: _t, ...rest } = left;
  return { ...rest, root, cols, width, kind: left.kind === null ? null : width };
}

/** `JOIN t FOR SYSTEM_TIME AS OF l.time`: an event-time temporal join or a lookup join. */
function planTemporal(ctx: PlannerContext, j: Extract<FromItem, { kind: 'join' }>): Rel {
  const ri = j.right as Extract<FromItem, { kind: 'table' }>;
  if (j.joinType !== 'INNER' && j.joinType !== 'LEFT') throw new SqlError('A temporal or lookup join is INNER or LEFT', j.pos);
  const left = materialize(planFromItem(ctx, j.left));
  const asOf = expr(ri.asOf!, { rel: left });
  const asOfCol = asOf.k === 'col' ? left.cols.find((c) => c.slot === asOf.i) : undefined;
  if (!asOfCol?.time) throw new SqlError("Temporal table join currently only supports 'FOR SYSTEM_TIME AS OF' left table's time attribute field", ri.asOf!.pos);
  const def = ctx.lookup(ri.name.name);
  if (!def) throw new SqlError(`Object '${ri.name.name}' not found`, ri.name.pos);
  if (!j.on) throw new SqlError('Temporal table join requires an equality condition on fields of table', j.pos);
  const qual = ri.alias?.name ?? ri.name.name;
  if (asOfCol.time === 'proctime') {
    if (def.kind !== 'table' || def.connector.connector !== 'filesystem')
      throw new SqlError(
        `Processing-time temporal joins (lookup joins) read a table Freshet can look up: a 'filesystem' table (a reference file); ${describe(ri.name)} is ${def.kind === 'table' ? `a '${def.connector.connector}' table` : 'a view'}`,
        ri.name.pos,
      );
    if (left.kind !== null) throw new SqlError('a lookup join needs an append-only left input', j.pos);
    const tableName = ctx.lookupTable(def, ri.name.pos);
    const tcols: FCol[] = def.columns.map((c, i) => ({ name: c.name, type: c.type, slot: left.width + 1 + i, quals: [qual] }));
    const cols = [...left.cols, ...tcols];
    const scope: Rel = { root: left.root, cols, width: left.width + def.columns.length + 1, kind: null };
    const on = bool(expr(j.on, { rel: scope }), j.on.pos, 'the JOIN condition');
    let leftKey: PExpr | null = null;
    let rightKeyColumn = -1;
    for (const p of conjuncts(on)) {
      if (p.k !== 'call' || p.fn !== 'eq') continue;
      const [a, b] = p.args as [PExpr, PExpr];
      const lw = left.width;
      if (sideOf(a, lw) === 'L' && b.k === 'col' && b.i > lw) {
        leftKey = a;
        rightKeyColumn = b.i - lw;
        break;
      }
      if (sideOf(b, lw) === 'L' && a.k === 'col' && a.i > lw) {
        leftKey = b;
        rightKeyColumn = a.i - lw;
        break;
      }
    }
    if (!leftKey) throw new SqlError('Temporal table join requires an equality condition on fields of table', j.on.pos);
    const root: OpPlan = {
      op: 'joinTable',
      input: left.root,
      table: tableName,
      joinType: j.joinType,
      on,
      leftWidth: left.width,
      rightWidth: def.columns.length + 1,
      leftKey,
      rightKeyColumn,
    };
    return { root, cols, width: scope.width, kind: null };
  }
  // Event time: the right side must be a versioned table (a primary key and a watermark).
  const right = requalify(materialize(tableRel(ctx, ri.name.name, ri.name.pos)), qual);
  const tdef: TableDef | undefined = def.kind === 'table' ? def : undefined;
  const rightTime = right.cols.find((c) => c.time === 'rowtime');
  const pk = tdef?.primaryKey;
  if (!rightTime || !pk)
    throw new SqlError(
      `Temporal Table Join requires primary key in versioned table, but no primary key can be found. The versioned table ${describe(ri.name)} needs a PRIMARY KEY (...) NOT ENFORCED and a WATERMARK`,
      ri.name.pos,
    );
  const lw = left.width;
  const cols = joinScope(left, right, true);
  const scope: Rel = { root: left.root, cols, width: lw + right.width, kind: null };
  const on = bool(expr(j.on, { rel: scope }), j.on.pos, 'the JOIN condition');
  const leftKeys: PExpr[] = [];
  const rightKeys: PExpr[] = [];
  const rest: PExpr[] = [];
  for (const p of conjuncts(on)) {
    if (p.k === 'call' && p.fn === 'eq') {
      const [a, b] = p.args as [PExpr, PExpr];
      if (sideOf(a, lw) === 'L' && sideOf(b, lw) === 'R') {
        leftKeys.push(a);
        rightKeys.push(shiftSlots(b, -lw));
        continue;
      }
      if (sideOf(b, lw) === 'L' && sideOf(a, lw) === 'R') {
        leftKeys.push(b);
        rightKeys.push(shiftSlots(a, -lw));
        continue;
      }
    }
    rest.push(p);
  }
  const pkSlots = pk.map((k) => right.cols.find((c) => c.name === k)!.slot);
  const keyed = rightKeys.map((k) => (k.k === 'col' ? k.i : -1));
  if (!pkSlots.every((s) => keyed.includes(s)))
    throw new SqlError(`Temporal table's primary key [${pk.join(', ')}] must be included in the equivalence condition of the temporal join`, j.on.pos);
  // Order the keys as the primary key so versions are kept per primary key.
  const order = pkSlots.map((s) => keyed.indexOf(s));
  const root: OpPlan = {
    op: 'temporalJoin',
    left: left.root,
    right: right.root,
    joinType: j.joinType,
    leftTime: asOf,
    rightTime: { k: 'col', i: rightTime.slot, t: rightTime.type },
    leftKeys: order.map((i) => leftKeys[i]!),
    rightKeys: order.map((i) => rightKeys[i]!),
    on: andAll([
      ...rest,
      ...leftKeys
        .filter((_k, i) => !order.includes(i))
        .map((k, n) => ({ k: 'call' as const, fn: 'eq', args: [k, shiftSlots(rightKeys.filter((_r, i) => !order.includes(i))[n]!, lw)], t: FT.BOOLEAN })),
    ]),
    leftWidth: lw,
    rightWidth: right.width,
    rightKind: right.kind,
  };
  const outCols = cols.map((c) => (c.slot >= lw && c.time ? (({ time: _t, ...r }) => r)(c) : c));
  return { root, cols: outCols, width: lw + right.width, kind: null };
}
