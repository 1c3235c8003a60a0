/**
 * Table functions in FROM: RANDOM_CUT_FOREST (with or without explanation,
 * alone or comma-joined with its source stream), HOTSPOTS,
 * TOP_K_ITEMS_TUMBLING, COUNT_DISTINCT_ITEMS_TUMBLING and GROUP_RANK, with
 * their parameters checked against KDA's ranges.
 */
import { checkKdaRcfParameters } from '../../anomaly/index.ts';
import { SqlError } from '../errors.ts';
import type { Expr, FromItem, Ident, Select } from '../parser/ast.ts';
import type { ColumnDef } from '../plan/types.ts';
import { T, isDatetime, isNumeric, isString, typeToString } from '../plan/types.ts';
import type { PlanContext, Relation, Scope } from './binder.ts';
import { columnsScope, fromStream, streamScope } from './binder.ts';
import { bool, expr, projectItems } from './expressions.ts';
import { TABLE_FUNCTIONS, UNSUPPORTED_FUNCTIONS } from './functions.ts';

/** TABLE(fn(CURSOR(...), ...)) in FROM; `zipWith` is the source stream of the RANDOM_CUT_FOREST comma-join. */
export function tableFn(ctx: PlanContext, item: Extract<FromItem, { kind: 'tableFn' }>, zipWith?: Extract<FromItem, { kind: 'stream' }>): Relation {
  const fn = item.fn.name;
  if (!TABLE_FUNCTIONS.has(fn)) {
    if (UNSUPPORTED_FUNCTIONS.has(fn)) throw new SqlError(`table function ${fn} is not supported by Freshet yet`, item.fn.pos);
    throw new SqlError(`unknown table function ${fn}; Freshet supports ${[...TABLE_FUNCTIONS].join(', ')}`, item.fn.pos);
  }
  const cursor = item.args[0];
  if (cursor?.kind !== 'cursor') throw new SqlError(`the first argument of ${fn} must be CURSOR(SELECT STREAM ...)`, cursor?.pos ?? item.pos);
  if (fn === 'HOTSPOTS') {
    if (zipWith) throw new SqlError('HOTSPOTS cannot be comma-joined with a stream; its output already carries the cursor columns', item.pos);
    return hotspots(ctx, item, cursor.query);
  }
  if (fn === 'TOP_K_ITEMS_TUMBLING' || fn === 'COUNT_DISTINCT_ITEMS_TUMBLING') {
    if (zipWith) throw new SqlError(`${fn} cannot be comma-joined with a stream`, item.pos);
    return itemsFn(ctx, item, cursor.query);
  }
  if (fn === 'GROUP_RANK') {
    if (zipWith) throw new SqlError('GROUP_RANK cannot be comma-joined with a stream; its output already carries the cursor columns', item.pos);
    return groupRank(ctx, item, cursor.query);
  }
  const explain = fn === 'RANDOM_CUT_FOREST_WITH_EXPLANATION';
  const defaults: (number | boolean)[] = [100, 256, 100000, 1];
  if (explain) defaults.push(false);
  const limits: [number, number, string][] = [
    [1, 1000, 'numberOfTrees'],
    [10, 1000, 'subSampleSize'],
    [1, Number.MAX_SAFE_INTEGER, 'timeDecay'],
    [1, 30, 'shingleSize'],
  ];
  const rest = item.args.slice(1);
  if (rest.length > defaults.length) throw new SqlError(`${fn} takes at most ${defaults.length} parameters after the cursor`, rest[defaults.length]!.pos);
  const params: (number | boolean)[] = defaults.map((d, i) => {
    const a = rest[i];
    if (!a || (a.kind === 'literal' && a.value === null)) return d;
    if (i === 4) {
      if (a.kind !== 'literal' || typeof a.value !== 'boolean') throw new SqlError('withDirectionality must be TRUE or FALSE', a.pos);
      return a.value;
    }
    if (a.kind !== 'literal' || typeof a.value !== 'number' || !Number.isInteger(a.value))
      throw new SqlError(`${limits[i]![2]} must be an integer literal`, a.pos);
    const [lo, hi, nm] = limits[i]!;
    if (a.value < lo || a.value > hi) throw new SqlError(`${nm} must be between ${lo} and ${hi}, got ${a.value}`, a.pos);
    return a.value;
  });
  const rangeProblem = checkKdaRcfParameters({
    numberOfTrees: params[0] as number,
    subSampleSize: params[1] as number,
    timeDecay: params[2] as number,
    shingleSize: params[3] as number,
  });
  if (rangeProblem) throw new SqlError(rangeProblem, item.pos);
  const fnCols: ColumnDef[] = [{ name: 'ANOMALY_SCORE', type: T.DOUBLE }];
  if (explain) fnCols.push({ name: 'ANOMALY_EXPLANATION', type: { name: 'VARCHAR', length: 20480 } });
  const fnQual = item.alias?.name ?? fn;
  if (zipWith) {
    const q = cursor.query;
    if (q.groupBy || q.stagger || q.orderBy || q.windows.length)
      throw new SqlError('when a table function is joined with its source stream, its CURSOR must be a plain SELECT STREAM ... [WHERE ...]', q.pos);
    const src = fromStream(ctx, zipWith);
    const srcScope = streamScope(
      ctx.streams.get(zipWith.name.name)!.columns,
      (q.from[0] as { alias?: Ident }).alias?.name ?? zipWith.name.name,
      ctx.streams.get(zipWith.name.name)!.kind === 'input',
    );
    const filter = q.where ? bool(expr(q.where, srcScope), q.where) : null;
    const { exprs, columns } = projectItems(q, srcScope, undefined);
    const cursorColumns = columns;
    const outScope: Scope = {
      cols: [
        ...src.scope.cols,
        ...[...cursorColumns, ...fnCols].map((c, i) => ({ quals: [fnQual], name: c.name, type: c.type, index: src.scope.width + i, hidden: false })),
      ],
      width: src.scope.width + cursorColumns.length + fnCols.length,
      rowtimeQuals: [...src.scope.rowtimeQuals, fnQual],
      extraRowtimes: new Map(),
    };
    return {
      root: { op: 'tableFn', fn, input: src.root, filter, project: exprs, passSource: true, sourceWidth: src.scope.width, cursorColumns, params },
      scope: outScope,
    };
  }
  const sub = ctx.select(cursor.query);
  const outCols = [...sub.columns, ...fnCols];
  return {
    root: {
      op: 'tableFn',
      fn,
      input: sub.root,
      filter: null,
      project: sub.columns.map((c, i) => ({ k: 'col', i: i + 1, t: c.type })),
      passSource: false,
      sourceWidth: 0,
      cursorColumns: sub.columns,
      params,
    },
    scope: columnsScope(outCols, fnQual),
  };
}

