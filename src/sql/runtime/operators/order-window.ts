/**
 * ORDER BY inside a time window, e.g. ORDER BY FLOOR(s.ROWTIME TO SECOND), score DESC:
 * rows are held while their time key is the same, then sorted by the other
 * keys and emitted when a later key arrives or the watermark passes the granule.
 */
import type { OpPlan } from '../../plan/plan.ts';
import { ExprCompiler } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';

function compareValues(a: unknown, b: unknown): number {
  // NULLs sort last ascending, as in KDA.
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

export class OrderWindowOperator implements Operator {
  private buffer: Row[] = [];
  private key: number | null = null;
  private readonly cmp: (a: Row, b: Row) => number;
  private readonly keyAt: ((r: Row) => unknown) | null;

  constructor(
    private readonly plan: Extract<OpPlan, { op: 'orderWindow' }>,
    _ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    this.keyAt = plan.timeKeyExpr ? new ExprCompiler().fn1(plan.timeKeyExpr) : null;
    const keys = plan.keys;
    this.cmp = (a, b) => {
      for (const k of keys) {
        const c = compareValues(a[k.i], b[k.i]);
        if (c !== 0) return k.desc ? -c : c;
      }
      return 0;
    };
  }

  private flush(out: Row[]): void {
    if (this.buffer.length === 0) return;
    const rows = this.buffer;
    this.buffer = [];
    rows.sort(this.cmp); // stable: ties keep arrival order
    const w = this.plan.width + 1;
    for (const r of rows) out.push(r.length === w ? r : r.slice(0, w));
  }

  process(batch: Row[]): void {
    const out: Row[] = [];
    const ti = this.plan.timeKey;
    for (const r of batch) {
      const k = r[ti] as number;
      if (this.key !== null && k !== this.key) this.flush(out);
      this.key = k;
      this.buffer.push(r);
    }
    if (out.length > 0) this.emit(out);
  }

  advance(watermarkMs: number): void {
    if (this.key === null || this.buffer.length === 0) return;
    // Granularity 0 (a declared MONOTONIC(x) key): only a row with another value ends the granule.
    const passed = this.keyAt ? this.keyAt([watermarkMs]) !== this.key : this.plan.granularityMs > 0 && watermarkMs >= this.key + this.plan.granularityMs;
    if (passed) {
      const out: Row[] = [];
      this.flush(out);
      this.emit(out);
    }
  }

  checkpoint(): unknown {
    return { key: this.key, rows: this.buffer };
  }

  restore(state: unknown): void {
    const s = state as { key: number | null; rows: Row[] };
    this.key = s.key;
    this.buffer = s.rows;
  }

  stateRows(): number {
    return this.buffer.length;
  }

  close(): void {
    this.buffer = [];
  }
}
