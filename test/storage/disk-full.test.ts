/**
 * Disk full on a real filesystem: a 2 MiB tmpfs mounted for the test (we run
 * as root in CI). Where mounting is not allowed, the same assertions run
 * against an injected ENOSPC instead (test/storage/helpers.ts FaultyFs).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileStorage, StorageError } from '../../src/storage/index.ts';
import type { ShardLog } from '../../src/storage/index.ts';
import { FaultyFs, tempDir } from './helpers.ts';

function tryMountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function readAllData(log: ShardLog): Promise<string[]> {
  const out: string[] = [];
  let next = 0;
  for (;;) {
    const r = await log.read(next, { maxRecords: 10_000, maxBytes: 1 << 24 });
    if (r.records.length === 0) return out;
    for (const x of r.records) out.push(Buffer.from(x.data).subarray(0, 12).toString());
    next = r.nextOffset;
  }
}

describe('FileStorage on a full disk', () => {
  it('rejects the batch with ENOSPC, keeps it invisible, harms nothing written, and recovers when space returns', async (t) => {
    const { dir: root, remove } = await tempDir('freshet-enospc-');
    const mnt = join(root, 'mnt');
    await mkdir(mnt);
    const mounted = tryMountTmpfs(mnt, '2m');
    t.diagnostic(mounted ? 'real tmpfs (2 MiB)' : 'mount not permitted: injected ENOSPC');
    const fs = mounted ? undefined : new FaultyFs();
    const dataDir = join(mnt, 'data');
    try {
      // Ballast we can delete later to give space back.
      const ballast = join(mnt, 'ballast');
      if (mounted) await writeFile(ballast, Buffer.alloc(512 * 1024));
      let storage = new FileStorage({ dataDir, fsync: { kind: 'always' }, segmentMaxBytes: 256 * 1024, fs });
      await storage.open();
      let log = await storage.createLog('full/shard-0');
      const acked: string[] = [];
      let failure: unknown;
      for (let i = 0; i < 200 && failure === undefined; i++) {
        const tag = `b${String(i).padStart(5, '0')}`;
        const batch = [];
        for (let r = 0; r < 8; r++)
          batch.push({ key: 'k', data: Buffer.concat([Buffer.from(`${tag}-${r}`.padEnd(12)), Buffer.alloc(8 * 1024, r)]), timestampMs: i });
        if (!mounted && i === 50) fs!.failWrites = 'ENOSPC';
        const before = log.endOffset;
        const res = log.append(batch);
        try {
          await res.durable;
          for (let r = 0; r < 8; r++) acked.push(`${tag}-${r}`.padEnd(12));
        } catch (e) {
          failure = e;
          assert.equal(log.endOffset, before, 'none of the failed batch is visible');
        }
      }
      assert.ok(failure instanceof StorageError, `a write failed (${String(failure)})`);
      assert.equal(failure.code, 'ENOSPC');
      assert.ok(acked.length > 0);
      assert.deepEqual(await readAllData(log), acked, 'everything acknowledged is intact');

      // Space comes back: the log carries on from the last durable offset.
      if (mounted) await rm(ballast);
      else fs!.failWrites = null;
      const more = log.append([{ key: 'k', data: Buffer.from('after-space '), timestampMs: 999 }]);
      assert.equal(more.firstOffset, acked.length);
      await more.durable;
      acked.push('after-space ');
      await storage.close();

      storage = new FileStorage({ dataDir, fsync: { kind: 'always' }, segmentMaxBytes: 256 * 1024 });
      await storage.open();
      try {
        assert.deepEqual(storage.recovery, [], 'no torn bytes were left behind');
        log = storage.getLog('full/shard-0')!;
        assert.deepEqual(await readAllData(log), acked);
      } finally {
        await storage.close();
      }
    } finally {
      if (mounted) execFileSync('umount', [mnt]);
      await remove();
    }
  });
});
