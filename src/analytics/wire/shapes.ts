/**
 * Request shapes of Amazon Kinesis Analytics API version 2015-08-14 (v1, SQL
 * applications), with the constraints of the published service model:
 * https://docs.aws.amazon.com/kinesisanalytics/latest/dev/API_Reference.html
 */
import { compileValidator, type Shape, type Validator } from './validate.ts';

const applicationName: Shape = { t: 'string', min: 1, max: 128, pattern: '[a-zA-Z0-9_.-]+' };
const applicationDescription: Shape = { t: 'string', min: 0, max: 1024 };
const applicationCode: Shape = { t: 'string', min: 0, max: 102400 };
const versionId: Shape = { t: 'long', min: 1, max: 999999999 };
const id: Shape = { t: 'string', min: 1, max: 50, pattern: '[a-zA-Z0-9_.-]+' };
const resourceArn: Shape = { t: 'string', min: 1, max: 2048, pattern: 'arn:.*' };
const roleArn: Shape = { t: 'string', min: 1, max: 2048, pattern: 'arn:aws:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+' };
// The model's pattern uses Java possessive quantifiers (`\d{1}+`); this is the same language.
const analyticsArn: Shape = {
  t: 'string',
  min: 1,
  max: 2048,
  pattern: 'arn:aws:kinesisanalytics:[a-z]{2}-[a-z]+-\\d{1}:\\d{12}:application/[a-zA-Z0-9_.-]{1,128}',
};
const inAppStreamName: Shape = { t: 'string', min: 1, max: 32 };
const inAppTableName: Shape = { t: 'string', min: 1, max: 32 };
const recordFormatType: Shape = { t: 'string', enum: ['JSON', 'CSV'] };
const inputStartingPosition: Shape = { t: 'string', enum: ['NOW', 'TRIM_HORIZON', 'LAST_STOPPED_POINT'] };
const fileKey: Shape = { t: 'string', min: 1, max: 1024 };
const timestamp: Shape = { t: 'timestamp' };

function struct(members: Record<string, Shape>, required: string[] = []): Shape & { t: 'structure' } {
  return { t: 'structure', members, required };
}

const arnPair = (): Shape => struct({ ResourceARN: resourceArn, RoleARN: roleArn }, ['ResourceARN', 'RoleARN']);
const arnPairUpdate = (): Shape => struct({ ResourceARNUpdate: resourceArn, RoleARNUpdate: roleArn });

const recordColumn = struct({ Name: { t: 'string' }, Mapping: { t: 'string' }, SqlType: { t: 'string', min: 1 } }, ['Name', 'SqlType']);
const recordColumns: Shape = { t: 'list', member: recordColumn, min: 1, max: 1000 };
const recordFormat = struct(
  {
    RecordFormatType: recordFormatType,
    MappingParameters: struct({
      JSONMappingParameters: struct({ RecordRowPath: { t: 'string', min: 1 } }, ['RecordRowPath']),
      CSVMappingParameters: struct({ RecordRowDelimiter: { t: 'string', min: 1 }, RecordColumnDelimiter: { t: 'string', min: 1 } }, [
        'RecordRowDelimiter',
        'RecordColumnDelimiter',
      ]),
    }),
  },
  ['RecordFormatType'],
);
const recordEncoding: Shape = { t: 'string', pattern: 'UTF-8' };
const sourceSchema = struct({ RecordFormat: recordFormat, RecordEncoding: recordEncoding, RecordColumns: recordColumns }, ['RecordFormat', 'RecordColumns']);
const inputParallelism = struct({ Count: { t: 'integer', min: 1, max: 64 } });
const inputProcessingConfiguration = struct({ InputLambdaProcessor: arnPair() }, ['InputLambdaProcessor']);
const startingPositionConfiguration = struct({ InputStartingPosition: inputStartingPosition });

const input = struct(
  {
    NamePrefix: inAppStreamName,
    InputProcessingConfiguration: inputProcessingConfiguration,
    KinesisStreamsInput: arnPair(),
    KinesisFirehoseInput: arnPair(),
    InputParallelism: inputParallelism,
    InputSchema: sourceSchema,
  },
  ['NamePrefix', 'InputSchema'],
);

const destinationSchema = struct({ RecordFormatType: recordFormatType }, ['RecordFormatType']);
const output = struct(
  {
    Name: inAppStreamName,
    KinesisStreamsOutput: arnPair(),
    KinesisFirehoseOutput: arnPair(),
    LambdaOutput: arnPair(),
    DestinationSchema: destinationSchema,
  },
  ['Name', 'DestinationSchema'],
);

const s3ReferenceDataSource = struct({ BucketARN: { t: 'string', min: 1, max: 2048, pattern: 'arn:.*' }, FileKey: fileKey, ReferenceRoleARN: roleArn }, [
  'BucketARN',
  'FileKey',
  'ReferenceRoleARN',
]);
const referenceDataSource = struct({ TableName: inAppTableName, S3ReferenceDataSource: s3ReferenceDataSource, ReferenceSchema: sourceSchema }, [
  'TableName',
  'ReferenceSchema',
]);
const cloudWatchLoggingOption = struct({ LogStreamARN: resourceArn, RoleARN: roleArn }, ['LogStreamARN', 'RoleARN']);
const tag = struct({ Key: { t: 'string', min: 1, max: 128 }, Value: { t: 'string', min: 0, max: 256 } }, ['Key']);
const tags: Shape = { t: 'list', member: tag, min: 1, max: 200 };

