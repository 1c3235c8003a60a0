/**
 * GetRecords builds its pages in pooled buffers (src/core/buffer-pool.ts) from
 * pooled read chunks and recycles both once the response is sent. These tests
 * read the same records over and over from many concurrent clients — full
 * pages, small pages, aborted requests — on file storage while a writer keeps
 * appending, and check every page byte for byte: a buffer recycled too early
 * would show up as another page's bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { BufferPool } from '../../src/core/index.ts';
import { startTestServer, uniqueName, waitActive } from './helpers.ts';

test('BufferPool hands back released buffers by size class and keeps at most its cap', () => {
  const pool = new BufferPool(3 * 1024 * 1024);
  const a = pool.acquire(1000);
  assert.equal(a.length, 64 * 1024);
  const b = pool.acquire(1024 * 1024 + 1);
  assert.equal(b.length, 2 * 1024 * 1024);
  pool.release(a);
  pool.release(b);
  assert.equal(pool.held, 64 * 1024 + 2 * 1024 * 1024);
  assert.equal(pool.acquire(2000), a);
  assert.equal(pool.acquire(1_500_000), b);
  assert.equal(pool.held, 0);
  // over the cap: not kept
  const c = pool.acquire(2 * 1024 * 1024);
  const d = pool.acquire(2 * 1024 * 1024);
  pool.release(c);
  pool.release(d);
  assert.equal(pool.held, 2 * 1024 * 1024);
  // a subarray is not a pool buffer
  pool.release(pool.acquire(64 * 1024).subarray(0, 10));
  assert.equal(pool.held, 2 * 1024 * 1024);
});

test('concurrent GetRecords pages built in recycled buffers are each exactly right', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-read-buffers-'));
  const { server, client } = await startTestServer({ storage: 'file', dataDir: dir, fsync: { kind: 'never' } });
  try {
    const name = uniqueName('pool');
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await waitActive(client, name);
    const payload = (i: number): Buffer => Buffer.alloc(700 + (i % 300), i % 251);
    const total = 3000;
    for (let i = 0; i < total; i += 500) {
      const r = await client.send(
        new PutRecordsCommand({ StreamName: name, Records: Array.from({ length: 500 }, (_, j) => ({ PartitionKey: `k${i + j}`, Data: payload(i + j) })) }),
      );
      assert.equal(r.FailedRecordCount, 0);
    }
    const iterator = async (): Promise<string> =>
      (await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator!;
    let writing = true;
    const writer = (async () => {
      let i = total;
      while (writing) {
        await client.send(
          new PutRecordsCommand({ StreamName: name, Records: Array.from({ length: 100 }, (_, j) => ({ PartitionKey: `k${i + j}`, Data: payload(i + j) })) }),
        );
        i += 100;
      }
    })();
    const reader = async (limit: number): Promise<number> => {
      let it = await iterator();
      let seen = 0;
      while (seen < total) {
        const page = await client.send(new GetRecordsCommand({ ShardIterator: it, Limit: limit }));
        for (const r of page.Records ?? []) {
          const i = seen++;
          assert.equal(r.PartitionKey, `k${i}`);
          assert.ok(Buffer.from(r.Data!).equals(payload(i)), `record ${i} has another record's bytes`);
        }
        it = page.NextShardIterator!;
      }
      return seen;
    };
    // Requests abandoned mid-response: their buffers must not be recycled while still being written.
    const aborter = async (): Promise<void> => {
      for (let k = 0; k < 10; k++) {
        const it = await iterator();
        await new Promise<void>((resolve) => {
          const req = request(
            `${server.url}/`,
            {
              method: 'POST',
              headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'Kinesis_20131202.GetRecords' },
            },
            (res) => {
              res.once('data', () => {
                req.destroy();
                resolve();
              });
              res.once('error', () => resolve());
            },
          );
          req.on('error', () => resolve());
          req.end(JSON.stringify({ ShardIterator: it }));
        });
      }
    };
    try {
      for (let round = 0; round < 3; round++) {
        const counts = await Promise.all([reader(10_000), reader(10_000), reader(777), reader(3000), reader(50), aborter()]);
        // Readers stop at the first page that reaches `total`; the writer's later records are checked too.
        for (const c of counts.slice(0, 5)) assert.ok(c! >= total, `a reader saw ${c} records`);
      }
    } finally {
      writing = false;
      await writer;
    }
  } finally {
    client.destroy();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
