import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the OS temp dir, removed by the returned cleanup. */
export async function tempDir(prefix = 'freshet-storage-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

import type { FileLike, FsLayer } from '../../src/storage/file/fs-layer.ts';
import { nodeFs } from '../../src/storage/file/fs-layer.ts';

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected fault`), { code });
}

/**
 * The real file layer with counters and switchable faults: a write can fail
 * after writing part of its bytes (as a full disk does), an fsync can fail
 * (as a failing disk does).
 */
export class FaultyFs implements FsLayer {
  datasyncs = 0;
  writevs = 0;
  /** errno code thrown by the next writes until cleared; the first half of the first buffer is written before it is thrown. */
  failWrites: string | null = null;
  failSyncs: string | null = null;
  /** Called before each datasync completes (lets a test observe ordering). */
  onDatasync: (() => void) | null = null;

  /** Flags of every open, in order. */
  readonly openFlags: Array<string | number> = [];

  async open(path: string, flags: string | number): Promise<FileLike> {
    this.openFlags.push(flags);
    const inner = await nodeFs.open(path, flags);
    const fs = this;
    return {
      async writev(buffers: Uint8Array[], position: number) {
        fs.writevs++;
        if (fs.failWrites) {
          const first = buffers[0];
          if (first && first.length > 1) await inner.writev([first.subarray(0, first.length >> 1)], position);
          throw errno(fs.failWrites);
        }
        return inner.writev(buffers, position);
      },
      read: (b: Uint8Array, o: number, l: number, p: number) => inner.read(b, o, l, p),
      async datasync() {
        fs.datasyncs++;
        fs.onDatasync?.();
        if (fs.failSyncs) throw errno(fs.failSyncs);
        return inner.datasync();
      },
      truncate: (len: number) => inner.truncate(len),
      stat: () => inner.stat(),
      close: () => inner.close(),
    };
  }
}
