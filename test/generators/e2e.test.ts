import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateStreamCommand } from '@aws-sdk/client-kinesis';
import { KinesisWriter, startGenerator, getGenerator, encodeRecord } from '../../src/generators/index.ts';
import { kinesisClient, readStream, waitFor, waitForStreamActive } from '../../src/pipeline/index.ts';
import { startTestServer, type TestServer } from '../cli/server-harness.ts';
import { runCli, spawnCli } from '../cli/run-cli.ts';
import { runCliInProcess } from '../cli/run-cli-in-process.ts';

let server: TestServer;
let seq = 0;
const uniqueName = (p: string) => `${p}-${process.pid}-${++seq}`;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

async function createStream(name: string, shards: number): Promise<void> {
  const client = kinesisClient({ endpoint: server.url });
  try {
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
    await waitForStreamActive(client, name);
  } finally {
    client.destroy();
  }
}

async function readAll(name: string): Promise<string[]> {
  const client = kinesisClient({ endpoint: server.url });
  const out: string[] = [];
  try {
    await readStream({ client, streamName: name, follow: false, idlePollMs: 10, onRecord: (r) => out.push(Buffer.from(r.data).toString()) });
  } finally {
    client.destroy();
  }
  return out;
}

/**
 * A proxy in front of the real server that, for the first `budget` PutRecords
 * calls, forwards only the first half of the batch and reports the rest as
 * throttled — the partial failure AWS answers under load.
 */
async function startThrottlingProxy(target: string, budget: number): Promise<{ url: string; injected: () => number; close(): Promise<void> }> {
  let injected = 0;
  const t = new URL(target);
  const proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      let dropped = 0;
      const isPut = String(req.headers['x-amz-target']).endsWith('.PutRecords');
      if (isPut && budget > 0) {
        budget--;
        const parsed = JSON.parse(body.toString()) as { Records: unknown[] };
        const keep = Math.ceil(parsed.Records.length / 2);
        dropped = parsed.Records.length - keep;
        parsed.Records = parsed.Records.slice(0, keep);
        body = Buffer.from(JSON.stringify(parsed));
        injected += dropped;
      }
      const headers = { ...req.headers, 'content-length': String(body.length), host: t.host };
      const up = http.request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers }, (upRes) => {
        const upChunks: Buffer[] = [];
        upRes.on('data', (c: Buffer) => upChunks.push(c));
        upRes.on('end', () => {
          let out = Buffer.concat(upChunks);
          if (dropped > 0 && upRes.statusCode === 200) {
            const parsed = JSON.parse(out.toString()) as { FailedRecordCount: number; Records: unknown[] };
            for (let i = 0; i < dropped; i++) {
              parsed.Records.push({
                ErrorCode: 'ProvisionedThroughputExceededException',
                ErrorMessage: 'Rate exceeded for shard shardId-000000000000 in stream s under account 000000000000.',
              });
            }
            parsed.FailedRecordCount += dropped;
            out = Buffer.from(JSON.stringify(parsed));
          }
          res.writeHead(upRes.statusCode ?? 500, { ...upRes.headers, 'content-length': String(out.length) });
          res.end(out);
        });
      });
      up.end(body);
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    injected: () => injected,
    close: () =>
      new Promise<void>((r) => {
        proxy.closeAllConnections();
        proxy.close(() => r());
      }),
  };
}

