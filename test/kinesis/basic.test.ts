import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordCommand,
  PutRecordsCommand,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { FreshetServer } from '../../src/server/index.ts';
import { startTestServer, uniqueName, waitActive } from './helpers.ts';

describe('Kinesis round trip with @aws-sdk/client-kinesis', () => {
  let server: FreshetServer;
  let client: KinesisClient;
  before(async () => ({ server, client } = await startTestServer()));
  after(async () => {
    client.destroy();
    await server.close();
  });

  it('creates a stream, puts records and reads them back in order from every shard', async () => {
    const name = uniqueName();
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 3 }));
    await waitActive(client, name);
    const one = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'pk-0', Data: Buffer.from('hello') }));
    assert.match(one.SequenceNumber!, /^\d{56}$/);
    const batch = await client.send(
      new PutRecordsCommand({
        StreamName: name,
        Records: Array.from({ length: 50 }, (_, i) => ({ PartitionKey: `pk-${i}`, Data: Buffer.from(`record ${i}`) })),
      }),
    );
    assert.equal(batch.FailedRecordCount, 0);
    assert.equal(batch.Records!.length, 50);
    const shards = (await client.send(new ListShardsCommand({ StreamName: name }))).Shards!;
    assert.equal(shards.length, 3);
    const got: string[] = [];
    for (const s of shards) {
      const it0 = await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: s.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }));
      const r = await client.send(new GetRecordsCommand({ ShardIterator: it0.ShardIterator! }));
      let prev = '';
      for (const rec of r.Records!) {
        assert.ok(rec.SequenceNumber! > prev, 'sequence numbers increase within a shard');
        prev = rec.SequenceNumber!;
        got.push(Buffer.from(rec.Data!).toString());
      }
      assert.equal(r.MillisBehindLatest, 0);
      assert.ok(r.NextShardIterator);
    }
    assert.equal(got.length, 51);
    assert.ok(got.includes('hello'));
    for (let i = 0; i < 50; i++) assert.ok(got.includes(`record ${i}`));
  });
});
