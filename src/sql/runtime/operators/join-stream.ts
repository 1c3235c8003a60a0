/**
 * Stream-to-stream join over time windows: `FROM a JOIN b OVER (RANGE INTERVAL 'n' unit PRECEDING) AS b ON ...`.
 * Each side keeps its rows for its window; an arriving row meets the other
 * side's kept rows with ROWTIME within that window before it. Output ROWTIME
 * is the arriving row's. LEFT OUTER emits an unmatched left row with NULLs
 * when it arrives (right rows arriving later do not retract it).
 */
import type { OpPlan } from '../../plan/plan.ts';
import { ExprCompiler } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';

export class JoinStreamOperator implements Operator {
  private left: Row[] = [];
  private right: Row[] = [];
  private readonly on: ((r: Row) => unknown) | null;

  constructor(private readonly plan: Extract<OpPlan, { op: 'joinStream' }>, private readonly ctx: OperatorContext, private readonly emit: Emit) {
    this.on = plan.on ? new ExprCompiler().fn1(plan.on) : null;
  }

  private static evict(rows: Row[], lo: number): Row[] {
    let i = 0;
    while (i < rows.length && (rows[i]![0] as number) < lo) i++;
    return i === 0 ? rows : rows.slice(i);
  }

  process(batch: Row[], port: number): void {
    const out: Row[] = [];
    const { leftRangeMs, rightRangeMs, leftWidth, rightWidth, joinType } = this.plan;
    for (const r of batch) {
      const t = r[0] as number;
      try {
        if (port === 0) {
          this.right = JoinStreamOperator.evict(this.right, t - rightRangeMs);
          let matched = false;
          for (const o of this.right) {
            const c = r.concat(o);
            if (this.on === null || this.on(c) === true) { out.push(c); matched = true; }
          }
          if (!matched && joinType === 'LEFT') out.push(r.concat(new Array(rightWidth).fill(null)));
          if (leftRangeMs > 0) this.left.push(r);
        } else {
          this.left = JoinStreamOperator.evict(this.left, t - leftRangeMs);
          for (const l of this.left) {
            const c = l.concat(r);
            c[0] = t;
            if (this.on === null || this.on(c) === true) out.push(c);
          }
          if (rightRangeMs > 0) this.right.push(r);
        }
      } catch (e) {
        this.ctx.error({ ...errorOf(e), row: r });
      }
    }
    void leftWidth;
    if (out.length > 0) this.emit(out);
  }

  advance(watermarkMs: number): void {
    this.left = JoinStreamOperator.evict(this.left, watermarkMs - this.plan.leftRangeMs);
    this.right = JoinStreamOperator.evict(this.right, watermarkMs - this.plan.rightRangeMs);
  }

  checkpoint(): unknown {
    return { left: this.left, right: this.right };
  }

  restore(state: unknown): void {
    const s = state as { left: Row[]; right: Row[] };
    this.left = s.left;
    this.right = s.right;
  }

  close(): void {
    this.left = [];
    this.right = [];
  }
}
