/** Sequence numbers, hash-key routing and shard iterators as pure functions. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSequence, encodeSequence, evenHashKeyRanges, partitionKeyHash } from '../../src/kinesis/index.ts';
import { hashKeyToBuffer, routeHashKey, bufferToHashKey } from '../../src/kinesis/hash.ts';
import { IteratorCodec, amzUtcString } from '../../src/kinesis/iterator.ts';

describe('sequence numbers', () => {
  it('are 56 digits, decode back to their fields, and order by time, then shard, then offset', () => {
    const salt = '12345678901234';
    const a = encodeSequence(1612101600123, '000003', 41, salt);
    assert.match(a, /^4\d{55}$/);
    assert.deepEqual(decodeSequence(a), { timeMs: 1612101600123, shardIndex: 3, offset: 41, salt });
    assert.ok(encodeSequence(1612101600123, '000003', 42, salt) > a);
    assert.ok(encodeSequence(1612101600124, '000003', 0, salt) > a);
    assert.ok(BigInt(encodeSequence(1612101600123, '000003', 9, salt)) < BigInt(encodeSequence(1612101600123, '000003', 10, salt)));
  });

  it('rejects numbers Freshet cannot have issued', () => {
    assert.equal(decodeSequence('0'), undefined);
    assert.equal(decodeSequence('49590338271490256608559692538361571095921575989136588898'), undefined);
    assert.equal(decodeSequence('4'.repeat(57)), undefined);
  });
});

describe('hash keys', () => {
  it('uses the MD5 of the partition key, big-endian', () => {
    assert.equal(partitionKeyHash('a').toString('hex'), '0cc175b9c0f1b6a831c399e269772661');
    assert.equal(bufferToHashKey(partitionKeyHash('a')), 0x0cc175b9c0f1b6a831c399e269772661n);
  });

  it('splits the space evenly and routes every boundary to the right shard', () => {
    for (const n of [1, 2, 3, 4, 7, 500]) {
      const ranges = evenHashKeyRanges(n);
      assert.equal(ranges[0]!.startingHashKey, 0n);
      assert.equal(ranges.at(-1)!.endingHashKey, (1n << 128n) - 1n);
      const starts = ranges.map((r) => hashKeyToBuffer(r.startingHashKey));
      for (let i = 0; i < n; i++) {
        assert.equal(routeHashKey(hashKeyToBuffer(ranges[i]!.startingHashKey), starts), i);
        assert.equal(routeHashKey(hashKeyToBuffer(ranges[i]!.endingHashKey), starts), i);
        if (i > 0) assert.equal(ranges[i]!.startingHashKey, ranges[i - 1]!.endingHashKey + 1n);
      }
    }
  });
});

describe('shard iterators', () => {
  const codec = new IteratorCodec(Buffer.alloc(32, 1));
  const pos = { streamName: 'orders', salt: '12345678901234', shardIndex: 2, offset: 1234567, createdMs: 1612101600123 };

  it('round-trip and stay within the 512-character limit', () => {
    const t = codec.encode(pos);
    assert.deepEqual(codec.decode(t), pos);
    assert.ok(codec.encode({ ...pos, streamName: 'x'.repeat(128) }).length <= 512);
  });

  it('refuse tokens that were edited or signed with another key', () => {
    const t = Buffer.from(codec.encode(pos), 'base64');
    for (let i = 0; i < t.length; i++) {
      const edited = Buffer.from(t);
      edited[i] = edited[i]! ^ 1;
      assert.equal(codec.decode(edited.toString('base64')), undefined, `byte ${i}`);
    }
    assert.equal(new IteratorCodec(Buffer.alloc(32, 2)).decode(codec.encode(pos)), undefined);
    assert.equal(codec.decode('not-an-iterator'), undefined);
  });

  it('format times as AWS does in ExpiredIteratorException', () => {
    assert.equal(amzUtcString(Date.UTC(2015, 0, 22, 1, 22, 2)), 'Thu Jan 22 01:22:02 UTC 2015');
  });
});
