/**
 * What the server's log says about applications and deliveries (issue 12), read from its real log output (the
 * process-wide structured logger, JSON lines) while a real server runs on a ManualClock: each SQL application
 * state change once, and a delivery stream that cannot deliver warned about once per summary period while it
 * fails, then reported delivered and quiet once it recovers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateApplicationCommand, KinesisAnalyticsClient, StartApplicationCommand, StopApplicationCommand } from '@aws-sdk/client-kinesis-analytics';
import { CreateDeliveryStreamCommand, FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { configureDefaultLogger, ManualClock } from '../../src/core/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FirehoseService } from '../../src/firehose/index.ts';
import { DELIVERY_SUMMARY_MS, POLL_MS } from '../../src/server/activity-log.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

interface Line {
  level: number;
  ns?: string;
  msg: string;
  [k: string]: unknown;
}

const ROLE = 'arn:aws:iam::000000000000:role/freshet';
const START_MS = 10_000;
const STOP_MS = 10_000;

describe('server log: application state changes and delivery failures', () => {
  it('logs each application state change once and warns about a failing delivery stream once per period until it recovers', async () => {
    const lines: Line[] = [];
    configureDefaultLogger({ level: 'info', format: 'json', destination: { write: (l: string) => lines.push(JSON.parse(l) as Line) } });
    const dir = await mkdtemp(join(tmpdir(), 'freshet-log-events-'));
    const clock = new ManualClock(Date.UTC(2026, 11, 1));
    const server = await startServer({
      port: 0,
      storage: 'memory',
      clock,
      pg: false,
      createDelayMs: 0,
      analytics: { startDelayMs: START_MS, stopDelayMs: STOP_MS },
      firehose: { createDelayMs: 0, s3Root: dir, logger: () => {} },
    });
    const config = { endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 };
    const kinesis = new KinesisClient(config);
    const analytics = new KinesisAnalyticsClient(config);
    const firehose = new FirehoseClient(config);
    const engine = (server.services.find((s) => s.targetPrefix === 'Firehose_20150804') as FirehoseService).engine;
    const serverLines = () => lines.filter((l) => l.ns === 'server');
    let sink = false;
    const poll = async (ms = POLL_MS) => {
      if (sink) await engine.settled('sink');
      clock.advance(ms);
      if (sink) await engine.settled('sink');
      await new Promise((r) => setImmediate(r));
    };
    try {
      // ---- application state changes ----
      await kinesis.send(new CreateStreamCommand({ StreamName: 'clicks', ShardCount: 1 }));
      await analytics.send(
        new CreateApplicationCommand({
          ApplicationName: 'click-counter',
          Inputs: [
            {
              NamePrefix: 'SOURCE_SQL_STREAM',
              KinesisStreamsInput: { ResourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks', RoleARN: ROLE },
              InputSchema: {
                RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
                RecordColumns: [{ Name: 'page', SqlType: 'VARCHAR(32)', Mapping: '$.page' }],
              },
            },
          ],
          ApplicationCode:
            'CREATE OR REPLACE STREAM "DEST" ("page" VARCHAR(32));\nCREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM "page" FROM "SOURCE_SQL_STREAM_001";',
        }),
      );
      await poll();
      await analytics.send(
        new StartApplicationCommand({
          ApplicationName: 'click-counter',
          InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'NOW' } }],
        }),
      );
      await poll();
      await poll(START_MS);
      await analytics.send(new StopApplicationCommand({ ApplicationName: 'click-counter' }));
      await poll();
      await poll(STOP_MS);
      await poll();
      const appLines = serverLines().filter((l) => l.application === 'click-counter');
      assert.deepEqual(
        appLines.map((l) => [l.level, l.msg, l.status]),
        [
          [30, 'application click-counter READY', 'READY'],
          [30, 'application click-counter STARTING (was READY)', 'STARTING'],
          [30, 'application click-counter RUNNING (was STARTING)', 'RUNNING'],
          [30, 'application click-counter STOPPING (was RUNNING)', 'STOPPING'],
          [30, 'application click-counter READY (was STOPPING)', 'READY'],
        ],
      );

      // ---- a delivery stream whose bucket cannot be written ----
      await firehose.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'sink',
          ExtendedS3DestinationConfiguration: {
            BucketARN: 'arn:aws:s3:::sink-bucket',
            RoleARN: ROLE,
            BufferingHints: { IntervalInSeconds: 0, SizeInMBs: 1 },
          },
        }),
      );
      sink = true;
      // A regular file where the bucket's directory goes: every write fails, also when the tests run as root.
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'sink-bucket'), 'not a directory');
      await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'sink', Records: [{ Data: Buffer.from('a\n') }, { Data: Buffer.from('b\n') }] }));
      const delivery = () => serverLines().filter((l) => l.deliveryStream === 'sink');
      // Three summary periods of failing: retries every few seconds, one warning per period.
      for (let t = 0; t < 3 * DELIVERY_SUMMARY_MS; t += POLL_MS) await poll();
      assert.ok(engine.metrics('sink').DeliveryRetries >= 5, `retries: ${engine.metrics('sink').DeliveryRetries}`);
      const warnings = delivery().filter((l) => l.level === 40);
      assert.equal(warnings.length, 3, JSON.stringify(delivery()));
      for (const w of warnings) {
        assert.match(w.msg, /^delivery stream sink is failing to deliver: \d+ attempts failed since the last report, 0 records dropped$/);
        assert.ok((w.retries as number) > 0);
      }
      assert.deepEqual(
        delivery().filter((l) => l.level !== 40),
        [],
        'nothing delivered yet',
      );

      // The bucket can be written again: the next retry delivers, the log says so once, then stays quiet.
      await rm(join(dir, 'sink-bucket'));
      for (let t = 0; t < 2 * DELIVERY_SUMMARY_MS; t += POLL_MS) await poll();
      const after = delivery().slice(warnings.length);
      assert.ok(after.length >= 1, JSON.stringify(delivery()));
      const delivered = after.filter((l) => l.level === 30);
      assert.deepEqual(
        delivered.map((l) => [l.msg, l.records]),
        [['delivery stream sink delivered 2 records (1 objects)', 2]],
      );
      // At most the period in which it recovered still reports the failed attempts before the delivery.
      assert.ok(after.filter((l) => l.level === 40).length <= 1, JSON.stringify(after));
      const quiet = delivery().length;
      for (let t = 0; t < DELIVERY_SUMMARY_MS; t += POLL_MS) await poll();
      assert.equal(delivery().length, quiet, 'a delivery stream that works again is not warned about');
    } finally {
      configureDefaultLogger({});
      kinesis.destroy();
      analytics.destroy();
      firehose.destroy();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
