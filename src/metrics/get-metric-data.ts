/**
 * GetMetricData (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html):
 * up to 500 MetricDataQueries, each a MetricStat (a metric, period, statistic,
 * optional unit) or a metric math Expression over other queries' Ids;
 * ReturnData, Label (with dynamic labels), ScanBy (newest first by default),
 * MaxDatapoints (100,800 by default) with NextToken pagination across the
 * returned results, StatusCode Complete/PartialData.
 *
 * Request errors are AWS's ValidationError with its "The value … for
 * parameter MetricDataQueries.member.N.…" texts, several joined by newlines.
 * Expression errors name the query Id; their wording is Freshet's own.
 */
import { createHash } from 'node:crypto';
import { MetricsError } from './errors.ts';
import { type BandFunction, type EvalContext, MathEvalError, type MathValue, type TimeSeries, evaluate } from './math/evaluate.ts';
import { MathSyntaxError, type Node, parseExpression, referencedIds } from './math/parser.ts';
import { SearchSyntaxError, parseSearch, searchMatches } from './math/search.ts';
import { type MetricRef, checkTimeRange, seriesOf } from './metric-data.ts';
import { Aggregation, type Buckets, F64Slab, alignStartSec, isValidPeriod } from './query.ts';
import { type StatisticSpec, needsDistribution, parseStatistic } from './stats.ts';
import type { MetricStore } from './store/store.ts';

export interface MetricStatInput {
  metric: MetricRef;
  periodSec: number;
  stat: string;
  unit?: string;
}

export interface MetricDataQueryInput {
  id: string;
  metricStat?: MetricStatInput;
  expression?: string;
  label?: string;
  returnData?: boolean;
  periodSec?: number;
  accountId?: string;
}

export interface GetMetricDataInput {
  queries: readonly MetricDataQueryInput[];
  startTimeMs: number;
  endTimeMs: number;
  nextToken?: string;
  scanBy?: 'TimestampDescending' | 'TimestampAscending';
  maxDatapoints?: number;
}

export interface MetricDataResultOut {
  id: string;
  label: string;
  timestampsMs: number[];
  values: number[];
  statusCode: 'Complete' | 'PartialData' | 'InternalError' | 'Forbidden';
  messages: Array<{ code: string; value: string }>;
}

export interface GetMetricDataOutput {
  results: MetricDataResultOut[];
  nextToken?: string;
  messages: Array<{ code: string; value: string }>;
}

const ID_PATTERN = /^[a-z][a-zA-Z0-9_]*$/;
const DEFAULT_MAX_DATAPOINTS = 100_800;
const MAX_QUERIES = 500;

interface Compiled {
  query: MetricDataQueryInput;
  index: number;
  ast: Node | null;
}

/** Checks a request's queries; every problem found is reported, one per line, as AWS does. */
export function validateQueries(queries: readonly MetricDataQueryInput[], prefix = 'MetricDataQueries'): Compiled[] {
  const problems: string[] = [];
  if (queries.length === 0) problems.push(`The parameter ${prefix} is required.`);
  if (queries.length > MAX_QUERIES) problems.push(`The collection ${prefix} must not have a size greater than ${MAX_QUERIES}.`);
  const seen = new Set<string>();
  const compiled: Compiled[] = [];
  queries.forEach((q, i) => {
    const p = `${prefix}.member.${i + 1}`;
    if (!ID_PATTERN.test(q.id)) problems.push(`The value ${q.id} for parameter ${p}.Id is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$.`);
    else if (seen.has(q.id)) problems.push(`The value ${q.id} for parameter ${p}.Id is not unique.`);
    seen.add(q.id);
    let ast: Node | null = null;
    if (q.metricStat && q.expression !== undefined)
      problems.push(`The parameters ${p}.MetricStat and ${p}.Expression are mutually exclusive and you have specified both.`);
    else if (!q.metricStat && q.expression === undefined) problems.push(`The parameter ${p}.MetricStat is required.`);
    else if (q.metricStat) {
      const ms = q.metricStat;
      if (!parseStatistic(ms.stat)) problems.push(`The value ${ms.stat} for parameter ${p}.MetricStat.Stat is not a valid statistic.`);
      if (!isValidPeriod(ms.periodSec))
        problems.push(`The parameter ${p}.MetricStat.Period must be a value in the set [ 1, 5, 10, 20, 30 ] or a multiple of 60.`);
    } else {
      if (q.periodSec !== undefined && !isValidPeriod(q.periodSec))
        problems.push(`The parameter ${p}.Period must be a value in the set [ 1, 5, 10, 20, 30 ] or a multiple of 60.`);
      try {
        ast = parseExpression(q.expression!);
      } catch (e) {
        if (!(e instanceof MathSyntaxError)) throw e;
        problems.push(`Error in expression ${q.id}: ${e.message}.`);
      }
    }
    compiled.push({ query: q, index: i, ast });
  });
  if (problems.length > 0) throw new MetricsError('ValidationError', problems.map((m) => `${m}\n`).join(''));
  return compiled;
}

