/**
 * Kinesis corner cases answered as AWS answers them (issue 11), over the wire with AWS's exact texts:
 * shard ids parsed loosely and checked before the stream where AWS does, tag characters, and a stream
 * deleted while CREATING. Texts as kinesalite's test suite recorded them against AWS (moto's for a
 * closed shard). Sequence numbers and iterators in AWS's layout: sequence-layout.test.ts.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  ListTagsForStreamCommand,
  MergeShardsCommand,
  PutRecordCommand,
  RemoveTagsFromStreamCommand,
  SplitShardCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-kinesis';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { ManualClock } from '../../src/core/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { rawRequest, startTestServer, uniqueName, waitActive } from './helpers.ts';

const ACCOUNT = '000000000000';
const MAX_HASH = (1n << 128n) - 1n;

/** A raw request's error: HTTP status, `__type` and message exactly. */
async function assertError(server: FreshetServer, action: string, body: unknown, type: string, message: string): Promise<void> {
  const res = await rawRequest(server, action, body);
  assert.equal(res.status, 400, res.text);
  assert.deepEqual(res.json, { __type: type, message });
}

describe('Shard ids, parsed loosely as AWS does', () => {
  let server: FreshetServer;
  let client: KinesisClient;
  before(async () => ({ server, client } = await startTestServer({ updateDelayMs: 0 })));
  after(async () => {
    client.destroy();
    await server.close();
  });

  async function stream(shards: number): Promise<string> {
    const name = uniqueName('ids');
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
    await waitActive(client, name);
    return name;
  }

  it('GetShardIterator reads shard n for any <prefix>-<n> with decimal n, and for a bare n', async () => {
    const name = await stream(2);
    // ExplicitHashKey MAX lands in shard 1.
    const put = await client.send(
      new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('one'), ExplicitHashKey: MAX_HASH.toString() }),
    );
    assert.equal(put.ShardId, 'shardId-000000000001');
    for (const id of ['shardId-000000000001', 'shardId-1', 'shard-1', 'foo-1', '-00000000000000000001', '1', 'a-1-b']) {
      const it = await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: id, ShardIteratorType: 'TRIM_HORIZON' }));
      const got = await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator! }));
      assert.deepEqual(
        got.Records!.map((r) => r.SequenceNumber),
        [put.SequenceNumber],
        `shard id ${id}`,
      );
    }
    await client.send(new DeleteStreamCommand({ StreamName: name }));
  });

  it('GetShardIterator checks the id before the stream and names the shard by its canonical id', async () => {
    const name = await stream(1);
    const missing = uniqueName('nostream');
    // A well-formed id on an unknown stream, or a shard the stream does not have: "Shard … does not exist".
    for (const id of ['2147483647', 'a-00002147483647', '-00002147483647', 'xyz-2147483647']) {
      await assertError(
        server,
        'GetShardIterator',
        { StreamName: missing, ShardId: id, ShardIteratorType: 'LATEST' },
        'ResourceNotFoundException',
        `Shard shardId-002147483647 in stream ${missing} under account ${ACCOUNT} does not exist`,
      );
    }
    await assertError(
      server,
      'GetShardIterator',
      { StreamName: name, ShardId: 'shardId-5', ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: '5' },
      'ResourceNotFoundException',
      `Shard shardId-000000000005 in stream ${name} under account ${ACCOUNT} does not exist`,
    );
    // An id that names no shard index (not decimal, or past 2^31 − 1) is answered as given, whether or not the stream exists.
    for (const stream of [missing, name]) {
      for (const id of ['2147483648', 'shardId-002147483648', 'ABKLFD8', '2.14E4']) {
        await assertError(
          server,
          'GetShardIterator',
          { StreamName: stream, ShardId: id, ShardIteratorType: 'LATEST' },
          'ResourceNotFoundException',
          `Could not find shard ${id} in stream ${stream} under account ${ACCOUNT}.`,
        );
      }
    }
    await client.send(new DeleteStreamCommand({ StreamName: name }));
  });

  it('SplitShard takes a loose id, checks it before the stream, then the stream, then the shard (canonical id)', async () => {
    const name = await stream(1);
    const missing = uniqueName('nostream');
    for (const id of ['2147483647', 'x-2147483647', 'a-00002147483647', '-00002147483647']) {
      await assertError(
        server,
        'SplitShard',
        { StreamName: missing, ShardToSplit: id, NewStartingHashKey: '0' },
        'ResourceNotFoundException',
        `Stream ${missing} under account ${ACCOUNT} not found.`,
      );
    }
    for (const id of ['2147483648', 'shardId-002147483648', 'ABKLFD8', '2.14E4']) {
      await assertError(
        server,
        'SplitShard',
        { StreamName: missing, ShardToSplit: id, NewStartingHashKey: '0' },
        'ResourceNotFoundException',
        `Could not find shard ${id} in stream ${missing} under account ${ACCOUNT}.`,
      );
    }
    await assertError(
      server,
      'SplitShard',
      { StreamName: name, ShardToSplit: 'shardId-5', NewStartingHashKey: '0' },
      'ResourceNotFoundException',
      `Could not find shard shardId-000000000005 in stream ${name} under account ${ACCOUNT}.`,
    );
    await assertError(
      server,
      'SplitShard',
      { StreamName: name, ShardToSplit: 'shard-0', NewStartingHashKey: '1' },
      'InvalidArgumentException',
      `NewStartingHashKey 1 used in SplitShard() on shard shardId-000000000000 in stream ${name} under account ${ACCOUNT} is not both greater than one plus the shard's StartingHashKey 0 and less than the shard's EndingHashKey ${MAX_HASH}.`,
    );
    await client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: 'whatever-0', NewStartingHashKey: '2' }));
    await waitActive(client, name);
    const shards = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription!.Shards!;
    assert.deepEqual(
      shards.map((s) => [s.ShardId, s.ParentShardId, s.HashKeyRange!.StartingHashKey]),
      [
        ['shardId-000000000000', undefined, '0'],
        ['shardId-000000000001', 'shardId-000000000000', '0'],
        ['shardId-000000000002', 'shardId-000000000000', '2'],
      ],
    );
    // The parent is closed now.
    await assertError(
      server,
      'SplitShard',
      { StreamName: name, ShardToSplit: '0', NewStartingHashKey: '100' },
      'InvalidArgumentException',
      `Shard shardId-000000000000 in stream ${name} under account ${ACCOUNT} has already been merged or split, and thus is not eligible for merging or splitting.`,
    );
    await client.send(new DeleteStreamCommand({ StreamName: name }));
  });

  it('MergeShards checks both ids before the stream, then each shard by its canonical id, then adjacency', async () => {
    const name = await stream(3);
    const missing = uniqueName('nostream');
    await assertError(
      server,
      'MergeShards',
      { StreamName: missing, ShardToMerge: '2147483647', AdjacentShardToMerge: 'abc-0' },
      'ResourceNotFoundException',
      `Stream ${missing} under account ${ACCOUNT} not found.`,
    );
    for (const [a, b, bad] of [
      ['ABKLFD8', 'abc-0', 'ABKLFD8'],
      ['abc-0', 'shardId-002147483648', 'shardId-002147483648'],
    ] as const) {
      await assertError(
        server,
        'MergeShards',
        { StreamName: missing, ShardToMerge: a, AdjacentShardToMerge: b },
        'ResourceNotFoundException',
        `Could not find shard ${bad} in stream ${missing} under account ${ACCOUNT}.`,
      );
    }
    for (const [a, b] of [
      ['shardId-5', 'x-0'],
      ['x-0', 'shardId-5'],
    ]) {
      await assertError(
        server,
        'MergeShards',
        { StreamName: name, ShardToMerge: a, AdjacentShardToMerge: b },
        'ResourceNotFoundException',
        `Could not find shard shardId-000000000005 in stream ${name} under account ${ACCOUNT}.`,
      );
    }
    for (const [a, b, ca, cb] of [
      ['x-0', 'y-2', '0', '2'],
      ['x-1', 'y-0', '1', '0'],
    ]) {
      await assertError(
        server,
        'MergeShards',
        { StreamName: name, ShardToMerge: a, AdjacentShardToMerge: b },
        'InvalidArgumentException',
        `Shards shardId-00000000000${ca} and shardId-00000000000${cb} in stream ${name} under account ${ACCOUNT} are not an adjacent pair of shards eligible for merging`,
      );
    }
    await client.send(new MergeShardsCommand({ StreamName: name, ShardToMerge: 'shard-0', AdjacentShardToMerge: 'shard-1' }));
    await waitActive(client, name);
    const shards = (await client.send(new ListShardsCommand({ StreamName: name }))).Shards!;
    assert.deepEqual(shards.at(-1)!.ParentShardId, 'shardId-000000000000');
    assert.deepEqual(shards.at(-1)!.AdjacentParentShardId, 'shardId-000000000001');
    await client.send(new DeleteStreamCommand({ StreamName: name }));
  });

  it("ListShards' and DescribeStream's ExclusiveStartShardId take a loose id", async () => {
    const name = await stream(4);
    for (const id of ['shardId-000000000001', 'shardId-1', 'shard-1', '1']) {
      const listed = await client.send(new ListShardsCommand({ StreamName: name, ExclusiveStartShardId: id }));
      assert.deepEqual(
        listed.Shards!.map((s) => s.ShardId),
        ['shardId-000000000002', 'shardId-000000000003'],
        `ListShards after ${id}`,
      );
      const described = await client.send(new DescribeStreamCommand({ StreamName: name, ExclusiveStartShardId: id }));
      assert.deepEqual(
        described.StreamDescription!.Shards!.map((s) => s.ShardId),
        ['shardId-000000000002', 'shardId-000000000003'],
        `DescribeStream after ${id}`,
      );
    }
    const filtered = await client.send(new ListShardsCommand({ StreamName: name, ShardFilter: { Type: 'AFTER_SHARD_ID', ShardId: 'shard-2' } }));
    assert.deepEqual(
      filtered.Shards!.map((s) => s.ShardId),
      ['shardId-000000000003'],
    );
    await client.send(new DeleteStreamCommand({ StreamName: name }));
  });
});

