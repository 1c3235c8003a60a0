/**
 * `freshet cluster status` (readClusterStatus) lists the lease and node buckets of a namespace while their holders
 * keep writing: it ends, and names each lease and node once. Before, it listed them with @nats-io/kv's `keys()`,
 * which also reads every write made while it runs and ends only once it has caught up — with writers faster than the
 * reader it never did: the S1/S2 two-node scenarios hung in it for minutes (issue 19; src/storage/jetstream/kv-list.ts).
 * On the run's shared NATS cluster (a namespace of its own, dropped at the end), or a cluster of its own alone.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { jetstreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsCluster } from '../../src/cluster/index.ts';
import { encodeKvKey, listKvKeys, readClusterStatus } from '../../src/storage/index.ts';
import { dropNamespace, testNatsCluster } from '../helpers/nats-cluster.ts';

const ns = `kvlist${process.pid}`;
let nats: NatsCluster;
let nc: NatsConnection;
let leases: KV;
let nodes: KV;

before(async () => {
  nats = await testNatsCluster();
  nc = await connect({ servers: nats.urls, timeout: 5000 });
  const kvm = new Kvm(nc);
  leases = await kvm.create(`${ns}-leases`, { replicas: 3, history: 1 });
  nodes = await kvm.create(`${ns}-nodes`, { replicas: 3, history: 1 });
});

after(async () => {
  await nc?.close();
  if (nats) await dropNamespace(nats.urls, ns);
  await nats?.stop();
});

/** `n` writers rewriting `keys` of `kv` as fast as each put is answered, until the returned stop() (which awaits them). */
function rewriteContinuously(kv: KV, keys: string[], value: (k: string, i: number) => string, n: number): { writes: () => number; stop: () => Promise<void> } {
  let writes = 0;
  let stopped = false;
  const loops = Array.from({ length: n }, async (_, w) => {
    for (let i = w; !stopped; i++) {
      const k = keys[i % keys.length]!;
      await kv.put(k, value(k, i));
      writes++;
    }
  });
  return {
    writes: () => writes,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

describe('listing a KV bucket that is being written', () => {
  it('readClusterStatus ends while eight writers renew three leases and two nodes heartbeat, and names each once', async () => {
    const resources = ['analytics/app-1', 'firehose/delivery-1', 'flink/app-2'];
    const lease = (r: string, i: number) => JSON.stringify({ resource: r, owner: `node-${i % 2}`, token: 7, expiresMs: 1e13 + i, acquiredMs: 0 });
    const node = (id: string, i: number) => JSON.stringify({ id, host: 'h', pid: 1, startedMs: 0, heartbeatMs: i });
    // A deleted lease (released) is not named.
    await leases.put(encodeKvKey('firehose/released'), lease('firehose/released', 0));
    await leases.delete(encodeKvKey('firehose/released'));
    const w1 = rewriteContinuously(leases, resources.map(encodeKvKey), (k, i) => lease(k, i), 8);
    const w2 = rewriteContinuously(nodes, ['node-0', 'node-1'], node, 2);
    try {
      // Writes are flowing before the listing starts.
      for (const until = Date.now() + 10_000; w1.writes() < 200 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 10));
      assert.ok(w1.writes() >= 200, `the writers wrote ${w1.writes()} leases within 10 s`);
      for (let round = 0; round < 5; round++) {
        const before = w1.writes();
        const t0 = Date.now();
        let timer: NodeJS.Timeout | undefined;
        const st = await Promise.race([
          readClusterStatus({ servers: nats.urls, namespace: ns }),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`readClusterStatus did not end within 10 s (${w1.writes() - before} lease writes meanwhile)`)), 10_000);
          }),
        ]).finally(() => clearTimeout(timer));
        assert.deepEqual(
          st.leases.map((l) => l.resource),
          [...resources].sort(),
          `round ${round}: each lease once, in ${Date.now() - t0} ms`,
        );
        assert.deepEqual(
          st.nodes.map((n) => n.id),
          ['node-0', 'node-1'],
        );
      }
      // The bucket's keys themselves: the deleted one is a subject too (its marker), the callers skip it when they read it.
      assert.deepEqual(
        (await listKvKeys(await jetstreamManager(nc), `${ns}-leases`)).sort(),
        [...resources.map(encodeKvKey), encodeKvKey('firehose/released')].sort(),
      );
    } finally {
      await w1.stop();
      await w2.stop();
    }
  });
});
