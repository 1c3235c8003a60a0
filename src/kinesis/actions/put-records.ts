/**
 * PutRecords (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html)
 * Reads { StreamName | StreamARN, Records: [{ Data (base64), PartitionKey, ExplicitHashKey? }] (1–500) };
 * writes { FailedRecordCount: 0, Records: [{ SequenceNumber, ShardId }] } once every record is durable.
 * Limits: 5 MiB per request (data + partition keys), 1 MiB per record's data.
 * With enforced limits (engine.enforceLimits), records over their shard's allowance fail individually with
 * ErrorCode ProvisionedThroughputExceededException and AWS's ErrorMessage; the others are written.
 */
import { AwsError, dataBuffers } from '../../core/index.ts';
import { PreEncodedJson, base64Problem, compileValidator, isStrictBase64, isStrictBase64Length } from '../../aws/index.ts';
import type { ActionHandler, RawJsonHandler } from '../../aws/index.ts';
import type { KinesisEngine, StreamState } from '../engine.ts';
import { partitionKeyHash } from '../hash.ts';
import { md5Into } from '../md5.ts';
import { readPutRecordsBody } from '../put-records-body.ts';
import { DATA, HASH_KEY, PARTITION_KEY, STREAM_ARN, STREAM_NAME, streamNameOf } from '../shapes.ts';

export const MAX_PUT_RECORDS = 500;
export const MAX_PUT_RECORDS_BYTES = 5 * 1024 * 1024;
export const MAX_RECORD_BYTES = 1024 * 1024;

interface Entry {
  Data: string;
  PartitionKey: string;
  ExplicitHashKey?: string;
}
interface Input {
  Records: Entry[];
  StreamName?: string;
  StreamARN?: string;
}

const validate = compileValidator<Input>({
  type: 'structure',
  members: {
    Records: {
      type: 'list',
      notNull: true,
      minLength: 1,
      maxLength: MAX_PUT_RECORDS,
      memberStr: 'com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry@c965e310',
      member: { type: 'structure', members: { PartitionKey: PARTITION_KEY, ExplicitHashKey: HASH_KEY, Data: DATA } },
    },
    StreamName: STREAM_NAME,
    StreamARN: STREAM_ARN,
  },
});

const STREAM_NAME_RE = /^[a-zA-Z0-9_.-]{1,128}$/;

/** hot path: true when the request certainly passes `validate` (so it can be skipped). */
function plainlyValid(raw: Record<string, unknown>): boolean {
  const name = raw.StreamName;
  if (raw.StreamARN !== undefined) return false;
  if (typeof name !== 'string' || !STREAM_NAME_RE.test(name)) return false;
  const recs = raw.Records;
  if (!Array.isArray(recs) || recs.length < 1 || recs.length > MAX_PUT_RECORDS) return false;
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i] as Entry | null;
    if (typeof r !== 'object' || r === null) return false;
    const k = r.PartitionKey;
    const d = r.Data;
    if (typeof k !== 'string' || k.length < 1 || k.length > 256) return false;
    if (typeof d !== 'string' || (d.length & 3) !== 0 || d.length > 1398104) return false;
    if (r.ExplicitHashKey !== undefined) return false;
  }
  return true;
}

/** PutRecords under throughput limits: each record is admitted or refused by its shard's limiter, in order. */
async function putLimited(engine: KinesisEngine, s: StreamState, keys: string[], datas: Buffer[], shardOf: Uint32Array): Promise<PreEncodedJson> {
  const n = keys.length;
  const now = engine.clock.now();
  const admitted: number[] = [];
  for (let i = 0; i < n; i++) {
    if (engine.limiterFor(s.shards[shardOf[i]!]!).admitWrite(now, datas[i]!.length + Buffer.byteLength(keys[i]!))) admitted.push(i);
  }
  const okShards = new Uint32Array(admitted.length);
  for (let j = 0; j < admitted.length; j++) okShards[j] = shardOf[admitted[j]!]!;
  const seqs = admitted.length
    ? await engine.appendRouted(
        s,
        admitted.map((i) => keys[i]!),
        admitted.map((i) => datas[i]!),
        okShards,
      )
    : [];
  const parts = new Array<string>(n);
  const failed = n - admitted.length;
  for (let i = 0, j = 0; i < n; i++) {
    const shard = s.shards[shardOf[i]!]!;
    if (admitted[j] === i) parts[i] = `{"SequenceNumber":"${seqs[j++]}","ShardId":"${shard.shardId}"}`;
    else parts[i] = JSON.stringify({ ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: engine.rateExceededMessage(s, shard) });
  }
  return new PreEncodedJson(`{"FailedRecordCount":${failed},"Records":[${parts.join(',')}]}`);
}

