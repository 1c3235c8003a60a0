/**
 * `freshet status` for Flink SQL (KinesisAnalyticsV2) applications: a running job reports records read, rows
 * written, input lag and its last checkpoint as SQL applications do; a stopped one reports none; the server's
 * log says when its status changes. A real server on a ManualClock, driven through
 * @aws-sdk/client-kinesis-analytics-v2, read through `GET /status` and the server's JSON log lines.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateApplicationCommand,
  CreateApplicationSnapshotCommand,
  KinesisAnalyticsV2Client,
  StartApplicationCommand,
  StopApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { configureDefaultLogger, ManualClock } from '../../src/core/index.ts';
import { POLL_MS } from '../../src/server/activity-log.ts';
import { startServer, type ServerStatus } from '../../src/server/index.ts';
import type { AnalyticsV2Service } from '../../src/analytics/index.ts';
import { formatStatus } from '../../src/cli/commands/status.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const SQL = `
CREATE TABLE ticks (ticker STRING, price DOUBLE)
  WITH ('connector' = 'kinesis', 'stream' = 'flink-ticks', 'aws.region' = 'us-east-1', 'scan.stream.initpos' = 'TRIM_HORIZON', 'format' = 'json');
CREATE TABLE dear (ticker STRING, price DOUBLE) WITH ('connector' = 'kinesis', 'stream' = 'flink-dear', 'format' = 'json');
INSERT INTO dear SELECT ticker, price FROM ticks WHERE price > 100;`;

async function status(url: string): Promise<ServerStatus> {
  const res = await fetch(`${url}/status`);
  assert.equal(res.status, 200);
  return (await res.json()) as ServerStatus;
}

describe('freshet status: Flink SQL applications', () => {
  it('shows a running job’s records read, rows out, input lag and last checkpoint, none once stopped, and logs its status changes', async () => {
    const logged: Array<{ ns?: string; msg: string; application?: string }> = [];
    configureDefaultLogger({ level: 'info', format: 'json', destination: { write: (l: string) => logged.push(JSON.parse(l)) } });
    const clock = new ManualClock(T0);
    const server = await startServer({
      port: 0,
      storage: 'memory',
      clock,
      pg: false,
      createDelayMs: 0,
      analyticsV2: { startMs: 0, stopMs: 0, updateMs: 0, deleteMs: 0 },
    });
    const config = { endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 };
    const v2 = new KinesisAnalyticsV2Client(config);
    const kinesis = new KinesisClient(config);
    const service = server.services.find((s) => s.targetPrefix === 'KinesisAnalytics_20180523') as AnalyticsV2Service;
    const settle = async (ms = 1) => {
      clock.advance(ms);
      await service.registry.whenSettled();
    };
    try {
      await kinesis.send(new CreateStreamCommand({ StreamName: 'flink-ticks', ShardCount: 2 }));
      await kinesis.send(new CreateStreamCommand({ StreamName: 'flink-dear', ShardCount: 1 }));
      await v2.send(
        new CreateApplicationCommand({
          ApplicationName: 'dear-ticks',
          RuntimeEnvironment: 'FLINK-1_15',
          ServiceExecutionRole: 'arn:aws:iam::000000000000:role/flink',
          ApplicationConfiguration: {
            ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: SQL } },
            ApplicationSnapshotConfiguration: { SnapshotsEnabled: true },
          },
        }),
      );
      const ready = (await status(server.url)).applications.find((a) => a.name === 'dear-ticks');
      assert.deepEqual(
        [ready?.kind, ready?.status, ready?.recordsRead, ready?.rowsWritten, ready?.millisBehindLatest, ready?.lastCheckpointMs],
        ['flink', 'READY', null, null, null, null],
      );
      await settle(POLL_MS);

      await v2.send(new StartApplicationCommand({ ApplicationName: 'dear-ticks', RunConfiguration: {} }));
      await settle();
      await kinesis.send(
        new PutRecordsCommand({
          StreamName: 'flink-ticks',
          Records: Array.from({ length: 30 }, (_, i) => ({
            PartitionKey: `t${i}`,
            Data: Buffer.from(JSON.stringify({ ticker: `t${i}`, price: i < 10 ? 150 : 50 })),
          })),
        }),
      );
      await service.registry.job('dear-ticks')!.settle();
      let app = (await status(server.url)).applications.find((a) => a.name === 'dear-ticks')!;
      assert.deepEqual(
        [app.status, app.recordsRead, app.rowsWritten, app.millisBehindLatest, app.lastCheckpointMs, app.parseErrors],
        ['RUNNING', 30, 10, 0, null, null],
      );

      clock.advance(5_000);
      const snapshotMs = clock.now();
      await v2.send(new CreateApplicationSnapshotCommand({ ApplicationName: 'dear-ticks', SnapshotName: 'now' }));
      await settle();
      app = (await status(server.url)).applications.find((a) => a.name === 'dear-ticks')!;
      assert.equal(app.lastCheckpointMs, snapshotMs);
      const text = formatStatus({ ...(await status(server.url)), streams: [] }, server.url, snapshotMs + 2_000);
      assert.match(text, /\ndear-ticks +flink +RUNNING +30 +10 +0 ms +- +2 s ago\n/);

      await v2.send(new StopApplicationCommand({ ApplicationName: 'dear-ticks' }));
      await settle();
      app = (await status(server.url)).applications.find((a) => a.name === 'dear-ticks')!;
      assert.deepEqual([app.status, app.recordsRead, app.millisBehindLatest], ['READY', null, null]);
      await settle(POLL_MS);
      assert.deepEqual(
        logged.filter((l) => l.ns === 'server' && l.application === 'dear-ticks').map((l) => l.msg),
        ['Flink application dear-ticks READY', 'Flink application dear-ticks RUNNING (was READY)', 'Flink application dear-ticks READY (was RUNNING)'],
      );
    } finally {
      configureDefaultLogger({});
      v2.destroy();
      kinesis.destroy();
      await server.close();
    }
  });
});
