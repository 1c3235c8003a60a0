/**
 * The embedded time-series store under `<data-dir>/metrics/`:
 *
 *   wal/<seq>.log              write-ahead log (see wal.ts), group-committed every `commitIntervalMs`
 *   series.json                the series catalog as of the last checkpoint
 *   blocks/<res>/<start>.blk   one file per tier block (see cells.ts), written whole at checkpoints
 *
 * Every datapoint is folded into the cell of each tier it belongs to (1 s for
 * high-resolution data, 1 min, 5 min, 1 h) — the roll-ups happen at write
 * time, so each tier is complete on its own and ages out on its own retention.
 * Blocks being written stay in memory until a checkpoint (every
 * `checkpointIntervalMs`, 5 min by default) writes them (temp file, fsync,
 * rename) and deletes the logs they now include; clean blocks are a cache,
 * evicted least recently used beyond `maxCacheBytes` and read back on demand.
 * Memory is so bounded by the blocks written since the last checkpoint (for a
 * steady load: the current block of each tier per active series) plus the
 * cache budget.
 *
 * Durability: a datapoint is in the log after the next commit (≤ 1 s); a
 * kill -9 loses at most that last second. Restart loads the catalog, replays
 * the logs into the blocks they are not yet in (each block records the log
 * sequence it covers), and carries on.
 *
 * Without a `dir` the store keeps everything in memory (tests, `--storage memory`).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { log } from '../../core/index.ts';
import type { Clock, TimerHandle } from '../../core/index.ts';
import { ByteReader } from '../bytes.ts';
import { Sketch } from '../sketch.ts';
import { CellRun, decodeBlock, encodeBlock } from './cells.ts';
import { type Dimension, SeriesCatalog, type SeriesInfo, metricKeyOf, sortDimensions } from './series.ts';
import { TIERS, type Tier } from './tiers.ts';
import { WalWriter, fsyncDirSync, listWalSeqs, readWalFile, walFileName } from './wal.ts';

export interface MetricStoreOptions {
  /** `<data-dir>/metrics`; omitted: in memory only. */
  dir?: string;
  clock: Clock;
  /** fsync the log and the files (default true). */
  fsync?: boolean;
  commitIntervalMs?: number;
  checkpointIntervalMs?: number;
  /** Budget for clean cached blocks (default 64 MiB). */
  maxCacheBytes?: number;
  /** Called with problems the store worked around (I/O errors, damaged files). */
  onWarning?: (message: string) => void;
}

export interface RecoveryReport {
  walFilesReplayed: number;
  walRecordsReplayed: number;
  walBytesTruncated: number;
  damagedBlocks: string[];
}

const logger = log.child('metrics');

const REC_SERIES = 1;
const REC_DATA = 2;
const FLAG_HIGH_RES = 1;
const FLAG_SKETCH = 2;
const TIER_DIRS = ['1s', '1m', '5m', '1h'];

class Block {
  readonly runs = new Map<number, CellRun>();
  dirty = false;
  coveredWal = 0;
  lastUsed = 0;
  constructor(
    readonly tier: Tier,
    readonly startSec: number,
  ) {}

  bytes(): number {
    let b = 128;
    for (const run of this.runs.values()) b += run.bytes();
    return b;
  }
}

/** A small-integer key (tier, block number): map lookups on the read path stay on V8's fast integer keys. */
const TIER_SHIFT = 2 ** 26;
function blockKey(tierIndex: number, startSec: number): number {
  return tierIndex * TIER_SHIFT + startSec / TIERS[tierIndex]!.blockSec;
}

function keyTier(key: number): number {
  return Math.floor(key / TIER_SHIFT);
}

function keyStart(key: number): number {
  const t = keyTier(key);
  return (key - t * TIER_SHIFT) * TIERS[t]!.blockSec;
}

export type CellVisitor = (run: CellRun, from: number, to: number, blockStartSec: number, resSec: number) => void;

