/**
 * CROSS JOIN UNNEST (a correlate): each input row once per element of the
 * ARRAY (or entry of the MAP) computed over it, the element's columns
 * appended; LEFT JOIN UNNEST ... ON TRUE keeps a row whose collection is NULL
 * or empty, null-extended. Stateless; watermarks pass through unchanged.
 */
import type { OpPlan } from '../../plan/plan.ts';
import { ExprCompiler } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';

export class UnnestOperator implements Operator {
  private readonly arg: (r: Row) => unknown;
  private readonly filter: ((r: Row) => unknown) | null;
  private readonly width: number;
  private readonly fields: number;
  private readonly kind: number;
  private readonly element: 'value' | 'row' | 'map';

  constructor(
    private readonly plan: Extract<OpPlan, { op: 'unnest' }>,
    private readonly ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    const c = new ExprCompiler();
    this.arg = c.fn1(plan.arg);
    this.filter = plan.filter ? c.fn1(plan.filter) : null;
    this.width = plan.width;
    this.fields = plan.fields;
    this.kind = plan.kind ?? -1;
    this.element = plan.element;
  }

  /** The output row for element `v` (null: the null-extended row) at position `ord` (from 1). */
  private row(r: Row, v: unknown, ord: number, nulls: boolean): Row {
    const w = this.width;
    const out: unknown[] = new Array(w + this.fields + (this.plan.ordinality ? 1 : 0) + (this.kind >= 0 ? 1 : 0));
    for (let i = 0; i < w; i++) out[i] = r[i];
    let j = w;
    if (nulls) for (let k = 0; k < this.fields; k++) out[j++] = null;
    else if (this.element === 'value') out[j++] = v === undefined ? null : v;
    else if (this.element === 'map') {
      const e = v as [unknown, unknown];
      out[j++] = e[0];
      out[j++] = e[1];
    } else {
      const f = v as unknown[] | null;
      for (let k = 0; k < this.fields; k++) out[j++] = f ? (f[k] ?? null) : null;
    }
    if (this.plan.ordinality) out[j++] = nulls ? null : ord;
    if (this.kind >= 0) out[j] = r[this.kind];
    return out as Row;
  }

  // hot path: one output row per element.
  process(batch: Row[]): void {
    const out: Row[] = [];
    const filter = this.filter;
    for (let i = 0, n = batch.length; i < n; i++) {
      const r = batch[i]!;
      try {
        const c = this.arg(r);
        let emitted = 0;
        if (c !== null && c !== undefined) {
          const items: Iterable<unknown> = this.element === 'map' ? (c as Map<unknown, unknown>).entries() : (c as unknown[]);
          let ord = 0;
          for (const v of items) {
            const row = this.row(r, v, ++ord, false);
            if (filter === null || filter(row) === true) {
              out.push(row);
              emitted++;
            }
          }
        }
        if (emitted === 0 && this.plan.outer) out.push(this.row(r, null, 0, true));
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
  close(): void {}
}
