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
import { keySource, TimerQueue } from './flink-common.ts';
import { KeyIndex } from './key-index.ts';

/**
 * One side's kept rows, columnar: each kept row gets a sequence number and its row, key and (outer
 * sides) matched flag sit in parallel arrays at seq − base; rows of one key are chained newest to
 * oldest through `prev` (a seq, or −1), and `byKey` (a KeyIndex: int keys in a typed-array hash table)
 * maps a key to its newest live row's seq — one
 * primitive per row, no list, wrapper or Set entry per row. Expiry order comes from a timer queue of
 * seqs (rows mostly arrive in time order, so it is mostly appends). An expired row leaves a hole
 * (undefined) that probes skip; a prefix of holes is cut off now and then.
 */
class Side {
  readonly byKey = new KeyIndex();
  rows: (Row | undefined)[] = [];
  keys: unknown[] = [];
  prev: number[] = [];
  /** Whether each kept row met a partner (outer sides only). */
  matched: boolean[] | null;
  /** The seq of rows[0]. */
  base = 0;
  private next = 0;
  /** rows[0 .. lo) are all holes. */
  private lo = 0;
  private readonly timers = new TimerQueue<number>();
  live = 0;
  /** Set by shiftDue: whether the row it returned met a partner. */
  lastMatched = false;

  constructor(private readonly outer: boolean) {
    this.matched = outer ? [] : null;
  }

  keep(r: Row, k: unknown, expiry: number, matched: boolean): void {
    const seq = this.next++;
    this.rows.push(r);
    this.keys.push(k);
    // The key's newest row becomes this one; the one before is its prev (one probe of the key table).
    this.prev.push(this.byKey.swap(k, seq));
    if (this.matched !== null) this.matched.push(matched);
    this.timers.push(expiry, seq);
    this.live++;
  }

  /** The next kept row whose expiry is at or before w (removed), or undefined. */
  shiftDue(w: number): Row | undefined {
    const timers = this.timers;
    // peek() is Infinity when empty, which a final watermark of +Infinity would not stop.
    if (timers.size === 0 || timers.peek() > w) return undefined;
    const seq = timers.pop()!;
    const base = this.base;
    const i = seq - base;
    const r = this.rows[i]!;
    const k = this.keys[i];
    this.rows[i] = undefined;
    this.keys[i] = undefined;
    this.live--;
    if (this.matched !== null) this.lastMatched = this.matched[i]!;
    if (this.byKey.get(k) === seq) {
      // The key's newest row left: its newest live one (if any) heads the chain now.
      let p = this.prev[i]!;
      while (p >= base && this.rows[p - base] === undefined) p = this.prev[p - base]!;
      if (p >= base) this.byKey.set(k, p);
      else this.byKey.delete(k);
    }
    if (i === this.lo) this.compact();
    return r;
  }

  private compact(): void {
    const rows = this.rows;
    let lo = this.lo;
    while (lo < rows.length && rows[lo] === undefined) lo++;
    this.lo = lo;
    if (lo > 4096 && lo * 2 > rows.length) {
      this.rows = rows.slice(lo);
      this.keys = this.keys.slice(lo);
      this.prev = this.prev.slice(lo);
      if (this.matched !== null) this.matched = this.matched.slice(lo);
      this.base += lo;
      this.lo = 0;
    }
  }

  /** The kept rows with their matched flags, oldest first. */
  entries(): [Row, boolean][] {
    const out: [Row, boolean][] = [];
    for (let i = this.lo; i < this.rows.length; i++) {
      const r = this.rows[i];
      if (r !== undefined) out.push([r, this.matched?.[i] ?? false]);
    }
    return out;
  }

  clear(): void {
    this.byKey.clear();
    this.rows = [];
    this.keys = [];
    this.prev = [];
    if (this.outer) this.matched = [];
    this.base = 0;
    this.next = 0;
    this.lo = 0;
    this.timers.clear();
    this.live = 0;
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
    const prev = other.prev;
    const kept = other.rows;
    const base = other.base;
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
        // The key's rows, newest first (holes of expired rows skipped; a seq below base was cut off; −1: none).
        for (let seq = other.byKey.get(k); seq >= base; seq = prev[seq - base]!) {
          const c = kept[seq - base];
          if (c === undefined) continue;
          const ct = otherTime(c) as number;
          const d = isLeft ? ct - t : t - ct;
          if (d < lo || d > hi) continue;
          const l = isLeft ? r : c;
          const rr = isLeft ? c : r;
          if (on !== null && on(l, rr) !== true) continue;
          matched = true;
          if (otherMatched !== null) otherMatched[seq - base] = true;
          if (filter !== null && filter(l, rr) !== true) continue;
          out.push(make(l, rr));
        }
        const expiry = isLeft ? t + hi : t - lo;
        if (expiry <= wm) {
          if (outer && !matched) this.unmatched(r, isLeft, out);
          continue;
        }
        own.keep(r, k, expiry, matched);
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

  private expire(side: Side, w: number, isLeft: boolean, out: Row[]): void {
    const outer = side.matched !== null;
    for (let r = side.shiftDue(w); r !== undefined; r = side.shiftDue(w)) {
      if (outer && !side.lastMatched) this.unmatched(r, isLeft, out);
    }
  }

  advance(watermarkMs: number): void {
    if (watermarkMs <= this.wm) return;
    this.wm = watermarkMs;
    const out: Row[] = [];
    this.expire(this.left, watermarkMs, true, out);
    this.expire(this.right, watermarkMs, false, out);
    if (out.length > 0) this.emit(out);
  }

  /** Rows and groups kept (the application's state cap, FlinkApplication maxStateRows). */
  stateRows(): number {
    return this.left.live + this.right.live;
  }

  checkpoint(): unknown {
    return { wm: Number.isFinite(this.wm) ? this.wm : null, left: this.left.entries(), right: this.right.entries() };
  }

  restore(state: unknown): void {
    const st = state as { wm: number | null; left: [Row, boolean][]; right: [Row, boolean][] };
    this.wm = st.wm ?? -Infinity;
    const load = (rows: [Row, boolean][], x: Side, timeOf: (r: Row) => unknown, keyOf: (r: Row) => unknown, bound: number): void => {
      x.clear();
      for (const [row, matched] of rows) x.keep(row, keyOf(row), (timeOf(row) as number) + bound, matched);
    };
    load(st.left, this.left, this.leftTime, this.leftKey, this.plan.upperMs);
    load(st.right, this.right, this.rightTime, this.rightKey, -this.plan.lowerMs);
  }

  close(): void {
    this.left.clear();
    this.right.clear();
  }
}
