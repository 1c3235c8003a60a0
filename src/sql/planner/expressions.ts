/**
 * Expression planning: AST expressions → typed PExpr (operators, casts with
 * plan-time folding of datetime literals, CASE, LIKE, scalar function calls
 * checked against the catalog), the SELECT list, and the walkers that find
 * aggregates and OVER windows in an expression.
 */
import { SqlError } from '../errors.ts';
import type { Expr, Pos, Select } from '../parser/ast.ts';
import type { PExpr } from '../plan/plan.ts';
import type { ColumnDef, SqlType } from '../plan/types.ts';
import { T, isDatetime, isIntegral, isNumeric, isString, typeToString, widerNumeric } from '../plan/types.ts';
import type { Scope } from './binder.ts';
import { describeIdent, fieldOf, resolve } from './binder.ts';
import { AGGREGATE_FUNCTIONS, SCALAR_FUNCTIONS, TABLE_FUNCTIONS, UNSUPPORTED_FUNCTIONS } from './functions.ts';
import { LOG_PARSERS, logParser } from './log-parsers.ts';
import { lit, slotsOf } from './pexpr.ts';

/** A hook lets aggregation and sliding contexts replace sub-expressions before normal planning. */
export type Hook = (e: Expr) => PExpr | undefined;
const UNIT_MS_PLAN: Record<string, number> = {
  MILLISECOND: 1,
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: 86_400_000,
  MONTH: 30 * 86_400_000,
  YEAR: 365 * 86_400_000,
};

export function constInterval(e: Expr): number {
  if (e.kind === 'interval') return e.ms;
  throw new SqlError("expected an interval such as INTERVAL '1' MINUTE", e.pos);
}

/** The SELECT list in `scope`: `*` and `q.*` expanded, each item planned and named (alias, column name or EXPR$n). */
export function projectItems(q: Select, scope: Scope, hook: Hook | undefined): { exprs: PExpr[]; columns: ColumnDef[] } {
  const exprs: PExpr[] = [];
  const columns: ColumnDef[] = [];
  let n = 0;
  for (const it of q.items) {
    if (it.kind === 'star') {
      const cols = scope.cols.filter((c) => !c.hidden && (!it.qualifier || c.quals.includes(it.qualifier.name)));
      if (cols.length === 0) throw new SqlError(it.qualifier ? `no relation called ${describeIdent(it.qualifier)} in FROM` : 'nothing to select', it.pos);
      for (const c of cols) {
        const p: PExpr = { k: 'col', i: c.index, t: c.type };
        exprs.push(
          hook
            ? expr(
                {
                  kind: 'column',
                  qualifier: { name: c.quals[0] ?? '', quoted: true, pos: it.pos },
                  name: { name: c.name, quoted: true, pos: it.pos },
                  pos: it.pos,
                },
                scope,
                hook,
              )
            : p,
        );
        columns.push({ name: c.name, type: c.type });
      }
      continue;
    }
    n++;
    const p = expr(it.expr, scope, hook);
    exprs.push(p);
    const name = it.alias?.name ?? (it.expr.kind === 'column' ? it.expr.name.name : `EXPR$${n - 1}`);
    columns.push({ name, type: p.t });
  }
  return { exprs, columns };
}

