/**
 * Exact AWS error types, texts and statuses for the cases issue 2 lists: a request naming no stream,
 * pagination tokens (conflicts, invalid, expired after 300 s), StreamARN patterns, blobs that are not
 * strict base64, and bodies over the request limit — over raw HTTP (wire fields) and the AWS SDK
 * (how a client sees them). Where the text is AWS's, the source it was verified against is named.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { CreateStreamCommand, ListShardsCommand, ListStreamConsumersCommand, RegisterStreamConsumerCommand } from '@aws-sdk/client-kinesis';
import { ManualClock } from '../../src/core/index.ts';
import { base64Problem, isStrictBase64 } from '../../src/aws/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { rawRequest, startTestServer, uniqueName } from './helpers.ts';

const ACCOUNT = '000000000000';
const arnOf = (name: string): string => `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${name}`;

async function expectError(
  server: FreshetServer,
  action: string,
  body: unknown,
  type: string,
  message: string,
  field: 'message' | 'Message' = 'message',
): Promise<void> {
  const r = await rawRequest(server, action, body);
  assert.equal(r.status, 400, `${action}: ${r.text}`);
  assert.deepEqual(r.json, { __type: type, [field]: message }, action);
  assert.equal(r.headers.get('x-amzn-errortype'), type);
}

describe('A request that names no stream', () => {
  // Every action whose model has StreamName and StreamARN both optional, with its other required members.
  const ACTIONS: Array<[string, Record<string, unknown>]> = [
    ['AddTagsToStream', { Tags: { a: 'b' } }],
    ['DecreaseStreamRetentionPeriod', { RetentionPeriodHours: 24 }],
    ['DeleteStream', {}],
    ['DescribeStream', {}],
    ['DescribeStreamSummary', {}],
    ['DisableEnhancedMonitoring', { ShardLevelMetrics: ['ALL'] }],
    ['EnableEnhancedMonitoring', { ShardLevelMetrics: ['ALL'] }],
    ['GetShardIterator', { ShardId: 'shardId-000000000000', ShardIteratorType: 'LATEST' }],
    ['IncreaseStreamRetentionPeriod', { RetentionPeriodHours: 48 }],
    ['ListTagsForStream', {}],
    ['MergeShards', { ShardToMerge: 'shardId-000000000000', AdjacentShardToMerge: 'shardId-000000000001' }],
    ['PutRecord', { Data: 'AAAA', PartitionKey: 'k' }],
    ['PutRecords', { Records: [{ Data: 'AAAA', PartitionKey: 'k' }] }],
    ['RemoveTagsFromStream', { TagKeys: ['a'] }],
    ['SplitShard', { ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '1' }],
    ['StartStreamEncryption', { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }],
    ['StopStreamEncryption', { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }],
    ['UpdateShardCount', { TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING' }],
  ];

  it('is refused by every action that takes StreamName or StreamARN with InvalidArgumentException', async () => {
    const { server, client } = await startTestServer();
    try {
      for (const [action, body] of ACTIONS) {
        await expectError(server, action, body, 'InvalidArgumentException', 'Either StreamName or StreamARN must be provided.');
      }
      // ListShards may name its stream by NextToken instead (kinesalite's capture of AWS's text).
      await expectError(server, 'ListShards', {}, 'InvalidArgumentException', 'Either NextToken or StreamName should be provided.');
      // Where the model requires StreamARN, Coral's null-member validation answers first.
      await expectError(
        server,
        'ListStreamConsumers',
        {},
        'ValidationException',
        "1 validation error detected: Value null at 'streamARN' failed to satisfy constraint: Member must not be null",
      );
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it('checks a StreamARN against the model pattern arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+', async () => {
    const { server, client } = await startTestServer();
    try {
      const arn = `${arnOf('has space')}`;
      await expectError(
        server,
        'DescribeStreamSummary',
        { StreamARN: arn },
        'ValidationException',
        `1 validation error detected: Value '${arn}' at 'streamARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+`,
      );
      const res = 'arn:aws:kinesis:us-east-1:000000000000:table/x';
      await expectError(
        server,
        'ListTagsForResource',
        { ResourceARN: res },
        'ValidationException',
        `1 validation error detected: Value '${res}' at 'resourceARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+`,
      );
    } finally {
      client.destroy();
      await server.close();
    }
  });
});

describe('ListShards NextToken', () => {
  it("refuses NextToken with a stream or start member, naming the member the request carried (AWS's texts)", async () => {
    const clock = new ManualClock(Date.UTC(2024, 0, 1));
    const { server, client } = await startTestServer({ clock });
    try {
      const name = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 3 }));
      clock.advance(0);
      const token = (await client.send(new ListShardsCommand({ StreamName: name, MaxResults: 1 }))).NextToken!;
      const together = (what: string): string => `NextToken and ${what} cannot be provided together.`;
      await expectError(server, 'ListShards', { NextToken: token, StreamName: name }, 'InvalidArgumentException', together('StreamName'));
      await expectError(server, 'ListShards', { NextToken: token, StreamARN: arnOf(name) }, 'InvalidArgumentException', together('StreamARN'));
      await expectError(
        server,
        'ListShards',
        { NextToken: token, ExclusiveStartShardId: 'shardId-000000000000' },
        'InvalidArgumentException',
        together('ExclusiveStartShardId'),
      );
      await expectError(server, 'ListShards', { NextToken: token, ShardFilter: { Type: 'AT_LATEST' } }, 'InvalidArgumentException', together('ShardFilter'));
      await expectError(
        server,
        'ListShards',
        { NextToken: token, StreamCreationTimestamp: 1 },
        'InvalidArgumentException',
        together('StreamCreationTimestamp'),
      );
      // The SDK surfaces the same type and text.
      await assert.rejects(client.send(new ListShardsCommand({ NextToken: token, StreamARN: arnOf(name) })), {
        name: 'InvalidArgumentException',
        message: together('StreamARN'),
      });
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it('answers an unreadable token with InvalidArgumentException and a 300 s old one with ExpiredNextTokenException', async () => {
    const clock = new ManualClock(Date.UTC(2024, 0, 1));
    const { server, client } = await startTestServer({ clock });
    try {
      const name = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
      clock.advance(0);
      await expectError(server, 'ListShards', { NextToken: 'bogus' }, 'InvalidArgumentException', 'Invalid NextToken: bogus');
      const token = (await client.send(new ListShardsCommand({ StreamName: name, MaxResults: 1 }))).NextToken!;
      clock.advance(300_000);
      const page = await client.send(new ListShardsCommand({ NextToken: token }));
      assert.deepEqual(
        page.Shards!.map((s) => s.ShardId),
        ['shardId-000000000001'],
      );
      clock.advance(1);
      await expectError(server, 'ListShards', { NextToken: token }, 'ExpiredNextTokenException', `The NextToken ${token} has expired.`);
      await assert.rejects(client.send(new ListShardsCommand({ NextToken: token })), { name: 'ExpiredNextTokenException' });
    } finally {
      client.destroy();
      await server.close();
    }
  });
});

describe('ListStreamConsumers NextToken', () => {
  async function withConsumers(n: number) {
    const clock = new ManualClock(Date.UTC(2024, 0, 1));
    const { server, client } = await startTestServer({ clock });
    const name = uniqueName();
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    clock.advance(0);
    for (let i = 0; i < n; i++) await client.send(new RegisterStreamConsumerCommand({ StreamARN: arnOf(name), ConsumerName: `c${i}` }));
    return { clock, server, client, name };
  }

  it('pages with a token that expires after 300 s (ExpiredNextTokenException, per the API reference)', async () => {
    const { clock, server, client, name } = await withConsumers(3);
    try {
      const first = await client.send(new ListStreamConsumersCommand({ StreamARN: arnOf(name), MaxResults: 2 }));
      assert.deepEqual(
        first.Consumers!.map((c) => c.ConsumerName),
        ['c0', 'c1'],
      );
      clock.advance(300_000);
      const second = await client.send(new ListStreamConsumersCommand({ StreamARN: arnOf(name), NextToken: first.NextToken! }));
      assert.deepEqual(
        second.Consumers!.map((c) => c.ConsumerName),
        ['c2'],
      );
      assert.equal(second.NextToken, undefined);
      clock.advance(1);
      await expectError(
        server,
        'ListStreamConsumers',
        { StreamARN: arnOf(name), NextToken: first.NextToken },
        'ExpiredNextTokenException',
        `The NextToken ${first.NextToken} has expired.`,
      );
      await assert.rejects(client.send(new ListStreamConsumersCommand({ StreamARN: arnOf(name), NextToken: first.NextToken! })), {
        name: 'ExpiredNextTokenException',
      });
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it('refuses NextToken with StreamCreationTimestamp, an unreadable token, and a token of another stream', async () => {
    const { server, client, name } = await withConsumers(2);
    try {
      const token = (await client.send(new ListStreamConsumersCommand({ StreamARN: arnOf(name), MaxResults: 1 }))).NextToken!;
      await expectError(
        server,
        'ListStreamConsumers',
        { StreamARN: arnOf(name), NextToken: token, StreamCreationTimestamp: 1 },
        'InvalidArgumentException',
        'NextToken and StreamCreationTimestamp cannot be provided together.',
      );
      await expectError(server, 'ListStreamConsumers', { StreamARN: arnOf(name), NextToken: 'bogus' }, 'InvalidArgumentException', 'Invalid NextToken: bogus');
      const other = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: other, ShardCount: 1 }));
      await expectError(
        server,
        'ListStreamConsumers',
        { StreamARN: arnOf(other), NextToken: token },
        'InvalidArgumentException',
        `Invalid NextToken: ${token}`,
      );
    } finally {
      client.destroy();
      await server.close();
    }
  });
});

describe('ListStreams NextToken', () => {
  it('refuses an unreadable token and a token with ExclusiveStartStreamName', async () => {
    const { server, client } = await startTestServer();
    try {
      await expectError(server, 'ListStreams', { NextToken: 'bogus' }, 'InvalidArgumentException', 'Invalid NextToken: bogus');
      await expectError(
        server,
        'ListStreams',
        { NextToken: 'bogus', ExclusiveStartStreamName: 'a' },
        'InvalidArgumentException',
        'NextToken and ExclusiveStartStreamName cannot be provided together.',
      );
    } finally {
      client.destroy();
      await server.close();
    }
  });
});

describe('Blobs that are not strict base64', () => {
  // AWS answers these with HTTP 400 SerializationException and the capitalised `Message` field: the
  // length text as users pasted it from AWS (pplu/aws-sdk-perl#81, aws/aws-sdk-php#650), the other two
  // as kinesalite/dynalite recorded them from AWS (including AWS's "dectected").
  const CASES: Array<[string, string]> = [
    ['Foo', "'Foo' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 3"],
    ['=+/=', "'=+/=' can not be converted to a Blob: Invalid Base64 character: '='"],
    ['+/+=', "'+/+=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected"],
    ['QR==', "'QR==' can not be converted to a Blob: Invalid last non-pad Base64 character dectected"],
    ['ab-_', "'ab-_' can not be converted to a Blob: Invalid Base64 character: '-'"],
    ['ab c', "'ab c' can not be converted to a Blob: Invalid Base64 character: ' '"],
  ];

  it('PutRecord answers SerializationException with AWS Message texts', async () => {
    const { server, client } = await startTestServer();
    try {
      const name = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      for (const [data, message] of CASES) {
        await expectError(server, 'PutRecord', { StreamName: name, PartitionKey: 'k', Data: data }, 'SerializationException', message, 'Message');
      }
      // The type check runs before any constraint or stream check.
      await expectError(
        server,
        'PutRecord',
        { StreamName: 'no such stream!', PartitionKey: '', Data: 'Foo' },
        'SerializationException',
        CASES[0]![1],
        'Message',
      );
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it('PutRecords answers SerializationException with the same texts (its fast path included)', async () => {
    const { server, client } = await startTestServer();
    try {
      const name = uniqueName();
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      for (const [data, message] of CASES) {
        await expectError(
          server,
          'PutRecords',
          {
            StreamName: name,
            Records: [
              { PartitionKey: 'k', Data: 'AAAA' },
              { PartitionKey: 'k', Data: data },
            ],
          },
          'SerializationException',
          message,
          'Message',
        );
      }
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it('isStrictBase64 agrees with base64Problem on every short string over a mixed alphabet', () => {
    const alphabet = 'AQgw+/=-_! ';
    let checked = 0;
    const check = (s: string): void => {
      assert.equal(isStrictBase64(s, Buffer.from(s, 'base64')), base64Problem(s) === undefined, JSON.stringify(s));
      checked++;
    };
    // Every 4-character string over the set, alone and after or before a valid quantum.
    for (const c of alphabet)
      for (const d of alphabet)
        for (const e of alphabet)
          for (const f of alphabet) {
            const q = c + d + e + f;
            check(q);
            check(`QUJD${q}`);
            check(`${q}QUJD`);
          }
    assert.ok(checked > 10_000);
    for (const s of ['', 'AAAA', 'QQ==', 'QUI=', 'QUJD', 'A===', '====', 'QR==', 'QUJ=']) {
      assert.equal(isStrictBase64(s, Buffer.from(s, 'base64')), base64Problem(s) === undefined, s);
    }
  });
});

/** Sends `size` bytes with a Content-Length header and returns the status, body and headers. */
function postBytes(server: FreshetServer, contentType: string, size: number): Promise<{ status: number; body: Buffer; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const url = new URL(server.url);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/',
        headers: { 'Content-Type': contentType, 'X-Amz-Target': 'Kinesis_20131202.PutRecords', 'Content-Length': size },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks), connection: res.headers.connection }));
        res.on('error', reject);
      },
    );
    // The server may answer and close before the whole body is sent.
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
    req.end(Buffer.alloc(size, 0x61));
  });
}

