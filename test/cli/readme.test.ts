/**
 * README's "Use it" lines, run as written (through bash, from a folder holding the repository's examples/)
 * against the demo: the only changes are the demo's ports (the lines name 127.0.0.1:4567 and Postgres's 5439,
 * the test's demo listens on free ones; the first is passed as FRESHET_ENDPOINT) and `npx freshet`, which runs
 * the built CLI. Lines that run until Ctrl-C are interrupted once they have shown what they do.
 *
 * As a new user: no AWS settings from the environment or ~/.aws, only what the lines themselves `export`.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT, spawnCli, waitForOutput } from './run-cli.ts';

function useItLines(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use it'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block.split('\n').filter((l) => l.trim() !== '');
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a user who has never configured AWS: none of our AWS_* variables, no ~/.aws files. */
function newUserEnv(url: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  return { ...env, AWS_CONFIG_FILE: '/nonexistent/config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials', FRESHET_ENDPOINT: url };
}

/** The variables an `export A=1 B=2` line sets (the lines run in separate shells, so the test carries them over). */
function exported(line: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const m of line.replace(/#.*$/, '').matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)) vars[m[1]!] = m[2]!;
  return vars;
}

function runLine(line: string, cwd: string, url: string, pgPort: string, env: NodeJS.ProcessEnv, until?: (out: string) => boolean): Promise<Run> {
  const command = line
    .replaceAll('npx freshet', `node ${CLI}`)
    .replaceAll('http://127.0.0.1:4567', url)
    .replace(/ -p 5439 /, ` -p ${pgPort} `);
  const child = spawn('bash', ['-c', `exec ${command}`], { cwd, env });
  child.stdin.end(); // psql reads its commands from stdin: none, so it connects and exits
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out: ${line}\n${stdout}\n${stderr}`));
    }, 60_000);
    let interrupted = false;
    const check = () => {
      if (!interrupted && until?.(stdout + stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', (d) => {
      stdout += d;
      check();
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      check();
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('README "Use it" against the demo', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-readme-'));
  const cwd = mkdtempSync(join(tmpdir(), 'freshet-readme-cwd-'));
  cpSync(join(ROOT, 'examples'), join(cwd, 'examples'), { recursive: true });
  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  });

  it('runs every line as written', async () => {
    const lines = useItLines();
    assert.ok(lines.length >= 10, lines.join('\n'));
    const demo = spawnCli(['demo', '--port', '0', '--data-dir', dataDir]);
    try {
      const out = await waitForOutput(demo, (s) => s.includes('Ctrl-C to stop'));
      const url = /Freshet is listening on (http:\/\/\S+)/.exec(out)![1]!;
      const pgPort = /Postgres: 127\.0\.0\.1:(\d+) /.exec(out)![1]!;
      const env = newUserEnv(url);
      const ran: string[] = [];
      for (const line of lines) {
        const tool = line.split(/\s+/)[0]!;
        if (tool === 'export') {
          Object.assign(env, exported(line));
          ran.push(tool);
          continue;
        }
        if (tool === 'aws' && !existsSync('/usr/bin/aws')) assert.fail('Debian aws CLI missing (npm test installs it)');
        if (tool === 'psql' && !existsSync('/usr/bin/psql')) assert.fail('psql missing (npm test installs postgresql-client)');
        const sub = line.replace(/^npx freshet /, '').split(/\s+/)[0];
        const until =
          sub === 'tail'
            ? (s: string) => s.includes('{"id":1}')
            : sub === 'generate'
              ? (s: string) => /: [1-9][\d,]* sent/.test(s)
              : sub === 'up'
                ? (s: string) => s.includes('pipeline s3-ecommerce-metrics is up') && /ecommerce → s3-ecommerce: [1-9]/.test(s)
                : undefined;
        const r = await runLine(line, cwd, url, pgPort, env, until);
        assert.equal(r.code, 0, `${line}\n${r.stdout}\n${r.stderr}`);
        if (sub === 'put') assert.match(r.stdout, /^shardId-\d+ \d+\n$/);
        if (sub === 'validate') assert.match(r.stdout, /pipeline s3-ecommerce-metrics is valid/);
        if (sub === 'apps') assert.match(r.stdout, /s1-revenue-per-store/);
        if (sub === 'sql') assert.match(r.stdout, /revenue\.sql: syntax OK/);
        if (sub === 'delivery') assert.match(r.stdout, /s1-revenue-per-minute/);
        if (sub === 'anomaly') assert.ok(r.stdout.split('\n').length > 500, r.stdout.slice(0, 200));
        ran.push(sub ?? tool);
      }
      assert.deepEqual(ran, ['status', 'export', 'aws', 'put', 'tail', 'generate', 'validate', 'up', 'apps', 'sql', 'delivery', 'anomaly', 'metrics', 'psql']);
    } finally {
      demo.kill('SIGINT');
      await new Promise((r) => demo.once('close', r));
    }
  });
});
