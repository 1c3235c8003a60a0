/**
 * Flink's OVER aggregation, ordered by a time attribute: one output row per
 * input row, with aggregates over its partition's frame — RANGE BETWEEN
 * INTERVAL … PRECEDING AND CURRENT ROW (rows within that time, including
 * every row with the same time), ROWS BETWEEN n PRECEDING AND CURRENT ROW, or
 * UNBOUNDED PRECEDING. By event time rows wait until the watermark passes
 * them, then go in time order (rows of one time together); rows arriving
 * after the watermark passed them are dropped and counted. By processing
 * time each row goes at once.
 */
import type { OpPlan } from '../../plan/plan.ts';
import { ExprCompiler } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';
import { keyFn } from './flink-common.ts';
import type { Acc } from './retract-agg.ts';
import { RetractAggs } from './retract-agg.ts';

interface Frame {
  rows: Row[];
  times: number[];
  head: number;
  accs: Acc[];
}

export class OverAggOperator implements Operator {
  private readonly time: (r: Row) => unknown;
  private readonly key: (r: Row) => unknown;
  private readonly aggs: RetractAggs;
  private readonly project: (post: Row) => Row;
  private frames = new Map<unknown, Frame>();
  private buffer: Row[] = [];
  private wm = -Infinity;

  constructor(
    private readonly plan: Extract<OpPlan, { op: 'overAgg' }>,
    private readonly ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    const c = new ExprCompiler();
    this.time = c.fn1(plan.time);
    this.key = keyFn(c, plan.partition);
    this.aggs = new RetractAggs(plan.aggs);
    this.project = c.projector(plan.project);
  }

  process(batch: Row[]): void {
    if (this.plan.proctime) {
      this.run(batch, false);
      return;
    }
    for (const r of batch) {
      const t = this.time(r) as number | null;
      if (t === null || t <= this.wm) {
        this.ctx.flink?.late(1);
        continue;
      }
      this.buffer.push(r);
    }
  }

  /** Runs rows (in time order) through their partitions' frames. `grouped`: rows of one time share a RANGE frame. */
  private run(rows: Row[], grouped: boolean): void {
    const out: Row[] = [];
    const w = this.plan.inputWidth;
    const n = this.plan.aggs.length;
    const range = this.plan.rangeMs;
    const limit = this.plan.rows;
    for (let i = 0; i < rows.length; ) {
      // Rows of one partition and one time form a peer group for RANGE frames.
      const r = rows[i]!;
      let j = i + 1;
      const t = this.time(r) as number;
      const k = this.key(r);
      if (grouped && limit === null) while (j < rows.length && this.time(rows[j]!) === t && this.key(rows[j]!) === k) j++;
      try {
        let f = this.frames.get(k);
        if (!f) {
          f = { rows: [], times: [], head: 0, accs: this.aggs.create() };
          this.frames.set(k, f);
        }
        const results: Row[] = [];
        for (let x = i; x < j; x++) {
          const row = rows[x]!;
          f.rows.push(row);
          f.times.push(t);
          this.aggs.add(f.accs, row);
          if (limit !== null) {
            while (f.rows.length - f.head > limit + 1) this.aggs.retract(f.accs, f.rows[f.head++]!);
            results.push(this.post(row, f, w, n));
          }
        }
        if (range !== null) while (f.head < f.rows.length && f.times[f.head]! < t - range) this.aggs.retract(f.accs, f.rows[f.head++]!);
        if (limit === null) for (let x = i; x < j; x++) results.push(this.post(rows[x]!, f, w, n));
        for (const p of results) out.push(this.project(p));
        if (f.head > 1024 && f.head * 2 > f.rows.length) {
          f.rows = f.rows.slice(f.head);
          f.times = f.times.slice(f.head);
          f.head = 0;
        }
        if (range === null && limit === null) {
          // UNBOUNDED PRECEDING: the accumulators are the whole state; the rows are not needed.
          f.rows.length = 0;
          f.times.length = 0;
          f.head = 0;
        }
      } catch (e) {
        this.ctx.error({ ...errorOf(e), row: r });
      }
      i = j;
    }
    if (out.length > 0) this.emit(out);
  }

  private post(r: Row, f: Frame, w: number, n: number): Row {
    const post: Row = new Array(w + n);
    for (let i = 0; i < w; i++) post[i] = r[i];
    this.aggs.results(f.accs, post, w);
    return post;
  }

  advance(watermarkMs: number): void {
    if (this.plan.proctime || watermarkMs <= this.wm) return;
    this.wm = watermarkMs;
    if (this.buffer.length === 0) return;
    const ready: Row[] = [];
    const keep: Row[] = [];
    for (const r of this.buffer) ((this.time(r) as number) <= watermarkMs ? ready : keep).push(r);
    this.buffer = keep;
    if (ready.length === 0) return;
    const time = this.time;
    const key = this.key;
    // Stable: rows of one time keep their arrival order; peers of a partition end up next to each other.
    const idx = ready.map((r, i) => ({ r, i, t: time(r) as number, k: String(key(r)) }));
    idx.sort((a, b) => a.t - b.t || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0) || a.i - b.i);
    this.run(
      idx.map((x) => x.r),
      true,
    );
  }

  onProcessingTime(nowMs: number): void {
    if (!this.plan.proctime || this.plan.rangeMs === null) return;
    // Processing-time RANGE frames shrink as time passes.
    for (const f of this.frames.values())
      while (f.head < f.rows.length && f.times[f.head]! < nowMs - this.plan.rangeMs) this.aggs.retract(f.accs, f.rows[f.head++]!);
  }

  /** Rows and groups kept (the application's state cap, FlinkApplication maxStateRows). */
  stateRows(): number {
    let n = this.buffer.length;
    for (const f of this.frames.values()) n += 1 + f.rows.length - f.head;
    return n;
  }

  checkpoint(): unknown {
    return {
      wm: Number.isFinite(this.wm) ? this.wm : null,
      buffer: this.buffer,
      frames: [...this.frames.entries()].map(([k, f]) => [k, f.rows.slice(f.head), f.times.slice(f.head), this.aggs.save(f.accs)]),
    };
  }

  restore(state: unknown): void {
    const st = state as { wm: number | null; buffer: Row[]; frames: [unknown, Row[], number[], unknown[]][] };
    this.wm = st.wm ?? -Infinity;
    this.buffer = st.buffer;
    this.frames = new Map(st.frames.map(([k, rows, times, accs]) => [k, { rows, times, head: 0, accs: this.aggs.load(accs) }]));
  }

  close(): void {
    this.frames.clear();
    this.buffer = [];
  }
}
