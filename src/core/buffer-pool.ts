/**
 * Reusable large Buffers, by power-of-two size class. A Buffer of hundreds of
 * kilobytes is memory outside V8's heap: allocating tens of megabytes of them a
 * second (10 MiB GetRecords pages, 1 MiB read chunks, PutRecords frames) makes
 * V8 run full mark-compact collections to release them — measured at a quarter
 * of the server's CPU during a read-back. Hot paths take buffers from a pool
 * and give them back once nothing refers to them any more.
 *
 * A released buffer must not be used again by the releaser: the next acquire
 * hands it out. Buffers are never zeroed.
 */
const MIN_CLASS = 16; // 64 KiB
const MAX_CLASS = 25; // 32 MiB: larger requests are plain allocations

export class BufferPool {
  private readonly free: Buffer[][] = [];
  private heldBytes = 0;

  /** `maxHeldBytes`: how much the pool keeps for reuse at most; beyond it released buffers are left to the GC. */
  constructor(private readonly maxHeldBytes: number) {
    for (let c = 0; c <= MAX_CLASS; c++) this.free.push([]);
  }

  /** A buffer of at least `size` bytes (its length is its size class; use `subarray(0, size)` where the length matters). */
  // hot path
  acquire(size: number): Buffer {
    const c = sizeClass(size);
    if (c > MAX_CLASS) return Buffer.allocUnsafeSlow(size);
    const list = this.free[c]!;
    const b = list.pop();
    if (b !== undefined) {
      this.heldBytes -= b.length;
      return b;
    }
    return Buffer.allocUnsafeSlow(2 ** c);
  }

  /** Gives back a buffer from `acquire` (the very object, not a subarray). */
  // hot path
  release(b: Buffer): void {
    const c = sizeClass(b.length);
    if (c > MAX_CLASS || b.length !== 2 ** c || this.heldBytes + b.length > this.maxHeldBytes) return;
    this.free[c]!.push(b);
    this.heldBytes += b.length;
  }

  /** Bytes currently kept for reuse. */
  get held(): number {
    return this.heldBytes;
  }
}

function sizeClass(size: number): number {
  if (size <= 2 ** MIN_CLASS) return MIN_CLASS;
  return Math.ceil(Math.log2(size));
}

/** The process-wide pool of the data path (storage reads and writes, GetRecords responses). */
export const dataBuffers = new BufferPool(128 * 1024 * 1024);
