/**
 * Two Freshet nodes on one 3-server NATS JetStream cluster (R3, one namespace) serve the same streams: what one node
 * creates, writes, reshards, tags or deletes, the other sees; sequence numbers, iterators and NextTokens issued by
 * one node work on the other; two nodes racing to create one name cannot both win.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as K from '@aws-sdk/client-kinesis';
import { startDevCluster } from '../../src/cluster/index.ts';
import { ManualClock } from '../../src/core/index.ts';
import type { DevCluster, NatsCluster } from '../../src/cluster/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { clientFor, uniqueName } from '../kinesis/helpers.ts';
import { python3 } from '../helpers/third-party-clients.ts';
import { dropNamespace, testNatsCluster } from '../helpers/nats-cluster.ts';

/** Both nodes' clock: a reshard's UPDATING lasts until the test moves it (UPDATE_MS), however slow the machine. */
const clock = new ManualClock();
const UPDATE_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries `check` until it passes (other nodes' metadata arrives through a KV watch, within milliseconds). */
async function eventually<T>(check: () => Promise<T>, what: string, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    clock.advance(0); // timers due now (activation, deletion) fire
    try {
      return await check();
    } catch (e) {
      if (Date.now() > until) throw new Error(`${what}: ${(e as Error).message}`, { cause: e });
      await sleep(20);
    }
  }
}

/** Both nodes' delivery streams write their buckets here (`<s3Root>/<bucket>`), as nodes sharing one object store. */
const s3Root = mkdtempSync(join(tmpdir(), 'freshet-two-s3-'));

let cluster: DevCluster<FreshetServer>;
/** The run's shared NATS cluster, or this file's own when it runs alone. */
let nats: NatsCluster | undefined;
let nodeA: FreshetServer;
let nodeB: FreshetServer;
let a: K.KinesisClient;
let b: K.KinesisClient;

before(async () => {
  // The helper `freshet dev-cluster --nats 3 --nodes 2` runs, with this test's clock and delays.
  cluster = await startDevCluster({
    natsCluster: (nats = await testNatsCluster()),
    nodes: 2,
    port: 0,
    namespace: `two${process.pid}`,
    startNode: ({ port, nats }) =>
      startServer({
        port,
        storage: 'jetstream',
        nats,
        clock,
        createDelayMs: 0,
        deleteDelayMs: 0,
        updateDelayMs: UPDATE_MS,
        firehose: { s3Root, createDelayMs: 0, logger: () => undefined },
        analytics: { startDelayMs: 0, stopDelayMs: 0, updateDelayMs: 0, deleteDelayMs: 0 },
        // The scenarios move the shared ManualClock by minutes: leases that never expire meanwhile keep each
        // application on one node (failover has its own test, leases-failover.test.ts, on the system clock).
        leases: { ttlMs: 24 * 3_600_000 },
      }),
  });
  [nodeA, nodeB] = cluster.nodes as [FreshetServer, FreshetServer];
  a = clientFor(nodeA);
  b = clientFor(nodeB);
});

after(async () => {
  a?.destroy();
  b?.destroy();
  // Stopping applications and delivery streams waits on the clock (their final checkpoints, buffers): keep it moving.
  const pump = setInterval(() => clock.advance(100), 5);
  try {
    await cluster?.stop();
  } finally {
    clearInterval(pump);
  }
  if (cluster) await dropNamespace(cluster.nats.urls, cluster.namespace);
  // Run alone, the file started its own NATS cluster, which the dev cluster leaves running: stopped here.
  await nats?.stop();
  rmSync(s3Root, { recursive: true, force: true });
});

async function activeOn(client: K.KinesisClient, name: string, shards?: number): Promise<void> {
  await eventually(async () => {
    const d = await client.send(new K.DescribeStreamSummaryCommand({ StreamName: name }));
    assert.equal(d.StreamDescriptionSummary!.StreamStatus, 'ACTIVE');
    if (shards !== undefined) assert.equal(d.StreamDescriptionSummary!.OpenShardCount, shards);
  }, `${name} ACTIVE on the other node`);
}

