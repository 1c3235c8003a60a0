/**
 * Flink's window aggregation (window TVFs TUMBLE/HOP/CUMULATE/SESSION and
 * legacy GROUP BY TUMBLE/HOP/SESSION) by event or processing time.
 *
 * A row's time (its rowtime attribute) puts it into every window it belongs
 * to; a window [start, end) fires once the watermark reaches end − 1 (Flink's
 * maxTimestamp), and its groups come out as rows with time end − 1
 * (window_time). A row whose windows have all fired is late: dropped and
 * counted. Session windows are per group key, start with a row, grow by the
 * gap and merge when rows bridge them; they keep their rows until they fire.
 * Processing-time windows fire by the clock (onProcessingTime) instead.
 */
import type { OpPlan } from '../../plan/plan.ts';
import { accFromJson, accToJson, compileAggregates, ExprCompiler, type AggCode } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';
import { keySource, MinHeap, windowsOf } from './flink-common.ts';

interface Group {
  keys: unknown[];
  acc: unknown[];
}

interface Win {
  start: number;
  end: number;
  groups: Map<unknown, Group>;
}

interface Session {
  key: unknown;
  start: number;
  end: number;
  rows: Row[];
  dead: boolean;
}

type Plan = Extract<OpPlan, { op: 'windowAgg' }>;

export class WindowAggOperator implements Operator {
  private readonly agg: AggCode;
  private readonly time: (r: Row) => unknown;
  private readonly key: (r: Row) => unknown;
  private readonly keyValues: (r: Row) => unknown[];
  private readonly having: ((post: Row) => unknown) | null;
  private readonly project: (post: Row) => Row;
  private readonly nKeys: number;
  private readonly loop: ((batch: Row[], self: WindowAggOperator) => void) | null;
  /** @internal read by the generated loop */
  wm = -Infinity;
  /** Windows by end (unique per window for TUMBLE, HOP and CUMULATE). */
  private windows = new Map<number, Win>();
  /** Open window ends, ascending. */
  private ends: number[] = [];
  private sessions = new Map<unknown, Session[]>();
  private readonly sessionHeap = new MinHeap<Session>();
  private readonly bounds: number[] = [];

  constructor(
    private readonly plan: Plan,
    private readonly ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    const c = new ExprCompiler();
    this.agg = compileAggregates(c, plan.aggs);
    this.time = c.fn1(plan.time);
    const ks = keySource(c, plan.keys);
    this.key = c.build(['r'], `return ${ks};`);
    this.keyValues = c.build(['r'], `return [${plan.keys.map((k) => c.src(k)).join(', ')}];`);
    this.having = plan.having ? c.fn1(plan.having) : null;
    this.project = c.projector(plan.project);
    this.nKeys = plan.keys.length;
    // hot path: TUMBLE by event time is one generated loop — window, key and accumulator update inlined.
    if (plan.window.kind === 'TUMBLE' && !plan.proctime) {
      const size = plan.window.sizeMs;
      const off = plan.window.offsetMs;
      this.loop = c.build(
        ['batch', 'self'],
        `
        let curStart = NaN, cur = null;
        const wm = self.wm;
        for (let i = 0, n = batch.length; i < n; i++) {
          const r = batch[i];
          try {
            const t = ${c.src(plan.time)};
            if (t === null) { self.nullTime(r); continue; }
            const m = (t - ${off}) % ${size};
            const s = t - (m < 0 ? m + ${size} : m);
            if (s !== curStart) {
              if (s + ${size - 1} <= wm) { self.lateRow(); continue; }
              cur = self.windowFor(s, s + ${size}).groups; curStart = s;
            }
            const k = ${ks};
            let g = cur.get(k);
            if (g === undefined) { g = self.newGroup(r); cur.set(k, g); }
            const a = g.acc;
            ${this.agg.updateSrc}
          } catch (e) { self.rowError(e, r); }
        }`,
      );
    } else this.loop = null;
  }

