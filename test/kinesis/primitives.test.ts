/** Sequence numbers, hash-key routing and shard iterators as pure functions. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { decodeSequence, evenHashKeyRanges, partitionKeyHash } from '../../src/kinesis/index.ts';
import { hashKeyToBuffer, routeHashKey, bufferToHashKey } from '../../src/kinesis/hash.ts';
import { IteratorCodec, amzUtcString } from '../../src/kinesis/iterator.ts';
import { SequenceWriter, ShardSequences, encodedShardName, parseSequence } from '../../src/kinesis/sequence.ts';

/** A 47-hex-digit AWS layout number from its fields (kinesalite's description), for comparison. */
function awsNumber(f: { createSecs: number; index: bigint; timeSecs: number; shard: number; version?: number }): string {
  const hex =
    '2' +
    f.createSecs.toString(16).padStart(9, '0') +
    (f.shard & 15).toString(16) +
    f.index.toString(16).padStart(16, '0') +
    '00' +
    f.timeSecs.toString(16).padStart(9, '0') +
    f.shard.toString(16).padStart(8, '0') +
    String(f.version ?? 2);
  return BigInt(`0x${hex}`).toString();
}

describe('sequence numbers', () => {
  const created = Date.UTC(2026, 0, 15, 12, 0, 0, 250);
  const seq = new ShardSequences(3, created);
  const createSecs = Math.floor(created / 1000);

  it("are AWS's layout: 2 | shard creation s | index nibble | per-shard index | 00 | arrival s | shard index | 2", () => {
    const t = created + 61_500;
    const n = seq.record(41, t);
    assert.match(n, /^\d{56}$/);
    assert.equal(n, awsNumber({ createSecs, index: 42n, timeSecs: Math.floor(t / 1000), shard: 3 }));
    // kinesalite's check of AWS's numbers: ^20[0-9a-f]{8}<ix>[0-9a-f]{16}000[0-9a-f]{8}0000000<ix>2$
    assert.match(BigInt(n).toString(16), /^20[0-9a-f]{8}3[0-9a-f]{16}000[0-9a-f]{8}00000003(2)$/);
    assert.equal(seq.starting(), awsNumber({ createSecs, index: 0n, timeSecs: createSecs, shard: 3 }));
    assert.equal(seq.ending(t), awsNumber({ createSecs, index: (1n << 63n) - 1n, timeSecs: Math.floor(t / 1000), shard: 3 }));
    // One of AWS's own numbers (from its documentation) reads as shard 6.
    const aws = parseSequence('49590338271490256608559692538361571095921575989136588898');
    assert.equal(aws?.layout, 'v2');
    assert.equal(aws?.shardIndex, 6);
  });

  it('increase strictly with the offset whatever the time, between the starting and the ending number', () => {
    let prev = seq.starting();
    for (const [offset, t] of [
      [0, created],
      [1, created],
      [2, created + 999],
      [3, created + 1000],
      [4, created + 500], // an arrival time that went backwards still sorts by offset
      [1_000_000, created + 5000],
      [2 ** 52, created + 5000],
    ] as const) {
      const n = seq.record(offset, t);
      assert.ok(BigInt(n) > BigInt(prev) && n > prev, `offset ${offset}`);
      prev = n;
    }
    assert.ok(seq.ending(created) > prev);
  });

  it('decode to the record offset, or to the offset a marker precedes', () => {
    assert.deepEqual(decodeSequence(seq.record(41, created + 2000)), { shardIndex: 3, offset: 41, before: false, timeMs: created + 2000 - 250 });
    assert.deepEqual(decodeSequence(seq.starting()), { shardIndex: 3, offset: 0, before: true, timeMs: created - 250 });
    assert.equal(decodeSequence(seq.before(7, created + 9000))?.offset, 6);
    assert.ok(decodeSequence(seq.ending(created))!.offset > Number.MAX_SAFE_INTEGER);
    // Freshet's earlier layout: '4' | arrival ms (15) | shard (6) | offset (20) | salt (14)
    assert.deepEqual(decodeSequence('40017684784009500000030000000000000000004112930404291287'), {
      shardIndex: 3,
      offset: 41,
      before: false,
      timeMs: 1768478400950,
    });
    assert.equal(decodeSequence('0'), undefined);
    assert.equal(decodeSequence('4'.repeat(57)), undefined);
  });

  it('are parsed as AWS parses what clients send (kinesalite-recorded cases)', () => {
    const hex = (h: string): string => BigInt(`0x${h}`).toString();
    // Small numbers read as 2^124 + n: version 0 with the shard index in the low 16 bits.
    assert.deepEqual(parseSequence('5'), {
      layout: 'v0',
      shardCreateSecs: 0,
      shardIndex: 5,
      timeMs: undefined,
      display: '21267647932558653966460912964485513221',
    });
    assert.equal(parseSequence('0')?.display, '21267647932558653966460912964485513216');
    assert.equal(parseSequence('425352958651173072921826052383309826')?.display, '21693000891209827039382739016868823042');
    assert.equal(parseSequence('12345')?.shardIndex, 12345);
    // Refused: a version-0 date past AWS's limit, unknown versions, a per-shard index ≥ 2^63, numbers between the layouts.
    for (const bad of [
      hex('13bb2cc3d80000000000000000000000'),
      hex('20000000000000000000000000000000000000000000000'),
      hex('20000000000000000000000000000000000000000000003'),
      hex('20000000000000000000000000000000000000000000004'),
      hex('30000000000000000000000000000000000000000000001'),
      hex('1ffffffffff7fffffffffffffff000000000007fffffff2'),
      hex('20000000000800000000000000000000000000000000002'),
      '9'.repeat(40),
    ]) {
      assert.equal(parseSequence(bad), undefined, bad);
    }
    // Accepted: version 1 and 2, any creation time, a shard index with its top bit set (signed).
    assert.equal(parseSequence(hex('20000000000000000000000000000000000000000000001'))?.layout, 'v1');
    assert.equal(parseSequence(hex('2ffffffffff7fffffffffffffff000000000007fffffff2'))?.shardIndex, 0x7fffffff);
    const negative = parseSequence(hex('20000000000000000000000000000000000000800000002'));
    assert.equal(negative?.shardIndex, -2147483648);
    assert.equal(encodedShardName(negative!.shardIndex), 'shardId--02147483648');
    assert.equal(encodedShardName(5), 'shardId-000000000005');
  });

  it('are written in place by SequenceWriter exactly as BigInt arithmetic writes them', () => {
    const writer = new SequenceWriter(seq);
    const out = Buffer.alloc(200);
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    // 30,000 consecutive offsets, one per ms from just before a second boundary (limb carries, new seconds),
    // then gaps and repeats.
    const cases: Array<[number, number]> = [];
    for (let o = 0; o < 30_000; o++) cases.push([o, created + 749 + o]);
    cases.push(
      [40_000, created + 40_000],
      [40_001, created + 40_000],
      [39_000, created + 40_000],
      [2 ** 50, created + 40_001],
      [2 ** 50 + 1, created + 40_001],
    );
    for (const [offset, t] of cases) {
      const expected = seq.record(offset, t);
      const pos = offset % 97;
      writer.write(view, pos, offset, t);
      assert.equal(out.toString('latin1', pos, pos + 56), expected, `offset ${offset}`);
    }
    const strings = new SequenceWriter(new ShardSequences(1234, created));
    for (let o = 0; o < 2000; o++) assert.equal(strings.next(o, created + o * 7), new ShardSequences(1234, created).record(o, created + o * 7));
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

  it("round-trip, with AWS's structure: 00…01 then AES blocks, 152 + 16·⌊(L + 2) / 16⌋ bytes, within 512 characters", () => {
    assert.deepEqual(codec.decode(codec.encode(pos)), pos);
    for (let length = 1; length <= 128; length++) {
      const p = { ...pos, streamName: 'x'.repeat(length), shardIndex: 999_999, offset: Number.MAX_SAFE_INTEGER };
      const token = codec.encode(p);
      const bytes = Buffer.from(token, 'base64');
      assert.equal(bytes.length, 152 + 16 * Math.floor((length + 2) / 16), `name length ${length}`);
      assert.equal(bytes.subarray(0, 8).toString('hex'), '0000000000000001');
      assert.ok(token.length <= 512);
      assert.deepEqual(codec.decode(token), p);
    }
  });

  it('refuse tokens that were edited or signed with another key', () => {
    const t = Buffer.from(codec.encode(pos), 'base64');
    for (let i = 0; i < t.length; i++) {
      const edited = Buffer.from(t);
      edited[i] = edited[i]! ^ 1;
      assert.equal(codec.decode(edited.toString('base64')), undefined, `byte ${i}`);
    }
    assert.equal(codec.decode(t.subarray(0, t.length - 16).toString('base64')), undefined);
    assert.equal(new IteratorCodec(Buffer.alloc(32, 2)).decode(codec.encode(pos)), undefined);
    assert.equal(codec.decode('not-an-iterator'), undefined);
    assert.equal(codec.decode('AAAAAAAAAAE='), undefined);
  });

  it('still read tokens of the layout before issue 11 (issued just before an upgrade)', () => {
    // u8 1 | f64 createdMs | f64 offset | u32 shard index | f64 salt | stream name | HMAC-SHA256(secret)[0, 16)
    const secret = Buffer.alloc(32, 1);
    const name = Buffer.from(pos.streamName);
    const body = Buffer.alloc(29 + name.length);
    body.writeUInt8(1, 0);
    body.writeDoubleBE(pos.createdMs, 1);
    body.writeDoubleBE(pos.offset, 9);
    body.writeUInt32BE(pos.shardIndex, 17);
    body.writeDoubleBE(Number(pos.salt), 21);
    name.copy(body, 29);
    const legacy = Buffer.concat([body, createHmac('sha256', secret).update(body).digest().subarray(0, 16)]);
    assert.deepEqual(codec.decode(legacy.toString('base64')), pos);
    legacy[5] = legacy[5]! ^ 1;
    assert.equal(codec.decode(legacy.toString('base64')), undefined);
  });

  it('format times as AWS does in ExpiredIteratorException', () => {
    assert.equal(amzUtcString(Date.UTC(2015, 0, 22, 1, 22, 2)), 'Thu Jan 22 01:22:02 UTC 2015');
  });
});
