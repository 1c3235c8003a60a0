/**
 * Resharding: SplitShard, MergeShards, UpdateShardCount (UNIFORM_SCALING), UpdateStreamMode, ON_DEMAND
 * hot-shard splits, ListShards filters, GetRecords at a closed shard's end, closed shards' retention.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  MergeShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  SplitShardCommand,
  UpdateShardCountCommand,
  UpdateStreamModeCommand,
} from '@aws-sdk/client-kinesis';
import type { KinesisClient, Shard, ShardFilter } from '@aws-sdk/client-kinesis';
import { ManualClock } from '../../src/core/index.ts';
import { startTestServer, uniqueName, waitActive } from './helpers.ts';

const MAX = (1n << 128n) - 1n;

async function shardsOf(client: KinesisClient, name: string, filter?: ShardFilter): Promise<Shard[]> {
  return (await client.send(new ListShardsCommand({ StreamName: name, ...(filter ? { ShardFilter: filter } : {}) }))).Shards!;
}

/** Reads every shard, parents before children (as KCL does), each to its end; returns [key, data] in read order. */
async function readLineage(client: KinesisClient, name: string): Promise<Array<[string, string]>> {
  const shards = await shardsOf(client, name);
  const done = new Set<string>();
  const out: Array<[string, string]> = [];
  const known = new Set(shards.map((s) => s.ShardId!));
  while (done.size < shards.length) {
    const ready = shards.filter(
      (s) => !done.has(s.ShardId!) && [s.ParentShardId, s.AdjacentParentShardId].every((p) => p === undefined || done.has(p) || !known.has(p)),
    );
    assert.ok(ready.length > 0, 'a shard must be readable');
    for (const s of ready) {
      let it = (await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: s.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      for (;;) {
        const r = await client.send(new GetRecordsCommand({ ShardIterator: it! }));
        for (const rec of r.Records!) out.push([rec.PartitionKey!, Buffer.from(rec.Data!).toString()]);
        if (!r.NextShardIterator) {
          assert.ok(s.SequenceNumberRange!.EndingSequenceNumber, 'only closed shards end');
          assert.ok(r.ChildShards!.length > 0);
          break;
        }
        if (r.Records!.length === 0 && !s.SequenceNumberRange!.EndingSequenceNumber) break;
        it = r.NextShardIterator;
      }
      done.add(s.ShardId!);
    }
  }
  return out;
}

describe('SplitShard and MergeShards', () => {
  it('closes the parent with an EndingSequenceNumber, opens children with ParentShardId and halves of its range, UPDATING meanwhile', async () => {
    const clock = new ManualClock();
    const { server, client } = await startTestServer({ clock, updateDelayMs: 1000 });
    try {
      const name = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
      clock.advance(0);
      const [s0] = await shardsOf(client, name);
      const mid = (BigInt(s0!.HashKeyRange!.EndingHashKey!) + 1n) / 2n;
      await assert.rejects(client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '1' })), {
        name: 'InvalidArgumentException',
        message: `NewStartingHashKey 1 used in SplitShard() on shard shardId-000000000000 in stream ${name} under account 000000000000 is not both greater than one plus the shard's StartingHashKey 0 and less than the shard's EndingHashKey ${s0!.HashKeyRange!.EndingHashKey}.`,
      });
      await assert.rejects(client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: 'shardId-000000000009', NewStartingHashKey: mid.toString() })), {
        name: 'ResourceNotFoundException',
        message: `Could not find shard shardId-000000000009 in stream ${name} under account 000000000000.`,
      });
      await client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: mid.toString() }));
      assert.equal((await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!.StreamStatus, 'UPDATING');
      await assert.rejects(
        client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: 'shardId-000000000001', NewStartingHashKey: (MAX - 5n).toString() })),
        {
          name: 'ResourceInUseException',
          message: `Stream ${name} under account 000000000000 not ACTIVE, instead in state UPDATING`,
        },
      );
      // Writes during UPDATING still go to the parent.
      const before = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'a', Data: Buffer.from('x'), ExplicitHashKey: '5' }));
      assert.equal(before.ShardId, 'shardId-000000000000');
      clock.advance(1000);
      await server.kinesis.whenIdle();
      const d = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription!;
      assert.equal(d.StreamStatus, 'ACTIVE');
      assert.deepEqual(
        d.Shards!.map((s) => s.ShardId),
        ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002', 'shardId-000000000003'],
      );
      const [p, , c1, c2] = d.Shards!;
      assert.ok(p!.SequenceNumberRange!.EndingSequenceNumber! >= before.SequenceNumber!);
      assert.equal(c1!.ParentShardId, 'shardId-000000000000');
      assert.equal(c2!.ParentShardId, 'shardId-000000000000');
      assert.deepEqual(c1!.HashKeyRange, { StartingHashKey: '0', EndingHashKey: (mid - 1n).toString() });
      assert.deepEqual(c2!.HashKeyRange, { StartingHashKey: mid.toString(), EndingHashKey: s0!.HashKeyRange!.EndingHashKey });
      assert.equal((await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!.OpenShardCount, 3);
      const after = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'a', Data: Buffer.from('y'), ExplicitHashKey: '5' }));
      assert.equal(after.ShardId, 'shardId-000000000002');

      // The parent reads to its end: the last call has no NextShardIterator and names the children.
      const it0 = (await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' })))
        .ShardIterator!;
      const r = await client.send(new GetRecordsCommand({ ShardIterator: it0 }));
      assert.deepEqual(
        r.Records!.map((x) => Buffer.from(x.Data!).toString()),
        ['x'],
      );
      assert.equal(r.NextShardIterator, undefined);
      assert.deepEqual(
        r.ChildShards!.map((c) => [c.ShardId, c.ParentShards, c.HashKeyRange!.StartingHashKey]),
        [
          ['shardId-000000000002', ['shardId-000000000000'], '0'],
          ['shardId-000000000003', ['shardId-000000000000'], mid.toString()],
        ],
      );

      // Merge the two children back.
      await assert.rejects(
        client.send(new MergeShardsCommand({ StreamName: name, ShardToMerge: 'shardId-000000000002', AdjacentShardToMerge: 'shardId-000000000001' })),
        {
          name: 'InvalidArgumentException',
          message: `Shards shardId-000000000002 and shardId-000000000001 in stream ${name} under account 000000000000 are not an adjacent pair of shards eligible for merging`,
        },
      );
      await client.send(new MergeShardsCommand({ StreamName: name, ShardToMerge: 'shardId-000000000002', AdjacentShardToMerge: 'shardId-000000000003' }));
      clock.advance(1000);
      await server.kinesis.whenIdle();
      const merged = (await shardsOf(client, name)).at(-1)!;
      assert.equal(merged.ShardId, 'shardId-000000000004');
      assert.equal(merged.ParentShardId, 'shardId-000000000002');
      assert.equal(merged.AdjacentParentShardId, 'shardId-000000000003');
      assert.deepEqual(merged.HashKeyRange, s0!.HashKeyRange);
      assert.deepEqual(await readLineage(client, name), [
        ['a', 'x'],
        ['a', 'y'],
      ]);
    } finally {
      client.destroy();
      await server.close();
    }
  });
});

