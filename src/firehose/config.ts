/**
 * Destination configuration: AWS request shapes (ExtendedS3DestinationConfiguration,
 * S3DestinationConfiguration, HttpEndpointDestinationConfiguration and their
 * *Update forms) → one normalized, validated, serialisable config, and back to
 * AWS's *Description shapes for DescribeDeliveryStream.
 * Reference: Firehose API Reference, data types of the same names.
 */
import type { CompressionFormat } from './compression.ts';
import { validatePrefixes, PrefixError } from './prefix.ts';
import { assertTimeZone } from './java-time.ts';
import type {
  ExtendedS3DestinationUpdate,
  HttpEndpointDestinationUpdate,
  ProcessingConfiguration as ProcessingInput,
  S3DestinationConfiguration,
} from '../aws/models/firehose.ts';
import { firehoseErrors, invalidArgument } from './errors.ts';

/** Any of the S3 destination shapes (configuration or update, extended or not), validated against the model. */
export type S3Input = ExtendedS3DestinationUpdate & { S3BackupConfiguration?: S3DestinationConfiguration };
/** HttpEndpointDestinationConfiguration or its update, validated against the model. */
export type HttpInput = HttpEndpointDestinationUpdate & { S3Configuration?: S3DestinationConfiguration };

export interface ProcessorParam {
  ParameterName: string;
  ParameterValue: string;
}
export interface ProcessorConfig {
  Type: string;
  Parameters?: ProcessorParam[];
}
export interface ProcessingConfig {
  Enabled: boolean;
  Processors: ProcessorConfig[];
}

export interface ParquetColumn {
  name: string;
  type: string;
}

export interface S3DestConfig {
  bucketArn: string;
  bucket: string;
  roleArn: string;
  prefix?: string;
  errorOutputPrefix?: string;
  sizeInMBs: number;
  intervalInSeconds: number;
  compression: CompressionFormat;
  customTimeZone: string;
  fileExtension?: string;
  processing?: ProcessingConfig;
  dynamicPartitioning?: { enabled: boolean; retryDurationInSeconds: number };
  dataFormatConversion?: { enabled: boolean; raw: Record<string, unknown> };
  s3BackupMode: 'Disabled' | 'Enabled';
  s3Backup?: S3DestConfig;
  cloudWatchLoggingOptions?: Record<string, unknown>;
  encryptionConfiguration?: Record<string, unknown>;
}

export interface HttpDestConfig {
  url: string;
  name?: string;
  accessKey?: string;
  sizeInMBs: number;
  intervalInSeconds: number;
  contentEncoding: 'NONE' | 'GZIP';
  commonAttributes: { AttributeName: string; AttributeValue: string }[];
  retryDurationInSeconds: number;
  s3BackupMode: 'FailedDataOnly' | 'AllData';
  s3: S3DestConfig;
  processing?: ProcessingConfig;
  roleArn?: string;
  cloudWatchLoggingOptions?: Record<string, unknown>;
}

export type DestinationConfig = { kind: 's3'; extended: boolean; s3: S3DestConfig } | { kind: 'http'; http: HttpDestConfig };

function prefixCheck(prefix: string | undefined, errorOutputPrefix: string | undefined, dynamicPartitioning: boolean): void {
  try {
    validatePrefixes({ prefix, errorOutputPrefix, dynamicPartitioning });
  } catch (e) {
    // AWS's wording, typo included ("Ths supplied prefix(es) …"), as returned by the service.
    if (e instanceof PrefixError) throw invalidArgument(`Ths supplied prefix(es) do not satisfy the following constraint: ${e.message}`);
    throw e;
  }
}

/** A member the create form requires, missing from an update that changes the destination's kind. */
function missing(path: string): Error {
  return firehoseErrors.format('ValidationException', 'missing', { path });
}

function processingFrom(raw: ProcessingInput | undefined): ProcessingConfig | undefined {
  if (!raw) return undefined;
  const processors: ProcessorConfig[] = (raw.Processors ?? []).map((p) =>
    p.Parameters?.length
      ? { Type: p.Type, Parameters: p.Parameters.map((q) => ({ ParameterName: q.ParameterName, ParameterValue: q.ParameterValue })) }
      : { Type: p.Type },
  );
  return { Enabled: raw.Enabled ?? false, Processors: processors };
}

