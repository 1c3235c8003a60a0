/**
 * PutRecords (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html)
 * Reads { StreamName | StreamARN, Records: [{ Data (base64), PartitionKey, ExplicitHashKey? }] (1–500) };
 * writes { FailedRecordCount: 0, Records: [{ SequenceNumber, ShardId }] } once every record is durable.
 * Limits: 5 MiB per request (data + partition keys), 1 MiB per record's data.
 * With enforced limits (engine.enforceLimits), records over their shard's allowance fail individually with
 * ErrorCode ProvisionedThroughputExceededException and AWS's ErrorMessage; the others are written.
 */
import { dataBuffers } from '../../core/index.ts';
import { PreEncodedJson, defineAction, isStrictBase64Length } from '../../aws/index.ts';
import type { RawJsonHandler } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import { kinesisErrors } from '../errors.ts';
import type { KinesisContext } from './context.ts';
import type { Appended, KinesisEngine, StreamWriter } from '../engine.ts';
import { SEQUENCE_LENGTH } from '../sequence.ts';
import { partitionKeyHash } from '../hash.ts';
import { md5Into } from '../md5.ts';
import { readPutRecordsBody } from '../put-records-body.ts';
import { streamNameOf } from '../shapes.ts';
import { kinesisMetricsOf } from '../../metrics/index.ts';

export const MAX_PUT_RECORDS = 500;
export const MAX_PUT_RECORDS_BYTES = 5 * 1024 * 1024;
export const MAX_RECORD_BYTES = 1024 * 1024;

const STREAM_NAME_RE = /^[a-zA-Z0-9_.-]{1,128}$/;

/** PutRecords under throughput limits: each record is admitted or refused by its shard's limiter, in order. */
async function putLimited(
  engine: KinesisEngine,
  w: StreamWriter,
  keys: string[],
  datas: Uint8Array[],
  shardOf: Uint32Array,
  t0: number,
): Promise<PreEncodedJson> {
  const n = keys.length;
  const admitted: number[] = [];
  for (let i = 0; i < n; i++) {
    if (w.admitWrite(shardOf[i]!, datas[i]!.length + Buffer.byteLength(keys[i]!))) admitted.push(i);
  }
  const okShards = new Uint32Array(admitted.length);
  for (let j = 0; j < admitted.length; j++) okShards[j] = shardOf[admitted[j]!]!;
  const okDatas = admitted.map((i) => datas[i]!);
  const done = admitted.length
    ? await w.append(
        admitted.map((i) => keys[i]!),
        okDatas,
        okShards,
      )
    : undefined;
  const parts = new Array<string>(n);
  const failed = n - admitted.length;
  const metrics = kinesisMetricsOf(engine);
  if (metrics) {
    const refused = new Uint32Array(failed);
    for (let i = 0, j = 0, r = 0; i < n; i++) {
      if (admitted[j] === i) j++;
      else refused[r++] = shardOf[i]!;
    }
    metrics.stream(w.streamName, w.shardLevelMetrics).putRecords(n, okShards, okDatas, refused, performance.now() - t0, w.shards);
  }
  for (let i = 0, j = 0; i < n; i++) {
    const shard = shardOf[i]!;
    if (admitted[j] === i) parts[i] = `{"SequenceNumber":"${done!.sequenceNumber(j++)}","ShardId":"${w.shardId(shard)}"}`;
    else parts[i] = JSON.stringify({ ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: w.rateExceededMessage(shard) });
  }
  return new PreEncodedJson(`{"FailedRecordCount":${failed},"Records":[${parts.join(',')}]}`);
}

export const putRecords = defineAction(kinesisModel, 'PutRecords', async (input, ctx: KinesisContext) => {
  const engine = ctx.deps;
  const t0 = performance.now();
  // The model's checks (strict base64 included) ran before this; plain SDK requests take putRecordsRaw below.
  const recs = input.Records;
  const n = recs.length;
  const keys = new Array<string>(n);
  const datas = new Array<Uint8Array>(n);
  const hashes = new Array<Buffer | undefined>(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const r = recs[i]!;
    const data = r.Data;
    const k = r.PartitionKey;
    if (data.length + k.length > MAX_RECORD_BYTES) {
      throw kinesisErrors.format('InvalidArgumentException', 'recordsEntryTooLarge', { bytes: data.length + k.length, index: i + 1 });
    }
    total += data.length + k.length;
    keys[i] = k;
    datas[i] = data;
    if (r.ExplicitHashKey != null) hashes[i] = engine.explicitHashKey(r.ExplicitHashKey);
  }
  if (total > MAX_PUT_RECORDS_BYTES) throw kinesisErrors.format('InvalidArgumentException', 'recordsTooLarge', {});
  const w = engine.writer(streamNameOf(input));
  const shardOf = new Uint32Array(n);
  for (let i = 0; i < n; i++) shardOf[i] = w.route(hashes[i] ?? partitionKeyHash(keys[i]!));
  if (engine.enforceLimits) return putLimited(engine, w, keys, datas, shardOf, t0);
  const done = await w.append(keys, datas, shardOf);
  kinesisMetricsOf(engine)
    ?.stream(w.streamName, w.shardLevelMetrics)
    .putRecords(n, shardOf, datas, null, performance.now() - t0, w.shards);
  return respond(done);
});

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const RESPONSE_HEAD = ascii('{"FailedRecordCount":0,"Records":[');
const BEFORE_SEQUENCE = ascii('{"SequenceNumber":"');
const BEFORE_SHARD_ID = ascii('","ShardId":"');

