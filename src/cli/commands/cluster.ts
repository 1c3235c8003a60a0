/**
 * `freshet dev-cluster`: a local NATS JetStream cluster (Debian's nats-server) and Freshet nodes storing on it,
 * on loopback ports, for trying `--storage jetstream` (issue 19). Stops everything on SIGINT/SIGTERM.
 * `freshet cluster status`: the nodes serving a JetStream namespace, and where its logs live and how far behind
 * their replicas are.
 */
import type { Command } from 'commander';
import type { ClusterStatus } from '../../storage/index.ts';
import { InvalidArgumentError } from 'commander';
import { addOutputOption, formatTable, outputFormat, printValue, type OutputFlags } from '../output.ts';
import { parseNatsUrls } from './server.ts';

function positiveInt(max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`expected an integer from 1 to ${max}, got '${v}'`);
    return n;
  };
}

interface DevClusterFlags {
  nats: number;
  nodes: number;
  port: number;
  replicas?: number;
  dir?: string;
}

export function register(program: Command): void {
  registerStatus(program);
  program
    .command('dev-cluster')
    .description('Start a local NATS JetStream cluster (nats-server) and Freshet nodes storing on it, for trying --storage jetstream')
    .option('--nats <n>', 'NATS servers to start (3 survives losing one)', positiveInt(5), 3)
    .option('--nodes <n>', 'Freshet nodes to start on the cluster (each serves every stream; ports --port, --port+1, …)', positiveInt(9), 1)
    .option(
      '--port <port>',
      "the first Freshet node's port; node i listens on port + i (0: every node picks a free one)",
      (v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`expected a port number 0-65535, got '${v}'`);
        return n;
      },
      4567,
    )
    .option('--replicas <n>', 'replicas of every stream (default: 3, or the NATS server count if smaller)', positiveInt(5))
    .option('--dir <dir>', 'where the NATS servers keep their data (default: a temp dir removed on exit)')
    .action(async (flags: DevClusterFlags) => {
      const { startDevCluster } = await import('../../cluster/index.ts');
      const { startServer } = await import('../../server/index.ts');
      console.log(`freshet: starting ${flags.nats} nats-server process(es) and ${flags.nodes} Freshet node(s)…`);
      const cluster = await startDevCluster({
        startNode: ({ port, nats }) => startServer({ port, storage: 'jetstream', nats }),
        nats: flags.nats,
        nodes: flags.nodes,
        port: flags.port,
        ...(flags.replicas !== undefined ? { replicas: flags.replicas } : {}),
        ...(flags.dir !== undefined ? { dir: flags.dir } : {}),
      }).catch((e: unknown) => {
        const msg = e instanceof Error ? e.message : String(e);
        throw new Error(msg.includes('ENOENT') ? 'nats-server not found: install it (apt-get install nats-server)' : msg);
      });
      const { nats, replicas } = cluster;
      console.log(`freshet: NATS ${nats.urls.join(',')} (data in ${nats.dir})`);
      for (const [i, server] of cluster.nodes.entries()) {
        console.log(`freshet: node ${i + 1} Kinesis endpoint ${server.url} (streams on JetStream, R${replicas})`);
      }
      console.log(`freshet: another node on the same cluster: freshet server --storage jetstream --nats ${nats.urls.join(',')} --replicas ${replicas}`);
      console.log(`freshet: nodes and replica lag: freshet cluster status --nats ${nats.urls.join(',')}`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          console.log(`freshet: ${signal} received, stopping`);
          cluster
            .stop()
            .catch((e: unknown) => console.error(`freshet: ${e instanceof Error ? e.message : String(e)}`))
            .then(resolve, resolve);
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
    });
}

function ago(ms: number): string {
  return ms < 1000 ? `${ms} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;
}

export function registerStatus(program: Command): void {
  const cluster = program.command('cluster').description('Inspect the Freshet nodes sharing a NATS JetStream cluster (--storage jetstream)');
  addOutputOption(cluster.command('status').description("Show the live nodes (heartbeats), leases, and each JetStream log's leader and replica lag"))
    .requiredOption('--nats <urls>', 'NATS servers, nats://host:4222[,…] (as given to `freshet server --nats`)', parseNatsUrls)
    .option('--nats-namespace <name>', 'the namespace the nodes use (default freshet)')
    .action(async (flags: OutputFlags & { nats: string[]; natsNamespace?: string }) => {
      const { readClusterStatus } = await import('../../storage/index.ts');
      const st = await readClusterStatus({ servers: flags.nats, ...(flags.natsNamespace !== undefined ? { namespace: flags.natsNamespace } : {}) }).catch(
        (e: unknown) => {
          throw new Error(`cannot read the cluster at ${flags.nats.join(',')}: ${e instanceof Error ? e.message : String(e)} (is NATS running there?)`);
        },
      );
      await printValue(st, outputFormat(flags), () => statusText(st));
    });
}

/** The status as text: nodes, leases, metadata and shard-log placement with replica lag. */
function statusText(st: ClusterStatus): string {
  const out: string[] = [];
  const now = Date.now();
  out.push(`namespace ${st.namespace}: ${st.nodes.length} node(s) live (a node silent for ${st.nodeTtlMs / 1000} s drops out)`);
  if (st.nodes.length > 0) {
    out.push(
      formatTable(st.nodes, [
        { header: 'node', value: (n) => n.id },
        { header: 'endpoint', value: (n) => n.url },
        { header: 'up', value: (n) => ago(now - n.startedMs), right: true },
        { header: 'heartbeat', value: (n) => `${ago(Math.max(0, now - n.heartbeatMs))} ago`, right: true },
      ]),
    );
  } else out.push('no node is running: start one with `freshet server --storage jetstream --nats …`');
  if (st.leases.length === 0) out.push('leases: none (no SQL or Flink application or delivery stream has run on this namespace)');
  else {
    out.push(`leases: ${st.leases.length} (SQL and Flink applications and delivery streams, each run by its owner; an expired one moves to a live node)`);
    out.push(
      formatTable(st.leases, [
        { header: 'resource', value: (l) => l.resource },
        { header: 'owner', value: (l) => l.owner },
        { header: 'token', value: (l) => String(l.token), right: true },
        { header: 'expires', value: (l) => (l.expiresMs > now ? `in ${ago(l.expiresMs - now)}` : `${ago(now - l.expiresMs)} ago (expired)`), right: true },
      ]),
    );
  }
  const logs = st.logs;
  const behind = logs.filter((l) => l.behind > 0 || l.maxLag > 0);
  const leaders = new Map<string, number>();
  for (const l of logs) leaders.set(l.leader ?? '(none)', (leaders.get(l.leader ?? '(none)') ?? 0) + 1);
  const meta = st.meta;
  out.push(
    `metadata: ${meta ? `leader ${meta.leader ?? '(none)'}, R${meta.replicas}, ${meta.behind} replica(s) not current, lag ${meta.maxLag}` : 'no bucket yet'}`,
  );
  out.push(`shard logs: ${logs.length} (leaders: ${[...leaders].map(([k, v]) => `${k} ${v}`).join(', ') || '-'}); ${behind.length} with replicas behind`);
  if (behind.length > 0) {
    out.push(
      formatTable(behind, [
        { header: 'stream', value: (l) => l.stream },
        { header: 'leader', value: (l) => l.leader },
        { header: 'not current', value: (l) => l.behind, right: true },
        { header: 'lag (ops)', value: (l) => l.maxLag, right: true },
      ]),
    );
  }
  return out.join('\n');
}
