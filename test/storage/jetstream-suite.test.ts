/**
 * The LogStorage suite against JetStreamStorage on a 3-server JetStream cluster (Debian's nats-server): with R3
 * streams (reads at the tail from this node's tail cache), and with R1 streams and no tail cache (every read from
 * NATS). The cluster is the test run's shared one (test/helpers/nats-cluster.ts). Each backend has its own namespace,
 * emptied after every test (its logs and metadata keys), so the tests do not each create KV buckets (~1 s each).
 */
import { after, before } from 'node:test';
import { ManualClock } from '../../src/core/index.ts';
import type { NatsCluster } from '../../src/cluster/index.ts';
import { createJetStreamStorage } from '../../src/storage/index.ts';
import type { LogStorage } from '../../src/storage/index.ts';
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
