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
import { keySource } from './flink-common.ts';

/**
 * One side's kept rows: per key (for probing) and in expiry order (for cleanup). Rows are kept as they
 * are — no wrapper object per row — and mostly arrive in time order, so a new row goes at the end of the
 * queue; an out-of-order one is inserted by binary search. Outer sides remember which rows met a partner.
 */
class Side {
  byKey = new Map<unknown, Row[]>();
  queue: Row[] = [];
  /** Each queued row's expiry, parallel to `queue`. */
  expiries: number[] = [];
  head = 0;
  matched: Set<Row> | null;

  constructor(outer: boolean) {
    this.matched = outer ? new Set() : null;
  }

  keep(r: Row, k: unknown, expiry: number): void {
    const list = this.byKey.get(k);
    if (list === undefined) this.byKey.set(k, [r]);
    else list.push(r);
    const e = this.expiries;
    const n = e.length;
    if (n === this.head || e[n - 1]! <= expiry) {
      this.queue.push(r);
      e.push(expiry);
      return;
    }
    let lo = this.head;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (e[mid]! <= expiry) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, r);
    e.splice(lo, 0, expiry);
  }

  /** The next kept row whose expiry is at or before w (removed from its key's list), or undefined. */
  shiftDue(w: number, keyOf: (r: Row) => unknown): Row | undefined {
    const h = this.head;
    if (h >= this.queue.length || this.expiries[h]! > w) return undefined;
    const r = this.queue[h]!;
    this.head = h + 1;
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.expiries = this.expiries.slice(this.head);
      this.head = 0;
    }
    const k = keyOf(r);
    const list = this.byKey.get(k);
    if (list) {
      // Rows mostly expire in arrival order: the oldest is usually first.
      if (list.length === 1) this.byKey.delete(k);
      else {
        const i = list[0] === r ? 0 : list.indexOf(r);
        if (i === 0) list.shift();
        else if (i > 0) list.splice(i, 1);
      }
    }
    return r;
  }

  rows(): Row[] {
    return this.queue.slice(this.head);
  }

  clear(): void {
    this.byKey.clear();
    this.queue = [];
    this.expiries = [];
    this.head = 0;
    this.matched?.clear();
  }
}

type Plan = Extract<OpPlan, { op: 'intervalJoin' }>;

