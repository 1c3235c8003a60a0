/**
 * Evaluates metric math ASTs over time series, following the CloudWatch User
 * Guide's function table and rules:
 * - arithmetic and comparison between two time series pair up their
 *   timestamps, a value missing on one side counting as 0; a point whose
 *   result divides by zero (or is otherwise not a number) is dropped;
 * - comparisons and AND/OR give 1 or 0;
 * - SUM/AVG/MIN/MAX/STDDEV of one series are scalars, of an array a series
 *   (AVG and SUM count missing values as 0, MIN/MAX/STDDEV use the values present);
 * - FILL, TIME_SERIES and the time functions (MINUTE … EPOCH) produce values on
 *   the query's grid: every period from the aligned StartTime to EndTime;
 * - IF follows the table of the "Using IF expressions" section.
 * ANOMALY_DETECTION_BAND asks a pluggable band function for the upper and lower
 * series (Freshet's own detector plugs in there).
 */
import type { MetricRef } from '../metric-data.ts';
import type { Node } from './parser.ts';

export interface TimeSeries {
  label: string;
  periodSec: number;
  /** Seconds since the epoch, ascending. Typed arrays: results of many series stay off the JS heap. */
  t: Float64Array;
  v: Float64Array;
  /** For series read from a stored metric (METRICS(), PERIOD(), dynamic labels). */
  source?: { id: string; metric: MetricRef; stat: string; periodSec: number };
}

export type MathValue =
  | { kind: 'scalar'; value: number }
  | { kind: 'series'; series: TimeSeries }
  | { kind: 'array'; items: TimeSeries[] }
  | { kind: 'string'; value: string }
  | { kind: 'keyword'; name: string };

/**
 * The expected band of a series: upper and lower limits on the series' timestamps.
 * The series' arrays are valid during the call only (GetMetricData reuses their memory afterwards).
 */
export type BandFunction = (
  series: TimeSeries,
  standardDeviations: number,
  range: { startSec: number; endSec: number },
) => { upper: TimeSeries; lower: TimeSeries };

export interface EvalContext {
  /** Aligned start (inclusive) and end (exclusive) of the query, in seconds. */
  startSec: number;
  endSec: number;
  /** Period for series an expression creates without an input series (TIME_SERIES). */
  defaultPeriodSec: number;
  /** The value of another query by Id, or undefined if there is none. */
  lookup(id: string): MathValue | undefined;
  /** Every MetricStat query's series, in request order (METRICS()). */
  metricSeries(): Array<{ id: string; series: TimeSeries }>;
  /** The series a SEARCH(...) call found (the caller ran the searches before evaluating). */
  search?(node: Node): TimeSeries[] | undefined;
  band: BandFunction;
}

export class MathEvalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MathEvalError';
  }
}

const FUNCTIONS_NOT_SUPPORTED = new Set(['INSIGHT_RULE_METRIC', 'SERVICE_QUOTA', 'LAMBDA', 'DB_PERF_INSIGHTS']);

function describe(v: MathValue): string {
  switch (v.kind) {
    case 'scalar':
      return 'a scalar';
    case 'series':
      return 'a time series';
    case 'array':
      return 'an array of time series';
    case 'string':
      return 'a string';
    case 'keyword':
      return `the keyword ${v.name}`;
  }
}

function series(label: string, periodSec: number, t: ArrayLike<number>, v: ArrayLike<number>): TimeSeries {
  return { label, periodSec, t: t instanceof Float64Array ? t : Float64Array.from(t), v: v instanceof Float64Array ? v : Float64Array.from(v) };
}

/** Drops points that are not finite numbers (division by zero, log of 0). */
function finite(s: TimeSeries): TimeSeries {
  let bad = 0;
  for (let i = 0; i < s.v.length; i++) if (!Number.isFinite(s.v[i]!)) bad++;
  if (bad === 0) return s;
  const t = new Float64Array(s.t.length - bad);
  const v = new Float64Array(s.t.length - bad);
  let j = 0;
  for (let i = 0; i < s.t.length; i++) {
    if (Number.isFinite(s.v[i]!)) {
      t[j] = s.t[i]!;
      v[j++] = s.v[i]!;
    }
  }
  return { ...s, t, v };
}