export class MetricStore {
  readonly catalog = new SeriesCatalog();
  readonly recovery: RecoveryReport = { walFilesReplayed: 0, walRecordsReplayed: 0, walBytesTruncated: 0, damagedBlocks: [] };
  private readonly blocks = new Map<number, Block>();
  private readonly onDisk = new Set<number>();
  /** The block each tier wrote last: the usual target of the next write. */
  private readonly current: Array<Block | null> = [null, null, null, null];
  private readonly clock: Clock;
  private readonly dir: string | undefined;
  private readonly fsync: boolean;
  private readonly commitIntervalMs: number;
  private readonly checkpointIntervalMs: number;
  private readonly maxCacheBytes: number;
  private readonly warn: (message: string) => void;
  private wal: WalWriter | null = null;
  private timers: TimerHandle[] = [];
  private commitTimer: TimerHandle | null = null;
  private checkpointing: Promise<void> | null = null;
  /** The checkpoint that runs after the current one, shared by every call made meanwhile. */
  private checkpointQueued: Promise<void> | null = null;
  private closed = false;
  private useCounter = 0;
  /** Something was recorded or created since the last checkpoint. */
  private activity = false;
  /** Datapoints recorded since open (for stats). */
  recorded = 0;

  private constructor(opts: MetricStoreOptions) {
    this.clock = opts.clock;
    this.dir = opts.dir;
    this.fsync = opts.fsync ?? true;
    this.commitIntervalMs = opts.commitIntervalMs ?? 1000;
    this.checkpointIntervalMs = opts.checkpointIntervalMs ?? 5 * 60_000;
    this.maxCacheBytes = opts.maxCacheBytes ?? 64 * 1024 * 1024;
    this.warn = opts.onWarning ?? ((message) => logger.warn(message));
  }

  static async open(opts: MetricStoreOptions): Promise<MetricStore> {
    return MetricStore.openSync(opts);
  }

  /** Opens (and recovers) synchronously: recovery reads the catalog and the logs with synchronous I/O once. */
  static openSync(opts: MetricStoreOptions): MetricStore {
    const store = new MetricStore(opts);
    if (store.dir) store.recover();
    store.scheduleCheckpoint();
    return store;
  }

  get persistent(): boolean {
    return this.dir !== undefined;
  }

  // ---------------------------------------------------------------- series

  /** The series of (metric, unit), created (and logged) if new. */
  series(namespace: string, metricName: string, dimensions: readonly Dimension[], unit: string): SeriesInfo {
    const dims = sortDimensions(dimensions);
    const key = metricKeyOf(namespace, metricName, dims);
    const found = this.catalog.find(key, unit);
    if (found) return found;
    const info = this.catalog.add({
      id: this.catalog.nextId,
      namespace,
      metricName,
      dimensions: dims.map((d) => ({ name: d.name, value: d.value })),
      unit,
      highResolution: false,
      lastSeenSec: 0,
    });
    this.activity = true;
    if (this.wal) {
      if (!this.commitTimer) this.scheduleCommit();
      const body = Buffer.from(JSON.stringify([info.namespace, info.metricName, info.dimensions.map((d) => [d.name, d.value]), info.unit]));
      const w = this.wal.batch;
      w.u8(REC_SERIES);
      w.u32(info.id);
      w.u32(body.length);
      w.bytes(body);
    }
    return info;
  }

  // ---------------------------------------------------------------- writes

  /**
   * Records one contribution (a value or a statistic set, already folded) at
   * `timestampMs`. `sketch` null: no distribution (percentiles unavailable for
   * the cells it lands in). The sketch is copied, not kept.
   */
  // hot path
  record(series: SeriesInfo, timestampMs: number, count: number, sum: number, min: number, max: number, sketch: Sketch | null, highResolution: boolean): void {
    if (this.closed || !(count > 0)) return;
    const nowSec = Math.floor(this.clock.now() / 1000);
    if (nowSec > series.lastSeenSec) series.lastSeenSec = nowSec;
    if (highResolution) series.highResolution = true;
    series.totalCount += count;
    series.totalSum += sum;
    const tsSec = Math.floor(timestampMs / 1000);
    if (this.wal) {
      if (!this.commitTimer) this.scheduleCommit();
      const w = this.wal.batch;
      w.u8(REC_DATA);
      w.u32(series.id);
      w.u8((highResolution ? FLAG_HIGH_RES : 0) | (sketch ? FLAG_SKETCH : 0));
      w.u32(nowSec);
      w.f64(tsSec);
      w.f64(count);
      w.f64(sum);
      w.f64(min);
      w.f64(max);
      if (sketch) sketch.encode(w);
    }
    this.apply(series.id, tsSec, count, sum, min, max, sketch, highResolution, nowSec, -1);
    this.recorded++;
    this.activity = true;
  }

