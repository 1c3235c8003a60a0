/**
 * The LogStorage suite against JetStreamStorage on a 3-server JetStream cluster (Debian's nats-server) with
 * R3 streams (reads at the tail from this node's tail cache), and on a single server with R1 and no tail cache. Each test gets its own namespace, so streams never collide.
 */
import { after, before } from 'node:test';
import { ManualClock } from '../../src/core/index.ts';
import { startNatsCluster } from '../../src/cluster/index.ts';
import type { NatsCluster } from '../../src/cluster/index.ts';
import { createJetStreamStorage } from '../../src/storage/index.ts';
import type { LogStorage } from '../../src/storage/index.ts';
import { logStorageSuite } from './log-suite.ts';

let cluster: NatsCluster;
let single: NatsCluster;
before(async () => {
  [cluster, single] = await Promise.all([startNatsCluster({ size: 3 }), startNatsCluster({ size: 1 })]);
});
after(async () => {
  await Promise.all([cluster?.stop(), single?.stop()]);
});

let n = 0;
function backend(servers: () => string[], replicas: number, tailCacheBytes?: number) {
  return async () => {
    const namespace = `suite${process.pid}x${++n}`;
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
  'JetStreamStorage (1 server, R1, no tail cache: every read from NATS)',
  backend(() => single.urls, 1, 0),
  { durable: true },
);
