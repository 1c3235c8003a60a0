/**
 * KinesisAnalytics_20150814 errors as a client sees them (code, message, HTTP
 * status through @aws-sdk/client-kinesis-analytics) and the application status
 * transitions of the API reference's ApplicationStatus enum, driven by a
 * ManualClock.
 *
 * Codes and the states an action needs are from the KDA v1 API reference.
 * AWS's message texts for these errors are not published; the texts asserted
 * here are Freshet's (docs/compatibility.md lists them as such).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddApplicationOutputCommand,
  AddApplicationReferenceDataSourceCommand,
  CreateApplicationCommand,
  DeleteApplicationCommand,
  DeleteApplicationOutputCommand,
  DeleteApplicationReferenceDataSourceCommand,
  DescribeApplicationCommand,
  DiscoverInputSchemaCommand,
  ListApplicationsCommand,
  ListTagsForResourceCommand,
  StartApplicationCommand,
  StopApplicationCommand,
  TagResourceCommand,
  UpdateApplicationCommand,
  type CreateApplicationCommandInput,
  type InputStartingPosition,
} from '@aws-sdk/client-kinesis-analytics';
import { CreateStreamCommand, DeleteStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { AwsError, ManualClock } from '../../src/core/index.ts';
import { MemoryStorage } from '../../src/storage/index.ts';
import { appStatus, awsError, readStream, ROLE, startApplication, startHarness, streamArn, uniqueName, type Harness } from './helpers.ts';

const PASS_THROUGH = `CREATE OR REPLACE STREAM "DEST" ("id" INTEGER);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM "id" FROM "SOURCE_SQL_STREAM_001";`;

function appInput(name: string, input: string, output: string): CreateApplicationCommandInput {
  return {
    ApplicationName: name,
    Inputs: [
      {
        NamePrefix: 'SOURCE_SQL_STREAM',
        KinesisStreamsInput: { ResourceARN: streamArn(input), RoleARN: ROLE },
        InputSchema: {
          RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
          RecordColumns: [{ Name: 'id', SqlType: 'INTEGER', Mapping: '$.id' }],
        },
      },
    ],
    Outputs: [{ Name: 'DEST', KinesisStreamsOutput: { ResourceARN: streamArn(output), RoleARN: ROLE }, DestinationSchema: { RecordFormatType: 'JSON' } }],
    ApplicationCode: PASS_THROUGH,
  };
}

async function createStream(h: Harness, name: string): Promise<void> {
  await h.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  h.clock.advance(10); // CREATING → ACTIVE
}

/** An application reading `<name>-in` and writing `<name>-out`, both created. */
async function createApp(h: Harness, name: string): Promise<void> {
  await createStream(h, `${name}-in`);
  await createStream(h, `${name}-out`);
  await h.analytics.send(new CreateApplicationCommand(appInput(name, `${name}-in`, `${name}-out`)));
}

function start(h: Harness, name: string, position: InputStartingPosition = 'NOW'): Promise<unknown> {
  return h.analytics.send(
    new StartApplicationCommand({
      ApplicationName: name,
      InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: position } }],
    }),
  );
}

async function version(h: Harness, name: string): Promise<number> {
  return (await h.analytics.send(new DescribeApplicationCommand({ ApplicationName: name }))).ApplicationDetail!.ApplicationVersionId!;
}

const REFERENCE = {
  TableName: 'COMPANY',
  S3ReferenceDataSource: { BucketARN: 'arn:aws:s3:::ref-bucket', FileKey: 'company.csv', ReferenceRoleARN: ROLE },
  ReferenceSchema: {
    RecordFormat: { RecordFormatType: 'CSV' as const, MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: ',' } } },
    RecordColumns: [{ Name: 'Ticker', SqlType: 'VARCHAR(4)' }],
  },
};

