/**
 * Enhanced fan-out: consumer registration (Register/Describe/List/DeregisterStreamConsumer) and
 * SubscribeToShard over the SDK's HTTP/2 handler (event-stream framing, push on append, 5-minute end,
 * overlapping-subscription rule, ChildShards at a closed shard's end).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DeregisterStreamConsumerCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  ListStreamConsumersCommand,
  PutRecordCommand,
  RegisterStreamConsumerCommand,
  SplitShardCommand,
  SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
import type { KinesisClient, SubscribeToShardEvent } from '@aws-sdk/client-kinesis';
import { ManualClock } from '../../src/core/index.ts';
import { startTestServer, uniqueName, waitActive } from './helpers.ts';

async function activeConsumer(client: KinesisClient, streamArn: string, name: string): Promise<string> {
  const r = await client.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name }));
  for (let i = 0; i < 200; i++) {
    const d = await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: r.Consumer!.ConsumerARN! }));
    if (d.ConsumerDescription!.ConsumerStatus === 'ACTIVE') return r.Consumer!.ConsumerARN!;
    await new Promise((res) => setTimeout(res, 5));
  }
  throw new Error('consumer never became ACTIVE');
}

/** Pulls events from a subscription until `until` says stop (or the stream ends). */
async function collect(
  events: AsyncIterable<{ SubscribeToShardEvent?: SubscribeToShardEvent }>,
  until: (all: SubscribeToShardEvent[]) => boolean,
): Promise<SubscribeToShardEvent[]> {
  const all: SubscribeToShardEvent[] = [];
  for await (const e of events) {
    if (e.SubscribeToShardEvent) all.push(e.SubscribeToShardEvent);
    if (until(all)) break;
  }
  return all;
}

describe('stream consumers', () => {
  it('registers CREATING → ACTIVE with AWS ARNs, lists, describes, limits to 20 and deregisters', async () => {
    const clock = new ManualClock();
    const { server, client } = await startTestServer({ clock, createDelayMs: 500, deleteDelayMs: 300 });
    try {
      const name = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      clock.advance(500);
      const arn = server.kinesis.arnFor(name);
      const r = await client.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'app' }));
      assert.equal(r.Consumer!.ConsumerStatus, 'CREATING');
      assert.equal(r.Consumer!.ConsumerARN, `arn:aws:kinesis:us-east-1:000000000000:stream/${name}/consumer/app:${Math.floor(clock.now() / 1000)}`);
      assert.equal(r.Consumer!.ConsumerCreationTimestamp!.getTime(), clock.now());
      await assert.rejects(client.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'app' })), { name: 'ResourceInUseException' });
      clock.advance(500);
      const d = await client.send(new DescribeStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'app' }));
      assert.equal(d.ConsumerDescription!.ConsumerStatus, 'ACTIVE');
      assert.equal(d.ConsumerDescription!.StreamARN, arn);
      for (let i = 1; i < 20; i++) await client.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: `c${i}` }));
      await assert.rejects(client.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'c20' })), { name: 'LimitExceededException' });
      const p1 = await client.send(new ListStreamConsumersCommand({ StreamARN: arn, MaxResults: 15 }));
      assert.equal(p1.Consumers!.length, 15);
      const p2 = await client.send(new ListStreamConsumersCommand({ StreamARN: arn, NextToken: p1.NextToken! }));
      assert.equal(p2.Consumers!.length, 5);
      assert.equal(p2.NextToken, undefined);
      assert.equal((await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!.ConsumerCount, 20);
      await assert.rejects(client.send(new DeleteStreamCommand({ StreamName: name })), { name: 'ResourceInUseException' });
      await client.send(new DeregisterStreamConsumerCommand({ ConsumerARN: r.Consumer!.ConsumerARN! }));
      assert.equal(
        (await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: r.Consumer!.ConsumerARN! }))).ConsumerDescription!.ConsumerStatus,
        'DELETING',
      );
      clock.advance(300);
      await server.kinesis.whenIdle();
      await assert.rejects(client.send(new DescribeStreamConsumerCommand({ ConsumerARN: r.Consumer!.ConsumerARN! })), { name: 'ResourceNotFoundException' });
      await client.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }));
    } finally {
      client.destroy();
      await server.close();
    }
  });
});

