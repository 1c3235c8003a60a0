/**
 * Leases of background work (src/cluster/leases.ts) between two JetStream storages on one namespace, each with its
 * own ManualClock (so one node's lease can expire for the other while its owner still believes it holds it): one
 * owner at a time, expiry and takeover, fenced checkpoint writes refusing a stale owner, release on close, and a
 * joining node taking its share.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LeaseManager, LEASE_TTL_MS } from '../../src/cluster/index.ts';
import type { LeasedKind, NatsCluster } from '../../src/cluster/index.ts';
import { ManualClock } from '../../src/core/index.ts';
import { createJetStreamStorage, FENCE_FIELD, StorageError } from '../../src/storage/index.ts';
import type { JetStreamStorage } from '../../src/storage/index.ts';
import { dropNamespace, testNatsCluster } from '../helpers/nats-cluster.ts';
import type { StreamEngine, StreamShardReader } from '../../src/analytics/index.ts';
import { FlinkJob } from '../../src/analytics/v2/job.ts';

let nats: NatsCluster;
const opened: JetStreamStorage[] = [];
const managers: LeaseManager[] = [];
let round = 0;

before(async () => {
  nats = await testNatsCluster();
});

after(async () => {
  for (const m of managers) await m.close(false).catch(() => undefined);
  for (const s of opened) await s.close().catch(() => undefined);
  for (let i = 0; nats && i < round; i++) await dropNamespace(nats.urls, `lease${process.pid}x${i}`);
  await nats?.stop();
});

/** A kind whose desired set and running set the test reads. */
class FakeKind implements LeasedKind {
  readonly prefix = 'analytics/';
  readonly want = new Map<string, number>();
  readonly running = new Set<string>();
  readonly starts: string[] = [];
  desired(): ReadonlyMap<string, number> {
    return this.want;
  }
  /** A start of this name waits until the test resolves it (a slow start: a Flink job's first checkpoint). */
  readonly hold = new Map<string, Promise<void>>();
  async start(name: string): Promise<void> {
    this.starts.push(name);
    await this.hold.get(name);
    this.running.add(name);
  }
  async stop(name: string): Promise<void> {
    this.running.delete(name);
  }
}

interface Node {
  storage: JetStreamStorage;
  clock: ManualClock;
  leases: LeaseManager;
  kind: FakeKind;
}

/** Runs `pass` until it answers true (other nodes' lease writes reach a node through a KV watch, in milliseconds). */
async function untilTrue(pass: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if (await pass()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`${what}: not within 250 passes`);
}

/** Two nodes on a fresh namespace (one per test). */
async function twoNodes(): Promise<[Node, Node]> {
  const namespace = `lease${process.pid}x${round++}`;
  const out: Node[] = [];
  for (let i = 0; i < 2; i++) {
    const storage = await createJetStreamStorage({ servers: nats.urls, namespace });
    await storage.open();
    opened.push(storage);
    const clock = new ManualClock();
    const leases = await LeaseManager.open(storage, { clock });
    managers.push(leases);
    const kind = new FakeKind();
    leases.register(kind);
    out.push({ storage, clock, leases, kind });
  }
  return out as [Node, Node];
}

