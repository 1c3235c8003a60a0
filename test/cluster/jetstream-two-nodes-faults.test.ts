/**
 * Two Freshet nodes on a 3-server NATS JetStream cluster (R3) under continuous writes from several SDK clients to
 * both nodes (no SDK retries, so every acknowledgement is one the test saw): kill -9 one NATS server and restart it,
 * then kill -9 one Freshet node (a child process running `freshet server`) and restart it on the same port.
 * Afterwards every acknowledged record is read back exactly once, at the sequence number it was acknowledged with,
 * each writer's records in write order per shard; the clients saw only retryable errors (HTTP 500/503, or the
 * killed node's refused or reset connections).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as K from '@aws-sdk/client-kinesis';
import { startNatsCluster } from '../../src/cluster/index.ts';
import type { NatsCluster } from '../../src/cluster/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { spawnCli, waitForOutput } from '../cli/run-cli.ts';
import { uniqueName } from '../kinesis/helpers.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function clientAt(url: string): K.KinesisClient {
  return new K.KinesisClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, maxAttempts: 1 });
}

interface Acked {
  shardId: string;
  seq: string;
}

interface CallError {
  writer: string;
  name: string;
  status: number | undefined;
  code: string | undefined;
}

/** Writers (one per URL given) putting 10-record batches of unique payloads until `stop`; acked and failed calls recorded. */
function startWriters(urls: readonly string[], stream: string) {
  const acked = new Map<string, Acked>();
  const order = new Map<string, string[]>(); // writer → payloads in ack order
  const errors: CallError[] = [];
  let stop = false;
  let ackedSinceMark = 0;
  const loops = urls.map((url, w) => {
    const client = clientAt(url);
    order.set(`w${w}`, []);
    return (async () => {
      for (let n = 0; !stop; n++) {
        const records = [];
        for (let i = 0; i < 10; i++) records.push({ PartitionKey: `k${w}-${i}`, Data: Buffer.from(`w${w}-${n}-${i}`) });
        try {
          const r = await client.send(new K.PutRecordsCommand({ StreamName: stream, Records: records }));
          assert.equal(r.FailedRecordCount ?? 0, 0);
          r.Records!.forEach((x, i) => {
            const data = `w${w}-${n}-${i}`;
            acked.set(data, { shardId: x.ShardId!, seq: x.SequenceNumber! });
            order.get(`w${w}`)!.push(data);
          });
          ackedSinceMark += 10;
        } catch (e) {
          const err = e as { name: string; code?: string; $metadata?: { httpStatusCode?: number } };
          errors.push({ writer: `w${w}`, name: err.name, status: err.$metadata?.httpStatusCode, code: err.code });
          await sleep(50);
        }
      }
      client.destroy();
    })();
  });
  return {
    acked,
    order,
    errors,
    /** Resolves once `n` more records have been acknowledged. */
    async progress(phase: string, n: number, timeoutMs = 60_000): Promise<void> {
      ackedSinceMark = 0;
      const deadline = Date.now() + timeoutMs;
      while (ackedSinceMark < n) {
        if (Date.now() > deadline) throw new Error(`writers stalled ${phase}: ${ackedSinceMark} of ${n} acks; errors ${JSON.stringify(errors.slice(-3))}`);
        await sleep(20);
      }
    },
    async stop(): Promise<void> {
      stop = true;
      await Promise.all(loops);
    },
  };
}

async function readShard(client: K.KinesisClient, stream: string, shardId: string): Promise<Array<{ data: string; seq: string }>> {
  const out: Array<{ data: string; seq: string }> = [];
  let it = (await client.send(new K.GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  for (;;) {
    const r = await client.send(new K.GetRecordsCommand({ ShardIterator: it, Limit: 10_000 }));
    for (const x of r.Records ?? []) out.push({ data: Buffer.from(x.Data!).toString(), seq: x.SequenceNumber! });
    if ((r.Records ?? []).length === 0 && r.MillisBehindLatest === 0) return out;
    it = r.NextShardIterator;
  }
}

/** Retries `check` until it passes or `timeoutMs` is over. */
async function eventually<T>(check: () => Promise<T>, what: string, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > until) throw new Error(`${what}: ${(e as Error).message}`, { cause: e });
      await sleep(50);
    }
  }
}