/** HOTSPOTS(CURSOR(...), windowSize, scanRadius, minimumNumberOfPointsInAHotspot) → cursor columns + HOTSPOTS_RESULT. */
function hotspots(ctx: PlanContext, item: Extract<FromItem, { kind: 'tableFn' }>, query: Select): Relation {
  const rest = item.args.slice(1);
  if (rest.length !== 3) throw new SqlError('HOTSPOTS takes the cursor, windowSize, scanRadius and minimumNumberOfPointsInAHotspot', item.pos);
  const num = (a: Expr, name: string, lo: number, hi: number, integer: boolean): number => {
    if (a.kind !== 'literal' || typeof a.value !== 'number' || (integer && !Number.isInteger(a.value)))
      throw new SqlError(`${name} must be ${integer ? 'an integer' : 'a number'} literal`, a.pos);
    if (a.value < lo || a.value > hi) throw new SqlError(`${name} must be between ${lo} and ${hi}, got ${a.value}`, a.pos);
    return a.value;
  };
  const windowSize = num(rest[0]!, 'windowSize', 100, 1000, true);
  const scanRadius = num(rest[1]!, 'scanRadius', Number.MIN_VALUE, Number.MAX_VALUE, false);
  const minPoints = num(rest[2]!, 'minimumNumberOfPointsInAHotspot', 2, windowSize, true);
  const sub = ctx.select(query);
  if (!sub.columns.some((c) => isNumeric(c.type) && c.type.name !== 'NULL'))
    throw new SqlError('HOTSPOTS needs at least one numeric column in its cursor', query.pos);
  const outCols = [...sub.columns, { name: 'HOTSPOTS_RESULT', type: { name: 'VARCHAR', length: 10000 } } as ColumnDef];
  const qual = item.alias?.name ?? 'HOTSPOTS';
  return {
    root: {
      op: 'tableFn',
      fn: 'HOTSPOTS',
      input: sub.root,
      filter: null,
      project: sub.columns.map((c, i) => ({ k: 'col', i: i + 1, t: c.type })),
      passSource: false,
      sourceWidth: 0,
      cursorColumns: sub.columns,
      params: [windowSize, scanRadius, minPoints],
    },
    scope: columnsScope(outCols, qual),
  };
}