describe('leases of background work', () => {
  it('gives a resource to one node at a time, with a fencing token', async () => {
    const [a, b] = await twoNodes();
    assert.equal(await a.leases.mayRun('analytics/app1'), true);
    assert.equal(await b.leases.mayRun('analytics/app1'), false);
    assert.equal(await a.leases.mayRun('analytics/app1'), true);
    const token = a.leases.token('analytics/app1');
    assert.ok(token !== undefined && token > 0);
    const listed = await b.leases.list();
    assert.deepEqual(
      listed.map((l) => [l.resource, l.owner, l.token]),
      [['analytics/app1', a.leases.nodeId, token]],
    );
  });

  it('keeps a renewed lease and moves an expired one to another node, which starts the resource', async () => {
    const [a, b] = await twoNodes();
    a.kind.want.set('app1', 1);
    b.kind.want.set('app1', 1);
    assert.equal(await a.leases.mayRun('analytics/app1'), true);
    // A renews on its clock; B's clock moves past the first expiry but not the renewed one.
    a.clock.advance(LEASE_TTL_MS - 1000);
    await a.leases.tick();
    b.clock.advance(LEASE_TTL_MS + 500);
    await b.leases.tick();
    assert.deepEqual(b.leases.holding(), []);
    assert.deepEqual(b.kind.starts, []);
    // A stops renewing (killed): once B's clock passes A's last expiry, B takes the lease and starts the app.
    b.clock.advance(LEASE_TTL_MS);
    await b.leases.tick();
    assert.deepEqual(b.leases.holding(), ['analytics/app1']);
    assert.deepEqual(b.kind.starts, ['app1']);
    assert.ok(b.leases.token('analytics/app1')! > a.leases.token('analytics/app1')!);
    // A's next renewal is refused: it stops the app here.
    a.kind.running.add('app1');
    await a.leases.tick();
    assert.deepEqual(a.leases.holding(), []);
    assert.equal(a.kind.running.has('app1'), false);
  });

  it('takes every expired lease while the start of one it took first has not returned (failover)', async () => {
    const [a, b] = await twoNodes();
    for (const n of ['app1', 'app2', 'app3']) {
      a.kind.want.set(n, 1);
      b.kind.want.set(n, 1);
      assert.equal(await a.leases.mayRun(`analytics/${n}`), true);
    }
    let release!: () => void;
    b.kind.hold.set('app1', new Promise<void>((r) => (release = r)));
    // A is killed (renews no more); B's clock passes its expiry. B's pass takes app1 first and its start hangs.
    b.clock.advance(LEASE_TTL_MS + 1);
    // B's lease view follows the bucket through a watch (milliseconds).
    await untilTrue(async () => (await b.leases.list()).length === 3, 'three leases stored');
    await new Promise((r) => setTimeout(r, 200));
    const pass = b.leases.tick();
    try {
      await untilTrue(async () => b.leases.holding().length === 3, 'B holds the three expired leases while app1 is starting');
      assert.deepEqual(b.leases.holding(), ['analytics/app1', 'analytics/app2', 'analytics/app3']);
      assert.deepEqual([...b.kind.running].sort(), ['app2', 'app3']);
    } finally {
      release();
    }
    await pass;
    assert.deepEqual([...b.kind.running].sort(), ['app1', 'app2', 'app3']);
    // Started once each, also across further passes.
    await b.leases.tick();
    assert.deepEqual([...b.kind.starts].sort(), ['app1', 'app2', 'app3']);
  });

  it('refuses a stale owner’s late checkpoint write once the new owner has written', async () => {
    const [a, b] = await twoNodes();
    assert.equal(await a.leases.mayRun('analytics/app1'), true);
    await a.storage.meta.put('analytics/checkpoint/app1', { takenMs: 1, offset: 10 });
    b.clock.advance(LEASE_TTL_MS + 1);
    b.kind.want.set('app1', 1);
    await b.leases.tick(); // seen expired: taken at once
    assert.deepEqual(b.leases.holding(), ['analytics/app1']);
    await b.storage.meta.put('analytics/checkpoint/app1', { takenMs: 2, offset: 20 });
    // A's clock has not moved: it still believes it holds the lease, and its write reaches the store — which refuses it.
    await assert.rejects(a.storage.meta.put('analytics/checkpoint/app1', { takenMs: 3, offset: 15 }), (e: unknown) => {
      assert.ok(e instanceof StorageError);
      assert.equal(e.code, 'FENCED');
      return true;
    });
    const stored = b.storage.meta.get<Record<string, unknown>>('analytics/checkpoint/app1')!;
    assert.equal(stored.offset, 20);
    assert.equal(stored[FENCE_FIELD], b.leases.token('analytics/app1'));
    // A node that holds no lease cannot write the checkpoint at all; keys that are not checkpoints are not fenced.
    await assert.rejects(a.storage.meta.put('analytics/checkpoint/other', { offset: 1 }), /does not hold the lease/);
    await a.storage.meta.put('analytics/app/other', { name: 'other' });
  });

  it('refuses a stale owner’s late write of a delivery stream’s source positions and of a Flink job’s checkpoint; keeps the new owner’s', async () => {
    const [a, b] = await twoNodes();
    const keys = [
      ['firehose/fh1', 'firehose/source/fh1'],
      ['flink/job1', 'analytics-v2/checkpoint/job1'],
    ] as const;
    for (const [resource, key] of keys) {
      assert.equal(await a.leases.mayRun(resource), true);
      await a.storage.meta.put(key, { 'shardId-000000000000': 10 });
    }
    // A stops renewing as far as B can tell: B takes both leases once its clock passes their expiry, and writes.
    b.clock.advance(LEASE_TTL_MS + 1);
    for (const [resource, key] of keys) {
      assert.equal(await b.leases.mayRun(resource), true);
      assert.ok(b.leases.token(resource)! > a.leases.token(resource)!);
      await b.storage.meta.put(key, { 'shardId-000000000000': 20 });
    }
    for (const [resource, key] of keys) {
      // A still believes it holds the lease (its clock has not moved): its late write of older positions is refused.
      assert.equal(a.leases.holds(resource), true);
      await assert.rejects(a.storage.meta.put(key, { 'shardId-000000000000': 15 }), (e: unknown) => e instanceof StorageError && e.code === 'FENCED');
      const stored = b.storage.meta.get<Record<string, unknown>>(key)!;
      assert.equal(stored['shardId-000000000000'], 20, key);
      assert.equal(stored[FENCE_FIELD], b.leases.token(resource));
      // The new owner keeps writing.
      await b.storage.meta.put(key, { 'shardId-000000000000': 25 });
      assert.equal(b.storage.meta.get<Record<string, unknown>>(key)!['shardId-000000000000'], 25);
    }
  });

  it('releases its leases on close, and the other node takes them', async () => {
    const [a, b] = await twoNodes();
    a.kind.want.set('app1', 1);
    b.kind.want.set('app1', 1);
    assert.equal(await a.leases.mayRun('analytics/app1'), true);
    await a.leases.close();
    // Free once B's watch has seen the release, taken on the pass after (seen twice).
    await untilTrue(async () => {
      await b.leases.tick();
      return b.leases.holding().length > 0;
    }, 'B takes the released lease');
    assert.deepEqual(b.leases.holding(), ['analytics/app1']);
    assert.deepEqual(b.kind.starts, ['app1']);
  });

  it('stops and releases a resource that should no longer run', async () => {
    const [a] = await twoNodes();
    a.kind.want.set('app1', 1);
    assert.equal(await a.leases.mayRun('analytics/app1'), true);
    a.kind.running.add('app1');
    a.kind.want.delete('app1');
    await a.leases.tick();
    assert.deepEqual(a.leases.holding(), []);
    assert.equal(a.kind.running.has('app1'), false);
    assert.deepEqual(await a.leases.list(), []);
  });

  it('restarts a resource on its owner when its version changes', async () => {
    const [a] = await twoNodes();
    a.kind.want.set('app1', 1);
    assert.equal(await a.leases.mayRun('analytics/app1'), true);
    await a.leases.tick();
    assert.deepEqual(a.kind.starts, []);
    a.kind.want.set('app1', 2);
    await a.leases.tick();
    assert.deepEqual(a.kind.starts, ['app1']);
  });

  it('hands leases to a node that holds two fewer (a node joining), newest first, without handing over more than it must', async () => {
    const [a, b] = await twoNodes();
    const names = ['app1', 'app2', 'app3', 'app4', 'app5'];
    for (const n of names) {
      a.kind.want.set(n, 1);
      b.kind.want.set(n, 1);
      assert.equal(await a.leases.mayRun(`analytics/${n}`), true);
      a.clock.advance(1); // taken one after another
    }
    // Each pass acts on what the node's watches have seen so far: pass until the hand-over settles. A lease released
    // and not yet taken counts as the taker's, so A stops at three even while B has not taken the first two yet.
    await untilTrue(async () => {
      await a.leases.tick();
      assert.ok(a.leases.holding().length >= 3, `A handed over more than two: ${a.leases.holding().join(', ')}`);
      await b.leases.tick();
      return a.leases.holding().length === 3 && b.leases.holding().length === 2;
    }, 'three leases on A, two on B');
    // The two taken last moved; a few more passes move nothing.
    for (let i = 0; i < 3; i++) {
      await a.leases.tick();
      await b.leases.tick();
    }
    assert.deepEqual(a.leases.holding(), ['analytics/app1', 'analytics/app2', 'analytics/app3']);
    assert.deepEqual(b.leases.holding(), ['analytics/app4', 'analytics/app5']);
  });
});

