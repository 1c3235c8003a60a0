/**
 * The one lifecycle every operator shares (after Arroyo's on_start /
 * process_batch / handle_watermark / handle_checkpoint): `process` a batch
 * arriving on an input port, `advance` to a watermark (no row with an earlier
 * ROWTIME will arrive — windows close by the clock this way), `checkpoint` /
 * `restore` JSON-safe state, `close`.
 */
import type { ColumnBatch } from './column-batch.ts';

/** A row: slot 0 is ROWTIME (epoch ms), then the columns in order. */
export type Row = unknown[];
export type Emit = (rows: Row[]) => void;

export interface RowErrorReport {
  errorName: string;
  message: string;
  row: Row | null;
  /** The failed record's original text, when there is one (DATA_ROW then holds it rather than the row's values). */
  data?: string;
}

export interface OperatorContext {
  pumpName: string;
  /** Reports a row that failed; it goes to error_stream and processing continues. */
  error(report: RowErrorReport): void;
  /** Reference tables by name (rows shaped like stream rows). */
  table(name: string): { rows: Row[]; version: number };
  /** Seed for Random Cut Forests (same seed and input → same scores). */
  rcfSeed: number;
  /** Flink SQL operators only (FlinkApplication). */
  flink?: FlinkOperatorContext;
}

/** What FlinkApplication gives its operators besides the KDA context. */
export interface FlinkOperatorContext {
  /** Counts rows dropped because they arrived after the watermark passed them (Flink's numLateRecordsDropped). */
  late(rows: number): void;
  /** The processing-time clock. */
  now(): number;
}

export interface Operator {
  process(batch: Row[], port: number): void;
  /**
   * A columnar batch straight from a source (port 0; Flink jobs, FlinkApplication.pushColumns): operators
   * that read columns implement it; the others get the batch as rows through process().
   */
  processColumns?(batch: ColumnBatch): void;
  advance(watermarkMs: number): void;
  /** Flink SQL: processing time moved to nowMs (proctime windows, state TTL). */
  onProcessingTime?(nowMs: number): void;
  checkpoint(): unknown;
  restore(state: unknown): void;
  close(): void;
  /**
   * Rows and groups the operator keeps (window groups, window frames, join sides, DISTINCT keys), counted for
   * the application's state cap (application.ts maxStateRows). At most linear in the number of keys, not rows.
   */
  stateRows?(): number;
}

export function errorOf(e: unknown): { errorName: string; message: string } {
  if (e && typeof e === 'object' && 'errorName' in e)
    return { errorName: String((e as { errorName: unknown }).errorName), message: String((e as unknown as Error).message) };
  return { errorName: 'RuntimeError', message: e instanceof Error ? e.message : String(e) };
}

/** What the state-cap check of an application or job needs: all state, and the pump (statement) that keeps the most. */
export interface LargestState<P> {
  /** Rows and groups kept by every pump together. */
  total: number;
  /** The pump that keeps the most (undefined when there are none). */
  worst: P | undefined;
  worstRows: number;
}

/**
 * Sums `rowsOf` (a pump's operators' `stateRows()`) over `pumps` and finds the pump that keeps the most: the
 * state-cap loop of KDA SQL applications (application.ts) and Flink jobs (flink-application.ts). Run every few
 * thousand rows or seconds, not per row.
 */
export function largestState<P>(pumps: Iterable<P>, rowsOf: (pump: P) => number): LargestState<P> {
  let total = 0;
  let worst: P | undefined;
  let worstRows = -1;
  for (const p of pumps) {
    const n = rowsOf(p);
    total += n;
    if (n > worstRows) {
      worstRows = n;
      worst = p;
    }
  }
  return { total, worst, worstRows };
}
