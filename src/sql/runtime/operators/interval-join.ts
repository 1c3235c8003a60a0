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
import type { OpPlan, PExpr } from '../../plan/plan.ts';
import { ExprCompiler } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';
import { keySource, TimerQueue } from './flink-common.ts';
import { KeyIndex } from './key-index.ts';

/**
 * One side's kept rows in a ring of parallel arrays indexed by seq & mask (a sequence number per kept row,
 * in arrival order): the row, its time (a Float64Array, so a probe tests the interval without loading the
 * row), the seq of the key's previous row (an Int32Array: rows of one key are chained newest to oldest)
 * and, on an outer side, whether it met a partner. `byKey` (a KeyIndex: int keys in a typed-array hash
 * table) maps a key to its newest row's seq. Rows leave at the front: a row is dead once the watermark
 * reaches time + bound, and a probe skips dead rows by that test, so the front moves in arrival order and
 * the key index is never updated on the way out — a key whose newest seq fell behind the front reads as
 * absent, and the index is rebuilt from the live rows once such stale keys outnumber them. A row kept out
 * of time order waits behind the front a little longer (dead to probes meanwhile). An outer side must
 * emit its unmatched rows exactly when they die, so it also queues each row's death time (TimerQueue) and
 * leaves holes (undefined rows) that the front skips.
 */
export class JoinSide {
  readonly byKey = new KeyIndex();
  /** Rows are renumbered from 0 (re-kept) once seqs reach this: they are int32 values in the key index. */
  static seqLimit = 2 ** 30;
  /** The key index is rebuilt once it holds more than 2 × live + this many keys. */
  static reindexSlack = 4096;
  /** Columns of a side copied per kept row at most: past that, pairs read the kept rows themselves. */
  static maxCopiedColumns = 16;
  /** The ring's capacity when empty, and the least it shrinks to (a power of two). */
  static minCapacity = 1024;
  rows: (Row | undefined)[];
  times: Float64Array;
  /** The seq of the key's previous row, or −1. */
  prev: Int32Array;
  /** Whether each kept row met a partner (outer sides only). */
  matched: Uint8Array | null;
  /**
   * The columns a pair's ON, WHERE and SELECT list read from this side (`cols`), copied from each kept row
   * at vals[(seq & mask) * stride ..]: a probe reads them beside the times it has just tested instead of
   * loading each partner row (a cache miss per pair). Empty when those read too many columns.
   */
  vals: unknown[];
  readonly stride: number;
  mask: number;
  /** Seqs [head, tail) are in the ring. */
  head = 0;
  tail = 0;
  /** Rows kept (not yet gone or emptied). */
  live = 0;
  /** Death times of an outer side's rows, in order, with their seqs. */
  private readonly timers: TimerQueue<number> | null;
  /** Set by shiftDue: whether the row it returned met a partner. */
  lastMatched = false;

  constructor(
    /** A row dies once the watermark reaches its time + bound. */
    readonly bound: number,
    private readonly keyOf: (r: Row) => unknown,
    private readonly timeOf: (r: Row) => unknown,
    outer: boolean,
    private readonly cols: readonly number[],
  ) {
    const cap = JoinSide.minCapacity;
    this.stride = cols.length;
    this.vals = new Array(cap * this.stride).fill(undefined);
    this.rows = new Array(cap).fill(undefined);
    this.times = new Float64Array(cap);
    this.prev = new Int32Array(cap);
    this.matched = outer ? new Uint8Array(cap) : null;
    this.mask = cap - 1;
    this.timers = outer ? new TimerQueue<number>() : null;
  }

