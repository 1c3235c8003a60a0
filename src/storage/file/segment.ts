/**
 * One segment file of a shard log: `<base offset, 20 digits>.seg`, frames
 * back to back (see frame.ts). Its sparse index lives in memory: one entry per
 * `indexIntervalBytes` of file (offset → file position, plus the largest
 * timestamp seen before that entry for offsetForTimestamp). Memory is
 * 24 bytes per entry, i.e. 0.15% of the data at the default 16 KiB interval.
 *
 * When a segment is sealed (a newer one exists and all its bytes are durable)
 * its index and summary are written to `<base>.idx`, so opening a large log
 * scans only the active segment; a missing, damaged or size-mismatched .idx
 * just means that segment is scanned too (verifying every CRC).
 */
import { join } from 'node:path';
import type { FileLike } from './fs-layer.ts';
import { readFully } from './fs-layer.ts';
import { crc32 } from './crc32.ts';
import { checkFrame, FrameCheck, frameLength, frameOffset, frameTimestamp } from './frame.ts';

export const SEGMENT_SUFFIX = '.seg';

export function segmentFileName(base: number): string {
  return `${String(base).padStart(20, '0')}${SEGMENT_SUFFIX}`;
}

export function parseSegmentFileName(name: string): number | undefined {
  if (!name.endsWith(SEGMENT_SUFFIX)) return undefined;
  const digits = name.slice(0, -SEGMENT_SUFFIX.length);
  if (!/^\d{20}$/.test(digits)) return undefined;
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : undefined;
}

export class Segment {
  /** Open handle; null until `ready` resolves for a newly rolled segment. */
  file: FileLike | null = null;
  /** Resolves when `file` is open (and, for a new file, its directory entry is durable). */
  ready: Promise<void> = Promise.resolve();
  /** False while a rolled segment's file is still being created. */
  created = true;
  /** Bytes assigned to frames so far (written or still pending). */
  size = 0;
  /** Bytes that are durable and visible to readers. */
  durableSize = 0;
  /**
   * Bytes from the start known to be good without a CRC check: written by
   * this process, or already checked by a scan or an earlier read. Reads
   * check CRCs only beyond this point.
   */
  verifiedBytes = 0;
  /** One past the last assigned offset in this segment. */
  next: number;
  /** One past the last durable offset in this segment. */
  durableNext: number;
  /**
   * Clock time when the segment got its first record (NaN when empty); drives
   * roll by age. After recovery: the first record's timestamp.
   */
  firstTs = NaN;
  /** Largest timestamp among assigned / durable records (-Infinity when none). */
  maxTs = -Infinity;
  durableMaxTs = -Infinity;
  /** Timestamp of the last assigned record (NaN when empty). */
  lastTs = NaN;
  /** In-flight reads; a trimmed segment closes its file when this drops to 0. */
  readers = 0;
  removed = false;
  /** Whether `<base>.idx` describes this (sealed) segment. */
  indexFile: 'none' | 'writing' | 'written' = 'none';
  /** A reopen of a sealed segment's closed file, in flight. */
  opening: Promise<FileLike> | null = null;
  /** The .idx write in flight, if any. */
  indexWrite: Promise<void> | null = null;

  // Sparse index, struct-of-arrays in growable Float64Arrays.
  private idxOffset = new Float64Array(16);
  private idxPos = new Float64Array(16);
  private idxPrevMaxTs = new Float64Array(16);
  private idxLen = 0;
  private lastIndexedPos = -Infinity;

  constructor(
    readonly base: number,
    readonly path: string,
    private readonly indexIntervalBytes: number,
  ) {
    this.next = base;
    this.durableNext = base;
  }

  get recordCount(): number {
    return this.next - this.base;
  }

  /** Notes a frame at `pos` (called in offset order while appending or scanning). */
  // hot path
  noteFrame(offset: number, pos: number, timestampMs: number, nowMs = timestampMs): void {
    if (pos - this.lastIndexedPos >= this.indexIntervalBytes) {
      if (this.idxLen === this.idxOffset.length) this.growIndex();
      const i = this.idxLen++;
      this.idxOffset[i] = offset;
      this.idxPos[i] = pos;
      this.idxPrevMaxTs[i] = this.maxTs;
      this.lastIndexedPos = pos;
    }
    if (this.next === this.base) this.firstTs = nowMs;
    if (timestampMs > this.maxTs) this.maxTs = timestampMs;
    this.lastTs = timestampMs;
    this.next = offset + 1;
  }

  private growIndex(): void {
    const n = Math.max(16, this.idxOffset.length * 2);
    const grow = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.idxOffset = grow(this.idxOffset);
    this.idxPos = grow(this.idxPos);
    this.idxPrevMaxTs = grow(this.idxPrevMaxTs);
  }

