/**
 * Firehose data processing (ProcessingConfiguration.Processors).
 * Reference: Firehose developer guide, "Transform source data" and "Dynamic
 * partitioning". Firehose applies the configured processors in a fixed order,
 * whatever their order in the list:
 *   Decompression → RecordDeAggregation → Lambda → MetadataExtraction → AppendDelimiterToRecord
 * (CloudWatchLogProcessing is accepted and treated as a no-op: Freshet has no
 * CloudWatch Logs subscription source.)
 *
 * A chain is compiled once per delivery stream version; the synchronous steps
 * run per record without allocation beyond the output record, the Lambda step
 * runs per batch (BufferSizeInMBs / BufferIntervalInSeconds are honoured by the
 * delivery pipeline that calls it).
 */
import { gunzipSync } from 'node:zlib';
import jq from '@michaelhomer/jqjs';
import type { ProcessingConfig } from './config.ts';
import type { ErrorOutputType } from './prefix.ts';

export interface DeliveryRecord {
  data: Uint8Array;
  arrivalMs: number;
  /** Offset of the source record in the delivery stream's log. */
  offset: number;
  partitionKeys?: Record<string, string>;
}

export interface FailedRecord {
  /** The record as it entered the failing step, written base64 as `rawData`. */
  data: Uint8Array;
  arrivalMs: number;
  offset: number;
  type: ErrorOutputType;
  errorCode: string;
  errorMessage: string;
  attemptsMade: number;
  lambdaArn?: string;
}

export interface LambdaSettings {
  lambdaArn: string;
  /** The processor's RoleArn parameter: the role Firehose invokes the function with (default: the destination's). */
  roleArn?: string;
  numberOfRetries: number;
  bufferBytes: number;
  bufferIntervalMs: number;
}

export interface ProcessorChain {
  /** Steps before the Lambda step (run per record at ingest). */
  pre(rec: DeliveryRecord, out: DeliveryRecord[], failed: FailedRecord[]): void;
  lambda: LambdaSettings | null;
  /** Steps after the Lambda step. */
  post(rec: DeliveryRecord, out: DeliveryRecord[], failed: FailedRecord[]): void;
  /** True when records need partition keys (MetadataExtraction configured). */
  extractsMetadata: boolean;
  /** No processor at all: records go straight to the buffers. */
  passthrough: boolean;
}

const NEWLINE = Uint8Array.of(0x0a);

function params(p: { Parameters?: { ParameterName: string; ParameterValue: string }[] }): Map<string, string> {
  return new Map((p.Parameters ?? []).map((x) => [x.ParameterName, x.ParameterValue]));
}

/**
 * Delimiter parameters are base64 in the Firehose API; a value that is not
 * canonical base64 is taken literally with \n, \t, \r escapes (Freshet leniency).
 */
export function decodeDelimiter(value: string): Uint8Array {
  const b = Buffer.from(value, 'base64');
  if (b.length > 0 && b.toString('base64') === value) return new Uint8Array(b);
  return new TextEncoder().encode(value.replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\r/g, '\r'));
}

