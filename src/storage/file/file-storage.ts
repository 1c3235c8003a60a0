/**
 * The embedded, durable LogStorage: segment-file logs (shard-log.ts) under
 * `<dataDir>/logs/<id>/`, a journaled MetaStore under `<dataDir>/meta/`, and
 * a `<dataDir>/LOCK` so one process owns the dir.
 *
 * Group commit: `append` only frames and queues. One commit cycle at a time
 * takes every log's queued batches, writes each log's batches with one
 * positional writev, fsyncs (fdatasync) every touched file in parallel, then
 * makes the records visible and resolves `durable` for all of them. Appends
 * that arrive while a cycle is in flight form the next cycle, so the number
 * of fsyncs per second is bounded by the disk, not by the request rate.
 */
import { mkdir, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { closeSync, constants as fsConstants, existsSync, fsyncSync, mkdirSync, openSync, realpathSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { systemClock } from '../../core/clock.ts';
import { log as rootLog } from '../../core/index.ts';
import type { FsyncMode, LogStorage, MetaStore, ShardLog } from '../types.ts';
import { StorageError } from '../types.ts';
import type { FileLike, FsLayer } from './fs-layer.ts';
import { nodeFs, removeFile, writeFully } from './fs-layer.ts';
import { DirLock } from './lock.ts';
import { FileMetaStore, fsyncDir } from './meta-store.ts';
import { Segment, encodeSegmentIndex, indexPath, loadSegmentIndex, parseSegmentFileName, scanSegment, segmentPath } from './segment.ts';
import type { LogHost, PendingGroup } from './shard-log.ts';
import { FileShardLog } from './shard-log.ts';

const logger = rootLog.child('storage');

export interface FileStorageOptions {
  dataDir: string;
  fsync: FsyncMode;
  clock?: Clock;
  /** A segment rolls before it would grow past this (default 64 MiB). */
  segmentMaxBytes?: number;
  /** A segment rolls once its first record is this old, so retention can remove it (default 1 h). */
  segmentMaxAgeMs?: number;
  /** Sparse index density (default one entry per 16 KiB). */
  indexIntervalBytes?: number;
  /**
   * Sealed segments keep at most this many files — and in-memory sparse
   * indexes — open, least recently read closed first (default 256); they are
   * reopened (index reloaded from .idx) on demand. Each log's active segment
   * is always open.
   */
  maxOpenSealedFiles?: number;
  /**
   * Check record CRCs on read (default true) — for bytes not already known
   * good: those this process wrote, or that a recovery scan or an earlier
   * read checked, are not checked again. In practice: data recovered from
   * sealed segments is checked once, on its first read.
   */
  verifyReads?: boolean;
  /**
   * Also hears the problems with no caller to report to (background fsync in interval mode, closing trimmed
   * files), which are logged under `storage` and counted in the errors.swallowed metric either way.
   */
  onWarning?: (message: string, cause?: unknown) => void;
  /**
   * How `fsync: always` makes a write durable: 'dsync' (default) opens
   * segment files with O_DSYNC, so each commit's writev returns only once its
   * bytes are on disk — one thread-pool round trip per log and commit; or
   * 'fdatasync': plain writes, then fdatasync of every touched file.
   */
  syncMethod?: 'dsync' | 'fdatasync';
  /** Internal: the file layer, replaced by tests to inject I/O faults. */
  fs?: FsLayer;
}

export interface RecoveryNote {
  log: string;
  file: string;
  /** Bytes cut from the end of the file. */
  truncatedBytes: number;
  reason: string;
}

const LOG_MARKER = 'LOG';
const DELETED_PREFIX = '%deleted-';
const ID_PATTERN = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

function noop(): void {}

function writeFileDurable(path: string, text: string | Uint8Array, sync: boolean): void {
  const fd = openSync(path, 'w');
  try {
    if (typeof text === 'string') writeSync(fd, text);
    else writeSync(fd, text, 0, text.length);
    if (sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class FileStorage implements LogStorage, LogHost {
  readonly fs: FsLayer;
  readonly clock: Clock;
  readonly segmentMaxBytes: number;
  readonly segmentMaxAgeMs: number;
  readonly indexIntervalBytes: number;
  readonly verifyReads: boolean;
  private readonly fsyncMode: FsyncMode;
  /** fsync 'always' through O_DSYNC writes (no separate fdatasync). */
  readonly dsync: boolean;
  private dataDir: string;
  private logsDir: string;
  private metaStore: FileMetaStore | null = null;
  private lock: DirLock | null = null;
  private logs = new Map<string, FileShardLog>();
  private creating = new Set<string>();
  private dirty: FileShardLog[] = [];
  private cycle: Promise<void> | null = null;
  private currentCommit: Promise<void> | null = null;
  private unsynced = new Set<Segment>();
  /** Sealed segments with an open file, least recently used first. */
  private sealedOpen = new Map<Segment, true>();
  private readonly maxOpenSealedFiles: number;
  private syncTimer: TimerHandle | null = null;
  private state: 'new' | 'open' | 'closed' = 'new';
  private deletedSeq = 0;
  /** What recovery had to repair on the last open(). */
  recovery: RecoveryNote[] = [];

  constructor(private readonly options: FileStorageOptions) {
    this.fs = options.fs ?? nodeFs;
    this.clock = options.clock ?? systemClock;
    this.fsyncMode = options.fsync;
    this.dsync = options.fsync.kind === 'always' && (options.syncMethod ?? 'dsync') === 'dsync';
    this.segmentMaxBytes = options.segmentMaxBytes ?? 64 * 1024 * 1024;
    this.segmentMaxAgeMs = options.segmentMaxAgeMs ?? 60 * 60 * 1000;
    this.indexIntervalBytes = options.indexIntervalBytes ?? 16 * 1024;
    this.verifyReads = options.verifyReads ?? true;
    this.maxOpenSealedFiles = Math.max(1, options.maxOpenSealedFiles ?? 256);
    this.dataDir = options.dataDir;
    this.logsDir = join(options.dataDir, 'logs');
  }

  get meta(): MetaStore {
    if (!this.metaStore) throw new StorageError('storage is not open', 'CLOSED');
    return this.metaStore;
  }

  async open(): Promise<void> {
    if (this.state !== 'new') throw new StorageError(`storage at ${this.dataDir} was already opened`, 'CLOSED');
    mkdirSync(this.options.dataDir, { recursive: true });
    this.dataDir = realpathSync(this.options.dataDir);
    this.logsDir = join(this.dataDir, 'logs');
    this.lock = DirLock.acquire(this.dataDir);
    try {
      const meta = new FileMetaStore(this.dataDir, this.fsyncMode.kind !== 'never');
      const { truncatedBytes } = meta.load();
      if (truncatedBytes > 0) this.recovery.push({ log: '(meta)', file: join(this.dataDir, 'meta', 'journal'), truncatedBytes, reason: 'torn journal tail' });
      this.metaStore = meta;
      await mkdir(this.logsDir, { recursive: true });
      await this.recoverLogs();
      this.state = 'open';
      if (this.fsyncMode.kind === 'interval') this.armSyncTimer();
    } catch (e) {
      await this.closeEverything().catch(noop);
      this.lock.release();
      this.lock = null;
      throw e;
    }
  }

  private async recoverLogs(): Promise<void> {
    for (const name of await readdir(this.logsDir)) {
      const dir = join(this.logsDir, name);
      const marker = name.startsWith(DELETED_PREFIX)
        ? undefined
        : await readFile(join(dir, LOG_MARKER), 'utf8').then(
            (t) => {
              try {
                return JSON.parse(t) as { format?: unknown };
              } catch {
                return undefined;
              }
            },
            () => undefined,
          );
      if (!marker) {
        // A deleteLog or createLog interrupted by a crash (the marker is written, and fsynced, last).
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      if (marker.format !== 1) {
        throw new StorageError(`log directory ${dir} has on-disk format ${String(marker.format)}; this Freshet reads format 1`, 'CORRUPT');
      }
      const id = decodeURIComponent(name);
      const log = new FileShardLog(id, dir, this);
      const names = await readdir(dir);
      for (const n of names) if (n.endsWith('.tmp')) await removeFile(join(dir, n), 'removing a leftover temporary file');
      const bases = names
        .map(parseSegmentFileName)
        .filter((b): b is number => b !== undefined)
        .sort((a, b) => a - b);
      if (bases.length === 0) bases.push(0);
      for (let i = 0; i < bases.length; i++) {
        const base = bases[i]!;
        const path = segmentPath(dir, base);
        if (i < bases.length - 1) {
          // Sealed: trust its .idx if intact and matching the file's size. Its
          // file stays closed and its index is dropped until a read needs them,
          // so opening a large data dir costs neither file handles nor memory.
          const seg = new Segment(base, path, this.indexIntervalBytes);
          // Benign: an .idx is a cache; without a readable one the segment is scanned (and checked) instead.
          const bytes = await readFile(indexPath(path)).catch(() => null);
          if (bytes && loadSegmentIndex(seg, bytes, (await stat(path)).size)) {
            seg.dropIndex();
            log.segments.push(seg);
            continue;
          }
        }
        log.segments.push(await this.scanForRecovery(id, base, path, i === bases.length - 1));
      }
      // A roll creates the next segment file before the last batches of the
      // previous one are written; a crash in between leaves an empty newer
      // segment whose base is past the previous segment's end. Nothing in
      // that range was acknowledged: drop the empty segment, so the log
      // stays dense and continues where its data ends.
      const segs = log.segments;
      while (segs.length > 1) {
        const last = segs[segs.length - 1]!;
        const prev = segs[segs.length - 2]!;
        if (last.next !== last.base || prev.next >= last.base) break;
        segs.pop();
        await last.file!.close();
        await unlink(last.path);
        this.recovery.push({
          log: id,
          file: last.path,
          truncatedBytes: 0,
          reason: `removed empty segment after a crash during roll (previous segment ends at offset ${prev.next})`,
        });
        if (!prev.file) segs[segs.length - 1] = await this.scanForRecovery(id, prev.base, prev.path, true); // active again: open, with a full index
      }
      log.initFromSegments();
      this.logs.set(id, log);
      this.writeSealedIndexes(log, true);
    }
  }

  /**
   * Opens and scans one segment (verifying every frame), truncating it after
   * the last valid frame. A torn tail is expected only in the active segment
   * (crash mid-write); in an older one it means damage after its data was
   * fsynced. Either way the valid prefix is kept: nothing after a torn frame
   * was acknowledged.
   */
  private async scanForRecovery(id: string, base: number, path: string, active: boolean): Promise<Segment> {
    const seg = new Segment(base, path, this.indexIntervalBytes);
    const file = await this.fs.open(path, this.openFlags(!existsSync(path)));
    seg.file = file;
    if (active) await removeFile(indexPath(path), "removing the active segment's index"); // the active segment has no index file
    const scan = await scanSegment(seg, file);
    if (scan.validBytes < scan.fileBytes) {
      await file.truncate(scan.validBytes);
      if (this.fsyncMode.kind !== 'never') await file.datasync();
      this.recovery.push({ log: id, file: path, truncatedBytes: scan.fileBytes - scan.validBytes, reason: scan.stopReason ?? 'invalid tail' });
    }
    return seg;
  }

  /** Writes `.idx` files for sealed, fully durable segments that lack one (background; failures only cost a scan at next open). */
  private writeSealedIndexes(log: FileShardLog, all = false): void {
    if (log.gone !== null) return;
    const segs = log.segments;
    for (let i = segs.length - 2; i >= 0; i--) {
      const seg = segs[i]!;
      if (seg.indexFile !== 'none') {
        if (all) continue;
        break; // while running, segments are sealed newest-last: older ones are done
      }
      if (seg.durableNext !== seg.next || seg.removed) continue;
      seg.indexFile = 'writing';
      seg.indexWrite = this.writeIndexFile(seg)
        .then(
          () => {
            if (seg.indexFile !== 'writing') return;
            seg.indexFile = 'written';
            this.addSealed(seg);
          },
          (e) => {
            if (seg.indexFile === 'writing') seg.indexFile = 'none';
            this.warn(`writing ${indexPath(seg.path)} failed`, e);
          },
        )
        .finally(() => {
          seg.indexWrite = null;
        });
    }
  }

  private async writeIndexFile(seg: Segment): Promise<void> {
    // The index may only describe durable data (matters in interval mode).
    if (this.fsyncMode.kind !== 'never' && seg.file) {
      await seg.file.datasync();
      this.unsynced.delete(seg);
    }
    const path = indexPath(seg.path);
    const tmp = `${path}.tmp`;
    writeFileDurable(tmp, encodeSegmentIndex(seg), this.fsyncMode.kind !== 'never');
    await rename(tmp, path);
  }

  private checkOpen(): void {
    if (this.state !== 'open') throw new StorageError(this.state === 'new' ? 'storage is not open' : 'storage is closed', 'CLOSED');
  }

  async createLog(id: string): Promise<ShardLog> {
    this.checkOpen();
    if (!ID_PATTERN.test(id) || id.split('/').some((c) => c === '.' || c === '..')) {
      throw new StorageError(`invalid log id '${id}'`, 'INVALID');
    }
    if (this.logs.has(id) || this.creating.has(id)) throw new StorageError(`log ${id} exists`, 'EXISTS');
    this.creating.add(id);
    try {
      const dir = join(this.logsDir, encodeURIComponent(id));
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir);
      const log = new FileShardLog(id, dir, this);
      const seg = new Segment(0, segmentPath(dir, 0), this.indexIntervalBytes);
      seg.file = await this.fs.open(seg.path, this.openFlags(true));
      log.segments.push(seg);
      // The marker makes the log exist; written last so a half-created log is discarded on recovery.
      writeFileDurable(join(dir, LOG_MARKER), `${JSON.stringify({ format: 1, id })}\n`, this.fsyncMode.kind !== 'never');
      if (this.fsyncMode.kind !== 'never') {
        fsyncDir(dir);
        fsyncDir(this.logsDir);
      }
      this.logs.set(id, log);
      return log;
    } finally {
      this.creating.delete(id);
    }
  }

  getLog(id: string): ShardLog | undefined {
    return this.logs.get(id);
  }

  listLogs(): string[] {
    return [...this.logs.keys()].sort();
  }

  async deleteLog(id: string): Promise<void> {
    this.checkOpen();
    const log = this.logs.get(id);
    if (!log) return;
    this.logs.delete(id);
    const gone = new StorageError(`log ${id} was deleted`, 'NOT_FOUND');
    log.gone = gone;
    // Batches not yet taken by a commit are dropped; one already being
    // written finishes first (waiting for that one commit, not for the
    // stream of commits other logs may keep going).
    const pending = log.pending;
    log.pending = null;
    if (pending) pending.reject(gone);
    if (this.currentCommit) await this.currentCommit;
    await log.closeFiles();
    for (const s of log.segments) this.unsynced.delete(s);
    // Rename first (atomic), so a crash mid-delete leaves nothing that looks like a log.
    const trash = join(this.logsDir, `${DELETED_PREFIX}${process.pid}-${++this.deletedSeq}`);
    await rename(log.dir, trash);
    if (this.fsyncMode.kind !== 'never') fsyncDir(this.logsDir);
    await rm(trash, { recursive: true, force: true });
  }

  // --- group commit -------------------------------------------------------

  schedule(log: FileShardLog): void {
    this.dirty.push(log);
    if (this.cycle === null) this.cycle = this.runCycles();
  }

  private async runCycles(): Promise<void> {
    // Let everything appended in this turn of the event loop join the first cycle.
    await new Promise<void>((r) => setImmediate(r));
    try {
      while (this.dirty.length > 0) {
        const logs = this.dirty;
        this.dirty = [];
        this.currentCommit = this.commitOnce(logs);
        await this.currentCommit;
      }
    } catch (e) {
      // Only a bug gets here (I/O errors are handled per log); fail what is queued rather than hang.
      this.warn('commit cycle failed', e);
      const err = new StorageError(`commit failed: ${(e as Error).message}`, 'EIO', { cause: e });
      for (const log of this.dirty) {
        log.pending?.reject(err);
        log.pending = null;
      }
      this.dirty = [];
    } finally {
      this.currentCommit = null;
      this.cycle = null;
    }
  }

  private async commitOnce(logs: FileShardLog[]): Promise<void> {
    const n = logs.length;
    const groups: Array<PendingGroup | null> = new Array(n);
    const errors: Array<unknown> = new Array(n).fill(null);
    for (let i = 0; i < n; i++) {
      const log = logs[i]!;
      groups[i] = log.pending;
      log.pending = null;
    }
    await Promise.all(
      logs.map((log, i) =>
        groups[i]
          ? this.writeGroup(log, groups[i]!).catch((e) => {
              errors[i] = e;
            })
          : undefined,
      ),
    );

    if (this.fsyncMode.kind === 'always' && !this.dsync) {
      const syncs: Array<Promise<void>> = [];
      const owner: number[] = [];
      const seen = new Set<Segment>();
      for (let i = 0; i < n; i++) {
        const g = groups[i];
        if (!g || errors[i] !== null) continue;
        for (const s of g.segs) {
          if (seen.has(s)) continue;
          seen.add(s);
          syncs.push(s.file!.datasync());
          owner.push(i);
        }
      }
      const results = await Promise.allSettled(syncs);
      for (let k = 0; k < results.length; k++) {
        const r = results[k]!;
        if (r.status === 'rejected' && errors[owner[k]!] === null) errors[owner[k]!] = r.reason;
      }
    } else if (this.fsyncMode.kind === 'interval') {
      for (let i = 0; i < n; i++) {
        const g = groups[i];
        if (g && errors[i] === null) for (const s of g.segs) this.unsynced.add(s);
      }
    }

    for (let i = 0; i < n; i++) {
      const g = groups[i];
      if (!g) continue;
      const log = logs[i]!;
      if (errors[i] !== null) log.failGroup(g, this.toStorageError(log, errors[i]));
      else {
        log.completeGroup(g);
        if (log.segments.length > 1 && log.segments[log.segments.length - 2]!.indexFile === 'none') this.writeSealedIndexes(log);
      }
    }
  }

  private async writeGroup(log: FileShardLog, g: PendingGroup): Promise<void> {
    if (log.barrier) await log.barrier;
    if (log.broken) throw log.broken;
    const segs = g.segs;
    let prev: Segment | null = null;
    let i = 0;
    while (i < segs.length) {
      const seg = segs[i]!;
      const bufs: Buffer[] = [];
      let total = 0;
      let j = i;
      while (j < segs.length && segs[j] === seg) {
        const b = g.bufs[j]!;
        bufs.push(b);
        total += b.length;
        j++;
      }
      // A segment gets data only once every older one is durable, so recovery
      // can treat damage in any but the newest segment as real corruption.
      // (With O_DSYNC the older segment's bytes were durable when its writev returned.)
      if (prev !== null && this.fsyncMode.kind === 'always' && !this.dsync) await prev.file!.datasync();
      await seg.ready;
      await writeFully(seg.file!, bufs, g.positions[i]!, total);
      prev = seg;
      i = j;
    }
  }

  private toStorageError(log: FileShardLog, e: unknown): StorageError {
    if (e instanceof StorageError) return e;
    const errno = (e as NodeJS.ErrnoException).code;
    const code = errno === 'ENOSPC' || errno === 'EDQUOT' ? 'ENOSPC' : 'EIO';
    return new StorageError(`write to log ${log.id} failed: ${(e as Error).message}`, code, { cause: e });
  }

  async createSegmentFile(seg: Segment, dir: string): Promise<FileLike> {
    const file = await this.fs.open(seg.path, this.openFlags(true));
    if (this.fsyncMode.kind !== 'never') fsyncDir(dir);
    return file;
  }

  // --- open files of sealed segments ---------------------------------------

  async fileFor(seg: Segment): Promise<FileLike> {
    if (this.state === 'closed') throw new StorageError('storage is closed', 'CLOSED');
    await seg.ready;
    if (seg.file) {
      if (this.sealedOpen.has(seg)) {
        this.sealedOpen.delete(seg);
        this.sealedOpen.set(seg, true);
      }
      return seg.file;
    }
    if (seg.removed) throw new StorageError(`segment ${seg.path} was removed by retention`, 'NOT_FOUND');
    if (!seg.opening) {
      // r+ so that a segment reactivated after a failed roll can be written again.
      seg.opening = this.reopenSealed(seg).then(
        (f) => {
          seg.opening = null;
          seg.file = f;
          this.addSealed(seg);
          return f;
        },
        (e) => {
          seg.opening = null;
          throw e;
        },
      );
    }
    return seg.opening;
  }

  /** Reopens an evicted sealed segment and reloads its sparse index (from .idx, else by a scan). */
  private async reopenSealed(seg: Segment): Promise<FileLike> {
    const file = await this.fs.open(seg.path, this.openFlags(false));
    if (seg.indexDropped) {
      try {
        // Benign: an .idx is a cache; without a readable one the segment is scanned (and checked) instead.
        const bytes = await readFile(indexPath(seg.path)).catch(() => null);
        if (!bytes || !loadSegmentIndex(seg, bytes, seg.durableSize)) {
          const scratch = new Segment(seg.base, seg.path, this.indexIntervalBytes);
          await scanSegment(scratch, file);
          seg.adoptIndex(scratch);
          if (scratch.verifiedBytes > seg.verifiedBytes) seg.verifiedBytes = scratch.verifiedBytes;
        }
      } catch (e) {
        await file.close().catch(noop);
        throw e;
      }
    }
    return file;
  }

  private addSealed(seg: Segment): void {
    this.sealedOpen.set(seg, true);
    if (this.sealedOpen.size <= this.maxOpenSealedFiles) return;
    for (const s of this.sealedOpen.keys()) {
      if (this.sealedOpen.size <= this.maxOpenSealedFiles) break;
      if (s.readers > 0 || s.indexFile !== 'written') continue;
      this.sealedOpen.delete(s);
      const f = s.file;
      s.file = null;
      // The index goes with the file: memory stays bounded by the number of open sealed segments.
      s.dropIndex();
      if (f) f.close().catch((e) => this.warn(`closing ${s.path} failed`, e));
    }
  }

  unseal(seg: Segment): void {
    this.sealedOpen.delete(seg);
  }

  /** Open files of sealed segments (for tests). */
  get openSealedFiles(): number {
    return this.sealedOpen.size;
  }

  /** Flags for opening a segment file for writing. */
  openFlags(create: boolean): string | number {
    if (!this.dsync) return create ? 'wx+' : 'r+';
    const c = fsConstants;
    return c.O_RDWR | c.O_DSYNC | (create ? c.O_CREAT | c.O_EXCL : 0);
  }

  /**
   * A problem with no caller to report to: logged at warn under `storage` and, when it is a caught failure
   * (`cause`), counted in the errors.swallowed metric; `onWarning` (tests) hears it too.
   */
  warn(message: string, cause?: unknown): void {
    if (cause !== undefined) logger.swallowed(message, cause);
    else logger.warn(message);
    this.options.onWarning?.(message, cause);
  }

  private armSyncTimer(): void {
    if (this.fsyncMode.kind !== 'interval') return;
    this.syncTimer = this.clock.setTimer(() => {
      this.syncTimer = null;
      this.syncUnsynced().finally(() => {
        if (this.state === 'open') this.armSyncTimer();
      });
    }, this.fsyncMode.intervalMs);
  }

  /** Fsyncs every segment written since the last sync (interval mode). */
  private async syncUnsynced(): Promise<void> {
    const segs = [...this.unsynced];
    this.unsynced.clear();
    await Promise.all(segs.map((s) => (s.file ? s.file.datasync().catch((e) => this.warn(`background fsync of ${s.path} failed`, e)) : undefined)));
  }

  /** Resolves once everything appended so far is written (and synced per the mode), and background index writes are done. */
  async flush(): Promise<void> {
    while (this.cycle) await this.cycle;
    for (const log of this.logs.values()) for (const seg of log.segments) if (seg.indexWrite) await seg.indexWrite;
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state === 'new') {
      this.state = 'closed';
      return;
    }
    this.state = 'closed';
    await this.closeEverything();
    this.lock?.release();
    this.lock = null;
  }

  private async closeEverything(): Promise<void> {
    // No new appends; what is already queued is still written.
    const closed = new StorageError('storage is closed', 'CLOSED');
    for (const log of this.logs.values()) log.gone = closed;
    while (this.cycle) await this.cycle;
    this.syncTimer?.cancel();
    this.syncTimer = null;
    if (this.fsyncMode.kind === 'interval') await this.syncUnsynced();
    for (const log of this.logs.values()) {
      for (const seg of log.segments) if (seg.indexWrite) await seg.indexWrite;
      await log.closeFiles();
    }
    this.logs.clear();
    await this.metaStore?.close();
  }
}
