/**
 * A shard log on disk: a directory of segment files (segment.ts), the newest
 * one active. `append` frames a whole batch into one buffer and assigns
 * offsets and file positions synchronously; the storage's group-commit cycle
 * (file-storage.ts) writes every pending batch of every log, fsyncs the
 * touched files in parallel and only then advances `endOffset` and resolves
 * `durable`. Reads are positional reads of durable bytes.
 */
import { unlink } from 'node:fs/promises';
import type { Clock } from '../../core/clock.ts';
import { dataBuffers } from '../../core/buffer-pool.ts';
import type { AppendRecord, AppendResult, ReadLimits, ReadResult, RecordSpans, ShardLog } from '../types.ts';
import { SpanBuilder, recordsFromSpans } from '../spans.ts';
import { StorageError } from '../types.ts';
import type { FileLike, FsLayer } from './fs-layer.ts';
import { readFully, removeFile } from './fs-layer.ts';
import { checkFrame, FRAME_HEADER_BYTES, FrameCheck, frameKeyBytes, frameLength, frameOffset, frameTimestamp, writeFrame } from './frame.ts';
import { Segment, indexPath, segmentPath } from './segment.ts';

/** What a log needs from its storage. */
export interface LogHost {
  readonly fs: FsLayer;
  readonly clock: Clock;
  readonly segmentMaxBytes: number;
  readonly segmentMaxAgeMs: number;
  readonly indexIntervalBytes: number;
  readonly verifyReads: boolean;
  /** Called when a log has pending batches. */
  schedule(log: FileShardLog): void;
  /** Creates a new segment file and makes its directory entry durable. */
  createSegmentFile(seg: Segment, dir: string): Promise<FileLike>;
  /** Reports a problem that has no caller to reject (e.g. a background close failure). */
  warn(message: string, cause?: unknown): void;
  /** The segment's open file, reopening a sealed segment whose handle was closed to bound open files. */
  fileFor(seg: Segment): Promise<FileLike>;
  /** Flags for opening a segment file for writing (O_DSYNC in fsync-always mode). */
  openFlags(create: boolean): string | number;
  /** Forgets a segment that is no longer sealed (reactivated) or no longer exists. */
  unseal(seg: Segment): void;
}

/** All batches appended between two commit cycles; they succeed or fail together. */
export class PendingGroup {
  readonly bufs: Buffer[] = [];
  /** Pool buffers behind some of `bufs`, given back when the group is done. */
  readonly pooled: Buffer[] = [];
  readonly segs: Segment[] = [];
  readonly positions: number[] = [];
  /** Per batch: offset one past its last record, and its segment's running max timestamp after it. */
  readonly ends: number[] = [];
  readonly maxTs: number[] = [];
  /** Offset one past the group's last record. */
  endOffset = 0;
  lastTs = NaN;
  readonly promise: Promise<void>;
  resolve!: () => void;
  reject!: (e: Error) => void;

  constructor() {
    this.promise = new Promise<void>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    // Callers may drop `durable`; a failed group must not become an unhandled rejection.
    this.promise.catch(noop);
  }
}

function noop(): void {}

function releasePooled(g: PendingGroup): void {
  for (let i = 0; i < g.pooled.length; i++) dataBuffers.release(g.pooled[i]!);
  g.pooled.length = 0;
}

/** Batches of at least this many bytes are framed into pooled buffers. */
const POOLED_BATCH_BYTES = 16 * 1024;

const READ_CHUNK_MIN_BYTES = 64 * 1024;
const READ_CHUNK_MAX_BYTES = 1024 * 1024;
/** Span arrays start this long and double as needed. */
const SPANS_INITIAL_CAPACITY = 1024;

export class FileShardLog implements ShardLog {
  readonly segments: Segment[] = [];
  /** Next offset to assign. */
  nextOffset = 0;
  /** One past the last durable (visible) offset. */
  durableEnd = 0;
  private durableLastTs: number | undefined;
  /** Batches appended since the last cycle took them. */
  pending: PendingGroup | null = null;
  /** Set while a failed write is being rolled back; the next write waits for it. */
  barrier: Promise<void> | null = null;
  /** Set when the log can no longer be written safely (rollback itself failed). */
  broken: StorageError | null = null;
  /** Set when the log was deleted or its storage closed: appends throw it. */
  gone: StorageError | null = null;
  private listeners: Array<(end: number) => void> = [];

  constructor(
    readonly id: string,
    readonly dir: string,
    private readonly host: LogHost,
  ) {}

  get startOffset(): number {
    const first = this.segments[0];
    return first ? Math.min(first.base, this.durableEnd) : this.durableEnd;
  }
  get endOffset(): number {
    return this.durableEnd;
  }
  get lastTimestampMs(): number | undefined {
    return this.startOffset >= this.durableEnd ? undefined : this.durableLastTs;
  }

