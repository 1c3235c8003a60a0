/**
 * Aggregates that can also take rows back: what Flink's GROUP BY over a
 * changelog (a retraction removes a row's contribution), OVER frames (rows
 * leave the frame) and MATCH_RECOGNIZE need. One accumulator object per
 * aggregate per group; `add` / `retract` take the row, `result` the value.
 * MIN/MAX keep a count per value so retracting the current minimum finds the
 * next one; COUNT(DISTINCT x) counts each value's occurrences.
 */
import type { AggPlan } from '../../plan/plan.ts';
import { ExprCompiler } from '../compile.ts';
import type { Row } from '../operator.ts';

export interface Acc {
  add(v: unknown): void;
  retract(v: unknown): void;
  result(): unknown;
  /** JSON-safe state. */
  save(): unknown;
  load(s: unknown): void;
}

const isInt = (t: AggPlan['t']): boolean => t.name === 'INTEGER' || t.name === 'BIGINT' || t.name === 'SMALLINT' || t.name === 'TINYINT';

class CountAcc implements Acc {
  n = 0;
  constructor(private readonly star: boolean) {}
  add(v: unknown): void {
    if (this.star || v !== null) this.n++;
  }
  retract(v: unknown): void {
    if (this.star || v !== null) this.n--;
  }
  result(): unknown {
    return this.n;
  }
  save(): unknown {
    return this.n;
  }
  load(s: unknown): void {
    this.n = s as number;
  }
}

class SumAcc implements Acc {
  sum = 0;
  n = 0;
  constructor(
    private readonly avg: boolean,
    private readonly int: boolean,
  ) {}
  add(v: unknown): void {
    if (v === null) return;
    this.sum += v as number;
    this.n++;
  }
  retract(v: unknown): void {
    if (v === null) return;
    this.sum -= v as number;
    this.n--;
  }
  result(): unknown {
    if (this.n === 0) return null;
    if (!this.avg) return this.sum;
    const a = this.sum / this.n;
    return this.int ? Math.trunc(a) : a;
  }
  save(): unknown {
    return [this.sum, this.n];
  }
  load(s: unknown): void {
    [this.sum, this.n] = s as [number, number];
  }
}

/** MIN/MAX: a count per value (retracting the extreme finds the next one). */
class ExtremeAcc implements Acc {
  private counts = new Map<unknown, number>();
  private best: unknown = null;
  private valid = true;
  constructor(private readonly max: boolean) {}
  private better(a: unknown, b: unknown): boolean {
    return this.max ? (a as number) > (b as number) : (a as number) < (b as number);
  }
  add(v: unknown): void {
    if (v === null) return;
    this.counts.set(v, (this.counts.get(v) ?? 0) + 1);
    if (this.valid && (this.best === null || this.better(v, this.best))) this.best = v;
  }
  retract(v: unknown): void {
    if (v === null) return;
    const n = (this.counts.get(v) ?? 0) - 1;
    if (n <= 0) {
      this.counts.delete(v);
      if (v === this.best) this.valid = false;
    } else this.counts.set(v, n);
  }
  result(): unknown {
    if (!this.valid) {
      this.best = null;
      for (const k of this.counts.keys()) if (this.best === null || this.better(k, this.best)) this.best = k;
      this.valid = true;
    }
    return this.best;
  }
  save(): unknown {
    return [...this.counts.entries()];
  }
  load(s: unknown): void {
    this.counts = new Map(s as [unknown, number][]);
    this.valid = false;
  }
}

/** FIRST_VALUE / LAST_VALUE / LISTAGG: the values in arrival order (a retraction removes the latest equal value). */
class ListAcc implements Acc {
  private values: unknown[] = [];
  constructor(
    private readonly mode: 'first' | 'last' | 'list',
    private readonly separator: string,
  ) {}
  add(v: unknown): void {
    if (this.mode === 'list' && v === null) return;
    this.values.push(v);
  }
  retract(v: unknown): void {
    const i = this.values.lastIndexOf(v);
    if (i >= 0) this.values.splice(i, 1);
  }
  result(): unknown {
    if (this.values.length === 0) return null;
    if (this.mode === 'first') return this.values[0];
    if (this.mode === 'last') return this.values[this.values.length - 1];
    return this.values.map(String).join(this.separator);
  }
  save(): unknown {
    return this.values;
  }
  load(s: unknown): void {
    this.values = s as unknown[];
  }
}

