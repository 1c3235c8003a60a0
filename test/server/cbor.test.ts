/**
 * AWS CBOR (application/x-amz-cbor-1.1) for every Kinesis action, with requests built byte by byte the way the
 * AWS SDK for Java (v1/v2, hence KCL and KPL) writes them through Jackson's CBORGenerator: indefinite-length
 * maps (0xBF … 0xFF), definite text and byte strings, timestamps as tag 1 (0xC1) + epoch milliseconds
 * (SdkCborGenerator: writeTag(1); writeNumber(date.getTime())). Responses are decoded independently here.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decode as cborXDecode } from 'cbor-x';
import type { FreshetServer } from '../../src/server/index.ts';
import { decodeFrame } from '../../src/kinesis/event-stream.ts';
import { startTestServer, uniqueName } from '../kinesis/helpers.ts';

// ---- a minimal CBOR writer shaped like Jackson's CBORGenerator
type V = string | number | Uint8Array | { tag1Ms: number } | V[] | { [k: string]: V };
function head(major: number, n: number | bigint): Buffer {
  const big = BigInt(n);
  if (big < 24n) return Buffer.from([(major << 5) | Number(big)]);
  if (big < 256n) return Buffer.from([(major << 5) | 24, Number(big)]);
  if (big < 65536n) return Buffer.from([(major << 5) | 25, Number(big >> 8n), Number(big & 255n)]);
  if (big < 4294967296n) {
    const b = Buffer.alloc(5);
    b[0] = (major << 5) | 26;
    b.writeUInt32BE(Number(big), 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = (major << 5) | 27;
  b.writeBigUInt64BE(big, 1);
  return b;
}
function enc(v: V): Buffer {
  if (typeof v === 'string') {
    const s = Buffer.from(v, 'utf8');
    return Buffer.concat([head(3, s.length), s]);
  }
  if (typeof v === 'number') return head(0, v);
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), v]);
  if (Array.isArray(v)) return Buffer.concat([Buffer.from([0x9f]), ...v.map(enc), Buffer.from([0xff])]);
  if ('tag1Ms' in v && typeof v.tag1Ms === 'number') return Buffer.concat([Buffer.from([0xc1]), head(0, BigInt(v.tag1Ms))]);
  const parts: Buffer[] = [Buffer.from([0xbf])];
  for (const [k, x] of Object.entries(v)) parts.push(enc(k), enc(x as V));
  parts.push(Buffer.from([0xff]));
  return Buffer.concat(parts);
}

/** Tag-1 values as cbor-x decodes them after Freshet's extension: objects carrying `ms`. */
function ms(v: unknown): number {
  return (v as { ms: number }).ms;
}