  /** File position of the last indexed frame at or before `offset`. */
  positionFor(offset: number): number {
    let lo = 0;
    let hi = this.idxLen - 1;
    if (hi < 0) return 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.idxOffset[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return this.idxOffset[lo]! <= offset ? this.idxPos[lo]! : 0;
  }

  /** File position from which a scan finds the first record with timestamp ≥ ts. */
  positionForTimestamp(ts: number): number {
    let lo = 0;
    let hi = this.idxLen - 1;
    if (hi < 0) return 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.idxPrevMaxTs[mid]! < ts) lo = mid;
      else hi = mid - 1;
    }
    return this.idxPos[lo]!;
  }

  /** The sparse index entries (views of the live arrays; copy before keeping). */
  indexEntries(): { offsets: Float64Array; positions: Float64Array; prevMaxTs: Float64Array; length: number } {
    return { offsets: this.idxOffset, positions: this.idxPos, prevMaxTs: this.idxPrevMaxTs, length: this.idxLen };
  }

  /** Whether the sparse index was dropped to save memory (sealed segment; reload from .idx). */
  get indexDropped(): boolean {
    return this.idxLen === 0 && this.next > this.base;
  }

  /** Frees the sparse index of a sealed segment; the summary fields stay. */
  dropIndex(): void {
    this.idxOffset = new Float64Array(0);
    this.idxPos = new Float64Array(0);
    this.idxPrevMaxTs = new Float64Array(0);
    this.idxLen = 0;
  }

  /** Takes over the index another Segment object built for the same file (by a scan). */
  adoptIndex(other: Segment): void {
    this.idxOffset = other.idxOffset;
    this.idxPos = other.idxPos;
    this.idxPrevMaxTs = other.idxPrevMaxTs;
    this.idxLen = other.idxLen;
    this.lastIndexedPos = other.lastIndexedPos;
  }

  /** Sets the state of a sealed segment from its .idx file (entries as f64 triples). */
  restore(next: number, size: number, firstTs: number, maxTs: number, lastTs: number, entries: Buffer, count: number): void {
    const cap = Math.max(16, count);
    this.idxOffset = new Float64Array(cap);
    this.idxPos = new Float64Array(cap);
    this.idxPrevMaxTs = new Float64Array(cap);
    for (let i = 0; i < count; i++) {
      this.idxOffset[i] = entries.readDoubleLE(i * 24);
      this.idxPos[i] = entries.readDoubleLE(i * 24 + 8);
      this.idxPrevMaxTs[i] = entries.readDoubleLE(i * 24 + 16);
    }
    this.idxLen = count;
    this.lastIndexedPos = count > 0 ? this.idxPos[count - 1]! : -Infinity;
    this.next = this.durableNext = next;
    this.size = this.durableSize = size;
    this.firstTs = firstTs;
    this.maxTs = this.durableMaxTs = maxTs;
    this.lastTs = lastTs;
  }

  /** Advances the durable point (called after a successful write + fsync). */
  markDurable(size: number, next: number, maxTs: number): void {
    if (size > this.durableSize) this.durableSize = size;
    if (size > this.verifiedBytes) this.verifiedBytes = size;
    if (next > this.durableNext) this.durableNext = next;
    if (maxTs > this.durableMaxTs) this.durableMaxTs = maxTs;
  }

  /** Forgets everything beyond the durable point (after a failed write). */
  rollbackToDurable(): void {
    this.size = this.durableSize;
    if (this.verifiedBytes > this.durableSize) this.verifiedBytes = this.durableSize;
    this.next = this.durableNext;
    this.maxTs = this.durableMaxTs;
    while (this.idxLen > 0 && this.idxPos[this.idxLen - 1]! >= this.durableSize) this.idxLen--;
    this.lastIndexedPos = this.idxLen > 0 ? this.idxPos[this.idxLen - 1]! : -Infinity;
    if (this.next === this.base) this.firstTs = NaN;
  }
}

const IDX_MAGIC = 0x58444946; // 'FIDX'
const IDX_VERSION = 1;
const IDX_HEADER_BYTES = 4 + 4 + 6 * 8 + 4;

export function indexPath(segPath: string): string {
  return `${segPath.slice(0, -SEGMENT_SUFFIX.length)}.idx`;
}

/**
 * Serialises a sealed, fully durable segment's state and sparse index:
 * magic, version, base, next, size, firstTs, maxTs, lastTs, entry count,
 * entries (offset, position, prevMaxTs as f64), CRC-32 of everything before.
 */