  // hot path
  keep(r: Row, k: unknown, t: number, matched: boolean): void {
    if (this.tail - this.head > this.mask) this.grow();
    if (this.tail >= JoinSide.seqLimit) this.renumber();
    const seq = this.tail++;
    const i = seq & this.mask;
    this.rows[i] = r;
    this.times[i] = t;
    // The key's newest row becomes this one; the one before is its prev (one probe of the key table).
    this.prev[i] = this.byKey.swap(k, seq);
    const cols = this.cols;
    const stride = this.stride;
    for (let c = 0, o = i * stride; c < stride; c++) this.vals[o + c] = r[cols[c]!];
    if (this.matched !== null) {
      this.matched[i] = matched ? 1 : 0;
      this.timers!.push(t + this.bound, seq);
    }
    this.live++;
    if (this.byKey.size > 2 * this.live + JoinSide.reindexSlack) this.reindex();
  }

  /** Marks a kept row as having met a partner (outer sides). */
  match(seq: number): void {
    this.matched![seq & this.mask] = 1;
  }

  /** Inner side: lets go of the rows at the front that are dead at watermark w. */
  // hot path
  dropDead(w: number): void {
    const rows = this.rows;
    const times = this.times;
    const vals = this.vals;
    const stride = this.stride;
    const mask = this.mask;
    const bound = this.bound;
    let h = this.head;
    const tail = this.tail;
    let gone = 0;
    for (; h < tail; h++) {
      const i = h & mask;
      if (times[i]! + bound > w) break;
      rows[i] = undefined;
      // The copied columns go with the row: strings and objects of dead rows stay reachable otherwise.
      for (let c = 0, o = i * stride; c < stride; c++) vals[o + c] = undefined;
      gone++;
    }
    this.head = h;
    this.live -= gone;
  }

  /** Outer side: the next kept row that died by watermark w (removed), or undefined. */
  shiftDue(w: number): Row | undefined {
    const timers = this.timers!;
    // peek() is Infinity when empty, which a final watermark of +Infinity would not stop.
    while (timers.size > 0 && timers.peek() <= w) {
      const seq = timers.pop()!;
      if (seq < this.head) continue;
      const i = seq & this.mask;
      const r = this.rows[i];
      if (r === undefined) continue;
      this.rows[i] = undefined;
      for (let c = 0, o = i * this.stride; c < this.stride; c++) this.vals[o + c] = undefined;
      this.live--;
      this.lastMatched = this.matched![i] === 1;
      // The front moves over the holes.
      let h = this.head;
      while (h < this.tail && this.rows[h & this.mask] === undefined) h++;
      this.head = h;
      return r;
    }
    return undefined;
  }

  /** The live rows (alive at watermark w) with their matched flags, oldest first. */
  entries(w: number): [Row, boolean][] {
    const out: [Row, boolean][] = [];
    for (let s = this.head; s < this.tail; s++) {
      const i = s & this.mask;
      const r = this.rows[i];
      if (r !== undefined && this.times[i]! + this.bound > w) out.push([r, this.matched !== null && this.matched[i] === 1]);
    }
    return out;
  }

  /**
   * Halves the ring (as often as fits) if it was at most a quarter full at its fullest since the last
   * advance: `held`, the seqs it held before this advance's rows left (only keep adds rows between
   * advances). So a ring that grew for a burst or a watermark stall comes back down, while one whose
   * every advance starts more than a quarter full keeps its size. Amortised: a shrink to cap/2 follows at
   * least cap/4 rows leaving since the ring grew to cap, and the next grow needs cap/4 rows kept.
   */
  shrinkAfter(held: number): void {
    let cap = this.mask + 1;
    if (cap <= JoinSide.minCapacity || held > cap >> 2) return;
    while (cap > JoinSide.minCapacity && held <= cap >> 2) cap >>= 1;
    this.resize(cap);
  }

  /** A ring twice as large, each seq at its place in it. */
  private grow(): void {
    this.resize((this.mask + 1) * 2);
  }

