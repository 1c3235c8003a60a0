/**
 * Flink's interval join: rows l and r with equal keys meet when
 * lowerMs ≤ r.time − l.time ≤ upperMs (and the rest of ON holds). Each side's
 * rows are kept per key only while a row of the other side could still meet
 * them: a left row until the watermark passes l.time + upperMs, a right row
 * until it passes r.time − lowerMs. An outer side's row that met nothing comes
 * out null-extended then. Output rows are [...left, ...right], append-only;
 * the application holds the watermark back by the bound, so the joined rows
 * are not late downstream.
 */
import type { OpPlan } from '../../plan/plan.ts';
import { ExprCompiler } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';
import { keySource, MinHeap } from './flink-common.ts';

interface Kept {
  row: Row;
  t: number;
  key: unknown;
  matched: boolean;
  expiry: number;
  gone: boolean;
}

type Plan = Extract<OpPlan, { op: 'intervalJoin' }>;

export class IntervalJoinOperator implements Operator {
  private readonly leftTime: (r: Row) => unknown;
  private readonly rightTime: (r: Row) => unknown;
  private readonly leftKey: (r: Row) => unknown;
  private readonly rightKey: (r: Row) => unknown;
  private readonly on: ((r: Row) => unknown) | null;
  private left = new Map<unknown, Kept[]>();
  private right = new Map<unknown, Kept[]>();
  private readonly leftExpiry = new MinHeap<Kept>();
  private readonly rightExpiry = new MinHeap<Kept>();
  private wm = -Infinity;
  private readonly leftOuter: boolean;
  private readonly rightOuter: boolean;
  private readonly nullLeft: Row;
  private readonly nullRight: Row;

  constructor(
    private readonly plan: Plan,
    private readonly ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    const c = new ExprCompiler();
    this.leftTime = c.fn1(plan.leftTime);
    this.rightTime = c.fn1(plan.rightTime);
    this.leftKey = c.build(['r'], `return ${keySource(c, plan.leftKeys)};`);
    this.rightKey = c.build(['r'], `return ${keySource(c, plan.rightKeys)};`);
    this.on = plan.on ? c.fn1(plan.on) : null;
    this.leftOuter = plan.joinType === 'LEFT' || plan.joinType === 'FULL';
    this.rightOuter = plan.joinType === 'RIGHT' || plan.joinType === 'FULL';
    this.nullLeft = new Array(plan.leftWidth).fill(null);
    this.nullRight = new Array(plan.rightWidth).fill(null);
  }

  // hot path: probe the other side's rows of the key, keep the row while it can still match.
  process(batch: Row[], port: number): void {
    const out: Row[] = [];
    const isLeft = port === 0;
    const lo = this.plan.lowerMs;
    const hi = this.plan.upperMs;
    const timeOf = isLeft ? this.leftTime : this.rightTime;
    const keyOf = isLeft ? this.leftKey : this.rightKey;
    const other = isLeft ? this.right : this.left;
    const own = isLeft ? this.left : this.right;
    const heap = isLeft ? this.leftExpiry : this.rightExpiry;
    const outer = isLeft ? this.leftOuter : this.rightOuter;
    const on = this.on;
    for (let i = 0, n = batch.length; i < n; i++) {
      const r = batch[i]!;
      try {
        const t = timeOf(r) as number | null;
        if (t === null) continue;
        const k = keyOf(r);
        if (k === null) {
          if (outer) out.push(isLeft ? r.concat(this.nullRight) : this.padLeft(r));
          continue;
        }
        let matched = false;
        const cands = other.get(k);
        if (cands !== undefined) {
          for (let j = 0; j < cands.length; j++) {
            const c = cands[j]!;
            const d = isLeft ? c.t - t : t - c.t;
            if (d < lo || d > hi) continue;
            const joined = isLeft ? r.concat(c.row) : c.row.concat(r);
            if (on !== null && on(joined) !== true) continue;
            out.push(joined);
            matched = true;
            c.matched = true;
          }
        }
        // Until when a row of the other side could still meet this one.
        const expiry = isLeft ? t + hi : t - lo;
        if (expiry <= this.wm) {
          if (outer && !matched) out.push(isLeft ? r.concat(this.nullRight) : this.padLeft(r));
          continue;
        }
        const kept: Kept = { row: r, t, key: k, matched, expiry, gone: false };
        let list = own.get(k);
        if (list === undefined) {
          list = [];
          own.set(k, list);
        }
        list.push(kept);
        heap.push(expiry, kept);
      } catch (e) {
        this.ctx.error({ ...errorOf(e), row: r });
      }
    }
    if (out.length > 0) this.emit(out);
  }

  /** A right row with no left row: the time slot takes the right row's time. */
  private padLeft(r: Row): Row {
    const row = this.nullLeft.concat(r);
    row[0] = r[0];
    return row;
  }

  private expire(heap: MinHeap<Kept>, own: Map<unknown, Kept[]>, w: number, outer: boolean, isLeft: boolean, out: Row[]): void {
    while (heap.size > 0 && heap.peek() <= w) {
      const kept = heap.pop()!;
      if (kept.gone) continue;
      kept.gone = true;
      const list = own.get(kept.key);
      if (list) {
        // Rows mostly expire in arrival order: the oldest is usually first.
        const i = list[0] === kept ? 0 : list.indexOf(kept);
        if (i === 0) list.shift();
        else if (i > 0) list.splice(i, 1);
        if (list.length === 0) own.delete(kept.key);
      }
      if (outer && !kept.matched) out.push(isLeft ? kept.row.concat(this.nullRight) : this.padLeft(kept.row));
    }
  }

  advance(watermarkMs: number): void {
    if (watermarkMs <= this.wm) return;
    this.wm = watermarkMs;
    const out: Row[] = [];
    this.expire(this.leftExpiry, this.left, watermarkMs, this.leftOuter, true, out);
    this.expire(this.rightExpiry, this.right, watermarkMs, this.rightOuter, false, out);
    if (out.length > 0) this.emit(out);
  }

  checkpoint(): unknown {
    const side = (m: Map<unknown, Kept[]>): unknown[] => [...m.values()].flat().map((k) => [k.row, k.t, k.key, k.matched, k.expiry]);
    return { wm: Number.isFinite(this.wm) ? this.wm : null, left: side(this.left), right: side(this.right) };
  }

  restore(state: unknown): void {
    const st = state as { wm: number | null; left: [Row, number, unknown, boolean, number][]; right: [Row, number, unknown, boolean, number][] };
    this.wm = st.wm ?? -Infinity;
    const load = (rows: [Row, number, unknown, boolean, number][], m: Map<unknown, Kept[]>, heap: MinHeap<Kept>): void => {
      m.clear();
      heap.clear();
      for (const [row, t, key, matched, expiry] of rows) {
        const kept: Kept = { row, t, key, matched, expiry, gone: false };
        const list = m.get(key) ?? [];
        list.push(kept);
        m.set(key, list);
        heap.push(expiry, kept);
      }
    };
    load(st.left, this.left, this.leftExpiry);
    load(st.right, this.right, this.rightExpiry);
  }

  close(): void {
    this.left.clear();
    this.right.clear();
    this.leftExpiry.clear();
    this.rightExpiry.clear();
  }
}
