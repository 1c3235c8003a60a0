/**
 * Starts the servers the Kinesis benchmark compares, each as its own child
 * process on a free loopback port (so none shares the load generator's event
 * loop): the null server, kinesalite, kinesis-local and `freshet server`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(HERE, '..', '..');
const LOOPBACK_ONLY = join(HERE, 'loopback-only.cjs');
const require = createRequire(import.meta.url);

export interface Peer {
  /** Row label in the tables. */
  name: string;
  port: number;
  /** False for the null server, which stores nothing. */
  readsBack: boolean;
  child: ChildProcess;
  /** CPU time (user + system, ms) the server process has used so far; NaN where /proc is unavailable. */
  cpuMs(): number;
  stop(): Promise<void>;
}

/** utime + stime of a process from /proc (Linux), in ms. On a shared machine CPU per record is steadier than wall-clock rates. */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based), in clock ticks (100 Hz on Linux).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

export interface PeerSpec {
  name: string;
  readsBack: boolean;
  /** `spare` is a second free port for peers that insist on opening two. */
  start(port: number, spare: number): { command: string; args: string[]; env?: NodeJS.ProcessEnv; cleanup?: () => void };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before listening on ${port}:\n${log()}`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`server did not listen on ${port} within ${timeoutMs} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startPeer(spec: PeerSpec, timeoutMs = 60_000): Promise<Peer> {
  const port = await freePort();
  const { command, args, env, cleanup } = spec.start(port, await freePort());
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (c: Buffer): void => {
    output = (output + c.toString('utf8')).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    cleanup?.();
  };
  try {
    await waitForPort(port, child, timeoutMs, () => output);
  } catch (e) {
    await stop();
    throw e;
  }
  return { name: spec.name, port, readsBack: spec.readsBack, child, cpuMs: () => processCpuMs(child.pid), stop };
}

export const nullServer: PeerSpec = {
  name: 'null server',
  readsBack: false,
  start: (port) => ({ command: process.execPath, args: ['--import', 'tsx', join(HERE, 'null-server.ts'), String(port), '4'] }),
};

export const kinesalite: PeerSpec = {
  name: 'kinesalite',
  readsBack: true,
  // In-memory store (no --path). Its CREATING delay defaults to 500 ms; 0 keeps stream set-up out of the run.
  start: (port) => ({
    command: process.execPath,
    args: [
      '--require',
      LOOPBACK_ONLY,
      require.resolve('kinesalite/cli.js'),
      '--port',
      String(port),
      '--createStreamMs',
      '0',
      '--deleteStreamMs',
      '0',
      '--shardLimit',
      '1000',
    ],
  }),
};

export const kinesisLocal: PeerSpec = {
  name: 'kinesis-local',
  readsBack: true,
  // Scala.js build of kinesis-mock, configured through env vars; it also opens a TLS port, given a free one too.
  start: (port, spare) => ({
    command: process.execPath,
    args: ['--require', LOOPBACK_ONLY, require.resolve('kinesis-local/main.js')],
    env: {
      KINESIS_MOCK_PLAIN_PORT: String(port),
      KINESIS_MOCK_TLS_PORT: String(spare),
      KINESIS_MOCK_CERT_PATH: join(dirname(require.resolve('kinesis-local/main.js')), 'server.json'),
      CREATE_STREAM_DURATION: '0ms',
      DELETE_STREAM_DURATION: '0ms',
      SHARD_LIMIT: '1000',
      LOG_LEVEL: 'ERROR',
      ROOT_LOG_LEVEL: 'ERROR',
      SHOULD_PERSIST_DATA: 'false',
    },
  }),
};

/**
 * `freshet server` on a fresh temp data dir (removed on stop), or on `dataDir` (kept) when given; from this
 * checkout, or from another one at `root` (e.g. a build of main, for side-by-side runs) named by `label`.
 */
export function freshet(
  fsync: 'always' | 'never' | `interval:${number}`,
  nodeFlags: string[] = [],
  dataDir?: string,
  other?: { root: string; label: string },
): PeerSpec {
  return {
    name: `Freshet${other ? ` ${other.label}` : ''} (--fsync ${fsync})`,
    readsBack: true,
    start: (port) => {
      const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'freshet-bench-'));
      return {
        command: process.execPath,
        args: [
          ...nodeFlags,
          '--import',
          'tsx',
          join(other?.root ?? ROOT, 'src', 'cli', 'main.ts'),
          'server',
          '--port',
          String(port),
          '--host',
          '127.0.0.1',
          '--data-dir',
          dir,
          '--fsync',
          fsync,
        ],
        cleanup: dataDir === undefined ? () => rmSync(dir, { recursive: true, force: true }) : undefined,
      };
    },
  };
}
