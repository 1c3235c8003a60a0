/**
 * A window table-valued function read without aggregation: every row comes
 * out once per window it belongs to, with window_start, window_end and
 * window_time appended, when that window fires (the watermark reaches its
 * end − 1) — so window_time is a valid rowtime downstream (window Top-N,
 * window deduplication). Late rows are dropped and counted; SESSION windows
 * (per PARTITION BY key) merge as in the window aggregation.
 */
import type { OpPlan } from '../../plan/plan.ts';
import { ExprCompiler } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';
import { keyFn, MinHeap, windowsOf } from './flink-common.ts';

interface Bucket {
  start: number;
  end: number;
  rows: Row[];
}

interface Session {
  key: unknown;
  start: number;
  end: number;
  rows: Row[];
  dead: boolean;
}

export class WindowAssignOperator implements Operator {
  private readonly time: (r: Row) => unknown;
  private readonly key: (r: Row) => unknown;
  private wm = -Infinity;
  private buckets = new Map<number, Bucket>();
  private readonly heap = new MinHeap<number>();
  private sessions = new Map<unknown, Session[]>();
  private readonly sessionHeap = new MinHeap<Session>();
  private readonly bounds: number[] = [];

  constructor(
    private readonly plan: Extract<OpPlan, { op: 'windowAssign' }>,
    private readonly ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    const c = new ExprCompiler();
    this.time = c.fn1(plan.time);
    this.key = keyFn(c, plan.partition);
  }

  process(batch: Row[]): void {
    for (const r of batch) {
      try {
        const t = this.time(r) as number | null;
        if (t === null) {
          this.ctx.error({ errorName: 'NullRowtime', message: 'RowTime field should not be null', row: r });
          continue;
        }
        if (this.plan.window.kind === 'SESSION') {
          this.addToSession(r, t);
          continue;
        }
        windowsOf(this.plan.window, t, this.bounds);
        let used = false;
        for (let j = 0; j < this.bounds.length; j += 2) {
          const start = this.bounds[j]!;
          const end = this.bounds[j + 1]!;
          if (!this.plan.proctime && end - 1 <= this.wm) continue;
          used = true;
          let b = this.buckets.get(end);
          if (!b) {
            b = { start, end, rows: [] };
            this.buckets.set(end, b);
            this.heap.push(end, end);
          }
          b.rows.push(r);
        }
        if (!used) this.ctx.flink?.late(1);
      } catch (e) {
        this.ctx.error({ ...errorOf(e), row: r });
      }
    }
  }

  private addToSession(r: Row, t: number): void {
    const gap = (this.plan.window as { gapMs: number }).gapMs;
    const k = this.key(r);
    const list = this.sessions.get(k) ?? [];
    let start = t;
    let end = t + gap;
    const rows: Row[] = [];
    let merged = false;
    for (let i = list.length - 1; i >= 0; i--) {
      const s = list[i]!;
      if (t <= s.end && t + gap >= s.start) {
        start = Math.min(start, s.start);
        end = Math.max(end, s.end);
        rows.push(...s.rows);
        s.dead = true;
        list.splice(i, 1);
        merged = true;
      }
    }
    if (!merged && !this.plan.proctime && end - 1 <= this.wm) {
      this.ctx.flink?.late(1);
      return;
    }
    rows.push(r);
    const s: Session = { key: k, start, end, rows, dead: false };
    list.push(s);
    this.sessions.set(k, list);
    this.sessionHeap.push(end, s);
  }

  private out(r: Row, start: number, end: number): Row {
    const w = this.plan.width;
    const o: Row = new Array(w + 3);
    o[0] = end - 1;
    for (let i = 1; i < w; i++) o[i] = r[i];
    o[w] = start;
    o[w + 1] = end;
    o[w + 2] = end - 1;
    return o;
  }

  private fire(w: number): void {
    const out: Row[] = [];
    while (this.heap.size > 0 && this.heap.peek() - 1 <= w) {
      const end = this.heap.pop()!;
      const b = this.buckets.get(end);
      if (!b) continue;
      this.buckets.delete(end);
      for (const r of b.rows) out.push(this.out(r, b.start, b.end));
    }
    while (this.sessionHeap.size > 0 && this.sessionHeap.peek() - 1 <= w) {
      const s = this.sessionHeap.pop()!;
      if (s.dead) continue;
      s.dead = true;
      const list = this.sessions.get(s.key);
      if (list) {
        list.splice(list.indexOf(s), 1);
        if (list.length === 0) this.sessions.delete(s.key);
      }
      for (const r of s.rows) out.push(this.out(r, s.start, s.end));
    }
    if (out.length > 0) this.emit(out);
  }

  advance(watermarkMs: number): void {
    if (this.plan.proctime || watermarkMs <= this.wm) return;
    this.wm = watermarkMs;
    this.fire(watermarkMs);
  }

  onProcessingTime(nowMs: number): void {
    if (this.plan.proctime) this.fire(nowMs);
  }

  checkpoint(): unknown {
    return {
      wm: Number.isFinite(this.wm) ? this.wm : null,
      buckets: [...this.buckets.values()],
      sessions: [...this.sessions.values()].flat().map((s) => [s.key, s.start, s.end, s.rows]),
    };
  }

  restore(state: unknown): void {
    const st = state as { wm: number | null; buckets: Bucket[]; sessions: [unknown, number, number, Row[]][] };
    this.wm = st.wm ?? -Infinity;
    this.buckets = new Map(st.buckets.map((b) => [b.end, b]));
    this.heap.clear();
    for (const b of st.buckets) this.heap.push(b.end, b.end);
    this.sessions.clear();
    this.sessionHeap.clear();
    for (const [key, start, end, rows] of st.sessions) {
      const s: Session = { key, start, end, rows, dead: false };
      const list = this.sessions.get(key) ?? [];
      list.push(s);
      this.sessions.set(key, list);
      this.sessionHeap.push(end, s);
    }
  }

  close(): void {
    this.buckets.clear();
    this.heap.clear();
    this.sessions.clear();
    this.sessionHeap.clear();
  }
}
