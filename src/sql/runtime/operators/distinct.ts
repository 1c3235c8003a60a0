/**
 * SELECT STREAM DISTINCT: a row passes the first time its column values are
 * seen; the memory of seen rows is dropped whenever the monotonic column
 * (ROWTIME or a window of it) changes value, as KDA requires one.
 */
import type { OpPlan } from '../../plan/plan.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';

function rowKey(r: Row): string {
  let k = '';
  for (let i = 1; i < r.length; i++) {
    const v = r[i];
    k += v === null ? '\u0000N' : typeof v === 'string' ? `\u0000s${v}` : `\u0000${typeof v}${String(v)}`;
  }
  return k;
}

export class DistinctOperator implements Operator {
  private seen = new Set<string>();
  private current: unknown = undefined;

  constructor(
    private readonly plan: Extract<OpPlan, { op: 'distinct' }>,
    _ctx: OperatorContext,
    private readonly emit: Emit,
  ) {}

  process(batch: Row[]): void {
    const out: Row[] = [];
    const tk = this.plan.timeKey;
    for (const r of batch) {
      if (r[tk] !== this.current) {
        this.seen.clear();
        this.current = r[tk];
      }
      const k = rowKey(r);
      if (this.seen.has(k)) continue;
      this.seen.add(k);
      out.push(r);
    }
    if (out.length > 0) this.emit(out);
  }

  advance(): void {}

  checkpoint(): unknown {
    return { current: this.current ?? null, seen: [...this.seen] };
  }

  restore(state: unknown): void {
    const s = state as { current: unknown; seen: string[] };
    this.current = s.current ?? undefined;
    this.seen = new Set(s.seen);
  }

  stateRows(): number {
    return this.seen.size;
  }

  close(): void {
    this.seen.clear();
  }
}
