/**
 * Flink's regular join: both sides' rows are kept (per equi-join key), every
 * new row meets the other side's kept rows, and every pair satisfying ON
 * comes out. An inner join of two append-only inputs is append-only.
 * Otherwise the output is a changelog (+I / -D): an outer side's row with no
 * partner comes out null-extended, and is retracted (-D) when its first
 * partner arrives; a retracted input row (-U/-D) retracts its joined rows.
 * With `ttlMs` (table.exec.state.ttl) kept rows untouched for that long of
 * processing time are forgotten, as Flink's state TTL does.
 */
import type { OpPlan } from '../../plan/plan.ts';
import { ExprCompiler } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';
import { DELETE, INSERT, isAccumulate, keySource } from './flink-common.ts';

interface Kept {
  /** The row without its kind. */
  row: Row;
  /** Identical rows kept (a multiset). */
  count: number;
  /** Partners on the other side (outer joins: a null-extended row is out while 0). */
  partners: number;
  touchedMs: number;
}

type Side = Map<unknown, Map<string, Kept>>;

export class RegularJoinOperator implements Operator {
  private readonly leftKey: (r: Row) => unknown;
  private readonly rightKey: (r: Row) => unknown;
  private readonly on: ((r: Row) => unknown) | null;
  private left: Side = new Map();
  private right: Side = new Map();
  private readonly leftOuter: boolean;
  private readonly rightOuter: boolean;
  private readonly nullLeft: Row;
  private readonly nullRight: Row;
  private lastSweepMs = -Infinity;
  /** Kept entries on both sides, counted as they change (stateRows() runs every second: it must not walk the state). */
  private keptEntries = 0;

  constructor(
    private readonly plan: Extract<OpPlan, { op: 'regularJoin' }>,
    private readonly ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    const c = new ExprCompiler();
    this.leftKey = c.build(['r'], `return ${keySource(c, plan.leftKeys)};`);
    this.rightKey = c.build(['r'], `return ${keySource(c, plan.rightKeys)};`);
    this.on = plan.on ? c.fn1(plan.on) : null;
    this.leftOuter = plan.joinType === 'LEFT' || plan.joinType === 'FULL';
    this.rightOuter = plan.joinType === 'RIGHT' || plan.joinType === 'FULL';
    this.nullLeft = new Array(plan.leftWidth).fill(null);
    this.nullRight = new Array(plan.rightWidth).fill(null);
  }

  private out(out: Row[], row: Row, kind: number): void {
    if (this.plan.changelog) row.push(kind);
    out.push(row);
  }

  private joinedRow(l: Row, r: Row): Row {
    return l.concat(r);
  }

  private padded(row: Row, isLeft: boolean): Row {
    if (isLeft) return row.concat(this.nullRight);
    const j = this.nullLeft.concat(row);
    j[0] = row[0];
    return j;
  }

  process(batch: Row[], port: number): void {
    const out: Row[] = [];
    const isLeft = port === 0;
    const kindSlot = isLeft ? this.plan.leftKind : this.plan.rightKind;
    const width = isLeft ? this.plan.leftWidth : this.plan.rightWidth;
    const own = isLeft ? this.left : this.right;
    const other = isLeft ? this.right : this.left;
    const ownOuter = isLeft ? this.leftOuter : this.rightOuter;
    const otherOuter = isLeft ? this.rightOuter : this.leftOuter;
    const keyOf = isLeft ? this.leftKey : this.rightKey;
    const now = this.ctx.flink?.now() ?? 0;
    for (const input of batch) {
      try {
        const add = kindSlot === null || isAccumulate(input[kindSlot]);
        const row = input.length > width ? input.slice(0, width) : input;
        const k = keyOf(row);
        const id = JSON.stringify(row.slice(1));
        let bucket = own.get(k);
        let kept = bucket?.get(id);
        if (!add && !kept) continue; // retracting a row Freshet does not hold (forgotten by TTL)
        // Partners: the other side's kept rows of the key that satisfy ON.
        const partners: Kept[] = [];
        const cands = k === null ? undefined : other.get(k);
        if (cands) {
          for (const c of cands.values()) {
            const joined = isLeft ? this.joinedRow(row, c.row) : this.joinedRow(c.row, row);
            if (this.on === null || this.on(joined) === true) partners.push(c);
          }
        }
        const sign = add ? INSERT : DELETE;
        for (const c of partners) {
          for (let n = 0; n < c.count; n++) {
            // The partner's null-extended row goes when it meets its first partner, comes back when it loses its last.
            if (otherOuter && add && c.partners === 0) this.out(out, this.padded(c.row, !isLeft), DELETE);
            this.out(out, isLeft ? this.joinedRow(row, c.row) : this.joinedRow(c.row, row), sign);
          }
          c.partners += add ? 1 : -1;
          if (otherOuter && !add && c.partners === 0) for (let n = 0; n < c.count; n++) this.out(out, this.padded(c.row, !isLeft), INSERT);
          c.touchedMs = now;
        }
        if (ownOuter && partners.length === 0) this.out(out, this.padded(row, isLeft), sign);
        if (add) {
          if (!bucket) {
            bucket = new Map();
            own.set(k, bucket);
          }
          if (!kept) {
            kept = { row, count: 0, partners: partners.length, touchedMs: now };
            bucket.set(id, kept);
            this.keptEntries++;
          }
          kept.count++;
          kept.touchedMs = now;
        } else if (kept) {
          kept.count--;
          if (kept.count <= 0) {
            bucket!.delete(id);
            this.keptEntries--;
            if (bucket!.size === 0) own.delete(k);
          }
        }
      } catch (e) {
        this.ctx.error({ ...errorOf(e), row: input });
      }
    }
    if (out.length > 0) this.emit(out);
  }

  advance(): void {}

  onProcessingTime(nowMs: number): void {
    const ttl = this.plan.ttlMs;
    if (ttl <= 0 || nowMs - this.lastSweepMs < Math.min(ttl, 1000)) return;
    this.lastSweepMs = nowMs;
    for (const side of [this.left, this.right]) {
      for (const [k, bucket] of side) {
        for (const [id, kept] of bucket)
          if (nowMs - kept.touchedMs >= ttl) {
            bucket.delete(id);
            this.keptEntries--;
          }
        if (bucket.size === 0) side.delete(k);
      }
    }
  }

  /** Rows and groups kept (the application's state cap, FlinkApplication maxStateRows). */
  stateRows(): number {
    return this.keptEntries;
  }

  checkpoint(): unknown {
    const save = (s: Side): unknown[] =>
      [...s.entries()].map(([k, b]) => [k, [...b.entries()].map(([id, x]) => [id, x.row, x.count, x.partners, x.touchedMs])]);
    return { left: save(this.left), right: save(this.right) };
  }

  restore(state: unknown): void {
    const st = state as { left: [unknown, [string, Row, number, number, number][]][]; right: [unknown, [string, Row, number, number, number][]][] };
    const load = (data: [unknown, [string, Row, number, number, number][]][]): Side =>
      new Map(data.map(([k, b]) => [k, new Map(b.map(([id, row, count, partners, touchedMs]) => [id, { row, count, partners, touchedMs }]))]));
    this.left = load(st.left);
    this.right = load(st.right);
    this.keptEntries = 0;
    for (const side of [this.left, this.right]) for (const b of side.values()) this.keptEntries += b.size;
  }

  close(): void {
    this.left.clear();
    this.right.clear();
    this.keptEntries = 0;
  }
}