describe('AWS CBOR protocol', () => {
  let server: FreshetServer;
  before(async () => ({ server } = await startTestServer()));
  after(async () => server.close());

  async function call(action: string, body: V): Promise<{ status: number; type: string | null; value: any; raw: Buffer }> {
    const res = await fetch(`${server.url}/`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-cbor-1.1',
        'X-Amz-Target': `Kinesis_20131202.${action}`,
        Authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20210131/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd',
        'X-Amz-Date': '20210131T140000Z',
      },
      body: enc(body),
    });
    const raw = Buffer.from(await res.arrayBuffer());
    return { status: res.status, type: res.headers.get('content-type'), value: raw.length ? cborXDecode(raw) : undefined, raw };
  }

  it('creates, puts (byte-string Data), reads back with tag-1 millisecond timestamps, and answers errors in CBOR', async () => {
    const name = uniqueName('cbor');
    assert.equal((await call('CreateStream', { StreamName: name, ShardCount: 1 })).status, 200);
    await server.kinesis.whenActive(name);
    const payload = Buffer.from([0, 1, 2, 250, 255]);
    const put = await call('PutRecord', { StreamName: name, Data: payload, PartitionKey: 'pk' });
    assert.equal(put.status, 200);
    assert.equal(put.type, 'application/x-amz-cbor-1.1');
    assert.equal(put.value.ShardId, 'shardId-000000000000');
    const many = await call('PutRecords', {
      StreamName: name,
      Records: [
        { Data: Buffer.from('a'), PartitionKey: 'x' },
        { Data: Buffer.from('b'), PartitionKey: 'y' },
      ],
    });
    assert.equal(many.value.FailedRecordCount, 0);
    const before = Date.now() - 60_000;
    const it0 = await call('GetShardIterator', {
      StreamName: name,
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'AT_TIMESTAMP',
      Timestamp: { tag1Ms: before },
    });
    assert.equal(it0.status, 200, JSON.stringify(it0.value));
    const got = await call('GetRecords', { ShardIterator: it0.value.ShardIterator, Limit: 10 });
    assert.equal(got.status, 200);
    const recs = got.value.Records;
    assert.equal(recs.length, 3);
    assert.ok(Buffer.isBuffer(recs[0].Data) || recs[0].Data instanceof Uint8Array, 'Data is a byte string');
    assert.deepEqual(Buffer.from(recs[0].Data), payload);
    const ts = ms(recs[0].ApproximateArrivalTimestamp);
    assert.ok(Number.isInteger(ts) && Math.abs(ts - Date.now()) < 60_000, `tag-1 epoch milliseconds, got ${ts}`);
    // On the wire: 0xC1 then a major-type-0 integer (not a float) holding the milliseconds.
    const at = got.raw.indexOf(Buffer.from('ApproximateArrivalTimestamp'));
    assert.equal(got.raw[at + 'ApproximateArrivalTimestamp'.length], 0xc1);
    assert.equal(got.raw[at + 'ApproximateArrivalTimestamp'.length + 1]! >> 5, 0);

    const d = await call('DescribeStreamSummary', { StreamName: name });
    assert.ok(Math.abs(ms(d.value.StreamDescriptionSummary.StreamCreationTimestamp) - Date.now()) < 60_000);
    const shards = await call('ListShards', { StreamName: name, ShardFilter: { Type: 'FROM_TIMESTAMP', Timestamp: { tag1Ms: before } } });
    assert.equal(shards.value.Shards.length, 1);

    const missing = await call('DescribeStream', { StreamName: 'no-such-stream' });
    assert.equal(missing.status, 400);
    assert.equal(missing.type, 'application/x-amz-cbor-1.1');
    assert.deepEqual(missing.value, { __type: 'ResourceNotFoundException', message: 'Stream no-such-stream under account 000000000000 not found.' });
    const bad = await call('PutRecord', { StreamName: name, PartitionKey: 'pk' });
    assert.equal(bad.value.__type, 'ValidationException');
    const garbage = await fetch(`${server.url}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-cbor-1.1', 'X-Amz-Target': 'Kinesis_20131202.ListStreams' },
      body: Buffer.from([0xbf, 0x61]),
    });
    assert.equal(garbage.status, 400);
    assert.equal(cborXDecode(Buffer.from(await garbage.arrayBuffer())).__type, 'SerializationException');
  });

  it('streams SubscribeToShard events as CBOR payloads', async () => {
    const name = uniqueName('cbor-efo');
    await call('CreateStream', { StreamName: name, ShardCount: 1 });
    await server.kinesis.whenActive(name);
    await call('PutRecord', { StreamName: name, Data: Buffer.from('pushed'), PartitionKey: 'pk' });
    const reg = await call('RegisterStreamConsumer', { StreamARN: server.kinesis.arnFor(name), ConsumerName: 'java' });
    assert.ok(ms(reg.value.Consumer.ConsumerCreationTimestamp) > 0);
    const arn = reg.value.Consumer.ConsumerARN as string;
    for (let i = 0; i < 100 && (await call('DescribeStreamConsumer', { ConsumerARN: arn })).value.ConsumerDescription.ConsumerStatus !== 'ACTIVE'; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const ctrl = new AbortController();
    const res = await fetch(`${server.url}/`, {
      method: 'POST',
      signal: ctrl.signal,
      headers: {
        'Content-Type': 'application/x-amz-cbor-1.1',
        'X-Amz-Target': 'Kinesis_20131202.SubscribeToShard',
        Authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20210131/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=abcd',
        'X-Amz-Date': '20210131T140000Z',
      },
      body: enc({ ConsumerARN: arn, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'TRIM_HORIZON' } }),
    });
    assert.equal(res.headers.get('content-type'), 'application/vnd.amazon.eventstream');
    const reader = res.body!.getReader();
    let buf = Buffer.alloc(0);
    const frames: Array<{ headers: Record<string, unknown>; body: Uint8Array }> = [];
    while (frames.length < 2) {
      const { value, done } = await reader.read();
      if (done) break;
      buf = Buffer.concat([buf, value]);
      while (buf.length >= 4 && buf.length >= buf.readUInt32BE(0)) {
        const len = buf.readUInt32BE(0);
        frames.push(decodeFrame(buf.subarray(0, len)));
        buf = buf.subarray(len);
      }
    }
    ctrl.abort();
    assert.equal(frames[0]!.headers[':event-type'], 'initial-response');
    assert.equal(frames[1]!.headers[':event-type'], 'SubscribeToShardEvent');
    assert.equal(frames[1]!.headers[':content-type'], 'application/x-amz-cbor-1.1');
    const ev = cborXDecode(frames[1]!.body);
    assert.equal(Buffer.from(ev.Records[0].Data).toString(), 'pushed');
    assert.ok(ms(ev.Records[0].ApproximateArrivalTimestamp) > 1e12);
    assert.equal(typeof ev.ContinuationSequenceNumber, 'string');
  });
});
