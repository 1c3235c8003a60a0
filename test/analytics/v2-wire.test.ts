/**
 * The compact batch forms of a parallel Flink SQL job (src/analytics/v2/wire.ts): records and rows go through a
 * real MessageChannel (structured clone, the buffer transferred) and come out equal to what went in, value for value.
 */
import assert from 'node:assert/strict';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { describe, it } from 'node:test';
import { packRecords, type PackedRecords, type PackedRows, RowDecoder, RowEncoder, unpackRecords } from '../../src/analytics/v2/wire.ts';
import type { Row, SourceRecord } from '../../src/sql/index.ts';

/** Posts `value` through a MessageChannel, transferring `buffer`, and resolves with what arrives. */
async function across<T>(value: T, buffer: ArrayBuffer): Promise<T> {
  const { port1, port2 } = new MessageChannel();
  const got = new Promise<T>((resolve) => (port2 as MessagePort).once('message', resolve));
  port1.postMessage(value, [buffer]);
  const out = await got;
  port1.close();
  port2.close();
  return out;
}

const text = (d: Uint8Array | string): string => (typeof d === 'string' ? d : Buffer.from(d).toString('utf8'));

describe('wire: packed record batches', () => {
  const records: SourceRecord[] = [
    { data: Buffer.from('{"ticker":"BTC","price":1}'), arrivalMs: 1000, partitionKey: 'p1', sequenceNumber: '49590', shardId: 'shardId-000000000000' },
    { data: Buffer.from(''), arrivalMs: 1001, partitionKey: 'p2', sequenceNumber: '49591', shardId: 'shardId-000000000000' },
    { data: '{"ticker":"ETH","price":2.5}', partitionKey: 'p3', sequenceNumber: '49592', shardId: 'shardId-000000000000' },
  ];

  it('gives an ASCII batch to a text format as the same strings, with arrival times, and no metadata it was not asked for', async () => {
    const packed = packRecords(records, { keys: false, seqs: false });
    assert.equal(packed.keys, undefined);
    assert.equal(packed.seqs, undefined);
    const got = unpackRecords(await across<PackedRecords>(packed, packed.buf), 'shardId-000000000000', true);
    assert.equal(packed.buf.byteLength, 0, 'the buffer was transferred, not copied');
    assert.deepEqual(got, [
      { data: '{"ticker":"BTC","price":1}', arrivalMs: 1000, shardId: 'shardId-000000000000' },
      { data: '', arrivalMs: 1001, shardId: 'shardId-000000000000' },
      { data: '{"ticker":"ETH","price":2.5}', shardId: 'shardId-000000000000' },
    ]);
  });

  it('gives a batch with UTF-8 text as bytes, and carries partition keys and sequence numbers when the table reads them', async () => {
    const batch: SourceRecord[] = [
      ...records,
      { data: Buffer.from('{"ticker":"€uro ✓","price":3}'), arrivalMs: 1002, partitionKey: 'clé', sequenceNumber: '49593' },
    ];
    const packed = packRecords(batch, { keys: true, seqs: true });
    const got = unpackRecords(await across<PackedRecords>(packed, packed.buf), 'shardId-000000000001', true);
    assert.deepEqual(
      got.map((r) => [typeof r.data, text(r.data), r.arrivalMs, r.partitionKey, r.sequenceNumber, r.shardId]),
      [
        ['object', '{"ticker":"BTC","price":1}', 1000, 'p1', '49590', 'shardId-000000000001'],
        ['object', '', 1001, 'p2', '49591', 'shardId-000000000001'],
        ['object', '{"ticker":"ETH","price":2.5}', undefined, 'p3', '49592', 'shardId-000000000001'],
        ['object', '{"ticker":"€uro ✓","price":3}', 1002, 'clé', '49593', 'shardId-000000000001'],
      ],
    );
  });

  it('gives a binary format each record as its bytes', async () => {
    const bytes = Uint8Array.from([0, 255, 128, 7]);
    const packed = packRecords([{ data: bytes, arrivalMs: 5 }], { keys: false, seqs: false });
    const [got] = unpackRecords(await across<PackedRecords>(packed, packed.buf), 's', false);
    assert.ok(got!.data instanceof Uint8Array);
    assert.deepEqual([...(got!.data as Uint8Array)], [0, 255, 128, 7]);
  });
});

describe('wire: packed rows between subtasks', () => {
  it('round-trips every kind of value, in order, with each row’s key group', async () => {
    const long = 'x'.repeat(500);
    const rows: Row[] = [
      [1767607200000, 'BTC', 42.5, 3, null, 0],
      [undefined, 'ETH', -0, Number.NaN, Number.POSITIVE_INFINITY, true, false, long],
      [7, ['a', 1], { k: 'v' }, Uint8Array.from([1, 2]), 'BTC', ''],
      [],
    ];
    const enc = new RowEncoder();
    const dec = new RowDecoder();
    rows.forEach((r, i) => enc.add(r, i * 10));
    assert.equal(enc.size, 4);
    const packed = enc.take();
    assert.equal(enc.size, 0);
    assert.deepEqual(packed.fresh, ['BTC', 'ETH', '']);
    const { rows: got, groups } = dec.read(await across<PackedRows>(packed, packed.buf));
    assert.deepEqual(got, rows);
    assert.ok(Object.is(got[1]![2], -0));
    assert.deepEqual([...groups], [0, 10, 20, 30]);
  });

  it('sends a string once per receiver: later batches name it by its number', async () => {
    const enc = new RowEncoder();
    const dec = new RowDecoder();
    enc.add([1, 'BTC'], 3);
    const first = enc.take();
    assert.deepEqual(dec.read(await across<PackedRows>(first, first.buf)).rows, [[1, 'BTC']]);
    enc.add([2, 'BTC'], 3);
    enc.add([3, 'SOL'], 4);
    const second = enc.take();
    assert.deepEqual(second.fresh, ['SOL']);
    assert.deepEqual(dec.read(await across<PackedRows>(second, second.buf)).rows, [
      [2, 'BTC'],
      [3, 'SOL'],
    ]);
  });

  it('stops interning at 65,536 strings and sends the rest as they are', async () => {
    const enc = new RowEncoder();
    const dec = new RowDecoder();
    const rows: Row[] = [];
    for (let i = 0; i < 65_540; i++) rows.push([i, `k${i}`]);
    for (const r of rows) enc.add(r, 1);
    const packed = enc.take();
    assert.equal(packed.fresh.length, 65_536);
    assert.deepEqual(packed.strs, ['k65536', 'k65537', 'k65538', 'k65539']);
    assert.deepEqual(dec.read(await across<PackedRows>(packed, packed.buf)).rows, rows);
  });
});