/**
 * The Aggregation of one query shape (period, aligned start, the columns the
 * statistic reads), created and loaded on first use: queries of the same shape
 * share one plan, one load and one bucket set.
 */
async function shapeOf(
  shapes: Map<string, Aggregation>,
  store: MetricStore,
  nowMs: number,
  startSec: number,
  endSec: number,
  periodSec: number,
  spec: StatisticSpec,
): Promise<Aggregation> {
  const keep = needsDistribution(spec);
  const basic = spec.kind === 'basic' ? spec.name : null;
  // Minimum/Maximum columns only when read (half the bytes to scan otherwise); sample counts only
  // for SampleCount, Average and the distribution statistics (Sum/Minimum/Maximum need presence only).
  const minMax = basic === null || basic === 'Minimum' || basic === 'Maximum';
  const counts = basic === null || basic === 'SampleCount' || basic === 'Average';
  const key = `${periodSec}/${startSec}/${keep}/${minMax}/${counts}`;
  let agg = shapes.get(key);
  if (!agg) {
    agg = new Aggregation(store, startSec, endSec, periodSec, keep, nowMs, minMax, counts);
    await agg.load();
    shapes.set(key, agg);
  }
  return agg;
}

const SEARCH_MAX_SERIES = 500;
const SEARCH_MAX_AGE_SEC = 14 * 86_400;

