/**
 * Small Flink SQL operators: UNION ALL (rows pass as they come; the
 * application takes the smaller of the inputs' watermarks), ORDER BY a time
 * attribute (rows held until the watermark passes them, then sorted by time
 * and the other keys; late rows dropped) and LIMIT (the first n rows).
 */
import type { OpPlan } from '../../plan/plan.ts';
import { ExprCompiler } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { rowComparator } from './flink-common.ts';

export class UnionAllOperator implements Operator {
  constructor(private readonly emit: Emit) {}
  process(batch: Row[]): void {
    if (batch.length > 0) this.emit(batch);
  }
  advance(): void {}
  checkpoint(): unknown {
    return null;
  }
  restore(): void {}
  close(): void {}
}

export class TimeSortOperator implements Operator {
  private readonly time: (r: Row) => unknown;
  private readonly cmp: (a: Row, b: Row) => number;
  private buffer: Row[] = [];
  private wm = -Infinity;
  private readonly proctime: boolean;

  constructor(
    plan: Extract<OpPlan, { op: 'timeSort' }>,
    private readonly ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    const c = new ExprCompiler();
    this.time = c.fn1(plan.time);
    const rest = rowComparator(c, plan.keys);
    const time = this.time;
    this.cmp = (a, b) => {
      const d = (time(a) as number) - (time(b) as number);
      return d !== 0 ? d : rest(a, b);
    };
    this.proctime = plan.proctime;
  }

  process(batch: Row[]): void {
    // A sort on a processing-time attribute sees rows in arrival order already.
    if (this.proctime) {
      if (batch.length > 0) this.emit(batch);
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
    if (watermarkMs <= this.wm) return;
    this.wm = watermarkMs;
    if (this.buffer.length === 0) return;
    const ready: Row[] = [];
    const keep: Row[] = [];
    for (const r of this.buffer) ((this.time(r) as number) <= watermarkMs ? ready : keep).push(r);
    this.buffer = keep;
    if (ready.length === 0) return;
    ready.sort(this.cmp);
    this.emit(ready);
  }

  /** Rows and groups kept (the application's state cap, FlinkApplication maxStateRows). */
  stateRows(): number {
    return this.buffer.length;
  }

  checkpoint(): unknown {
    return { wm: Number.isFinite(this.wm) ? this.wm : null, buffer: this.buffer };
  }

  restore(state: unknown): void {
    const st = state as { wm: number | null; buffer: Row[] };
    this.wm = st.wm ?? -Infinity;
    this.buffer = st.buffer;
  }

  close(): void {
    this.buffer = [];
  }
}

export class LimitOperator implements Operator {
  private seen = 0;

  constructor(
    private readonly plan: Extract<OpPlan, { op: 'limit' }>,
    private readonly emit: Emit,
  ) {}

  process(batch: Row[]): void {
    const room = this.plan.n - this.seen;
    if (room <= 0) return;
    const out = batch.length <= room ? batch : batch.slice(0, room);
    this.seen += out.length;
    this.emit(out);
  }

  advance(): void {}

  checkpoint(): unknown {
    return this.seen;
  }

  restore(state: unknown): void {
    this.seen = state as number;
  }

  close(): void {}
}
