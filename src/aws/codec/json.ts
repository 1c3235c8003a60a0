/**
 * AWS JSON 1.0 / 1.1 wire codec (https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html).
 * Pure: bytes → request object, response object → bytes. Blobs stay base64
 * strings and timestamps epoch seconds here; the action layer converts them.
 */
import { AwsError } from '../../core/index.ts';
import type { AwsError as AwsErrorType } from '../../core/index.ts';

export interface WireCodec {
  /** Content type echoed on responses. */
  readonly contentType: string;
  readonly protocol: 'json' | 'cbor';
  /** Decodes a request body into its top-level structure; throws SerializationException. */
  decode(body: Buffer): Record<string, unknown>;
  /** Encodes a handler's result (undefined → empty body, as AWS answers e.g. CreateStream). */
  encode(value: unknown): string | Buffer;
  encodeError(err: AwsErrorType): string | Buffer;
}

function serialization(message?: string): AwsError {
  return new AwsError('SerializationException', message ?? '', { messageField: 'Message' });
}

function makeJsonCodec(contentType: string): WireCodec {
  return {
    contentType,
    protocol: 'json',
    // hot path: one toString + one JSON.parse per request
    decode(body: Buffer): Record<string, unknown> {
      let value: unknown;
      try {
        value = JSON.parse(body.toString('utf8'));
      } catch {
        throw serialization();
      }
      if (typeof value !== 'object' || value === null) throw serialization();
      if (Array.isArray(value)) throw serialization('Start of list found where not expected');
      return value as Record<string, unknown>;
    },
    encode(value: unknown): string {
      return value === undefined ? '' : JSON.stringify(value);
    },
    encodeError(err: AwsErrorType): string {
      // AWS omits the message member when there is none (e.g. a SerializationException for an empty body).
      // Members of the error shape besides the message (e.g. UnableToDetectSchemaException's RawInputRecords).
      let extra = '';
      if (err.fields) for (const [k, v] of Object.entries(err.fields)) extra += `,${JSON.stringify(k)}:${JSON.stringify(v)}`;
      if (err.message === '') return `{"__type":${JSON.stringify(err.code)}${extra}}`;
      return `{"__type":${JSON.stringify(err.code)},"${err.messageField}":${JSON.stringify(err.message)}${extra}}`;
    },
  };
}

export const jsonCodec10: WireCodec = makeJsonCodec('application/x-amz-json-1.0');
export const jsonCodec11: WireCodec = makeJsonCodec('application/x-amz-json-1.1');
