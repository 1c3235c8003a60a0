/**
 * The cells of one series inside one block, as columns: a cell's offset in the
 * block (in units of the tier's resolution) and its SampleCount, Sum, Minimum,
 * Maximum and distribution sketch (null where percentiles are unavailable).
 * Cells stay sorted by offset; data arrives in time order almost always, so a
 * merge is "same cell as the last one" or "append", and an insert in the middle
 * (late data) shifts the columns.
 *
 * Sketches are kept encoded (the same bytes as in block files) in one byte
 * arena per run, not as objects: a day of latency distributions is hundreds of
 * thousands of cells, and as objects they made every garbage collection walk
 * them. A cell's sketch is decoded when a percentile query or a merge needs it;
 * a merge appends the new encoding and leaves the old bytes as garbage, which
 * is compacted away once it outweighs the live bytes.
 *
 * Block files are these columns for every series of the block:
 *
 *   "FMB1" u8 version u8 tier u16 0 u32 seriesCount f64 blockStartSec u32 coveredWal u32 0
 *   per series (8-byte aligned):
 *     u32 seriesId  u16 cells  u8 layout  u8 0
 *     u16 offsets[cells] (padded to 8)
 *     layout SINGLE (every cell one sample): f64 value[cells]
 *     layout FULL: f64 count[cells] f64 sum[cells] f64 min[cells] f64 max[cells]
 *     u32 sketchBytes, then for each cell a u8 flag (1 = sketch follows) and the sketch (padded to 8)
 *   u32 crc32 of everything before it
 *
 * `coveredWal` is the write-ahead-log sequence this block already includes:
 * recovery replays only records from later logs into it, so a crash between
 * writing blocks and deleting the log never counts a datapoint twice.
 */
import { ByteReader, ByteWriter, crc32 } from '../bytes.ts';
import { Sketch } from '../sketch.ts';

export const LAYOUT_SINGLE = 1;
export const LAYOUT_FULL = 2;
const MAGIC = 0x31424d46; // "FMB1" little-endian
const VERSION = 1;

const scratch = new ByteWriter(1024);

export class CellRun {
  n = 0;
  off: Uint16Array;
  count: Float64Array;
  sum: Float64Array;
  min: Float64Array;
  max: Float64Array;
  /** Per cell: where its encoded sketch starts in `arena`, or −1 (no distribution); null while no cell has one. */
  skAt: Int32Array | null = null;
  skLen: Uint32Array | null = null;
  arena: Buffer | null = null;
  arenaUsed = 0;
  private arenaGarbage = 0;

  constructor(capacity = 4) {
    this.off = new Uint16Array(capacity);
    this.count = new Float64Array(capacity);
    this.sum = new Float64Array(capacity);
    this.min = new Float64Array(capacity);
    this.max = new Float64Array(capacity);
  }

  /** Approximate bytes (columns + sketch arena), for the cache budget. */
  bytes(): number {
    return 64 + this.off.length * 34 + (this.skAt ? this.off.length * 8 + this.arena!.length : 0);
  }

  private grow(): void {
    const cap = this.off.length * 2;
    const off = new Uint16Array(cap);
    off.set(this.off);
    this.off = off;
    this.count = growF64(this.count, cap);
    this.sum = growF64(this.sum, cap);
    this.min = growF64(this.min, cap);
    this.max = growF64(this.max, cap);
    if (this.skAt) {
      const at = new Int32Array(cap).fill(-1);
      at.set(this.skAt);
      this.skAt = at;
      const len = new Uint32Array(cap);
      len.set(this.skLen!);
      this.skLen = len;
    }
  }

