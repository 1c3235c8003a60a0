/**
 * CheckpointLog's write retry (review finding 7): an append refused for now (a StorageError EIO, as a shared
 * JetStream log answers every append while it recovers from a failed one) is tried again with backoff until it
 * lands; a refusal because this node no longer holds the mapping's lease, or any other failure, is not retried.
 * The log is a real MemoryStorage log; its append is wrapped to refuse the first tries, the one way to make a
 * recovering log without a failing JetStream server.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage, StorageError } from '../../src/storage/index.ts';
import type { AppendRecord, ShardLog } from '../../src/storage/index.ts';
import { CheckpointLog } from '../../src/functions/esm/checkpoints.ts';

/** A storage whose log `id` refuses its first `fail` appends with `error` (thrown at once, as JetStream's broken log does). */
async function refusing(id: string, fail: number, error: () => Error): Promise<{ storage: MemoryStorage; tries: () => number }> {
  const storage = new MemoryStorage();
  await storage.open();
  const log: ShardLog = await storage.createLog(id);
  const append = log.append.bind(log);
  let tries = 0;
  log.append = (records: readonly AppendRecord[]) => {
    tries++;
    if (tries <= fail) throw error();
    return append(records);
  };
  return { storage, tries: () => tries };
}

const eio = () => new StorageError('log recovering from a failed append: retry', 'EIO');

describe('CheckpointLog write retries', () => {
  it('an append refused for now (EIO) is tried again with backoff until it lands', async () => {
    const { storage, tries } = await refusing('cp/a', 4, eio);
    const cp = new CheckpointLog<{ at: number }>(
      storage,
      'cp/a',
      () => 1000,
      () => 7,
    );
    const started = performance.now();
    await cp.write(() => ({ at: 1 }));
    const waited = performance.now() - started;
    assert.equal(tries(), 5);
    // Four delays starting at 20 ms (±50%) and doubling: at least 10 + 20 + 40 + 80 ms (less a little for timer rounding).
    assert.ok(waited >= 140, `retried after ${waited.toFixed(0)} ms`);
    assert.deepEqual(
      await new CheckpointLog<{ at: number }>(
        storage,
        'cp/a',
        () => 1000,
        () => 7,
      ).load(),
      { at: 1 },
    );
    await storage.close();
  });

  it('a node that no longer holds the lease stops retrying, and writes nothing', async () => {
    const { storage, tries } = await refusing('cp/b', 1, eio);
    let token: number | null = 3;
    const cp = new CheckpointLog<{ at: number }>(
      storage,
      'cp/b',
      () => 1000,
      () => {
        const t = token;
        token = null; // the lease is lost after the first try
        return t;
      },
    );
    await assert.rejects(
      cp.write(() => ({ at: 1 })),
      /does not hold the mapping's lease/,
    );
    assert.equal(tries(), 1);
    assert.equal(storage.getLog('cp/b')!.endOffset, 0);
    await storage.close();
  });

  it('any other failure is not retried', async () => {
    const { storage, tries } = await refusing('cp/c', 1, () => new StorageError('no space left', 'ENOSPC'));
    const cp = new CheckpointLog<{ at: number }>(
      storage,
      'cp/c',
      () => 1000,
      () => 3,
    );
    await assert.rejects(
      cp.write(() => ({ at: 1 })),
      (e: unknown) => e instanceof StorageError && e.code === 'ENOSPC',
    );
    assert.equal(tries(), 1);
    await storage.close();
  });
});
