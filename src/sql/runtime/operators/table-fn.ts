/**
 * TABLE(RANDOM_CUT_FOREST(CURSOR(...), numberOfTrees, subSampleSize, timeDecay, shingleSize))
 * and RANDOM_CUT_FOREST_WITH_EXPLANATION(..., withDirectionality), backed by
 * src/anomaly's RandomCutForest. Output columns: the cursor's columns, then
 * ANOMALY_SCORE (and ANOMALY_EXPLANATION). Only numeric cursor columns form the
 * point (KDA: "the function uses only numeric columns"); a NULL counts as 0.
 *
 * With passSource (S2's `TABLE(RCF(CURSOR(SELECT STREAM ... FROM X))) AS rcf, X AS source`)
 * the operator reads X itself and emits, per row, [rowtime, ...X row, ...cursor columns, score]:
 * each RCF output row is paired with exactly the source row it was computed from.
 */
import { RandomCutForest, kdaForestOptions, type ForestState } from '../../../anomaly/index.ts';
import type { OpPlan } from '../../plan/plan.ts';
import { isNumeric } from '../../plan/types.ts';
import { ExprCompiler } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';
import { GroupRankOperator } from './group-rank.ts';
import { HotspotsOperator } from './hotspots.ts';
import { TumblingItemsOperator } from './tumbling-items.ts';

/** The operator for one `TABLE(fn(CURSOR(...), ...))`, by function name. */
export function createTableFnOperator(plan: Extract<OpPlan, { op: 'tableFn' }>, ctx: OperatorContext, emit: Emit): Operator {
  if (plan.fn.startsWith('RANDOM_CUT_FOREST')) return new TableFnOperator(plan, ctx, emit);
  if (plan.fn === 'HOTSPOTS') return new HotspotsOperator(plan, ctx, emit);
  if (plan.fn === 'GROUP_RANK') return new GroupRankOperator(plan, ctx, emit);
  return new TumblingItemsOperator(plan, ctx, emit);
}

const fmt = (x: number): string => String(Math.round(x * 1e6) / 1e6);

export class TableFnOperator implements Operator {
  private readonly filter: ((r: Row) => unknown) | null;
  private readonly project: (r: Row) => Row;
  private readonly numeric: number[];
  private forest: RandomCutForest;
  private readonly point: Float64Array;
  private readonly explain: boolean;
  private readonly directional: boolean;

  constructor(
    private readonly plan: Extract<OpPlan, { op: 'tableFn' }>,
    private readonly ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    const c = new ExprCompiler();
    this.filter = plan.filter ? c.fn1(plan.filter) : null;
    this.project = c.projector(plan.project);
    this.numeric = plan.cursorColumns.map((col, i) => (isNumeric(col.type) && col.type.name !== 'NULL' ? i : -1)).filter((i) => i >= 0);
    this.explain = plan.fn === 'RANDOM_CUT_FOREST_WITH_EXPLANATION';
    this.directional = this.explain && plan.params[4] === true;
    this.point = new Float64Array(Math.max(1, this.numeric.length));
    this.forest = this.newForest();
  }

  private newForest(): RandomCutForest {
    const [numberOfTrees, subSampleSize, timeDecay, shingleSize] = this.plan.params as number[];
    return new RandomCutForest(kdaForestOptions(Math.max(1, this.numeric.length), { numberOfTrees, subSampleSize, timeDecay, shingleSize }, this.ctx.rcfSeed));
  }

  // hot path: one forest update per row.
  process(batch: Row[]): void {
    const out: Row[] = [];
    const { passSource, sourceWidth } = this.plan;
    const numeric = this.numeric;
    const point = this.point;
    for (let i = 0, n = batch.length; i < n; i++) {
      const r = batch[i]!;
      try {
        if (this.filter !== null && this.filter(r) !== true) continue;
        const cur = this.project(r);
        for (let d = 0; d < numeric.length; d++) {
          const v = cur[1 + numeric[d]!];
          point[d] = typeof v === 'number' ? v : 0;
        }
        let explanation: string | null = null;
        if (this.explain) explanation = this.explanation(point);
        const score = this.forest.scoreAndUpdate(point);
        const row: Row = passSource ? r.slice(0, sourceWidth).concat(cur.slice(1)) : cur;
        row.push(score);
        if (this.explain) row.push(explanation);
        out.push(row);
      } catch (e) {
        this.ctx.error({ ...errorOf(e), row: r });
      }
    }
    if (out.length > 0) this.emit(out);
  }

  /** KDA's ANOMALY_EXPLANATION: per numeric column, ATTRIBUTION_SCORE (high + low), STRENGTH, DIRECTION. */
  private explanation(point: Float64Array): string {
    const a = this.forest.attribution(point);
    const o: Record<string, Record<string, string>> = {};
    this.numeric.forEach((ci, d) => {
      const hi = a.high[d] ?? 0;
      const lo = a.low[d] ?? 0;
      const total = hi + lo;
      const e: Record<string, string> = { ATTRIBUTION_SCORE: fmt(total) };
      // STRENGTH: how one-sided the attribution is (0 = balanced, 1 = all high or all low).
      e.STRENGTH = fmt(total > 0 ? Math.abs(hi - lo) / total : 0);
      if (this.directional) e.DIRECTION = hi >= lo ? 'HIGH' : 'LOW';
      o[this.plan.cursorColumns[ci]!.name] = e;
    });
    return JSON.stringify(o);
  }

  advance(): void {}

  checkpoint(): unknown {
    return this.forest.toJSON();
  }

  restore(state: unknown): void {
    if (state) this.forest = RandomCutForest.fromJSON(state as ForestState);
  }

  close(): void {}
}
