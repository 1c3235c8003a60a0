/**
 * Flink SQL expressions → typed plan expressions (PExpr): operators with
 * Flink's typing (no implicit text/number conversion in comparisons; INT / INT
 * is INT), CAST and TRY_CAST, CASE, LIKE, IS [NOT] DISTINCT FROM, temporal
 * arithmetic and the built-in function catalog. A hook lets aggregation,
 * OVER and window planning answer for sub-expressions first.
 */
import { SqlError } from '../../errors.ts';
import type { PExpr } from '../../plan/plan.ts';
import type { SqlType } from '../../plan/types.ts';
import { isDatetime, isIntegral, isNumeric } from '../../plan/types.ts';
import type { Expr, Pos } from '../ast.ts';
import { FUNCTIONS, AGGREGATES, WINDOW_FUNCTIONS } from './functions.ts';
import type { Rel } from './relation.ts';
import { colExpr, fieldAccess, lit, resolveColumn } from './relation.ts';
import { FT, commonType, comparable, flinkType, isText, widerNumber } from './types.ts';

export type Hook = (e: Expr) => PExpr | undefined;

export interface ExprContext {
  rel: Rel;
  hook?: Hook;
  /** Where the expression is (for messages: 'WHERE', 'a computed column', ...). */
  where?: string;
}

const call = (fn: string, args: PExpr[], t: SqlType): PExpr => ({ k: 'call', fn, args, t });
const typeLit = (t: SqlType): PExpr => lit(JSON.stringify(t), FT.STRING);

export function constInterval(e: Expr, what: string): number {
  if (e.kind === 'interval') {
    if (e.months !== 0) throw new SqlError(`${what} must be a day-time interval (SECOND, MINUTE, HOUR, DAY), not months or years`, e.pos);
    return e.ms;
  }
  throw new SqlError(`${what} must be an interval such as INTERVAL '1' MINUTE`, e.pos);
}

/** `p` as a condition: BOOLEAN (or NULL), else a plan error. */
export function bool(p: PExpr, pos: Pos, where = 'a condition'): PExpr {
  if (p.t.name !== 'BOOLEAN' && p.t.name !== 'NULL' && p.t.name !== 'ANY') throw new SqlError(`${where} must be BOOLEAN, but this is ${flinkType(p.t)}`, pos);
  return p;
}

/** The text of a value for concatenation (Flink casts non-text operands of || and CONCAT to STRING). */
function asText(p: PExpr): PExpr {
  if (isText(p.t) || p.t.name === 'NULL') return p;
  return call('fText', [p, typeLit(p.t)], FT.STRING);
}

export function containsAgg(e: Expr): boolean {
  let found = false;
  walk(e, (x) => {
    if (x.kind === 'call' && !x.over && AGGREGATES.has(x.name)) found = true;
  });
  return found;
}

export function containsOver(e: Expr): boolean {
  let found = false;
  walk(e, (x) => {
    if (x.kind === 'call' && x.over) found = true;
  });
  return found;
}

export function walk(e: Expr, f: (e: Expr) => void): void {
  f(e);
  const kids: (Expr | undefined)[] = [];
  switch (e.kind) {
    case 'unary':
    case 'cast':
    case 'floorTo':
    case 'extract':
    case 'field':
      kids.push(e.arg);
      break;
    case 'binary':
      kids.push(e.left, e.right);
      break;
    case 'distinctFrom':
      kids.push(e.left, e.right);
      break;
    case 'call':
      kids.push(...e.args, e.filter);
      break;
    case 'case':
      kids.push(e.operand, e.else, ...e.whens.flatMap((w) => [w.when, w.then]));
      break;
    case 'between':
      kids.push(e.arg, e.low, e.high);
      break;
    case 'in':
      kids.push(e.arg, ...e.list);
      break;
    case 'inQuery':
      kids.push(e.arg);
      break;
    case 'like':
      kids.push(e.arg, e.pattern, e.escape);
      break;
    case 'is':
      kids.push(e.arg);
      break;
    case 'timestampFn':
      kids.push(...e.args);
      break;
    case 'position':
      kids.push(e.sub, e.str, e.from);
      break;
    case 'trim':
      kids.push(e.chars, e.arg);
      break;
    case 'substring':
      kids.push(e.arg, e.from, e.for);
      break;
    case 'overlay':
      kids.push(e.arg, e.placing, e.from, e.for);
      break;
    case 'jsonValue':
      kids.push(e.arg, e.path, e.onEmpty.value, e.onError.value);
      break;
    case 'jsonQuery':
    case 'jsonExists':
      kids.push(e.arg, e.path);
      break;
    case 'jsonObject':
      for (const x of e.entries) kids.push(x.key, x.value);
      break;
    case 'jsonArray':
    case 'array':
    case 'map':
    case 'row':
      kids.push(...e.items);
      break;
    case 'index':
      kids.push(e.arg, e.index);
      break;
    default:
      break;
  }
  for (const k of kids) if (k) walk(k, f);
}

