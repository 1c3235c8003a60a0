/**
 * Tumbling window (GROUP BY STEP(s.ROWTIME BY INTERVAL ...) / FLOOR(s.ROWTIME TO unit)).
 * A window [start, start + size) closes when a row's ROWTIME reaches its end or
 * the watermark (the clock) does; its rows come out with ROWTIME = window end,
 * the moment KDA emits them. Groups come out in first-seen order.
 */
import type { OpPlan } from '../../plan/plan.ts';
import { ExprCompiler } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';
import { GroupCode, groupsFromJson, groupsToJson, type Group } from './group-aggregate.ts';

export class TumbleOperator implements Operator {
  private readonly windowStart: (r: Row) => unknown;
  private readonly code: GroupCode;
  /** Open windows by start, in ascending order (ROWTIME is monotonic, so usually one). */
  private windows = new Map<number, Map<unknown, Group>>();
  private readonly nAggs: number;
  /** End of the earliest open window (Infinity when none): the only per-row close check. */
  private minEnd = Infinity;

  constructor(private readonly plan: Extract<OpPlan, { op: 'tumble' }>, private readonly ctx: OperatorContext, private readonly emit: Emit) {
    const c = new ExprCompiler();
    this.windowStart = c.fn1(plan.windowStart);
    this.code = new GroupCode(plan.keys, plan.windowKey, plan.aggs, plan.having, plan.project);
    this.nAggs = plan.aggs.length;
  }

  // hot path: per-row key lookup and accumulator update.
  process(batch: Row[]): void {
    let out: Row[] | null = null;
    const code = this.code;
    let curStart = NaN;
    let cur: Map<unknown, Group> | undefined;
    for (let i = 0, n = batch.length; i < n; i++) {
      const r = batch[i]!;
      try {
        const t = r[0] as number;
        if (t >= this.minEnd) {
          out ??= [];
          this.closeUpTo(t, out);
          curStart = NaN;
        }
        const ws = this.windowStart(r) as number;
        if (ws !== curStart) {
          cur = this.windows.get(ws);
          if (!cur) {
            cur = new Map();
            this.windows.set(ws, cur);
            if (ws + this.plan.sizeMs < this.minEnd) this.minEnd = ws + this.plan.sizeMs;
          }
          curStart = ws;
        }
        const k = code.key(r);
        let g = cur!.get(k);
        if (g === undefined) {
          g = { keys: code.keyValues(r), acc: code.agg.init() };
          cur!.set(k, g);
        }
        code.agg.update(g.acc, r);
      } catch (e) {
        this.ctx.error({ ...errorOf(e), row: r });
      }
    }
    if (out && out.length > 0) this.emit(out);
  }

  private recomputeMinEnd(): void {
    let min = Infinity;
    for (const s of this.windows.keys()) if (s < min) min = s;
    this.minEnd = min + this.plan.sizeMs;
  }

  private closeUpTo(t: number, out: Row[]): void {
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
    if (watermarkMs < this.minEnd) return;
    const out: Row[] = [];
    this.closeUpTo(watermarkMs, out);
    if (out.length > 0) this.emit(out);
  }

  checkpoint(): unknown {
    return [...this.windows.entries()].map(([s, g]) => [s, groupsToJson(g)]);
  }

  restore(state: unknown): void {
    this.windows = new Map((state as [number, unknown[]][]).map(([s, g]) => [s, groupsFromJson(g)]));
    this.recomputeMinEnd();
  }

  close(): void {
    this.windows.clear();
    this.minEnd = Infinity;
  }
}