function mapSeries(s: TimeSeries, f: (x: number, t: number) => number): TimeSeries {
  return finite({ ...s, v: s.v.map((x, i) => f(x, s.t[i]!)), source: undefined });
}

/** Pairs the timestamps of two series (union; a missing value is 0). */
function zip(a: TimeSeries, b: TimeSeries, f: (x: number, y: number) => number): TimeSeries {
  const t: number[] = [];
  const v: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.t.length || j < b.t.length) {
    const ta = i < a.t.length ? a.t[i]! : Number.POSITIVE_INFINITY;
    const tb = j < b.t.length ? b.t[j]! : Number.POSITIVE_INFINITY;
    if (ta === tb) {
      t.push(ta);
      v.push(f(a.v[i++]!, b.v[j++]!));
    } else if (ta < tb) {
      t.push(ta);
      v.push(f(a.v[i++]!, 0));
    } else {
      t.push(tb);
      v.push(f(0, b.v[j++]!));
    }
  }
  return finite(series(a.label, Math.min(a.periodSec, b.periodSec), t, v));
}

function binaryFn(op: string): (x: number, y: number) => number {
  switch (op) {
    case '+':
      return (x, y) => x + y;
    case '-':
      return (x, y) => x - y;
    case '*':
      return (x, y) => x * y;
    case '/':
      return (x, y) => (y === 0 ? Number.NaN : x / y);
    case '^':
      return (x, y) => x ** y;
    case '==':
      return (x, y) => (x === y ? 1 : 0);
    case '!=':
      return (x, y) => (x !== y ? 1 : 0);
    case '<':
      return (x, y) => (x < y ? 1 : 0);
    case '<=':
      return (x, y) => (x <= y ? 1 : 0);
    case '>':
      return (x, y) => (x > y ? 1 : 0);
    case '>=':
      return (x, y) => (x >= y ? 1 : 0);
    case 'AND':
      return (x, y) => (x !== 0 && y !== 0 ? 1 : 0);
    case 'OR':
      return (x, y) => (x !== 0 || y !== 0 ? 1 : 0);
  }
  throw new MathEvalError(`Unknown operator ${op}`);
}

function applyBinary(op: string, a: MathValue, b: MathValue): MathValue {
  const f = binaryFn(op);
  if (a.kind === 'scalar' && b.kind === 'scalar') {
    const r = f(a.value, b.value);
    if (!Number.isFinite(r)) throw new MathEvalError(`The operation ${a.value} ${op} ${b.value} has no numeric result`);
    return { kind: 'scalar', value: r };
  }
  if (a.kind === 'series' && b.kind === 'scalar') return { kind: 'series', series: mapSeries(a.series, (x) => f(x, b.value)) };
  if (a.kind === 'scalar' && b.kind === 'series') return { kind: 'series', series: mapSeries(b.series, (y) => f(a.value, y)) };
  if (a.kind === 'series' && b.kind === 'series') return { kind: 'series', series: zip(a.series, b.series, f) };
  if (a.kind === 'array' && (b.kind === 'scalar' || b.kind === 'series'))
    return { kind: 'array', items: a.items.map((s) => asSeries(applyBinary(op, { kind: 'series', series: s }, b), s.label)) };
  if (b.kind === 'array' && (a.kind === 'scalar' || a.kind === 'series'))
    return { kind: 'array', items: b.items.map((s) => asSeries(applyBinary(op, a, { kind: 'series', series: s }), s.label)) };
  throw new MathEvalError(`The operator ${op} cannot combine ${describe(a)} and ${describe(b)}`);
}

function asSeries(v: MathValue, label: string): TimeSeries {
  if (v.kind !== 'series') throw new MathEvalError('Expected a time series');
  return { ...v.series, label };
}

/** Every grid timestamp of a period from the (aligned) query start to its end. */
function grid(ctx: EvalContext, periodSec: number): number[] {
  const out: number[] = [];
  for (let t = ctx.startSec; t < ctx.endSec; t += periodSec) out.push(t);
  return out;
}