/**
 * What a client sees while the node it calls is down: the call never reached a server that answered. The SDK's
 * retry strategy counts these as transient (@smithy/service-error-classification: TimeoutError and these codes).
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

describe('two Freshet nodes under NATS server and Freshet node failures', () => {
  let nats: NatsCluster;
  let nodeA: FreshetServer;
  let nodeB: ChildProcessWithoutNullStreams | undefined;
  const namespace = `twofaults${process.pid}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-twofaults-'));

  /** Starts node B as its own process (so it can be killed with SIGKILL) and resolves with its endpoint. */
  async function startNodeB(port: number): Promise<string> {
    const child = spawnCli([
      'server',
      '--port',
      String(port),
      '--storage',
      'jetstream',
      '--nats',
      nats.urls.join(','),
      '--replicas',
      '3',
      '--nats-namespace',
      namespace,
      '--data-dir',
      dataDir,
      '--log-level',
      'warn',
    ]);
    nodeB = child;
    const out = await waitForOutput(child, (s) => /Kinesis endpoint http:\/\/127\.0\.0\.1:\d+/.test(s), 30_000);
    child.stdout.resume(); // what it prints later is not read: keep its pipe from filling
    return /Kinesis endpoint (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
  }

  before(async () => {
    nats = await startNatsCluster({ size: 3 });
    nodeA = await startServer({ port: 0, storage: 'jetstream', nats: { servers: nats.urls, replicas: 3, namespace }, createDelayMs: 0, deleteDelayMs: 0 });
  });
  after(async () => {
    nodeB?.kill('SIGKILL');
    await nodeA?.close();
    await nats?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses no acknowledged record when a NATS server and then a Freshet node are killed with SIGKILL and restarted', async () => {
    const urlB = await startNodeB(0);
    const portB = Number(new URL(urlB).port);
    const a = clientAt(nodeA.url);
    const stream = uniqueName('twofaults');
    await a.send(new K.CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
    const b = clientAt(urlB);
    await eventually(async () => {
      const st = (await b.send(new K.DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary!.StreamStatus;
      assert.equal(st, 'ACTIVE');
    }, 'node B sees the stream ACTIVE');
    b.destroy();
    // Two writers on each node.
    const w = startWriters([nodeA.url, nodeA.url, urlB, urlB], stream);
    try {
      await w.progress('before the faults', 200);
      await nats.kill(1);
      await w.progress('after killing a NATS server', 200);
      await nats.restart(1);
      await w.progress('after restarting it', 200);
      const killed = nodeB!;
      const exited = new Promise((r) => killed.once('exit', r));
      killed.kill('SIGKILL');
      await exited;
      await w.progress('with node B killed', 200);
      await startNodeB(portB);
      await w.progress('after restarting node B', 300);
    } finally {
      await w.stop();
    }
    for (const e of w.errors) {
      const onB = e.writer === 'w2' || e.writer === 'w3';
      // (the SDK's Kinesis client speaks HTTP/2: a dead server's session cancels its streams, ERR_HTTP2_*)
      const network =
        e.status === undefined && (e.name === 'TimeoutError' || (e.code !== undefined && (NETWORK_CODES.has(e.code) || e.code.startsWith('ERR_HTTP2_'))));
      // Node A never went down: its clients get only AWS's retryable server errors; node B's also the network errors of its death.
      assert.ok(e.status === 500 || e.status === 503 || (onB && network), `only retryable errors reach the clients: ${JSON.stringify(e)}`);
    }

    // Read back through the restarted node B: records written on A and on B, in one order per shard.
    const reader = clientAt(urlB);
    const shards = (await reader.send(new K.ListShardsCommand({ StreamName: stream }))).Shards!;
    const ackIndex = new Map<string, number>();
    for (const list of w.order.values()) list.forEach((d, i) => ackIndex.set(d, i));
    const seen = new Map<string, number>();
    for (const sh of shards) {
      const rs = await readShard(reader, stream, sh.ShardId!);
      const lastIndex = new Map<string, number>(); // writer → last acked index seen in this shard
      for (const r of rs) {
        const ack = w.acked.get(r.data);
        if (!ack) continue; // a record of a failed call may be stored (at-least-once); never acknowledged
        seen.set(r.data, (seen.get(r.data) ?? 0) + 1);
        assert.equal(ack.shardId, sh.ShardId, `${r.data} is in the shard it was acknowledged in`);
        assert.equal(r.seq, ack.seq, `${r.data} has the sequence number it was acknowledged with`);
        const writer = r.data.slice(0, r.data.indexOf('-'));
        const idx = ackIndex.get(r.data)!;
        assert.ok(idx > (lastIndex.get(writer) ?? -1), `${r.data}: each writer's records in write order`);
        lastIndex.set(writer, idx);
      }
    }
    for (const [data] of w.acked) assert.equal(seen.get(data), 1, `acknowledged record ${data} read back exactly once`);
    const perNode = [0, 0];
    for (const data of w.acked.keys()) perNode[Number(data[1]) < 2 ? 0 : 1]!++;
    assert.ok(perNode[0]! > 0 && perNode[1]! > 0, `both nodes took writes (${perNode.join(' / ')} acknowledged on A / B)`);
    reader.destroy();
    a.destroy();
  });
});