  // hot path
  private apply(
    id: number,
    tsSec: number,
    count: number,
    sum: number,
    min: number,
    max: number,
    sketch: Sketch | null,
    highRes: boolean,
    nowSec: number,
    walSeq: number,
  ): void {
    for (let t = highRes ? 0 : 1; t < TIERS.length; t++) {
      const tier = TIERS[t]!;
      const res = tier.resSec;
      const cellSec = Math.floor(tsSec / res) * res;
      if (cellSec + res <= nowSec - tier.retentionSec) continue;
      let block = this.current[t]!;
      if (!block || cellSec < block.startSec || cellSec >= block.startSec + tier.blockSec) {
        block = this.blockForWrite(tier, Math.floor(cellSec / tier.blockSec) * tier.blockSec);
        this.current[t] = block;
      }
      if (walSeq >= 0 && walSeq <= block.coveredWal) continue;
      let run = block.runs.get(id);
      if (!run) {
        run = new CellRun();
        block.runs.set(id, run);
      }
      run.merge((cellSec - block.startSec) / res, count, sum, min, max, sketch);
      block.dirty = true;
    }
  }

  private blockForWrite(tier: Tier, startSec: number): Block {
    const key = blockKey(tier.index, startSec);
    let block = this.blocks.get(key);
    if (block) return block;
    if (this.onDisk.has(key)) {
      // Late data for a block that was written and evicted: read it back (rare, so synchronously).
      block = this.readBlockSync(tier, startSec) ?? undefined;
    }
    if (!block) {
      block = new Block(tier, startSec);
    }
    this.blocks.set(key, block);
    return block;
  }

  // ---------------------------------------------------------------- reads

  /** Loads (asynchronously) the blocks of a tier overlapping [fromSec, toSec), so scan() finds them in memory. */
  async load(tier: Tier, fromSec: number, toSec: number): Promise<void> {
    if (!this.dir) return;
    const first = Math.floor(fromSec / tier.blockSec) * tier.blockSec;
    const loads: Promise<void>[] = [];
    for (let s = first; s < toSec; s += tier.blockSec) {
      const key = blockKey(tier.index, s);
      if (this.blocks.has(key) || !this.onDisk.has(key)) continue;
      loads.push(this.readBlock(tier, s).then((b) => void (b && !this.blocks.has(key) && this.blocks.set(key, b))));
    }
    await Promise.all(loads);
  }

  /**
   * Visits the cells of series `id` at `tier` with cell time in [fromSec, toSec)
   * and within the tier's retention: visit(run, i0, i1, blockStartSec, resSec)
   * for each block's index range. Blocks not in memory are skipped: call load() first.
   */
  scan(id: number, tier: Tier, fromSec: number, toSec: number, visit: CellVisitor): void {
    const nowSec = Math.floor(this.clock.now() / 1000);
    const oldest = nowSec - tier.retentionSec;
    if (fromSec < oldest) fromSec = Math.ceil(oldest / tier.resSec) * tier.resSec;
    if (fromSec >= toSec) return;
    const first = Math.floor(fromSec / tier.blockSec) * tier.blockSec;
    const use = ++this.useCounter;
    for (let s = first; s < toSec; s += tier.blockSec) {
      const block = this.blocks.get(blockKey(tier.index, s));
      if (!block) continue;
      block.lastUsed = use;
      const run = block.runs.get(id);
      if (!run || run.n === 0) continue;
      const lo = Math.max(0, Math.ceil((fromSec - s) / tier.resSec));
      const hi = Math.min(tier.cellsPerBlock, Math.ceil((toSec - s) / tier.resSec));
      if (lo >= hi) continue;
      // A block read whole (every block of a range but its ends) needs no search.
      const i0 = lo === 0 ? 0 : run.lowerBound(lo);
      const i1 = hi === tier.cellsPerBlock ? run.n : run.lowerBound(hi);
      if (i0 < i1) visit(run, i0, i1, s, tier.resSec);
    }
  }