describe('ListShards ShardFilter', () => {
  it('honours AT_LATEST, AT_TRIM_HORIZON, FROM_TRIM_HORIZON, AT_TIMESTAMP, FROM_TIMESTAMP and AFTER_SHARD_ID', async () => {
    const clock = new ManualClock();
    const { server, client } = await startTestServer({ clock, updateDelayMs: 10 });
    try {
      const name = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      clock.advance(60_000);
      const t0 = clock.now();
      await client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (1n << 127n).toString() }));
      clock.advance(10);
      await server.kinesis.whenIdle();
      const tSplit = clock.now();
      clock.advance(60_000);
      const ids = async (f: any) => (await shardsOf(client, name, f)).map((s) => s.ShardId!.slice(-1));
      assert.deepEqual(await ids({ Type: 'AT_LATEST' }), ['1', '2']);
      assert.deepEqual(await ids({ Type: 'AT_TRIM_HORIZON' }), ['0']);
      assert.deepEqual(await ids({ Type: 'FROM_TRIM_HORIZON' }), ['0', '1', '2']);
      assert.deepEqual(await ids({ Type: 'AT_TIMESTAMP', Timestamp: new Date(t0) }), ['0']);
      assert.deepEqual(await ids({ Type: 'AT_TIMESTAMP', Timestamp: new Date(tSplit + 1000) }), ['1', '2']);
      assert.deepEqual(await ids({ Type: 'FROM_TIMESTAMP', Timestamp: new Date(t0) }), ['0', '1', '2']);
      assert.deepEqual(await ids({ Type: 'FROM_TIMESTAMP', Timestamp: new Date(tSplit + 1000) }), ['1', '2']);
      assert.deepEqual(await ids({ Type: 'AFTER_SHARD_ID', ShardId: 'shardId-000000000001' }), ['2']);
      // The filter survives paging.
      const p1 = await client.send(new ListShardsCommand({ StreamName: name, MaxResults: 1, ShardFilter: { Type: 'AT_LATEST' } }));
      assert.equal(p1.Shards![0]!.ShardId, 'shardId-000000000001');
      const p2 = await client.send(new ListShardsCommand({ NextToken: p1.NextToken! }));
      assert.deepEqual(
        p2.Shards!.map((s) => s.ShardId),
        ['shardId-000000000002'],
      );
      assert.equal(p2.NextToken, undefined);
    } finally {
      client.destroy();
      await server.close();
    }
  });
});

