/**
 * Destination configuration: AWS request shapes (ExtendedS3DestinationConfiguration,
 * S3DestinationConfiguration, HttpEndpointDestinationConfiguration and their
 * *Update forms) → one normalized, validated, serialisable config, and back to
 * AWS's *Description shapes for DescribeDeliveryStream.
 * Reference: Firehose API Reference, data types of the same names.
 */
import { COMPRESSION_FORMATS } from './compression.ts';
import type { CompressionFormat } from './compression.ts';
import { validatePrefixes, PrefixError } from './prefix.ts';
import { assertTimeZone } from './java-time.ts';
import {
  type Violations,
  invalidArgument,
  BUCKET_ARN_PATTERN,
  BUCKET_ARN_TEXT,
  ROLE_ARN_PATTERN,
  ROLE_ARN_TEXT,
  FILE_EXTENSION_PATTERN,
  FILE_EXTENSION_TEXT,
} from './validate.ts';

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

const PROCESSOR_TYPES = ['RecordDeAggregation', 'Decompression', 'CloudWatchLogProcessing', 'Lambda', 'MetadataExtraction', 'AppendDelimiterToRecord'] as const;
const PARAM_NAMES = [
  'LambdaArn',
  'NumberOfRetries',
  'MetadataExtractionQuery',
  'JsonParsingEngine',
  'RoleArn',
  'BufferSizeInMBs',
  'BufferIntervalInSeconds',
  'SubRecordType',
  'Delimiter',
  'CompressionFormat',
  'DataMessageExtraction',
] as const;

function prefixCheck(prefix: string | undefined, errorOutputPrefix: string | undefined, dynamicPartitioning: boolean): void {
  try {
    validatePrefixes({ prefix, errorOutputPrefix, dynamicPartitioning });
  } catch (e) {
    // AWS's wording, typo included ("Ths supplied prefix(es) …"), as returned by the service.
    if (e instanceof PrefixError) throw invalidArgument(`Ths supplied prefix(es) do not satisfy the following constraint: ${e.message}`);
    throw e;
  }
}