function checkProcessingSemantics(p: ProcessingConfig | undefined): void {
  if (!p?.Enabled) return;
  for (const proc of p.Processors) {
    const params = new Map((proc.Parameters ?? []).map((x) => [x.ParameterName, x.ParameterValue]));
    if (proc.Type === 'Lambda' && !params.get('LambdaArn')) throw invalidArgument('LambdaArn is a required parameter for a Lambda processor');
    if (proc.Type === 'MetadataExtraction' && !params.get('MetadataExtractionQuery'))
      throw invalidArgument('MetadataExtractionQuery is a required parameter for a MetadataExtraction processor');
    if (proc.Type === 'Lambda') {
      const size = params.get('BufferSizeInMBs');
      if (size !== undefined && !(Number(size) >= 0.2 && Number(size) <= 3))
        throw invalidArgument('BufferSizeInMBs for the Lambda processor must be between 0.2 and 3');
      const interval = params.get('BufferIntervalInSeconds');
      if (interval !== undefined && !(Number.isInteger(Number(interval)) && Number(interval) >= 60 && Number(interval) <= 900))
        throw invalidArgument('BufferIntervalInSeconds for the Lambda processor must be between 60 and 900');
      const retries = params.get('NumberOfRetries');
      if (retries !== undefined && !(Number.isInteger(Number(retries)) && Number(retries) >= 0 && Number(retries) <= 300))
        throw invalidArgument('NumberOfRetries must be between 0 and 300');
    }
    if (proc.Type === 'RecordDeAggregation') {
      const sub = params.get('SubRecordType');
      if (sub !== undefined && sub !== 'JSON' && sub !== 'DELIMITED') throw invalidArgument(`SubRecordType must be JSON or DELIMITED, got ${sub}`);
      if (sub === 'DELIMITED' && !params.get('Delimiter')) throw invalidArgument('Delimiter is required when SubRecordType is DELIMITED');
    }
    if (proc.Type === 'Decompression') {
      const cf = params.get('CompressionFormat');
      if (cf !== undefined && cf !== 'GZIP') throw invalidArgument(`CompressionFormat for the Decompression processor must be GZIP, got ${cf}`);
    }
  }
}

/**
 * ExtendedS3DestinationConfiguration (extended = true) or S3DestinationConfiguration, or their *Update
 * merged onto `base`, as one config; `path` names the member in errors. Semantic rules → InvalidArgumentException.
 */
