/**
 * Sliding window: `agg(...) OVER (PARTITION BY ... RANGE INTERVAL 'n' unit PRECEDING | ROWS n PRECEDING)`.
 * One output per input row, computed over the rows of its partition inside the
 * frame that ends at (and includes) the row. Frames are kept per partition and
 * aggregates are recomputed over the frame: O(frame) per row, no per-row closures.
 */
import type { OpPlan } from '../../plan/plan.ts';
import { ExprCompiler, compileAggregates, type AggCode } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';

interface Frame {
  rows: Row[];
  head: number;
}

export class SlidingOperator implements Operator {
  private readonly partitionKey: (r: Row) => unknown;
  private readonly agg: AggCode;
  private readonly project: (post: Row) => Row;
  private readonly positional: { k: number; fn: 'LAG' | 'NTH_VALUE'; n: number; arg: (r: Row) => unknown }[] = [];
  private frames = new Map<unknown, Frame>();

  constructor(private readonly plan: Extract<OpPlan, { op: 'sliding' }>, private readonly ctx: OperatorContext, private readonly emit: Emit) {
    const c = new ExprCompiler();
    const parts = plan.partition.map((p) => c.src(p));
    this.partitionKey = c.build(['r'], `return ${parts.length === 0 ? '0' : parts.length === 1 ? parts[0] : parts.map((p) => `String(${p})`).join(" + '\\u0001' + ")};`);
    this.agg = compileAggregates(c, plan.aggs);
    this.project = c.projector(plan.project);
    plan.aggs.forEach((a, k) => {
      if (a.fn === 'LAG' || a.fn === 'NTH_VALUE') this.positional.push({ k, fn: a.fn, n: a.param, arg: c.fn1(a.arg!) });
    });
  }

  private evict(f: Frame, t: number): void {
    const { rangeMs, rows } = this.plan;
    if (rangeMs !== null) {
      const lo = t - rangeMs;
      while (f.head < f.rows.length && (f.rows[f.head]![0] as number) < lo) f.head++;
    }
    if (rows !== null) {
      const maxLen = rows + 1;
      if (f.rows.length - f.head > maxLen) f.head = f.rows.length - maxLen;
    }
    // Compact now and then so the array does not grow without bound.
    if (f.head > 1024 && f.head * 2 > f.rows.length) {
      f.rows = f.rows.slice(f.head);
      f.head = 0;
    }
  }

  // hot path
  process(batch: Row[]): void {
    const out: Row[] = [];
    const width = this.plan.inputWidth;
    const nAggs = this.plan.aggs.length;
    for (let i = 0, n = batch.length; i < n; i++) {
      const r = batch[i]!;
      try {
        const pk = this.partitionKey(r);
        let f = this.frames.get(pk);
        if (!f) { f = { rows: [], head: 0 }; this.frames.set(pk, f); }
        f.rows.push(r);
        this.evict(f, r[0] as number);
        const acc = this.agg.init();
        for (let j = f.head; j < f.rows.length; j++) this.agg.update(acc, f.rows[j]!);
        const post: Row = r.length === width ? r.concat(new Array(nAggs)) : r.slice(0, width).concat(new Array(nAggs));
        this.agg.result(acc, post, width);
        for (const p of this.positional) {
          const idx = p.fn === 'LAG' ? f.rows.length - 1 - p.n : f.head + p.n - 1;
          post[width + p.k] = idx >= f.head && idx < f.rows.length ? p.arg(f.rows[idx]!) : null;
        }
        out.push(this.project(post));
      } catch (e) {
        this.ctx.error({ ...errorOf(e), row: r });
      }
    }
    if (out.length > 0) this.emit(out);
  }

  advance(watermarkMs: number): void {
    if (this.plan.rangeMs === null) return;
    for (const [k, f] of this.frames) {
      this.evict(f, watermarkMs);
      if (f.head >= f.rows.length) this.frames.delete(k);
    }
  }

  checkpoint(): unknown {
    return [...this.frames.entries()].map(([k, f]) => [k, f.rows.slice(f.head)]);
  }

  restore(state: unknown): void {
    this.frames = new Map((state as [unknown, Row[]][]).map(([k, rows]) => [k, { rows, head: 0 }]));
  }

  close(): void {
    this.frames.clear();
  }
}
