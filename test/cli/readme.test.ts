/**
 * README's "Use it" lines, run as written (through bash, from a folder holding the repository's examples/)
 * against the demo: the only changes are the demo's port (the lines name 127.0.0.1:4567, the test's demo
 * listens on a free port, passed as FRESHET_ENDPOINT) and `npx freshet`, which runs the built CLI.
 * Lines that run until Ctrl-C are interrupted once they have shown what they do. `psql` is left to test/views.
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

function runLine(line: string, cwd: string, url: string, until?: (out: string) => boolean): Promise<Run> {
  const command = line.replaceAll('npx freshet', `node ${CLI}`).replaceAll('http://127.0.0.1:4567', url);
  const child = spawn('bash', ['-c', `exec ${command}`], {
    cwd,
    env: { ...process.env, FRESHET_ENDPOINT: url, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_DEFAULT_REGION: 'us-east-1' },
  });
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
      const ran: string[] = [];
      for (const line of lines) {
        const tool = line.split(/\s+/)[0]!;
        if (tool === 'psql') continue;
        if (tool === 'aws' && !existsSync('/usr/bin/aws')) assert.fail('Debian aws CLI missing (npm test installs it)');
        const sub = line.replace(/^npx freshet /, '').split(/\s+/)[0];
        const until =
          sub === 'tail'
            ? (s: string) => s.includes('{"id":1}')
            : sub === 'generate'
              ? (s: string) => /: [1-9][\d,]* sent/.test(s)
              : sub === 'up'
                ? (s: string) => s.includes('pipeline s3-ecommerce-metrics is up') && /ecommerce → s3-ecommerce: [1-9]/.test(s)
                : undefined;
        const r = await runLine(line, cwd, url, until);
        assert.equal(r.code, 0, `${line}\n${r.stdout}\n${r.stderr}`);
        if (sub === 'put') assert.match(r.stdout, /^shardId-\d+ \d+\n$/);
        if (sub === 'validate') assert.match(r.stdout, /pipeline s3-ecommerce-metrics is valid/);
        if (sub === 'apps') assert.match(r.stdout, /s1-revenue-per-store/);
        if (sub === 'sql') assert.match(r.stdout, /revenue\.sql: syntax OK/);
        if (sub === 'delivery') assert.match(r.stdout, /s1-revenue-per-minute/);
        if (sub === 'anomaly') assert.ok(r.stdout.split('\n').length > 500, r.stdout.slice(0, 200));
        ran.push(sub ?? tool);
      }
      assert.deepEqual(ran, ['status', 'aws', 'put', 'tail', 'generate', 'validate', 'up', 'apps', 'sql', 'delivery', 'anomaly', 'metrics']);
    } finally {
      demo.kill('SIGINT');
      await new Promise((r) => demo.once('close', r));
    }
  });
});
