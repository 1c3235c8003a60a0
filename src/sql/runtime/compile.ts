/**
 * Turns plan expressions into JavaScript source once, at start-up, and builds
 * functions with `new Function`: per-row evaluation runs straight-line code
 * over the row array `r` instead of walking a tree.
 */
import type { AggPlan, PExpr } from '../plan/plan.ts';
import { isIntegral } from '../plan/types.ts';
import { FLINK_FUNCTIONS } from './flink-functions.ts';
import { F, RowError, likeMatcher, similarToRegExp } from './functions.ts';
import { linearTimeProblem } from './regexp-fallback.ts';
import { SqlError } from '../errors.ts';

/** Functions whose second argument is a user's regular expression (REGEX_REPLACE; Flink's REGEXP_*). */
const REGEX_ARGUMENT = new Set(['regexReplace', 'regexpReplace', 'regexpExtract', 'regexp']);

/** Bound on buildShared's functions (cleared when full). */
const MAX_SHARED = 4096;
/** buildShared's functions by their text. */
const SHARED = new Map<string, unknown>();
/** Generated functions that read no constants, by source text (see ExprCompiler.build). */
const BUILT = new Map<string, unknown>();
const MAX_BUILT = 4096;

export class ExprCompiler {
  /** Constants referenced as K[n] by generated code (RegExps, types). */
  readonly consts: unknown[] = [];

  private temps = 0;

  private temp(): string {
    return `t${this.temps++}`;
  }

  private konst(v: unknown): string {
    this.consts.push(v);
    return `K[${this.consts.length - 1}]`;
  }

  /** Slots at or above this index read `A[i - aggBase]` instead of the row (sliding windows' aggregate values). */
  aggBase = Infinity;

  /**
   * Columnar code (a ColumnBatch loop): when set, a column reads `C<slot>[i]` — row i of that slot's vector —
   * instead of the row, and its slot is added here; columnPrelude() declares the vectors from the batch `B`.
   */
  columnar: Set<number> | null = null;

  /** Declarations of the column vectors columnar code reads, from ColumnBatch `B`. */
  columnPrelude(): string {
    const slots = [...(this.columnar ?? [])];
    return slots.length === 0 ? '' : `const ${slots.map((i) => `C${i} = B.cols[${i}]`).join(', ')};`;
  }

  /** When set, the source of column i where it returns one (the interval join reads kept rows' columns from its own arrays). */
  colSrc: ((i: number) => string | undefined) | null = null;

  /** JS source for `p`, reading the row from variable `row`. */
  src(p: PExpr, row = 'r'): string {
    switch (p.k) {
      case 'col': {
        const own = this.colSrc?.(p.i);
        if (own !== undefined) return own;
        if (p.i >= this.aggBase) return `A[${p.i - this.aggBase}]`;
        if (this.columnar !== null) {
          this.columnar.add(p.i);
          return `C${p.i}[i]`;
        }
        return `${row}[${p.i}]`;
      }
      case 'lit':
        return p.v === null ? 'null' : JSON.stringify(p.v);
      case 'case': {
        let s = p.else ? this.src(p.else, row) : 'null';
        for (let i = p.whens.length - 1; i >= 0; i--) {
          const w = p.whens[i]!;
          s = `(${this.src(w.when, row)} === true ? ${this.src(w.then, row)} : ${s})`;
        }
        return s;
      }
      case 'call':
        return this.call(p, row);
    }
  }

