/**
 * CreateApplicationPresignedUrl and UpdateApplicationMaintenanceConfiguration through
 * @aws-sdk/client-kinesis-analytics-v2 and Debian's AWS CLI against one real server on a ManualClock.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateApplicationCommand,
  CreateApplicationPresignedUrlCommand,
  DescribeApplicationCommand,
  KinesisAnalyticsV2Client,
  StartApplicationCommand,
  UpdateApplicationMaintenanceConfigurationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { CreateApplicationCommand as CreateV1Command, KinesisAnalyticsClient } from '@aws-sdk/client-kinesis-analytics';
import { CreateStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { verifyPresignedToken } from '../../src/analytics/index.ts';
import { ManualClock } from '../../src/core/index.ts';
import { MemoryStorage } from '../../src/storage/index.ts';
import { startServer, type FreshetServer } from '../../src/server/index.ts';
import { awsCli } from '../helpers/third-party-clients.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ROLE = 'arn:aws:iam::000000000000:role/flink';
const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const SQL = `
CREATE TABLE gen (v INT) WITH ('connector' = 'kinesis', 'stream' = 'numbers', 'format' = 'json');
CREATE TABLE out_t (v INT) WITH ('connector' = 'print');
INSERT INTO out_t SELECT v FROM gen;`;

function tokenOf(url: string): string {
  return new URL(url.split('#')[0]!).searchParams.get('authToken') ?? '';
}

describe('KinesisAnalyticsV2 presigned URLs and maintenance windows', () => {
  let server: FreshetServer;
  let clock: ManualClock;
  let v2: KinesisAnalyticsV2Client;
  let v1: KinesisAnalyticsClient;

  const create = (name: string, runtime: 'FLINK-1_15' | 'ZEPPELIN-FLINK-2_0' = 'FLINK-1_15') =>
    v2.send(
      new CreateApplicationCommand({
        ApplicationName: name,
        RuntimeEnvironment: runtime,
        ServiceExecutionRole: ROLE,
        ApplicationConfiguration: {
          ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: SQL } },
          FlinkApplicationConfiguration: {
            ParallelismConfiguration: { ConfigurationType: 'CUSTOM', Parallelism: 4, ParallelismPerKPU: 1, AutoScalingEnabled: false },
          },
        },
      }),
    );

  before(async () => {
    clock = new ManualClock(T0);
    server = await startServer({
      port: 0,
      storage: new MemoryStorage(),
      clock,
      createDelayMs: 0,
      deleteDelayMs: 0,
      updateDelayMs: 0,
      analytics: { startDelayMs: 0, stopDelayMs: 0, updateDelayMs: 0, deleteDelayMs: 0 },
      analyticsV2: { startMs: 0, stopMs: 0, updateMs: 0, deleteMs: 0 },
    });
    const config = { endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
    v2 = new KinesisAnalyticsV2Client(config);
    v1 = new KinesisAnalyticsClient(config);
    const kinesis = new KinesisClient(config);
    await kinesis.send(new CreateStreamCommand({ StreamName: 'numbers', ShardCount: 1 }));
    kinesis.destroy();
  });

  after(async () => {
    v2.destroy();
    v1.destroy();
    await server.close();
  });

  it('gives a running application a console URL valid for the requested session, 12 hours by default, and refuses one that is not running', async () => {
    await create('dash');
    await assert.rejects(v2.send(new CreateApplicationPresignedUrlCommand({ ApplicationName: 'dash', UrlType: 'FLINK_DASHBOARD_URL' })), {
      name: 'ResourceInUseException',
      message: 'Application dash is READY; its FLINK_DASHBOARD_URL is available while it is RUNNING',
    });
    await v2.send(new StartApplicationCommand({ ApplicationName: 'dash', RunConfiguration: {} }));
    await clock.advance(0);
    // Parallelism 4 of a plan that can be split runs 4 subtasks (test/analytics/v2-parallel.test.ts), and DescribeApplication says so.
    const running = await v2.send(new DescribeApplicationCommand({ ApplicationName: 'dash' }));
    const par = running.ApplicationDetail?.ApplicationConfigurationDescription?.FlinkApplicationConfigurationDescription?.ParallelismConfigurationDescription;
    assert.deepEqual(
      { type: par?.ConfigurationType, parallelism: par?.Parallelism, current: par?.CurrentParallelism },
      { type: 'CUSTOM', parallelism: 4, current: 4 },
    );
    const half = await v2.send(
      new CreateApplicationPresignedUrlCommand({ ApplicationName: 'dash', UrlType: 'FLINK_DASHBOARD_URL', SessionExpirationDurationInSeconds: 1800 }),
    );
    const url = half.AuthorizedUrl ?? '';
    assert.ok(url.startsWith(`${server.url}/console/?authToken=`), url);
    assert.ok(url.endsWith('#/apps/dash'), url);
    const check = verifyPresignedToken(tokenOf(url), clock.now() + 1_799_000);
    assert.deepEqual(check, { ok: true, application: 'dash', urlType: 'FLINK_DASHBOARD_URL', expiresMs: T0 + 1_800_000 });
    assert.deepEqual(verifyPresignedToken(tokenOf(url), clock.now() + 1_800_000), { ok: false, reason: 'expired' });
    assert.deepEqual(verifyPresignedToken(`${tokenOf(url)}x`, clock.now()), { ok: false, reason: 'invalid' });

    const day = await v2.send(new CreateApplicationPresignedUrlCommand({ ApplicationName: 'dash', UrlType: 'FLINK_DASHBOARD_URL' }));
    const d = verifyPresignedToken(tokenOf(day.AuthorizedUrl ?? ''), clock.now());
    assert.ok(d.ok && d.expiresMs === clock.now() + 12 * 3600 * 1000, JSON.stringify(d));

    await assert.rejects(v2.send(new CreateApplicationPresignedUrlCommand({ ApplicationName: 'dash', UrlType: 'ZEPPELIN_UI_URL' })), {
      name: 'InvalidArgumentException',
      message: 'ZEPPELIN_UI_URL is for Studio (ZEPPELIN-FLINK) applications; application dash runs FLINK-1_15',
    });
    await assert.rejects(
      v2.send(new CreateApplicationPresignedUrlCommand({ ApplicationName: 'dash', UrlType: 'FLINK_DASHBOARD_URL', SessionExpirationDurationInSeconds: 60 })),
      (e: Error) => e.name === 'ValidationException' && /sessionExpirationDurationInSeconds/.test(e.message),
    );
    await assert.rejects(v2.send(new CreateApplicationPresignedUrlCommand({ ApplicationName: 'nope', UrlType: 'FLINK_DASHBOARD_URL' })), {
      name: 'ResourceNotFoundException',
    });
  });

  it('describes the default 8-hour maintenance window, moves it with UpdateApplicationMaintenanceConfiguration, and validates the start time', async () => {
    await create('maint');
    const before = await v2.send(new DescribeApplicationCommand({ ApplicationName: 'maint' }));
    assert.deepEqual(before.ApplicationDetail?.ApplicationMaintenanceConfigurationDescription, {
      ApplicationMaintenanceWindowStartTime: '06:00',
      ApplicationMaintenanceWindowEndTime: '14:00',
    });
    const updated = await v2.send(
      new UpdateApplicationMaintenanceConfigurationCommand({
        ApplicationName: 'maint',
        ApplicationMaintenanceConfigurationUpdate: { ApplicationMaintenanceWindowStartTimeUpdate: '22:30' },
      }),
    );
    assert.equal(updated.ApplicationARN, 'arn:aws:kinesisanalytics:us-east-1:000000000000:application/maint');
    assert.deepEqual(updated.ApplicationMaintenanceConfigurationDescription, {
      ApplicationMaintenanceWindowStartTime: '22:30',
      ApplicationMaintenanceWindowEndTime: '06:30',
    });
    const after = await v2.send(new DescribeApplicationCommand({ ApplicationName: 'maint' }));
    assert.equal(after.ApplicationDetail?.ApplicationMaintenanceConfigurationDescription?.ApplicationMaintenanceWindowStartTime, '22:30');
    // The version does not change: the maintenance window is not part of the application's configuration versions.
    assert.equal(after.ApplicationDetail?.ApplicationVersionId, before.ApplicationDetail?.ApplicationVersionId);

    await assert.rejects(
      v2.send(
        new UpdateApplicationMaintenanceConfigurationCommand({
          ApplicationName: 'maint',
          ApplicationMaintenanceConfigurationUpdate: { ApplicationMaintenanceWindowStartTimeUpdate: '24:00' },
        }),
      ),
      (e: Error) => e.name === 'ValidationException' && e.message.includes('Member must satisfy regular expression pattern: ([01][0-9]|2[0-3]):[0-5][0-9]'),
    );
    await v1.send(new CreateV1Command({ ApplicationName: 'old-sql' }));
    await assert.rejects(
      v2.send(
        new UpdateApplicationMaintenanceConfigurationCommand({
          ApplicationName: 'old-sql',
          ApplicationMaintenanceConfigurationUpdate: { ApplicationMaintenanceWindowStartTimeUpdate: '01:00' },
        }),
      ),
      { name: 'UnsupportedOperationException' },
    );
  });

  it('serves both actions to the AWS CLI, including a Studio notebook’s ZEPPELIN_UI_URL', async () => {
    const cli = (args: string[]) => awsCli(server.url, ['kinesisanalyticsv2', ...args]);
    await create('studio', 'ZEPPELIN-FLINK-2_0');
    await cli(['start-application', '--application-name', 'studio']);
    await clock.advance(0);
    const out = await cli([
      'create-application-presigned-url',
      '--application-name',
      'studio',
      '--url-type',
      'ZEPPELIN_UI_URL',
      '--session-expiration-duration-in-seconds',
      '3600',
    ]);
    const check = verifyPresignedToken(tokenOf(out.AuthorizedUrl), clock.now());
    assert.deepEqual(check, { ok: true, application: 'studio', urlType: 'ZEPPELIN_UI_URL', expiresMs: clock.now() + 3_600_000 });
    const m = await cli([
      'update-application-maintenance-configuration',
      '--application-name',
      'studio',
      '--application-maintenance-configuration-update',
      'ApplicationMaintenanceWindowStartTimeUpdate=03:15',
    ]);
    assert.deepEqual(m.ApplicationMaintenanceConfigurationDescription, {
      ApplicationMaintenanceWindowStartTime: '03:15',
      ApplicationMaintenanceWindowEndTime: '11:15',
    });
    const d = await cli(['describe-application', '--application-name', 'studio']);
    assert.equal(d.ApplicationDetail.ApplicationMaintenanceConfigurationDescription.ApplicationMaintenanceWindowEndTime, '11:15');
  });
});