/** Folds `TIMESTAMP '2021-01-31 14:00:00'` and friends at plan time (a bad literal is a plan error with its position). */
function foldDatetime(s: string, t: SqlType, pos: Pos): number {
  if (t.name === 'TIME') {
    const tm = /^\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*$/.exec(s);
    if (!tm) throw new SqlError(`Illegal TIME literal '${s}': not in format 'HH:mm:ss'`, pos);
    return ((Number(tm[1]) * 60 + Number(tm[2])) * 60 + Number(tm[3] ?? 0)) * 1000 + Math.floor(Number(`0.${tm[4] ?? '0'}`) * 1000);
  }
  const m = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*$/.exec(s);
  if (!m || (t.name === 'DATE' && m[4] !== undefined)) {
    throw new SqlError(
      `Illegal ${t.name === 'DATE' ? 'DATE' : 'TIMESTAMP'} literal '${s}': not in format '${t.name === 'DATE' ? 'yyyy-MM-dd' : 'yyyy-MM-dd HH:mm:ss'}'`,
      pos,
    );
  }
  return Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
    Math.floor(Number(`0.${m[7] ?? '0'}`) * 1000),
  );
}

export function cast(a: PExpr, to: SqlType, tryCast: boolean, pos: Pos): PExpr {
  if (a.k === 'lit' && typeof a.v === 'string' && (to.name === 'TIMESTAMP' || to.name === 'DATE' || to.name === 'TIME') && !tryCast) {
    const ms = foldDatetime(a.v, to, pos);
    return lit(to.name === 'DATE' ? Math.floor(ms / 86_400_000) * 86_400_000 : ms, to);
  }
  if (!tryCast && a.t.name === to.name && a.t.length === to.length && a.t.scale === to.scale && !!a.t.ltz === !!to.ltz && a.t.name !== 'DECIMAL')
    return { ...a, t: to };
  if (isText(to) && !isText(a.t) && a.t.name !== 'NULL') {
    // The text of a value depends on its type (1.0E7 for a DOUBLE, 2021-01-31 14:00:00.500 for a TIMESTAMP(3)).
    const txt = call('fText', [a, typeLit(a.t)], FT.STRING);
    return to.length === undefined ? txt : call('fCast', [txt, typeLit(to)], to);
  }
  if ((to.name === 'ARRAY' || to.name === 'MAP' || to.name === 'ROW') && a.t.name !== to.name && a.t.name !== 'NULL')
    throw new SqlError(`Cast function cannot convert value of type ${flinkType(a.t)} to type ${flinkType(to)}`, pos);
  return call(tryCast ? 'tryCast' : 'fCast', [a, typeLit(to)], to);
}

