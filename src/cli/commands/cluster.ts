/**
 * `freshet dev-cluster`: a local NATS JetStream cluster (Debian's nats-server) and a Freshet server storing on it,
 * on loopback ports, for trying `--storage jetstream` (issue 19). Stops everything on SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';

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
  program
    .command('dev-cluster')
    .description('Start a local NATS JetStream cluster (nats-server) and a Freshet server storing on it, for trying --storage jetstream')
    .option('--nats <n>', 'NATS servers to start (3 survives losing one)', positiveInt(5), 3)
    .option('--nodes <n>', 'Freshet servers to start (only 1 so far: several nodes on one namespace are issue 19 work in progress)', positiveInt(1), 1)
    .option(
      '--port <port>',
      "the Freshet server's port (0 picks a free one)",
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
      const { startNatsCluster } = await import('../../cluster/index.ts');
      const { startServer } = await import('../../server/index.ts');
      const replicas = flags.replicas ?? Math.min(3, flags.nats);
      if (replicas > flags.nats) throw new Error(`--replicas ${replicas} needs at least ${replicas} NATS servers (--nats ${replicas})`);
      console.log(`freshet: starting ${flags.nats} nats-server process(es)…`);
      const nats = await startNatsCluster({ size: flags.nats, ...(flags.dir !== undefined ? { dir: flags.dir } : {}) }).catch((e: unknown) => {
        const msg = e instanceof Error ? e.message : String(e);
        throw new Error(msg.includes('ENOENT') ? 'nats-server not found: install it (apt-get install nats-server)' : msg);
      });
      console.log(`freshet: NATS ${nats.urls.join(',')} (data in ${nats.dir})`);
      let server: Awaited<ReturnType<typeof startServer>>;
      try {
        server = await startServer({ port: flags.port, storage: 'jetstream', nats: { servers: nats.urls, replicas } });
      } catch (e) {
        await nats.stop();
        throw e;
      }
      console.log(`freshet: Kinesis endpoint ${server.url} (streams on JetStream, R${replicas})`);
      console.log(`freshet: another server on the same cluster: freshet server --storage jetstream --nats ${nats.urls.join(',')} --replicas ${replicas}`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          console.log(`freshet: ${signal} received, stopping`);
          server
            .close()
            .catch((e: unknown) => console.error(`freshet: ${e instanceof Error ? e.message : String(e)}`))
            .then(() => nats.stop())
            .then(resolve, resolve);
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
    });
}
