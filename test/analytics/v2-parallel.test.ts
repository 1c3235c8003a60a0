/**
 * ParallelismConfiguration as a real degree of parallelism: Flink SQL applications with Parallelism N > 1 run N
 * subtasks on worker threads (shards assigned to subtasks for a stateless plan; rows routed by key for window
 * aggregations and joins), report CurrentParallelism N, and write the same rows as the same job at parallelism 1.
 * A plan that cannot be split runs as 1 subtask and says why in the application's CloudWatch Logs stream. A
 * snapshot taken at one parallelism restores at another. One server on a ManualClock, deterministic input.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import {
  CreateApplicationCommand,
  CreateApplicationSnapshotCommand,
  DescribeApplicationCommand,
  KinesisAnalyticsV2Client,
  StartApplicationCommand,
  StopApplicationCommand,
  UpdateApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ManualClock } from '../../src/core/index.ts';
import { MemoryStorage } from '../../src/storage/index.ts';
import { startServer, type FreshetServer } from '../../src/server/index.ts';
import type { AnalyticsV2Service } from '../../src/analytics/index.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ROLE = 'arn:aws:iam::000000000000:role/flink-role';
const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const SHARDS = 4;
const TICKERS = ['BTC', 'ETH', 'SOL', 'ADA', 'DOT', 'XRP', 'LTC', 'BNB', 'AVAX', 'LINK', 'ATOM'];

const TICKS = `CREATE TABLE ticks (
  event_time TIMESTAMP(3),
  ticker STRING,
  price DOUBLE,
  WATERMARK FOR event_time AS event_time - INTERVAL '1' SECOND
) WITH ('connector' = 'kinesis', 'stream' = 'ticks', 'scan.stream.initpos' = 'TRIM_HORIZON', 'format' = 'json',
        'json.timestamp-format.standard' = 'ISO-8601');`;

function sink(name: string, columns: string): string {
  return `CREATE TABLE out_t (${columns}) WITH ('connector' = 'kinesis', 'stream' = '${name}', 'format' = 'json', 'json.timestamp-format.standard' = 'ISO-8601');`;
}

const FILTER = (out: string) => `${TICKS}
${sink(out, 'ticker STRING, doubled DOUBLE')}
INSERT INTO out_t SELECT ticker, price * 2 FROM ticks WHERE price > 50;`;

const WINDOWED = (out: string) => `${TICKS}
${sink(out, 'ticker STRING, window_start TIMESTAMP(3), total DOUBLE, n BIGINT')}
INSERT INTO out_t
SELECT ticker, window_start, SUM(price), COUNT(*) FROM TABLE(TUMBLE(TABLE ticks, DESCRIPTOR(event_time), INTERVAL '1' MINUTE))
GROUP BY ticker, window_start, window_end;`;

const GLOBAL = (out: string) => `${TICKS}
${sink(out, 'window_start TIMESTAMP(3), n BIGINT')}
INSERT INTO out_t
SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE ticks, DESCRIPTOR(event_time), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end;`;

const JOIN = (out: string) => `${TICKS}
CREATE TABLE quotes (
  quote_time TIMESTAMP(3),
  symbol STRING,
  bid DOUBLE,
  WATERMARK FOR quote_time AS quote_time - INTERVAL '1' SECOND
) WITH ('connector' = 'kinesis', 'stream' = 'quotes', 'scan.stream.initpos' = 'TRIM_HORIZON', 'format' = 'json',
        'json.timestamp-format.standard' = 'ISO-8601');
${sink(out, 'ticker STRING, price DOUBLE, bid DOUBLE')}
INSERT INTO out_t
SELECT t.ticker, t.price, q.bid FROM ticks t JOIN quotes q
  ON t.ticker = q.symbol AND q.quote_time BETWEEN t.event_time - INTERVAL '5' SECOND AND t.event_time;`;

const NOTES = `CREATE TABLE notes (
  event_time TIMESTAMP(3),
  who STRING,
  n INT,
  pk STRING METADATA FROM 'partition-key' VIRTUAL,
  shard STRING METADATA FROM 'shard-id' VIRTUAL,
  seq STRING METADATA FROM 'sequence-number' VIRTUAL,
  arrival TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
  WATERMARK FOR event_time AS event_time - INTERVAL '1' SECOND
) WITH ('connector' = 'kinesis', 'stream' = 'notes', 'scan.stream.initpos' = 'TRIM_HORIZON', 'format' = 'json',
        'json.timestamp-format.standard' = 'ISO-8601');`;

const NOTES_COPY = (out: string) => `${NOTES}
${sink(out, 'who STRING, n INT, pk STRING, shard STRING, seq STRING, arrival TIMESTAMP(3)')}
INSERT INTO out_t SELECT who, n, pk, shard, seq, CAST(arrival AS TIMESTAMP(3)) FROM notes;`;

const NOTES_BY_KEY = (out: string) => `${NOTES}
${sink(out, 'pk STRING, window_start TIMESTAMP(3), n BIGINT, total INT, names STRING')}
INSERT INTO out_t
SELECT pk, window_start, COUNT(*), SUM(n), MAX(who) FROM TABLE(TUMBLE(TABLE notes, DESCRIPTOR(event_time), INTERVAL '1' MINUTE))
GROUP BY pk, window_start, window_end;`;

/** The hash key that lands in shard i of a stream with SHARDS shards. */
function hashKey(shard: number): string {
  return ((BigInt(shard) * 2n ** 128n) / BigInt(SHARDS) + 7n).toString();
}

