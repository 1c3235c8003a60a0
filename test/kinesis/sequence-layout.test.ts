/**
 * Sequence numbers and shard iterators in AWS's layout, over the wire (issue 11): what Freshet issues,
 * what it accepts from clients and the exact texts of what it refuses (kinesalite's recordings of AWS),
 * and a data directory written before the change (test/kinesis/fixtures/legacy-format) still working.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  ListStreamConsumersCommand,
  PutRecordCommand,
  PutRecordsCommand,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import type { GetRecordsCommandOutput, KinesisClient } from '@aws-sdk/client-kinesis';
import { ManualClock } from '../../src/core/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { ShardSequences } from '../../src/kinesis/sequence.ts';
import { rawRequest, startTestServer, uniqueName } from './helpers.ts';

const ACCOUNT = '000000000000';
const MAX_HASH = (1n << 128n) - 1n;

/** The fields of an AWS layout number (kinesalite's reading of AWS's). */
function fields(seq: string): { createSecs: number; index: bigint; timeSecs: number; shard: number; version: string } {
  const hex = BigInt(seq).toString(16);
  assert.equal(hex.length, 47, seq);
  assert.equal(hex[0], '2');
  assert.equal(hex.slice(27, 29), '00');
  const shard = Number.parseInt(hex.slice(38, 46), 16);
  assert.equal(Number.parseInt(hex[10]!, 16), shard & 15);
  return {
    createSecs: Number.parseInt(hex.slice(1, 10), 16),
    index: BigInt(`0x${hex.slice(11, 27)}`),
    timeSecs: Number.parseInt(hex.slice(29, 38), 16),
    shard,
    version: hex[46]!,
  };
}

const hexNumber = (h: string): string => BigInt(`0x${h}`).toString();

async function assertError(server: FreshetServer, action: string, body: unknown, type: string, message: string): Promise<void> {
  const res = await rawRequest(server, action, body);
  assert.equal(res.status, 400, res.text);
  assert.deepEqual(res.json, { __type: type, message });
}

async function readAll(client: KinesisClient, iterator: string): Promise<Array<{ seq: string; key: string; data: string }>> {
  const out: Array<{ seq: string; key: string; data: string }> = [];
  let it: string | undefined = iterator;
  for (let i = 0; it && i < 10; i++) {
    const r: GetRecordsCommandOutput = await client.send(new GetRecordsCommand({ ShardIterator: it }));
    for (const x of r.Records!) out.push({ seq: x.SequenceNumber!, key: x.PartitionKey!, data: Buffer.from(x.Data!).toString() });
    if (!r.Records!.length) break;
    it = r.NextShardIterator;
  }
  return out;
}

