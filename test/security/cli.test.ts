/**
 * The shipped CLI under `--auth enforce`: `freshet server` generates root credentials once (0600 file,
 * printed at first start only), refuses a non-loopback bind without enforce, and `freshet iam user create`,
 * `freshet iam key create --output json` and `freshet iam simulate` work against it. And `freshet server --tls
 * --cert … --key …` re-reads its certificate files on SIGHUP (renewed by certbot, cert-manager…) without a restart.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { runCli, spawnCli } from '../cli/run-cli.ts';
import { runCliInProcess } from '../cli/run-cli-in-process.ts';
import { selfSignedIn } from '../../src/server/tls.ts';

async function startCliServer(dataDir: string, extra: string[] = []): Promise<{ child: ChildProcessWithoutNullStreams; url: string; out: () => string }> {
  const child = spawnCli(['server', '--port', '0', '--no-pg', '--data-dir', dataDir, '--auth', 'enforce', ...extra], {
    FRESHET_ROOT_ACCESS_KEY_ID: '',
    FRESHET_ROOT_SECRET_ACCESS_KEY: '',
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000);
    const check = (): void => {
      const m = /Kinesis endpoint (http:\/\/\S+)/.exec(out);
      if (m && (/AWS_SECRET_ACCESS_KEY=\S+\n/.test(out) || /root access key/.test(out))) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    };
    child.stdout.on('data', check);
    child.on('exit', () => reject(new Error(`server exited: ${out}`)));
  });
  return { child, url, out: () => out };
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

describe('freshet server --auth enforce and freshet iam', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'freshet-sec-cli-'));
  });
  after(async () => rm(dataDir, { recursive: true, force: true }));

  it('refuses --host 0.0.0.0 without --auth enforce, with the fix in the message', async () => {
    const r = await runCli(['server', '--host', '0.0.0.0', '--port', '0', '--no-pg', '--storage', 'memory']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /refusing to listen on 0\.0\.0\.0 with --auth any: .*Pass --auth enforce/);
  });

  it('prints generated root credentials once, keeps them 0600, and the iam shortcuts and simulate work with them', async () => {
    const first = await startCliServer(dataDir);
    let secret: string;
    try {
      const id = /AWS_ACCESS_KEY_ID=(\S+)/.exec(first.out())?.[1];
      secret = /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(first.out())?.[1] ?? '';
      assert.match(id ?? '', /^AKIA[A-Z2-7]{16}$/);
      const file = join(dataDir, 'root-credentials');
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.ok((await readFile(file, 'utf8')).includes(secret));

      const env = { FRESHET_ENDPOINT: first.url, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' };
      const user = await runCli(['iam', 'user', 'create', 'app', '--data-dir', dataDir, '--output', 'json'], env);
      assert.equal(user.code, 0, user.stderr);
      assert.equal(JSON.parse(user.stdout).User.Arn, 'arn:aws:iam::000000000000:user/app');
      const key = await runCli(['iam', 'key', 'create', 'app', '--data-dir', dataDir, '--output', 'json'], env);
      assert.equal(key.code, 0, key.stderr);
      const ak = JSON.parse(key.stdout).AccessKey as { AccessKeyId: string; SecretAccessKey: string; Status: string };
      assert.equal(ak.Status, 'Active');
      assert.equal(ak.SecretAccessKey.length, 40);
      // Its secret is never printed by the server.
      assert.ok(!first.out().includes(ak.SecretAccessKey));

      const dup = await runCliInProcess(['iam', 'user', 'create', 'app', '--data-dir', dataDir], env);
      assert.notEqual(dup.code, 0);
      assert.match(dup.stderr, /EntityAlreadyExists: User with name app already exists\./);
      const badKey = await runCliInProcess(['iam', 'user', 'create', 'x'], { ...env, AWS_ACCESS_KEY_ID: 'AKIANOPE000000000000', AWS_SECRET_ACCESS_KEY: 'x' });
      assert.match(badKey.stderr, /InvalidClientTokenId: The security token included in the request is invalid\. \(set AWS_ACCESS_KEY_ID/);
    } finally {
      await stop(first.child);
    }

    const sim = await runCli([
      'iam',
      'simulate',
      '--user',
      'app',
      '--action',
      'kinesis:PutRecord',
      '--resource',
      'arn:aws:kinesis:us-east-1:000000000000:stream/s',
      '--data-dir',
      dataDir,
    ]);
    assert.equal(sim.code, 1);
    assert.equal(
      sim.stdout.trim(),
      'implicitDeny: arn:aws:iam::000000000000:user/app kinesis:PutRecord on arn:aws:kinesis:us-east-1:000000000000:stream/s: no policy allows it',
    );

    // A second start reads the file and does not print the secret again.
    const second = await startCliServer(dataDir);
    try {
      assert.ok(!second.out().includes(secret));
      assert.match(second.out(), /auth enforce; root access key AKIA/);
    } finally {
      await stop(second.child);
    }
  });
});

/** The SHA-256 of the certificate a new TLS connection to `port` is served. */
function servedCertificate(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
      const raw = s.getPeerCertificate().raw;
      s.destroy();
      resolve(createHash('sha256').update(raw).digest('hex'));
    });
    s.on('error', reject);
  });
}

