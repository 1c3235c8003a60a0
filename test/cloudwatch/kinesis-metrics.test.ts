import { describe, it, before, after } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { CloudWatchClient, GetMetricStatisticsCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import type { Statistic } from '@aws-sdk/client-cloudwatch';
import {
  CreateStreamCommand,
  DisableEnhancedMonitoringCommand,
  EnableEnhancedMonitoringCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  DescribeStreamConsumerCommand,
  SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
import { ManualClock } from '../../src/core/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { startTestServer, waitActive } from '../kinesis/helpers.ts';
import { awsCli, python3 } from '../helpers/third-party-clients.ts';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const credentials = { accessKeyId: 'AKID', secretAccessKey: 'secret' };
const HOUR = 3_600_000;

describe('AWS/Kinesis metrics', () => {
  let server: FreshetServer;
  let clock: ManualClock;
  let kinesis: KinesisClient;
  let cw: CloudWatchClient;

  before(async () => {
    clock = new ManualClock(T0);
    server = await startServer({ storage: 'memory', clock, metrics: { evaluationDelayMs: 0 } });
    kinesis = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    cw = new CloudWatchClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  });
  after(async () => {
    kinesis.destroy();
    cw.destroy();
    await server.close();
  });

  async function createStream(name: string, shards: number): Promise<void> {
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
    clock.advance(10);
    await server.kinesis.whenIdle();
  }

  async function stat(metric: string, statistic: Statistic, dims: Record<string, string>, period = HOUR): Promise<number | undefined> {
    const r = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/Kinesis',
        MetricName: metric,
        Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
        StartTime: new Date(T0 - HOUR),
        EndTime: new Date(T0 + 2 * HOUR),
        Period: period,
        Statistics: [statistic],
      }),
    );
    return r.Datapoints?.[0]?.[statistic];
  }

  async function readAll(stream: string, shardId: string): Promise<{ records: number; bytes: number }> {
    const it = await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
    const r = await kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator! }));
    return { records: r.Records!.length, bytes: r.Records!.reduce((n, x) => n + x.Data!.length, 0) };
  }

  it('counts what was written and read per stream: Incoming*, PutRecord.*, PutRecords.*, GetRecords.*', async () => {
    await createStream('orders', 2);
    const data = (i: number) => new TextEncoder().encode(`{"order":${i},"pad":"${'x'.repeat(i)}"}`);
    let written = 0;
    for (let i = 0; i < 3; i++) {
      await kinesis.send(new PutRecordCommand({ StreamName: 'orders', PartitionKey: `k${i}`, Data: data(i) }));
      written += data(i).length;
    }
    const batch = Array.from({ length: 10 }, (_, i) => ({ PartitionKey: `p${i}`, Data: data(10 + i) }));
    const put = await kinesis.send(new PutRecordsCommand({ StreamName: 'orders', Records: batch }));
    assert.equal(put.FailedRecordCount, 0);
    const batchBytes = batch.reduce((n, r) => n + r.Data.length, 0);
    written += batchBytes;
    const a = await readAll('orders', 'shardId-000000000000');
    const b = await readAll('orders', 'shardId-000000000001');
    assert.equal(a.records + b.records, 13);
    clock.advance(1000);

    const dims = { StreamName: 'orders' };
    assert.equal(await stat('IncomingRecords', 'Sum', dims), 13);
    assert.equal(await stat('IncomingBytes', 'Sum', dims), written);
    assert.equal(await stat('PutRecord.Success', 'Sum', dims), 3);
    assert.equal(await stat('PutRecord.Bytes', 'Sum', dims), written - batchBytes);
    assert.equal(await stat('PutRecords.TotalRecords', 'Sum', dims), 10);
    assert.equal(await stat('PutRecords.SuccessfulRecords', 'Sum', dims), 10);
    assert.equal(await stat('PutRecords.FailedRecords', 'Sum', dims), 0);
    assert.equal(await stat('PutRecords.ThrottledRecords', 'Sum', dims), 0);
    assert.equal(await stat('PutRecords.Bytes', 'Sum', dims), batchBytes);
    assert.equal(await stat('PutRecords.Success', 'Average', dims), 1);
    assert.equal(await stat('GetRecords.Records', 'Sum', dims), 13);
    assert.equal(await stat('GetRecords.Bytes', 'Sum', dims), a.bytes + b.bytes);
    assert.equal(await stat('GetRecords.Success', 'SampleCount', dims), 2);
    assert.equal(await stat('WriteProvisionedThroughputExceeded', 'Sum', dims), 0);
    const latency = await stat('PutRecords.Latency', 'Maximum', dims);
    assert.ok(latency !== undefined && latency >= 0, 'a latency datapoint');

    // The AWS CLI (query protocol) and boto3 read the same figures.
    const cli = await awsCli(server.url, [
      'cloudwatch',
      'get-metric-statistics',
      '--namespace',
      'AWS/Kinesis',
      '--metric-name',
      'IncomingRecords',
      '--dimensions',
      'Name=StreamName,Value=orders',
      '--start-time',
      new Date(T0 - HOUR).toISOString(),
      '--end-time',
      new Date(T0 + HOUR).toISOString(),
      '--period',
      '7200',
      '--statistics',
      'Sum',
    ]);
    assert.deepEqual(
      cli.Datapoints.map((d: { Sum: number; Unit: string }) => [d.Sum, d.Unit]),
      [[13, 'Count']],
    );
    const py = await python3(
      `import boto3, json, sys, datetime
cw = boto3.client('cloudwatch', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='a', aws_secret_access_key='s')
t0 = datetime.datetime.fromtimestamp(${T0 / 1000}, datetime.timezone.utc)
q = lambda i, m: {'Id': i, 'MetricStat': {'Metric': {'Namespace': 'AWS/Kinesis', 'MetricName': m, 'Dimensions': [{'Name': 'StreamName', 'Value': 'orders'}]}, 'Period': 3600, 'Stat': 'Sum'}}
r = cw.get_metric_data(StartTime=t0 - datetime.timedelta(hours=1), EndTime=t0 + datetime.timedelta(hours=1), MetricDataQueries=[q('bytes', 'IncomingBytes'), q('read', 'GetRecords.Bytes')])
print(json.dumps([sum(x['Values']) for x in r['MetricDataResults']]))`,
      [server.url],
    );
    assert.deepEqual(JSON.parse(py), [written, a.bytes + b.bytes]);

    // No shard-level series until enhanced monitoring is enabled.
    const listed = await cw.send(new ListMetricsCommand({ Namespace: 'AWS/Kinesis', Dimensions: [{ Name: 'ShardId' }] }));
    assert.deepEqual(listed.Metrics ?? [], []);
  });

  it('emits the shard-level metrics EnableEnhancedMonitoring switched on, per shard, and stops after DisableEnhancedMonitoring', async () => {
    await createStream('clicks', 2);
    await kinesis.send(new EnableEnhancedMonitoringCommand({ StreamName: 'clicks', ShardLevelMetrics: ['IncomingRecords', 'OutgoingBytes'] }));
    const batch = Array.from({ length: 40 }, (_, i) => ({ PartitionKey: `user-${i}`, Data: new TextEncoder().encode(`click ${i}`) }));
    const put = await kinesis.send(new PutRecordsCommand({ StreamName: 'clicks', Records: batch }));
    const perShard = new Map<string, number>();
    for (const r of put.Records!) perShard.set(r.ShardId!, (perShard.get(r.ShardId!) ?? 0) + 1);
    assert.equal(perShard.size, 2, 'the keys spread over both shards');
    const read = await readAll('clicks', 'shardId-000000000001');
    clock.advance(1000);

    for (const [shardId, n] of perShard) {
      assert.equal(await stat('IncomingRecords', 'Sum', { StreamName: 'clicks', ShardId: shardId }), n, shardId);
    }
    assert.equal(await stat('OutgoingBytes', 'Sum', { StreamName: 'clicks', ShardId: 'shardId-000000000001' }), read.bytes);
    assert.equal(await stat('IncomingBytes', 'Sum', { StreamName: 'clicks', ShardId: 'shardId-000000000000' }), undefined, 'not enabled');
    assert.equal(await stat('OutgoingRecords', 'Sum', { StreamName: 'clicks', ShardId: 'shardId-000000000001' }), undefined, 'not enabled');

    await kinesis.send(new DisableEnhancedMonitoringCommand({ StreamName: 'clicks', ShardLevelMetrics: ['ALL'] }));
    await kinesis.send(new PutRecordsCommand({ StreamName: 'clicks', Records: batch }));
    clock.advance(1000);
    for (const [shardId, n] of perShard) {
      assert.equal(await stat('IncomingRecords', 'Sum', { StreamName: 'clicks', ShardId: shardId }), n, `${shardId}: nothing more after disabling`);
    }
    assert.equal(await stat('IncomingRecords', 'Sum', { StreamName: 'clicks' }), 80, 'stream level goes on');
  });

  it('counts the reads of in-process consumers (delivery streams, SQL applications) as GetRecords, as AWS services read with GetRecords', async () => {
    await createStream('internal', 1);
    await kinesis.send(new PutRecordCommand({ StreamName: 'internal', PartitionKey: 'k', Data: new TextEncoder().encode('hello') }));
    clock.advance(30_000);
    const reader = await server.kinesis.openShardReader('internal', 'shardId-000000000000', { type: 'TRIM_HORIZON' });
    const { records } = await reader.read();
    assert.equal(records.length, 1);
    clock.advance(1000);
    assert.equal(await stat('GetRecords.Records', 'Sum', { StreamName: 'internal' }), 1);
    assert.equal(await stat('GetRecords.Bytes', 'Sum', { StreamName: 'internal' }), 5);
    assert.equal(await stat('GetRecords.IteratorAgeMilliseconds', 'Maximum', { StreamName: 'internal' }), 30_000);
  });

  it('GetRecords.IteratorAgeMilliseconds grows while a consumer stops reading and falls once it catches up', async () => {
    await createStream('lagging', 1);
    const put = (i: number) => kinesis.send(new PutRecordCommand({ StreamName: 'lagging', PartitionKey: 'k', Data: new TextEncoder().encode(`r${i}`) }));
    const it0 = await kinesis.send(new GetShardIteratorCommand({ StreamName: 'lagging', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
    let iterator = it0.ShardIterator!;
    // The producer writes one record a second for three minutes while the consumer is stopped.
    for (let i = 0; i < 180; i++) {
      await put(i);
      clock.advance(1000);
    }
    const minuteOf = (ms: number) => Math.floor(ms / 60_000) * 60_000;
    const maxAge = async (atMs: number) => {
      const r = await cw.send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/Kinesis',
          MetricName: 'GetRecords.IteratorAgeMilliseconds',
          Dimensions: [{ Name: 'StreamName', Value: 'lagging' }],
          StartTime: new Date(minuteOf(atMs)),
          EndTime: new Date(minuteOf(atMs) + 60_000),
          Period: 60,
          Statistics: ['Maximum'],
        }),
      );
      return r.Datapoints?.[0]?.Maximum;
    };
    // It resumes with small pages: the first page's last record is about three minutes old.
    const resumedAt = clock.now();
    const first = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10 }));
    iterator = first.NextShardIterator!;
    clock.advance(1000);
    const behind = await maxAge(resumedAt);
    assert.ok(behind !== undefined && behind >= 170_000 && behind <= 181_000, `age after the stop ~3 min (${behind})`);
    // It catches up (reads to the tip), then keeps up with the producer through the next minute.
    for (let behindMs = 1; behindMs > 0; ) {
      const r = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
      iterator = r.NextShardIterator!;
      behindMs = r.MillisBehindLatest!;
    }
    clock.advanceTo(minuteOf(clock.now()) + 60_000);
    for (let i = 0; i < 30; i++) {
      await put(1000 + i);
      const r = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
      iterator = r.NextShardIterator!;
      clock.advance(1000);
    }
    const caughtUp = await maxAge(clock.now() - 1000);
    assert.ok(caughtUp !== undefined && caughtUp <= 1000, `age once caught up (${caughtUp})`);
  });
});

