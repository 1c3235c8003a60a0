/**
 * An application input over a stream that is resharded while it runs
 * (UpdateShardCount 2 → 4 → 2, SplitShard, MergeShards): the host reads each
 * parent to its end before its children, so every record reaches the output
 * once and the records of each partition key stay in order, live, on a backlog
 * replayed in small batches, and across a stop and a LAST_STOPPED_POINT start
 * with a reshard in between; shards an ON_DEMAND stream splits by itself are
 * picked up too. Real server, ManualClock, SDK clients.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  ListShardsCommand,
  MergeShardsCommand,
  PutRecordsCommand,
  SplitShardCommand,
  UpdateShardCountCommand,
  UpdateStreamModeCommand,
} from '@aws-sdk/client-kinesis';
import { CreateApplicationCommand, DescribeApplicationCommand, StopApplicationCommand } from '@aws-sdk/client-kinesis-analytics';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/index.ts';
import { readStream, ROLE, startApplication, startHarness, streamArn, uniqueName, type Harness } from './helpers.ts';

const KEYS = 12;

const CODE = `CREATE OR REPLACE STREAM "DEST" ("k" VARCHAR(8), "seq" INTEGER);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM "k", "seq" FROM "SOURCE_SQL_STREAM_001";`;

async function activate(h: Harness, stream: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await h.tick(0);
    const d = await h.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    if (d.StreamDescriptionSummary!.StreamStatus === 'ACTIVE') return;
    await h.tick(1000);
  }
  assert.fail(`${stream} did not become ACTIVE`);
}

async function createStream(h: Harness, name: string, shards: number): Promise<void> {
  await h.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  await activate(h, name);
}

async function createApp(h: Harness, app: string, input: string, dest: string): Promise<void> {
  await h.analytics.send(
    new CreateApplicationCommand({
      ApplicationName: app,
      Inputs: [
        {
          NamePrefix: 'SOURCE_SQL_STREAM',
          KinesisStreamsInput: { ResourceARN: streamArn(input), RoleARN: ROLE },
          InputSchema: {
            RecordFormat: { RecordFormatType: 'CSV', MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: ',' } } },
            RecordColumns: [
              { Name: 'k', SqlType: 'VARCHAR(8)' },
              { Name: 'seq', SqlType: 'INTEGER' },
            ],
          },
        },
      ],
      Outputs: [{ Name: 'DEST', KinesisStreamsOutput: { ResourceARN: streamArn(dest), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'CSV' } }],
      ApplicationCode: CODE,
    }),
  );
}

/** Puts seq `from`..`to`-1 of every key (one PutRecords per seq, keys spread over all shards). */
async function put(h: Harness, stream: string, from: number, to: number): Promise<void> {
  for (let seq = from; seq < to; seq++) {
    const records = [];
    for (let k = 0; k < KEYS; k++) records.push({ PartitionKey: `k${k}`, Data: Buffer.from(`k${k},${seq}`) });
    const res = await h.kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: records }));
    assert.equal(res.FailedRecordCount, 0);
  }
}

async function openShards(h: Harness, stream: string) {
  const { Shards } = await h.kinesis.send(new ListShardsCommand({ StreamName: stream, ShardFilter: { Type: 'AT_LATEST' } }));
  return Shards!.slice().sort((a, b) => (BigInt(a.HashKeyRange!.StartingHashKey!) < BigInt(b.HashKeyRange!.StartingHashKey!) ? -1 : 1));
}

async function updateShardCount(h: Harness, stream: string, target: number): Promise<void> {
  await h.kinesis.send(new UpdateShardCountCommand({ StreamName: stream, TargetShardCount: target, ScalingType: 'UNIFORM_SCALING' }));
  await activate(h, stream);
  assert.equal((await openShards(h, stream)).length, target);
}

async function splitFirst(h: Harness, stream: string): Promise<void> {
  const [s] = await openShards(h, stream);
  const lo = BigInt(s!.HashKeyRange!.StartingHashKey!);
  const hi = BigInt(s!.HashKeyRange!.EndingHashKey!);
  await h.kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: s!.ShardId!, NewStartingHashKey: ((lo + hi) / 2n).toString() }));
  await activate(h, stream);
}

