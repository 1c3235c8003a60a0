/**
 * Freshet's internal consumers act with the role in their configuration under `--auth enforce`: an event source
 * mapping with its function's execution role, a delivery stream with its Kinesis source's RoleARN, a SQL
 * application with its inputs' and outputs' RoleARNs. A role without the permissions fails the way AWS does
 * (CreateEventSourceMapping's InvalidParameterValueException, the AccessDenied text at CreateDeliveryStream,
 * StartApplication refused and the reason in the application's status), and a role that loses them later
 * shows it in the resource's status (LastProcessingResult, FailureDescription).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateStreamCommand, KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateEventSourceMappingCommand, CreateFunctionCommand, GetEventSourceMappingCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand, FirehoseClient } from '@aws-sdk/client-firehose';
import {
  AddApplicationOutputCommand,
  CreateApplicationCommand,
  DescribeApplicationCommand,
  KinesisAnalyticsClient,
  StartApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics';
import {
  CreateApplicationCommand as CreateFlinkApplicationCommand,
  DescribeApplicationCommand as DescribeFlinkApplicationCommand,
  KinesisAnalyticsV2Client,
  StartApplicationCommand as StartFlinkApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { strToU8, zipSync } from 'fflate';
import { ManualClock } from '../../src/core/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const ROOT = { accessKeyId: 'AKIAFRESHETROOT00004', secretAccessKey: 'root-secret-for-role-tests-0000000000000' };
const role = (name: string): string => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const STREAM = `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/src`;
const OUT = `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/out`;
const READ = ['kinesis:DescribeStream', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:ListShards'];
const TRUST = (service: string | string[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });
const SERVICES = ['lambda.amazonaws.com', 'firehose.amazonaws.com', 'kinesisanalytics.amazonaws.com'];
const policy = (effect: string, action: string | string[], resource: string | string[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: effect, Action: action, Resource: resource }] });

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean, tick: () => void): Promise<T> {
  let v = await probe();
  for (let i = 0; i < 200 && !ok(v); i++) {
    tick();
    await new Promise((r) => setTimeout(r, 10));
    v = await probe();
  }
  return v;
}

describe('internal consumers act with their roles under --auth enforce', () => {
  let server: FreshetServer;
  let clock: ManualClock;
  const cfg = () => ({ endpoint: server.url, region: REGION, credentials: ROOT, maxAttempts: 1 });
  let iam: IAMClient;
  let kinesis: KinesisClient;

  before(async () => {
    clock = new ManualClock(Date.now());
    server = await startServer({
      storage: 'memory',
      auth: 'enforce',
      clock,
      analytics: { startDelayMs: 0 },
      env: { FRESHET_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, FRESHET_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey },
    });
    iam = new IAMClient(cfg());
    kinesis = new KinesisClient(cfg());
    for (const name of ['src', 'out']) await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    clock.advance(1000);
    // `blind` may do nothing; `reader` may read the source stream and write the output stream.
    // `ec2-only` is trusted by EC2 alone: Lambda and Firehose cannot assume it.
    for (const [name, services] of [
      ['blind', SERVICES],
      ['reader', SERVICES],
      ['ec2-only', 'ec2.amazonaws.com'],
    ] as const) {
      await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST(services as string | string[]) }));
    }
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'reader',
        PolicyName: 'read',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: READ, Resource: STREAM },
            { Effect: 'Allow', Action: ['kinesis:DescribeStream', 'kinesis:PutRecords'], Resource: OUT },
            { Effect: 'Allow', Action: 'sqs:*', Resource: '*' },
          ],
        }),
      }),
    );
  });
  after(async () => {
    iam.destroy();
    kinesis.destroy();
    await server.close();
  });

  it('an event source mapping reads with its function’s execution role: refused at creation, PROBLEM once the role loses the permission', async () => {
    const lambda = new LambdaClient(cfg());
    const sqs = new SQSClient(cfg());
    try {
      const code = { ZipFile: zipSync({ 'index.mjs': strToU8('export const handler = async () => ({});') }) };
      assert.equal(
        await failure(
          lambda.send(
            new CreateFunctionCommand({ FunctionName: 'untrusted', Role: role('ec2-only'), Runtime: 'nodejs20.x', Handler: 'index.handler', Code: code }),
          ),
        ),
        'InvalidParameterValueException: The role defined for the function cannot be assumed by Lambda.',
      );
      assert.equal(
        await failure(
          lambda.send(
            new CreateFunctionCommand({ FunctionName: 'untrusted', Role: role('missing'), Runtime: 'nodejs20.x', Handler: 'index.handler', Code: code }),
          ),
        ),
        'InvalidParameterValueException: The role defined for the function cannot be assumed by Lambda.',
      );
      for (const [fn, r] of [
        ['as-blind', 'blind'],
        ['as-reader', 'reader'],
      ] as const) {
        await lambda.send(new CreateFunctionCommand({ FunctionName: fn, Role: role(r), Runtime: 'nodejs20.x', Handler: 'index.handler', Code: code }));
      }
      assert.equal(
        await failure(lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'as-blind', EventSourceArn: STREAM, StartingPosition: 'LATEST' }))),
        `InvalidParameterValueException: Cannot access stream ${STREAM}. Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.`,
      );
      const q = await sqs.send(new CreateQueueCommand({ QueueName: 'jobs', Attributes: { VisibilityTimeout: '30' } }));
      const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.QueueUrl!, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
      assert.equal(
        await failure(lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'as-blind', EventSourceArn: queueArn }))),
        'InvalidParameterValueException: The provided execution role does not have permissions to call ReceiveMessage on SQS',
      );
      assert.equal(await failure(lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'as-reader', EventSourceArn: queueArn }))), 'ok');

      const m = await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'as-reader', EventSourceArn: STREAM, StartingPosition: 'LATEST' }));
      const state = () => lambda.send(new GetEventSourceMappingCommand({ UUID: m.UUID! }));
      assert.equal(
        (
          await eventually(
            state,
            (s) => s.State === 'Enabled',
            () => clock.advance(10),
          )
        ).State,
        'Enabled',
      );
      await iam.send(new PutRolePolicyCommand({ RoleName: 'reader', PolicyName: 'no-records', PolicyDocument: policy('Deny', 'kinesis:GetRecords', STREAM) }));
      await kinesis.send(new PutRecordCommand({ StreamName: 'src', PartitionKey: 'k', Data: strToU8('x') }));
      const got = await eventually(
        state,
        (s) => s.LastProcessingResult?.startsWith('PROBLEM') === true,
        () => clock.advance(1000),
      );
      assert.equal(
        got.LastProcessingResult,
        `PROBLEM: Cannot access stream ${STREAM}. Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.`,
      );
    } finally {
      await iam.send(new PutRolePolicyCommand({ RoleName: 'reader', PolicyName: 'no-records', PolicyDocument: policy('Allow', 'kinesis:ListStreams', '*') }));
      lambda.destroy();
      sqs.destroy();
    }
  });

  it('a function calls Freshet with its execution role’s session credentials, allowed and denied by the role’s policies', async () => {
    const lambda = new LambdaClient(cfg());
    try {
      const handler = `
        const { KinesisClient, ListShardsCommand, DeleteStreamCommand } = require('@aws-sdk/client-kinesis');
        const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');
        exports.handler = async () => {
          const k = new KinesisClient({ maxAttempts: 1 });
          const shards = (await k.send(new ListShardsCommand({ StreamName: 'src' }))).Shards.length;
          const me = (await new STSClient({ maxAttempts: 1 }).send(new GetCallerIdentityCommand({}))).Arn;
          let denied = '';
          try { await k.send(new DeleteStreamCommand({ StreamName: 'src' })); } catch (e) { denied = e.name + ': ' + e.message; }
          return { shards, me, denied };
        };`;
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'caller',
          Role: role('reader'),
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Timeout: 30,
          Code: { ZipFile: zipSync({ 'index.js': strToU8(handler) }) },
        }),
      );
      const out = await lambda.send(new InvokeCommand({ FunctionName: 'caller' }));
      assert.equal(out.FunctionError, undefined, Buffer.from(out.Payload ?? []).toString());
      assert.deepEqual(JSON.parse(Buffer.from(out.Payload!).toString()), {
        shards: 1,
        me: `arn:aws:sts::${ACCOUNT}:assumed-role/reader/caller`,
        denied: `AccessDeniedException: User: arn:aws:sts::${ACCOUNT}:assumed-role/reader/caller is not authorized to perform: kinesis:DeleteStream on resource: ${STREAM} because no identity-based policy allows the kinesis:DeleteStream action`,
      });
    } finally {
      lambda.destroy();
    }
  });

  it('a delivery stream reads its Kinesis source with its RoleARN: AccessDenied at creation, FailureDescription once the role loses the permission', async () => {
    const firehose = new FirehoseClient(cfg());
    try {
      const create = (name: string, r: string) =>
        firehose.send(
          new CreateDeliveryStreamCommand({
            DeliveryStreamName: name,
            DeliveryStreamType: 'KinesisStreamAsSource',
            KinesisStreamSourceConfiguration: { KinesisStreamARN: STREAM, RoleARN: role(r) },
            ExtendedS3DestinationConfiguration: { BucketARN: 'arn:aws:s3:::bkt', RoleARN: role(r) },
          }),
        );
      assert.equal(
        await failure(create('ds-ec2', 'ec2-only')),
        `InvalidArgumentException: Firehose is unable to assume role ${role('ec2-only')}. Please check the role provided.`,
      );
      assert.equal(
        await failure(create('ds-blind', 'blind')),
        `InvalidArgumentException: User: arn:aws:sts::${ACCOUNT}:assumed-role/blind/ds-blind is not authorized to perform: kinesis:DescribeStream on resource: ${STREAM} because no identity-based policy allows the kinesis:DescribeStream action`,
      );
      assert.equal(await failure(create('ds-reader', 'reader')), 'ok');
      const describe = async () => (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'ds-reader' }))).DeliveryStreamDescription!;
      clock.advance(1000);
      await iam.send(new PutRolePolicyCommand({ RoleName: 'reader', PolicyName: 'no-records', PolicyDocument: policy('Deny', 'kinesis:GetRecords', STREAM) }));
      await kinesis.send(new PutRecordCommand({ StreamName: 'src', PartitionKey: 'k', Data: strToU8('y') }));
      const d = await eventually(
        describe,
        (x) => x.FailureDescription !== undefined,
        () => clock.advance(1000),
      );
      assert.deepEqual(d.FailureDescription, {
        Type: 'UNKNOWN_ERROR',
        Details: `User: arn:aws:sts::${ACCOUNT}:assumed-role/reader/ds-reader is not authorized to perform: kinesis:GetRecords on resource: ${STREAM} with an explicit deny in an identity-based policy`,
      });
      await iam.send(new PutRolePolicyCommand({ RoleName: 'reader', PolicyName: 'no-records', PolicyDocument: policy('Allow', 'kinesis:ListStreams', '*') }));
      const back = await eventually(
        describe,
        (x) => x.FailureDescription === undefined,
        () => clock.advance(10_000),
      );
      assert.equal(back.FailureDescription, undefined, 'reading resumes at the next shard listing once the role may read again');
    } finally {
      firehose.destroy();
    }
  });

  it('a SQL application uses its input and output with their RoleARNs: StartApplication is refused and the reason shown', async () => {
    const kda = new KinesisAnalyticsClient(cfg());
    try {
      const app = (name: string, inputRole: string, outputRole: string) =>
        kda.send(
          new CreateApplicationCommand({
            ApplicationName: name,
            Inputs: [
              {
                NamePrefix: 'SOURCE_SQL_STREAM',
                KinesisStreamsInput: { ResourceARN: STREAM, RoleARN: role(inputRole) },
                InputSchema: {
                  RecordFormat: {
                    RecordFormatType: 'CSV',
                    MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: ',' } },
                  },
                  RecordColumns: [{ Name: 'v', SqlType: 'VARCHAR(8)' }],
                },
              },
            ],
            Outputs: [{ Name: 'DEST', KinesisStreamsOutput: { ResourceARN: OUT, RoleARN: role(outputRole) }, DestinationSchema: { RecordFormatType: 'CSV' } }],
            ApplicationCode:
              'CREATE OR REPLACE STREAM "DEST" ("v" VARCHAR(8)); CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM "v" FROM "SOURCE_SQL_STREAM_001";',
          }),
        );
      const start = (name: string) =>
        kda.send(
          new StartApplicationCommand({
            ApplicationName: name,
            InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'NOW' } }],
          }),
        );
      await app('app-blind-in', 'blind', 'reader');
      assert.equal(
        await failure(start('app-blind-in')),
        `InvalidApplicationConfigurationException: Input 1.1: the role ${role('blind')} cannot use ${STREAM}: User: arn:aws:sts::${ACCOUNT}:assumed-role/blind/app-blind-in is not authorized to perform: kinesis:DescribeStream on resource: ${STREAM} because no identity-based policy allows the kinesis:DescribeStream action`,
      );
      const d = (await kda.send(new DescribeApplicationCommand({ ApplicationName: 'app-blind-in' }))).ApplicationDetail!;
      assert.equal(d.ApplicationStatus, 'READY');
      await app('app-blind-out', 'reader', 'blind');
      assert.match(
        await failure(start('app-blind-out')),
        /^InvalidApplicationConfigurationException: Output 1\.1: the role .*role\/blind cannot use .*stream\/out: /,
      );
      await app('app-ok', 'reader', 'reader');
      assert.equal(await failure(start('app-ok')), 'ok');
    } finally {
      kda.destroy();
    }
  });

  it('a SQL application’s roles must trust Kinesis Analytics: CreateApplication and AddApplicationOutput refuse one that does not', async () => {
    const kda = new KinesisAnalyticsClient(cfg());
    try {
      const input = (r: string) => ({
        NamePrefix: 'SOURCE_SQL_STREAM',
        KinesisStreamsInput: { ResourceARN: STREAM, RoleARN: role(r) },
        InputSchema: {
          RecordFormat: {
            RecordFormatType: 'CSV' as const,
            MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: ',' } },
          },
          RecordColumns: [{ Name: 'v', SqlType: 'VARCHAR(8)' }],
        },
      });
      for (const r of ['ec2-only', 'missing']) {
        assert.equal(
          await failure(kda.send(new CreateApplicationCommand({ ApplicationName: 'untrusting', Inputs: [input(r)] }))),
          `InvalidArgumentException: Kinesis Analytics service doesn't have sufficient privileges to assume the role ${role(r)}`,
        );
      }
      await kda.send(new CreateApplicationCommand({ ApplicationName: 'trusting', Inputs: [input('reader')] }));
      assert.equal(
        await failure(
          kda.send(
            new AddApplicationOutputCommand({
              ApplicationName: 'trusting',
              CurrentApplicationVersionId: 1,
              Output: { Name: 'DEST', KinesisStreamsOutput: { ResourceARN: OUT, RoleARN: role('ec2-only') }, DestinationSchema: { RecordFormatType: 'CSV' } },
            }),
          ),
        ),
        `InvalidArgumentException: Kinesis Analytics service doesn't have sufficient privileges to assume the role ${role('ec2-only')}`,
      );
      const d = (await kda.send(new DescribeApplicationCommand({ ApplicationName: 'trusting' }))).ApplicationDetail!;
      assert.equal(d.ApplicationVersionId, 1, 'the refused update left the application unchanged');
      assert.deepEqual(d.OutputDescriptions ?? [], []);
    } finally {
      kda.destroy();
    }
  });

  it('a running SQL application whose role loses a permission stays RUNNING, holds its reads and writes and shows the reason in its status', async () => {
    const kda = new KinesisAnalyticsClient(cfg());
    try {
      await iam.send(new CreateRoleCommand({ RoleName: 'kda-runner', AssumeRolePolicyDocument: TRUST('kinesisanalytics.amazonaws.com') }));
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: 'kda-runner',
          PolicyName: 'use',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: READ, Resource: STREAM },
              { Effect: 'Allow', Action: ['kinesis:DescribeStream', 'kinesis:PutRecords'], Resource: OUT },
            ],
          }),
        }),
      );
      await kda.send(
        new CreateApplicationCommand({
          ApplicationName: 'app-revoked',
          Inputs: [
            {
              NamePrefix: 'SOURCE_SQL_STREAM',
              KinesisStreamsInput: { ResourceARN: STREAM, RoleARN: role('kda-runner') },
              InputSchema: {
                RecordFormat: {
                  RecordFormatType: 'CSV',
                  MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: ',' } },
                },
                RecordColumns: [{ Name: 'v', SqlType: 'VARCHAR(8)' }],
              },
            },
          ],
          Outputs: [{ Name: 'DEST', KinesisStreamsOutput: { ResourceARN: OUT, RoleARN: role('kda-runner') }, DestinationSchema: { RecordFormatType: 'CSV' } }],
          ApplicationCode:
            'CREATE OR REPLACE STREAM "DEST" ("v" VARCHAR(8)); CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM "v" FROM "SOURCE_SQL_STREAM_001";',
        }),
      );
      await kda.send(
        new StartApplicationCommand({
          ApplicationName: 'app-revoked',
          InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'NOW' } }],
        }),
      );
      const status = async () => (await kda.send(new DescribeApplicationCommand({ ApplicationName: 'app-revoked' }))).ApplicationDetail!.ApplicationStatus;
      assert.equal(
        await eventually(
          status,
          (s) => s === 'RUNNING',
          () => clock.advance(10),
        ),
        'RUNNING',
      );
      // Still running after more than one re-check while the role may do its work.
      clock.advance(11_000);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(await status(), 'RUNNING');

      await iam.send(new PutRolePolicyCommand({ RoleName: 'kda-runner', PolicyName: 'revoke', PolicyDocument: policy('Deny', 'kinesis:PutRecords', OUT) }));
      const app = await eventually(
        async () =>
          (
            (await (await fetch(`${server.url}/status`)).json()) as { applications: Array<{ name: string; status: string; lastError?: string }> }
          ).applications.find((a) => a.name === 'app-revoked'),
        (a) => a?.lastError !== undefined,
        () => clock.advance(1000),
      );
      assert.equal(app?.status, 'RUNNING');
      assert.equal(await status(), 'RUNNING');
      assert.equal(
        app?.lastError,
        `Output 1.1: the role ${role('kda-runner')} cannot use ${OUT}: User: arn:aws:sts::${ACCOUNT}:assumed-role/kda-runner/app-revoked is not authorized to perform: kinesis:PutRecords on resource: ${OUT} with an explicit deny in an identity-based policy`,
      );
    } finally {
      kda.destroy();
    }
  });
  it('a Flink application reads and writes with its ServiceExecutionRole: untrusted refused at creation, denied at start, held RUNNING with the reason once the role loses a permission', async () => {
    const flink = new KinesisAnalyticsV2Client(cfg());
    try {
      const sql = `CREATE TABLE s (v STRING) WITH ('connector' = 'kinesis', 'stream' = 'src', 'format' = 'json');
CREATE TABLE o (v STRING) WITH ('connector' = 'kinesis', 'stream' = 'out', 'format' = 'json');
INSERT INTO o SELECT v FROM s;`;
      const create = (name: string, r: string) =>
        flink.send(
          new CreateFlinkApplicationCommand({
            ApplicationName: name,
            RuntimeEnvironment: 'FLINK-1_15',
            ServiceExecutionRole: role(r),
            ApplicationConfiguration: { ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: sql } } },
          }),
        );
      const start = (name: string) => flink.send(new StartFlinkApplicationCommand({ ApplicationName: name, RunConfiguration: {} }));
      assert.equal(
        await failure(create('flink-ec2', 'ec2-only')),
        `InvalidArgumentException: Kinesis Analytics service doesn't have sufficient privileges to assume the role ${role('ec2-only')}`,
      );
      await create('flink-blind', 'blind');
      assert.equal(
        await failure(start('flink-blind')),
        `InvalidApplicationConfigurationException: table "s": User: arn:aws:sts::${ACCOUNT}:assumed-role/blind/flink-blind is not authorized to perform: kinesis:DescribeStream on resource: ${STREAM} because no identity-based policy allows the kinesis:DescribeStream action`,
      );
      await iam.send(new CreateRoleCommand({ RoleName: 'flink-runner', AssumeRolePolicyDocument: TRUST('kinesisanalytics.amazonaws.com') }));
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: 'flink-runner',
          PolicyName: 'use',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: [...READ, 'kinesis:ListShards'], Resource: STREAM },
              { Effect: 'Allow', Action: ['kinesis:DescribeStream', 'kinesis:PutRecords'], Resource: OUT },
            ],
          }),
        }),
      );
      await create('flink-ok', 'flink-runner');
      assert.equal(await failure(start('flink-ok')), 'ok');
      const detail = async () => (await flink.send(new DescribeFlinkApplicationCommand({ ApplicationName: 'flink-ok' }))).ApplicationDetail!;
      assert.equal(
        (
          await eventually(
            detail,
            (d) => d.ApplicationStatus === 'RUNNING',
            () => clock.advance(1000),
          )
        ).ApplicationStatus,
        'RUNNING',
      );
      clock.advance(11_000);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal((await detail()).ApplicationStatus, 'RUNNING', 'a re-check with the permissions in place changes nothing');

      await iam.send(
        new PutRolePolicyCommand({ RoleName: 'flink-runner', PolicyName: 'revoke', PolicyDocument: policy('Deny', 'kinesis:GetRecords', STREAM) }),
      );
      const app = await eventually(
        async () =>
          (
            (await (await fetch(`${server.url}/status`)).json()) as { applications: Array<{ name: string; status: string; lastError?: string }> }
          ).applications.find((a) => a.name === 'flink-ok'),
        (a) => a?.lastError !== undefined,
        () => clock.advance(1000),
      );
      assert.equal(app?.status, 'RUNNING');
      assert.equal((await detail()).ApplicationStatus, 'RUNNING');
      assert.equal(
        app?.lastError,
        `table "s": User: arn:aws:sts::${ACCOUNT}:assumed-role/flink-runner/flink-ok is not authorized to perform: kinesis:GetRecords on resource: ${STREAM} with an explicit deny in an identity-based policy`,
      );
    } finally {
      flink.destroy();
    }
  });
});