  private call(p: Extract<PExpr, { k: 'call' }>, row: string): string {
    const a = p.args.map((x) => this.src(x, row));
    // A literal pattern that cannot run in linear time is refused with the program, not on every row.
    const pattern = REGEX_ARGUMENT.has(p.fn) ? p.args[1] : undefined;
    if (pattern !== undefined && pattern.k === 'lit' && typeof pattern.v === 'string') {
      const problem = linearTimeProblem(pattern.v);
      if (problem !== undefined) throw new SqlError(problem);
    }
    switch (p.fn) {
      case 'cast':
        return `F.cast(${a[0]}, ${this.konst(JSON.parse((p.args[1] as { v: string }).v))})`;
      // Flink SQL: the target type is a constant (a literal of its JSON), parsed once here.
      case 'fCast':
      case 'tryCast':
      case 'fText':
        return `G.${p.fn}(${a[0]}, ${this.konst(JSON.parse((p.args[1] as { v: string }).v))})`;
      case 'jsonValue':
        return `G.jsonValue(${a[0]}, ${a[1]}, ${this.konst(JSON.parse((p.args[2] as { v: string }).v))}, ${a.slice(3).join(', ')})`;
      case 'regexLogParse':
        // The pattern is a literal (checked by the planner): compile it once.
        return `F.regexLogParse(${a[0]}, ${this.konst(new RegExp(String((p.args[1] as { v: string }).v)))}, ${this.konst(JSON.parse((p.args[2] as { v: string }).v))})`;
      case 'fixedColumnLogParse':
        return `F.fixedColumnLogParse(${a[0]}, ${this.konst(JSON.parse((p.args[1] as { v: string }).v))})`;
      case 'variableColumnLogParse':
        return `F.variableColumnLogParse(${a[0]}, ${a[1]}, ${a[2]}, ${a[3]}, ${this.konst(JSON.parse((p.args[4] as { v: string }).v))})`;
      case 'like':
      case 'similar': {
        const pat = p.args[1]!;
        const esc = p.args[2]!;
        if (pat.k === 'lit' && typeof pat.v === 'string' && esc.k === 'lit') {
          let re: { test(s: string): boolean };
          try {
            re = (p.fn === 'like' ? likeMatcher : similarToRegExp)(pat.v, esc.v === null ? null : String(esc.v));
          } catch (e) {
            if (e instanceof RowError) throw new SqlError(e.message);
            throw e;
          }
          const t = this.temp();
          return `(${t} = ${a[0]}, ${t} === null ? null : ${this.konst(re)}.test(String(${t})))`;
        }
        return `F.${p.fn}(${a.join(', ')})`;
      }
      case 'and': // Short-circuit on FALSE keeps SQL's three-valued result.
        {
          const t = this.temp();
          return `(${t} = ${a[0]}, ${t} === false ? false : F.and(${t}, ${a[1]}))`;
        }
      case 'or': {
        const t = this.temp();
        return `(${t} = ${a[0]}, ${t} === true ? true : F.or(${t}, ${a[1]}))`;
      }
      default:
        // MATCH_RECOGNIZE reads the match so far through its context M (match-recognize.ts).
        if (p.fn.startsWith('mr.')) return `M.${p.fn.slice(3)}(${a.join(', ')})`;
        if (p.fn in F) return `F.${p.fn}(${a.join(', ')})`;
        // Flink SQL's functions live in their own table (G), so KDA's (F) stays as it was.
        if (p.fn in FLINK_FUNCTIONS) return `G.${p.fn}(${a.join(', ')})`;
        throw new Error(`internal: no runtime function ${p.fn}`);
    }
  }

  /** Builds a function from a body that uses F, K and the given parameter names. */
  build<T>(params: string[], body: string): T {
    const decl = this.temps > 0 ? `let ${Array.from({ length: this.temps }, (_x, i) => `t${i}`).join(', ')};` : '';
    const text = `"use strict"; return function(${params.join(', ')}) { ${decl} ${body} };`;
    // A function that reads no constants is the same for every job that compiles the same expressions: one
    // shared function keeps its optimized code (and the call sites that reach it stay monomorphic) when
    // a job is rebuilt or another runs the same query.
    const shared = !text.includes('K[');
    if (shared) {
      const f = BUILT.get(text);
      if (f !== undefined) return f as T;
    }
    // eslint-disable-next-line no-new-func -- compiling expressions once is the point (see file comment)
    const factory = new Function('F', 'K', 'G', text) as (f: typeof F, k: unknown[], g: typeof FLINK_FUNCTIONS) => T;
    const fn = factory(F, this.consts, FLINK_FUNCTIONS);
    if (shared) {
      if (BUILT.size >= MAX_BUILT) BUILT.clear();
      BUILT.set(text, fn);
    }
    return fn;
  }

  /**
   * Like build, but one function for every compiler that builds the same text: its constants come in as the
   * last parameter, `K` (pass this compiler's `consts`), instead of from the closure. For the few hot loops
   * (window aggregation over columns): a job compiled again reuses the loop V8 has already optimized, and code
   * that inlined it does not depend on one job's closure (which would throw that code away with the job).
   */
  buildShared<T>(params: string[], body: string): T {
    const decl = this.temps > 0 ? `let ${Array.from({ length: this.temps }, (_x, i) => `t${i}`).join(', ')};` : '';
    const text = `"use strict"; return function(${[...params, 'K'].join(', ')}) { ${decl} ${body} };`;
    let fn = SHARED.get(text) as T | undefined;
    if (fn === undefined) {
      fn = (new Function('F', 'G', text) as (f: typeof F, g: typeof FLINK_FUNCTIONS) => T)(F, FLINK_FUNCTIONS);
      if (SHARED.size >= MAX_SHARED) SHARED.clear();
      SHARED.set(text, fn);
    }
    return fn;
  }

