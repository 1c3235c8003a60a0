/**
 * A batch appended to a JetStream shard log is all-or-nothing under races with another writer (another Freshet
 * node on the same namespace): JetStream 2.9 has no atomic batch publish, so the batch is published as a chain
 * (each record expects the message id of the one before it) and a refused first record refuses the rest; the whole
 * batch is then placed again at the stream's end. Before the chain each record expected only the sequence before
 * it, and a writer whose view lagged the stream by fewer records than its batch had the batch's tail stored and
 * its call failed: the client's retry stored that tail twice.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, headers } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsCluster } from '../../src/cluster/index.ts';
import { createJetStreamStorage } from '../../src/storage/index.ts';
import type { AppendRecord, JetStreamStorage, ShardLog } from '../../src/storage/index.ts';
import { dropNamespace, testNatsCluster } from '../helpers/nats-cluster.ts';

let cluster: NatsCluster;
const namespace = `batch${process.pid}`;
before(async () => {
  cluster = await testNatsCluster();
});
after(async () => {
  if (cluster) await dropNamespace(cluster.urls, namespace);
  await cluster?.stop();
});

const records = (tag: string, n: number, ts = 1_000_000): AppendRecord[] =>
  Array.from({ length: n }, (_, i) => ({ key: tag, data: Buffer.from(`${tag}-${i}`), timestampMs: ts }));

/** Every record of the log, read through `log` (from NATS: the reading storage has no tail cache). */
async function readAll(log: ShardLog): Promise<Array<{ offset: number; data: string }>> {
  await log.refresh?.();
  const out: Array<{ offset: number; data: string }> = [];
  for (let from = log.startOffset; from < log.endOffset; ) {
    const r = await log.read(from, { maxRecords: 1000, maxBytes: 1 << 20 });
    for (const x of r.records) out.push({ offset: x.offset, data: Buffer.from(x.data).toString() });
    if (r.nextOffset <= from) break;
    from = r.nextOffset;
  }
  return out;
}

/** A record payload as Freshet stores it (record-codec.ts): float64 LE time, uint16 LE key length, key, data. */
function payload(key: string, data: string, ts: number): Buffer {
  const k = Buffer.from(key);
  const out = Buffer.alloc(10 + k.length + Buffer.byteLength(data));
  out.writeDoubleLE(ts, 0);
  out.writeUInt16LE(k.length, 8);
  k.copy(out, 10);
  out.write(data, 10 + k.length);
  return out;
}