/** Every SEARCH(...) call in the expressions, run against the catalog before evaluation (reads are asynchronous, evaluation is not). */
async function runSearches(
  store: MetricStore,
  nowMs: number,
  compiled: readonly Compiled[],
  startMs: number,
  endSec: number,
  shapes: Map<string, Aggregation>,
  slab: F64Slab,
): Promise<Map<Node, TimeSeries[]>> {
  const calls: Array<{ node: Extract<Node, { type: 'call' }>; id: string }> = [];
  const walk = (n: Node, id: string): void => {
    if (n.type === 'call') {
      if (n.name === 'SEARCH') calls.push({ node: n, id });
      for (const a of n.args) walk(a, id);
    } else if (n.type === 'array') for (const a of n.items) walk(a, id);
    else if (n.type === 'unary') walk(n.arg, id);
    else if (n.type === 'binary') {
      walk(n.left, id);
      walk(n.right, id);
    }
  };
  for (const c of compiled) if (c.ast) walk(c.ast, c.query.id);
  const out = new Map<Node, TimeSeries[]>();
  for (const { node, id } of calls) {
    const [q, stat, period] = node.args;
    const fail = (why: string): never => {
      throw new MetricsError('ValidationError', `Error in expression ${id}: ${why}.\n`);
    };
    if (node.args.length !== 3 || q?.type !== 'string' || stat?.type !== 'string' || period?.type !== 'number') {
      return fail("SEARCH takes a search expression, a statistic and a period: SEARCH(' {Namespace, Dimension} term ', 'Statistic', Period)");
    }
    const spec = parseStatistic(stat.value);
    if (!spec) return fail(`${stat.value} is not a valid statistic`);
    if (!isValidPeriod(period.value)) return fail(`${period.value} is not a valid period`);
    let query: ReturnType<typeof parseSearch>;
    try {
      query = parseSearch(q.value);
    } catch (e) {
      if (e instanceof SearchSyntaxError) return fail(e.message);
      throw e;
    }
    const minSeen = Math.floor(nowMs / 1000) - SEARCH_MAX_AGE_SEC;
    const found: Array<{ key: string; ref: MetricRef }> = [];
    for (const [key, list] of store.catalog.metrics()) {
      const s = list[0]!;
      const ref = { namespace: s.namespace, metricName: s.metricName, dimensions: s.dimensions };
      if (list.some((x) => x.lastSeenSec >= minSeen) && searchMatches(query, ref)) found.push({ key, ref });
    }
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const refs = found.slice(0, SEARCH_MAX_SERIES).map((f) => f.ref);
    const names = new Set(refs.map((r) => r.metricName));
    const startSec = alignStartSec(startMs, nowMs, period.value);
    const agg = await shapeOf(shapes, store, nowMs, startSec, endSec, period.value, spec);
    const series: TimeSeries[] = [];
    for (const ref of refs) {
      const { t, v } = seriesValues(agg.run(seriesOf(store, ref, undefined)), spec, slab);
      // Labelled by the dimension values, with the metric name when the results mix metrics.
      const parts = ref.dimensions.map((d) => d.value);
      if (names.size > 1 || parts.length === 0) parts.push(ref.metricName);
      series.push({ label: parts.join(' '), periodSec: period.value, t, v, source: { id, metric: ref, stat: stat.value, periodSec: period.value } });
    }
    out.set(node, series);
  }
  return out;
}

/**
 * The buckets' values of one statistic as a time series (seconds, values),
 * periods without a value left out. A series with a value in every period
 * shares the buckets' timestamp column; values come from `slab`.
 */
// hot path
function seriesValues(b: Buckets, spec: StatisticSpec, slab: F64Slab): { t: Float64Array; v: Float64Array } {
  const count = b.count;
  const n = b.n;
  const start = b.startSec;
  const period = b.periodSec;
  if (spec.kind === 'basic') {
    // The five basic statistics straight from the columns, into arrays sized once.
    let k = 0;
    for (let i = 0; i < n; i++) if (count[i]! > 0) k++;
    const v = slab.alloc(k);
    const col = spec.name === 'Sum' || spec.name === 'Average' ? b.sum : spec.name === 'Minimum' ? b.min : spec.name === 'Maximum' ? b.max : count;
    const avg = spec.name === 'Average';
    if (k === n) {
      // A value in every period (the usual case): the column as it is.
      if (!avg) v.set(col.subarray(0, n));
      else for (let i = 0; i < n; i++) v[i] = col[i]! / count[i]!;
      return { t: b.denseSec(), v };
    }
    const t = slab.alloc(k);
    let j = 0;
    for (let i = 0; i < n; i++) {
      const c = count[i]!;
      if (!(c > 0)) continue;
      t[j] = start + i * period;
      v[j++] = avg ? col[i]! / c : col[i]!;
    }
    return { t, v };
  }
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!(count[i]! > 0)) continue;
    const x = b.value(i, spec);
    if (x === undefined) continue;
    t.push(start + i * period);
    v.push(x);
  }
  return { t: Float64Array.from(t), v: Float64Array.from(v) };
}

/** The plain band: mean ± k standard deviations of the series itself (the engines use forecastBand, band.ts). */
export const defaultBand: BandFunction = (s, k) => {
  const n = s.v.length;
  const mean = n ? s.v.reduce((a, b) => a + b, 0) / n : 0;
  const sd = n ? Math.sqrt(s.v.reduce((a, b) => a + (b - mean) ** 2, 0) / n) : 0;
  return {
    upper: { label: `${s.label} upper band`, periodSec: s.periodSec, t: s.t.slice(), v: s.t.map(() => mean + k * sd) },
    lower: { label: `${s.label} lower band`, periodSec: s.periodSec, t: s.t.slice(), v: s.t.map(() => mean - k * sd) },
  };
};

