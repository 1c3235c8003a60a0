/**
 * A Flink SQL application in the server reading a `kinesis` table from `scan.stream.initpos` = AT_TIMESTAMP
 * and writing a `firehose` table into a Freshet delivery stream (S3 destination in the embedded store).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateApplicationCommand, DescribeApplicationCommand, KinesisAnalyticsV2Client, StartApplicationCommand } from '@aws-sdk/client-kinesis-analytics-v2';
import { CreateDeliveryStreamCommand, FirehoseClient } from '@aws-sdk/client-firehose';
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ManualClock } from '../../src/core/index.ts';
import { MemoryStorage } from '../../src/storage/index.ts';
import { startServer, type FreshetServer } from '../../src/server/index.ts';
import type { AnalyticsV2Service } from '../../src/analytics/index.ts';
import type { FirehoseService } from '../../src/firehose/index.ts';
import { listFiles, readObject } from '../firehose/helpers.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
// Rows put at T0 + 1 s come before the start timestamp, rows put a minute later after it.
const START = T0 + 30_000;
const ROLE = 'arn:aws:iam::000000000000:role/flink-role';

describe('Flink SQL connectors of a v2 application', () => {
  let server: FreshetServer;
  let clock: ManualClock;
  let dir: string;
  let v2: KinesisAnalyticsV2Client;
  let kinesis: KinesisClient;
  let firehose: FirehoseClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'freshet-v2-conn-'));
    clock = new ManualClock(T0);
    server = await startServer({
      port: 0,
      storage: new MemoryStorage(),
      dataDir: dir,
      clock,
      region: 'us-east-1',
      accountId: '000000000000',
      createDelayMs: 0,
      deleteDelayMs: 0,
      updateDelayMs: 0,
      firehose: { createDelayMs: 0, logger: () => {} },
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
    firehose = new FirehoseClient(config);
  });

  after(async () => {
    v2.destroy();
    kinesis.destroy();
    firehose.destroy();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts reading at the scan.stream.initpos-timestamp and delivers rows through a firehose sink', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'quotes', ShardCount: 2 }));
    clock.advance(1000);
    await new Promise((r) => setImmediate(r));
    await firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'quote-files',
        ExtendedS3DestinationConfiguration: {
          BucketARN: 'arn:aws:s3:::quote-archive',
          RoleARN: 'arn:aws:iam::000000000000:role/firehose',
          BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
        },
      }),
    );
    const put = (rows: { ticker: string; price: number }[]) =>
      kinesis.send(
        new PutRecordsCommand({ StreamName: 'quotes', Records: rows.map((r) => ({ PartitionKey: r.ticker, Data: Buffer.from(JSON.stringify(r)) })) }),
      );
    // Before the start timestamp: never read.
    await put([
      { ticker: 'OLD', price: 1 },
      { ticker: 'OLDER', price: 2 },
    ]);
    clock.advance(60_000);
    await put([
      { ticker: 'AMZN', price: 10 },
      { ticker: 'MSFT', price: 20 },
    ]);
    const sql = `
CREATE TABLE quotes (ticker STRING, price DOUBLE)
  WITH ('connector' = 'kinesis', 'stream' = 'quotes', 'aws.region' = 'us-east-1', 'format' = 'json',
        'scan.stream.initpos' = 'AT_TIMESTAMP', 'scan.stream.initpos-timestamp' = '${new Date(START).toISOString()}');
CREATE TABLE archive (ticker STRING, doubled DOUBLE)
  WITH ('connector' = 'firehose', 'delivery-stream' = 'quote-files', 'aws.region' = 'us-east-1', 'format' = 'json');
INSERT INTO archive SELECT ticker, price * 2 FROM quotes;`;
    await v2.send(
      new CreateApplicationCommand({
        ApplicationName: 'archiver',
        RuntimeEnvironment: 'FLINK-1_20',
        ServiceExecutionRole: ROLE,
        ApplicationConfiguration: { ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: sql } } },
      }),
    );
    await v2.send(new StartApplicationCommand({ ApplicationName: 'archiver' }));
    assert.equal((await v2.send(new DescribeApplicationCommand({ ApplicationName: 'archiver' }))).ApplicationDetail?.ApplicationStatus, 'RUNNING');
    const service = server.services.find((s) => s.targetPrefix === 'KinesisAnalytics_20180523') as AnalyticsV2Service;
    const engine = (server.services.find((s) => s.targetPrefix === 'Firehose_20150804') as FirehoseService).engine;
    await service.registry.job('archiver')!.settle();
    // Rows arriving while it runs go through too.
    await put([{ ticker: 'GOOG', price: 30 }]);
    await service.registry.job('archiver')!.settle();
    await engine.settled('quote-files');
    clock.advance(60_000);
    await engine.settled('quote-files');
    await new Promise((r) => setImmediate(r));
    await engine.settled('quote-files');
    const root = join(dir, 's3', 'quote-archive');
    const files = await listFiles(root);
    assert.ok(files.length >= 1, 'the buffer interval delivered an object');
    const lines: { ticker: string; doubled: number }[] = [];
    for (const f of files)
      for (const l of (await readObject(root, f)).toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as { ticker: string; doubled: number });
    assert.deepEqual(lines.map((l) => `${l.ticker}=${l.doubled}`).sort(), ['AMZN=20', 'GOOG=60', 'MSFT=40']);
  });
});
