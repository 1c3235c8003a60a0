/**
 * SubscribeToShard events for CBOR clients (application/x-amz-cbor-1.1, e.g. the Java SDK v2 / KCL):
 * the same members as the JSON events, with Data as a byte string and ApproximateArrivalTimestamp as
 * an epoch timestamp (CBOR tag 1), as the Java SDK's CBOR unmarshaller reads them.
 */
import { cborEncode } from '../../aws/index.ts';
import { eventFrame } from '../event-stream.ts';
import type { EventEncoder, ShardEvent } from '../subscription.ts';
import { childShardToWire } from './get-records.ts';

const CBOR_TYPE = 'application/x-amz-cbor-1.1';

function cborEvent(e: ShardEvent): Uint8Array {
  const records = new Array(e.records.length);
  for (let i = 0; i < e.records.length; i++) {
    const r = e.records[i]!;
    records[i] = {
      SequenceNumber: r.sequenceNumber,
      ApproximateArrivalTimestamp: new Date(r.approximateArrivalTimestampMs),
      Data: r.data,
      PartitionKey: r.partitionKey,
    };
  }
  const out: Record<string, unknown> = { Records: records, MillisBehindLatest: e.millisBehindLatest };
  if (e.continuationSequenceNumber !== undefined) out.ContinuationSequenceNumber = e.continuationSequenceNumber;
  if (e.childShards !== undefined) out.ChildShards = e.childShards.map(childShardToWire);
  return eventFrame('SubscribeToShardEvent', cborEncode(out), CBOR_TYPE);
}

export const cborEventEncoder: EventEncoder = {
  initialResponse: () => eventFrame('initial-response', cborEncode({}), CBOR_TYPE),
  event: cborEvent,
};
