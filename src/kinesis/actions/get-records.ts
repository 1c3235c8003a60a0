/**
 * GetRecords (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html)
 * Reads { ShardIterator, Limit? (1–10000, default 10000) };
 * writes { Records: [{ SequenceNumber, ApproximateArrivalTimestamp, Data, PartitionKey }], NextShardIterator, MillisBehindLatest }.
 * When a read reaches the end of a closed shard (split or merged), NextShardIterator is left out (null) and
 * ChildShards lists the children with their ParentShards and HashKeyRange.
 * At most 10 MiB of data per call. Records older than the retention period are skipped
 * (trimming removes whole segments, so some may linger on disk for a while).
 */
import { dataBuffers } from '../../core/index.ts';
import { PreEncodedJson, defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import { kinesisErrors } from '../errors.ts';
import type { KinesisContext } from './context.ts';
import { MAX_GET_RECORDS_BYTES } from '../engine.ts';
import type { ChildShard, ShardSequences } from '../engine.ts';
import { SEQUENCE_LENGTH, SequenceWriter } from '../sequence.ts';
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
    throw kinesisErrors.create('ProvisionedThroughputExceededException', cursor.rateExceededMessage());
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
  const length = encodeRecordsInto(out, spans, cursor.retentionCutoffMs(), cursor.sequences(), end);
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
 * are written as digits in place by a SequenceWriter: the next offset in the same second is
 * the previous number plus 2^80, two additions (see src/kinesis/sequence.ts).
 * Records older than `cutoffMs` (retention) are left out.
 */
export function encodeRecords(spans: RecordSpans, cutoffMs: number, sequences: ShardSequences, tail: string): Buffer {
  const out = Buffer.allocUnsafe(encodedSize(spans, tail));
  return out.subarray(0, encodeRecordsInto(out, spans, cutoffMs, sequences, tail));
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
export function encodeRecordsInto(target: Buffer, spans: RecordSpans, cutoffMs: number, sequences: ShardSequences, tail: string): number {
  const n = spans.count;
  const { bufs, buf, keyStart, dataStart, dataEnd, offsets, timestamps } = spans;
  const out = target as RawBuffer;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const seqs = new SequenceWriter(sequences);
  let off = out.latin1Write('{"Records":[', 0);
  let first = true;
  let prevTs = NaN;
  let tsText: Uint8Array = EMPTY;
  for (let i = 0; i < n; i++) {
    const ts = timestamps[i]!;
    if (ts < cutoffMs) continue;
    if (!first) out[off++] = 0x2c; // ,
    first = false;
    off = put(out, off, OPEN);
    seqs.write(view, off, offsets[i]!, ts);
    if (ts !== prevTs) {
      tsText = ascii(String(ts / 1000));
      prevTs = ts;
    }
    off = put(out, off + SEQUENCE_LENGTH, AFTER_SEQUENCE);
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
