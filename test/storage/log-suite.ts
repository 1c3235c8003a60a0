/**
 * The one LogStorage suite, run against every backend (memory.test.ts,
 * file-suite.test.ts). MemoryStorage's behaviour is the reference; where a
 * backend may legitimately differ (the file log trims whole segments only)
 * the assertions state the bound both must meet.
 */
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { ManualClock } from '../../src/core/index.ts';
import type { AppendRecord, LogStorage, ShardLog } from '../../src/storage/index.ts';
import { StorageError } from '../../src/storage/index.ts';

export interface SuiteBackend {
  storage: LogStorage;
  clock: ManualClock;
  /** Closes and reopens the same storage (durable backends); undefined when not durable. */
  reopen?: () => Promise<LogStorage>;
  cleanup(): Promise<void>;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function rec(key: string, text: string, timestampMs: number): AppendRecord {
  return { key, data: enc.encode(text), timestampMs };
}

export function text(data: Uint8Array): string {
  return dec.decode(data);
}

async function appendAll(log: ShardLog, records: AppendRecord[]): Promise<number> {
  const { firstOffset, durable } = log.append(records);
  await durable;
  return firstOffset;
}

async function readAll(log: ShardLog, from = 0): Promise<Array<{ offset: number; key: string; text: string; ts: number }>> {
  const out: Array<{ offset: number; key: string; text: string; ts: number }> = [];
  let next = from;
  for (;;) {
    const r = await log.read(next, { maxRecords: 1000, maxBytes: 1 << 20 });
    for (const x of r.records) out.push({ offset: x.offset, key: x.key, text: text(x.data), ts: x.timestampMs });
    if (r.records.length === 0) return out;
    next = r.nextOffset;
  }
}

export function logStorageSuite(name: string, make: () => Promise<SuiteBackend>, opts: { durable: boolean }): void {
  describe(`LogStorage contract: ${name}`, () => {
    let b: SuiteBackend;
    let s: LogStorage;
    beforeEach(async () => {
      b = await make();
      s = b.storage;
    });
    afterEach(async () => {
      await b.cleanup();
    });

    it('assigns dense offsets in call order and reads records back with key, data and timestamp', async () => {
      const log = await s.createLog('stream-a/shardId-000000000000');
      const t = b.clock.now();
      const a = log.append([rec('k1', 'one', t), rec('k2', 'two', t + 1)]);
      const c = log.append([rec('k3', 'three', t + 2)]);
      assert.equal(a.firstOffset, 0);
      assert.equal(c.firstOffset, 2);
      await Promise.all([a.durable, c.durable]);
      assert.equal(log.startOffset, 0);
      assert.equal(log.endOffset, 3);
      assert.equal(log.lastTimestampMs, t + 2);
      assert.deepEqual(await readAll(log), [
        { offset: 0, key: 'k1', text: 'one', ts: t },
        { offset: 1, key: 'k2', text: 'two', ts: t + 1 },
        { offset: 2, key: 'k3', text: 'three', ts: t + 2 },
      ]);
    });

    it('keeps unicode keys, empty keys, empty and binary data intact', async () => {
      const log = await s.createLog('unicode');
      const bin = new Uint8Array(256);
      for (let i = 0; i < 256; i++) bin[i] = i;
      await appendAll(log, [
        { key: 'ключ-🔑', data: bin, timestampMs: 1 },
        { key: '', data: new Uint8Array(0), timestampMs: 2 },
      ]);
      const r = await log.read(0, { maxRecords: 10, maxBytes: 1 << 20 });
      assert.equal(r.records.length, 2);
      assert.equal(r.records[0]!.key, 'ключ-🔑');
      assert.deepEqual([...r.records[0]!.data], [...bin]);
      assert.equal(r.records[1]!.key, '');
      assert.equal(r.records[1]!.data.length, 0);
      assert.equal(r.nextOffset, 2);
    });

    it('treats an empty batch as a no-op at the current end', async () => {
      const log = await s.createLog('empty-batch');
      await appendAll(log, [rec('k', 'x', 1)]);
      const r = log.append([]);
      assert.equal(r.firstOffset, 1);
      await r.durable;
      assert.equal(log.endOffset, 1);
      assert.equal(log.lastTimestampMs, 1);
    });

    it('reports an empty log as empty', async () => {
      const log = await s.createLog('fresh');
      assert.equal(log.startOffset, 0);
      assert.equal(log.endOffset, 0);
      assert.equal(log.lastTimestampMs, undefined);
      assert.deepEqual(await log.read(0, { maxRecords: 10, maxBytes: 1000 }), { records: [], nextOffset: 0 });
      assert.equal(await log.offsetForTimestamp(0), 0);
    });

    it('honours maxRecords and maxBytes, always returning at least one record', async () => {
      const log = await s.createLog('limits');
      const batch: AppendRecord[] = [];
      for (let i = 0; i < 50; i++) batch.push(rec(`k${i}`, 'x'.repeat(100), i));
      await appendAll(log, batch);
      let r = await log.read(0, { maxRecords: 7, maxBytes: 1 << 20 });
      assert.deepEqual(
        r.records.map((x) => x.offset),
        [0, 1, 2, 3, 4, 5, 6],
      );
      assert.equal(r.nextOffset, 7);
      r = await log.read(7, { maxRecords: 100, maxBytes: 350 });
      assert.deepEqual(
        r.records.map((x) => x.offset),
        [7, 8, 9],
      );
      assert.equal(r.nextOffset, 10);
      r = await log.read(10, { maxRecords: 100, maxBytes: 10 });
      assert.deepEqual(
        r.records.map((x) => x.offset),
        [10],
        'a record larger than maxBytes still comes alone',
      );
      r = await log.read(45, { maxRecords: 100, maxBytes: 1 << 20 });
      assert.deepEqual(
        r.records.map((x) => x.offset),
        [45, 46, 47, 48, 49],
      );
      assert.equal(r.nextOffset, 50);
    });

    it('returns nothing (and the requested offset) when reading at or past the end', async () => {
      const log = await s.createLog('past-end');
      await appendAll(log, [rec('k', 'a', 1), rec('k', 'b', 2)]);
      assert.deepEqual(await log.read(2, { maxRecords: 10, maxBytes: 1000 }), { records: [], nextOffset: 2 });
      assert.deepEqual(await log.read(9, { maxRecords: 10, maxBytes: 1000 }), { records: [], nextOffset: 9 });
    });

    it('reads from any offset in the middle of a long log, across segment boundaries', async () => {
      const log = await s.createLog('long');
      for (let batch = 0; batch < 20; batch++) {
        const rs: AppendRecord[] = [];
        for (let i = 0; i < 25; i++) rs.push(rec(`p${i}`, `rec-${batch * 25 + i}-${'y'.repeat(i * 7)}`, 1000 + batch * 25 + i));
        log.append(rs);
      }
      await log.append([rec('last', 'rec-500', 1500)]).durable;
      assert.equal(log.endOffset, 501);
      for (const from of [0, 1, 37, 250, 499, 500]) {
        const r = await log.read(from, { maxRecords: 3, maxBytes: 1 << 20 });
        assert.equal(r.records[0]!.offset, from);
        assert.ok(text(r.records[0]!.data).startsWith(`rec-${from}`));
      }
      const all = await readAll(log);
      assert.equal(all.length, 501);
      all.forEach((x, i) => assert.equal(x.offset, i));
    });

    it('finds the first offset at or after a timestamp', async () => {
      const log = await s.createLog('by-time');
      const rs: AppendRecord[] = [];
      for (let i = 0; i < 300; i++) rs.push(rec('k', `r${i}-${'z'.repeat(60)}`, 10_000 + Math.floor(i / 3) * 10));
      await appendAll(log, rs);
      assert.equal(await log.offsetForTimestamp(0), 0);
      assert.equal(await log.offsetForTimestamp(10_000), 0);
      assert.equal(await log.offsetForTimestamp(10_001), 3);
      assert.equal(await log.offsetForTimestamp(10_500), 150);
      assert.equal(await log.offsetForTimestamp(10_990), 297);
      assert.equal(await log.offsetForTimestamp(10_991), 300);
    });

    it('calls onAppend listeners after durability with the new end, and stops after unsubscribe', async () => {
      const log = await s.createLog('listen');
      const seen: Array<[number, number]> = [];
      const off = log.onAppend((end) => seen.push([end, log.endOffset]));
      await log.append([rec('k', 'a', 1), rec('k', 'b', 2)]).durable;
      await log.append([rec('k', 'c', 3)]).durable;
      assert.ok(seen.length >= 1);
      assert.deepEqual(seen.at(-1), [3, 3]);
      for (const [end, visible] of seen) assert.equal(end, visible, 'listener runs once records are visible');
      off();
      const n = seen.length;
      await log.append([rec('k', 'd', 4)]).durable;
      assert.equal(seen.length, n);
    });

    it('trims whole expired prefixes: records at or after the cut stay readable', async () => {
      const log = await s.createLog('trim');
      for (let i = 0; i < 200; i++) log.append([rec('k', `t${i}-${'q'.repeat(80)}`, 1_000 + i)]);
      await log.append([rec('k', 'tail', 2_000)]).durable;
      const start = await log.trimBefore(1_100);
      assert.equal(start, log.startOffset);
      assert.ok(start > 0, 'some expired records were removed');
      assert.ok(start <= 100, 'nothing at or after the cut was removed');
      const all = await readAll(log, 0);
      assert.equal(all[0]!.offset, start, 'reading from 0 starts at the new start offset');
      assert.equal(all.length, 201 - start);
      assert.equal(all.at(-1)!.text, 'tail');
      assert.equal(await log.offsetForTimestamp(0), start);
      // Trimming everything keeps offsets moving forward.
      assert.equal(await log.trimBefore(10_000), 201, 'everything expired: the log is empty at its end');
      assert.equal(log.startOffset, 201);
      assert.equal(log.endOffset, 201);
      assert.equal(log.lastTimestampMs, undefined, 'an emptied log has no last timestamp');
      assert.deepEqual(await log.read(0, { maxRecords: 10, maxBytes: 1000 }), { records: [], nextOffset: 201 });
      const next = await appendAll(log, [rec('k', 'after', 3_000)]);
      assert.equal(next, 201);
      const after = await log.read(201, { maxRecords: 10, maxBytes: 1000 });
      assert.equal(text(after.records[0]!.data), 'after');
    });

    it('refuses to create a log that exists, lists and deletes logs', async () => {
      await s.createLog('s1/shardId-000000000001');
      await s.createLog('s1/shardId-000000000000');
      await assert.rejects(s.createLog('s1/shardId-000000000000'), (e: unknown) => e instanceof StorageError && e.code === 'EXISTS');
      assert.deepEqual(s.listLogs(), ['s1/shardId-000000000000', 's1/shardId-000000000001']);
      assert.ok(s.getLog('s1/shardId-000000000000'));
      await s.deleteLog('s1/shardId-000000000000');
      assert.equal(s.getLog('s1/shardId-000000000000'), undefined);
      assert.deepEqual(s.listLogs(), ['s1/shardId-000000000001']);
      const again = await s.createLog('s1/shardId-000000000000');
      assert.equal(again.endOffset, 0, 'a re-created log starts empty');
      await s.deleteLog('no-such-log'); // deleting a missing log is a no-op
    });

    it('refuses appends and reads on a deleted log with NOT_FOUND', async () => {
      const log = await s.createLog('deleted');
      await appendAll(log, [rec('k', 'x', 1)]);
      await s.deleteLog('deleted');
      const notFound = (e: unknown) => e instanceof StorageError && e.code === 'NOT_FOUND';
      assert.throws(() => log.append([rec('k', 'y', 2)]), notFound);
      await assert.rejects(log.read(0, { maxRecords: 1, maxBytes: 100 }), notFound);
    });

    it('commits concurrent appends to many logs, each in call order', async () => {
      const logs = await Promise.all([0, 1, 2, 3].map((i) => s.createLog(`multi/shard-${i}`)));
      const durables: Array<Promise<void>> = [];
      for (let round = 0; round < 50; round++) {
        for (let l = 0; l < 4; l++) {
          const r = logs[l]!.append([rec(`k${round}`, `${l}:${round}:0`, round), rec(`k${round}`, `${l}:${round}:1`, round)]);
          assert.equal(r.firstOffset, round * 2);
          durables.push(r.durable);
        }
      }
      await Promise.all(durables);
      for (let l = 0; l < 4; l++) {
        const all = await readAll(logs[l]!);
        assert.equal(all.length, 100);
        all.forEach((x, i) => assert.equal(x.text, `${l}:${Math.floor(i / 2)}:${i % 2}`));
      }
    });

    it('round-trips a 1 MiB record', async () => {
      const log = await s.createLog('big');
      const big = new Uint8Array(1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
      await appendAll(log, [rec('a', 'before', 1), { key: 'big', data: big, timestampMs: 2 }, rec('b', 'after', 3)]);
      const r = await log.read(1, { maxRecords: 1, maxBytes: 10 });
      assert.equal(r.records.length, 1);
      assert.equal(r.records[0]!.data.length, big.length);
      assert.ok(Buffer.from(r.records[0]!.data).equals(Buffer.from(big)));
      const all = await readAll(log);
      assert.deepEqual(
        all.map((x) => x.offset),
        [0, 1, 2],
      );
    });

    it('stores metadata: get/keys/put/delete, with copies isolated from callers', async () => {
      const m = s.meta;
      const v = { name: 'orders', shards: [1, 2], tags: new Map([['env', 'dev']]), created: new Date(5) };
      await m.put('stream/orders', v);
      await m.put('stream/clicks', { name: 'clicks' });
      await m.put('app/x', 1);
      v.shards.push(3);
      const got = m.get<typeof v>('stream/orders')!;
      assert.deepEqual(got.shards, [1, 2]);
      assert.equal(got.tags.get('env'), 'dev');
      assert.equal(got.created.getTime(), 5);
      got.shards.push(9);
      assert.deepEqual(m.get<typeof v>('stream/orders')!.shards, [1, 2]);
      assert.deepEqual(m.keys('stream/'), ['stream/clicks', 'stream/orders']);
      await m.delete('stream/clicks');
      assert.equal(m.get('stream/clicks'), undefined);
      assert.deepEqual(m.keys(''), ['app/x', 'stream/orders']);
    });

    if (opts.durable)
      it('keeps acknowledged records and metadata across a reopen', async () => {
        const log = await s.createLog('persist/shardId-000000000000');
        await appendAll(log, [rec('a', 'one', 1), rec('b', 'two', 2)]);
        await s.meta.put('k', { v: 1 });
        s = await b.reopen!();
        const again = s.getLog('persist/shardId-000000000000')!;
        assert.ok(again, 'log is listed after reopen');
        assert.equal(again.endOffset, 2);
        assert.equal(again.lastTimestampMs, 2);
        assert.deepEqual(
          (await readAll(again)).map((x) => x.text),
          ['one', 'two'],
        );
        assert.deepEqual(s.meta.get('k'), { v: 1 });
        const c = again.append([rec('c', 'three', 3)]);
        assert.equal(c.firstOffset, 2);
        await c.durable;
      });
  });
}
