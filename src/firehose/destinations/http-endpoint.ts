/**
 * HTTP endpoint delivery per Firehose's "HTTP endpoint delivery request and
 * response specifications":
 *   POST <Url>, Content-Type application/json, optional Content-Encoding gzip,
 *   headers X-Amz-Firehose-Protocol-Version: 1.0, X-Amz-Firehose-Request-Id
 *   (the same on every retry of one batch), X-Amz-Firehose-Access-Key,
 *   X-Amz-Firehose-Source-Arn, X-Amz-Firehose-Common-Attributes
 *   ({"commonAttributes": {...}}), body {requestId, timestamp, records:[{data}]}.
 * Only a 200 whose JSON body echoes the requestId counts as delivered.
 */
import { gzipSync } from 'node:zlib';
import type { HttpDestConfig } from '../config.ts';
import { DestinationError } from './object-store.ts';

export interface HttpBatch {
  requestId: string;
  timestampMs: number;
  records: readonly Uint8Array[];
}

export function buildHttpBody(batch: HttpBatch): string {
  let s = `{"requestId":${JSON.stringify(batch.requestId)},"timestamp":${batch.timestampMs},"records":[`;
  // hot path: one base64 string per record, no intermediate objects
  for (let i = 0; i < batch.records.length; i++) {
    const r = batch.records[i]!;
    s += `${(i ? ',{"data":"' : '{"data":"') + Buffer.from(r.buffer, r.byteOffset, r.byteLength).toString('base64')}"}`;
  }
  return `${s}]}`;
}

export async function postBatch(cfg: HttpDestConfig, sourceArn: string, batch: HttpBatch, timeoutMs = 180_000): Promise<void> {
  const json = buildHttpBody(batch);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-Amz-Firehose-Protocol-Version': '1.0',
    'X-Amz-Firehose-Request-Id': batch.requestId,
    'X-Amz-Firehose-Source-Arn': sourceArn,
  };
  if (cfg.accessKey) headers['X-Amz-Firehose-Access-Key'] = cfg.accessKey;
  if (cfg.commonAttributes.length) {
    const attrs: Record<string, string> = {};
    for (const a of cfg.commonAttributes) attrs[a.AttributeName] = a.AttributeValue;
    headers['X-Amz-Firehose-Common-Attributes'] = JSON.stringify({ commonAttributes: attrs });
  }
  let body: string | Uint8Array = json;
  if (cfg.contentEncoding === 'GZIP') {
    body = gzipSync(json);
    headers['Content-Encoding'] = 'gzip';
  }
  let res: Response;
  try {
    res = await fetch(cfg.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const timedOut = (e as Error).name === 'TimeoutError';
    throw new DestinationError(
      `${timedOut ? 'Timed out' : 'Could not connect'} delivering to ${cfg.url}: ${(e as Error).message}`,
      timedOut ? 'HttpEndpoint.ResponseTimeout' : 'HttpEndpoint.ConnectionFailed',
      { cause: e },
    );
  }
  // Benign: an unreadable body only loses text for the message; the status (or the missing requestId echo) still fails the delivery.
  const text = await res.text().catch(() => '');
  if (res.status !== 200) {
    throw new DestinationError(`The HTTP endpoint responded with status ${res.status}: ${text.slice(0, 200)}`, 'HttpEndpoint.ResponseReceivedWithErrorStatus');
  }
  let echoed: unknown;
  try {
    echoed = (JSON.parse(text) as { requestId?: unknown }).requestId;
  } catch {
    throw new DestinationError('The response received from the endpoint is invalid: the body is not JSON', 'HttpEndpoint.InvalidResponseFromDestination');
  }
  if (echoed !== batch.requestId) {
    throw new DestinationError(
      `The response received from the endpoint has requestId ${String(echoed)}, expected ${batch.requestId}`,
      'HttpEndpoint.InvalidResponseFromDestination',
    );
  }
}
