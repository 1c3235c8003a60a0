/**
 * The events event source mappings invoke functions with, byte for byte as
 * Lambda writes them, and the records they send to on-failure destinations.
 *
 * Reference: Lambda developer guide — "Using Lambda with Kinesis" (the
 * Kinesis record event: Records[].kinesis.{kinesisSchemaVersion,
 * partitionKey, sequenceNumber, data, approximateArrivalTimestamp},
 * eventSource, eventVersion, eventID, eventName, invokeIdentityArn,
 * awsRegion, eventSourceARN, in that order), its tumbling-window event
 * (window, state, shardId, eventSourceARN, isFinalInvokeForWindow,
 * isWindowTerminatedEarly), the on-failure invocation record
 * (requestContext, responseContext, version, timestamp, KinesisBatchInfo),
 * and "Using Lambda with Amazon SQS" (the SQS message event).
 */
import type { ReceivedMessage } from '../../queues/index.ts';

/** One record as the poller holds it. */
export interface StreamRecord {
  /** Log offset in the shard: the unit of checkpoints. */
  offset: number;
  sequenceNumber: string;
  partitionKey: string;
  data: Uint8Array;
  arrivalMs: number;
}

/** `1545084650987` → `1545084650.987`: seconds with exactly three decimals, as Lambda writes them. */
export function epochSeconds(ms: number): string {
  const s = Math.floor(ms / 1000);
  const frac = ms - s * 1000;
  return `${s}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
}

/** `2020-12-09T07:04:00Z`: window bounds without milliseconds, as in Lambda's tumbling-window events. */
function windowTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const NEEDS_ESCAPE = /["\\\u0000-\u001f\u2028\u2029]/;

function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** The constant parts of every record of one shard's batch, as bytes. */
export interface RecordParts {
  /** `"eventSource":…,"eventID":"shardId-…:` (the sequence number follows). */
  eventIdPrefix: Buffer;
  /** `","eventName":…,"eventSourceARN":"…"}`. */
  tail: Buffer;
}

const HEAD = Buffer.from('{"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":', 'latin1');
const SEQ = Buffer.from(',"sequenceNumber":"', 'latin1');
const DATA = Buffer.from('","data":"', 'latin1');
const TS = Buffer.from('","approximateArrivalTimestamp":', 'latin1');
const CLOSE_KINESIS = Buffer.from('},', 'latin1');

export function recordParts(shardId: string, streamArn: string, region: string, roleArn: string): RecordParts {
  return {
    eventIdPrefix: Buffer.from(`"eventSource":"aws:kinesis","eventVersion":"1.0","eventID":${jsonString(`${shardId}:`).slice(0, -1)}`, 'utf8'),
    tail: Buffer.from(
      `","eventName":"aws:kinesis:record","invokeIdentityArn":${jsonString(roleArn)},"awsRegion":${jsonString(region)},"eventSourceARN":${jsonString(streamArn)}}`,
      'utf8',
    ),
  };
}