describe('closed shards and retention', () => {
  it('keeps a closed shard until the retention period has passed since it closed, then removes it and its log', async () => {
    const clock = new ManualClock();
    const { server, client } = await startTestServer({ clock, updateDelayMs: 10 });
    try {
      const name = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      clock.advance(0);
      await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('old') }));
      await client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (1n << 127n).toString() }));
      clock.advance(10);
      await server.kinesis.whenIdle();
      assert.equal(server.storage.listLogs().length, 3);
      clock.advance(23 * 3_600_000);
      await server.kinesis.whenIdle();
      assert.equal((await shardsOf(client, name)).length, 3);
      clock.advance(3_600_000 + 60_000);
      await server.kinesis.whenIdle();
      assert.deepEqual(
        (await shardsOf(client, name)).map((s) => [s.ShardId, s.ParentShardId]),
        [
          ['shardId-000000000001', 'shardId-000000000000'],
          ['shardId-000000000002', 'shardId-000000000000'],
        ],
      );
      assert.equal(server.storage.listLogs().length, 2);
      await assert.rejects(client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' })), {
        name: 'ResourceNotFoundException',
      });
    } finally {
      client.destroy();
      await server.close();
    }
  });
});

describe('UpdateShardCount', () => {
  it('refuses targets outside ½×–2× the open shard count with AWS texts', async () => {
    const { server, client } = await startTestServer({ updateDelayMs: 0 });
    try {
      const name = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 4 }));
      await waitActive(client, name);
      await assert.rejects(client.send(new UpdateShardCountCommand({ StreamName: name, TargetShardCount: 9, ScalingType: 'UNIFORM_SCALING' })), {
        name: 'LimitExceededException',
        message: 'UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: 4, Target shard count: 9',
      });
      await assert.rejects(client.send(new UpdateShardCountCommand({ StreamName: name, TargetShardCount: 1, ScalingType: 'UNIFORM_SCALING' })), {
        name: 'LimitExceededException',
        message: 'UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: 4, Target shard count: 1',
      });
      const r = await client.send(new UpdateShardCountCommand({ StreamName: name, TargetShardCount: 3, ScalingType: 'UNIFORM_SCALING' }));
      assert.equal(r.CurrentShardCount, 4);
      assert.equal(r.TargetShardCount, 3);
      await waitActive(client, name);
      const open = await shardsOf(client, name, { Type: 'AT_LATEST' });
      assert.equal(open.length, 3);
      // Even ranges, and every shard has at most two parents.
      let next = 0n;
      for (const s of open) {
        assert.equal(BigInt(s.HashKeyRange!.StartingHashKey!), next);
        next = BigInt(s.HashKeyRange!.EndingHashKey!) + 1n;
      }
      assert.equal(next, MAX + 1n);
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it('4 → 8 → 4 under concurrent writes: reading parents before children yields every record once, in per-key order', async () => {
    const { server, client } = await startTestServer({ updateDelayMs: 20 });
    try {
      const name = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 4 }));
      await waitActive(client, name);
      const keys = 40;
      const counters = new Array<number>(keys).fill(0);
      let writing = true;
      const writer = (async () => {
        while (writing) {
          const Records = [];
          for (let k = 0; k < keys; k++) Records.push({ PartitionKey: `key-${k}`, Data: Buffer.from(`key-${k}:${counters[k]!++}`) });
          const r = await client.send(new PutRecordsCommand({ StreamName: name, Records }));
          assert.equal(r.FailedRecordCount, 0);
        }
      })();
      for (const target of [8, 4]) {
        await new Promise((res) => setTimeout(res, 50));
        await client.send(new UpdateShardCountCommand({ StreamName: name, TargetShardCount: target, ScalingType: 'UNIFORM_SCALING' }));
        await waitActive(client, name);
        assert.equal((await shardsOf(client, name, { Type: 'AT_LATEST' })).length, target);
      }
      await new Promise((res) => setTimeout(res, 50));
      writing = false;
      await writer;
      const seen = await readLineage(client, name);
      const perKey = new Map<string, number[]>();
      for (const [k, v] of seen) {
        const n = Number(v.split(':')[1]);
        const list = perKey.get(k) ?? [];
        list.push(n);
        perKey.set(k, list);
      }
      for (let k = 0; k < keys; k++) {
        const list = perKey.get(`key-${k}`)!;
        assert.deepEqual(
          list,
          Array.from({ length: counters[k]! }, (_, i) => i),
          `key-${k} read once, in order`,
        );
      }
      assert.ok(counters[0]! > 3, 'writes ran during the resharding');
    } finally {
      client.destroy();
      await server.close();
    }
  });
});