describe('AWS/Kinesis metrics under enforced limits', () => {
  it('counts records refused by the write limit as PutRecords.ThrottledRecords and WriteProvisionedThroughputExceeded', async () => {
    const clock = new ManualClock(T0);
    const server = await startServer({ storage: 'memory', clock, enforceLimits: true });
    const kinesis = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    const cw = new CloudWatchClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    try {
      await kinesis.send(new CreateStreamCommand({ StreamName: 'busy', ShardCount: 1 }));
      clock.advance(10);
      await server.kinesis.whenIdle();
      await kinesis.send(new EnableEnhancedMonitoringCommand({ StreamName: 'busy', ShardLevelMetrics: ['WriteProvisionedThroughputExceeded'] }));
      const batch = Array.from({ length: 500 }, (_, i) => ({ PartitionKey: `k${i}`, Data: new Uint8Array(10) }));
      let failed = 0;
      for (let i = 0; i < 3; i++) failed += (await kinesis.send(new PutRecordsCommand({ StreamName: 'busy', Records: batch }))).FailedRecordCount!;
      assert.ok(failed > 0, 'the 1,000 records/s limit refused some');
      clock.advance(1000);
      const get = async (metric: string, dims: Record<string, string>) =>
        (
          await cw.send(
            new GetMetricStatisticsCommand({
              Namespace: 'AWS/Kinesis',
              MetricName: metric,
              Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
              StartTime: new Date(T0 - HOUR),
              EndTime: new Date(T0 + HOUR),
              Period: HOUR,
              Statistics: ['Sum'],
            }),
          )
        ).Datapoints?.[0]?.Sum;
      assert.equal(await get('PutRecords.ThrottledRecords', { StreamName: 'busy' }), failed);
      assert.equal(await get('PutRecords.SuccessfulRecords', { StreamName: 'busy' }), 1500 - failed);
      assert.equal(await get('WriteProvisionedThroughputExceeded', { StreamName: 'busy' }), failed);
      assert.equal(await get('WriteProvisionedThroughputExceeded', { StreamName: 'busy', ShardId: 'shardId-000000000000' }), failed);
      assert.equal(await get('IncomingRecords', { StreamName: 'busy' }), 1500 - failed);
    } finally {
      kinesis.destroy();
      cw.destroy();
      await server.close();
    }
  });
});

