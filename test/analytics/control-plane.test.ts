import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  AddApplicationOutputCommand,
  AddApplicationReferenceDataSourceCommand,
  CreateApplicationCommand,
  DeleteApplicationCommand,
  DeleteApplicationOutputCommand,
  DescribeApplicationCommand,
  DiscoverInputSchemaCommand,
  ListApplicationsCommand,
  ListTagsForResourceCommand,
  StartApplicationCommand,
  StopApplicationCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateApplicationCommand,
  AddApplicationInputProcessingConfigurationCommand,
  AddApplicationInputCommand,
  type CreateApplicationCommandInput,
  type Input,
} from '@aws-sdk/client-kinesis-analytics';
import { CreateStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { MemoryStorage } from '../../src/storage/index.ts';
import { ManualClock } from '../../src/core/index.ts';
import { ACTION_NAMES } from '../../src/analytics/index.ts';
import { awsError, ROLE, startHarness, streamArn, uniqueName, type Harness } from './helpers.ts';

const S1_INPUT: Input = {
  NamePrefix: 'STORE_REVENUE_PER_MIN',
  KinesisStreamsInput: { ResourceARN: streamArn('sales'), RoleARN: ROLE },
  InputSchema: {
    RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
    RecordColumns: [
      { Name: 'category', SqlType: 'VARCHAR(16)', Mapping: '$.category' },
      { Name: 'store_id', SqlType: 'VARCHAR(16)', Mapping: '$.store_id' },
      { Name: 'sales', SqlType: 'REAL', Mapping: '$.sales' },
    ],
  },
};

function createInput(name: string, extra: Partial<CreateApplicationCommandInput> = {}): CreateApplicationCommandInput {
  return {
    ApplicationName: name,
    ApplicationDescription: 'revenue per store',
    Inputs: [S1_INPUT],
    Outputs: [
      {
        Name: 'DEST_SQL_STREAM_BY_STORE_ID',
        KinesisStreamsOutput: { ResourceARN: streamArn('revenue'), RoleARN: ROLE },
        DestinationSchema: { RecordFormatType: 'JSON' },
      },
    ],
    ApplicationCode: 'CREATE OR REPLACE STREAM "X" ("a" INTEGER);',
    ...extra,
  };
}

describe('Kinesis Analytics control plane', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('implements every KinesisAnalytics_20150814 action of its table (the processing-configuration ones too)', async () => {
    assert.equal(ACTION_NAMES.length, 20);
    const e = await awsError(() =>
      h.analytics.send(
        new AddApplicationInputProcessingConfigurationCommand({
          ApplicationName: 'x',
          CurrentApplicationVersionId: 1,
          InputId: '1.1',
          InputProcessingConfiguration: { InputLambdaProcessor: { ResourceARN: 'arn:aws:lambda:us-east-1:000000000000:function:f', RoleARN: ROLE } },
        }),
      ),
    );
    assert.equal(e.name, 'ResourceNotFoundException');
  });

  it('creates an application and describes it as AWS shapes ApplicationDetail', async () => {
    const name = uniqueName('s1');
    const created = await h.analytics.send(new CreateApplicationCommand(createInput(name, { Tags: [{ Key: 'team', Value: 'data' }] })));
    assert.deepEqual(created.ApplicationSummary, {
      ApplicationName: name,
      ApplicationARN: `arn:aws:kinesisanalytics:us-east-1:000000000000:application/${name}`,
      ApplicationStatus: 'READY',
    });
    const { ApplicationDetail: d } = await h.analytics.send(new DescribeApplicationCommand({ ApplicationName: name }));
    assert.ok(d);
    assert.equal(d.ApplicationVersionId, 1);
    assert.equal(d.ApplicationStatus, 'READY');
    assert.equal(d.ApplicationDescription, 'revenue per store');
    assert.equal(d.CreateTimestamp?.getTime(), h.clock.now());
    assert.equal(d.LastUpdateTimestamp?.getTime(), h.clock.now());
    assert.equal(d.ApplicationCode, 'CREATE OR REPLACE STREAM "X" ("a" INTEGER);');
    assert.deepEqual(d.InputDescriptions, [
      {
        InputId: '1.1',
        NamePrefix: 'STORE_REVENUE_PER_MIN',
        InAppStreamNames: ['STORE_REVENUE_PER_MIN_001'],
        KinesisStreamsInputDescription: { ResourceARN: streamArn('sales'), RoleARN: ROLE },
        InputSchema: { ...S1_INPUT.InputSchema, RecordEncoding: 'UTF-8' },
        InputParallelism: { Count: 1 },
        InputStartingPositionConfiguration: {},
      },
    ]);
    assert.deepEqual(d.OutputDescriptions, [
      {
        OutputId: '1.1',
        Name: 'DEST_SQL_STREAM_BY_STORE_ID',
        KinesisStreamsOutputDescription: { ResourceARN: streamArn('revenue'), RoleARN: ROLE },
        DestinationSchema: { RecordFormatType: 'JSON' },
      },
    ]);
    assert.deepEqual(d.ReferenceDataSourceDescriptions, []);
  });

  it('rejects a second application with the same name with ResourceInUseException', async () => {
    const name = uniqueName('dup');
    await h.analytics.send(new CreateApplicationCommand({ ApplicationName: name }));
    const e = await awsError(() => h.analytics.send(new CreateApplicationCommand({ ApplicationName: name })));
    assert.equal(e.name, 'ResourceInUseException');
    assert.equal(e.message, `Application ${name} already exists`);
  });

  it('validates requests against the model constraints with AWS ValidationException texts', async () => {
    const e1 = await awsError(() => h.analytics.send(new CreateApplicationCommand({ ApplicationName: 'bad name!' })));
    assert.equal(e1.name, 'ValidationException');
    assert.equal(
      e1.message,
      "1 validation error detected: Value 'bad name!' at 'applicationName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    );
    const e2 = await awsError(() =>
      h.analytics.send(
        new CreateApplicationCommand({
          ApplicationName: uniqueName('v'),
          Inputs: [{ ...S1_INPUT, NamePrefix: 'P'.repeat(33), InputParallelism: { Count: 65 } }],
        }),
      ),
    );
    assert.equal(e2.name, 'ValidationException');
    assert.equal(
      e2.message,
      `2 validation errors detected: Value '${'P'.repeat(33)}' at 'inputs.1.member.namePrefix' failed to satisfy constraint: Member must have length less than or equal to 32; ` +
        "Value '65' at 'inputs.1.member.inputParallelism.count' failed to satisfy constraint: Member must have value less than or equal to 64",
    );
    const e3 = await awsError(() =>
      h.analytics.send(
        new CreateApplicationCommand({
          ApplicationName: uniqueName('v'),
          Inputs: [{ ...S1_INPUT, KinesisStreamsInput: { ResourceARN: streamArn('sales'), RoleARN: 'not-a-role' } }],
        }),
      ),
    );
    assert.match(
      e3.message,
      /Value 'not-a-role' at 'inputs\.1\.member\.kinesisStreamsInput\.roleARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws:iam::/,
    );
  });

  it('answers ResourceNotFoundException for an unknown application', async () => {
    const e = await awsError(() => h.analytics.send(new DescribeApplicationCommand({ ApplicationName: 'nope' })));
    assert.equal(e.name, 'ResourceNotFoundException');
    assert.equal(e.message, 'Application nope is not found');
  });

  it('rejects an input with two sources and an output to a non-stream ARN with InvalidArgumentException', async () => {
    const e1 = await awsError(() =>
      h.analytics.send(
        new CreateApplicationCommand({
          ApplicationName: uniqueName('two'),
          Inputs: [{ ...S1_INPUT, KinesisFirehoseInput: { ResourceARN: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/d', RoleARN: ROLE } }],
        }),
      ),
    );
    assert.equal(e1.name, 'InvalidArgumentException');
    const e2 = await awsError(() =>
      h.analytics.send(
        new CreateApplicationCommand(
          createInput(uniqueName('bad-out'), {
            Outputs: [
              { Name: 'O', KinesisStreamsOutput: { ResourceARN: 'arn:aws:s3:::bucket', RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'CSV' } },
            ],
          }),
        ),
      ),
    );
    assert.equal(e2.name, 'InvalidArgumentException');
    assert.match(e2.message, /is not a Kinesis stream ARN/);
  });

  it('pages ListApplications with Limit and ExclusiveStartApplicationName', async () => {
    const names = ['list-a', 'list-b', 'list-c'];
    for (const n of names) await h.analytics.send(new CreateApplicationCommand({ ApplicationName: n }));
    const all = await h.analytics.send(new ListApplicationsCommand({}));
    const listed = all.ApplicationSummaries!.map((s) => s.ApplicationName!);
    assert.deepEqual(listed, [...listed].sort());
    const page1 = await h.analytics.send(new ListApplicationsCommand({ Limit: 2, ExclusiveStartApplicationName: 'list-0' }));
    assert.deepEqual(
      page1.ApplicationSummaries!.map((s) => s.ApplicationName),
      ['list-a', 'list-b'],
    );
    assert.equal(page1.HasMoreApplications, true);
    const page2 = await h.analytics.send(new ListApplicationsCommand({ Limit: 2, ExclusiveStartApplicationName: 'list-b' }));
    assert.equal(page2.ApplicationSummaries![0]!.ApplicationName, 'list-c');
  });

  it('bumps ApplicationVersionId on every change and refuses a stale CurrentApplicationVersionId', async () => {
    const name = uniqueName('ver');
    await h.analytics.send(new CreateApplicationCommand(createInput(name)));
    h.clock.advance(5_000);
    await h.analytics.send(
      new UpdateApplicationCommand({
        ApplicationName: name,
        CurrentApplicationVersionId: 1,
        ApplicationUpdate: {
          ApplicationCodeUpdate: 'CREATE OR REPLACE STREAM "Y" ("b" INTEGER);',
          InputUpdates: [{ InputId: '1.1', NamePrefixUpdate: 'SOURCE_SQL_STREAM', InputParallelismUpdate: { CountUpdate: 2 } }],
          OutputUpdates: [{ OutputId: '1.1', DestinationSchemaUpdate: { RecordFormatType: 'CSV' } }],
        },
      }),
    );
    const stale = await awsError(() =>
      h.analytics.send(
        new UpdateApplicationCommand({
          ApplicationName: name,
          CurrentApplicationVersionId: 1,
          ApplicationUpdate: { ApplicationCodeUpdate: '' },
        }),
      ),
    );
    assert.equal(stale.name, 'ConcurrentModificationException');
    assert.equal(stale.message, 'Provided application version id (1) does not match the current application version id (2)');
    await h.analytics.send(
      new AddApplicationOutputCommand({
        ApplicationName: name,
        CurrentApplicationVersionId: 2,
        Output: {
          Name: 'error_stream',
          KinesisStreamsOutput: { ResourceARN: streamArn('errors'), RoleARN: ROLE },
          DestinationSchema: { RecordFormatType: 'JSON' },
        },
      }),
    );
    await h.analytics.send(new DeleteApplicationOutputCommand({ ApplicationName: name, CurrentApplicationVersionId: 3, OutputId: '1.1' }));
    const missing = await awsError(() =>
      h.analytics.send(new DeleteApplicationOutputCommand({ ApplicationName: name, CurrentApplicationVersionId: 4, OutputId: '1.1' })),
    );
    assert.equal(missing.name, 'ResourceNotFoundException');
    await h.analytics.send(
      new AddApplicationReferenceDataSourceCommand({
        ApplicationName: name,
        CurrentApplicationVersionId: 4,
        ReferenceDataSource: {
          TableName: 'COMPANY',
          S3ReferenceDataSource: { BucketARN: 'arn:aws:s3:::ref-bucket', FileKey: 'company.csv', ReferenceRoleARN: ROLE },
          ReferenceSchema: {
            RecordFormat: { RecordFormatType: 'CSV', MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: ',' } } },
            RecordColumns: [
              { Name: 'Ticker', SqlType: 'VARCHAR(4)' },
              { Name: 'Company', SqlType: 'VARCHAR(64)' },
            ],
          },
        },
      }),
    );
    const { ApplicationDetail: d } = await h.analytics.send(new DescribeApplicationCommand({ ApplicationName: name }));
    assert.equal(d!.ApplicationVersionId, 5);
    assert.equal(d!.ApplicationCode, 'CREATE OR REPLACE STREAM "Y" ("b" INTEGER);');
    assert.deepEqual(d!.InputDescriptions![0]!.InAppStreamNames, ['SOURCE_SQL_STREAM_001', 'SOURCE_SQL_STREAM_002']);
    assert.deepEqual(
      d!.OutputDescriptions!.map((o) => [o.OutputId, o.Name]),
      [['1.2', 'error_stream']],
    );
    assert.equal(d!.ReferenceDataSourceDescriptions![0]!.ReferenceId, '1.1');
    assert.equal(d!.ReferenceDataSourceDescriptions![0]!.TableName, 'COMPANY');
    assert.ok(d!.LastUpdateTimestamp!.getTime() > d!.CreateTimestamp!.getTime());
  });

  it('allows only one input per application', async () => {
    const name = uniqueName('one-input');
    await h.analytics.send(new CreateApplicationCommand(createInput(name)));
    const e = await awsError(() =>
      h.analytics.send(new AddApplicationInputCommand({ ApplicationName: name, CurrentApplicationVersionId: 1, Input: S1_INPUT })),
    );
    assert.equal(e.name, 'InvalidArgumentException');
  });

  it('deletes an application only with its CreateTimestamp', async () => {
    const name = uniqueName('del');
    await h.analytics.send(new CreateApplicationCommand({ ApplicationName: name }));
    const { ApplicationDetail: d } = await h.analytics.send(new DescribeApplicationCommand({ ApplicationName: name }));
    const wrong = await awsError(() =>
      h.analytics.send(new DeleteApplicationCommand({ ApplicationName: name, CreateTimestamp: new Date(d!.CreateTimestamp!.getTime() - 1000) })),
    );
    assert.equal(wrong.name, 'ConcurrentModificationException');
    await h.analytics.send(new DeleteApplicationCommand({ ApplicationName: name, CreateTimestamp: d!.CreateTimestamp! }));
    const gone = await awsError(() => h.analytics.send(new DescribeApplicationCommand({ ApplicationName: name })));
    assert.equal(gone.name, 'ResourceNotFoundException');
  });

  it('tags, lists and untags an application by ARN; more than 50 tags is TooManyTagsException', async () => {
    const name = uniqueName('tags');
    const { ApplicationSummary: s } = await h.analytics.send(new CreateApplicationCommand({ ApplicationName: name, Tags: [{ Key: 'a', Value: '1' }] }));
    const arn = s!.ApplicationARN!;
    await h.analytics.send(
      new TagResourceCommand({
        ResourceARN: arn,
        Tags: [
          { Key: 'b', Value: '2' },
          { Key: 'a', Value: '3' },
        ],
      }),
    );
    let tags = await h.analytics.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
    assert.deepEqual(tags.Tags, [
      { Key: 'a', Value: '3' },
      { Key: 'b', Value: '2' },
    ]);
    await h.analytics.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['a'] }));
    tags = await h.analytics.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
    assert.deepEqual(tags.Tags, [{ Key: 'b', Value: '2' }]);
    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    const e = await awsError(() => h.analytics.send(new TagResourceCommand({ ResourceARN: arn, Tags: many })));
    assert.equal(e.name, 'TooManyTagsException');
    const nf = await awsError(() =>
      h.analytics.send(new ListTagsForResourceCommand({ ResourceARN: 'arn:aws:kinesisanalytics:us-east-1:000000000000:application/none' })),
    );
    assert.equal(nf.name, 'ResourceNotFoundException');
    const { ApplicationDetail: d } = await h.analytics.send(new DescribeApplicationCommand({ ApplicationName: name }));
    assert.equal(d!.ApplicationVersionId, 1, 'tags do not change the version');
  });

  it('refuses to start an application whose input stream does not exist, leaving it READY', async () => {
    const name = uniqueName('nostream');
    await h.analytics.send(
      new CreateApplicationCommand(
        createInput(name, {
          Inputs: [{ ...S1_INPUT, KinesisStreamsInput: { ResourceARN: streamArn('does-not-exist'), RoleARN: ROLE } }],
        }),
      ),
    );
    const e = await awsError(() =>
      h.analytics.send(
        new StartApplicationCommand({
          ApplicationName: name,
          InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'NOW' } }],
        }),
      ),
    );
    assert.equal(e.name, 'InvalidApplicationConfigurationException');
    assert.match(e.message, /stream does-not-exist .* does not exist/);
    const { ApplicationDetail: d } = await h.analytics.send(new DescribeApplicationCommand({ ApplicationName: name }));
    assert.equal(d!.ApplicationStatus, 'READY');
    const bad = await awsError(() =>
      h.analytics.send(
        new StartApplicationCommand({
          ApplicationName: name,
          InputConfigurations: [{ Id: '9.9', InputStartingPositionConfiguration: { InputStartingPosition: 'NOW' } }],
        }),
      ),
    );
    assert.equal(bad.name, 'InvalidArgumentException');
    // "You can stop an application only if it is in the running state" (StopApplication reference).
    const stop = await awsError(() => h.analytics.send(new StopApplicationCommand({ ApplicationName: name })));
    assert.equal(stop.name, 'ResourceInUseException');
  });

  it('discovers a JSON schema from the records in a stream', async () => {
    const stream = uniqueName('disc');
    await h.kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    h.clock.advance(10);
    const trades = [
      { tickerSymbol: 'AMZN', tradeType: 'BUY', price: 100.5, quantity: 12, id: 1, meta: { venue: 'XNAS' } },
      { tickerSymbol: 'GOOGL', tradeType: 'SELL', price: 99, quantity: 7, id: 2, meta: { venue: 'XNYS' } },
    ];
    await h.kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: trades.map((t) => ({ PartitionKey: t.tickerSymbol, Data: Buffer.from(JSON.stringify(t)) })),
      }),
    );
    const res = await h.analytics.send(
      new DiscoverInputSchemaCommand({
        ResourceARN: streamArn(stream),
        RoleARN: ROLE,
        InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' },
      }),
    );
    assert.deepEqual(res.InputSchema, {
      RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
      RecordEncoding: 'UTF-8',
      RecordColumns: [
        { Name: 'tickerSymbol', Mapping: '$.tickerSymbol', SqlType: 'VARCHAR(8)' },
        { Name: 'tradeType', Mapping: '$.tradeType', SqlType: 'VARCHAR(4)' },
        { Name: 'price', Mapping: '$.price', SqlType: 'DOUBLE' },
        { Name: 'quantity', Mapping: '$.quantity', SqlType: 'INTEGER' },
        { Name: 'id', Mapping: '$.id', SqlType: 'INTEGER' },
        { Name: 'venue', Mapping: '$.meta.venue', SqlType: 'VARCHAR(4)' },
      ],
    });
    assert.deepEqual(res.ParsedInputRecords, [
      ['AMZN', 'BUY', '100.5', '12', '1', 'XNAS'],
      ['GOOGL', 'SELL', '99', '7', '2', 'XNYS'],
    ]);
    assert.deepEqual(
      res.RawInputRecords,
      trades.map((t) => JSON.stringify(t)),
    );
    // No Lambda preprocessing: the processed records are the raw ones.
    assert.deepEqual(res.ProcessedInputRecords, res.RawInputRecords);
    const empty = uniqueName('empty');
    await h.kinesis.send(new CreateStreamCommand({ StreamName: empty, ShardCount: 1 }));
    h.clock.advance(10);
    const e = await awsError(() => h.analytics.send(new DiscoverInputSchemaCommand({ ResourceARN: streamArn(empty), RoleARN: ROLE })));
    assert.equal(e.name, 'UnableToDetectSchemaException');
  });

  it('samples the newest 100 records for NOW and the oldest for TRIM_HORIZON', async () => {
    const stream = uniqueName('disc-pos');
    await h.kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    h.clock.advance(10);
    for (let b = 0; b < 3; b++) {
      await h.kinesis.send(
        new PutRecordsCommand({
          StreamName: stream,
          Records: Array.from({ length: 50 }, (_, i) => ({ PartitionKey: 'k', Data: Buffer.from(`{"n": ${b * 50 + i}}`) })),
        }),
      );
    }
    const now = await h.analytics.send(
      new DiscoverInputSchemaCommand({ ResourceARN: streamArn(stream), RoleARN: ROLE, InputStartingPositionConfiguration: { InputStartingPosition: 'NOW' } }),
    );
    assert.equal(now.RawInputRecords!.length, 100);
    assert.equal(now.RawInputRecords![0], '{"n": 50}');
    assert.equal(now.RawInputRecords![99], '{"n": 149}');
    const oldest = await h.analytics.send(
      new DiscoverInputSchemaCommand({
        ResourceARN: streamArn(stream),
        RoleARN: ROLE,
        InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' },
      }),
    );
    assert.equal(oldest.RawInputRecords![0], '{"n": 0}');
    assert.deepEqual(oldest.InputSchema!.RecordColumns, [{ Name: 'n', Mapping: '$.n', SqlType: 'INTEGER' }]);
  });

  it('discovers a CSV schema from a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kda-disc-'));
    try {
      const file = join(dir, 'sample.csv');
      writeFileSync(file, 'amazon,us,2021-06-02 22:35:00.0,120,10.5\nebay,de,2021-06-02 22:36:00.0,7,3000000000\n');
      const res = await h.analytics.send(
        new DiscoverInputSchemaCommand({
          S3Configuration: { BucketARN: 'arn:aws:s3:::local', FileKey: pathToFileURL(file).href, RoleARN: ROLE },
        }),
      );
      assert.deepEqual(res.InputSchema, {
        RecordFormat: { RecordFormatType: 'CSV', MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: ',' } } },
        RecordEncoding: 'UTF-8',
        RecordColumns: [
          { Name: 'COL1', SqlType: 'VARCHAR(8)' },
          { Name: 'COL2', SqlType: 'VARCHAR(2)' },
          { Name: 'COL3', SqlType: 'TIMESTAMP' },
          { Name: 'COL4', SqlType: 'INTEGER' },
          { Name: 'COL5', SqlType: 'DOUBLE' },
        ],
      });
      assert.equal(res.ParsedInputRecords!.length, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Kinesis Analytics persistence', () => {
  it('keeps applications across a server restart', async () => {
    const storage = new MemoryStorage();
    const clock = new ManualClock();
    const first = await startHarness({ storage, clock });
    const name = uniqueName('persist');
    try {
      await first.analytics.send(new CreateApplicationCommand(createInput(name, { Tags: [{ Key: 'k', Value: 'v' }] })));
      await first.analytics.send(
        new UpdateApplicationCommand({
          ApplicationName: name,
          CurrentApplicationVersionId: 1,
          ApplicationUpdate: { ApplicationCodeUpdate: '-- v2' },
        }),
      );
    } finally {
      await first.close();
    }
    const second = await startHarness({ storage, clock });
    try {
      const { ApplicationDetail: d } = await second.analytics.send(new DescribeApplicationCommand({ ApplicationName: name }));
      assert.equal(d!.ApplicationVersionId, 2);
      assert.equal(d!.ApplicationCode, '-- v2');
      assert.equal(d!.InputDescriptions![0]!.InputId, '1.1');
      const tags = await second.analytics.send(new ListTagsForResourceCommand({ ResourceARN: d!.ApplicationARN! }));
      assert.deepEqual(tags.Tags, [{ Key: 'k', Value: 'v' }]);
    } finally {
      await second.close();
    }
  });
});
