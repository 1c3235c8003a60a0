/**
 * A detector whose S3SourceConfig names a bucket the server maps to a remote S3-compatible store (s3rver here),
 * the same `firehose.buckets` mapping delivery streams and KDA reference data use: live detection lists and reads
 * the interval files there and reports the injected drop.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  ActivateAnomalyDetectorCommand,
  CreateAnomalyDetectorCommand,
  CreateMetricSetCommand,
  GetAnomalyGroupCommand,
  ListAnomalyGroupSummariesCommand,
} from '@aws-sdk/client-lookoutmetrics';
import { formatJava } from '../../src/firehose/index.ts';
import { Rng } from '../../src/generators/index.ts';
import { intervalRows } from './data.ts';
import type { Injection } from './data.ts';
import { ROLE, T0, startHarness } from './helpers.ts';
import type { Harness } from './helpers.ts';

const require = createRequire(import.meta.url);
interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
const S3rver = require('s3rver') as new (o: Record<string, unknown>) => S3rverInstance;

const FREQ = 300_000;
const N = 170;
const DROP: Injection = { marketplace: 'UK', from: 150, to: 153, factor: 0.2 };

describe('detector over a bucket on a remote S3-compatible store (s3rver, ManualClock)', () => {
  let h: Harness;
  let s3: S3rverInstance;
  let writer: S3Client;
  let s3dir: string;
  before(async () => {
    s3dir = mkdtempSync(join(tmpdir(), 'l4m-s3rver-'));
    s3 = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory: s3dir,
      configureBuckets: [{ name: 'remote-metrics' }],
      allowMismatchedSignatures: true,
    });
    const { port } = await s3.run();
    const endpoint = `http://127.0.0.1:${port}`;
    const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
    h = await startHarness({
      start: T0 - 2000,
      firehose: { buckets: { 'metrics-lake': { endpoint, forcePathStyle: true, credentials, remoteBucket: 'remote-metrics' } } },
    });
    writer = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    const rng = new Rng(2);
    for (let i = 0; i < N; i++) {
      const start = T0 + i * FREQ;
      const key = `csv/intvl_date=${formatJava('yyyy-MM-dd', start)}/intvl_hhmm=${formatJava('HHmm', start)}/part-0000.csv`;
      const body = `marketplace,event_time,views\n${intervalRows(rng, i, start, FREQ, [DROP]).join('\n')}\n`;
      await writer.send(new PutObjectCommand({ Bucket: 'remote-metrics', Key: key, Body: body }));
    }
  });
  after(async () => {
    writer.destroy();
    await h.close();
    await s3.close();
    rmSync(s3dir, { recursive: true, force: true });
  });

  it('reads each interval from the remote bucket and reports the drop as one group led by UK', async () => {
    const c = h.client;
    const { AnomalyDetectorArn: arn } = await c.send(
      new CreateAnomalyDetectorCommand({ AnomalyDetectorName: 'remote', AnomalyDetectorConfig: { AnomalyDetectorFrequency: 'PT5M' } }),
    );
    await c.send(
      new CreateMetricSetCommand({
        AnomalyDetectorArn: arn,
        MetricSetName: 'ecommerce',
        MetricList: [{ MetricName: 'views', AggregationFunction: 'SUM' }],
        DimensionList: ['marketplace'],
        TimestampColumn: { ColumnName: 'event_time', ColumnFormat: 'yyyy-MM-dd HH:mm:ss.s' },
        Offset: 60,
        MetricSetFrequency: 'PT5M',
        Timezone: 'UTC',
        MetricSource: {
          S3SourceConfig: {
            RoleArn: ROLE,
            TemplatedPathList: ['s3://metrics-lake/csv/intvl_date={{yyyy-MM-dd}}/intvl_hhmm={{HHmm}}'],
            FileFormatDescriptor: { CsvFormatDescriptor: { FileCompression: 'NONE', ContainsHeader: true, Delimiter: ',' } },
          },
        },
      }),
    );
    await c.send(new ActivateAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
    h.clock.advance(1000);
    await h.engine.settled();
    h.clock.advanceTo(T0 + N * FREQ + 60_000);
    await h.engine.settled();
    assert.equal(h.engine.executions.get(arn!)?.length, N);
    const groups = (await c.send(new ListAnomalyGroupSummariesCommand({ AnomalyDetectorArn: arn, SensitivityThreshold: 50 }))).AnomalyGroupSummaryList ?? [];
    assert.equal(groups.length, 1, JSON.stringify(groups));
    assert.equal(groups[0]!.StartTime, new Date(T0 + DROP.from * FREQ).toISOString().replace('.000Z', 'Z'));
    const full = await c.send(new GetAnomalyGroupCommand({ AnomalyDetectorArn: arn, AnomalyGroupId: groups[0]!.AnomalyGroupId }));
    const contrib = full.AnomalyGroup?.MetricLevelImpactList?.[0]?.ContributionMatrix?.DimensionContributionList?.[0];
    assert.equal(contrib?.DimensionValueContributionList?.[0]?.DimensionValue, 'UK');
  });
});
