/**
 * A deployment script's `aws kinesisanalyticsv2 ...` calls (Debian's AWS CLI v2) against a real server:
 * create, describe, update (new version), start, snapshot, stop, tag, list versions, delete, and an
 * error as the CLI reports it.
 */
import assert from 'node:assert/strict';
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

  before(async () => {
    server = await startServer({
      port: 0,
      storage: new MemoryStorage(),
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
      1,
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
});
