/**
 * FROM and joins: streams, reference tables, subqueries and table functions
 * as relations; stream-to-stream joins with their RANGE / ROWS windows and
 * equi-join keys; stream-to-table joins as hash lookups where ON allows.
 */
import { SqlError } from '../errors.ts';
import type { Expr, FromItem, Pos, WindowSpec } from '../parser/ast.ts';
import type { PExpr } from '../plan/plan.ts';
import type { PlanContext, Relation } from './binder.ts';
import { concatScopes, describeIdent, fromStream } from './binder.ts';
import { bool, constInterval, expr } from './expressions.ts';
import { shiftSlots, slotsOf } from './pexpr.ts';
import { tableFn } from './table-functions.ts';

/** The first `l = r` conjunct of ON whose sides read only the left row and only the right row. */
function equiKeys(on: PExpr, leftWidth: number): { left: PExpr; right: PExpr } | null {
  if (on.k !== 'call') return null;
  if (on.fn === 'and') return equiKeys(on.args[0]!, leftWidth) ?? equiKeys(on.args[1]!, leftWidth);
  if (on.fn !== 'eq') return null;
  const [a, b] = on.args as [PExpr, PExpr];
  const side = (p: PExpr): 'L' | 'R' | null => {
    const s = slotsOf(p);
    if (s.length === 0) return null;
    if (s.every((i) => i > 0 && i < leftWidth)) return 'L';
    if (s.every((i) => i > leftWidth)) return 'R';
    return null;
  };
  const sa = side(a);
  const sb = side(b);
  if (sa === 'L' && sb === 'R') return { left: a, right: shiftSlots(b, -leftWidth) };
  if (sa === 'R' && sb === 'L') return { left: b, right: shiftSlots(a, -leftWidth) };
  return null;
}

/** A query's FROM list: one relation, a join, or the RANDOM_CUT_FOREST comma-join with its source stream. */
export function planFrom(ctx: PlanContext, items: FromItem[], pos: Pos): Relation {
  if (items.length === 1) return fromItem(ctx, items[0]!);
  if (items.length !== 2) throw new SqlError('FROM lists more than two relations; join them with JOIN ... ON', pos);
  const [a, b] = items as [FromItem, FromItem];
  // The S2 pattern: TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT STREAM ... FROM X))) AS rcf, X AS source.
  const fnItem = a.kind === 'tableFn' ? a : b.kind === 'tableFn' ? b : undefined;
  const streamItem = a.kind === 'stream' ? a : b.kind === 'stream' ? b : undefined;
  if (fnItem && streamItem) {
    const cursor = fnItem.args[0];
    if (
      cursor?.kind === 'cursor' &&
      cursor.query.from.length === 1 &&
      cursor.query.from[0]!.kind === 'stream' &&
      cursor.query.from[0]!.name.name === streamItem.name.name
    ) {
      return tableFn(ctx, fnItem, streamItem);
    }
    throw new SqlError(
      'a table function can only be comma-joined with the stream its CURSOR reads (each output row pairs with the row it was computed from)',
      fnItem.pos,
    );
  }
  if (a.kind === 'stream' && b.kind === 'stream') {
    const left = fromStream(ctx, a);
    const right = fromStream(ctx, b);
    if (right.table && !left.table) return joinTable(left, right, 'INNER', undefined);
    if (left.table && !right.table) return joinTable(right, left, 'INNER', undefined);
    throw new SqlError("a comma join of two streams has no window; write s1 JOIN s2 OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS x ON ...", b.pos);
  }
  throw new SqlError('unsupported FROM list; use JOIN ... ON', pos);
}

function fromItem(ctx: PlanContext, item: FromItem): Relation {
  switch (item.kind) {
    case 'stream': {
      const r = fromStream(ctx, item);
      if (r.table)
        throw new SqlError(`${describeIdent(item.name)} is a reference table; join it to a stream (FROM s JOIN ${describeIdent(item.name)} ON ...)`, item.pos);
      return r;
    }
    case 'tableFn':
      return tableFn(ctx, item);
    case 'subquery': {
      const { root, columns, rowtimeCols: rt } = ctx.select(item.query);
      const qual = item.alias?.name ?? '';
      return {
        root,
        scope: {
          // A column that is exactly ROWTIME (`ROWTIME AS window_time`) reads slot 0, so windows on it are windows on ROWTIME.
          cols: columns.map((c, i) => ({ quals: qual ? [qual] : [], name: c.name, type: c.type, index: rt.has(i) ? 0 : i + 1, hidden: false })),
          width: columns.length + 1,
          rowtimeQuals: qual ? [qual] : [],
          extraRowtimes: new Map(),
        },
      };
    }
    case 'join':
      return join(ctx, item);
  }
}