export class IntervalJoinOperator implements Operator {
  private readonly leftTime: (r: Row) => unknown;
  private readonly rightTime: (r: Row) => unknown;
  private readonly leftKey: (r: Row) => unknown;
  private readonly rightKey: (r: Row) => unknown;
  private readonly on: ((l: Row, r: Row) => unknown) | null;
  private readonly filter: ((l: Row, r: Row) => unknown) | null;
  /** The output row of a pair (the joined row, or the fused SELECT list). */
  private readonly make: (l: Row, r: Row) => Row;
  private readonly left: Side;
  private readonly right: Side;
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
    // ON and a fused SELECT list read the left row as r and the right one as A (slots past the left's).
    c.aggBase = plan.leftWidth;
    this.on = plan.on ? c.build(['r', 'A'], `return ${c.src(plan.on)};`) : null;
    this.filter = plan.filter ? c.build(['r', 'A'], `return ${c.src(plan.filter)};`) : null;
    this.make = plan.project
      ? c.build(['r', 'A'], `return [r[0] === null ? A[0] : r[0], ${plan.project.map((e) => c.src(e)).join(', ')}];`)
      : (l: Row, r: Row) => this.join(l, r);
    this.leftOuter = plan.joinType === 'LEFT' || plan.joinType === 'FULL';
    this.rightOuter = plan.joinType === 'RIGHT' || plan.joinType === 'FULL';
    this.nullLeft = new Array(plan.leftWidth).fill(null);
    this.nullRight = new Array(plan.rightWidth).fill(null);
    // Until when a row of the other side could still meet a kept row.
    this.left = new Side(this.leftOuter);
    this.right = new Side(this.rightOuter);
  }

  // hot path: probe the other side's rows of the key, keep the row while it can still match.
  process(batch: Row[], port: number): void {
    const out: Row[] = [];
    const isLeft = port === 0;
    const lo = this.plan.lowerMs;
    const hi = this.plan.upperMs;
    const timeOf = isLeft ? this.leftTime : this.rightTime;
    const otherTime = isLeft ? this.rightTime : this.leftTime;
    const keyOf = isLeft ? this.leftKey : this.rightKey;
    const other = isLeft ? this.right : this.left;
    const own = isLeft ? this.left : this.right;
    const outer = own.matched !== null;
    const otherMatched = other.matched;
    const on = this.on;
    const filter = this.filter;
    const make = this.make;
    const wm = this.wm;
    for (let i = 0, n = batch.length; i < n; i++) {
      const r = batch[i]!;
      try {
        const t = timeOf(r) as number | null;
        if (t === null) continue;
        const k = keyOf(r);
        if (k === null) {
          if (outer) this.unmatched(r, isLeft, out);
          continue;
        }
        let matched = false;
        const cands = other.byKey.get(k);
        if (cands !== undefined) {
          for (let j = 0; j < cands.length; j++) {
            const c = cands[j]!;
            const ct = otherTime(c) as number;
            const d = isLeft ? ct - t : t - ct;
            if (d < lo || d > hi) continue;
            const l = isLeft ? r : c;
            const rr = isLeft ? c : r;
            if (on !== null && on(l, rr) !== true) continue;
            matched = true;
            if (otherMatched !== null) otherMatched.add(c);
            if (filter !== null && filter(l, rr) !== true) continue;
            out.push(make(l, rr));
          }
        }
        const expiry = isLeft ? t + hi : t - lo;
        if (expiry <= wm) {
          if (outer && !matched) this.unmatched(r, isLeft, out);
          continue;
        }
        if (matched && outer) own.matched!.add(r);
        own.keep(r, k, expiry);
      } catch (e) {
        this.ctx.error({ ...errorOf(e), row: r });
      }
    }
    if (out.length > 0) this.emit(out);
  }

  /** [...left, ...right] (a copy loop: Array.prototype.concat is several times slower here). */
  private join(l: Row, r: Row): Row {
    const lw = this.plan.leftWidth;
    const rw = this.plan.rightWidth;
    const j: Row = new Array(lw + rw);
    for (let i = 0; i < lw; i++) j[i] = l[i];
    for (let i = 0; i < rw; i++) j[lw + i] = r[i];
    return j;
  }

  /** An outer side's row that met nothing, null-extended (a right row keeps its time in slot 0). */
  private unmatched(row: Row, isLeft: boolean, out: Row[]): void {
    const l = isLeft ? row : this.nullLeft;
    const r = isLeft ? this.nullRight : row;
    if (this.filter !== null && this.filter(l, r) !== true) return;
    const o = this.make(l, r);
    if (!isLeft) o[0] = row[0];
    out.push(o);
  }

  private expire(side: Side, keyOf: (r: Row) => unknown, w: number, isLeft: boolean, out: Row[]): void {
    const matched = side.matched;
    for (let r = side.shiftDue(w, keyOf); r !== undefined; r = side.shiftDue(w, keyOf)) {
      if (matched === null) continue;
      if (!matched.delete(r)) this.unmatched(r, isLeft, out);
    }
  }

  advance(watermarkMs: number): void {
    if (watermarkMs <= this.wm) return;
    this.wm = watermarkMs;
    const out: Row[] = [];
    this.expire(this.left, this.leftKey, watermarkMs, true, out);
    this.expire(this.right, this.rightKey, watermarkMs, false, out);
    if (out.length > 0) this.emit(out);
  }

  /** Rows and groups kept (the application's state cap, FlinkApplication maxStateRows). */
  stateRows(): number {
    return this.left.queue.length - this.left.head + this.right.queue.length - this.right.head;
  }

  checkpoint(): unknown {
    const side = (x: Side): [Row, boolean][] => x.rows().map((r) => [r, x.matched?.has(r) ?? false]);
    return { wm: Number.isFinite(this.wm) ? this.wm : null, left: side(this.left), right: side(this.right) };
  }

  restore(state: unknown): void {
    const st = state as { wm: number | null; left: [Row, boolean][]; right: [Row, boolean][] };
    this.wm = st.wm ?? -Infinity;
    const load = (rows: [Row, boolean][], x: Side, timeOf: (r: Row) => unknown, keyOf: (r: Row) => unknown, bound: number): void => {
      x.clear();
      for (const [row, matched] of rows) {
        x.keep(row, keyOf(row), (timeOf(row) as number) + bound);
        if (matched) x.matched?.add(row);
      }
    };
    load(st.left, this.left, this.leftTime, this.leftKey, this.plan.upperMs);
    load(st.right, this.right, this.rightTime, this.rightKey, -this.plan.lowerMs);
  }

  close(): void {
    this.left.clear();
    this.right.clear();
  }
}
