/**
 * Throughput limits (enforceLimits / --enforce-limits), driven by a ManualClock: per shard 1 MiB/s or
 * 1,000 records/s of writes, 5 GetRecords/s and 2 MiB/s of reads, a 10 MiB response blocking reads for 5 s.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { ManualClock } from '../../src/core/index.ts';
import { startTestServer, uniqueName } from './helpers.ts';

describe('throughput limits', () => {
  it('fails records over 1,000/s per shard individually with AWS ErrorCode and ErrorMessage, and PutRecord whole', async () => {
    const clock = new ManualClock();
    const { server, client } = await startTestServer({ clock, enforceLimits: true });
    try {
      const name = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
      clock.advance(0);
      const batch = (tag: string) => Array.from({ length: 400 }, (_, i) => ({ PartitionKey: `${tag}${i}`, ExplicitHashKey: '1', Data: Buffer.alloc(100) }));
      assert.equal((await client.send(new PutRecordsCommand({ StreamName: name, Records: batch('a') }))).FailedRecordCount, 0);
      assert.equal((await client.send(new PutRecordsCommand({ StreamName: name, Records: batch('b') }))).FailedRecordCount, 0);
      const third = await client.send(
        new PutRecordsCommand({
          StreamName: name,
          Records: [...batch('c'), { PartitionKey: 'other', ExplicitHashKey: (1n << 127n).toString(), Data: Buffer.from('x') }],
        }),
      );
      assert.equal(third.FailedRecordCount, 200);
      assert.ok(third.Records![199]!.SequenceNumber);
      assert.deepEqual(third.Records![200], {
        ErrorCode: 'ProvisionedThroughputExceededException',
        ErrorMessage: `Rate exceeded for shard shardId-000000000000 in stream ${name} under account 000000000000.`,
      });
      assert.equal(third.Records![400]!.ShardId, 'shardId-000000000001', 'the other shard has its own allowance');
      await assert.rejects(client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'p', ExplicitHashKey: '1', Data: Buffer.from('x') })), {
        name: 'ProvisionedThroughputExceededException',
        message: `Rate exceeded for shard shardId-000000000000 in stream ${name} under account 000000000000.`,
      });
      clock.advance(100);
      const r = await client.send(new PutRecordsCommand({ StreamName: name, Records: batch('d').slice(0, 101) }));
      assert.equal(r.FailedRecordCount, 1, '100 ms refills 100 records');
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it('limits writes to 1 MiB/s per shard', async () => {
    const clock = new ManualClock();
    const { server, client } = await startTestServer({ clock, enforceLimits: true });
    try {
      const name = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      clock.advance(0);
      const Records = Array.from({ length: 5 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.alloc(300 * 1024) }));
      const r = await client.send(new PutRecordsCommand({ StreamName: name, Records }));
      assert.equal(r.FailedRecordCount, 2, 'three 300 KiB records fit in 1 MiB');
      assert.equal(r.Records![3]!.ErrorCode, 'ProvisionedThroughputExceededException');
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it('allows 5 GetRecords calls per second per shard, and blocks reads for 5 s after a 10 MiB response', async () => {
    const clock = new ManualClock();
    const { server, client } = await startTestServer({ clock, enforceLimits: true });
    try {
      const name = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      clock.advance(0);
      const iter = async () =>
        (await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' })))
          .ShardIterator!;
      const it0 = await iter();
      for (let i = 0; i < 5; i++) await client.send(new GetRecordsCommand({ ShardIterator: it0 }));
      await assert.rejects(client.send(new GetRecordsCommand({ ShardIterator: it0 })), {
        name: 'ProvisionedThroughputExceededException',
        message: `Rate exceeded for shard shardId-000000000000 in stream ${name} under account 000000000000.`,
      });
      clock.advance(200);
      await client.send(new GetRecordsCommand({ ShardIterator: it0 }));
      // 10 records of exactly 1 MiB (data + 1-character key), one per second of write allowance.
      for (let i = 0; i < 10; i++) {
        clock.advance(1000);
        await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: String(i), Data: Buffer.alloc(1024 * 1024 - 1) }));
      }
      clock.advance(1000);
      const big = await client.send(new GetRecordsCommand({ ShardIterator: await iter() }));
      assert.equal(big.Records!.length, 10);
      const next = big.NextShardIterator!;
      clock.advance(4999);
      await assert.rejects(client.send(new GetRecordsCommand({ ShardIterator: next })), { name: 'ProvisionedThroughputExceededException' });
      clock.advance(1);
      assert.deepEqual((await client.send(new GetRecordsCommand({ ShardIterator: next }))).Records, []);
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
