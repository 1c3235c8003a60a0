/**
 * Hostile input, with a fixed budget (FRESHET_FUZZ_RUNS, default 150 per property; `scripts/fuzz.sh` runs more):
 *  - property-based (fast-check): random JSON, random bytes and random CBOR-typed bodies for every operation of
 *    every JSON service mounted, random query parameters for every IAM/STS operation, random REST-ish paths,
 *    random Authorization headers under enforce;
 *  - mutations (byte flips, truncations, splices) of requests captured from the real AWS SDK;
 *  - HTTP/1.1 and HTTP/2 framing garbage, oversized headers and bodies, deep nesting, slow-loris, a flood of
 *    small requests.
 * Every answer must be AWS-shaped (4xx with `__type`, an awsQuery ErrorResponse, or a bare 413/431), never a
 * 5xx or a hang, the server must keep answering, and every record acknowledged meanwhile must read back.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { connect as h2connect } from 'node:http2';
import { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { CreateStreamCommand, KinesisClient, ListShardsCommand, PutRecordCommand, PutRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';

const RUNS = Number(process.env.FRESHET_FUZZ_RUNS ?? 150);
const SEED = Number(process.env.FRESHET_FUZZ_SEED ?? 20261207);
const AUTH = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function send(url: string, method: string, path: string, headers: Record<string, string>, body: Uint8Array | string): Promise<Reply> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(20_000, () => req.destroy(new Error(`no answer to ${method} ${path}`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** An answer AWS could give: not a server error, and an error body in the protocol's shape. */
function assertAwsShaped(r: Reply, what: string): void {
  assert.ok(r.status < 500, `${what}: HTTP ${r.status} ${r.body.toString('utf8').slice(0, 300)}`);
  if (r.status < 400 || r.status === 413 || r.status === 431) return;
  const type = String(r.headers['content-type'] ?? '');
  const text = r.body.toString('utf8');
  if (type.includes('xml') || text.startsWith('<'))
    assert.match(text, /<(ErrorResponse|\w+Exception|AccessDeniedException)|<Error>|^<\w+\/>/, `${what}: ${text.slice(0, 200)}`);
  else if (type.includes('json')) {
    const j = JSON.parse(text) as Record<string, unknown>;
    assert.ok(typeof j.__type === 'string' || typeof (j.Output as Record<string, unknown> | undefined)?.__type === 'string', `${what}: ${text.slice(0, 200)}`);
  }
}

