/**
 * ROW_NUMBER() OVER (PARTITION BY … ORDER BY …) filtered to rn ≤ N:
 *
 * - Top-N: each partition keeps its best rows (all rows when the input is a
 *   changelog, since a retraction can bring a lower row back). After each
 *   change the new top N is compared with what was emitted and the difference
 *   comes out: without the rank column, -D for rows that left and +I for rows
 *   that entered; with it, a row whose rank changed as -U (old rank) / +U (new).
 * - Deduplication (N = 1, ordered by a time attribute): keep the first row
 *   per key (append-only by processing time; by event time an earlier row that
 *   arrives later replaces it with -U/+U) or the last row (-U/+U on each new one).
 * - Window Top-N (partitioned by window_start, window_end): rows wait for their
 *   window to fire (the watermark passes its end − 1), then the top N of each
 *   partition come out once, append-only.
 */
import type { OpPlan } from '../../plan/plan.ts';
import { ExprCompiler } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';
import { DELETE, INSERT, isAccumulate, keyFn, MinHeap, rowComparator, UPDATE_AFTER, UPDATE_BEFORE } from './flink-common.ts';

type Plan = Extract<OpPlan, { op: 'rank' }>;

interface Partition {
  /** Kept rows in rank order (without kind). */
  rows: Row[];
  /** What was last emitted: the top N. */
  emitted: Row[];
}

export class RankOperator implements Operator {
  private readonly key: (r: Row) => unknown;
  private readonly cmp: (a: Row, b: Row) => number;
  private readonly time: ((r: Row) => unknown) | null;
  private parts = new Map<unknown, Partition>();
  /** Window Top-N: rows per window end, then per partition. */
  private windows = new Map<number, Map<unknown, Row[]>>();
  private readonly windowHeap = new MinHeap<number>();
  private wm = -Infinity;

  constructor(
    private readonly plan: Plan,
    private readonly ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    const c = new ExprCompiler();
    this.key = keyFn(c, plan.partition);
    this.cmp = rowComparator(c, plan.order);
    this.time = plan.time ? c.fn1(plan.time) : null;
  }

  private strip(r: Row): Row {
    return r.length > this.plan.width ? r.slice(0, this.plan.width) : r;
  }

  /** An output row: the input row, its rank when asked for, its kind when a changelog. */
  private out(r: Row, rank: number, kind: number): Row {
    const o = r.slice(0, this.plan.width);
    if (this.plan.outputRank) o.push(rank);
    if (this.plan.changelog) o.push(kind);
    return o;
  }

  process(batch: Row[]): void {
    if (this.plan.windowEnd !== null) {
      this.processWindowed(batch);
      return;
    }
    const out: Row[] = [];
    for (const input of batch) {
      try {
        if (this.plan.dedup) this.dedup(input, out);
        else this.topN(input, out);
      } catch (e) {
        this.ctx.error({ ...errorOf(e), row: input });
      }
    }
    if (out.length > 0) this.emit(out);
  }

  private dedup(input: Row, out: Row[]): void {
    const kindSlot = this.plan.inputKind;
    if (kindSlot !== null && !isAccumulate(input[kindSlot])) return;
    const r = this.strip(input);
    const k = this.key(r);
    const p = this.parts.get(k);
    const prev = p?.emitted[0];
    if (!prev) {
      this.parts.set(k, { rows: [], emitted: [r] });
      out.push(this.out(r, 1, INSERT));
      return;
    }
    const t = this.time ? (this.time(r) as number) : 0;
    const pt = this.time ? (this.time(prev) as number) : 0;
    const replace = this.plan.dedup === 'last' ? this.plan.proctime || t >= pt : !this.plan.proctime && t < pt;
    if (!replace) return;
    out.push(this.out(prev, 1, UPDATE_BEFORE));
    out.push(this.out(r, 1, UPDATE_AFTER));
    p!.emitted[0] = r;
  }