/** Plans one expression over `ctx.rel`. */
export function expr(e: Expr, ctx: ExprContext): PExpr {
  if (ctx.hook) {
    const h = ctx.hook(e);
    if (h) return h;
  }
  const sub = (x: Expr): PExpr => expr(x, ctx);
  switch (e.kind) {
    case 'literal':
      return lit(e.value, e.type);
    case 'interval':
      if (e.months !== 0) return { k: 'lit', v: e.months, t: { name: 'INTERVAL', precision: -1 } };
      return lit(e.ms, FT.INTERVAL);
    case 'column': {
      const { col, fields } = resolveColumn(e, ctx.rel);
      let p = colExpr(col);
      for (const f of fields) p = fieldAccess(p, f);
      return p;
    }
    case 'field':
      return fieldAccess(sub(e.arg), e.field);
    case 'index': {
      const a = sub(e.arg);
      const i = sub(e.index);
      if (a.t.name === 'ARRAY') {
        if (!isIntegral(i.t) && i.t.name !== 'NULL') throw new SqlError(`an ARRAY index must be an integer, got ${flinkType(i.t)}`, e.index.pos);
        return call('at', [a, i], a.t.element ?? FT.ANY);
      }
      if (a.t.name === 'MAP') return call('at', [a, i], a.t.value ?? FT.ANY);
      if (a.t.name === 'ROW' && i.k === 'lit' && typeof i.v === 'string') return fieldAccess(a, { name: i.v, pos: e.index.pos });
      throw new SqlError(`[...] needs an ARRAY, MAP or ROW, but the value is ${flinkType(a.t)}`, e.pos);
    }
    case 'unary': {
      const a = sub(e.arg);
      if (e.op === 'NOT') return call('not', [bool(a, e.arg.pos, 'NOT')], FT.BOOLEAN);
      if (!isNumeric(a.t) && a.t.name !== 'INTERVAL') throw new SqlError(`Cannot apply '${e.op}' to arguments of type '${e.op}<${flinkType(a.t)}>'`, e.pos);
      return e.op === '-' ? call('neg', [a], a.t) : a;
    }
    case 'binary':
      return binary(e, sub(e.left), sub(e.right));
    case 'distinctFrom': {
      const p = call('isDistinctFrom', [sub(e.left), sub(e.right)], FT.BOOLEAN);
      return e.not ? call('not', [p], FT.BOOLEAN) : p;
    }
    case 'cast':
      return cast(sub(e.arg), e.type, e.tryCast, e.pos);
    case 'case': {
      const whens = e.whens.map((w) => {
        const when = e.operand ? compare('=', sub(e.operand), sub(w.when), w.when.pos) : bool(sub(w.when), w.when.pos, 'WHEN');
        return { when, then: sub(w.then) };
      });
      const els = e.else ? sub(e.else) : null;
      let t: SqlType = FT.NULL;
      for (const x of [...whens.map((w) => w.then), ...(els ? [els] : [])]) {
        const c = commonType(t, x.t);
        if (!c) throw new SqlError(`Illegal mixing of types in CASE or COALESCE statement: ${flinkType(t)} and ${flinkType(x.t)}`, e.pos);
        t = c;
      }
      return { k: 'case', whens, else: els, t };
    }
    case 'between': {
      const a = sub(e.arg);
      const p = call('and', [compare('>=', a, sub(e.low), e.pos), compare('<=', a, sub(e.high), e.pos)], FT.BOOLEAN);
      return e.not ? call('not', [p], FT.BOOLEAN) : p;
    }
    case 'in': {
      const a = sub(e.arg);
      const list = e.list.map((x) => {
        const p = sub(x);
        if (!comparable(a.t, p.t)) throw new SqlError(`Values in expression list must have compatible types: ${flinkType(a.t)} and ${flinkType(p.t)}`, x.pos);
        return p;
      });
      const p = call('in', [a, ...list], FT.BOOLEAN);
      return e.not ? call('not', [p], FT.BOOLEAN) : p;
    }
    case 'like': {
      const a = sub(e.arg);
      if (!isText(a.t) && a.t.name !== 'NULL')
        throw new SqlError(`Cannot apply '${e.similar ? 'SIMILAR TO' : 'LIKE'}' to arguments of type ${flinkType(a.t)}`, e.pos);
      const p = call(e.similar ? 'similar' : 'like', [a, sub(e.pattern), e.escape ? sub(e.escape) : lit(null, FT.NULL)], FT.BOOLEAN);
      return e.not ? call('not', [p], FT.BOOLEAN) : p;
    }
    case 'is': {
      const a = sub(e.arg);
      let p: PExpr;
      switch (e.what) {
        case 'NULL':
          return call(e.not ? 'isNotNull' : 'isNull', [a], FT.BOOLEAN);
        case 'TRUE':
          p = call('isTrue', [a], FT.BOOLEAN);
          break;
        case 'FALSE':
          p = call('isFalse', [a], FT.BOOLEAN);
          break;
        case 'UNKNOWN':
          p = call('isUnknown', [a], FT.BOOLEAN);
          break;
        default:
          p = call('isJson', [a], FT.BOOLEAN);
      }
      return e.not ? call('not', [p], FT.BOOLEAN) : p;
    }
    case 'floorTo': {
      const a = sub(e.arg);
      if (!isDatetime(a.t)) throw new SqlError(`${e.ceil ? 'CEIL' : 'FLOOR'}(x TO ${e.unit}) needs a TIMESTAMP or DATE, got ${flinkType(a.t)}`, e.arg.pos);
      if (!['MILLISECOND', 'SECOND', 'MINUTE', 'HOUR', 'DAY', 'MONTH', 'YEAR'].includes(e.unit))
        throw new SqlError(`${e.ceil ? 'CEIL' : 'FLOOR'} TO ${e.unit} is not supported; use SECOND, MINUTE, HOUR, DAY, MONTH or YEAR`, e.pos);
      return call(e.ceil ? 'ceilTo' : 'floorTo', [a, lit(e.unit, FT.STRING)], a.t);
    }
    case 'extract': {
      const a = sub(e.arg);
      if (!isDatetime(a.t) && a.t.name !== 'NULL') throw new SqlError(`EXTRACT needs a TIMESTAMP, DATE or TIME, got ${flinkType(a.t)}`, e.arg.pos);
      return call('extract', [lit(e.unit, FT.STRING), a], FT.BIGINT);
    }
    case 'timestampFn': {
      const [a, b] = [sub(e.args[0]), sub(e.args[1])];
      if (e.fn === 'TIMESTAMPADD') {
        if (!isIntegral(a.t)) throw new SqlError(`TIMESTAMPADD's second argument must be an integer, got ${flinkType(a.t)}`, e.args[0].pos);
        if (!isDatetime(b.t)) throw new SqlError(`TIMESTAMPADD's third argument must be a TIMESTAMP or DATE, got ${flinkType(b.t)}`, e.args[1].pos);
        return call('timestampAdd', [lit(e.unit, FT.STRING), a, b], b.t);
      }
      if (!isDatetime(a.t) || !isDatetime(b.t)) throw new SqlError('TIMESTAMPDIFF compares two TIMESTAMPs or DATEs', e.pos);
      return call('timestampDiff', [lit(e.unit, FT.STRING), a, b], FT.INT);
    }
    case 'position':
      return call('position', [sub(e.sub), sub(e.str), e.from ? sub(e.from) : lit(null, FT.NULL)], FT.INT);
    case 'trim':
      return call('trim', [lit(e.mode, FT.STRING), e.chars ? sub(e.chars) : lit(null, FT.NULL), sub(e.arg)], FT.STRING);
    case 'substring':
      return call('substring', [sub(e.arg), sub(e.from), e.for ? sub(e.for) : lit(null, FT.NULL)], FT.STRING);
    case 'overlay':
      return call('overlay', [sub(e.arg), sub(e.placing), sub(e.from), ...(e.for ? [sub(e.for)] : [])], FT.STRING);
    case 'jsonValue': {
      const t = e.returning ?? FT.STRING;
      return call(
        'jsonValue',
        [
          sub(e.arg),
          sub(e.path),
          typeLit(t),
          lit(e.onEmpty.kind, FT.STRING),
          e.onEmpty.value ? sub(e.onEmpty.value) : lit(null, FT.NULL),
          lit(e.onError.kind, FT.STRING),
          e.onError.value ? sub(e.onError.value) : lit(null, FT.NULL),
        ],
        t,
      );
    }
    case 'jsonQuery':
      return call('jsonQuery', [sub(e.arg), sub(e.path), lit(e.wrapper, FT.STRING), lit(e.onEmpty, FT.STRING), lit(e.onError, FT.STRING)], FT.STRING);
    case 'jsonExists':
      return call('jsonExists', [sub(e.arg), sub(e.path)], FT.BOOLEAN);
    case 'jsonObject': {
      const args: PExpr[] = [lit(e.absentOnNull, FT.BOOLEAN)];
      for (const x of e.entries) args.push(sub(x.key), jsonArg(x.value, sub(x.value)));
      return call('jsonObject', args, FT.STRING);
    }
    case 'jsonArray':
      return call('jsonArray', [lit(e.absentOnNull, FT.BOOLEAN), ...e.items.map((x) => jsonArg(x, sub(x)))], FT.STRING);
    case 'array': {
      const items = e.items.map(sub);
      let t: SqlType = FT.NULL;
      for (const x of items) t = commonType(t, x.t) ?? FT.ANY;
      return call('arrayOf', items, { name: 'ARRAY', element: t });
    }
    case 'map': {
      const items = e.items.map(sub);
      let kt: SqlType = FT.NULL;
      let vt: SqlType = FT.NULL;
      items.forEach((x, i) => {
        if (i % 2 === 0) kt = commonType(kt, x.t) ?? FT.ANY;
        else vt = commonType(vt, x.t) ?? FT.ANY;
      });
      return call('mapOf', items, { name: 'MAP', key: kt, value: vt });
    }
    case 'row': {
      const items = e.items.map(sub);
      return call('rowOf', items, { name: 'ROW', fields: items.map((x, i) => ({ name: `EXPR$${i}`, type: x.t })) });
    }
    case 'subquery':
      throw new SqlError('a scalar subquery is supported in the SELECT list and WHERE of a query; elsewhere, rewrite it as a join', e.pos);
    case 'inQuery':
    case 'exists':
      throw new SqlError(
        e.kind === 'exists'
          ? 'EXISTS over a grouped, ordered or limited subquery is supported as a condition of WHERE, alone or joined with AND (a semi or anti join); elsewhere rewrite it as a join'
          : 'IN (SELECT ...) is supported as a condition of WHERE, alone or joined with AND (a semi or anti join); elsewhere (under OR, in the SELECT list) write EXISTS (SELECT ... WHERE column = value)',
        e.pos,
      );
    case 'call':
      return callExpr(e, sub, ctx);
  }
}

