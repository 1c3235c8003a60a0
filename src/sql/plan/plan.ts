/**
 * The serialisable plan: the only contract between the planner and the
 * runtime (JSON-safe, no functions). Expressions are resolved to row slots;
 * every row is an array whose slot 0 is ROWTIME (epoch ms).
 */
import type { FlinkOpPlan, FlinkScriptPlan, FlinkTablePlan } from './flink.ts';
import type { ColumnDef, SqlType } from './types.ts';

export type PExpr =
  | { k: 'col'; i: number; t: SqlType }
  | { k: 'lit'; v: string | number | boolean | null; t: SqlType }
  /** A scalar function or operator from the runtime's function table (`fn` names it). */
  | { k: 'call'; fn: string; args: PExpr[]; t: SqlType }
  | { k: 'case'; whens: { when: PExpr; then: PExpr }[]; else: PExpr | null; t: SqlType };

export type AggFn =
  | 'COUNT'
  | 'SUM'
  | 'AVG'
  | 'MIN'
  | 'MAX'
  | 'FIRST_VALUE'
  | 'LAST_VALUE'
  | 'EXP_AVG'
  | 'LAG'
  | 'NTH_VALUE'
  | 'STDDEV_POP'
  | 'STDDEV_SAMP'
  | 'VAR_POP'
  | 'VAR_SAMP'
  /** Flink: LISTAGG(x[, separator]). */
  | 'LISTAGG';

export interface AggPlan {
  fn: AggFn;
  /** null for COUNT(*). */
  arg: PExpr | null;
  /** Constant extra parameter: EXP_AVG half-life ms, LAG offset, NTH_VALUE n. */
  param: number;
  distinct: boolean;
  t: SqlType;
  /** Flink: `agg(...) FILTER (WHERE cond)`: only rows where cond is TRUE are aggregated. */
  filter?: PExpr;
  /** Flink: LISTAGG's separator (default ','). */
  separator?: string;
}

export type OpPlan =
  | { op: 'scan'; stream: string }
  | { op: 'filterProject'; input: OpPlan; filter: PExpr | null; project: PExpr[] | null }
  /**
   * Tumbling GROUP BY: windowStart computes a row's window start; rows out: [windowEnd, ...project].
   * sizeMs 0: windowStart is some other expression that only grows with ROWTIME; a window lasts
   * while its value stays the same. sizeMs -1: windowStart is a declared MONOTONIC(x) over other
   * columns; a window closes only when a row brings another value, its rows out at that row's ROWTIME.
   */
  | {
      op: 'tumble';
      input: OpPlan;
      windowStart: PExpr;
      sizeMs: number;
      keys: PExpr[];
      windowKey: number;
      aggs: AggPlan[];
      having: PExpr | null;
      project: PExpr[];
    }
  /** WINDOWED BY STAGGER: a window per partition opens with its first row and closes rangeMs later. */
  | {
      op: 'stagger';
      input: OpPlan;
      partition: PExpr[];
      rangeMs: number;
      keys: PExpr[];
      aggs: AggPlan[];
      having: PExpr | null;
      project: PExpr[];
    }
  /** Sliding OVER window: one output per input row; post-row = [...input row, ...aggs]. */
  | {
      op: 'sliding';
      input: OpPlan;
      inputWidth: number;
      partition: PExpr[];
      rangeMs: number | null;
      rows: number | null;
      aggs: AggPlan[];
      filter: PExpr | null;
      project: PExpr[];
    }
  /** UNION ALL: rows of every input, as they come. */
  | { op: 'union'; inputs: OpPlan[] }
  /** SELECT STREAM DISTINCT: a row passes the first time its values appear while the monotonic column `timeKey` keeps its value. */
  | { op: 'distinct'; input: OpPlan; timeKey: number }
  /**
   * ORDER BY inside a time window: buffer rows while timeKey is equal, sort them by keys, emit.
   * granularityMs 0: the key is a declared MONOTONIC(x); only a row with another value ends the granule.
   */
  | {
      op: 'orderWindow';
      input: OpPlan;
      timeKey: number;
      granularityMs: number;
      keys: { i: number; desc: boolean }[];
      width: number;
      /** For a time key that is not a STEP/FLOOR start: the key as a function of ROWTIME alone; the clock flushes when it changes. */
      timeKeyExpr: PExpr | null;
    }
  /**
   * Stream-to-stream join: rows l, r meet when -leftRangeMs ≤ l.ROWTIME − r.ROWTIME ≤ rightRangeMs. An outer
   * side's unmatched row comes out null-extended once the other side's time passes the end of its window.
   */
  | {
      op: 'joinStream';
      left: OpPlan;
      right: OpPlan;
      joinType: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL';
      on: PExpr | null;
      leftRangeMs: number;
      rightRangeMs: number;
      leftWidth: number;
      rightWidth: number;
      /** An equality in ON between a left-only and a right-only expression (each over its own side's row): hash join. */
      leftKey: PExpr | null;
      rightKey: PExpr | null;
      /**
       * `OVER (ROWS n PRECEDING)` on one side (the other side has no window; both range reaches are 0): a row of
       * the other side at time t meets that side's last n+1 rows with ROWTIME ≤ t. Absent for RANGE joins, so
       * their plans (and checkpoint fingerprints) stay as they were.
       */
      rowsWindow?: { side: 'left' | 'right'; n: number };
    }
  /** Stream-to-reference-table join (hash join when `leftKey`/`rightKey` are set). */
  | {
      op: 'joinTable';
      input: OpPlan;
      table: string;
      joinType: 'INNER' | 'LEFT';
      on: PExpr | null;
      leftWidth: number;
      rightWidth: number;
      leftKey: PExpr | null;
      rightKeyColumn: number;
    }
  /**
   * A table function over a cursor. With passSource the input is the source stream itself and each output
   * row is [rowtime, ...source row, ...cursor columns, ...function columns] (the comma join of S2).
   */
  | {
      op: 'tableFn';
      fn: string;
      input: OpPlan;
      filter: PExpr | null;
      project: PExpr[];
      passSource: boolean;
      sourceWidth: number;
      cursorColumns: ColumnDef[];
      params: (number | string | boolean | null)[];
    }
  /** Operators of the Flink SQL dialect (plan/flink.ts); a KDA plan never holds them. */
  | FlinkOpPlan;