describe("Sequence numbers in AWS's layout", () => {
  it('encode shard creation time, shard index, a per-shard index counting the records, and the arrival second', async () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 1, 9, 30, 0, 400));
    const { server, client } = await startTestServer({ clock, createDelayMs: 0, updateDelayMs: 1000 });
    try {
      const name = uniqueName('layout');
      const createdMs = clock.now();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
      clock.advance(0);
      const described = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription!.Shards!;
      for (const [i, s] of described.entries()) {
        assert.deepEqual(fields(s.SequenceNumberRange!.StartingSequenceNumber!), {
          createSecs: Math.floor(createdMs / 1000),
          index: 0n,
          timeSecs: Math.floor(createdMs / 1000),
          shard: i,
          version: '2',
        });
      }
      clock.advance(2_000);
      const one = await client.send(
        new PutRecordCommand({ StreamName: name, PartitionKey: 'a', Data: Buffer.from('0'), ExplicitHashKey: MAX_HASH.toString() }),
      );
      clock.advance(700);
      const batch = await client.send(
        new PutRecordsCommand({
          StreamName: name,
          Records: Array.from({ length: 6 }, (_, i) => ({
            PartitionKey: `k${i}`,
            Data: Buffer.from(String(i)),
            ExplicitHashKey: i % 2 ? MAX_HASH.toString() : '0',
          })),
        }),
      );
      assert.deepEqual(fields(one.SequenceNumber!), {
        createSecs: Math.floor(createdMs / 1000),
        index: 1n,
        timeSecs: Math.floor((createdMs + 2_000) / 1000),
        shard: 1,
        version: '2',
      });
      // Per shard the index counts records: shard 0 gets 1, 2, 3; shard 1 continues at 2, 3, 4.
      assert.deepEqual(
        batch.Records!.map((r) => [r.ShardId, fields(r.SequenceNumber!).index, fields(r.SequenceNumber!).timeSecs]),
        [0, 1, 2, 3, 4, 5].map((i) => [`shardId-00000000000${i % 2}`, BigInt(Math.floor(i / 2) + (i % 2 ? 2 : 1)), Math.floor((createdMs + 2_700) / 1000)]),
      );
      // GetRecords reports the same numbers.
      const it1 = await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000001', ShardIteratorType: 'TRIM_HORIZON' }));
      const read = await client.send(new GetRecordsCommand({ ShardIterator: it1.ShardIterator! }));
      assert.deepEqual(
        read.Records!.map((r) => r.SequenceNumber),
        [one.SequenceNumber, ...batch.Records!.filter((r) => r.ShardId === 'shardId-000000000001').map((r) => r.SequenceNumber)],
      );
      // A split closes the parent with AWS's EndingSequenceNumber (largest index, closing time); children start at index 0.
      await client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: 'shardId-000000000001', NewStartingHashKey: (MAX_HASH - 100n).toString() }));
      clock.advance(1_000);
      await server.kinesis.whenIdle();
      const splitMs = clock.now();
      const after = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription!.Shards!;
      assert.deepEqual(fields(after[1]!.SequenceNumberRange!.EndingSequenceNumber!), {
        createSecs: Math.floor(createdMs / 1000),
        index: (1n << 63n) - 1n,
        timeSecs: Math.floor(splitMs / 1000),
        shard: 1,
        version: '2',
      });
      assert.deepEqual(fields(after[3]!.SequenceNumberRange!.StartingSequenceNumber!), {
        createSecs: Math.floor(splitMs / 1000),
        index: 0n,
        timeSecs: Math.floor(splitMs / 1000),
        shard: 3,
        version: '2',
      });
      // The parent's StartingSequenceNumber reads from its first record (AT and AFTER alike), its EndingSequenceNumber from its end.
      for (const type of ['AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER'] as const) {
        const it = await client.send(
          new GetShardIteratorCommand({
            StreamName: name,
            ShardId: 'shardId-000000000001',
            ShardIteratorType: type,
            StartingSequenceNumber: after[1]!.SequenceNumberRange!.StartingSequenceNumber,
          }),
        );
        assert.equal((await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator! }))).Records![0]!.SequenceNumber, one.SequenceNumber);
      }
      const atEnd = await client.send(
        new GetShardIteratorCommand({
          StreamName: name,
          ShardId: 'shardId-000000000001',
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          StartingSequenceNumber: after[1]!.SequenceNumberRange!.EndingSequenceNumber,
        }),
      );
      const end = await client.send(new GetRecordsCommand({ ShardIterator: atEnd.ShardIterator! }));
      assert.deepEqual(end.Records, []);
      assert.deepEqual(
        end.ChildShards!.map((c) => c.ShardId),
        ['shardId-000000000002', 'shardId-000000000003'],
      );
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it("SequenceNumberForOrdering: takes any number AWS can read, refuses the rest with AWS's text", async () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 1, 9, 30, 0, 0));
    const { server, client } = await startTestServer({ clock, createDelayMs: 0 });
    try {
      const name = uniqueName('ordering');
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      clock.advance(0);
      const nowSecs = Math.floor(clock.now() / 1000).toString(16);
      const accepted = [
        hexNumber('2ffffffffff7fffffffffffffff000000000007fffffff2'), // "all f"
        hexNumber('20000000000000000000000000000000000000000000002'), // "all 0"
        hexNumber('20000000000000000000000000000000000000000000001'), // version 1
        hexNumber(`2ffffffffff7fffffff7fffffff000${nowSecs}7fffffff2`), // its time is now
        hexNumber('20000000000000000000000000000000000000800000002'), // a shard index with the top bit set
        '49590338271490256608559692538361571095921575989136588898', // AWS's own, from its documentation
        '123', // read as version 0
      ];
      for (const seq of accepted) {
        const r = await rawRequest(server, 'PutRecord', { StreamName: name, PartitionKey: 'a', Data: '', SequenceNumberForOrdering: seq });
        assert.equal(r.status, 200, `${seq}: ${r.text}`);
      }
      const futureSecs = (Math.floor(clock.now() / 1000) + 2).toString(16);
      const refused = [
        hexNumber('20000000000000000000000000000000000000000000000'), // version 0 in the layout of version 2
        hexNumber('20000000000000000000000000000000000000000000004'), // version 4
        hexNumber('30000000000000000000000000000000000000000000001'), // initial 3
        hexNumber('1ffffffffff7fffffffffffffff000000000007fffffff2'), // initial 1
        hexNumber('20000000000800000000000000000000000000000000002'), // per-shard index ≥ 2^63
        hexNumber(`200000000000000000000000000000${futureSecs}000000002`), // arrival time in the future
        '26227199374822427428162556223570313216', // version 0 with a date past AWS's limit
      ];
      for (const seq of refused) {
        await assertError(
          server,
          'PutRecord',
          { StreamName: name, PartitionKey: 'a', Data: '', SequenceNumberForOrdering: seq },
          'InvalidArgumentException',
          `ExclusiveMinimumSequenceNumber ${seq} used in PutRecord on stream ${name} under account ${ACCOUNT} is invalid.`,
        );
      }
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it("GetShardIterator: checks a StartingSequenceNumber's layout, then its shard, then its stream, in AWS's words", async () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 1, 9, 30, 0, 0));
    const { server, client } = await startTestServer({ clock, createDelayMs: 0 });
    try {
      const other = uniqueName('other');
      await client.send(new CreateStreamCommand({ StreamName: other, ShardCount: 3 }));
      clock.advance(1_000);
      const name = uniqueName('gsi');
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 3 }));
      clock.advance(0);
      const foreign = await client.send(new PutRecordCommand({ StreamName: other, PartitionKey: 'k', Data: Buffer.from('x'), ExplicitHashKey: '0' }));
      const own = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('x'), ExplicitHashKey: '0' }));
      const request = (shard: string, seq: string) => ({
        StreamName: name,
        ShardId: shard,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: seq,
      });
      const invalid = (seq: string, shard = 'shardId-000000000000') =>
        `StartingSequenceNumber ${seq} used in GetShardIterator on shard ${shard} in stream ${name} under account ${ACCOUNT} is invalid.`;
      const foreignText = (shown: string, shard = 'shardId-000000000000') =>
        `StartingSequenceNumber ${shown} used in GetShardIterator on shard ${shard} in stream ${name} under account ${ACCOUNT} is invalid because it did not come from this stream.`;
      const encodes = (encoded: string, shard = 'shardId-000000000000') =>
        `Invalid StartingSequenceNumber. It encodes ${encoded}, while it was used in a call to a shard with ${shard}`;
      const cases: Array<[string, string, string]> = [
        ['shardId-0', '5', encodes('shardId-000000000005')],
        ['shardId-0', own.SequenceNumber!, ''],
        ['shardId-1', own.SequenceNumber!, encodes('shardId-000000000000', 'shardId-000000000001')],
        ['shardId-0', foreign.SequenceNumber!, foreignText(foreign.SequenceNumber!)],
        // AWS reads small numbers as 2^124 + n, and says so.
        ['shardId-0', '0', foreignText('21267647932558653966460912964485513216')],
        ['shardId-2', '425352958651173072921826052383309826', foreignText('21693000891209827039382739016868823042', 'shardId-000000000002')],
        ['shardId-0', '26227199374822427428162556223570313216', invalid('26227199374822427428162556223570313216')],
        ['shardId-0', hexNumber('20000000000800000000000000000000000000000000002'), invalid(hexNumber('20000000000800000000000000000000000000000000002'))],
        ['shardId-0', hexNumber('20000000000000000000000000000000000000800000002'), encodes('shardId--02147483648')],
        ['shardId-0', hexNumber('20000000000000000000000000000000000000000000001'), foreignText(hexNumber('20000000000000000000000000000000000000000000001'))],
        ['shardId-0', '49590338271490256608559692538361571095921575989136588898', encodes('shardId-000000000006')],
      ];
      for (const [shard, seq, message] of cases) {
        if (message === '') {
          const r = await rawRequest(server, 'GetShardIterator', request(shard, seq));
          assert.equal(r.status, 200, r.text);
        } else {
          await assertError(server, 'GetShardIterator', request(shard, seq), 'InvalidArgumentException', message);
        }
      }
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it("issues shard iterators with AWS's structure: 00…01, then AES blocks, 152 + 16·⌊(L + 2) / 16⌋ bytes for a name of L", async () => {
    const { server, client } = await startTestServer();
    try {
      for (const length of [1, 13, 14, 30, 64, 128]) {
        const name = `${uniqueName('it')}-`.padEnd(length, 'x').slice(-length);
        await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
        await server.kinesis.whenActive(name);
        await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('hello') }));
        const it = (await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' })))
          .ShardIterator!;
        const bytes = Buffer.from(it, 'base64');
        assert.equal(bytes.toString('base64'), it);
        assert.equal(bytes.length, 152 + 16 * Math.floor((length + 2) / 16), `name length ${length}`);
        assert.equal(bytes.subarray(0, 8).toString('hex'), '0000000000000001');
        const got = await client.send(new GetRecordsCommand({ ShardIterator: it }));
        assert.deepEqual(
          got.Records!.map((r) => Buffer.from(r.Data!).toString()),
          ['hello'],
        );
        assert.equal(Buffer.from(got.NextShardIterator!, 'base64').length, bytes.length);
        const edited = Buffer.from(bytes);
        edited[40] = edited[40]! ^ 0x20;
        await assertError(server, 'GetRecords', { ShardIterator: edited.toString('base64') }, 'InvalidArgumentException', 'Invalid ShardIterator.');
      }
    } finally {
      client.destroy();
      await server.close();
    }
  });
});

