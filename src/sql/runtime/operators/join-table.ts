/**
 * Stream-to-reference-table join. An equality on one table column uses a hash
 * index rebuilt when the table is reloaded; anything else loops over the table.
 */
import type { OpPlan } from '../../plan/plan.ts';
import { ExprCompiler } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';

export class JoinTableOperator implements Operator {
  private readonly on: ((r: Row) => unknown) | null;
  private readonly leftKey: ((r: Row) => unknown) | null;
  private index: Map<unknown, Row[]> | null = null;
  private indexVersion = -1;

  constructor(
    private readonly plan: Extract<OpPlan, { op: 'joinTable' }>,
    private readonly ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    const c = new ExprCompiler();
    this.on = plan.on ? c.fn1(plan.on) : null;
    this.leftKey = plan.leftKey ? c.fn1(plan.leftKey) : null;
  }

  private candidates(r: Row, rows: Row[], version: number): Row[] {
    if (!this.leftKey) return rows;
    if (this.indexVersion !== version || !this.index) {
      this.index = new Map();
      for (const t of rows) {
        const k = t[this.plan.rightKeyColumn];
        let list = this.index.get(k);
        if (!list) {
          list = [];
          this.index.set(k, list);
        }
        list.push(t);
      }
      this.indexVersion = version;
    }
    return this.index.get(this.leftKey(r)) ?? [];
  }

  process(batch: Row[]): void {
    const table = this.ctx.table(this.plan.table);
    const out: Row[] = [];
    for (const r of batch) {
      try {
        let matched = false;
        for (const t of this.candidates(r, table.rows, table.version)) {
          const c = r.concat(t);
          if (this.on === null || this.on(c) === true) {
            out.push(c);
            matched = true;
          }
        }
        if (!matched && this.plan.joinType === 'LEFT') out.push(r.concat(new Array(this.plan.rightWidth).fill(null)));
      } catch (e) {
        this.ctx.error({ ...errorOf(e), row: r });
      }
    }
    if (out.length > 0) this.emit(out);
  }

  advance(): void {}
  checkpoint(): unknown {
    return null;
  }
  restore(): void {}
  close(): void {
    this.index = null;
  }
}