  fn1(p: PExpr): (r: unknown[]) => unknown {
    return this.build(['r'], `return ${this.src(p)};`);
  }

  /** A function building [r[0] or rowtimeSrc, ...exprs]. */
  projector(exprs: PExpr[], rowtimeSrc = 'r[0]'): (r: unknown[]) => unknown[] {
    return this.build(['r'], `return [${[rowtimeSrc, ...exprs.map((e) => this.src(e))].join(', ')}];`);
  }
}

/**
 * Aggregate accumulators laid out in one flat array per group: generated
 * `init()`, `update(a, r)` (adds row r) and `result(a, out, offset)`.
 */
export interface AggCode {
  init: () => unknown[];
  /** Puts an accumulator array back to init()'s values (for operators that reuse their state objects). */
  reset: (a: unknown[]) => void;
  update: (a: unknown[], r: unknown[]) => void;
  result: (a: unknown[], out: unknown[], offset: number) => void;
  /** Source of update's body (over `a` and `r`), for operators that inline it into a generated loop. */
  updateSrc: string;
  /** Where each aggregate's accumulator slots start in the flat array. */
  offsets: number[];
}

export function compileAggregates(c: ExprCompiler, aggs: AggPlan[]): AggCode {
  const init: string[] = [];
  const upd: string[] = [];
  const res: string[] = [];
  let o = 0;
  const offsets: number[] = [];
  aggs.forEach((a, k) => {
    offsets.push(o);
    const v = a.arg ? c.src(a.arg) : 'null';
    const out = `out[offset + ${k}]`;
    const updatesBefore = upd.length;
    switch (a.fn) {
      case 'COUNT':
        if (a.distinct) {
          init.push('new Set()');
          upd.push(`{ const v = ${v}; if (v !== null) a[${o}].add(v); }`);
          res.push(`${out} = a[${o}].size;`);
          o += 1;
        } else {
          init.push('0');
          upd.push(a.arg ? `if (${v} !== null) a[${o}]++;` : `a[${o}]++;`);
          res.push(`${out} = a[${o}];`);
          o += 1;
        }
        break;
      case 'SUM':
        init.push('null');
        upd.push(`{ const v = ${v}; if (v !== null) a[${o}] = a[${o}] === null ? v : a[${o}] + v; }`);
        res.push(`${out} = a[${o}];`);
        o += 1;
        break;
      case 'AVG':
        init.push('0', '0');
        upd.push(`{ const v = ${v}; if (v !== null) { a[${o}] += v; a[${o + 1}]++; } }`);
        res.push(`${out} = a[${o + 1}] === 0 ? null : ${isIntegral(a.t) ? 'Math.trunc' : ''}(a[${o}] / a[${o + 1}]);`);
        o += 2;
        break;
      case 'MIN':
      case 'MAX': {
        const cmp = a.fn === 'MIN' ? '<' : '>';
        init.push('null');
        upd.push(`{ const v = ${v}; if (v !== null && (a[${o}] === null || v ${cmp} a[${o}])) a[${o}] = v; }`);
        res.push(`${out} = a[${o}];`);
        o += 1;
        break;
      }
      case 'FIRST_VALUE':
        init.push('null', 'false');
        upd.push(`if (!a[${o + 1}]) { a[${o}] = ${v}; a[${o + 1}] = true; }`);
        res.push(`${out} = a[${o}];`);
        o += 2;
        break;
      case 'LAST_VALUE':
        init.push('null');
        upd.push(`a[${o}] = ${v};`);
        res.push(`${out} = a[${o}];`);
        o += 1;
        break;
      case 'EXP_AVG':
        // Weighted by age: a value's weight halves every `param` ms of ROWTIME.
        init.push('0', '0', 'null');
        upd.push(
          `{ const v = ${v}; if (v !== null) { const t = r[0]; if (a[${o + 2}] !== null) { const f = Math.pow(2, -(t - a[${o + 2}]) / ${a.param}); a[${o}] *= f; a[${o + 1}] *= f; } a[${o}] += v; a[${o + 1}] += 1; a[${o + 2}] = t; } }`,
        );
        res.push(`${out} = a[${o + 1}] === 0 ? null : a[${o}] / a[${o + 1}];`);
        o += 3;
        break;
      case 'STDDEV_POP':
      case 'STDDEV_SAMP':
      case 'VAR_POP':
      case 'VAR_SAMP': {
        // Welford's running mean and sum of squared deviations (numerically stable).
        init.push('0', '0', '0');
        upd.push(
          `{ const v = ${v}; if (v !== null) { const n = ++a[${o}]; const d = v - a[${o + 1}]; a[${o + 1}] += d / n; a[${o + 2}] += d * (v - a[${o + 1}]); } }`,
        );
        const sample = a.fn.endsWith('SAMP');
        const variance = `a[${o + 2}] / (a[${o}]${sample ? ' - 1' : ''})`;
        res.push(`${out} = a[${o}] ${sample ? '< 2' : '=== 0'} ? null : ${a.fn.startsWith('STDDEV') ? `Math.sqrt(${variance})` : variance};`);
        o += 3;
        break;
      }
      case 'LAG':
      case 'NTH_VALUE':
        // Row-position functions are computed by the sliding operator, not accumulated.
        init.push('null');
        res.push(`${out} = null;`);
        o += 1;
        break;
      case 'LISTAGG':
        init.push('null');
        upd.push(`{ const v = ${v}; if (v !== null) a[${o}] = a[${o}] === null ? String(v) : a[${o}] + ${JSON.stringify(a.separator ?? ',')} + String(v); }`);
        res.push(`${out} = a[${o}];`);
        o += 1;
        break;
    }
    // Flink's FILTER (WHERE cond): the update applies only to rows where cond is TRUE.
    if (a.filter && upd.length > updatesBefore) upd[upd.length - 1] = `if (${c.src(a.filter)} === true) { ${upd[upd.length - 1]} }`;
  });
  return {
    init: c.build(['r'], `return [${init.join(', ')}];`),
    reset: c.build(['a'], init.map((v, i) => `a[${i}] = ${v};`).join('\n')),
    update: c.build(['a', 'r'], upd.join('\n')),
    updateSrc: upd.join('\n'),
    result: c.build(['a', 'out', 'offset'], res.join('\n')),
    offsets,
  };
}