/** A JSON function's argument that is itself JSON (JSON_OBJECT, JSON_ARRAY, JSON_QUERY) is nested as JSON, not as text. */
function jsonArg(x: Expr, p: PExpr): PExpr {
  if (x.kind === 'jsonObject' || x.kind === 'jsonArray' || x.kind === 'jsonQuery') return call('jsonRaw', [p], FT.ANY);
  return p;
}

export function compare(op: string, l: PExpr, r: PExpr, pos: Pos): PExpr {
  const fns: Record<string, string> = { '=': 'eq', '<>': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };
  if (!comparable(l.t, r.t)) {
    throw new SqlError(
      `Cannot apply '${op}' to arguments of type '<${flinkType(l.t)}> ${op} <${flinkType(r.t)}>'. Supported form(s): '<COMPARABLE_TYPE> ${op} <COMPARABLE_TYPE>'`,
      pos,
    );
  }
  return call(fns[op]!, [l, r], FT.BOOLEAN);
}

function binary(e: Extract<Expr, { kind: 'binary' }>, l: PExpr, r: PExpr): PExpr {
  const op = e.op;
  if (op === 'AND' || op === 'OR') {
    bool(l, e.left.pos, op);
    bool(r, e.right.pos, op);
    return call(op === 'AND' ? 'and' : 'or', [l, r], FT.BOOLEAN);
  }
  if (['=', '<>', '<', '<=', '>', '>='].includes(op)) return compare(op, l, r, e.pos);
  if (op === '||') return call('fConcat', [asText(l), asText(r)], FT.STRING);
  const timeArith = isDatetime(l.t) || isDatetime(r.t) || l.t.name === 'INTERVAL' || r.t.name === 'INTERVAL';
  if (timeArith) {
    const months = (x: PExpr): boolean => x.t.name === 'INTERVAL' && x.t.precision === -1;
    if ((op === '+' || op === '-') && isDatetime(l.t) && r.t.name === 'INTERVAL') {
      if (months(r)) return call('addMonths', [l, op === '+' ? r : call('neg', [r], r.t)], l.t);
      return call(op === '+' ? 'add' : 'sub', [l, r], l.t);
    }
    if (op === '+' && l.t.name === 'INTERVAL' && isDatetime(r.t)) return months(l) ? call('addMonths', [r, l], r.t) : call('add', [l, r], r.t);
    if ((op === '+' || op === '-') && l.t.name === 'INTERVAL' && r.t.name === 'INTERVAL' && months(l) === months(r))
      return call(op === '+' ? 'add' : 'sub', [l, r], l.t);
    if ((op === '*' || op === '/') && l.t.name === 'INTERVAL' && isNumeric(r.t)) return call(op === '*' ? 'mul' : 'div', [l, r], l.t);
    if (op === '*' && r.t.name === 'INTERVAL' && isNumeric(l.t)) return call('mul', [r, l], r.t);
    throw new SqlError(`Cannot apply '${op}' to arguments of type '<${flinkType(l.t)}> ${op} <${flinkType(r.t)}>'`, e.pos);
  }
  if (!isNumeric(l.t) || !isNumeric(r.t) || (l.t.name === 'NULL' && r.t.name === 'NULL'))
    throw new SqlError(
      `Cannot apply '${op}' to arguments of type '<${flinkType(l.t)}> ${op} <${flinkType(r.t)}>'. Supported form(s): '<NUMERIC> ${op} <NUMERIC>'`,
      e.pos,
    );
  const t = l.t.name === 'NULL' ? r.t : r.t.name === 'NULL' ? l.t : widerNumber(l.t, r.t);
  if (op === '/') return call(isIntegral(t) ? 'idiv' : 'div', [l, r], t);
  if (op === '%') return call('fMod', [l, r], t);
  const p = call(op === '+' ? 'add' : op === '-' ? 'sub' : 'mul', [l, r], t);
  if (t.name === 'REAL') return call('real', [p], t);
  if (t.name === 'BIGINT') return call('checkBigint', [p], t);
  return p;
}

