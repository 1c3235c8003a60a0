/**
 * SIGKILL of the server while batches are in flight: a Freshet server with a
 * Kinesis event source mapping runs as a child process (FileStorage, fsync
 * always); the handler hangs in the middle of one batch per shard; the server
 * is killed with SIGKILL and restarted on the same data dir. Afterwards every
 * record has been processed exactly once by a batch that completed: no batch
 * that completed before the kill runs again, and no record is skipped.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { waitUntil } from './esm-harness.ts';

const CHILD = fileURLToPath(new URL('./fixtures/esm-server.ts', import.meta.url));

async function startChild(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      const m = /ready (\d+)/.exec(c.toString());
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
  return { child, port };
}

const HANDLER = `
const fs = require('fs');
exports.handler = async (event) => {
  const ids = event.Records.map((r) => Number(Buffer.from(r.kinesis.data, 'base64').toString()));
  const shard = event.Records[0].eventID.split(':')[0];
  const marker = process.env.DIR + '/hang-' + shard;
  if (ids.some((i) => i >= 100) && !fs.existsSync(marker)) {
    fs.writeFileSync(marker, JSON.stringify(ids));
    await new Promise(() => setInterval(() => {}, 1000));
  }
  fs.appendFileSync(process.env.OUT, JSON.stringify(ids) + '\\n');
};
`;

describe('SIGKILL of the server during a Kinesis event source mapping', () => {
  it('after a restart, no completed batch is delivered again and no record is skipped', async () => {
    const root = await mkdtemp(join(tmpdir(), 'freshet-esm-crash-'));
    const dataDir = join(root, 'data');
    const codeDir = join(root, 'code');
    const out = join(root, 'processed.jsonl');
    await mkdir(codeDir);
    await writeFile(join(codeDir, 'index.js'), HANDLER);
    let proc = await startChild([dataDir, '0', codeDir, out]);
    const port = proc.port;
    const client = () =>
      new KinesisClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    const processed = (): number[][] =>
      existsSync(out)
        ? readFileSync(out, 'utf8')
            .split('\n')
            .filter((l) => l)
            .map((l) => JSON.parse(l))
        : [];
    let c = client();
    try {
      const put = async (from: number, to: number) => {
        const ids = Array.from({ length: to - from }, (_, i) => from + i);
        const res = await c.send(
          new PutRecordsCommand({ StreamName: 'crash', Records: ids.map((i) => ({ Data: Buffer.from(String(i)), PartitionKey: `key-${i % 16}` })) }),
        );
        assert.equal(res.FailedRecordCount, 0);
      };
      await put(0, 100);
      await waitUntil(() => processed().flat().length === 100, 'the first 100 records', 60_000);
      await put(100, 200);
      await waitUntil(() => readdirSync(codeDir).filter((n) => n.startsWith('hang-')).length === 2, 'a batch in flight on each shard', 60_000);
      proc.child.kill('SIGKILL');
      await new Promise((r) => proc.child.once('exit', r));
      c.destroy();
      const beforeRestart = processed().length;

      proc = await startChild([dataDir, String(port), codeDir, out]);
      c = client();
      await waitUntil(() => new Set(processed().flat()).size === 200, 'every record after the restart', 60_000);
      const counts = new Map<number, number>();
      for (const id of processed().flat()) counts.set(id, (counts.get(id) ?? 0) + 1);
      const repeated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
      assert.deepEqual(repeated, [], 'records processed twice');
      assert.ok(processed().length > beforeRestart, 'the interrupted batches ran after the restart');
    } finally {
      c.destroy();
      proc.child.kill('SIGKILL');
      await rm(root, { recursive: true, force: true });
    }
  });
});