describe('AWS/Kinesis enhanced fan-out metrics', () => {
  it('counts subscriptions, refused resubscriptions and the records and bytes pushed in SubscribeToShardEvents', async () => {
    const { server, client } = await startTestServer();
    const cw = new CloudWatchClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    try {
      await client.send(new CreateStreamCommand({ StreamName: 'fanout', ShardCount: 1 }));
      await waitActive(client, 'fanout');
      await client.send(new EnableEnhancedMonitoringCommand({ StreamName: 'fanout', ShardLevelMetrics: ['OutgoingRecords'] }));
      const payloads = ['a', 'bb', 'ccc', 'dddd'];
      for (const p of payloads) await client.send(new PutRecordCommand({ StreamName: 'fanout', PartitionKey: 'k', Data: Buffer.from(p) }));
      const reg = await client.send(new RegisterStreamConsumerCommand({ StreamARN: server.kinesis.arnFor('fanout'), ConsumerName: 'app' }));
      const arn = reg.Consumer!.ConsumerARN!;
      for (let i = 0; i < 200; i++) {
        const d = await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: arn }));
        if (d.ConsumerDescription!.ConsumerStatus === 'ACTIVE') break;
        await new Promise((res) => setTimeout(res, 5));
      }
      const start = { ConsumerARN: arn, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'TRIM_HORIZON' as const } };
      const sub = await client.send(new SubscribeToShardCommand(start));
      await assert.rejects(client.send(new SubscribeToShardCommand(start)), { name: 'ResourceInUseException' });
      let received = 0;
      for await (const e of sub.EventStream!) {
        received += e.SubscribeToShardEvent?.Records?.length ?? 0;
        if (received >= payloads.length) break;
      }
      const sum = async (metric: string, dims: Record<string, string>, statistic: Statistic = 'Sum') => {
        const now = Date.now();
        const r = await cw.send(
          new GetMetricStatisticsCommand({
            Namespace: 'AWS/Kinesis',
            MetricName: metric,
            Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
            StartTime: new Date(now - HOUR),
            EndTime: new Date(now + HOUR),
            Period: 7200,
            Statistics: [statistic],
          }),
        );
        return r.Datapoints?.[0]?.[statistic];
      };
      assert.equal(await sum('SubscribeToShard.Success', { StreamName: 'fanout' }), 1);
      assert.equal(await sum('SubscribeToShard.Success', { StreamName: 'fanout' }, 'SampleCount'), 2, 'the refused call counts as a failure');
      assert.equal(await sum('SubscribeToShard.RateExceeded', { StreamName: 'fanout' }), 1);
      assert.equal(await sum('SubscribeToShardEvent.Records', { StreamName: 'fanout' }), payloads.length);
      assert.equal(await sum('SubscribeToShardEvent.Bytes', { StreamName: 'fanout' }), payloads.join('').length);
      assert.equal(await sum('OutgoingRecords', { StreamName: 'fanout', ShardId: 'shardId-000000000000' }), payloads.length);
    } finally {
      cw.destroy();
      client.destroy();
      await server.close();
    }
  });
});