function parseProcessing(v: Violations, raw: Record<string, unknown> | undefined, path: string): ProcessingConfig | undefined {
  if (!raw) return undefined;
  const enabled = v.bool(raw.Enabled, `${path}.enabled`) ?? false;
  const list = v.list(raw.Processors, `${path}.processors`, {}) ?? [];
  const processors: ProcessorConfig[] = [];
  list.forEach((p, i) => {
    const o = v.obj(p, `${path}.processors.${i + 1}.member`) ?? {};
    const Type = v.str(o.Type, `${path}.processors.${i + 1}.member.type`, { required: true, enumValues: PROCESSOR_TYPES }) ?? '';
    const params = v.list(o.Parameters, `${path}.processors.${i + 1}.member.parameters`, {}) ?? [];
    const Parameters: ProcessorParam[] = params.map((q, j) => {
      const po = v.obj(q, `${path}.processors.${i + 1}.member.parameters.${j + 1}.member`) ?? {};
      return {
        ParameterName:
          v.str(po.ParameterName, `${path}.processors.${i + 1}.member.parameters.${j + 1}.member.parameterName`, { required: true, enumValues: PARAM_NAMES }) ??
          '',
        ParameterValue:
          v.str(po.ParameterValue, `${path}.processors.${i + 1}.member.parameters.${j + 1}.member.parameterValue`, { required: true, min: 1, max: 5120 }) ?? '',
      };
    });
    processors.push(Parameters.length ? { Type, Parameters } : { Type });
  });
  return { Enabled: enabled, Processors: processors };
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

/** Parses ExtendedS3DestinationConfiguration (extended = true) or S3DestinationConfiguration. `base` merges an *Update onto an existing config. */
export function parseS3(v: Violations, raw: Record<string, unknown>, path: string, extended: boolean, base?: S3DestConfig): S3DestConfig {
  const isUpdate = base !== undefined;
  const bucketArn =
    v.str(raw.BucketARN, `${path}.bucketARN`, { required: !isUpdate, min: 1, max: 2048, pattern: BUCKET_ARN_PATTERN, patternText: BUCKET_ARN_TEXT }) ??
    base?.bucketArn ??
    '';
  const roleArn =
    v.str(raw.RoleARN, `${path}.roleARN`, { required: !isUpdate, min: 1, max: 512, pattern: ROLE_ARN_PATTERN, patternText: ROLE_ARN_TEXT }) ??
    base?.roleArn ??
    '';
  const prefix = v.str(raw.Prefix, `${path}.prefix`, { max: 1024 });
  const errorOutputPrefix = v.str(raw.ErrorOutputPrefix, `${path}.errorOutputPrefix`, { max: 1024 });
  const hints = v.obj(raw.BufferingHints, `${path}.bufferingHints`);
  const sizeInMBs = v.int(hints?.SizeInMBs, `${path}.bufferingHints.sizeInMBs`, { min: 1, max: 128 });
  const intervalInSeconds = v.int(hints?.IntervalInSeconds, `${path}.bufferingHints.intervalInSeconds`, { min: 0, max: 900 });
  const compression = v.str(raw.CompressionFormat, `${path}.compressionFormat`, { enumValues: COMPRESSION_FORMATS }) as CompressionFormat | undefined;
  const customTimeZone = extended ? v.str(raw.CustomTimeZone, `${path}.customTimeZone`, { max: 50 }) : undefined;
  const fileExtension = extended
    ? v.str(raw.FileExtension, `${path}.fileExtension`, { max: 128, pattern: FILE_EXTENSION_PATTERN, patternText: FILE_EXTENSION_TEXT })
    : undefined;
  const processing = extended
    ? parseProcessing(v, v.obj(raw.ProcessingConfiguration, `${path}.processingConfiguration`), `${path}.processingConfiguration`)
    : undefined;
  const dp = extended ? v.obj(raw.DynamicPartitioningConfiguration, `${path}.dynamicPartitioningConfiguration`) : undefined;
  const dpEnabled = dp ? v.bool(dp.Enabled, `${path}.dynamicPartitioningConfiguration.enabled`) : undefined;
  const dpRetry = dp
    ? v.int(
        v.obj(dp.RetryOptions, `${path}.dynamicPartitioningConfiguration.retryOptions`)?.DurationInSeconds,
        `${path}.dynamicPartitioningConfiguration.retryOptions.durationInSeconds`,
        { min: 0, max: 7200 },
      )
    : undefined;
  const dfc = extended ? v.obj(raw.DataFormatConversionConfiguration, `${path}.dataFormatConversionConfiguration`) : undefined;
  const backupMode = extended
    ? (v.str(raw.S3BackupMode, `${path}.s3BackupMode`, { enumValues: ['Disabled', 'Enabled'] }) as 'Disabled' | 'Enabled' | undefined)
    : undefined;
  const backupRaw = extended ? v.obj(raw.S3BackupConfiguration ?? raw.S3BackupUpdate, `${path}.s3BackupConfiguration`) : undefined;
  const s3Backup = backupRaw ? parseS3(v, backupRaw, `${path}.s3BackupConfiguration`, false, isUpdate ? base?.s3Backup : undefined) : base?.s3Backup;
  const cw = v.obj(raw.CloudWatchLoggingOptions, `${path}.cloudWatchLoggingOptions`);
  const enc = v.obj(raw.EncryptionConfiguration, `${path}.encryptionConfiguration`);
  v.throwIfAny();

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
    dynamicPartitioning: dp ? { enabled: dpEnabled ?? false, retryDurationInSeconds: dpRetry ?? 300 } : base?.dynamicPartitioning,
    dataFormatConversion: dfc ? { enabled: dfc.Enabled !== false, raw: dfc } : base?.dataFormatConversion,
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

export function parseHttp(v: Violations, raw: Record<string, unknown>, path: string, base?: HttpDestConfig): HttpDestConfig {
  const isUpdate = base !== undefined;
  const ep = v.obj(raw.EndpointConfiguration, `${path}.endpointConfiguration`, !isUpdate);
  // AWS requires https://; Freshet also accepts http:// so local endpoints work (documented difference).
  const url = v.str(ep?.Url, `${path}.endpointConfiguration.url`, {
    required: !!ep,
    min: 1,
    max: 1000,
    pattern: /^https?:\/\/.+$/,
    patternText: '^https://.*',
  });
  const name = v.str(ep?.Name, `${path}.endpointConfiguration.name`, { min: 1, max: 256 });
  const accessKey = v.str(ep?.AccessKey, `${path}.endpointConfiguration.accessKey`, { max: 4096 });
  const hints = v.obj(raw.BufferingHints, `${path}.bufferingHints`);
  const sizeInMBs = v.int(hints?.SizeInMBs, `${path}.bufferingHints.sizeInMBs`, { min: 1, max: 64 });
  const intervalInSeconds = v.int(hints?.IntervalInSeconds, `${path}.bufferingHints.intervalInSeconds`, { min: 0, max: 900 });
  const rc = v.obj(raw.RequestConfiguration, `${path}.requestConfiguration`);
  const contentEncoding = v.str(rc?.ContentEncoding, `${path}.requestConfiguration.contentEncoding`, { enumValues: ['NONE', 'GZIP'] }) as
    | 'NONE'
    | 'GZIP'
    | undefined;
  const attrs = v.list(rc?.CommonAttributes, `${path}.requestConfiguration.commonAttributes`, { max: 50 });
  const retry = v.obj(raw.RetryOptions, `${path}.retryOptions`);
  const retryDuration = v.int(retry?.DurationInSeconds, `${path}.retryOptions.durationInSeconds`, { min: 0, max: 7200 });
  const backupMode = v.str(raw.S3BackupMode, `${path}.s3BackupMode`, { enumValues: ['FailedDataOnly', 'AllData'] }) as 'FailedDataOnly' | 'AllData' | undefined;
  const s3Raw = v.obj(raw.S3Configuration ?? raw.S3Update, `${path}.s3Configuration`, !isUpdate);
  const processing = parseProcessing(v, v.obj(raw.ProcessingConfiguration, `${path}.processingConfiguration`), `${path}.processingConfiguration`);
  const roleArn = v.str(raw.RoleARN, `${path}.roleARN`, { min: 1, max: 512, pattern: ROLE_ARN_PATTERN, patternText: ROLE_ARN_TEXT });
  const cw = v.obj(raw.CloudWatchLoggingOptions, `${path}.cloudWatchLoggingOptions`);
  v.throwIfAny();
  const commonAttributes = attrs
    ? attrs.map((a) => {
        const o = (a ?? {}) as Record<string, unknown>;
        return { AttributeName: String(o.AttributeName ?? ''), AttributeValue: String(o.AttributeValue ?? '') };
      })
    : (base?.commonAttributes ?? []);
  const s3 = s3Raw ? parseS3(v, s3Raw, `${path}.s3Configuration`, false, isUpdate ? base?.s3 : undefined) : base!.s3;
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
