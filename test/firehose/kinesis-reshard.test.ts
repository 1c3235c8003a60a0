import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import {
  KinesisClient,
  CreateStreamCommand,
  PutRecordsCommand,
  SplitShardCommand,
  MergeShardsCommand,
  UpdateShardCountCommand,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { CreateDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ManualClock } from '../../src/core/index.ts';
import { FileStorage } from '../../src/storage/index.ts';
import { KinesisEngine } from '../../src/kinesis/index.ts';
import { startHarness, listFiles, readObject, s3Dest, enc, ROLE, START_MS } from './helpers.ts';
import type { Harness } from './helpers.ts';

const KEYS = Array.from({ length: 24 }, (_, i) => `key-${i}`);
const HALF = (2n ** 127n).toString();

/** `rounds` × KEYS records `<key>:<seq>`, seq counting per key from `from`. */
function roundRecords(from: number, perKey: number): { PartitionKey: string; Data: Uint8Array }[] {
  const out: { PartitionKey: string; Data: Uint8Array }[] = [];
  for (let s = from; s < from + perKey; s++) for (const k of KEYS) out.push({ PartitionKey: k, Data: enc(`${k}:${s}\n`) });
  return out;
}

/** Every delivered line, grouped by key, in delivered order (the buffers hold one object: file order = log order). */
async function deliveredByKey(root: string): Promise<Map<string, number[]>> {
  const files = await listFiles(root);
  assert.equal(files.length, 1, `one object expected, got ${files.join(', ')}`);
  const byKey = new Map<string, number[]>();
  for (const line of (await readObject(root, files[0]!)).toString().split('\n')) {
    if (!line) continue;
    const [k, s] = line.split(':');
    let l = byKey.get(k!);
    if (!l) byKey.set(k!, (l = []));
    l.push(Number(s));
  }
  return byKey;
}

function assertInOrderAndComplete(byKey: Map<string, number[]>, count: number): void {
  assert.deepEqual([...byKey.keys()].sort(), [...KEYS].sort());
  const expected = Array.from({ length: count }, (_, i) => i);
  for (const [k, seqs] of byKey) assert.deepEqual(seqs, expected, `order of ${k}`);
}

const kinesisClient = (url: string) =>
  new KinesisClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }) }),
  });

// One object per test: a large buffer, flushed by the 900 s interval at the end.
const BIG_BUFFER = { BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 900 } };

async function createFromKinesis(h: Harness, name: string, stream: string, bucket: string): Promise<void> {
  await h.client.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: name,
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: { KinesisStreamARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`, RoleARN: ROLE },
      ExtendedS3DestinationConfiguration: s3Dest(bucket, BIG_BUFFER) as never,
    }),
  );
  await h.tick(1000, name);
}

describe('KinesisStreamAsSource across resharding', () => {
  it('delivers every key in sequence order across SplitShard, MergeShards and UpdateShardCount', async () => {
    const h = await startHarness();
    const k = kinesisClient(h.server.url);
    try {
      await k.send(new CreateStreamCommand({ StreamName: 'rs', ShardCount: 2 }));
      await h.tick(1000);
      await createFromKinesis(h, 'rs-fh', 'rs', 'bkt-rs');
      const perKey = 5;
      let next = 0;
      const round = async () => {
        await k.send(new PutRecordsCommand({ StreamName: 'rs', Records: roundRecords(next, perKey) }));
        next += perKey;
      };
      await round();
      // Shard 0 covers [0, 2^127): split it in half → shards 2 and 3.
      await k.send(new SplitShardCommand({ StreamName: 'rs', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (2n ** 126n).toString() }));
      await h.tick(1000, 'rs-fh');
      await round();
      await k.send(new MergeShardsCommand({ StreamName: 'rs', ShardToMerge: 'shardId-000000000002', AdjacentShardToMerge: 'shardId-000000000003' }));
      await h.tick(1000, 'rs-fh');
      await round();
      await k.send(new UpdateShardCountCommand({ StreamName: 'rs', TargetShardCount: 4, ScalingType: 'UNIFORM_SCALING' }));
      await h.tick(1000, 'rs-fh');
      await round();
      await k.send(new UpdateShardCountCommand({ StreamName: 'rs', TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING' }));
      await h.tick(1000, 'rs-fh');
      await round();
      const shards = (await k.send(new ListShardsCommand({ StreamName: 'rs' }))).Shards!;
      assert.ok(shards.filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined).length === 2);
      assert.ok(shards.length > 6, 'the stream went through several generations of shards');
      for (let i = 0; i < 3; i++) await h.tick(10_000, 'rs-fh');
      await h.tick(900_000, 'rs-fh');
      assertInOrderAndComplete(await deliveredByKey(join(h.dir, 's3', 'bkt-rs')), next);
    } finally {
      k.destroy();
      await h.close();
    }
  });

  it("after a restart, reads a closed parent's backlog to its end before its children, then neither skips nor re-reads", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'freshet-fh-reshard-'));
    const clock = new ManualClock(START_MS);
    const storage = () => new FileStorage({ dataDir: dir, fsync: { kind: 'always' }, clock });
    try {
      let h = await startHarness({ dir, clock, storage: storage() });
      const k = kinesisClient(h.server.url);
      await k.send(new CreateStreamCommand({ StreamName: 'rb', ShardCount: 1 }));
      await h.tick(1000);
      await createFromKinesis(h, 'rb-fh', 'rb', 'bkt-rb');
      await k.send(new PutRecordsCommand({ StreamName: 'rb', Records: roundRecords(0, 2) }));
      await h.settle('rb-fh');
      k.destroy();
      await h.close();

      // While the delivery stream is down: a backlog larger than one copy batch (1,000) in the parent,
      // then a split, more records in the children, a merge, more records in the merged shard, UpdateShardCount 1 → 2 and more.
      const fs = storage();
      await fs.open();
      const kin = await KinesisEngine.open({
        storage: fs,
        clock,
        region: 'us-east-1',
        accountId: '000000000000',
        shardLimit: 500,
        createDelayMs: 5,
        deleteDelayMs: 5,
        updateDelayMs: 5,
      });
      let next = 2;
      const put = async (perKey: number) => {
        const recs = roundRecords(next, perKey);
        for (let i = 0; i < recs.length; i += 500)
          await kin.putRecords(
            'rb',
            recs.slice(i, i + 500).map((r) => ({ partitionKey: r.PartitionKey, data: r.Data })),
          );
        next += perKey;
      };
      const reshardDone = async () => {
        clock.advance(100);
        for (let i = 0; i < 20 && kin.describe('rb').status !== 'ACTIVE'; i++) await new Promise((r) => setTimeout(r, 5));
        assert.equal(kin.describe('rb').status, 'ACTIVE');
      };
      await put(60); // 1,440 records in shard 0
      await kin.splitShard('rb', 'shardId-000000000000', HALF);
      await reshardDone();
      await put(50);
      await kin.mergeShards('rb', 'shardId-000000000001', 'shardId-000000000002');
      await reshardDone();
      await put(10);
      await kin.updateShardCount('rb', 2);
      await reshardDone();
      await put(10);
      await kin.close();
      await fs.close();

      h = await startHarness({ dir, clock, storage: storage() });
      for (let i = 0; i < 3; i++) await h.tick(10_000, 'rb-fh');
      await h.tick(900_000, 'rb-fh');
      assertInOrderAndComplete(await deliveredByKey(join(dir, 's3', 'bkt-rb')), next);
      await h.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