type Reducer = 'SUM' | 'AVG' | 'MIN' | 'MAX' | 'STDDEV';

function reduceValues(fn: Reducer, xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n === 0) return fn === 'SUM' ? 0 : Number.NaN;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const x = xs[i]!;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  switch (fn) {
    case 'SUM':
      return sum;
    case 'AVG':
      return sum / n;
    case 'MIN':
      return min;
    case 'MAX':
      return max;
    case 'STDDEV': {
      const mean = sum / n;
      let sq = 0;
      for (let i = 0; i < n; i++) sq += (xs[i]! - mean) ** 2;
      return Math.sqrt(sq / n);
    }
  }
}

/**
 * Per timestamp across an array of series. Series on a common grid (the usual
 * case: the same period and aligned start) are folded into dense columns;
 * others through a map by timestamp.
 */
function reduceArray(fn: Reducer, items: TimeSeries[], label: string): TimeSeries {
  if (items.length === 0) return series(label, 60, [], []);
  let period = Number.POSITIVE_INFINITY;
  let tMin = Number.POSITIVE_INFINITY;
  let tMax = Number.NEGATIVE_INFINITY;
  for (const s of items) {
    if (s.periodSec < period) period = s.periodSec;
    if (s.t.length === 0) continue;
    if (s.t[0]! < tMin) tMin = s.t[0]!;
    if (s.t[s.t.length - 1]! > tMax) tMax = s.t[s.t.length - 1]!;
  }
  if (tMin > tMax) return series(label, period, [], []);
  const n = (tMax - tMin) / period + 1;
  let aligned = Number.isInteger(n) && n <= 10_000_000;
  // Per series on the grid: the slot of its first point when its points fill consecutive slots (the
  // usual case: a point in every period), else -1 (each point's slot computed).
  const first = new Int32Array(items.length);
  if (aligned) {
    // Series of one query shape share their timestamp column when dense: checked once.
    let lastDense: Float64Array | null = null;
    let lastBase = 0;
    for (let j = 0; j < items.length && aligned; j++) {
      const ts = items[j]!.t;
      const len = ts.length;
      if (len === 0) continue;
      if (ts === lastDense) {
        first[j] = lastBase;
        continue;
      }
      const t0 = ts[0]!;
      const q0 = (t0 - tMin) / period;
      let dense = q0 === Math.floor(q0);
      for (let i = 1; i < len && dense; i++) dense = ts[i] === t0 + i * period;
      if (dense) {
        first[j] = q0;
        lastDense = ts;
        lastBase = q0;
        continue;
      }
      first[j] = -1;
      for (let i = 0; i < len; i++) {
        const q = (ts[i]! - tMin) / period;
        if (q !== Math.floor(q)) {
          aligned = false;
          break;
        }
      }
    }
  }
  let slots: number[] = [];
  let index: Map<number, number> | null = null;
  if (!aligned) {
    const times = new Set<number>();
    for (const s of items) for (const t of s.t) times.add(t);
    slots = [...times].sort((x, y) => x - y);
    index = new Map(slots.map((t, i) => [t, i] as const));
  }
  const size = aligned ? n : slots.length;
  const count = new Float64Array(size);
  const acc = new Float64Array(size);
  const sq = fn === 'STDDEV' ? new Float64Array(size) : null;
  if (fn === 'MIN') acc.fill(Number.POSITIVE_INFINITY);
  if (fn === 'MAX') acc.fill(Number.NEGATIVE_INFINITY);
  // Series with a value in every slot are counted once at the end, not per point.
  let everywhere = 0;
  // hot path: one pass over every point.
  for (let j = 0; j < items.length; j++) {
    const ts = items[j]!.t;
    const vs = items[j]!.v;
    const len = ts.length;
    const base = index === null ? first[j]! : -1;
    if (base >= 0 && sq === null) {
      // Consecutive slots from base: no slot arithmetic per point.
      if (base === 0 && len === size) everywhere++;
      else for (let i = 0; i < len; i++) count[base + i]! += 1;
      if (fn === 'MIN') {
        for (let i = 0; i < len; i++) if (vs[i]! < acc[base + i]!) acc[base + i] = vs[i]!;
      } else if (fn === 'MAX') {
        for (let i = 0; i < len; i++) if (vs[i]! > acc[base + i]!) acc[base + i] = vs[i]!;
      } else {
        for (let i = 0; i < len; i++) acc[base + i]! += vs[i]!;
      }
      continue;
    }
    for (let i = 0; i < len; i++) {
      const k = index === null ? ((ts[i]! - tMin) / period) | 0 : index.get(ts[i]!)!;
      const x = vs[i]!;
      count[k] = count[k]! + 1;
      if (fn === 'MIN') {
        if (x < acc[k]!) acc[k] = x;
      } else if (fn === 'MAX') {
        if (x > acc[k]!) acc[k] = x;
      } else {
        acc[k] = acc[k]! + x;
        if (sq !== null) sq[k] = sq[k]! + x * x;
      }
    }
  }
  let present = 0;
  if (everywhere > 0) present = size;
  else for (let k = 0; k < size; k++) if (count[k]! > 0) present++;
  const t = new Float64Array(present);
  const v = new Float64Array(present);
  let j = 0;
  for (let k = 0; k < size; k++) {
    const c = count[k]! + everywhere;
    if (c === 0) continue;
    t[j] = index === null ? tMin + k * period : slots[k]!;
    if (fn === 'AVG')
      v[j] = acc[k]! / items.length; // a series without a value here counts as 0 ("Missing values are treated as 0")
    else if (fn === 'STDDEV') {
      const mean = acc[k]! / c;
      v[j] = Math.sqrt(Math.max(0, sq![k]! / c - mean * mean));
    } else v[j] = acc[k]!;
    j++;
  }
  return finite(series(label, period, t, v));
}

