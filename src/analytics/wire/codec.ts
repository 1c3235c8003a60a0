/**
 * The KinesisAnalytics_20150814 wire codec: AWS shapes (already validated by
 * wire/shapes.ts) to the internal model and back. Pure functions; no I/O.
 *
 * Reads:  Input, Output, ReferenceDataSource, SourceSchema, CloudWatchLoggingOption
 * Writes: ApplicationDetail, ApplicationSummary (timestamps as epoch seconds, as
 *         the JSON 1.1 protocol carries them).
 */
import type { AwsError } from '../../core/index.ts';
import type { AppInput, AppLoggingOption, AppOutput, AppReference, ApplicationConfig, ColumnSpec, Endpoint, RecordSchema } from '../model.ts';
import { inAppStreamNames } from '../model.ts';
import { analyticsErrors } from '../errors.ts';

type Wire = Record<string, unknown>;

function obj(v: unknown): Wire | undefined {
  return v && typeof v === 'object' ? (v as Wire) : undefined;
}

function invalid(message: string): AwsError {
  return analyticsErrors.create('InvalidArgumentException', message);
}

export function schemaFromWire(w: Wire, what: string): RecordSchema {
  const format = obj(w.RecordFormat)!;
  const type = format.RecordFormatType as 'JSON' | 'CSV';
  const mapping = obj(format.MappingParameters);
  const columns: ColumnSpec[] = (w.RecordColumns as Wire[]).map((c) => {
    const col: ColumnSpec = { name: c.Name as string, sqlType: c.SqlType as string };
    if (typeof c.Mapping === 'string') col.mapping = c.Mapping;
    return col;
  });
  const schema: RecordSchema = { format: type, columns };
  if (typeof w.RecordEncoding === 'string') schema.encoding = w.RecordEncoding;
  if (type === 'JSON') {
    const json = obj(mapping?.JSONMappingParameters);
    if (mapping?.CSVMappingParameters) throw invalid(`${what}: CSVMappingParameters given for a JSON record format`);
    schema.rowPath = (json?.RecordRowPath as string | undefined) ?? '$';
    for (const c of columns) if (c.mapping === undefined) c.mapping = `$.${c.name}`;
  } else {
    const csv = obj(mapping?.CSVMappingParameters);
    if (!csv) throw invalid(`${what}: CSVMappingParameters are required for a CSV record format`);
    schema.rowDelimiter = csv.RecordRowDelimiter as string;
    schema.columnDelimiter = csv.RecordColumnDelimiter as string;
  }
  const seen = new Set<string>();
  for (const c of columns) {
    if (c.name.length === 0) throw invalid(`${what}: a record column has an empty Name`);
    const key = c.name;
    if (seen.has(key)) throw invalid(`${what}: duplicate record column name ${c.name}`);
    seen.add(key);
  }
  return schema;
}

export function schemaToWire(s: RecordSchema): Wire {
  const mappingParameters =
    s.format === 'JSON'
      ? { JSONMappingParameters: { RecordRowPath: s.rowPath ?? '$' } }
      : { CSVMappingParameters: { RecordRowDelimiter: s.rowDelimiter, RecordColumnDelimiter: s.columnDelimiter } };
  const out: Wire = {
    RecordFormat: { RecordFormatType: s.format, MappingParameters: mappingParameters },
    RecordColumns: s.columns.map((c) =>
      c.mapping === undefined ? { Name: c.name, SqlType: c.sqlType } : { Name: c.name, Mapping: c.mapping, SqlType: c.sqlType },
    ),
  };
  out.RecordEncoding = s.encoding ?? 'UTF-8';
  return out;
}

function oneEndpoint(w: Wire, options: Array<[field: string, kind: Endpoint['kind']]>, what: string): Endpoint {
  const given = options.filter(([f]) => obj(w[f]));
  if (given.length !== 1) {
    throw invalid(`${what} must specify exactly one of ${options.map(([f]) => f).join(', ')}`);
  }
  const [field, kind] = given[0]!;
  const e = obj(w[field])!;
  return { kind, resourceArn: e.ResourceARN as string, roleArn: e.RoleARN as string };
}

export function inputFromWire(w: Wire, id: string): AppInput {
  const input: AppInput = {
    id,
    namePrefix: w.NamePrefix as string,
    source: oneEndpoint(
      w,
      [
        ['KinesisStreamsInput', 'kinesis'],
        ['KinesisFirehoseInput', 'firehose'],
      ],
      'Input',
    ),
    schema: schemaFromWire(obj(w.InputSchema)!, 'InputSchema'),
    parallelism: (obj(w.InputParallelism)?.Count as number | undefined) ?? 1,
  };
  const processor = obj(obj(w.InputProcessingConfiguration)?.InputLambdaProcessor);
  if (processor) input.processor = { resourceArn: processor.ResourceARN as string, roleArn: processor.RoleARN as string };
  return input;
}

