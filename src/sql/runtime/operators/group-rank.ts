/**
 * TABLE(GROUP_RANK(CURSOR(...), 'rankByColumnName', 'rankOutColumnName', sortOrder, outputOrder, maxIdle, outputMax))
 * (Amazon Kinesis Data Analytics SQL Reference, Sorting Functions: Group Rank).
 *
 * Rows that share a ROWTIME form a group. The group is ranked when a row with
 * another ROWTIME arrives or, with maxIdle > 0, when time reaches the group's
 * ROWTIME + maxIdle ms (maxIdle 0: no idle timeout, so the last group waits for
 * the next row, as in KDA). Ranks are SQL RANK() over the rank column in
 * sortOrder: equal values share a rank and the next rank skips (1, 2, 2, 4);
 * NULLs rank last. Output rows: the cursor's columns and the rank, in
 * ascending ('asc') or descending ('desc') rank order (equal ranks in arrival
 * order), at most outputMax per group (0 = all); each keeps its ROWTIME.
 */
import type { OpPlan } from '../../plan/plan.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';

/** Ascending order of two rank values; NULL after every value. */
function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

export class GroupRankOperator implements Operator {
  private rows: Row[] = [];
  private groupRowtime = NaN;
  private readonly col: number;
  private readonly width: number;
  private readonly sortDesc: boolean;
  private readonly outputDesc: boolean;
  private readonly maxIdleMs: number;
  private readonly outputMax: number;

  constructor(
    plan: Extract<OpPlan, { op: 'tableFn' }>,
    _ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    this.col = (plan.project[0] as { i: number }).i;
    this.width = plan.cursorColumns.length + 1;
    const [sortOrder, outputOrder, maxIdle, outputMax] = plan.params as ['asc' | 'desc', 'asc' | 'desc', number, number];
    this.sortDesc = sortOrder === 'desc';
    this.outputDesc = outputOrder === 'desc';
    this.maxIdleMs = maxIdle;
    this.outputMax = outputMax;
  }

  process(batch: Row[]): void {
    let out: Row[] | null = null;
    for (let i = 0, n = batch.length; i < n; i++) {
      const r = batch[i]!;
      const t = r[0] as number;
      if (this.rows.length > 0 && t !== this.groupRowtime) {
        out ??= [];
        this.flush(out);
      }
      this.groupRowtime = t;
      this.rows.push(r);
    }
    if (out !== null && out.length > 0) this.emit(out);
  }

  /** Ranks the buffered group and appends its output rows to `out`. */
  private flush(out: Row[]): void {
    const rows = this.rows;
    this.rows = [];
    const n = rows.length;
    const col = this.col;
    const sign = this.sortDesc ? -1 : 1;
    const order = Array.from({ length: n }, (_x, i) => i);
    // Ties keep arrival order (the index breaks them), so the output is deterministic.
    order.sort((a, b) => {
      const va = rows[a]![col];
      const vb = rows[b]![col];
      const c = va === null || vb === null || va === undefined || vb === undefined ? compareValues(va, vb) : sign * compareValues(va, vb);
      return c !== 0 ? c : a - b;
    });
    const ranks = new Array<number>(n);
    for (let k = 0; k < n; k++) {
      const prev = k > 0 ? rows[order[k - 1]!]![col] : undefined;
      const cur = rows[order[k]!]![col];
      ranks[k] = k > 0 && compareValues(prev, cur) === 0 ? ranks[k - 1]! : k + 1;
    }
    // Positions (in rank order) in output order: 'desc' puts the highest rank first, rows of one rank stay in arrival order.
    const seq: number[] = [];
    if (!this.outputDesc) for (let k = 0; k < n; k++) seq.push(k);
    else {
      for (let end = n; end > 0; ) {
        let start = end - 1;
        while (start > 0 && ranks[start - 1] === ranks[end - 1]) start--;
        for (let k = start; k < end; k++) seq.push(k);
        end = start;
      }
    }
    const limit = this.outputMax > 0 ? Math.min(this.outputMax, n) : n;
    for (let j = 0; j < limit; j++) {
      const k = seq[j]!;
      const src = rows[order[k]!]!;
      const row = src.length === this.width ? src.slice() : src.slice(0, this.width);
      row.push(ranks[k]);
      out.push(row);
    }
  }

  advance(watermarkMs: number): void {
    if (this.rows.length === 0 || this.maxIdleMs === 0) return;
    if (watermarkMs >= this.groupRowtime + this.maxIdleMs) {
      const out: Row[] = [];
      this.flush(out);
      this.emit(out);
    }
  }

  checkpoint(): unknown {
    return { rowtime: this.rows.length > 0 ? this.groupRowtime : null, rows: this.rows };
  }

  restore(state: unknown): void {
    const s = state as { rowtime: number | null; rows: Row[] } | null;
    this.rows = s?.rows ?? [];
    this.groupRowtime = s?.rowtime ?? NaN;
  }

  close(): void {
    this.rows = [];
  }
}
