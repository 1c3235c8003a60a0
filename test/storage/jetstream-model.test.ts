/**
 * Model-based test: random operations (appends of random sizes and several batches in flight, reads with random
 * limits, offsetForTimestamp, trims, reopens, and appends by a second storage instance — another Freshet node —
 * that make this instance's next append lose the race; random read windows and tail-cache sizes, so reads mix cached
 * records with fetched ones) applied to JetStreamStorage on a 3-server R3 cluster and
 * to MemoryStorage, the reference. Their answers must agree.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsCluster } from '../../src/cluster/index.ts';
import { createJetStreamStorage, MemoryStorage } from '../../src/storage/index.ts';
import type { AppendRecord, ShardLog } from '../../src/storage/index.ts';
import { dropNamespace, testNatsCluster } from '../helpers/nats-cluster.ts';

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

let cluster: NatsCluster;
before(async () => {
  cluster = await testNatsCluster();
});
after(async () => {
  if (cluster) for (const seed of [11, 12]) await dropNamespace(cluster.urls, `model${process.pid}s${seed}`);
  await cluster?.stop();
});

describe('JetStreamStorage against the MemoryStorage model', () => {
  for (const [seed, ops] of [
    [11, 250],
    [12, 250],
  ] as const) {
    it(`agrees on ${ops} random operations, including a second writer (seed ${seed})`, async () => {
      const rnd = prng(seed);
      const int = (k: number): number => Math.floor(rnd() * k);
      const namespace = `model${process.pid}s${seed}`;
      const make = () =>
        createJetStreamStorage({ servers: cluster.urls, replicas: 3, namespace, readWindow: 1 + int(40), tailCacheBytes: int(3) === 0 ? 0 : int(4000) });
      let js = await make();
      await js.open();
      const mem = new MemoryStorage();
      await mem.open();
      let f: ShardLog = await js.createLog('m/shard-0');
      const m = await mem.createLog('m/shard-0');
      let ts = 1_000_000;
      const batchOf = (n: number): AppendRecord[] => {
        const recs: AppendRecord[] = [];
        for (let i = 0; i < n; i++) {
          ts += int(3);
          const data = Buffer.alloc(int(120));
          for (let j = 0; j < data.length; j++) data[j] = int(256);
          recs.push({ key: int(10) === 0 ? '' : `k${int(50)}`, data, timestampMs: ts });
        }
        return recs;
      };
      let raced = 0;
      try {
        for (let op = 0; op < ops; op++) {
          const kind = rnd();
          if (kind < 0.45) {
            const pending: Array<Promise<void>> = [];
            for (let b = 0, batches = 1 + int(3); b < batches; b++) {
              const recs = batchOf(1 + int(12));
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
            const target = 1_000_000 + int(ts - 1_000_000 + 10);
            assert.equal(await f.offsetForTimestamp(target), await m.offsetForTimestamp(target), `op ${op}: offsetForTimestamp(${target})`);
          } else if (kind < 0.9) {
            const cutoff = 1_000_000 + int(ts - 1_000_000 + 1);
            assert.equal(await f.trimBefore(cutoff), await m.trimBefore(cutoff), `op ${op}: trimBefore(${cutoff})`);
          } else if (kind < 0.95) {
            await js.close();
            js = await make();
            await js.open();
            f = js.getLog('m/shard-0')!;
            assert.ok(f, `op ${op}: the log is listed after a reopen`);
          } else {
            // Another node appends: this node's next append was numbered from a stale end; it is refused whole (also
            // when the other node's records are fewer than the batch's, so that a later record's expected sequence
            // is the stream's real end), not stored after a gap, and placed again at the stream's end.
            raced++;
            const other = await make();
            await other.open();
            const recs = batchOf(1 + int(5));
            const o = other.getLog('m/shard-0')!;
            const ro = o.append(recs);
            assert.equal(ro.firstOffset, m.append(recs).firstOffset, `op ${op}: the other node numbers from the stream's end`);
            await ro.durable;
            await other.close();
            const staleRecs = batchOf(1 + int(8));
            const stale = f.append(staleRecs);
            assert.equal(stale.firstOffset, m.endOffset - recs.length, `op ${op}: the append is numbered from the stale end`);
            await stale.durable;
            assert.equal(stale.firstOffset, m.append(staleRecs).firstOffset, `op ${op}: the stale append is placed again at the stream's end`);
          }
          assert.equal(f.endOffset, m.endOffset, `op ${op}: endOffset`);
          assert.equal(f.startOffset, m.startOffset, `op ${op}: startOffset`);
          assert.equal(f.lastTimestampMs, m.lastTimestampMs, `op ${op}: lastTimestampMs`);
        }
        assert.ok(raced > 0, 'the run included a second writer');
      } finally {
        for (const id of js.listLogs()) await js.deleteLog(id);
        await js.close();
        await mem.close();
      }
    });
  }
});
