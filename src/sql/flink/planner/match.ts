/**
 * MATCH_RECOGNIZE (the common subset Flink supports): PARTITION BY, ORDER BY
 * a time attribute, MEASURES, ONE ROW PER MATCH, AFTER MATCH SKIP, PATTERN
 * with concatenation, alternation, groups and the quantifiers * + ? {n}
 * {n,} {n,m} (greedy or reluctant), WITHIN, DEFINE. DEFINE and MEASURES read
 * the match so far through `mr.*` calls (the match operator's context):
 * `A.price` (the last row mapped to A), FIRST/LAST(A.price[, n]), PREV(price[, n]),
 * COUNT/SUM/AVG/MIN/MAX over a variable's rows, MATCH_ROWTIME(), CLASSIFIER().
 */
import { SqlError } from '../../errors.ts';
import type { PatternNode } from '../../plan/flink.ts';
import type { PExpr } from '../../plan/plan.ts';
import type { Expr, MatchRecognize, PatternAst } from '../ast.ts';
import type { PlannerContext } from './context.ts';
import { bool, constInterval, expr } from './expressions.ts';
import type { FCol, Rel } from './relation.ts';
import { colExpr, lit, resolveColumn } from './relation.ts';
import { FT, aggResultType, flinkType } from './types.ts';

const mr = (fn: string, args: PExpr[], t: PExpr['t']): PExpr => ({ k: 'call', fn: `mr.${fn}`, args, t });
const int = (n: number): PExpr => lit(n, FT.INT);

function patternVars(p: PatternAst, out: string[]): void {
  if (p.k === 'var') {
    if (!out.includes(p.name.name)) out.push(p.name.name);
  } else if (p.k === 'rep') patternVars(p.item, out);
  else for (const i of p.items) patternVars(i, out);
}

function toNode(p: PatternAst, vars: string[]): PatternNode {
  switch (p.k) {
    case 'var':
      return { k: 'var', v: vars.indexOf(p.name.name) };
    case 'seq':
      return { k: 'seq', items: p.items.map((i) => toNode(i, vars)) };
    case 'alt':
      return { k: 'alt', items: p.items.map((i) => toNode(i, vars)) };
    case 'rep':
      if (p.max !== -1 && p.max < p.min) throw new SqlError(`the quantifier {${p.min},${p.max}} has its maximum below its minimum`, p.pos);
      return { k: 'rep', item: toNode(p.item, vars), min: p.min, max: p.max, greedy: p.greedy };
  }
}

