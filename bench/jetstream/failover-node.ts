// A Freshet node for bench/jetstream/failover.ts: JetStream storage, system clock, default lease TTL and renewal,
// SQL applications checkpointing every second. Prints "ready <url> <node id>"; stops on SIGTERM.
import { startServer } from '../../src/server/index.ts';

const [servers, namespace, dataDir] = process.argv.slice(2);
const server = await startServer({
  port: 0,
  storage: 'jetstream',
  nats: { servers: servers!.split(','), replicas: 3, namespace: namespace! },
  dataDir: dataDir!,
  createDelayMs: 0,
  deleteDelayMs: 0,
  activityLog: false,
  analytics: { checkpointIntervalMs: 1000, tickMs: 200, graceMs: 200, startDelayMs: 0, stopDelayMs: 0, updateDelayMs: 0, deleteDelayMs: 0 },
});
const id = (server.storage as { membership?: { info: { id: string } } | null }).membership?.info.id ?? 'unknown';
process.stdout.write(`ready ${server.url} ${id}\n`);
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