/**
 * TOP_K_ITEMS_TUMBLING(CURSOR(...), 'column', K, windowSizeSeconds) → (column, ITEM_COUNT) and
 * COUNT_DISTINCT_ITEMS_TUMBLING(CURSOR(...), 'column', windowSizeSeconds) → (NUMBER_OF_DISTINCT_ITEMS),
 * once per tumbling window of ROWTIME.
 */
function itemsFn(ctx: PlanContext, item: Extract<FromItem, { kind: 'tableFn' }>, query: Select): Relation {
  const fn = item.fn.name;
  const topK = fn === 'TOP_K_ITEMS_TUMBLING';
  const rest = item.args.slice(1);
  const want = topK ? 3 : 2;
  if (rest.length !== want) throw new SqlError(`${fn} takes the cursor, 'columnName'${topK ? ', K' : ''} and windowSize (seconds)`, item.pos);
  const colArg = rest[0]!;
  if (colArg.kind !== 'literal' || typeof colArg.value !== 'string')
    throw new SqlError("columnName must be a quoted string such as 'TICKER_SYMBOL'", colArg.pos);
  const sub = ctx.select(query);
  const ci = sub.columns.findIndex((c) => c.name === colArg.value);
  if (ci < 0) throw new SqlError(`the cursor has no column '${colArg.value}'; it has ${sub.columns.map((c) => `'${c.name}'`).join(', ')}`, colArg.pos);
  const int = (a: Expr, name: string, lo: number, hi: number): number => {
    if (a.kind !== 'literal' || typeof a.value !== 'number' || !Number.isInteger(a.value)) throw new SqlError(`${name} must be an integer literal`, a.pos);
    if (a.value < lo || a.value > hi) throw new SqlError(`${name} must be between ${lo} and ${hi}, got ${a.value}`, a.pos);
    return a.value;
  };
  const k = topK ? int(rest[1]!, 'K', 1, 100000) : 0;
  const windowSeconds = int(rest[want - 1]!, 'windowSize', 1, 3600);
  const outCols: ColumnDef[] = topK
    ? [
        { name: sub.columns[ci]!.name, type: sub.columns[ci]!.type },
        { name: 'ITEM_COUNT', type: T.BIGINT },
      ]
    : [{ name: 'NUMBER_OF_DISTINCT_ITEMS', type: T.BIGINT }];
  const qual = item.alias?.name ?? fn;
  return {
    root: {
      op: 'tableFn',
      fn,
      input: sub.root,
      filter: null,
      project: [{ k: 'col', i: ci + 1, t: sub.columns[ci]!.type }],
      passSource: false,
      sourceWidth: 0,
      cursorColumns: sub.columns,
      params: [k, windowSeconds * 1000],
    },
    scope: columnsScope(outCols, qual),
  };
}

