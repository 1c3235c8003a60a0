/**
 * The console's API under `--auth enforce`: signed like the AWS APIs (SigV4 scoped to `freshet`, header or
 * presigned query), by keys from src/iam, and authorised as the AWS action whose data each route shows.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Hash } from '@smithy/hash-node';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteUserPolicyCommand,
  IAMClient,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { CreateStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateApplicationCommand, KinesisAnalyticsClient } from '@aws-sdk/client-kinesis-analytics';
import { CONSOLE_SIGNING_NAME, createConsole } from '../../src/console/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';

const ROOT = { accessKeyId: 'AKIAFRESHETCONSOLE01', secretAccessKey: 'console-root-secret-000000000000000000000' };

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
}

function send(url: string, path: string, headers: Record<string, string>, method = 'GET', body = ''): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      let events = 0;
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        // An event stream never ends: one snapshot is enough.
        if (res.headers['content-type'] === 'text/event-stream' && Buffer.concat(chunks).includes('event: snapshot') && events++ === 0) {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
    req.end(body);
  });
}

/** An event stream read until the server ends it: its text so far, and a promise of the whole text once it ends. */
function openStream(url: string, path: string): Promise<{ status: number; text: () => string; ended: Promise<string> }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method: 'GET', path }, (res) => {
      let text = '';
      const ended = new Promise<string>((done) => res.on('end', () => done(text)));
      res.on('data', (c: Buffer) => {
        text += c.toString('utf8');
      });
      resolve({ status: res.statusCode ?? 0, text: () => text, ended });
    });
    req.on('error', reject);
    req.end();
  });
}

async function signed(server: FreshetServer, path: string, creds: Creds, opts: { method?: string; body?: string; service?: string } = {}) {
  const u = new URL(server.url);
  const [p, q] = path.split('?') as [string, string | undefined];
  const signer = new SignatureV4({ credentials: creds, region: 'us-east-1', service: opts.service ?? CONSOLE_SIGNING_NAME, sha256: Hash.bind(null, 'sha256') });
  const req = new HttpRequest({
    method: opts.method ?? 'GET',
    protocol: 'http:',
    hostname: u.hostname,
    port: Number(u.port),
    path: p,
    query: Object.fromEntries(new URLSearchParams(q ?? '')),
    headers: { host: u.host, ...(opts.body ? { 'content-type': 'application/json' } : {}) },
    ...(opts.body ? { body: opts.body } : {}),
  });
  const s = await signer.sign(req);
  return send(server.url, path, s.headers as Record<string, string>, opts.method ?? 'GET', opts.body ?? '');
}

async function presigned(server: FreshetServer, path: string, creds: Creds): Promise<string> {
  const u = new URL(server.url);
  const signer = new SignatureV4({ credentials: creds, region: 'us-east-1', service: CONSOLE_SIGNING_NAME, sha256: Hash.bind(null, 'sha256') });
  const [route, q] = path.split('?') as [string, string | undefined];
  const p = await signer.presign(
    new HttpRequest({
      method: 'GET',
      protocol: 'http:',
      hostname: u.hostname,
      port: Number(u.port),
      path: route,
      query: Object.fromEntries(new URLSearchParams(q ?? '')),
      headers: { host: u.host },
    }),
    {
      expiresIn: 600,
    },
  );
  const qs = Object.entries(p.query as Record<string, string>)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  return `${route}?${qs}`;
}

