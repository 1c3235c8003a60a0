/**
 * The Firehose API (`X-Amz-Target: Firehose_20150804.<Action>`).
 * Reference: Amazon Data Firehose API Reference, "Actions". Every AWS action
 * is listed; each handler validates its input at the edge (model constraints →
 * ValidationException, semantic rules → InvalidArgumentException) and calls
 * the FirehoseEngine. `FreshetGetDeliveryStreamMetrics` is a Freshet
 * extension (the CLI's `delivery describe` reads it).
 */
import type { ActionHandler, AwsService } from '../server/service.ts';
import { AwsError } from '../core/errors.ts';
import { FirehoseEngine } from './engine.ts';
import type { FirehoseDeps, Tag } from './engine.ts';
import { parseS3, parseHttp } from './config.ts';
import { compileProcessors } from './processors.ts';
import type { DestinationConfig } from './config.ts';
import {
  Violations, invalidArgument, serialization, validateStreamName, KINESIS_ARN_PATTERN, KINESIS_ARN_TEXT, ROLE_ARN_PATTERN, ROLE_ARN_TEXT,
} from './validate.ts';

export const MAX_BATCH_RECORDS = 500;
export const MAX_RECORD_BYTES = 1_024_000;
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;
const MAX_TAGS = 50;

const DESTINATION_FIELDS = [
  'S3DestinationConfiguration', 'ExtendedS3DestinationConfiguration', 'HttpEndpointDestinationConfiguration',
  'RedshiftDestinationConfiguration', 'ElasticsearchDestinationConfiguration', 'AmazonopensearchserviceDestinationConfiguration',
  'SplunkDestinationConfiguration', 'AmazonOpenSearchServerlessDestinationConfiguration', 'SnowflakeDestinationConfiguration',
  'IcebergDestinationConfiguration',
] as const;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

// hot path: one call per record of PutRecordBatch
function decodeBlob(v: Violations, value: unknown, path: string): Uint8Array {
  if (value === undefined || value === null) {
    v.add(null, path, 'Member must not be null');
    return new Uint8Array(0);
  }
  if (typeof value !== 'string') throw serialization(`Unexpected value type for ${path}`);
  if (value.length % 4 !== 0) throw serialization(`'${value.slice(0, 32)}' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: ${value.length}`);
  if (!BASE64.test(value)) throw serialization(`'${value.slice(0, 32)}' can not be converted to a Blob: Invalid Base64 character`);
  const b = Buffer.from(value, 'base64');
  if (b.length > MAX_RECORD_BYTES) {
    // AWS renders the blob as the Java buffer it was decoded into.
    v.add(`java.nio.HeapByteBuffer[pos=0 lim=${b.length} cap=${b.length}]`, path, `Member must have length less than or equal to ${MAX_RECORD_BYTES}`);
  }
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function parseTags(v: Violations, value: unknown, path: string, required: boolean): Tag[] {
  const list = v.list(value, path, { required, min: 1, max: MAX_TAGS }) ?? [];
  return list.map((t, i) => {
    const o = v.obj(t, `${path}.${i + 1}.member`) ?? {};
    const Key = v.str(o.Key, `${path}.${i + 1}.member.key`, { required: true, min: 1, max: 128, pattern: /^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@%]*$/u, patternText: '^(?!aws:)[\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@%]*$' }) ?? '';
    const Value = v.str(o.Value, `${path}.${i + 1}.member.value`, { max: 256, pattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@%]*$/u, patternText: '^[\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@%]*$' });
    return Value === undefined ? { Key } : { Key, Value };
  });
}

function mergeTags(current: Tag[], added: Tag[]): Tag[] {
  const out = current.map((t) => ({ ...t }));
  for (const t of added) {
    const i = out.findIndex((x) => x.Key === t.Key);
    if (i >= 0) out[i] = t;
    else out.push(t);
  }
  return out;
}

function encryptionInput(v: Violations, raw: unknown, path: string): { keyType: string; keyArn?: string } | undefined {
  const o = v.obj(raw, path);
  if (!o) return undefined;
  const keyType = v.str(o.KeyType, `${path}.keyType`, { required: true, enumValues: ['AWS_OWNED_CMK', 'CUSTOMER_MANAGED_CMK'] }) ?? 'AWS_OWNED_CMK';
  const keyArn = v.str(o.KeyARN, `${path}.keyARN`, { min: 1, max: 512, pattern: /^arn:.*:kms:[a-zA-Z0-9-]+:\d{12}:(key|alias)\/[a-zA-Z_0-9+=,.@\-_/]+$/, patternText: 'arn:.*:kms:[a-zA-Z0-9\\-]+:\\d{12}:(key|alias)/[a-zA-Z_0-9+=,.@\\-_/]+' });
  v.throwIfAny();
  if (keyType === 'CUSTOMER_MANAGED_CMK' && !keyArn) throw invalidArgument('KeyARN must be specified when KeyType is CUSTOMER_MANAGED_CMK');
  if (keyType === 'AWS_OWNED_CMK' && keyArn) throw invalidArgument('KeyARN must not be specified when KeyType is AWS_OWNED_CMK');
  return keyArn ? { keyType, keyArn } : { keyType };
}

