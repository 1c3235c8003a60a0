/**
 * A stream's retained records as a metric set's history (`HistoricalDataPathList: ["kinesis://<stream>"]`):
 * BackTestAnomalyDetector runs over them and finds the injected drop, activation warms up from them (ACTIVE at
 * once), and Debian's AWS CLI and boto3 send `kinesis://` paths unchanged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateStreamCommand } from '@aws-sdk/client-kinesis';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  ActivateAnomalyDetectorCommand,
  BackTestAnomalyDetectorCommand,
  CreateAnomalyDetectorCommand,
  CreateMetricSetCommand,
  DescribeAnomalyDetectorCommand,
  GetAnomalyGroupCommand,
  ListAnomalyGroupSummariesCommand,
} from '@aws-sdk/client-lookoutmetrics';
import type { LookoutMetricsClient } from '@aws-sdk/client-lookoutmetrics';
import { Rng } from '../../src/generators/index.ts';
import { awsCli, python3 } from '../helpers/third-party-clients.ts';
import { intervalRows } from './data.ts';
import { ROLE, T0, startHarness } from './helpers.ts';
import type { Harness } from './helpers.ts';
import { FREQ, kinesisClient, putRows } from './stream-helpers.ts';

async function historyDetector(lm: LookoutMetricsClient, name: string): Promise<string> {
  const { AnomalyDetectorArn } = await lm.send(
    new CreateAnomalyDetectorCommand({ AnomalyDetectorName: name, AnomalyDetectorConfig: { AnomalyDetectorFrequency: 'PT5M' } }),
  );
  await lm.send(
    new CreateMetricSetCommand({
      AnomalyDetectorArn,
      MetricSetName: name,
      MetricList: [{ MetricName: 'views', AggregationFunction: 'SUM' }],
      DimensionList: ['marketplace'],
      TimestampColumn: { ColumnName: 'event_time', ColumnFormat: 'yyyy-MM-dd HH:mm:ss.S' },
      Offset: 60,
      MetricSource: {
        S3SourceConfig: {
          RoleArn: ROLE,
          TemplatedPathList: ['kinesis://history'],
          HistoricalDataPathList: ['kinesis://history'],
          FileFormatDescriptor: { CsvFormatDescriptor: { ContainsHeader: false, HeaderList: ['marketplace', 'event_time', 'views'] } },
        },
      },
    }),
  );
  return AnomalyDetectorArn!;
}

describe('a stream as a metric set’s history (kinesis:// in HistoricalDataPathList)', () => {
  let h: Harness;
  let k: KinesisClient;
  const n = 80;
  before(async () => {
    h = await startHarness({ start: T0 - 10_000 });
    k = kinesisClient(h.server.url);
    await k.send(new CreateStreamCommand({ StreamName: 'history', ShardCount: 2 }));
    h.clock.advance(1000);
    const rng = new Rng(11);
    const inject = [{ marketplace: 'FR', from: 70, to: 72, factor: 0.15 }];
    for (let i = 0; i < n; i++) {
      h.clock.advanceTo(T0 + i * FREQ + 20_000);
      await putRows(k, 'history', intervalRows(rng, i, T0 + i * FREQ, FREQ, inject));
    }
    h.clock.advanceTo(T0 + n * FREQ + 1000);
  });
  after(async () => {
    k.destroy();
    await h.close();
  });

  it('backtests over the retained records and finds the injected drop, led by that marketplace', async () => {
    const lm = h.client;
    const arn = await historyDetector(lm, 'backtest-stream');
    await lm.send(new BackTestAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
    h.clock.advance(1000);
    await h.engine.settled();
    assert.equal((await lm.send(new DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: arn }))).Status, 'BACK_TEST_COMPLETE');
    const groups = (await lm.send(new ListAnomalyGroupSummariesCommand({ AnomalyDetectorArn: arn, SensitivityThreshold: 0 }))).AnomalyGroupSummaryList ?? [];
    const at = groups.map((g) => (Date.parse(g.StartTime!) - T0) / FREQ);
    assert.ok(
      at.some((s) => s >= 70 && s <= 72),
      `a group in the drop (groups at ${at.join(',')})`,
    );
    for (const s of at) assert.ok(s >= 70 && s <= 73, `group at interval ${s} is outside the drop`);
    const g = groups.find((x) => (Date.parse(x.StartTime!) - T0) / FREQ <= 72)!;
    const full = (await lm.send(new GetAnomalyGroupCommand({ AnomalyDetectorArn: arn, AnomalyGroupId: g.AnomalyGroupId }))).AnomalyGroup!;
    assert.equal(
      full.MetricLevelImpactList?.[0]?.ContributionMatrix?.DimensionContributionList?.[0]?.DimensionValueContributionList?.[0]?.DimensionValue,
      'FR',
    );
  });

  it('warms up from the retained records on activation: ACTIVE at once', async () => {
    const lm = h.client;
    const arn = await historyDetector(lm, 'warm-stream');
    await lm.send(new ActivateAnomalyDetectorCommand({ AnomalyDetectorArn: arn }));
    h.clock.advance(1000);
    await h.engine.settled();
    assert.equal((await lm.send(new DescribeAnomalyDetectorCommand({ AnomalyDetectorArn: arn }))).Status, 'ACTIVE');
    assert.equal(h.engine.model(arn)!.intervals, n);
  });

  it('the AWS CLI and boto3 send kinesis:// paths unchanged', async () => {
    const aws = (...args: string[]) => awsCli(h.server.url, ['lookoutmetrics', ...args]);
    const arn = (await aws('create-anomaly-detector', '--anomaly-detector-name', 'cli-stream', '--anomaly-detector-config', 'AnomalyDetectorFrequency=PT5M'))
      .AnomalyDetectorArn as string;
    const source = JSON.stringify({
      S3SourceConfig: { RoleArn: ROLE, TemplatedPathList: ['kinesis://history'], FileFormatDescriptor: { JsonFormatDescriptor: {} } },
    });
    const ms = await aws(
      'create-metric-set',
      '--anomaly-detector-arn',
      arn,
      '--metric-set-name',
      'clicks',
      '--metric-list',
      'MetricName=clicks,AggregationFunction=SUM',
      '--timestamp-column',
      'ColumnName=ts',
      '--metric-source',
      source,
    );
    assert.deepEqual((await aws('describe-metric-set', '--metric-set-arn', ms.MetricSetArn)).MetricSource.S3SourceConfig.TemplatedPathList, [
      'kinesis://history',
    ]);
    const script = `
import boto3, json, sys
c = boto3.client('lookoutmetrics', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='a', aws_secret_access_key='b')
arn = c.create_anomaly_detector(AnomalyDetectorName='boto-stream', AnomalyDetectorConfig={'AnomalyDetectorFrequency': 'PT5M'})['AnomalyDetectorArn']
ms = c.create_metric_set(AnomalyDetectorArn=arn, MetricSetName='clicks', MetricList=[{'MetricName': 'clicks', 'AggregationFunction': 'SUM'}],
    TimestampColumn={'ColumnName': 'ts'}, MetricSource={'S3SourceConfig': {'RoleArn': '${ROLE}', 'TemplatedPathList': ['kinesis://history'],
    'FileFormatDescriptor': {'JsonFormatDescriptor': {}}}})['MetricSetArn']
print(json.dumps(c.describe_metric_set(MetricSetArn=ms)['MetricSource']['S3SourceConfig']['TemplatedPathList']))
`;
    const out = await python3(script, [h.server.url]);
    assert.deepEqual(JSON.parse(out.trim().split('\n').at(-1)!), ['kinesis://history']);
  });
});
