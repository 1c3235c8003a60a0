/**
 * The few file operations the log's data path uses, behind an interface so a
 * test can inject I/O faults (EIO on fsync cannot be produced on demand by a
 * real filesystem). Node's own `FileHandle` satisfies `FileLike` as is, so
 * production code pays nothing for the indirection.
 */
import { open, unlink } from 'node:fs/promises';
import { log } from '../../core/index.ts';

const logger = log.child('storage');

export interface FileLike {
  writev(buffers: Uint8Array[], position: number): Promise<{ bytesWritten: number }>;
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  datasync(): Promise<void>;
  truncate(len: number): Promise<void>;
  stat(): Promise<{ size: number }>;
  close(): Promise<void>;
}

export interface FsLayer {
  /** `flags` as for fs.open: 'r+' (existing file), 'wx+' (new file), or numeric (with O_DSYNC). */
  open(path: string, flags: string | number): Promise<FileLike>;
}

export const nodeFs: FsLayer = {
  open: (path, flags) => open(path, flags) as Promise<FileLike>,
};

/** Writes every byte of `buffers` at `position`, retrying short writes (a short write is how ENOSPC first shows). */
export async function writeFully(file: FileLike, buffers: Uint8Array[], position: number, totalBytes: number): Promise<void> {
  let done = (await file.writev(buffers, position)).bytesWritten;
  while (done < totalBytes) {
    // Rare path: rebuild the remaining slice list after a short write.
    const rest: Uint8Array[] = [];
    let skip = done;
    for (const b of buffers) {
      if (skip >= b.length) {
        skip -= b.length;
        continue;
      }
      rest.push(skip > 0 ? b.subarray(skip) : b);
      skip = 0;
    }
    const n = (await file.writev(rest, position + done)).bytesWritten;
    if (n <= 0) throw Object.assign(new Error(`short write at ${position + done}`), { code: 'EIO' });
    done += n;
  }
}

/** Reads exactly `length` bytes at `position` into `buffer[0..length)`; returns how many were read (less only at end of file). */
export async function readFully(file: FileLike, buffer: Uint8Array, length: number, position: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/**
 * Removes a file the log no longer needs (a trimmed segment's index, a stale index, a leftover .tmp). A file
 * that is already gone is fine; any other failure leaves the file behind, which costs disk space but never
 * data, so it is logged and counted (`storage` in the errors.swallowed metric) and the work goes on.
 */
export async function removeFile(path: string, what: string): Promise<void> {
  try {
    await unlink(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') logger.swallowed(what, e, { path });
  }
}
