/**
 * Starts a local NATS JetStream cluster from Debian's `nats-server` (v2.9+): N servers on loopback, each with its
 * own store dir and cluster route port, all routed to each other. `freshet dev-cluster` and the tests use it.
 * Servers can be killed with SIGKILL and restarted on the same ports and store dirs (fault tests).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';

export interface NatsClusterOptions {
  /** Number of servers (1 = a single JetStream server, no cluster). Default 3. */
  size?: number;
  /** Where the store dirs go; default a new temp dir, removed by `stop()`. */
  dir?: string;
  /** The nats-server executable; default `nats-server` from PATH (Debian: /usr/sbin/nats-server). */
  executable?: string;
  /** How long to wait for the JetStream meta leader; default 20 s. */
  readyTimeoutMs?: number;
}

export interface NatsCluster {
  /** Client URLs, one per server (nats://127.0.0.1:port). */
  readonly urls: string[];
  readonly dir: string;
  /** SIGKILLs server i (no clean shutdown) and waits for it to exit. */
  kill(i: number): Promise<void>;
  /** Sends a signal (e.g. SIGSTOP/SIGCONT for a partition). */
  signal(i: number, sig: NodeJS.Signals): void;
  /** Restarts server i on its ports and store dir. */
  restart(i: number): Promise<void>;
  /** Resolves once JetStream answers through every running server. */
  ready(): Promise<void>;
  /** Kills every server and removes the temp dir (when it made it). */
  stop(): Promise<void>;
}

function tryListen(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(null));
    s.listen(port, '127.0.0.1', () => {
      const got = (s.address() as { port: number }).port;
      s.close(() => resolve(got));
    });
  });
}

/**
 * A port free right now, chosen below Linux's ephemeral range (32768–60999): the servers' own outgoing
 * route connections take ephemeral ports, and one of them could otherwise land on a listen port chosen
 * for a server that has not bound it yet.
 */
async function freePort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 64; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port)) continue;
    if ((await tryListen(port)) !== null) {
      taken.add(port);
      return port;
    }
  }
  const port = (await tryListen(0))!;
  taken.add(port);
  return port;
}

function configText(i: number, ports: number[], routePorts: number[], storeDir: string): string {
  // max_payload: a Kinesis record is up to 1 MiB of data plus its key and Freshet's header (NATS's default is 1 MB).
  const lines = [
    `server_name: n${i}`,
    `listen: 127.0.0.1:${ports[i]}`,
    'max_payload: 8MB',
    `jetstream { store_dir: ${JSON.stringify(storeDir)}, max_memory_store: 268435456, max_file_store: 8589934592 }`,
  ];
  if (ports.length > 1) {
    const routes = routePorts.map((p) => `nats-route://127.0.0.1:${p}`).join(', ');
    lines.push(`cluster { name: freshet, listen: 127.0.0.1:${routePorts[i]}, routes: [${routes}] }`);
  }
  return `${lines.join('\n')}\n`;
}

export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsCluster> {
  const size = options.size ?? 3;
  const exe = options.executable ?? (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server');
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'freshet-nats-')));
  const ports: number[] = [];
  const routePorts: number[] = [];
  const taken = new Set<number>();
  const confs: string[] = [];
  const choosePorts = async (): Promise<void> => {
    ports.length = 0;
    routePorts.length = 0;
    confs.length = 0;
    for (let i = 0; i < size; i++) {
      ports.push(await freePort(taken));
      routePorts.push(await freePort(taken));
    }
    for (let i = 0; i < size; i++) {
      const store = join(dir, `n${i}`);
      await mkdir(store, { recursive: true });
      const conf = join(dir, `n${i}.conf`);
      await writeFile(conf, configText(i, ports, routePorts, store));
      confs.push(conf);
    }
  };
  await choosePorts();
  const procs: Array<ChildProcess | null> = new Array(size).fill(null);
  const logs: string[] = new Array(size).fill('');
  const urls: string[] = [];
  const setUrls = (): void => {
    urls.splice(0, urls.length, ...ports.map((p) => `nats://127.0.0.1:${p}`));
  };
  setUrls();

  const launch = (i: number): void => {
    const p = spawn(exe, ['-c', confs[i]!], { stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr!.setEncoding('utf8');
    // Keep the tail of the log for error messages.
    p.stderr!.on('data', (s: string) => {
      logs[i] = (logs[i]! + s).slice(-4000);
    });
    p.on('error', (e) => {
      logs[i] += `\nspawn failed: ${e.message} (install Debian's nats-server: apt-get install nats-server)`;
    });
    procs[i] = p;
  };

  const exited = (p: ChildProcess): Promise<void> =>
    p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((resolve) => p.once('exit', () => resolve()));

  const ready = async (): Promise<void> => {
    const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
    for (let i = 0; i < size; i++) {
      const p = procs[i];
      if (!p) continue;
      let last: unknown;
      for (;;) {
        if (p.exitCode !== null) throw new Error(`nats-server n${i} exited (${p.exitCode}): ${logs[i]}`);
        try {
          const nc = await connect({ servers: urls[i]!, reconnect: false, timeout: 1000 });
          try {
            const jsm = await jetstreamManager(nc, { timeout: 2000 });
            await jsm.getAccountInfo();
            break;
          } finally {
            await nc.close();
          }
        } catch (e) {
          last = e;
        }
        if (Date.now() > deadline) throw new Error(`nats-server n${i} not ready: ${String(last)}\n${logs[i]}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };

  for (let i = 0; i < size; i++) launch(i);
  const cluster: NatsCluster = {
    urls,
    dir,
    async kill(i) {
      const p = procs[i];
      if (!p) return;
      procs[i] = null;
      p.kill('SIGKILL');
      await exited(p);
    },
    signal(i, sig) {
      procs[i]?.kill(sig);
    },
    async restart(i) {
      await cluster.kill(i);
      launch(i);
      await ready();
    },
    ready,
    async stop() {
      await Promise.all(procs.map((_, i) => cluster.kill(i)));
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
  // Another process can still take a chosen port between the check and the server binding it: start again
  // on fresh ports a few times before giving up.
  for (let attempt = 1; ; attempt++) {
    try {
      await ready();
      return cluster;
    } catch (e) {
      const portTaken = logs.some((l) => l.includes('address already in use'));
      await Promise.all(procs.map((_, i) => cluster.kill(i)));
      if (!portTaken || attempt >= 4) {
        if (ownDir) await rm(dir, { recursive: true, force: true });
        throw e;
      }
      logs.fill('');
      await choosePorts();
      setUrls();
      for (let i = 0; i < size; i++) launch(i);
    }
  }
}
