/**
 * A deployment script's `aws kinesisanalyticsv2 ...` calls (Debian's AWS CLI) against a real server:
 * every action Freshet serves for Flink applications, and errors as the CLI reports them.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/index.ts';
import { MemoryStorage } from '../../src/storage/index.ts';
import { startServer, type FreshetServer } from '../../src/server/index.ts';
import { awsCli } from '../helpers/third-party-clients.ts';

const SQL = (agg: string): string => `
CREATE TABLE quotes (ticker STRING, price DOUBLE, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH ('connector' = 'kinesis', 'stream' = 'quotes', 'format' = 'json');
CREATE TABLE quote_stats (ticker STRING, v DOUBLE) WITH ('connector' = 'print');
INSERT INTO quote_stats SELECT ticker, ${agg}(price) FROM TABLE(TUMBLE(TABLE quotes, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY ticker, window_start, window_end;`;

describe('aws kinesisanalyticsv2 (AWS CLI v2)', () => {
  let server: FreshetServer;
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-v2-cli-'));

  before(async () => {
    server = await startServer({
      port: 0,
      storage: new MemoryStorage(),
      dataDir,
      clock: new ManualClock(Date.UTC(2026, 0, 5)),
      createDelayMs: 0,
      deleteDelayMs: 0,
      updateDelayMs: 0,
      analyticsV2: { startMs: 0, stopMs: 0, updateMs: 0, deleteMs: 0 },
    });
    await awsCli(server.url, ['kinesis', 'create-stream', '--stream-name', 'quotes', '--shard-count', '1']);
  });

  after(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs a deployment script from create to delete', async () => {
    const cli = (args: string[]) => awsCli(server.url, ['kinesisanalyticsv2', ...args]);
    const created = await cli([
      'create-application',
      '--application-name',
      'quotes-job',
      '--runtime-environment',
      'FLINK-1_15',
      '--service-execution-role',
      'arn:aws:iam::000000000000:role/flink',
      '--application-configuration',
      JSON.stringify({
        ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: SQL('AVG') } },
        ApplicationSnapshotConfiguration: { SnapshotsEnabled: true },
        FlinkApplicationConfiguration: {
          ParallelismConfiguration: { ConfigurationType: 'CUSTOM', Parallelism: 2, ParallelismPerKPU: 1, AutoScalingEnabled: false },
        },
      }),
    ]);
    assert.equal(created.ApplicationDetail.ApplicationVersionId, 1);
    assert.equal(
      created.ApplicationDetail.ApplicationConfigurationDescription.FlinkApplicationConfigurationDescription.ParallelismConfigurationDescription.Parallelism,
      2,
    );

    const updated = await cli([
      'update-application',
      '--application-name',
      'quotes-job',
      '--current-application-version-id',
      '1',
      '--application-configuration-update',
      JSON.stringify({ ApplicationCodeConfigurationUpdate: { CodeContentUpdate: { TextContentUpdate: SQL('MAX') } } }),
    ]);
    assert.equal(updated.ApplicationDetail.ApplicationVersionId, 2);

    await cli([
      'start-application',
      '--application-name',
      'quotes-job',
      '--run-configuration',
      '{"ApplicationRestoreConfiguration":{"ApplicationRestoreType":"SKIP_RESTORE_FROM_SNAPSHOT"}}',
    ]);
    let d = await cli(['describe-application', '--application-name', 'quotes-job']);
    assert.equal(d.ApplicationDetail.ApplicationStatus, 'RUNNING');
    assert.equal(
      d.ApplicationDetail.ApplicationConfigurationDescription.FlinkApplicationConfigurationDescription.ParallelismConfigurationDescription.CurrentParallelism,
      2,
      'Parallelism 2 of a job keyed by ticker runs 2 subtasks',
    );

    await cli(['create-application-snapshot', '--application-name', 'quotes-job', '--snapshot-name', 'release-1']);
    const snaps = await cli(['list-application-snapshots', '--application-name', 'quotes-job']);
    assert.deepEqual(
      snaps.SnapshotSummaries.map((s: { SnapshotName: string; SnapshotStatus: string }) => [s.SnapshotName, s.SnapshotStatus]),
      [['release-1', 'READY']],
    );

    await cli(['stop-application', '--application-name', 'quotes-job', '--force']);
    d = await cli(['describe-application', '--application-name', 'quotes-job']);
    assert.equal(d.ApplicationDetail.ApplicationStatus, 'READY');

    await cli(['tag-resource', '--resource-arn', d.ApplicationDetail.ApplicationARN, '--tags', 'Key=stage,Value=prod']);
    const tags = await cli(['list-tags-for-resource', '--resource-arn', d.ApplicationDetail.ApplicationARN]);
    assert.deepEqual(tags.Tags, [{ Key: 'stage', Value: 'prod' }]);

    const versions = await cli(['list-application-versions', '--application-name', 'quotes-job']);
    assert.deepEqual(
      versions.ApplicationVersionSummaries.map((v: { ApplicationVersionId: number }) => v.ApplicationVersionId),
      [2, 1],
    );

    await cli(['delete-application', '--application-name', 'quotes-job', '--create-timestamp', String(d.ApplicationDetail.CreateTimestamp)]);
    await assert.rejects(cli(['describe-application', '--application-name', 'quotes-job']), (e: Error & { stderr?: string }) =>
      /ResourceNotFoundException/.test(e.stderr ?? ''),
    );
  });

  it('runs the rest of a release script: code from the object store, versions, rollback, snapshots, restore, logging options, untag, VPC configuration', async () => {
    const cli = (args: string[]) => awsCli(server.url, ['kinesisanalyticsv2', ...args]);
    const rejects = (args: string[], error: RegExp) =>
      assert.rejects(cli(args), (e: Error & { stderr?: string }) => error.test(e.stderr ?? '') || assert.fail(e.stderr ?? e.message));
    // The deployment bucket of the embedded object store: <dataDir>/s3/<bucket>/<key>.
    mkdirSync(join(dataDir, 's3', 'releases', 'ticker'), { recursive: true });
    writeFileSync(join(dataDir, 's3', 'releases', 'ticker', 'job.sql'), SQL('SUM'));
    await rejects(
      [
        'create-application',
        '--application-name',
        'ticker-job',
        '--runtime-environment',
        'FLINK-1_18',
        '--service-execution-role',
        'arn:aws:iam::000000000000:role/flink',
        '--application-configuration',
        JSON.stringify({
          ApplicationCodeConfiguration: {
            CodeContentType: 'ZIPFILE',
            CodeContent: { S3ContentLocation: { BucketARN: 'arn:aws:s3:::releases', FileKey: 'ticker/app.jar' } },
          },
        }),
      ],
      /CodeValidationException/,
    );
    const created = await cli([
      'create-application',
      '--application-name',
      'ticker-job',
      '--runtime-environment',
      'FLINK-1_18',
      '--service-execution-role',
      'arn:aws:iam::000000000000:role/flink',
      '--cloud-watch-logging-options',
      'LogStreamARN=arn:aws:logs:us-east-1:000000000000:log-group:flink:log-stream:ticker',
      '--tags',
      'Key=team,Value=quant',
      'Key=stage,Value=dev',
      '--application-configuration',
      JSON.stringify({
        ApplicationCodeConfiguration: {
          CodeContentType: 'ZIPFILE',
          CodeContent: { S3ContentLocation: { BucketARN: 'arn:aws:s3:::releases', FileKey: 'ticker/job.sql' } },
        },
        ApplicationSnapshotConfiguration: { SnapshotsEnabled: true },
      }),
    ]);
    const arn: string = created.ApplicationDetail.ApplicationARN;
    const code = created.ApplicationDetail.ApplicationConfigurationDescription.ApplicationCodeConfigurationDescription;
    assert.equal(code.CodeContentType, 'ZIPFILE');
    assert.deepEqual(code.CodeContentDescription.S3ApplicationCodeLocationDescription, {
      BucketARN: 'arn:aws:s3:::releases',
      FileKey: 'ticker/job.sql',
    });
    const loggingId: string = created.ApplicationDetail.CloudWatchLoggingOptionDescriptions[0].CloudWatchLoggingOptionId;
    assert.ok(loggingId);

    const listed = await cli(['list-applications']);
    assert.deepEqual(
      listed.ApplicationSummaries.filter((a: { ApplicationName: string }) => a.ApplicationName === 'ticker-job').map(
        (a: { ApplicationStatus: string; RuntimeEnvironment: string; ApplicationVersionId: number }) => [
          a.ApplicationStatus,
          a.RuntimeEnvironment,
          a.ApplicationVersionId,
        ],
      ),
      [['READY', 'FLINK-1_18', 1]],
    );

    // Logging options: removing the one the application was created with, then adding another, each a new version.
    const removed = await cli([
      'delete-application-cloud-watch-logging-option',
      '--application-name',
      'ticker-job',
      '--current-application-version-id',
      '1',
      '--cloud-watch-logging-option-id',
      loggingId,
    ]);
    assert.equal(removed.ApplicationVersionId, 2);
    assert.deepEqual(removed.CloudWatchLoggingOptionDescriptions ?? [], []);
    const added = await cli([
      'add-application-cloud-watch-logging-option',
      '--application-name',
      'ticker-job',
      '--current-application-version-id',
      '2',
      '--cloud-watch-logging-option',
      'LogStreamARN=arn:aws:logs:us-east-1:000000000000:log-group:flink:log-stream:ticker-2',
    ]);
    assert.equal(added.ApplicationVersionId, 3);
    assert.deepEqual(
      added.CloudWatchLoggingOptionDescriptions.map((o: { LogStreamARN: string }) => o.LogStreamARN),
      ['arn:aws:logs:us-east-1:000000000000:log-group:flink:log-stream:ticker-2'],
    );

    await cli(['untag-resource', '--resource-arn', arn, '--tag-keys', 'stage']);
    assert.deepEqual((await cli(['list-tags-for-resource', '--resource-arn', arn])).Tags, [{ Key: 'team', Value: 'quant' }]);

    await cli(['start-application', '--application-name', 'ticker-job']);
    await cli(['create-application-snapshot', '--application-name', 'ticker-job', '--snapshot-name', 'golden']);
    const golden = await cli(['describe-application-snapshot', '--application-name', 'ticker-job', '--snapshot-name', 'golden']);
    assert.equal(golden.SnapshotDetails.SnapshotStatus, 'READY');
    assert.equal(golden.SnapshotDetails.ApplicationVersionId, 3);

    // Release 4 (MAX, as text), then roll back to release 3 (SUM, the object) from the snapshot.
    await cli([
      'update-application',
      '--application-name',
      'ticker-job',
      '--current-application-version-id',
      '3',
      '--application-configuration-update',
      JSON.stringify({
        ApplicationCodeConfigurationUpdate: { CodeContentTypeUpdate: 'PLAINTEXT', CodeContentUpdate: { TextContentUpdate: SQL('MAX') } },
      }),
    ]);
    const rolled = await cli(['rollback-application', '--application-name', 'ticker-job', '--current-application-version-id', '4']);
    assert.equal(rolled.ApplicationDetail.ApplicationVersionId, 5);
    assert.equal(rolled.ApplicationDetail.ApplicationVersionRolledBackFrom, 4);
    assert.equal(rolled.ApplicationDetail.ApplicationVersionRolledBackTo, 3);
    const v4 = await cli(['describe-application-version', '--application-name', 'ticker-job', '--application-version-id', '4']);
    assert.equal(
      v4.ApplicationVersionDetail.ApplicationConfigurationDescription.ApplicationCodeConfigurationDescription.CodeContentDescription.TextContent,
      SQL('MAX'),
    );
    const v5 = await cli(['describe-application-version', '--application-name', 'ticker-job', '--application-version-id', '5']);
    assert.equal(
      v5.ApplicationVersionDetail.ApplicationConfigurationDescription.ApplicationCodeConfigurationDescription.CodeContentDescription
        .S3ApplicationCodeLocationDescription.FileKey,
      'ticker/job.sql',
    );
    await rejects(['describe-application-version', '--application-name', 'ticker-job', '--application-version-id', '9'], /ResourceNotFoundException/);

    // Stop, then start again from the named snapshot.
    await cli(['stop-application', '--application-name', 'ticker-job', '--force']);
    await rejects(
      [
        'start-application',
        '--application-name',
        'ticker-job',
        '--run-configuration',
        '{"ApplicationRestoreConfiguration":{"ApplicationRestoreType":"RESTORE_FROM_CUSTOM_SNAPSHOT","SnapshotName":"no-such"}}',
      ],
      /ResourceNotFoundException/,
    );
    await cli([
      'start-application',
      '--application-name',
      'ticker-job',
      '--run-configuration',
      '{"ApplicationRestoreConfiguration":{"ApplicationRestoreType":"RESTORE_FROM_CUSTOM_SNAPSHOT","SnapshotName":"golden"}}',
    ]);
    const running = await cli(['describe-application', '--application-name', 'ticker-job']);
    assert.equal(running.ApplicationDetail.ApplicationStatus, 'RUNNING');
    assert.deepEqual(running.ApplicationDetail.ApplicationConfigurationDescription.RunConfigurationDescription.ApplicationRestoreConfigurationDescription, {
      ApplicationRestoreType: 'RESTORE_FROM_CUSTOM_SNAPSHOT',
      SnapshotName: 'golden',
    });
    await cli(['stop-application', '--application-name', 'ticker-job', '--force']);

    await cli([
      'delete-application-snapshot',
      '--application-name',
      'ticker-job',
      '--snapshot-name',
      'golden',
      '--snapshot-creation-timestamp',
      String(golden.SnapshotDetails.SnapshotCreationTimestamp),
    ]);
    const left = await cli(['list-application-snapshots', '--application-name', 'ticker-job']);
    assert.deepEqual(
      left.SnapshotSummaries.map((s: { SnapshotName: string }) => s.SnapshotName).filter((n: string) => n === 'golden'),
      [],
    );

    // A VPC configuration: added, changed by update-application, removed (each a new version).
    const before = (await cli(['describe-application', '--application-name', 'ticker-job'])).ApplicationDetail.ApplicationVersionId as number;
    const vpc = await cli([
      'add-application-vpc-configuration',
      '--application-name',
      'ticker-job',
      '--current-application-version-id',
      String(before),
      '--vpc-configuration',
      'SubnetIds=subnet-0a1,subnet-0b2,SecurityGroupIds=sg-0c3',
    ]);
    assert.equal(vpc.ApplicationVersionId, before + 1);
    assert.deepEqual(vpc.VpcConfigurationDescription.SubnetIds, ['subnet-0a1', 'subnet-0b2']);
    assert.match(vpc.VpcConfigurationDescription.VpcId, /^vpc-[0-9a-f]{17}$/);
    const vpcId: string = vpc.VpcConfigurationDescription.VpcConfigurationId;
    await rejects(
      [
        'add-application-vpc-configuration',
        '--application-name',
        'ticker-job',
        '--current-application-version-id',
        String(before + 1),
        '--vpc-configuration',
        'SubnetIds=subnet-0d4,SecurityGroupIds=sg-0c3',
      ],
      /InvalidArgumentException/,
    );
    const moved = await cli([
      'update-application',
      '--application-name',
      'ticker-job',
      '--current-application-version-id',
      String(before + 1),
      '--application-configuration-update',
      JSON.stringify({ VpcConfigurationUpdates: [{ VpcConfigurationId: vpcId, SubnetIdUpdates: ['subnet-0e5'] }] }),
    ]);
    assert.deepEqual(
      moved.ApplicationDetail.ApplicationConfigurationDescription.VpcConfigurationDescriptions.map((c: { SubnetIds: string[]; SecurityGroupIds: string[] }) => [
        c.SubnetIds,
        c.SecurityGroupIds,
      ]),
      [[['subnet-0e5'], ['sg-0c3']]],
    );
    await cli([
      'delete-application-vpc-configuration',
      '--application-name',
      'ticker-job',
      '--current-application-version-id',
      String(before + 2),
      '--vpc-configuration-id',
      vpcId,
    ]);
    const noVpc = await cli(['describe-application', '--application-name', 'ticker-job']);
    assert.equal(noVpc.ApplicationDetail.ApplicationVersionId, before + 3);
    assert.equal(noVpc.ApplicationDetail.ApplicationConfigurationDescription.VpcConfigurationDescriptions, undefined);
  });
});
