/**
 * A `freshet server` process SIGKILLed while AUTO REFRESH is ingesting: after a restart on the same data dir,
 * one more refresh leaves the view holding every acknowledged record exactly once — the rows and the shard
 * positions are committed in one DuckDB transaction, so a crash can tear neither apart.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { KinesisClient, CreateStreamCommand, DescribeStreamSummaryCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { CLI, ROOT } from '../cli/run-cli.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { tempDir } from './helpers.ts';

interface Child {
  proc: ChildProcess;
  port: number;
  pgPort: number;
}

async function startChild(dataDir: string): Promise<Child> {
  const proc = spawn(process.execPath, [CLI, 'server', '--port', '0', '--pg-port', '0', '--data-dir', dataDir, '--fsync', 'always'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ports = await new Promise<{ port: number; pgPort: number }>((resolve, reject) => {
    proc.stdout!.on('data', (d) => {
      out += d;
      const k = /Kinesis endpoint http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      const p = /Postgres endpoint 127\.0\.0\.1:(\d+)/.exec(out);
      if (k && p) resolve({ port: Number(k[1]), pgPort: Number(p[1]) });
    });
    proc.on('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
  return { proc, ...ports };
}

function kinesis(port: number): KinesisClient {
  return new KinesisClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
}

describe('streaming views across a SIGKILL', () => {
  it('holds every acknowledged record exactly once after a crash during AUTO REFRESH', async () => {
    const tmp = await tempDir('views-crash');
    let child = await startChild(tmp.dir);
    let acked = 0;
    try {
      let k = kinesis(child.port);
      await k.send(new CreateStreamCommand({ StreamName: 'crash-tx', ShardCount: 2 }));
      while ((await k.send(new DescribeStreamSummaryCommand({ StreamName: 'crash-tx' }))).StreamDescriptionSummary?.StreamStatus !== 'ACTIVE') {
        await new Promise((r) => setTimeout(r, 20));
      }
      const c = new pg.Client({ host: '127.0.0.1', port: child.pgPort, user: 'analyst', database: 'dev' });
      await c.connect();
      await c.query('CREATE EXTERNAL SCHEMA kds FROM KINESIS IAM_ROLE default');
      await c.query(`CREATE MATERIALIZED VIEW crash_v AUTO REFRESH YES AS SELECT sequence_number, JSON_PARSE(kinesis_data) AS p FROM kds."crash-tx"`);
      // Write for a while with AUTO REFRESH running, then kill the server between two puts.
      const deadline = Date.now() + 2500;
      while (Date.now() < deadline) {
        const records = Array.from({ length: 200 }, (_, i) => ({ PartitionKey: `k${(acked + i) % 7}`, Data: Buffer.from(JSON.stringify({ id: acked + i })) }));
        const res = await k.send(new PutRecordsCommand({ StreamName: 'crash-tx', Records: records }));
        assert.equal(res.FailedRecordCount ?? 0, 0);
        acked += records.length;
      }
      const seen = Number((await c.query('SELECT count(*) AS n FROM crash_v')).rows[0].n);
      assert.ok(seen > 0, 'AUTO REFRESH had ingested something before the crash');
      c.on('error', () => undefined);
      child.proc.kill('SIGKILL');
      await new Promise((r) => child.proc.once('exit', r));
      k.destroy();

      child = await startChild(tmp.dir);
      k = kinesis(child.port);
      const c2 = new pg.Client({ host: '127.0.0.1', port: child.pgPort, user: 'analyst', database: 'dev' });
      await c2.connect();
      await c2.query('REFRESH MATERIALIZED VIEW crash_v');
      const r = await c2.query('SELECT count(*) AS n, count(DISTINCT p.id) AS ids, count(DISTINCT sequence_number) AS seqs, max(p.id::int) AS hi FROM crash_v');
      assert.deepEqual([Number(r.rows[0].n), Number(r.rows[0].ids), Number(r.rows[0].seqs), r.rows[0].hi], [acked, acked, acked, acked - 1]);
      await c2.end();
      k.destroy();
    } finally {
      child.proc.kill('SIGTERM');
      await new Promise((r) => (child.proc.exitCode !== null ? r(undefined) : child.proc.once('exit', r)));
      await tmp.remove();
    }
  });
});
