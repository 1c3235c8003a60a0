import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient, waitForStreamActive } from '../../src/pipeline/index.ts';
import { startTestServer, type TestServer } from './server-harness.ts';
import { spawnCli } from './run-cli.ts';

// A pass-through pump (rows at once) and a 60-second tumbling window (rows when the minute ends).
const SQL = `CREATE OR REPLACE STREAM "SEEN" ("ticker" VARCHAR(8), "price" DOUBLE);
CREATE OR REPLACE PUMP "P1" AS INSERT INTO "SEEN" SELECT STREAM "ticker", "price" FROM "SOURCE_SQL_STREAM_001";
CREATE OR REPLACE STREAM "PER_MINUTE" ("ticker" VARCHAR(8), "total" DOUBLE);
CREATE OR REPLACE PUMP "P2" AS INSERT INTO "PER_MINUTE"
  SELECT STREAM "ticker", SUM("price") FROM "SOURCE_SQL_STREAM_001"
  GROUP BY "ticker", STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '60' SECOND);
`;

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

async function runUntilInterrupted(stream: string, extra: string[]): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-sqlstop-'));
  writeFileSync(join(dir, 'app.sql'), SQL);
  const child = spawnCli([
    'sql',
    'run',
    join(dir, 'app.sql'),
    '--input',
    stream,
    '--from',
    'trim-horizon',
    '--schema',
    '"ticker" VARCHAR(8), "price" DOUBLE',
    '--endpoint',
    server.url,
    ...extra,
  ]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const deadline = Date.now() + 30_000;
  // Every record seen by the pass-through pump: the window holds them all, still open.
  while ((stdout.match(/^SEEN /gm) ?? []).length < 3) {
    if (Date.now() > deadline) assert.fail(`no rows; stderr: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGINT');
  const code = await new Promise<number | null>((r) => child.once('close', r));
  return { stdout, stderr, code };
}

describe('freshet sql run stopped with Ctrl-C', () => {
  it('prints the still-open window’s rows marked [partial], never as complete rows, or drops them with --partial drop', async () => {
    const client = kinesisClient({ endpoint: server.url });
    await client.send(new CreateStreamCommand({ StreamName: 'sqlstop', ShardCount: 1 }));
    await waitForStreamActive(client, 'sqlstop');
    await client.send(
      new PutRecordsCommand({
        StreamName: 'sqlstop',
        Records: [10, 20, 30].map((price) => ({ PartitionKey: 'k', Data: Buffer.from(JSON.stringify({ ticker: 'AMZN', price })) })),
      }),
    );
    client.destroy();

    const marked = await runUntilInterrupted('sqlstop', []);
    assert.equal(marked.code, 0, marked.stderr);
    const lines = marked.stdout.trim().split('\n');
    assert.deepEqual(
      lines.filter((l) => l.startsWith('PER_MINUTE {')),
      [],
      'no unmarked window rows',
    );
    assert.deepEqual(
      lines.filter((l) => l.includes('[partial]')).map((l) => l.replace(/"ROWTIME":"[^"]*",?/, '')),
      ['PER_MINUTE [partial] {"ticker":"AMZN","total":60}'],
    );
    assert.match(marked.stderr, /freshet: 1 row\(s\) marked \[partial\]: windows still open when the run stopped \(--partial drop leaves them out\)\n$/);

    const dropped = await runUntilInterrupted('sqlstop', ['--partial', 'drop']);
    assert.equal(dropped.code, 0, dropped.stderr);
    assert.doesNotMatch(dropped.stdout, /PER_MINUTE/);
    assert.match(dropped.stderr, /freshet: dropped 1 partial row\(s\) of windows still open when the run stopped \(--partial mark prints them\)\n$/);
  });
});
