/**
 * Flink's semi and anti joins on streams (what `WHERE EXISTS (…)`, `x IN (SELECT …)` and their NOT forms
 * become): both sides are kept per equi-join key; a left row is out while some kept right row of its key
 * satisfies the residual condition (semi) — or while none does (anti). When a right row arrives or is
 * retracted, the left rows of its key are checked again, and a row whose answer changed comes out (+I) or
 * is retracted (-D). So a semi join of two append-only inputs is append-only, an anti join is a changelog
 * (a later right row withdraws an emitted left row). `nullAware` is NOT IN's three-valued logic: a NULL
 * value on the left (once the right side has a row) or any NULL on the right blocks every left row.
 * With `ttlMs` (table.exec.state.ttl) kept rows untouched for that long of processing time are forgotten
 * without output, as Flink's state TTL does.
 */
import type { OpPlan } from '../../plan/plan.ts';
import { ExprCompiler } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';
import { DELETE, INSERT, isAccumulate, keySource } from './flink-common.ts';

interface KeptLeft {
  /** The row without its kind. */
  row: Row;
  /** Identical rows kept (a multiset). */
  count: number;
  /** Whether a right row matches it now (what decides whether it is out). */
  matched: boolean;
  touchedMs: number;
}

interface KeptRight {
  row: Row;
  count: number;
  touchedMs: number;
}

export class SemiJoinOperator implements Operator {
  private readonly leftKey: (r: Row) => unknown;
  private readonly rightKey: (r: Row) => unknown;
  private readonly on: ((r: Row) => unknown) | null;
  private left = new Map<unknown, Map<string, KeptLeft>>();
  private right = new Map<unknown, Map<string, KeptRight>>();
  /** nullAware: right rows (with their multiplicity) in all, and those whose key is NULL. */
  private rightRows = 0;
  private rightNulls = 0;
  private lastSweepMs = -Infinity;
  /** Kept entries on both sides, counted as they change (stateRows() runs every second: it must not walk the state). */
  private keptEntries = 0;

  constructor(
    private readonly plan: Extract<OpPlan, { op: 'semiJoin' }>,
    private readonly ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    const c = new ExprCompiler();
    this.leftKey = c.build(['r'], `return ${keySource(c, plan.leftKeys)};`);
    this.rightKey = c.build(['r'], `return ${keySource(c, plan.rightKeys)};`);
    this.on = plan.on ? c.fn1(plan.on) : null;
  }

  /** Whether some kept right row matches left row `l` of key `k`. */
  private matches(l: Row, k: unknown): boolean {
    if (this.plan.nullAware) {
      if (this.rightNulls > 0) return true;
      if (k === null) return this.rightRows > 0;
    } else if (k === null) return false;
    const cands = this.right.get(k);
    if (!cands) return false;
    if (this.on === null) return cands.size > 0;
    for (const c of cands.values()) if (this.on(l.concat(c.row)) === true) return true;
    return false;
  }

  private out(out: Row[], row: Row, kind: number, times: number): void {
    for (let n = 0; n < times; n++) out.push(this.plan.changelog ? row.concat(kind) : row);
  }

  /** Checks the kept left rows of `keys` (all of them when undefined) again; emits those whose answer changed. */
  private recheck(out: Row[], keys: unknown[] | undefined): void {
    const anti = this.plan.anti;
    const buckets = keys === undefined ? [...this.left.entries()] : keys.map((k) => [k, this.left.get(k)] as const);
    for (const [k, bucket] of buckets) {
      if (!bucket) continue;
      for (const kept of bucket.values()) {
        const now = this.matches(kept.row, k);
        if (now === kept.matched) continue;
        kept.matched = now;
        // Semi: out while matched; anti: out while not.
        this.out(out, kept.row, now !== anti ? INSERT : DELETE, kept.count);
      }
    }
  }

  process(batch: Row[], port: number): void {
    const out: Row[] = [];
    if (port === 0) this.processLeft(batch, out);
    else this.processRight(batch, out);
    if (out.length > 0) this.emit(out);
  }

  // hot path: one lookup in the right side per left row.
  private processLeft(batch: Row[], out: Row[]): void {
    const { leftKind, leftWidth, anti } = this.plan;
    const now = this.ctx.flink?.now() ?? 0;
    for (const input of batch) {
      try {
        const add = leftKind === null || isAccumulate(input[leftKind]);
        const row = input.length > leftWidth ? input.slice(0, leftWidth) : input;
        const k = this.leftKey(row);
        const id = JSON.stringify(row.slice(1));
        let bucket = this.left.get(k);
        let kept = bucket?.get(id);
        if (add) {
          if (!bucket) {
            bucket = new Map();
            this.left.set(k, bucket);
          }
          if (!kept) {
            kept = { row, count: 0, matched: this.matches(row, k), touchedMs: now };
            bucket.set(id, kept);
            this.keptEntries++;
          }
          kept.count++;
          kept.touchedMs = now;
          if (kept.matched !== anti) this.out(out, row, INSERT, 1);
        } else if (kept) {
          kept.count--;
          if (kept.matched !== anti) this.out(out, row, DELETE, 1);
          if (kept.count <= 0) {
            bucket!.delete(id);
            this.keptEntries--;
            if (bucket!.size === 0) this.left.delete(k);
          }
        }
      } catch (e) {
        this.ctx.error({ ...errorOf(e), row: input });
      }
    }
  }

