/**
 * examples/crypto-studio run as a KinesisAnalyticsV2 application inside a real server (file storage,
 * ManualClock): per-minute totals reach the crypto-totals stream, and the archive's daily files appear in
 * the embedded object store only once a snapshot (a checkpoint) commits them, with _SUCCESS per day.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateApplicationCommand,
  CreateApplicationSnapshotCommand,
  KinesisAnalyticsV2Client,
  StartApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ManualClock } from '../../src/core/index.ts';
import { startServer, type FreshetServer } from '../../src/server/index.ts';
import type { AnalyticsV2Service } from '../../src/analytics/index.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const CODE = readFileSync(new URL('../../examples/crypto-studio/crypto.sql', import.meta.url), 'utf8');
const T0 = Date.UTC(2021, 0, 31, 23, 58, 0);

describe('examples/crypto-studio as a v2 application in the server', () => {
  let server: FreshetServer;
  let dataDir: string;
  let v2: KinesisAnalyticsV2Client;
  let kinesis: KinesisClient;
  let clock: ManualClock;

  before(async () => {
    clock = new ManualClock(T0);
    dataDir = mkdtempSync(join(tmpdir(), 'freshet-crypto-studio-'));
    server = await startServer({
      port: 0,
      dataDir,
      storage: 'file',
      fsync: { kind: 'never' },
      clock,
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
  });

  after(async () => {
    v2.destroy();
    kinesis.destroy();
    await server.close();
  });

  it('writes per-minute totals to the stream and commits daily files with each snapshot', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'crypto-ticker', ShardCount: 1 }));
    await kinesis.send(new CreateStreamCommand({ StreamName: 'crypto-totals', ShardCount: 1 }));
    clock.advance(1); // CREATING → ACTIVE
    const it0 = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: 'crypto-totals', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }),
    );
    await v2.send(
      new CreateApplicationCommand({
        ApplicationName: 'crypto-studio',
        RuntimeEnvironment: 'FLINK-1_15',
        ServiceExecutionRole: 'arn:aws:iam::000000000000:role/studio',
        ApplicationConfiguration: {
          ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: CODE } },
          ApplicationSnapshotConfiguration: { SnapshotsEnabled: true },
        },
      }),
    );
    await v2.send(new StartApplicationCommand({ ApplicationName: 'crypto-studio' }));
    const service = server.services.find((s) => s.targetPrefix === 'KinesisAnalytics_20180523') as AnalyticsV2Service;
    // 23:58:10 BTC 10, 23:58:40 BTC 5, 23:59:30 ETH 2, then 00:00:20 (next day) closes 23:59 by the 5 s watermark.
    const rows = [
      ['2021-01-31T23:58:10.000Z', 'BTC', 10],
      ['2021-01-31T23:58:40.000Z', 'BTC', 5],
      ['2021-01-31T23:59:30.000Z', 'ETH', 2],
      ['2021-02-01T00:00:20.000Z', 'DOGE', 1],
      ['2021-02-01T00:01:10.000Z', 'DOGE', 1],
    ] as const;
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'crypto-ticker',
        Records: rows.map(([t, ticker, price]) => ({ PartitionKey: ticker, Data: Buffer.from(JSON.stringify({ event_time: t, ticker, price })) })),
      }),
    );
    await service.registry.job('crypto-studio')!.settle();
    const got = await kinesis.send(new GetRecordsCommand({ ShardIterator: it0.ShardIterator }));
    const totals = (got.Records ?? []).map((r) => JSON.parse(Buffer.from(r.Data!).toString('utf8')) as Record<string, unknown>);
    assert.deepEqual(
      totals.map((t) => [t.ticker, t.window_start, t.total_price, t.trades]),
      [
        ['BTC', '2021-01-31T23:58:00', 15, 1 + 1],
        ['ETH', '2021-01-31T23:59:00', 2, 1],
        ['DOGE', '2021-02-01T00:00:00', 1, 1],
      ],
    );
    const root = join(dataDir, 's3', 'freshet-crypto', 'totals');
    const visible = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((n) => !n.startsWith('.')) : []);
    assert.deepEqual(visible(join(root, 'dt=2021-01-31')), [], 'nothing is visible before a checkpoint');
    await v2.send(new CreateApplicationSnapshotCommand({ ApplicationName: 'crypto-studio', SnapshotName: 's1' }));
    const day1 = visible(join(root, 'dt=2021-01-31')).sort();
    assert.ok(day1.includes('_SUCCESS'), `day 1 committed: ${day1.join(', ')}`);
    const lines = day1
      .filter((n) => n !== '_SUCCESS')
      .flatMap((n) =>
        readFileSync(join(root, 'dt=2021-01-31', n), 'utf8')
          .trim()
          .split('\n'),
      )
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => [l.ticker, l.total_price]).sort(), [
      ['BTC', 15],
      ['ETH', 2],
    ]);
    assert.ok(visible(join(root, 'dt=2021-02-01')).includes('_SUCCESS'));
  });
});