describe('KinesisAnalytics errors', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('answers ResourceNotFoundException (400) for an unknown application on every per-application action', async () => {
    const name = 'no-such-app';
    const calls: Array<() => Promise<unknown>> = [
      () => h.analytics.send(new DescribeApplicationCommand({ ApplicationName: name })),
      () => start(h, name),
      () => h.analytics.send(new StopApplicationCommand({ ApplicationName: name })),
      () =>
        h.analytics.send(
          new UpdateApplicationCommand({ ApplicationName: name, CurrentApplicationVersionId: 1, ApplicationUpdate: { ApplicationCodeUpdate: '' } }),
        ),
      () => h.analytics.send(new DeleteApplicationCommand({ ApplicationName: name, CreateTimestamp: new Date(0) })),
      () => h.analytics.send(new DeleteApplicationOutputCommand({ ApplicationName: name, CurrentApplicationVersionId: 1, OutputId: '1.1' })),
      () =>
        h.analytics.send(
          new AddApplicationReferenceDataSourceCommand({ ApplicationName: name, CurrentApplicationVersionId: 1, ReferenceDataSource: REFERENCE }),
        ),
    ];
    for (const call of calls) {
      assert.deepEqual(await awsError(call), { name: 'ResourceNotFoundException', message: 'Application no-such-app is not found', httpStatus: 400 });
    }
    const arn = 'arn:aws:kinesisanalytics:us-east-1:000000000000:application/no-such-app';
    assert.deepEqual(await awsError(() => h.analytics.send(new ListTagsForResourceCommand({ ResourceARN: arn }))), {
      name: 'ResourceNotFoundException',
      message: `Application with ARN ${arn} is not found`,
      httpStatus: 400,
    });
  });

  it('answers ResourceNotFoundException for an unknown input, output or reference data source id', async () => {
    const name = uniqueName('ids');
    await createApp(h, name);
    const update = (ApplicationUpdate: object) =>
      awsError(() =>
        h.analytics.send(
          new UpdateApplicationCommand({
            ApplicationName: name,
            CurrentApplicationVersionId: 1,
            ApplicationUpdate,
          }),
        ),
      );
    assert.deepEqual(await update({ InputUpdates: [{ InputId: '9.9', NamePrefixUpdate: 'X' }] }), {
      name: 'ResourceNotFoundException',
      message: `Input with id 9.9 is not found in application ${name}`,
      httpStatus: 400,
    });
    assert.deepEqual(await update({ OutputUpdates: [{ OutputId: '1.7', NameUpdate: 'X' }] }), {
      name: 'ResourceNotFoundException',
      message: `Output with id 1.7 is not found in application ${name}`,
      httpStatus: 400,
    });
    assert.deepEqual(await update({ ReferenceDataSourceUpdates: [{ ReferenceId: '1.3', TableNameUpdate: 'X' }] }), {
      name: 'ResourceNotFoundException',
      message: `Reference data source with id 1.3 is not found in application ${name}`,
      httpStatus: 400,
    });
    assert.deepEqual(
      await awsError(() => h.analytics.send(new DeleteApplicationOutputCommand({ ApplicationName: name, CurrentApplicationVersionId: 1, OutputId: '1.2' }))),
      {
        name: 'ResourceNotFoundException',
        message: `Output with id 1.2 is not found in application ${name}`,
        httpStatus: 400,
      },
    );
    assert.deepEqual(
      await awsError(() =>
        h.analytics.send(new DeleteApplicationReferenceDataSourceCommand({ ApplicationName: name, CurrentApplicationVersionId: 1, ReferenceId: '1.1' })),
      ),
      {
        name: 'ResourceNotFoundException',
        message: `Reference data source with id 1.1 is not found in application ${name}`,
        httpStatus: 400,
      },
    );
    assert.equal(await version(h, name), 1, 'a refused change leaves the version as it was');
  });

  it('answers ConcurrentModificationException for a stale CurrentApplicationVersionId or CreateTimestamp', async () => {
    const name = uniqueName('stale');
    await createApp(h, name);
    await h.analytics.send(
      new UpdateApplicationCommand({ ApplicationName: name, CurrentApplicationVersionId: 1, ApplicationUpdate: { ApplicationCodeUpdate: PASS_THROUGH } }),
    );
    const stale = {
      name: 'ConcurrentModificationException',
      message: 'Provided application version id (1) does not match the current application version id (2)',
      httpStatus: 400,
    };
    assert.deepEqual(
      await awsError(() =>
        h.analytics.send(
          new UpdateApplicationCommand({
            ApplicationName: name,
            CurrentApplicationVersionId: 1,
            ApplicationUpdate: { ApplicationCodeUpdate: PASS_THROUGH },
          }),
        ),
      ),
      stale,
    );
    assert.deepEqual(
      await awsError(() =>
        h.analytics.send(
          new AddApplicationOutputCommand({
            ApplicationName: name,
            CurrentApplicationVersionId: 1,
            Output: {
              Name: 'error_stream',
              KinesisStreamsOutput: { ResourceARN: streamArn(`${name}-out`), RoleARN: ROLE },
              DestinationSchema: { RecordFormatType: 'JSON' },
            },
          }),
        ),
      ),
      stale,
    );
    assert.deepEqual(
      await awsError(() =>
        h.analytics.send(
          new AddApplicationReferenceDataSourceCommand({
            ApplicationName: name,
            CurrentApplicationVersionId: 1,
            ReferenceDataSource: REFERENCE,
          }),
        ),
      ),
      stale,
    );
    const created = (await h.analytics.send(new DescribeApplicationCommand({ ApplicationName: name }))).ApplicationDetail!.CreateTimestamp!;
    const wrong = new Date(created.getTime() - 2000);
    assert.deepEqual(await awsError(() => h.analytics.send(new DeleteApplicationCommand({ ApplicationName: name, CreateTimestamp: wrong }))), {
      name: 'ConcurrentModificationException',
      message: `CreateTimestamp ${wrong.toISOString()} does not match application ${name} (created ${created.toISOString()})`,
      httpStatus: 400,
    });
  });

  it('answers ResourceInUseException for an existing name and for actions the status does not allow', async () => {
    const name = uniqueName('inuse');
    await createApp(h, name);
    assert.deepEqual(await awsError(() => h.analytics.send(new CreateApplicationCommand({ ApplicationName: name }))), {
      name: 'ResourceInUseException',
      message: `Application ${name} already exists`,
      httpStatus: 400,
    });
    assert.deepEqual(await awsError(() => h.analytics.send(new StopApplicationCommand({ ApplicationName: name }))), {
      name: 'ResourceInUseException',
      message: `Application ${name} is in READY state; only a RUNNING application can be stopped`,
      httpStatus: 400,
    });
    await startApplication(h, name, 'NOW');
    assert.deepEqual(await awsError(() => start(h, name)), {
      name: 'ResourceInUseException',
      message: `Application ${name} is in RUNNING state; only a READY application can be started`,
      httpStatus: 400,
    });
    await h.analytics.send(new StopApplicationCommand({ ApplicationName: name }));
    assert.equal(await appStatus(h, name), 'READY');
  });

  it('answers InvalidArgumentException for an unknown input id or column type, ValidationException for a bad InputStartingPosition', async () => {
    const name = uniqueName('args');
    await createApp(h, name);
    assert.deepEqual(
      await awsError(() =>
        h.analytics.send(
          new StartApplicationCommand({
            ApplicationName: name,
            InputConfigurations: [{ Id: '2.1', InputStartingPositionConfiguration: { InputStartingPosition: 'NOW' } }],
          }),
        ),
      ),
      { name: 'InvalidArgumentException', message: `Application ${name} has no input with id 2.1`, httpStatus: 400 },
    );
    assert.deepEqual(
      await awsError(() =>
        h.analytics.send(
          new StartApplicationCommand({
            ApplicationName: name,
            InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'LATEST' as InputStartingPosition } }],
          }),
        ),
      ),
      {
        name: 'ValidationException',
        message:
          "1 validation error detected: Value 'LATEST' at 'inputConfigurations.1.member.inputStartingPositionConfiguration.inputStartingPosition' " +
          'failed to satisfy constraint: Member must satisfy enum value set: [NOW, TRIM_HORIZON, LAST_STOPPED_POINT]',
        httpStatus: 400,
      },
    );
    const badType = appInput(uniqueName('type'), `${name}-in`, `${name}-out`);
    badType.Inputs![0]!.InputSchema!.RecordColumns![0]!.SqlType = 'INTEGR';
    const e = await awsError(() => h.analytics.send(new CreateApplicationCommand(badType)));
    assert.equal(e.name, 'InvalidArgumentException');
    assert.equal(e.httpStatus, 400);
    assert.match(e.message, /^Input 1\.1: .*INTEGR/);
    assert.equal(await appStatus(h, name), 'READY');
  });

  it('answers InvalidApplicationConfigurationException for an application without input or with a missing stream', async () => {
    const bare = uniqueName('bare');
    await h.analytics.send(new CreateApplicationCommand({ ApplicationName: bare }));
    assert.deepEqual(await awsError(() => h.analytics.send(new StartApplicationCommand({ ApplicationName: bare, InputConfigurations: [] }))), {
      name: 'InvalidApplicationConfigurationException',
      message: `Application ${bare} has no input; add one with AddApplicationInput before starting it`,
      httpStatus: 400,
    });
    const missing = uniqueName('missing');
    await h.analytics.send(new CreateApplicationCommand(appInput(missing, 'no-such-stream', 'no-such-out')));
    const e = await awsError(() => start(h, missing));
    assert.equal(e.name, 'InvalidApplicationConfigurationException');
    assert.equal(e.httpStatus, 400);
    assert.match(e.message, /stream no-such-stream .*does not exist/);
    assert.equal(await appStatus(h, missing), 'READY');
  });

  it('answers CodeValidationException with the position of the error', async () => {
    const e = await awsError(() =>
      h.analytics.send(
        new CreateApplicationCommand({
          ...appInput(uniqueName('code'), 'in', 'out'),
          ApplicationCode:
            'CREATE OR REPLACE STREAM "DEST" ("id" INTEGER);\nCREATE PUMP "P" AS INSERT INTO "DEST" SELEC STREAM "id" FROM "SOURCE_SQL_STREAM_001";',
        }),
      ),
    );
    assert.equal(e.name, 'CodeValidationException');
    assert.equal(e.httpStatus, 400);
    assert.match(e.message, /2:\d+/);
  });

  it('answers TooManyTagsException past 50 tags, on CreateApplication and TagResource', async () => {
    const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    const name = uniqueName('tags');
    assert.deepEqual(await awsError(() => h.analytics.send(new CreateApplicationCommand({ ApplicationName: name, Tags: tags(51) }))), {
      name: 'TooManyTagsException',
      message: 'An application can have at most 50 tags; the request would give it 51',
      httpStatus: 400,
    });
    const { ApplicationSummary: s } = await h.analytics.send(new CreateApplicationCommand({ ApplicationName: name, Tags: tags(50) }));
    assert.deepEqual(
      await awsError(() => h.analytics.send(new TagResourceCommand({ ResourceARN: s!.ApplicationARN!, Tags: [{ Key: 'one-more', Value: 'v' }] }))),
      {
        name: 'TooManyTagsException',
        message: 'An application can have at most 50 tags; the request would give it 51',
        httpStatus: 400,
      },
    );
  });

  it('answers UnableToDetectSchemaException with RawInputRecords and ProcessedInputRecords', async () => {
    const empty = uniqueName('empty');
    await createStream(h, empty);
    assert.deepEqual(await awsError(() => h.analytics.send(new DiscoverInputSchemaCommand({ ResourceARN: streamArn(empty), RoleARN: ROLE }))), {
      name: 'UnableToDetectSchemaException',
      message: `No data found in stream ${empty} to discover a schema from`,
      httpStatus: 400,
    });
    const mixed = uniqueName('mixed');
    await createStream(h, mixed);
    const records = ['{"id": 1}', 'id=2', '{"id": 3}'];
    await h.kinesis.send(new PutRecordsCommand({ StreamName: mixed, Records: records.map((r) => ({ PartitionKey: 'k', Data: Buffer.from(r) })) }));
    const request = { ResourceARN: streamArn(mixed), RoleARN: ROLE, InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' } };
    const message = 'Unable to detect a schema: 2 of 3 sample records are JSON objects and the others are not; the records of one input must share a format';
    assert.deepEqual(await awsError(() => h.analytics.send(new DiscoverInputSchemaCommand(request as never))), {
      name: 'UnableToDetectSchemaException',
      message,
      httpStatus: 400,
    });
    // Over the wire the SDK's modeled exception carries the shape's members.
    const wire = await h.analytics.send(new DiscoverInputSchemaCommand(request as never)).then(
      () => undefined,
      (e: unknown) => e as { RawInputRecords?: string[]; ProcessedInputRecords?: string[] },
    );
    assert.deepEqual(wire?.RawInputRecords, records);
    assert.deepEqual(wire?.ProcessedInputRecords, records);
    // The error shape's members, as the action raises them; the JSON codec writes AwsError.fields next to the message.
    let raised: unknown;
    try {
      await h.service.actions.DiscoverInputSchema!(request, {
        requestId: 'r',
        region: 'us-east-1',
        accountId: '000000000000',
        clock: h.clock,
        protocol: 'json',
      });
    } catch (e) {
      raised = e;
    }
    assert.ok(raised instanceof AwsError);
    assert.equal(raised.code, 'UnableToDetectSchemaException');
    assert.equal(raised.message, message);
    assert.deepEqual(raised.fields, { RawInputRecords: records, ProcessedInputRecords: records });
  });

  it('answers ParsedInputRecords with one list of strings per row, an absent value as an empty string', async () => {
    const stream = uniqueName('sparse');
    await createStream(h, stream);
    const records = ['{"a": 1, "b": "x"}', '{"a": 2}', '[{"a": 3, "b": "y"}, {"b": "z"}]'];
    await h.kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: records.map((r) => ({ PartitionKey: 'k', Data: Buffer.from(r) })) }));
    const res = await h.analytics.send(
      new DiscoverInputSchemaCommand({
        ResourceARN: streamArn(stream),
        RoleARN: ROLE,
        InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' },
      }),
    );
    assert.deepEqual(res.RawInputRecords, records);
    assert.deepEqual(res.ProcessedInputRecords, records);
    assert.deepEqual(res.ParsedInputRecords, [
      ['1', 'x'],
      ['2', ''],
      ['3', 'y'],
      ['', 'z'],
    ]);
  });
});

