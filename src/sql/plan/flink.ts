/**
 * What the Flink SQL front end adds to the plan (src/sql/flink): connector
 * tables, event time, changelogs and the operators Flink's streaming SQL
 * needs. Still plain JSON, still the only contract between planning and
 * running (FlinkApplication runs it).
 *
 * Rows keep the plan's layout: slot 0 is the row's time (its rowtime
 * attribute, or its arrival time on tables without a watermark), then the
 * columns. A relation that carries updates (a changelog: GROUP BY without a
 * window, outer joins, Top-N) has one more slot after its columns: the row
 * kind, with Flink's RowKind byte values (ROW_KIND).
 */
import type { AggPlan, OpPlan, PExpr } from './plan.ts';

/** Flink's RowKind byte values: +I, -U, +U, -D. */
export const ROW_KIND = { INSERT: 0, UPDATE_BEFORE: 1, UPDATE_AFTER: 2, DELETE: 3 } as const;
export type RowKind = (typeof ROW_KIND)[keyof typeof ROW_KIND];
/** The short forms Flink prints (`+I[...]`). */
export const ROW_KIND_NAMES = ['+I', '-U', '+U', '-D'] as const;

/** A table's connector and format, from its WITH options (validated by the planner). */
export interface ConnectorPlan {
  connector: string;
  /** Every WITH option as written (keys as given, values as strings). */
  options: Record<string, string>;
  /** The value format (`format` / `value.format`), with its own options (`json.*`, `csv.*`). */
  format?: FormatPlan;
}

export interface FormatPlan {
  name: 'json' | 'csv' | 'debezium-json' | 'raw' | 'parquet';
  options: Record<string, string>;
}

/** How a column of a connector table gets its value. */
export type ColumnSource =
  | { kind: 'physical' }
  /** `col TYPE METADATA [FROM 'key'] [VIRTUAL]`: filled from the record's metadata by the host. */
  | { kind: 'metadata'; key: string; virtual: boolean }
  /** `col AS expr`: computed from the row's other columns (expr over the row's slots). */
  | { kind: 'computed'; expr: PExpr }
  /** `col AS PROCTIME()`: the processing time the row arrived at. */
  | { kind: 'proctime' };

/** The Flink side of a table (StreamPlan.flink). */
export interface FlinkTablePlan {
  connector: ConnectorPlan;
  /** One entry per column of StreamPlan.columns. */
  sources: ColumnSource[];
  /** `WATERMARK FOR col AS expr`: the rowtime column (0-based column index) and the watermark expression over the row. */
  watermark?: { column: number; expr: PExpr };
  primaryKey?: string[];
  partitionedBy?: string[];
  /** Rows carry a row kind in their last slot (a changelog source such as debezium-json, or a sink fed updates). */
  changelog: boolean;
  temporary: boolean;
  /** A bounded source of constant rows (VALUES): each cell a constant expression. */
  values?: PExpr[][];
}

/** A window of a window TVF or a legacy group window. Times in ms. */
export type WindowPlan =
  | { kind: 'TUMBLE'; sizeMs: number; offsetMs: number }
  | { kind: 'HOP'; sizeMs: number; slideMs: number; offsetMs: number }
  | { kind: 'CUMULATE'; maxSizeMs: number; stepMs: number; offsetMs: number }
  | { kind: 'SESSION'; gapMs: number };

/** A node of a MATCH_RECOGNIZE pattern. */
export type PatternNode =
  | { k: 'var'; v: number }
  | { k: 'seq'; items: PatternNode[] }
  | { k: 'alt'; items: PatternNode[] }
  /** max -1: unbounded. greedy false: reluctant (`*?`, `+?`). */
  | { k: 'rep'; item: PatternNode; min: number; max: number; greedy: boolean };

