/**
 * SqlApplication: one Kinesis Data Analytics SQL application's pumps running
 * as a dataflow. Inputs are pushed in (by a stream reader, the CLI or a test),
 * every in-application stream can be listened to, time moves by advanceTime()
 * or an injected Clock, and operator state checkpoints to JSON.
 *
 *   const app = SqlApplication.compile(code, { inputs: [{ name: 'SOURCE_SQL_STREAM_001', columns }] });
 *   app.onOutput('DESTINATION_SQL_STREAM', (rows) => ...);
 *   app.push('SOURCE_SQL_STREAM_001', [{ price: 1.5 }], arrivalMs);
 *   app.advanceTime(nowMs); // windows close by the clock too
 */
import type { Clock, TimerHandle } from '../../core/index.ts';
import { SqlError, StateLimitError, boundedCompile } from '../errors.ts';
import type { ApplicationPlan, OpPlan, PumpPlan, StreamPlan } from '../plan/plan.ts';
import { ERROR_STREAM, inputsOf } from '../plan/plan.ts';
import type { ColumnDef, SqlType } from '../plan/types.ts';
import { planApplication, type PlanOptions } from '../planner/index.ts';
import { ExprCompiler } from './compile.ts';
import { castTo, evalContext } from './functions.ts';
import type { Emit, Operator, OperatorContext, Row, RowErrorReport } from './operator.ts';
import { errorOf, largestState } from './operator.ts';
import { DistinctOperator } from './operators/distinct.ts';
import { FilterProjectOperator } from './operators/filter-project.ts';
import { JoinStreamOperator } from './operators/join-stream.ts';
import { JoinTableOperator } from './operators/join-table.ts';
import { OrderWindowOperator } from './operators/order-window.ts';
import { SlidingOperator } from './operators/sliding.ts';
import { StaggerOperator } from './operators/stagger.ts';
import { createTableFnOperator } from './operators/table-fn.ts';
import { TumbleOperator } from './operators/tumble.ts';
import { UnionOperator } from './operators/union.ts';

export interface SqlApplicationOptions extends PlanOptions {
  /** Drives start()'s ticks, error times and CURRENT_ROW_TIMESTAMP. Default: none (time moves only by push/advanceTime). */
  clock?: Clock;
  /** Seed for RANDOM_CUT_FOREST (default 0). */
  rcfSeed?: number;
  /**
   * Window groups, window rows, join rows and DISTINCT keys the application may keep in all (default
   * DEFAULT_MAX_STATE_ROWS); past it the application stops with StateLimitError.
   */
  maxStateRows?: number;
}

/** A million rows or groups of state: a few hundred MB at most for ordinary rows, far above what real windows keep. */
export const DEFAULT_MAX_STATE_ROWS = 1_000_000;
/** The state is counted after this many input rows, or this much application time, whichever comes first. */
export const STATE_CHECK_ROWS = 10_000;
export const STATE_CHECK_MS = 1_000;

/** Rows delivered to listeners: [ROWTIME, ...columns] (plus APPROXIMATE_ARRIVAL_TIME last on input streams). */
export type OutputListener = (rows: Row[], stream: string) => void;

export interface SqlApplicationState {
  version: 1;
  streams: Record<string, number>;
  pumps: Record<string, unknown[]>;
  /** Per pump, a hash of its plan: state is restored only into an identical pump. */
  fingerprints?: Record<string, string>;
}

/** FNV-1a of a pump's plan, to recognise the same pump after UpdateApplication. */
/** JSON for error_stream's DATA_ROW: BIGINTs as numbers' text, binary values as hex. */
function jsonValue(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  return v;
}