describe('SubscribeToShard (SDK, HTTP/2)', () => {
  it('pushes records as they are written, with continuation numbers, and refuses a second subscription within 5 s', async () => {
    const { server, client } = await startTestServer();
    try {
      const name = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      await waitActive(client, name);
      await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('before') }));
      const consumerArn = await activeConsumer(client, server.kinesis.arnFor(name), 'push');
      const sub = await client.send(
        new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'TRIM_HORIZON' } }),
      );
      await assert.rejects(
        client.send(new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' } })),
        (e: Error) => e.name === 'ResourceInUseException' && e.message.startsWith('Another active subscription exists for this consumer'),
      );
      const writer = (async () => {
        for (let i = 0; i < 5; i++) {
          await new Promise((res) => setTimeout(res, 10));
          await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from(`after-${i}`) }));
        }
      })();
      const events = await collect(sub.EventStream!, (all) => all.flatMap((e) => e.Records!).length >= 6);
      await writer;
      const data = events.flatMap((e) => e.Records!).map((r) => Buffer.from(r.Data!).toString());
      assert.deepEqual(data, ['before', 'after-0', 'after-1', 'after-2', 'after-3', 'after-4']);
      const lastEvent = events.at(-1)!;
      assert.equal(lastEvent.ContinuationSequenceNumber, lastEvent.Records!.at(-1)!.SequenceNumber);
      assert.equal(typeof lastEvent.MillisBehindLatest, 'number');
      assert.ok(events[0]!.Records![0]!.ApproximateArrivalTimestamp instanceof Date);
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it('ends the subscription after 5 minutes of clock time, and with ChildShards when the shard closes', async () => {
    const clock = new ManualClock();
    const { server, client } = await startTestServer({ clock, updateDelayMs: 10 });
    try {
      const name = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      clock.advance(0);
      const arn = server.kinesis.arnFor(name);
      const consumerArn = (await client.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'ttl' }))).Consumer!.ConsumerARN!;
      await assert.rejects(
        client.send(new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' } })),
        (e: Error) => e.name === 'ResourceInUseException' && /is not in ACTIVE status/.test(e.message),
      );
      clock.advance(0);
      const sub = await client.send(
        new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' } }),
      );
      const it = sub.EventStream![Symbol.asyncIterator]();
      const pending = it.next();
      clock.advance(5_000); // an idle subscription hears an empty event every 5 s
      const first = await pending;
      assert.deepEqual(first.value.SubscribeToShardEvent.Records, []);
      assert.ok(first.value.SubscribeToShardEvent.ContinuationSequenceNumber);
      clock.advance(300_000);
      for (;;) {
        const n = await it.next();
        if (n.done) break;
      }
      // Resubscribe (more than 5 s later) from the continuation point, then split the shard.
      await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('last') }));
      const sub2 = await client.send(
        new SubscribeToShardCommand({
          ConsumerARN: consumerArn,
          ShardId: 'shardId-000000000000',
          StartingPosition: { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: first.value.SubscribeToShardEvent.ContinuationSequenceNumber },
        }),
      );
      await client.send(new SplitShardCommand({ StreamName: name, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (1n << 127n).toString() }));
      clock.advance(10);
      await server.kinesis.whenIdle();
      const events: SubscribeToShardEvent[] = [];
      for await (const e of sub2.EventStream!) if (e.SubscribeToShardEvent) events.push(e.SubscribeToShardEvent);
      assert.deepEqual(
        events.flatMap((e) => e.Records!).map((r) => Buffer.from(r.Data!).toString()),
        ['last'],
      );
      const end = events.at(-1)!;
      assert.equal(end.ContinuationSequenceNumber, undefined);
      assert.deepEqual(
        end.ChildShards!.map((c) => c.ShardId),
        ['shardId-000000000001', 'shardId-000000000002'],
      );
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