function join(ctx: PlanContext, item: Extract<FromItem, { kind: 'join' }>): Relation {
  // CROSS JOIN is an INNER JOIN without ON; RIGHT / FULL OUTER keep the right (or both) sides' unmatched rows.
  const joinType = item.joinType === 'CROSS' ? 'INNER' : item.joinType;
  if (item.left.kind === 'join' || item.right.kind === 'join')
    throw new SqlError('Freshet joins two relations per query; chain further joins through an intermediate stream and pump', item.pos);
  const left = item.left.kind === 'stream' ? fromStream(ctx, item.left) : fromItem(ctx, item.left);
  const right = item.right.kind === 'stream' ? fromStream(ctx, item.right) : fromItem(ctx, item.right);
  if ('table' in left && left.table) throw new SqlError('put the stream on the left of a join with a reference table', item.left.pos);
  if ('table' in right && right.table) {
    // A table row never stops being able to match a future stream row, so it could never come out unmatched.
    if (joinType === 'RIGHT' || joinType === 'FULL')
      throw new SqlError(
        `${joinType} OUTER JOIN with a reference table is not supported: its rows would wait for the stream forever; use INNER or LEFT OUTER JOIN with the stream on the left`,
        item.pos,
      );
    // Each stream row meets the table as it is when the row arrives: a window on either side would be ignored.
    const over = (item.right.kind === 'stream' ? item.right.over : undefined) ?? (item.left.kind === 'stream' ? item.left.over : undefined);
    if (over) throw new SqlError('a join with a reference table takes no window: each stream row meets the whole table as it is; drop OVER (...)', over.pos);
    return joinTable(left, right, joinType, item.on);
  }
  // A side's PRECEDING window keeps that side's rows for the interval; its FOLLOWING window means rows
  // of that side may arrive up to the interval after the other side's row, so the other side keeps its rows.
  // A side without a window takes part with its current row only (reach 0).
  const lspec = item.left.kind === 'stream' ? item.left.over : undefined;
  const rspec = item.right.kind === 'stream' ? item.right.over : undefined;
  const lwin = lspec ? joinWindow(lspec) : { preceding: 0, following: 0, rows: null };
  const rwin = rspec ? joinWindow(rspec) : { preceding: 0, following: 0, rows: null };
  // A ROWS window counts the rows of its own stream, against the other side's current row (KDA: a side
  // without a window contributes its current row); it is not combined with a window on the other side.
  let rowsWindow: { side: 'left' | 'right'; n: number } | undefined;
  if (lwin.rows !== null || rwin.rows !== null) {
    const [mine, other, otherSpec] = lwin.rows !== null ? [lwin, rwin, rspec] : [rwin, lwin, lspec];
    if (other.rows !== null)
      throw new SqlError(
        'ROWS windows on both sides of a join are not supported: keep OVER (ROWS n PRECEDING) on one side and no window on the other',
        otherSpec!.pos,
      );
    if (other.preceding !== 0 || other.following !== 0)
      throw new SqlError(
        'a ROWS window on one side of a join cannot be combined with a RANGE window on the other: drop one of them, or use RANGE INTERVAL windows on both sides',
        otherSpec!.pos,
      );
    rowsWindow = { side: lwin.rows !== null ? 'left' : 'right', n: mine.rows! };
  }
  const lw = Math.max(lwin.preceding, rwin.following);
  const rw = Math.max(rwin.preceding, lwin.following);
  if (lw === 0 && rw === 0 && !rowsWindow)
    throw new SqlError(
      "a stream-to-stream join needs a window on at least one side, e.g. JOIN s2 OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS b ON ... or OVER (ROWS 10 PRECEDING)",
      item.pos,
    );
  const scope = concatScopes(left.scope, right.scope);
  const on = item.on ? bool(expr(item.on, scope), item.on) : null;
  const keys = on ? equiKeys(on, left.scope.width) : null;
  // When ON is just the key equality, the hash lookup decides it (NULL keys never match).
  const residual = keys && on && on.k === 'call' && on.fn === 'eq' ? null : on;
  return {
    root: {
      op: 'joinStream',
      left: left.root,
      right: right.root,
      joinType,
      on: residual,
      leftRangeMs: lw,
      rightRangeMs: rw,
      leftWidth: left.scope.width,
      rightWidth: right.scope.width,
      leftKey: keys?.left ?? null,
      rightKey: keys?.right ?? null,
      ...(rowsWindow ? { rowsWindow } : {}),
    },
    scope,
  };
}

