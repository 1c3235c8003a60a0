/**
 * InputProcessingConfiguration.InputLambdaProcessor: records of an input
 * pass through a function before they are parsed (KDA developer guide,
 * "Preprocessing Data Using a Lambda Function"). The function gets
 *   { invocationId, applicationArn, streamArn, records: [{ recordId, data (base64),
 *     kinesisStreamRecordMetadata: { sequenceNumber, partitionKey, shardId, approximateArrivalTimestamp } }] }
 * (for a delivery-stream input: kinesisFirehoseRecordMetadata: { approximateArrivalTimestamp })
 * and answers { records: [{ recordId, result: "Ok" | "Dropped" | "ProcessingFailed", data }] }.
 * Ok records continue with the returned data and their original arrival time; Dropped ones are
 * gone; ProcessingFailed ones, and records the function did not answer for, go to error_stream.
 * A failed invocation is retried (30 s of backoff), then the application fails: the readers'
 * offsets are past the batch, so it is read again from the last checkpoint on restart.
 */
import { randomUUID } from 'node:crypto';
import { retry } from '../../core/index.ts';
import { invalidConfig } from './config-errors.ts';
import type { FunctionPort } from './ports.ts';

export interface SourceRecord {
  sequenceNumber: string;
  partitionKey: string;
  data: Uint8Array;
  approximateArrivalTimestampMs: number;
}

export interface InputProcessorSpec {
  functionArn: string;
  applicationArn: string;
  streamArn: string;
  delivery: boolean;
  retryMs?: number;
}

export interface Preprocessed {
  ok: SourceRecord[];
  failed: Array<{ record: SourceRecord; reason: string }>;
  dropped: number;
}

const b64 = (d: Uint8Array) => Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64');

export async function preprocess(
  functions: FunctionPort | undefined,
  spec: InputProcessorSpec,
  shardId: string,
  records: readonly SourceRecord[],
): Promise<Preprocessed> {
  if (!functions) throw invalidConfig(`Input preprocessing with ${spec.functionArn} needs the Lambda service, which is not running`);
  const base = randomUUID();
  const event = {
    invocationId: randomUUID(),
    applicationArn: spec.applicationArn,
    streamArn: spec.streamArn,
    records: records.map((r, i) => ({
      recordId: `${base}-${i}`,
      ...(spec.delivery
        ? { kinesisFirehoseRecordMetadata: { approximateArrivalTimestamp: r.approximateArrivalTimestampMs } }
        : {
            kinesisStreamRecordMetadata: {
              sequenceNumber: r.sequenceNumber,
              partitionKey: r.partitionKey,
              shardId,
              approximateArrivalTimestamp: r.approximateArrivalTimestampMs,
            },
          }),
      data: b64(r.data),
    })),
  };
  let attempts = 0;
  const response = await retry(
    () => {
      attempts++;
      return functions.invoke(spec.functionArn, event);
    },
    { initialDelayMs: 50, maxDelayMs: 2_000, maxElapsedMs: spec.retryMs ?? 30_000, jitter: 0.5, isRetryable: () => true },
  ).catch((e: unknown) => {
    throw invalidConfig(`Input preprocessing function ${spec.functionArn} failed ${attempts} time(s): ${e instanceof Error ? e.message : String(e)}`, e);
  });
  const answers = new Map<string, { result?: unknown; data?: unknown }>();
  const list = (response as { records?: unknown } | null)?.records;
  if (Array.isArray(list)) {
    for (const a of list)
      if (a && typeof a === 'object' && typeof (a as { recordId?: unknown }).recordId === 'string') answers.set((a as { recordId: string }).recordId, a);
  }
  const out: Preprocessed = { ok: [], failed: [], dropped: 0 };
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const a = answers.get(`${base}-${i}`);
    if (!a) out.failed.push({ record, reason: 'Lambda preprocessing: the function returned no result for this record' });
    else if (a.result === 'Dropped') out.dropped++;
    else if (a.result === 'ProcessingFailed') out.failed.push({ record, reason: 'Lambda preprocessing: the function marked the record ProcessingFailed' });
    else if (a.result !== 'Ok' || typeof a.data !== 'string')
      out.failed.push({
        record,
        reason: `Lambda preprocessing: invalid result ${JSON.stringify(a.result)} (expected Ok with base64 data, Dropped or ProcessingFailed)`,
      });
    else out.ok.push({ ...record, data: new Uint8Array(Buffer.from(a.data, 'base64')) });
  }
  return out;
}
