/**
 * PutRecords' in-place body reader (src/kinesis/put-records-body.ts) against JSON.parse: on
 * thousands of generated bodies — member orders, JSON whitespace, escapes, extra or duplicate
 * members, wrong types, truncation — whatever it accepts must be exactly what JSON.parse reads,
 * and the plain bodies SDKs send must be accepted. Then over the wire: records sent in shapes
 * the reader declines still land, byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { readPutRecordsBody } from '../../src/kinesis/put-records-body.ts';
import { rawRequest, startTestServer, uniqueName, waitActive } from './helpers.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const WS = ['', ' ', '\n', '\t', '\r\n  '];

function generate(r: () => number): { body: string; plain: boolean } {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const w = (): string => (r() < 0.7 ? '' : pick(WS));
  let plain = true;
  const str = (s: string): string => {
    if (r() < 0.05) {
      plain = false;
      return JSON.stringify(s).replace(/^"/, '"\\u0041'); // an escape sequence
    }
    return JSON.stringify(s);
  };
  const n = 1 + Math.floor(r() * 5);
  const recs: string[] = [];
  for (let i = 0; i < n; i++) {
    const data = Buffer.from(Array.from({ length: Math.floor(r() * 20) }, () => Math.floor(r() * 256))).toString('base64');
    const members = [`${w()}"Data"${w()}:${w()}${str(data)}${w()}`, `${w()}"PartitionKey"${w()}:${w()}${str(`k-${Math.floor(r() * 1e6)}`)}${w()}`];
    if (r() < 0.03) {
      members.push(`"ExplicitHashKey":"1"`);
      plain = false;
    }
    if (r() < 0.03) {
      members.push(`"Data":"AAAA"`);
      plain = false;
    }
    if (r() < 0.5) members.reverse();
    recs.push(`${w()}{${members.join(',')}}${w()}`);
  }
  const top = [`${w()}"StreamName"${w()}:${w()}${str('stream-a')}${w()}`, `${w()}"Records"${w()}:${w()}[${recs.join(',')}]${w()}`];
  if (r() < 0.03) {
    top.push('"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/x"');
    plain = false;
  }
  if (r() < 0.5) top.reverse();
  let body = `${w()}{${top.join(',')}}${w()}`;
  if (r() < 0.05) {
    body = body.slice(0, Math.floor(r() * body.length));
    plain = false;
  }
  if (r() < 0.03) {
    body = body.replace('"PartitionKey":', '"PartitionKey":1,"x":');
    plain = false;
  }
  return { body, plain };
}

test('whatever the body reader accepts is exactly what JSON.parse reads; plain bodies are accepted', () => {
  const r = rng(42);
  let accepted = 0;
  for (let k = 0; k < 5000; k++) {
    const { body, plain } = generate(r);
    const buf = Buffer.from(body);
    const got = readPutRecordsBody(buf);
    if (plain) assert.ok(got, `declined a plain body: ${body}`);
    if (!got) continue;
    accepted++;
    const parsed = JSON.parse(body) as { StreamName: string; Records: Array<{ Data: string; PartitionKey: string }> };
    assert.deepEqual(Object.keys(parsed).sort(), ['Records', 'StreamName']);
    assert.equal(got.streamName, parsed.StreamName);
    assert.equal(got.count, parsed.Records.length);
    for (let i = 0; i < got.count; i++) {
      assert.deepEqual(Object.keys(parsed.Records[i]!).sort(), ['Data', 'PartitionKey']);
      assert.equal(buf.toString('latin1', got.dataStart[i]!, got.dataEnd[i]!), parsed.Records[i]!.Data);
      assert.equal(buf.toString('latin1', got.keyStart[i]!, got.keyEnd[i]!), parsed.Records[i]!.PartitionKey);
    }
  }
  assert.ok(accepted > 2000, `only ${accepted} accepted`);
});

test("records in shapes the fast path declines land byte for byte, and the fast path's land too", async () => {
  const { server, client } = await startTestServer();
  try {
    const name = uniqueName('body');
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await waitActive(client, name);
    const bodies = [
      `{"StreamName":"${name}","Records":[{"Data":"AAEC","PartitionKey":"plain"}]}`,
      ` {\n "Records" : [ { "PartitionKey" : "spaced" , "Data" : "AwQF" } ] ,\n "StreamName" : "${name}" }\n`,
      `{"StreamName":"${name}","Records":[{"Data":"Bg\\u0063=","PartitionKey":"esc\\"aped"}]}`,
      `{"StreamName":"${name}","Records":[{"Data":"CQ==","PartitionKey":"naïve-ключ"}]}`,
    ];
    for (const rawBody of bodies) {
      const res = await rawRequest(server, 'PutRecords', undefined, { rawBody });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.FailedRecordCount, 0);
    }
    const it = await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
    const page = await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator! }));
    assert.deepEqual(
      page.Records!.map((x) => [x.PartitionKey, Buffer.from(x.Data!).toString('hex')]),
      [
        ['plain', '000102'],
        ['spaced', '030405'],
        ['esc"aped', '0607'],
        ['naïve-ключ', '09'],
      ],
    );
  } finally {
    client.destroy();
    await server.close();
  }
});
