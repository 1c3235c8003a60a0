/** `freshet server` as a user runs it: endpoint line, a second server on the same data dir refused, clean SIGTERM. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { CLI as BUILT_CLI, ROOT } from '../cli/run-cli.ts';

const CLI = [BUILT_CLI];

describe('freshet server', () => {
  it('prints its endpoint, refuses a second server on the same data dir, and closes on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'freshet-cli-'));
    const child = spawn(process.execPath, [...CLI, 'server', '--port', '0', '--data-dir', dir, '--fsync', 'interval:50'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.setEncoding('utf8');
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: string) => {
          out += d;
          const m = /Kinesis endpoint (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`server exited early (${code}): ${out}`)));
      });
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'Kinesis_20131202.ListStreams' },
        body: '{}',
      });
      assert.equal(res.status, 400, 'unsigned requests are answered, with MissingAuthenticationTokenException');
      await res.text();

      const second = await promisify(execFile)(process.execPath, [...CLI, 'server', '--port', '0', '--data-dir', dir], { cwd: ROOT }).then(
        () => assert.fail('a second server on the same data dir must fail'),
        (e: { code: number; stderr: string }) => e,
      );
      assert.equal(second.code, 1);
      assert.match(second.stderr, /^freshet: data dir .* is in use by another Freshet server; stop that server or pass a different --data-dir\n$/);

      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      assert.equal(code, 0);
      assert.match(out, /SIGTERM received, closing/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a bad --fsync value with one clear line', async () => {
    const e = await promisify(execFile)(process.execPath, [...CLI, 'server', '--fsync', 'sometimes'], { cwd: ROOT }).then(
      () => assert.fail('must fail'),
      (err: { code: number; stderr: string }) => err,
    );
    assert.notEqual(e.code, 0);
    assert.match(e.stderr, /option '--fsync <mode>' argument 'sometimes' is invalid/);
  });
});