function scalarOf(v: MathValue, what: string): number {
  if (v.kind !== 'scalar') throw new MathEvalError(`${what} must be a scalar, not ${describe(v)}`);
  return v.value;
}

export function evaluate(node: Node, ctx: EvalContext): MathValue {
  switch (node.type) {
    case 'number':
      return { kind: 'scalar', value: node.value };
    case 'string':
      return { kind: 'string', value: node.value };
    case 'keyword':
      return { kind: 'keyword', name: node.name };
    case 'id': {
      const v = ctx.lookup(node.name);
      if (!v) throw new MathEvalError(`Unrecognized metric or expression id '${node.name}'`);
      return v;
    }
    case 'array': {
      const items: TimeSeries[] = [];
      for (const n of node.items) {
        const v = evaluate(n, ctx);
        if (v.kind === 'series') items.push(v.series);
        else if (v.kind === 'array') items.push(...v.items);
        else throw new MathEvalError(`An array can only hold time series, not ${describe(v)}`);
      }
      return { kind: 'array', items };
    }
    case 'unary': {
      const v = evaluate(node.arg, ctx);
      return applyBinary('*', v, { kind: 'scalar', value: -1 });
    }
    case 'binary':
      return applyBinary(node.op, evaluate(node.left, ctx), evaluate(node.right, ctx));
    case 'call': {
      if (node.name === 'SEARCH') {
        const found = ctx.search?.(node);
        if (!found) throw new MathEvalError('SEARCH is not available here');
        return { kind: 'array', items: found };
      }
      return call(node.name, node.args, ctx);
    }
  }
}

function perSeries(name: string, arg: MathValue, f: (s: TimeSeries) => TimeSeries): MathValue {
  if (arg.kind === 'series') return { kind: 'series', series: f(arg.series) };
  if (arg.kind === 'array') return { kind: 'array', items: arg.items.map(f) };
  throw new MathEvalError(`${name} takes a time series or an array of time series, not ${describe(arg)}`);
}

function arity(name: string, args: Node[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    throw new MathEvalError(`${name} takes ${want} argument${max === 1 ? '' : 's'}, not ${args.length}`);
  }
}

