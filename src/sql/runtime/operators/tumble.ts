/**
 * Tumbling window (GROUP BY STEP(s.ROWTIME BY INTERVAL ...) / FLOOR(s.ROWTIME TO unit)).
 * A window [start, start + size) closes when a row's ROWTIME reaches its end or
 * the watermark (the clock) does; its rows come out with ROWTIME = window end,
 * the moment KDA emits them. Groups come out in first-seen order.
 */
import type { OpPlan } from '../../plan/plan.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';
import { GroupCode, groupsFromJson, groupsToJson, type Group } from './group-aggregate.ts';

export class TumbleOperator implements Operator {
  private readonly code: GroupCode;
  private readonly windowStart: (r: Row) => unknown;
  /** Open windows by start, in ascending order (ROWTIME is monotonic, so usually one). */
  private windows = new Map<number, Map<unknown, Group>>();
  private readonly nAggs: number;
  /** End of the earliest open window (Infinity when none): the only per-row close check. */
  /** @internal read by the generated loop */
  minEnd = Infinity;

  private readonly loop: (batch: Row[], self: TumbleOperator) => void;
  /** Rows of windows closed during the current batch. */
  private pending: Row[] = [];

  constructor(
    private readonly plan: Extract<OpPlan, { op: 'tumble' }>,
    private readonly ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    this.code = new GroupCode(plan.keys, plan.windowKey, plan.aggs, plan.having, plan.project);
    const c = this.code.compiler;
    this.windowStart = c.fn1(plan.windowStart);
    this.nAggs = plan.aggs.length;
    // hot path: the batch loop is generated with the window, key and accumulator code inlined.
    const ws = c.src(plan.windowStart);
    this.loop = c.build(
      ['batch', 'self'],
      `
      let curStart = NaN, cur;
      for (let i = 0, n = batch.length; i < n; i++) {
        const r = batch[i];
        try {
          if (r[0] >= self.minEnd) { self.closeUpTo(r[0], self.pending); curStart = NaN; }
          const ws = ${ws};
          if (ws !== curStart) { cur = self.windowFor(ws); curStart = ws; }
          const k = ${this.code.keySrc};
          let g = cur.get(k);
          if (g === undefined) { g = self.newGroup(r); cur.set(k, g); }
          const a = g.acc;
          ${this.code.agg.updateSrc}
        } catch (e) { self.rowError(e, r); }
      }`,
    );
  }

  /** @internal used by the generated loop */
  windowFor(ws: number): Map<unknown, Group> {
    let cur = this.windows.get(ws);
    if (!cur) {
      cur = new Map();
      this.windows.set(ws, cur);
      if (ws + this.plan.sizeMs < this.minEnd) this.minEnd = ws + this.plan.sizeMs;
    }
    return cur;
  }

  /** @internal */
  newGroup(r: Row): Group {
    return { keys: this.code.keyValues(r), acc: this.code.agg.init() };
  }

  /** @internal */
  rowError(e: unknown, r: Row): void {
    this.ctx.error({ ...errorOf(e), row: r });
  }

  process(batch: Row[]): void {
    if (this.plan.sizeMs <= 0) {
      this.processGeneric(batch);
      return;
    }
    this.loop(batch, this);
    if (this.pending.length > 0) {
      const out = this.pending;
      this.pending = [];
      this.emit(out);
    }
  }

  private recomputeMinEnd(): void {
    let min = Infinity;
    for (const s of this.windows.keys()) if (s < min) min = s;
    this.minEnd = min + this.plan.sizeMs;
  }

  // ---- windows of a general monotonic expression of ROWTIME (sizeMs 0) or a declared MONOTONIC(x) (sizeMs -1) ----
  private genKey: unknown = undefined;
  private genLast = -Infinity;
  private keyAt(t: number): unknown {
    return this.windowStart([t]);
  }

  private processGeneric(batch: Row[]): void {
    const out: Row[] = [];
    const code = this.code;
    for (const r of batch) {
      try {
        const t = r[0] as number;
        const k = this.windowStart(r);
        if (this.genKey !== undefined && k !== this.genKey) this.closeGeneric(t, out);
        let groups = this.windows.get(k as number);
        if (!groups) {
          groups = new Map();
          this.windows.set(k as number, groups);
          this.genKey = k;
        }
        this.genLast = t;
        const gk = code.key(r);
        let g = groups.get(gk);
        if (g === undefined) {
          g = this.newGroup(r);
          groups.set(gk, g);
        }
        code.agg.update(g.acc, r);
      } catch (e) {
        this.rowError(e, r);
      }
    }
    if (out.length > 0) this.emit(out);
  }

  /**
   * Closes the open window; its end is the first millisecond after its last row where the key changes.
   * For MONOTONIC(x) only a row can show the change: the rows come out at that row's ROWTIME (`limit`).
   */
  private closeGeneric(limit: number, out: Row[]): void {
    let lo = this.genLast;
    let hi = limit;
    while (this.plan.sizeMs === 0 && hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.keyAt(mid) !== this.genKey) hi = mid;
      else lo = mid;
    }
    const groups = this.windows.get(this.genKey as number);
    if (groups) this.code.close(groups, hi, this.plan.windowKey, this.genKey as number, this.nAggs, out, this.ctx);
    this.windows.clear();
    this.genKey = undefined;
  }

  /** @internal */
  closeUpTo(t: number, out: Row[]): void {
    const starts = [...this.windows.keys()].sort((a, b) => a - b);
    for (const s of starts) {
      const end = s + this.plan.sizeMs;
      if (end > t) break;
      this.code.close(this.windows.get(s)!, end, this.plan.windowKey, s, this.nAggs, out, this.ctx);
      this.windows.delete(s);
    }
    this.recomputeMinEnd();
  }

  advance(watermarkMs: number): void {
    if (this.plan.sizeMs < 0) return;
    if (this.plan.sizeMs === 0) {
      if (this.genKey !== undefined && watermarkMs > this.genLast && this.keyAt(watermarkMs) !== this.genKey) {
        const out: Row[] = [];
        this.closeGeneric(watermarkMs, out);
        if (out.length > 0) this.emit(out);
      }
      return;
    }
    if (watermarkMs < this.minEnd) return;
    const out: Row[] = [];
    this.closeUpTo(watermarkMs, out);
    if (out.length > 0) this.emit(out);
  }

  checkpoint(): unknown {
    return { windows: [...this.windows.entries()].map(([s, g]) => [s, groupsToJson(g)]), genLast: this.genLast === -Infinity ? null : this.genLast };
  }

  restore(state: unknown): void {
    const st = state as { windows: [number, unknown[]][]; genLast: number | null };
    this.windows = new Map(st.windows.map(([s, g]) => [s, groupsFromJson(g)]));
    this.genLast = st.genLast ?? -Infinity;
    this.genKey = this.plan.sizeMs <= 0 && this.windows.size > 0 ? [...this.windows.keys()][0] : undefined;
    this.recomputeMinEnd();
  }

  stateRows(): number {
    let n = this.pending.length;
    for (const groups of this.windows.values()) n += groups.size;
    return n;
  }

  close(): void {
    this.windows.clear();
    this.minEnd = Infinity;
  }
}
