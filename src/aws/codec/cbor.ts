/**
 * AWS CBOR wire codec (`application/x-amz-cbor-1.1`), as the AWS SDK for Java (v1 and v2, hence KCL and KPL)
 * speaks it to Kinesis: the same structures as AWS JSON 1.1, encoded as CBOR maps, with
 *  - blobs as CBOR byte strings (major type 2), and
 *  - timestamps as CBOR tag 1 wrapping an integer of epoch *milliseconds* (the Java SDK's SdkCborGenerator
 *    writes `writeTag(1); writeNumber(date.getTime())` and its unmarshaller reads the number back as ms).
 * Pure: bytes → request object, response object → bytes. Requests come out in the forms the model-driven
 * validator reads (timestamps → epoch seconds; byte strings stay bytes, so blobs skip base64 altogether);
 * responses go the other way for the members named in BLOB_MEMBERS / TIMESTAMP_MEMBERS.
 * Tag-1 values below 1e11 are taken as seconds (a CBOR client following RFC 8949 rather than the Java SDK).
 */
import { Encoder, addExtension } from 'cbor-x';
import { AwsError } from '../../core/index.ts';
import type { AwsError as AwsErrorType } from '../../core/index.ts';
import type { WireCodec } from './json.ts';

/** A timestamp (tag 1) in epoch milliseconds, both ways. */
export class EpochMillis {
  constructor(readonly ms: number) {}
}

addExtension({
  Class: EpochMillis,
  tag: 1,
  encode(inst: EpochMillis, encode: (v: unknown) => Uint8Array) {
    return encode(BigInt(Math.round(inst.ms)));
  },
  decode(v: unknown) {
    const n = Number(v);
    return new EpochMillis(n >= 1e11 ? n : n * 1000);
  },
});

const encoder = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false, variableMapSize: true });

/** Response members that are timestamps (epoch seconds in the JSON shapes) in the Kinesis API. */
export const TIMESTAMP_MEMBERS: ReadonlySet<string> = new Set([
  'ApproximateArrivalTimestamp',
  'StreamCreationTimestamp',
  'ConsumerCreationTimestamp',
  'Timestamp',
]);
/** Response members that are blobs (base64 strings in the JSON shapes). */
export const BLOB_MEMBERS: ReadonlySet<string> = new Set(['Data']);

function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

/** Request side: tag-1 timestamps → epoch seconds, big integers → numbers; byte strings stay bytes. */
function normaliseIn(v: unknown): unknown {
  if (v instanceof EpochMillis) return v.ms / 1000;
  if (isBytes(v)) return v;
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

/** Response side: named timestamp members and Dates → tag 1 ms; named blob members (base64) → bytes. */
function normaliseOut(v: unknown, key: string | undefined): unknown {
  if (v instanceof Date) return new EpochMillis(v.getTime());
  if (key !== undefined && typeof v === 'number' && TIMESTAMP_MEMBERS.has(key)) return new EpochMillis(v * 1000);
  if (key !== undefined && typeof v === 'string' && BLOB_MEMBERS.has(key)) return Buffer.from(v, 'base64');
  if (isBytes(v)) return v;
  if (Array.isArray(v)) return v.map((x) => normaliseOut(x, undefined));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) out[k] = normaliseOut(x, k);
    return out;
  }
  return v;
}

/** Encodes a response-shaped value as AWS CBOR (see the module comment for timestamps and blobs). */
export function cborEncode(value: unknown): Buffer {
  return encoder.encode(normaliseOut(value, undefined)) as Buffer;
}

/** Decodes an AWS CBOR request body into the JSON codec's shapes. Throws on malformed input. */
export function cborDecode(body: Uint8Array): unknown {
  return normaliseIn(encoder.decode(body));
}

const INDEFINITE_MAP = Uint8Array.of(0xbf);
const BREAK = Uint8Array.of(0xff);

function serialization(message?: string): AwsError {
  return new AwsError('SerializationException', message ?? '', { messageField: 'Message' });
}

export const cborCodec: WireCodec = {
  contentType: 'application/x-amz-cbor-1.1',
  protocol: 'cbor',
  decode(body: Buffer): Record<string, unknown> {
    let value: unknown;
    try {
      value = cborDecode(body);
    } catch {
      throw serialization();
    }
    if (typeof value !== 'object' || value === null) throw serialization();
    if (Array.isArray(value)) throw serialization('Start of list found where not expected');
    return value as Record<string, unknown>;
  },
  encode(value: unknown): Buffer | string {
    return value === undefined ? '' : cborEncode(value);
  },
  encodeError(err: AwsErrorType): Buffer {
    // An indefinite-length map (0xbf … 0xff), as AWS's Java CBOR writer sends errors (kinesalite's recording).
    const parts: Uint8Array[] = [INDEFINITE_MAP, encoder.encode('__type'), encoder.encode(err.code)];
    if (err.message !== '') parts.push(encoder.encode(err.messageField), encoder.encode(err.message));
    if (err.fields) for (const [k, v] of Object.entries(err.fields)) parts.push(encoder.encode(k), encoder.encode(normaliseOut(v, k)));
    parts.push(BREAK);
    return Buffer.concat(parts);
  },
};
