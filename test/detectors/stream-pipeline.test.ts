/**
 * The pipeline file's `detectors:` block with a stream source: the flat shorthand's `stream: <name>` (and
 * `format: json`) becomes a metric set reading `kinesis://<name>`; `freshet up` creates and activates it, `diff`
 * then shows it unchanged, JSON records put into the stream are detected by their timestamp field, and
 * `down` deletes the detector.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  DescribeAnomalyDetectionExecutionsCommand,
  DescribeAnomalyDetectorCommand,
  DescribeMetricSetCommand,
  GetDataQualityMetricsCommand,
  ListAnomalyDetectorsCommand,
  ListMetricSetsCommand,
} from '@aws-sdk/client-lookoutmetrics';
import { ManualClock } from '../../src/core/index.ts';
import type { DetectorsService } from '../../src/detectors/index.ts';
import { applyDown, applyUp, createClients, loadPipeline, planUp } from '../../src/pipeline/index.ts';
import type { FreshetClients, LoadedPipeline } from '../../src/pipeline/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';

const FREQ = 300_000;
const YAML = `name: clicks-metrics
streams:
  - name: clicks
    shards: 1
detectors:
  - detectorname: clicks-live
    datasetname: clicks
    stream: clicks
    format: json
    metricnames: clicks,latency_ms
    dimensions: page
    timestampcolumn: ts
    timeoffset: "30"
    l4mfrequency: PT5M
`;

describe('pipeline detectors: with a stream source (flat shorthand)', () => {
  let clock: ManualClock;
  let server: FreshetServer;
  let clients: FreshetClients;
  let loaded: LoadedPipeline;
  let root: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'freshet-l4m-pipeline-'));
    writeFileSync(join(root, 'freshet.yaml'), YAML);
    clock = new ManualClock(Date.UTC(2021, 5, 2, 0, 0, 0));
    server = await startServer({ port: 0, storage: 'memory', clock, activityLog: false });
    clients = createClients({ endpoint: server.url });
    loaded = loadPipeline(join(root, 'freshet.yaml'));
  });
  after(async () => {
    clients.destroy();
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('creates a detector reading kinesis://clicks, detects JSON records by their timestamp field, and down deletes it', async () => {
    const stateDir = join(root, '.freshet-state');
    const pump = setInterval(() => clock.advance(100), 5);
    try {
      await applyUp(loaded, clients, { waitTimeoutMs: 30_000, stateDir });
    } finally {
      clearInterval(pump);
    }
    const lm = clients.lookoutmetrics;
    const arn = (await lm.send(new ListAnomalyDetectorsCommand({}))).AnomalyDetectorSummaryList?.find(
      (d) => d.AnomalyDetectorName === 'clicks-live',
    )?.AnomalyDetectorArn;
    assert.ok(arn);
    const msArn = (await lm.send(new ListMetricSetsCommand({ AnomalyDetectorArn: arn }))).MetricSetSummaryList?.[0]?.MetricSetArn;
    const ms = await lm.send(new DescribeMetricSetCommand({ MetricSetArn: msArn }));
    assert.deepEqual(ms.MetricSource?.S3SourceConfig?.TemplatedPathList, ['kinesis://clicks']);
    assert.ok(ms.MetricSource?.S3SourceConfig?.FileFormatDescriptor?.JsonFormatDescriptor);
    assert.equal(ms.Offset, 30);
    const again = await planUp(loaded, clients, { stateDir });
    assert.equal(again.find((c) => c.resource === 'detector')?.action, 'unchanged');

    const engine = (server.services.find((s) => s.signingName === 'lookoutmetrics') as DetectorsService).engine;
    clock.advance(1000);
    await engine.settled();
    assert.equal((await lm.send(new DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: arn }))).Status, 'LEARNING');
    const start = Math.ceil(clock.now() / FREQ) * FREQ;
    clock.advanceTo(start + 10_000);
    // Two rows per record (one per line); one row without a number for latency_ms (partial), one unparsable line.
    const lines = [
      { page: '/home', ts: new Date(start + 1000).toISOString(), clicks: 3, latency_ms: 120 },
      { page: '/home', ts: new Date(start + 2000).toISOString(), clicks: 4, latency_ms: 80 },
      { page: '/cart', ts: new Date(start + 3000).toISOString(), clicks: 1, latency_ms: null },
    ].map((o) => JSON.stringify(o));
    await clients.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'clicks',
        Records: [
          { PartitionKey: 'a', Data: Buffer.from(`${lines[0]}\n${lines[1]}`) },
          { PartitionKey: 'b', Data: Buffer.from(`${lines[2]}\nnot json`) },
        ],
      }),
    );
    clock.advanceTo(start + FREQ + 31_000);
    await engine.settled();
    const executions = (await lm.send(new DescribeAnomalyDetectionExecutionsCommand({ AnomalyDetectorArn: arn }))).ExecutionList ?? [];
    assert.deepEqual(
      executions.map((e) => e.Status),
      ['COMPLETED'],
    );
    const q = await lm.send(new GetDataQualityMetricsCommand({ AnomalyDetectorArn: arn }));
    const metrics = q.AnomalyDetectorDataQualityMetricList?.[0]?.MetricSetDataQualityMetricList?.[0]?.DataQualityMetricList ?? [];
    assert.equal(metrics.find((m) => m.MetricType === 'ROWS_PROCESSED')?.MetricValue, 3);
    const model = engine.model(arn)!;
    assert.equal(model.recent('clicks|/home')!.values.at(-1), 7);
    assert.equal(model.recent('latency_ms|/home')!.values.at(-1), 200);
    assert.equal(model.recent('clicks|/cart')!.values.at(-1), 1);
    assert.equal(model.recent('latency_ms|/cart'), undefined);

    const pump2 = setInterval(() => clock.advance(100), 5);
    try {
      await applyDown(loaded, clients, { waitTimeoutMs: 30_000, stateDir });
    } finally {
      clearInterval(pump2);
    }
    assert.equal((await lm.send(new ListAnomalyDetectorsCommand({}))).AnomalyDetectorSummaryList?.length ?? 0, 0);
  });
});
