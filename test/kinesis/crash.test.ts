/**
 * Crash test (issue 2): `freshet server --fsync always` as a child process,
 * concurrent writers, SIGKILL mid-load, restart on the same data dir, read
 * every shard from TRIM_HORIZON. Every acknowledged record must come back with
 * its sequence number, partition key and data, in per-shard order, once;
 * records in flight at the kill may or may not be there, but never twice.
 * Repeated over several kill/restart cycles, the checks covering all cycles.
 *
 * About 10 s on an idle 2-core machine, most of it five server start-ups; the
 * timeout is generous because start-up alone takes 5–10 s when the machine is
 * loaded.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { freePort, startFreshet, type FreshetProcess } from './crash/freshet-process.ts';
import { Ledger, check, readAll, runWriters } from './crash/load.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const CYCLES = 4;
const WRITERS = 6;
const SHARDS = 3;

function client(port: number): KinesisClient {
  return new KinesisClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'crash', secretAccessKey: 'crash' },
    // No SDK retries: a request that failed at the kill must not be silently re-sent.
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: WRITERS + 2 }) }),
  });
}

async function waitActive(c: KinesisClient, stream: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const d = await c.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${stream} did not become ACTIVE`);
}

describe('freshet server under SIGKILL', () => {
  it('reads back every acknowledged record once, in order, after repeated kill -9 and restart mid-load', { timeout: 180_000 }, async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'freshet-crash-'));
    const port = await freePort();
    const stream = `crash-${process.pid}-${Date.now()}`;
    const ledger = new Ledger();
    let server: FreshetProcess | undefined;
    try {
      server = await startFreshet({ port, dataDir });
      let c = client(port);
      await c.send(new CreateStreamCommand({ StreamName: stream, ShardCount: SHARDS }));
      await waitActive(c, stream);

      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const t0 = performance.now();
        const ackedBefore = ledger.acked.size;
        const attemptedBefore = ledger.attempted.size;
        let killed = false;
        const writing = runWriters(c, ledger, { stream, cycle, writers: WRITERS, killed: () => killed });
        // Kill mid-load: once this cycle has some acknowledged records, after a varying extra delay.
        const deadline = Date.now() + 15_000;
        while (ledger.acked.size - ackedBefore < 400 && Date.now() < deadline && ledger.unexpectedErrors.length === 0) {
          await new Promise((r) => setTimeout(r, 5));
        }
        await new Promise((r) => setTimeout(r, 20 + cycle * 37));
        killed = true;
        await server.kill();
        await writing;
        c.destroy();
        assert.deepEqual(ledger.unexpectedErrors, [], `writer errors before the kill in cycle ${cycle}:\n${server.output()}`);
        assert.ok(ledger.acked.size - ackedBefore >= 400, `cycle ${cycle} acknowledged only ${ledger.acked.size - ackedBefore} records before the kill`);
        // Mid-load: every writer had a request in flight when the server died, so some records went unanswered.
        const inFlight = ledger.attempted.size - attemptedBefore - (ledger.acked.size - ackedBefore);
        assert.ok(inFlight >= WRITERS, `only ${inFlight} records were in flight at the kill`);

        const t1 = performance.now();
        const restarted = await startFreshet({ port, dataDir });
        server = restarted;
        const t2 = performance.now();
        c = client(port);
        const back = await readAll(c, stream).catch((e: unknown) => {
          throw new Error(`read-back after kill ${cycle + 1} failed: ${String(e)}\nserver output:\n${restarted.output()}`);
        });
        assert.equal(back.shardIds.length, SHARDS, 'the stream keeps its shards across the crash');
        const problems = check(ledger, back);
        assert.deepEqual(problems.slice(0, 20), [], `after kill ${cycle + 1}: ${problems.length} problems`);
        const total = [...back.records.values()].reduce((a, l) => a + l.length, 0);
        assert.ok(total >= ledger.acked.size, `read back ${total} records, acknowledged ${ledger.acked.size}`);
        t.diagnostic(
          `kill ${cycle + 1}: ${ledger.acked.size - ackedBefore} acknowledged this cycle, ${inFlight} in flight at the kill, ${total} read back in all (${total - ledger.acked.size} unacknowledged survivors); ` +
            `load ${(t1 - t0).toFixed(0)} ms, restart ${(t2 - t1).toFixed(0)} ms, read-back ${(performance.now() - t2).toFixed(0)} ms`,
        );
      }
      c.destroy();
    } finally {
      await server?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
