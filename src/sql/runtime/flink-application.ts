/**
 * FlinkApplication: a Flink SQL job's plan running as a dataflow — the same
 * plan format and operator lifecycle as SqlApplication, with Flink's time and
 * changelog semantics:
 *
 * - Source tables take rows (or records, decoded by the table's format).
 *   Computed columns and PROCTIME() are filled on arrival; a table with a
 *   WATERMARK has event time: slot 0 is the rowtime column and the watermark is
 *   the largest value of the watermark expression seen, per split (shard),
 *   emitted after each pushed batch. A table's watermark is the smallest of its
 *   active splits'; a split silent for `table.exec.source.idle-timeout` of
 *   processing time is idle and ignored (when all are idle, the largest wins).
 * - Watermarks flow through each job's operators in dataflow order (an
 *   interval join holds its output back by its bound); operators drop rows
 *   that arrive after the watermark passed them and count them (late rows).
 * - Rows of updating relations carry a row kind (+I, -U, +U, -D) in their last
 *   slot; sink listeners receive [time, ...columns, kind?].
 * - Processing time moves by advanceTime() or the injected clock: idle sources,
 *   processing-time windows and state TTL follow it.
 * - A row that fails (a bad CAST, division by zero) is dropped and counted in
 *   metrics(); Flink would fail and restart the job instead.
 *
 * Checkpoints hold every operator's state and the sources' watermarks; source
 * positions are the host's.
 */
import type { Clock, TimerHandle } from '../../core/index.ts';
import { SqlError, StateLimitError, boundedCompile } from '../errors.ts';
import type { FlinkPlanOptions, FlinkScript } from '../flink/planner/planner.ts';
import { planFlinkScript } from '../flink/planner/planner.ts';
import { createDecoder, createEncoder, FormatError, printRow, type RecordDecoder, type RowEncoder } from '../formats/flink.ts';
import { holdbackMs, ROW_KIND_NAMES, type FlinkOpPlan } from '../plan/flink.ts';
import type { ApplicationPlan, OpPlan, PExpr, PumpPlan, StreamPlan } from '../plan/plan.ts';
import type { ColumnDef, SqlType } from '../plan/types.ts';
import { DEFAULT_MAX_STATE_ROWS, STATE_CHECK_MS, STATE_CHECK_ROWS } from './application.ts';
import { ColumnBatch, vector, type ColumnVector } from './column-batch.ts';
import { ExprCompiler } from './compile.ts';
import { flinkCast } from './flink-functions.ts';
import { castTo, evalContext } from './functions.ts';
import type { Emit, Operator, OperatorContext, Row, RowErrorReport } from './operator.ts';
import { errorOf, largestState } from './operator.ts';
import { FilterProjectOperator } from './operators/filter-project.ts';
import { GroupAggOperator } from './operators/group-agg.ts';
import { IntervalJoinOperator } from './operators/interval-join.ts';
import { JoinTableOperator } from './operators/join-table.ts';
import { LimitOperator, TimeSortOperator, UnionAllOperator } from './operators/flink-simple.ts';
import { SemiJoinOperator } from './operators/semi-join.ts';
import { UnnestOperator } from './operators/unnest.ts';
import { MatchRecognizeOperator } from './operators/match-recognize.ts';
import { OverAggOperator } from './operators/over-agg.ts';
import { RankOperator } from './operators/rank.ts';
import { RegularJoinOperator } from './operators/regular-join.ts';
import { TemporalJoinOperator } from './operators/temporal-join.ts';
import { WindowAggOperator } from './operators/window-agg.ts';
import { WindowAssignOperator } from './operators/window-assign.ts';

export interface FlinkApplicationOptions extends FlinkPlanOptions {
  /** Processing time (start() ticks, idle sources, TTL, CURRENT_TIMESTAMP). Default: time moves by push and advanceTime only. */
  clock?: Clock;
  /**
   * Groups, window panes, join, ranking, OVER and MATCH_RECOGNIZE rows the job may keep in all (default
   * DEFAULT_MAX_STATE_ROWS, as SQL applications); past it a push throws StateLimitError.
   */
  maxStateRows?: number;
}

/** Rows delivered to listeners: [time, ...columns] plus the row kind last for a changelog. */
export type FlinkListener = (rows: Row[], stream: string) => void;

/** A record read from a connector, with the metadata Flink's Kinesis source exposes. */
export interface SourceRecord {
  data: Uint8Array | string;
  /** Approximate arrival time (metadata `timestamp`). */
  arrivalMs?: number;
  partitionKey?: string;
  shardId?: string;
  sequenceNumber?: string;
}

export interface FlinkMetrics {
  /** Rows dropped because they arrived after the watermark passed them (all operators). */
  lateRowsDropped: number;
  /** Rows that failed (bad CAST, division by zero, ...) and were dropped. */
  rowErrors: number;
  recentErrors: { errorName: string; message: string; pump: string }[];
  /** Per source table: rows pushed and the current watermark (null before the first). */
  sources: Record<string, { rows: number; watermark: number | null; idleSplits: number }>;
  /** Per sink (or query result) stream: rows emitted. */
  sinks: Record<string, number>;
}

export interface FlinkState {
  version: 1;
  dialect: 'flink';
  sources: Record<string, { splits: [string, number | null, number, boolean][] }>;
  pumps: Record<string, unknown[]>;
  fingerprints: Record<string, string>;
  nowMs: number;
  valuesDone: boolean;
}

interface Split {
  wm: number;
  lastMs: number;
  idle: boolean;
}