export function parseS3(raw: S3Input, path: string, extended: boolean, base?: S3DestConfig): S3DestConfig {
  const bucketArn = raw.BucketARN ?? base?.bucketArn;
  if (bucketArn === undefined) throw missing(`${path}.bucketARN`);
  const roleArn = raw.RoleARN ?? base?.roleArn;
  if (roleArn === undefined) throw missing(`${path}.roleARN`);
  const prefix = raw.Prefix;
  const errorOutputPrefix = raw.ErrorOutputPrefix;
  const hints = raw.BufferingHints;
  const sizeInMBs = hints?.SizeInMBs;
  const intervalInSeconds = hints?.IntervalInSeconds;
  const compression = raw.CompressionFormat as CompressionFormat | undefined;
  const customTimeZone = extended ? raw.CustomTimeZone : undefined;
  const fileExtension = extended ? raw.FileExtension : undefined;
  const processing = extended ? processingFrom(raw.ProcessingConfiguration) : undefined;
  const dp = extended ? raw.DynamicPartitioningConfiguration : undefined;
  const dfc = extended ? raw.DataFormatConversionConfiguration : undefined;
  const backupMode = extended ? raw.S3BackupMode : undefined;
  const backupRaw = extended ? (raw.S3BackupConfiguration ?? raw.S3BackupUpdate) : undefined;
  const s3Backup = backupRaw ? parseS3(backupRaw, `${path}.s3BackupConfiguration`, false, base?.s3Backup) : base?.s3Backup;
  const cw = raw.CloudWatchLoggingOptions as Record<string, unknown> | undefined;
  const enc = raw.EncryptionConfiguration as Record<string, unknown> | undefined;

  const cfg: S3DestConfig = {
    bucketArn,
    bucket: bucketArn.slice(bucketArn.indexOf(':::') + 3),
    roleArn,
    prefix: prefix !== undefined ? prefix : base?.prefix,
    errorOutputPrefix: errorOutputPrefix !== undefined ? errorOutputPrefix : base?.errorOutputPrefix,
    sizeInMBs: sizeInMBs ?? (hints ? 5 : (base?.sizeInMBs ?? 5)),
    intervalInSeconds: intervalInSeconds ?? (hints ? 300 : (base?.intervalInSeconds ?? 300)),
    compression: compression ?? base?.compression ?? 'UNCOMPRESSED',
    customTimeZone: customTimeZone || base?.customTimeZone || 'UTC',
    fileExtension: fileExtension !== undefined ? fileExtension : base?.fileExtension,
    processing: processing ?? base?.processing,
    dynamicPartitioning: dp ? { enabled: dp.Enabled ?? false, retryDurationInSeconds: dp.RetryOptions?.DurationInSeconds ?? 300 } : base?.dynamicPartitioning,
    dataFormatConversion: dfc ? { enabled: dfc.Enabled !== false, raw: dfc as Record<string, unknown> } : base?.dataFormatConversion,
    s3BackupMode: backupMode ?? base?.s3BackupMode ?? 'Disabled',
    s3Backup,
    cloudWatchLoggingOptions: cw ?? base?.cloudWatchLoggingOptions,
    encryptionConfiguration: enc ?? base?.encryptionConfiguration,
  };
  if (cfg.prefix === '') delete cfg.prefix;
  if (cfg.errorOutputPrefix === '') delete cfg.errorOutputPrefix;
  if (cfg.fileExtension === '') delete cfg.fileExtension;

  // Semantic rules (InvalidArgumentException).
  try {
    assertTimeZone(cfg.customTimeZone);
  } catch {
    throw invalidArgument(`CustomTimeZone ${cfg.customTimeZone} is not a supported time zone`);
  }
  const dynamic = cfg.dynamicPartitioning?.enabled ?? false;
  prefixCheck(cfg.prefix, cfg.errorOutputPrefix, dynamic);
  if (dynamic && cfg.sizeInMBs < 64) throw invalidArgument('BufferingHints.SizeInMBs must be at least 64 when dynamic partitioning is enabled');
  // AWS's text (seen in users' reports); checked on a size given in this request.
  if (cfg.dataFormatConversion?.enabled && sizeInMBs !== undefined && sizeInMBs < 64) {
    throw invalidArgument('BufferingHints.SizeInMBs must be at least 64 when data format conversion is enabled.');
  }
  if (cfg.dataFormatConversion?.enabled && cfg.compression !== 'UNCOMPRESSED') {
    throw invalidArgument('CompressionFormat must be UNCOMPRESSED when data format conversion is enabled');
  }
  if (cfg.s3BackupMode === 'Enabled' && !cfg.s3Backup) throw invalidArgument('S3BackupConfiguration must be specified when S3BackupMode is Enabled');
  checkProcessingSemantics(cfg.processing);
  return cfg;
}

/** HttpEndpointDestinationConfiguration, or its update merged onto `base`. */
export function parseHttp(raw: HttpInput, path: string, base?: HttpDestConfig): HttpDestConfig {
  const ep = raw.EndpointConfiguration;
  if (!ep && !base) throw missing(`${path}.endpointConfiguration`);
  const url = ep?.Url;
  const name = ep?.Name;
  const accessKey = ep?.AccessKey;
  const hints = raw.BufferingHints;
  const sizeInMBs = hints?.SizeInMBs;
  const intervalInSeconds = hints?.IntervalInSeconds;
  const rc = raw.RequestConfiguration;
  const contentEncoding = rc?.ContentEncoding;
  const attrs = rc?.CommonAttributes;
  const retryDuration = raw.RetryOptions?.DurationInSeconds;
  const backupMode = raw.S3BackupMode;
  const s3Raw = raw.S3Configuration ?? raw.S3Update;
  if (!s3Raw && !base) throw missing(`${path}.s3Configuration`);
  const processing = processingFrom(raw.ProcessingConfiguration);
  const roleArn = raw.RoleARN;
  const cw = raw.CloudWatchLoggingOptions as Record<string, unknown> | undefined;
  const commonAttributes = attrs ? attrs.map((a) => ({ AttributeName: a.AttributeName, AttributeValue: a.AttributeValue })) : (base?.commonAttributes ?? []);
  const s3 = s3Raw ? parseS3(s3Raw, `${path}.s3Configuration`, false, base?.s3) : base!.s3;
  const cfg: HttpDestConfig = {
    url: url ?? base?.url ?? '',
    name: name ?? base?.name,
    accessKey: accessKey ?? (ep ? undefined : base?.accessKey),
    sizeInMBs: sizeInMBs ?? base?.sizeInMBs ?? 5,
    intervalInSeconds: intervalInSeconds ?? base?.intervalInSeconds ?? 300,
    contentEncoding: contentEncoding ?? base?.contentEncoding ?? 'NONE',
    commonAttributes,
    retryDurationInSeconds: retryDuration ?? base?.retryDurationInSeconds ?? 300,
    s3BackupMode: backupMode ?? base?.s3BackupMode ?? 'FailedDataOnly',
    s3,
    processing: processing ?? base?.processing,
    roleArn: roleArn ?? base?.roleArn,
    cloudWatchLoggingOptions: cw ?? base?.cloudWatchLoggingOptions,
  };
  checkProcessingSemantics(cfg.processing);
  return cfg;
}