/**
 * Evaluates every query (MetricStat reads and expressions) over [startMs, endMs).
 * Returns each query's value by Id. Used by GetMetricData and metric-math alarms.
 */
export async function evaluateQueries(
  store: MetricStore,
  nowMs: number,
  compiled: readonly Compiled[],
  startMs: number,
  endMs: number,
  band: BandFunction,
  /** Where the MetricStat series' columns are allocated (a fresh slab by default). */
  slab: F64Slab = new F64Slab(),
): Promise<Map<string, MathValue>> {
  const values = new Map<string, MathValue>();
  const metricSeries: Array<{ id: string; series: TimeSeries }> = [];
  const endSec = Math.ceil(endMs / 1000);
  let minPeriod = Number.POSITIVE_INFINITY;
  // Queries of the same shape (period, aligned start) share one Aggregation: one plan, one load, one bucket set.
  const shapes = new Map<string, Aggregation>();
  for (const c of compiled) {
    const ms = c.query.metricStat;
    if (!ms) continue;
    minPeriod = Math.min(minPeriod, ms.periodSec);
    const spec = parseStatistic(ms.stat)!;
    const startSec = alignStartSec(startMs, nowMs, ms.periodSec);
    const agg = await shapeOf(shapes, store, nowMs, startSec, endSec, ms.periodSec, spec);
    const buckets = agg.run(seriesOf(store, ms.metric, ms.unit));
    const { t, v } = seriesValues(buckets, spec, slab);
    const series: TimeSeries = {
      label: c.query.label ?? ms.metric.metricName,
      periodSec: ms.periodSec,
      t,
      v,
      source: { id: c.query.id, metric: ms.metric, stat: ms.stat, periodSec: ms.periodSec },
    };
    values.set(c.query.id, { kind: 'series', series });
    metricSeries.push({ id: c.query.id, series });
  }
  const searches = await runSearches(store, nowMs, compiled, startMs, endSec, shapes, slab);
  const byId = new Map(compiled.map((c) => [c.query.id, c] as const));
  const evaluating = new Set<string>();
  const evalExpression = (c: Compiled): MathValue => {
    const done = values.get(c.query.id);
    if (done) return done;
    if (evaluating.has(c.query.id))
      throw new MetricsError('ValidationError', `Error in expression ${c.query.id}: it depends on itself through the expressions it uses.\n`);
    evaluating.add(c.query.id);
    const period = c.query.periodSec ?? (Number.isFinite(minPeriod) ? minPeriod : 60);
    const ctx: EvalContext = {
      startSec: alignStartSec(startMs, nowMs, period),
      endSec,
      defaultPeriodSec: period,
      lookup: (id) => {
        const other = byId.get(id);
        if (!other) return undefined;
        return other.ast ? evalExpression(other) : values.get(id);
      },
      metricSeries: () => metricSeries,
      search: (node) => searches.get(node),
      band,
    };
    try {
      const v = evaluate(c.ast!, ctx);
      if (v.kind !== 'series' && v.kind !== 'array')
        throw new MathEvalError(`the expression must return a time series or an array of time series, not a ${v.kind}`);
      values.set(c.query.id, v);
      return v;
    } catch (e) {
      if (e instanceof MathEvalError) throw new MetricsError('ValidationError', `Error in expression ${c.query.id}: ${e.message}.\n`);
      throw e;
    } finally {
      evaluating.delete(c.query.id);
    }
  };
  for (const c of compiled) if (c.ast) evalExpression(c);
  return values;
}

function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toFixed(3)));
}

