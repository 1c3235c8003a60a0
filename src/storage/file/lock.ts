/**
 * One process per data dir. `<dataDir>/LOCK` holds the owner's pid and its
 * start time from /proc (so a recycled pid — e.g. pid 1 in a restarted
 * container — is not mistaken for a live owner). A lock whose owner is dead is
 * taken over, which is what makes restart after `kill -9` work without fcntl
 * locks (Node has none).
 */
import { closeSync, fsyncSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StorageError } from '../types.ts';

interface LockContent {
  pid: number;
  startTime?: string;
}

/** Dirs locked by this process (a second FileStorage in the same process is refused too). */
const heldHere = new Set<string>();

function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); fields after the parenthesised command name.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class DirLock {
  private constructor(
    readonly dir: string,
    readonly path: string,
  ) {}

  static acquire(dir: string): DirLock {
    const path = join(dir, 'LOCK');
    if (heldHere.has(dir)) {
      throw new StorageError(`data dir ${dir} is locked by pid ${process.pid} (this process already has it open)`, 'LOCKED');
    }
    const mine: LockContent = { pid: process.pid, startTime: processStartTime(process.pid) };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        try {
          writeSync(fd, `${JSON.stringify(mine)}\n`);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        heldHere.add(dir);
        return new DirLock(dir, path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      let raw: string | undefined;
      let holder: LockContent | undefined;
      try {
        raw = readFileSync(path, 'utf8');
        holder = JSON.parse(raw) as LockContent;
      } catch {
        // Unreadable or half-written: its writer died before finishing — or is
        // writing it right now, so only an old one counts as stale.
        holder = undefined;
        let ageMs = Infinity;
        try {
          ageMs = Date.now() - statSync(path).mtimeMs;
        } catch {
          /* gone: retry */
        }
        if (ageMs < 2000) throw new StorageError(`data dir ${dir} is being locked by another process (${path} is being written)`, 'LOCKED');
      }
      if (holder && typeof holder.pid === 'number' && holder.pid !== process.pid && isAlive(holder.pid)) {
        const now = processStartTime(holder.pid);
        if (!holder.startTime || !now || now === holder.startTime) {
          throw new StorageError(
            `data dir ${dir} is locked by pid ${holder.pid} (another Freshet server is using it; stop that process, or delete ${path} if it is not Freshet)`,
            'LOCKED',
          );
        }
      }
      // Stale: the owner is dead (or the pid was recycled). Take it over —
      // unless it changed since we read it (another process just took it over).
      let again: string | undefined;
      try {
        again = readFileSync(path, 'utf8');
      } catch {
        again = undefined;
      }
      if (again !== undefined && again !== raw) continue;
      try {
        unlinkSync(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    throw new StorageError(`data dir ${dir}: could not take the lock ${path} (contended)`, 'LOCKED');
  }

  release(): void {
    heldHere.delete(this.dir);
    try {
      const holder = JSON.parse(readFileSync(this.path, 'utf8')) as LockContent;
      if (holder.pid === process.pid) unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}