interface SourceRt {
  plan: StreamPlan;
  width: number;
  kindSlot: number | null;
  rowtimeSlot: number | null;
  wmFast: { slot: number; delayMs: number } | null;
  wmFn: ((r: Row) => unknown) | null;
  fill: ((r: Row, arrivalMs: number) => void) | null;
  metadata: { slot: number; key: string }[];
  physical: number[];
  splits: Map<string, Split>;
  watermark: number;
  subscribers: Emit[];
  /**
   * Parallel to subscribers: the consuming operator when it reads columns (processColumns), else null. The
   * operator itself rather than a closure over it: an optimized pushColumns then depends on the operator's
   * class, not on one job's closure, and is not thrown away with the job.
   */
  colSubscribers: (Operator | null)[];
  /**
   * Whether batches can stay columnar (pushColumns' fast path): no computed or PROCTIME columns to fill, no
   * row kind, and a rowtime whose watermark is itself less a constant.
   */
  columnar: boolean;
  listeners: Set<FlinkListener>;
  rows: number;
  decoder: RecordDecoder | null;
}

interface SinkRt {
  plan: StreamPlan;
  listeners: Set<FlinkListener>;
  changelog: boolean;
  rows: number;
}

interface NodeRt {
  op: Operator | null;
  source: SourceRt | null;
  inputs: NodeRt[];
  holdbackMs: number;
  wm: number;
  outWm: number;
}

interface PumpRt {
  plan: PumpPlan;
  nodes: NodeRt[];
  root: NodeRt;
  sink: SinkRt;
}

/** Rows and groups a statement's operators keep (the state cap's measure). */
function pumpStateRows(p: PumpRt): number {
  let n = 0;
  for (const node of p.nodes) n += node.op?.stateRows?.() ?? 0;
  return n;
}

const MAX_RECENT_ERRORS = 50;