describe('AWS/Kinesis metrics across a restart', () => {
  it('keeps the series and the enhanced-monitoring setting: shard-level metrics go on after the server restarts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'freshet-kinesis-metrics-'));
    const clock = new ManualClock(T0);
    const open = () => startServer({ storage: 'file', dataDir: dir, clock, fsync: { kind: 'never' }, createDelayMs: 0 });
    const put = async (server: FreshetServer, n: number) => {
      const kinesis = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
      try {
        const records = Array.from({ length: n }, (_, i) => ({ PartitionKey: `k${i}`, Data: new Uint8Array(8) }));
        await kinesis.send(new PutRecordsCommand({ StreamName: 'kept', Records: records }));
      } finally {
        kinesis.destroy();
      }
    };
    try {
      let server = await open();
      const kinesis = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
      await kinesis.send(new CreateStreamCommand({ StreamName: 'kept', ShardCount: 1 }));
      clock.advance(10);
      await server.kinesis.whenIdle();
      await kinesis.send(new EnableEnhancedMonitoringCommand({ StreamName: 'kept', ShardLevelMetrics: ['IncomingRecords'] }));
      kinesis.destroy();
      await put(server, 7);
      clock.advance(1000);
      await server.close();

      server = await open();
      await put(server, 5);
      clock.advance(1000);
      const cw = new CloudWatchClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
      try {
        const sum = async (dims: Record<string, string>) =>
          (
            await cw.send(
              new GetMetricStatisticsCommand({
                Namespace: 'AWS/Kinesis',
                MetricName: 'IncomingRecords',
                Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
                StartTime: new Date(T0 - HOUR),
                EndTime: new Date(T0 + HOUR),
                Period: 7200,
                Statistics: ['Sum'],
              }),
            )
          ).Datapoints?.[0]?.Sum;
        assert.equal(await sum({ StreamName: 'kept' }), 12, 'before and after the restart');
        assert.equal(await sum({ StreamName: 'kept', ShardId: 'shardId-000000000000' }), 12, 'shard level before and after the restart');
      } finally {
        cw.destroy();
        await server.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
