/**
 * Planner: syntax tree → ApplicationPlan. Resolves names with KDA's case
 * rules, types every expression, picks the operator for each query shape
 * (projection/filter, tumbling GROUP BY, STAGGER, sliding OVER, ORDER BY in a
 * time window, joins, table functions) and reports mistakes with line:column.
 *
 * This file plans the statements (streams, pumps and the columns a pump
 * writes); the steps of planning a query live beside it: binder.ts (scopes,
 * names), expressions.ts, log-parsers.ts, from.ts (FROM, joins),
 * table-functions.ts, windows.ts (aggregates, OVER, ORDER BY), select.ts.
 */
import { SqlError } from '../errors.ts';
import type { CreatePump, Select, Statement } from '../parser/ast.ts';
import { parseApplication } from '../parser/index.ts';
import type { ApplicationPlan, PumpPlan, StreamPlan, TablePlan } from '../plan/plan.ts';
import { ERROR_STREAM, ERROR_STREAM_COLUMNS } from '../plan/plan.ts';
import type { ColumnDef } from '../plan/types.ts';
import { typeToString } from '../plan/types.ts';
import type { PlanContext, SelectPlan } from './binder.ts';
import { describeIdent } from './binder.ts';
import { compatible } from './pexpr.ts';
import { select } from './select.ts';

export interface PlanOptions {
  /** The application's input in-application streams (e.g. SOURCE_SQL_STREAM_001) and their columns. */
  inputs: { name: string; columns: ColumnDef[] }[];
  /** Reference tables (AddApplicationReferenceDataSource). */
  tables?: { name: string; columns: ColumnDef[] }[];
}

class Planner implements PlanContext {
  readonly streams = new Map<string, StreamPlan>();
  readonly tables = new Map<string, TablePlan>();

  constructor(private readonly options: PlanOptions) {}

  select(q: Select): SelectPlan {
    return select(this, q);
  }

  plan(stmts: Statement[]): ApplicationPlan {
    for (const input of this.options.inputs) {
      this.streams.set(input.name, { name: input.name, kind: 'input', columns: input.columns });
    }
    this.streams.set(ERROR_STREAM, { name: ERROR_STREAM, kind: 'error', columns: ERROR_STREAM_COLUMNS });
    for (const t of this.options.tables ?? []) this.tables.set(t.name, { name: t.name, columns: t.columns });
    const pumpNames = new Set<string>();
    for (const s of stmts) {
      if (s.kind !== 'createStream') continue;
      const existing = this.streams.get(s.name.name);
      if (existing && (existing.kind !== 'stream' || !s.orReplace)) {
        throw new SqlError(`stream ${describeIdent(s.name)} already exists${existing.kind === 'stream' ? ' (use CREATE OR REPLACE STREAM)' : ''}`, s.name.pos);
      }
      const seen = new Set<string>();
      for (const c of s.columns) {
        if (seen.has(c.name.name)) throw new SqlError(`column ${describeIdent(c.name)} appears twice in stream ${describeIdent(s.name)}`, c.name.pos);
        if (c.name.name === 'ROWTIME') throw new SqlError('ROWTIME is implicit in every stream; do not declare it', c.name.pos);
        seen.add(c.name.name);
      }
      this.streams.set(s.name.name, { name: s.name.name, kind: 'stream', columns: s.columns.map((c) => ({ name: c.name.name, type: c.type })) });
    }
    const pumps: PumpPlan[] = [];
    for (const s of stmts) {
      if (s.kind !== 'createPump') continue;
      if (pumpNames.has(s.name.name) && !s.orReplace)
        throw new SqlError(`pump ${describeIdent(s.name)} already exists (use CREATE OR REPLACE PUMP)`, s.name.pos);
      pumpNames.add(s.name.name);
      const i = pumps.findIndex((p) => p.name === s.name.name);
      const plan = this.pump(s);
      if (i >= 0) pumps[i] = plan;
      else pumps.push(plan);
    }
    return { version: 1, streams: [...this.streams.values()], tables: [...this.tables.values()], pumps };
  }

  private pump(s: CreatePump): PumpPlan {
    const target = this.streams.get(s.target.name);
    if (!target)
      throw new SqlError(
        `pump ${describeIdent(s.name)} inserts into ${describeIdent(s.target)}, which is not a stream; create it first with CREATE OR REPLACE STREAM ${describeIdent(s.target)} (...)`,
        s.target.pos,
      );
    if (target.kind !== 'stream') throw new SqlError(`cannot insert into ${target.kind} stream ${describeIdent(s.target)}`, s.target.pos);
    const { root, columns } = this.select(s.query);
    let targetIdx: number[];
    if (s.targetColumns) {
      targetIdx = s.targetColumns.map((c) => {
        const i = target.columns.findIndex((tc) => tc.name === c.name);
        if (i < 0) throw new SqlError(`stream ${describeIdent(s.target)} has no column ${describeIdent(c)}`, c.pos);
        return i;
      });
    } else targetIdx = target.columns.map((_c, i) => i);
    if (columns.length !== targetIdx.length) {
      throw new SqlError(
        `the SELECT returns ${columns.length} column(s) but ${describeIdent(s.target)} expects ${targetIdx.length} (${targetIdx.map((i) => target.columns[i]!.name).join(', ')})`,
        s.query.pos,
      );
    }
    const columnMap = target.columns.map(() => 0);
    targetIdx.forEach((ti, k) => {
      const from = columns[k]!.type;
      const to = target.columns[ti]!.type;
      if (from.name === 'ROW') {
        throw new SqlError(
          `column ${k + 1} of the SELECT is a ROW (a log parser's result); select its fields instead, e.g. t.r.${from.fields?.[0]?.name ?? 'COLUMN1'}`,
          s.query.items[Math.min(k, s.query.items.length - 1)]!.pos,
        );
      }
      if (!compatible(from, to)) {
        throw new SqlError(
          `column ${k + 1} of the SELECT is ${typeToString(from)} but ${describeIdent(s.target)}."${target.columns[ti]!.name}" is ${typeToString(to)}; use CAST`,
          s.query.items[Math.min(k, s.query.items.length - 1)]!.pos,
        );
      }
      columnMap[ti] = k + 1;
    });
    return { name: s.name.name, target: target.name, root, columnMap, sourceTypes: columns.map((c) => c.type) };
  }
}

/** Plans application code against its input streams; throws SqlError (with line:column) on mistakes. */
export function planApplication(code: string, options: PlanOptions): ApplicationPlan {
  const stmts = parseApplication(code);
  return new Planner(options).plan(stmts);
}