/** One shard whose writers never stop: every read returns 50 more records (`{"id": offset}`), until `end` if set. */
class EndlessShard implements StreamShardReader {
  readonly shardId = 'shardId-000000000000';
  offset = 0;
  end = Number.POSITIVE_INFINITY;
  async read(): Promise<{
    records: Array<{ sequenceNumber: string; partitionKey: string; data: Uint8Array; approximateArrivalTimestampMs: number }>;
    millisBehindLatest: number;
  }> {
    await new Promise((r) => setImmediate(r)); // a read is I/O
    const records = [];
    for (let i = 0; i < 50 && this.offset < this.end; i++, this.offset++) {
      records.push({ sequenceNumber: String(this.offset), partitionKey: 'k', data: Buffer.from(`{"id": ${this.offset}}`), approximateArrivalTimestampMs: 0 });
    }
    return { records, millisBehindLatest: records.length > 0 ? 1000 : 0 };
  }
  onAppend(): () => void {
    return () => undefined;
  }
}

describe('a Flink job’s checkpoint on a lease taker', () => {
  const SQL = `CREATE TABLE src (id INT) WITH ('connector' = 'kinesis', 'stream' = 'in', 'scan.stream.initpos' = 'TRIM_HORIZON', 'format' = 'json');
CREATE TABLE dst (id INT) WITH ('connector' = 'kinesis', 'stream' = 'out', 'format' = 'json');
INSERT INTO dst SELECT id FROM src;`;

  function engine(shard: EndlessShard, written: number[]): StreamEngine {
    return {
      describe: (name) => ({
        streamName: name,
        streamArn: `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`,
        createdMs: 0,
        status: 'ACTIVE',
        shards: [{ shardId: shard.shardId }],
      }),
      openShardReader: async () => shard,
      putRecords: async (_name, records) => {
        await new Promise((r) => setTimeout(r, 1)); // a write is I/O, slower than a read
        for (const r of records) written.push((JSON.parse(Buffer.from(r.data).toString()) as { id: number }).id);
      },
    };
  }

  it('is a barrier at the records read so far: it returns while input never stops, its rows written; a resume from it leaves no gap', async () => {
    const clock = new ManualClock();
    const written: number[] = [];
    const first = new EndlessShard();
    const job = await FlinkJob.start('endless', SQL, {}, clock, engine(first, written), {});
    let resumed: FlinkJob | undefined;
    try {
      await untilTrue(async () => written.length > 0, 'the job writes');
      // A checkpoint that catches up first would never return here: the shard always has more.
      const state = await Promise.race([
        job.checkpoint({ bounded: true }),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the bounded checkpoint did not return within 5 s')), 5000)),
      ]);
      const at = state.offsets.src?.[first.shardId];
      assert.ok(at !== undefined && at > 0, `the barrier is past the start: ${at}`);
      assert.ok(at <= first.offset, 'the barrier is at most what was read');
      const landed = new Set(written);
      for (let id = 0; id < at; id++) assert.ok(landed.has(id), `record ${id}, before the barrier (${at}), was written when the checkpoint returned`);
      job.close();
      const readBeforeClose = first.offset;
      // The next owner resumes from the barrier; the writers stop at `end`.
      const second = new EndlessShard();
      second.end = readBeforeClose + 500;
      resumed = await FlinkJob.start('endless', SQL, {}, clock, engine(second, written), {}, state);
      await untilTrue(async () => new Set(written).size >= second.end, 'every record up to the end is written');
      const seen = new Set(written);
      for (let id = 0; id < second.end; id++) assert.ok(seen.has(id), `record ${id} was written (no gap)`);
      const duplicates = written.length - seen.size;
      // What the first job read after the barrier is written again (at-least-once), nothing before it.
      assert.ok(duplicates <= readBeforeClose - at, `${duplicates} repeats, at most the ${readBeforeClose - at} read after the barrier`);
    } finally {
      job.close();
      resumed?.close();
    }
  });
});