function fingerprint(p: PumpPlan): string {
  const text = JSON.stringify(p);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${h.toString(16)}:${text.length}`;
}

export class FlinkApplication {
  readonly plan: ApplicationPlan;
  readonly script: FlinkScript | null;
  private readonly sources = new Map<string, SourceRt>();
  private readonly sinks = new Map<string, SinkRt>();
  private readonly pumps: PumpRt[] = [];
  private readonly tables = new Map<string, { rows: Row[]; version: number }>();
  private readonly clock: Clock | null;
  private readonly idleTimeoutMs: number;
  private timer: TimerHandle | null = null;
  private closed = false;
  private nowMs = -Infinity;
  private valuesDone = false;
  private lateRows = 0;
  private rowErrors = 0;
  private readonly recentErrors: FlinkMetrics['recentErrors'] = [];
  private propagating = false;
  private readonly maxStateRows: number;
  private rowsSinceStateCheck = 0;
  private lastStateCheckMs = -Infinity;

  /** Parses, plans and builds a Flink SQL job; throws SqlError (line:column) for bad code. */
  static compile(code: string, options: FlinkApplicationOptions = {}): FlinkApplication {
    return boundedCompile(() => {
      const script = planFlinkScript(code, options);
      return new FlinkApplication(script.plan, options, script);
    });
  }

  constructor(plan: ApplicationPlan, options: { clock?: Clock; maxStateRows?: number } = {}, script: FlinkScript | null = null) {
    if (plan.dialect !== 'flink') throw new SqlError('FlinkApplication runs Flink SQL plans; run KDA SQL plans with SqlApplication');
    this.plan = plan;
    this.maxStateRows = options.maxStateRows ?? DEFAULT_MAX_STATE_ROWS;
    this.script = script;
    this.clock = options.clock ?? null;
    const idle = plan.flink?.options['table.exec.source.idle-timeout'];
    this.idleTimeoutMs = idle === undefined ? 0 : parseDurationMs(idle);
    for (const s of plan.streams) {
      if (s.kind === 'input') this.sources.set(s.name, this.buildSource(s));
      else this.sinks.set(s.name, { plan: s, listeners: new Set(), changelog: !!s.flink?.changelog, rows: 0 });
    }
    for (const t of plan.tables) this.tables.set(t.name, { rows: [], version: 0 });
    for (const p of plan.pumps) this.pumps.push(this.buildPump(p));
    if (this.clock) this.nowMs = this.clock.now();
  }

  // ---- building ----

  private buildSource(s: StreamPlan): SourceRt {
    const f = s.flink!;
    const n = s.columns.length;
    const c = new ExprCompiler();
    const fills: string[] = [];
    const metadata: { slot: number; key: string }[] = [];
    const physical: number[] = [];
    f.sources.forEach((src, i) => {
      const slot = i + 1;
      if (src.kind === 'computed') fills.push(`r[${slot}] = ${c.src(src.expr)};`);
      else if (src.kind === 'proctime') fills.push(`r[${slot}] = now;`);
      else if (src.kind === 'metadata') metadata.push({ slot, key: src.key });
      else physical.push(slot);
    });
    const fill = fills.length > 0 ? c.build<(r: Row, now: number) => void>(['r', 'now'], fills.join('\n')) : null;
    let wmFast: SourceRt['wmFast'] = null;
    let wmFn: SourceRt['wmFn'] = null;
    let rowtimeSlot: number | null = null;
    if (f.watermark) {
      rowtimeSlot = f.watermark.column + 1;
      const e = f.watermark.expr;
      if (e.k === 'col') wmFast = { slot: e.i, delayMs: 0 };
      else if (e.k === 'call' && e.fn === 'sub' && e.args[0]!.k === 'col' && e.args[1]!.k === 'lit' && typeof e.args[1]!.v === 'number')
        wmFast = { slot: e.args[0]!.i, delayMs: e.args[1]!.v };
      else wmFn = c.fn1(e);
    }
    const physicalCols: ColumnDef[] = physical.map((slot) => s.columns[slot - 1]!);
    const decoder = f.connector.format ? safeDecoder(f.connector.format, physicalCols) : null;
    return {
      plan: s,
      width: n + 1,
      kindSlot: f.changelog ? n + 1 : null,
      rowtimeSlot,
      wmFast,
      wmFn,
      fill,
      metadata,
      physical,
      splits: new Map(),
      watermark: -Infinity,
      subscribers: [],
      colSubscribers: [],
      columnar: fill === null && !f.changelog && rowtimeSlot !== null && wmFast !== null && wmFast.slot === rowtimeSlot,
      listeners: new Set(),
      rows: 0,
      decoder,
    };
  }

  private context(pumpName: string): OperatorContext {
    return {
      pumpName,
      error: (r) => this.rowError(r, pumpName),
      table: (name) => this.tables.get(name) ?? { rows: [], version: 0 },
      rcfSeed: 0,
      flink: {
        late: (n) => {
          this.lateRows += n;
        },
        now: () => this.now(),
      },
    };
  }

  private buildPump(plan: PumpPlan): PumpRt {
    const sink = this.sinks.get(plan.target);
    if (!sink) throw new SqlError(`internal: pump ${plan.name} writes ${plan.target}, which is not a sink of the plan`);
    const ctx = this.context(plan.name);
    const nodes: NodeRt[] = [];
    const insert = this.inserter(plan, sink);
    const deliver: Emit = (rows) => {
      const out = insert ? rows.map(insert) : rows;
      sink.rows += out.length;
      for (const l of sink.listeners) l(out, sink.plan.name);
    };
    const build = (o: OpPlan, emit: Emit, colOp: Operator | null = null): NodeRt => {
      if (o.op === 'scan') {
        const src = this.sources.get(o.stream);
        if (!src) throw new SqlError(`internal: scan of unknown source ${o.stream}`);
        src.subscribers.push(emit);
        src.colSubscribers.push(colOp);
        const node: NodeRt = { op: null, source: src, inputs: [], holdbackMs: 0, wm: -Infinity, outWm: -Infinity };
        nodes.push(node);
        return node;
      }
      const op = this.operator(o, ctx, emit);
      const node: NodeRt = { op, source: null, inputs: [], holdbackMs: holdbackMs(o as FlinkOpPlan), wm: -Infinity, outWm: -Infinity };
      switch (o.op) {
        case 'intervalJoin':
        case 'regularJoin':
        case 'temporalJoin':
        case 'semiJoin':
          node.inputs.push(build(o.left, (rows) => op.process(rows, 0)));
          node.inputs.push(build(o.right, (rows) => op.process(rows, 1)));
          break;
        case 'unionAll':
          o.inputs.forEach((x, port) => node.inputs.push(build(x, (rows) => op.process(rows, port))));
          break;
        case 'joinStream':
        case 'union':
          throw new SqlError(`${o.op} is a KDA SQL operator; Flink plans use intervalJoin / unionAll`);
        default:
          node.inputs.push(build(o.input, (rows) => op.process(rows, 0), op.processColumns ? op : null));
      }
      nodes.push(node);
      return node;
    };
    const root = build(plan.root, deliver);
    return { plan, nodes, root, sink };
  }

  private operator(o: OpPlan, ctx: OperatorContext, emit: Emit): Operator {
    switch (o.op) {
      case 'filterProject':
        return new FilterProjectOperator(o, ctx, emit);
      case 'joinTable':
        return new JoinTableOperator(o, ctx, emit);
      case 'windowAgg':
        return new WindowAggOperator(o, ctx, emit);
      case 'windowAssign':
        return new WindowAssignOperator(o, ctx, emit);
      case 'groupAgg':
        return new GroupAggOperator(o, ctx, emit);
      case 'overAgg':
        return new OverAggOperator(o, ctx, emit);
      case 'intervalJoin':
        return new IntervalJoinOperator(o, ctx, emit);
      case 'regularJoin':
        return new RegularJoinOperator(o, ctx, emit);
      case 'temporalJoin':
        return new TemporalJoinOperator(o, ctx, emit);
      case 'semiJoin':
        return new SemiJoinOperator(o, ctx, emit);
      case 'rank':
        return new RankOperator(o, ctx, emit);
      case 'match':
        return new MatchRecognizeOperator(o, ctx, emit);
      case 'unionAll':
        return new UnionAllOperator(emit);
      case 'timeSort':
        return new TimeSortOperator(o, ctx, emit);
      case 'limit':
        return new LimitOperator(o, emit);
      case 'unnest':
        return new UnnestOperator(o, ctx, emit);
      default:
        throw new SqlError(`${o.op} is a KDA SQL operator and cannot run in a Flink SQL job`);
    }
  }

  /** Select row → sink row: [time, ...sink columns (converted), kind?]; null when the row already fits. */
  private inserter(plan: PumpPlan, sink: SinkRt): ((r: Row) => Row) | null {
    const cols = sink.plan.columns;
    const same = (a: SqlType | undefined, b: SqlType): boolean =>
      !!a && a.name === b.name && (a.name !== 'DECIMAL' || a.scale === b.scale) && b.name !== 'REAL';
    const kind = plan.kindSlot;
    const identity =
      plan.columnMap.every((src, i) => src === i + 1 && same(plan.sourceTypes[src - 1], cols[i]!.type)) &&
      (kind === undefined ? sink.changelog === false : kind === cols.length + 1);
    if (identity) return null;
    const c = new ExprCompiler();
    const parts = cols.map((col, i) => {
      const src = plan.columnMap[i]!;
      if (src === 0) return 'null';
      if (same(plan.sourceTypes[src - 1], col.type)) return `r[${src}]`;
      c.consts.push(col.type);
      return `G.fCast(r[${src}], K[${c.consts.length - 1}])`;
    });
    if (sink.changelog) parts.push(kind === undefined ? '0' : `r[${kind}]`);
    return c.build(['r'], `return [r[0], ${parts.join(', ')}];`);
  }

  // ---- errors and time ----

  private rowError(report: RowErrorReport, pump: string): void {
    this.rowErrors++;
    this.recentErrors.push({ errorName: report.errorName, message: report.message, pump });
    if (this.recentErrors.length > MAX_RECENT_ERRORS) this.recentErrors.shift();
  }

  private now(): number {
    return this.clock ? this.clock.now() : this.nowMs;
  }

  // ---- input ----

  private source(name: string): SourceRt {
    const s = this.sources.get(name);
    if (!s) {
      const sink = this.sinks.has(name);
      throw new SqlError(
        `"${name}" is not a source table of this job${sink ? ' (it is a sink)' : ''}; sources: ${[...this.sources.keys()].filter((k) => !k.startsWith('$')).join(', ') || 'none'}`,
      );
    }
    return s;
  }

  /** Source tables the job reads (connector tables; VALUES sources are internal). */
  sourceNames(): string[] {
    return [...this.sources.keys()].filter((k) => !k.startsWith('$'));
  }

  /** Sink tables (and `$query_n` result streams) the job writes. */
  sinkNames(): string[] {
    return [...this.sinks.keys()];
  }

  /** The plan of a source or sink table. */
  stream(name: string): StreamPlan {
    const s = this.sources.get(name)?.plan ?? this.sinks.get(name)?.plan;
    if (!s) throw new SqlError(`no table called "${name}" in this job`);
    return s;
  }

  columns(name: string): ColumnDef[] {
    return this.stream(name).columns;
  }

  /** Whether a sink receives a changelog (rows end with a row kind). */
  isChangelog(name: string): boolean {
    return this.sinks.get(name)?.changelog ?? false;
  }

  /**
   * Pushes rows into a source table: objects keyed by column name (physical and metadata columns) or
   * arrays of the physical and metadata column values in table order. Values are converted to the
   * column types (a failure is a row error). `split` names the shard the rows came from (watermarks are per split).
   */
  push(table: string, rows: readonly (readonly unknown[] | Readonly<Record<string, unknown>>)[], arrivalMs?: number, split = ''): void {
    const s = this.source(table);
    const cols = s.plan.columns;
    const now = arrivalMs ?? (this.clock ? this.clock.now() : Date.now());
    const out: Row[] = [];
    const given = [...s.physical, ...s.metadata.map((m) => m.slot)].sort((a, b) => a - b);
    for (const v of rows) {
      const r: Row = new Array(s.width + (s.kindSlot !== null ? 1 : 0)).fill(null);
      try {
        if (Array.isArray(v)) given.forEach((slot, k) => (r[slot] = convert(v[k] ?? null, cols[slot - 1]!.type)));
        else for (const slot of given) r[slot] = convert((v as Record<string, unknown>)[cols[slot - 1]!.name] ?? null, cols[slot - 1]!.type);
        if (s.kindSlot !== null) r[s.kindSlot] = 0;
      } catch (e) {
        this.rowError({ ...errorOf(e), row: null }, `source ${table}`);
        continue;
      }
      out.push(r);
    }
    this.pushRows(table, out, now, split);
  }

  /** Pushes a changelog into a source whose rows carry a kind (a debezium-json table): `+I`, `-U`, `+U`, `-D`. */
  pushChanges(
    table: string,
    changes: readonly { kind: '+I' | '-U' | '+U' | '-D'; row: Readonly<Record<string, unknown>> }[],
    arrivalMs?: number,
    split = '',
  ): void {
    const s = this.source(table);
    if (s.kindSlot === null) throw new SqlError(`"${table}" is not a changelog source (its format is not debezium-json)`);
    const cols = s.plan.columns;
    const now = arrivalMs ?? (this.clock ? this.clock.now() : Date.now());
    const out: Row[] = [];
    for (const ch of changes) {
      const r: Row = new Array(s.width + 1).fill(null);
      for (const slot of s.physical) r[slot] = convert(ch.row[cols[slot - 1]!.name] ?? null, cols[slot - 1]!.type);
      r[s.kindSlot] = ROW_KIND_NAMES.indexOf(ch.kind);
      out.push(r);
    }
    this.pushRows(table, out, now, split);
  }

  /**
   * Decodes connector records with the table's format and pushes their rows (metadata columns from the
   * record). Throws FormatError for a record the format cannot read unless the table ignores parse errors.
   */
  pushRecords(table: string, records: readonly SourceRecord[], arrivalMs?: number, split?: string): void {
    const s = this.source(table);
    if (!s.decoder) throw new SqlError(`"${table}" has no format to decode records with`);
    const now = arrivalMs ?? (this.clock ? this.clock.now() : Date.now());
    if (s.columnar) {
      this.pushColumns(table, this.decodeColumns(s, records, now), now, split ?? records[0]?.shardId ?? '');
      return;
    }
    const out: Row[] = [];
    const extra = s.kindSlot !== null ? 1 : 0;
    for (const rec of records) {
      const d = s.decoder(rec.data);
      for (let k = 0; k < d.rows.length; k++) {
        const values = d.rows[k]!;
        const r: Row = new Array(s.width + extra);
        r[0] = null;
        for (let i = 0; i < s.physical.length; i++) r[s.physical[i]!] = values[i];
        for (const m of s.metadata) r[m.slot] = metadataValue(m.key, rec, now);
        if (s.kindSlot !== null) r[s.kindSlot] = d.kinds?.[k] ?? 0;
        out.push(r);
      }
    }
    this.pushRows(table, out, now, split ?? records[0]?.shardId ?? '');
  }

  /** hot path: decodes records once into one vector per column slot (a columnar source, SourceRt.columnar). */
  private decodeColumns(s: SourceRt, records: readonly SourceRecord[], now: number): ColumnBatch {
    const physical = s.physical;
    const metadata = s.metadata;
    const np = physical.length;
    const values: unknown[][] = new Array(np);
    for (let i = 0; i < np; i++) values[i] = [];
    const meta: unknown[][] = new Array(metadata.length);
    for (let m = 0; m < metadata.length; m++) meta[m] = [];
    let n = 0;
    for (const rec of records) {
      const d = s.decoder!(rec.data);
      for (let k = 0; k < d.rows.length; k++) {
        const row = d.rows[k]!;
        for (let i = 0; i < np; i++) values[i]![n] = row[i];
        for (let m = 0; m < metadata.length; m++) meta[m]![n] = metadataValue(metadata[m]!.key, rec, now);
        n++;
      }
    }
    const cols: (ColumnVector | undefined)[] = new Array(s.width);
    for (let i = 0; i < np; i++) cols[physical[i]!] = vector(values[i]!);
    for (let m = 0; m < metadata.length; m++) cols[metadata[m]!.slot] = vector(meta[m]!);
    return new ColumnBatch(n, cols);
  }

  /**
   * hot path: pushes a columnar batch into a source table — one vector per row slot (ColumnBatch; slot 0 is
   * set here), values already converted to the column types, as pushRecords decodes them. When the table
   * allows (no computed columns, no row kind, WATERMARK FOR t AS t [- INTERVAL …]) and the rowtime vector
   * holds no NULL, the batch goes on as columns to the operators that read columns (window aggregation) and
   * as rows, built once, to the others; otherwise it is pushed as rows.
   */
  pushColumns(table: string, batch: ColumnBatch, arrivalMs: number, split = ''): void {
    if (this.closed) throw new SqlError('the job is closed');
    const s = this.source(table);
    const ts = s.rowtimeSlot;
    const time = ts === null ? undefined : batch.cols[ts];
    if (!s.columnar || batch.cols.length !== s.width || !(time instanceof Float64Array)) {
      this.pushRows(table, batch.toRows(), arrivalMs, split);
      return;
    }
    this.startBounded();
    if (arrivalMs > this.nowMs) this.nowMs = arrivalMs;
    evalContext.nowMs = this.clock ? this.clock.now() : arrivalMs;
    evalContext.watermarkMs = s.watermark;
    batch.cols[0] = time;
    const n = batch.length;
    let maxT = -Infinity;
    for (let i = 0; i < n; i++) {
      const t = time[i]!;
      if (t > maxT) maxT = t;
    }
    const batchWm = maxT - s.wmFast!.delayMs;
    s.rows += n;
    let sp = s.splits.get(split);
    if (!sp) {
      sp = { wm: -Infinity, lastMs: arrivalMs, idle: false };
      s.splits.set(split, sp);
    }
    sp.lastMs = arrivalMs;
    sp.idle = false;
    if (batchWm > sp.wm) sp.wm = batchWm;
    if (n > 0) {
      // Rows only for whoever reads rows, built once.
      let rows: Row[] | null = null;
      for (const l of s.listeners) l((rows ??= batch.toRows()), s.plan.name);
      const subs = s.subscribers;
      const colSubs = s.colSubscribers;
      for (let k = 0; k < subs.length; k++) {
        const c = colSubs[k];
        if (c != null) c.processColumns!(batch);
        else subs[k]!((rows ??= batch.toRows()));
      }
    }
    this.updateSourceWatermark(s);
    this.propagate();
    this.rowsSinceStateCheck += n;
    const now = evalContext.nowMs;
    if (this.rowsSinceStateCheck >= STATE_CHECK_ROWS || now - this.lastStateCheckMs >= STATE_CHECK_MS) this.checkState(now);
  }

  /**
   * hot path: pushes rows already in the internal shape [_, ...column values (computed ones may be
   * unset), kind?]. Fills computed and PROCTIME columns and slot 0 (rowtime or arrival), then moves the
   * split's watermark and everything downstream.
   */
  pushRows(table: string, rows: Row[], arrivalMs: number, split = ''): void {
    if (this.closed) throw new SqlError('the job is closed');
    const s = this.source(table);
    this.startBounded();
    if (arrivalMs > this.nowMs) this.nowMs = arrivalMs;
    evalContext.nowMs = this.clock ? this.clock.now() : arrivalMs;
    evalContext.watermarkMs = s.watermark;
    const fill = s.fill;
    const ts = s.rowtimeSlot;
    const wmFast = s.wmFast;
    const wmSlot = wmFast === null ? 0 : wmFast.slot;
    const wmDelay = wmFast === null ? 0 : wmFast.delayMs;
    const wmFn = s.wmFn;
    let batchWm = -Infinity;
    let bad = 0;
    let from = 0;
    // The usual source: no computed columns, WATERMARK FOR t AS t [- INTERVAL …]: one read and one write per
    // row, the watermark from the batch's largest time. A row without a time leaves this loop for the general one.
    if (fill === null && ts !== null && wmFast !== null && wmSlot === ts) {
      let maxT = -Infinity;
      const n = rows.length;
      for (; from < n; from++) {
        const r = rows[from]!;
        const t = r[ts];
        if (typeof t !== 'number') break;
        r[0] = t;
        if (t > maxT) maxT = t;
      }
      batchWm = maxT - wmDelay;
    }
    for (let i = from, n = rows.length; i < n; i++) {
      const r = rows[i]!;
      if (fill !== null) {
        try {
          fill(r, arrivalMs);
        } catch (e) {
          this.rowError({ ...errorOf(e), row: r }, `source ${table}`);
          r[0] = undefined;
          bad++;
          continue;
        }
      }
      if (ts === null) r[0] = arrivalMs;
      else {
        const t = r[ts];
        if (t === null || t === undefined) {
          this.rowError(
            { errorName: 'NullRowtime', message: `RowTime field should not be null, please convert it to a non-null long value (table ${table})`, row: r },
            `source ${table}`,
          );
          r[0] = undefined;
          bad++;
          continue;
        }
        r[0] = t;
        const w = wmFast !== null ? (r[wmSlot] as number) - wmDelay : (wmFn!(r) as number | null);
        if (w !== null && w > batchWm) batchWm = w;
      }
    }
    const batch = bad > 0 ? rows.filter((r) => r[0] !== undefined) : rows;
    s.rows += batch.length;
    let sp = s.splits.get(split);
    if (!sp) {
      sp = { wm: -Infinity, lastMs: arrivalMs, idle: false };
      s.splits.set(split, sp);
    }
    sp.lastMs = arrivalMs;
    sp.idle = false;
    if (batchWm > sp.wm) sp.wm = batchWm;
    if (batch.length > 0) {
      for (const l of s.listeners) l(batch, s.plan.name);
      for (const sub of s.subscribers) sub(batch);
    }
    this.updateSourceWatermark(s);
    this.propagate();
    // Rows are what grows state: count it every STATE_CHECK_ROWS rows or STATE_CHECK_MS of time.
    this.rowsSinceStateCheck += batch.length;
    const now = evalContext.nowMs;
    if (this.rowsSinceStateCheck >= STATE_CHECK_ROWS || now - this.lastStateCheckMs >= STATE_CHECK_MS) this.checkState(now);
  }

  /**
   * hot path: a parallel subtask behind a keyed exchange (analytics/v2 parallel jobs). `rows` were filled by the
   * source's router (slot 0 set); `watermark` is the table's watermark the router computed over every split, which
   * an exchange broadcasts to each subtask. -Infinity: none yet.
   */
  pushExchanged(table: string, rows: Row[], watermark: number, nowMs: number): void {
    if (this.closed) throw new SqlError('the job is closed');
    const s = this.source(table);
    this.startBounded();
    if (nowMs > this.nowMs) this.nowMs = nowMs;
    evalContext.nowMs = this.clock ? this.clock.now() : nowMs;
    evalContext.watermarkMs = s.watermark;
    if (rows.length > 0) {
      s.rows += rows.length;
      for (const sub of s.subscribers) sub(rows);
    }
    if (s.rowtimeSlot !== null && watermark > s.watermark) s.watermark = watermark;
    this.propagate();
    this.rowsSinceStateCheck += rows.length;
    if (this.rowsSinceStateCheck >= STATE_CHECK_ROWS) this.checkState(evalContext.nowMs);
  }

  /** Rows and groups every operator keeps, in all. */
  stateRows(): number {
    return largestState(this.pumps, pumpStateRows).total;
  }

  /** Throws StateLimitError, naming the statement that keeps the most, when the job keeps more than its cap. */
  private checkState(nowMs: number): void {
    this.rowsSinceStateCheck = 0;
    this.lastStateCheckMs = nowMs;
    const { total, worst, worstRows } = largestState(this.pumps, pumpStateRows);
    if (total <= this.maxStateRows || worst === undefined) return;
    throw new StateLimitError(
      `The job keeps ${total} rows and groups of aggregation, window, join, ranking and pattern state, more than its limit of ${this.maxStateRows} (the INSERT INTO ${worst.sink.plan.name} keeps ${worstRows}): bound the GROUP BY, PARTITION BY or join keys, set table.exec.state.ttl, or shorten the windows`,
    );
  }

  /** Declares a source's splits (shards) before rows arrive: a split that never delivers holds the watermark back until it is idle. */
  registerSplits(table: string, splits: readonly string[], nowMs?: number): void {
    const s = this.source(table);
    const at = nowMs ?? this.now();
    for (const id of splits) if (!s.splits.has(id)) s.splits.set(id, { wm: -Infinity, lastMs: Number.isFinite(at) ? at : 0, idle: false });
  }

  /** A split that ended (a closed shard) no longer holds the watermark back. */
  finishSplit(table: string, split: string): void {
    const s = this.source(table);
    const sp = s.splits.get(split);
    if (sp) s.splits.delete(split);
    this.updateSourceWatermark(s);
    this.propagate();
  }

  private updateSourceWatermark(s: SourceRt): void {
    if (s.rowtimeSlot === null) return;
    let min = Infinity;
    let max = -Infinity;
    let active = 0;
    for (const sp of s.splits.values()) {
      if (sp.wm > max) max = sp.wm;
      if (sp.idle) continue;
      active++;
      if (sp.wm < min) min = sp.wm;
    }
    const w = active > 0 ? min : s.splits.size > 0 ? max : -Infinity;
    if (w > s.watermark) s.watermark = w;
  }

  /** Moves every operator's watermark forward, in dataflow order. */
  private propagate(): void {
    if (this.propagating) return;
    this.propagating = true;
    try {
      for (const p of this.pumps) {
        for (const n of p.nodes) {
          let w: number;
          if (n.source) w = n.source.watermark;
          else {
            w = Infinity;
            for (const x of n.inputs) if (x.outWm < w) w = x.outWm;
          }
          if (w > n.wm) {
            n.wm = w;
            if (n.op) {
              evalContext.watermarkMs = w;
              n.op.advance(w);
            }
          }
          const out = n.wm - n.holdbackMs;
          if (out > n.outWm) n.outWm = out;
        }
      }
    } finally {
      this.propagating = false;
    }
  }

  /** Rows of bounded VALUES sources, pushed once before anything else. */
  private startBounded(): void {
    if (this.valuesDone) return;
    this.valuesDone = true;
    for (const s of this.sources.values()) {
      const values = s.plan.flink?.values;
      if (!values) continue;
      const c = new ExprCompiler();
      const rows: Row[] = values.map((cells) => {
        const fn = c.build<(r: Row) => Row>(['r'], `return [0, ${cells.map((p: PExpr) => c.src(p)).join(', ')}];`);
        return fn([]);
      });
      const at = Number.isFinite(this.nowMs) ? this.nowMs : 0;
      for (const r of rows) r[0] = at;
      s.rows += rows.length;
      for (const sub of s.subscribers) sub(rows);
      // A bounded source that has ended holds no watermark back.
      s.splits.set('', { wm: Infinity, lastMs: at, idle: false });
      s.watermark = Infinity;
    }
  }

  /** Moves processing time to nowMs: idle splits, processing-time windows and state TTL. */
  advanceTime(nowMs: number): void {
    if (this.closed) return;
    this.startBounded();
    if (nowMs > this.nowMs) this.nowMs = nowMs;
    const now = this.now();
    evalContext.nowMs = now;
    if (this.idleTimeoutMs > 0) {
      for (const s of this.sources.values()) {
        let changed = false;
        for (const sp of s.splits.values()) {
          if (!sp.idle && now - sp.lastMs >= this.idleTimeoutMs) {
            sp.idle = true;
            changed = true;
          }
        }
        if (changed) this.updateSourceWatermark(s);
      }
    }
    this.propagate();
    for (const p of this.pumps) for (const n of p.nodes) n.op?.onProcessingTime?.(now);
  }

  /** End of input: every source's watermark jumps to the end of time, so every window fires (bounded runs, `sql run --no-follow`). */
  finish(): void {
    this.startBounded();
    for (const s of this.sources.values()) {
      s.watermark = Infinity;
      for (const sp of s.splits.values()) sp.wm = Infinity;
    }
    this.propagate();
    for (const p of this.pumps) for (const n of p.nodes) n.op?.onProcessingTime?.(Infinity);
  }

  // ---- output ----

  /** Listens to a sink's (or a query's) rows, or to a source's pushed rows; returns an unsubscribe function. */
  onOutput(stream: string, listener: FlinkListener): () => void {
    const s = this.sinks.get(stream) ?? this.sources.get(stream);
    if (!s) throw new SqlError(`no table called "${stream}" in this job; sinks: ${this.sinkNames().join(', ')}`);
    s.listeners.add(listener);
    return () => s.listeners.delete(listener);
  }

  /** The sink's rows as changes: `{ kind: '+I', row: { column: value } }`. */
  onChanges(stream: string, listener: (changes: { kind: string; row: Record<string, unknown> }[]) => void): () => void {
    const cols = this.columns(stream);
    const changelog = this.isChangelog(stream);
    return this.onOutput(stream, (rows) => {
      listener(
        rows.map((r) => {
          const row: Record<string, unknown> = {};
          cols.forEach((c, i) => {
            row[c.name] = r[i + 1];
          });
          return { kind: ROW_KIND_NAMES[changelog ? (r[cols.length + 1] as number) : 0] ?? '+I', row };
        }),
      );
    });
  }

  /** An encoder writing a sink's rows in its format (json, csv, debezium-json, raw). */
  encoder(sink: string): (row: Row) => string | null {
    const s = this.sinks.get(sink);
    const format = s?.plan.flink?.connector.format;
    if (!s || !format) throw new SqlError(`"${sink}" is not a sink with a format`);
    const n = s.plan.columns.length;
    const enc: RowEncoder = createEncoder(format, s.plan.columns);
    const changelog = s.changelog;
    return (row) => enc(row.slice(1, n + 1), changelog ? (row[n + 1] as number) : 0);
  }

  /** A sink row as Flink's print connector writes it (`+I[...]`). */
  printText(sink: string, row: Row): string {
    const s = this.sinks.get(sink);
    if (!s) throw new SqlError(`"${sink}" is not a sink of this job`);
    const n = s.plan.columns.length;
    return printRow(row.slice(1, n + 1), s.plan.columns, s.changelog ? (row[n + 1] as number) : 0);
  }

  /** Loads or reloads a lookup table (the rows of a reference file). */
  setReferenceTable(name: string, rows: readonly (readonly unknown[] | Readonly<Record<string, unknown>>)[]): void {
    const t = this.tables.get(name);
    const plan = this.plan.tables.find((x) => x.name === name);
    if (!t || !plan) throw new SqlError(`no lookup table called "${name}" in this job`);
    const cols = plan.columns;
    t.rows = rows.map((v) => {
      const r: Row = new Array(cols.length + 1);
      r[0] = 0;
      for (let i = 0; i < cols.length; i++)
        r[i + 1] = convert(Array.isArray(v) ? (v[i] ?? null) : ((v as Record<string, unknown>)[cols[i]!.name] ?? null), cols[i]!.type);
      return r;
    });
    t.version++;
  }

  /** Current watermark of a source table (null before its first). */
  watermark(table: string): number | null {
    const w = this.source(table).watermark;
    return Number.isFinite(w) ? w : w === Infinity ? Infinity : null;
  }

  metrics(): FlinkMetrics {
    const sources: FlinkMetrics['sources'] = {};
    for (const [name, s] of this.sources) {
      if (name.startsWith('$')) continue;
      sources[name] = {
        rows: s.rows,
        watermark: Number.isFinite(s.watermark) ? s.watermark : null,
        idleSplits: [...s.splits.values()].filter((x) => x.idle).length,
      };
    }
    const sinks: Record<string, number> = {};
    for (const [name, s] of this.sinks) sinks[name] = s.rows;
    return { lateRowsDropped: this.lateRows, rowErrors: this.rowErrors, recentErrors: [...this.recentErrors], sources, sinks };
  }

  // ---- state ----

  checkpoint(): FlinkState {
    const sources: FlinkState['sources'] = {};
    for (const [name, s] of this.sources)
      sources[name] = { splits: [...s.splits.entries()].map(([id, sp]) => [id, Number.isFinite(sp.wm) ? sp.wm : null, sp.lastMs, sp.idle]) };
    const pumps: Record<string, unknown[]> = {};
    const fingerprints: Record<string, string> = {};
    for (const p of this.pumps) {
      pumps[p.plan.name] = p.nodes.map((n) => (n.op ? n.op.checkpoint() : null));
      fingerprints[p.plan.name] = fingerprint(p.plan);
    }
    return { version: 1, dialect: 'flink', sources, pumps, fingerprints, nowMs: Number.isFinite(this.nowMs) ? this.nowMs : 0, valuesDone: this.valuesDone };
  }

  /** Restores a checkpoint into a job built from the same plan; a job whose plan changed starts its operators fresh. */
  restore(state: FlinkState): void {
    if (state.version !== 1 || state.dialect !== 'flink') throw new SqlError('not a checkpoint of a Flink SQL job');
    for (const [name, st] of Object.entries(state.sources)) {
      const s = this.sources.get(name);
      if (!s) continue;
      s.splits.clear();
      for (const [id, wm, lastMs, idle] of st.splits) s.splits.set(id, { wm: wm ?? -Infinity, lastMs, idle });
      this.updateSourceWatermark(s);
    }
    if (state.nowMs > this.nowMs) this.nowMs = state.nowMs;
    this.valuesDone = state.valuesDone;
    for (const p of this.pumps) {
      const ops = state.pumps[p.plan.name];
      if (!ops || ops.length !== p.nodes.length || state.fingerprints[p.plan.name] !== fingerprint(p.plan)) continue;
      p.nodes.forEach((n, i) => {
        if (n.op && ops[i] !== null) n.op.restore(ops[i]);
      });
    }
    // Operators resume from their own watermarks; the next push or advance moves them on.
    for (const p of this.pumps) for (const n of p.nodes) n.wm = -Infinity;
    this.propagate();
  }

  /** Ticks advanceTime(clock.now()) every tickMs on the injected clock. */
  start(tickMs = 1000): void {
    if (!this.clock) throw new SqlError('start() needs a clock (FlinkApplicationOptions.clock)');
    const clock = this.clock;
    const tick = (): void => {
      if (this.closed) return;
      this.advanceTime(clock.now());
      this.timer = clock.setTimer(tick, tickMs);
    };
    this.timer = clock.setTimer(tick, tickMs);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  close(): void {
    this.stop();
    for (const p of this.pumps) for (const n of p.nodes) n.op?.close();
    for (const s of this.sinks.values()) s.listeners.clear();
    for (const s of this.sources.values()) s.listeners.clear();
    this.closed = true;
  }
}

function safeDecoder(format: NonNullable<NonNullable<StreamPlan['flink']>['connector']['format']>, cols: ColumnDef[]): RecordDecoder | null {
  try {
    return createDecoder(format, cols);
  } catch {
    // A format Freshet writes only (parquet): the table can be a sink but not read record by record.
    return null;
  }
}

function convert(v: unknown, t: SqlType): unknown {
  if (v === null || v === undefined) return null;
  if (t.name === 'TIMESTAMP' || t.name === 'DATE' || t.name === 'ARRAY' || t.name === 'MAP' || t.name === 'ROW' || t.name === 'BYTES') return flinkCast(v, t);
  return castTo(v, t);
}

function metadataValue(key: string, rec: SourceRecord, now: number): unknown {
  switch (key) {
    case 'timestamp':
      return rec.arrivalMs ?? now;
    case 'shard-id':
      return rec.shardId ?? null;
    case 'sequence-number':
      return rec.sequenceNumber ?? null;
    case 'partition-key':
      return rec.partitionKey ?? null;
    default:
      return null;
  }
}

const UNITS: Record<string, number> = {
  '': 1,
  ms: 1,
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  m: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

function parseDurationMs(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return 0;
  return Math.round(Number(m[1]) * (UNITS[m[2]!.toLowerCase()] ?? 1));
}

export { FormatError };
