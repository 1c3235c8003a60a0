/**
 * WHERE + SELECT list over single rows. The whole batch loop is generated
 * code (filter and projection inlined), one output array per surviving row.
 */
import type { OpPlan } from '../../plan/plan.ts';
import { ExprCompiler } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';

type Loop = (batch: Row[], out: Row[], onError: (e: unknown, r: Row) => void) => void;

export class FilterProjectOperator implements Operator {
  private readonly loop: Loop;

  constructor(
    plan: Extract<OpPlan, { op: 'filterProject' }>,
    private readonly ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    const c = new ExprCompiler();
    const cond = plan.filter ? c.src(plan.filter) : 'true';
    const proj = plan.project ? `[r[0]${plan.project.map((e) => `, ${c.src(e)}`).join('')}]` : 'r';
    // hot path: generated per-batch loop; try/catch per row so one bad row does not stop the batch.
    this.loop = c.build<Loop>(
      ['batch', 'out', 'onError'],
      `
      for (let i = 0, n = batch.length; i < n; i++) {
        const r = batch[i];
        try {
          if (${cond} === true) out.push(${proj});
        } catch (e) { onError(e, r); }
      }`,
    );
  }

  private readonly onError = (e: unknown, r: Row): void => {
    this.ctx.error({ ...errorOf(e), row: r });
  };

  process(batch: Row[]): void {
    const out: Row[] = [];
    this.loop(batch, out, this.onError);
    if (out.length > 0) this.emit(out);
  }

  advance(): void {}
  checkpoint(): unknown {
    return null;
  }
  restore(): void {}
  close(): void {}
}