function call(name: string, args: Node[], ctx: EvalContext): MathValue {
  if (FUNCTIONS_NOT_SUPPORTED.has(name)) throw new MathEvalError(`The function ${name} is not supported by Freshet`);
  const arg = (i: number): MathValue => evaluate(args[i]!, ctx);
  switch (name) {
    case 'ABS':
    case 'CEIL':
    case 'FLOOR':
    case 'LOG':
    case 'LOG10':
    case 'SQRT': {
      arity(name, args, 1, 1);
      const f = { ABS: Math.abs, CEIL: Math.ceil, FLOOR: Math.floor, LOG: Math.log, LOG10: Math.log10, SQRT: Math.sqrt }[name];
      return perSeries(name, arg(0), (s) => mapSeries(s, f));
    }
    case 'SUM':
    case 'AVG':
    case 'MIN':
    case 'MAX':
    case 'STDDEV': {
      arity(name, args, 1, 1);
      const v = arg(0);
      if (v.kind === 'series') {
        const r = reduceValues(name, v.series.v);
        return { kind: 'scalar', value: Number.isFinite(r) ? r : 0 };
      }
      if (v.kind === 'array') return { kind: 'series', series: reduceArray(name, v.items, '') };
      throw new MathEvalError(`${name} takes a time series or an array of time series, not ${describe(v)}`);
    }
    case 'DATAPOINT_COUNT': {
      arity(name, args, 1, 1);
      const v = arg(0);
      if (v.kind === 'series') return { kind: 'scalar', value: v.series.t.length };
      if (v.kind === 'array') {
        const ones = v.items.map((s) => ({ ...s, v: s.v.map(() => 1) }));
        return { kind: 'series', series: reduceArray('SUM', ones, '') };
      }
      throw new MathEvalError(`DATAPOINT_COUNT takes a time series or an array of time series, not ${describe(v)}`);
    }
    case 'METRIC_COUNT': {
      arity(name, args, 1, 1);
      const v = arg(0);
      if (v.kind !== 'array') throw new MathEvalError(`METRIC_COUNT takes an array of time series, not ${describe(v)}`);
      return { kind: 'scalar', value: v.items.length };
    }
    case 'METRICS': {
      arity(name, args, 0, 1);
      let filter: string | undefined;
      if (args.length === 1) {
        const f = arg(0);
        if (f.kind !== 'string') throw new MathEvalError(`METRICS takes a string, not ${describe(f)}`);
        filter = f.value;
      }
      const items = ctx
        .metricSeries()
        .filter((m) => filter === undefined || m.id.includes(filter))
        .map((m) => m.series);
      return { kind: 'array', items };
    }
    case 'DIFF':
    case 'DIFF_TIME':
    case 'RATE':
    case 'RUNNING_SUM': {
      arity(name, args, 1, 1);
      return perSeries(name, arg(0), (s) => {
        const t: number[] = [];
        const v: number[] = [];
        let acc = 0;
        for (let i = 0; i < s.t.length; i++) {
          if (name === 'RUNNING_SUM') {
            acc += s.v[i]!;
            t.push(s.t[i]!);
            v.push(acc);
            continue;
          }
          if (i === 0) continue;
          const dt = s.t[i]! - s.t[i - 1]!;
          const dv = s.v[i]! - s.v[i - 1]!;
          t.push(s.t[i]!);
          v.push(name === 'DIFF' ? dv : name === 'DIFF_TIME' ? dt : dv / dt);
        }
        return finite(series(s.label, s.periodSec, t, v));
      });
    }
    case 'FILL': {
      arity(name, args, 2, 2);
      const target = arg(0);
      const how = arg(1);
      return perSeries('FILL', target, (s) => fill(s, how, ctx));
    }
    case 'FIRST':
    case 'LAST': {
      arity(name, args, 1, 1);
      const v = arg(0);
      if (v.kind !== 'array') throw new MathEvalError(`${name} takes an array of time series, not ${describe(v)}`);
      const s = name === 'FIRST' ? v.items[0] : v.items[v.items.length - 1];
      return { kind: 'series', series: s ?? series('', ctx.defaultPeriodSec, [], []) };
    }
    case 'REMOVE_EMPTY': {
      arity(name, args, 1, 1);
      const v = arg(0);
      if (v.kind !== 'array') throw new MathEvalError(`REMOVE_EMPTY takes an array of time series, not ${describe(v)}`);
      return { kind: 'array', items: v.items.filter((s) => s.t.length > 0) };
    }
    case 'SORT': {
      arity(name, args, 3, 4);
      const v = arg(0);
      const fn = args[1]!;
      const order = args[2]!;
      if (v.kind !== 'array') throw new MathEvalError(`SORT takes an array of time series, not ${describe(v)}`);
      if (fn.type !== 'keyword' || !['AVG', 'MIN', 'MAX', 'SUM'].includes(fn.name)) throw new MathEvalError('SORT sorts by AVG, MIN, MAX or SUM');
      if (order.type !== 'keyword' || (order.name !== 'ASC' && order.name !== 'DESC')) throw new MathEvalError('SORT order must be ASC or DESC');
      const key = (s: TimeSeries): number => {
        const r = reduceValues(fn.name as Reducer, s.v);
        return Number.isFinite(r) ? r : Number.NEGATIVE_INFINITY;
      };
      const sorted = [...v.items].sort((a, b) => (order.name === 'ASC' ? key(a) - key(b) : key(b) - key(a)));
      const limit = args.length === 4 ? scalarOf(arg(3), 'The SORT limit') : sorted.length;
      return { kind: 'array', items: sorted.slice(0, Math.max(0, Math.floor(limit))) };
    }
    case 'SLICE': {
      arity(name, args, 2, 3);
      const v = arg(0);
      if (v.kind !== 'array') throw new MathEvalError(`SLICE takes an array of time series, not ${describe(v)}`);
      const from = scalarOf(arg(1), 'The SLICE start');
      const to = args.length === 3 ? scalarOf(arg(2), 'The SLICE end') : v.items.length;
      return { kind: 'array', items: v.items.slice(from, to) };
    }
    case 'TIME_SERIES': {
      arity(name, args, 1, 1);
      const x = scalarOf(arg(0), 'The TIME_SERIES argument');
      const t = grid(ctx, ctx.defaultPeriodSec);
      return {
        kind: 'series',
        series: series(
          '',
          ctx.defaultPeriodSec,
          t,
          t.map(() => x),
        ),
      };
    }
    case 'PERIOD': {
      arity(name, args, 1, 1);
      const v = arg(0);
      if (v.kind !== 'series' || !v.series.source) throw new MathEvalError('PERIOD takes a metric (the Id of a MetricStat query)');
      return { kind: 'scalar', value: v.series.source.periodSec };
    }
    case 'MINUTE':
    case 'HOUR':
    case 'DAY':
    case 'DATE':
    case 'MONTH':
    case 'YEAR':
    case 'EPOCH': {
      arity(name, args, 1, 1);
      const v = arg(0);
      if (v.kind !== 'series') throw new MathEvalError(`${name} takes a time series, not ${describe(v)}`);
      const t = grid(ctx, v.series.periodSec);
      return {
        kind: 'series',
        series: series(
          '',
          v.series.periodSec,
          t,
          t.map((ts) => timePart(name, ts)),
        ),
      };
    }
    case 'IF':
      return ifExpression(args, ctx);
    case 'ANOMALY_DETECTION_BAND': {
      arity(name, args, 1, 2);
      const v = arg(0);
      if (v.kind !== 'series') throw new MathEvalError(`ANOMALY_DETECTION_BAND takes a time series, not ${describe(v)}`);
      const k = args.length === 2 ? scalarOf(arg(1), 'The number of standard deviations') : 2;
      const band = ctx.band(v.series, k, { startSec: ctx.startSec, endSec: ctx.endSec });
      return { kind: 'array', items: [band.upper, band.lower] };
    }
  }
  throw new MathEvalError(`Unrecognized function ${name}`);
}

