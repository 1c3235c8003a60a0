/**
 * Flink's GROUP BY without a window (and SELECT DISTINCT): every input row
 * updates its group at once and the change comes out as a changelog — a new
 * group +I, a changed result -U (the old row) then +U (the new one), a group
 * whose rows were all retracted -D. HAVING moving to false retracts the
 * group's row (-D); moving to true inserts it. An unchanged result emits
 * nothing. A changelog input's -U/-D rows take their contribution back.
 * With `ttlMs` (table.exec.state.ttl) a group untouched for that long of
 * processing time is forgotten silently, as Flink's state TTL does.
 */
import type { OpPlan } from '../../plan/plan.ts';
import { ExprCompiler } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';
import { DELETE, INSERT, isAccumulate, keyFn, UPDATE_AFTER, UPDATE_BEFORE } from './flink-common.ts';
import type { Acc } from './retract-agg.ts';
import { RetractAggs } from './retract-agg.ts';

interface Group {
  keys: unknown[];
  accs: Acc[];
  /** Rows accumulated minus rows retracted. */
  count: number;
  /** The row last emitted for the group (without kind), or null. */
  last: Row | null;
  touchedMs: number;
}

export class GroupAggOperator implements Operator {
  private readonly key: (r: Row) => unknown;
  private readonly keyValues: (r: Row) => unknown[];
  private readonly aggs: RetractAggs;
  private readonly having: ((post: Row) => unknown) | null;
  private readonly project: (post: Row) => Row;
  private groups = new Map<unknown, Group>();
  private readonly nKeys: number;
  private lastSweepMs = -Infinity;

  constructor(
    private readonly plan: Extract<OpPlan, { op: 'groupAgg' }>,
    private readonly ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    const c = new ExprCompiler();
    this.key = keyFn(c, plan.keys);
    this.keyValues = c.build(['r'], `return [${plan.keys.map((k) => c.src(k)).join(', ')}];`);
    this.aggs = new RetractAggs(plan.aggs);
    this.having = plan.having ? c.fn1(plan.having) : null;
    this.project = c.projector(plan.project);
    this.nKeys = plan.keys.length;
  }

  private result(g: Group, t: unknown): Row | null {
    const post: Row = new Array(1 + this.nKeys + this.plan.aggs.length);
    post[0] = t;
    for (let k = 0; k < this.nKeys; k++) post[1 + k] = g.keys[k];
    this.aggs.results(g.accs, post, 1 + this.nKeys);
    if (this.having && this.having(post) !== true) return null;
    return this.project(post);
  }

  private static same(a: Row, b: Row): boolean {
    for (let i = 1; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  process(batch: Row[]): void {
    const out: Row[] = [];
    const kindSlot = this.plan.inputKind;
    const now = this.ctx.flink?.now() ?? 0;
    for (const r of batch) {
      try {
        const add = kindSlot === null || isAccumulate(r[kindSlot]);
        const k = this.key(r);
        let g = this.groups.get(k);
        if (!g) {
          if (!add) continue; // a retraction for a group Freshet no longer has (state TTL): nothing to take back
          g = { keys: this.keyValues(r), accs: this.aggs.create(), count: 0, last: null, touchedMs: now };
          this.groups.set(k, g);
        }
        g.touchedMs = now;
        if (add) {
          this.aggs.add(g.accs, r);
          g.count++;
        } else {
          this.aggs.retract(g.accs, r);
          g.count--;
        }
        const next = g.count > 0 ? this.result(g, r[0]) : null;
        const last = g.last;
        if (g.count <= 0) this.groups.delete(k);
        if (next === null) {
          if (last) out.push([...last, DELETE]);
          g.last = null;
          continue;
        }
        if (last === null) out.push([...next, INSERT]);
        else if (!GroupAggOperator.same(last, next)) {
          out.push([...last, UPDATE_BEFORE]);
          out.push([...next, UPDATE_AFTER]);
        }
        g.last = next;
      } catch (e) {
        this.ctx.error({ ...errorOf(e), row: r });
      }
    }
    if (out.length > 0) this.emit(out);
  }

  advance(): void {}

  onProcessingTime(nowMs: number): void {
    const ttl = this.plan.ttlMs;
    if (ttl <= 0 || nowMs - this.lastSweepMs < Math.min(ttl, 1000)) return;
    this.lastSweepMs = nowMs;
    for (const [k, g] of this.groups) if (nowMs - g.touchedMs >= ttl) this.groups.delete(k);
  }

  /** Rows and groups kept (the application's state cap, FlinkApplication maxStateRows). */
  stateRows(): number {
    return this.groups.size;
  }

  checkpoint(): unknown {
    return [...this.groups.entries()].map(([k, g]) => [k, g.keys, this.aggs.save(g.accs), g.count, g.last, g.touchedMs]);
  }

  restore(state: unknown): void {
    this.groups = new Map(
      (state as [unknown, unknown[], unknown[], number, Row | null, number][]).map(([k, keys, accs, count, last, touchedMs]) => [
        k,
        { keys, accs: this.aggs.load(accs), count, last, touchedMs },
      ]),
    );
  }

  close(): void {
    this.groups.clear();
  }
}
