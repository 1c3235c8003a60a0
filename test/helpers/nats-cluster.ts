/**
 * One 3-server NATS JetStream cluster shared by the test files that never kill or stop a NATS server.
 *
 * `npm test` (scripts/test.sh) runs this file as a program before the run: it starts the cluster, prints its client
 * URLs on one line (FRESHET_TEST_NATS=url,url,url) and keeps it up until its stdin closes, it gets SIGTERM, or the
 * shell that started it is gone. Test files call `testNatsCluster()`: with FRESHET_TEST_NATS set they get that
 * cluster (and isolate themselves by a namespace of their own, e.g. with the process id), without it (one file run
 * alone) they start and stop their own. Starting three servers and their Raft meta group costs a file ~2–4 s of
 * wall and CPU; fault files (kill -9, SIGSTOP of NATS servers) keep calling `startNatsCluster` for their own.
 */
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { startNatsCluster } from '../../src/cluster/index.ts';
import type { NatsCluster } from '../../src/cluster/index.ts';

export const SHARED_NATS_ENV = 'FRESHET_TEST_NATS';

/** The shared cluster when the run started one, else a new 3-server cluster of this file's own. */
export async function testNatsCluster(): Promise<NatsCluster> {
  const shared = process.env[SHARED_NATS_ENV];
  if (!shared) return startNatsCluster({ size: 3 });
  const urls = shared.split(',').filter((u) => u !== '');
  const refuse = (what: string) => (): never => {
    throw new Error(`${what}: the run's shared NATS cluster is not this file's to break; a fault test starts its own with startNatsCluster`);
  };
  return {
    urls,
    dir: '',
    kill: refuse('kill'),
    signal: refuse('signal'),
    restart: refuse('restart'),
    async ready() {},
    async stop() {},
  };
}

/**
 * Deletes every JetStream stream of a Freshet namespace (its shard logs `<ns>-L-…` and its KV buckets
 * `KV_<ns>-…`): on the shared cluster every R3 stream left behind is a Raft group that keeps costing CPU for the
 * rest of the run. Files on the shared cluster call it when done with a namespace.
 */
export async function dropNamespace(urls: readonly string[], namespace: string): Promise<void> {
  const nc = await connect({ servers: [...urls], timeout: 5000 });
  try {
    const jsm = await jetstreamManager(nc, { timeout: 10_000 });
    const names: string[] = [];
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(`${namespace}-`) || name.startsWith(`KV_${namespace}-`)) names.push(name);
    }
    await Promise.all(names.map((n) => jsm.streams.delete(n).catch(() => false)));
  } finally {
    await nc.close();
  }
}

async function serve(): Promise<void> {
  const cluster = await startNatsCluster({ size: 3 });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    cluster.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop).on('error', stop).resume();
  // The shell that started us was killed without running its trap: we were handed to another parent.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 1000).unref();
  process.stdout.write(`${SHARED_NATS_ENV}=${cluster.urls.join(',')}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  serve().catch((e: unknown) => {
    process.stderr.write(`test/helpers/nats-cluster.ts: could not start the shared NATS cluster (each file starts its own): ${String(e)}\n`);
    process.exit(1);
  });
}
