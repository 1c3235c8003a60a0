import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT } from '../cli/run-cli.ts';

function runDemo(dataDir: string, seconds: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'demo', '--port', '0', '--data-dir', dataDir, '--seconds', String(seconds)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function finalCounts(stdout: string): { recordsIn: number; sqlRowsOut: number } {
  const m = /final: records in (\d+) · SQL rows out (\d+)/.exec(stdout);
  assert.ok(m, `no final status line in:\n${stdout}`);
  return { recordsIn: Number(m[1]), sqlRowsOut: Number(m[2]) };
}

describe('freshet demo (npm start)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-demo-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts the server, applies S1 and S2, generates records and produces SQL rows, then resumes on the same data dir', async () => {
    const first = await runDemo(dataDir, 8);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Freshet is listening on http:\/\/127\.0\.0\.1:\d+/);
    assert.match(first.stdout, /pipeline s1-revenue-per-store: 6 resource\(s\) created or updated/);
    assert.match(first.stdout, /pipeline s2-anomalous-trades: 6 resource\(s\) created or updated/);
    const a = finalCounts(first.stdout);
    assert.ok(a.recordsIn > 50, `records in: ${a.recordsIn}`);
    // S2's RCF pump emits rows as trades arrive (score > 1 after warm-up).
    assert.ok(a.sqlRowsOut > 0, `SQL rows out: ${a.sqlRowsOut}`);

    const second = await runDemo(dataDir, 4);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /pipeline s1-revenue-per-store: already up \(resuming\)/);
    assert.match(second.stdout, /pipeline s2-anomalous-trades: already up \(resuming\)/);
    assert.ok(finalCounts(second.stdout).recordsIn > 0);
  });
});