describe('A request body over the limit', () => {
  it('is answered HTTP 413 and the connection closed, for JSON and CBOR, and the server keeps serving', async () => {
    const { server, client } = await startTestServer();
    try {
      for (const type of ['application/x-amz-json-1.1', 'application/x-amz-cbor-1.1']) {
        const r = await postBytes(server, type, 9 * 1024 * 1024);
        assert.equal(r.status, 413, type);
        assert.equal(r.connection, 'close', type);
      }
      const ok = await rawRequest(server, 'ListStreams', {});
      assert.equal(ok.status, 200);
    } finally {
      client.destroy();
      await server.close();
    }
  });
});

describe("The rest of the catalog's InvalidArgumentException and ValidationException texts", () => {
  it('answers oversized records, encryption types, consumer references, shard filters, % in tags, ARN mismatches and a missing ShardCount with their exact texts', async () => {
    const clock = new ManualClock(Date.UTC(2024, 0, 1));
    const { server, client } = await startTestServer({ clock });
    try {
      const name = uniqueName('texts');
      const other = uniqueName('texts-other');
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      await client.send(new CreateStreamCommand({ StreamName: other, ShardCount: 1 }));
      clock.advance(0);
      const mib = Buffer.alloc(1024 * 1024, 1).toString('base64');
      const bad = (body: unknown, action: string, message: string) => expectError(server, action, body, 'InvalidArgumentException', message);

      await bad(
        { StreamName: name, Data: mib, PartitionKey: 'key' },
        'PutRecord',
        'Record size (data plus partition key) of 1048579 bytes exceeds the 1 MiB limit.',
      );
      await bad(
        {
          StreamName: name,
          Records: [
            { Data: 'AAAA', PartitionKey: 'k' },
            { Data: mib, PartitionKey: 'kk' },
          ],
        },
        'PutRecords',
        'Record size (data plus partition key) of 1048578 bytes exceeds the 1 MiB limit at records.2.',
      );
      await bad(
        { StreamName: name, EncryptionType: 'NONE', KeyId: 'alias/aws/kinesis' },
        'StartStreamEncryption',
        'Encryption type NONE is not supported. Only KMS is supported.',
      );
      await bad({ ConsumerName: 'c' }, 'DeregisterStreamConsumer', 'Either ConsumerARN or both ConsumerName and StreamARN must be provided.');
      await bad({ StreamARN: arnOf(name) }, 'DescribeStreamConsumer', 'Either ConsumerARN or both ConsumerName and StreamARN must be provided.');
      await bad(
        { StreamName: name, ShardFilter: { Type: 'AFTER_SHARD_ID' } },
        'ListShards',
        'ShardId must be specified in ShardFilter when Type is AFTER_SHARD_ID.',
      );
      await bad(
        { StreamName: name, ShardFilter: { Type: 'FROM_TIMESTAMP' } },
        'ListShards',
        'Timestamp must be specified in ShardFilter when Type is FROM_TIMESTAMP.',
      );
      const illegal = (verb: string, direction: string) =>
        `Failed to ${verb} tags ${direction} stream ${name} under account ${ACCOUNT} because some tags contained illegal characters. ` +
        "The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.";
      await bad({ StreamName: name, Tags: { 'rate%': 'x' } }, 'AddTagsToStream', illegal('add', 'to'));
      await bad({ StreamName: name, TagKeys: ['rate%'] }, 'RemoveTagsFromStream', illegal('remove', 'from'));
      await bad(
        { StreamName: name, StreamARN: arnOf(other) },
        'DescribeStreamSummary',
        `StreamARN ${arnOf(other)} and StreamName ${name} do not refer to the same stream.`,
      );
      const consumerArn = `${arnOf(name)}/consumer/c:1704067200`;
      await bad({ ResourceARN: consumerArn }, 'ListTagsForResource', `Resource ${consumerArn} is not a stream; Freshet supports tags on streams only.`);
      await expectError(
        server,
        'CreateStream',
        { StreamName: uniqueName('no-count') },
        'ValidationException',
        "1 validation error detected: Value null at 'shardCount' failed to satisfy constraint: Member must not be null",
      );
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
