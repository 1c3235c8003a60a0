/**
 * `applications:` in the KinesisAnalyticsV2 shape: a Flink SQL application (RuntimeEnvironment FLINK-*,
 * SQL from codeFile) created and started by `up`, updated to a new version when its SQL changes,
 * deleted by `down` — through the v2 API of a real server.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DescribeApplicationCommand } from '@aws-sdk/client-kinesis-analytics-v2';
import { applyDown, applyUp, createClients, loadPipeline, PipelineError } from '../../src/pipeline/index.ts';
import { startTestServer, type TestServer } from '../cli/server-harness.ts';

const SQL = (agg: string): string => `CREATE TABLE trades (sym STRING, px DOUBLE, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH ('connector' = 'kinesis', 'stream' = 'fl-trades', 'scan.stream.initpos' = 'TRIM_HORIZON', 'format' = 'json');
CREATE TABLE trade_stats (sym STRING, v DOUBLE) WITH ('connector' = 'kinesis', 'stream' = 'fl-stats', 'format' = 'json');
INSERT INTO trade_stats SELECT sym, ${agg}(px) FROM TABLE(TUMBLE(TABLE trades, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY sym, window_start, window_end;
`;

const YAML = `name: flinkpipe
streams:
  - name: fl-trades
  - name: fl-stats
applications:
  - ApplicationName: trade-stats
    RuntimeEnvironment: FLINK-1_15
    codeFile: job.sql
    ApplicationConfiguration:
      ApplicationSnapshotConfiguration: { SnapshotsEnabled: true }
      EnvironmentProperties:
        PropertyGroups:
          - PropertyGroupId: sql
            PropertyMap: { table.exec.source.idle-timeout: 5 s }
    RunConfiguration:
      ApplicationRestoreConfiguration: { ApplicationRestoreType: SKIP_RESTORE_FROM_SNAPSHOT }
`;

describe('pipeline applications in the v2 (Flink) shape', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('creates and starts, updates the SQL to a new version, and deletes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-flink-pipeline-'));
    const file = join(dir, 'freshet.yaml');
    writeFileSync(file, YAML);
    writeFileSync(join(dir, 'job.sql'), SQL('SUM'));
    const clients = createClients({ endpoint: server.url });
    try {
      const up = await applyUp(loadPipeline(file), clients);
      assert.deepEqual(
        up.filter((c) => c.resource === 'application').map((c) => [c.name, c.action]),
        [['trade-stats', 'create']],
      );
      let d = (await clients.analyticsV2.send(new DescribeApplicationCommand({ ApplicationName: 'trade-stats' }))).ApplicationDetail!;
      assert.equal(d.ApplicationStatus, 'RUNNING');
      assert.equal(d.RuntimeEnvironment, 'FLINK-1_15');
      assert.equal(d.ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription?.CodeContentDescription?.TextContent, SQL('SUM'));

      const again = await applyUp(loadPipeline(file), clients);
      assert.deepEqual(
        again.filter((c) => c.resource === 'application').map((c) => c.action),
        ['unchanged'],
      );

      writeFileSync(join(dir, 'job.sql'), SQL('MAX'));
      const changed = await applyUp(loadPipeline(file), clients);
      assert.deepEqual(
        changed.filter((c) => c.resource === 'application').map((c) => [c.action, c.details]),
        [['update', ['Flink SQL code changed']]],
      );
      d = (await clients.analyticsV2.send(new DescribeApplicationCommand({ ApplicationName: 'trade-stats' }))).ApplicationDetail!;
      assert.equal(d.ApplicationVersionId, 2);
      assert.equal(d.ApplicationStatus, 'RUNNING');

      await applyDown(loadPipeline(file), clients);
      await assert.rejects(
        clients.analyticsV2.send(new DescribeApplicationCommand({ ApplicationName: 'trade-stats' })),
        (e: Error) => e.name === 'ResourceNotFoundException',
      );
    } finally {
      clients.destroy();
    }
  });

  it('refuses Inputs on a Flink application, at the line that has them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-flink-pipeline-'));
    const file = join(dir, 'freshet.yaml');
    writeFileSync(
      file,
      `name: bad
applications:
  - ApplicationName: x
    RuntimeEnvironment: FLINK-1_15
    ApplicationCode: SELECT 1
    Inputs: []
`,
    );
    assert.throws(
      () => loadPipeline(file),
      (e: Error) =>
        e instanceof PipelineError &&
        /freshet\.yaml:6:\d+: application 'x': a FLINK-1_15 application declares its sources and sinks in its SQL/.test(e.message),
    );
  });
});
