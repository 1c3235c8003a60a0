/**
 * Flink's event-time temporal join (`JOIN versioned FOR SYSTEM_TIME AS OF
 * l.rowtime ON l.key = versioned.pk`): the right side is a versioned table —
 * per primary key, its rows over time (a -U/-D of a changelog ends a version).
 * A left row waits until the watermark reaches its time, then meets the
 * right row valid at that time: the latest version at or before it. An
 * unmatched left row is dropped (INNER) or null-extended (LEFT). Versions
 * older than the one valid at the watermark are dropped. Append-only output.
 */
import type { OpPlan } from '../../plan/plan.ts';
import { ExprCompiler } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';
import { isAccumulate, keySource } from './flink-common.ts';

interface Version {
  t: number;
  /** null: the key was deleted at t. */
  row: Row | null;
}

export class TemporalJoinOperator implements Operator {
  private readonly leftTime: (r: Row) => unknown;
  private readonly rightTime: (r: Row) => unknown;
  private readonly leftKey: (r: Row) => unknown;
  private readonly rightKey: (r: Row) => unknown;
  private readonly on: ((r: Row) => unknown) | null;
  private versions = new Map<unknown, Version[]>();
  private pending: Row[] = [];
  private wm = -Infinity;
  private readonly nullRight: Row;

  constructor(
    private readonly plan: Extract<OpPlan, { op: 'temporalJoin' }>,
    private readonly ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    const c = new ExprCompiler();
    this.leftTime = c.fn1(plan.leftTime);
    this.rightTime = c.fn1(plan.rightTime);
    this.leftKey = c.build(['r'], `return ${keySource(c, plan.leftKeys)};`);
    this.rightKey = c.build(['r'], `return ${keySource(c, plan.rightKeys)};`);
    this.on = plan.on ? c.fn1(plan.on) : null;
    this.nullRight = new Array(plan.rightWidth).fill(null);
  }

  process(batch: Row[], port: number): void {
    if (port === 0) {
      for (const r of batch) {
        const t = this.leftTime(r) as number | null;
        if (t === null) continue;
        if (t <= this.wm) {
          // Flink joins a left row the watermark already passed against the current versions.
          this.joinNow([r]);
          continue;
        }
        this.pending.push(r);
      }
      return;
    }
    const kindSlot = this.plan.rightKind;
    for (const input of batch) {
      try {
        const add = kindSlot === null || isAccumulate(input[kindSlot]);
        const row = kindSlot === null ? input : input.slice(0, this.plan.rightWidth);
        const t = this.rightTime(row) as number | null;
        if (t === null) continue;
        const k = this.rightKey(row);
        let list = this.versions.get(k);
        if (!list) {
          list = [];
          this.versions.set(k, list);
        }
        const v: Version = { t, row: add ? row : null };
        // Versions stay ordered by time (an update before -U/+U of one time keeps the later).
        let i = list.length;
        while (i > 0 && list[i - 1]!.t > t) i--;
        list.splice(i, 0, v);
      } catch (e) {
        this.ctx.error({ ...errorOf(e), row: input });
      }
    }
  }

  private versionAt(k: unknown, t: number): Row | null {
    const list = this.versions.get(k);
    if (!list) return null;
    let found: Version | null = null;
    for (const v of list) {
      if (v.t <= t) found = v;
      else break;
    }
    return found?.row ?? null;
  }

  private joinNow(rows: Row[]): void {
    const out: Row[] = [];
    for (const l of rows) {
      try {
        const t = this.leftTime(l) as number;
        const r = this.versionAt(this.leftKey(l), t);
        const joined = r ? l.concat(r) : null;
        if (joined && (this.on === null || this.on(joined) === true)) out.push(joined);
        else if (this.plan.joinType === 'LEFT') out.push(l.concat(this.nullRight));
      } catch (e) {
        this.ctx.error({ ...errorOf(e), row: l });
      }
    }
    if (out.length > 0) this.emit(out);
  }

  advance(watermarkMs: number): void {
    if (watermarkMs <= this.wm) return;
    this.wm = watermarkMs;
    if (this.pending.length > 0) {
      const ready: Row[] = [];
      const keep: Row[] = [];
      for (const r of this.pending) ((this.leftTime(r) as number) <= watermarkMs ? ready : keep).push(r);
      this.pending = keep;
      ready.sort((a, b) => (this.leftTime(a) as number) - (this.leftTime(b) as number));
      this.joinNow(ready);
    }
    // Versions superseded before the earliest time a left row can still have are not needed.
    let floor = watermarkMs;
    for (const r of this.pending) floor = Math.min(floor, this.leftTime(r) as number);
    for (const [k, list] of this.versions) {
      let keep = 0;
      while (keep + 1 < list.length && list[keep + 1]!.t <= floor) keep++;
      if (keep > 0) list.splice(0, keep);
      if (list.length === 1 && list[0]!.row === null && list[0]!.t <= floor) this.versions.delete(k);
    }
  }

  /** Rows and groups kept (the application's state cap, FlinkApplication maxStateRows). */
  stateRows(): number {
    let n = this.pending.length;
    for (const v of this.versions.values()) n += v.length;
    return n;
  }

  checkpoint(): unknown {
    return { wm: Number.isFinite(this.wm) ? this.wm : null, pending: this.pending, versions: [...this.versions.entries()] };
  }

  restore(state: unknown): void {
    const st = state as { wm: number | null; pending: Row[]; versions: [unknown, Version[]][] };
    this.wm = st.wm ?? -Infinity;
    this.pending = st.pending;
    this.versions = new Map(st.versions);
  }

  close(): void {
    this.versions.clear();
    this.pending = [];
  }
}
