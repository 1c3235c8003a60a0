/**
 * SubscribeToShard on shared (JetStream) storage when the subscription's entry cannot be written: the client gets
 * the failure, and the subscription it would have replaced on this node goes on, still the live one (a later
 * SubscribeToShard that succeeds ends it, as it would have).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as K from '@aws-sdk/client-kinesis';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsCluster } from '../../src/cluster/index.ts';
import { RESUBSCRIBE_GUARD_MS } from '../../src/kinesis/subscription.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { dropNamespace, testNatsCluster } from '../helpers/nats-cluster.ts';
import { eventually } from '../helpers/eventually.ts';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let nats: NatsCluster;
const namespace = `efometa${process.pid}`;
let node: FreshetServer;
let client: K.KinesisClient;

before(async () => {
  nats = await testNatsCluster();
  node = await startServer({ port: 0, storage: 'jetstream', nats: { servers: nats.urls, namespace }, createDelayMs: 0, deleteDelayMs: 0 });
  client = new K.KinesisClient({ endpoint: node.url, region: 'us-east-1', credentials, maxAttempts: 1 });
});

after(async () => {
  client?.destroy();
  await node?.close();
  await dropNamespace(nats.urls, namespace);
  await nats?.stop();
});

describe('SubscribeToShard with a metadata write that fails', () => {
  it('leaves the older subscription running and live', async () => {
    const name = `efometa${process.pid}`;
    await client.send(new K.CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    const streamArn = await eventually(async () => {
      const d = await client.send(new K.DescribeStreamSummaryCommand({ StreamName: name }));
      assert.equal(d.StreamDescriptionSummary!.StreamStatus, 'ACTIVE');
      return d.StreamDescriptionSummary!.StreamARN!;
    }, 'stream ACTIVE');
    const consumerArn = (await client.send(new K.RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'push' }))).Consumer!.ConsumerARN!;
    await eventually(async () => {
      const d = await client.send(new K.DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }));
      assert.equal(d.ConsumerDescription!.ConsumerStatus, 'ACTIVE');
    }, 'consumer ACTIVE');
    const shard = { ConsumerARN: consumerArn, ShardId: 'shardId-000000000000' };
    const first = await client.send(new K.SubscribeToShardCommand({ ...shard, StartingPosition: { Type: 'TRIM_HORIZON' } }));
    const seen: string[] = [];
    let ended = false;
    const reading = (async () => {
      for await (const e of first.EventStream!) for (const r of e.SubscribeToShardEvent?.Records ?? []) seen.push(Buffer.from(r.Data!).toString());
    })()
      .catch(() => undefined)
      .finally(() => {
        ended = true;
      });
    // Past the guard: a second subscription now replaces the first instead of being refused.
    await sleep(RESUBSCRIBE_GUARD_MS + 200);

    // The metadata bucket refuses every write (its messages may not exceed 16 bytes) while the second one is asked.
    const nc = await connect({ servers: nats.urls });
    try {
      const jsm = await jetstreamManager(nc);
      const metaStream = `KV_${namespace}-meta`;
      await jsm.streams.update(metaStream, { max_msg_size: 16 });
      try {
        await assert.rejects(
          client.send(new K.SubscribeToShardCommand({ ...shard, StartingPosition: { Type: 'LATEST' } })),
          { name: 'InternalFailure' },
          'the write failed: so does the call',
        );
      } finally {
        await jsm.streams.update(metaStream, { max_msg_size: -1 });
      }
    } finally {
      await nc.close();
    }

    await client.send(new K.PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from('after') }));
    await eventually(async () => assert.deepEqual(seen, ['after']), 'the first subscription still delivers');
    assert.equal(ended, false, 'the first subscription was not ended by the failed one');

    // It is still the live one: a subscription that succeeds ends it.
    const third = await client.send(new K.SubscribeToShardCommand({ ...shard, StartingPosition: { Type: 'LATEST' } }));
    await eventually(async () => assert.equal(ended, true), 'the first subscription ended by the third', 5000);
    await reading;
    const it3 = third.EventStream![Symbol.asyncIterator]();
    await it3.return?.();
  });
});