describe('KinesisAnalytics status transitions', () => {
  const DELAYS = { startDelayMs: 1_000, stopDelayMs: 500, updateDelayMs: 300, deleteDelayMs: 200 };
  let h: Harness;
  before(async () => {
    h = await startHarness({ analytics: DELAYS });
  });
  after(async () => {
    await h.close();
  });

  it('StartApplication: STARTING with the inputs attached, RUNNING after the start delay; Start, Stop and changes are refused meanwhile', async () => {
    const name = uniqueName('starting');
    await createApp(h, name);
    await start(h, name);
    assert.equal(await appStatus(h, name), 'STARTING');
    assert.deepEqual(
      (await h.analytics.send(new ListApplicationsCommand({}))).ApplicationSummaries!.find((s) => s.ApplicationName === name)!.ApplicationStatus,
      'STARTING',
    );
    assert.deepEqual(await awsError(() => start(h, name)), {
      name: 'ResourceInUseException',
      message: `Application ${name} is in STARTING state; only a READY application can be started`,
      httpStatus: 400,
    });
    assert.deepEqual(await awsError(() => h.analytics.send(new StopApplicationCommand({ ApplicationName: name }))), {
      name: 'ResourceInUseException',
      message: `Application ${name} is in STARTING state; only a RUNNING application can be stopped`,
      httpStatus: 400,
    });
    assert.deepEqual(
      await awsError(() =>
        h.analytics.send(
          new UpdateApplicationCommand({
            ApplicationName: name,
            CurrentApplicationVersionId: 1,
            ApplicationUpdate: { ApplicationCodeUpdate: PASS_THROUGH },
          }),
        ),
      ),
      { name: 'ResourceInUseException', message: `Application ${name} is in STARTING state; it can be changed when READY or RUNNING`, httpStatus: 400 },
    );
    // Records put while STARTING are read: the inputs were attached before StartApplication answered.
    await h.kinesis.send(new PutRecordsCommand({ StreamName: `${name}-in`, Records: [{ PartitionKey: 'k', Data: Buffer.from('{"id": 7}') }] }));
    h.clock.advance(DELAYS.startDelayMs - 1);
    assert.equal(await appStatus(h, name), 'STARTING');
    h.clock.advance(1);
    assert.equal(await appStatus(h, name), 'RUNNING');
    await h.tick(1_000);
    assert.deepEqual(await readStream(h, `${name}-out`), ['{"id":7}']);
  });

  it('StopApplication: STOPPING with outputs written, READY after the stop delay', async () => {
    const name = uniqueName('stopping');
    await createApp(h, name);
    await startApplication(h, name, 'NOW', DELAYS.startDelayMs);
    await h.kinesis.send(new PutRecordsCommand({ StreamName: `${name}-in`, Records: [{ PartitionKey: 'k', Data: Buffer.from('{"id": 1}') }] }));
    await h.tick(1_000);
    await h.analytics.send(new StopApplicationCommand({ ApplicationName: name }));
    assert.equal(await appStatus(h, name), 'STOPPING');
    assert.deepEqual(await readStream(h, `${name}-out`), ['{"id":1}'], 'outputs are written before StopApplication answers');
    assert.deepEqual(await awsError(() => start(h, name)), {
      name: 'ResourceInUseException',
      message: `Application ${name} is in STOPPING state; only a READY application can be started`,
      httpStatus: 400,
    });
    h.clock.advance(DELAYS.stopDelayMs);
    assert.equal(await appStatus(h, name), 'READY');
    await startApplication(h, name, 'LAST_STOPPED_POINT', DELAYS.startDelayMs);
  });

  it('UpdateApplication: UPDATING, then back to RUNNING (or READY) on the new version; a second change meanwhile is refused', async () => {
    const name = uniqueName('updating');
    await createApp(h, name);
    await h.analytics.send(
      new UpdateApplicationCommand({ ApplicationName: name, CurrentApplicationVersionId: 1, ApplicationUpdate: { ApplicationCodeUpdate: PASS_THROUGH } }),
    );
    assert.equal(await appStatus(h, name), 'UPDATING');
    h.clock.advance(DELAYS.updateDelayMs);
    assert.equal(await appStatus(h, name), 'READY', 'a READY application settles back to READY');

    await startApplication(h, name, 'NOW', DELAYS.startDelayMs);
    await h.analytics.send(
      new UpdateApplicationCommand({
        ApplicationName: name,
        CurrentApplicationVersionId: 2,
        ApplicationUpdate: { ApplicationCodeUpdate: PASS_THROUGH.replace('"P"', '"P2"') },
      }),
    );
    assert.equal(await appStatus(h, name), 'UPDATING');
    assert.deepEqual(
      await awsError(() =>
        h.analytics.send(
          new AddApplicationOutputCommand({
            ApplicationName: name,
            CurrentApplicationVersionId: 3,
            Output: {
              Name: 'error_stream',
              KinesisStreamsOutput: { ResourceARN: streamArn(`${name}-out`), RoleARN: ROLE },
              DestinationSchema: { RecordFormatType: 'JSON' },
            },
          }),
        ),
      ),
      { name: 'ResourceInUseException', message: `Application ${name} is in UPDATING state; it can be changed when READY or RUNNING`, httpStatus: 400 },
    );
    // The new configuration runs while UPDATING.
    await h.kinesis.send(new PutRecordsCommand({ StreamName: `${name}-in`, Records: [{ PartitionKey: 'k', Data: Buffer.from('{"id": 5}') }] }));
    await h.tick(0);
    h.clock.advance(DELAYS.updateDelayMs);
    assert.equal(await appStatus(h, name), 'RUNNING');
    assert.equal(await version(h, name), 3);
    await h.tick(1_000);
    assert.deepEqual(await readStream(h, `${name}-out`), ['{"id":5}']);
  });

  it('DeleteApplication: DELETING (still listed, name still taken), then ResourceNotFoundException', async () => {
    const name = uniqueName('deleting');
    await createApp(h, name);
    await startApplication(h, name, 'NOW', DELAYS.startDelayMs);
    const created = (await h.analytics.send(new DescribeApplicationCommand({ ApplicationName: name }))).ApplicationDetail!.CreateTimestamp!;
    await h.analytics.send(new DeleteApplicationCommand({ ApplicationName: name, CreateTimestamp: created }));
    assert.equal(await appStatus(h, name), 'DELETING');
    assert.ok(
      (await h.analytics.send(new ListApplicationsCommand({}))).ApplicationSummaries!.some(
        (s) => s.ApplicationName === name && s.ApplicationStatus === 'DELETING',
      ),
    );
    assert.deepEqual(await awsError(() => h.analytics.send(new DeleteApplicationCommand({ ApplicationName: name, CreateTimestamp: created }))), {
      name: 'ResourceInUseException',
      message: `Application ${name} is in DELETING state; it is already being deleted`,
      httpStatus: 400,
    });
    assert.deepEqual(await awsError(() => h.analytics.send(new CreateApplicationCommand({ ApplicationName: name }))), {
      name: 'ResourceInUseException',
      message: `Application ${name} already exists`,
      httpStatus: 400,
    });
    h.clock.advance(DELAYS.deleteDelayMs);
    assert.deepEqual(await awsError(() => h.analytics.send(new DescribeApplicationCommand({ ApplicationName: name }))), {
      name: 'ResourceNotFoundException',
      message: `Application ${name} is not found`,
      httpStatus: 400,
    });
    // The name is free again, and the new application's configuration is the one that persists.
    await h.analytics.send(new CreateApplicationCommand({ ApplicationName: name }));
    await h.service.registry.whenSettled();
    assert.equal(h.storage.meta.get<{ status: string }>(`analytics/app/${name}`)?.status, 'READY');
  });

  it('an application that fails while STARTING is READY and stays so when the start delay ends', async () => {
    const slow = await startHarness({ analytics: { ...DELAYS, startDelayMs: 60_000 } });
    try {
      const name = uniqueName('fails-starting');
      await createApp(slow, name);
      await start(slow, name);
      assert.equal(await appStatus(slow, name), 'STARTING');
      await slow.kinesis.send(new DeleteStreamCommand({ StreamName: `${name}-out` }));
      await slow.tick(100);
      await slow.kinesis.send(new PutRecordsCommand({ StreamName: `${name}-in`, Records: [{ PartitionKey: 'k', Data: Buffer.from('{"id": 1}') }] }));
      await slow.tick(1_000);
      await slow.tick(1_000);
      assert.equal(await appStatus(slow, name), 'READY');
      assert.match(slow.service.registry.get(name).lastError ?? '', /not found/);
      slow.clock.advance(60_000);
      assert.equal(await appStatus(slow, name), 'READY');
    } finally {
      await slow.close();
    }
  });

  it('a restart in the middle of a transition resumes only applications that were running or starting', async () => {
    const storage = new MemoryStorage();
    const clock = new ManualClock();
    const first = await startHarness({ storage, clock, analytics: DELAYS });
    const starting = uniqueName('restart-starting');
    const updatingReady = uniqueName('restart-updating');
    const deleting = uniqueName('restart-deleting');
    try {
      await createApp(first, starting);
      await start(first, starting);
      await createApp(first, updatingReady);
      await first.analytics.send(
        new UpdateApplicationCommand({
          ApplicationName: updatingReady,
          CurrentApplicationVersionId: 1,
          ApplicationUpdate: { ApplicationCodeUpdate: PASS_THROUGH },
        }),
      );
      await first.analytics.send(new CreateApplicationCommand({ ApplicationName: deleting }));
      const created = (await first.analytics.send(new DescribeApplicationCommand({ ApplicationName: deleting }))).ApplicationDetail!.CreateTimestamp!;
      await first.analytics.send(new DeleteApplicationCommand({ ApplicationName: deleting, CreateTimestamp: created }));
      assert.deepEqual(
        [await appStatus(first, starting), await appStatus(first, updatingReady), await appStatus(first, deleting)],
        ['STARTING', 'UPDATING', 'DELETING'],
      );
    } finally {
      await first.close();
    }
    const second = await startHarness({ storage, clock, analytics: DELAYS });
    try {
      assert.equal(await appStatus(second, starting), 'STARTING', 'resumed after the restart');
      clock.advance(DELAYS.startDelayMs);
      assert.equal(await appStatus(second, starting), 'RUNNING');
      assert.equal(await appStatus(second, updatingReady), 'READY', 'an update of a READY application does not start it');
      assert.equal(await version(second, updatingReady), 2);
      assert.equal(
        (await awsError(() => second.analytics.send(new DescribeApplicationCommand({ ApplicationName: deleting })))).name,
        'ResourceNotFoundException',
      );
    } finally {
      await second.close();
    }
  });
});
