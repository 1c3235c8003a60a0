/**
 * Streaming UNION ALL (Amazon Kinesis Data Analytics SQL Reference, Query:
 * "Streaming set operators"): a row keeps its input row's ROWTIME, and the
 * branches are merged on ROWTIME so the output is ascending. A row is held
 * until every branch is known to have reached its ROWTIME: by a row of that
 * branch at or after it, or by the watermark (the clock is KDA's rowtime
 * bound here). Rows of equal ROWTIME keep their arrival order (branch order
 * when they are held together).
 *
 * A branch that holds rows past the clock (ORDER BY in a time window) can
 * still hand over a row older than rows already merged; it goes out at once
 * and the target stream's ROWTIME clamp applies, as before merging existed.
 */
import type { OpPlan } from '../../plan/plan.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';

export class UnionOperator implements Operator {
  /** Held rows per branch (ascending ROWTIME) and the index of the first one not yet emitted. */
  private queues: Row[][];
  private heads: number[];
  /** Per branch: the ROWTIME of its latest row (-Infinity before any). */
  private bounds: number[];
  private watermark = -Infinity;

  constructor(
    plan: Extract<OpPlan, { op: 'union' }>,
    _ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    const n = plan.inputs.length;
    this.queues = Array.from({ length: n }, () => []);
    this.heads = new Array<number>(n).fill(0);
    this.bounds = new Array<number>(n).fill(-Infinity);
  }

  // hot path: rows of every branch pass through here.
  process(batch: Row[], port: number): void {
    if (batch.length === 0) return;
    const q = this.queues[port]!;
    let bound = this.bounds[port]!;
    for (let i = 0, n = batch.length; i < n; i++) {
      const r = batch[i]!;
      q.push(r);
      const t = r[0] as number;
      if (t > bound) bound = t;
    }
    this.bounds[port] = bound;
    this.drain();
  }

  advance(watermarkMs: number): void {
    if (watermarkMs > this.watermark) this.watermark = watermarkMs;
    this.drain();
  }

  /** Emits, in ROWTIME order, every held row no branch can still precede. */
  private drain(): void {
    const n = this.queues.length;
    let limit = Infinity;
    for (let p = 0; p < n; p++) {
      const b = Math.max(this.bounds[p]!, this.watermark);
      if (b < limit) limit = b;
    }
    let out: Row[] | null = null;
    for (;;) {
      let best = -1;
      let bestT = Infinity;
      for (let p = 0; p < n; p++) {
        const h = this.heads[p]!;
        const q = this.queues[p]!;
        if (h < q.length) {
          const t = q[h]![0] as number;
          if (t < bestT) {
            bestT = t;
            best = p;
          }
        }
      }
      if (best < 0 || bestT > limit) break;
      out ??= [];
      // Take this branch's run of rows up to the next head of another branch (or the limit) in one go;
      // equal ROWTIMEs go in branch order, so a lower branch's head stops the run before its ROWTIME.
      let below = Infinity;
      let upTo = limit;
      for (let p = 0; p < n; p++) {
        if (p === best) continue;
        const h = this.heads[p]!;
        const q = this.queues[p]!;
        if (h < q.length) {
          const t = q[h]![0] as number;
          if (p < best) {
            if (t < below) below = t;
          } else if (t < upTo) upTo = t;
        }
      }
      const q = this.queues[best]!;
      let h = this.heads[best]!;
      let t: number;
      do out.push(q[h++]!);
      while (h < q.length && (t = q[h]![0] as number) < below && t <= upTo);
      this.heads[best] = h;
    }
    for (let p = 0; p < n; p++) {
      const h = this.heads[p]!;
      if (h > 0 && h === this.queues[p]!.length) {
        this.queues[p] = [];
        this.heads[p] = 0;
      } else if (h > 1024 && h * 2 > this.queues[p]!.length) {
        this.queues[p] = this.queues[p]!.slice(h);
        this.heads[p] = 0;
      }
    }
    if (out !== null) this.emit(out);
  }

  checkpoint(): unknown {
    return {
      watermark: this.watermark === -Infinity ? null : this.watermark,
      bounds: this.bounds.map((b) => (b === -Infinity ? null : b)),
      rows: this.queues.map((q, p) => q.slice(this.heads[p])),
    };
  }

  restore(state: unknown): void {
    const s = state as { watermark: number | null; bounds: (number | null)[]; rows: Row[][] } | null;
    if (!s || s.rows.length !== this.queues.length) return;
    this.watermark = s.watermark ?? -Infinity;
    this.bounds = s.bounds.map((b) => b ?? -Infinity);
    this.queues = s.rows;
    this.heads = this.queues.map(() => 0);
  }

  close(): void {
    this.queues = this.queues.map(() => []);
    this.heads = this.heads.map(() => 0);
  }
}
