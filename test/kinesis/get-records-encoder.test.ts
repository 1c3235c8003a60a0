/**
 * GetRecords' in-place response encoder against a plain JSON.stringify of the
 * same records: sequence-number digits (consecutive offsets within a second, carries between
 * the limbs of the in-place addition, new seconds, gaps), keys that need escaping or are not ASCII, empty
 * data, retention cut-off.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRecords } from '../../src/kinesis/actions/get-records.ts';
import { ShardSequences } from '../../src/kinesis/sequence.ts';
import { spansFromRecords } from '../../src/storage/index.ts';
import type { LogRecord } from '../../src/storage/index.ts';

const SEQ = new ShardSequences(3, 1_763_700_000_000);

function expected(records: LogRecord[], cutoff: number, tail: string): unknown {
  const kept = records.filter((r) => r.timestampMs >= cutoff);
  return JSON.parse(
    `{"Records":${JSON.stringify(
      kept.map((r) => ({
        SequenceNumber: SEQ.record(r.offset, r.timestampMs),
        ApproximateArrivalTimestamp: r.timestampMs / 1000,
        Data: Buffer.from(r.data).toString('base64'),
        PartitionKey: r.key,
      })),
    ).slice(0, -1)}${tail}`,
  );
}

function rec(offset: number, timestampMs: number, key: string, data: string | Buffer): LogRecord {
  return { offset, timestampMs, key, data: typeof data === 'string' ? Buffer.from(data) : data };
}

test('encodeRecords writes what JSON.stringify would, record for record', () => {
  const records: LogRecord[] = [];
  const t0 = 1_763_800_000_123;
  // offsets 7..12 (carry 9→10), then 98..101 (carry 99→100), then a gap to 999_999_999_999
  let o = 7;
  for (let i = 0; i < 6; i++) records.push(rec(o++, t0, `k${i}`, `data-${i}`));
  o = 98;
  for (let i = 0; i < 4; i++) records.push(rec(o++, t0 + (i >> 1), `key-${i}`, randomish(i * 37 + 1)));
  records.push(rec(999_999_999_999, t0 + 5, 'quote"and\\slash', 'x'));
  records.push(rec(1_000_000_000_000, t0 + 5, 'naïve-ключ-😀', ''));
  records.push(rec(1_000_000_000_001, t0 + 5, 'ctl\u0001\n', Buffer.from([0, 255, 1])));
  records.push(rec(1_000_000_000_002, t0 + 6, '', 'empty key'));
  const tail = '],"NextShardIterator":"abc","MillisBehindLatest":0}';
  const spans = spansFromRecords(records, 1_000_000_000_003);
  const body = encodeRecords(spans, 0, SEQ, tail);
  assert.deepEqual(JSON.parse(body.toString('utf8')), expected(records, 0, tail));
});

test('encodeRecords leaves out records older than the retention cut-off and writes an empty page', () => {
  const t0 = 1_763_800_000_000;
  const records = [rec(0, t0, 'a', 'old'), rec(1, t0 + 1000, 'b', 'new'), rec(2, t0 + 1000, 'c', 'newer')];
  const tail = '],"NextShardIterator":"it","MillisBehindLatest":5}';
  const body = encodeRecords(spansFromRecords(records, 3), t0 + 1, SEQ, tail);
  const parsed = JSON.parse(body.toString('utf8')) as { Records: Array<{ PartitionKey: string; SequenceNumber: string }> };
  assert.deepEqual(parsed, expected(records, t0 + 1, tail));
  assert.deepEqual(
    parsed.Records.map((r) => r.PartitionKey),
    ['b', 'c'],
  );
  const none = encodeRecords(spansFromRecords(records, 3), t0 + 5000, SEQ, tail);
  assert.deepEqual(JSON.parse(none.toString('utf8')), { Records: [], NextShardIterator: 'it', MillisBehindLatest: 5 });
});

function randomish(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + n * 17) & 0xff;
  return b;
}