export function createFirehoseActions(engine: FirehoseEngine): Record<string, ActionHandler | undefined> {
  const CreateDeliveryStream: ActionHandler = async (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    const type = (v.str(input.DeliveryStreamType, 'deliveryStreamType', { enumValues: ['DirectPut', 'KinesisStreamAsSource', 'MSKAsSource', 'DatabaseAsSource'] }) ?? 'DirectPut');
    const src = v.obj(input.KinesisStreamSourceConfiguration, 'kinesisStreamSourceConfiguration');
    const kinesisArn = src ? v.str(src.KinesisStreamARN, 'kinesisStreamSourceConfiguration.kinesisStreamARN', { required: true, min: 1, max: 512, pattern: KINESIS_ARN_PATTERN, patternText: KINESIS_ARN_TEXT }) : undefined;
    const roleArn = src ? v.str(src.RoleARN, 'kinesisStreamSourceConfiguration.roleARN', { required: true, min: 1, max: 512, pattern: ROLE_ARN_PATTERN, patternText: ROLE_ARN_TEXT }) : undefined;
    const tags = input.Tags === undefined ? [] : parseTags(v, input.Tags, 'tags', false);
    v.throwIfAny();
    const encryption = encryptionInput(v, input.DeliveryStreamEncryptionConfigurationInput, 'deliveryStreamEncryptionConfigurationInput');

    if (type === 'MSKAsSource' || type === 'DatabaseAsSource') throw invalidArgument(`DeliveryStreamType ${type} is not supported by Freshet`);
    if (type === 'KinesisStreamAsSource' && !src) throw invalidArgument('KinesisStreamSourceConfiguration is required when DeliveryStreamType is KinesisStreamAsSource');
    if (type === 'DirectPut' && src) throw invalidArgument('KinesisStreamSourceConfiguration is only allowed when DeliveryStreamType is KinesisStreamAsSource');
    if (type === 'KinesisStreamAsSource' && encryption) throw invalidArgument('Server-side encryption is not supported for delivery streams that use a Kinesis data stream as source');
    const given = DESTINATION_FIELDS.filter((f) => input[f] !== undefined && input[f] !== null);
    if (given.length !== 1) throw invalidArgument('Exactly one destination configuration must be specified');
    const field = given[0]!;
    let destination: DestinationConfig;
    if (field === 'ExtendedS3DestinationConfiguration' || field === 'S3DestinationConfiguration') {
      const extended = field === 'ExtendedS3DestinationConfiguration';
      const raw = v.obj(input[field], extended ? 'extendedS3DestinationConfiguration' : 's3DestinationConfiguration')!;
      destination = { kind: 's3', extended, s3: parseS3(v, raw, extended ? 'extendedS3DestinationConfiguration' : 's3DestinationConfiguration', extended) };
    } else if (field === 'HttpEndpointDestinationConfiguration') {
      destination = { kind: 'http', http: parseHttp(v, v.obj(input[field], 'httpEndpointDestinationConfiguration')!, 'httpEndpointDestinationConfiguration') };
    } else {
      throw invalidArgument(`${field.replace('Configuration', '')} is not supported by Freshet; use ExtendedS3DestinationConfiguration, S3DestinationConfiguration or HttpEndpointDestinationConfiguration`);
    }
    checkDestinationResources(engine, destination);
    const arn = await engine.create({
      name,
      type: type as 'DirectPut' | 'KinesisStreamAsSource',
      destination,
      tags,
      encryption,
      source: src ? { kinesisStreamArn: kinesisArn!, roleArn: roleArn! } : undefined,
    });
    return { DeliveryStreamARN: arn };
  };

  const DeleteDeliveryStream: ActionHandler = async (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    v.bool(input.AllowForceDelete, 'allowForceDelete');
    v.throwIfAny();
    await engine.delete(name);
    return {};
  };

  const DescribeDeliveryStream: ActionHandler = (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    v.int(input.Limit, 'limit', { min: 1, max: 10000 });
    v.str(input.ExclusiveStartDestinationId, 'exclusiveStartDestinationId', { min: 1, max: 100, pattern: /^[a-zA-Z0-9-]+$/, patternText: '[a-zA-Z0-9-]+' });
    v.throwIfAny();
    return { DeliveryStreamDescription: engine.describe(name) };
  };

  const ListDeliveryStreams: ActionHandler = (input) => {
    const v = new Violations();
    const limit = v.int(input.Limit, 'limit', { min: 1, max: 10000 }) ?? 10;
    const type = v.str(input.DeliveryStreamType, 'deliveryStreamType', { enumValues: ['DirectPut', 'KinesisStreamAsSource', 'MSKAsSource', 'DatabaseAsSource'] });
    const start = v.str(input.ExclusiveStartDeliveryStreamName, 'exclusiveStartDeliveryStreamName', { min: 1, max: 64, pattern: /^[a-zA-Z0-9_.-]+$/, patternText: '[a-zA-Z0-9_.-]+' });
    v.throwIfAny();
    const { names, hasMore } = engine.list({ limit, type, exclusiveStart: start });
    return { DeliveryStreamNames: names, HasMoreDeliveryStreams: hasMore };
  };

  const PutRecord: ActionHandler = async (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    const rec = v.obj(input.Record, 'record', true);
    const data = rec ? decodeBlob(v, rec.Data, 'record.data') : new Uint8Array(0);
    v.throwIfAny();
    const offset = await engine.put(name, [data]);
    return { RecordId: FirehoseEngine.recordId(offset), Encrypted: engine.encrypted(name) };
  };

  const PutRecordBatch: ActionHandler = async (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    const list = v.list(input.Records, 'records', { required: true, min: 1, max: MAX_BATCH_RECORDS }) ?? [];
    const datas: Uint8Array[] = [];
    if (list.length <= MAX_BATCH_RECORDS) {
      for (let i = 0; i < list.length; i++) {
        const o = v.obj(list[i], `records.${i + 1}.member`, true);
        datas.push(o ? decodeBlob(v, o.Data, `records.${i + 1}.member.data`) : new Uint8Array(0));
      }
    }
    v.throwIfAny();
    let total = 0;
    for (const d of datas) total += d.length;
    if (total > MAX_BATCH_BYTES) throw invalidArgument(`Records size exceeds 4 MB limit`);
    let first: number;
    try {
      first = await engine.put(name, datas);
    } catch (e) {
      if (e instanceof AwsError) throw e;
      // Storage failed for the whole batch: every record is reported failed, as AWS does per record.
      return {
        FailedPutCount: datas.length,
        Encrypted: false,
        RequestResponses: datas.map(() => ({ ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' })),
      };
    }
    const responses = new Array(datas.length);
    const suffix = FirehoseEngine.recordIdSuffix();
    for (let i = 0; i < datas.length; i++) responses[i] = { RecordId: FirehoseEngine.recordId(first + i, suffix) };
    return { FailedPutCount: 0, Encrypted: engine.encrypted(name), RequestResponses: responses };
  };

  const UpdateDestination: ActionHandler = async (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    const version = v.str(input.CurrentDeliveryStreamVersionId, 'currentDeliveryStreamVersionId', { required: true, min: 1, max: 50, pattern: /^[0-9]+$/, patternText: '[0-9]+' }) ?? '';
    const destinationId = v.str(input.DestinationId, 'destinationId', { required: true, min: 1, max: 100, pattern: /^[a-zA-Z0-9-]+$/, patternText: '[a-zA-Z0-9-]+' }) ?? '';
    v.throwIfAny();
    const updates = ['S3DestinationUpdate', 'ExtendedS3DestinationUpdate', 'HttpEndpointDestinationUpdate', 'RedshiftDestinationUpdate', 'ElasticsearchDestinationUpdate', 'AmazonopensearchserviceDestinationUpdate', 'SplunkDestinationUpdate', 'AmazonOpenSearchServerlessDestinationUpdate', 'SnowflakeDestinationUpdate', 'IcebergDestinationUpdate']
      .filter((f) => input[f] !== undefined && input[f] !== null);
    if (updates.length !== 1) throw invalidArgument('Exactly one destination update must be specified');
    const field = updates[0]!;
    engine.meta(name); // ResourceNotFoundException first, as AWS does
    await engine.updateDestination(name, version, destinationId, (current) => {
      let next: DestinationConfig;
      if (field === 'ExtendedS3DestinationUpdate' || field === 'S3DestinationUpdate') {
        const raw = v.obj(input[field], field === 'ExtendedS3DestinationUpdate' ? 'extendedS3DestinationUpdate' : 's3DestinationUpdate')!;
        const path = field === 'ExtendedS3DestinationUpdate' ? 'extendedS3DestinationUpdate' : 's3DestinationUpdate';
        next = current.kind === 's3'
          ? { kind: 's3', extended: current.extended || field === 'ExtendedS3DestinationUpdate', s3: parseS3(v, raw, path, true, current.s3) }
          : { kind: 's3', extended: true, s3: parseS3(v, raw, path, true) };
      } else if (field === 'HttpEndpointDestinationUpdate') {
        const raw = v.obj(input[field], 'httpEndpointDestinationUpdate')!;
        next = current.kind === 'http' ? { kind: 'http', http: parseHttp(v, raw, 'httpEndpointDestinationUpdate', current.http) } : { kind: 'http', http: parseHttp(v, raw, 'httpEndpointDestinationUpdate') };
      } else {
        throw invalidArgument(`${field} is not supported by Freshet`);
      }
      checkDestinationResources(engine, next);
      return next;
    });
    return {};
  };

  const TagDeliveryStream: ActionHandler = async (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    const tags = parseTags(v, input.Tags, 'tags', true);
    v.throwIfAny();
    await engine.setTags(name, (current) => {
      const merged = mergeTags(current, tags);
      if (merged.length > MAX_TAGS) throw new AwsError('LimitExceededException', `Number of tags for delivery stream ${name} exceeds the limit of ${MAX_TAGS}.`);
      return merged;
    });
    return {};
  };

  const UntagDeliveryStream: ActionHandler = async (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    const keys = v.list(input.TagKeys, 'tagKeys', { required: true, min: 1, max: MAX_TAGS }) ?? [];
    keys.forEach((k, i) => v.str(k, `tagKeys.${i + 1}.member`, { required: true, min: 1, max: 128 }));
    v.throwIfAny();
    await engine.setTags(name, (current) => current.filter((t) => !keys.includes(t.Key)));
    return {};
  };

  const ListTagsForDeliveryStream: ActionHandler = (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    const start = v.str(input.ExclusiveStartTagKey, 'exclusiveStartTagKey', { min: 1, max: 128 });
    const limit = v.int(input.Limit, 'limit', { min: 1, max: 50 }) ?? 50;
    v.throwIfAny();
    const tags = engine.meta(name).tags;
    let from = 0;
    if (start !== undefined) {
      const i = tags.findIndex((t) => t.Key === start);
      from = i >= 0 ? i + 1 : tags.length;
    }
    const page = tags.slice(from, from + limit);
    return { Tags: page, HasMoreTags: from + limit < tags.length };
  };

  const StartDeliveryStreamEncryption: ActionHandler = async (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    v.throwIfAny();
    const cfg = encryptionInput(v, input.DeliveryStreamEncryptionConfigurationInput, 'deliveryStreamEncryptionConfigurationInput');
    await engine.setEncryption(name, true, cfg);
    return {};
  };

  const StopDeliveryStreamEncryption: ActionHandler = async (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    v.throwIfAny();
    await engine.setEncryption(name, false);
    return {};
  };

  const FreshetGetDeliveryStreamMetrics: ActionHandler = (input) => {
    const v = new Violations();
    const name = validateStreamName(v, input.DeliveryStreamName);
    v.throwIfAny();
    const meta = engine.meta(name);
    const bucket = meta.destination.kind === 's3' ? meta.destination.s3.bucket : meta.destination.http.s3.bucket;
    return { DeliveryStreamName: name, Metrics: engine.metrics(name), BucketPath: engine.bucketPath(bucket) ?? null };
  };

  return {
    CreateDeliveryStream,
    DeleteDeliveryStream,
    DescribeDeliveryStream,
    ListDeliveryStreams,
    ListTagsForDeliveryStream,
    PutRecord,
    PutRecordBatch,
    StartDeliveryStreamEncryption,
    StopDeliveryStreamEncryption,
    TagDeliveryStream,
    UntagDeliveryStream,
    UpdateDestination,
    FreshetGetDeliveryStreamMetrics,
  };
}

/** Resources a destination needs beyond its shape: a declared table for format conversion, a compilable JQ query. */
function checkDestinationResources(engine: FirehoseEngine, d: DestinationConfig): void {
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
      throw invalidArgument(`SchemaConfiguration refers to table ${sc?.DatabaseName ?? ''}.${sc?.TableName ?? ''}, which is not declared in the server's firehose.tables option`);
    }
  }
}

export type FirehoseService = AwsService & { readonly engine: FirehoseEngine };

/** The Firehose service for the Freshet server. */
export function createFirehoseService(deps: FirehoseDeps): FirehoseService {
  const engine = FirehoseEngine.open(deps);
  return {
    targetPrefix: 'Firehose_20150804',
    signingName: 'firehose',
    actions: createFirehoseActions(engine),
    maxRequestBytes: 6 * 1024 * 1024,
    engine,
    close: () => engine.close(),
  };
}
