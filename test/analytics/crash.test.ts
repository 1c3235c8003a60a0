/**
 * At-least-once across a crash: a real `freshet server` child process on file
 * storage runs a pass-through application while a producer writes; the process
 * is SIGKILLed mid-stream and started again on the same data directory. The
 * application must come back RUNNING on its own and every input record must
 * reach the output (duplicates since the last checkpoint are allowed, gaps are not).
 * Real time: about 20 s (the periodic checkpoint runs every 10 s of wall time).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { CreateApplicationCommand, DescribeApplicationCommand, KinesisAnalyticsClient, StartApplicationCommand } from '@aws-sdk/client-kinesis-analytics';
import { freePort, startFreshet, type FreshetProcess } from '../kinesis/crash/freshet-process.ts';
import { ROLE, streamArn } from './helpers.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function clients(port: number): { kinesis: KinesisClient; analytics: KinesisAnalyticsClient; destroy(): void } {
  const config = {
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: false }) }),
  };
  const kinesis = new KinesisClient(config);
  const analytics = new KinesisAnalyticsClient(config);
  return {
    kinesis,
    analytics,
    destroy: () => {
      kinesis.destroy();
      analytics.destroy();
    },
  };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function outputIds(kinesis: KinesisClient, stream: string): Promise<number[]> {
  const ids: number[] = [];
  let it = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' })))
    .ShardIterator;
  while (it) {
    const res = await kinesis.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10_000 }));
    for (const r of res.Records ?? []) ids.push((JSON.parse(Buffer.from(r.Data!).toString()) as { id: number }).id);
    if ((res.Records ?? []).length === 0) break;
    it = res.NextShardIterator;
  }
  return ids;
}

describe('Kinesis Analytics across a crash', () => {
  let dir: string;
  let proc: FreshetProcess | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kda-crash-'));
  });
  after(async () => {
    await proc?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes a running application after SIGKILL without skipping input', async () => {
    const port = await freePort();
    proc = await startFreshet({ port, dataDir: dir });
    let c = clients(port);
    let nextId = 1;
    const put = async (n: number): Promise<void> => {
      const records = [];
      for (let i = 0; i < n; i++, nextId++) records.push({ PartitionKey: String(nextId), Data: Buffer.from(`${nextId},v${nextId % 7}`) });
      const res = await c.kinesis.send(new PutRecordsCommand({ StreamName: 'in', Records: records }));
      assert.equal(res.FailedRecordCount ?? 0, 0);
    };
    try {
      await c.kinesis.send(new CreateStreamCommand({ StreamName: 'in', ShardCount: 2 }));
      await c.kinesis.send(new CreateStreamCommand({ StreamName: 'out', ShardCount: 1 }));
      for (const s of ['in', 'out']) {
        await waitFor(
          `${s} ACTIVE`,
          async () => (await c.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: s }))).StreamDescriptionSummary!.StreamStatus === 'ACTIVE',
        );
      }
      await c.analytics.send(
        new CreateApplicationCommand({
          ApplicationName: 'passthrough',
          Inputs: [
            {
              NamePrefix: 'SOURCE_SQL_STREAM',
              KinesisStreamsInput: { ResourceARN: streamArn('in'), RoleARN: ROLE },
              InputSchema: {
                RecordFormat: {
                  RecordFormatType: 'CSV',
                  MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: ',' } },
                },
                RecordColumns: [
                  { Name: 'id', SqlType: 'INTEGER' },
                  { Name: 'v', SqlType: 'VARCHAR(8)' },
                ],
              },
            },
          ],
          Outputs: [{ Name: 'DEST', KinesisStreamsOutput: { ResourceARN: streamArn('out'), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'JSON' } }],
          ApplicationCode: `CREATE OR REPLACE STREAM "DEST" ("id" INTEGER, "v" VARCHAR(8));
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM "id", "v" FROM "SOURCE_SQL_STREAM_001";`,
        }),
      );
      await c.analytics.send(
        new StartApplicationCommand({
          ApplicationName: 'passthrough',
          InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'NOW' } }],
        }),
      );
      // Past the first periodic checkpoint (10 s), then crash mid-stream.
      const until = Date.now() + 11_500;
      while (Date.now() < until) {
        await put(20);
        await sleep(50);
      }
      // A last batch the application is most likely still working on when the process dies.
      await put(500);
      await proc.kill();
    } finally {
      c.destroy();
    }

    proc = await startFreshet({ port, dataDir: dir });
    c = clients(port);
    try {
      await waitFor(
        'the application RUNNING again',
        async () =>
          (await c.analytics.send(new DescribeApplicationCommand({ ApplicationName: 'passthrough' }))).ApplicationDetail!.ApplicationStatus === 'RUNNING',
      );
      await put(100);
      const total = nextId - 1;
      let ids: number[] = [];
      await waitFor('every record in the output', async () => {
        ids = await outputIds(c.kinesis, 'out');
        return new Set(ids).size >= total;
      });
      const missing: number[] = [];
      const seen = new Set(ids);
      for (let id = 1; id <= total; id++) if (!seen.has(id)) missing.push(id);
      assert.deepEqual(missing, []);
      console.log(`# crash: ${total} records in, ${ids.length} out (${ids.length - total} repeated from the last checkpoint)`);
    } finally {
      c.destroy();
      await proc.stop();
      proc = undefined;
    }
  });
});
