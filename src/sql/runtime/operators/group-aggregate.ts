/**
 * Shared code for GROUP BY operators: generated key, key-values, accumulator
 * update and output functions, and closing a window's groups into rows
 * [windowRowtime, ...project(post)] where post = [rowtime, ...keys, ...aggs].
 */
import type { AggPlan, PExpr } from '../../plan/plan.ts';
import { ExprCompiler, accFromJson, accToJson, compileAggregates, type AggCode } from '../compile.ts';
import type { OperatorContext, Row } from '../operator.ts';
import { errorOf } from '../operator.ts';

export interface Group {
  keys: unknown[];
  acc: unknown[];
}

export class GroupCode {
  readonly key: (r: Row) => unknown;
  readonly keyValues: (r: Row) => unknown[];
  readonly agg: AggCode;
  readonly having: ((post: Row) => unknown) | null;
  readonly project: (post: Row) => Row;
  private readonly nKeys: number;
  /** Source of the key expression over `r` (for generated loops). */
  readonly keySrc: string;
  /** The compiler holding the constants the generated sources refer to. */
  readonly compiler: ExprCompiler;

  constructor(keys: PExpr[], skipKey: number, aggs: AggPlan[], having: PExpr | null, project: PExpr[]) {
    const c = new ExprCompiler();
    const hashed = keys.map((k, i) => (i === skipKey ? null : c.src(k))).filter((x): x is string => x !== null);
    // One key: the value itself is the Map key; several: a separator-joined string.
    const keyBody =
      hashed.length === 0 ? 'return 0;' : hashed.length === 1 ? `return ${hashed[0]};` : `return ${hashed.map((h) => `String(${h})`).join(" + '\\u0001' + ")};`;
    this.key = c.build(['r'], keyBody);
    this.keySrc = hashed.length === 0 ? '0' : hashed.length === 1 ? hashed[0]! : hashed.map((h) => `String(${h})`).join(" + '\\u0001' + ");
    this.compiler = c;
    this.keyValues = c.build(['r'], `return [${keys.map((k, i) => (i === skipKey ? 'null' : c.src(k))).join(', ')}];`);
    this.agg = compileAggregates(c, aggs);
    this.having = having ? c.fn1(having) : null;
    this.project = c.projector(project);
    this.nKeys = keys.length;
  }

  /** Appends the output rows of one closed window's groups to `out`. */
  close(groups: Map<unknown, Group>, rowtime: number, windowKey: number, windowStart: number, nAggs: number, out: Row[], ctx: OperatorContext): void {
    const width = 1 + this.nKeys + nAggs;
    for (const g of groups.values()) {
      const post: Row = new Array(width);
      post[0] = rowtime;
      for (let k = 0; k < this.nKeys; k++) post[1 + k] = g.keys[k];
      if (windowKey >= 0) post[1 + windowKey] = windowStart;
      try {
        this.agg.result(g.acc, post, 1 + this.nKeys);
        if (this.having && this.having(post) !== true) continue;
        out.push(this.project(post));
      } catch (e) {
        ctx.error({ ...errorOf(e), row: post });
      }
    }
  }
}

export function groupsToJson(groups: Map<unknown, Group>): unknown[] {
  return [...groups.entries()].map(([k, g]) => [k, g.keys, accToJson(g.acc)]);
}
export function groupsFromJson(data: unknown[]): Map<unknown, Group> {
  const m = new Map<unknown, Group>();
  for (const e of data as [unknown, unknown[], unknown[]][]) m.set(e[0], { keys: e[1], acc: accFromJson(e[2]) });
  return m;
}