  /** Index of the cell at `offset`, or −(insertion point) − 1. */
  find(offset: number): number {
    let lo = 0;
    let hi = this.n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const o = this.off[mid]!;
      if (o === offset) return mid;
      if (o < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return -lo - 1;
  }

  /** First cell index with offset ≥ `offset`. */
  lowerBound(offset: number): number {
    const i = this.find(offset);
    return i >= 0 ? i : -i - 1;
  }

  /** True when cell i has a distribution. */
  hasSketch(i: number): boolean {
    return this.skAt !== null && this.skAt[i]! >= 0;
  }

  /** Cell i's distribution, decoded (a fresh object the caller may change), or null. */
  sketchAt(i: number): Sketch | null {
    if (!this.hasSketch(i)) return null;
    const at = this.skAt![i]!;
    return Sketch.decode(new ByteReader(this.arena!, at, at + this.skLen![i]!));
  }

  /** The encoded bytes of cell i's sketch (for block files). */
  sketchBytes(i: number): Uint8Array | null {
    if (!this.hasSketch(i)) return null;
    const at = this.skAt![i]!;
    return this.arena!.subarray(at, at + this.skLen![i]!);
  }

  /** Stores already-encoded sketch bytes for cell i. */
  setSketchBytes(i: number, bytes: Uint8Array): void {
    if (!this.skAt) {
      this.skAt = new Int32Array(this.off.length).fill(-1);
      this.skLen = new Uint32Array(this.off.length);
    }
    if (this.skAt[i]! >= 0) {
      // The old encoding becomes garbage (and must not be copied if the arena is compacted now).
      this.arenaGarbage += this.skLen![i]!;
      this.skAt[i] = -1;
    }
    if (!this.arena || this.arenaUsed + bytes.length > this.arena.length) this.growArena(bytes.length);
    this.arena!.set(bytes, this.arenaUsed);
    this.skAt[i] = this.arenaUsed;
    this.skLen![i] = bytes.length;
    this.arenaUsed += bytes.length;
  }

  private setSketch(i: number, s: Sketch): void {
    scratch.reset();
    s.encode(scratch);
    this.setSketchBytes(i, scratch.buf.subarray(0, scratch.pos));
  }

  private dropSketch(i: number): void {
    if (this.skAt && this.skAt[i]! >= 0) {
      this.arenaGarbage += this.skLen![i]!;
      this.skAt[i] = -1;
    }
  }

  /** Makes room for `extra` bytes: compacts when most of the arena is garbage, otherwise grows it 1.5×. */
  private growArena(extra: number): void {
    const live = this.arenaUsed - this.arenaGarbage;
    const size = Math.max(256, Math.ceil((live + extra) * 1.5));
    const next = Buffer.alloc(size);
    let p = 0;
    if (this.arena) {
      for (let i = 0; i < this.n; i++) {
        const at = this.skAt![i]!;
        if (at < 0) continue;
        const len = this.skLen![i]!;
        next.set(this.arena.subarray(at, at + len), p);
        this.skAt![i] = p;
        p += len;
      }
    }
    this.arena = next;
    this.arenaUsed = p;
    this.arenaGarbage = 0;
  }

  /**
   * Folds a contribution into the cell at `offset`. `sketch` null means the
   * contribution carries no distribution, which makes the cell's unavailable.
   * The sketch is encoded into the run, so callers may reuse theirs.
   */
  // hot path
  merge(offset: number, count: number, sum: number, min: number, max: number, sketch: Sketch | null): void {
    let i: number;
    const n = this.n;
    if (n > 0 && this.off[n - 1] === offset) i = n - 1;
    else if (n === 0 || this.off[n - 1]! < offset) i = this.insert(n, offset);
    else {
      const f = this.find(offset);
      if (f < 0) i = this.insert(-f - 1, offset);
      else i = f;
    }
    if (this.count[i] === 0) {
      this.count[i] = count;
      this.sum[i] = sum;
      this.min[i] = min;
      this.max[i] = max;
      if (sketch) this.setSketch(i, sketch);
      return;
    }
    this.count[i]! += count;
    this.sum[i]! += sum;
    if (min < this.min[i]!) this.min[i] = min;
    if (max > this.max[i]!) this.max[i] = max;
    if (this.hasSketch(i)) {
      if (sketch) {
        const own = this.sketchAt(i)!;
        own.merge(sketch);
        this.setSketch(i, own);
      } else this.dropSketch(i);
    }
  }

  private insert(i: number, offset: number): number {
    if (this.n === this.off.length) this.grow();
    if (i < this.n) {
      this.off.copyWithin(i + 1, i, this.n);
      this.count.copyWithin(i + 1, i, this.n);
      this.sum.copyWithin(i + 1, i, this.n);
      this.min.copyWithin(i + 1, i, this.n);
      this.max.copyWithin(i + 1, i, this.n);
      if (this.skAt) {
        this.skAt.copyWithin(i + 1, i, this.n);
        this.skLen!.copyWithin(i + 1, i, this.n);
      }
    }
    this.off[i] = offset;
    this.count[i] = 0;
    this.sum[i] = 0;
    this.min[i] = 0;
    this.max[i] = 0;
    if (this.skAt) this.skAt[i] = -1;
    this.n++;
    return i;
  }
}

function growF64(a: Float64Array, cap: number): Float64Array {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}

export interface DecodedBlock {
  tierIndex: number;
  startSec: number;
  coveredWal: number;
  runs: Map<number, CellRun>;
}

/** Encodes one block (every run) into a file image. */
export function encodeBlock(tierIndex: number, startSec: number, coveredWal: number, runs: Map<number, CellRun>): Buffer {
  const w = new ByteWriter(1024);
  w.u32(MAGIC);
  w.u8(VERSION);
  w.u8(tierIndex);
  w.u16(0);
  let nonEmpty = 0;
  for (const run of runs.values()) if (run.n > 0) nonEmpty++;
  w.u32(nonEmpty);
  w.f64(startSec);
  w.u32(coveredWal);
  w.u32(0);
  for (const [id, run] of runs) {
    const n = run.n;
    if (n === 0) continue;
    let single = true;
    for (let i = 0; i < n && single; i++) single = run.count[i] === 1 && run.min[i] === run.max[i] && run.sum[i] === run.min[i];
    w.u32(id);
    w.u16(n);
    w.u8(single ? LAYOUT_SINGLE : LAYOUT_FULL);
    w.u8(0);
    w.ensure(n * 2);
    for (let i = 0; i < n; i++) w.u16(run.off[i]!);
    w.align(8);
    writeF64s(w, run.sum, n);
    if (!single) {
      writeF64s(w, run.count, n);
      writeF64s(w, run.min, n);
      writeF64s(w, run.max, n);
    }
    const lenAt = w.pos;
    w.u32(0);
    const sketchStart = w.pos;
    if (run.skAt) {
      for (let i = 0; i < n; i++) {
        const b = run.sketchBytes(i);
        if (b) {
          w.u8(1);
          w.bytes(b);
        } else w.u8(0);
      }
    }
    w.buf.writeUInt32LE(w.pos - sketchStart, lenAt);
    w.align(8);
  }
  const crc = crc32(w.buf, 0, w.pos);
  w.u32(crc);
  return w.toBuffer();
}

function writeF64s(w: ByteWriter, a: Float64Array, n: number): void {
  w.ensure(n * 8);
  // The writer's position is 8-byte aligned here; copy the column's bytes at once.
  w.buf.set(new Uint8Array(a.buffer, a.byteOffset, n * 8), w.pos);
  w.pos += n * 8;
}

/** Decodes a block file image; throws on a bad magic, version or CRC. */
export function decodeBlock(buf: Buffer): DecodedBlock {
  if (buf.length < 36) throw new RangeError('block file too short');
  const crcAt = buf.length - 4;
  if (crc32(buf, 0, crcAt) !== buf.readUInt32LE(crcAt)) throw new RangeError('block file CRC mismatch');
  const r = new ByteReader(buf, 0, crcAt);
  if (r.u32() !== MAGIC) throw new RangeError('not a metrics block file');
  if (r.u8() !== VERSION) throw new RangeError('unknown metrics block version');
  const tierIndex = r.u8();
  r.u16();
  const seriesCount = r.u32();
  const startSec = r.f64();
  const coveredWal = r.u32();
  r.u32();
  const runs = new Map<number, CellRun>();
  for (let s = 0; s < seriesCount; s++) {
    const id = r.u32();
    const n = r.u16();
    const layout = r.u8();
    r.u8();
    const run = new CellRun(Math.max(4, n));
    for (let i = 0; i < n; i++) run.off[i] = r.u16();
    r.align(8);
    const sums = r.f64Array(n);
    run.sum.set(sums);
    if (layout === LAYOUT_SINGLE) {
      run.count.fill(1, 0, n);
      run.min.set(sums);
      run.max.set(sums);
    } else {
      run.count.set(r.f64Array(n));
      run.min.set(r.f64Array(n));
      run.max.set(r.f64Array(n));
    }
    run.n = n;
    const sketchBytes = r.u32();
    const sketchEnd = r.pos + sketchBytes;
    if (sketchBytes > 0) {
      // The file holds the same encodings the arena does: copy them in, decoding only to find where each ends.
      for (let i = 0; i < n; i++) {
        if (r.u8() !== 1) continue;
        const from = r.pos;
        Sketch.decode(r);
        run.setSketchBytes(i, r.buf.subarray(from, r.pos));
      }
    }
    r.pos = sketchEnd;
    r.align(8);
    runs.set(id, run);
  }
  return { tierIndex, startSec, coveredWal, runs };
}
