/**
 * A columnar batch: what a Flink job's source hands its first operators when they can read columns.
 *
 * A source decodes each record once into one vector per column slot (the slots of a Row: slot 0 the rowtime,
 * then the columns in table order); a column whose values in the batch are all numbers is a Float64Array,
 * any other a plain array. An operator with a columnar loop (window aggregation over TUMBLE, sliced HOP and
 * SESSION) reads the vectors it needs — a time, a key, an aggregate argument — in one sequential pass instead
 * of touching one array object per row; any other operator gets the batch as rows (toRows(), built once per
 * batch by the source and shared).
 */
import type { Row } from './operator.ts';

export type ColumnVector = Float64Array | unknown[];

export class ColumnBatch {
  /**
   * `cols[slot]` is the vector of that row slot (undefined: a slot nobody filled, read as NULL). Slot 0 is set
   * by the source (FlinkApplication.pushColumns) to the rowtime vector; whatever was there is replaced.
   */
  constructor(
    readonly length: number,
    readonly cols: (ColumnVector | undefined)[],
  ) {}

  /** Row i in the internal shape [slot 0, ...columns]: for the rare paths (errors, a new group's key values). */
  row(i: number): Row {
    const cols = this.cols;
    const r: Row = new Array(cols.length);
    for (let c = 0; c < cols.length; c++) {
      const v = cols[c];
      r[c] = v === undefined ? null : v[i];
    }
    return r;
  }

  /** Every row: for operators without a columnar loop. */
  toRows(): Row[] {
    const n = this.length;
    const out: Row[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.row(i);
    return out;
  }

  /** Transposes rows already in the internal shape (slot 0 ignored: the source sets it). */
  static fromRows(rows: readonly Row[], width: number): ColumnBatch {
    const n = rows.length;
    const cols: (ColumnVector | undefined)[] = new Array(width);
    cols[0] = undefined;
    for (let c = 1; c < width; c++) {
      const v: unknown[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const x = rows[i]![c];
        v[i] = x === undefined ? null : x;
      }
      cols[c] = vector(v);
    }
    return new ColumnBatch(n, cols);
  }
}

/** A column's values as a Float64Array when every one is a number (the usual ints, doubles and timestamps), else as given. */
export function vector(values: unknown[]): ColumnVector {
  const n = values.length;
  for (let i = 0; i < n; i++) if (typeof values[i] !== 'number') return values;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = values[i] as number;
  return out;
}