export function planMatch(_ctx: PlannerContext, input: Rel, m: MatchRecognize): Rel {
  if (input.kind !== null) throw new SqlError('MATCH_RECOGNIZE needs an append-only input', m.pos);
  if (input.pending) throw new SqlError('MATCH_RECOGNIZE over a window table function is not supported', m.pos);
  const partition = m.partitionBy.map((p) => expr(p, { rel: input }));
  const first = m.orderBy[0];
  if (!first) throw new SqlError('MATCH_RECOGNIZE needs ORDER BY a time attribute (the rowtime or proctime column)', m.pos);
  const time = expr(first.expr, { rel: input });
  const timeCol = time.k === 'col' ? input.cols.find((c) => c.slot === time.i) : undefined;
  if (!timeCol?.time || first.desc)
    throw new SqlError('You must specify either rowtime or proctime for order by as the first one, in ascending order', first.pos);
  const orderExtra = m.orderBy.slice(1).map((o) => ({ expr: expr(o.expr, { rel: input }), desc: o.desc }));
  const vars: string[] = [];
  patternVars(m.pattern, vars);
  for (const d of m.defines) {
    if (!vars.includes(d.name.name)) throw new SqlError(`Pattern variable '${d.name.name}' is defined but not used in PATTERN (${vars.join(' ')})`, d.name.pos);
  }
  const varIndex = (name: string, pos: Expr['pos']): number => {
    const i = vars.indexOf(name);
    if (i < 0) throw new SqlError(`Unknown pattern variable '${name}'; PATTERN uses ${vars.join(', ')}`, pos);
    return i;
  };

  /** A column reference in MATCH_RECOGNIZE: `A.col` (a pattern variable) or `col`. */
  const varCol = (e: Expr): { v: number; col: FCol } | undefined => {
    if (e.kind !== 'column') return undefined;
    if (e.parts.length === 2 && vars.includes(e.parts[0]!.name)) {
      const { col } = resolveColumn({ kind: 'column', parts: [e.parts[1]!], pos: e.pos }, input);
      return { v: vars.indexOf(e.parts[0]!.name), col };
    }
    const { col, fields } = resolveColumn(e, input);
    if (fields.length > 0) throw new SqlError('nested fields are not supported in MATCH_RECOGNIZE', e.pos);
    return { v: -1, col };
  };

  /** `current`: the variable a DEFINE condition is for (its own references read the row being tested), or null in MEASURES. */
  const hookFor =
    (current: number | null) =>
    (e: Expr): PExpr | undefined => {
      if (e.kind === 'column') {
        const vc = varCol(e)!;
        if (current !== null && (vc.v === -1 || vc.v === current)) return colExpr(vc.col);
        return mr('last', [int(vc.v), int(vc.col.slot), int(0)], vc.col.type);
      }
      if (e.kind !== 'call') return undefined;
      switch (e.name) {
        case 'FIRST':
        case 'LAST': {
          const vc = e.args[0] ? varCol(e.args[0]) : undefined;
          if (!vc) throw new SqlError(`${e.name}(var.column[, n]) reads a column of the rows mapped to a pattern variable`, e.pos);
          const n = e.args[1] ? constInt(e.args[1]) : 0;
          return mr(e.name === 'FIRST' ? 'first' : 'last', [int(vc.v), int(vc.col.slot), int(n)], vc.col.type);
        }
        case 'PREV': {
          const vc = e.args[0] ? varCol(e.args[0]) : undefined;
          if (!vc) throw new SqlError('PREV(column[, n]) reads a column of an earlier row', e.pos);
          const n = e.args[1] ? constInt(e.args[1]) : 1;
          return mr('prev', [int(vc.col.slot), int(n)], vc.col.type);
        }
        case 'NEXT':
          throw new SqlError('NEXT is not supported in MATCH_RECOGNIZE (Flink supports PREV only)', e.pos);
        case 'MATCH_ROWTIME':
        case 'MATCH_PROCTIME':
          if (current !== null) throw new SqlError(`${e.name}() is only allowed in MEASURES`, e.pos);
          return mr('rowtime', [], e.name === 'MATCH_ROWTIME' ? { ...timeCol.type } : FT.TIMESTAMP_LTZ3);
        case 'CLASSIFIER':
          return mr('classifier', [lit(JSON.stringify(vars), FT.STRING)], FT.STRING);
        case 'COUNT':
        case 'SUM':
        case 'AVG':
        case 'MIN':
        case 'MAX': {
          if (e.star || (e.args[0]?.kind === 'column' && e.args[0].parts.length === 1 && vars.includes(e.args[0].parts[0]!.name))) {
            // COUNT(*) or COUNT(A.*) (parsed as A): rows of the match / of A.
            const v = e.star ? -1 : varIndex((e.args[0] as Extract<Expr, { kind: 'column' }>).parts[0]!.name, e.pos);
            if (e.name !== 'COUNT') throw new SqlError(`${e.name} needs a column`, e.pos);
            return mr('agg', [lit('COUNT', FT.STRING), int(v), int(-1)], FT.BIGINT);
          }
          const vc = e.args[0] ? varCol(e.args[0]) : undefined;
          if (!vc || e.args.length !== 1)
            throw new SqlError(`${e.name} in MATCH_RECOGNIZE aggregates one column of a variable's rows, e.g. ${e.name}(A.price)`, e.pos);
          return mr('agg', [lit(e.name, FT.STRING), int(vc.v), int(vc.col.slot)], aggResultType(e.name, vc.col.type));
        }
        default:
          return undefined;
      }
    };

  const defines: (PExpr | null)[] = vars.map((v, i) => {
    const d = m.defines.find((x) => x.name.name === v);
    return d ? bool(expr(d.cond, { rel: input, hook: hookFor(i) }), d.cond.pos, `DEFINE ${v}`) : null;
  });
  const measures = m.measures.map((x) => expr(x.expr, { rel: input, hook: hookFor(null) }));
  let skip: { kind: 'PAST_LAST_ROW' | 'TO_NEXT_ROW' | 'TO_FIRST' | 'TO_LAST'; v: number } = { kind: m.skip.kind, v: -1 };
  if (m.skip.v) skip = { kind: m.skip.kind, v: varIndex(m.skip.v.name, m.skip.v.pos) };
  const withinMs = m.within ? constInterval(m.within, 'WITHIN') : null;

  const outCols: FCol[] = [];
  partition.forEach((p, i) => {
    const src = m.partitionBy[i]!;
    const name = src.kind === 'column' ? src.parts[src.parts.length - 1]!.name : `EXPR$${i}`;
    outCols.push({ name, type: p.t, slot: 1 + i, quals: [] });
  });
  m.measures.forEach((x, i) => {
    const isTime = x.expr.kind === 'call' && (x.expr.name === 'MATCH_ROWTIME' || x.expr.name === 'MATCH_PROCTIME');
    const c: FCol = { name: x.alias.name, type: measures[i]!.t, slot: 1 + partition.length + i, quals: [] };
    if (isTime) c.time = x.expr.kind === 'call' && x.expr.name === 'MATCH_ROWTIME' ? timeCol.time : 'proctime';
    outCols.push(c);
  });
  const seen = new Set<string>();
  for (const c of outCols) {
    if (seen.has(c.name)) throw new SqlError(`MATCH_RECOGNIZE returns the column '${c.name}' twice; rename a measure`, m.pos);
    seen.add(c.name);
  }
  return {
    root: {
      op: 'match',
      input: input.root,
      partition,
      time,
      proctime: timeCol.time === 'proctime',
      orderExtra,
      vars,
      pattern: toNode(m.pattern, vars),
      defines,
      measures,
      skip,
      withinMs,
      width: input.width,
    },
    cols: outCols,
    width: 1 + outCols.length,
    kind: null,
  };
}

function constInt(e: Expr): number {
  if (e.kind === 'literal' && typeof e.value === 'number' && Number.isInteger(e.value) && e.value >= 0) return e.value;
  throw new SqlError(`expected a constant offset (a non-negative integer), got ${e.kind === 'literal' ? flinkType(e.type) : 'an expression'}`, e.pos);
}