interface Fixture {
  stream: string;
  closedAtMs: number;
  iterator: { token: string; createdMs: number; shardId: string; after: number };
  shards: Array<{ ShardId: string; SequenceNumberRange: { StartingSequenceNumber: string; EndingSequenceNumber?: string } }>;
  records: Record<string, Array<{ seq: string; key: string; data: string; ms: number }>>;
}

describe('A data dir written before issue 11 (legacy sequence numbers and iterators)', () => {
  const FIXTURE = join(import.meta.dirname, 'fixtures', 'legacy-format');
  const expected = JSON.parse(readFileSync(join(FIXTURE, 'expect.json'), 'utf8')) as Fixture;

  it("opens with shard ranges rewritten in AWS's layout, serves its records, and still takes old numbers and iterators", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'freshet-legacy-'));
    try {
      await cp(join(FIXTURE, 'data'), dir, { recursive: true });
      // Within the 5 minutes the fixture's iterator is valid for.
      const clock = new ManualClock(expected.iterator.createdMs + 60_000);
      const name = expected.stream;
      const start = () => startTestServer({ storage: 'file', dataDir: dir, clock, createDelayMs: 0, updateDelayMs: 0 });
      let { server, client } = await start();
      try {
        const shards = (await client.send(new ListShardsCommand({ StreamName: name }))).Shards!;
        assert.deepEqual(
          shards.map((s) => s.ShardId),
          expected.shards.map((s) => s.ShardId),
        );
        const streamCreatedMs = server.kinesis.describe(name).createdMs;
        const sequencesOf = new Map<string, ShardSequences>();
        for (const [i, s] of shards.entries()) {
          const created = i < 2 ? streamCreatedMs : expected.records['shardId-000000000003']![0]!.ms - 700;
          const seq = new ShardSequences(i, created);
          sequencesOf.set(s.ShardId!, seq);
          assert.equal(s.SequenceNumberRange!.StartingSequenceNumber, seq.starting(), s.ShardId);
          if (expected.shards[i]!.SequenceNumberRange.EndingSequenceNumber !== undefined) {
            assert.equal(fields(s.SequenceNumberRange!.EndingSequenceNumber!).index, (1n << 63n) - 1n);
          }
        }
        // Every record, with a number in AWS's layout for its offset and arrival time.
        for (const [shardId, records] of Object.entries(expected.records)) {
          const it = (await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator!;
          const got = await readAll(client, it);
          assert.deepEqual(
            got,
            records.map((r, offset) => ({ seq: sequencesOf.get(shardId)!.record(offset, r.ms), key: r.key, data: r.data })),
          );
        }
        // Old numbers (a client's checkpoint) still position reads, and still get AWS's checks.
        const zero = expected.records['shardId-000000000000']!;
        const from = async (type: string, seq: string) => {
          const it = await client.send(
            new GetShardIteratorCommand({
              StreamName: name,
              ShardId: 'shardId-000000000000',
              ShardIteratorType: type as 'AT_SEQUENCE_NUMBER',
              StartingSequenceNumber: seq,
            }),
          );
          return (await readAll(client, it.ShardIterator!)).map((r) => r.data);
        };
        assert.deepEqual(await from('AFTER_SEQUENCE_NUMBER', zero[1]!.seq), ['zero-2', 'zero-3', 'zero-4']);
        assert.deepEqual(await from('AT_SEQUENCE_NUMBER', zero[3]!.seq), ['zero-3', 'zero-4']);
        assert.deepEqual(
          await from('AT_SEQUENCE_NUMBER', expected.shards[0]!.SequenceNumberRange.StartingSequenceNumber),
          zero.map((r) => r.data),
        );
        await assertError(
          server,
          'GetShardIterator',
          { StreamName: name, ShardId: 'shardId-000000000002', ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: zero[0]!.seq },
          'InvalidArgumentException',
          'Invalid StartingSequenceNumber. It encodes shardId-000000000000, while it was used in a call to a shard with shardId-000000000002',
        );
        const otherSalt = `${zero[0]!.seq.slice(0, 42)}99999999999999`;
        await assertError(
          server,
          'GetShardIterator',
          { StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: otherSalt },
          'InvalidArgumentException',
          `StartingSequenceNumber ${otherSalt} used in GetShardIterator on shard shardId-000000000000 in stream ${name} under account ${ACCOUNT} is invalid because it did not come from this stream.`,
        );
        // An iterator handed out before the upgrade keeps working; the next one is in the new structure.
        const page = await client.send(new GetRecordsCommand({ ShardIterator: expected.iterator.token }));
        assert.deepEqual(
          page.Records!.map((r) => Buffer.from(r.Data!).toString()),
          ['zero-2', 'zero-3', 'zero-4'],
        );
        assert.equal(Buffer.from(page.NextShardIterator!, 'base64').subarray(0, 8).toString('hex'), '0000000000000001');
        // New writes continue the shard's numbers; an old number is a valid SequenceNumberForOrdering.
        const more = await client.send(
          new PutRecordCommand({
            StreamName: name,
            PartitionKey: 'later',
            Data: Buffer.from('zero-5'),
            ExplicitHashKey: '0',
            SequenceNumberForOrdering: zero[4]!.seq,
          }),
        );
        assert.equal(more.SequenceNumber, sequencesOf.get('shardId-000000000000')!.record(5, clock.now()));
        assert.deepEqual(
          (await client.send(new ListStreamConsumersCommand({ StreamARN: server.kinesis.arnFor(name) }))).Consumers!.map((c) => c.ConsumerName),
          ['c1'],
        );
      } finally {
        client.destroy();
        await server.close();
      }
      // The rewritten ranges were persisted: nothing of the old layout is left in the metadata.
      ({ server, client } = await start());
      try {
        const meta = JSON.stringify(server.storage.meta.get(`kinesis/stream/${name}`));
        assert.ok(!/"4001\d{52}"/.test(meta), meta);
        const d = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription!;
        assert.equal(d.StreamStatus, 'ACTIVE');
        assert.ok(d.Shards!.every((s) => fields(s.SequenceNumberRange!.StartingSequenceNumber!).version === '2'));
      } finally {
        client.destroy();
        await server.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