describe('generators end to end', () => {
  it('writes N seeded records into a Freshet stream and reads exactly those back', async () => {
    const name = uniqueName('gen-e2e');
    await createStream(name, 4);
    const client = kinesisClient({ endpoint: server.url });
    const sink = new KinesisWriter({ client, streamName: name });
    try {
      const h = startGenerator({ kind: 'sensors', sink, ratePerSecond: 2000, count: 1500, seed: 11, tickMs: 20 });
      const stats = await h.done;
      assert.equal(stats.generated, 1500);
      assert.equal(stats.sent, 1500);
      assert.equal(stats.failed, 0);
    } finally {
      client.destroy();
    }
    const got = await readAll(name);
    assert.equal(got.length, 1500);
    // Same seed, same records: rebuild them (event times aside) and compare as multisets.
    const g = getGenerator('sensors');
    const f = g.create({ seed: 11, anomalyRate: 0 });
    const strip = (s: string) => {
      const { event_time: _t, ...rest } = JSON.parse(s) as Record<string, unknown>;
      return JSON.stringify(rest);
    };
    const expected = Array.from({ length: 1500 }, () => strip(encodeRecord(f.next(0), g.fields, 'json'))).sort();
    assert.deepEqual(got.map(strip).sort(), expected);
  });

  it('retries the records PutRecords reports as failed, writing each exactly once', async () => {
    const name = uniqueName('gen-retry');
    await createStream(name, 2);
    const proxy = await startThrottlingProxy(server.url, 3);
    const client = kinesisClient({ endpoint: proxy.url });
    const sink = new KinesisWriter({ client, streamName: name, maxBatchRecords: 100, retry: { initialDelayMs: 5, maxDelayMs: 20 } });
    try {
      const h = startGenerator({ kind: 'trades', sink, everyMs: 1000, batch: 300, count: 300, seed: 5 });
      const stats = await h.done;
      assert.ok(proxy.injected() > 0);
      assert.equal(stats.retried, proxy.injected());
      assert.equal(stats.sent, 300);
      assert.equal(stats.failed, 0);
    } finally {
      client.destroy();
      await proxy.close();
    }
    const ids = (await readAll(name)).map((s) => (JSON.parse(s) as { id: number }).id).sort((a, b) => a - b);
    assert.deepEqual(
      ids,
      Array.from({ length: 300 }, (_, i) => i + 1),
    );
  });

  it('keeps the records of one partition key in order while batches of other keys go concurrently', async () => {
    const name = uniqueName('gen-order');
    await createStream(name, 1);
    const client = kinesisClient({ endpoint: server.url });
    // The first call is slow (as a retried or unlucky call is): later calls must not overtake it on its key.
    let calls = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        const mine = ++calls;
        maxConcurrent = Math.max(maxConcurrent, ++concurrent);
        try {
          if (mine === 1) await new Promise((r) => setTimeout(r, 150));
          return await next(args);
        } finally {
          concurrent--;
        }
      },
      { step: 'finalizeRequest', name: 'slowFirstCall' },
    );
    const sink = new KinesisWriter({ client, streamName: name, maxBatchRecords: 1, maxInFlight: 4 });
    try {
      for (const [data, key] of [
        ['a0', 'a'],
        ['b0', 'b'],
        ['c0', 'c'],
        ['a1', 'a'],
        ['b1', 'b'],
        ['a2', 'a'],
      ])
        sink.add(Buffer.from(data!), key!);
      await sink.flush();
    } finally {
      client.destroy();
    }
    assert.equal(sink.stats.sent, 6);
    assert.ok(maxConcurrent >= 3, `batches of other keys went alongside the slow one (at most ${maxConcurrent} at once)`);
    const got = await readAll(name);
    assert.deepEqual(
      got.filter((d) => d.startsWith('a')),
      ['a0', 'a1', 'a2'],
    );
    assert.deepEqual(
      got.filter((d) => d.startsWith('b')),
      ['b0', 'b1'],
    );
  });

  it('`freshet generate trades` writes 100 trades per invocation with about 5% anomalies', async () => {
    const name = uniqueName('gen-cli');
    await createStream(name, 2);
    const res = await runCli(['generate', 'trades', '--stream', name, '--count', '400', '--every', '50ms', '--seed', '9', '-q'], {
      FRESHET_ENDPOINT: server.url,
    });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /400 records sent to/);
    const trades = (await readAll(name)).map((s) => JSON.parse(s) as { price: number; quantity: number; tickerSymbol: string });
    assert.equal(trades.length, 400);
    const big = trades.filter((t) => t.quantity >= 1000).length;
    assert.ok(big >= 8 && big <= 40, `${big} anomalous trades of 400`);
  });

  it('`freshet generate replay` replays a file at a speed-up, keeping its rows', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'freshet-replay-cli-')), 'nab.csv');
    const rows = Array.from({ length: 10 }, (_, i) => `2014-04-01 ${String(i).padStart(2, '0')}:00:00,${40 + i}`);
    writeFileSync(file, `timestamp,value\n${rows.join('\n')}\n`);
    const name = uniqueName('gen-replay');
    await createStream(name, 1);
    const started = Date.now();
    const res = await runCliInProcess(['generate', 'replay', file, '--stream', name, '--speedup', '36000', '-q'], { FRESHET_ENDPOINT: server.url });
    assert.equal(res.code, 0, res.stderr);
    // Nine hours of event time at 36000× take about 0.9 s.
    assert.ok(Date.now() - started >= 900);
    assert.deepEqual(
      await readAll(name),
      rows.map((r) => `${r}\n`),
    );
  });

  it('`freshet generate` without --count runs until Ctrl-C, then flushes and reports what it sent', async () => {
    const name = uniqueName('gen-sigint');
    await createStream(name, 1);
    const child = spawnCli(['generate', 'ticker', '--stream', name, '--rate', '200/s'], { FRESHET_ENDPOINT: server.url });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const closed = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
    // The counter prints its first line after a second of running.
    await waitFor('the live counter', async () => (/ticker → .*: [\d,]+ sent/.test(stderr) ? true : undefined), { timeoutMs: 60_000 });
    child.kill('SIGINT');
    assert.equal(await closed, 0, stderr);
    const last = stderr.trim().split('\n').at(-1)!;
    const sent = Number(/: ([\d,]+) sent/.exec(last)![1]!.replace(/,/g, ''));
    assert.ok(sent > 0);
    assert.match(last, /, 0 pending, 0 retried, 0 failed/);
    assert.equal((await readAll(name)).length, sent);
  });

  it('rejects every flush once records could not be written, so concurrent callers all see the loss', async () => {
    const client = kinesisClient({ endpoint: server.url });
    try {
      const w = new KinesisWriter({ client, streamName: 'no-such-stream-writer' });
      w.add(Buffer.from('a'), 'k');
      const results = await Promise.allSettled([w.flush(), w.flush(), w.flush()]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['rejected', 'rejected', 'rejected'],
      );
      await assert.rejects(w.flush(), { name: 'ResourceNotFoundException' });
      assert.equal(w.stats.failed, 1);
      assert.equal(w.stats.sent, 0);
    } finally {
      client.destroy();
    }
  });

  it('`freshet generate` names the missing stream and how to create it', async () => {
    const res = await runCliInProcess(['generate', 'sales', '--stream', 'no-such-stream', '--count', '5', '-q'], { FRESHET_ENDPOINT: server.url });
    assert.equal(res.code, 1);
    assert.match(
      res.stderr,
      /freshet: stream no-such-stream not found at http:\/\/127\.0\.0\.1:\d+ — create it with `npx freshet streams create no-such-stream`/,
    );
  });
});