/** Fills ${…} dynamic labels (CloudWatch User Guide, "Using dynamic labels"). */
export function dynamicLabel(template: string, s: TimeSeries, fallback: string): string {
  if (!template.includes('${')) return template;
  const src = s.source;
  return template.replace(/\$\{([^}]*)\}/g, (whole, inner: string) => {
    const expr = inner.trim();
    const prop = /^PROP\(\s*'([^']+)'\s*\)$/.exec(expr);
    if (prop) {
      const name = prop[1]!;
      if (!src) return '';
      if (name === 'MetricName') return src.metric.metricName;
      if (name === 'Namespace') return src.metric.namespace;
      if (name === 'Period') return String(src.periodSec);
      if (name === 'Stat') return src.stat;
      if (name.startsWith('Dim.')) return src.metric.dimensions.find((d) => d.name === name.slice(4))?.value ?? '';
      return '';
    }
    const vs = s.v;
    switch (expr) {
      case 'LABEL':
        return fallback;
      case 'AVG':
        return vs.length ? formatNumber(vs.reduce((a, b) => a + b, 0) / vs.length) : '';
      case 'SUM':
        return vs.length ? formatNumber(vs.reduce((a, b) => a + b, 0)) : '';
      case 'MIN':
        return vs.length ? formatNumber(Math.min(...vs)) : '';
      case 'MAX':
        return vs.length ? formatNumber(Math.max(...vs)) : '';
      case 'FIRST':
        return vs.length ? formatNumber(vs[0]!) : '';
      case 'LAST':
        return vs.length ? formatNumber(vs[vs.length - 1]!) : '';
      case 'DATAPOINT_COUNT':
        return String(vs.length);
      default:
        return whole;
    }
  });
}

function requestHash(input: GetMetricDataInput): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([input.queries, input.startTimeMs, input.endTimeMs, input.scanBy ?? 'TimestampDescending']));
  return h.digest('base64url').slice(0, 16);
}