/** Requests captured from the real SDK (HTTP/1.1), sent to a recorder that answers each with an error. */
async function captureSdkRequests(): Promise<Array<{ method: string; path: string; headers: Record<string, string>; body: Buffer }>> {
  const captured: Array<{ method: string; path: string; headers: Record<string, string>; body: Buffer }> = [];
  const recorder = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
      captured.push({ method: req.method ?? 'POST', path: req.url ?? '/', headers, body: Buffer.concat(chunks) });
      // An error in each protocol's shape, so every client fails cleanly after sending.
      res.statusCode = 400;
      if (String(req.headers['content-type']).includes('x-www-form-urlencoded')) {
        res.setHeader('content-type', 'text/xml');
        res.end('<ErrorResponse><Error><Type>Sender</Type><Code>Recorded</Code><Message>recorded</Message></Error><RequestId>r</RequestId></ErrorResponse>');
      } else {
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        res.end('{"__type":"Recorded","message":"recorded"}');
      }
    });
  });
  await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
  const common = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler(),
  };
  const k = new KinesisClient(common);
  const iam = new IAMClient(common);
  const fh = new FirehoseClient(common);
  const attempts: Array<Promise<unknown>> = [
    k.send(new PutRecordCommand({ StreamName: 'fuzz', PartitionKey: 'pk', Data: Buffer.from('hello') })).catch(() => undefined),
    k
      .send(
        new PutRecordsCommand({
          StreamName: 'fuzz',
          Records: [
            { PartitionKey: 'a', Data: Buffer.from('x') },
            { PartitionKey: 'b', Data: Buffer.from('yy') },
          ],
        }),
      )
      .catch(() => undefined),
    k.send(new CreateStreamCommand({ StreamName: 'fuzz2', ShardCount: 2 })).catch(() => undefined),
    k.send(new ListShardsCommand({ StreamName: 'fuzz' })).catch(() => undefined),
    k.send(new GetShardIteratorCommand({ StreamName: 'fuzz', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' })).catch(() => undefined),
    iam.send(new CreateUserCommand({ UserName: 'fuzzer', Tags: [{ Key: 'k', Value: 'v' }] })).catch(() => undefined),
    iam
      .send(
        new PutUserPolicyCommand({
          UserName: 'fuzzer',
          PolicyName: 'p',
          PolicyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
        }),
      )
      .catch(() => undefined),
    fh.send(new PutRecordBatchCommand({ DeliveryStreamName: 'd', Records: [{ Data: Buffer.from('r1') }] })).catch(() => undefined),
  ];
  await Promise.all(attempts);
  k.destroy();
  iam.destroy();
  fh.destroy();
  await new Promise((r) => recorder.close(r));
  return captured;
}

describe('hostile input', () => {
  let server: FreshetServer;
  const internal: string[] = [];
  /** Records acknowledged by the server during the run: all must read back. */
  const acknowledged: string[] = [];
  before(async () => {
    server = await startServer({
      storage: 'memory',
      createDelayMs: 0,
      limits: { headersTimeoutMs: 1500, idleTimeoutMs: 5000 },
      onInternalError: (e, a) => internal.push(`${a}: ${String(e)}`),
    });
    const r = await send(
      server.url,
      'POST',
      '/',
      { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.CreateStream', 'x-amz-date': '20240101T000000Z', authorization: AUTH },
      '{"StreamName":"acked","ShardCount":1}',
    );
    assert.equal(r.status, 200);
    await new Promise((res) => setTimeout(res, 20));
  });
  after(async () => server.close());

  let n = 0;
  async function putAcked(): Promise<void> {
    const data = `rec-${n++}`;
    const r = await send(
      server.url,
      'POST',
      '/',
      { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.PutRecord', 'x-amz-date': '20240101T000000Z', authorization: AUTH },
      JSON.stringify({ StreamName: 'acked', PartitionKey: 'k', Data: Buffer.from(data).toString('base64') }),
    );
    if (r.status === 200) acknowledged.push(data);
  }

  it('answers random bodies for every operation of every JSON service in AWS shape', async () => {
    const targets: string[] = [];
    for (const s of server.services) {
      if (!s.model?.metadata.protocols?.includes('json') && s.model?.metadata.protocol !== 'json') continue;
      for (const op of Object.keys(s.model.operations)) if (op !== 'SubscribeToShard') targets.push(`${s.targetPrefix}.${op}`);
    }
    assert.ok(targets.length > 60, `${targets.length} targets`);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...targets),
        fc.constantFrom('application/x-amz-json-1.1', 'application/x-amz-json-1.0', 'application/x-amz-cbor-1.1', 'application/json', 'text/plain'),
        fc.oneof(
          fc.json().map((t) => Buffer.from(t)),
          fc.dictionary(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 3 })).map((o) => Buffer.from(JSON.stringify(o))),
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
        ),
        async (target, contentType, body) => {
          const r = await send(
            server.url,
            'POST',
            '/',
            { 'content-type': contentType, 'x-amz-target': target, 'x-amz-date': '20240101T000000Z', authorization: AUTH },
            body,
          );
          assertAwsShaped(r, `${target} ${contentType}`);
          if (Math.random() < 0.1) await putAcked();
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('answers random query parameters for every IAM and STS operation in awsQuery shape', async () => {
    const ops: Array<[string, string]> = [];
    for (const s of server.services) {
      if (s.model?.metadata.protocols?.includes('query')) for (const op of Object.keys(s.model.operations)) ops.push([op, s.model.metadata.apiVersion]);
    }
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ops),
        fc.dictionary(
          fc.oneof(
            fc.constantFrom('UserName', 'RoleName', 'PolicyName', 'PolicyDocument', 'RoleArn', 'DurationSeconds', 'Tags.member.1.Key', 'Path'),
            fc.string({ maxLength: 30 }),
          ),
          fc.string({ maxLength: 80 }),
        ),
        async ([op, version], params) => {
          const body = new URLSearchParams({ ...params, Action: op, Version: version }).toString();
          const r = await send(
            server.url,
            'POST',
            '/',
            { 'content-type': 'application/x-www-form-urlencoded', 'x-amz-date': '20240101T000000Z', authorization: AUTH.replace('/kinesis/', '/iam/') },
            body,
          );
          assertAwsShaped(r, `${op} ${body.slice(0, 100)}`);
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('answers random methods and paths (REST routes, unknown routes)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'),
        fc.array(
          fc.oneof(fc.constantFrom('2015-03-31', 'functions', 'service', 'operation', '..', '%2F', '%00', 'invocations'), fc.string({ maxLength: 12 })),
          { maxLength: 6 },
        ),
        async (method, segments) => {
          const path = `/${segments.map((s) => encodeURIComponent(s)).join('/')}`;
          const r = await send(
            server.url,
            method,
            path,
            { 'x-amz-date': '20240101T000000Z', authorization: AUTH },
            method === 'GET' || method === 'HEAD' ? '' : '{}',
          );
          assertAwsShaped(r, `${method} ${path}`);
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('answers mutated copies of requests captured from the AWS SDK', async () => {
    const captured = await captureSdkRequests();
    assert.ok(captured.length >= 6, `${captured.length} captured`);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: captured.length - 1 }),
        fc.array(fc.tuple(fc.constantFrom('flip', 'truncate', 'splice', 'dup'), fc.nat(), fc.nat()), { minLength: 1, maxLength: 4 }),
        async (i, mutations) => {
          const c = captured[i]!;
          let body = Buffer.from(c.body);
          for (const [kind, a, b] of mutations) {
            if (body.length === 0) break;
            const at = a % body.length;
            if (kind === 'flip') body[at] = (body[at]! ^ (1 << (b % 8))) & 0xff;
            else if (kind === 'truncate') body = body.subarray(0, at);
            else if (kind === 'splice') body = Buffer.concat([body.subarray(0, at), Buffer.from([b & 0xff]), body.subarray(at)]);
            else body = Buffer.concat([body.subarray(0, at), body.subarray(at, Math.min(body.length, at + (b % 64))), body.subarray(at)]);
          }
          const headers = { ...c.headers };
          delete headers['content-length'];
          const r = await send(server.url, c.method, c.path, headers, body);
          assertAwsShaped(r, `${headers['x-amz-target'] ?? c.path} mutated`);
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('refuses random Authorization headers under enforce with AWS’s auth errors only', async () => {
    const enforce = await startServer({ storage: 'memory', auth: 'enforce' });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.string({ maxLength: 200 }),
            fc
              .tuple(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), fc.string({ maxLength: 70 }))
              .map(([cred, signed, sig]) => `AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=${signed}, Signature=${sig}`),
            fc.constant(
              `AWS4-HMAC-SHA256 Credential=${enforce.rootCredentials.accessKeyId}/20240101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=00`,
            ),
          ),
          fc.oneof(fc.constant('20240101T000000Z'), fc.string({ maxLength: 20 })),
          async (authorization, date) => {
            const headers: Record<string, string> = {
              'content-type': 'application/x-amz-json-1.1',
              'x-amz-target': 'Kinesis_20131202.ListStreams',
              'x-amz-date': date,
            };
            if (authorization.length && !/[^\t\x20-\x7e]/.test(authorization)) headers.authorization = authorization;
            if (/[^\t\x20-\x7e]/.test(date)) delete headers['x-amz-date'];
            const r = await send(enforce.url, 'POST', '/', headers, '{}');
            assert.ok(r.status === 400, `HTTP ${r.status}: ${r.body.toString('utf8').slice(0, 200)}`);
            const type = (JSON.parse(r.body.toString('utf8')) as { __type: string }).__type;
            assert.ok(
              ['MissingAuthenticationTokenException', 'IncompleteSignatureException', 'InvalidSignatureException', 'UnrecognizedClientException'].includes(
                type,
              ),
              type,
            );
          },
        ),
        { numRuns: RUNS, seed: SEED },
      );
    } finally {
      await enforce.close();
    }
  });

  it('survives HTTP/1.1 and HTTP/2 framing garbage, oversized headers and bodies, deep nesting', async () => {
    const u = new URL(server.url);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: 400 }),
          fc.string({ maxLength: 300 }).map((s) => Buffer.from(`POST / HTTP/1.1\r\n${s}\r\n\r\n`)),
        ),
        async (bytes) => {
          await new Promise<void>((resolve) => {
            const sock = new Socket();
            sock.setTimeout(3000, () => sock.destroy());
            sock.on('error', () => resolve());
            sock.on('close', () => resolve());
            sock.on('data', () => undefined);
            sock.connect(Number(u.port), u.hostname, () => sock.end(Buffer.from(bytes)));
          });
        },
      ),
      { numRuns: Math.max(20, RUNS >> 2), seed: SEED },
    );
    // HTTP/2: a valid preface then garbage frames.
    for (let i = 0; i < 10; i++) {
      await new Promise<void>((resolve) => {
        const sock = new Socket();
        sock.setTimeout(3000, () => sock.destroy());
        sock.on('error', () => resolve());
        sock.on('close', () => resolve());
        sock.on('data', () => undefined);
        sock.connect(Number(u.port), u.hostname, () =>
          sock.end(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.alloc(64 + i * 7, 0xff - i)])),
        );
      });
    }
    // A well-formed HTTP/2 client still gets answers.
    const session = h2connect(server.url);
    const h2 = await new Promise<number>((resolve, reject) => {
      const req = session.request({
        ':method': 'POST',
        ':path': '/',
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'Kinesis_20131202.ListStreams',
        'x-amz-date': '20240101T000000Z',
        authorization: AUTH,
      });
      req.on('response', (h) => resolve(Number(h[':status'])));
      req.on('error', reject);
      req.end('{}');
    });
    session.close();
    assert.equal(h2, 200);
    const big = await send(server.url, 'POST', '/', { 'x-big': 'a'.repeat(70_000), 'content-type': 'application/x-amz-json-1.1' }, '{}').catch((e: Error) => ({
      status: 431,
      error: e,
    }));
    assert.equal(big.status, 431);
    const huge = await send(
      server.url,
      'POST',
      '/',
      { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.PutRecords', 'x-amz-date': '20240101T000000Z', authorization: AUTH },
      Buffer.alloc(8 * 1024 * 1024, 0x20),
    );
    assert.equal(huge.status, 413);
    const deep = await send(
      server.url,
      'POST',
      '/',
      { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.PutRecords', 'x-amz-date': '20240101T000000Z', authorization: AUTH },
      `{"StreamName":"acked","Records":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
    );
    assertAwsShaped(deep, 'deep JSON');
    assert.equal(deep.status, 400);
    const deepCbor = await send(
      server.url,
      'POST',
      '/',
      { 'content-type': 'application/x-amz-cbor-1.1', 'x-amz-target': 'Kinesis_20131202.ListStreams', 'x-amz-date': '20240101T000000Z', authorization: AUTH },
      Buffer.concat([Buffer.alloc(100_000, 0x81), Buffer.from([0x01])]),
    );
    assert.equal(deepCbor.status, 400);
  });

  it('closes a slow-loris connection at the headers timeout (408)', async () => {
    const u = new URL(server.url);
    const sock = new Socket();
    let answer = '';
    sock.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    sock.on('error', () => undefined);
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    const started = Date.now();
    sock.connect(Number(u.port), u.hostname, () => sock.write('POST / HTTP/1.1\r\nHost: x\r\nX-Slow: '));
    const drip = setInterval(() => {
      if (!sock.destroyed) sock.write('a');
    }, 200);
    const guard = setTimeout(() => sock.destroy(), 10_000);
    await closed;
    clearInterval(drip);
    clearTimeout(guard);
    assert.ok(Date.now() - started < 9_000, 'closed by the headers timeout, not the guard');
    assert.match(answer, /^HTTP\/1\.1 408 Request Timeout/);
  });

  it('answers a flood of small requests, then every acknowledged record reads back', async () => {
    const agentless = Array.from({ length: 400 }, () => putAcked());
    await Promise.all(agentless);
    const it1 = await send(
      server.url,
      'POST',
      '/',
      {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'Kinesis_20131202.GetShardIterator',
        'x-amz-date': '20240101T000000Z',
        authorization: AUTH,
      },
      '{"StreamName":"acked","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON"}',
    );
    let iterator = (JSON.parse(it1.body.toString('utf8')) as { ShardIterator: string }).ShardIterator;
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const r = await send(
        server.url,
        'POST',
        '/',
        { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.GetRecords', 'x-amz-date': '20240101T000000Z', authorization: AUTH },
        JSON.stringify({ ShardIterator: iterator, Limit: 10000 }),
      );
      const out = JSON.parse(r.body.toString('utf8')) as { Records: Array<{ Data: string }>; NextShardIterator: string; MillisBehindLatest: number };
      for (const rec of out.Records) seen.add(Buffer.from(rec.Data, 'base64').toString('utf8'));
      iterator = out.NextShardIterator;
      if (out.Records.length === 0) break;
    }
    assert.ok(acknowledged.length >= 400);
    const missing = acknowledged.filter((a) => !seen.has(a));
    assert.deepEqual(missing, [], 'every acknowledged record reads back');
    assert.deepEqual(internal, [], 'no internal errors');
  });
});
