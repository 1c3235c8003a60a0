/**
 * Pieces the Flink SQL operators share: compiled group keys, row
 * comparators for ORDER BY, a binary heap for timers, the windows a
 * timestamp belongs to, and row kinds.
 */
import type { WindowPlan } from '../../plan/flink.ts';
import type { PExpr } from '../../plan/plan.ts';
import type { ExprCompiler } from '../compile.ts';
import type { Row } from '../operator.ts';

export const INSERT = 0;
export const UPDATE_BEFORE = 1;
export const UPDATE_AFTER = 2;
export const DELETE = 3;

/** Whether a row kind adds (+I, +U) rather than retracts (-U, -D). */
export function isAccumulate(kind: unknown): boolean {
  return kind === INSERT || kind === UPDATE_AFTER;
}

/** JS source of a group key over `r`: the value itself for one key, a joined text for several (NULL kept apart from 'null'). */
export function keySource(c: ExprCompiler, keys: PExpr[], row = 'r'): string {
  if (keys.length === 0) return '0';
  if (keys.length === 1) return c.src(keys[0]!, row);
  return keys.map((k) => `((x) => x === null ? '\\u0000' : String(x))(${c.src(k, row)})`).join(" + '\\u0001' + ");
}

export function keyFn(c: ExprCompiler, keys: PExpr[]): (r: Row) => unknown {
  return c.build(['r'], `return ${keySource(c, keys)};`);
}

/** SQL ordering of two values: NULL first ascending (Flink's default), numbers and text by value. */
export function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A comparator over rows for ORDER BY keys (DESC puts NULL last, as Flink does). */
export function rowComparator(c: ExprCompiler, order: { expr: PExpr; desc: boolean }[]): (a: Row, b: Row) => number {
  const fns = order.map((o) => c.fn1(o.expr));
  const desc = order.map((o) => o.desc);
  return (a, b) => {
    for (let i = 0; i < fns.length; i++) {
      const d = compareValues(fns[i]!(a), fns[i]!(b));
      if (d !== 0) return desc[i] ? -d : d;
    }
    return 0;
  };
}

/** A binary min-heap on a numeric priority: priorities and values in parallel arrays (no object per entry), sifted through a hole. */
export class MinHeap<T> {
  private ps: number[] = [];
  private vs: T[] = [];

  get size(): number {
    return this.ps.length;
  }

  push(p: number, v: T): void {
    const ps = this.ps;
    const vs = this.vs;
    let i = ps.length;
    ps.push(p);
    vs.push(v);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pp = ps[parent]!;
      if (pp <= p) break;
      ps[i] = pp;
      vs[i] = vs[parent]!;
      i = parent;
    }
    ps[i] = p;
    vs[i] = v;
  }

  peek(): number {
    return this.ps.length > 0 ? this.ps[0]! : Infinity;
  }

  pop(): T | undefined {
    const ps = this.ps;
    const vs = this.vs;
    const n = ps.length;
    if (n === 0) return undefined;
    const top = vs[0]!;
    const lastP = ps.pop()!;
    const lastV = vs.pop()!;
    const m = n - 1;
    if (m > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= m) break;
        if (c + 1 < m && ps[c + 1]! < ps[c]!) c++;
        if (ps[c]! >= lastP) break;
        ps[i] = ps[c]!;
        vs[i] = vs[c]!;
        i = c;
      }
      ps[i] = lastP;
      vs[i] = lastV;
    }
    return top;
  }

  values(): { p: number; v: T }[] {
    return this.ps.map((p, i) => ({ p, v: this.vs[i]! }));
  }

  clear(): void {
    this.ps = [];
    this.vs = [];
  }
}

/**
 * Timers in due order for streams that mostly arrive in time order: a new timer usually goes at the end
 * (O(1)), an earlier one is inserted by binary search; due timers leave from the front. Due times in a
 * Float64Array and values in an array beside it, live between `head` and `tail`: when the tail reaches
 * the end, the live part moves to the front in place (or, more than half full, the buffers double), so a
 * steady stream of timers makes no garbage and no copy per pop — no object per timer.
 */
export class TimerQueue<T> {
  private ps = new Float64Array(64);
  private vs: (T | undefined)[] = new Array(64);
  private head = 0;
  private tail = 0;

  get size(): number {
    return this.tail - this.head;
  }

  // hot path
  push(p: number, v: T): void {
    if (this.tail === this.ps.length) this.makeRoom();
    const ps = this.ps;
    const n = this.tail;
    if (n === this.head || ps[n - 1]! <= p) {
      ps[n] = p;
      this.vs[n] = v;
      this.tail = n + 1;
      return;
    }
    let lo = this.head;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ps[mid]! <= p) lo = mid + 1;
      else hi = mid;
    }
    ps.copyWithin(lo + 1, lo, n);
    // A loop, not Array.prototype.copyWithin (generic, several times slower on a plain array).
    const vs = this.vs;
    for (let i = n; i > lo; i--) vs[i] = vs[i - 1];
    ps[lo] = p;
    vs[lo] = v;
    this.tail = n + 1;
  }

  /**
   * The tail is at the end: move the live timers to the front when they fill at most a quarter of the
   * buffers (so a move is paid for by at least 3× as many pushes), or else double the buffers.
   */
  private makeRoom(): void {
    const live = this.tail - this.head;
    if (live * 4 <= this.ps.length) {
      this.ps.copyWithin(0, this.head, this.tail);
      const vs = this.vs;
      const h = this.head;
      for (let i = 0; i < live; i++) vs[i] = vs[h + i];
      for (let i = live; i < this.tail; i++) vs[i] = undefined;
    } else {
      const ps = new Float64Array(this.ps.length * 2);
      ps.set(this.ps.subarray(this.head, this.tail));
      const vs: (T | undefined)[] = new Array(ps.length);
      for (let i = 0; i < live; i++) vs[i] = this.vs[this.head + i];
      this.ps = ps;
      this.vs = vs;
    }
    this.head = 0;
    this.tail = live;
  }

  /** The earliest due time, or Infinity when there is none. */
  peek(): number {
    return this.head < this.tail ? this.ps[this.head]! : Infinity;
  }

  // hot path
  pop(): T | undefined {
    const h = this.head;
    if (h >= this.tail) return undefined;
    const v = this.vs[h];
    this.vs[h] = undefined;
    this.head = h + 1;
    if (this.head === this.tail) this.head = this.tail = 0;
    return v;
  }

  clear(): void {
    this.ps = new Float64Array(64);
    this.vs = new Array(64);
    this.head = 0;
    this.tail = 0;
  }
}

const floorTo = (t: number, size: number, offset: number): number => {
  const r = (t - offset) % size;
  return t - (r < 0 ? r + size : r);
};

/** The [start, end) windows of a TUMBLE/HOP/CUMULATE window a time belongs to (appended as start, end pairs). */
export function windowsOf(w: WindowPlan, t: number, out: number[]): void {
  out.length = 0;
  switch (w.kind) {
    case 'TUMBLE': {
      const s = floorTo(t, w.sizeMs, w.offsetMs);
      out.push(s, s + w.sizeMs);
      return;
    }
    case 'HOP': {
      const last = floorTo(t, w.slideMs, w.offsetMs);
      for (let s = last; s > t - w.sizeMs; s -= w.slideMs) out.push(s, s + w.sizeMs);
      return;
    }
    case 'CUMULATE': {
      const s = floorTo(t, w.maxSizeMs, w.offsetMs);
      for (let e = s + w.stepMs; e <= s + w.maxSizeMs; e += w.stepMs) if (e > t) out.push(s, e);
      return;
    }
    default:
      return;
  }
}