function fingerprint(p: PumpPlan): string {
  const text = JSON.stringify(p);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${h.toString(16)}:${text.length}`;
}

interface StreamRt {
  plan: StreamPlan;
  lastRowtime: number;
  subscribers: Emit[];
  listeners: Set<OutputListener>;
  /** Pumps inserting into this stream. */
  writers: PumpRt[];
}

interface PumpRt {
  plan: PumpPlan;
  ops: Operator[];
  sources: string[];
  insert: (r: Row) => Row;
  target: StreamRt;
}

/** Rows and groups a pump's operators keep (the state cap's measure). */
function pumpStateRows(p: PumpRt): number {
  let n = 0;
  for (const op of p.ops) n += op.stateRows?.() ?? 0;
  return n;
}

function typeCheckSrc(t: SqlType, v: string, k: string): string {
  switch (t.name) {
    case 'REAL':
      return `(typeof ${v} === 'number' ? Math.fround(${v}) : F.cast(${v}, ${k}))`;
    case 'DOUBLE':
      return `(typeof ${v} === 'number' ? ${v} : F.cast(${v}, ${k}))`;
    case 'DECIMAL':
      return t.scale === undefined ? `(typeof ${v} === 'number' ? ${v} : F.cast(${v}, ${k}))` : `F.cast(${v}, ${k})`;
    case 'INTEGER':
      return `((${v} | 0) === ${v} ? ${v} : F.cast(${v}, ${k}))`;
    case 'BIGINT':
      return `(Number.isSafeInteger(${v}) ? ${v} : F.cast(${v}, ${k}))`;
    case 'VARCHAR':
    case 'CHAR':
      return t.length === undefined
        ? `(typeof ${v} === 'string' ? ${v} : F.cast(${v}, ${k}))`
        : `(typeof ${v} === 'string' && ${v}.length <= ${t.length} ? ${v} : F.cast(${v}, ${k}))`;
    case 'BOOLEAN':
      return `(typeof ${v} === 'boolean' ? ${v} : F.cast(${v}, ${k}))`;
    case 'TIMESTAMP':
      return `(typeof ${v} === 'number' ? ${v} : F.cast(${v}, ${k}))`;
    default:
      return `F.cast(${v}, ${k})`;
  }
}

export class SqlApplication {
  readonly plan: ApplicationPlan;
  private readonly streams = new Map<string, StreamRt>();
  private readonly pumps: PumpRt[] = [];
  private readonly tables = new Map<string, { rows: Row[]; version: number }>();
  private readonly clock: Clock | null;
  private timer: TimerHandle | null = null;
  private closed = false;
  private errorDepth = 0;
  private lastNowMs = 0;
  private readonly maxStateRows: number;
  private rowsSinceStateCheck = 0;
  private lastStateCheckMs = -Infinity;

  /** Parses, plans and builds an application; throws SqlError (line:column) for bad code. */
  static compile(code: string, options: SqlApplicationOptions): SqlApplication {
    return boundedCompile(() => new SqlApplication(planApplication(code, options), options));
  }

  constructor(plan: ApplicationPlan, options: { clock?: Clock; rcfSeed?: number; maxStateRows?: number } = {}) {
    this.plan = plan;
    this.clock = options.clock ?? null;
    this.maxStateRows = options.maxStateRows ?? DEFAULT_MAX_STATE_ROWS;
    for (const s of plan.streams) this.streams.set(s.name, { plan: s, lastRowtime: -Infinity, subscribers: [], listeners: new Set(), writers: [] });
    for (const t of plan.tables) this.tables.set(t.name, { rows: [], version: 0 });
    for (const p of this.orderPumps(plan.pumps)) this.pumps.push(this.buildPump(p, options.rcfSeed ?? 0));
  }

  /** Pumps in dataflow order (a pump after every pump feeding its sources); a cycle is a SqlError. */
  private orderPumps(pumps: PumpPlan[]): PumpPlan[] {
    const sourcesOf = (p: PumpPlan): string[] => {
      const out: string[] = [];
      const walk = (o: OpPlan): void => {
        if (o.op === 'scan') {
          out.push(o.stream);
          return;
        }
        for (const x of inputsOf(o)) walk(x);
      };
      walk(p.root);
      return out;
    };
    const done = new Set<string>();
    const ordered: PumpPlan[] = [];
    let rest = [...pumps];
    while (rest.length > 0) {
      const ready = rest.filter((p) => sourcesOf(p).every((s) => !rest.some((q) => q.target === s && q !== p) || done.has(s)));
      if (ready.length === 0) throw new SqlError(`pumps ${rest.map((p) => `"${p.name}"`).join(', ')} feed each other in a cycle`);
      for (const p of ready) ordered.push(p);
      rest = rest.filter((p) => !ready.includes(p));
      for (const p of ready) if (!rest.some((q) => q.target === p.target)) done.add(p.target);
    }
    return ordered;
  }

  private buildPump(plan: PumpPlan, rcfSeed: number): PumpRt {
    const target = this.streams.get(plan.target)!;
    const ctx: OperatorContext = {
      pumpName: plan.name,
      error: (r) => this.reportError(r, plan.name),
      table: (name) => this.tables.get(name) ?? { rows: [], version: 0 },
      rcfSeed,
    };
    const ops: Operator[] = [];
    const sources: string[] = [];
    const c = new ExprCompiler();
    const cols = target.plan.columns;
    const parts = cols.map((col, i) => {
      const src = plan.columnMap[i]!;
      if (src === 0) return 'null';
      c.consts.push(col.type);
      return typeCheckSrc(col.type, `r[${src}]`, `K[${c.consts.length - 1}]`);
    });
    // A row whose columns already have the target's types and order is passed on as it is.
    // REAL is excluded: aggregates of REAL accumulate in double and are rounded here.
    const same = (a: SqlType | undefined, b: SqlType): boolean =>
      !!a &&
      a.name === b.name &&
      b.name !== 'REAL' &&
      (b.length === undefined || (a.length !== undefined && a.length <= b.length)) &&
      (b.scale === undefined || a.scale === b.scale);
    const identity =
      plan.columnMap.every((src, i) => src === i + 1 && same(plan.sourceTypes?.[i], cols[i]!.type)) &&
      plan.sourceTypes?.length === cols.length &&
      !(plan.root.op === 'filterProject' && plan.root.project === null);
    const insert = identity ? (r: Row): Row => r : c.build<(r: Row) => Row>(['r'], `return [r[0], ${parts.join(', ')}];`);
    const pump: PumpRt = { plan, ops, sources, insert, target };
    const sink: Emit = (rows) => this.insert(pump, rows);
    const build = (o: OpPlan, emit: Emit): void => {
      let op: Operator;
      switch (o.op) {
        case 'scan': {
          const s = this.streams.get(o.stream);
          if (s) s.subscribers.push(emit);
          sources.push(o.stream);
          return;
        }
        case 'filterProject':
          op = new FilterProjectOperator(o, ctx, emit);
          break;
        case 'tumble':
          op = new TumbleOperator(o, ctx, emit);
          break;
        case 'stagger':
          op = new StaggerOperator(o, ctx, emit);
          break;
        case 'sliding':
          op = new SlidingOperator(o, ctx, emit);
          break;
        case 'orderWindow':
          op = new OrderWindowOperator(o, ctx, emit);
          break;
        case 'distinct':
          op = new DistinctOperator(o, ctx, emit);
          break;
        case 'joinTable':
          op = new JoinTableOperator(o, ctx, emit);
          break;
        case 'tableFn':
          op = createTableFnOperator(o, ctx, emit);
          break;
        case 'union': {
          // Branches are merged on ROWTIME (KDA's streaming UNION ALL), each on its own port.
          const u = new UnionOperator(o, ctx, emit);
          o.inputs.forEach((x, port) => build(x, (rows) => u.process(rows, port)));
          ops.push(u);
          return;
        }
        case 'joinStream': {
          const j = new JoinStreamOperator(o, ctx, emit);
          build(o.left, (rows) => j.process(rows, 0));
          build(o.right, (rows) => j.process(rows, 1));
          ops.push(j);
          return;
        }
        default:
          throw new SqlError(`${o.op} is an operator of the Flink SQL dialect; run Flink plans with FlinkApplication`);
      }
      const child = op;
      build(o.input, (rows) => child.process(rows, 0));
      ops.push(op);
    };
    build(plan.root, sink);
    target.writers.push(pump);
    return pump;
  }

  // hot path: pump output → target stream (typed assignment, monotonic ROWTIME).
  private insert(pump: PumpRt, rows: Row[]): void {
    const target = pump.target;
    const out: Row[] = [];
    let last = target.lastRowtime;
    for (let i = 0, n = rows.length; i < n; i++) {
      const r = rows[i]!;
      try {
        const o = pump.insert(r);
        const t = o[0] as number;
        if (t < last) o[0] = last;
        else last = t;
        out.push(o);
      } catch (e) {
        this.reportError({ ...errorOf(e), row: r }, pump.plan.name);
      }
    }
    target.lastRowtime = last;
    if (out.length > 0) this.deliver(target, out);
  }

  private deliver(s: StreamRt, rows: Row[]): void {
    for (const l of s.listeners) l(rows, s.plan.name);
    for (const sub of s.subscribers) sub(rows);
  }

  /** Sends one failed row (or record) to error_stream; the application keeps running. */
  reportError(report: RowErrorReport, pumpName: string): void {
    const s = this.streams.get(ERROR_STREAM)!;
    if (this.errorDepth > 0) return; // an error while handling error_stream rows: drop it rather than loop
    this.errorDepth++;
    try {
      const now = this.clock ? this.clock.now() : this.lastNowMs;
      const rowtime = Math.max(now, s.lastRowtime === -Infinity ? now : s.lastRowtime);
      s.lastRowtime = rowtime;
      // DATA_ROW is hex-encoded, as KDA reports it: the record's text, or the row's values as a JSON array.
      let text: string | null = report.data ?? null;
      if (text === null && report.row) {
        try {
          text = JSON.stringify(report.row.slice(1), jsonValue);
        } catch {
          text = String(report.row.slice(1));
        }
      }
      const data = text === null ? null : Buffer.from(text, 'utf8').toString('hex');
      const dataRowtime = report.row && typeof report.row[0] === 'number' ? report.row[0] : null;
      this.deliver(s, [[rowtime, now, 'ERROR', report.errorName, report.message, dataRowtime, data, pumpName]]);
    } finally {
      this.errorDepth--;
    }
  }

  /** Names of every in-application stream (inputs, declared streams, error_stream). */
  streamNames(): string[] {
    return [...this.streams.keys()];
  }

  /** Columns of an in-application stream (without ROWTIME). */
  columns(stream: string): ColumnDef[] {
    const s = this.streams.get(stream);
    if (!s) throw new SqlError(`no in-application stream called "${stream}"`);
    return s.plan.columns;
  }

  /** Listens to an in-application stream's rows; returns an unsubscribe function. */
  onOutput(stream: string, listener: OutputListener): () => void {
    const s = this.streams.get(stream);
    if (!s) throw new SqlError(`no in-application stream called "${stream}"; streams: ${this.streamNames().join(', ')}`);
    s.listeners.add(listener);
    return () => s.listeners.delete(listener);
  }

  private inputStream(stream: string): StreamRt {
    const s = this.streams.get(stream);
    if (s?.plan.kind !== 'input')
      throw new SqlError(
        `"${stream}" is not an input stream of this application; inputs: ${this.plan.streams
          .filter((x) => x.kind === 'input')
          .map((x) => x.name)
          .join(', ')}`,
      );
    return s;
  }

  /**
   * Pushes records into an input stream. Each row is an object keyed by column name or an array of
   * the column values in order; values are converted to the column types (a failure goes to
   * error_stream). ROWTIME = arrivalMs made non-decreasing; APPROXIMATE_ARRIVAL_TIME = approximateArrivalMs.
   */
  push(stream: string, rows: readonly (readonly unknown[] | Readonly<Record<string, unknown>>)[], arrivalMs?: number, approximateArrivalMs?: number): void {
    const s = this.inputStream(stream);
    const now = arrivalMs ?? (this.clock ? this.clock.now() : Date.now());
    const cols = s.plan.columns;
    const rowtime = Math.max(now, s.lastRowtime);
    const approx = approximateArrivalMs ?? now;
    const out: Row[] = [];
    for (const v of rows) {
      const r: Row = new Array(cols.length + 2);
      r[0] = rowtime;
      try {
        if (Array.isArray(v)) for (let i = 0; i < cols.length; i++) r[i + 1] = castTo(v[i] ?? null, cols[i]!.type);
        else for (let i = 0; i < cols.length; i++) r[i + 1] = castTo((v as Record<string, unknown>)[cols[i]!.name] ?? null, cols[i]!.type);
      } catch (e) {
        this.reportError({ ...errorOf(e), row: [rowtime], data: JSON.stringify(v, jsonValue) }, '');
        continue;
      }
      r[cols.length + 1] = approx;
      out.push(r);
    }
    this.pushRows(stream, out, now);
  }

  /**
   * hot path: pushes rows already in the internal shape [slot0, ...typed column values, slot-last];
   * fills ROWTIME (slot 0) in place and APPROXIMATE_ARRIVAL_TIME (last slot) if it is undefined.
   */
  pushRows(stream: string, rows: Row[], arrivalMs: number): void {
    if (this.closed) throw new SqlError('the application is closed');
    const s = this.inputStream(stream);
    // ROWTIME is the application's arrival clock: never behind any input's time already seen, so
    // a window closed by time never receives a late row.
    const rowtime = Math.max(arrivalMs, s.lastRowtime, this.lastNowMs);
    const last = s.plan.columns.length + 1;
    for (let i = 0, n = rows.length; i < n; i++) {
      const r = rows[i]!;
      r[0] = rowtime;
      if (r[last] === undefined) r[last] = arrivalMs;
    }
    s.lastRowtime = rowtime;
    this.rowsSinceStateCheck += rows.length;
    this.lastNowMs = Math.max(this.lastNowMs, rowtime);
    evalContext.nowMs = this.clock ? this.clock.now() : rowtime;
    if (rows.length > 0) this.deliver(s, rows);
    // No later row of this input can have an earlier ROWTIME, so the time has passed for it.
    this.advanceTime(rowtime);
  }

  /** Moves time to nowMs: windows whose end has passed close even if no row arrives. */
  advanceTime(nowMs: number): void {
    if (this.closed) return;
    this.lastNowMs = Math.max(this.lastNowMs, nowMs);
    evalContext.nowMs = this.clock ? this.clock.now() : this.lastNowMs;
    const wm = new Map<string, number>();
    for (const s of this.streams.values()) {
      if (s.plan.kind === 'input' || s.plan.kind === 'error') wm.set(s.plan.name, this.lastNowMs);
    }
    for (const p of this.pumps) {
      let w = Infinity;
      for (const src of p.sources) w = Math.min(w, wm.get(src) ?? this.lastNowMs);
      if (w === Infinity) w = this.lastNowMs;
      for (const op of p.ops) op.advance(w);
      wm.set(p.plan.target, Math.min(wm.get(p.plan.target) ?? Infinity, w));
    }
    if (this.rowsSinceStateCheck >= STATE_CHECK_ROWS || this.lastNowMs - this.lastStateCheckMs >= STATE_CHECK_MS) this.checkState();
  }

  /** Rows and groups every operator keeps, in all. */
  stateRows(): number {
    return largestState(this.pumps, pumpStateRows).total;
  }

  /** Throws StateLimitError, naming the pump that keeps the most, when the application keeps more than its cap. */
  private checkState(): void {
    this.rowsSinceStateCheck = 0;
    this.lastStateCheckMs = this.lastNowMs;
    const { total, worst, worstRows } = largestState(this.pumps, pumpStateRows);
    if (total <= this.maxStateRows || worst === undefined) return;
    throw new StateLimitError(
      `The application keeps ${total} rows and groups of window, join and DISTINCT state, more than its limit of ${this.maxStateRows} (pump "${worst.plan.name}" keeps ${worstRows}): bound the GROUP BY, PARTITION BY or join keys, or shorten the windows`,
    );
  }

  /** Loads or reloads a reference table (rows as objects or arrays of column values). */
  setReferenceTable(name: string, rows: readonly (readonly unknown[] | Readonly<Record<string, unknown>>)[]): void {
    const t = this.tables.get(name);
    const plan = this.plan.tables.find((x) => x.name === name);
    if (!t || !plan) throw new SqlError(`no reference table called "${name}"`);
    const cols = plan.columns;
    t.rows = rows.map((v) => {
      const r: Row = new Array(cols.length + 1);
      r[0] = 0;
      for (let i = 0; i < cols.length; i++)
        r[i + 1] = castTo(Array.isArray(v) ? (v[i] ?? null) : ((v as Record<string, unknown>)[cols[i]!.name] ?? null), cols[i]!.type);
      return r;
    });
    t.version++;
  }

  /** Operator state and stream ROWTIME positions, JSON-serialisable. Source positions are the host's job. */
  checkpoint(): SqlApplicationState {
    const streams: Record<string, number> = {};
    for (const s of this.streams.values()) if (s.lastRowtime !== -Infinity) streams[s.plan.name] = s.lastRowtime;
    const pumps: Record<string, unknown[]> = {};
    const fingerprints: Record<string, string> = {};
    for (const p of this.pumps) {
      pumps[p.plan.name] = p.ops.map((o) => o.checkpoint());
      fingerprints[p.plan.name] = fingerprint(p.plan);
    }
    return { version: 1, streams, pumps, fingerprints };
  }

  /** Restores state taken by checkpoint() from an application built from the same plan. */
  restore(state: SqlApplicationState): void {
    if (state.version !== 1) throw new SqlError(`unknown checkpoint version ${String(state.version)}`);
    for (const [name, t] of Object.entries(state.streams)) {
      const s = this.streams.get(name);
      if (s) s.lastRowtime = t;
    }
    for (const p of this.pumps) {
      const ops = state.pumps[p.plan.name];
      // A pump whose code changed (UpdateApplication) starts fresh: its old state may not fit.
      if (!ops || ops.length !== p.ops.length) continue;
      if (state.fingerprints && state.fingerprints[p.plan.name] !== fingerprint(p.plan)) continue;
      p.ops.forEach((o, i) => o.restore(ops[i]));
    }
  }

  /** Ticks advanceTime(clock.now()) every tickMs on the injected clock (windows close on quiet streams). */
  start(tickMs = 1000): void {
    if (!this.clock) throw new SqlError('start() needs a clock (SqlApplicationOptions.clock)');
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
    for (const p of this.pumps) for (const o of p.ops) o.close();
    for (const s of this.streams.values()) s.listeners.clear();
    this.closed = true;
  }
}