describe('UpdateStreamMode and ON_DEMAND scaling', () => {
  it('switches modes through UPDATING and splits a hot ON_DEMAND shard without reordering its keys', async () => {
    const clock = new ManualClock();
    const { server, client } = await startTestServer({ clock, updateDelayMs: 100 });
    try {
      const name = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      clock.advance(0);
      const arn = server.kinesis.arnFor(name);
      await client.send(new UpdateStreamModeCommand({ StreamARN: arn, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
      const mid = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!;
      assert.equal(mid.StreamStatus, 'UPDATING');
      clock.advance(100);
      await server.kinesis.whenIdle();
      const on = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!;
      assert.equal(on.StreamStatus, 'ACTIVE');
      assert.equal(on.StreamModeDetails!.StreamMode, 'ON_DEMAND');
      // 600 records/s for one check interval (60 s of clock time) runs above the 500 records/s threshold.
      const per = 600;
      let n = 0;
      for (let sec = 0; sec < 60; sec++) {
        const Records = [];
        for (let i = 0; i < per; i += 1) Records.push({ PartitionKey: `k${i % 7}`, Data: Buffer.from(String(n++)) });
        for (let i = 0; i < Records.length; i += 500) await client.send(new PutRecordsCommand({ StreamName: name, Records: Records.slice(i, i + 500) }));
        clock.advance(1000);
      }
      await server.kinesis.whenIdle();
      clock.advance(100);
      await server.kinesis.whenIdle();
      const shards = await shardsOf(client, name);
      assert.equal(shards.length, 3, 'the hot shard split in two');
      await client.send(
        new PutRecordsCommand({ StreamName: name, Records: Array.from({ length: 7 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from(String(n++)) })) }),
      );
      const seen = await readLineage(client, name);
      assert.equal(seen.length, n);
      const last = new Map<string, number>();
      for (const [k, v] of seen) {
        assert.ok(Number(v) > (last.get(k) ?? -1), `per-key order for ${k}`);
        last.set(k, Number(v));
      }
      await client.send(new UpdateStreamModeCommand({ StreamARN: arn, StreamModeDetails: { StreamMode: 'PROVISIONED' } }));
      clock.advance(100);
      await server.kinesis.whenIdle();
      assert.equal(
        (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!.StreamModeDetails!.StreamMode,
        'PROVISIONED',
      );
    } finally {
      client.destroy();
      await server.close();
    }
  });
});

describe('resharding across a restart (FileStorage)', () => {
  it('keeps closed parents, children and routing, and reads parents then children in order', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'freshet-reshard-'));
    const name = uniqueName();
    try {
      const first = await startTestServer({ storage: 'file', dataDir: dir, fsync: { kind: 'never' }, updateDelayMs: 0 });
      try {
        await first.client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
        await waitActive(first.client, name);
        await first.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('p') }));
        await first.client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (1n << 127n).toString() }));
        await waitActive(first.client, name);
        await first.server.kinesis.whenIdle();
        await first.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('c') }));
      } finally {
        first.client.destroy();
        await first.server.close();
      }
      const second = await startTestServer({ storage: 'file', dataDir: dir, fsync: { kind: 'never' } });
      try {
        const shards = await shardsOf(second.client, name);
        assert.deepEqual(
          shards.map((s) => [s.ShardId, s.ParentShardId, !!s.SequenceNumberRange!.EndingSequenceNumber]),
          [
            ['shardId-000000000000', undefined, true],
            ['shardId-000000000001', 'shardId-000000000000', false],
            ['shardId-000000000002', 'shardId-000000000000', false],
          ],
        );
        const put = await second.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('after') }));
        assert.notEqual(put.ShardId, 'shardId-000000000000');
        assert.deepEqual(await readLineage(second.client, name), [
          ['k', 'p'],
          ['k', 'c'],
          ['k', 'after'],
        ]);
      } finally {
        second.client.destroy();
        await second.server.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a reshard interrupted by a crash', () => {
  it('completes on restart when the plan was persisted: parents close at their last durable record', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { FileStorage } = await import('../../src/storage/index.ts');
    const dir = await mkdtemp(join(tmpdir(), 'freshet-reshard-crash-'));
    const name = uniqueName();
    try {
      const first = await startTestServer({ storage: 'file', dataDir: dir, fsync: { kind: 'always' } });
      try {
        await first.client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
        await waitActive(first.client, name);
        for (const d of ['a', 'b']) await first.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from(d) }));
      } finally {
        first.client.destroy();
        await first.server.close();
      }
      // What applyReshard persists before the switch: the parent marked closed (no endOffset yet), children listed.
      const storage = new FileStorage({ dataDir: dir, fsync: { kind: 'always' } });
      await storage.open();
      const key = `kinesis/stream/${name}`;
      const meta = storage.meta.get<any>(key)!;
      const parent = meta.shards[0];
      const half = 1n << 127n;
      meta.status = 'UPDATING';
      meta.shards = [
        { ...parent, endingSequenceNumber: `4${'0'.repeat(55)}`, closedMs: Date.now() },
        {
          shardId: 'shardId-000000000001',
          startingHashKey: '0',
          endingHashKey: (half - 1n).toString(),
          startingSequenceNumber: parent.startingSequenceNumber,
          parentShardId: parent.shardId,
          openedMs: Date.now(),
        },
        {
          shardId: 'shardId-000000000002',
          startingHashKey: half.toString(),
          endingHashKey: parent.endingHashKey,
          startingSequenceNumber: parent.startingSequenceNumber,
          parentShardId: parent.shardId,
          openedMs: Date.now(),
        },
      ];
      await storage.meta.put(key, meta);
      await storage.close();
      const second = await startTestServer({ storage: 'file', dataDir: dir, fsync: { kind: 'always' } });
      try {
        await waitActive(second.client, name);
        const shards = await shardsOf(second.client, name);
        const ending = shards[0]!.SequenceNumberRange!.EndingSequenceNumber!;
        assert.notEqual(ending, `4${'0'.repeat(55)}`, 'the provisional ending is recomputed from the log');
        const put = await second.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('c') }));
        assert.notEqual(put.ShardId, 'shardId-000000000000');
        assert.deepEqual(await readLineage(second.client, name), [
          ['k', 'a'],
          ['k', 'b'],
          ['k', 'c'],
        ]);
      } finally {
        second.client.destroy();
        await second.server.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
