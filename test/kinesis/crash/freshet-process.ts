/**
 * Runs `freshet server` as a real child process on a fixed loopback port and
 * data dir, so a test can SIGKILL it and start it again on the same dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { CLI, ROOT } from '../../cli/run-cli.ts';

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

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface FreshetProcess {
  readonly port: number;
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout/stderr (last 8 KiB). */
  output(): string;
  /** SIGKILL, then resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (SIGKILL after 10 s), then resolves once the process is gone. */
  stop(): Promise<void>;
}

export async function startFreshet(opts: { port: number; dataDir: string; fsync?: string; timeoutMs?: number }): Promise<FreshetProcess> {
  const args = [CLI, 'server', '--port', String(opts.port), '--host', '127.0.0.1', '--data-dir', opts.dataDir, '--fsync', opts.fsync ?? 'always'];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (c: Buffer): void => {
    out = (out + c.toString('utf8')).slice(-8192);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const proc: FreshetProcess = {
    port: opts.port,
    child,
    output: () => out,
    async kill() {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!gone()) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
    },
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    if (gone()) throw new Error(`freshet server exited (${child.exitCode ?? child.signalCode}) before listening:\n${out}`);
    // Listening is not ready: requests made while the server recovers wait a while, then get 503 "starting".
    if (
      (await canConnect(opts.port)) &&
      (await fetch(`http://127.0.0.1:${opts.port}/ready`).then(
        (r) => r.status === 200,
        () => false,
      ))
    )
      return proc;
    if (Date.now() > deadline) {
      await proc.kill();
      throw new Error(`freshet server did not listen on ${opts.port} in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}