  // ---------------------------------------------------------------- durability

  /** Commits the log: everything recorded so far is durable when this resolves. */
  async flush(): Promise<void> {
    if (!this.wal) return;
    await this.wal.commit();
  }

  /**
   * Writes every dirty block and the catalog, then deletes the logs they
   * include. Encoding happens in one synchronous step right after the log
   * rotation, so a block never holds data from a log later than the one it
   * says it covers.
   */
  checkpoint(): Promise<void> {
    if (!this.dir || !this.wal) return Promise.resolve();
    if (this.checkpointing) {
      // Calls made while one runs share the single checkpoint that follows it (it covers everything they
      // recorded), instead of each queueing one more: a clock jumping hours ahead fires hundreds of timers.
      if (this.checkpointQueued) return this.checkpointQueued;
      const next = this.checkpointing.then(() => {
        this.checkpointQueued = null;
        return this.checkpoint();
      });
      next.catch(() => {
        if (this.checkpointQueued === next) this.checkpointQueued = null;
      });
      this.checkpointQueued = next;
      return next;
    }
    const run = this.doCheckpoint().finally(() => {
      this.checkpointing = null;
    });
    this.checkpointing = run;
    return run;
  }

  private async doCheckpoint(): Promise<void> {
    const wal = this.wal!;
    const dir = this.dir!;
    if (!this.activity) return;
    this.activity = false;
    const covered = wal.rotate();
    const writes: Array<{ path: string; data: Buffer; tierDir: string }> = [];
    for (const block of this.blocks.values()) {
      if (!block.dirty) continue;
      const data = encodeBlock(block.tier.index, block.startSec, covered, block.runs);
      block.dirty = false;
      block.coveredWal = covered;
      const tierDir = join(dir, 'blocks', TIER_DIRS[block.tier.index]!);
      writes.push({ path: join(tierDir, `${block.startSec}.blk`), data, tierDir });
      this.onDisk.add(blockKey(block.tier.index, block.startSec));
    }
    const catalog = Buffer.from(JSON.stringify(this.catalogSnapshot(covered)));
    try {
      await wal.settled();
      const dirs = new Set<string>();
      for (const w of writes) {
        mkdirSync(w.tierDir, { recursive: true });
        await this.writeFileDurably(w.path, w.data);
        dirs.add(w.tierDir);
      }
      await this.writeFileDurably(join(dir, 'series.json'), catalog);
      if (this.fsync) {
        for (const d of dirs) fsyncDirSync(d);
        fsyncDirSync(dir);
      }
      await wal.deleteUpTo(covered);
    } catch (e) {
      // The logs stay; the blocks are written again at the next checkpoint.
      for (const block of this.blocks.values()) block.dirty = true;
      this.activity = true;
      this.warn(`metrics checkpoint failed: ${(e as Error).message}`);
      throw e;
    }
    this.evict();
  }

