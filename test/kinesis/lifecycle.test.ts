/**
 * Time-driven behaviour with a ManualClock (status transitions, iterator and
 * NextToken expiry, retention), restart persistence on FileStorage, storage
 * failures, and the in-process KinesisEngine API.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  ListStreamsCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { ManualClock, swallowedErrors } from '../../src/core/index.ts';
import { KinesisEngine } from '../../src/kinesis/index.ts';
import { MemoryStorage } from '../../src/storage/index.ts';
import type { AppendRecord, AppendResult, ShardLog } from '../../src/storage/index.ts';
import { rawRequest, startTestServer, uniqueName } from './helpers.ts';

describe('stream status transitions (ManualClock)', () => {
  it('goes CREATING → ACTIVE and DELETING → gone as the clock advances', async () => {
    const clock = new ManualClock();
    const { server, client } = await startTestServer({ clock, createDelayMs: 500, deleteDelayMs: 300 });
    try {
      const name = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
      const creating = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription!;
      assert.equal(creating.StreamStatus, 'CREATING');
      assert.deepEqual(creating.Shards, []);
      await assert.rejects(client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('x') })), {
        name: 'ResourceNotFoundException',
      });
      clock.advance(499);
      assert.equal((await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription!.StreamStatus, 'CREATING');
      clock.advance(1);
      const active = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription!;
      assert.equal(active.StreamStatus, 'ACTIVE');
      assert.equal(active.Shards!.length, 2);
      await client.send(new DeleteStreamCommand({ StreamName: name }));
      assert.equal((await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription!.StreamStatus, 'DELETING');
      assert.ok((await client.send(new ListStreamsCommand({}))).StreamNames!.includes(name));
      clock.advance(300);
      await server.kinesis.whenIdle();
      await assert.rejects(client.send(new DescribeStreamCommand({ StreamName: name })), { name: 'ResourceNotFoundException' });
      assert.equal(server.storage.listLogs().length, 0);
    } finally {
      client.destroy();
      await server.close();
    }
  });
});

describe('expiry (ManualClock)', () => {
  it('expires shard iterators after 5 minutes with ExpiredIteratorException', async () => {
    const clock = new ManualClock(Date.UTC(2015, 0, 22, 1, 17, 2));
    const { server, client } = await startTestServer({ clock });
    try {
      const name = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      clock.advance(0);
      const it0 = (await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' })))
        .ShardIterator!;
      clock.advance(300_000);
      const ok = await client.send(new GetRecordsCommand({ ShardIterator: it0 }));
      assert.deepEqual(ok.Records, []);
      clock.advance(1);
      const r = await rawRequest(server, 'GetRecords', { ShardIterator: it0 });
      assert.equal(r.status, 400);
      assert.deepEqual(r.json, {
        __type: 'ExpiredIteratorException',
        message:
          'Iterator expired. The iterator was created at time Thu Jan 22 01:17:02 UTC 2015 while right now it is Thu Jan 22 01:22:02 UTC 2015 which is further in the future than the tolerated delay of 300000 milliseconds.',
      });
      // The NextShardIterator returned at 300 s is fresh.
      const next = await client.send(new GetRecordsCommand({ ShardIterator: ok.NextShardIterator! }));
      assert.ok(next.NextShardIterator);
      // An iterator for a deleted stream names the shard as missing.
      await client.send(new DeleteStreamCommand({ StreamName: name }));
      const gone = await rawRequest(server, 'GetRecords', { ShardIterator: next.NextShardIterator });
      assert.deepEqual(gone.json, {
        __type: 'ResourceNotFoundException',
        message: `Shard shardId-000000000000 in stream ${name} under account 000000000000 does not exist`,
      });
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it('expires ListShards NextTokens after 300 seconds', async () => {
    const clock = new ManualClock();
    const { server, client } = await startTestServer({ clock });
    try {
      const name = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 3 }));
      clock.advance(0);
      const p1 = await client.send(new ListShardsCommand({ StreamName: name, MaxResults: 1 }));
      clock.advance(300_001);
      await assert.rejects(client.send(new ListShardsCommand({ NextToken: p1.NextToken })), { name: 'ExpiredNextTokenException' });
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it('stops serving records older than the retention period and trims them from storage', async () => {
    const clock = new ManualClock();
    const { server, client } = await startTestServer({ clock });
    try {
      const name = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      clock.advance(0);
      await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('old') }));
      clock.advance(23 * 3_600_000);
      await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('new') }));
      clock.advance(3_600_000 + 1);
      await server.kinesis.whenIdle();
      const it0 = (await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' })))
        .ShardIterator!;
      const r = await client.send(new GetRecordsCommand({ ShardIterator: it0 }));
      assert.deepEqual(
        r.Records!.map((x) => Buffer.from(x.Data!).toString()),
        ['new'],
      );
      const log = server.storage.getLog(server.storage.listLogs()[0]!)!;
      assert.equal(log.startOffset, 1, 'the expired record was trimmed by the retention timer');
    } finally {
      client.destroy();
      await server.close();
    }
  });
});

describe('restart persistence (FileStorage)', () => {
  it('keeps streams, tags, retention, records and sequence numbers across close + start on the same data dir', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'freshet-kinesis-'));
    try {
      const first = await startTestServer({ storage: 'file', dataDir: dir, fsync: { kind: 'always' } });
      const name = uniqueName();
      let seqs: string[];
      let shardOf: string[];
      try {
        await first.client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
        await first.server.kinesis.whenActive(name);
        await first.server.kinesis.addTags(name, { team: 'data' });
        await first.server.kinesis.setRetention(name, 48, 'increase');
        const put = await first.client.send(
          new PutRecordsCommand({ StreamName: name, Records: Array.from({ length: 20 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from(`v${i}`) })) }),
        );
        seqs = put.Records!.map((r) => r.SequenceNumber!);
        shardOf = put.Records!.map((r) => r.ShardId!);
      } finally {
        first.client.destroy();
        await first.server.close();
      }
      const second = await startTestServer({ storage: 'file', dataDir: dir });
      try {
        const d = second.server.kinesis.describe(name);
        assert.equal(d.status, 'ACTIVE');
        assert.equal(d.retentionHours, 48);
        assert.deepEqual(d.tags, { team: 'data' });
        const got: string[] = [];
        for (const s of d.shards) {
          const it0 = (await second.client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: s.shardId, ShardIteratorType: 'TRIM_HORIZON' })))
            .ShardIterator!;
          const r = await second.client.send(new GetRecordsCommand({ ShardIterator: it0 }));
          for (const x of r.Records!) got.push(x.SequenceNumber!);
        }
        assert.deepEqual([...got].sort(), [...seqs].sort());
        // New writes continue above the shard's old sequence numbers (AWS's numbers order within a shard).
        const more = await second.client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k0', Data: Buffer.from('later') }));
        const before = seqs.filter((_, i) => shardOf[i] === more.ShardId);
        assert.ok(before.length > 0 && before.every((s) => s < more.SequenceNumber!));
        // AT_SEQUENCE_NUMBER with a number issued before the restart.
        const at = (
          await second.client.send(
            new GetShardIteratorCommand({
              StreamName: name,
              ShardId: more.ShardId!,
              ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
              StartingSequenceNumber: more.SequenceNumber,
            }),
          )
        ).ShardIterator!;
        assert.deepEqual((await second.client.send(new GetRecordsCommand({ ShardIterator: at }))).Records, []);
      } finally {
        second.client.destroy();
        await second.server.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** A storage whose appends fail to become durable while `failing` is set (as on a full disk). */