export function outputFromWire(w: Wire, id: string): AppOutput {
  return {
    id,
    name: w.Name as string,
    destination: oneEndpoint(
      w,
      [
        ['KinesisStreamsOutput', 'kinesis'],
        ['KinesisFirehoseOutput', 'firehose'],
        ['LambdaOutput', 'lambda'],
      ],
      'Output',
    ),
    format: obj(w.DestinationSchema)!.RecordFormatType as 'JSON' | 'CSV',
  };
}

export function referenceFromWire(w: Wire, id: string): AppReference {
  const s3 = obj(w.S3ReferenceDataSource);
  if (!s3) throw invalid('ReferenceDataSource must specify S3ReferenceDataSource');
  return {
    id,
    tableName: w.TableName as string,
    bucketArn: s3.BucketARN as string,
    fileKey: s3.FileKey as string,
    roleArn: s3.ReferenceRoleARN as string,
    schema: schemaFromWire(obj(w.ReferenceSchema)!, 'ReferenceSchema'),
  };
}

export function loggingFromWire(w: Wire, id: string): AppLoggingOption {
  return { id, logStreamArn: w.LogStreamARN as string, roleArn: w.RoleARN as string };
}

const ENDPOINT_DESCRIPTION_FIELD = {
  input: { kinesis: 'KinesisStreamsInputDescription', firehose: 'KinesisFirehoseInputDescription', lambda: 'LambdaInputDescription' },
  output: { kinesis: 'KinesisStreamsOutputDescription', firehose: 'KinesisFirehoseOutputDescription', lambda: 'LambdaOutputDescription' },
} as const;

/** Epoch seconds with millisecond precision, as AWS JSON 1.1 carries timestamps. */
export function toEpochSeconds(ms: number): number {
  return ms / 1000;
}

export function applicationDetail(app: ApplicationConfig): Wire {
  const detail: Wire = {
    ApplicationName: app.name,
    ApplicationARN: app.arn,
    ApplicationStatus: app.status,
    CreateTimestamp: toEpochSeconds(app.createdMs),
    LastUpdateTimestamp: toEpochSeconds(app.updatedMs),
    InputDescriptions: app.inputs.map((i) => {
      const d: Wire = {
        InputId: i.id,
        NamePrefix: i.namePrefix,
        InAppStreamNames: inAppStreamNames(i),
        [ENDPOINT_DESCRIPTION_FIELD.input[i.source.kind]]: { ResourceARN: i.source.resourceArn, RoleARN: i.source.roleArn },
        InputSchema: schemaToWire(i.schema),
        InputParallelism: { Count: i.parallelism },
        InputStartingPositionConfiguration: i.startingPosition ? { InputStartingPosition: i.startingPosition } : {},
      };
      if (i.processor) {
        d.InputProcessingConfigurationDescription = { InputLambdaProcessorDescription: { ResourceARN: i.processor.resourceArn, RoleARN: i.processor.roleArn } };
      }
      return d;
    }),
    OutputDescriptions: app.outputs.map((o) => ({
      OutputId: o.id,
      Name: o.name,
      [ENDPOINT_DESCRIPTION_FIELD.output[o.destination.kind]]: { ResourceARN: o.destination.resourceArn, RoleARN: o.destination.roleArn },
      DestinationSchema: { RecordFormatType: o.format },
    })),
    ReferenceDataSourceDescriptions: app.references.map((r) => ({
      ReferenceId: r.id,
      TableName: r.tableName,
      S3ReferenceDataSourceDescription: { BucketARN: r.bucketArn, FileKey: r.fileKey, ReferenceRoleARN: r.roleArn },
      ReferenceSchema: schemaToWire(r.schema),
    })),
    CloudWatchLoggingOptionDescriptions: app.logging.map((l) => ({
      CloudWatchLoggingOptionId: l.id,
      LogStreamARN: l.logStreamArn,
      RoleARN: l.roleArn,
    })),
    ApplicationVersionId: app.versionId,
  };
  if (app.description !== undefined) detail.ApplicationDescription = app.description;
  if (app.code.length > 0) detail.ApplicationCode = app.code;
  return detail;
}

export function applicationSummary(app: ApplicationConfig): Wire {
  return { ApplicationName: app.name, ApplicationARN: app.arn, ApplicationStatus: app.status };
}