  private topN(input: Row, out: Row[]): void {
    const kindSlot = this.plan.inputKind;
    const add = kindSlot === null || isAccumulate(input[kindSlot]);
    const r = this.strip(input);
    const k = this.key(r);
    let p = this.parts.get(k);
    if (!p) {
      if (!add) return;
      p = { rows: [], emitted: [] };
      this.parts.set(k, p);
    }
    const rows = p.rows;
    if (add) {
      // Insert after equal rows: ties keep arrival order.
      let lo = 0;
      let hi = rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.cmp(rows[mid]!, r) <= 0) lo = mid + 1;
        else hi = mid;
      }
      if (kindSlot === null && lo >= this.plan.limit) return; // an append-only row below the top N never rises
      rows.splice(lo, 0, r);
      if (kindSlot === null && rows.length > this.plan.limit) rows.length = this.plan.limit;
    } else {
      const id = JSON.stringify(r.slice(1));
      const i = rows.findIndex((x) => JSON.stringify(x.slice(1)) === id);
      if (i < 0) return;
      rows.splice(i, 1);
    }
    const next = rows.slice(0, this.plan.limit);
    this.diff(p.emitted, next, out);
    p.emitted = next;
    if (rows.length === 0) this.parts.delete(k);
  }

  /** The changes from the emitted top N to the new one. */
  private diff(before: Row[], after: Row[], out: Row[]): void {
    if (this.plan.outputRank) {
      const n = Math.max(before.length, after.length);
      for (let i = 0; i < n; i++) {
        const a = before[i];
        const b = after[i];
        if (a === b) continue;
        if (a && b) {
          out.push(this.out(a, i + 1, UPDATE_BEFORE));
          out.push(this.out(b, i + 1, UPDATE_AFTER));
        } else if (a) out.push(this.out(a, i + 1, DELETE));
        else if (b) out.push(this.out(b, i + 1, INSERT));
      }
      return;
    }
    const kept = new Set(after);
    for (const a of before) if (!kept.has(a)) out.push(this.out(a, 0, DELETE));
    const had = new Set(before);
    for (const b of after) if (!had.has(b)) out.push(this.out(b, 0, INSERT));
  }

  private processWindowed(batch: Row[]): void {
    const endSlot = this.plan.windowEnd!;
    for (const input of batch) {
      const r = this.strip(input);
      const end = r[endSlot] as number;
      if (end - 1 <= this.wm) {
        this.ctx.flink?.late(1);
        continue;
      }
      let w = this.windows.get(end);
      if (!w) {
        w = new Map();
        this.windows.set(end, w);
        this.windowHeap.push(end, end);
      }
      const k = this.key(r);
      let list = w.get(k);
      if (!list) {
        list = [];
        w.set(k, list);
      }
      list.push(r);
    }
  }

  advance(watermarkMs: number): void {
    if (this.plan.windowEnd === null || watermarkMs <= this.wm) return;
    this.wm = watermarkMs;
    const out: Row[] = [];
    while (this.windowHeap.size > 0 && this.windowHeap.peek() - 1 <= watermarkMs) {
      const end = this.windowHeap.pop()!;
      const w = this.windows.get(end);
      if (!w) continue;
      this.windows.delete(end);
      for (const list of w.values()) {
        // Stable sort: equal rows keep their arrival order.
        const sorted = list.map((r, i) => ({ r, i })).sort((a, b) => this.cmp(a.r, b.r) || a.i - b.i);
        const n = Math.min(this.plan.limit, sorted.length);
        for (let i = 0; i < n; i++) out.push(this.out(sorted[i]!.r, i + 1, INSERT));
      }
    }
    if (out.length > 0) this.emit(out);
  }

  /** Rows and groups kept (the application's state cap, FlinkApplication maxStateRows). */
  stateRows(): number {
    let n = 0;
    for (const p of this.parts.values()) n += p.rows.length;
    for (const w of this.windows.values()) for (const rows of w.values()) n += rows.length;
    return n;
  }

  checkpoint(): unknown {
    return {
      wm: Number.isFinite(this.wm) ? this.wm : null,
      parts: [...this.parts.entries()].map(([k, p]) => [k, p.rows, p.emitted.map((e) => p.rows.indexOf(e)), p.emitted]),
      windows: [...this.windows.entries()].map(([end, w]) => [end, [...w.entries()]]),
    };
  }

  restore(state: unknown): void {
    const st = state as { wm: number | null; parts: [unknown, Row[], number[], Row[]][]; windows: [number, [unknown, Row[]][]][] };
    this.wm = st.wm ?? -Infinity;
    // Emitted rows are the kept rows' own objects (the diff compares identities).
    this.parts = new Map(st.parts.map(([k, rows, idx, emitted]) => [k, { rows, emitted: idx.map((i, n) => (i >= 0 ? rows[i]! : emitted[n]!)) }]));
    this.windows = new Map(st.windows.map(([end, w]) => [end, new Map(w)]));
    this.windowHeap.clear();
    for (const end of this.windows.keys()) this.windowHeap.push(end, end);
  }

  close(): void {
    this.parts.clear();
    this.windows.clear();
    this.windowHeap.clear();
  }
}