class FlakyStorage extends MemoryStorage {
  failing = false;
  override async createLog(id: string): Promise<ShardLog> {
    const log = await super.createLog(id);
    const append = log.append.bind(log);
    log.append = (records: readonly AppendRecord[]): AppendResult => {
      if (!this.failing) return append(records);
      return { firstOffset: log.endOffset, durable: Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })) };
    };
    return log;
  }
}

describe('storage failures', () => {
  it('answers an AWS-shaped 500 InternalFailure and keeps serving', async () => {
    const storage = new FlakyStorage();
    const { server, client } = await startTestServer({ storage });
    try {
      const name = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      await server.kinesis.whenActive(name);
      storage.failing = true;
      const r = await rawRequest(server, 'PutRecords', { StreamName: name, Records: [{ PartitionKey: 'k', Data: 'AAAA' }] });
      assert.equal(r.status, 500);
      assert.deepEqual(r.json, { __type: 'InternalFailure', message: 'The request processing has failed because of an unknown error, exception or failure.' });
      storage.failing = false;
      const ok = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('x') }));
      assert.match(ok.SequenceNumber!, /^\d{56}$/);
    } finally {
      client.destroy();
      await server.close();
    }
  });
});

describe('KinesisEngine in-process API', () => {
  it('puts, reads with a ShardReader and notifies subscribers of new records', async () => {
    const { server, client } = await startTestServer();
    client.destroy();
    const engine = server.kinesis;
    try {
      const name = uniqueName();
      await engine.createStream(name, { shardCount: 2 });
      await engine.whenActive(name);
      const shards = engine.listShards(name);
      assert.equal(shards.length, 2);
      assert.equal(shards[1]!.endingHashKey, ((1n << 128n) - 1n).toString());
      const reader = await engine.openShardReader(name, 'shardId-000000000000', { type: 'LATEST' });
      const notified: number[] = [];
      const stop = reader.onAppend((end) => notified.push(end));
      const results = await engine.putRecords(name, [
        { partitionKey: 'a', data: Buffer.from('one') },
        { partitionKey: 'a', data: Buffer.from('two') },
      ]);
      assert.deepEqual(
        results.map((r) => r.shardId),
        ['shardId-000000000000', 'shardId-000000000000'],
      );
      assert.ok(notified.length >= 1);
      const { records, millisBehindLatest } = await reader.read();
      assert.deepEqual(
        records.map((r) => Buffer.from(r.data).toString()),
        ['one', 'two'],
      );
      assert.deepEqual(
        records.map((r) => r.sequenceNumber),
        results.map((r) => r.sequenceNumber),
      );
      assert.equal(millisBehindLatest, 0);
      stop();
      const unsubscribe = engine.subscribe(name, 'shardId-000000000000', () => notified.push(-1));
      await engine.putRecord(name, { partitionKey: 'a', data: Buffer.from('three') });
      assert.equal(notified.at(-1), -1);
      unsubscribe();
    } finally {
      await server.close();
    }
  });
});

