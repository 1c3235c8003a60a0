/**
 * Round trips for every implemented Kinesis action through @aws-sdk/client-kinesis
 * against a real server, including pagination and every iterator type.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DeleteStreamCommand,
  DescribeLimitsCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  ListShardsCommand,
  ListStreamsCommand,
  ListTagsForResourceCommand,
  ListTagsForStreamCommand,
  PutRecordCommand,
  PutRecordsCommand,
  RemoveTagsFromStreamCommand,
  TagResourceCommand,
  UntagResourceCommand,
  ResourceNotFoundException,
  ResourceInUseException,
  LimitExceededException,
  InvalidArgumentException,
} from '@aws-sdk/client-kinesis';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { FreshetServer } from '../../src/server/index.ts';
import { evenHashKeyRanges } from '../../src/kinesis/index.ts';
import { startTestServer, uniqueName, waitActive } from './helpers.ts';

describe('Kinesis actions over the SDK', () => {
  let server: FreshetServer;
  let client: KinesisClient;
  before(async () => ({ server, client } = await startTestServer({ shardLimit: 60 })));
  after(async () => {
    client.destroy();
    await server.close();
  });

  async function stream(shards: number, prefix = 'act'): Promise<string> {
    const name = uniqueName(prefix);
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
    await waitActive(client, name);
    return name;
  }
  async function drop(name: string): Promise<void> {
    await client.send(new DeleteStreamCommand({ StreamName: name }));
  }

  describe('CreateStream / DescribeStream / DeleteStream', () => {
    it('splits the hash space evenly and describes the stream as AWS does', async () => {
      const name = await stream(3);
      const d = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription!;
      assert.equal(d.StreamName, name);
      assert.equal(d.StreamARN, `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`);
      assert.equal(d.StreamStatus, 'ACTIVE');
      assert.equal(d.StreamModeDetails?.StreamMode, 'PROVISIONED');
      assert.equal(d.RetentionPeriodHours, 24);
      assert.equal(d.HasMoreShards, false);
      assert.equal(d.EncryptionType, 'NONE');
      assert.ok(d.StreamCreationTimestamp instanceof Date);
      assert.deepEqual(
        d.Shards!.map((s) => s.ShardId),
        ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002'],
      );
      assert.equal(d.Shards![0]!.HashKeyRange!.StartingHashKey, '0');
      assert.equal(d.Shards![0]!.HashKeyRange!.EndingHashKey, '113427455640312821154458202477256070484');
      assert.equal(d.Shards![2]!.HashKeyRange!.EndingHashKey, '340282366920938463463374607431768211455');
      for (const s of d.Shards!) assert.match(s.SequenceNumberRange!.StartingSequenceNumber!, /^\d{56}$/);
      await drop(name);
    });

    it('starts ON_DEMAND streams with 4 shards', async () => {
      const name = uniqueName('od');
      await client.send(new CreateStreamCommand({ StreamName: name, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
      await waitActive(client, name);
      const s = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!;
      assert.equal(s.StreamModeDetails?.StreamMode, 'ON_DEMAND');
      assert.equal(s.OpenShardCount, 4);
      assert.equal(s.ConsumerCount, 0);
      const limits = await client.send(new DescribeLimitsCommand({}));
      assert.equal(limits.OnDemandStreamCount, 1);
      await drop(name);
    });

    it('paginates DescribeStream with Limit and ExclusiveStartShardId', async () => {
      const name = await stream(5);
      const p1 = (await client.send(new DescribeStreamCommand({ StreamName: name, Limit: 2 }))).StreamDescription!;
      assert.deepEqual(
        p1.Shards!.map((s) => s.ShardId),
        ['shardId-000000000000', 'shardId-000000000001'],
      );
      assert.equal(p1.HasMoreShards, true);
      const p2 = (await client.send(new DescribeStreamCommand({ StreamName: name, Limit: 10, ExclusiveStartShardId: 'shardId-000000000001' })))
        .StreamDescription!;
      assert.deepEqual(
        p2.Shards!.map((s) => s.ShardId),
        ['shardId-000000000002', 'shardId-000000000003', 'shardId-000000000004'],
      );
      assert.equal(p2.HasMoreShards, false);
      await drop(name);
    });

    it('refuses a duplicate name with ResourceInUseException and an unknown one with ResourceNotFoundException', async () => {
      const name = await stream(1);
      await assert.rejects(client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 })), (e: unknown) => {
        assert.ok(e instanceof ResourceInUseException);
        assert.equal(e.message, `Stream ${name} under account 000000000000 already exists.`);
        return true;
      });
      await drop(name);
      await assert.rejects(client.send(new DescribeStreamCommand({ StreamName: 'no-such-stream' })), (e: unknown) => {
        assert.ok(e instanceof ResourceNotFoundException);
        assert.equal(e.message, 'Stream no-such-stream under account 000000000000 not found.');
        return true;
      });
    });

    it('enforces the account shard limit with AWS text', async () => {
      const name = uniqueName('big');
      const open = (await client.send(new DescribeLimitsCommand({}))).OpenShardCount!;
      await assert.rejects(client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 61 })), (e: unknown) => {
        assert.ok(e instanceof LimitExceededException);
        assert.equal(
          e.message,
          `This request would exceed the shard limit for the account 000000000000 in us-east-1. Current shard count for the account: ${open}. Limit: 60. ` +
            'Number of additional shards that would have resulted from this request: 61. Refer to the AWS Service Limits page ' +
            '(http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.',
        );
        return true;
      });
    });

    it('accepts StreamARN in place of StreamName', async () => {
      const name = await stream(1);
      const arn = `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`;
      const s = await client.send(new DescribeStreamSummaryCommand({ StreamARN: arn }));
      assert.equal(s.StreamDescriptionSummary!.StreamName, name);
      const put = await client.send(new PutRecordCommand({ StreamARN: arn, PartitionKey: 'k', Data: Buffer.from('x') }));
      assert.equal(put.ShardId, 'shardId-000000000000');
      await client.send(new DeleteStreamCommand({ StreamARN: arn, EnforceConsumerDeletion: true }));
    });
  });

  describe('ListStreams', () => {
    it('pages with Limit, ExclusiveStartStreamName and NextToken, with summaries', async () => {
      const prefix = uniqueName('ls');
      const names = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];
      for (const n of names) await client.send(new CreateStreamCommand({ StreamName: n, ShardCount: 1 }));
      for (const n of names) await waitActive(client, n);
      const all = (await client.send(new ListStreamsCommand({}))).StreamNames!;
      const mine = all.filter((n) => n.startsWith(prefix));
      assert.deepEqual(mine, names);
      const p1 = await client.send(new ListStreamsCommand({ Limit: 1, ExclusiveStartStreamName: names[0] }));
      assert.deepEqual(p1.StreamNames, [names[1]]);
      assert.equal(p1.HasMoreStreams, true);
      assert.equal(p1.StreamSummaries![0]!.StreamARN, `arn:aws:kinesis:us-east-1:000000000000:stream/${names[1]}`);
      assert.equal(p1.StreamSummaries![0]!.StreamStatus, 'ACTIVE');
      const p2 = await client.send(new ListStreamsCommand({ Limit: 1, NextToken: p1.NextToken }));
      assert.deepEqual(p2.StreamNames, [names[2]]);
      for (const n of names) await drop(n);
    });
  });

  describe('ListShards', () => {
    it('pages with MaxResults and NextToken, and filters', async () => {
      const name = await stream(5);
      const p1 = await client.send(new ListShardsCommand({ StreamName: name, MaxResults: 2 }));
      assert.deepEqual(
        p1.Shards!.map((s) => s.ShardId),
        ['shardId-000000000000', 'shardId-000000000001'],
      );
      assert.ok(p1.NextToken);
      const p2 = await client.send(new ListShardsCommand({ NextToken: p1.NextToken, MaxResults: 2 }));
      assert.deepEqual(
        p2.Shards!.map((s) => s.ShardId),
        ['shardId-000000000002', 'shardId-000000000003'],
      );
      const p3 = await client.send(new ListShardsCommand({ NextToken: p2.NextToken }));
      assert.deepEqual(
        p3.Shards!.map((s) => s.ShardId),
        ['shardId-000000000004'],
      );
      assert.equal(p3.NextToken, undefined);
      const after = await client.send(new ListShardsCommand({ StreamName: name, ExclusiveStartShardId: 'shardId-000000000003' }));
      assert.deepEqual(
        after.Shards!.map((s) => s.ShardId),
        ['shardId-000000000004'],
      );
      const filtered = await client.send(new ListShardsCommand({ StreamName: name, ShardFilter: { Type: 'AFTER_SHARD_ID', ShardId: 'shardId-000000000002' } }));
      assert.deepEqual(
        filtered.Shards!.map((s) => s.ShardId),
        ['shardId-000000000003', 'shardId-000000000004'],
      );
      const latest = await client.send(new ListShardsCommand({ StreamName: name, ShardFilter: { Type: 'AT_LATEST' } }));
      assert.equal(latest.Shards!.length, 5);
      const ranges = evenHashKeyRanges(5);
      assert.equal(latest.Shards![4]!.HashKeyRange!.StartingHashKey, ranges[4]!.startingHashKey.toString());
      await assert.rejects(client.send(new ListShardsCommand({ StreamName: name, NextToken: p1.NextToken })), (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentException);
        assert.equal(e.message, 'NextToken and StreamName cannot be provided together.');
        return true;
      });
      await assert.rejects(client.send(new ListShardsCommand({ NextToken: p1.NextToken, ExclusiveStartShardId: 'shardId-000000000000' })), {
        name: 'InvalidArgumentException',
        message: 'NextToken and ExclusiveStartShardId cannot be provided together.',
      });
      await assert.rejects(client.send(new ListShardsCommand({ NextToken: p1.NextToken, ShardFilter: { Type: 'AT_LATEST' } })), {
        name: 'InvalidArgumentException',
        message: 'NextToken and ShardFilter cannot be provided together.',
      });
      await assert.rejects(client.send(new ListShardsCommand({})), /Either NextToken or StreamName should be provided\./);
      await drop(name);
    });
  });

  describe('PutRecord / PutRecords / GetShardIterator / GetRecords', () => {
    it('routes by MD5 of the partition key and by ExplicitHashKey', async () => {
      const name = await stream(4);
      // MD5('a') = 0cc175b9... which lies in the first quarter of the hash space.
      const a = await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'a', Data: Buffer.from('1') }));
      assert.equal(a.ShardId, 'shardId-000000000000');
      const ranges = evenHashKeyRanges(4);
      const last = await client.send(
        new PutRecordCommand({ StreamName: name, PartitionKey: 'a', ExplicitHashKey: ranges[3]!.startingHashKey.toString(), Data: Buffer.from('2') }),
      );
      assert.equal(last.ShardId, 'shardId-000000000003');
      const edge = await client.send(
        new PutRecordCommand({ StreamName: name, PartitionKey: 'a', ExplicitHashKey: ranges[2]!.endingHashKey.toString(), Data: Buffer.from('3') }),
      );
      assert.equal(edge.ShardId, 'shardId-000000000002');
      await assert.rejects(
        client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'a', ExplicitHashKey: (1n << 128n).toString(), Data: Buffer.from('x') })),
        (e: unknown) => {
          assert.ok(e instanceof InvalidArgumentException);
          assert.equal(
            e.message,
            'Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was 340282366920938463463374607431768211456',
          );
          return true;
        },
      );
      const ordered = await client.send(
        new PutRecordCommand({ StreamName: name, PartitionKey: 'a', Data: Buffer.from('4'), SequenceNumberForOrdering: a.SequenceNumber }),
      );
      assert.ok(ordered.SequenceNumber! > a.SequenceNumber!);
      // A layout version AWS does not know (4).
      const version4 = BigInt('0x20000000000000000000000000000000000000000000004').toString();
      await assert.rejects(
        client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'a', Data: Buffer.from('5'), SequenceNumberForOrdering: version4 })),
        {
          name: 'InvalidArgumentException',
          message: `ExclusiveMinimumSequenceNumber ${version4} used in PutRecord on stream ${name} under account 000000000000 is invalid.`,
        },
      );
      await drop(name);
    });

    it('reads with every iterator type', async () => {
      const name = await stream(1);
      const shard = 'shardId-000000000000';
      const put = await client.send(
        new PutRecordsCommand({
          StreamName: name,
          Records: Array.from({ length: 10 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from(`r${i}`) })),
        }),
      );
      const seqs = put.Records!.map((r) => r.SequenceNumber!);
      for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i]! > seqs[i - 1]!);
      const read = async (type: string, extra: Record<string, unknown> = {}) => {
        const it0 = await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shard, ShardIteratorType: type as 'LATEST', ...extra }));
        return client.send(new GetRecordsCommand({ ShardIterator: it0.ShardIterator! }));
      };
      const th = await read('TRIM_HORIZON');
      assert.deepEqual(
        th.Records!.map((r) => Buffer.from(r.Data!).toString()),
        Array.from({ length: 10 }, (_, i) => `r${i}`),
      );
      assert.deepEqual(
        th.Records!.map((r) => r.SequenceNumber),
        seqs,
      );
      assert.deepEqual(
        th.Records!.map((r) => r.PartitionKey),
        Array.from({ length: 10 }, (_, i) => `k${i}`),
      );
      assert.ok(th.Records![0]!.ApproximateArrivalTimestamp instanceof Date);
      const at = await read('AT_SEQUENCE_NUMBER', { StartingSequenceNumber: seqs[4] });
      assert.equal(at.Records![0]!.SequenceNumber, seqs[4]);
      assert.equal(at.Records!.length, 6);
      const afterSeq = await read('AFTER_SEQUENCE_NUMBER', { StartingSequenceNumber: seqs[4] });
      assert.equal(afterSeq.Records![0]!.SequenceNumber, seqs[5]);
      const latest = await read('LATEST');
      assert.equal(latest.Records!.length, 0);
      const ts = await read('AT_TIMESTAMP', { Timestamp: new Date(Date.now() - 60_000) });
      assert.equal(ts.Records!.length, 10);
      // LATEST then a new put: the iterator sees exactly the new record.
      const li = await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shard, ShardIteratorType: 'LATEST' }));
      await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'z', Data: Buffer.from('new') }));
      const got = await client.send(new GetRecordsCommand({ ShardIterator: li.ShardIterator! }));
      assert.deepEqual(
        got.Records!.map((r) => Buffer.from(r.Data!).toString()),
        ['new'],
      );
      await drop(name);
    });

    it('honours Limit, chains NextShardIterator and reports MillisBehindLatest', async () => {
      const name = await stream(1);
      await client.send(
        new PutRecordsCommand({ StreamName: name, Records: Array.from({ length: 25 }, (_, i) => ({ PartitionKey: 'p', Data: Buffer.from(String(i)) })) }),
      );
      let iter = (await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' })))
        .ShardIterator!;
      const seen: string[] = [];
      const sizes: number[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await client.send(new GetRecordsCommand({ ShardIterator: iter, Limit: 10 }));
        sizes.push(r.Records!.length);
        for (const x of r.Records!) seen.push(Buffer.from(x.Data!).toString());
        if (sizes.length === 1) assert.ok(r.MillisBehindLatest! >= 0);
        if (r.Records!.length < 10) assert.equal(r.MillisBehindLatest, 0);
        iter = r.NextShardIterator!;
      }
      assert.deepEqual(sizes, [10, 10, 5, 0]);
      assert.deepEqual(
        seen,
        Array.from({ length: 25 }, (_, i) => String(i)),
      );
      await drop(name);
    });

    it('rejects a sequence number of another shard, or one AWS cannot read, with AWS texts', async () => {
      const a = await stream(2);
      const pa = await client.send(new PutRecordCommand({ StreamName: a, PartitionKey: 'k', ExplicitHashKey: '0', Data: Buffer.from('x') }));
      await assert.rejects(
        client.send(
          new GetShardIteratorCommand({
            StreamName: a,
            ShardId: 'shardId-000000000001',
            ShardIteratorType: 'AT_SEQUENCE_NUMBER',
            StartingSequenceNumber: pa.SequenceNumber,
          }),
        ),
        {
          name: 'InvalidArgumentException',
          message: 'Invalid StartingSequenceNumber. It encodes shardId-000000000000, while it was used in a call to a shard with shardId-000000000001',
        },
      );
      // AWS reads a small number as 2^124 + n: version 0, the shard index in its low 16 bits.
      await assert.rejects(
        client.send(
          new GetShardIteratorCommand({
            StreamName: a,
            ShardId: 'shardId-000000000000',
            ShardIteratorType: 'AT_SEQUENCE_NUMBER',
            StartingSequenceNumber: '12345',
          }),
        ),
        {
          name: 'InvalidArgumentException',
          message: 'Invalid StartingSequenceNumber. It encodes shardId-000000012345, while it was used in a call to a shard with shardId-000000000000',
        },
      );
      const unreadable = BigInt('0x20000000000800000000000000000000000000000000002').toString();
      await assert.rejects(
        client.send(
          new GetShardIteratorCommand({
            StreamName: a,
            ShardId: 'shardId-000000000000',
            ShardIteratorType: 'AT_SEQUENCE_NUMBER',
            StartingSequenceNumber: unreadable,
          }),
        ),
        {
          name: 'InvalidArgumentException',
          message: `StartingSequenceNumber ${unreadable} used in GetShardIterator on shard shardId-000000000000 in stream ${a} under account 000000000000 is invalid.`,
        },
      );
      await assert.rejects(
        client.send(
          new GetShardIteratorCommand({
            StreamName: a,
            ShardId: 'shardId-000000000000',
            ShardIteratorType: 'LATEST',
            StartingSequenceNumber: pa.SequenceNumber,
          }),
        ),
        {
          name: 'InvalidArgumentException',
          message:
            'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified LATEST and also a StartingSequenceNumber.',
        },
      );
      await assert.rejects(
        client.send(new GetShardIteratorCommand({ StreamName: a, ShardId: 'shardId-000000000000', ShardIteratorType: 'AT_SEQUENCE_NUMBER' })),
        {
          name: 'InvalidArgumentException',
          message:
            'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified AT_SEQUENCE_NUMBER and no StartingSequenceNumber.',
        },
      );
      await assert.rejects(client.send(new GetShardIteratorCommand({ StreamName: a, ShardId: 'shardId-000000000009', ShardIteratorType: 'LATEST' })), {
        name: 'ResourceNotFoundException',
        message: `Shard shardId-000000000009 in stream ${a} under account 000000000000 does not exist`,
      });
      await assert.rejects(client.send(new GetShardIteratorCommand({ StreamName: a, ShardId: 'nope', ShardIteratorType: 'LATEST' })), {
        name: 'ResourceNotFoundException',
        message: `Could not find shard nope in stream ${a} under account 000000000000.`,
      });
      await assert.rejects(client.send(new GetShardIteratorCommand({ StreamName: a, ShardId: 'shardId-000000000000', ShardIteratorType: 'AT_TIMESTAMP' })), {
        name: 'InvalidArgumentException',
        message: 'Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.',
      });
      await assert.rejects(client.send(new GetRecordsCommand({ ShardIterator: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })), {
        name: 'InvalidArgumentException',
        message: 'Invalid ShardIterator.',
      });
      await drop(a);
    });

    it('refuses puts to a missing stream and batches over 5 MiB', async () => {
      await assert.rejects(client.send(new PutRecordCommand({ StreamName: 'missing', PartitionKey: 'k', Data: Buffer.from('x') })), {
        name: 'ResourceNotFoundException',
        message: 'Stream missing under account 000000000000 not found.',
      });
      const name = await stream(1);
      const mib = Buffer.alloc(1024 * 1024 - 10, 1);
      await assert.rejects(
        client.send(
          new PutRecordsCommand({
            StreamName: name,
            Records: [...Array.from({ length: 5 }, () => ({ PartitionKey: 'k', Data: mib })), { PartitionKey: 'k', Data: Buffer.alloc(100_000) }],
          }),
        ),
        { name: 'InvalidArgumentException', message: 'Records size exceeds 5 MB limit' },
      );
      await drop(name);
    });
  });

  describe('retention', () => {
    it('increases and decreases within 24–8760 hours with AWS texts', async () => {
      const name = await stream(1);
      await client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 48 }));
      assert.equal((await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!.RetentionPeriodHours, 48);
      await assert.rejects(client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 30 })), {
        name: 'InvalidArgumentException',
        message: `Requested retention period (30 hours) for stream ${name} can not be shorter than existing retention period (48 hours). Use DecreaseRetentionPeriod API.`,
      });
      await assert.rejects(client.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 72 })), {
        name: 'InvalidArgumentException',
        message: `Requested retention period (72 hours) for stream ${name} can not be longer than existing retention period (48 hours). Use IncreaseRetentionPeriod API.`,
      });
      await assert.rejects(client.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 12 })), {
        name: 'InvalidArgumentException',
        message: 'Minimum allowed retention period is 24 hours. Requested retention period (12 hours) is too short.',
      });
      await assert.rejects(client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 9000 })), {
        name: 'InvalidArgumentException',
        message: 'Maximum allowed retention period is 8760 hours. Requested retention period (9000 hours) is too long.',
      });
      await client.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 24 }));
      assert.equal((await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription!.RetentionPeriodHours, 24);
      await drop(name);
    });
  });

  describe('tags', () => {
    it('adds, lists (paged), removes by stream, and by resource ARN', async () => {
      const name = await stream(1);
      await client.send(new AddTagsToStreamCommand({ StreamName: name, Tags: { team: 'data', env: 'dev', cost: '42' } }));
      const p1 = await client.send(new ListTagsForStreamCommand({ StreamName: name, Limit: 2 }));
      assert.deepEqual(p1.Tags, [
        { Key: 'cost', Value: '42' },
        { Key: 'env', Value: 'dev' },
      ]);
      assert.equal(p1.HasMoreTags, true);
      const p2 = await client.send(new ListTagsForStreamCommand({ StreamName: name, ExclusiveStartTagKey: 'env' }));
      assert.deepEqual(p2.Tags, [{ Key: 'team', Value: 'data' }]);
      assert.equal(p2.HasMoreTags, false);
      await client.send(new RemoveTagsFromStreamCommand({ StreamName: name, TagKeys: ['cost'] }));
      const arn = `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`;
      await client.send(new TagResourceCommand({ ResourceARN: arn, Tags: { owner: 'me' } }));
      await client.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['env'] }));
      const r = await client.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
      assert.deepEqual(r.Tags, [
        { Key: 'owner', Value: 'me' },
        { Key: 'team', Value: 'data' },
      ]);
      await assert.rejects(client.send(new AddTagsToStreamCommand({ StreamName: name, Tags: { 'bad#key': 'v' } })), {
        name: 'InvalidArgumentException',
        message: 'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.',
      });
      await drop(name);
    });
  });

  describe('DescribeLimits', () => {
    it('reports the shard limit and open shards', async () => {
      const before = (await client.send(new DescribeLimitsCommand({}))).OpenShardCount!;
      const name = await stream(2);
      const r = await client.send(new DescribeLimitsCommand({}));
      assert.equal(r.ShardLimit, 60);
      assert.equal(r.OpenShardCount, before + 2);
      assert.equal(r.OnDemandStreamCountLimit, 50);
      await drop(name);
    });
  });
});

describe('GetRecords response encoding', () => {
  it('round-trips partition keys that need JSON escapes or are non-ASCII, and empty data', async () => {
    const { server, client } = await startTestServer();
    try {
      const name = uniqueName('esc');
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      await waitActive(client, name);
      const keys = ['"quoted"\\', '\u0001\u0002\n\t'.repeat(64), 'ключ-🔑', 'x'.repeat(256)];
      await client.send(
        new PutRecordsCommand({
          StreamName: name,
          Records: keys.map((k, i) => ({ PartitionKey: k, Data: i === 0 ? new Uint8Array(0) : Buffer.from(`d${i}`) })),
        }),
      );
      const it0 = (await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' })))
        .ShardIterator!;
      const r = await client.send(new GetRecordsCommand({ ShardIterator: it0 }));
      assert.deepEqual(
        r.Records!.map((x) => x.PartitionKey),
        keys,
      );
      assert.deepEqual(
        r.Records!.map((x) => Buffer.from(x.Data ?? new Uint8Array(0)).toString()),
        ['', 'd1', 'd2', 'd3'],
      );
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