function timePart(name: string, ts: number): number {
  const d = new Date(ts * 1000);
  switch (name) {
    case 'MINUTE':
      return d.getUTCMinutes();
    case 'HOUR':
      return d.getUTCHours();
    case 'DAY':
      return ((d.getUTCDay() + 6) % 7) + 1; // Monday = 1 … Sunday = 7
    case 'DATE':
      return d.getUTCDate();
    case 'MONTH':
      return d.getUTCMonth() + 1;
    case 'YEAR':
      return d.getUTCFullYear();
    default:
      return ts;
  }
}

/** Value by timestamp. */
function indexByTime(s: TimeSeries): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < s.t.length; i++) m.set(s.t[i]!, s.v[i]!);
  return m;
}

function fill(s: TimeSeries, how: MathValue, ctx: EvalContext): TimeSeries {
  const t = grid(ctx, s.periodSec);
  const have = indexByTime(s);
  const v: Array<number | undefined> = t.map((x) => have.get(x));
  if (how.kind === 'scalar') {
    for (let i = 0; i < v.length; i++) if (v[i] === undefined) v[i] = how.value;
  } else if (how.kind === 'series') {
    const other = indexByTime(how.series);
    for (let i = 0; i < v.length; i++) if (v[i] === undefined) v[i] = other.get(t[i]!);
  } else if (how.kind === 'keyword' && how.name === 'REPEAT') {
    let last: number | undefined;
    for (let i = 0; i < v.length; i++) {
      if (v[i] === undefined) v[i] = last;
      else last = v[i];
    }
  } else if (how.kind === 'keyword' && how.name === 'LINEAR') {
    let prev = -1;
    for (let i = 0; i < v.length; i++) {
      if (v[i] === undefined) continue;
      if (prev >= 0 && i - prev > 1) {
        const a = v[prev]!;
        const b = v[i]!;
        for (let j = prev + 1; j < i; j++) v[j] = a + ((b - a) * (t[j]! - t[prev]!)) / (t[i]! - t[prev]!);
      }
      prev = i;
    }
  } else {
    throw new MathEvalError(`FILL fills with a scalar, a time series, REPEAT or LINEAR, not ${describe(how)}`);
  }
  const outT: number[] = [];
  const outV: number[] = [];
  for (let i = 0; i < t.length; i++) {
    if (v[i] === undefined) continue;
    outT.push(t[i]!);
    outV.push(v[i]!);
  }
  return { ...series(s.label, s.periodSec, outT, outV), source: s.source };
}

