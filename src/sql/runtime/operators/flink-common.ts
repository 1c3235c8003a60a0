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

/** A binary min-heap on a numeric priority. */
export class MinHeap<T> {
  private readonly items: { p: number; v: T }[] = [];

  get size(): number {
    return this.items.length;
  }

  push(p: number, v: T): void {
    const a = this.items;
    a.push({ p, v });
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]!.p <= a[i]!.p) break;
      [a[parent], a[i]] = [a[i]!, a[parent]!];
      i = parent;
    }
  }

  peek(): number {
    return this.items.length > 0 ? this.items[0]!.p : Infinity;
  }

  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.p < a[m]!.p) m = l;
        if (r < a.length && a[r]!.p < a[m]!.p) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top.v;
  }

  values(): { p: number; v: T }[] {
    return this.items;
  }

  clear(): void {
    this.items.length = 0;
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