export async function getMetricData(
  store: MetricStore,
  nowMs: number,
  input: GetMetricDataInput,
  band: BandFunction = defaultBand,
): Promise<GetMetricDataOutput> {
  const compiled = validateQueries(input.queries);
  checkTimeRange(input.startTimeMs, input.endTimeMs);
  const max = input.maxDatapoints ?? DEFAULT_MAX_DATAPOINTS;
  if (!(max > 0)) throw new MetricsError('ValidationError', `The value ${max} for parameter MaxDatapoints is invalid.\n`);
  // Every expression an expression uses must exist (checked before any data is read).
  for (const c of compiled) {
    if (!c.ast) continue;
    for (const id of referencedIds(c.ast)) {
      if (!compiled.some((o) => o.query.id === id))
        throw new MetricsError('ValidationError', `Error in expression ${c.query.id}: Unrecognized metric or expression id '${id}'.\n`);
    }
  }
  let hash: string | null = null;
  let offsets: number[] | null = null;
  if (input.nextToken !== undefined) {
    hash = requestHash(input);
    try {
      const tok = JSON.parse(Buffer.from(input.nextToken, 'base64url').toString('utf8')) as { h: string; o: number[] };
      if (tok.h !== hash || !Array.isArray(tok.o)) throw new Error('other request');
      offsets = tok.o;
    } catch {
      throw new MetricsError('InvalidNextToken', 'The service cannot process the NextToken provided.');
    }
  }
  const descending = (input.scanBy ?? 'TimestampDescending') === 'TimestampDescending';
  // Later pages come from the first page's results (kept a minute), so paging is consistent and reads the data once.
  let cache = pageCache.get(store);
  if (!cache) pageCache.set(store, (cache = new Map()));
  for (const [k, v] of cache) if (v.atMs < nowMs - PAGE_CACHE_MS) cache.delete(k);
  const cached = hash !== null ? cache.get(hash) : undefined;
  // The series' columns come from a pooled slab: page() copies what it returns, so unless the
  // outputs are kept for later pages the slab goes back to the pool afterwards.
  let slabs = slabPool.get(store);
  if (!slabs) slabPool.set(store, (slabs = []));
  const slab = cached ? null : (slabs.pop() ?? new F64Slab());
  const outputs = cached?.outputs ?? (await computeOutputs(store, nowMs, compiled, input, band, slab!));
  const { out, nextOffsets } = page(outputs, offsets, max, descending);
  if (slab && nextOffsets === null && slabs.length < SLAB_POOL_SIZE) {
    slab.reset();
    slabs.push(slab);
  }
  if (nextOffsets !== null) {
    // Only a request with more pages is hashed and kept: a whole answer is not asked for again.
    hash ??= requestHash(input);
    if (!cached) {
      cache.set(hash, { atMs: nowMs, outputs });
      while (cache.size > PAGE_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
    }
    out.nextToken = Buffer.from(JSON.stringify({ h: hash, o: nextOffsets }), 'utf8').toString('base64url');
  }
  return out;
}

/** Slabs kept per store for reuse (one per GetMetricData running at once, beyond that they are dropped). */
const SLAB_POOL_SIZE = 2;
const slabPool = new WeakMap<MetricStore, F64Slab[]>();

const PAGE_CACHE_MS = 60_000;
const PAGE_CACHE_ENTRIES = 8;
type Output = { id: string; label: string; s: TimeSeries };
const pageCache = new WeakMap<MetricStore, Map<string, { atMs: number; outputs: Output[] }>>();

async function computeOutputs(
  store: MetricStore,
  nowMs: number,
  compiled: Compiled[],
  input: GetMetricDataInput,
  band: BandFunction,
  slab: F64Slab,
): Promise<Output[]> {
  const values = await evaluateQueries(store, nowMs, compiled, input.startTimeMs, input.endTimeMs, band, slab);
  // Every returned series, in request order (an array expression returns one result per series, all with its Id).
  const outputs: Output[] = [];
  for (const c of compiled) {
    if (c.query.returnData === false) continue;
    const v = values.get(c.query.id)!;
    if (v.kind === 'series') {
      const fallback = c.query.label === undefined ? (c.query.metricStat ? c.query.metricStat.metric.metricName : c.query.id) : c.query.label;
      outputs.push({ id: c.query.id, label: dynamicLabel(c.query.label ?? fallback, v.series, fallback), s: v.series });
    } else if (v.kind === 'array') {
      for (const item of v.items) {
        const itemLabel = dynamicLabel(item.label, item, item.label);
        const label = c.query.label ? `${dynamicLabel(c.query.label, item, c.query.id)} ${itemLabel}`.trim() : itemLabel;
        outputs.push({ id: c.query.id, label, s: item });
      }
    }
  }
  return outputs;
}

/**
 * One page of the results: MaxDatapoints values at most, across the results in
 * order, resuming at `offsets`; `nextOffsets` is null when nothing is left.
 */
function page(outputs: Output[], offsets: number[] | null, max: number, descending: boolean): { out: GetMetricDataOutput; nextOffsets: number[] | null } {
  let budget = max;
  const nextOffsets: number[] = [];
  let more = false;
  const results: MetricDataResultOut[] = outputs.map((o, k) => {
    const from = offsets?.[k] ?? 0;
    const n = o.s.t.length;
    const take = Math.max(0, Math.min(budget, n - from));
    budget -= take;
    const timestampsMs = new Array<number>(take);
    const values = new Array<number>(take);
    for (let j = 0; j < take; j++) {
      const i = descending ? n - 1 - (from + j) : from + j;
      timestampsMs[j] = o.s.t[i]! * 1000;
      values[j] = o.s.v[i]!;
    }
    nextOffsets.push(from + take);
    const partial = from + take < n;
    if (partial) more = true;
    return { id: o.id, label: o.label, timestampsMs, values, statusCode: partial ? 'PartialData' : 'Complete', messages: [] };
  });
  return { out: { results, messages: [] }, nextOffsets: more ? nextOffsets : null };
}