// hot path: one pass per record straight into one buffer — no string for the whole event, no object per record.
/** Writes `{prefix}"Records":[…]{suffix}` for records [from, to) into a new buffer. */
export function kinesisRecordsBuffer(records: readonly StreamRecord[], from: number, to: number, parts: RecordParts, prefix: string, suffix: string): Buffer {
  const fixed = HEAD.length + SEQ.length + DATA.length + TS.length + CLOSE_KINESIS.length + parts.eventIdPrefix.length + parts.tail.length + 1;
  let bound = Buffer.byteLength(prefix) + Buffer.byteLength(suffix) + 16;
  for (let i = from; i < to; i++) {
    const r = records[i]!;
    // Escaping makes a key at most 6 bytes per UTF-16 unit; sequence numbers twice; the time ≤ 24 bytes.
    bound += fixed + r.partitionKey.length * 6 + 2 + r.sequenceNumber.length * 2 + Math.ceil(r.data.length / 3) * 4 + 24;
  }
  const out = Buffer.allocUnsafe(bound);
  let o = out.write(prefix, 0, 'utf8');
  o += out.write('"Records":[', o, 'latin1');
  for (let i = from; i < to; i++) {
    const r = records[i]!;
    if (i > from) out[o++] = 0x2c;
    o += HEAD.copy(out, o);
    o += out.write(jsonString(r.partitionKey), o, 'utf8');
    o += SEQ.copy(out, o);
    o += out.write(r.sequenceNumber, o, 'latin1');
    o += DATA.copy(out, o);
    const d = r.data;
    o += out.write(Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64'), o, 'latin1');
    o += TS.copy(out, o);
    o += out.write(epochSeconds(r.arrivalMs), o, 'latin1');
    o += CLOSE_KINESIS.copy(out, o);
    o += parts.eventIdPrefix.copy(out, o);
    o += out.write(r.sequenceNumber, o, 'latin1');
    o += parts.tail.copy(out, o);
  }
  out[o++] = 0x5d;
  o += out.write(suffix, o, 'utf8');
  return out.subarray(0, o);
}

/** The Kinesis record event for records [from, to). */
export function kinesisEvent(records: readonly StreamRecord[], from: number, to: number, parts: RecordParts): Buffer {
  return kinesisRecordsBuffer(records, from, to, parts, '{', '}');
}

/** The tumbling-window event (KinesisTimeWindowEvent). */
export function kinesisWindowEvent(
  records: readonly StreamRecord[],
  from: number,
  to: number,
  parts: RecordParts,
  w: { startMs: number; endMs: number; state: unknown; shardId: string; streamArn: string; final: boolean; terminatedEarly: boolean },
): Buffer {
  const suffix =
    `,"window":{"start":"${windowTime(w.startMs)}","end":"${windowTime(w.endMs)}"},` +
    `"state":${JSON.stringify(w.state ?? {})},"shardId":${jsonString(w.shardId)},"eventSourceARN":${jsonString(w.streamArn)},` +
    `"isFinalInvokeForWindow":${w.final},"isWindowTerminatedEarly":${w.terminatedEarly}}`;
  return kinesisRecordsBuffer(records, from, to, parts, '{', suffix);
}

export interface FailureContext {
  requestId: string;
  functionArn: string;
  condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
  approximateInvokeCount: number;
  /** The last invocation's response, when there was one. */
  response: { statusCode: number; executedVersion: string; functionError: string | undefined } | undefined;
  timestampMs: number;
}

/** The invocation record an on-failure destination receives for a discarded Kinesis batch. */
export function kinesisFailureRecord(
  ctx: FailureContext,
  batch: { shardId: string; streamArn: string; records: readonly StreamRecord[]; from: number; to: number },
): string {
  const first = batch.records[batch.from]!;
  const last = batch.records[batch.to - 1]!;
  return JSON.stringify({
    requestContext: {
      requestId: ctx.requestId,
      functionArn: ctx.functionArn,
      condition: ctx.condition,
      approximateInvokeCount: ctx.approximateInvokeCount,
    },
    responseContext: ctx.response
      ? {
          statusCode: ctx.response.statusCode,
          executedVersion: ctx.response.executedVersion,
          ...(ctx.response.functionError ? { functionError: ctx.response.functionError } : {}),
        }
      : {},
    version: '1.0',
    timestamp: new Date(ctx.timestampMs).toISOString(),
    KinesisBatchInfo: {
      shardId: batch.shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      approximateArrivalOfFirstRecord: new Date(first.arrivalMs).toISOString(),
      approximateArrivalOfLastRecord: new Date(last.arrivalMs).toISOString(),
      batchSize: batch.to - batch.from,
      streamArn: batch.streamArn,
    },
  });
}

/** The SQS message event for a batch of received messages. */
export function sqsEvent(messages: readonly ReceivedMessage[], queueArn: string, region: string): Buffer {
  const records = messages.map((m) => {
    const attrs: Record<string, { stringValue?: string; binaryValue?: string; stringListValues: never[]; binaryListValues: never[]; dataType: string }> = {};
    for (const [k, v] of Object.entries(m.messageAttributes ?? {})) {
      attrs[k] = {
        ...(v.stringValue !== undefined ? { stringValue: v.stringValue } : {}),
        ...(v.binaryValue !== undefined ? { binaryValue: Buffer.from(v.binaryValue).toString('base64') } : {}),
        stringListValues: [],
        binaryListValues: [],
        dataType: v.dataType,
      };
    }
    return {
      messageId: m.messageId,
      receiptHandle: m.receiptHandle,
      body: m.body,
      attributes: m.attributes,
      messageAttributes: attrs,
      md5OfBody: m.md5OfBody,
      ...(m.md5OfMessageAttributes ? { md5OfMessageAttributes: m.md5OfMessageAttributes } : {}),
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: region,
    };
  });
  return Buffer.from(JSON.stringify({ Records: records }), 'utf8');
}

/**
 * Reads a partial-batch response (ReportBatchItemFailures): `ok` for success
 * (no failures listed), the failed item identifiers, or `invalid` when an
 * entry has an empty, null or unknown identifier (Lambda: a complete failure).
 */
export function batchItemFailures(response: unknown, known: (id: string) => boolean): { kind: 'ok' } | { kind: 'failed'; ids: string[] } | { kind: 'invalid' } {
  if (response === null || response === undefined || typeof response !== 'object') return { kind: 'ok' };
  const list = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (list === null || list === undefined) return { kind: 'ok' };
  if (!Array.isArray(list)) return { kind: 'invalid' };
  if (list.length === 0) return { kind: 'ok' };
  const ids: string[] = [];
  for (const item of list) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !known(id)) return { kind: 'invalid' };
    ids.push(id);
  }
  return { kind: 'failed', ids };
}
