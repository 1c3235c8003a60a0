/**
 * Which log offsets still have outputs waiting for delivery, and so the
 * delivery checkpoint: the lowest offset whose outputs are not all delivered.
 * A record may produce several outputs (processors, backup, error records), so
 * each offset counts its outputs in flight; the counts live in one Int32Array
 * window starting at `base` that is compacted as the checkpoint moves.
 */
export class OffsetLedger {
  private base: number;
  private pending = new Int32Array(1024);
  private committedOffset: number;

  constructor(from: number) {
    this.base = from;
    this.committedOffset = from;
  }

  /** Offset below which every output is delivered. */
  get committed(): number {
    return this.committedOffset;
  }

  /** One more output of `offset` is in flight. */
  // hot path: once per buffered output
  add(offset: number): void {
    let idx = offset - this.base;
    if (idx >= this.pending.length) {
      // Compact first: drop the prefix below the committed offset.
      const shift = this.committedOffset - this.base;
      if (shift > 0) {
        if (shift >= this.pending.length) this.pending.fill(0);
        else {
          this.pending.copyWithin(0, shift);
          this.pending.fill(0, this.pending.length - shift);
        }
        this.base = this.committedOffset;
        idx = offset - this.base;
      }
      if (idx >= this.pending.length) {
        let size = this.pending.length;
        while (size <= idx) size *= 2;
        const grown = new Int32Array(size);
        grown.set(this.pending);
        this.pending = grown;
      }
    }
    this.pending[idx]!++;
  }

  /** One output of `offset` is delivered (or given up). */
  release(offset: number): void {
    this.pending[offset - this.base]!--;
  }

  /**
   * Moves the checkpoint up to `ingestedTo` (everything below it has been read and routed) past
   * offsets with no output in flight; returns whether it moved.
   */
  advance(ingestedTo: number): boolean {
    let c = this.committedOffset;
    // Offsets past the array never had an output (dropped, or de-aggregated into nothing): they count as done.
    while (c < ingestedTo && (this.pending[c - this.base] ?? 0) === 0) c++;
    if (c === this.committedOffset) return false;
    this.committedOffset = c;
    return true;
  }
}
