/**
 * Smithy RPC v2 CBOR (https://smithy.io/2.0/additional-specs/protocols/smithy-rpc-v2.html), what current
 * SDKs may send CloudWatch: `POST /service/<ServiceShapeName>/operation/<Operation>` with
 * `smithy-protocol: rpc-v2-cbor`, a CBOR map body (none for an empty input), blobs as byte strings and
 * timestamps as tag 1 + epoch seconds. Responses and errors are CBOR maps with the same header; an
 * error's map carries `__type` and `message`. Pure: bytes ↔ values.
 */
import { Encoder, Tag } from 'cbor-x';
import { AwsError } from '../../core/index.ts';
import type { ServiceModel } from '../model.ts';
import { EpochMillis } from './cbor.ts';
import { blobBytes, memoFor, needsConversion, shapeOf } from './shape-walk.ts';

export const RPCV2_CONTENT_TYPE = 'application/cbor';
export const RPCV2_PROTOCOL = 'rpc-v2-cbor';

const encoder = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false, variableMapSize: true });

/** `/service/<Service>/operation/<Operation>` → its two names (the path may carry a prefix before /service/). */
export function parseRpcV2Path(path: string): { service: string; operation: string } | undefined {
  const m = /\/service\/([^/?]+)\/operation\/([^/?]+)$/.exec(path.split('?')[0]!);
  return m ? { service: decodeURIComponent(m[1]!), operation: decodeURIComponent(m[2]!) } : undefined;
}

/** Request side: tag-1 timestamps → epoch seconds, big integers → numbers; byte strings stay bytes. */
function normaliseIn(v: unknown): unknown {
  if (v instanceof EpochMillis) return v.ms / 1000;
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = normaliseIn(v[i]);
    return v;
  }
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = normaliseIn(o[k]);
    return o;
  }
  return v;
}

function serialization(message = ''): AwsError {
  return new AwsError('SerializationException', message, { messageField: 'Message' });
}

/** A request body (empty: no input) as the input structure. */
export function decodeRpcV2(body: Uint8Array): Record<string, unknown> {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = encoder.decode(body);
  } catch {
    throw serialization();
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) throw serialization('Expected a CBOR map');
  return normaliseIn(value) as Record<string, unknown>;
}

/** Output values in RPC v2's forms: timestamps → tag 1 + epoch seconds, blobs → byte strings. */
function toCborForms(model: ServiceModel, value: unknown, shapeName: string, memo: Map<string, boolean>): unknown {
  if (value === undefined || value === null || !needsConversion(model, shapeName, memo)) return value;
  const s = shapeOf(model, shapeName);
  switch (s.type) {
    case 'blob':
      return blobBytes(value);
    case 'timestamp':
      return new Tag(value instanceof Date ? value.getTime() / 1000 : Number(value), 1);
    case 'list':
      return (value as unknown[]).map((x) => toCborForms(model, x, s.member.shape, memo));
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = toCborForms(model, v, s.value.shape, memo);
      return out;
    }
    case 'structure': {
      const out: Record<string, unknown> = {};
      const obj = value as Record<string, unknown>;
      for (const k of Object.keys(obj)) {
        const m = s.members[k];
        if (obj[k] !== undefined) out[k] = m ? toCborForms(model, obj[k], m.shape, memo) : obj[k];
      }
      return out;
    }
    default:
      return value;
  }
}

/** An operation's output (undefined: none) as an RPC v2 body: always a map. */
export function encodeRpcV2Output(model: ServiceModel, outputShape: string | undefined, output: unknown): Buffer {
  const value = outputShape && output !== undefined && output !== null ? toCborForms(model, output, outputShape, memoFor(model)) : {};
  return encoder.encode(value) as Buffer;
}

/** An error as an RPC v2 body: `{ __type, message, …the error shape's other members }`. */
export function encodeRpcV2Error(err: AwsError): Buffer {
  const out: Record<string, unknown> = { __type: err.code };
  if (err.message !== '') out.message = err.message;
  if (err.fields) Object.assign(out, err.fields);
  return encoder.encode(out) as Buffer;
}