/**
 * GROUP_RANK(CURSOR(...), 'rankByColumnName', 'rankOutColumnName', sortOrder, outputOrder, maxIdle, outputMax)
 * → the cursor's columns and the rank (INTEGER) under rankOutColumnName (KDA's Group Rank: rows that
 * share a ROWTIME form a group; RANK() by the column; 'asc' | 'desc'; maxIdle ms, 0 = no idle timeout;
 * outputMax rows per group, 0 = all).
 */
function groupRank(ctx: PlanContext, item: Extract<FromItem, { kind: 'tableFn' }>, query: Select): Relation {
  const rest = item.args.slice(1);
  if (rest.length !== 6) {
    throw new SqlError(
      `GROUP_RANK takes the cursor, 'rankByColumnName', 'rankOutColumnName', sortOrder ('asc' or 'desc'), outputOrder ('asc' or 'desc'), maxIdle (ms) and outputMax; got ${rest.length} parameter(s) after the cursor`,
      item.pos,
    );
  }
  const text = (a: Expr, name: string): string => {
    if (a.kind !== 'literal' || typeof a.value !== 'string') throw new SqlError(`${name} must be a quoted string`, a.pos);
    return a.value;
  };
  const order = (a: Expr, name: string): 'asc' | 'desc' => {
    const v = a.kind === 'literal' && typeof a.value === 'string' ? a.value.trim().toLowerCase() : '';
    if (v !== 'asc' && v !== 'desc') throw new SqlError(`${name} must be 'asc' or 'desc'`, a.pos);
    return v;
  };
  const int = (a: Expr, name: string): number => {
    if (a.kind !== 'literal' || typeof a.value !== 'number' || !Number.isInteger(a.value) || a.value < 0 || a.value > 2147483647) {
      throw new SqlError(`${name} must be a non-negative integer literal (0 = ${name === 'maxIdle' ? 'no idle timeout' : 'no limit'})`, a.pos);
    }
    return a.value;
  };
  const sub = ctx.select(query);
  const rankBy = text(rest[0]!, 'rankByColumnName');
  const ci = sub.columns.findIndex((c) => c.name === rankBy);
  if (ci < 0) {
    const hint = sub.columns.find((c) => c.name.toUpperCase() === rankBy.toUpperCase());
    throw new SqlError(
      `the cursor has no column '${rankBy}'${hint ? `; did you mean '${hint.name}'? (the name is matched exactly)` : `; it has ${sub.columns.map((c) => `'${c.name}'`).join(', ')}`}`,
      rest[0]!.pos,
    );
  }
  const t = sub.columns[ci]!.type;
  if (!isNumeric(t) && !isString(t) && !isDatetime(t))
    throw new SqlError(`GROUP_RANK ranks by a number, text or time column; '${rankBy}' is ${typeToString(t)}`, rest[0]!.pos);
  const rankOut = text(rest[1]!, 'rankOutColumnName');
  if (rankOut.length === 0) throw new SqlError('rankOutColumnName cannot be empty', rest[1]!.pos);
  if (sub.columns.some((c) => c.name === rankOut))
    throw new SqlError(`rankOutColumnName '${rankOut}' is already a column of the cursor; choose another name`, rest[1]!.pos);
  const sortOrder = order(rest[2]!, 'sortOrder');
  const outputOrder = order(rest[3]!, 'outputOrder');
  const maxIdle = int(rest[4]!, 'maxIdle');
  const outputMax = int(rest[5]!, 'outputMax');
  const outCols: ColumnDef[] = [...sub.columns, { name: rankOut, type: T.INTEGER }];
  const qual = item.alias?.name ?? 'GROUP_RANK';
  return {
    root: {
      op: 'tableFn',
      fn: 'GROUP_RANK',
      input: sub.root,
      filter: null,
      project: [{ k: 'col', i: ci + 1, t }],
      passSource: false,
      sourceWidth: 0,
      cursorColumns: sub.columns,
      params: [sortOrder, outputOrder, maxIdle, outputMax],
    },
    scope: columnsScope(outCols, qual),
  };
}