  /** The ring at capacity cap (a power of two, at least tail − head), each seq at its place in it. */
  private resize(cap: number): void {
    const mask = cap - 1;
    const rows: (Row | undefined)[] = new Array(cap).fill(undefined);
    const times = new Float64Array(cap);
    const prev = new Int32Array(cap);
    const matched = this.matched !== null ? new Uint8Array(cap) : null;
    const stride = this.stride;
    const vals: unknown[] = new Array(cap * stride).fill(undefined);
    for (let s = this.head; s < this.tail; s++) {
      const i = s & this.mask;
      const j = s & mask;
      for (let c = 0; c < stride; c++) vals[j * stride + c] = this.vals[i * stride + c];
      rows[j] = this.rows[i];
      times[j] = this.times[i]!;
      prev[j] = this.prev[i]!;
      if (matched !== null) matched[j] = this.matched![i]!;
    }
    this.rows = rows;
    this.vals = vals;
    this.times = times;
    this.prev = prev;
    this.matched = matched;
    this.mask = mask;
  }

  /** The key index from the rows in the ring (a stale key — newest seq behind the front — is dropped). */
  private reindex(): void {
    this.byKey.clear();
    for (let s = this.head; s < this.tail; s++) {
      const r = this.rows[s & this.mask];
      if (r !== undefined) this.byKey.set(this.keyOf(r), s);
    }
  }

  /** Seqs from 0 again: the rows in the ring kept anew (their death times are unchanged). */
  private renumber(): void {
    const kept: [Row, boolean][] = [];
    for (let s = this.head; s < this.tail; s++) {
      const i = s & this.mask;
      const r = this.rows[i];
      if (r !== undefined) kept.push([r, this.matched !== null && this.matched[i] === 1]);
    }
    this.clear();
    for (const [r, m] of kept) this.keep(r, this.keyOf(r), this.timeOf(r) as number, m);
  }

  /** Empties the side, its ring back at the least capacity (emptied first, so resize copies nothing). */
  clear(): void {
    this.byKey.clear();
    this.head = 0;
    this.tail = 0;
    if (this.mask + 1 > JoinSide.minCapacity) this.resize(JoinSide.minCapacity);
    else {
      this.rows.fill(undefined);
      this.vals.fill(undefined);
    }
    this.live = 0;
    this.timers?.clear();
  }
}

type Plan = Extract<OpPlan, { op: 'intervalJoin' }>;

/**
 * What a probe does with a kept partner, for one probing side: p is the probing row, c the kept row, and
 * vals[o ..] the kept row's copied columns (JoinSide.vals) — the generated functions read those where they
 * can and never load c.
 */
interface Pairing {
  on: ((p: Row, c: Row, vals: unknown[], o: number) => unknown) | null;
  filter: ((p: Row, c: Row, vals: unknown[], o: number) => unknown) | null;
  make: (p: Row, c: Row, vals: unknown[], o: number) => Row;
}

/** The slots of one side (of width `width` starting at `from` in the joined row) that the expressions read. */
function slotsRead(exprs: readonly (PExpr | null | undefined)[], from: number, width: number): number[] {
  const seen = new Set<number>();
  const walk = (e: PExpr): void => {
    if (e.k === 'col') {
      if (e.i >= from && e.i < from + width) seen.add(e.i - from);
    } else if (e.k === 'call') for (const a of e.args) walk(a);
    else if (e.k === 'case') {
      for (const w of e.whens) {
        walk(w.when);
        walk(w.then);
      }
      if (e.else) walk(e.else);
    }
  };
  for (const e of exprs) if (e) walk(e);
  // Slot 0: the left row's time, or the right row's where the left's is NULL.
  seen.add(0);
  return [...seen].sort((x, y) => x - y);
}