  private processRight(batch: Row[], out: Row[]): void {
    const { rightKind, rightWidth, nullAware } = this.plan;
    const now = this.ctx.flink?.now() ?? 0;
    for (const input of batch) {
      try {
        const add = rightKind === null || isAccumulate(input[rightKind]);
        const row = input.length > rightWidth ? input.slice(0, rightWidth) : input;
        const k = this.rightKey(row);
        const id = JSON.stringify(row.slice(1));
        let bucket = this.right.get(k);
        let kept = bucket?.get(id);
        if (add) {
          if (!bucket) {
            bucket = new Map();
            this.right.set(k, bucket);
          }
          if (!kept) {
            kept = { row, count: 0, touchedMs: now };
            bucket.set(id, kept);
            this.keptEntries++;
          }
          kept.count++;
          kept.touchedMs = now;
        } else {
          if (!kept) continue; // retracting a row the operator does not hold
          kept.count--;
          if (kept.count <= 0) {
            bucket!.delete(id);
            this.keptEntries--;
            if (bucket!.size === 0) this.right.delete(k);
          }
        }
        if (nullAware) {
          const before = this.rightRows;
          this.rightRows += add ? 1 : -1;
          if (k === null) this.rightNulls += add ? 1 : -1;
          // A NULL on the right, or the right side becoming (non-)empty, changes the answer for every key.
          if (k === null || (before === 0) !== (this.rightRows === 0)) {
            this.recheck(out, undefined);
            continue;
          }
        }
        if (k !== null) this.recheck(out, [k]);
      } catch (e) {
        this.ctx.error({ ...errorOf(e), row: input });
      }
    }
  }

  advance(): void {}

  onProcessingTime(nowMs: number): void {
    const ttl = this.plan.ttlMs;
    if (ttl <= 0 || nowMs - this.lastSweepMs < Math.min(ttl, 1000)) return;
    this.lastSweepMs = nowMs;
    for (const [k, bucket] of this.left) {
      for (const [id, kept] of bucket)
        if (nowMs - kept.touchedMs >= ttl) {
          bucket.delete(id);
          this.keptEntries--;
        }
      if (bucket.size === 0) this.left.delete(k);
    }
    for (const [k, bucket] of this.right) {
      for (const [id, kept] of bucket)
        if (nowMs - kept.touchedMs >= ttl) {
          bucket.delete(id);
          this.keptEntries--;
          this.rightRows -= kept.count;
          if (k === null) this.rightNulls -= kept.count;
        }
      if (bucket.size === 0) this.right.delete(k);
    }
  }

  /** Rows kept (the application's state cap, FlinkApplication maxStateRows). */
  stateRows(): number {
    return this.keptEntries;
  }

  checkpoint(): unknown {
    return {
      left: [...this.left.entries()].map(([k, b]) => [k, [...b.entries()].map(([id, x]) => [id, x.row, x.count, x.matched, x.touchedMs])]),
      right: [...this.right.entries()].map(([k, b]) => [k, [...b.entries()].map(([id, x]) => [id, x.row, x.count, x.touchedMs])]),
      rightRows: this.rightRows,
      rightNulls: this.rightNulls,
    };
  }

  restore(state: unknown): void {
    const st = state as {
      left: [unknown, [string, Row, number, boolean, number][]][];
      right: [unknown, [string, Row, number, number][]][];
      rightRows: number;
      rightNulls: number;
    };
    this.left = new Map(st.left.map(([k, b]) => [k, new Map(b.map(([id, row, count, matched, touchedMs]) => [id, { row, count, matched, touchedMs }]))]));
    this.right = new Map(st.right.map(([k, b]) => [k, new Map(b.map(([id, row, count, touchedMs]) => [id, { row, count, touchedMs }]))]));
    this.rightRows = st.rightRows;
    this.rightNulls = st.rightNulls;
    this.keptEntries = 0;
    for (const b of this.left.values()) this.keptEntries += b.size;
    for (const b of this.right.values()) this.keptEntries += b.size;
  }

  close(): void {
    this.left.clear();
    this.right.clear();
    this.keptEntries = 0;
  }
}
