/**
 * Runs the real CLI as a child process: the built one (`bin/freshet.js`, which runs dist/cli.js), as users run
 * it, so these tests test what ships. Importing this module first brings dist/ up to date (`scripts/build.mjs --if-stale`: a no-op
 * when nothing changed since the last build; `npm test` builds once before every test file and skips it).
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The package's bin, which runs the built CLI: spawn `process.execPath` with `[CLI, ...args]`. */
export const CLI = join(ROOT, 'bin', 'freshet.js');

// scripts/test.sh builds dist/ once before any test file runs and says so in FRESHET_TEST_DIST_BUILT: the check
// (a Node process comparing the sources' times with the build's, about 0.2 s of CPU) is then skipped.
if (process.env.FRESHET_TEST_DIST_BUILT !== '1') {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-stale', '--quiet'], { cwd: ROOT, stdio: 'inherit' });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function spawnCli(args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: 'pipe',
  });
}

export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, env);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`freshet ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Collects a running child's stdout until `predicate` holds. */
export function waitForOutput(child: ChildProcessWithoutNullStreams, predicate: (stdout: string) => boolean, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for output; got: ${out} / ${err}`)), timeoutMs);
    const check = () => {
      if (predicate(out)) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(out);
      }
    };
    const onData = (d: Buffer) => {
      out += d;
      check();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (err += d));
    check();
  });
}