async function mergeFirstTwo(h: Harness, stream: string): Promise<void> {
  const [a, b] = await openShards(h, stream);
  await h.kinesis.send(new MergeShardsCommand({ StreamName: stream, ShardToMerge: a!.ShardId!, AdjacentShardToMerge: b!.ShardId! }));
  await activate(h, stream);
}

/** The output's seqs per key, in output order (the output stream has one shard). */
async function outputByKey(h: Harness, dest: string): Promise<Map<string, number[]>> {
  const byKey = new Map<string, number[]>();
  for (const line of await readStream(h, dest)) {
    const [k, seq] = line.trim().split(',');
    const list = byKey.get(k!) ?? [];
    list.push(Number(seq));
    byKey.set(k!, list);
  }
  return byKey;
}

function assertExactlyOnceInOrder(byKey: Map<string, number[]>, count: number): void {
  assert.equal(byKey.size, KEYS);
  const all = Array.from({ length: count }, (_, i) => i);
  for (const [k, seqs] of byKey) assert.deepEqual(seqs, all, `records of ${k}: every one once, in order`);
}

describe('Kinesis Analytics: inputs follow resharding', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('live input through UpdateShardCount 2 → 4 → 2, SplitShard and MergeShards: every record once, per-key order kept', async () => {
    const input = uniqueName('rs-in');
    const dest = uniqueName('rs-out');
    const app = uniqueName('rs-app');
    await createStream(h, input, 2);
    await createStream(h, dest, 1);
    await createApp(h, app, input, dest);
    await startApplication(h, app, 'NOW');
    await put(h, input, 0, 10);
    await updateShardCount(h, input, 4);
    await put(h, input, 10, 20);
    await updateShardCount(h, input, 2);
    await put(h, input, 20, 30);
    await splitFirst(h, input);
    await put(h, input, 30, 40);
    await mergeFirstTwo(h, input);
    await put(h, input, 40, 50);
    await h.tick(2000);
    await h.tick(2000);
    assertExactlyOnceInOrder(await outputByKey(h, dest), 50);
    const stats = h.service.host.stats(app)!;
    assert.equal(stats.recordsRead, 50 * KEYS);
    assert.equal(stats.parseErrors, 0);
  });

  it('a backlog over parents and children, replayed from TRIM_HORIZON in small batches: parents before children', async () => {
    const small = await startHarness({ analytics: { readBatch: 4 } });
    try {
      const input = uniqueName('rs-bl-in');
      const dest = uniqueName('rs-bl-out');
      const app = uniqueName('rs-bl-app');
      await createStream(small, input, 2);
      await createStream(small, dest, 1);
      // Every shard of the lineage holds records before the application starts.
      await put(small, input, 0, 8);
      await updateShardCount(small, input, 4);
      await put(small, input, 8, 16);
      await updateShardCount(small, input, 2);
      await put(small, input, 16, 24);
      await splitFirst(small, input);
      await put(small, input, 24, 32);
      await mergeFirstTwo(small, input);
      await put(small, input, 32, 40);
      const { Shards } = await small.kinesis.send(new ListShardsCommand({ StreamName: input }));
      assert.equal(Shards!.length, 2 + 4 + 2 + 2 + 1);
      await createApp(small, app, input, dest);
      await startApplication(small, app, 'TRIM_HORIZON');
      await small.tick(2000);
      await small.tick(2000);
      assertExactlyOnceInOrder(await outputByKey(small, dest), 40);
    } finally {
      await small.close();
    }
  });

  it('stop, reshard while stopped, start at LAST_STOPPED_POINT: finished parents are not re-read, children not skipped', async () => {
    const input = uniqueName('rs-lsp-in');
    const dest = uniqueName('rs-lsp-out');
    const app = uniqueName('rs-lsp-app');
    await createStream(h, input, 2);
    await createStream(h, dest, 1);
    await createApp(h, app, input, dest);
    await startApplication(h, app, 'NOW');
    await put(h, input, 0, 10);
    await updateShardCount(h, input, 4);
    await put(h, input, 10, 20);
    await h.tick(1000);
    await h.analytics.send(new StopApplicationCommand({ ApplicationName: app }));
    await h.tick(0);
    // While stopped: the four shards close and two new ones take the records.
    await put(h, input, 20, 25);
    await updateShardCount(h, input, 2);
    await put(h, input, 25, 35);
    await startApplication(h, app, 'LAST_STOPPED_POINT');
    await put(h, input, 35, 40);
    await h.tick(2000);
    await h.tick(2000);
    // A clean stop checkpoints after the outputs are written, so nothing is read twice either.
    assertExactlyOnceInOrder(await outputByKey(h, dest), 40);
  });

  it('an ON_DEMAND stream that splits a hot shard by itself: the children are picked up, per-key order kept', async () => {
    const input = uniqueName('rs-od-in');
    const dest = uniqueName('rs-od-out');
    const app = uniqueName('rs-od-app');
    await createStream(h, input, 1);
    await createStream(h, dest, 1);
    await h.kinesis.send(new UpdateStreamModeCommand({ StreamARN: h.server.kinesis.arnFor(input), StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
    await activate(h, input);
    await createApp(h, app, input, dest);
    await startApplication(h, app, 'NOW');
    // 600 records/s for a scaling check interval (60 s of clock time) is above ON_DEMAND's 500 records/s split threshold.
    const keys = 7;
    const next = new Array<number>(keys).fill(0);
    const before = (await h.kinesis.send(new ListShardsCommand({ StreamName: input }))).Shards!.length;
    for (let sec = 0; sec < 62; sec++) {
      for (let b = 0; b < 2; b++) {
        const Records = [];
        for (let i = 0; i < 300; i++) {
          const k = i % keys;
          Records.push({ PartitionKey: `k${k}`, Data: Buffer.from(`k${k},${next[k]!++}`) });
        }
        const res = await h.kinesis.send(new PutRecordsCommand({ StreamName: input, Records }));
        assert.equal(res.FailedRecordCount, 0);
      }
      await h.tick(1000);
    }
    await activate(h, input);
    const after = (await h.kinesis.send(new ListShardsCommand({ StreamName: input }))).Shards!;
    assert.ok(after.length > before, 'the hot shard split');
    // After the split: more records, which land in the children.
    for (let round = 0; round < 3; round++) {
      const Records = [];
      for (let k = 0; k < keys; k++) Records.push({ PartitionKey: `k${k}`, Data: Buffer.from(`k${k},${next[k]!++}`) });
      await h.kinesis.send(new PutRecordsCommand({ StreamName: input, Records }));
    }
    await h.tick(2000);
    await h.tick(2000);
    const byKey = await outputByKey(h, dest);
    assert.equal(byKey.size, keys);
    for (const [k, seqs] of byKey) {
      const n = next[Number(k.slice(1))]!;
      assert.equal(seqs.length, n, `records of ${k}`);
      for (let i = 0; i < n; i++) if (seqs[i] !== i) assert.fail(`records of ${k}: position ${i} holds ${seqs[i]}`);
    }
  });

  it('a server restart on file storage between two reshards: the application resumes every shard where it checkpointed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kda-reshard-'));
    const clock = new ManualClock();
    const input = uniqueName('rs-rst-in');
    const dest = uniqueName('rs-rst-out');
    const app = uniqueName('rs-rst-app');
    let r = await startHarness({ storage: 'file', dataDir: dir, clock });
    try {
      try {
        await createStream(r, input, 2);
        await createStream(r, dest, 1);
        await createApp(r, app, input, dest);
        await startApplication(r, app, 'NOW');
        await put(r, input, 0, 10);
        await updateShardCount(r, input, 4);
        await put(r, input, 10, 20);
        await r.tick(1000);
      } finally {
        await r.close();
      }
      r = await startHarness({ storage: 'file', dataDir: dir, clock });
      const { ApplicationDetail: d } = await r.analytics.send(new DescribeApplicationCommand({ ApplicationName: app }));
      assert.equal(d!.ApplicationStatus, 'RUNNING');
      await put(r, input, 20, 25);
      await updateShardCount(r, input, 2);
      await put(r, input, 25, 35);
      await r.tick(2000);
      await r.tick(2000);
      // The shutdown checkpoint follows the written outputs: nothing is missing or repeated.
      assertExactlyOnceInOrder(await outputByKey(r, dest), 35);
    } finally {
      await r.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