/**
 * Flink's merging windows (SESSION): a function folding accumulator `b` (a later group) into `a` (an
 * earlier one), for accumulators laid out by compileAggregates; null when an aggregate cannot be merged.
 */
export function compileAggregateMerge(c: ExprCompiler, aggs: AggPlan[], code: AggCode): ((a: unknown[], b: unknown[]) => void) | null {
  const parts: string[] = [];
  for (let k = 0; k < aggs.length; k++) {
    const a = aggs[k]!;
    const o = code.offsets[k]!;
    switch (a.fn) {
      case 'COUNT':
        parts.push(a.distinct ? `for (const v of b[${o}]) a[${o}].add(v);` : `a[${o}] += b[${o}];`);
        break;
      case 'SUM':
        parts.push(`if (b[${o}] !== null) a[${o}] = a[${o}] === null ? b[${o}] : a[${o}] + b[${o}];`);
        break;
      case 'AVG':
        parts.push(`a[${o}] += b[${o}]; a[${o + 1}] += b[${o + 1}];`);
        break;
      case 'MIN':
      case 'MAX':
        parts.push(`if (b[${o}] !== null && (a[${o}] === null || b[${o}] ${a.fn === 'MIN' ? '<' : '>'} a[${o}])) a[${o}] = b[${o}];`);
        break;
      case 'FIRST_VALUE':
        parts.push(`if (!a[${o + 1}] && b[${o + 1}]) { a[${o}] = b[${o}]; a[${o + 1}] = true; }`);
        break;
      case 'LAST_VALUE':
        parts.push(`a[${o}] = b[${o}];`);
        break;
      case 'LISTAGG':
        parts.push(`if (b[${o}] !== null) a[${o}] = a[${o}] === null ? b[${o}] : a[${o}] + ${JSON.stringify(a.separator ?? ',')} + b[${o}];`);
        break;
      case 'STDDEV_POP':
      case 'STDDEV_SAMP':
      case 'VAR_POP':
      case 'VAR_SAMP':
        // Chan et al.'s pairwise update of Welford's (n, mean, M2).
        parts.push(
          `{ const n = a[${o}] + b[${o}]; if (b[${o}] > 0) { const d = b[${o + 1}] - a[${o + 1}]; a[${o + 2}] += b[${o + 2}] + d * d * a[${o}] * b[${o}] / n; a[${o + 1}] += d * b[${o}] / n; a[${o}] = n; } }`,
        );
        break;
      default:
        return null;
    }
  }
  return c.build(['a', 'b'], parts.join('\n'));
}

/** Accumulator arrays hold Sets for COUNT(DISTINCT); make them JSON-safe and back. */
export function accToJson(a: unknown[]): unknown[] {
  return a.map((x) => (x instanceof Set ? { $set: [...x] } : x));
}
export function accFromJson(a: unknown[]): unknown[] {
  return a.map((x) => (x && typeof x === 'object' && '$set' in x ? new Set((x as { $set: unknown[] }).$set) : x));
}