export interface StreamPlan {
  name: string;
  kind: 'input' | 'stream' | 'error';
  columns: ColumnDef[];
  /** Flink SQL: the table's connector, column sources, watermark and changelog (plan/flink.ts). */
  flink?: FlinkTablePlan;
}

export interface PumpPlan {
  name: string;
  target: string;
  root: OpPlan;
  /** For each target column: the select output slot (1-based in the pump's output row), or 0 for NULL. */
  columnMap: number[];
  /** Types of the SELECT's output columns (lets the runtime skip conversions that cannot change a value). */
  sourceTypes: SqlType[];
  /** Flink SQL: the select output slot holding the row kind when the query is a changelog. */
  kindSlot?: number;
}

export interface TablePlan {
  name: string;
  columns: ColumnDef[];
}

export interface ApplicationPlan {
  version: 1;
  streams: StreamPlan[];
  tables: TablePlan[];
  pumps: PumpPlan[];
  /** Absent for KDA SQL; Flink SQL plans run in FlinkApplication (event time, changelogs). */
  dialect?: 'flink';
  flink?: FlinkScriptPlan;
}

/** Name of the in-application stream that receives row and parse errors. */
export const ERROR_STREAM = 'error_stream';
/** Columns of error_stream, as in KDA. */
export const ERROR_STREAM_COLUMNS: ColumnDef[] = [
  { name: 'ERROR_TIME', type: { name: 'TIMESTAMP' } },
  { name: 'ERROR_LEVEL', type: { name: 'VARCHAR', length: 10 } },
  { name: 'ERROR_NAME', type: { name: 'VARCHAR', length: 32 } },
  { name: 'MESSAGE', type: { name: 'VARCHAR', length: 4096 } },
  { name: 'DATA_ROWTIME', type: { name: 'TIMESTAMP' } },
  { name: 'DATA_ROW', type: { name: 'VARCHAR', length: 49152 } },
  { name: 'PUMP_NAME', type: { name: 'VARCHAR', length: 128 } },
];
/** Implicit last column of every input in-application stream. */
export const APPROXIMATE_ARRIVAL_TIME = 'APPROXIMATE_ARRIVAL_TIME';

/** The inputs of an operator (none for a scan), in port order. */
export function inputsOf(o: OpPlan): OpPlan[] {
  switch (o.op) {
    case 'scan':
      return [];
    case 'joinStream':
    case 'intervalJoin':
    case 'regularJoin':
    case 'temporalJoin':
    case 'semiJoin':
      return [o.left, o.right];
    case 'union':
    case 'unionAll':
      return o.inputs;
    default:
      return [o.input];
  }
}
