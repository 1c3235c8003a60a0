/**
 * The server's activity log (src/server/activity-log.ts) for delivery outcomes: one summary line per delivery
 * stream per DELIVERY_SUMMARY_MS, none while nothing was delivered, and a warning while deliveries fail.
 * Driven on a ManualClock against a real server and the SDK's Firehose client.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateDeliveryStreamCommand, FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { createLogger, ManualClock } from '../../src/core/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FirehoseService } from '../../src/firehose/index.ts';
import { DELIVERY_SUMMARY_MS, POLL_MS, startActivityLog } from '../../src/server/activity-log.ts';

describe('activity log: delivery outcomes', () => {
  it('sums deliveries into one line per stream per period, and says nothing for a quiet period', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'freshet-activity-'));
    const clock = new ManualClock();
    const server = await startServer({
      port: 0,
      storage: 'memory',
      clock,
      activityLog: false,
      pg: false,
      firehose: { createDelayMs: 0, s3Root: dir, logger: () => {} },
    });
    const lines: Array<{ level: string; msg: string; deliveryStream?: string; records?: number }> = [];
    const logger = createLogger({ level: 'info', format: 'json', destination: { write: (l: string) => lines.push(JSON.parse(l)) } });
    const activity = startActivityLog({ kinesis: server.kinesis, services: server.services, clock, logger });
    const firehose = new FirehoseClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    try {
      await firehose.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'logged',
          ExtendedS3DestinationConfiguration: {
            BucketARN: 'arn:aws:s3:::logged-bucket',
            RoleARN: 'arn:aws:iam::000000000000:role/firehose',
            BufferingHints: { IntervalInSeconds: 0, SizeInMBs: 1 },
          },
        }),
      );
      const engine = (server.services.find((s) => s.targetPrefix === 'Firehose_20150804') as FirehoseService).engine;
      await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'logged', Records: [{ Data: Buffer.from('a\n') }, { Data: Buffer.from('b\n') }] }));
      await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'logged', Records: [{ Data: Buffer.from('c\n') }] }));
      await engine.settled('logged');
      const delivered = () => lines.filter((l) => l.deliveryStream === 'logged' && /delivered/.test(l.msg));
      clock.advance(DELIVERY_SUMMARY_MS / 2);
      assert.deepEqual(delivered(), [], 'nothing before the period ends');
      clock.advance(DELIVERY_SUMMARY_MS / 2 + POLL_MS);
      assert.equal(delivered().length, 1);
      assert.equal(delivered()[0]!.records, 3);
      assert.match(delivered()[0]!.msg, /^delivery stream logged delivered 3 records \(\d+ objects\)$/);
      clock.advance(DELIVERY_SUMMARY_MS + POLL_MS);
      assert.equal(delivered().length, 1, 'a quiet period logs nothing');
      assert.deepEqual(
        lines.filter((l) => l.level === 'warn'),
        [],
      );
    } finally {
      firehose.destroy();
      activity.stop();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
