/**
 * KPL-aggregated records (the KPL aggregation format, as aws-kinesis-agg reads
 * it): an application input gets one row per user record, each with its own
 * partition key and the arrival time of the Kinesis record that carried it.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface AggUserRecord { partitionKey: string; data: string }
const agg = require('aws-kinesis-agg') as {
  deaggregateSync(rec: unknown, checksums: boolean, cb: (err: Error | null, recs?: AggUserRecord[]) => void): void;
};

export interface UserRecord {
  partitionKey: string;
  data: Uint8Array;
}

// hot path: one call per source record; four byte compares for a plain record.
/** True when the record starts with the KPL magic bytes (and is long enough to hold the digest). */
export function isAggregated(data: Uint8Array): boolean {
  return data.length > 20 && data[0] === 0xf3 && data[1] === 0x89 && data[2] === 0x9a && data[3] === 0xc2;
}

/**
 * The user records of an aggregated record, in order; undefined when it does not
 * de-aggregate (bad digest or protobuf), in which case the record is used as given.
 */
export function deaggregate(data: Uint8Array, partitionKey: string, sequenceNumber: string): UserRecord[] | undefined {
  let users: AggUserRecord[] | undefined;
  agg.deaggregateSync({ data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'), partitionKey, sequenceNumber }, true, (err, recs) => {
    if (!err) users = recs;
  });
  if (users === undefined) return undefined;
  const out = new Array<UserRecord>(users.length);
  for (let i = 0; i < users.length; i++) out[i] = { partitionKey: users[i]!.partitionKey, data: Buffer.from(users[i]!.data, 'base64') };
  return out;
}
