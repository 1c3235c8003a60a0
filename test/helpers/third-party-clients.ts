/**
 * Runs clients Freshet does not control, as a user would: Debian's AWS CLI (by full path, because a
 * pyenv-installed one may shadow it on PATH) and Debian's python3 with python3-boto3. scripts/test.sh installs
 * both when missing.
 *
 * Each call is the real client's own code: the AWS CLI's entry point with the call's arguments, or the script
 * as `python3 -c` runs it, in a process of its own with its own stdout, stderr and exit code. What is shared is
 * Python's start-up: python-fork-server.py imports the AWS CLI (or boto3) once per test file and forks a
 * child for each call (about 1.4 s of CPU per `aws` process otherwise, most of the time of the files that use
 * it). test/cli/readme.test.ts still runs the `/usr/bin/aws` executable itself.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** Dummy credentials and no user configuration: Freshet accepts any credentials. */
export const THIRD_PARTY_ENV = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_PAGER: '',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
};

/** An error like `execFile`'s for a command that failed: the message ends with its stderr. */
export interface CommandError extends Error {
  code: number;
  stdout: string;
  stderr: string;
}

interface Server {
  child: ChildProcessWithoutNullStreams;
  dir: string;
  pending: Map<number, (code: number) => void>;
}

const servers: Partial<Record<Kind, Promise<Server>>> = {};
let nextId = 0;

type Kind = 'aws' | 'python';

function startServer(kind: Kind): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-python-'));
  const child = spawn('/usr/bin/python3', [join(import.meta.dirname, 'python-fork-server.py'), kind], { env: THIRD_PARTY_ENV, stdio: 'pipe' });
  const pending = new Map<number, (code: number) => void>();
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  // The test file may end while the server waits for requests: neither keeps the process alive.
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr]) (s as Socket).unref();
  process.once('exit', () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const err = new Error(`python-fork-server.py exited (${code}): ${stderr}`);
      reject(err);
      for (const done of pending.values()) done(-1);
      pending.clear();
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line) as { ready?: boolean; id?: number; code?: number };
      if (msg.ready) return resolve({ child, dir, pending });
      const done = pending.get(msg.id!);
      pending.delete(msg.id!);
      done?.(msg.code!);
    });
  });
}

async function runForked(
  kind: Kind,
  display: string,
  argv: readonly string[],
  script: string,
  timeoutMs: number,
  env?: Record<string, string>,
): Promise<string> {
  servers[kind] ??= startServer(kind);
  const { child, dir, pending } = await servers[kind];
  const id = nextId++;
  const out = join(dir, `${id}.out`);
  const err = join(dir, `${id}.err`);
  const code = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error(`${display} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    pending.set(id, (c) => {
      clearTimeout(timer);
      resolve(c);
    });
    child.stdin.write(`${JSON.stringify({ id, argv, script, out, err, env })}\n`);
  });
  const stdout = readFileSync(out, 'utf8');
  const stderr = readFileSync(err, 'utf8');
  rmSync(out, { force: true });
  rmSync(err, { force: true });
  if (code !== 0) {
    const e = new Error(`Command failed (exit ${code}): ${display}\n${stderr}`) as CommandError;
    Object.assign(e, { code, stdout, stderr });
    throw e;
  }
  return stdout;
}

/**
 * `aws --endpoint-url <endpoint> --output json <args…>`; the parsed JSON output, or undefined when it printed nothing.
 * `env` is added to THIRD_PARTY_ENV for this call (e.g. other AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).
 */
export async function awsCli(endpoint: string, args: readonly string[], env?: Record<string, string>): Promise<any> {
  const argv = ['--endpoint-url', endpoint, '--output', 'json', ...args];
  const stdout = await runForked('aws', `aws ${argv.join(' ')}`, argv, '', 60_000, env);
  return stdout.trim() ? JSON.parse(stdout) : undefined;
}

/** Runs `script` as `python3 -c` does (`sys.argv[1:]` = args) and returns its stdout. */
export async function python3(script: string, args: readonly string[]): Promise<string> {
  return runForked('python', `python3 -c <script> ${args.join(' ')}`, args, script, 60_000);
}