describe('two Freshet nodes on one JetStream cluster', () => {
  it('a stream created on A takes writes on B, and an iterator A issued reads them on B', async () => {
    const name = uniqueName('two');
    await a.send(new K.CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await activeOn(a, name);
    await activeOn(b, name);
    const put = await b.send(new K.PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('from B') }));
    const atSeq = await a.send(
      new K.GetShardIteratorCommand({
        StreamName: name,
        ShardId: put.ShardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: put.SequenceNumber,
      }),
    );
    const latest = await a.send(new K.GetShardIteratorCommand({ StreamName: name, ShardId: put.ShardId, ShardIteratorType: 'LATEST' }));
    const got = await b.send(new K.GetRecordsCommand({ ShardIterator: atSeq.ShardIterator }));
    assert.deepEqual(
      got.Records!.map((r) => [Buffer.from(r.Data!).toString(), r.SequenceNumber]),
      [['from B', put.SequenceNumber]],
    );
    // LATEST on A already points past B's record; A's own write (its view of the end was stale: the SDK's retry
    // of the refused first attempt is invisible to the caller) is the next record on both nodes.
    const put2 = await a.send(new K.PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('from A') }));
    assert.ok(BigInt(put2.SequenceNumber!) > BigInt(put.SequenceNumber!));
    const fromLatest = await b.send(new K.GetRecordsCommand({ ShardIterator: latest.ShardIterator }));
    assert.deepEqual(
      fromLatest.Records!.map((r) => [Buffer.from(r.Data!).toString(), r.SequenceNumber]),
      [['from A', put2.SequenceNumber]],
    );
    const next = await a.send(new K.GetRecordsCommand({ ShardIterator: got.NextShardIterator }));
    assert.deepEqual(
      next.Records!.map((r) => Buffer.from(r.Data!).toString()),
      ['from A'],
    );
  });

  it('NextTokens from one node page on the other', async () => {
    const name = uniqueName('two');
    await b.send(new K.CreateStreamCommand({ StreamName: name, ShardCount: 3 }));
    await activeOn(b, name);
    await activeOn(a, name);
    const first = await b.send(new K.ListShardsCommand({ StreamName: name, MaxResults: 2 }));
    assert.deepEqual(
      first.Shards!.map((s) => s.ShardId),
      ['shardId-000000000000', 'shardId-000000000001'],
    );
    const rest = await a.send(new K.ListShardsCommand({ NextToken: first.NextToken }));
    assert.deepEqual(
      rest.Shards!.map((s) => s.ShardId),
      ['shardId-000000000002'],
    );
  });

  it('of two nodes creating one name at the same time, exactly one wins and the other answers ResourceInUseException', async () => {
    // A few rounds: each is a fresh race (which node's create reaches the KV first varies); more add time, not cover.
    for (let round = 0; round < Number(process.env.RACE_ROUNDS ?? 3); round++) {
      const name = uniqueName('race');
      const results = await Promise.allSettled([
        a.send(new K.CreateStreamCommand({ StreamName: name, ShardCount: 1 })),
        b.send(new K.CreateStreamCommand({ StreamName: name, ShardCount: 1 })),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(won.length, 1, `round ${round}: one CreateStream succeeds`);
      assert.equal(lost.length, 1);
      assert.equal(lost[0]!.reason.name, 'ResourceInUseException');
      assert.equal(lost[0]!.reason.message, `Stream ${name} under account 000000000000 already exists.`);
      assert.equal(lost[0]!.reason.$metadata.httpStatusCode, 400);
      // Both nodes agree on the one stream: same incarnation, one set of shards.
      await activeOn(a, name);
      await activeOn(b, name);
      const [da, db] = await Promise.all([
        a.send(new K.DescribeStreamCommand({ StreamName: name })),
        b.send(new K.DescribeStreamCommand({ StreamName: name })),
      ]);
      assert.equal(da.StreamDescription!.StreamCreationTimestamp!.getTime(), db.StreamDescription!.StreamCreationTimestamp!.getTime());
      assert.deepEqual(da.StreamDescription!.Shards, db.StreamDescription!.Shards);
    }
  });

  it('a reshard on A closes the parent on B at its final end, B writes to the children, and a second reshard racing it is refused', async () => {
    const name = uniqueName('reshard');
    await a.send(new K.CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await activeOn(a, name);
    await activeOn(b, name);
    const before = [];
    for (let i = 0; i < 5; i++) before.push(await b.send(new K.PutRecordCommand({ StreamName: name, PartitionKey: `p${i}`, Data: Buffer.from(`old${i}`) })));
    await a.send(new K.UpdateShardCountCommand({ StreamName: name, TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING' }));
    // The stream is UPDATING until the clock moves: a reshard through B is refused, whether B has seen A's change
    // yet (the stream is not ACTIVE) or not (B's write loses the revision race).
    const refused = await b.send(new K.SplitShardCommand({ StreamName: name, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '1000' })).then(
      () => null,
      (e: Error) => e,
    );
    clock.advance(UPDATE_MS);
    await activeOn(a, name, 2);
    await activeOn(b, name, 2);
    assert.equal(refused?.name, 'ResourceInUseException');
    const [la, lb] = await Promise.all([a.send(new K.ListShardsCommand({ StreamName: name })), b.send(new K.ListShardsCommand({ StreamName: name }))]);
    assert.deepEqual(lb.Shards, la.Shards);
    assert.equal(la.Shards!.length, 3);
    assert.ok(la.Shards![0]!.SequenceNumberRange!.EndingSequenceNumber, 'parent closed');
    // New writes through B land on the children.
    const after = await b.send(new K.PutRecordCommand({ StreamName: name, PartitionKey: 'p0', Data: Buffer.from('new') }));
    assert.notEqual(after.ShardId, 'shardId-000000000000');
    // Reading the parent on B: the five records, then the end of the shard with its children.
    const it0 = await b.send(new K.GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
    const parent = await b.send(new K.GetRecordsCommand({ ShardIterator: it0.ShardIterator }));
    assert.deepEqual(
      parent.Records!.map((r) => r.SequenceNumber),
      before.map((p) => p.SequenceNumber),
    );
    assert.equal(parent.NextShardIterator, undefined);
    assert.equal(parent.ChildShards!.length, 2);
    const child = await a.send(new K.GetShardIteratorCommand({ StreamName: name, ShardId: after.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
    const onChild = await a.send(new K.GetRecordsCommand({ ShardIterator: child.ShardIterator }));
    assert.deepEqual(
      onChild.Records!.map((r) => [Buffer.from(r.Data!).toString(), r.SequenceNumber]),
      [['new', after.SequenceNumber]],
    );
  });

  it('of two nodes resharding one stream at the same time, exactly one wins', async () => {
    for (let round = 0; round < Number(process.env.RACE_ROUNDS ?? 2); round++) {
      const name = uniqueName('rerace');
      await a.send(new K.CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
      await activeOn(a, name);
      await activeOn(b, name);
      const results = await Promise.allSettled([
        a.send(new K.UpdateShardCountCommand({ StreamName: name, TargetShardCount: 4, ScalingType: 'UNIFORM_SCALING' })),
        b.send(new K.UpdateShardCountCommand({ StreamName: name, TargetShardCount: 3, ScalingType: 'UNIFORM_SCALING' })),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(won.length, 1, `round ${round}: one reshard succeeds`);
      assert.equal(lost[0]!.reason.name, 'ResourceInUseException');
      assert.match(lost[0]!.reason.message, new RegExp(`^Stream ${name} under account 000000000000 not ACTIVE, instead in state UPDATING$`));
      clock.advance(UPDATE_MS);
      const target = results[0]!.status === 'fulfilled' ? 4 : 3;
      await activeOn(a, name, target);
      await activeOn(b, name, target);
      const [la, lb] = await Promise.all([a.send(new K.ListShardsCommand({ StreamName: name })), b.send(new K.ListShardsCommand({ StreamName: name }))]);
      assert.deepEqual(lb.Shards, la.Shards);
    }
  });

  it('a consumer registered on A subscribes on B and receives records written on A', async () => {
    const name = uniqueName('efo');
    await a.send(new K.CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await activeOn(a, name);
    await activeOn(b, name);
    const arn = (await a.send(new K.DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!.StreamARN!;
    const reg = await a.send(new K.RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'fan' }));
    const consumerArn = reg.Consumer!.ConsumerARN!;
    await eventually(async () => {
      const d = await b.send(new K.DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }));
      assert.equal(d.ConsumerDescription!.ConsumerStatus, 'ACTIVE');
    }, 'consumer ACTIVE on B');
    const sub = await b.send(
      new K.SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' } }),
    );
    const puts = [];
    for (let i = 0; i < 3; i++) puts.push(await a.send(new K.PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from(`fan${i}`) })));
    const got: string[] = [];
    for await (const ev of sub.EventStream!) {
      for (const r of ev.SubscribeToShardEvent?.Records ?? []) got.push(r.SequenceNumber!);
      if (got.length >= 3) break;
    }
    assert.deepEqual(
      got,
      puts.map((p) => p.SequenceNumber),
    );
  });

  it('boto3 on B reads with get_records and subscribe_to_shard, at the acknowledged sequence numbers, what the SDK put on A', async () => {
    const name = uniqueName('boto');
    await a.send(new K.CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await activeOn(a, name);
    await activeOn(b, name);
    const arn = (await a.send(new K.DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!.StreamARN!;
    const consumerArn = (await a.send(new K.RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'py' }))).Consumer!.ConsumerARN!;
    await eventually(async () => {
      const d = await b.send(new K.DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }));
      assert.equal(d.ConsumerDescription!.ConsumerStatus, 'ACTIVE');
    }, 'consumer ACTIVE on B');
    const puts = [];
    for (let i = 0; i < 5; i++)
      puts.push((await a.send(new K.PutRecordCommand({ StreamName: name, PartitionKey: `k${i}`, Data: Buffer.from(`py${i}`) }))).SequenceNumber!);
    const script = `
import boto3, json, sys
k = boto3.client('kinesis', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='AKID', aws_secret_access_key='s')
it = k.get_shard_iterator(StreamName=sys.argv[2], ShardId='shardId-000000000000', ShardIteratorType='TRIM_HORIZON')['ShardIterator']
got = [[r['Data'].decode(), r['SequenceNumber']] for r in k.get_records(ShardIterator=it)['Records']]
sub = k.subscribe_to_shard(ConsumerARN=sys.argv[3], ShardId='shardId-000000000000', StartingPosition={'Type': 'TRIM_HORIZON'})
pushed = []
for ev in sub['EventStream']:
    pushed += [[r['Data'].decode(), r['SequenceNumber']] for r in ev['SubscribeToShardEvent']['Records']]
    if len(pushed) >= 5:
        break
print(json.dumps({'got': got, 'pushed': pushed}))
`;
    const out = JSON.parse(await python3(script, [nodeB.url, name, consumerArn])) as { got: string[][]; pushed: string[][] };
    const want = puts.map((seq, i) => [`py${i}`, seq]);
    assert.deepEqual(out.got, want);
    assert.deepEqual(out.pushed, want);
  });

  it('two nodes writing one shard flat out both get their calls acknowledged within a bound, each writer in order at the sequence numbers it was given, no record stored twice', async (t) => {
    const name = uniqueName('contend');
    await a.send(new K.CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await activeOn(a, name);
    await activeOn(b, name);
    // Two writers per node, each until 25 PutRecords of 10 records are acknowledged, back to back (no pause, no SDK
    // retries: the test sends a refused call again itself, with the same records, as an SDK retry would). Every
    // batch expects the shard's end as its node last saw it, so the node that appended second is refused, and places
    // its batch again at the new end instead of failing the call (before: one node got 82 of its calls refused and
    // could get none acknowledged for a whole test). A batch is a chain of message ids: when its first record is
    // refused nothing of it is stored, so a call that fails leaves nothing behind for its retry to duplicate (before
    // the chain, two nodes' batches numbered from one end could interleave record by record, both partly stored,
    // and ~2 of ~100 calls' records were read twice).
    const CALLS = 25;
    const MAX_FAILED = 10;
    const started = Date.now();
    const acked = new Map<string, string>(); // data → sequence number
    const failed = [0, 0, 0, 0];
    const writers = [a, a, b, b].map(async (client, w) => {
      for (let n = 0, ok = 0; ok < CALLS && failed[w]! <= MAX_FAILED; ) {
        const Records = [];
        for (let i = 0; i < 10; i++) Records.push({ PartitionKey: `k${w}`, Data: Buffer.from(`w${w}-${n}-${i}`) });
        try {
          const r = await client.send(new K.PutRecordsCommand({ StreamName: name, Records }));
          assert.equal(r.FailedRecordCount ?? 0, 0);
          r.Records!.forEach((x, i) => acked.set(`w${w}-${n}-${i}`, x.SequenceNumber!));
          ok++;
          n++;
        } catch (e) {
          assert.equal((e as Error).name, 'InternalFailure', 'a refused call is a retryable InternalFailure');
          failed[w]!++; // sent again: the same records
        }
      }
      return Date.now() - started;
    });
    const took = await Promise.all(writers);
    assert.ok(
      failed.every((f) => f <= MAX_FAILED),
      `each writer had at most ${MAX_FAILED} calls refused (refused per writer: ${failed.join(' / ')})`,
    );
    assert.ok(Math.max(...took) < 30_000, `all ${4 * CALLS} calls of both nodes acknowledged within 30 s (took ${took.join(' / ')} ms)`);
    // Read back (on B): every acknowledged record once, at its sequence number, each writer's records in write order.
    const read: Array<{ data: string; seq: string }> = [];
    let it = (await b.send(new K.GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' })))
      .ShardIterator;
    for (let empty = 0; empty < 3; ) {
      const r = await eventually(() => b.send(new K.GetRecordsCommand({ ShardIterator: it })), 'GetRecords on B');
      for (const x of r.Records ?? []) read.push({ data: Buffer.from(x.Data!).toString(), seq: x.SequenceNumber! });
      if ((r.Records ?? []).length === 0) {
        empty++;
        await sleep(20);
      }
      it = r.NextShardIterator;
    }
    const seen = new Map<string, number>();
    const last = new Map<string, [number, number]>();
    let prevSeq = -1n;
    const stored = new Map<string, number>();
    for (const r of read) stored.set(r.data, (stored.get(r.data) ?? 0) + 1);
    const twice = [...stored].filter(([, k]) => k > 1).map(([d]) => d);
    assert.deepEqual(twice, [], `no record stored twice (refused calls per writer: ${failed.join(' / ')})`);
    for (const r of read) {
      assert.ok(BigInt(r.seq) > prevSeq, 'sequence numbers increase along the shard');
      prevSeq = BigInt(r.seq);
      const seq = acked.get(r.data);
      assert.ok(seq !== undefined, `${r.data} is a record of an acknowledged call (a failed call left nothing stored)`);
      seen.set(r.data, (seen.get(r.data) ?? 0) + 1);
      assert.equal(r.seq, seq, `${r.data} at the sequence number it was acknowledged with`);
      const [w, n, i] = r.data.split('-');
      const pos: [number, number] = [Number(n), Number(i)];
      const before = last.get(w!);
      assert.ok(!before || before[0] < pos[0] || (before[0] === pos[0] && before[1] < pos[1]), `${r.data}: each writer's records in write order`);
      last.set(w!, pos);
    }
    for (const data of acked.keys()) assert.equal(seen.get(data), 1, `acknowledged record ${data} read back exactly once`);
    assert.equal(read.length, acked.size, 'the shard holds exactly the acknowledged records');
    t.diagnostic(`flat out: ${4 * CALLS} calls acknowledged in ${Math.max(...took)} ms, refused calls per writer ${failed.join(' / ')}`);
  });

  it('tags and retention set on one node, and a deletion, are seen on the other', async () => {
    const name = uniqueName('meta');
    await a.send(new K.CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await activeOn(a, name);
    await activeOn(b, name);
    await b.send(new K.AddTagsToStreamCommand({ StreamName: name, Tags: { team: 'blue' } }));
    await b.send(new K.IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 48 }));
    await eventually(async () => {
      const t = await a.send(new K.ListTagsForStreamCommand({ StreamName: name }));
      assert.deepEqual(t.Tags, [{ Key: 'team', Value: 'blue' }]);
      const d = await a.send(new K.DescribeStreamSummaryCommand({ StreamName: name }));
      assert.equal(d.StreamDescriptionSummary!.RetentionPeriodHours, 48);
    }, 'tags and retention on A');
    await a.send(new K.DeleteStreamCommand({ StreamName: name }));
    await eventually(async () => {
      const e = await b.send(new K.DescribeStreamSummaryCommand({ StreamName: name })).then(
        () => null,
        (x: Error) => x,
      );
      assert.equal(e?.name, 'ResourceNotFoundException');
    }, 'stream gone on B');
  });
});