export function encodeSegmentIndex(seg: Segment): Buffer {
  const { offsets, positions, prevMaxTs, length } = seg.indexEntries();
  const buf = Buffer.alloc(IDX_HEADER_BYTES + length * 24 + 4);
  let p = 0;
  p = buf.writeUInt32LE(IDX_MAGIC, p);
  p = buf.writeUInt32LE(IDX_VERSION, p);
  for (const v of [seg.base, seg.durableNext, seg.durableSize, seg.firstTs, seg.durableMaxTs, seg.lastTs]) p = buf.writeDoubleLE(v, p);
  p = buf.writeUInt32LE(length, p);
  for (let i = 0; i < length; i++) {
    p = buf.writeDoubleLE(offsets[i]!, p);
    p = buf.writeDoubleLE(positions[i]!, p);
    p = buf.writeDoubleLE(prevMaxTs[i]!, p);
  }
  buf.writeUInt32LE(crc32(buf, 0, p), p);
  return buf;
}

/**
 * Loads `buf` (an .idx file) into an empty segment if it is intact and
 * describes exactly `fileBytes` of data; returns false (and changes nothing)
 * otherwise, in which case the caller scans the segment instead.
 */
export function loadSegmentIndex(seg: Segment, buf: Buffer, fileBytes: number): boolean {
  if (buf.length < IDX_HEADER_BYTES + 4) return false;
  if (buf.readUInt32LE(0) !== IDX_MAGIC || buf.readUInt32LE(4) !== IDX_VERSION) return false;
  const count = buf.readUInt32LE(IDX_HEADER_BYTES - 4);
  const end = IDX_HEADER_BYTES + count * 24;
  if (buf.length !== end + 4 || crc32(buf, 0, end) !== buf.readUInt32LE(end)) return false;
  const base = buf.readDoubleLE(8);
  const next = buf.readDoubleLE(16);
  const size = buf.readDoubleLE(24);
  if (base !== seg.base || size !== fileBytes || next < base) return false;
  seg.restore(next, size, buf.readDoubleLE(32), buf.readDoubleLE(40), buf.readDoubleLE(48), buf.subarray(IDX_HEADER_BYTES, end), count);
  seg.indexFile = 'written';
  return true;
}

export interface ScanResult {
  /** Bytes of valid frames from the start of the file. */
  validBytes: number;
  /** File size found. */
  fileBytes: number;
  /** Why the scan stopped before the end of the file, if it did. */
  stopReason?: string;
}

const SCAN_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Reads the whole segment, verifying each frame's length, CRC and offset
 * continuity, and feeds valid frames to the segment's index. Stops at the
 * first invalid frame.
 */
export async function scanSegment(seg: Segment, file: FileLike): Promise<ScanResult> {
  const fileBytes = (await file.stat()).size;
  let buf = Buffer.allocUnsafe(Math.min(SCAN_CHUNK_BYTES, Math.max(fileBytes, 64)));
  let chunkStart = 0; // file position of buf[0]
  let expected = seg.base;
  let stopReason: string | undefined;
  let pos = 0; // file position of the next frame
  outer: while (pos < fileBytes) {
    const want = Math.min(buf.length, fileBytes - pos);
    const got = await readFully(file, buf, want, pos);
    chunkStart = pos;
    let p = 0;
    for (;;) {
      const check = checkFrame(buf, p, got, true);
      if (check === FrameCheck.SHORT) {
        if (got < want || chunkStart + got >= fileBytes) {
          if (p < got) stopReason = `incomplete frame at byte ${chunkStart + p}`;
          pos = chunkStart + p;
          break outer;
        }
        if (p === 0) {
          // A single frame larger than the chunk: grow the buffer to hold it.
          const len = got >= 4 ? frameLength(buf, 0) : 0;
          if (len <= buf.length) {
            stopReason = `unreadable frame at byte ${chunkStart}`;
            pos = chunkStart;
            break outer;
          }
          buf = Buffer.allocUnsafe(len);
        }
        pos = chunkStart + p;
        continue outer;
      }
      if (check === FrameCheck.BAD) {
        stopReason = `corrupt frame (length or CRC) at byte ${chunkStart + p}`;
        pos = chunkStart + p;
        break outer;
      }
      const off = frameOffset(buf, p);
      if (off !== expected) {
        stopReason = `frame at byte ${chunkStart + p} has offset ${off}, expected ${expected}`;
        pos = chunkStart + p;
        break outer;
      }
      seg.noteFrame(off, chunkStart + p, frameTimestamp(buf, p));
      expected++;
      p += frameLength(buf, p);
    }
  }
  seg.size = pos;
  seg.markDurable(pos, seg.next, seg.maxTs);
  return { validBytes: pos, fileBytes, stopReason };
}

export function segmentPath(dir: string, base: number): string {
  return join(dir, segmentFileName(base));
}
