/**
 * External shingling: joins the last `size` inputs (each `dimensions` values)
 * into one point, oldest first — the layout internal shingling uses — for callers
 * that build shingles themselves and pass them to a forest created with
 * internalShingling: false and dimensions = inputDimensions × size.
 */
export class Shingle {
  readonly dimensions: number;
  readonly size: number;
  /** The current shingle (length dimensions × size); valid once isFull. */
  readonly values: Float64Array;
  private fill = 0;

  constructor(dimensions: number, size: number) {
    if (!Number.isInteger(dimensions) || dimensions < 1) throw new RangeError('dimensions must be an integer >= 1');
    if (!Number.isInteger(size) || size < 1) throw new RangeError('size must be an integer >= 1');
    this.dimensions = dimensions;
    this.size = size;
    this.values = new Float64Array(dimensions * size);
  }

  /** Appends one input, dropping the oldest; returns the shingle (a view, reused on every call). */
  // hot path
  push(input: ArrayLike<number>): Float64Array {
    const d = this.dimensions,
      v = this.values;
    if (input.length !== d) throw new RangeError(`input has ${input.length} values, expected ${d}`);
    v.copyWithin(0, d);
    const base = v.length - d;
    for (let i = 0; i < d; i++) v[base + i] = input[i]!;
    if (this.fill < this.size) this.fill++;
    return v;
  }

  get isFull(): boolean {
    return this.fill >= this.size;
  }
}
