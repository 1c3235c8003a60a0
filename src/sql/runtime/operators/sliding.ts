/**
 * Sliding window: `agg(...) OVER (PARTITION BY ... RANGE INTERVAL 'n' unit PRECEDING | ROWS n PRECEDING)`.
 * One output per input row, computed over the rows of its partition inside the
 * frame that ends at (and includes) the row. COUNT, SUM and AVG are kept
 * incrementally (added on arrival, subtracted on eviction); MIN, MAX, EXP_AVG
 * and COUNT(DISTINCT) are recomputed over the frame; FIRST_VALUE, LAST_VALUE,
 * LAG and NTH_VALUE read a row position.
 */
import type { AggPlan, OpPlan } from '../../plan/plan.ts';
import { ExprCompiler, compileAggregates, type AggCode } from '../compile.ts';
import type { Emit, Operator, OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';

interface Frame {
  rows: Row[];
  head: number;
  /** Running accumulators (incremental aggregates only). */
  acc: number[];
}

const INCREMENTAL = new Set(['COUNT', 'SUM', 'AVG']);
const POSITIONAL = new Set(['LAG', 'NTH_VALUE', 'FIRST_VALUE', 'LAST_VALUE']);

type Project = (r: Row, A: unknown[]) => Row;

export class SlidingOperator implements Operator {
  private readonly partitionKey: (r: Row) => unknown;
  private readonly scan: AggCode | null;
  private readonly scanIdx: number[];
  private readonly add: ((a: number[], r: Row) => void) | null;
  private readonly remove: ((a: number[], r: Row) => void) | null;
  private readonly result: ((a: number[], out: unknown[]) => void) | null;
  private readonly incInit: number;
  private readonly project: Project;
  private readonly positional: { k: number; fn: string; n: number; arg: (r: Row) => unknown }[] = [];
  private readonly aggOut: unknown[];
  private readonly scanOut: unknown[];
  /** @internal read by the generated loop */
  frames = new Map<unknown, Frame>();
  private lastSweepMs = -Infinity;

  constructor(
    private readonly plan: Extract<OpPlan, { op: 'sliding' }>,
    private readonly ctx: OperatorContext,
    private readonly emit: Emit,
  ) {
    const c = new ExprCompiler();
    const parts = plan.partition.map((p) => c.src(p));
    this.partitionKey = c.build(
      ['r'],
      `return ${parts.length === 0 ? '0' : parts.length === 1 ? parts[0] : parts.map((p) => `String(${p})`).join(" + '\\u0001' + ")};`,
    );
    const scanAggs: AggPlan[] = [];
    this.scanIdx = [];
    const add: string[] = [];
    const rem: string[] = [];
    const res: string[] = [];
    let o = 0;
    plan.aggs.forEach((a, k) => {
      if (POSITIONAL.has(a.fn)) {
        this.positional.push({ k, fn: a.fn, n: a.param, arg: c.fn1(a.arg!) });
      } else if (INCREMENTAL.has(a.fn) && !a.distinct) {
        const v = a.arg ? c.src(a.arg) : 'null';
        if (a.fn === 'COUNT') {
          add.push(a.arg ? `if (${v} !== null) a[${o}]++;` : `a[${o}]++;`);
          rem.push(a.arg ? `if (${v} !== null) a[${o}]--;` : `a[${o}]--;`);
          res.push(`out[${k}] = a[${o}];`);
          o += 1;
        } else {
          add.push(`{ const v = ${v}; if (v !== null) { a[${o}] += v; a[${o + 1}]++; } }`);
          rem.push(`{ const v = ${v}; if (v !== null) { a[${o}] -= v; a[${o + 1}]--; } }`);
          res.push(
            a.fn === 'SUM'
              ? `out[${k}] = a[${o + 1}] === 0 ? null : a[${o}];`
              : `out[${k}] = a[${o + 1}] === 0 ? null : ${['INTEGER', 'BIGINT', 'SMALLINT', 'TINYINT'].includes(a.t.name) ? 'Math.trunc' : ''}(a[${o}] / a[${o + 1}]);`,
          );
          o += 2;
        }
      } else {
        scanAggs.push(a);
        this.scanIdx.push(k);
      }
    });
    this.incInit = o;
    this.add = o > 0 ? c.build(['a', 'r'], add.join('\n')) : null;
    this.remove = o > 0 ? c.build(['a', 'r'], rem.join('\n')) : null;
    this.result = o > 0 ? c.build(['a', 'out'], res.join('\n')) : null;
    this.scan = scanAggs.length > 0 ? compileAggregates(c, scanAggs) : null;
    this.aggOut = new Array(plan.aggs.length).fill(null);
    this.scanOut = new Array(scanAggs.length).fill(null);
    c.aggBase = plan.inputWidth;
    const projectSrc = `[r[0]${plan.project.map((e) => `, ${c.src(e)}`).join('')}]`;
    this.project = c.build<Project>(['r', 'A'], `return ${projectSrc};`);
    // hot path: when every aggregate is incremental (COUNT/SUM/AVG), the whole batch loop is generated
    // with the partition key, accumulator updates, eviction and projection inlined.
    if (scanAggs.length === 0 && this.positional.length === 0 && o > 0) {
      c.aggBase = Infinity;
      const pk = parts.length === 0 ? '0' : parts.length === 1 ? parts[0]! : parts.map((p) => `String(${p})`).join(" + '\\u0001' + ");
      const evictRange =
        plan.rangeMs === null
          ? ''
          : `
          const lo = r[0] - ${plan.rangeMs};
          while (head < rows.length && rows[head][0] < lo) { const a = acc; const r = rows[head]; ${rem.join(' ')} head++; }`;
      const evictRows =
        plan.rows === null
          ? ''
          : `
          while (rows.length - head > ${plan.rows + 1}) { const a = acc; const r = rows[head]; ${rem.join(' ')} head++; }`;
      this.loop = c.build(
        ['batch', 'self', 'out', 'A'],
        `
        const frames = self.frames;
        for (let i = 0, n = batch.length; i < n; i++) {
          const r = batch[i];
          try {
            const pk = ${pk};
            let f = frames.get(pk);
            if (f === undefined) { f = self.newFrame(); frames.set(pk, f); }
            const rows = f.rows;
            rows.push(r);
            const acc = f.acc;
            { const a = acc; ${add.join(' ')} }
            let head = f.head;${evictRange}${evictRows}
            f.head = head;
            if (head > 1024 && head * 2 > rows.length) { f.rows = rows.slice(head); f.head = 0; }
            { const a = acc; const out = A; ${res.join(' ')} }
            out.push(${projectSrc});
          } catch (e) { self.rowError(e, r); }
        }`,
      );
    }
  }

  private readonly loop: ((batch: Row[], self: SlidingOperator, out: Row[], A: unknown[]) => void) | null = null;

  /** @internal used by the generated loop */
  rowError(e: unknown, r: Row): void {
    this.ctx.error({ ...errorOf(e), row: r });
  }

  private evict(f: Frame, t: number): void {
    const { rangeMs, rows } = this.plan;
    let head = f.head;
    if (rangeMs !== null) {
      const lo = t - rangeMs;
      while (head < f.rows.length && (f.rows[head]![0] as number) < lo) {
        if (this.remove) this.remove(f.acc, f.rows[head]!);
        head++;
      }
    }
    if (rows !== null) {
      const maxLen = rows + 1;
      while (f.rows.length - head > maxLen) {
        if (this.remove) this.remove(f.acc, f.rows[head]!);
        head++;
      }
    }
    f.head = head;
    // Compact now and then so the array does not grow without bound.
    if (head > 1024 && head * 2 > f.rows.length) {
      f.rows = f.rows.slice(head);
      f.head = 0;
    }
  }

  /** @internal used by the generated loop */
  newFrame(): Frame {
    return { rows: [], head: 0, acc: new Array<number>(this.incInit).fill(0) };
  }

  // hot path
  process(batch: Row[]): void {
    const out: Row[] = [];
    const A = this.aggOut;
    if (this.loop) {
      this.loop(batch, this, out, A);
      if (out.length > 0) this.emit(out);
      return;
    }
    for (let i = 0, n = batch.length; i < n; i++) {
      const r = batch[i]!;
      try {
        const pk = this.partitionKey(r);
        let f = this.frames.get(pk);
        if (f === undefined) {
          f = this.newFrame();
          this.frames.set(pk, f);
        }
        f.rows.push(r);
        if (this.add) this.add(f.acc, r);
        this.evict(f, r[0] as number);
        if (this.result) this.result(f.acc, A);
        if (this.scan) {
          const acc = this.scan.init();
          for (let j = f.head; j < f.rows.length; j++) this.scan.update(acc, f.rows[j]!);
          this.scan.result(acc, this.scanOut, 0);
          for (let j = 0; j < this.scanIdx.length; j++) A[this.scanIdx[j]!] = this.scanOut[j];
        }
        for (const p of this.positional) {
          const idx = p.fn === 'LAG' ? f.rows.length - 1 - p.n : p.fn === 'NTH_VALUE' ? f.head + p.n - 1 : p.fn === 'FIRST_VALUE' ? f.head : f.rows.length - 1;
          A[p.k] = idx >= f.head && idx < f.rows.length ? p.arg(f.rows[idx]!) : null;
        }
        out.push(this.project(r, A));
      } catch (e) {
        this.ctx.error({ ...errorOf(e), row: r });
      }
    }
    if (out.length > 0) this.emit(out);
  }

  advance(watermarkMs: number): void {
    // Frames are trimmed as rows arrive; this sweep only frees idle partitions, so it runs
    // once per window length of time rather than on every batch (it visits every partition).
    if (this.plan.rangeMs === null || watermarkMs - this.lastSweepMs < Math.max(this.plan.rangeMs, 1000)) return;
    this.lastSweepMs = watermarkMs;
    for (const [k, f] of this.frames) {
      this.evict(f, watermarkMs);
      if (f.head >= f.rows.length) this.frames.delete(k);
    }
  }

  checkpoint(): unknown {
    return [...this.frames.entries()].map(([k, f]) => [k, f.rows.slice(f.head), f.acc]);
  }

  restore(state: unknown): void {
    this.frames = new Map((state as [unknown, Row[], number[]][]).map(([k, rows, acc]) => [k, { rows, head: 0, acc }]));
  }

  stateRows(): number {
    let n = 0;
    for (const f of this.frames.values()) n += f.rows.length - f.head;
    return n;
  }

  close(): void {
    this.frames.clear();
  }
}