function bufferingHints(size: number, interval: number) {
  return { SizeInMBs: size, IntervalInSeconds: interval };
}

const NO_CW = { Enabled: false };

function describeS3Plain(c: S3DestConfig) {
  return {
    RoleARN: c.roleArn,
    BucketARN: c.bucketArn,
    Prefix: c.prefix ?? '',
    ...(c.errorOutputPrefix !== undefined ? { ErrorOutputPrefix: c.errorOutputPrefix } : {}),
    BufferingHints: bufferingHints(c.sizeInMBs, c.intervalInSeconds),
    CompressionFormat: c.compression,
    EncryptionConfiguration: c.encryptionConfiguration ?? { NoEncryptionConfig: 'NoEncryption' },
    CloudWatchLoggingOptions: c.cloudWatchLoggingOptions ?? NO_CW,
  };
}

/** The `Destinations[0]` entry of DescribeDeliveryStream. */
export function describeDestination(d: DestinationConfig): Record<string, unknown> {
  if (d.kind === 's3') {
    const c = d.s3;
    return {
      DestinationId: 'destinationId-000000000001',
      S3DestinationDescription: describeS3Plain(c),
      ExtendedS3DestinationDescription: {
        ...describeS3Plain(c),
        ...(c.processing ? { ProcessingConfiguration: c.processing } : {}),
        S3BackupMode: c.s3BackupMode,
        ...(c.s3Backup ? { S3BackupDescription: describeS3Plain(c.s3Backup) } : {}),
        ...(c.dataFormatConversion ? { DataFormatConversionConfiguration: c.dataFormatConversion.raw } : {}),
        ...(c.dynamicPartitioning
          ? {
              DynamicPartitioningConfiguration: {
                Enabled: c.dynamicPartitioning.enabled,
                RetryOptions: { DurationInSeconds: c.dynamicPartitioning.retryDurationInSeconds },
              },
            }
          : {}),
        ...(c.fileExtension ? { FileExtension: c.fileExtension } : {}),
        ...(c.customTimeZone !== 'UTC' ? { CustomTimeZone: c.customTimeZone } : {}),
      },
    };
  }
  const h = d.http;
  return {
    DestinationId: 'destinationId-000000000001',
    HttpEndpointDestinationDescription: {
      EndpointConfiguration: { Url: h.url, ...(h.name ? { Name: h.name } : {}) },
      BufferingHints: bufferingHints(h.sizeInMBs, h.intervalInSeconds),
      CloudWatchLoggingOptions: h.cloudWatchLoggingOptions ?? NO_CW,
      RequestConfiguration: { ContentEncoding: h.contentEncoding, CommonAttributes: h.commonAttributes },
      ...(h.processing ? { ProcessingConfiguration: h.processing } : {}),
      ...(h.roleArn ? { RoleARN: h.roleArn } : {}),
      RetryOptions: { DurationInSeconds: h.retryDurationInSeconds },
      S3BackupMode: h.s3BackupMode,
      S3DestinationDescription: describeS3Plain(h.s3),
    },
  };
}