// hot path: small constant copies as a loop (a native call costs more than the copy)
function put(out: Uint8Array, off: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) out[off + i] = bytes[i]!;
  return off + bytes.length;
}

/**
 * hot path: the success response, written straight into a pooled buffer: no string per record (each sequence
 * number is written as digits in place, see SequenceWriter).
 */
function respond(done: Appended): PreEncodedJson {
  const n = done.count;
  // Per record: the fixed text, 56 digits, a shard id (at most 8 + 12 digits of index), '"}' and a comma.
  const out = dataBuffers.acquire(RESPONSE_HEAD.length + n * (BEFORE_SEQUENCE.length + SEQUENCE_LENGTH + BEFORE_SHARD_ID.length + 24) + 2);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let off = put(out, 0, RESPONSE_HEAD);
  for (let i = 0; i < n; i++) {
    if (i) out[off++] = 0x2c; // ,
    off = put(out, off, BEFORE_SEQUENCE);
    done.writeSequenceNumber(view, off, i);
    off = put(out, off + SEQUENCE_LENGTH, BEFORE_SHARD_ID);
    off = put(out, off, done.shardIdAscii(i));
    out[off++] = 0x22; // "
    out[off++] = 0x7d; // }
  }
  out[off++] = 0x5d; // ]
  out[off++] = 0x7d; // }
  return new PreEncodedJson(out.subarray(0, off), () => dataBuffers.release(out));
}

interface RawBuffer extends Buffer {
  latin1Slice(start: number, end: number): string;
  base64Write(s: string, offset: number, length: number): number;
}

const hashKey = new Uint8Array(16);
const decodedLengths = new Uint32Array(MAX_PUT_RECORDS);

/**
 * hot path: PutRecords straight from the request bytes (src/kinesis/put-records-body.ts): each
 * record's data is base64-decoded from the body into one pooled buffer, its key hashed in place
 * (src/kinesis/md5.ts). Declines (undefined) whatever the plain path below would answer with an
 * error, or with a check it alone makes (StreamARN, ExplicitHashKey, non-ASCII keys, enforced
 * limits), so every answer but a plain success comes from `putRecords`.
 */
export function putRecordsRaw(engine: KinesisEngine): RawJsonHandler {
  return (body, ctx) => {
    if (engine.enforceLimits) return undefined;
    const t0 = performance.now();
    const req = readPutRecordsBody(body);
    if (req === undefined || !STREAM_NAME_RE.test(req.streamName)) return undefined;
    // --auth enforce: the caller's policies decide before anything is written (throws AccessDeniedException).
    ctx.authorize?.({ StreamName: req.streamName });
    const { count: n, dataStart, dataEnd, keyStart, keyEnd } = req;
    const b = body as RawBuffer;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const ks = keyStart[i]!;
      const ke = keyEnd[i]!;
      if (ke - ks < 1 || ke - ks > 256) return undefined;
      for (let k = ks; k < ke; k++) {
        const c = b[k]!;
        if (c < 0x20 || c > 0x7e) return undefined;
      }
      const ds = dataStart[i]!;
      const de = dataEnd[i]!;
      if (((de - ds) & 3) !== 0) return undefined;
      const pad = de === ds ? 0 : (b[de - 1] === 0x3d ? 1 : 0) + (b[de - 2] === 0x3d ? 1 : 0);
      const len = ((de - ds) >>> 2) * 3 - pad;
      if (len + (ke - ks) > MAX_RECORD_BYTES) return undefined;
      decodedLengths[i] = len;
      total += len + (ke - ks);
    }
    if (total > MAX_PUT_RECORDS_BYTES) return undefined;
    const decoded = dataBuffers.acquire(total) as RawBuffer;
    const keys = new Array<string>(n);
    const datas = new Array<Uint8Array>(n);
    let off = 0;
    for (let i = 0; i < n; i++) {
      const len = decodedLengths[i]!;
      const ds = dataStart[i]!;
      const de = dataEnd[i]!;
      if (de > ds) {
        const text = b.latin1Slice(ds, de);
        if (!isStrictBase64Length(text, decoded.base64Write(text, off, len))) {
          dataBuffers.release(decoded);
          return undefined;
        }
      }
      datas[i] = decoded.subarray(off, off + len);
      off += len;
      keys[i] = b.latin1Slice(keyStart[i]!, keyEnd[i]!);
    }
    let w: StreamWriter;
    try {
      w = engine.writer(req.streamName);
    } catch (e) {
      dataBuffers.release(decoded);
      throw e;
    }
    const shardOf = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      md5Into(b, keyStart[i]!, keyEnd[i]!, hashKey);
      shardOf[i] = w.route(hashKey);
    }
    // The log copies the records' bytes when they are appended; the pooled buffer is free again once that is done.
    return w.append(keys, datas, shardOf).then(
      (done) => {
        kinesisMetricsOf(engine)
          ?.stream(w.streamName, w.shardLevelMetrics)
          .putRecords(n, shardOf, datas, null, performance.now() - t0, w.shards);
        dataBuffers.release(decoded);
        return respond(done);
      },
      (e: unknown) => {
        dataBuffers.release(decoded);
        throw e;
      },
    );
  };
}
