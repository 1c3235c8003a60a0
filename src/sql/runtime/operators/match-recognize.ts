/**
 * MATCH_RECOGNIZE, ONE ROW PER MATCH. Per partition, rows go through in time
 * order — by event time once the watermark passes them (late rows are dropped
 * and counted), by processing time as they come. From the earliest row not
 * yet consumed, the pattern is matched like a regular expression with
 * backtracking over the rows: greedy quantifiers prefer more rows, reluctant
 * ones fewer, alternatives go left to right. When the preferred way to match
 * needs a row that has not arrived, the partition waits for it (a match is
 * reported only once it can no longer change); WITHIN bounds a match's time
 * span. A match comes out as [time of its last row, ...partition values,
 * ...measures], then AFTER MATCH SKIP decides where the next match may start.
 *
 * DEFINE and MEASURES read the match through the context M (mr.* calls from
 * the planner): last/first (a variable's rows, or all rows), prev (the rows
 * before, in partition order), agg, rowtime, classifier.
 */
import type { PatternNode } from '../../plan/flink.ts';
import type { OpPlan } from '../../plan/plan.ts';
import { ExprCompiler } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';
import { keyFn, rowComparator } from './flink-common.ts';

type Plan = Extract<OpPlan, { op: 'match' }>;

const FAIL = 0;
const MORE = 1;
const DONE = 2;
type Result = typeof FAIL | typeof MORE | typeof DONE;

interface PartitionState {
  /** Rows in time order from the earliest that can still start a match. */
  rows: Row[];
  /** Up to a few rows before `rows` (for PREV). */
  before: Row[];
}

const MAX_BEFORE = 32;

/** The match context DEFINE and MEASURES read (M in compiled code). */
class MatchContext {
  rows: Row[] = [];
  vars: number[] = [];
  before: Row[] = [];
  /** Index in `rows` of the row being tested (DEFINE) or of the last row (MEASURES). */
  cur = 0;
  timeSlot = 0;

  private mapped(v: number): number[] {
    const out: number[] = [];
    for (let i = 0; i <= this.cur && i < this.vars.length; i++) if (v < 0 || this.vars[i] === v) out.push(i);
    return out;
  }

  last(v: number, slot: number, n: number): unknown {
    const m = this.mapped(v);
    const i = m[m.length - 1 - n];
    return i === undefined ? null : (this.rows[i]![slot] ?? null);
  }

  first(v: number, slot: number, n: number): unknown {
    const i = this.mapped(v)[n];
    return i === undefined ? null : (this.rows[i]![slot] ?? null);
  }

  prev(slot: number, n: number): unknown {
    const i = this.cur - n;
    if (i >= 0) return this.rows[i]![slot] ?? null;
    const b = this.before[this.before.length + i];
    return b ? (b[slot] ?? null) : null;
  }

  agg(fn: string, v: number, slot: number): unknown {
    const m = this.mapped(v);
    if (fn === 'COUNT') return slot < 0 ? m.length : m.filter((i) => this.rows[i]![slot] !== null).length;
    const xs = m.map((i) => this.rows[i]![slot]).filter((x) => x !== null) as number[];
    if (xs.length === 0) return null;
    switch (fn) {
      case 'SUM':
        return xs.reduce((a, b) => a + b, 0);
      case 'AVG':
        return xs.reduce((a, b) => a + b, 0) / xs.length;
      case 'MIN':
        return Math.min(...xs);
      default:
        return Math.max(...xs);
    }
  }

  rowtime(): unknown {
    return this.rows[this.cur]?.[this.timeSlot] ?? null;
  }

  classifier(names: string): unknown {
    const v = this.vars[this.cur];
    return v === undefined ? null : ((JSON.parse(names) as string[])[v] ?? null);
  }
}

export class MatchRecognizeOperator implements Operator {
  private readonly time: (r: Row) => unknown;
  private readonly key: (r: Row) => unknown;
  private readonly partitionValues: (r: Row) => unknown[];
  private readonly cmp: (a: Row, b: Row) => number;
  private readonly defines: (((r: Row, M: MatchContext) => unknown) | null)[];
  private readonly measures: (r: Row, M: MatchContext) => unknown[];
  private readonly M = new MatchContext();
  private parts = new Map<unknown, PartitionState>();
  private buffer: Row[] = [];
  private wm = -Infinity;
  private out: Row[] = [];

  constructor(
    private readonly plan: Plan,
    private readonly ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    const c = new ExprCompiler();
    this.time = c.fn1(plan.time);
    this.key = keyFn(c, plan.partition);
    this.partitionValues = c.build(['r'], `return [${plan.partition.map((p) => c.src(p)).join(', ')}];`);
    const time = this.time;
    const extra = rowComparator(c, plan.orderExtra);
    this.cmp = (a, b) => (time(a) as number) - (time(b) as number) || extra(a, b);
    this.defines = plan.defines.map((d) => (d ? c.build<(r: Row, M: MatchContext) => unknown>(['r', 'M'], `return ${c.src(d)};`) : null));
    this.measures = c.build(['r', 'M'], `return [${plan.measures.map((m) => c.src(m)).join(', ')}];`);
    this.M.timeSlot = plan.time.k === 'col' ? plan.time.i : 0;
  }

  process(batch: Row[]): void {
    if (this.plan.proctime) {
      for (const r of batch) this.feed(r);
      this.flush();
      return;
    }
    for (const r of batch) {
      const t = this.time(r) as number | null;
      if (t === null || t <= this.wm) {
        this.ctx.flink?.late(1);
        continue;
      }
      this.buffer.push(r);
    }
  }