  /** Sets the durable state after recovery. */
  initFromSegments(): void {
    const last = this.segments.at(-1);
    this.nextOffset = last ? last.next : 0;
    this.durableEnd = this.nextOffset;
    this.durableLastTs = undefined;
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const s = this.segments[i]!;
      if (s.next > s.base) {
        this.durableLastTs = s.lastTs;
        break;
      }
    }
  }

  // hot path
  append(records: readonly AppendRecord[]): AppendResult {
    if (this.gone !== null) throw this.gone;
    const firstOffset = this.nextOffset;
    if (this.broken) {
      const durable = Promise.reject(this.broken);
      durable.catch(noop); // a dropped `durable` must not become an unhandled rejection
      return { firstOffset, durable };
    }
    const n = records.length;
    if (n === 0) return { firstOffset, durable: Promise.resolve() };

    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const r = records[i]!;
      const keyBytes = r.key.length === 0 ? 0 : Buffer.byteLength(r.key, 'utf8');
      if (keyBytes > 0xffff) throw new StorageError(`record key of ${keyBytes} bytes exceeds 65535`, 'INVALID');
      bytes += FRAME_HEADER_BYTES + keyBytes + r.data.length;
    }

    let seg = this.segments[this.segments.length - 1]!;
    const now = this.host.clock.now();
    if (seg.recordCount > 0 && (seg.size + bytes > this.host.segmentMaxBytes || now - seg.firstTs >= this.host.segmentMaxAgeMs)) {
      seg = this.roll(firstOffset);
    }

    // A large batch's frames go into a pooled buffer, given back once the commit cycle has
    // written them (completeGroup / failGroup); small ones come from Node's own slab.
    let buf: Buffer;
    if (bytes >= POOLED_BATCH_BYTES) {
      const whole = dataBuffers.acquire(bytes);
      buf = whole.subarray(0, bytes);
      (this.pending ?? this.newPendingGroup()).pooled.push(whole);
    } else buf = Buffer.allocUnsafe(bytes);
    const base = seg.size;
    let p = 0;
    let off = firstOffset;
    let ts = 0;
    for (let i = 0; i < n; i++) {
      const r = records[i]!;
      ts = r.timestampMs;
      seg.noteFrame(off, base + p, ts, now);
      p = writeFrame(buf, p, off, ts, r.key, r.data);
      off++;
    }
    seg.size = base + bytes;
    this.nextOffset = off;

    const g = this.pending ?? this.newPendingGroup();
    g.bufs.push(buf);
    g.segs.push(seg);
    g.positions.push(base);
    g.ends.push(off);
    g.maxTs.push(seg.maxTs);
    g.endOffset = off;
    g.lastTs = ts;
    return { firstOffset, durable: g.promise };
  }

  private newPendingGroup(): PendingGroup {
    const g = (this.pending = new PendingGroup());
    this.host.schedule(this);
    return g;
  }

  /** Starts a new active segment at `base`; its file is created before anything is written to it. */
  private roll(base: number): Segment {
    const seg = new Segment(base, segmentPath(this.dir, base), this.host.indexIntervalBytes);
    // After a failed write the rollback may still be removing a file with this very name.
    const after = this.barrier ?? Promise.resolve();
    seg.created = false;
    seg.ready = after
      .then(() => this.host.createSegmentFile(seg, this.dir))
      .then((f) => {
        seg.file = f;
        seg.created = true;
      });
    seg.ready.catch(noop); // observed by the commit cycle
    this.segments.push(seg);
    return seg;
  }

  /** Called by the commit cycle once the group's bytes are durable. */
  completeGroup(g: PendingGroup): void {
    const segs = g.segs;
    for (let i = 0; i < segs.length; i++) {
      segs[i]!.markDurable(g.positions[i]! + g.bufs[i]!.length, g.ends[i]!, g.maxTs[i]!);
    }
    this.durableEnd = g.endOffset;
    this.durableLastTs = g.lastTs;
    releasePooled(g);
    g.resolve();
    const ls = this.listeners;
    if (ls.length > 0) {
      const end = this.durableEnd;
      for (let i = 0; i < ls.length; i++) {
        try {
          ls[i]!(end);
        } catch (e) {
          // A listener's bug must not stop the commit of other logs.
          this.host.warn(`onAppend listener of log ${this.id} threw`, e);
        }
      }
    }
  }

  /**
   * Called by the commit cycle when writing or syncing failed: rejects the
   * group and everything appended after it, forgets their bytes and offsets
   * and truncates the files back to the durable point.
   */
  failGroup(g: PendingGroup, err: StorageError): void {
    releasePooled(g);
    g.reject(err);
    const later = this.pending;
    this.pending = null;
    if (later) {
      releasePooled(later);
      later.reject(err);
    }
    this.nextOffset = this.durableEnd;
    const dropped: Segment[] = [];
    while (this.segments.length > 1) {
      const last = this.segments[this.segments.length - 1]!;
      if (last.durableNext > last.base || last.durableSize > 0) break;
      this.segments.pop();
      dropped.push(last);
    }
    const active = this.segments[this.segments.length - 1]!;
    active.rollbackToDurable();
    // Active again: an .idx written while it looked sealed no longer describes it.
    const staleIndex = active.indexFile !== 'none';
    active.indexFile = 'none';
    const prior = this.barrier;
    const barrier: Promise<void> = (async () => {
      if (prior) await prior;
      if (staleIndex) {
        if (active.indexWrite) await active.indexWrite;
        await removeFile(indexPath(active.path), 'removing a stale segment index');
      }
      this.host.unseal(active);
      for (const s of dropped) {
        await s.ready.catch(noop);
        if (s.file) await s.file.close().catch(noop);
        await removeFile(s.path, 'removing a rolled-back segment');
      }
      await active.ready;
      const file = active.file ?? (active.file = await this.host.fs.open(active.path, this.host.openFlags(false)));
      await file.truncate(active.durableSize);
    })().then(
      () => {
        if (this.barrier === barrier) this.barrier = null;
      },
      (e) => {
        if (this.barrier === barrier) this.barrier = null;
        this.broken = new StorageError(`log ${this.id} cannot be repaired after a failed write: ${(e as Error).message}`, 'EIO', { cause: e });
        this.host.warn(this.broken.message, e);
      },
    );
    this.barrier = barrier;
  }

  async read(fromOffset: number, limits: ReadLimits): Promise<ReadResult> {
    const spans = await this.readSpans(fromOffset, limits);
    return { records: recordsFromSpans(spans), nextOffset: spans.nextOffset };
  }

  async readSpans(fromOffset: number, limits: ReadLimits): Promise<RecordSpans> {
    if (this.gone !== null) throw this.gone;
    let off = Math.max(fromOffset, this.startOffset);
    const end = this.durableEnd;
    const out = new SpanBuilder(Math.min(limits.maxRecords, Math.max(0, end - off), SPANS_INITIAL_CAPACITY));
    out.nextOffset = off;
    if (off >= end || limits.maxRecords <= 0) return out;
    let bytes = 0;
    const verify = this.host.verifyReads;
    while (out.count < limits.maxRecords && off < end) {
      // Looked up afresh each time round: a concurrent trim may have shifted the array.
      const si = this.segmentIndexFor(off);
      const seg = this.segments[si];
      if (!seg) break;
      if (off >= seg.durableNext) {
        const nextSeg = this.segments[si + 1];
        if (!nextSeg || nextSeg.base <= off) break;
        off = nextSeg.base; // a gap left by recovery from a corrupt sealed segment
        continue;
      }
      if (off < seg.base) off = seg.base;
      const before = off;
      seg.readers++;
      try {
        const file = await this.host.fileFor(seg);
        let pos = seg.positionFor(off);
        const limitPos = seg.durableSize;
        let chunk = Math.min(READ_CHUNK_MAX_BYTES, Math.max(READ_CHUNK_MIN_BYTES, limits.maxBytes - bytes + 4096));
        let stop = false;
        while (!stop && pos < limitPos) {
          const want = Math.min(chunk, limitPos - pos);
          const buf = dataBuffers.acquire(want);
          out.addBuffer(buf, true);
          const got = await readFully(file, buf, want, pos);
          // CRCs are checked only for bytes not already known good (see Segment.verifiedBytes).
          const verifiedBytes = seg.verifiedBytes;
          let p = 0;
          // hot path
          for (;;) {
            const check = checkFrame(buf, p, got, verify && pos + p >= verifiedBytes);
            if (check === FrameCheck.SHORT) break;
            if (check === FrameCheck.BAD) {
              throw new StorageError(`corrupt record in ${seg.path} at byte ${pos + p}`, 'CORRUPT');
            }
            const o = frameOffset(buf, p);
            const len = frameLength(buf, p);
            if (o >= off) {
              if (o >= end) {
                stop = true;
                break;
              }
              const keyStart = p + FRAME_HEADER_BYTES;
              const dataStart = keyStart + frameKeyBytes(buf, p);
              const dataBytes = p + len - dataStart;
              if (out.count > 0 && bytes + dataBytes > limits.maxBytes) {
                stop = true;
                break;
              }
              bytes += dataBytes;
              out.add(o, frameTimestamp(buf, p), keyStart, dataStart, p + len);
              off = o + 1;
              if (out.count >= limits.maxRecords) {
                stop = true;
                break;
              }
            }
            p += len;
          }
          if (p === 0) {
            if (stop || got < FRAME_HEADER_BYTES) break;
            // One frame bigger than the chunk: read exactly that frame next.
            chunk = Math.max(chunk, frameLength(buf, 0));
          }
          if (verify && pos <= verifiedBytes && pos + p > seg.verifiedBytes) seg.verifiedBytes = pos + p;
          pos += p;
          if (got < want) break;
        }
        if (stop) break;
      } finally {
        seg.readers--;
        if (seg.removed && seg.readers === 0) this.closeRemoved(seg);
      }
      if (off === before) break; // no progress (durable bytes not yet readable): return what we have
    }
    out.nextOffset = off;
    return out;
  }

  /** Index of the segment holding `offset` (the last one whose base ≤ offset). */
  private segmentIndexFor(offset: number): number {
    const segs = this.segments;
    let lo = 0;
    let hi = segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segs[mid]!.base <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  async offsetForTimestamp(ts: number): Promise<number> {
    if (this.gone !== null) throw this.gone;
    const end = this.durableEnd;
    for (let si = 0; si < this.segments.length; si++) {
      const seg = this.segments[si]!;
      if (seg.durableNext <= seg.base || seg.base >= end) continue;
      if (seg.durableMaxTs < ts) continue;
      seg.readers++;
      try {
        const found = await this.scanForTimestamp(seg, await this.host.fileFor(seg), ts, Math.min(end, seg.durableNext));
        if (found !== undefined) return found;
      } finally {
        seg.readers--;
        if (seg.removed && seg.readers === 0) this.closeRemoved(seg);
      }
    }
    return end;
  }

  private async scanForTimestamp(seg: Segment, file: FileLike, ts: number, endOffset: number): Promise<number | undefined> {
    let pos = seg.positionForTimestamp(ts);
    const limitPos = seg.durableSize;
    let chunk = READ_CHUNK_MIN_BYTES;
    while (pos < limitPos) {
      const want = Math.min(chunk, limitPos - pos);
      const buf = Buffer.allocUnsafe(want);
      const got = await readFully(file, buf, want, pos);
      let p = 0;
      for (;;) {
        const check = checkFrame(buf, p, got, false);
        if (check === FrameCheck.SHORT) break;
        if (check === FrameCheck.BAD) throw new StorageError(`corrupt record in ${seg.path} at byte ${pos + p}`, 'CORRUPT');
        const o = frameOffset(buf, p);
        if (o >= endOffset) return undefined;
        if (frameTimestamp(buf, p) >= ts) return o;
        p += frameLength(buf, p);
      }
      if (p === 0) {
        if (got < FRAME_HEADER_BYTES) return undefined;
        chunk = Math.max(chunk, frameLength(buf, 0));
      }
      pos += p;
      if (got < want) return undefined;
    }
    return undefined;
  }

  async trimBefore(ts: number): Promise<number> {
    if (this.gone !== null) throw this.gone;
    // A quiet log never rolls by age (rolls happen on append), so when every
    // record of the active segment has expired, start a new empty segment at
    // the end first; the old one is then sealed and removed below. The new
    // file exists (and is durable) before the old one goes, so offsets carry
    // on after a crash.
    const active = this.segments[this.segments.length - 1]!;
    if (active.recordCount > 0 && active.durableMaxTs < ts && active.durableNext === active.next && this.pending === null && this.barrier === null) {
      const fresh = this.roll(this.nextOffset);
      try {
        await fresh.ready;
      } catch {
        return this.startOffset; // could not create the file; the next append's commit drops `fresh`
      }
    }
    // Whole segments only, from the oldest, never the active one; a segment
    // still being written (not fully durable) stays.
    while (this.segments.length > 1) {
      const seg = this.segments[0]!;
      if (seg.durableNext !== seg.next || seg.durableMaxTs >= ts) break;
      // Never remove a segment before its successor's file exists: after a
      // crash the log must still know where its offsets had got to.
      if (!this.segments[1]!.created) break;
      this.segments.shift();
      seg.removed = true;
      await unlink(seg.path).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
      if (seg.indexWrite) await seg.indexWrite;
      await removeFile(indexPath(seg.path), "removing a trimmed segment's index");
      if (seg.readers === 0) this.closeRemoved(seg);
    }
    return this.startOffset;
  }

  private closeRemoved(seg: Segment): void {
    this.host.unseal(seg);
    const f = seg.file;
    seg.file = null;
    if (f) f.close().catch((e) => this.host.warn(`closing trimmed segment ${seg.path} failed`, e));
  }

  onAppend(listener: (endOffset: number) => void): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Closes every segment file (after the storage has drained pending writes). */
  async closeFiles(): Promise<void> {
    if (this.barrier) await this.barrier;
    for (const s of this.segments) {
      await s.ready.catch(noop);
      if (s.indexWrite) await s.indexWrite;
      this.host.unseal(s);
      const f = s.file;
      s.file = null;
      if (f) await f.close();
    }
  }
}