describe('background work that fails', () => {
  it('is logged and counted, not lost: a stream whose ACTIVE status cannot be persisted', async () => {
    const clock = new ManualClock();
    const storage = new MemoryStorage();
    await storage.open();
    let failPuts = false;
    const put = storage.meta.put.bind(storage.meta);
    storage.meta.put = (key, value) => (failPuts ? Promise.reject(new Error('disk full')) : put(key, value));
    const engine = await KinesisEngine.open({
      storage,
      clock,
      region: 'us-east-1',
      accountId: '000000000000',
      shardLimit: 10,
      createDelayMs: 100,
      deleteDelayMs: 100,
      updateDelayMs: 100,
    });
    const swallowedBefore = swallowedErrors().kinesis ?? 0;
    try {
      await engine.createStream('s', { shardCount: 1 });
      failPuts = true;
      clock.advance(100);
      await engine.whenIdle();
      assert.equal(engine.backgroundFailures, 1);
      assert.equal(swallowedErrors().kinesis, swallowedBefore + 1);
      // The stream is ACTIVE in memory; the next persisted change carries the status.
      assert.equal(engine.describe('s').status, 'ACTIVE');
      failPuts = false;
      await engine.addTags('s', { a: 'b' });
      assert.equal(storage.meta.get<{ status: string }>('kinesis/stream/s')?.status, 'ACTIVE');
    } finally {
      await engine.close();
      await storage.close();
    }
  });
});

describe('concurrent writers (FileStorage, fsync always)', () => {
  it('acknowledges every record once, with strictly increasing sequence numbers per shard, all read back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'freshet-kinesis-conc-'));
    const { server, client } = await startTestServer({ storage: 'file', dataDir: dir, fsync: { kind: 'always' } });
    try {
      const name = uniqueName('conc');
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 3 }));
      await server.kinesis.whenActive(name);
      const acked = new Map<string, string>(); // sequence number → data
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          for (let b = 0; b < 10; b++) {
            const records = Array.from({ length: 40 }, (_, i) => ({ PartitionKey: `w${w}-${i % 7}`, Data: Buffer.from(`w${w} b${b} r${i}`) }));
            const r = await client.send(new PutRecordsCommand({ StreamName: name, Records: records }));
            r.Records!.forEach((x, i) => acked.set(x.SequenceNumber!, `w${w} b${b} r${i}`));
          }
        }),
      );
      assert.equal(acked.size, 8 * 10 * 40, 'every sequence number is unique');
      let read = 0;
      for (const s of server.kinesis.listShards(name)) {
        const it0 = (await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: s.shardId, ShardIteratorType: 'TRIM_HORIZON' })))
          .ShardIterator!;
        const r = await client.send(new GetRecordsCommand({ ShardIterator: it0 }));
        let prev = '';
        for (const x of r.Records!) {
          assert.ok(x.SequenceNumber! > prev, 'strictly increasing within the shard');
          prev = x.SequenceNumber!;
          assert.equal(Buffer.from(x.Data!).toString(), acked.get(x.SequenceNumber!));
          read++;
        }
      }
      assert.equal(read, acked.size);
    } finally {
      client.destroy();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
