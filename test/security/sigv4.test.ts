/**
 * `--auth enforce`: SigV4 verified on every protocol with real clients (AWS SDK for JavaScript v3 over
 * HTTP/2, Debian's AWS CLI, boto3) and with requests signed by the SDK's own signer and then spoiled:
 * wrong secret, unknown key, expired and future-dated signatures, a body changed after signing, the
 * wrong service in the scope, presigned URLs, UNSIGNED-PAYLOAD, session tokens. AWS's error texts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { KinesisClient, ListStreamsCommand, CreateStreamCommand, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Hash } from '@smithy/hash-node';
import { ManualClock } from '../../src/core/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { awsCli, python3 } from '../helpers/third-party-clients.ts';

const ROOT = { accessKeyId: 'AKIAFRESHETROOT00001', secretAccessKey: 'root-secret-for-tests-0000000000000000000' };

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function send(url: string, method: string, path: string, headers: Record<string, string>, body: string): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A Kinesis JSON request signed by the SDK's signer (then optionally spoiled). */
async function signedKinesis(
  server: FreshetServer,
  target: string,
  body: string,
  opts: { creds?: Creds; signingDate?: Date; service?: string; headers?: Record<string, string>; sendBody?: string } = {},
): Promise<RawResponse> {
  const u = new URL(server.url);
  const signer = new SignatureV4({
    credentials: opts.creds ?? ROOT,
    region: 'us-east-1',
    service: opts.service ?? 'kinesis',
    sha256: Hash.bind(null, 'sha256'),
  });
  const req = new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname: u.hostname,
    port: Number(u.port),
    path: '/',
    headers: { host: u.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Kinesis_20131202.${target}`, ...(opts.headers ?? {}) },
    body,
  });
  const signed = await signer.sign(req, opts.signingDate ? { signingDate: opts.signingDate } : {});
  return send(server.url, 'POST', '/', signed.headers as Record<string, string>, opts.sendBody ?? body);
}

describe('SigV4 under --auth enforce', () => {
  let server: FreshetServer;
  let clock: ManualClock;
  before(async () => {
    clock = new ManualClock(Date.now());
    server = await startServer({
      storage: 'memory',
      auth: 'enforce',
      clock,
      env: { FRESHET_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, FRESHET_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey },
    });
  });
  after(async () => server.close());

  const kinesis = (creds: Creds): KinesisClient => new KinesisClient({ endpoint: server.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
  // Debian's AWS CLI and boto3, each call a fork of a Python that imported them once (test/helpers/third-party-clients.ts);
  // the CLI signs with the keys of its call's environment.
  const cli = async (creds: Creds, args: string[]): Promise<{ ok: boolean; out: string }> => {
    try {
      const out = await awsCli(server.url, args, { AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey });
      return { ok: true, out: JSON.stringify(out) };
    } catch (e) {
      return { ok: false, out: String((e as { stderr?: string }).stderr ?? e) };
    }
  };
  const boto3 = (creds: Creds, code: string): Promise<string> =>
    python3(
      `import boto3, json, botocore\ndef client(name): return boto3.client(name, endpoint_url='${server.url}', region_name='us-east-1', aws_access_key_id='${creds.accessKeyId}', aws_secret_access_key='${creds.secretAccessKey}')\n${code}`,
      [],
    );

  it('serves the SDK over HTTP/2 with the root credentials', async () => {
    const c = kinesis(ROOT);
    try {
      await c.send(new CreateStreamCommand({ StreamName: 'sig-a', ShardCount: 1 }));
      clock.advance(10); // the stream turns ACTIVE after createDelayMs of clock time
      const out = await c.send(new ListStreamsCommand({}));
      assert.deepEqual(out.StreamNames, ['sig-a']);
    } finally {
      c.destroy();
    }
  });

  it('answers a wrong secret with InvalidSignatureException and the canonical request AWS computed', async () => {
    const c = kinesis({ ...ROOT, secretAccessKey: 'wrong' });
    try {
      await assert.rejects(c.send(new ListStreamsCommand({})), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(e.name, 'InvalidSignatureException');
        assert.equal(e.$metadata?.httpStatusCode, 400);
        assert.ok(
          e.message.startsWith(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'POST\n/\n\n",
          ),
          e.message,
        );
        return true;
      });
    } finally {
      c.destroy();
    }
  });

  it('answers an unknown access key with UnrecognizedClientException', async () => {
    const r = await signedKinesis(server, 'ListStreams', '{}', { creds: { accessKeyId: 'AKIANOSUCHKEY0000000', secretAccessKey: 'x' } });
    assert.equal(r.status, 400);
    assert.deepEqual(JSON.parse(r.text), { __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
  });

  it('refuses a signature older than five minutes with "Signature expired"', async () => {
    const signed = new Date(clock.now() - 6 * 60_000);
    const r = await signedKinesis(server, 'ListStreams', '{}', { signingDate: signed });
    const body = JSON.parse(r.text) as { __type: string; message: string };
    assert.equal(r.status, 400);
    assert.equal(body.__type, 'InvalidSignatureException');
    assert.match(body.message, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
  });

  it('refuses a signature more than five minutes ahead with "Signature not yet current"', async () => {
    const r = await signedKinesis(server, 'ListStreams', '{}', { signingDate: new Date(clock.now() + 6 * 60_000) });
    const body = JSON.parse(r.text) as { __type: string; message: string };
    assert.equal(body.__type, 'InvalidSignatureException');
    assert.match(body.message, /^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 5 min\.\)$/);
  });

  it('accepts a signature within the skew window', async () => {
    const r = await signedKinesis(server, 'ListStreams', '{}', { signingDate: new Date(clock.now() - 4 * 60_000) });
    assert.equal(r.status, 200, r.text);
  });

  it('refuses a body changed after signing', async () => {
    const r = await signedKinesis(server, 'ListStreams', '{}', { sendBody: '{"Limit":1}' });
    const body = JSON.parse(r.text) as { __type: string; message: string };
    assert.equal(body.__type, 'InvalidSignatureException');
  });

  it('refuses an x-amz-content-sha256 that does not match the body', async () => {
    const r = await signedKinesis(server, 'ListStreams', '{}', { headers: { 'x-amz-content-sha256': 'a'.repeat(64) } });
    assert.deepEqual(JSON.parse(r.text), {
      __type: 'InvalidSignatureException',
      message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
    });
  });

  it('accepts UNSIGNED-PAYLOAD signed as such', async () => {
    const r = await signedKinesis(server, 'ListStreams', '{}', { headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    assert.equal(r.status, 200, r.text);
  });

  it('refuses a credential scoped to another service', async () => {
    const r = await signedKinesis(server, 'ListStreams', '{}', { service: 'firehose' });
    assert.deepEqual(JSON.parse(r.text), { __type: 'InvalidSignatureException', message: "Credential should be scoped to correct service: 'kinesis'. " });
  });

  it('still answers a missing signature with MissingAuthenticationTokenException', async () => {
    const r = await send(server.url, 'POST', '/', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.ListStreams' }, '{}');
    assert.deepEqual(JSON.parse(r.text), { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
  });

  it('accepts a presigned STS GetCallerIdentity URL and refuses it once tampered with', async () => {
    const u = new URL(server.url);
    const signer = new SignatureV4({ credentials: ROOT, region: 'us-east-1', service: 'sts', sha256: Hash.bind(null, 'sha256') });
    const presigned = await signer.presign(
      new HttpRequest({
        method: 'GET',
        protocol: 'http:',
        hostname: u.hostname,
        port: Number(u.port),
        path: '/',
        query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
        headers: { host: u.host },
      }),
      { expiresIn: 60 },
    );
    const qs = Object.entries(presigned.query as Record<string, string>)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&');
    const ok = await send(server.url, 'GET', `/?${qs}`, { host: u.host }, '');
    assert.equal(ok.status, 200, ok.text);
    assert.match(ok.text, /<Arn>arn:aws:iam::000000000000:root<\/Arn>/);
    const bad = await send(server.url, 'GET', `/?${qs.replace('GetCallerIdentity', 'GetSessionToken')}`, { host: u.host }, '');
    assert.equal(bad.status, 403);
    assert.match(bad.text, /<Code>SignatureDoesNotMatch<\/Code><Message>The request signature we calculated does not match/);
  });

  it('IAM users: the AWS CLI creates a user and key, which then signs requests; a wrong key gets InvalidClientTokenId', async () => {
    assert.ok((await cli(ROOT, ['iam', 'create-user', '--user-name', 'cli-user'])).ok);
    const key = JSON.parse((await cli(ROOT, ['iam', 'create-access-key', '--user-name', 'cli-user'])).out) as {
      AccessKey: { AccessKeyId: string; SecretAccessKey: string; Status: string };
    };
    assert.equal(key.AccessKey.Status, 'Active');
    assert.match(key.AccessKey.AccessKeyId, /^AKIA[A-Z2-7]{16}$/);
    const creds = { accessKeyId: key.AccessKey.AccessKeyId, secretAccessKey: key.AccessKey.SecretAccessKey };
    const who = JSON.parse((await cli(creds, ['sts', 'get-caller-identity'])).out) as { UserId: string; Arn: string; Account: string };
    assert.equal(who.Arn, 'arn:aws:iam::000000000000:user/cli-user');
    assert.equal(who.Account, '000000000000');
    assert.match(who.UserId, /^AIDA[A-Z2-7]{17}$/);
    const bad = await cli({ ...creds, accessKeyId: 'AKIANOTAKEY000000000' }, ['sts', 'get-caller-identity']);
    assert.equal(bad.ok, false);
    assert.match(
      bad.out,
      /An error occurred \(InvalidClientTokenId\) when calling the GetCallerIdentity operation: The security token included in the request is invalid\./,
    );
    const wrongSecret = await cli({ ...creds, secretAccessKey: 'nope' }, ['sts', 'get-caller-identity']);
    assert.match(
      wrongSecret.out,
      /An error occurred \(SignatureDoesNotMatch\) when calling the GetCallerIdentity operation: The request signature we calculated does not match/,
    );
    // An inactive key stops working at once.
    assert.ok((await cli(ROOT, ['iam', 'update-access-key', '--user-name', 'cli-user', '--access-key-id', creds.accessKeyId, '--status', 'Inactive'])).ok);
    assert.match((await cli(creds, ['sts', 'get-caller-identity'])).out, /InvalidClientTokenId/);
  });

  it('boto3: right key works, wrong secret gets InvalidSignatureException from Kinesis', async () => {
    const ok = await boto3(ROOT, "print(json.dumps(client('kinesis').list_streams()['StreamNames']))");
    assert.deepEqual(JSON.parse(ok), ['sig-a']);
    const bad = await boto3(
      { ...ROOT, secretAccessKey: 'wrong' },
      "try:\n  client('kinesis').list_streams()\nexcept botocore.exceptions.ClientError as e:\n  print(json.dumps([e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']]))",
    );
    assert.deepEqual(JSON.parse(bad), ['InvalidSignatureException', 400]);
  });

  it('session tokens: GetSessionToken credentials work with their token, not without it, and expire', async () => {
    const sts = new STSClient({ endpoint: server.url, region: 'us-east-1', credentials: ROOT, maxAttempts: 1 });
    let temp: Creds;
    try {
      const out = await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
      temp = { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
      assert.match(temp.accessKeyId, /^ASIA/);
    } finally {
      sts.destroy();
    }
    const c = kinesis(temp);
    try {
      await c.send(new PutRecordCommand({ StreamName: 'sig-a', PartitionKey: 'k', Data: Buffer.from('x') }));
    } finally {
      c.destroy();
    }
    const noToken = await signedKinesis(server, 'ListStreams', '{}', { creds: { accessKeyId: temp.accessKeyId, secretAccessKey: temp.secretAccessKey } });
    assert.equal(JSON.parse(noToken.text).__type, 'UnrecognizedClientException');
    clock.advance(901_000);
    const expired = await signedKinesis(server, 'ListStreams', '{}', { creds: temp, signingDate: new Date(clock.now()) });
    assert.deepEqual(JSON.parse(expired.text), { __type: 'ExpiredTokenException', message: 'The security token included in the request is expired' });
    const s2 = new STSClient({ endpoint: server.url, region: 'us-east-1', credentials: ROOT, maxAttempts: 1, systemClockOffset: 901_000 });
    try {
      const me = await s2.send(new GetCallerIdentityCommand({}));
      assert.equal(me.Arn, 'arn:aws:iam::000000000000:root');
    } finally {
      s2.destroy();
    }
  });
});

describe('auth modes and binding', () => {
  it('refuses a non-loopback bind without --auth enforce, saying how to fix it', async () => {
    await assert.rejects(startServer({ storage: 'memory', host: '0.0.0.0' }), /refusing to listen on 0\.0\.0\.0 with --auth any: .*Pass --auth enforce/);
    await assert.rejects(startServer({ storage: 'memory', host: '0.0.0.0', auth: 'off' }), /with --auth off/);
  });

  it('binds a non-loopback address under enforce', async () => {
    const s = await startServer({ storage: 'memory', host: '0.0.0.0', auth: 'enforce' });
    try {
      assert.equal(s.auth, 'enforce');
      assert.match(s.rootCredentials.accessKeyId, /^AKIA/);
      assert.equal(s.rootCredentialsGenerated, true);
    } finally {
      await s.close();
    }
  });

  it('off accepts an unsigned request; any accepts any well-formed signature', async () => {
    const off = await startServer({ storage: 'memory', auth: 'off' });
    try {
      const r = await send(off.url, 'POST', '/', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.ListStreams' }, '{}');
      assert.equal(r.status, 200, r.text);
    } finally {
      await off.close();
    }
    const any = await startServer({ storage: 'memory' });
    try {
      const r = await signedKinesis(any, 'ListStreams', '{}', { creds: { accessKeyId: 'AKIDANYTHING', secretAccessKey: 'whatever' } });
      assert.equal(r.status, 200, r.text);
    } finally {
      await any.close();
    }
  });
});