describe('console API under --auth enforce', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-console-auth-'));
  const webConsole = createConsole();
  let server: FreshetServer;
  let iam: IAMClient;
  let viewer: Creds;
  let reader: Creds;

  before(async () => {
    server = await startServer({
      port: 0,
      dataDir,
      fsync: { kind: 'never' },
      auth: 'enforce',
      env: { FRESHET_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, FRESHET_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey },
      httpRoutes: webConsole.routes,
    });
    webConsole.attach({ kinesis: server.kinesis, services: server.services, dataDir, region: 'us-east-1', auth: server.auth, iam: server.iam });
    iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: ROOT });
    const kinesis = new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials: ROOT });
    await kinesis.send(new CreateStreamCommand({ StreamName: 'console-auth', ShardCount: 1 }));
    kinesis.destroy();
    const user = async (name: string, policy?: object): Promise<Creds> => {
      await iam.send(new CreateUserCommand({ UserName: name }));
      if (policy) await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: JSON.stringify(policy) }));
      const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
      return { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    };
    viewer = await user('viewer');
    reader = await user('reader', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'kinesis:ListStreams', Resource: '*' },
        { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::allowed-bucket' },
      ],
    });
  });

  after(async () => {
    iam.destroy();
    webConsole.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('tells the page that credentials are enforced, without a signature', async () => {
    const r = await send(server.url, '/console/api/config', {});
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.text) as { auth: string }).auth, 'enforce');
  });

  it('refuses unsigned requests and signatures by unknown keys or wrong secrets', async () => {
    const unsigned = await send(server.url, '/console/api/objects?bucket=allowed-bucket', {});
    assert.equal(unsigned.status, 403);
    assert.equal((JSON.parse(unsigned.text) as { __type: string }).__type, 'MissingAuthenticationTokenException');
    const unknown = await signed(server, '/console/api/objects?bucket=allowed-bucket', { accessKeyId: 'AKIANOSUCHKEY0000000', secretAccessKey: 'x' });
    assert.equal(unknown.status, 400);
    assert.deepEqual(JSON.parse(unknown.text), { __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
    const wrong = await signed(server, '/console/api/objects?bucket=allowed-bucket', { ...ROOT, secretAccessKey: 'not-the-secret' });
    assert.equal((JSON.parse(wrong.text) as { __type: string }).__type, 'InvalidSignatureException');
    const otherService = await signed(server, '/console/api/objects?bucket=allowed-bucket', ROOT, { service: 'kinesis' });
    assert.match(otherService.text, /Credential should be scoped to correct service: 'freshet'/);
  });

  it('serves the root, and a user whose policies allow the route’s action', async () => {
    assert.equal((await signed(server, '/console/api/objects?bucket=other-bucket', ROOT)).status, 200);
    assert.equal((await signed(server, '/console/api/objects?bucket=allowed-bucket', reader)).status, 200);
    const decode = await signed(server, '/console/api/decode', viewer, { method: 'POST', body: JSON.stringify({ records: [{ data: 'aGk=' }] }) });
    assert.equal(decode.status, 200, decode.text);
    assert.deepEqual(JSON.parse(decode.text), { records: [{ text: 'hi', json: false }] });
  });

  it("refuses a user without an allowing policy with AWS's AccessDenied text naming the action and resource", async () => {
    const denied = await signed(server, '/console/api/objects?bucket=other-bucket', reader);
    assert.equal(denied.status, 403);
    const body = JSON.parse(denied.text) as { __type: string; message: string };
    assert.equal(body.__type, 'AccessDeniedException');
    assert.match(
      body.message,
      /^User: arn:aws:iam::000000000000:user\/reader is not authorized to perform: s3:ListBucket on resource: arn:aws:s3:::other-bucket/,
    );
    const object = await signed(server, '/console/api/object?bucket=allowed-bucket&key=a.json', reader);
    assert.match(
      (JSON.parse(object.text) as { message: string }).message,
      /not authorized to perform: s3:GetObject on resource: arn:aws:s3:::allowed-bucket\/a.json/,
    );
  });

  it('opens the live feed from a presigned URL (EventSource sends no headers) for a caller allowed kinesis:ListStreams', async () => {
    const ok = await send(server.url, await presigned(server, '/console/api/live', reader), {});
    assert.equal(ok.status, 200);
    assert.match(ok.text, /event: snapshot\ndata: .*"name":"console-auth"/);
    const denied = await send(server.url, await presigned(server, '/console/api/live', viewer), {});
    assert.equal(denied.status, 403);
    assert.match(denied.text, /user\/viewer is not authorized to perform: kinesis:ListStreams/);
  });

  it("ends an open live feed or application's rows at their next tick once the policy is deleted or the key made inactive, saying why", {
    timeout: 15_000,
  }, async () => {
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kinesis:ListStreams', Resource: '*' }] };
    await iam.send(new CreateUserCommand({ UserName: 'revoked' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'revoked', PolicyName: 'p', PolicyDocument: JSON.stringify(policy) }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'revoked' }))).AccessKey!;
    const creds = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    const waitFor = async (stream: { text: () => string }, re: RegExp) => {
      for (const start = Date.now(); !re.test(stream.text()); await new Promise((r) => setTimeout(r, 20)))
        assert.ok(Date.now() - start < 5000, `the stream shows ${re} within 5 s: ${stream.text().slice(-300)}`);
    };

    // The policy deleted while the feed is open: the next tick refuses it, in AWS's words, and ends it.
    const byPolicy = await openStream(server.url, await presigned(server, '/console/api/live', creds));
    assert.equal(byPolicy.status, 200);
    await waitFor(byPolicy, /event: snapshot/);
    const revokedAt = Date.now();
    await iam.send(new DeleteUserPolicyCommand({ UserName: 'revoked', PolicyName: 'p' }));
    const text = await byPolicy.ended;
    assert.ok(Date.now() - revokedAt < 2500, `ended ${Date.now() - revokedAt} ms after the policy went (the feed ticks every second)`);
    assert.match(
      text,
      /event: refused\ndata: \{"__type":"AccessDeniedException","message":"User: arn:aws:iam::000000000000:user\/revoked is not authorized to perform: kinesis:ListStreams/,
    );
    // Reconnecting with the same URL is refused at once.
    const again = await send(server.url, await presigned(server, '/console/api/live', creds), {});
    assert.equal(again.status, 403);

    // The key made inactive while the feed is open (the policy back): ended at the next tick too.
    await iam.send(new PutUserPolicyCommand({ UserName: 'revoked', PolicyName: 'p', PolicyDocument: JSON.stringify(policy) }));
    const byKey = await openStream(server.url, await presigned(server, '/console/api/live', creds));
    assert.equal(byKey.status, 200);
    await waitFor(byKey, /event: snapshot/);
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'revoked', AccessKeyId: creds.accessKeyId, Status: 'Inactive' }));
    assert.match(
      await byKey.ended,
      /event: refused\ndata: \{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid\."\}\n\n$/,
    );

    // An application's rows (authorised as kinesisanalytics:DescribeApplication on it): ended the same way.
    const analytics = new KinesisAnalyticsClient({ endpoint: server.url, region: 'us-east-1', credentials: ROOT, maxAttempts: 1 });
    await analytics.send(new CreateApplicationCommand({ ApplicationName: 'watched-app' }));
    analytics.destroy();
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'revoked', AccessKeyId: creds.accessKeyId, Status: 'Active' }));
    const describe = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'kinesisanalytics:DescribeApplication',
          Resource: 'arn:aws:kinesisanalytics:us-east-1:000000000000:application/watched-app',
        },
      ],
    };
    await iam.send(new PutUserPolicyCommand({ UserName: 'revoked', PolicyName: 'p', PolicyDocument: JSON.stringify(describe) }));
    const rows = await openStream(server.url, await presigned(server, '/console/api/rows?app=watched-app', creds));
    assert.equal(rows.status, 200);
    await waitFor(rows, /event: rows/);
    await iam.send(new DeleteUserPolicyCommand({ UserName: 'revoked', PolicyName: 'p' }));
    assert.match(
      await rows.ended,
      /event: refused\ndata: \{"__type":"AccessDeniedException","message":"User: arn:aws:iam::000000000000:user\/revoked is not authorized to perform: kinesisanalytics:DescribeApplication on resource: arn:aws:kinesisanalytics:us-east-1:000000000000:application\/watched-app/,
    );
  });
});
