/**
 * `freshet server --checkpoint-interval <seconds>` reaches the SQL applications' host: a real
 * server process with a 1 s interval checkpoints a running application's input position
 * within a couple of seconds of wall time (the default, 10 s, would not have), seen in the
 * data directory after the process is SIGKILLed (no checkpoint on close).
 * Real time: about 5 s.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreateApplicationCommand, KinesisAnalyticsClient, StartApplicationCommand } from '@aws-sdk/client-kinesis-analytics';
import { FileStorage } from '../../src/storage/index.ts';
import { CHECKPOINT_KEY_PREFIX } from '../../src/analytics/index.ts';
import { spawnCli, waitForOutput } from '../cli/run-cli.ts';
import { ROLE, streamArn } from './helpers.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('freshet server --checkpoint-interval', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kda-ckpt-cli-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects a non-positive interval', async () => {
    const child = spawnCli(['server', '--port', '0', '--storage', 'memory', '--checkpoint-interval', '0']);
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.notEqual(code, 0);
    assert.match(err, /expected a positive number of seconds, got '0'/);
  });

  it('checkpoints a running application at the given interval of wall time', async () => {
    const child = spawnCli(['server', '--port', '0', '--data-dir', dir, '--fsync', 'never', '--checkpoint-interval', '1']);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const out = await waitForOutput(child, (s) => /Kinesis endpoint http:\/\/\S+/.test(s), 30_000);
      const url = /Kinesis endpoint (http:\/\/\S+)/.exec(out)![1]!;
      const config = {
        endpoint: url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
        requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: false }) }),
      };
      const kinesis = new KinesisClient(config);
      const analytics = new KinesisAnalyticsClient(config);
      try {
        for (const s of ['in', 'out']) await kinesis.send(new CreateStreamCommand({ StreamName: s, ShardCount: 1 }));
        for (const s of ['in', 'out']) {
          await waitFor(
            `${s} ACTIVE`,
            async () => (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: s }))).StreamDescriptionSummary!.StreamStatus === 'ACTIVE',
          );
        }
        await analytics.send(
          new CreateApplicationCommand({
            ApplicationName: 'ckpt',
            Inputs: [
              {
                NamePrefix: 'SOURCE_SQL_STREAM',
                KinesisStreamsInput: { ResourceARN: streamArn('in'), RoleARN: ROLE },
                InputSchema: {
                  RecordFormat: {
                    RecordFormatType: 'CSV',
                    MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: ',' } },
                  },
                  RecordColumns: [{ Name: 'id', SqlType: 'INTEGER' }],
                },
              },
            ],
            Outputs: [{ Name: 'DEST', KinesisStreamsOutput: { ResourceARN: streamArn('out'), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'CSV' } }],
            ApplicationCode: `CREATE OR REPLACE STREAM "DEST" ("id" INTEGER);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM "id" FROM "SOURCE_SQL_STREAM_001";`,
          }),
        );
        await analytics.send(
          new StartApplicationCommand({
            ApplicationName: 'ckpt',
            InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'NOW' } }],
          }),
        );
        await kinesis.send(
          new PutRecordsCommand({ StreamName: 'in', Records: [1, 2, 3].map((i) => ({ PartitionKey: String(i), Data: Buffer.from(String(i)) })) }),
        );
        await sleep(2_500); // > 1 s interval (+ 1 s tick granularity), < the 10 s default
      } finally {
        kinesis.destroy();
        analytics.destroy();
      }
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const storage = new FileStorage({ dataDir: dir, fsync: { kind: 'never' } });
    await storage.open();
    try {
      const saved = storage.meta.get<{ inputs: Record<string, { shards: Record<string, { offset: number }> }> }>(`${CHECKPOINT_KEY_PREFIX}ckpt`);
      assert.ok(saved, 'a checkpoint is stored');
      assert.deepEqual(
        Object.values(saved.inputs['1.1']!.shards).map((s) => s.offset),
        [3],
        'the periodic checkpoint covers the records read',
      );
    } finally {
      await storage.close();
    }
  });
});