class DistinctCountAcc implements Acc {
  private counts = new Map<unknown, number>();
  add(v: unknown): void {
    if (v === null) return;
    this.counts.set(v, (this.counts.get(v) ?? 0) + 1);
  }
  retract(v: unknown): void {
    if (v === null) return;
    const n = (this.counts.get(v) ?? 0) - 1;
    if (n <= 0) this.counts.delete(v);
    else this.counts.set(v, n);
  }
  result(): unknown {
    return this.counts.size;
  }
  save(): unknown {
    return [...this.counts.entries()];
  }
  load(s: unknown): void {
    this.counts = new Map(s as [unknown, number][]);
  }
}

/** Variance family from running sums (retractable; fine for the magnitudes streaming aggregates see). */
class VarianceAcc implements Acc {
  n = 0;
  sum = 0;
  sq = 0;
  constructor(
    private readonly fn: string,
    private readonly int: boolean,
  ) {}
  add(v: unknown): void {
    if (v === null) return;
    const x = v as number;
    this.n++;
    this.sum += x;
    this.sq += x * x;
  }
  retract(v: unknown): void {
    if (v === null) return;
    const x = v as number;
    this.n--;
    this.sum -= x;
    this.sq -= x * x;
  }
  result(): unknown {
    const sample = this.fn.endsWith('SAMP');
    if (this.n === 0 || (sample && this.n < 2)) return null;
    const mean = this.sum / this.n;
    const ss = Math.max(0, this.sq - this.n * mean * mean);
    const variance = ss / (sample ? this.n - 1 : this.n);
    const r = this.fn.startsWith('STDDEV') ? Math.sqrt(variance) : variance;
    return this.int ? Math.trunc(r) : r;
  }
  save(): unknown {
    return [this.n, this.sum, this.sq];
  }
  load(s: unknown): void {
    [this.n, this.sum, this.sq] = s as [number, number, number];
  }
}

function newAcc(a: AggPlan): Acc {
  switch (a.fn) {
    case 'COUNT':
      return a.distinct ? new DistinctCountAcc() : new CountAcc(a.arg === null);
    case 'SUM':
      return new SumAcc(false, false);
    case 'AVG':
      return new SumAcc(true, isInt(a.t));
    case 'MIN':
    case 'MAX':
      return new ExtremeAcc(a.fn === 'MAX');
    case 'FIRST_VALUE':
      return new ListAcc('first', ',');
    case 'LAST_VALUE':
      return new ListAcc('last', ',');
    case 'LISTAGG':
      return new ListAcc('list', a.separator ?? ',');
    case 'STDDEV_POP':
    case 'STDDEV_SAMP':
    case 'VAR_POP':
    case 'VAR_SAMP':
      return new VarianceAcc(a.fn, isInt(a.t));
    default:
      throw new Error(`internal: ${a.fn} cannot be retracted`);
  }
}

/** The aggregates of one operator: argument and filter functions compiled once, accumulators per group. */
export class RetractAggs {
  private readonly args: ((r: Row) => unknown)[];
  private readonly filters: (((r: Row) => unknown) | null)[];

  constructor(private readonly aggs: AggPlan[]) {
    const c = new ExprCompiler();
    this.args = aggs.map((a) => (a.arg ? c.fn1(a.arg) : () => 1));
    this.filters = aggs.map((a) => (a.filter ? c.fn1(a.filter) : null));
  }

  create(): Acc[] {
    return this.aggs.map(newAcc);
  }

  add(accs: Acc[], r: Row): void {
    for (let i = 0; i < accs.length; i++) {
      const f = this.filters[i];
      if (f && f(r) !== true) continue;
      accs[i]!.add(this.args[i]!(r));
    }
  }

  retract(accs: Acc[], r: Row): void {
    for (let i = 0; i < accs.length; i++) {
      const f = this.filters[i];
      if (f && f(r) !== true) continue;
      accs[i]!.retract(this.args[i]!(r));
    }
  }

  /** Writes the results into out[offset...]. */
  results(accs: Acc[], out: unknown[], offset: number): void {
    for (let i = 0; i < accs.length; i++) out[offset + i] = accs[i]!.result();
  }

  save(accs: Acc[]): unknown[] {
    return accs.map((a) => a.save());
  }

  load(state: unknown[]): Acc[] {
    const accs = this.create();
    accs.forEach((a, i) => a.load(state[i]));
    return accs;
  }
}
