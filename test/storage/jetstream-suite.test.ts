/**
 * The LogStorage suite against JetStreamStorage on a 3-server JetStream cluster (Debian's nats-server): with R3
 * streams (reads at the tail from this node's tail cache), and with R1 streams and no tail cache (every read from
 * NATS). The cluster is the test run's shared one (test/helpers/nats-cluster.ts). Each backend has its own namespace,
 * emptied after every test (its logs and metadata keys), so the tests do not each create KV buckets (~1 s each).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { ManualClock } from '../../src/core/index.ts';
import type { NatsCluster } from '../../src/cluster/index.ts';
import { createJetStreamStorage, StorageError } from '../../src/storage/index.ts';
import type { JetStreamStorage, LogStorage } from '../../src/storage/index.ts';
import { logStorageSuite } from './log-suite.ts';
import { dropNamespace, testNatsCluster } from '../helpers/nats-cluster.ts';

let cluster: NatsCluster;
before(async () => {
  cluster = await testNatsCluster();
});
const namespaces: string[] = [];
after(async () => {
  if (cluster) for (const ns of namespaces) await dropNamespace(cluster.urls, ns);
  await cluster?.stop();
});

function backend(servers: () => string[], replicas: number, tailCacheBytes?: number) {
  const namespace = `suite${process.pid}r${replicas}`;
  namespaces.push(namespace);
  return async () => {
    const make = () => createJetStreamStorage({ servers: servers(), replicas, namespace, ...(tailCacheBytes !== undefined ? { tailCacheBytes } : {}) });
    let storage: LogStorage = await make();
    await storage.open();
    return {
      get storage() {
        return storage;
      },
      clock: new ManualClock(),
      reopen: async () => {
        await storage.close();
        storage = await make();
        await storage.open();
        return storage;
      },
      cleanup: async () => {
        for (const id of storage.listLogs()) await storage.deleteLog(id);
        for (const key of storage.meta.keys('')) await storage.meta.delete(key);
        await storage.close();
      },
    };
  };
}

logStorageSuite(
  'JetStreamStorage (3 servers, R3)',
  backend(() => cluster.urls, 3),
  { durable: true },
);
logStorageSuite(
  'JetStreamStorage (3 servers, R1, no tail cache: every read from NATS)',
  backend(() => cluster.urls, 1, 0),
  { durable: true },
);

describe('JetStreamStorage reads', () => {
  it('a record missing inside a log (a view that lags or lost it) fails the read retryably instead of ending it as if at the tail', async () => {
    const namespace = `holes${process.pid}`;
    namespaces.push(namespace);
    const storage = await createJetStreamStorage({ servers: cluster.urls, replicas: 1, namespace, tailCacheBytes: 0 });
    await storage.open();
    const nc = await connect({ servers: cluster.urls });
    try {
      const log = await storage.createLog('holes/shard-0');
      const recs = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, data: Buffer.from(`r${i}`), timestampMs: 1000 + i }));
      await log.append(recs).durable;
      // Nothing of Freshet's deletes one record of a log: only a view that is not the stream's (a replica catching up) lacks one.
      const jsm = await jetstreamManager(nc);
      const stream = (await (storage as JetStreamStorage).placement('holes/shard-0')).stream;
      assert.ok(await jsm.streams.deleteMessage(stream, 5, false));
      const first = await log.read(0, { maxRecords: 100, maxBytes: 1 << 20 });
      assert.deepEqual(
        first.records.map((r) => r.offset),
        [0, 1, 2, 3],
        'the records before the missing one',
      );
      await assert.rejects(
        log.read(first.nextOffset, { maxRecords: 100, maxBytes: 1 << 20 }),
        (e: unknown) => e instanceof StorageError && e.code === 'EIO' && /offset 4 is not readable yet/.test(e.message),
      );
      assert.equal(log.startOffset, 0, 'the start did not move past stored records');
    } finally {
      await nc.close();
      for (const id of storage.listLogs()) await storage.deleteLog(id);
      await storage.close();
    }
  });
});
