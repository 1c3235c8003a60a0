/**
 * The metrics write-ahead log: `wal/<seq>.log` files of CRC-framed batches
 * (u32 frameBytes, u32 crc32 of the payload, payload). Records are encoded
 * into an in-memory batch as they happen; a group commit (on the store's
 * commit cadence, 1 s by default) writes the batch as one frame and fsyncs it.
 * So a kill -9 loses at most the records of the last commit interval — the
 * documented trade for metrics, which are not acknowledged data.
 *
 * A checkpoint rotates the log (later records go to seq + 1), writes the blocks
 * and the series catalog, then deletes logs up to the old seq. Replay reads
 * every log left, in order, stopping at the first torn or corrupt frame of a
 * file (only the newest one can have one) and truncating it there.
 */
import { mkdirSync, openSync, closeSync, fsyncSync, readdirSync, readFileSync, ftruncateSync, unlinkSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { log } from '../../core/index.ts';
import { ByteWriter, crc32 } from '../bytes.ts';

const logger = log.child('metrics');

const FRAME_HEADER = 8;

export function walFileName(seq: number): string {
  return `${String(seq).padStart(20, '0')}.log`;
}

export function listWalSeqs(dir: string): number[] {
  mkdirSync(dir, { recursive: true });
  const out: number[] = [];
  for (const name of readdirSync(dir)) {
    const m = /^(\d{20})\.log$/.exec(name);
    if (m) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}

/** Every intact frame payload of one log file; a torn tail is cut off the file. */
export function readWalFile(path: string): { payloads: Buffer[]; truncatedBytes: number } {
  const buf = readFileSync(path);
  const payloads: Buffer[] = [];
  let p = 0;
  while (p + FRAME_HEADER <= buf.length) {
    const len = buf.readUInt32LE(p);
    if (len < FRAME_HEADER || p + len > buf.length) break;
    if (crc32(buf, p + FRAME_HEADER, p + len) !== buf.readUInt32LE(p + 4)) break;
    payloads.push(buf.subarray(p + FRAME_HEADER, p + len));
    p += len;
  }
  let truncatedBytes = 0;
  if (p < buf.length) {
    truncatedBytes = buf.length - p;
    const fd = openSync(path, 'r+');
    try {
      ftruncateSync(fd, p);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  return { payloads, truncatedBytes };
}

export class WalWriter {
  /** Records go here until the next commit; encoders write into it directly. */
  readonly batch = new ByteWriter(64 * 1024);
  private fh: FileHandle | null = null;
  private fhSeq = -1;
  private chain: Promise<void> = Promise.resolve();
  lastError: Error | null = null;
  bytesWritten = 0;

  constructor(
    private readonly dir: string,
    private readonly fsync: boolean,
    /** The log the current batch belongs to. */
    public seq: number,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** True when records are waiting for a commit. */
  get pending(): boolean {
    return this.batch.pos > 0;
  }

  /** Writes the current batch as one frame of the current log; resolves once durable. */
  commit(): Promise<void> {
    if (this.batch.pos === 0) return this.chain;
    const payload = this.batch.toBuffer();
    this.batch.reset();
    const frame = Buffer.allocUnsafe(FRAME_HEADER + payload.length);
    frame.writeUInt32LE(frame.length, 0);
    frame.writeUInt32LE(crc32(payload, 0, payload.length), 4);
    payload.copy(frame, FRAME_HEADER);
    const seq = this.seq;
    const run = this.chain.then(() => this.write(seq, frame));
    // The chain keeps going after a failure; the caller of this commit sees it.
    this.chain = run.catch((e: unknown) => {
      this.lastError = e as Error;
    });
    return run;
  }

  /** Commits what is pending to the current log, then starts log seq + 1. Returns the old seq. */
  rotate(): number {
    // A failed write is recorded in lastError and warned about by the store's commit timer; rotation goes on.
    this.commit().catch((e: unknown) => logger.swallowed('writing the metrics log before rotating it', e));
    const old = this.seq;
    this.seq = old + 1;
    return old;
  }

  /** Resolves when every commit queued so far has finished (successfully or not). */
  settled(): Promise<void> {
    return this.chain;
  }

  private async write(seq: number, frame: Buffer): Promise<void> {
    if (this.fhSeq !== seq) {
      if (this.fh) await this.fh.close();
      this.fh = null;
      this.fh = await open(join(this.dir, walFileName(seq)), 'a');
      this.fhSeq = seq;
      if (this.fsync) fsyncDirSync(this.dir);
    }
    const fh = this.fh!;
    let done = 0;
    while (done < frame.length) done += (await fh.write(frame, done, frame.length - done)).bytesWritten;
    if (this.fsync) await fh.datasync();
    this.bytesWritten += frame.length;
  }

  /** Deletes logs with seq ≤ `upTo` (their content is in the blocks now). */
  async deleteUpTo(upTo: number): Promise<void> {
    await this.chain;
    for (const s of listWalSeqs(this.dir)) {
      if (s > upTo) continue;
      if (s === this.fhSeq && this.fh) {
        await this.fh.close();
        this.fh = null;
        this.fhSeq = -1;
      }
      try {
        unlinkSync(join(this.dir, walFileName(s)));
      } catch (e) {
        // A log left behind is replayed harmlessly (the blocks say what they cover) and deleted next time.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') logger.swallowed('deleting a retired metrics log', e);
      }
    }
    if (this.fsync) fsyncDirSync(this.dir);
  }

  async close(): Promise<void> {
    await this.commit().catch((e: unknown) => logger.swallowed('writing the metrics log at close', e));
    await this.chain;
    if (this.fh) await this.fh.close();
    this.fh = null;
    this.fhSeq = -1;
  }
}

export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