function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from: number): number {
  if (needle.length === 1) return hay.indexOf(needle[0]!, from);
  outer: for (let i = from; i <= hay.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Splits concatenated JSON objects (`{..}{..}` or `{..}\n{..}`) at top-level object boundaries. */
export function splitJsonObjects(data: Uint8Array): Uint8Array[] | null {
  const out: Uint8Array[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  // hot path: byte scan of aggregated records
  for (let i = 0; i < data.length; i++) {
    const c = data[i]!;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (depth++ === 0) start = i;
    } else if (c === 0x7d || c === 0x5d) {
      if (--depth === 0) out.push(data.subarray(start, i + 1));
      else if (depth < 0) return null;
    } else if (depth === 0 && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return null;
  }
  return depth === 0 ? out : null;
}

const decoder = new TextDecoder();

export function compileProcessors(cfg: ProcessingConfig | undefined): ProcessorChain {
  const procs = cfg?.Enabled ? cfg.Processors : [];
  const byType = new Map(procs.map((p) => [p.Type, params(p)]));
  type Step = (rec: DeliveryRecord, out: DeliveryRecord[], failed: FailedRecord[]) => void;
  const preSteps: Step[] = [];
  const postSteps: Step[] = [];

  const dec = byType.get('Decompression');
  if (dec) {
    preSteps.push((rec, out, failed) => {
      try {
        out.push({ ...rec, data: new Uint8Array(gunzipSync(rec.data)) });
      } catch (e) {
        failed.push({
          data: rec.data,
          arrivalMs: rec.arrivalMs,
          offset: rec.offset,
          type: 'processing-failed',
          errorCode: 'Decompression.InvalidData',
          errorMessage: `Record is not GZIP data: ${(e as Error).message}`,
          attemptsMade: 1,
        });
      }
    });
  }
  const cwl = byType.get('CloudWatchLogProcessing');
  if (cwl && cwl.get('DataMessageExtraction') === 'true') {
    preSteps.push((rec, out, failed) => {
      let doc: { messageType?: string; logEvents?: { message?: unknown }[] };
      try {
        doc = JSON.parse(decoder.decode(rec.data)) as typeof doc;
      } catch {
        failed.push({
          data: rec.data,
          arrivalMs: rec.arrivalMs,
          offset: rec.offset,
          type: 'processing-failed',
          errorCode: 'CloudWatchLogProcessing.InvalidData',
          errorMessage: 'Record is not a CloudWatch Logs subscription message',
          attemptsMade: 1,
        });
        return;
      }
      if (doc.messageType === 'CONTROL_MESSAGE') return;
      for (const e of doc.logEvents ?? []) {
        if (typeof e.message === 'string')
          out.push({ data: new TextEncoder().encode(e.message), arrivalMs: rec.arrivalMs, offset: rec.offset, partitionKeys: rec.partitionKeys });
      }
    });
  }
  const deagg = byType.get('RecordDeAggregation');
  if (deagg) {
    const sub = deagg.get('SubRecordType') ?? 'JSON';
    if (sub === 'DELIMITED') {
      const delim = decodeDelimiter(deagg.get('Delimiter') ?? '\\n');
      preSteps.push((rec, out) => {
        let from = 0;
        for (;;) {
          const i = indexOfBytes(rec.data, delim, from);
          const end = i < 0 ? rec.data.length : i;
          if (end > from) out.push({ data: rec.data.subarray(from, end), arrivalMs: rec.arrivalMs, offset: rec.offset, partitionKeys: rec.partitionKeys });
          if (i < 0) break;
          from = i + delim.length;
        }
      });
    } else {
      preSteps.push((rec, out, failed) => {
        const parts = splitJsonObjects(rec.data);
        if (!parts) {
          failed.push({
            data: rec.data,
            arrivalMs: rec.arrivalMs,
            offset: rec.offset,
            type: 'processing-failed',
            errorCode: 'RecordDeAggregation.InvalidJson',
            errorMessage: 'Record is not a sequence of JSON objects',
            attemptsMade: 1,
          });
          return;
        }
        for (const p of parts) out.push({ data: p, arrivalMs: rec.arrivalMs, offset: rec.offset, partitionKeys: rec.partitionKeys });
      });
    }
  }

  let lambda: LambdaSettings | null = null;
  const lp = byType.get('Lambda');
  if (lp) {
    lambda = {
      lambdaArn: lp.get('LambdaArn')!,
      ...(lp.get('RoleArn') !== undefined ? { roleArn: lp.get('RoleArn')! } : {}),
      numberOfRetries: Number(lp.get('NumberOfRetries') ?? 3),
      bufferBytes: Math.round(Number(lp.get('BufferSizeInMBs') ?? 1) * 1024 * 1024),
      bufferIntervalMs: Number(lp.get('BufferIntervalInSeconds') ?? 60) * 1000,
    };
  }

  const meta = byType.get('MetadataExtraction');
  if (meta) {
    const query = meta.get('MetadataExtractionQuery')!;
    let filter: (input: unknown) => Iterable<unknown>;
    try {
      filter = jq.compile(query);
    } catch (e) {
      throw new Error(`MetadataExtractionQuery is not a valid JQ expression: ${(e as Error)?.message ?? e}`);
    }
    postSteps.push((rec, out, failed) => {
      const fail = (msg: string) =>
        failed.push({
          data: rec.data,
          arrivalMs: rec.arrivalMs,
          offset: rec.offset,
          type: 'processing-failed',
          errorCode: 'DynamicPartitioning.MetadataExtractionFailed',
          errorMessage: msg,
          attemptsMade: 1,
        });
      let doc: unknown;
      try {
        doc = JSON.parse(decoder.decode(rec.data));
      } catch {
        fail('Non JSON record provided');
        return;
      }
      let result: unknown;
      try {
        for (const v of filter(doc)) {
          result = v;
          break;
        }
      } catch (e) {
        fail(`JQ query failed: ${(e as Error)?.message ?? e}`);
        return;
      }
      if (!result || typeof result !== 'object' || Array.isArray(result)) {
        fail('The JQ query did not return a JSON object of partition keys');
        return;
      }
      const keys: Record<string, string> = { ...rec.partitionKeys };
      for (const [k, v] of Object.entries(result)) {
        if (v === null || v === undefined) {
          fail(`Partition key ${k} is null`);
          return;
        }
        keys[k] = typeof v === 'string' ? v : JSON.stringify(v);
      }
      out.push({ data: rec.data, arrivalMs: rec.arrivalMs, offset: rec.offset, partitionKeys: keys });
    });
  }
  const app = byType.get('AppendDelimiterToRecord');
  if (app) {
    const delim = app.get('Delimiter') ? decodeDelimiter(app.get('Delimiter')!) : NEWLINE;
    postSteps.push((rec, out) => {
      const d = new Uint8Array(rec.data.length + delim.length);
      d.set(rec.data, 0);
      d.set(delim, rec.data.length);
      out.push({ data: d, arrivalMs: rec.arrivalMs, offset: rec.offset, partitionKeys: rec.partitionKeys });
    });
  }
  return {
    pre: chain(preSteps),
    post: chain(postSteps),
    lambda,
    extractsMetadata: !!meta,
    passthrough: preSteps.length === 0 && postSteps.length === 0 && !lambda,
  };
}

/** Composes steps; each step's outputs feed the next. One step (the common case) runs without intermediate arrays. */
function chain(steps: ((rec: DeliveryRecord, out: DeliveryRecord[], failed: FailedRecord[]) => void)[]): ProcessorChain['pre'] {
  if (steps.length === 0)
    return (rec, out) => {
      out.push(rec);
    };
  if (steps.length === 1) return steps[0]!;
  return (rec, out, failed) => {
    let cur: DeliveryRecord[] = [rec];
    for (let s = 0; s < steps.length; s++) {
      const next: DeliveryRecord[] = s === steps.length - 1 ? out : [];
      for (const r of cur) steps[s]!(r, next, failed);
      cur = next;
    }
  };
}

/** The JSON lines Firehose writes for failed records (processing-failed, format-conversion-failed, http-endpoint-failed). */
export function errorRecordJson(f: FailedRecord, attemptEndingMs: number): string {
  const raw = Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength).toString('base64');
  if (f.type === 'format-conversion-failed') {
    return JSON.stringify({
      attemptsMade: f.attemptsMade,
      arrivalTimestamp: f.arrivalMs,
      lastErrorCode: f.errorCode,
      lastErrorMessage: f.errorMessage,
      attemptEndingTimestamp: attemptEndingMs,
      rawData: raw,
    });
  }
  return JSON.stringify({
    attemptsMade: f.attemptsMade,
    arrivalTimestamp: f.arrivalMs,
    errorCode: f.errorCode,
    errorMessage: f.errorMessage,
    attemptEndingTimestamp: attemptEndingMs,
    rawData: raw,
    ...(f.lambdaArn ? { lambdaArn: f.lambdaArn } : {}),
  });
}