export function containsAgg(e: Expr): boolean {
  let found = false;
  walk(e, (x) => {
    if (x.kind === 'call' && !x.over && AGGREGATE_FUNCTIONS.has(x.name)) found = true;
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

function walk(e: Expr, f: (e: Expr) => void): void {
  f(e);
  const kids: (Expr | undefined)[] = [];
  switch (e.kind) {
    case 'unary':
      kids.push(e.arg);
      break;
    case 'binary':
      kids.push(e.left, e.right);
      break;
    case 'call':
      kids.push(...e.args);
      break;
    case 'cast':
      kids.push(e.arg);
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
    case 'like':
      kids.push(e.arg, e.pattern, e.escape);
      break;
    case 'isNull':
      kids.push(e.arg);
      break;
    case 'floorTo':
      kids.push(e.arg);
      break;
    case 'intervalOf':
      kids.push(e.arg);
      break;
    case 'field':
      kids.push(e.arg);
      break;
    case 'step':
      kids.push(e.arg, e.by);
      break;
    case 'extract':
      kids.push(e.arg);
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
    default:
      break;
  }
  for (const k of kids) if (k) walk(k, f);
}

/** `p` as a condition: BOOLEAN (or NULL / ANY), else a plan error at `e`. */
export function bool(p: PExpr, e: Expr): PExpr {
  if (p.t.name !== 'BOOLEAN' && p.t.name !== 'NULL' && p.t.name !== 'ANY')
    throw new SqlError(`expected a condition (BOOLEAN) but this is ${typeToString(p.t)}`, e.pos);
  return p;
}
/** Types and plans one expression in `scope`; `hook` may answer for a sub-expression first (aggregates, OVER). */
export function expr(e: Expr, scope: Scope, hook?: Hook): PExpr {
  if (hook) {
    const h = hook(e);
    if (h) return h;
  }
  const sub = (x: Expr): PExpr => expr(x, scope, hook);
  switch (e.kind) {
    case 'literal':
      return lit(e.value, e.type);
    case 'interval':
      return lit(e.ms, T.INTERVAL);
    case 'column':
      if (e.name.name === 'CURRENT_ROW_TIMESTAMP' && !e.qualifier) return { k: 'call', fn: 'now', args: [], t: T.TIMESTAMP };
      return resolve(e, scope);
    case 'unary': {
      const a = sub(e.arg);
      if (e.op === 'NOT') return { k: 'call', fn: 'not', args: [bool(a, e.arg)], t: T.BOOLEAN };
      if (!isNumeric(a.t) && a.t.name !== 'INTERVAL') throw new SqlError(`unary ${e.op} needs a number, got ${typeToString(a.t)}`, e.pos);
      return e.op === '-' ? { k: 'call', fn: 'neg', args: [a], t: a.t } : a;
    }
    case 'binary':
      return binary(e, sub(e.left), sub(e.right));
    case 'cast': {
      const a = sub(e.arg);
      if (a.k === 'lit' && a.v !== null && (e.type.name === 'TIMESTAMP' || e.type.name === 'DATE' || e.type.name === 'TIME') && typeof a.v === 'string') {
        // Fold TIMESTAMP '...' literals at plan time so a bad literal is a plan error with a position.
        const folded = foldCast(a.v, e.type, e.pos);
        return lit(folded, e.type);
      }
      return { k: 'call', fn: 'cast', args: [a, lit(JSON.stringify(e.type), T.VARCHAR)], t: e.type };
    }
    case 'case': {
      const whens = e.whens.map((w) => {
        const when = e.operand ? { k: 'call' as const, fn: 'eq', args: [sub(e.operand), sub(w.when)], t: T.BOOLEAN } : bool(sub(w.when), w.when);
        return { when, then: sub(w.then) };
      });
      const els = e.else ? sub(e.else) : null;
      const types = [...whens.map((w) => w.then.t), ...(els ? [els.t] : [])].filter((t) => t.name !== 'NULL');
      let t = types[0] ?? T.NULL;
      for (const x of types.slice(1)) if (isNumeric(x) && isNumeric(t)) t = widerNumeric(t, x);
      return { k: 'case', whens, else: els, t };
    }
    case 'between': {
      const p: PExpr = { k: 'call', fn: 'between', args: [sub(e.arg), sub(e.low), sub(e.high)], t: T.BOOLEAN };
      return e.not ? { k: 'call', fn: 'not', args: [p], t: T.BOOLEAN } : p;
    }
    case 'in': {
      const p: PExpr = { k: 'call', fn: 'in', args: [sub(e.arg), ...e.list.map(sub)], t: T.BOOLEAN };
      return e.not ? { k: 'call', fn: 'not', args: [p], t: T.BOOLEAN } : p;
    }
    case 'like': {
      const p: PExpr = {
        k: 'call',
        fn: e.similar ? 'similar' : 'like',
        args: [sub(e.arg), sub(e.pattern), e.escape ? sub(e.escape) : lit(null, T.NULL)],
        t: T.BOOLEAN,
      };
      return e.not ? { k: 'call', fn: 'not', args: [p], t: T.BOOLEAN } : p;
    }
    case 'isNull':
      return { k: 'call', fn: e.not ? 'isNotNull' : 'isNull', args: [sub(e.arg)], t: T.BOOLEAN };
    case 'field':
      return fieldOf(sub(e.arg), e.field);
    case 'intervalOf': {
      const a = sub(e.arg);
      if (a.t.name === 'INTERVAL') return a; // intervals are milliseconds whatever their unit
      if (!isNumeric(a.t)) throw new SqlError(`(x) ${e.unit} needs an interval or a number, got ${typeToString(a.t)}`, e.pos);
      return { k: 'call', fn: 'mul', args: [a, lit(UNIT_MS_PLAN[e.unit]!, T.BIGINT)], t: T.INTERVAL };
    }
    case 'floorTo': {
      const a = sub(e.arg);
      if (!isDatetime(a.t) && a.t.name !== 'INTERVAL' && a.t.name !== 'ANY' && a.t.name !== 'NULL')
        throw new SqlError(`${e.ceil ? 'CEIL' : 'FLOOR'}(x TO ${e.unit}) needs a TIMESTAMP, got ${typeToString(a.t)}`, e.arg.pos);
      return { k: 'call', fn: e.ceil ? 'ceilTo' : 'floorTo', args: [a, lit(e.unit, T.VARCHAR)], t: a.t };
    }
    case 'step': {
      const a = sub(e.arg);
      const by = sub(e.by);
      if (by.k !== 'lit') throw new SqlError("STEP needs a constant: STEP(x BY INTERVAL '60' SECOND) or STEP(n BY 10)", e.by.pos);
      if (isDatetime(a.t) && by.t.name !== 'INTERVAL')
        throw new SqlError("STEP on a time needs an interval: STEP(s.ROWTIME BY INTERVAL '60' SECOND)", e.by.pos);
      return { k: 'call', fn: 'step', args: [a, by], t: a.t };
    }
    case 'extract':
      return { k: 'call', fn: 'extract', args: [lit(e.unit, T.VARCHAR), sub(e.arg)], t: T.BIGINT };
    case 'position':
      return { k: 'call', fn: 'position', args: [sub(e.sub), sub(e.str), e.from ? sub(e.from) : lit(null, T.NULL)], t: T.INTEGER };
    case 'trim':
      return { k: 'call', fn: 'trim', args: [lit(e.mode, T.VARCHAR), e.chars ? sub(e.chars) : lit(null, T.NULL), sub(e.arg)], t: T.VARCHAR };
    case 'substring':
      return { k: 'call', fn: 'substring', args: [sub(e.arg), sub(e.from), e.for ? sub(e.for) : lit(null, T.NULL)], t: T.VARCHAR };
    case 'cursor':
      throw new SqlError('CURSOR(...) is only valid as the first argument of a table function', e.pos);
    case 'call':
      return call(e, sub);
  }
}
function foldCast(s: string, t: SqlType, pos: Pos): number {
  const m = /^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?\s*$/.exec(s);
  if (t.name === 'TIME') {
    const tm = /^\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?\s*$/.exec(s);
    if (!tm) throw new SqlError(`'${s}' is not a TIME literal (HH:MM:SS)`, pos);
    return ((Number(tm[1]) * 60 + Number(tm[2])) * 60 + Number(tm[3] ?? 0)) * 1000 + Number((tm[4] ?? '0').padEnd(3, '0'));
  }
  if (!m) throw new SqlError(`'${s}' is not a ${t.name} literal (YYYY-MM-DD${t.name === 'TIMESTAMP' ? ' HH:MM:SS[.fff]' : ''})`, pos);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), Number((m[7] ?? '0').padEnd(3, '0')));
}

function binary(e: Extract<Expr, { kind: 'binary' }>, l: PExpr, r: PExpr): PExpr {
  const op = e.op;
  if (op === 'AND' || op === 'OR') {
    bool(l, e.left);
    bool(r, e.right);
    return { k: 'call', fn: op === 'AND' ? 'and' : 'or', args: [l, r], t: T.BOOLEAN };
  }
  if (op === 'IS_TRUE' || op === 'IS_FALSE') return { k: 'call', fn: op === 'IS_TRUE' ? 'isTrue' : 'isFalse', args: [l], t: T.BOOLEAN };
  const cmpFns: Record<string, string> = { '=': 'eq', '<>': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };
  if (cmpFns[op]) {
    const okPair =
      (isNumeric(l.t) && isNumeric(r.t)) ||
      (isString(l.t) && isString(r.t)) ||
      (isDatetime(l.t) && (isDatetime(r.t) || isString(r.t))) ||
      (isDatetime(r.t) && isString(l.t)) ||
      l.t.name === r.t.name ||
      l.t.name === 'ANY' ||
      r.t.name === 'ANY';
    if (!okPair) throw new SqlError(`cannot compare ${typeToString(l.t)} with ${typeToString(r.t)}; use CAST`, e.pos);
    // Compare a TIMESTAMP with a text literal by converting the literal once at plan time.
    if (isDatetime(l.t) && r.k === 'lit' && typeof r.v === 'string') r = lit(foldCast(r.v, l.t, e.right.pos), l.t);
    if (isDatetime(r.t) && l.k === 'lit' && typeof l.v === 'string') l = lit(foldCast(l.v, r.t, e.left.pos), r.t);
    return { k: 'call', fn: cmpFns[op]!, args: [l, r], t: T.BOOLEAN };
  }
  if (op === '||') return { k: 'call', fn: 'concat', args: [l, r], t: T.VARCHAR };
  // arithmetic
  const timeArith = isDatetime(l.t) || isDatetime(r.t) || l.t.name === 'INTERVAL' || r.t.name === 'INTERVAL';
  if (timeArith) {
    if ((op === '+' || op === '-') && isDatetime(l.t) && (r.t.name === 'INTERVAL' || r.t.name === 'NULL'))
      return { k: 'call', fn: op === '+' ? 'add' : 'sub', args: [l, r], t: l.t };
    if (op === '+' && l.t.name === 'INTERVAL' && isDatetime(r.t)) return { k: 'call', fn: 'add', args: [l, r], t: r.t };
    if (op === '-' && isDatetime(l.t) && isDatetime(r.t)) return { k: 'call', fn: 'sub', args: [l, r], t: T.INTERVAL };
    if ((op === '+' || op === '-') && l.t.name === 'INTERVAL' && r.t.name === 'INTERVAL')
      return { k: 'call', fn: op === '+' ? 'add' : 'sub', args: [l, r], t: T.INTERVAL };
    if ((op === '*' || op === '/') && l.t.name === 'INTERVAL' && isNumeric(r.t))
      return { k: 'call', fn: op === '*' ? 'mul' : 'div', args: [l, r], t: T.INTERVAL };
    throw new SqlError(`cannot apply ${op} to ${typeToString(l.t)} and ${typeToString(r.t)}`, e.pos);
  }
  if (!isNumeric(l.t) || !isNumeric(r.t))
    throw new SqlError(`cannot apply ${op} to ${typeToString(l.t)} and ${typeToString(r.t)}; arithmetic needs numbers`, e.pos);
  const t = widerNumeric(l.t, r.t);
  if (op === '/') return { k: 'call', fn: isIntegral(t) ? 'idiv' : 'div', args: [l, r], t };
  const fn = op === '+' ? 'add' : op === '-' ? 'sub' : op === '*' ? 'mul' : 'mod';
  const p: PExpr = { k: 'call', fn, args: [l, r], t };
  // REAL arithmetic rounds to single precision, as Java floats do in KDA.
  if (t.name === 'REAL') return { k: 'call', fn: 'real', args: [p], t };
  // BIGINT values are doubles: a sum, difference or product beyond ±(2^53 − 1) is a row error rather than a rounded value.
  if (t.name === 'BIGINT' && fn !== 'mod') return { k: 'call', fn: 'checkBigint', args: [p], t };
  return p;
}

function call(e: Extract<Expr, { kind: 'call' }>, sub: (x: Expr) => PExpr): PExpr {
  if (AGGREGATE_FUNCTIONS.has(e.name)) {
    throw new SqlError(
      e.over ? `${e.name} OVER (...) is not allowed here` : `aggregate ${e.name} is only allowed in the SELECT list or HAVING of a GROUP BY query`,
      e.pos,
    );
  }
  if (e.over) throw new SqlError(`${e.name} cannot be used with OVER`, e.pos);
  if (TABLE_FUNCTIONS.has(e.name)) throw new SqlError(`${e.name} is a table function: use FROM TABLE(${e.name}(CURSOR(SELECT STREAM ...)))`, e.pos);
  if (LOG_PARSERS.has(e.name)) return logParser(e, sub);
  if (UNSUPPORTED_FUNCTIONS.has(e.name)) throw new SqlError(`function ${e.name} is not supported by Freshet yet`, e.pos);
  const f = SCALAR_FUNCTIONS[e.name];
  if (!f) throw new SqlError(`unknown function ${e.name}`, e.pos);
  if (e.star || e.args.length < f.min || e.args.length > f.max) {
    throw new SqlError(`${e.name} takes ${f.min === f.max ? f.min : `${f.min} to ${f.max}`} argument(s), got ${e.star ? '*' : e.args.length}`, e.pos);
  }
  const args = e.args.map(sub);
  if (e.name === 'MONOTONIC' && slotsOf(args[0]!).length === 0) {
    throw new SqlError('MONOTONIC needs an expression over a column (a constant cannot key a streaming GROUP BY), e.g. MONOTONIC("orderId")', e.args[0]!.pos);
  }
  if (e.name === 'MOD' && isIntegral(args[0]!.t)) return { k: 'call', fn: 'mod', args, t: args[0]!.t };
  return { k: 'call', fn: f.runtime, args, t: f.type(args.map((a) => a.t)) };
}
