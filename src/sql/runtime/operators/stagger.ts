/**
 * WINDOWED BY STAGGER (PARTITION BY ... RANGE INTERVAL ...): a window per
 * partition key opens with the key's first row and closes `rangeMs` later
 * (by a row's ROWTIME or by the clock); output ROWTIME = the close time.
 */
import type { OpPlan } from '../../plan/plan.ts';
import { ExprCompiler } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';
import { GroupCode, groupsFromJson, groupsToJson, type Group } from './group-aggregate.ts';

interface Window {
  closeAt: number;
  groups: Map<unknown, Group>;
}

export class StaggerOperator implements Operator {
  private readonly partitionKey: (r: Row) => unknown;
  private readonly code: GroupCode;
  /** Insertion order = opening order = closing order (ROWTIME is monotonic). */
  private windows = new Map<unknown, Window>();

  constructor(
    private readonly plan: Extract<OpPlan, { op: 'stagger' }>,
    private readonly ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    const c = new ExprCompiler();
    const parts = plan.partition.map((p) => `String(${c.src(p)})`);
    this.partitionKey = c.build(['r'], `return ${parts.length ? parts.join(" + '\\u0001' + ") : '0'};`);
    this.code = new GroupCode(plan.keys, -1, plan.aggs, plan.having, plan.project);
  }

  process(batch: Row[]): void {
    const out: Row[] = [];
    for (const r of batch) {
      try {
        this.closeUpTo(r[0] as number, out);
        const pk = this.partitionKey(r);
        let w = this.windows.get(pk);
        if (!w) {
          w = { closeAt: (r[0] as number) + this.plan.rangeMs, groups: new Map() };
          this.windows.set(pk, w);
        }
        const k = this.code.key(r);
        let g = w.groups.get(k);
        if (!g) {
          g = { keys: this.code.keyValues(r), acc: this.code.agg.init() };
          w.groups.set(k, g);
        }
        this.code.agg.update(g.acc, r);
      } catch (e) {
        this.ctx.error({ ...errorOf(e), row: r });
      }
    }
    if (out.length > 0) this.emit(out);
  }

  private closeUpTo(t: number, out: Row[]): void {
    for (const [pk, w] of this.windows) {
      if (w.closeAt > t) break;
      this.code.close(w.groups, w.closeAt, -1, 0, this.plan.aggs.length, out, this.ctx);
      this.windows.delete(pk);
    }
  }

  advance(watermarkMs: number): void {
    const out: Row[] = [];
    this.closeUpTo(watermarkMs, out);
    if (out.length > 0) this.emit(out);
  }

  checkpoint(): unknown {
    return [...this.windows.entries()].map(([k, w]) => [k, w.closeAt, groupsToJson(w.groups)]);
  }

  restore(state: unknown): void {
    this.windows = new Map((state as [unknown, number, unknown[]][]).map(([k, c, g]) => [k, { closeAt: c, groups: groupsFromJson(g) }]));
  }

  stateRows(): number {
    let n = 0;
    for (const w of this.windows.values()) n += w.groups.size;
    return n;
  }

  close(): void {
    this.windows.clear();
  }
}