  advance(watermarkMs: number): void {
    if (this.plan.proctime || watermarkMs <= this.wm) return;
    this.wm = watermarkMs;
    const ready: Row[] = [];
    const keep: Row[] = [];
    for (const r of this.buffer) ((this.time(r) as number) <= watermarkMs ? ready : keep).push(r);
    this.buffer = keep;
    const sorted = ready.map((r, i) => ({ r, i })).sort((a, b) => this.cmp(a.r, b.r) || a.i - b.i);
    for (const x of sorted) this.feed(x.r);
    // Pending matches whose WITHIN ran out can be decided now.
    if (this.plan.withinMs !== null) for (const p of this.parts.values()) this.matchPartition(p);
    this.flush();
  }

  private flush(): void {
    if (this.out.length === 0) return;
    const out = this.out;
    this.out = [];
    this.emit(out);
  }

  private feed(r: Row): void {
    const k = this.key(r);
    let p = this.parts.get(k);
    if (!p) {
      p = { rows: [], before: [] };
      this.parts.set(k, p);
    }
    p.rows.push(r);
    try {
      this.matchPartition(p);
    } catch (e) {
      this.ctx.error({ ...errorOf(e), row: r });
      this.drop(p, p.rows.length);
    }
  }

  private drop(p: PartitionState, n: number): void {
    const gone = p.rows.splice(0, n);
    for (const g of gone) p.before.push(g);
    if (p.before.length > MAX_BEFORE) p.before.splice(0, p.before.length - MAX_BEFORE);
  }

  private matchPartition(p: PartitionState): void {
    while (p.rows.length > 0) {
      const vars: number[] = [];
      const res = this.matchAt(p, vars);
      if (res === MORE) return;
      if (res === FAIL) {
        this.drop(p, 1);
        continue;
      }
      // A match: rows 0..vars.length-1.
      const M = this.M;
      M.rows = p.rows;
      M.vars = vars;
      M.before = p.before;
      M.cur = vars.length - 1;
      const last = p.rows[vars.length - 1]!;
      const measures = this.measures(last, M);
      this.out.push([this.time(last), ...this.partitionValues(last), ...measures]);
      let skip: number;
      switch (this.plan.skip.kind) {
        case 'TO_NEXT_ROW':
          skip = 1;
          break;
        case 'TO_FIRST':
          skip = Math.max(1, vars.indexOf(this.plan.skip.v));
          break;
        case 'TO_LAST':
          skip = Math.max(1, vars.lastIndexOf(this.plan.skip.v));
          break;
        default:
          skip = vars.length;
      }
      this.drop(p, skip);
    }
  }

  /** Tries to match the pattern from the partition's first row. */
  private matchAt(p: PartitionState, vars: number[]): Result {
    const rows = p.rows;
    const start = this.time(rows[0]!) as number;
    const within = this.plan.withinMs;
    const M = this.M;
    M.rows = rows;
    M.vars = vars;
    M.before = p.before;
    const test = (v: number, i: number): Result => {
      if (i >= rows.length) {
        // No such row yet: wait, unless WITHIN says no row can still belong to the match.
        if (within !== null && (this.plan.proctime ? false : this.wm >= start + within)) return FAIL;
        return MORE;
      }
      const r = rows[i]!;
      if (within !== null && (this.time(r) as number) - start > within) return FAIL;
      const d = this.defines[v];
      if (d === null || d === undefined) return DONE;
      vars.push(v);
      M.cur = i;
      const ok = d(r, M) === true;
      vars.pop();
      return ok ? DONE : FAIL;
    };
    const match = (n: PatternNode, i: number, k: (i: number) => Result): Result => {
      switch (n.k) {
        case 'var': {
          const t = test(n.v, i);
          if (t !== DONE) return t;
          vars.push(n.v);
          const r = k(i + 1);
          if (r === FAIL) vars.pop();
          return r;
        }
        case 'seq': {
          const go = (j: number, pos: number): Result => (j === n.items.length ? k(pos) : match(n.items[j]!, pos, (next) => go(j + 1, next)));
          return go(0, i);
        }
        case 'alt': {
          for (const item of n.items) {
            const r = match(item, i, k);
            if (r !== FAIL) return r;
          }
          return FAIL;
        }
        case 'rep': {
          const rep = (count: number, pos: number): Result => {
            const more = (): Result => (n.max !== -1 && count >= n.max ? FAIL : match(n.item, pos, (next) => (next === pos ? FAIL : rep(count + 1, next))));
            const stop = (): Result => (count < n.min ? FAIL : k(pos));
            if (n.greedy) {
              const r = more();
              return r === FAIL ? stop() : r;
            }
            const r = stop();
            return r === FAIL ? more() : r;
          };
          return rep(0, i);
        }
      }
    };
    return match(this.plan.pattern, 0, () => DONE);
  }

  /** Rows and groups kept (the application's state cap, FlinkApplication maxStateRows). */
  stateRows(): number {
    let n = this.buffer.length;
    for (const p of this.parts.values()) n += p.rows.length + p.before.length;
    return n;
  }

  checkpoint(): unknown {
    return { wm: Number.isFinite(this.wm) ? this.wm : null, buffer: this.buffer, parts: [...this.parts.entries()].map(([k, p]) => [k, p.rows, p.before]) };
  }

  restore(state: unknown): void {
    const st = state as { wm: number | null; buffer: Row[]; parts: [unknown, Row[], Row[]][] };
    this.wm = st.wm ?? -Infinity;
    this.buffer = st.buffer;
    this.parts = new Map(st.parts.map(([k, rows, before]) => [k, { rows, before }]));
  }

  close(): void {
    this.parts.clear();
    this.buffer = [];
  }
}
