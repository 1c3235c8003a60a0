/**
 * A KDA application held by its role (`--auth enforce`: the role may no longer read its source) is still held,
 * RUNNING with the reason, after the server restarts on the same data dir — as on AWS, where a restart of the
 * service changes nothing about it — and goes on without loss once the role may again. For a SQL (v1) application
 * and a Flink (v2) application.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateRoleCommand, DeleteRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
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
const ROOT = { accessKeyId: 'AKIAFRESHETROOT00024', secretAccessKey: 'root-secret-for-role-restart-tests-00000' };
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
const SQL_FLINK = `CREATE TABLE s (v STRING) WITH ('connector' = 'kinesis', 'stream' = 'f-in', 'format' = 'json', 'scan.stream.initpos' = 'TRIM_HORIZON');
CREATE TABLE o (v STRING) WITH ('connector' = 'kinesis', 'stream' = 'f-out', 'format' = 'json');
INSERT INTO o SELECT v FROM s;`;

describe('a KDA application held by its role stays held across a server restart', () => {
  let dir: string;
  let server: FreshetServer;
  let clock: ManualClock;

  const start = () =>
    startServer({
      port: 0,
      dataDir: dir,
      fsync: { kind: 'never' },
      auth: 'enforce',
      clock,
      analytics: { startDelayMs: 0 },
      analyticsV2: { startMs: 0 },
      env: { FRESHET_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, FRESHET_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey },
    });
  const cfg = () => ({ endpoint: server.url, region: REGION, credentials: ROOT, maxAttempts: 1 });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'freshet-role-restart-'));
    clock = new ManualClock(Date.now());
    server = await start();
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Waits (real time, at most ~3 s) until `probe` satisfies `ok`. */
  async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
    let v = await probe();
    for (let i = 0; i < 300 && !ok(v); i++) {
      await new Promise((r) => setTimeout(r, 10));
      v = await probe();
    }
    return v;
  }

  /** Moves the clock `ms` in 100 ms steps, letting the applications run after each. */
  async function walk(ms: number): Promise<void> {
    for (let t = 0; t < ms; t += 100) {
      clock.advance(100);
      await new Promise((r) => setTimeout(r, 15));
    }
  }

  async function app(name: string): Promise<{ status?: string; lastError?: string } | undefined> {
    const s = (await (await fetch(`${server.url}/status`)).json()) as { applications: Array<{ name: string; status: string; lastError?: string }> };
    return s.applications.find((a) => a.name === name);
  }

  async function readAll(name: string): Promise<string[]> {
    const kinesis = new KinesisClient(cfg());
    try {
      const { ShardIterator } = await kinesis.send(
        new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }),
      );
      const { Records } = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
      return (Records ?? []).map((r) => Buffer.from(r.Data!).toString('utf8').trim());
    } finally {
      kinesis.destroy();
    }
  }

  async function put(name: string, data: string): Promise<void> {
    const kinesis = new KinesisClient(cfg());
    try {
      await kinesis.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: Buffer.from(data) }));
    } finally {
      kinesis.destroy();
    }
  }

  it('resumes a held SQL and a held Flink application RUNNING with the reason, and both go on without loss once their roles may again', async () => {
    const iam = new IAMClient(cfg());
    const kinesis = new KinesisClient(cfg());
    const kda = new KinesisAnalyticsClient(cfg());
    const flink = new KinesisAnalyticsV2Client(cfg());
    for (const name of ['s-in', 's-out', 'f-in', 'f-out']) await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    clock.advance(1000);
    for (const [r, from, to] of [
      ['s-role', 's-in', 's-out'],
      ['f-role', 'f-in', 'f-out'],
    ] as const) {
      await iam.send(new CreateRoleCommand({ RoleName: r, AssumeRolePolicyDocument: TRUST }));
      await iam.send(new PutRolePolicyCommand({ RoleName: r, PolicyName: 'use', PolicyDocument: USE(from, to) }));
    }
    await kda.send(
      new CreateApplicationCommand({
        ApplicationName: 's-app',
        Inputs: [
          {
            NamePrefix: 'SOURCE_SQL_STREAM',
            KinesisStreamsInput: { ResourceARN: stream('s-in'), RoleARN: role('s-role') },
            InputSchema: {
              RecordFormat: { RecordFormatType: 'CSV', MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: ',' } } },
              RecordColumns: [{ Name: 'v', SqlType: 'VARCHAR(8)' }],
            },
          },
        ],
        Outputs: [
          { Name: 'DEST', KinesisStreamsOutput: { ResourceARN: stream('s-out'), RoleARN: role('s-role') }, DestinationSchema: { RecordFormatType: 'CSV' } },
        ],
        ApplicationCode:
          'CREATE OR REPLACE STREAM "DEST" ("v" VARCHAR(8)); CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST" SELECT STREAM "v" FROM "SOURCE_SQL_STREAM_001";',
      }),
    );
    await kda.send(
      new StartApplicationCommand({
        ApplicationName: 's-app',
        InputConfigurations: [{ Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'NOW' } }],
      }),
    );
    await flink.send(
      new CreateFlinkApplicationCommand({
        ApplicationName: 'f-app',
        RuntimeEnvironment: 'FLINK-1_15',
        ServiceExecutionRole: role('f-role'),
        ApplicationConfiguration: { ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: SQL_FLINK } } },
      }),
    );
    await flink.send(new StartFlinkApplicationCommand({ ApplicationName: 'f-app', RunConfiguration: {} }));
    for (let i = 0; i < 50 && ((await app('s-app'))?.status !== 'RUNNING' || (await app('f-app'))?.status !== 'RUNNING'); i++) await walk(1000);
    assert.equal((await app('s-app'))?.status, 'RUNNING');
    assert.equal((await app('f-app'))?.status, 'RUNNING');
    await put('s-in', 'one');
    await put('f-in', '{"v":"a"}');
    assert.deepEqual(
      await until(
        () => readAll('s-out'),
        (r) => r.length === 1,
      ),
      ['one'],
    );
    assert.deepEqual(
      await until(
        () => readAll('f-out'),
        (r) => r.length === 1,
      ),
      ['{"v":"a"}'],
    );

    // Both roles lose their policies: both applications are held.
    for (const r of ['s-role', 'f-role']) await iam.send(new DeleteRolePolicyCommand({ RoleName: r, PolicyName: 'use' }));
    await put('s-in', 'two');
    await put('f-in', '{"v":"b"}');
    const sDenied = `Input 1.1: the role ${role('s-role')} cannot use ${stream('s-in')}: User: arn:aws:sts::${ACCOUNT}:assumed-role/s-role/s-app is not authorized to perform: kinesis:DescribeStream on resource: ${stream('s-in')} because no identity-based policy allows the kinesis:DescribeStream action`;
    const fDenied = `table "s": User: arn:aws:sts::${ACCOUNT}:assumed-role/f-role/f-app is not authorized to perform: kinesis:DescribeStream on resource: ${stream('f-in')} because no identity-based policy allows the kinesis:DescribeStream action`;
    assert.deepEqual(
      await until(
        () => app('s-app'),
        (a) => a?.lastError !== undefined,
      ),
      { ...(await app('s-app')), status: 'RUNNING', lastError: sDenied },
    );
    assert.equal(
      (
        await until(
          () => app('f-app'),
          (a) => a?.lastError !== undefined,
        )
      )?.lastError,
      fDenied,
    );
    for (const c of [iam, kinesis, kda, flink]) c.destroy();

    // Restart on the same data dir: both come back RUNNING, still held, with the reason.
    await server.close();
    server = await start();
    const iam2 = new IAMClient(cfg());
    const kda2 = new KinesisAnalyticsClient(cfg());
    const flink2 = new KinesisAnalyticsV2Client(cfg());
    try {
      const s = await until(
        () => app('s-app'),
        (a) => a?.status === 'RUNNING' && a.lastError !== undefined,
      );
      assert.equal(s?.status, 'RUNNING');
      assert.equal(s?.lastError, sDenied);
      const f = await until(
        () => app('f-app'),
        (a) => a?.status === 'RUNNING' && a.lastError !== undefined,
      );
      assert.equal(f?.status, 'RUNNING');
      assert.equal(f?.lastError, fDenied);
      assert.equal((await kda2.send(new DescribeApplicationCommand({ ApplicationName: 's-app' }))).ApplicationDetail?.ApplicationStatus, 'RUNNING');
      assert.equal((await flink2.send(new DescribeFlinkApplicationCommand({ ApplicationName: 'f-app' }))).ApplicationDetail?.ApplicationStatus, 'RUNNING');
      await walk(2000);
      assert.deepEqual(await readAll('s-out'), ['one']);
      assert.deepEqual(await readAll('f-out'), ['{"v":"a"}']);

      // The policies are back: the next retries go on from where each stopped, nothing lost or doubled.
      await iam2.send(new PutRolePolicyCommand({ RoleName: 's-role', PolicyName: 'use', PolicyDocument: USE('s-in', 's-out') }));
      await iam2.send(new PutRolePolicyCommand({ RoleName: 'f-role', PolicyName: 'use', PolicyDocument: USE('f-in', 'f-out') }));
      for (let i = 0; i < 100 && ((await readAll('s-out')).length < 2 || (await readAll('f-out')).length < 2); i++) await walk(100);
      assert.deepEqual(await readAll('s-out'), ['one', 'two']);
      assert.deepEqual(await readAll('f-out'), ['{"v":"a"}', '{"v":"b"}']);
      assert.equal(
        (
          await until(
            () => app('s-app'),
            (a) => a?.lastError === undefined,
          )
        )?.lastError,
        undefined,
      );
      assert.equal(
        (
          await until(
            () => app('f-app'),
            (a) => a?.lastError === undefined,
          )
        )?.lastError,
        undefined,
      );
    } finally {
      for (const c of [iam2, kda2, flink2]) c.destroy();
    }
  });
});