  /** @internal */
  windowFor(start: number, end: number): Win {
    let w = this.windows.get(end);
    if (!w) {
      w = { start, end, groups: new Map() };
      this.windows.set(end, w);
      const ends = this.ends;
      if (ends.length === 0 || end > ends[ends.length - 1]!) ends.push(end);
      else {
        let lo = 0;
        let hi = ends.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (ends[mid]! < end) lo = mid + 1;
          else hi = mid;
        }
        ends.splice(lo, 0, end);
      }
    }
    return w;
  }

  /** @internal */
  newGroup(r: Row): Group {
    return { keys: this.keyValues(r), acc: this.agg.init() };
  }

  /** @internal */
  lateRow(): void {
    this.ctx.flink?.late(1);
  }

  /** @internal */
  nullTime(r: Row): void {
    this.ctx.error({ errorName: 'NullRowtime', message: 'RowTime field should not be null, please convert it to a non-null long value.', row: r });
  }

  /** @internal */
  rowError(e: unknown, r: Row): void {
    this.ctx.error({ ...errorOf(e), row: r });
  }

  process(batch: Row[]): void {
    if (this.loop) {
      this.loop(batch, this);
      return;
    }
    if (this.plan.window.kind === 'SESSION') {
      this.processSessions(batch);
      return;
    }
    const proctime = this.plan.proctime;
    const b = this.bounds;
    for (let i = 0, n = batch.length; i < n; i++) {
      const r = batch[i]!;
      try {
        const t = this.time(r) as number | null;
        if (t === null) {
          this.nullTime(r);
          continue;
        }
        windowsOf(this.plan.window, t, b);
        let used = false;
        const k = this.key(r);
        for (let j = 0; j < b.length; j += 2) {
          const end = b[j + 1]!;
          // Processing-time windows are never late: a row goes to the window of its arrival time.
          if (!proctime && end - 1 <= this.wm) continue;
          used = true;
          const groups = this.windowFor(b[j]!, end).groups;
          let g = groups.get(k);
          if (g === undefined) {
            g = this.newGroup(r);
            groups.set(k, g);
          }
          this.agg.update(g.acc, r);
        }
        if (!used) this.lateRow();
      } catch (e) {
        this.rowError(e, r);
      }
    }
  }

  private processSessions(batch: Row[]): void {
    const gap = (this.plan.window as { gapMs: number }).gapMs;
    for (const r of batch) {
      try {
        const t = this.time(r) as number | null;
        if (t === null) {
          this.nullTime(r);
          continue;
        }
        const k = this.key(r);
        let list = this.sessions.get(k);
        if (!list) {
          list = [];
          this.sessions.set(k, list);
        }
        let start = t;
        let end = t + gap;
        const rows: Row[] = [];
        let merged = false;
        for (let i = list.length - 1; i >= 0; i--) {
          const s = list[i]!;
          if (t <= s.end && t + gap >= s.start) {
            start = Math.min(start, s.start);
            end = Math.max(end, s.end);
            for (const x of s.rows) rows.push(x);
            s.dead = true;
            list.splice(i, 1);
            merged = true;
          }
        }
        if (!merged && !this.plan.proctime && end - 1 <= this.wm) {
          this.lateRow();
          if (list.length === 0) this.sessions.delete(k);
          continue;
        }
        rows.push(r);
        const s: Session = { key: k, start, end, rows, dead: false };
        list.push(s);
        this.sessionHeap.push(end, s);
      } catch (e) {
        this.rowError(e, r);
      }
    }
  }

  private fire(w: number): void {
    const out: Row[] = [];
    if (this.plan.window.kind === 'SESSION') {
      const heap = this.sessionHeap;
      while (heap.size > 0 && heap.peek() - 1 <= w) {
        const s = heap.pop()!;
        if (s.dead) continue;
        s.dead = true;
        const list = this.sessions.get(s.key);
        if (list) {
          const i = list.indexOf(s);
          if (i >= 0) list.splice(i, 1);
          if (list.length === 0) this.sessions.delete(s.key);
        }
        const acc = this.agg.init();
        for (const r of s.rows) {
          try {
            this.agg.update(acc, r);
          } catch (e) {
            this.rowError(e, r);
          }
        }
        this.emitGroup(this.keyValues(s.rows[0]!), acc, s.start, s.end, out);
      }
    } else {
      const ends = this.ends;
      let n = 0;
      while (n < ends.length && ends[n]! - 1 <= w) n++;
      for (let i = 0; i < n; i++) {
        const win = this.windows.get(ends[i]!)!;
        this.windows.delete(win.end);
        for (const g of win.groups.values()) this.emitGroup(g.keys, g.acc, win.start, win.end, out);
      }
      if (n > 0) ends.splice(0, n);
    }
    if (out.length > 0) this.emit(out);
  }

  private emitGroup(keys: unknown[], acc: unknown[], start: number, end: number, out: Row[]): void {
    const nk = this.nKeys;
    const post: Row = new Array(3 + nk + this.plan.aggs.length);
    post[0] = end - 1;
    for (let k = 0; k < nk; k++) post[1 + k] = keys[k];
    post[1 + nk] = start;
    post[2 + nk] = end;
    try {
      this.agg.result(acc, post, 3 + nk);
      if (this.having && this.having(post) !== true) return;
      out.push(this.project(post));
    } catch (e) {
      this.ctx.error({ ...errorOf(e), row: post });
    }
  }

  advance(watermarkMs: number): void {
    if (this.plan.proctime || watermarkMs <= this.wm) return;
    this.wm = watermarkMs;
    this.fire(watermarkMs);
  }

  onProcessingTime(nowMs: number): void {
    if (!this.plan.proctime) return;
    this.wm = nowMs;
    this.fire(nowMs);
  }

  checkpoint(): unknown {
    return {
      wm: Number.isFinite(this.wm) ? this.wm : null,
      windows: [...this.windows.values()].map((w) => [w.start, w.end, [...w.groups.entries()].map(([k, g]) => [k, g.keys, accToJson(g.acc)])]),
      sessions: [...this.sessions.values()].flat().map((s) => [s.key, s.start, s.end, s.rows]),
    };
  }

  restore(state: unknown): void {
    const st = state as { wm: number | null; windows: [number, number, [unknown, unknown[], unknown[]][]][]; sessions: [unknown, number, number, Row[]][] };
    this.wm = st.wm ?? -Infinity;
    this.windows.clear();
    this.ends = [];
    for (const [start, end, groups] of st.windows) {
      const w = this.windowFor(start, end);
      for (const [k, keys, acc] of groups) w.groups.set(k, { keys, acc: accFromJson(acc) });
    }
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
    this.windows.clear();
    this.ends = [];
    this.sessions.clear();
    this.sessionHeap.clear();
  }
}