function callExpr(e: Extract<Expr, { kind: 'call' }>, sub: (x: Expr) => PExpr, ctx: ExprContext): PExpr {
  if (AGGREGATES.has(e.name)) {
    throw new SqlError(
      e.over ? `${e.name} OVER (...) is not allowed here` : `Aggregate function ${e.name} is only allowed in the SELECT list or HAVING of a GROUP BY query`,
      e.pos,
    );
  }
  if (e.over || WINDOW_FUNCTIONS.has(e.name)) {
    throw new SqlError(
      WINDOW_FUNCTIONS.has(e.name) ? `${e.name}() needs an OVER (PARTITION BY ... ORDER BY ...) window` : `${e.name} cannot be used with OVER`,
      e.pos,
    );
  }
  if (e.filter) throw new SqlError('FILTER (WHERE ...) applies to aggregate functions only', e.filter.pos);
  const f = FUNCTIONS[e.name];
  if (!f) {
    if (['TUMBLE', 'HOP', 'SESSION', 'CUMULATE'].includes(e.name))
      throw new SqlError(
        `${e.name}(...) is a group window: use it in GROUP BY, or as a table function FROM TABLE(${e.name}(TABLE t, DESCRIPTOR(ts), ...))`,
        e.pos,
      );
    if (/^(TUMBLE|HOP|SESSION)_(START|END|ROWTIME|PROCTIME)$/.test(e.name))
      throw new SqlError(`${e.name} is only allowed in the SELECT list of a query grouped by ${e.name.split('_')[0]}(...)`, e.pos);
    throw new SqlError(
      `No match found for function signature ${e.name}(${e.args.map(() => '<ANY>').join(', ')}); it is not a Flink built-in function Freshet knows`,
      e.pos,
    );
  }
  const n = e.star ? -1 : e.args.length;
  if (n < f.min || n > f.max) {
    throw new SqlError(
      `Invalid number of arguments to function '${e.name}'. Was expecting ${f.min === f.max ? f.min : `${f.min} to ${f.max === Infinity ? 'any number of' : f.max}`} arguments`,
      e.pos,
    );
  }
  if (e.distinct) throw new SqlError(`DISTINCT is only allowed in aggregate functions, not in ${e.name}`, e.pos);
  const args = e.args.map(sub);
  return f.plan(args, e, ctx);
}

export function exprType(p: PExpr): SqlType {
  return p.t;
}

export { commonType, comparable };
