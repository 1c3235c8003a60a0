/**
 * Building and unpacking RecordSpans (types.ts): a growable set of parallel
 * typed arrays, so a read of 10,000 records allocates a handful of arrays
 * rather than 10,000 objects.
 */
import { dataBuffers } from '../core/index.ts';
import type { LogRecord, RecordSpans } from './types.ts';

const INITIAL_CAPACITY = 256;

export class SpanBuilder implements RecordSpans {
  count = 0;
  nextOffset = 0;
  offsets: Float64Array;
  timestamps: Float64Array;
  bufs: Buffer[] = [];
  buf: Uint32Array;
  keyStart: Uint32Array;
  dataStart: Uint32Array;
  dataEnd: Uint32Array;

  constructor(capacity = INITIAL_CAPACITY) {
    const c = Math.max(1, capacity);
    this.offsets = new Float64Array(c);
    this.timestamps = new Float64Array(c);
    this.buf = new Uint32Array(c);
    this.keyStart = new Uint32Array(c);
    this.dataStart = new Uint32Array(c);
    this.dataEnd = new Uint32Array(c);
  }

  /** Buffers taken from the data pool (returned by `release`). */
  private pooled: Buffer[] | null = null;

  /** Starts a new source buffer; later `add` calls refer to it. `pooled`: it came from `dataBuffers.acquire`. */
  addBuffer(b: Buffer, pooled = false): void {
    this.bufs.push(b);
    if (pooled) (this.pooled ??= []).push(b);
  }

  release(): void {
    const p = this.pooled;
    this.pooled = null;
    this.count = 0;
    this.bufs.length = 0;
    if (p !== null) for (let i = 0; i < p.length; i++) dataBuffers.release(p[i]!);
  }

  // hot path
  add(offset: number, timestampMs: number, keyStart: number, dataStart: number, dataEnd: number): void {
    const i = this.count;
    if (i === this.offsets.length) this.grow();
    this.offsets[i] = offset;
    this.timestamps[i] = timestampMs;
    this.buf[i] = this.bufs.length - 1;
    this.keyStart[i] = keyStart;
    this.dataStart[i] = dataStart;
    this.dataEnd[i] = dataEnd;
    this.count = i + 1;
  }

  private grow(): void {
    const c = this.offsets.length * 2;
    const f64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(c);
      b.set(a);
      return b;
    };
    const u32 = (a: Uint32Array): Uint32Array => {
      const b = new Uint32Array(c);
      b.set(a);
      return b;
    };
    this.offsets = f64(this.offsets);
    this.timestamps = f64(this.timestamps);
    this.buf = u32(this.buf);
    this.keyStart = u32(this.keyStart);
    this.dataStart = u32(this.dataStart);
    this.dataEnd = u32(this.dataEnd);
  }
}

/** Record objects for the spans (data are views into the span buffers, not copies). */
export function recordsFromSpans(s: RecordSpans): LogRecord[] {
  const out = new Array<LogRecord>(s.count);
  for (let i = 0; i < s.count; i++) {
    const b = s.bufs[s.buf[i]!]!;
    const ks = s.keyStart[i]!;
    const ds = s.dataStart[i]!;
    out[i] = {
      offset: s.offsets[i]!,
      key: ds === ks ? '' : b.toString('utf8', ks, ds),
      data: b.subarray(ds, s.dataEnd[i]!),
      timestampMs: s.timestamps[i]!,
    };
  }
  return out;
}

/** Spans for records held as objects (the memory backend): each key and data copied into one buffer. */
export function spansFromRecords(records: readonly LogRecord[], nextOffset: number): RecordSpans {
  const s = new SpanBuilder(records.length);
  let size = 0;
  for (const r of records) size += Buffer.byteLength(r.key, 'utf8') + r.data.byteLength;
  const b = Buffer.allocUnsafe(size);
  s.addBuffer(b);
  let p = 0;
  for (const r of records) {
    const ks = p;
    if (r.key.length > 0) p += b.write(r.key, p, 'utf8');
    const ds = p;
    b.set(r.data, p);
    p += r.data.byteLength;
    s.add(r.offset, r.timestampMs, ks, ds, p);
  }
  s.nextOffset = nextOffset;
  return s;
}
