/**
 * Kinesis's protocol fallbacks, byte for byte as kinesalite recorded AWS answering them (its
 * test/connection.js): an empty body without a JSON content type is answered in CBOR; an
 * `application/json` request gets Coral's old `{"Output": …, "Version": "1.0"}` envelope; an unknown
 * operation is answered in the request's own format.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FreshetServer } from '../../src/server/index.ts';
import { startTestServer } from '../kinesis/helpers.ts';

const SIGNED = {
  Authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20210131/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd',
  'X-Amz-Date': '20210131T140000Z',
};

/** kinesalite's assertUnknownCbor / assertSerializationCbor bodies: an indefinite-length map { __type }. */
const UNKNOWN_CBOR = Buffer.concat([
  Buffer.from('bf66', 'hex'),
  Buffer.from('__type'),
  Buffer.from('7819', 'hex'),
  Buffer.from('UnknownOperationException'),
  Buffer.from('ff', 'hex'),
]);
const SERIALIZATION_CBOR = Buffer.concat([
  Buffer.from('bf66', 'hex'),
  Buffer.from('__type'),
  Buffer.from('76', 'hex'),
  Buffer.from('SerializationException'),
  Buffer.from('ff', 'hex'),
]);

async function post(
  server: FreshetServer,
  headers: Record<string, string>,
  body?: string | Buffer,
): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const res = await fetch(`${server.url}/`, { method: 'POST', headers: { ...SIGNED, ...headers }, body: body ?? '' });
  return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('Kinesis protocol fallbacks', () => {
  let server: FreshetServer;
  before(async () => ({ server } = await startTestServer()));
  after(async () => server.close());

  it('answers an empty body without a JSON content type in CBOR: UnknownOperationException for an unknown target', async () => {
    for (const headers of <Array<Record<string, string>>>[
      {},
      { 'Content-Type': 'application/x-amz-json-1.1asdf' },
      { 'X-Amz-Target': 'Whatever' },
      { 'X-Amz-Target': 'Kinesis_20131202.' },
      { 'X-Amz-Target': 'Kinesis_20131202.Whatever' },
      { 'X-Amz-Target': 'Whatever.Whatever' },
      { 'X-Amz-Target': 'Kinesis_20131202.ListStream' },
      { 'Content-Type': 'application/json' },
    ]) {
      const r = await post(server, headers);
      assert.equal(r.status, 400, JSON.stringify(headers));
      assert.equal(r.type, 'application/x-amz-cbor-1.1', JSON.stringify(headers));
      assert.deepEqual(r.bytes, UNKNOWN_CBOR, JSON.stringify(headers));
    }
  });

  it('answers an empty body for a known operation without a JSON content type with a CBOR SerializationException', async () => {
    for (const headers of <Array<Record<string, string>>>[
      { 'X-Amz-Target': 'Kinesis_20131202.ListStreams' },
      { 'X-Amz-Target': 'Kinesis_20131202.ListStreams', 'Content-Type': 'application/json' },
    ]) {
      const r = await post(server, headers);
      assert.equal(r.status, 400);
      assert.equal(r.type, 'application/x-amz-cbor-1.1');
      assert.deepEqual(r.bytes, SERIALIZATION_CBOR);
    }
  });

  it('answers an empty body with a JSON content type in JSON', async () => {
    const r = await post(server, { 'Content-Type': 'application/x-amz-json-1.1' });
    assert.equal(r.status, 400);
    assert.equal(r.type, 'application/x-amz-json-1.1');
    assert.equal(r.bytes.toString(), '{"__type":"UnknownOperationException"}');
  });

  it('answers application/json with 404 UnknownOperationException in the old envelope, or 400 SerializationException for a body that is not an object', async () => {
    const unknown = await post(server, { 'Content-Type': 'application/json', 'X-Amz-Target': 'Kinesis_20131202.ListStreams' }, '{}');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.type, 'application/json');
    assert.equal(unknown.bytes.toString(), '{"Output":{"__type":"com.amazon.coral.service#UnknownOperationException"},"Version":"1.0"}');
    for (const [contentType, body] of [
      ['application/json', 'hello'],
      ['     application/json     ;', 'hello'],
      ['application/json', 'null'],
    ] as const) {
      const r = await post(server, { 'Content-Type': contentType, 'X-Amz-Target': 'Kinesis_20131202.ListStreams' }, body);
      assert.equal(r.status, 400, `${contentType} ${body}`);
      assert.equal(r.bytes.toString(), '{"Output":{"__type":"com.amazon.coral.service#SerializationException"},"Version":"1.0"}');
    }
    // Before auth: an unsigned application/json request gets the same answer.
    const unsigned = await fetch(`${server.url}/`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"StreamName":"x"}' });
    assert.equal(unsigned.status, 404);
  });

  it('answers an unknown operation in CBOR to a CBOR request', async () => {
    const r = await post(server, { 'Content-Type': 'application/x-amz-cbor-1.1', 'X-Amz-Target': 'Kinesis_20131202.Whatever' }, Buffer.from([0xa0]));
    assert.equal(r.status, 400);
    assert.equal(r.type, 'application/x-amz-cbor-1.1');
    assert.deepEqual(r.bytes, UNKNOWN_CBOR);
  });

  it('answers a body with no content type as AWS does: AccessDeniedException without a target, 404 UnknownOperationException with one', async () => {
    const none = await fetch(`${server.url}/`, { method: 'POST', headers: SIGNED, body: Buffer.from('{}') });
    assert.equal(none.status, 403);
    assert.equal(
      await none.text(),
      '<AccessDeniedException>\n  <Message>Unable to determine service/operation name to be authorized</Message>\n</AccessDeniedException>\n',
    );
    const withTarget = await fetch(`${server.url}/`, {
      method: 'POST',
      headers: { ...SIGNED, 'X-Amz-Target': 'Kinesis_20131202.ListStreams' },
      body: Buffer.from('{}'),
    });
    assert.equal(withTarget.status, 404);
    assert.equal(await withTarget.text(), '<UnknownOperationException/>\n');
  });
});
