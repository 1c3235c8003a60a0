/**
 * Transport and secrets at rest: the TLS certificate is replaced without a restart (new connections get the new
 * one, a key that does not match the certificate is refused and the old pair stays), TLS below 1.2 is refused,
 * IAM secrets in the data dir are encrypted with --secrets-key-file (a copy of the data dir does not reveal them,
 * another key cannot open them), and connections beyond `limits.maxConnections` are closed at once.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type { ConnectionOptions, SecureVersion } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { selfSignedIn } from '../../src/server/tls.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { MemoryStorage } from '../../src/storage/index.ts';

const ROOT = { accessKeyId: 'AKIAFRESHETROOT00023', secretAccessKey: 'root-secret-for-transport-tests-00000000' };
const env = { FRESHET_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, FRESHET_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey };

/** The SHA-256 of the certificate the server presents to a new connection, or the handshake's error. */
function handshake(port: number, opts: ConnectionOptions): Promise<string> {
  return new Promise((resolve) => {
    const s = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false, ...opts }, () => {
      const raw = s.getPeerCertificate().raw;
      s.destroy();
      resolve(createHash('sha256').update(raw).digest('hex'));
    });
    s.on('error', (e) => resolve(`error: ${e.message}`));
  });
}

const fingerprint = (pem: string | Buffer): string => {
  const b64 = pem
    .toString()
    .replace(/-----[^-]+-----/g, '')
    .replace(/\s+/g, '');
  return createHash('sha256').update(Buffer.from(b64, 'base64')).digest('hex');
};

describe('TLS certificates are reloaded without a restart, and TLS 1.2 is the minimum', () => {
  let dir: string;
  let server: FreshetServer;
  let a: { cert: Buffer | string; key: Buffer | string };
  let b: { cert: Buffer | string; key: Buffer | string };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'freshet-transport-'));
    a = await selfSignedIn(join(dir, 'a'));
    b = await selfSignedIn(join(dir, 'b'));
    // As the CLI's --cert/--key: the files are read again by reloadTls() (SIGHUP in the CLI).
    await writeFile(join(dir, 'cert.pem'), a.cert);
    await writeFile(join(dir, 'key.pem'), a.key);
    server = await startServer({
      port: 0,
      storage: 'memory',
      tls: { cert: a.cert, key: a.key },
      tlsFiles: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') },
    });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the renewed certificate files to new connections after reloadTls, and keeps the old pair when a new one does not match', async () => {
    assert.equal(await handshake(server.port, {}), fingerprint(a.cert));
    // Renewed in place (certbot, cert-manager), then re-read.
    await writeFile(join(dir, 'cert.pem'), b.cert);
    await writeFile(join(dir, 'key.pem'), b.key);
    await server.reloadTls();
    assert.equal(await handshake(server.port, {}), fingerprint(b.cert));
    // A's certificate with B's key is not a pair: refused, B stays in use.
    await assert.rejects(server.reloadTls({ cert: a.cert, key: b.key }));
    assert.equal(await handshake(server.port, {}), fingerprint(b.cert));
  });

  it('refuses TLS 1.0 and 1.1 handshakes and accepts TLS 1.2 and 1.3', async () => {
    for (const v of ['TLSv1', 'TLSv1.1'] as SecureVersion[]) {
      assert.match(await handshake(server.port, { minVersion: v, maxVersion: v, ciphers: 'DEFAULT:@SECLEVEL=0' }), /^error: /, v);
    }
    for (const v of ['TLSv1.2', 'TLSv1.3'] as SecureVersion[]) {
      assert.equal(await handshake(server.port, { minVersion: v, maxVersion: v }), fingerprint(b.cert), v);
    }
  });
});

describe('IAM secrets at rest with --secrets-key-file', () => {
  let dir: string;
  let keys: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'freshet-secrets-'));
    keys = await mkdtemp(join(tmpdir(), 'freshet-secrets-key-'));
    await writeFile(join(keys, 'secrets.key'), 'a key kept outside the data dir, 32+ bytes of it');
    await writeFile(join(keys, 'other.key'), 'some other key that is not the one the secrets were sealed with');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(keys, { recursive: true, force: true });
  });

  const start = (secretsKeyFile?: string) =>
    startServer({
      port: 0,
      // A storage instance keeps the data dir, where the IAM state is.
      storage: new MemoryStorage(),
      dataDir: dir,
      auth: 'enforce',
      activityLog: false,
      env,
      ...(secretsKeyFile !== undefined ? { secretsKeyFile } : {}),
    });

  it('keeps a user’s secret out of the data dir in the clear, serves it again with the same key file, and not with another', async () => {
    let server = await start(join(keys, 'secrets.key'));
    let secret: { accessKeyId: string; secretAccessKey: string };
    try {
      const iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: ROOT, maxAttempts: 1 });
      await iam.send(new CreateUserCommand({ UserName: 'app' }));
      const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'app' }))).AccessKey!;
      secret = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
      iam.destroy();
    } finally {
      await server.close();
    }
    const state = await readFile(join(dir, 'iam', 'state.json'), 'utf8');
    assert.ok(state.includes(secret.accessKeyId), 'the key id is stored');
    assert.ok(!state.includes(secret.secretAccessKey), 'the secret is not stored in the clear');

    server = await start(join(keys, 'secrets.key'));
    try {
      const sts = new STSClient({ endpoint: server.url, region: 'us-east-1', credentials: secret, maxAttempts: 1 });
      assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, 'arn:aws:iam::000000000000:user/app');
      sts.destroy();
    } finally {
      await server.close();
    }

    await assert.rejects(start(join(keys, 'other.key')), /do not decrypt with this --secrets-key-file/);
  });
});

describe('connection limits', () => {
  let server: FreshetServer;
  const sockets: Socket[] = [];
  before(async () => {
    server = await startServer({ port: 0, storage: 'memory', activityLog: false, limits: { maxConnections: 2, idleTimeoutMs: 1000 } });
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await server.close();
  });

  const open = () =>
    new Promise<Socket>((resolve, reject) => {
      const s = netConnect({ host: '127.0.0.1', port: server.port }, () => resolve(s));
      s.on('error', reject);
      sockets.push(s);
    });
  const closed = (s: Socket, withinMs = 200) =>
    new Promise<boolean>((resolve) => {
      if (s.closed) return resolve(true);
      const t = setTimeout(() => resolve(false), withinMs);
      s.once('close', () => {
        clearTimeout(t);
        resolve(true);
      });
    });

  it('closes connections beyond maxConnections at once and keeps the others', async () => {
    const first = await open();
    const second = await open();
    const third = await open();
    // Watched together, well within the idle timeout.
    assert.deepEqual(await Promise.all([closed(third), closed(first), closed(second)]), [true, false, false], 'only the third connection is closed');
    // Once one goes, a new connection is served again.
    first.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const fourth = await open();
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      fourth.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('\r\n\r\n')) resolve(text.split('\r\n')[0]!);
      });
      fourth.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    });
    assert.match(answer, /^HTTP\/1\.1 \d{3}/);
  });

  it('closes a connection that sends nothing for idleTimeoutMs', async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const idle = await open();
    const started = Date.now();
    assert.equal(await closed(idle, 3000), true);
    const after = Date.now() - started;
    assert.ok(after >= 800 && after < 2900, `closed after ${after} ms`);
  });
});
