/**
 * PutRecords (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html)
 * Reads { StreamName | StreamARN, Records: [{ Data (base64), PartitionKey, ExplicitHashKey? }] (1–500) };
 * writes { FailedRecordCount: 0, Records: [{ SequenceNumber, ShardId }] } once every record is durable.
 * Limits: 5 MiB per request (data + partition keys), 1 MiB per record's data.
 * With enforced limits (engine.enforceLimits), records over their shard's allowance fail individually with
 * ErrorCode ProvisionedThroughputExceededException and AWS's ErrorMessage; the others are written.
 */
import { AwsError } from '../../core/errors.ts';
import { PreEncodedJson, base64Problem, compileValidator, isStrictBase64 } from '../../server/index.ts';
import type { ActionHandler } from '../../server/index.ts';
import type { KinesisEngine, StreamState } from '../engine.ts';
import { partitionKeyHash } from '../hash.ts';
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
  const seqs = admitted.length ? await engine.appendRouted(s, admitted.map((i) => keys[i]!), admitted.map((i) => datas[i]!), okShards) : [];
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
        throw new AwsError('InvalidArgumentException', `Record size (data plus partition key) of ${data.length + k.length} bytes exceeds the 1 MiB limit at records.${i + 1}.`);
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
    const seqs = await engine.appendRouted(s, keys, datas, shardOf);
    let body = '{"FailedRecordCount":0,"Records":[';
    for (let i = 0; i < n; i++) {
      body += `${i ? ',' : ''}{"SequenceNumber":"${seqs[i]}","ShardId":"${s.shards[shardOf[i]!]!.shardId}"}`;
    }
    return new PreEncodedJson(body + ']}');
  };
}
