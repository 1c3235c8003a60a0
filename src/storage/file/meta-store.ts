/**
 * Durable MetaStore: the whole map in memory (reads are synchronous), every
 * change appended to `<dataDir>/meta/journal` as a CRC-framed CBOR entry and
 * fsynced before `put`/`delete` resolve; changes made in the same tick share
 * one write and one fsync. When the journal outgrows the snapshot it is
 * compacted: the map is written to `snapshot.tmp`, fsynced, renamed over
 * `snapshot` and the directory fsynced, then the journal is truncated.
 * Replaying an old journal over a newer snapshot is harmless (the last write
 * of each key wins), so a crash at any point of compaction is safe.
 *
 * Values go through CBOR with structured-clone semantics, so Maps, Sets, Dates
 * and Uint8Arrays round-trip as they do in MemoryStorage.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync, ftruncateSync, fstatSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { Encoder } from 'cbor-x';
import type { MetaStore } from '../types.ts';
import { StorageError } from '../types.ts';
import { crc32 } from './crc32.ts';

const OP_PUT = 0;
const OP_DELETE = 1;
const COMPACT_MIN_BYTES = 1024 * 1024;

export class FileMetaStore implements MetaStore {
  private map = new Map<string, unknown>();
  private readonly cbor = new Encoder({ structuredClone: true, useRecords: false });
  private readonly dir: string;
  private fd = -1;
  private journalBytes = 0;
  private snapshotBytes = 0;
  private queue: Buffer[] = [];
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private flushing: Promise<void> | null = null;
  private closed = false;

  constructor(
    dataDir: string,
    private readonly sync: boolean,
  ) {
    this.dir = join(dataDir, 'meta');
  }

  /** Loads snapshot + journal; truncates a torn journal tail. Synchronous: runs once at open. */
  load(): { truncatedBytes: number } {
    mkdirSync(this.dir, { recursive: true });
    const snap = join(this.dir, 'snapshot');
    if (existsSync(snap)) {
      const bytes = readFileSync(snap);
      this.snapshotBytes = bytes.length;
      const entries = this.decodeFrames(bytes).entries;
      for (const [, k, v] of entries) this.map.set(k, v);
    }
    const journal = join(this.dir, 'journal');
    closeSync(openSync(journal, 'a')); // create if missing
    this.fd = openSync(journal, 'r+');
    const size = fstatSync(this.fd).size;
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = readSync(this.fd, buf, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    const { entries, validBytes } = this.decodeFrames(buf.subarray(0, got));
    for (const [op, k, v] of entries) {
      if (op === OP_PUT) this.map.set(k, v);
      else this.map.delete(k);
    }
    let truncatedBytes = 0;
    if (validBytes < size) {
      truncatedBytes = size - validBytes;
      ftruncateSync(this.fd, validBytes);
      fsyncSync(this.fd);
    }
    this.journalBytes = validBytes;
    return { truncatedBytes };
  }

  private decodeFrames(buf: Buffer): { entries: Array<[number, string, unknown]>; validBytes: number } {
    const entries: Array<[number, string, unknown]> = [];
    let p = 0;
    while (p + 8 <= buf.length) {
      const len = buf.readUInt32LE(p);
      if (len < 8 || p + len > buf.length) break;
      if (crc32(buf, p + 8, p + len) !== buf.readUInt32LE(p + 4)) break;
      entries.push(this.cbor.decode(buf.subarray(p + 8, p + len)) as [number, string, unknown]);
      p += len;
    }
    return { entries, validBytes: p };
  }

  private frame(entry: [number, string, unknown?]): Buffer {
    const body = this.cbor.encode(entry);
    const buf = Buffer.allocUnsafe(8 + body.length);
    buf.writeUInt32LE(buf.length, 0);
    buf.set(body, 8);
    buf.writeUInt32LE(crc32(buf, 8, buf.length), 4);
    return buf;
  }

  get<T = unknown>(key: string): T | undefined {
    const v = this.map.get(key);
    return v === undefined ? undefined : (structuredClone(v) as T);
  }

  keys(prefix: string): string[] {
    const out: string[] = [];
    for (const k of this.map.keys()) if (k.startsWith(prefix)) out.push(k);
    return out.sort();
  }

  put(key: string, value: unknown): Promise<void> {
    if (this.closed) return Promise.reject(new StorageError('storage is closed', 'CLOSED'));
    let frame: Buffer;
    let copy: unknown;
    try {
      // Both before the map changes: a value that cannot be cloned or encoded leaves it as it was.
      copy = structuredClone(value);
      frame = this.frame([OP_PUT, key, value]);
    } catch (e) {
      return Promise.reject(e);
    }
    this.map.set(key, copy);
    return this.enqueue(frame);
  }

  delete(key: string): Promise<void> {
    if (this.closed) return Promise.reject(new StorageError('storage is closed', 'CLOSED'));
    this.map.delete(key);
    return this.enqueue(this.frame([OP_DELETE, key]));
  }

  private enqueue(frame: Buffer): Promise<void> {
    this.queue.push(frame);
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.flushing) this.flushing = this.flushLoop();
    return p;
  }

  private async flushLoop(): Promise<void> {
    // Let the rest of this tick's changes join the same write + fsync.
    await new Promise<void>((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const frames = this.queue;
      const waiters = this.waiters;
      this.queue = [];
      this.waiters = [];
      try {
        // Synchronous I/O: metadata changes are rare and small; keeping the
        // journal single-writer and ordered matters more than the event loop here.
        const buf = frames.length === 1 ? frames[0]! : Buffer.concat(frames);
        let done = 0;
        while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done, this.journalBytes + done);
        if (this.sync) fsyncSync(this.fd);
        this.journalBytes += buf.length;
        for (const w of waiters) w.resolve();
      } catch (e) {
        try {
          ftruncateSync(this.fd, this.journalBytes);
        } catch {
          /* the next load() truncates the torn tail */
        }
        const code = (e as NodeJS.ErrnoException).code === 'ENOSPC' ? 'ENOSPC' : 'EIO';
        const err = new StorageError(`metadata write failed: ${(e as Error).message}`, code, { cause: e });
        for (const w of waiters) w.reject(err);
      }
      if (this.journalBytes > COMPACT_MIN_BYTES && this.journalBytes > 2 * this.snapshotBytes) {
        try {
          this.compact();
        } catch {
          /* keep journaling; compaction retries next time */
        }
      }
      if (this.queue.length > 0) await new Promise<void>((r) => setImmediate(r));
    }
    this.flushing = null;
  }

  private compact(): void {
    const parts: Buffer[] = [];
    for (const [k, v] of this.map) parts.push(this.frame([OP_PUT, k, v]));
    const body = Buffer.concat(parts);
    const tmp = join(this.dir, 'snapshot.tmp');
    const fd = openSync(tmp, 'w');
    try {
      let done = 0;
      while (done < body.length) done += writeSync(fd, body, done, body.length - done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(this.dir, 'snapshot'));
    fsyncDir(this.dir);
    ftruncateSync(this.fd, 0);
    fsyncSync(this.fd);
    this.snapshotBytes = body.length;
    this.journalBytes = 0;
  }

  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.closed = true;
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
