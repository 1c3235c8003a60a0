/**
 * KPL-aggregated records (the KPL aggregation format: magic bytes, protobuf,
 * MD5 digest), read with aws-kinesis-agg. Every Freshet consumer — `freshet
 * tail`, Firehose's Kinesis source, SQL application inputs — de-aggregates
 * through these two functions, so each user record comes out with its own
 * partition key and sub-sequence number.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface AggUserRecord {
  partitionKey: string;
  sequenceNumber: string;
  subSequenceNumber: number;
  data: string;
}
interface AggLibrary {
  deaggregateSync(rec: unknown, checksums: boolean, cb: (err: Error | null, recs?: AggUserRecord[]) => void): void;
}
/** aws-kinesis-agg (and the protobufjs it loads), required by the first aggregated record: most servers see none. */
let agg: AggLibrary | undefined;

export interface KplUserRecord {
  partitionKey: string;
  /** The aggregate's sequence number. */
  sequenceNumber: string;
  /** Position of the user record within its aggregate. */
  subSequenceNumber: number;
  data: Uint8Array;
}

// hot path: one call per source record; four byte compares for a plain record.
/** True when the record starts with the KPL magic bytes (and is long enough to hold the digest). */
export function isAggregated(data: Uint8Array): boolean {
  return data.length > 20 && data[0] === 0xf3 && data[1] === 0x89 && data[2] === 0x9a && data[3] === 0xc2;
}

/**
 * The user records of an aggregated record, in order; undefined when it does not
 * de-aggregate (bad digest or protobuf), in which case callers use the record as given.
 */
export function deaggregate(data: Uint8Array, partitionKey: string, sequenceNumber: string): KplUserRecord[] | undefined {
  let users: AggUserRecord[] | undefined;
  agg ??= require('aws-kinesis-agg') as AggLibrary;
  agg.deaggregateSync(
    { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'), partitionKey, sequenceNumber },
    true,
    (err, recs) => {
      if (!err) users = recs;
    },
  );
  if (users === undefined) return undefined;
  const out = new Array<KplUserRecord>(users.length);
  for (let i = 0; i < users.length; i++) {
    const u = users[i]!;
    out[i] = {
      partitionKey: u.partitionKey,
      sequenceNumber: String(u.sequenceNumber),
      subSequenceNumber: u.subSequenceNumber,
      data: Buffer.from(u.data, 'base64'),
    };
  }
  return out;
}