describe('Tag characters', () => {
  let server: FreshetServer;
  let client: KinesisClient;
  let name: string;
  const INVALID = 'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.';
  before(async () => {
    ({ server, client } = await startTestServer());
    name = uniqueName('tags');
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await waitActive(client, name);
  });
  after(async () => {
    client.destroy();
    await server.close();
  });

  it('refuses tab, newline and other control characters in tag keys and values (AddTagsToStream, TagResource)', async () => {
    const arn = server.kinesis.arnFor(name);
    for (const bad of ['abc\tdef', 'abc\ndef', 'abc\rdef', 'a\u0000b', 'a\u007fb', 'a\u0085b', 'abc;def', 'abc,def']) {
      await assertError(server, 'AddTagsToStream', { StreamName: name, Tags: { [bad]: '1' } }, 'InvalidArgumentException', INVALID);
      await assertError(server, 'AddTagsToStream', { StreamName: name, Tags: { a: bad } }, 'InvalidArgumentException', INVALID);
      await assertError(server, 'TagResource', { ResourceARN: arn, Tags: { [bad]: '1' } }, 'InvalidArgumentException', INVALID);
    }
    await assert.rejects(client.send(new AddTagsToStreamCommand({ StreamName: name, Tags: { 'line\nbreak': 'x' } })), {
      name: 'InvalidArgumentException',
      message: INVALID,
    });
    const tags = await client.send(new ListTagsForStreamCommand({ StreamName: name }));
    assert.deepEqual(tags.Tags, []);
  });

  it('refuses the same characters in RemoveTagsFromStream and UntagResource keys', async () => {
    const arn = server.kinesis.arnFor(name);
    for (const bad of ['abc\tdef', 'abc\ndef', 'a\u0001b', 'abc;def']) {
      await assertError(server, 'RemoveTagsFromStream', { StreamName: name, TagKeys: [bad] }, 'InvalidArgumentException', INVALID);
      await assertError(server, 'UntagResource', { ResourceARN: arn, TagKeys: ['ok', bad] }, 'InvalidArgumentException', INVALID);
    }
    await assert.rejects(client.send(new RemoveTagsFromStreamCommand({ StreamName: name, TagKeys: ['tab\there'] })), {
      name: 'InvalidArgumentException',
      message: INVALID,
    });
  });

  it('accepts Unicode letters, digits, spaces (also no-break and ideographic ones) and _ . / = + - @', async () => {
    const tags = { a: 'a', 'ü0 _.': 'a', '/=+-@': 'a', b: 'ü0 _./=+-@', c: '', 'nb\u00a0sp': 'ideo\u3000graphic', 'env:stage': 'x' };
    await client.send(new AddTagsToStreamCommand({ StreamName: name, Tags: tags }));
    const listed = await client.send(new ListTagsForStreamCommand({ StreamName: name }));
    assert.deepEqual(Object.fromEntries(listed.Tags!.map((t) => [t.Key, t.Value])), tags);
    await client.send(new TagResourceCommand({ ResourceARN: server.kinesis.arnFor(name), Tags: { 'd e': 'f g' } }));
    await client.send(new UntagResourceCommand({ ResourceARN: server.kinesis.arnFor(name), TagKeys: ['d e'] }));
    await client.send(new RemoveTagsFromStreamCommand({ StreamName: name, TagKeys: Object.keys(tags) }));
    assert.deepEqual((await client.send(new ListTagsForStreamCommand({ StreamName: name }))).Tags, []);
  });
});