export class IntervalJoinOperator implements Operator {
  private readonly leftTime: (r: Row) => unknown;
  private readonly rightTime: (r: Row) => unknown;
  private readonly leftKey: (r: Row) => unknown;
  private readonly rightKey: (r: Row) => unknown;
  private readonly filter: ((l: Row, r: Row) => unknown) | null;
  /** The output row of a pair (the joined row, or the fused SELECT list). */
  private readonly make: (l: Row, r: Row) => Row;
  /** The slot of each side's time and key when it is a column (−1: an expression). */
  private readonly timeSlots: [number, number];
  private readonly keySlots: [number, number];
  /** A probe's pairs: [0] a left row probing kept right rows, [1] the other way. */
  private readonly pairing: [Pairing, Pairing];
  private readonly left: JoinSide;
  private readonly right: JoinSide;
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
    const slot = (e: PExpr | undefined): number => (e !== undefined && e.k === 'col' ? e.i : -1);
    this.timeSlots = [slot(plan.leftTime), slot(plan.rightTime)];
    this.keySlots = plan.leftKeys.length === 1 ? [slot(plan.leftKeys[0]), slot(plan.rightKeys[0])] : [-1, -1];
    const lw = plan.leftWidth;
    c.aggBase = lw;
    const on = plan.on ? c.build<(l: Row, r: Row) => unknown>(['r', 'A'], `return ${c.src(plan.on)};`) : null;
    this.filter = plan.filter ? c.build(['r', 'A'], `return ${c.src(plan.filter)};`) : null;
    // Slot 0 of the output: the left row's time, or the right row's where the left's is NULL (a null-extended row).
    const time = (i: number): string => c.src({ k: 'col', i, t: { name: 'TIMESTAMP', precision: 3 } });
    const makeSrc = (): string => `return [${time(0)} === null ? ${time(lw)} : ${time(0)}, ${plan.project!.map((e) => c.src(e)).join(', ')}];`;
    this.make = plan.project ? c.build(['r', 'A'], makeSrc()) : (l: Row, r: Row) => this.join(l, r);
    this.leftOuter = plan.joinType === 'LEFT' || plan.joinType === 'FULL';
    this.rightOuter = plan.joinType === 'RIGHT' || plan.joinType === 'FULL';
    this.nullLeft = new Array(lw).fill(null);
    this.nullRight = new Array(plan.rightWidth).fill(null);
    // The columns pairs read from each side, copied into the kept rows' arrays when the SELECT list is
    // fused and reads few of them.
    const read = [plan.on, plan.filter, ...(plan.project ?? [])];
    let leftCols = slotsRead(read, 0, lw);
    let rightCols = slotsRead(read, lw, plan.rightWidth);
    if (!plan.project || leftCols.length > JoinSide.maxCopiedColumns || rightCols.length > JoinSide.maxCopiedColumns) {
      leftCols = [];
      rightCols = [];
      const filter = this.filter;
      const make = this.make;
      this.pairing = [
        {
          on: on && ((p, k) => on(p, k)),
          filter: filter && ((p, k) => filter(p, k)),
          make: (p, k) => make(p, k),
        },
        {
          on: on && ((p, k) => on(k, p)),
          filter: filter && ((p, k) => filter(k, p)),
          make: (p, k) => make(k, p),
        },
      ];
    } else {
      // The same expressions with the kept side's columns read from V[o + position] (the probing row is r
      // when it is a left row, A when it is a right one).
      const variant = (keptCols: number[], keptFrom: number, keptEnd: number, probe: string): Pairing => {
        c.colSrc = (i) => (i >= keptFrom && i < keptEnd ? `V[o + ${keptCols.indexOf(i - keptFrom)}]` : undefined);
        const params = [probe, 'c', 'V', 'o'];
        const v: Pairing = {
          on: plan.on ? c.build(params, `return ${c.src(plan.on)};`) : null,
          filter: plan.filter ? c.build(params, `return ${c.src(plan.filter)};`) : null,
          make: c.build(params, makeSrc()),
        };
        c.colSrc = null;
        return v;
      };
      this.pairing = [variant(rightCols, lw, lw + plan.rightWidth, 'r'), variant(leftCols, 0, lw, 'A')];
    }
    // A left row can meet right rows until the watermark reaches its time + upperMs; a right row, left
    // rows until it reaches its time − lowerMs.
    this.left = new JoinSide(plan.upperMs, this.leftKey, this.leftTime, this.leftOuter, leftCols);
    this.right = new JoinSide(-plan.lowerMs, this.rightKey, this.rightTime, this.rightOuter, rightCols);
  }

  // hot path: probe the other side's rows of the key, keep the row while it can still match.
  process(batch: Row[], port: number): void {
    const out: Row[] = [];
    const isLeft = port === 0;
    const lo = this.plan.lowerMs;
    const hi = this.plan.upperMs;
    const timeOf = isLeft ? this.leftTime : this.rightTime;
    const keyOf = isLeft ? this.leftKey : this.rightKey;
    // A time or key that is a column is read in place (no call per row); −1: computed.
    const timeSlot = this.timeSlots[port]!;
    const keySlot = this.keySlots[port]!;
    const other = isLeft ? this.right : this.left;
    const own = isLeft ? this.left : this.right;
    const outer = own.matched !== null;
    const ownBound = own.bound;
    // The other side's ring: rows, times, chains, flags and copied columns by seq & mask for seqs from head on.
    const index = other.byKey;
    const kept = other.rows;
    const times = other.times;
    const prev = other.prev;
    const mask = other.mask;
    const head = other.head;
    const otherMatched = other.matched;
    const otherBound = other.bound;
    const vals = other.vals;
    const stride = other.stride;
    const pairing = this.pairing[port]!;
    const on = pairing.on;
    const filter = pairing.filter;
    const make = pairing.make;
    const wm = this.wm;
    for (let i = 0, n = batch.length; i < n; i++) {
      const r = batch[i]!;
      try {
        const t = (timeSlot >= 0 ? r[timeSlot] : timeOf(r)) as number | null;
        if (t === null) continue;
        const k = keySlot >= 0 ? r[keySlot] : keyOf(r);
        if (k === null) {
          if (outer) this.unmatched(r, isLeft, out);
          continue;
        }
        let matched = false;
        // The key's rows, newest first; a seq before head has left (−1: none). A row dead at the
        // watermark (time + bound ≤ wm) may still be in the ring: the time test skips it.
        for (let seq = index.get(k); seq >= head; seq = prev[seq & mask]!) {
          const j = seq & mask;
          const ct = times[j]!;
          const d = isLeft ? ct - t : t - ct;
          if (d < lo || d > hi || ct + otherBound <= wm) continue;
          const c = kept[j];
          if (c === undefined) continue;
          const o = j * stride;
          if (on !== null && on(r, c, vals, o) !== true) continue;
          matched = true;
          if (otherMatched !== null) otherMatched[j] = 1;
          if (filter !== null && filter(r, c, vals, o) !== true) continue;
          out.push(make(r, c, vals, o));
        }
        if (t + ownBound <= wm) {
          if (outer && !matched) this.unmatched(r, isLeft, out);
          continue;
        }
        own.keep(r, k, t, matched);
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

  private expire(side: JoinSide, w: number, isLeft: boolean, out: Row[]): void {
    const held = side.tail - side.head;
    if (side.matched === null) side.dropDead(w);
    else {
      for (let r = side.shiftDue(w); r !== undefined; r = side.shiftDue(w)) {
        if (!side.lastMatched) this.unmatched(r, isLeft, out);
      }
    }
    side.shrinkAfter(held);
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
    return { wm: Number.isFinite(this.wm) ? this.wm : null, left: this.left.entries(this.wm), right: this.right.entries(this.wm) };
  }

  restore(state: unknown): void {
    const st = state as { wm: number | null; left: [Row, boolean][]; right: [Row, boolean][] };
    this.wm = st.wm ?? -Infinity;
    const load = (rows: [Row, boolean][], x: JoinSide, timeOf: (r: Row) => unknown, keyOf: (r: Row) => unknown): void => {
      x.clear();
      for (const [row, matched] of rows) x.keep(row, keyOf(row), timeOf(row) as number, matched);
    };
    load(st.left, this.left, this.leftTime, this.leftKey);
    load(st.right, this.right, this.rightTime, this.rightKey);
  }

  close(): void {
    this.left.clear();
    this.right.clear();
  }
}