describe('ParallelismConfiguration: Flink SQL jobs in parallel subtasks', () => {
  let server: FreshetServer;
  let clock: ManualClock;
  let v2: KinesisAnalyticsV2Client;
  let kinesis: KinesisClient;
  let logs: CloudWatchLogsClient;
  let service: AnalyticsV2Service;

  before(async () => {
    clock = new ManualClock(T0);
    server = await startServer({
      port: 0,
      storage: new MemoryStorage(),
      clock,
      region: 'us-east-1',
      accountId: '000000000000',
      createDelayMs: 0,
      deleteDelayMs: 0,
      updateDelayMs: 0,
      analyticsV2: { startMs: 0, stopMs: 0, updateMs: 0, deleteMs: 0 },
    });
    const config = {
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }) }),
    };
    v2 = new KinesisAnalyticsV2Client(config);
    kinesis = new KinesisClient(config);
    logs = new CloudWatchLogsClient(config);
    service = server.services.find((s) => s.targetPrefix === 'KinesisAnalytics_20180523') as AnalyticsV2Service;
    await kinesis.send(new CreateStreamCommand({ StreamName: 'ticks', ShardCount: SHARDS }));
    await kinesis.send(new CreateStreamCommand({ StreamName: 'quotes', ShardCount: SHARDS }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/flink/parallel' }));
    clock.advance(1); // CREATING → ACTIVE
    // Three minutes of ticks over every shard, in event-time order per shard, then a tick per shard at 10:05 that
    // moves every shard's watermark past the windows; quotes for the join.
    const ticks: { shard: number; body: object }[] = [];
    const quotes: { shard: number; body: object }[] = [];
    for (let i = 0; i < 240; i++) {
      const ticker = TICKERS[(i * 7) % TICKERS.length]!;
      const at = new Date(T0 + i * 750).toISOString();
      ticks.push({ shard: i % SHARDS, body: { event_time: at, ticker, price: 10 + ((i * 37) % 90) } });
      if (i % 3 === 0) quotes.push({ shard: (i >> 1) % SHARDS, body: { quote_time: new Date(T0 + i * 750 - 2000).toISOString(), symbol: ticker, bid: i } });
    }
    await putAll('ticks', ticks);
    await putAll('quotes', quotes);
  });

  after(async () => {
    v2.destroy();
    kinesis.destroy();
    logs.destroy();
    await server.close();
  });

  async function putAll(stream: string, rows: { shard: number; body: object }[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 100) {
      await kinesis.send(
        new PutRecordsCommand({
          StreamName: stream,
          Records: rows.slice(i, i + 100).map((r) => ({ PartitionKey: 'p', ExplicitHashKey: hashKey(r.shard), Data: Buffer.from(JSON.stringify(r.body)) })),
        }),
      );
    }
  }

  /** The end of input: a row per shard far ahead, so every watermark passes every window. */
  async function flush(stream: 'ticks' | 'quotes', minute: number): Promise<void> {
    const rows: { shard: number; body: object }[] = [];
    for (let s = 0; s < SHARDS; s++) {
      const at = new Date(T0 + minute * 60_000).toISOString();
      rows.push({ shard: s, body: stream === 'ticks' ? { event_time: at, ticker: 'ZZZ', price: 0 } : { quote_time: at, symbol: 'ZZZ', bid: 0 } });
    }
    await putAll(stream, rows);
  }

  async function create(name: string, sql: string, parallelism: number, autoScaling = false): Promise<void> {
    await kinesis.send(new CreateStreamCommand({ StreamName: `${name}-out`, ShardCount: 1 }));
    clock.advance(1);
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/flink/parallel', logStreamName: name }));
    await v2.send(
      new CreateApplicationCommand({
        ApplicationName: name,
        RuntimeEnvironment: 'FLINK-1_18',
        ServiceExecutionRole: ROLE,
        ApplicationConfiguration: {
          ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: sql } },
          ApplicationSnapshotConfiguration: { SnapshotsEnabled: true },
          FlinkApplicationConfiguration: {
            ParallelismConfiguration: { ConfigurationType: 'CUSTOM', Parallelism: parallelism, ParallelismPerKPU: 1, AutoScalingEnabled: autoScaling },
            MonitoringConfiguration: { ConfigurationType: 'CUSTOM', LogLevel: 'INFO', MetricsLevel: 'APPLICATION' },
          },
        },
        CloudWatchLoggingOptions: [{ LogStreamARN: `arn:aws:logs:us-east-1:000000000000:log-group:/flink/parallel:log-stream:${name}` }],
      }),
    );
  }

  async function start(name: string, restore: 'SKIP_RESTORE_FROM_SNAPSHOT' | 'RESTORE_FROM_LATEST_SNAPSHOT' = 'SKIP_RESTORE_FROM_SNAPSHOT'): Promise<void> {
    await v2.send(
      new StartApplicationCommand({ ApplicationName: name, RunConfiguration: { ApplicationRestoreConfiguration: { ApplicationRestoreType: restore } } }),
    );
    await service.registry.whenSettled();
    await settle(name);
  }

  async function settle(name: string): Promise<void> {
    const job = service.registry.job(name);
    assert.ok(job, `${name} runs`);
    await job.settle();
  }

  /** Stops applications (their subtask workers go back to the pool for the next test). */
  async function stop(...names: string[]): Promise<void> {
    for (const name of names) await v2.send(new StopApplicationCommand({ ApplicationName: name }));
    await service.registry.whenSettled();
  }

  async function current(name: string): Promise<number | undefined> {
    const d = await v2.send(new DescribeApplicationCommand({ ApplicationName: name }));
    return d.ApplicationDetail?.ApplicationConfigurationDescription?.FlinkApplicationConfigurationDescription?.ParallelismConfigurationDescription
      ?.CurrentParallelism;
  }

  /** Every row the application wrote, as sorted JSON texts (a multiset). */
  async function output(name: string): Promise<string[]> {
    const it = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: `${name}-out`, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const r = await kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator, Limit: 10_000 }));
    return (r.Records ?? []).map((x) => Buffer.from(x.Data!).toString('utf8')).sort();
  }

  async function logLines(name: string): Promise<{ level: string; message: string }[]> {
    const r = await logs.send(new GetLogEventsCommand({ logGroupName: '/flink/parallel', logStreamName: name, startFromHead: true }));
    return (r.events ?? []).map((e) => JSON.parse(e.message!) as { level: string; message: string });
  }

  it('runs a stateless filter as 4 subtasks over the shards, reports CurrentParallelism 4, and writes what 1 subtask writes', async () => {
    await create('filter-1', FILTER('filter-1-out'), 1);
    await create('filter-4', FILTER('filter-4-out'), 4);
    await start('filter-1');
    await start('filter-4');
    assert.equal(await current('filter-1'), 1);
    assert.equal(await current('filter-4'), 4);
    const one = await output('filter-1');
    assert.ok(one.length > 100, `rows written: ${one.length}`);
    assert.deepEqual(await output('filter-4'), one);
    assert.ok(
      (await logLines('filter-4')).some((l) => l.level === 'INFO' && l.message === 'Job runs as 4 parallel subtasks (shards assigned to subtasks)'),
      'the log says how the job runs',
    );
    await stop('filter-1', 'filter-4');
  });

  it('gives the subtasks each record’s Kinesis metadata and its UTF-8 text as 1 subtask reads them, and routes by a metadata column', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'notes', ShardCount: SHARDS }));
    clock.advance(1);
    // Shard 0 carries names outside ASCII (its batches are decoded as bytes), the others only ASCII (decoded as one string).
    const NAMES = ['Zoë', 'Łukasz', '李雷', 'Ana ✓'];
    for (let i = 0; i < 200; i += 50) {
      await kinesis.send(
        new PutRecordsCommand({
          StreamName: 'notes',
          Records: Array.from({ length: 50 }, (_, k) => {
            const j = i + k;
            const shard = j % SHARDS;
            const who = shard === 0 ? NAMES[(j >> 2) % NAMES.length] : `user${j % 9}`;
            const body = { event_time: new Date(T0 + j * 1000).toISOString(), who, n: j };
            return { PartitionKey: `pk-${j % 5}`, ExplicitHashKey: hashKey(shard), Data: Buffer.from(JSON.stringify(body)) };
          }),
        }),
      );
      clock.advance(250);
    }
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'notes',
        Records: Array.from({ length: SHARDS }, (_, s) => ({
          PartitionKey: 'end',
          ExplicitHashKey: hashKey(s),
          Data: Buffer.from(JSON.stringify({ event_time: new Date(T0 + 3_600_000).toISOString(), who: 'end', n: 0 })),
        })),
      }),
    );
    await create('notes-copy-1', NOTES_COPY('notes-copy-1-out'), 1);
    await create('notes-copy-2', NOTES_COPY('notes-copy-2-out'), 2);
    await create('notes-key-1', NOTES_BY_KEY('notes-key-1-out'), 1);
    await create('notes-key-2', NOTES_BY_KEY('notes-key-2-out'), 2);
    for (const name of ['notes-copy-1', 'notes-copy-2', 'notes-key-1', 'notes-key-2']) await start(name);
    assert.equal(await current('notes-copy-2'), 2);
    assert.equal(await current('notes-key-2'), 2);
    const copied = await output('notes-copy-1');
    assert.equal(copied.length, 200 + SHARDS);
    const first = JSON.parse(copied.find((t) => t.includes('"n":0,') && t.includes('Zo'))!) as Record<string, unknown>;
    assert.deepEqual({ who: first.who, pk: first.pk, shard: first.shard }, { who: 'Zoë', pk: 'pk-0', shard: 'shardId-000000000000' });
    assert.match(String(first.seq), /^\d{56}$/);
    assert.deepEqual(await output('notes-copy-2'), copied);
    const keyed = await output('notes-key-1');
    assert.equal(keyed.length, 5 * 4, 'a row per partition key and minute');
    assert.ok(
      keyed.some((t) => t.includes('李雷')),
      keyed.join('\n'),
    );
    assert.deepEqual(await output('notes-key-2'), keyed);
    assert.ok(
      (await logLines('notes-key-2')).some((l) => l.message === 'Job runs as 2 parallel subtasks (rows routed by key: notes.pk)'),
      'routed by the partition key',
    );
    await stop('notes-copy-1', 'notes-copy-2', 'notes-key-1', 'notes-key-2');
  });

  it('routes a windowed aggregation by its key to 4 subtasks with one watermark, and fires the same windows as 1 subtask', async () => {
    await create('win-1', WINDOWED('win-1-out'), 1);
    await create('win-4', WINDOWED('win-4-out'), 4, true);
    await start('win-1');
    await start('win-4');
    await flush('ticks', 5);
    await settle('win-1');
    await settle('win-4');
    // AutoScalingEnabled: Freshet does not scale on load; CurrentParallelism stays at Parallelism.
    assert.equal(await current('win-4'), 4);
    const one = await output('win-1');
    assert.equal(one.length, 3 * TICKERS.length, 'a row per ticker and minute');
    assert.deepEqual(await output('win-4'), one);
    const lines = await logLines('win-4');
    assert.ok(
      lines.some((l) => l.message === 'Job runs as 4 parallel subtasks (rows routed by key: ticks.ticker)'),
      JSON.stringify(lines),
    );
    await stop('win-4');
  });

  it('routes both sides of an interval join by the join key and gives the same pairs as 1 subtask', async () => {
    await create('join-1', JOIN('join-1-out'), 1);
    await create('join-3', JOIN('join-3-out'), 3);
    await start('join-1');
    await start('join-3');
    await flush('quotes', 5);
    await settle('join-1');
    await settle('join-3');
    assert.equal(await current('join-3'), 3);
    const one = await output('join-1');
    assert.ok(one.length > 20, `pairs: ${one.length}`);
    assert.deepEqual(await output('join-3'), one);
    await stop('join-1', 'join-3');
  });

  it('runs a global aggregate as 1 subtask, reports CurrentParallelism 1, and says why in the application log', async () => {
    await create('global-4', GLOBAL('global-4-out'), 4);
    await start('global-4');
    assert.equal(await current('global-4'), 1);
    const lines = await logLines('global-4');
    const why = lines.find((l) => l.level === 'WARN');
    assert.match(why?.message ?? '', /^Parallelism 4 requested; the job runs as 1 subtask: a window aggregation has no key/);
    assert.deepEqual(
      (await output('global-4')).map((t) => (JSON.parse(t) as { n: number }).n),
      [80, 80, 80],
    );
    await stop('global-4');
  });

  it('restores a snapshot taken at parallelism 4 into the job at parallelism 2, and the windows come out as without the stop', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'late', ShardCount: SHARDS }));
    clock.advance(1);
    const sql = WINDOWED('resc-out').replace("'stream' = 'ticks'", "'stream' = 'late'");
    await create('resc', sql, 4);
    // The first minute and a half before the stop, the rest after the restart.
    const rows: { shard: number; body: object }[] = [];
    for (let i = 0; i < 240; i++)
      rows.push({
        shard: i % SHARDS,
        body: { event_time: new Date(T0 + i * 750).toISOString(), ticker: TICKERS[(i * 7) % TICKERS.length]!, price: 10 + ((i * 37) % 90) },
      });
    await putAll('late', rows.slice(0, 120));
    await start('resc');
    assert.equal(await current('resc'), 4);
    await v2.send(new CreateApplicationSnapshotCommand({ ApplicationName: 'resc', SnapshotName: 'at-4' }));
    await v2.send(new StopApplicationCommand({ ApplicationName: 'resc' }));
    await service.registry.whenSettled();
    const version = (await v2.send(new DescribeApplicationCommand({ ApplicationName: 'resc' }))).ApplicationDetail!.ApplicationVersionId!;
    await v2.send(
      new UpdateApplicationCommand({
        ApplicationName: 'resc',
        CurrentApplicationVersionId: version,
        ApplicationConfigurationUpdate: {
          FlinkApplicationConfigurationUpdate: { ParallelismConfigurationUpdate: { ConfigurationTypeUpdate: 'CUSTOM', ParallelismUpdate: 2 } },
        },
      }),
    );
    await service.registry.whenSettled();
    await putAll('late', rows.slice(120));
    const at = new Date(T0 + 5 * 60_000).toISOString();
    await putAll(
      'late',
      [0, 1, 2, 3].map((s) => ({ shard: s, body: { event_time: at, ticker: 'ZZZ', price: 0 } })),
    );
    await start('resc', 'RESTORE_FROM_LATEST_SNAPSHOT');
    assert.equal(await current('resc'), 2);
    assert.deepEqual(await output('resc'), await output('win-1'));
    assert.ok(
      (await logLines('resc')).some((l) => l.message === 'Job runs as 2 parallel subtasks (rows routed by key: ticks.ticker), restoring key-grouped state'),
    );
    await stop('resc');
  });

  it('keeps a job at 1 subtask when its snapshot was taken by a one-thread job of a keyed plan, and says why', async () => {
    await v2.send(new CreateApplicationSnapshotCommand({ ApplicationName: 'win-1', SnapshotName: 'at-1' }));
    await stop('win-1');
    const version = (await v2.send(new DescribeApplicationCommand({ ApplicationName: 'win-1' }))).ApplicationDetail!.ApplicationVersionId!;
    await v2.send(
      new UpdateApplicationCommand({
        ApplicationName: 'win-1',
        CurrentApplicationVersionId: version,
        ApplicationConfigurationUpdate: {
          FlinkApplicationConfigurationUpdate: { ParallelismConfigurationUpdate: { ConfigurationTypeUpdate: 'CUSTOM', ParallelismUpdate: 4 } },
        },
      }),
    );
    await service.registry.whenSettled();
    await start('win-1', 'RESTORE_FROM_LATEST_SNAPSHOT');
    assert.equal(await current('win-1'), 1);
    assert.match(
      (await logLines('win-1')).find((l) => l.level === 'WARN')?.message ?? '',
      /^Parallelism 4 requested; the job runs as 1 subtask: its restored state was taken by a job running as 1 subtask/,
    );
    await stop('win-1');
  });
});