export function putRecords(engine: KinesisEngine): ActionHandler {
  return async (raw) => {
    // hot path: one pass of cheap checks; the full validator only runs to word an error (or for rare members).
    const input = (plainlyValid(raw) ? raw : validate(raw)) as unknown as Input;
    const recs = input.Records;
    const n = recs.length;
    const keys = new Array<string>(n);
    const datas = new Array<Buffer>(n);
    const hashes = new Array<Buffer | undefined>(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const r = recs[i]!;
      const d = r.Data;
      const data = Buffer.from(d, 'base64');
      if (!isStrictBase64(d, data)) {
        throw new AwsError('SerializationException', base64Problem(d) ?? `'${d}' can not be converted to a Blob`, { messageField: 'Message' });
      }
      const k = r.PartitionKey;
      if (data.length + k.length > MAX_RECORD_BYTES) {
        throw new AwsError(
          'InvalidArgumentException',
          `Record size (data plus partition key) of ${data.length + k.length} bytes exceeds the 1 MiB limit at records.${i + 1}.`,
        );
      }
      total += data.length + k.length;
      keys[i] = k;
      datas[i] = data;
      if (r.ExplicitHashKey != null) hashes[i] = engine.explicitHashKey(r.ExplicitHashKey);
    }
    if (total > MAX_PUT_RECORDS_BYTES) throw new AwsError('InvalidArgumentException', 'Records size exceeds 5 MB limit');
    const s = engine.activeStream(streamNameOf(input));
    const shardOf = new Uint32Array(n);
    for (let i = 0; i < n; i++) shardOf[i] = engine.route(s, hashes[i] ?? partitionKeyHash(keys[i]!));
    if (engine.enforceLimits) return putLimited(engine, s, keys, datas, shardOf);
    return respond(s, await engine.appendRouted(s, keys, datas, shardOf), shardOf);
  };
}

function respond(s: StreamState, seqs: readonly string[], shardOf: Uint32Array): PreEncodedJson {
  let body = '{"FailedRecordCount":0,"Records":[';
  for (let i = 0; i < seqs.length; i++) {
    body += `${i ? ',' : ''}{"SequenceNumber":"${seqs[i]}","ShardId":"${s.shards[shardOf[i]!]!.shardId}"}`;
  }
  return new PreEncodedJson(`${body}]}`);
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
  return (body) => {
    if (engine.enforceLimits) return undefined;
    const req = readPutRecordsBody(body);
    if (req === undefined || !STREAM_NAME_RE.test(req.streamName)) return undefined;
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
    let s: StreamState;
    try {
      s = engine.activeStream(req.streamName);
    } catch (e) {
      dataBuffers.release(decoded);
      throw e;
    }
    const shardOf = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      md5Into(b, keyStart[i]!, keyEnd[i]!, hashKey);
      shardOf[i] = engine.route(s, hashKey);
    }
    // The log copies the records' bytes when they are appended; the pooled buffer is free again once that is done.
    return engine.appendRouted(s, keys, datas, shardOf).then(
      (seqs) => {
        dataBuffers.release(decoded);
        return respond(s, seqs, shardOf);
      },
      (e: unknown) => {
        dataBuffers.release(decoded);
        throw e;
      },
    );
  };
}