  private async writeFileDurably(path: string, data: Buffer): Promise<void> {
    const tmp = `${path}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      let done = 0;
      while (done < data.length) done += (await fh.write(data, done, data.length - done)).bytesWritten;
      if (this.fsync) await fh.datasync();
    } finally {
      await fh.close();
    }
    renameSync(tmp, path);
  }

  private catalogSnapshot(covered: number): unknown {
    const series: unknown[] = [];
    for (const s of this.catalog.all()) {
      series.push([s.id, s.namespace, s.metricName, s.dimensions.map((d) => [d.name, d.value]), s.unit, s.highResolution ? 1 : 0, s.lastSeenSec]);
    }
    return { version: 1, coveredWal: covered, series };
  }

  /** Drops clean blocks, least recently used first, while the cache is over budget. */
  private evict(): void {
    if (!this.dir) return;
    let total = 0;
    const clean: Block[] = [];
    for (const b of this.blocks.values()) {
      total += b.bytes();
      if (!b.dirty && !this.current.includes(b)) clean.push(b);
    }
    if (total <= this.maxCacheBytes) return;
    clean.sort((a, b) => a.lastUsed - b.lastUsed);
    for (const b of clean) {
      if (total <= this.maxCacheBytes) break;
      total -= b.bytes();
      this.blocks.delete(blockKey(b.tier.index, b.startSec));
    }
  }

  /** Deletes blocks past their tier's retention (in memory and on disk). */
  expire(): void {
    const nowSec = Math.floor(this.clock.now() / 1000);
    for (const tier of TIERS) {
      const cutoff = nowSec - tier.retentionSec;
      const expired = (start: number): boolean => start + tier.blockSec <= cutoff;
      for (const [key, block] of this.blocks) {
        if (block.tier === tier && expired(block.startSec)) {
          this.blocks.delete(key);
          if (this.current[tier.index] === block) this.current[tier.index] = null;
        }
      }
      for (const key of [...this.onDisk]) {
        const t = keyTier(key);
        const start = keyStart(key);
        if (t !== tier.index || !expired(start)) continue;
        this.onDisk.delete(key);
        try {
          unlinkSync(join(this.dir!, 'blocks', TIER_DIRS[t]!, `${start}.blk`));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') logger.swallowed('deleting an expired metrics block', e);
        }
      }
    }
  }

  /** Arms the group-commit timer once something is waiting in the log; an idle store has no timer ticking. */
  private scheduleCommit(): void {
    if (this.closed || !this.wal || this.commitTimer) return;
    this.commitTimer = this.clock.setTimer(() => {
      this.commitTimer = null;
      if (this.wal?.pending) this.wal.commit().catch((e: unknown) => this.warn(`metrics log write failed: ${(e as Error).message}`));
    }, this.commitIntervalMs);
  }

  private scheduleCheckpoint(): void {
    if (this.closed) return;
    const t = this.clock.setTimer(() => {
      this.timers = this.timers.filter((x) => x !== t);
      this.expire();
      // doCheckpoint already warned; the logs stay and the next checkpoint writes the blocks again.
      this.checkpoint().catch(() => undefined);
      this.scheduleCheckpoint();
    }, this.checkpointIntervalMs);
    this.timers.push(t);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    for (const t of this.timers) t.cancel();
    this.timers = [];
    this.commitTimer?.cancel();
    this.commitTimer = null;
    if (this.dir && this.wal) {
      try {
        await this.checkpoint();
      } catch (e) {
        // The logs are still there: the next open replays them.
        logger.swallowed('the metrics checkpoint at close', e);
      }
      await this.wal.close();
    }
    this.closed = true;
  }

  // ---------------------------------------------------------------- recovery

  private recover(): void {
    const dir = this.dir!;
    mkdirSync(join(dir, 'blocks'), { recursive: true });
    let catalogCovered = 0;
    const catPath = join(dir, 'series.json');
    if (existsSync(catPath)) {
      try {
        const snap = JSON.parse(readFileSync(catPath, 'utf8')) as {
          coveredWal: number;
          series: Array<[number, string, string, Array<[string, string]>, string, number, number]>;
        };
        catalogCovered = snap.coveredWal;
        for (const [id, ns, name, dims, unit, hr, seen] of snap.series) {
          this.catalog.add({
            id,
            namespace: ns,
            metricName: name,
            dimensions: dims.map(([n, v]) => ({ name: n, value: v })),
            unit,
            highResolution: hr === 1,
            lastSeenSec: seen,
          });
        }
      } catch (e) {
        this.warn(`metrics series catalog unreadable (${(e as Error).message}); series are rebuilt from the logs only`);
      }
    }
    for (let t = 0; t < TIER_DIRS.length; t++) {
      const tierDir = join(dir, 'blocks', TIER_DIRS[t]!);
      if (!existsSync(tierDir)) continue;
      for (const name of readdirSync(tierDir)) {
        if (name.endsWith('.tmp')) {
          unlinkSync(join(tierDir, name));
          continue;
        }
        const m = /^(\d+)\.blk$/.exec(name);
        if (m) this.onDisk.add(blockKey(t, Number(m[1])));
      }
    }
    const seqs = listWalSeqs(join(dir, 'wal'));
    const nowSec = Math.floor(this.clock.now() / 1000);
    for (const seq of seqs) {
      const { payloads, truncatedBytes } = readWalFile(join(dir, 'wal', walFileName(seq)));
      this.recovery.walFilesReplayed++;
      this.recovery.walBytesTruncated += truncatedBytes;
      for (const p of payloads) this.replay(p, seq, seq <= catalogCovered, nowSec);
    }
    const lastSeq = seqs.length > 0 ? seqs[seqs.length - 1]! : catalogCovered;
    this.wal = new WalWriter(join(dir, 'wal'), this.fsync, lastSeq + 1);
    this.activity = seqs.length > 0;
    // Replayed data is dirty in memory: the first checkpoint writes it and retires the old logs.
  }

  private replay(payload: Buffer, seq: number, catalogHasIt: boolean, nowSec: number): void {
    const r = new ByteReader(payload);
    try {
      while (r.pos < payload.length) {
        const type = r.u8();
        if (type === REC_SERIES) {
          const id = r.u32();
          const len = r.u32();
          const [ns, name, dims, unit] = JSON.parse(r.bytes(len).toString('utf8')) as [string, string, Array<[string, string]>, string];
          if (!catalogHasIt && !this.catalog.get(id)) {
            this.catalog.add({
              id,
              namespace: ns,
              metricName: name,
              dimensions: dims.map(([n, v]) => ({ name: n, value: v })),
              unit,
              highResolution: false,
              lastSeenSec: 0,
            });
          }
        } else if (type === REC_DATA) {
          const id = r.u32();
          const flags = r.u8();
          const arrivalSec = r.u32();
          const tsSec = r.f64();
          const count = r.f64();
          const sum = r.f64();
          const min = r.f64();
          const max = r.f64();
          const sketch = flags & FLAG_SKETCH ? Sketch.decode(r) : null;
          const info = this.catalog.get(id);
          if (!info) continue;
          if (arrivalSec > info.lastSeenSec) info.lastSeenSec = arrivalSec;
          const highRes = (flags & FLAG_HIGH_RES) !== 0;
          if (highRes) info.highResolution = true;
          this.apply(id, tsSec, count, sum, min, max, sketch, highRes, nowSec, seq);
          this.recovery.walRecordsReplayed++;
        } else {
          throw new RangeError(`unknown metrics log record type ${type}`);
        }
      }
    } catch (e) {
      this.warn(`metrics log ${seq}: ${(e as Error).message}; the rest of that frame is skipped`);
    }
  }

  private blockPath(tier: Tier, startSec: number): string {
    return join(this.dir!, 'blocks', TIER_DIRS[tier.index]!, `${startSec}.blk`);
  }

  private fromFile(tier: Tier, startSec: number, data: Buffer): Block | null {
    try {
      const d = decodeBlock(data);
      const b = new Block(tier, startSec);
      b.coveredWal = d.coveredWal;
      for (const [id, run] of d.runs) b.runs.set(id, run);
      return b;
    } catch (e) {
      const path = this.blockPath(tier, startSec);
      this.recovery.damagedBlocks.push(path);
      this.warn(`metrics block ${path} is damaged (${(e as Error).message}); its data is lost`);
      this.onDisk.delete(blockKey(tier.index, startSec));
      return null;
    }
  }

  private readBlockSync(tier: Tier, startSec: number): Block | null {
    try {
      return this.fromFile(tier, startSec, readFileSync(this.blockPath(tier, startSec)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        this.onDisk.delete(blockKey(tier.index, startSec));
        return null;
      }
      throw e;
    }
  }

  private async readBlock(tier: Tier, startSec: number): Promise<Block | null> {
    try {
      return this.fromFile(tier, startSec, await readFile(this.blockPath(tier, startSec)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        this.onDisk.delete(blockKey(tier.index, startSec));
        return null;
      }
      throw e;
    }
  }

  // ---------------------------------------------------------------- stats

  /** Figures for the benchmark and `freshet` status lines. */
  stats(): { series: number; blocksInMemory: number; blocksOnDisk: number; cellsInMemory: number; memoryBytes: number; walBytesWritten: number } {
    let cells = 0;
    let bytes = 0;
    for (const b of this.blocks.values()) {
      for (const r of b.runs.values()) cells += r.n;
      bytes += b.bytes();
    }
    return {
      series: this.catalog.size,
      blocksInMemory: this.blocks.size,
      blocksOnDisk: this.onDisk.size,
      cellsInMemory: cells,
      memoryBytes: bytes,
      walBytesWritten: this.wal?.bytesWritten ?? 0,
    };
  }
}
