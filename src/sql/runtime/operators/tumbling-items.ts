/**
 * TOP_K_ITEMS_TUMBLING and COUNT_DISTINCT_ITEMS_TUMBLING over a cursor: per
 * tumbling window of ROWTIME ([n·size, (n+1)·size), like STEP), count the
 * values of one column; when the window closes (by a row or the clock) emit the
 * K most frequent values with their counts (ties in first-seen order), or the
 * number of distinct values. ROWTIME of the output = the window end. Counts are
 * exact (KDA approximates; exact counts are within its documented error).
 */
import type { OpPlan } from '../../plan/plan.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';

export class TumblingItemsOperator implements Operator {
  private windowStart = NaN;
  private counts = new Map<unknown, number>();
  private readonly col: number;
  private readonly k: number;
  private readonly sizeMs: number;
  private readonly topK: boolean;

  constructor(
    plan: Extract<OpPlan, { op: 'tableFn' }>,
    _ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    this.col = (plan.project[0] as { i: number }).i;
    this.k = plan.params[0] as number;
    this.sizeMs = plan.params[1] as number;
    this.topK = plan.fn === 'TOP_K_ITEMS_TUMBLING';
  }

  private flush(out: Row[]): void {
    if (Number.isNaN(this.windowStart)) return;
    const end = this.windowStart + this.sizeMs;
    if (this.topK) {
      const entries = [...this.counts.entries()];
      entries.sort((a, b) => b[1] - a[1]); // stable: ties stay in first-seen order
      for (const [v, n] of entries.slice(0, this.k)) out.push([end, v, n]);
    } else out.push([end, this.counts.size]);
    this.counts = new Map();
    this.windowStart = NaN;
  }

  process(batch: Row[]): void {
    const out: Row[] = [];
    for (const r of batch) {
      const t = r[0] as number;
      const ws = Math.floor(t / this.sizeMs) * this.sizeMs;
      if (ws !== this.windowStart) {
        this.flush(out);
        this.windowStart = ws;
      }
      const v = r[this.col];
      if (v === null || v === undefined) continue;
      this.counts.set(v, (this.counts.get(v) ?? 0) + 1);
    }
    if (out.length > 0) this.emit(out);
  }

  advance(watermarkMs: number): void {
    if (!Number.isNaN(this.windowStart) && watermarkMs >= this.windowStart + this.sizeMs) {
      const out: Row[] = [];
      this.flush(out);
      if (out.length > 0) this.emit(out);
    }
  }

  checkpoint(): unknown {
    return { windowStart: Number.isNaN(this.windowStart) ? null : this.windowStart, counts: [...this.counts.entries()] };
  }

  restore(state: unknown): void {
    const s = state as { windowStart: number | null; counts: [unknown, number][] };
    this.windowStart = s.windowStart ?? NaN;
    this.counts = new Map(s.counts);
  }

  close(): void {
    this.counts = new Map();
  }
}
