/**
 * Clients Freshet does not control: boto3 drives every LookoutMetrics action (and sees AWS's error codes),
 * Debian's AWS CLI the detector, metric set, alert and tag commands. Detection itself runs on the server's
 * ManualClock, advanced between the steps.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { awsCli, python3 } from '../helpers/third-party-clients.ts';
import { Rng } from '../../src/generators/index.ts';
import { intervalRows, writeInterval } from './data.ts';
import { T0, startHarness } from './helpers.ts';
import type { Harness } from './helpers.ts';

const FREQ = 300_000;

describe('LookoutMetrics with boto3 and the AWS CLI', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ start: T0 - 2000 });
    const rng = new Rng(4);
    for (let i = 0; i < 4; i++) writeInterval(h.bucketDir, T0 + i * FREQ, intervalRows(rng, i, T0 + i * FREQ, FREQ));
  });
  after(async () => {
    await h.close();
  });

  it('boto3: every action round-trips, with the error codes AWS uses', async () => {
    const script = `
import boto3, sys, json
from botocore.exceptions import ClientError
c = boto3.client('lookoutmetrics', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='AKID', aws_secret_access_key='s')
out = {}
role = 'arn:aws:iam::123456789012:role/l4m'
src = {'S3SourceConfig': {'RoleArn': role, 'TemplatedPathList': ['s3://freshet-s3/streaming-csv/data/intvl_date={{yyyy-MM-dd}}/intvl_hhmm={{HHmm}}'],
       'HistoricalDataPathList': ['s3://freshet-s3/streaming-csv/data/'],
       'FileFormatDescriptor': {'CsvFormatDescriptor': {'FileCompression': 'NONE', 'ContainsHeader': True, 'Delimiter': ','}}}}
def code(f):
    try:
        f()
        return None
    except ClientError as e:
        return [e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']]
arn = c.create_anomaly_detector(AnomalyDetectorName='boto', AnomalyDetectorConfig={'AnomalyDetectorFrequency': 'PT5M'}, Tags={'a': '1'})['AnomalyDetectorArn']
out['arn'] = arn
c.update_anomaly_detector(AnomalyDetectorArn=arn, AnomalyDetectorDescription='by boto3')
out['describe'] = c.describe_anomaly_detector(AnomalyDetectorArn=arn)['AnomalyDetectorDescription']
out['list'] = [d['AnomalyDetectorName'] for d in c.list_anomaly_detectors()['AnomalyDetectorSummaryList']]
ms = c.create_metric_set(AnomalyDetectorArn=arn, MetricSetName='views', MetricList=[{'MetricName': 'views', 'AggregationFunction': 'SUM'}],
    DimensionList=['marketplace'], TimestampColumn={'ColumnName': 'event_time', 'ColumnFormat': 'yyyy-MM-dd HH:mm:ss.s'}, Offset=60,
    MetricSetFrequency='PT5M', MetricSource=src)['MetricSetArn']
c.update_metric_set(MetricSetArn=ms, Offset=30)
out['offset'] = c.describe_metric_set(MetricSetArn=ms)['Offset']
out['sets'] = len(c.list_metric_sets(AnomalyDetectorArn=arn)['MetricSetSummaryList'])
out['sample'] = c.get_sample_data(S3SourceConfig={'RoleArn': role, 'HistoricalDataPathList': src['S3SourceConfig']['HistoricalDataPathList'],
    'FileFormatDescriptor': src['S3SourceConfig']['FileFormatDescriptor']})['HeaderValues']
out['detect'] = c.detect_metric_set_config(AnomalyDetectorArn=arn, AutoDetectionMetricSource={'S3SourceConfig': {'HistoricalDataPathList': src['S3SourceConfig']['HistoricalDataPathList']}})['DetectedMetricSetConfig']['MetricSource']['S3SourceConfig']['FileFormatDescriptor']['CsvFormatDescriptor']['Delimiter']['Value']['S']
al = c.create_alert(AlertName='boto-alert', AnomalyDetectorArn=arn, AlertSensitivityThreshold=60,
    Action={'SNSConfiguration': {'RoleArn': role, 'SnsTopicArn': 'arn:aws:sns:us-east-1:123456789012:t'}})['AlertArn']
c.update_alert(AlertArn=al, AlertSensitivityThreshold=65)
out['alert'] = c.describe_alert(AlertArn=al)['Alert']['AlertSensitivityThreshold']
out['alerts'] = [a['AlertName'] for a in c.list_alerts(AnomalyDetectorArn=arn)['AlertSummaryList']]
c.tag_resource(ResourceArn=arn, Tags={'b': '2'})
c.untag_resource(ResourceArn=arn, TagKeys=['a'])
out['tags'] = c.list_tags_for_resource(ResourceArn=arn)['Tags']
c.activate_anomaly_detector(AnomalyDetectorArn=arn)
out['activating'] = c.describe_anomaly_detector(AnomalyDetectorArn=arn)['Status']
print(json.dumps(out))
`;
    const first = JSON.parse(await python3(script, [h.server.url])) as Record<string, unknown>;
    assert.match(first.arn as string, /^arn:aws:lookoutmetrics:us-east-1:\d{12}:AnomalyDetector:boto$/);
    assert.equal(first.describe, 'by boto3');
    assert.ok((first.list as string[]).includes('boto'));
    assert.equal(first.offset, 30);
    assert.equal(first.sets, 1);
    assert.deepEqual(first.sample, ['marketplace', 'event_time', 'views']);
    assert.equal(first.detect, ',');
    assert.equal(first.alert, 65);
    assert.deepEqual(first.alerts, ['boto-alert']);
    assert.deepEqual(first.tags, { b: '2' });
    assert.equal(first.activating, 'ACTIVATING');

    h.clock.advance(1000);
    await h.engine.settled();
    h.clock.advanceTo(T0 + 4 * FREQ + 60_000);
    await h.engine.settled();

    const second = `
import boto3, sys, json
from botocore.exceptions import ClientError
c = boto3.client('lookoutmetrics', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='AKID', aws_secret_access_key='s')
arn = sys.argv[2]
def code(f):
    try:
        f()
        return None
    except ClientError as e:
        return [e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']]
out = {}
out['status'] = c.describe_anomaly_detector(AnomalyDetectorArn=arn)['Status']
out['executions'] = [e['Status'] for e in c.describe_anomaly_detection_executions(AnomalyDetectorArn=arn)['ExecutionList']]
out['groups'] = c.list_anomaly_group_summaries(AnomalyDetectorArn=arn, SensitivityThreshold=0)['AnomalyGroupStatistics']['TotalCount']
q = c.get_data_quality_metrics(AnomalyDetectorArn=arn)['AnomalyDetectorDataQualityMetricList'][0]['MetricSetDataQualityMetricList'][0]['DataQualityMetricList']
out['rows'] = [m['MetricValue'] for m in q if m['MetricType'] == 'ROWS_PROCESSED']
gid = '00000000-0000-0000-0000-000000000000'
out['errors'] = {
  'get_anomaly_group': code(lambda: c.get_anomaly_group(AnomalyDetectorArn=arn, AnomalyGroupId=gid)),
  'list_anomaly_group_time_series': code(lambda: c.list_anomaly_group_time_series(AnomalyDetectorArn=arn, AnomalyGroupId=gid, MetricName='views')),
  'list_anomaly_group_related_metrics': code(lambda: c.list_anomaly_group_related_metrics(AnomalyDetectorArn=arn, AnomalyGroupId=gid)),
  'put_feedback': code(lambda: c.put_feedback(AnomalyDetectorArn=arn, AnomalyGroupTimeSeriesFeedback={'AnomalyGroupId': gid, 'TimeSeriesId': 'x', 'IsAnomaly': True})),
  'get_feedback': code(lambda: c.get_feedback(AnomalyDetectorArn=arn, AnomalyGroupTimeSeriesFeedback={'AnomalyGroupId': gid})),
  'duplicate': code(lambda: c.create_anomaly_detector(AnomalyDetectorName='boto', AnomalyDetectorConfig={'AnomalyDetectorFrequency': 'PT5M'})),
  'missing': code(lambda: c.describe_anomaly_detector(AnomalyDetectorArn=arn + 'x')),
  'backtest_running': code(lambda: c.back_test_anomaly_detector(AnomalyDetectorArn=arn)),
  'bad_threshold': code(lambda: c.list_anomaly_group_summaries(AnomalyDetectorArn=arn, SensitivityThreshold=101)),
}
c.deactivate_anomaly_detector(AnomalyDetectorArn=arn)
c.back_test_anomaly_detector(AnomalyDetectorArn=arn)
out['backtest'] = c.describe_anomaly_detector(AnomalyDetectorArn=arn)['Status']
al = c.list_alerts(AnomalyDetectorArn=arn)['AlertSummaryList'][0]['AlertArn']
c.delete_alert(AlertArn=al)
c.delete_anomaly_detector(AnomalyDetectorArn=arn)
out['after_delete'] = code(lambda: c.describe_alert(AlertArn=al))
demo = c.create_anomaly_detector(AnomalyDetectorName='demo', AnomalyDetectorConfig={'AnomalyDetectorFrequency': 'PT1M'})['AnomalyDetectorArn']
out['pt1m'] = c.describe_anomaly_detector(AnomalyDetectorArn=demo)['AnomalyDetectorConfig']['AnomalyDetectorFrequency']
print(json.dumps(out))
`;
    const r = JSON.parse(await python3(second, [h.server.url, first.arn as string])) as Record<string, any>;
    assert.equal(r.status, 'LEARNING');
    assert.deepEqual(r.executions, ['COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED']);
    assert.equal(r.groups, 0);
    assert.deepEqual(r.rows, [18]);
    for (const k of ['get_anomaly_group', 'list_anomaly_group_time_series', 'list_anomaly_group_related_metrics', 'put_feedback', 'get_feedback', 'missing'])
      assert.deepEqual(r.errors[k], ['ResourceNotFoundException', 400], k);
    assert.deepEqual(r.errors.duplicate, ['ConflictException', 409]);
    assert.deepEqual(r.errors.backtest_running, ['ConflictException', 409]);
    assert.deepEqual(r.errors.bad_threshold, ['ValidationException', 400]);
    assert.equal(r.backtest, 'BACK_TEST_ACTIVATING');
    assert.deepEqual(r.after_delete, ['ResourceNotFoundException', 400]);
    assert.equal(r.pt1m, 'PT1M');
  });

  it('AWS CLI: detector, metric set, alert and tag commands, and a missing detector as an error', async () => {
    const aws = (...args: string[]) => awsCli(h.server.url, ['lookoutmetrics', ...args]);
    const created = await aws('create-anomaly-detector', '--anomaly-detector-name', 'cli', '--anomaly-detector-config', 'AnomalyDetectorFrequency=PT10M');
    const arn = created.AnomalyDetectorArn as string;
    assert.match(arn, /:AnomalyDetector:cli$/);
    const source = JSON.stringify({
      S3SourceConfig: {
        RoleArn: 'arn:aws:iam::123456789012:role/l4m',
        TemplatedPathList: ['s3://freshet-s3/streaming-csv/data/intvl_date={{yyyy-MM-dd}}/intvl_hhmm={{HHmm}}'],
        FileFormatDescriptor: { CsvFormatDescriptor: { ContainsHeader: true } },
      },
    });
    const ms = await aws(
      'create-metric-set',
      '--anomaly-detector-arn',
      arn,
      '--metric-set-name',
      'views',
      '--metric-list',
      'MetricName=views,AggregationFunction=AVG',
      '--dimension-list',
      'marketplace',
      '--timestamp-column',
      'ColumnName=event_time',
      '--metric-source',
      source,
    );
    const described = await aws('describe-metric-set', '--metric-set-arn', ms.MetricSetArn);
    assert.equal(described.MetricSetFrequency, 'PT10M');
    assert.equal(described.MetricList[0].AggregationFunction, 'AVG');
    const alert = await aws(
      'create-alert',
      '--alert-name',
      'cli-alert',
      '--anomaly-detector-arn',
      arn,
      '--alert-sensitivity-threshold',
      '80',
      '--action',
      JSON.stringify({ SNSConfiguration: { RoleArn: 'arn:aws:iam::123456789012:role/l4m', SnsTopicArn: 'arn:aws:sns:us-east-1:123456789012:t' } }),
    );
    assert.equal((await aws('describe-alert', '--alert-arn', alert.AlertArn)).Alert.AlertSensitivityThreshold, 80);
    await aws('tag-resource', '--resource-arn', arn, '--tags', 'team=ops');
    assert.deepEqual((await aws('list-tags-for-resource', '--resource-arn', arn)).Tags, { team: 'ops' });
    assert.ok((await aws('list-anomaly-detectors')).AnomalyDetectorSummaryList.some((d: { AnomalyDetectorName: string }) => d.AnomalyDetectorName === 'cli'));
    await aws('delete-anomaly-detector', '--anomaly-detector-arn', arn);
    await assert.rejects(aws('describe-anomaly-detector', '--anomaly-detector-arn', arn), /ResourceNotFoundException/);
  });
});
