import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateStreamCommand, PutRecordCommand, SplitShardCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient, readStream, waitFor, waitForStreamActive } from '../../src/pipeline/index.ts';
import { startKinesalite, type TestServer } from './server-harness.ts';

// Freshet's streams server does not implement SplitShard/MergeShards yet
// (issue 2 does not list them), so child-shard following is exercised
// against kinesalite, which does.
let server: TestServer;
before(async () => {
  server = await startKinesalite();
});
after(async () => {
  await server.close();
});

describe('readStream after resharding', () => {
  it('reads a closed parent shard to its end, then its children, in order per key', async () => {
    const client = kinesisClient({ endpoint: server.url });
    const name = `reshard-${process.pid}`;
    try {
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      await waitForStreamActive(client, name);
      for (let i = 0; i < 5; i++) await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: `k${i % 2}`, Data: Buffer.from(`before-${i}`) }));
      await client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (2n ** 127n).toString() }));
      await waitForStreamActive(client, name);
      for (let i = 0; i < 5; i++) await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: `k${i % 2}`, Data: Buffer.from(`after-${i}`) }));
      const shards = (await client.send(new ListShardsCommand({ StreamName: name }))).Shards ?? [];
      assert.equal(shards.length, 3);

      const seen: { shardId: string; text: string }[] = [];
      await readStream({
        client,
        streamName: name,
        from: { kind: 'trim-horizon' },
        follow: false,
        idlePollMs: 10,
        onRecord: (r) => seen.push({ shardId: r.shardId, text: Buffer.from(r.data).toString() }),
      });
      const texts = seen.map((s) => s.text);
      assert.deepEqual(texts.slice(0, 5), ['before-0', 'before-1', 'before-2', 'before-3', 'before-4']);
      assert.deepEqual(texts.slice(5).sort(), ['after-0', 'after-1', 'after-2', 'after-3', 'after-4']);
      assert.ok(seen.slice(5).every((s) => s.shardId !== 'shardId-000000000000'));

      // --shard selects one child and nothing else.
      const child = seen[5]!.shardId;
      const only: string[] = [];
      await readStream({ client, streamName: name, shardId: child, follow: false, idlePollMs: 10, onRecord: (r) => only.push(r.shardId) });
      assert.ok(only.length > 0 && only.every((s) => s === child));
    } finally {
      client.destroy();
    }
  });
  it('follows onto the children when a shard is split while following', async () => {
    const client = kinesisClient({ endpoint: server.url });
    const name = `reshard-follow-${process.pid}`;
    const controller = new AbortController();
    try {
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      await waitForStreamActive(client, name);
      const seen: string[] = [];
      let ready!: () => void;
      const isReady = new Promise<void>((r) => (ready = r));
      const reading = readStream({
        client,
        streamName: name,
        from: { kind: 'latest' },
        follow: true,
        idlePollMs: 10,
        signal: controller.signal,
        onReady: () => ready(),
        onRecord: (r) => seen.push(Buffer.from(r.data).toString()),
      });
      await isReady;
      for (let i = 0; i < 3; i++) await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: `k${i}`, Data: Buffer.from(`before-${i}`) }));
      await client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (2n ** 127n).toString() }));
      await waitForStreamActive(client, name);
      for (let i = 0; i < 6; i++) await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: `k${i}`, Data: Buffer.from(`after-${i}`) }));
      await waitFor('records from the child shards', async () => (seen.length >= 9 ? true : undefined), { timeoutMs: 20_000 });
      controller.abort();
      await reading;
      assert.deepEqual(seen.slice(0, 3), ['before-0', 'before-1', 'before-2']);
      assert.deepEqual(seen.slice(3).sort(), ['after-0', 'after-1', 'after-2', 'after-3', 'after-4', 'after-5']);
    } finally {
      controller.abort();
      client.destroy();
    }
  });
});
