/**
 * Stream-to-stream join over time windows: `FROM a JOIN b OVER (RANGE INTERVAL 'n' unit PRECEDING) AS b ON ...`.
 * Each side keeps its rows for its window; an arriving row meets the other
 * side's kept rows with ROWTIME within that window before it. Output ROWTIME
 * is the arriving row's. LEFT OUTER emits an unmatched left row with NULLs
 * when it arrives (right rows arriving later do not retract it). An equality
 * between the two sides in ON makes it a hash join; the whole ON is still checked.
 */
import type { OpPlan } from '../../plan/plan.ts';
import { ExprCompiler } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';

/** One side's kept rows: arrival order for eviction, plus a key index when hashing. */
class Side {
  rows: Row[] = [];
  head = 0;
  readonly index: Map<unknown, Row[]> | null;

  constructor(private readonly key: ((r: Row) => unknown) | null) {
    this.index = key ? new Map() : null;
  }

  add(r: Row, k: unknown): void {
    this.rows.push(r);
    if (this.index) {
      const list = this.index.get(k);
      if (list) list.push(r);
      else this.index.set(k, [r]);
    }
  }

  evict(lo: number): void {
    const rows = this.rows;
    while (this.head < rows.length && (rows[this.head]![0] as number) < lo) {
      const r = rows[this.head++]!;
      if (this.index) {
        const k = this.key!(r);
        const list = this.index.get(k);
        if (list) {
          list.shift(); // per key, rows are also in arrival order
          if (list.length === 0) this.index.delete(k);
        }
      }
    }
    if (this.head > 1024 && this.head * 2 > rows.length) {
      this.rows = rows.slice(this.head);
      this.head = 0;
    }
  }

  candidates(k: unknown): Row[] {
    if (this.index) return k === null ? EMPTY : (this.index.get(k) ?? EMPTY);
    return this.head === 0 ? this.rows : this.rows.slice(this.head);
  }

  live(): Row[] {
    return this.rows.slice(this.head);
  }
}

const EMPTY: Row[] = [];

export class JoinStreamOperator implements Operator {
  private left: Side;
  private right: Side;
  private readonly on: ((r: Row) => unknown) | null;
  private readonly leftKey: ((r: Row) => unknown) | null;
  private readonly rightKey: ((r: Row) => unknown) | null;

  constructor(private readonly plan: Extract<OpPlan, { op: 'joinStream' }>, private readonly ctx: OperatorContext, private readonly emit: Emit) {
    const c = new ExprCompiler();
    this.on = plan.on ? c.fn1(plan.on) : null;
    this.leftKey = plan.leftKey ? c.fn1(plan.leftKey) : null;
    this.rightKey = plan.rightKey ? c.fn1(plan.rightKey) : null;
    this.left = new Side(this.leftKey);
    this.right = new Side(this.rightKey);
  }

  // hot path
  process(batch: Row[], port: number): void {
    const out: Row[] = [];
    const { leftRangeMs, rightRangeMs, rightWidth, joinType } = this.plan;
    const on = this.on;
    for (let i = 0, n = batch.length; i < n; i++) {
      const r = batch[i]!;
      const t = r[0] as number;
      try {
        if (port === 0) {
          this.right.evict(t - rightRangeMs);
          const k = this.leftKey ? this.leftKey(r) : null;
          let matched = false;
          const cands = this.right.candidates(k);
          for (let j = 0; j < cands.length; j++) {
            const c = r.concat(cands[j]!);
            if (on === null || on(c) === true) { out.push(c); matched = true; }
          }
          if (!matched && joinType === 'LEFT') out.push(r.concat(new Array(rightWidth).fill(null)));
          if (leftRangeMs > 0) this.left.add(r, k);
        } else {
          this.left.evict(t - leftRangeMs);
          const k = this.rightKey ? this.rightKey(r) : null;
          const cands = this.left.candidates(k);
          for (let j = 0; j < cands.length; j++) {
            const c = cands[j]!.concat(r);
            c[0] = t;
            if (on === null || on(c) === true) out.push(c);
          }
          if (rightRangeMs > 0) this.right.add(r, k);
        }
      } catch (e) {
        this.ctx.error({ ...errorOf(e), row: r });
      }
    }
    if (out.length > 0) this.emit(out);
  }

  advance(watermarkMs: number): void {
    this.left.evict(watermarkMs - this.plan.leftRangeMs);
    this.right.evict(watermarkMs - this.plan.rightRangeMs);
  }

  checkpoint(): unknown {
    return { left: this.left.live(), right: this.right.live() };
  }

  restore(state: unknown): void {
    const s = state as { left: Row[]; right: Row[] };
    this.left = new Side(this.leftKey);
    this.right = new Side(this.rightKey);
    for (const r of s.left) this.left.add(r, this.leftKey ? this.leftKey(r) : null);
    for (const r of s.right) this.right.add(r, this.rightKey ? this.rightKey(r) : null);
  }

  close(): void {
    this.left = new Side(this.leftKey);
    this.right = new Side(this.rightKey);
  }
}
