/**
 * GetRecords (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html)
 * Reads { ShardIterator, Limit? (1–10000, default 10000) };
 * writes { Records: [{ SequenceNumber, ApproximateArrivalTimestamp, Data, PartitionKey }], NextShardIterator, MillisBehindLatest }.
 * When a read reaches the end of a closed shard (split or merged), NextShardIterator is left out (null) and
 * ChildShards lists the children with their ParentShards and HashKeyRange.
 * At most 10 MiB of data per call. Records older than the retention period are skipped
 * (trimming removes whole segments, so some may linger on disk for a while).
 */
import { AwsError, dataBuffers } from '../../core/index.ts';
import { PreEncodedJson, defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';
import { MAX_GET_RECORDS_BYTES } from '../engine.ts';
import type { ChildShard } from '../engine.ts';
import type { RecordSpans } from '../../storage/index.ts';
import { kinesisMetricsOf } from '../../metrics/index.ts';

/** Bytes of one record's JSON besides its data and key: member names, quotes, a 56-digit sequence number, a timestamp. */
const RECORD_OVERHEAD = 160;

/** `"ChildShards":[...]` for a shard read to its end (ASCII: ids and decimal hash keys). */
function childShardsJson(children: ChildShard[]): string {
  return `"ChildShards":${JSON.stringify(children.map(childShardToWire))}`;
}

export function childShardToWire(c: ChildShard): Record<string, unknown> {
  return { ShardId: c.shardId, ParentShards: c.parentShards, HashKeyRange: { StartingHashKey: c.startingHashKey, EndingHashKey: c.endingHashKey } };
}

export const getRecords = defineAction(kinesisModel, 'GetRecords', async (input, ctx: KinesisContext) => {
  const engine = ctx.deps;
  const t0 = performance.now();
  const cursor = engine.openIterator(input.ShardIterator);
  if (engine.enforceLimits && !cursor.admitRead()) {
    kinesisMetricsOf(engine)
      ?.stream(cursor.streamName, cursor.shardLevelMetrics)
      .getRecordsThrottled(cursor.shardId, performance.now() - t0);
    throw new AwsError('ProvisionedThroughputExceededException', cursor.rateExceededMessage());
  }
  const spans = await cursor.readSpans(cursor.offset, { maxRecords: input.Limit ?? 10_000, maxBytes: MAX_GET_RECORDS_BYTES });
  const n = spans.count;
  if (engine.enforceLimits) {
    let bytes = 0;
    for (let i = 0; i < n; i++) bytes += spans.dataEnd[i]! - spans.keyStart[i]!;
    cursor.chargeRead(bytes);
  }
  const tail = cursor.endsAt(spans.nextOffset) ? childShardsJson(cursor.childShards()) : `"NextShardIterator":"${cursor.iteratorAt(spans.nextOffset)}"`;
  const lastTs = n > 0 ? spans.timestamps[n - 1]! : undefined;
  const behind = cursor.millisBehindLatest(spans.nextOffset, lastTs);
  const end = `],${tail},"MillisBehindLatest":${behind}}`;
  const out = dataBuffers.acquire(encodedSize(spans, end));
  kinesisMetricsOf(engine)
    ?.stream(cursor.streamName, cursor.shardLevelMetrics)
    .getRecords(cursor.shardId, spans, lastTs, engine.clock.now(), performance.now() - t0);
  const { shardPart, salt } = cursor.sequenceFields();
  const length = encodeRecordsInto(out, spans, cursor.retentionCutoffMs(), shardPart, salt, end);
  spans.release();
  return new PreEncodedJson(out.subarray(0, length), () => dataBuffers.release(out));
});

/**
 * Buffer's native string writers. `buf.write(str, off, enc)` spends a measurable share of
 * GetRecords normalising arguments before calling these.
 */
interface RawBuffer extends Buffer {
  latin1Write(s: string, offset: number): number;
  utf8Write(s: string, offset: number): number;
  base64Slice(start: number, end: number): string;
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const OPEN = ascii('{"SequenceNumber":"');
const AFTER_SEQUENCE = ascii('","ApproximateArrivalTimestamp":');
const BEFORE_DATA = ascii(',"Data":"');
const BEFORE_KEY = ascii('","PartitionKey":"');
const CLOSE = ascii('"}');
const EMPTY = new Uint8Array(0);

// hot path: small constant copies as a loop (a native call costs more than the copy)
function put(out: Uint8Array, off: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) out[off + i] = bytes[i]!;
  return off + bytes.length;
}

/** Writes `value` as exactly `width` decimal digits ending before `end` (value < 10^width, a safe integer). */
function digits(out: Uint8Array, end: number, value: number, width: number): void {
  let v = value;
  for (let i = end - 1; i >= end - width; i--) {
    const q = Math.floor(v / 10);
    out[i] = 48 + (v - q * 10);
    v = q;
  }
}

/** JSON-safe without escaping: printable ASCII other than `"` and `\`. */
function plainAscii(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/**
 * hot path: the GetRecords response body, written straight into one Buffer sized up front
 * (a 10,000-record page allocates a few objects, not several per record). Sequence numbers
 * are written as digits in place: consecutive records of one shard share the leading
 * time+shard digits when they share a timestamp, and their offsets count up by one.
 * Records older than `cutoffMs` (retention) are left out.
 */
export function encodeRecords(spans: RecordSpans, cutoffMs: number, shardPart: string, salt: string, tail: string): Buffer {
  const out = Buffer.allocUnsafe(encodedSize(spans, tail));
  return out.subarray(0, encodeRecordsInto(out, spans, cutoffMs, shardPart, salt, tail));
}

/** An upper bound of the encoded page's size. */
export function encodedSize(spans: RecordSpans, tail: string): number {
  const { keyStart, dataStart, dataEnd } = spans;
  let size = 16 + tail.length;
  for (let i = 0; i < spans.count; i++) {
    size += RECORD_OVERHEAD + 4 * Math.ceil((dataEnd[i]! - dataStart[i]!) / 3) + 6 * (dataStart[i]! - keyStart[i]!);
  }
  return size;
}

/** Writes the page into `target` (at least `encodedSize` bytes) and returns its length. */
// hot path
export function encodeRecordsInto(target: Buffer, spans: RecordSpans, cutoffMs: number, shardPart: string, salt: string, tail: string): number {
  const n = spans.count;
  const { bufs, buf, keyStart, dataStart, dataEnd, offsets, timestamps } = spans;
  const out = target as RawBuffer;
  const saltBytes = ascii(salt);
  const shardBytes = ascii(shardPart);
  let off = out.latin1Write('{"Records":[', 0);
  let first = true;
  let prevTs = NaN;
  let prevOffset = NaN;
  let prevSeq = 0;
  let tsText: Uint8Array = EMPTY;
  for (let i = 0; i < n; i++) {
    const ts = timestamps[i]!;
    if (ts < cutoffMs) continue;
    if (!first) out[off++] = 0x2c; // ,
    first = false;
    off = put(out, off, OPEN);
    const seq = off;
    // [0,22): '4', 15 digits of time, 6 of shard index
    if (ts === prevTs) for (let k = 0; k < 22; k++) out[seq + k] = out[prevSeq + k]!;
    else {
      out[seq] = 0x34;
      digits(out, seq + 16, ts, 15);
      put(out, seq + 16, shardBytes);
      tsText = ascii(String(ts / 1000));
      prevTs = ts;
    }
    // [22,42): the offset, 20 digits — one more than the previous record's when consecutive
    const o = offsets[i]!;
    if (o === prevOffset + 1) {
      for (let k = 0; k < 20; k++) out[seq + 22 + k] = out[prevSeq + 22 + k]!;
      let k = seq + 41;
      while (out[k] === 0x39) out[k--] = 0x30;
      out[k]!++;
    } else digits(out, seq + 42, o, 20);
    put(out, seq + 42, saltBytes);
    prevOffset = o;
    prevSeq = seq;
    off = put(out, seq + 56, AFTER_SEQUENCE);
    off = put(out, off, tsText);
    off = put(out, off, BEFORE_DATA);
    const b = bufs[buf[i]!]! as RawBuffer;
    const ks = keyStart[i]!;
    const ds = dataStart[i]!;
    const de = dataEnd[i]!;
    if (de > ds) off += out.latin1Write(b.base64Slice(ds, de), off);
    if (plainAscii(b, ks, ds)) {
      off = put(out, off, BEFORE_KEY);
      for (let k = ks; k < ds; k++) out[off++] = b[k]!;
      off = put(out, off, CLOSE);
    } else {
      off = put(out, off, BEFORE_KEY) - 1; // JSON.stringify brings its own quotes
      off += out.utf8Write(JSON.stringify(b.toString('utf8', ks, ds)), off);
      out[off++] = 0x7d; // }
    }
  }
  off += out.latin1Write(tail, off);
  return off;
}