export type FlinkOpPlan =
  /**
   * Window aggregation by event or processing time (window TVFs, legacy GROUP BY TUMBLE/HOP/SESSION).
   * A window fires once the watermark reaches its end - 1 ms; rows of a window that already fired are
   * late and dropped (counted). post = [windowEnd - 1, ...keys, windowStart, windowEnd, ...aggs]; rows out:
   * [windowEnd - 1, ...project(post)]. `proctime`: fired by the processing-time clock instead.
   */
  | {
      op: 'windowAgg';
      input: OpPlan;
      window: WindowPlan;
      time: PExpr;
      proctime: boolean;
      keys: PExpr[];
      aggs: AggPlan[];
      having: PExpr | null;
      project: PExpr[];
    }
  /**
   * A window TVF read without aggregation: each row once per window it belongs to, as
   * [windowEnd - 1, ...row columns, windowStart, windowEnd, windowEnd - 1]. Rows are held until their window
   * fires (so window_time is a usable rowtime downstream); late rows are dropped.
   */
  | { op: 'windowAssign'; input: OpPlan; window: WindowPlan; time: PExpr; proctime: boolean; width: number; partition: PExpr[] }
  /**
   * GROUP BY without a window (and SELECT DISTINCT): a changelog. A new group comes out +I, a changed one
   * -U old / +U new, a group whose rows were all retracted -D. Rows out: [t, ...project(post), kind] with
   * post = [t, ...keys, ...aggs]. `inputKind`: the input's row-kind slot when the input is a changelog.
   * `ttlMs` > 0: a group untouched for that long (processing time) is forgotten (table.exec.state.ttl).
   */
  | {
      op: 'groupAgg';
      input: OpPlan;
      keys: PExpr[];
      aggs: AggPlan[];
      having: PExpr | null;
      project: PExpr[];
      inputKind: number | null;
      ttlMs: number;
    }
  /**
   * OVER aggregation ordered by a time attribute: rows are held until the watermark passes them, then each
   * comes out (in time order, rows of one time together) with the aggregates over its frame: rangeMs
   * (RANGE BETWEEN INTERVAL ... PRECEDING AND CURRENT ROW), rows (ROWS BETWEEN n PRECEDING ...) or neither
   * (UNBOUNDED PRECEDING). post = [...input row, ...aggs]; rows out [t, ...project(post)].
   */
  | {
      op: 'overAgg';
      input: OpPlan;
      time: PExpr;
      proctime: boolean;
      partition: PExpr[];
      rangeMs: number | null;
      rows: number | null;
      aggs: AggPlan[];
      inputWidth: number;
      project: PExpr[];
    }
  /**
   * Interval join: l and r meet when their keys are equal and lowerMs ≤ rightTime − leftTime ≤ upperMs.
   * Output rows are [...left, ...right]; an outer side's unmatched row comes out null-extended once the
   * watermark passes the end of its interval. Append-only.
   */
  | {
      op: 'intervalJoin';
      left: OpPlan;
      right: OpPlan;
      joinType: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL';
      leftTime: PExpr;
      rightTime: PExpr;
      lowerMs: number;
      upperMs: number;
      leftKeys: PExpr[];
      rightKeys: PExpr[];
      on: PExpr | null;
      leftWidth: number;
      rightWidth: number;
      /**
       * The SELECT list (and WHERE) right above the join, fused into it by the planner: rows out are
       * [time, ...project] built straight from the two rows, without the joined row in between.
       */
      project?: PExpr[];
      filter?: PExpr | null;
    }
  /**
   * Regular join: both sides kept (per key), every pair that satisfies ON comes out. Inner joins of
   * append-only inputs are append-only; otherwise rows out carry a row kind: [...left, ...right, kind].
   * `leftKind`/`rightKind`: the inputs' row-kind slots when they are changelogs. `ttlMs` > 0 forgets rows
   * not touched for that long (processing time).
   */
  | {
      op: 'regularJoin';
      left: OpPlan;
      right: OpPlan;
      joinType: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL';
      leftKeys: PExpr[];
      rightKeys: PExpr[];
      on: PExpr | null;
      leftWidth: number;
      rightWidth: number;
      leftKind: number | null;
      rightKind: number | null;
      changelog: boolean;
      ttlMs: number;
    }
  /**
   * Event-time temporal join (`JOIN versioned FOR SYSTEM_TIME AS OF l.rowtime`): a left row waits for the
   * watermark to reach its time, then meets the version of the right row (by the right's primary key) valid
   * at that time. Append-only.
   */
  | {
      op: 'temporalJoin';
      left: OpPlan;
      right: OpPlan;
      joinType: 'INNER' | 'LEFT';
      leftTime: PExpr;
      rightTime: PExpr;
      leftKeys: PExpr[];
      rightKeys: PExpr[];
      on: PExpr | null;
      leftWidth: number;
      rightWidth: number;
      rightKind: number | null;
    }
  /**
   * ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...) filtered to rn ≤ limit: Top-N (a changelog) and
   * deduplication. `dedup` 'first' on time ASC keeps each key's first row (append-only), 'last' on time DESC
   * its latest row (a changelog). `windowEnd`: window Top-N over a windowed relation (partitioned by the
   * window), emitted once the watermark passes the window's end - 1 (append-only). Rows out:
   * [t, ...input columns, (rank if outputRank)] plus the kind when `changelog`.
   */
  | {
      op: 'rank';
      input: OpPlan;
      partition: PExpr[];
      order: { expr: PExpr; desc: boolean }[];
      limit: number;
      outputRank: boolean;
      width: number;
      inputKind: number | null;
      dedup: 'first' | 'last' | null;
      /** The slot holding window_end when this is a window Top-N. */
      windowEnd: number | null;
      changelog: boolean;
      /** dedup on a time attribute: the time expression (event time waits for the watermark). */
      time: PExpr | null;
      proctime: boolean;
    }
  /**
   * MATCH_RECOGNIZE, ONE ROW PER MATCH: per partition, rows in time order (held until the watermark
   * passes them) are matched against the pattern. Rows out: [matchTime, ...partition values, ...measures].
   */
  | {
      op: 'match';
      input: OpPlan;
      partition: PExpr[];
      time: PExpr;
      proctime: boolean;
      orderExtra: { expr: PExpr; desc: boolean }[];
      vars: string[];
      pattern: PatternNode;
      /** Per variable, its DEFINE condition (null: always true), over the match context (see match-recognize.ts). */
      defines: (PExpr | null)[];
      measures: PExpr[];
      skip: { kind: 'PAST_LAST_ROW' | 'TO_NEXT_ROW' | 'TO_FIRST' | 'TO_LAST'; v: number };
      withinMs: number | null;
      width: number;
    }
  /**
   * Semi and anti joins (`WHERE [NOT] EXISTS (SELECT … correlated)`, `x [NOT] IN (SELECT …)`): a left row comes
   * out while some kept right row of its key satisfies `on` (semi) or while none does (anti), and is retracted
   * (-D) when that stops being so. `nullAware` (NOT IN): a NULL on either side blocks the row, as SQL's
   * three-valued NOT IN does. Rows out: the left row [...left slots], plus the kind when `changelog`.
   */
  | {
      op: 'semiJoin';
      left: OpPlan;
      right: OpPlan;
      anti: boolean;
      nullAware: boolean;
      leftKeys: PExpr[];
      rightKeys: PExpr[];
      /** Over [...left slots, ...right slots]. */
      on: PExpr | null;
      leftWidth: number;
      rightWidth: number;
      leftKind: number | null;
      rightKind: number | null;
      changelog: boolean;
      /** table.exec.state.ttl: kept rows untouched for that long (processing time) are forgotten; 0 keeps them. */
      ttlMs: number;
    }
  /** UNION ALL in Flink: rows of every input as they come (no merge on time). */
  | { op: 'unionAll'; inputs: OpPlan[] }
  /** ORDER BY a time attribute (ASC), then other keys: rows held until the watermark passes them. */
  | { op: 'timeSort'; input: OpPlan; time: PExpr; proctime: boolean; keys: { expr: PExpr; desc: boolean }[] }
  /** LIMIT n (interactive queries): the first n rows, then nothing. */
  | { op: 'limit'; input: OpPlan; n: number }
  /**
   * CROSS JOIN UNNEST(arg) (a correlate): each input row once per element of the ARRAY (or entry of the MAP)
   * `arg` computes over it, as [...row slots 0..width-1, ...element columns, ordinality?, kind?]. `element`:
   * 'value' one column; 'row' the ROW's `fields` columns; 'map' key and value. `outer` (LEFT JOIN ... ON TRUE):
   * a row whose collection is NULL or empty comes out once, null-extended. `filter` runs over the output row.
   * `kind`: the input's row-kind slot (a changelog), copied to the end.
   */
  | {
      op: 'unnest';
      input: OpPlan;
      arg: PExpr;
      width: number;
      element: 'value' | 'row' | 'map';
      fields: number;
      ordinality: boolean;
      outer: boolean;
      filter: PExpr | null;
      kind: number | null;
    };

/** The Flink side of an application plan (ApplicationPlan.flink). */
export interface FlinkScriptPlan {
  /** SET options in effect when the job was planned (table.exec.*, pipeline.*, ...), plus EnvironmentProperties. */
  options: Record<string, string>;
  /** Per pump: the sink table, or null for a query whose rows only go to listeners (`sql run`). */
  sinks: Record<string, string | null>;
}

/** Milliseconds a watermark is held back after an operator (interval joins delay it by their bound). */
export function holdbackMs(o: FlinkOpPlan): number {
  if (o.op === 'intervalJoin') return Math.max(0, o.upperMs, -o.lowerMs);
  return 0;
}