/**
 * A join window: RANGE reaches in ms, or ROWS n PRECEDING (rows = n). SQLstream (KDA's engine) allows
 * neither PARTITION BY in a join window nor windows that reach into the future by a count of rows.
 */
function joinWindow(w: WindowSpec): { preceding: number; following: number; rows: number | null } {
  if (w.ref)
    throw new SqlError(
      `a join window must be written in place, e.g. OVER (ROWS 10 PRECEDING) or OVER (RANGE INTERVAL '1' MINUTE PRECEDING); a named window (OVER ${describeIdent(w.ref)}) is not supported in a join`,
      w.ref.pos,
    );
  if (w.partitionBy.length)
    throw new SqlError(
      'a join window cannot have PARTITION BY (it holds the rows of the whole stream); put the key in ON instead, e.g. ON a.k = b.k',
      w.partitionBy[0]!.pos,
    );
  if (!w.frame) throw new SqlError("a join window needs a frame: RANGE INTERVAL 'n' unit PRECEDING (or FOLLOWING), or ROWS n PRECEDING", w.pos);
  if (w.frame.unit === 'ROWS') {
    const f = w.frame;
    if (f.following && f.following !== 'CURRENT')
      throw new SqlError(
        "a ROWS join window counts back only: write ROWS n PRECEDING, or use RANGE INTERVAL 'n' unit FOLLOWING for rows that come later",
        typeof f.following === 'object' ? f.following.pos : w.pos,
      );
    if (f.preceding === 'UNBOUNDED') throw new SqlError('ROWS UNBOUNDED PRECEDING would keep the whole stream; give a count, e.g. ROWS 10 PRECEDING', w.pos);
    if (f.preceding === 'CURRENT') return { preceding: 0, following: 0, rows: 0 };
    const n = f.preceding;
    if (n.kind !== 'literal' || typeof n.value !== 'number' || !Number.isInteger(n.value) || n.value < 0)
      throw new SqlError('ROWS needs a non-negative integer, e.g. ROWS 10 PRECEDING', n.pos);
    return { preceding: 0, following: 0, rows: n.value };
  }
  if (w.frame.preceding === 'UNBOUNDED')
    throw new SqlError("RANGE UNBOUNDED PRECEDING would keep the whole stream; give an interval, e.g. RANGE INTERVAL '1' MINUTE PRECEDING", w.pos);
  const preceding = w.frame.preceding === 'CURRENT' ? 0 : constInterval(w.frame.preceding);
  const following = w.frame.following && w.frame.following !== 'CURRENT' ? constInterval(w.frame.following) : 0;
  return { preceding, following, rows: null };
}
/** A stream joined with a reference table: each stream row meets the table as it is; an equality on one table column becomes a hash lookup. */
function joinTable(left: Relation, right: Relation, joinType: 'INNER' | 'LEFT', on: Expr | undefined): Relation {
  const scope = concatScopes(left.scope, right.scope);
  const onP = on ? bool(expr(on, scope), on) : null;
  // Equi-join on one column of the table → hash join.
  let leftKey: PExpr | null = null;
  let rightKeyColumn = -1;
  if (onP && onP.k === 'call' && onP.fn === 'eq') {
    const [x, y] = onP.args as [PExpr, PExpr];
    const inRight = (p: PExpr): boolean => p.k === 'col' && p.i >= left.scope.width;
    const usesRight = (p: PExpr): boolean => (p.k === 'col' ? p.i >= left.scope.width : p.k === 'call' ? p.args.some(usesRight) : p.k === 'case');
    if (inRight(x) && !usesRight(y)) {
      leftKey = y;
      rightKeyColumn = (x as { i: number }).i - left.scope.width;
    } else if (inRight(y) && !usesRight(x)) {
      leftKey = x;
      rightKeyColumn = (y as { i: number }).i - left.scope.width;
    }
  }
  const table = (right.root as { stream: string }).stream;
  return {
    root: {
      op: 'joinTable',
      input: left.root,
      table,
      joinType,
      on: onP,
      leftWidth: left.scope.width,
      rightWidth: right.scope.width,
      leftKey,
      rightKeyColumn,
    },
    scope,
  };
}