/** IF(condition, trueValue, falseValue?) as the User Guide's IF table defines it. */
function ifExpression(args: Node[], ctx: EvalContext): MathValue {
  arity('IF', args, 2, 3);
  const cond = evaluate(args[0]!, ctx);
  const yes = evaluate(args[1]!, ctx);
  const no: MathValue | undefined = args.length === 3 ? evaluate(args[2]!, ctx) : undefined;
  for (const v of [yes, no])
    if (v && v.kind !== 'scalar' && v.kind !== 'series') throw new MathEvalError(`IF takes scalars or time series, not ${describe(v)}`);
  if (cond.kind === 'scalar') {
    const pick = cond.value !== 0 ? yes : no;
    if (!pick) return { kind: 'series', series: series('', ctx.defaultPeriodSec, [], []) };
    if (pick.kind === 'series') return pick;
    if (yes.kind === 'series' || no?.kind === 'series') {
      const ref = yes.kind === 'series' ? yes.series : (no as { series: TimeSeries }).series;
      return { kind: 'series', series: { ...ref, v: ref.v.map(() => (pick as { value: number }).value), source: undefined } };
    }
    throw new MathEvalError('IF with a scalar condition needs a time series as one of its values');
  }
  if (cond.kind !== 'series') throw new MathEvalError(`The IF condition must be a time series or a scalar, not ${describe(cond)}`);
  const c = cond.series;
  const yesMap = yes.kind === 'series' ? indexByTime(yes.series) : null;
  const noMap = no?.kind === 'series' ? indexByTime(no.series) : null;
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < c.t.length; i++) {
    const ts = c.t[i]!;
    if (c.v[i] !== 0) {
      // True: the true value; a true-series without a point here gives 0.
      t.push(ts);
      v.push(yes.kind === 'scalar' ? yes.value : (yesMap!.get(ts) ?? 0));
    } else if (no) {
      // False: the false value; dropped when the false-series has no point here.
      const x = no.kind === 'scalar' ? no.value : noMap!.get(ts);
      if (x === undefined) continue;
      t.push(ts);
      v.push(x);
    }
  }
  return { kind: 'series', series: finite(series('', c.periodSec, t, v)) };
}
