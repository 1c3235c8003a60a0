/**
 * Model-based test: random operations (appends of random sizes, reads with
 * random limits, offsetForTimestamp, trims, reopens, injected write
 * failures) applied to FileStorage — with tiny segments, a dense index and
 * only 2 open sealed files — and to MemoryStorage, the reference. Their
 * answers must agree (the file log trims whole segments, so comparisons
 * start at the reference's start offset).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/index.ts';
import { FileStorage, MemoryStorage, StorageError } from '../../src/storage/index.ts';
import type { AppendRecord, ShardLog } from '../../src/storage/index.ts';
import { FaultyFs, tempDir } from './helpers.ts';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function summary(rs: ReadonlyArray<{ offset: number; key: string; data: Uint8Array; timestampMs: number }>): string[] {
  return rs.map((r) => `${r.offset}|${r.key}|${Buffer.from(r.data).toString('hex')}|${r.timestampMs}`);
}

describe('FileStorage against the MemoryStorage model', () => {
  // fsync 'never' keeps the runs fast; one run pays for 'always'.
  for (const [seed, fsync, ops] of [
    [1, 'always', 150],
    [2, 'never', 400],
    [3, 'never', 400],
  ] as const) {
    it(`agrees on ${ops} random operations (seed ${seed}, fsync ${fsync})`, async () => {
      const rnd = prng(seed);
      const int = (n: number): number => Math.floor(rnd() * n);
      const { dir, remove } = await tempDir('freshet-model-');
      const clock = new ManualClock();
      const fs = new FaultyFs();
      const make = () =>
        new FileStorage({ dataDir: dir, fsync: { kind: fsync }, clock, fs, segmentMaxBytes: 600, indexIntervalBytes: 128, maxOpenSealedFiles: 2 });
      let file = make();
      await file.open();
      const mem = new MemoryStorage();
      await mem.open();
      let f: ShardLog = await file.createLog('m/shard-0');
      const m = await mem.createLog('m/shard-0');
      let ts = clock.now();
      try {
        for (let op = 0; op < ops; op++) {
          const kind = rnd();
          if (kind < 0.45) {
            // Append 1..12 records, sometimes several batches in one tick.
            const batches = 1 + int(3);
            const pending: Array<Promise<void>> = [];
            for (let b = 0; b < batches; b++) {
              const recs: AppendRecord[] = [];
              const n = 1 + int(12);
              for (let i = 0; i < n; i++) {
                ts += int(3);
                const data = Buffer.alloc(int(120));
                for (let j = 0; j < data.length; j++) data[j] = int(256);
                recs.push({ key: `k${int(50)}`, data, timestampMs: ts });
              }
              const rf = f.append(recs);
              const rm = m.append(recs);
              assert.equal(rf.firstOffset, rm.firstOffset, `op ${op}: same first offset`);
              pending.push(rf.durable);
            }
            await Promise.all(pending);
          } else if (kind < 0.75) {
            const from = m.startOffset + int(m.endOffset - m.startOffset + 3);
            const limits = { maxRecords: 1 + int(40), maxBytes: 1 + int(3000) };
            const [rf, rm] = await Promise.all([f.read(from, limits), m.read(from, limits)]);
            assert.deepEqual(summary(rf.records), summary(rm.records), `op ${op}: read(${from})`);
            assert.equal(rf.nextOffset, rm.nextOffset, `op ${op}: nextOffset`);
          } else if (kind < 0.85) {
            const target = clock.now() + int(ts - clock.now() + 10);
            const start = m.startOffset;
            assert.equal(
              Math.max(start, await f.offsetForTimestamp(target)),
              Math.max(start, await m.offsetForTimestamp(target)),
              `op ${op}: offsetForTimestamp(${target})`,
            );
          } else if (kind < 0.9) {
            const cutoff = clock.now() + int(ts - clock.now() + 1);
            const fs2 = await f.trimBefore(cutoff);
            const ms2 = await m.trimBefore(cutoff);
            assert.ok(fs2 <= ms2, `op ${op}: the file log never trims past the reference (${fs2} > ${ms2})`);
          } else if (kind < 0.95) {
            await file.close();
            file = make();
            await file.open();
            assert.deepEqual(file.recovery, [], `op ${op}: a clean reopen repairs nothing`);
            f = file.getLog('m/shard-0')!;
          } else {
            // A failing write: the batch is rejected and the model does not get it.
            fs.failWrites = 'EIO';
            const r = f.append([{ key: 'bad', data: Buffer.from('never visible'), timestampMs: ts }]);
            await assert.rejects(r.durable, (e: unknown) => e instanceof StorageError && e.code === 'EIO');
            fs.failWrites = null;
          }
          assert.equal(f.endOffset, m.endOffset, `op ${op}: endOffset`);
          if (m.endOffset > m.startOffset) assert.equal(f.lastTimestampMs, m.lastTimestampMs, `op ${op}: lastTimestampMs`);
        }
      } finally {
        await file.close();
        await mem.close();
        await remove();
      }
    });
  }
});