const applicationUpdate = struct({
  InputUpdates: {
    t: 'list',
    member: struct(
      {
        InputId: id,
        NamePrefixUpdate: inAppStreamName,
        InputProcessingConfigurationUpdate: struct({ InputLambdaProcessorUpdate: arnPairUpdate() }, ['InputLambdaProcessorUpdate']),
        KinesisStreamsInputUpdate: arnPairUpdate(),
        KinesisFirehoseInputUpdate: arnPairUpdate(),
        InputSchemaUpdate: struct({ RecordFormatUpdate: recordFormat, RecordEncodingUpdate: recordEncoding, RecordColumnUpdates: recordColumns }),
        InputParallelismUpdate: struct({ CountUpdate: { t: 'integer', min: 1, max: 64 } }),
      },
      ['InputId'],
    ),
  },
  ApplicationCodeUpdate: applicationCode,
  OutputUpdates: {
    t: 'list',
    member: struct(
      {
        OutputId: id,
        NameUpdate: inAppStreamName,
        KinesisStreamsOutputUpdate: arnPairUpdate(),
        KinesisFirehoseOutputUpdate: arnPairUpdate(),
        LambdaOutputUpdate: arnPairUpdate(),
        DestinationSchemaUpdate: destinationSchema,
      },
      ['OutputId'],
    ),
  },
  ReferenceDataSourceUpdates: {
    t: 'list',
    member: struct(
      {
        ReferenceId: id,
        TableNameUpdate: inAppTableName,
        S3ReferenceDataSourceUpdate: struct({ BucketARNUpdate: resourceArn, FileKeyUpdate: fileKey, ReferenceRoleARNUpdate: roleArn }),
        ReferenceSchemaUpdate: sourceSchema,
      },
      ['ReferenceId'],
    ),
  },
  CloudWatchLoggingOptionUpdates: {
    t: 'list',
    member: struct({ CloudWatchLoggingOptionId: id, LogStreamARNUpdate: resourceArn, RoleARNUpdate: roleArn }, ['CloudWatchLoggingOptionId']),
  },
});

const versioned = (extra: Record<string, Shape>, required: string[]) =>
  struct({ ApplicationName: applicationName, CurrentApplicationVersionId: versionId, ...extra }, [
    'ApplicationName',
    'CurrentApplicationVersionId',
    ...required,
  ]);

/** One compiled validator per action, built once when this module loads. */
export const VALIDATORS: Readonly<Record<string, Validator>> = {
  CreateApplication: compileValidator(
    struct(
      {
        ApplicationName: applicationName,
        ApplicationDescription: applicationDescription,
        Inputs: { t: 'list', member: input },
        Outputs: { t: 'list', member: output },
        CloudWatchLoggingOptions: { t: 'list', member: cloudWatchLoggingOption },
        ApplicationCode: applicationCode,
        Tags: tags,
      },
      ['ApplicationName'],
    ),
  ),
  DescribeApplication: compileValidator(struct({ ApplicationName: applicationName }, ['ApplicationName'])),
  ListApplications: compileValidator(struct({ Limit: { t: 'integer', min: 1, max: 50 }, ExclusiveStartApplicationName: applicationName })),
  DeleteApplication: compileValidator(struct({ ApplicationName: applicationName, CreateTimestamp: timestamp }, ['ApplicationName', 'CreateTimestamp'])),
  StartApplication: compileValidator(
    struct(
      {
        ApplicationName: applicationName,
        InputConfigurations: {
          t: 'list',
          member: struct({ Id: id, InputStartingPositionConfiguration: startingPositionConfiguration }, ['Id', 'InputStartingPositionConfiguration']),
        },
      },
      ['ApplicationName', 'InputConfigurations'],
    ),
  ),
  StopApplication: compileValidator(struct({ ApplicationName: applicationName }, ['ApplicationName'])),
  UpdateApplication: compileValidator(versioned({ ApplicationUpdate: applicationUpdate }, ['ApplicationUpdate'])),
  AddApplicationInput: compileValidator(versioned({ Input: input }, ['Input'])),
  AddApplicationOutput: compileValidator(versioned({ Output: output }, ['Output'])),
  DeleteApplicationOutput: compileValidator(versioned({ OutputId: id }, ['OutputId'])),
  AddApplicationReferenceDataSource: compileValidator(versioned({ ReferenceDataSource: referenceDataSource }, ['ReferenceDataSource'])),
  DeleteApplicationReferenceDataSource: compileValidator(versioned({ ReferenceId: id }, ['ReferenceId'])),
  AddApplicationCloudWatchLoggingOption: compileValidator(versioned({ CloudWatchLoggingOption: cloudWatchLoggingOption }, ['CloudWatchLoggingOption'])),
  DeleteApplicationCloudWatchLoggingOption: compileValidator(versioned({ CloudWatchLoggingOptionId: id }, ['CloudWatchLoggingOptionId'])),
  DiscoverInputSchema: compileValidator(
    struct({
      ResourceARN: resourceArn,
      RoleARN: roleArn,
      InputStartingPositionConfiguration: startingPositionConfiguration,
      S3Configuration: struct({ RoleARN: roleArn, BucketARN: { t: 'string', min: 1, max: 2048, pattern: 'arn:.*' }, FileKey: fileKey }, [
        'RoleARN',
        'BucketARN',
        'FileKey',
      ]),
      InputProcessingConfiguration: inputProcessingConfiguration,
    }),
  ),
  TagResource: compileValidator(struct({ ResourceARN: analyticsArn, Tags: tags }, ['ResourceARN', 'Tags'])),
  UntagResource: compileValidator(
    struct(
      {
        ResourceARN: analyticsArn,
        TagKeys: { t: 'list', member: { t: 'string', min: 1, max: 128 }, min: 1, max: 200 },
      },
      ['ResourceARN', 'TagKeys'],
    ),
  ),
  ListTagsForResource: compileValidator(struct({ ResourceARN: analyticsArn }, ['ResourceARN'])),
};