describe('A stream deleted while CREATING', () => {
  it('describes as DELETING with Shards: [] (and ListShards lists none) until it is gone', async () => {
    const clock = new ManualClock();
    const { server, client } = await startTestServer({ clock, createDelayMs: 500, deleteDelayMs: 300 });
    try {
      const name = uniqueName('early');
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
      const creating = await rawRequest(server, 'DescribeStream', { StreamName: name });
      assert.equal(creating.json.StreamDescription.StreamStatus, 'CREATING');
      assert.deepEqual(creating.json.StreamDescription.Shards, []);
      await client.send(new DeleteStreamCommand({ StreamName: name }));
      // Past the creation delay: a stream deleted while CREATING never becomes ACTIVE nor lists shards.
      clock.advance(299);
      const deleting = await rawRequest(server, 'DescribeStream', { StreamName: name });
      assert.equal(deleting.status, 200);
      assert.equal(deleting.json.StreamDescription.StreamStatus, 'DELETING');
      assert.deepEqual(deleting.json.StreamDescription.Shards, []);
      assert.equal(deleting.json.StreamDescription.HasMoreShards, false);
      assert.equal(deleting.json.StreamDescription.StreamARN, server.kinesis.arnFor(name));
      assert.deepEqual((await client.send(new ListShardsCommand({ StreamName: name }))).Shards, []);
      clock.advance(1);
      await server.kinesis.whenIdle();
      await assertError(server, 'DescribeStream', { StreamName: name }, 'ResourceNotFoundException', `Stream ${name} under account ${ACCOUNT} not found.`);

      // Deleted once ACTIVE, it still lists its shards while DELETING.
      const later = uniqueName('late');
      await client.send(new CreateStreamCommand({ StreamName: later, ShardCount: 2 }));
      clock.advance(500);
      await client.send(new DeleteStreamCommand({ StreamName: later }));
      const d = (await client.send(new DescribeStreamCommand({ StreamName: later }))).StreamDescription!;
      assert.equal(d.StreamStatus, 'DELETING');
      assert.equal(d.Shards!.length, 2);
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
