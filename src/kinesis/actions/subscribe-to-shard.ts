/**
 * SubscribeToShard (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_SubscribeToShard.html)
 * Reads { ConsumerARN, ShardId, StartingPosition: { Type, SequenceNumber?, Timestamp? } };
 * answers 200 with an application/vnd.amazon.eventstream body: an `initial-response` event ({}), then
 * `SubscribeToShardEvent`s { Records, ContinuationSequenceNumber, MillisBehindLatest, ChildShards? }
 * pushed as records arrive, for up to 5 minutes (see ../subscription.ts for the rules).
 * Errors found before the stream starts (unknown consumer or shard, consumer not ACTIVE, a subscription
 * within 5 s) are ordinary error responses, as AWS sends them.
 */
import { StreamingResponse, defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';
import { EVENT_STREAM_CONTENT_TYPE, eventFrame } from '../event-stream.ts';
import { hubFor } from '../subscription.ts';
import type { EventEncoder, ShardEvent } from '../subscription.ts';
import { childShardToWire } from './get-records.ts';
import { cborEventEncoder } from './subscribe-to-shard-cbor.ts';

const JSON_TYPE = 'application/x-amz-json-1.1';

/** hot path: one JSON text per event, records written without an intermediate object graph. */
function jsonEvent(e: ShardEvent): Uint8Array {
  let body = '{"Records":[';
  const recs = e.records;
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i]!;
    const d = r.data;
    const b64 = (Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength)).toString('base64');
    body += `${i ? ',' : ''}{"SequenceNumber":"${r.sequenceNumber}","ApproximateArrivalTimestamp":${r.approximateArrivalTimestampMs / 1000},"Data":"${b64}","PartitionKey":${JSON.stringify(r.partitionKey)}}`;
  }
  body += `],"MillisBehindLatest":${e.millisBehindLatest}`;
  if (e.continuationSequenceNumber !== undefined) body += `,"ContinuationSequenceNumber":"${e.continuationSequenceNumber}"`;
  if (e.childShards !== undefined) body += `,"ChildShards":${JSON.stringify(e.childShards.map(childShardToWire))}`;
  return eventFrame('SubscribeToShardEvent', `${body}}`, JSON_TYPE);
}

const jsonEncoder: EventEncoder = {
  initialResponse: () => eventFrame('initial-response', '{}', JSON_TYPE),
  event: jsonEvent,
};

export const subscribeToShard = defineAction(kinesisModel, 'SubscribeToShard', async (input, ctx: KinesisContext) => {
  // One subscription hub per engine (subscription.ts keeps it).
  const hub = hubFor(ctx.deps);
  const p = input.StartingPosition;
  const sub = await hub.open(
    input.ConsumerARN,
    input.ShardId,
    {
      type: p.Type,
      sequenceNumber: p.SequenceNumber,
      timestampMs: p.Timestamp === undefined ? undefined : Math.round(p.Timestamp * 1000),
    },
    ctx.protocol === 'cbor' ? cborEventEncoder : jsonEncoder,
  );
  return new StreamingResponse(EVENT_STREAM_CONTENT_TYPE, (sink) => sub.start(sink));
});