/** The SHA-256 of a PEM certificate's DER bytes (what servedCertificate hashes). */
function pemFingerprint(pem: string | Buffer): string {
  const b64 = pem
    .toString()
    .replace(/-----[^-]+-----/g, '')
    .replace(/\s+/g, '');
  return createHash('sha256').update(Buffer.from(b64, 'base64')).digest('hex');
}

describe('freshet server --tls reloads its certificate on SIGHUP', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'freshet-sighup-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('serves the renewed certificate files to new connections after SIGHUP, and keeps the old pair when the new files do not match', async () => {
    const a = await selfSignedIn(join(dir, 'a'));
    const b = await selfSignedIn(join(dir, 'b'));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    await writeFile(cert, a.cert);
    await writeFile(key, a.key);
    const child = spawnCli(['server', '--port', '0', '--no-pg', '--storage', 'memory', '--tls', '--cert', cert, '--key', key]);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    /** Resolves once the output has one more line matching `re` than it had when called. */
    const next = (re: RegExp): Promise<void> => {
      const count = (): number => out.split('\n').filter((l) => re.test(l)).length;
      const had = count();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no new line matching ${re}; output: ${out}`)), 30_000);
        const check = (): void => {
          if (count() > had) {
            clearTimeout(t);
            child.stdout.off('data', check);
            child.stderr.off('data', check);
            resolve();
          }
        };
        child.stdout.on('data', check);
        child.stderr.on('data', check);
      });
    };
    try {
      await next(/Kinesis endpoint https:\/\//);
      const port = Number(/Kinesis endpoint https:\/\/[^:]+:(\d+)/.exec(out)![1]);
      assert.equal(await servedCertificate(port), pemFingerprint(a.cert));

      // Renewed in place, then SIGHUP: new connections get the new certificate, the process keeps running.
      await writeFile(cert, b.cert);
      await writeFile(key, b.key);
      const reloaded = next(/TLS certificate reloaded/);
      child.kill('SIGHUP');
      await reloaded;
      assert.equal(await servedCertificate(port), pemFingerprint(b.cert));
      assert.equal(child.exitCode, null);

      // A's certificate with B's key is not a pair: the reload is refused with the reason, B stays in use.
      await writeFile(cert, a.cert);
      const refused = next(/TLS certificate not reloaded \(the old one stays in use\)/);
      child.kill('SIGHUP');
      await refused;
      assert.equal(await servedCertificate(port), pemFingerprint(b.cert));
      assert.equal(child.exitCode, null);
    } finally {
      await stop(child);
    }
  });
});
