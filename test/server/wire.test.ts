/**
 * Wire-level behaviour of the HTTP front door, asserted with raw fetch:
 * AWS's error shapes, texts and statuses, headers, CORS, limits, and that no
 * request can take the server down.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { request as httpRequest } from 'node:http';
import { Socket } from 'node:net';
import type { FreshetServer } from '../../src/server/index.ts';
import { rawRequest, startTestServer, uniqueName } from '../kinesis/helpers.ts';

describe('HTTP front door', () => {
  let server: FreshetServer;
  before(async () => ({ server } = await startTestServer()));
  after(async () => server.close());

  it('answers a good request with x-amzn-RequestId, x-amz-id-2 and the JSON 1.1 content type', async () => {
    const r = await rawRequest(server, 'ListStreams', {});
    assert.equal(r.status, 200);
    assert.match(r.headers.get('x-amzn-requestid')!, /^[0-9a-f-]{36}$/);
    assert.equal(Buffer.from(r.headers.get('x-amz-id-2')!, 'base64').length, 72);
    assert.equal(r.headers.get('content-type'), 'application/x-amz-json-1.1');
    assert.deepEqual(r.json.StreamNames, []);
  });

  it('accepts application/x-amz-json-1.0 and echoes it', async () => {
    const r = await rawRequest(server, 'ListStreams', {}, { headers: { 'Content-Type': 'application/x-amz-json-1.0' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/x-amz-json-1.0');
  });

  it('rejects a request without Authorization with MissingAuthenticationTokenException', async () => {
    const r = await rawRequest(server, 'ListStreams', {}, { auth: false });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json, { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
  });

  it('rejects an incomplete Authorization header with IncompleteSignatureException in AWS words', async () => {
    const r = await rawRequest(server, 'ListStreams', {}, { auth: false, headers: { Authorization: 'AWS4-HMAC-SHA256 Credential=a/b' } });
    assert.equal(r.status, 400);
    assert.equal(r.json.__type, 'IncompleteSignatureException');
    assert.equal(
      r.json.message,
      "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=a/b",
    );
  });

  it('rejects incomplete presigned query parameters', async () => {
    const res = await fetch(`${server.url}/?X-Amz-Algorithm=AWS4-HMAC-SHA256`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'Kinesis_20131202.ListStreams' },
      body: '{}',
    });
    const j = (await res.json()) as { __type: string; message: string };
    assert.equal(res.status, 400);
    assert.equal(j.__type, 'IncompleteSignatureException');
    assert.equal(
      j.message,
      "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. " +
        "AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.",
    );
  });

  it('rejects both a header and query signature with InvalidSignatureException', async () => {
    const res = await fetch(`${server.url}/?X-Amz-Algorithm=x`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'Kinesis_20131202.ListStreams', Authorization: 'x' },
      body: '{}',
    });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), {
      __type: 'InvalidSignatureException',
      message: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    });
  });

  it('answers unknown and unimplemented operations with UnknownOperationException', async () => {
    for (const action of ['NoSuchAction', 'CreateChannel', 'UpdateAccountSettings', 'toString', '__proto__']) {
      const r = await rawRequest(server, action, {});
      assert.equal(r.status, 400, action);
      assert.deepEqual(r.json, { __type: 'UnknownOperationException' }, action);
    }
    const r = await rawRequest(server, 'ListStreams', {}, { headers: { 'X-Amz-Target': 'NoSuchService_20990101.ListThings' } });
    assert.deepEqual(r.json, { __type: 'UnknownOperationException' });
  });

  it('answers malformed JSON with SerializationException', async () => {
    for (const body of ['{', 'null', '"x"', '12', '{"StreamName": }']) {
      const r = await rawRequest(server, 'ListStreams', undefined, { rawBody: body });
      assert.equal(r.status, 400, body);
      assert.equal(r.json.__type, 'SerializationException', body);
    }
    const empty = await rawRequest(server, 'ListStreams', undefined, { rawBody: '' });
    assert.deepEqual(empty.json, { __type: 'SerializationException' });
  });

  it('answers wrong member types with SerializationException and its Message', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['CreateStream', { StreamName: 'a', ShardCount: 'x' }, 'class java.lang.String can not be converted to an Integer'],
      ['CreateStream', { StreamName: 5, ShardCount: 1 }, 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String'],
      ['CreateStream', { StreamName: true, ShardCount: 1 }, 'class java.lang.Boolean can not be converted to an String'],
      ['CreateStream', { StreamName: ['a'], ShardCount: 1 }, 'Start of list found where not expected'],
      ['CreateStream', { StreamName: { a: 1 }, ShardCount: 1 }, 'Start of structure or map found where not expected.'],
      [
        'PutRecord',
        { StreamName: 'a', PartitionKey: 'k', Data: 'abc' },
        "'abc' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 3",
      ],
      ['PutRecord', { StreamName: 'a', PartitionKey: 'k', Data: 'ab$d' }, "'ab$d' can not be converted to a Blob: Invalid Base64 character: '$'"],
      ['PutRecords', { StreamName: 'a', Records: 'x' }, 'Expected list or null'],
      [
        'GetShardIterator',
        { StreamName: 'a', ShardId: 'x', ShardIteratorType: 'AT_TIMESTAMP', Timestamp: 'now' },
        'class java.lang.String can not be converted to milliseconds since epoch',
      ],
    ];
    for (const [action, body, message] of cases) {
      const r = await rawRequest(server, action, body);
      assert.equal(r.status, 400, message);
      assert.deepEqual(r.json, { __type: 'SerializationException', Message: message });
    }
  });

  it('answers constraint violations with AWS validation messages, counting errors', async () => {
    const one = await rawRequest(server, 'DescribeStream', { StreamName: 'bad name!' });
    assert.deepEqual(one.json, {
      __type: 'ValidationException',
      message:
        "1 validation error detected: Value 'bad name!' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    });
    const two = await rawRequest(server, 'CreateStream', { StreamName: '', ShardCount: 0 });
    assert.equal(two.status, 400);
    assert.equal(
      two.json.message,
      "3 validation errors detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
        "Value '' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; " +
        "Value '' at 'streamName' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    const nul = await rawRequest(server, 'GetRecords', {});
    assert.equal(nul.json.message, "1 validation error detected: Value null at 'shardIterator' failed to satisfy constraint: Member must not be null");
    const nested = await rawRequest(server, 'PutRecords', { StreamName: 'a', Records: [{ Data: 'AAAA', PartitionKey: '' }] });
    assert.equal(
      nested.json.message,
      "1 validation error detected: Value '' at 'records.1.member.partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    const tooMany = await rawRequest(server, 'PutRecords', {
      StreamName: 'a',
      Records: Array.from({ length: 501 }, () => ({ Data: 'AAAA', PartitionKey: 'k' })),
    });
    assert.equal(tooMany.json.__type, 'ValidationException');
    assert.match(
      tooMany.json.message,
      /^1 validation error detected: Value '\[com\.amazonaws\.kinesis\.v20131202\.PutRecordsRequestEntry@c965e310, .*\]' at 'records' failed to satisfy constraint: Member must have length less than or equal to 500$/,
    );
    const big = await rawRequest(server, 'PutRecord', { StreamName: 'a', PartitionKey: 'k', Data: Buffer.alloc(1048577).toString('base64') });
    assert.equal(
      big.json.message,
      "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1048577 cap=1048577]' at 'data' failed to satisfy constraint: Member must have length less than or equal to 1048576",
    );
    const en = await rawRequest(server, 'GetShardIterator', { StreamName: 'a', ShardId: 's', ShardIteratorType: 'SOON' });
    assert.equal(
      en.json.message,
      "1 validation error detected: Value 'SOON' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]",
    );
  });

  it('refuses an oversized body with 413 and keeps serving', async () => {
    const body = Buffer.alloc(9 * 1024 * 1024, 0x20);
    const r = await rawRequest(server, 'PutRecords', undefined, { rawBody: body });
    assert.equal(r.status, 413);
    assert.equal(r.text, '');
    assert.equal(r.headers.get('x-amzn-errortype'), null);
    assert.equal((await rawRequest(server, 'ListStreams', {})).status, 200);
  });

  it('answers non-POST methods and unknown content types as AWS does', async () => {
    // `GET /` is Freshet's own index (the console, or a JSON list of services); any other GET is answered as AWS does.
    const get = await fetch(`${server.url}/streams`);
    assert.equal(get.status, 403);
    assert.match(await get.text(), /<AccessDeniedException>\n {2}<Message>Unable to determine service\/operation name to be authorized<\/Message>/);
    const xml = await rawRequest(server, 'ListStreams', {}, { headers: { 'Content-Type': 'text/plain' } });
    assert.equal(xml.status, 404);
    assert.equal(xml.text, '<UnknownOperationException/>\n');
  });

  it('answers CORS preflights and exposes AWS headers to browsers', async () => {
    const pre = await fetch(`${server.url}/`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://localhost:3000', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-amz-target' },
    });
    assert.equal(pre.status, 200);
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    assert.equal(pre.headers.get('access-control-allow-methods'), 'POST');
    assert.equal(pre.headers.get('access-control-allow-headers'), 'content-type,x-amz-target');
    assert.equal(pre.headers.get('access-control-max-age'), '172800');
    const r = await rawRequest(server, 'ListStreams', {}, { headers: { Origin: 'http://localhost:3000' } });
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    assert.match(r.headers.get('access-control-expose-headers')!, /x-amzn-RequestId/);
  });

  it('serves HTTP/2 with prior knowledge (h2c) on the same port', async () => {
    const session = connect(server.url);
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const req = session.request({
          ':method': 'POST',
          ':path': '/',
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'Kinesis_20131202.DescribeLimits',
          authorization: 'AWS4-HMAC-SHA256 Credential=a/20210131/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=x',
          'x-amz-date': '20210131T000000Z',
        });
        let text = '';
        req.setEncoding('utf8');
        req.on('data', (d) => (text += d));
        req.on('end', () => resolve(text));
        req.on('error', reject);
        req.end('{}');
      });
      assert.equal(JSON.parse(body).ShardLimit, 500);
    } finally {
      session.close();
    }
  });

  it('survives garbage: random bodies, bad headers, raw bytes, aborted uploads', async () => {
    const name = uniqueName('fuzz');
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const actions = [
      'CreateStream',
      'PutRecord',
      'PutRecords',
      'GetRecords',
      'GetShardIterator',
      'ListShards',
      'DescribeStream',
      'AddTagsToStream',
      'ListStreams',
    ];
    const values: unknown[] = [null, true, -1, 1e308, 'x', '', [], {}, [{}], { a: [1] }, name, 'AAAA', '%%%', 'a'.repeat(300)];
    const members = [
      'StreamName',
      'ShardCount',
      'Records',
      'Data',
      'PartitionKey',
      'ShardIterator',
      'ShardId',
      'ShardIteratorType',
      'Limit',
      'Tags',
      'NextToken',
      'StreamARN',
      'ExplicitHashKey',
      'Timestamp',
    ];
    for (let i = 0; i < 150; i++) {
      const body: Record<string, unknown> = {};
      for (let j = 0; j < 3; j++) body[members[Math.floor(rand() * members.length)]!] = values[Math.floor(rand() * values.length)];
      const r = await rawRequest(server, actions[Math.floor(rand() * actions.length)]!, body);
      assert.ok(r.status === 200 || r.status === 400, `status ${r.status}: ${r.text}`);
      if (r.status === 400) assert.equal(typeof r.json.__type, 'string');
    }
    // A request line no HTTP parser accepts, and an upload cut off mid-body.
    for (const raw of ['GARBAGE\r\n\r\n', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"a":']) {
      await new Promise<void>((resolve) => {
        const sock = new Socket();
        sock.connect(server.port, '127.0.0.1', () => {
          sock.write(raw);
          setTimeout(() => sock.destroy(), 20);
        });
        sock.on('close', () => resolve());
        sock.on('error', () => resolve());
      });
    }
    // Header values node:http accepts but that mean nothing.
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: server.port,
          method: 'POST',
          path: '/?%zz',
          headers: { 'x-amz-target': '.....', 'content-type': ';;;', authorization: '=' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve());
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    assert.equal((await rawRequest(server, 'ListStreams', {})).status, 200);
  });
});

describe('protocol sniffing', () => {
  it('tells HTTP/1.1 from HTTP/2 even when the first bytes arrive one at a time', async () => {
    const { server } = await startTestServer();
    try {
      for (const raw of [
        'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: Kinesis_20131202.ListStreams\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
        'PUT / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      ]) {
        const reply = await new Promise<string>((resolve, reject) => {
          const sock = new Socket();
          let got = '';
          sock.connect(server.port, '127.0.0.1', async () => {
            for (const ch of raw.slice(0, 4)) {
              sock.write(ch);
              await new Promise((r) => setTimeout(r, 5));
            }
            sock.write(raw.slice(4));
          });
          sock.setEncoding('utf8');
          sock.on('data', (d: string) => (got += d));
          sock.on('end', () => resolve(got));
          sock.on('error', reject);
        });
        assert.match(reply, /^HTTP\/1\.1 (400|403) /);
      }
    } finally {
      await server.close();
    }
  });
});