describe('JetStream batch appends under another writer', () => {
  const storages: JetStreamStorage[] = [];
  const open = async (tailCacheBytes?: number): Promise<JetStreamStorage> => {
    const s = await createJetStreamStorage({ servers: cluster.urls, replicas: 3, namespace, ...(tailCacheBytes !== undefined ? { tailCacheBytes } : {}) });
    await s.open();
    storages.push(s);
    return s;
  };
  after(async () => {
    for (const s of storages) await s.close();
  });

  it('a batch numbered from an end that lags the stream by fewer records than the batch is refused whole, placed again at the end and stored once', async () => {
    const mine = await open();
    const log = await mine.createLog('lag/shard-0');
    await log.append(records('a', 3)).durable;
    // Another node appends 2 records: this node still believes the log ends at 3.
    const other = await open();
    const o = other.getLog('lag/shard-0') ?? (await other.openLog('lag/shard-0'));
    const ro = o.append(records('b', 2));
    assert.equal(ro.firstOffset, 3);
    await ro.durable;
    assert.equal(log.endOffset, 3, "this node's view lags the stream by 2 records");
    // 5 records numbered from 3: the first two expect sequences the other node has taken. Each record expecting
    // only the sequence before it, records 2..4 matched the stream's real end and were stored, and the call failed.
    const r = log.append(records('c', 5));
    assert.equal(r.firstOffset, 3, 'numbered from the stale end');
    await r.durable;
    assert.equal(r.firstOffset, 5, 'placed again, whole, at the end the other node left');
    assert.equal(log.endOffset, 10);
    const reader = await open(0);
    const got = await readAll(reader.getLog('lag/shard-0')!);
    assert.deepEqual(
      got.map((x) => `${x.offset}:${x.data}`),
      ['0:a-0', '1:a-1', '2:a-2', '3:b-0', '4:b-1', '5:c-0', '6:c-1', '7:c-2', '8:c-3', '9:c-4'],
      'every record stored once, each batch whole and in one piece',
    );
    // The log goes on: both nodes append after the placed batch.
    await log.append(records('d', 2)).durable;
    await o.refresh?.();
    const rb = o.append(records('e', 3));
    await rb.durable;
    assert.equal(rb.firstOffset, 12);
  });

  it('two writers appending batches from one end at once never leave a batch partly stored: every batch is acknowledged and read back once, whole', async () => {
    const a = await open();
    const b = await open();
    const la = await a.createLog('both/shard-0');
    const lb = await b.openLog('both/shard-0');
    const acked: Array<{ tag: string; first: number; n: number }> = [];
    for (let round = 0; round < 15; round++) {
      // Both start from the same end, each with two batches in flight (of 2–9 records).
      await la.refresh?.();
      await lb.refresh?.();
      assert.equal(la.endOffset, lb.endOffset, `round ${round}: both nodes see one end`);
      const sent: Array<{ tag: string; n: number; r: ReturnType<ShardLog['append']> }> = [];
      for (const [w, l] of [
        ['A', la],
        ['B', lb],
      ] as const) {
        for (let k = 0; k < 2; k++) {
          const tag = `${w}${round}.${k}`;
          const n = 2 + ((round * 7 + k * 3 + (w === 'A' ? 0 : 5)) % 8);
          sent.push({ tag, n, r: l.append(records(tag, n)) });
        }
      }
      const settled = await Promise.allSettled(sent.map((s) => s.r.durable));
      settled.forEach((s, i) => {
        assert.equal(s.status, 'fulfilled', `round ${round}: batch ${sent[i]!.tag} acknowledged (${s.status === 'rejected' ? String(s.reason) : ''})`);
        acked.push({ tag: sent[i]!.tag, first: sent[i]!.r.firstOffset, n: sent[i]!.n });
      });
    }
    const reader = await open(0);
    const got = await readAll(reader.getLog('both/shard-0')!);
    const count = new Map<string, number>();
    for (const x of got) count.set(x.data, (count.get(x.data) ?? 0) + 1);
    assert.equal(
      got.length,
      acked.reduce((s, x) => s + x.n, 0),
      'the log holds exactly the acknowledged records',
    );
    for (const { tag, first, n } of acked) {
      for (let i = 0; i < n; i++) {
        assert.equal(count.get(`${tag}-${i}`), 1, `${tag}-${i} stored once`);
        assert.equal(got[first + i]?.data, `${tag}-${i}`, `${tag}-${i} at the offset it was acknowledged with`);
      }
    }
  });

  it('a log written before batch chains (records without message ids, the default duplicate window) is read and appended to, and keeps its window', async () => {
    // As the previous version wrote: the stream with JetStream's default duplicate window (2 min), and records that
    // expect only the sequence before them, with no Nats-Msg-Id.
    const nc = await connect({ servers: cluster.urls });
    try {
      const jsm = await jetstreamManager(nc);
      const stream = `${namespace}-L-legacy_2fshard-0`;
      const subject = `${namespace}.log.legacy_2fshard-0`;
      await jsm.streams.add({ name: stream, subjects: [subject], num_replicas: 3, storage: 'file' as never, allow_direct: true });
      assert.equal((await jsm.streams.info(stream)).config.duplicate_window, 120_000_000_000, "JetStream's default window");
      const js = jetstream(nc);
      for (let i = 0; i < 3; i++) {
        const h = headers();
        h.set('Nats-Expected-Last-Sequence', String(i));
        await js.publish(subject, payload('old', `old-${i}`, 1_000_000 + i), { headers: h });
      }
      const s = await open();
      const log = s.getLog('legacy/shard-0');
      assert.ok(log, 'the old log is listed');
      assert.equal(log.endOffset, 3);
      assert.equal(log.lastTimestampMs, 1_000_002);
      const r = log.append(records('new', 4, 1_000_003));
      assert.equal(r.firstOffset, 3);
      await r.durable;
      // Another node appends after it, then this one again (its view lagging by fewer records than its batch).
      const other = await open();
      await other.getLog('legacy/shard-0')!.append(records('other', 1, 1_000_004)).durable;
      const again = log.append(records('again', 3, 1_000_005));
      await again.durable;
      assert.equal(again.firstOffset, 8);
      const reader = await open(0);
      assert.deepEqual(
        (await readAll(reader.getLog('legacy/shard-0')!)).map((x) => x.data),
        ['old-0', 'old-1', 'old-2', 'new-0', 'new-1', 'new-2', 'new-3', 'other-0', 'again-0', 'again-1', 'again-2'],
      );
      // Not changed at open: an update rewrites the whole config (subjects too) and could undo another node's seal.
      const cfg = (await jsm.streams.info(stream)).config;
      assert.equal(cfg.duplicate_window, 120_000_000_000, 'the default window, left as it was');
      assert.deepEqual(cfg.subjects, [subject]);
    } finally {
      await nc.close();
    }
  });

  it("a writer that finds the log's end inside another writer's batch waits for that batch to land instead of storing its records in its middle", async () => {
    // Another writer's batch of 4, of which 2 records have landed: their ids say 3 and 2 records follow.
    const first = await open();
    await first.createLog('mid/shard-0');
    const nc = await connect({ servers: cluster.urls });
    try {
      const js = jetstream(nc);
      const subject = `${namespace}.log.mid_2fshard-0`;
      const put = (i: number) => {
        const h = headers();
        h.set('Nats-Msg-Id', `0123456789ab.1.${3 - i}`);
        if (i === 0) h.set('Nats-Expected-Last-Sequence', '0');
        else h.set('Nats-Expected-Last-Msg-Id', `0123456789ab.1.${4 - i}`);
        return js.publish(subject, payload('w', `w-${i}`, 1_000_000), { headers: h });
      };
      await put(0);
      await put(1);
      const s = await open();
      const log = s.getLog('mid/shard-0')!;
      assert.equal(log.endOffset, 2);
      const r = log.append(records('x', 2, 1_000_001));
      // The rest of that batch lands a little later: it must not be refused (its chain broken by this node's records).
      await new Promise((res) => setTimeout(res, 150));
      await put(2);
      await put(3);
      await r.durable;
      assert.equal(r.firstOffset, 4, "placed after the other writer's whole batch");
      const reader = await open(0);
      assert.deepEqual(
        (await readAll(reader.getLog('mid/shard-0')!)).map((x) => x.data),
        ['w-0', 'w-1', 'w-2', 'w-3', 'x-0', 'x-1'],
      );
    } finally {
      await nc.close();
    }
  });
});
