import type { ActionContext } from '../../aws/index.ts';
import type { DeliveryStreamEncryptionConfigurationInput, Tag as TagInput } from '../../aws/models/firehose.ts';
import type { FirehoseEngine, Tag } from '../engine.ts';
import type { DestinationConfig } from '../config.ts';
import { compileProcessors } from '../processors.ts';
import { invalidArgument } from '../errors.ts';

/** What a Firehose action receives besides its input: the request context and the engine. */
export type FirehoseContext = ActionContext<FirehoseEngine>;

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

/** Tags as the engine keeps them (AWS's Tag shape; Value left out when absent). */
export function tagsFrom(tags: readonly TagInput[] | undefined): Tag[] {
  return (tags ?? []).map((t) => (t.Value === undefined ? { Key: t.Key } : { Key: t.Key, Value: t.Value }));
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

/** DeliveryStreamEncryptionConfigurationInput's rule between KeyType and KeyARN. */
export function encryptionInput(raw: DeliveryStreamEncryptionConfigurationInput | undefined): { keyType: string; keyArn?: string } | undefined {
  if (!raw) return undefined;
  const { KeyType: keyType, KeyARN: keyArn } = raw;
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
