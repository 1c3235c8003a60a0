/**
 * Running KDA applications re-check their roles when IAM changes under `--auth enforce`: once a policy is
 * detached or deleted, the next read or write is held with AWS's AccessDenied text in the application's status
 * (no clock time has to pass) while the application stays RUNNING, as on AWS; it retries with backoff on the
 * clock (1 s, 2 s, 4 s, … up to 60 s), and once the policy is back the next retry goes on from where it stopped,
 * so the records sent meanwhile are neither lost nor doubled. The same when the role's trust policy stops naming
 * Kinesis Analytics or the role is deleted and created again. Also the role actions that make such changes
 * (GetRolePolicy, DeleteRolePolicy, DetachRolePolicy, DeleteRole, UpdateAssumeRolePolicy) with IAM's texts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreatePolicyCommand,
  CreateRoleCommand,
  AttachRolePolicyCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRolePolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { CreateApplicationCommand, DescribeApplicationCommand, KinesisAnalyticsClient, StartApplicationCommand } from '@aws-sdk/client-kinesis-analytics';
import {
  CreateApplicationCommand as CreateFlinkApplicationCommand,
  DescribeApplicationCommand as DescribeFlinkApplicationCommand,
  KinesisAnalyticsV2Client,
  StartApplicationCommand as StartFlinkApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { ManualClock } from '../../src/core/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const ROOT = { accessKeyId: 'AKIAFRESHETROOT00022', secretAccessKey: 'root-secret-for-role-change-tests-000000' };
const role = (name: string): string => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const stream = (name: string): string => `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name}`;
const READ = ['kinesis:DescribeStream', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:ListShards'];
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'kinesisanalytics.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const USE = (from: string, to: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: READ, Resource: stream(from) },
      { Effect: 'Allow', Action: ['kinesis:DescribeStream', 'kinesis:PutRecords'], Resource: stream(to) },
    ],
  });

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

describe('running KDA applications re-check their roles when IAM changes', () => {
  let server: FreshetServer;
  let clock: ManualClock;
  let iam: IAMClient;
  let kinesis: KinesisClient;
  const cfg = () => ({ endpoint: server.url, region: REGION, credentials: ROOT, maxAttempts: 1 });

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
    for (const name of ['sql-in', 'sql-out', 'flink-in', 'flink-out', 'trust-in', 'trust-out', 'gone-in', 'gone-out'])
      await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    clock.advance(1000);
  });
  after(async () => {
    iam.destroy();
    kinesis.destroy();
    await server.close();
  });

  /** Waits (real time, at most ~2 s) until `probe` satisfies `ok`, without moving the clock. */
  async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
    let v = await probe();
    for (let i = 0; i < 200 && !ok(v); i++) {
      await new Promise((r) => setTimeout(r, 10));
      v = await probe();
    }
    return v;
  }

  async function readAll(name: string): Promise<string[]> {
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const { Records } = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
    return (Records ?? []).map((r) => Buffer.from(r.Data!).toString('utf8').trim());
  }

  const put = (name: string, data: string) => kinesis.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from(data) }));

  async function lastError(name: string): Promise<string | undefined> {
    const s = (await (await fetch(`${server.url}/status`)).json()) as { applications: Array<{ name: string; lastError?: string }> };
    return s.applications.find((a) => a.name === name)?.lastError;
  }

  async function appStatus(name: string): Promise<string | undefined> {
    const s = (await (await fetch(`${server.url}/status`)).json()) as { applications: Array<{ name: string; status: string }> };
    return s.applications.find((a) => a.name === name)?.status;
  }

  /** Moves the clock `ms` in 100 ms steps, letting the applications' pumps run after each. */
  async function walk(ms: number): Promise<void> {
    for (let t = 0; t < ms; t += 100) {
      clock.advance(100);
      await new Promise((r) => setTimeout(r, 15));
    }
  }

  it("answers IAM's texts for role policies that do not exist, and serves GetRolePolicy", async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'iam-only', AssumeRolePolicyDocument: TRUST }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'iam-only', PolicyName: 'p', PolicyDocument: USE('a', 'b') }));
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'iam-only', PolicyName: 'p' }));
    assert.deepEqual(JSON.parse(decodeURIComponent(got.PolicyDocument!)), JSON.parse(USE('a', 'b')));
    assert.equal(
      await failure(iam.send(new GetRolePolicyCommand({ RoleName: 'iam-only', PolicyName: 'q' }))),
      'NoSuchEntityException: The role policy with name q cannot be found.',
    );
    assert.equal(
      await failure(iam.send(new DeleteRolePolicyCommand({ RoleName: 'iam-only', PolicyName: 'q' }))),
      'NoSuchEntityException: The role policy with name q cannot be found.',
    );
    assert.equal(
      await failure(iam.send(new DeleteRolePolicyCommand({ RoleName: 'nobody', PolicyName: 'p' }))),
      'NoSuchEntityException: The role with name nobody cannot be found.',
    );
    const arn = `arn:aws:iam::${ACCOUNT}:policy/unattached`;
    assert.equal(
      await failure(iam.send(new DetachRolePolicyCommand({ RoleName: 'iam-only', PolicyArn: arn }))),
      `NoSuchEntityException: Policy ${arn} was not found.`,
    );
    assert.equal(await failure(iam.send(new DeleteRolePolicyCommand({ RoleName: 'iam-only', PolicyName: 'p' }))), 'ok');
    assert.equal(
      await failure(iam.send(new GetRolePolicyCommand({ RoleName: 'iam-only', PolicyName: 'p' }))),
      'NoSuchEntityException: The role policy with name p cannot be found.',
    );
  });

  it('a SQL application whose managed policy is detached stays RUNNING with the reason shown, retries with backoff on the clock, and goes on without loss once the policy is attached again', async () => {
    const kda = new KinesisAnalyticsClient(cfg());
    try {
      await iam.send(new CreateRoleCommand({ RoleName: 'sql-role', AssumeRolePolicyDocument: TRUST }));
      const { Policy } = await iam.send(new CreatePolicyCommand({ PolicyName: 'sql-use', PolicyDocument: USE('sql-in', 'sql-out') }));
      await iam.send(new AttachRolePolicyCommand({ RoleName: 'sql-role', PolicyArn: Policy!.Arn }));
      await kda.send(
        new CreateApplicationCommand({
          ApplicationName: 'sql-app',
          Inputs: [
            {
              NamePrefix: 'SOURCE_SQL_STREAM',
              KinesisStreamsInput: { ResourceARN: stream('sql-in'), RoleARN: role('sql-role') },
              InputSchema: {
                RecordFormat: {
                  RecordFormatType: 'CSV',
                  MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: ',' } },
                },
                RecordColumns: [{ Name: 'v', SqlType: 'VARCHAR(8)' }],
              },
            },
          ],
          Outputs: [
            {
              Name: 'DEST',
              KinesisStreamsOutput: { ResourceARN: stream('sql-out'), RoleARN: role('sql-role') },
              DestinationSchema: { RecordFormatType: 'CSV' },
            },
          ],
          ApplicationCode:
            'CREATE OR REPLACE STREAM "DEST" ("v" VARCHAR(8)); CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM "v" FROM "SOURCE_SQL_STREAM_001";',
        }),
      );
      const start = (position: 'NOW' | 'LAST_STOPPED_POINT') =>
        kda.send(
          new StartApplicationCommand({
            ApplicationName: 'sql-app',
            InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: position } }],
          }),
        );
      const status = async () => (await kda.send(new DescribeApplicationCommand({ ApplicationName: 'sql-app' }))).ApplicationDetail!.ApplicationStatus;
      await start('NOW');
      assert.equal(await until(status, (s) => s === 'RUNNING'), 'RUNNING');
      await put('sql-in', 'one');
      assert.deepEqual(
        await until(
          () => readAll('sql-out'),
          (r) => r.length === 1,
        ),
        ['one'],
      );

      // Detached: the next record is not read; the application stays RUNNING with the reason, the clock stands still.
      await iam.send(new DetachRolePolicyCommand({ RoleName: 'sql-role', PolicyArn: Policy!.Arn }));
      const t0 = clock.now();
      await put('sql-in', 'two');
      const denied = `Input 1.1: the role ${role('sql-role')} cannot use ${stream('sql-in')}: User: arn:aws:sts::${ACCOUNT}:assumed-role/sql-role/sql-app is not authorized to perform: kinesis:DescribeStream on resource: ${stream('sql-in')} because no identity-based policy allows the kinesis:DescribeStream action`;
      assert.equal(
        await until(
          () => lastError('sql-app'),
          (e) => e !== undefined,
        ),
        denied,
      );
      assert.equal(clock.now(), t0);
      assert.equal(await status(), 'RUNNING');
      assert.equal(await appStatus('sql-app'), 'RUNNING');
      assert.deepEqual(await readAll('sql-out'), ['one']);

      // The first retry comes within a tick after 1 s and fails; the next one waits 2 s more.
      await walk(2000);
      assert.equal(await lastError('sql-app'), denied);
      await iam.send(new AttachRolePolicyCommand({ RoleName: 'sql-role', PolicyArn: Policy!.Arn }));
      // Allowed again, but nothing happens before the next retry is due (the clock has not moved).
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(await readAll('sql-out'), ['one']);
      let resumedAt = -1;
      for (let i = 0; i < 60 && resumedAt < 0; i++) {
        await walk(100);
        if ((await readAll('sql-out')).length === 2) resumedAt = clock.now();
      }
      assert.ok(resumedAt >= t0 + 3000 && resumedAt <= t0 + 6000, `resumed ${resumedAt - t0} ms after the failure`);
      assert.deepEqual(await readAll('sql-out'), ['one', 'two']);
      assert.equal(
        await until(
          () => lastError('sql-app'),
          (e) => e === undefined,
        ),
        undefined,
      );
      assert.equal(await status(), 'RUNNING');
      // It goes on reading, nothing doubled.
      await put('sql-in', 'three');
      await walk(1000);
      assert.deepEqual(
        await until(
          () => readAll('sql-out'),
          (r) => r.length === 3,
        ),
        ['one', 'two', 'three'],
      );
    } finally {
      kda.destroy();
    }
  });

  it('a Flink application whose inline policy is deleted stays RUNNING with the reason shown, and its retry at 1 s, 2 s, 4 s… of clock time goes on without loss once the policy is put back', async () => {
    const flink = new KinesisAnalyticsV2Client(cfg());
    try {
      await iam.send(new CreateRoleCommand({ RoleName: 'flink-role', AssumeRolePolicyDocument: TRUST }));
      await iam.send(new PutRolePolicyCommand({ RoleName: 'flink-role', PolicyName: 'use', PolicyDocument: USE('flink-in', 'flink-out') }));
      const sql = `CREATE TABLE s (v STRING) WITH ('connector' = 'kinesis', 'stream' = 'flink-in', 'format' = 'json', 'scan.stream.initpos' = 'TRIM_HORIZON');
CREATE TABLE o (v STRING) WITH ('connector' = 'kinesis', 'stream' = 'flink-out', 'format' = 'json');
INSERT INTO o SELECT v FROM s;`;
      await flink.send(
        new CreateFlinkApplicationCommand({
          ApplicationName: 'flink-app',
          RuntimeEnvironment: 'FLINK-1_15',
          ServiceExecutionRole: role('flink-role'),
          ApplicationConfiguration: { ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: sql } } },
        }),
      );
      const start = () => flink.send(new StartFlinkApplicationCommand({ ApplicationName: 'flink-app', RunConfiguration: {} }));
      const status = async () => (await flink.send(new DescribeFlinkApplicationCommand({ ApplicationName: 'flink-app' }))).ApplicationDetail!.ApplicationStatus;
      const running = async () => {
        for (let i = 0; i < 100 && (await status()) !== 'RUNNING'; i++) {
          clock.advance(1000);
          await new Promise((r) => setTimeout(r, 10));
        }
        return status();
      };
      await start();
      assert.equal(await running(), 'RUNNING');
      await put('flink-in', '{"v":"a"}');
      assert.deepEqual(
        await until(
          () => readAll('flink-out'),
          (r) => r.length === 1,
        ),
        ['{"v":"a"}'],
      );

      await iam.send(new DeleteRolePolicyCommand({ RoleName: 'flink-role', PolicyName: 'use' }));
      const t0 = clock.now();
      await put('flink-in', '{"v":"b"}');
      const denied = `table "s": User: arn:aws:sts::${ACCOUNT}:assumed-role/flink-role/flink-app is not authorized to perform: kinesis:DescribeStream on resource: ${stream('flink-in')} because no identity-based policy allows the kinesis:DescribeStream action`;
      assert.equal(
        await until(
          () => lastError('flink-app'),
          (e) => e !== undefined,
        ),
        denied,
      );
      assert.equal(clock.now(), t0);
      assert.equal(await status(), 'RUNNING');
      assert.deepEqual(await readAll('flink-out'), ['{"v":"a"}']);

      // Retries at 1 s, then 2 s later (t0 + 3 s), then 4 s later: the first fails while the policy is still deleted.
      clock.advance(1500);
      await iam.send(new PutRolePolicyCommand({ RoleName: 'flink-role', PolicyName: 'use', PolicyDocument: USE('flink-in', 'flink-out') }));
      clock.advance(1499);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(await readAll('flink-out'), ['{"v":"a"}'], 'nothing before the retry at t0 + 3 s');
      assert.equal(await lastError('flink-app'), denied);
      clock.advance(1);
      // The retry at t0 + 3 s finds the role allowed: the job reads on from its offsets, nothing lost or doubled.
      assert.deepEqual(
        await until(
          () => readAll('flink-out'),
          (r) => r.length === 2,
        ),
        ['{"v":"a"}', '{"v":"b"}'],
      );
      assert.equal(
        await until(
          () => lastError('flink-app'),
          (e) => e === undefined,
        ),
        undefined,
      );
      assert.equal(await status(), 'RUNNING');
    } finally {
      flink.destroy();
    }
  });
  it("answers IAM's texts for DeleteRole and UpdateAssumeRolePolicy", async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'iam-del', AssumeRolePolicyDocument: TRUST }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'iam-del', PolicyName: 'p', PolicyDocument: USE('a', 'b') }));
    assert.equal(
      await failure(iam.send(new DeleteRoleCommand({ RoleName: 'iam-del' }))),
      'DeleteConflictException: Cannot delete entity, must delete policies first.',
    );
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'iam-del', PolicyName: 'p' }));
    const { Policy } = await iam.send(new CreatePolicyCommand({ PolicyName: 'iam-del-managed', PolicyDocument: USE('a', 'b') }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'iam-del', PolicyArn: Policy!.Arn }));
    assert.equal(
      await failure(iam.send(new DeleteRoleCommand({ RoleName: 'iam-del' }))),
      'DeleteConflictException: Cannot delete entity, must detach all policies first.',
    );
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'iam-del', PolicyArn: Policy!.Arn }));
    assert.equal(
      await failure(
        iam.send(
          new UpdateAssumeRolePolicyCommand({
            RoleName: 'iam-del',
            PolicyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}',
          }),
        ),
      ),
      'MalformedPolicyDocumentException: Missing required field Principal',
    );
    assert.equal(await failure(iam.send(new DeleteRoleCommand({ RoleName: 'iam-del' }))), 'ok');
    assert.equal(await failure(iam.send(new DeleteRoleCommand({ RoleName: 'iam-del' }))), 'NoSuchEntityException: The role with name iam-del cannot be found.');
    assert.equal(
      await failure(iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'iam-del', PolicyDocument: TRUST }))),
      'NoSuchEntityException: The role with name iam-del cannot be found.',
    );
  });

  it('a SQL application whose role stops trusting Kinesis Analytics stays RUNNING with the reason, and goes on without loss once the trust is back', async () => {
    const kda = new KinesisAnalyticsClient(cfg());
    try {
      await iam.send(new CreateRoleCommand({ RoleName: 'trust-role', AssumeRolePolicyDocument: TRUST }));
      await iam.send(new PutRolePolicyCommand({ RoleName: 'trust-role', PolicyName: 'use', PolicyDocument: USE('trust-in', 'trust-out') }));
      await kda.send(
        new CreateApplicationCommand({
          ApplicationName: 'trust-app',
          Inputs: [
            {
              NamePrefix: 'SOURCE_SQL_STREAM',
              KinesisStreamsInput: { ResourceARN: stream('trust-in'), RoleARN: role('trust-role') },
              InputSchema: {
                RecordFormat: {
                  RecordFormatType: 'CSV',
                  MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: ',' } },
                },
                RecordColumns: [{ Name: 'v', SqlType: 'VARCHAR(8)' }],
              },
            },
          ],
          Outputs: [
            {
              Name: 'DEST',
              KinesisStreamsOutput: { ResourceARN: stream('trust-out'), RoleARN: role('trust-role') },
              DestinationSchema: { RecordFormatType: 'CSV' },
            },
          ],
          ApplicationCode:
            'CREATE OR REPLACE STREAM "DEST" ("v" VARCHAR(8)); CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM "v" FROM "SOURCE_SQL_STREAM_001";',
        }),
      );
      await kda.send(
        new StartApplicationCommand({
          ApplicationName: 'trust-app',
          InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'NOW' } }],
        }),
      );
      const status = async () => (await kda.send(new DescribeApplicationCommand({ ApplicationName: 'trust-app' }))).ApplicationDetail!.ApplicationStatus;
      assert.equal(await until(status, (s) => s === 'RUNNING'), 'RUNNING');
      await put('trust-in', 'one');
      assert.deepEqual(
        await until(
          () => readAll('trust-out'),
          (r) => r.length === 1,
        ),
        ['one'],
      );

      // The trust policy now names EC2 only: Kinesis Analytics may not assume the role.
      const ec2 = TRUST.replace('kinesisanalytics.amazonaws.com', 'ec2.amazonaws.com');
      await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'trust-role', PolicyDocument: ec2 }));
      await put('trust-in', 'two');
      assert.equal(
        await until(
          () => lastError('trust-app'),
          (e) => e !== undefined,
        ),
        `Input 1.1: Kinesis Analytics service doesn't have sufficient privileges to assume the role ${role('trust-role')}`,
      );
      assert.equal(await status(), 'RUNNING');
      await walk(2000);
      assert.deepEqual(await readAll('trust-out'), ['one']);

      await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'trust-role', PolicyDocument: TRUST }));
      for (let i = 0; i < 80 && (await readAll('trust-out')).length < 2; i++) await walk(100);
      assert.deepEqual(await readAll('trust-out'), ['one', 'two']);
      assert.equal(
        await until(
          () => lastError('trust-app'),
          (e) => e === undefined,
        ),
        undefined,
      );
      assert.equal(await status(), 'RUNNING');
    } finally {
      kda.destroy();
    }
  });

  it('a Flink application whose role is deleted stays RUNNING with the reason, and goes on without loss once the role is created again', async () => {
    const flink = new KinesisAnalyticsV2Client(cfg());
    try {
      await iam.send(new CreateRoleCommand({ RoleName: 'gone-role', AssumeRolePolicyDocument: TRUST }));
      await iam.send(new PutRolePolicyCommand({ RoleName: 'gone-role', PolicyName: 'use', PolicyDocument: USE('gone-in', 'gone-out') }));
      const sql = `CREATE TABLE s (v STRING) WITH ('connector' = 'kinesis', 'stream' = 'gone-in', 'format' = 'json', 'scan.stream.initpos' = 'TRIM_HORIZON');
CREATE TABLE o (v STRING) WITH ('connector' = 'kinesis', 'stream' = 'gone-out', 'format' = 'json');
INSERT INTO o SELECT v FROM s;`;
      await flink.send(
        new CreateFlinkApplicationCommand({
          ApplicationName: 'gone-app',
          RuntimeEnvironment: 'FLINK-1_15',
          ServiceExecutionRole: role('gone-role'),
          ApplicationConfiguration: { ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: sql } } },
        }),
      );
      await flink.send(new StartFlinkApplicationCommand({ ApplicationName: 'gone-app', RunConfiguration: {} }));
      const status = async () => (await flink.send(new DescribeFlinkApplicationCommand({ ApplicationName: 'gone-app' }))).ApplicationDetail!.ApplicationStatus;
      for (let i = 0; i < 100 && (await status()) !== 'RUNNING'; i++) await walk(1000);
      assert.equal(await status(), 'RUNNING');
      await put('gone-in', '{"v":"a"}');
      assert.deepEqual(
        await until(
          () => readAll('gone-out'),
          (r) => r.length === 1,
        ),
        ['{"v":"a"}'],
      );

      await iam.send(new DeleteRolePolicyCommand({ RoleName: 'gone-role', PolicyName: 'use' }));
      await iam.send(new DeleteRoleCommand({ RoleName: 'gone-role' }));
      await put('gone-in', '{"v":"b"}');
      assert.equal(
        await until(
          () => lastError('gone-app'),
          (e) => e?.startsWith('Kinesis Analytics') === true,
        ),
        `Kinesis Analytics service doesn't have sufficient privileges to assume the role ${role('gone-role')}`,
      );
      assert.equal(await status(), 'RUNNING');
      await walk(2000);
      assert.deepEqual(await readAll('gone-out'), ['{"v":"a"}']);

      await iam.send(new CreateRoleCommand({ RoleName: 'gone-role', AssumeRolePolicyDocument: TRUST }));
      await iam.send(new PutRolePolicyCommand({ RoleName: 'gone-role', PolicyName: 'use', PolicyDocument: USE('gone-in', 'gone-out') }));
      for (let i = 0; i < 80 && (await readAll('gone-out')).length < 2; i++) await walk(100);
      assert.deepEqual(await readAll('gone-out'), ['{"v":"a"}', '{"v":"b"}']);
      assert.equal(
        await until(
          () => lastError('gone-app'),
          (e) => e === undefined,
        ),
        undefined,
      );
      assert.equal(await status(), 'RUNNING');
    } finally {
      flink.destroy();
    }
  });
});
