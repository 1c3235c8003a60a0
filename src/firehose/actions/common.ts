import type { FirehoseEngine, Tag } from '../engine.ts';
import type { DestinationConfig } from '../config.ts';
import { compileProcessors } from '../processors.ts';
import { type Violations, invalidArgument, serialization } from '../validate.ts';

export const MAX_BATCH_RECORDS = 500;
export const MAX_RECORD_BYTES = 1_024_000;
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;
export const MAX_TAGS = 50;

export const DESTINATION_FIELDS = [
  'S3DestinationConfiguration',
  'ExtendedS3DestinationConfiguration',
  'HttpEndpointDestinationConfiguration',
  'RedshiftDestinationConfiguration',
  'ElasticsearchDestinationConfiguration',
  'AmazonopensearchserviceDestinationConfiguration',
  'SplunkDestinationConfiguration',
  'AmazonOpenSearchServerlessDestinationConfiguration',
  'SnowflakeDestinationConfiguration',
  'IcebergDestinationConfiguration',
] as const;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

// hot path: one call per record of PutRecordBatch
export function decodeBlob(v: Violations, value: unknown, path: string): Uint8Array {
  if (value === undefined || value === null) {
    v.add(null, path, 'Member must not be null');
    return new Uint8Array(0);
  }
  if (typeof value !== 'string') throw serialization(`Unexpected value type for ${path}`);
  if (value.length % 4 !== 0)
    throw serialization(
      `'${value.slice(0, 32)}' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: ${value.length}`,
    );
  if (!BASE64.test(value)) throw serialization(`'${value.slice(0, 32)}' can not be converted to a Blob: Invalid Base64 character`);
  const b = Buffer.from(value, 'base64');
  if (b.length > MAX_RECORD_BYTES) {
    // AWS renders the blob as the Java buffer it was decoded into.
    v.add(`java.nio.HeapByteBuffer[pos=0 lim=${b.length} cap=${b.length}]`, path, `Member must have length less than or equal to ${MAX_RECORD_BYTES}`);
  }
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function parseTags(v: Violations, value: unknown, path: string, required: boolean): Tag[] {
  const list = v.list(value, path, { required, min: 1, max: MAX_TAGS }) ?? [];
  return list.map((t, i) => {
    const o = v.obj(t, `${path}.${i + 1}.member`) ?? {};
    const Key =
      v.str(o.Key, `${path}.${i + 1}.member.key`, {
        required: true,
        min: 1,
        max: 128,
        pattern: /^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@%]*$/u,
        patternText: '^(?!aws:)[\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@%]*$',
      }) ?? '';
    const Value = v.str(o.Value, `${path}.${i + 1}.member.value`, {
      max: 256,
      pattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@%]*$/u,
      patternText: '^[\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@%]*$',
    });
    return Value === undefined ? { Key } : { Key, Value };
  });
}

export function mergeTags(current: Tag[], added: Tag[]): Tag[] {
  const out = current.map((t) => ({ ...t }));
  for (const t of added) {
    const i = out.findIndex((x) => x.Key === t.Key);
    if (i >= 0) out[i] = t;
    else out.push(t);
  }
  return out;
}

export function encryptionInput(v: Violations, raw: unknown, path: string): { keyType: string; keyArn?: string } | undefined {
  const o = v.obj(raw, path);
  if (!o) return undefined;
  const keyType = v.str(o.KeyType, `${path}.keyType`, { required: true, enumValues: ['AWS_OWNED_CMK', 'CUSTOMER_MANAGED_CMK'] }) ?? 'AWS_OWNED_CMK';
  const keyArn = v.str(o.KeyARN, `${path}.keyARN`, {
    min: 1,
    max: 512,
    pattern: /^arn:.*:kms:[a-zA-Z0-9-]+:\d{12}:(key|alias)\/[a-zA-Z_0-9+=,.@\-_/]+$/,
    patternText: 'arn:.*:kms:[a-zA-Z0-9\\-]+:\\d{12}:(key|alias)/[a-zA-Z_0-9+=,.@\\-_/]+',
  });
  v.throwIfAny();
  if (keyType === 'CUSTOMER_MANAGED_CMK' && !keyArn) throw invalidArgument('KeyARN must be specified when KeyType is CUSTOMER_MANAGED_CMK');
  if (keyType === 'AWS_OWNED_CMK' && keyArn) throw invalidArgument('KeyARN must not be specified when KeyType is AWS_OWNED_CMK');
  return keyArn ? { keyType, keyArn } : { keyType };
}

/** Resources a destination needs beyond its shape: a declared table for format conversion, a compilable JQ query. */
export function checkDestinationResources(engine: FirehoseEngine, d: DestinationConfig): void {
  try {
    compileProcessors(d.kind === 's3' ? d.s3.processing : d.http.processing);
  } catch (e) {
    throw invalidArgument((e as Error).message);
  }
  if (d.kind !== 's3') return;
  const dfc = d.s3.dataFormatConversion;
  if (dfc?.enabled) {
    const sc = (dfc.raw as { SchemaConfiguration?: { DatabaseName?: string; TableName?: string } }).SchemaConfiguration;
    const tables = engine.options.tables ?? {};
    if (!sc?.TableName || !(tables[`${sc.DatabaseName ?? ''}.${sc.TableName}`] ?? tables[sc.TableName])) {
      throw invalidArgument(
        `SchemaConfiguration refers to table ${sc?.DatabaseName ?? ''}.${sc?.TableName ?? ''}, which is not declared in the server's firehose.tables option`,
      );
    }
  }
}
