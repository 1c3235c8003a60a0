/**
 * Fault tests of JetStream storage under continuous writes from several SDK clients (no SDK retries, so every
 * acknowledgement is one the test saw): kill -9 the NATS server leading a shard's stream, restart it, and stop
 * (SIGSTOP) then continue (SIGCONT) another. Afterwards every acknowledged record is read back exactly once, at
 * the sequence number it was acknowledged with, each writer's records in write order per shard; the clients saw
 * only retryable errors (HTTP 500/503).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as K from '@aws-sdk/client-kinesis';
import { startNatsCluster } from '../../src/cluster/index.ts';
import type { NatsCluster } from '../../src/cluster/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import type { JetStreamStorage } from '../../src/storage/index.ts';
import { clientFor, uniqueName, waitActive } from '../kinesis/helpers.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Acked {
  shardId: string;
  seq: string;
}

/** Writers putting 10-record batches of unique payloads until `stop`; acked and failed calls recorded. */
function startWriters(server: FreshetServer, stream: string, writers: number) {
  const acked = new Map<string, Acked>();
  const order = new Map<string, string[]>(); // writer → payloads in ack order
  const errors: Array<{ name: string; status: number | undefined }> = [];
  let stop = false;
  let ackedSinceMark = 0;
  const loops: Array<Promise<void>> = [];
  for (let w = 0; w < writers; w++) {
    const client = clientFor(server);
    order.set(`w${w}`, []);
    loops.push(
      (async () => {
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
            const err = e as { name: string; $metadata?: { httpStatusCode?: number } };
            errors.push({ name: err.name, status: err.$metadata?.httpStatusCode });
            await sleep(50);
          }
        }
        client.destroy();
      })(),
    );
  }
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

describe('JetStream storage under NATS server failures', () => {
  let nats: NatsCluster;
  let server: FreshetServer;
  before(async () => {
    nats = await startNatsCluster({ size: 3 });
    server = await startServer({
      port: 0,
      storage: 'jetstream',
      nats: { servers: nats.urls, replicas: 3, namespace: `faults${process.pid}` },
      createDelayMs: 0,
      deleteDelayMs: 0,
    });
  });
  after(async () => {
    await server?.close();
    await nats?.stop();
  });

  it('loses no acknowledged record when a stream leader is killed and a server is stopped and continued', async () => {
    const client = clientFor(server);
    const stream = uniqueName('faults');
    await client.send(new K.CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
    await waitActive(client, stream);
    const storage = server.storage as JetStreamStorage;
    const w = startWriters(server, stream, 3);
    try {
      await w.progress('before the kill', 300);
      // kill -9 the server leading shard 0's stream, keep writing, then bring it back.
      const logId = storage.listLogs()[0]!;
      const leader = (await storage.placement(logId)).leader;
      assert.ok(leader, 'the stream has a leader');
      const victim = Number(leader.slice(1));
      await nats.kill(victim);
      await w.progress('after the kill', 300);
      await nats.restart(victim);
      await w.progress('after the restart', 300);
      // A partition: another server stops answering (SIGSTOP) for 3 s, then continues.
      const paused = (victim + 1) % 3;
      nats.signal(paused, 'SIGSTOP');
      await sleep(3000);
      await w.progress('while a server is stopped', 100);
      nats.signal(paused, 'SIGCONT');
      await w.progress('after SIGCONT', 300);
    } finally {
      await w.stop();
    }
    for (const e of w.errors) assert.ok(e.status === 500 || e.status === 503, `only retryable errors reach the client: ${e.name} ${e.status}`);

    const shards = (await client.send(new K.ListShardsCommand({ StreamName: stream }))).Shards!;
    const seen = new Map<string, number>();
    for (const sh of shards) {
      const rs = await readShard(client, stream, sh.ShardId!);
      const lastIndex = new Map<string, number>(); // writer → last acked index seen in this shard
      const ackIndex = new Map<string, number>();
      for (const list of w.order.values()) list.forEach((d, i) => ackIndex.set(d, i));
      for (const r of rs) {
        const a = w.acked.get(r.data);
        if (!a) continue; // a record of a failed call may be stored (at-least-once); never acknowledged
        seen.set(r.data, (seen.get(r.data) ?? 0) + 1);
        assert.equal(a.shardId, sh.ShardId, `${r.data} is in the shard it was acknowledged in`);
        assert.equal(r.seq, a.seq, `${r.data} has the sequence number it was acknowledged with`);
        const writer = r.data.slice(0, r.data.indexOf('-'));
        const idx = ackIndex.get(r.data)!;
        assert.ok(idx > (lastIndex.get(writer) ?? -1), `${r.data}: each writer's records in write order`);
        lastIndex.set(writer, idx);
      }
    }
    for (const [data] of w.acked) assert.equal(seen.get(data), 1, `acknowledged record ${data} read back exactly once`);
    assert.ok(w.acked.size >= 1300, `writes went on through the faults (${w.acked.size} acknowledged, ${w.errors.length} failed calls)`);
    client.destroy();
  });
});
