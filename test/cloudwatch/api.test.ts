import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  DescribeAlarmsForMetricCommand,
  DisableAlarmActionsCommand,
  EnableAlarmActionsCommand,
  GetDashboardCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  PutCompositeAlarmCommand,
  PutDashboardCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { ManualClock } from '../../src/core/index.ts';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import type { CloudWatchService } from '../../src/cloudwatch/index.ts';
import { awsCli, python3 } from '../helpers/third-party-clients.ts';

const T0 = Date.UTC(2021, 0, 31, 14, 0, 0);
const MINUTE = 60_000;
const credentials = { accessKeyId: 'AKID', secretAccessKey: 'secret' };

describe('CloudWatch API', () => {
  let server: FreshetServer;
  let clock: ManualClock;
  const clients: CloudWatchClient[] = [];
  const client = (protocol: 'json' | 'rpcv2-cbor'): CloudWatchClient => {
    const c = new CloudWatchClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
      ...(protocol === 'rpcv2-cbor' ? { protocol: AwsSmithyRpcV2CborProtocol } : {}),
    });
    clients.push(c);
    return c;
  };

  before(async () => {
    clock = new ManualClock(T0 + 10 * MINUTE);
    server = await startServer({ storage: 'memory', clock, metrics: { evaluationDelayMs: 0 } });
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await server.close();
  });

  for (const protocol of ['json', 'rpcv2-cbor'] as const) {
    it(`PutMetricData → GetMetricStatistics / GetMetricData / ListMetrics with @aws-sdk/client-cloudwatch (${protocol})`, async () => {
      const cw = client(protocol);
      const ns = `App-${protocol}`;
      await cw.send(
        new PutMetricDataCommand({
          Namespace: ns,
          MetricData: [
            { MetricName: 'Latency', Dimensions: [{ Name: 'Host', Value: 'a' }], Timestamp: new Date(T0 + 5_000), Value: 10, Unit: 'Milliseconds' },
            {
              MetricName: 'Latency',
              Dimensions: [{ Name: 'Host', Value: 'a' }],
              Timestamp: new Date(T0 + 65_000),
              Values: [1, 2, 3],
              Counts: [1, 1, 2],
              Unit: 'Milliseconds',
            },
            {
              MetricName: 'Latency',
              Dimensions: [{ Name: 'Host', Value: 'a' }],
              Timestamp: new Date(T0 + 70_000),
              StatisticValues: { SampleCount: 2, Sum: 30, Minimum: 10, Maximum: 20 },
              Unit: 'Milliseconds',
            },
          ],
        }),
      );
      const stats = await cw.send(
        new GetMetricStatisticsCommand({
          Namespace: ns,
          MetricName: 'Latency',
          Dimensions: [{ Name: 'Host', Value: 'a' }],
          StartTime: new Date(T0),
          EndTime: new Date(T0 + 2 * MINUTE),
          Period: 60,
          Statistics: ['SampleCount', 'Sum', 'Average', 'Minimum', 'Maximum'],
        }),
      );
      assert.equal(stats.Label, 'Latency');
      assert.deepEqual(
        stats.Datapoints?.map((d) => [d.Timestamp?.getTime(), d.SampleCount, d.Sum, d.Average, d.Minimum, d.Maximum, d.Unit]),
        [
          [T0, 1, 10, 10, 10, 10, 'Milliseconds'],
          [T0 + MINUTE, 6, 39, 6.5, 1, 20, 'Milliseconds'],
        ],
      );
      const data = await cw.send(
        new GetMetricDataCommand({
          StartTime: new Date(T0),
          EndTime: new Date(T0 + 2 * MINUTE),
          ScanBy: 'TimestampAscending',
          MetricDataQueries: [
            { Id: 'm1', MetricStat: { Metric: { Namespace: ns, MetricName: 'Latency', Dimensions: [{ Name: 'Host', Value: 'a' }] }, Period: 60, Stat: 'Sum' } },
            { Id: 'e1', Expression: 'm1 * 2', Label: 'doubled' },
          ],
        }),
      );
      assert.deepEqual(
        data.MetricDataResults?.map((r) => [r.Id, r.Label, r.Timestamps?.map((t) => t.getTime()), r.Values, r.StatusCode]),
        [
          ['m1', 'Latency', [T0, T0 + MINUTE], [10, 39], 'Complete'],
          ['e1', 'doubled', [T0, T0 + MINUTE], [20, 78], 'Complete'],
        ],
      );
      const listed = await cw.send(new ListMetricsCommand({ Namespace: ns }));
      assert.deepEqual(listed.Metrics, [{ Namespace: ns, MetricName: 'Latency', Dimensions: [{ Name: 'Host', Value: 'a' }] }]);
    });
  }

  it("answers bad requests with CloudWatch's errors", async () => {
    const cw = client('json');
    await assert.rejects(
      cw.send(
        new GetMetricStatisticsCommand({
          Namespace: 'X',
          MetricName: 'Y',
          StartTime: new Date(T0),
          EndTime: new Date(T0 + 2 * 86_400_000),
          Period: 60,
          Statistics: ['Sum'],
        }),
      ),
      (e: Error & { Code?: string }) => {
        assert.equal(e.name, 'InvalidParameterCombinationException');
        assert.equal(
          e.message,
          'You have requested up to 2880 datapoints, which exceeds the limit of 1440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.',
        );
        return true;
      },
    );
    await assert.rejects(
      cw.send(new PutDashboardCommand({ DashboardName: 'd', DashboardBody: '{"widgets":[{"type":"text","properties":{}}]}' })),
      (e: Error & { dashboardValidationMessages?: Array<{ DataPath?: string; Message?: string }> }) => {
        assert.equal(e.name, 'DashboardInvalidInputError');
        assert.deepEqual(e.dashboardValidationMessages, [{ DataPath: '/widgets/0/properties', Message: "Should have required property 'markdown'" }]);
        return true;
      },
    );
    await assert.rejects(
      cw.send(new GetDashboardCommand({ DashboardName: 'nope' })),
      (e: Error) => e.name === 'DashboardNotFoundError' || e.name === 'ResourceNotFound',
    );
  });

  it('runs an alarm through OK → ALARM on the clock, with history, SetAlarmState and a composite parent (@aws-sdk, rpcv2-cbor)', async () => {
    const cw = client('rpcv2-cbor');
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'errors-high',
        Namespace: 'Shop',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      }),
    );
    await cw.send(new PutCompositeAlarmCommand({ AlarmName: 'shop-down', AlarmRule: 'ALARM("errors-high")' }));
    const describe = async () => await cw.send(new DescribeAlarmsCommand({ AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }));
    let d = await describe();
    assert.deepEqual([d.MetricAlarms?.[0]?.StateValue, d.CompositeAlarms?.[0]?.StateValue], ['INSUFFICIENT_DATA', 'OK']);
    for (let m = 0; m < 2; m++) {
      await cw.send(new PutMetricDataCommand({ Namespace: 'Shop', MetricData: [{ MetricName: 'Errors', Value: 9 }] }));
      clock.advance(MINUTE);
      await (server.services[0] as CloudWatchService).metrics.alarms.idle();
    }
    d = await describe();
    assert.equal(d.MetricAlarms?.[0]?.StateValue, 'ALARM');
    assert.match(d.MetricAlarms?.[0]?.StateReason ?? '', /^Threshold Crossed: 2 out of the last 2 datapoints \[9\.0 \(/);
    assert.equal(d.CompositeAlarms?.[0]?.StateValue, 'ALARM');
    const history = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'errors-high', HistoryItemType: 'StateUpdate' }));
    assert.deepEqual(
      history.AlarmHistoryItems?.map((h) => h.HistorySummary),
      ['Alarm updated from OK to ALARM', 'Alarm updated from INSUFFICIENT_DATA to OK'],
    );
    await cw.send(new SetAlarmStateCommand({ AlarmName: 'errors-high', StateValue: 'OK', StateReason: 'by hand' }));
    d = await describe();
    assert.deepEqual([d.MetricAlarms?.[0]?.StateReason, d.CompositeAlarms?.[0]?.StateValue], ['by hand', 'OK']);
    // Actions switched off and on again by name (unknown names ignored), and the alarm found by its metric.
    await cw.send(new DisableAlarmActionsCommand({ AlarmNames: ['errors-high', 'no-such-alarm'] }));
    assert.equal((await describe()).MetricAlarms?.[0]?.ActionsEnabled, false);
    await cw.send(new EnableAlarmActionsCommand({ AlarmNames: ['errors-high'] }));
    assert.equal((await describe()).MetricAlarms?.[0]?.ActionsEnabled, true);
    const forMetric = await cw.send(new DescribeAlarmsForMetricCommand({ Namespace: 'Shop', MetricName: 'Errors', Statistic: 'Sum' }));
    assert.deepEqual(
      forMetric.MetricAlarms?.map((a) => a.AlarmName),
      ['errors-high'],
    );
    const otherStat = await cw.send(new DescribeAlarmsForMetricCommand({ Namespace: 'Shop', MetricName: 'Errors', Statistic: 'Average' }));
    assert.deepEqual(otherStat.MetricAlarms, []);
    // CloudWatch's JSON and CBOR protocols name it ValidationException; the query code ValidationError comes in x-amzn-query-error.
    await assert.rejects(cw.send(new DeleteAlarmsCommand({ AlarmNames: ['errors-high'] })), (e: Error) => {
      assert.equal(e.name, 'ValidationException');
      assert.equal(e.message, 'Cannot delete alarm errors-high: the composite alarm shop-down uses it in its AlarmRule');
      return true;
    });
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['shop-down', 'errors-high'] }));
    assert.deepEqual((await describe()).MetricAlarms, []);
  });

  it('works with Debian’s AWS CLI (query protocol): metrics, alarms, dashboards, error texts', async () => {
    await awsCli(server.url, [
      'cloudwatch',
      'put-metric-data',
      '--namespace',
      'Cli',
      '--metric-name',
      'Hits',
      '--value',
      '3',
      '--dimensions',
      'Host=a,Zone=z',
      '--unit',
      'Count',
    ]);
    await awsCli(server.url, [
      'cloudwatch',
      'put-metric-data',
      '--namespace',
      'Cli',
      '--metric-name',
      'Hits',
      '--value',
      '4',
      '--dimensions',
      'Host=a,Zone=z',
      '--unit',
      'Count',
    ]);
    const now = new Date(clock.now());
    const stats = await awsCli(server.url, [
      'cloudwatch',
      'get-metric-statistics',
      '--namespace',
      'Cli',
      '--metric-name',
      'Hits',
      '--dimensions',
      'Name=Host,Value=a',
      'Name=Zone,Value=z',
      '--start-time',
      new Date(now.getTime() - 5 * MINUTE).toISOString(),
      '--end-time',
      new Date(now.getTime() + MINUTE).toISOString(),
      '--period',
      '3600',
      '--statistics',
      'Sum',
      'SampleCount',
    ]);
    assert.deepEqual(
      stats.Datapoints.map((p: { Sum: number; SampleCount: number; Unit: string }) => [p.Sum, p.SampleCount, p.Unit]),
      [[7, 2, 'Count']],
    );
    const listed = await awsCli(server.url, ['cloudwatch', 'list-metrics', '--namespace', 'Cli']);
    assert.deepEqual(listed.Metrics, [
      {
        Namespace: 'Cli',
        MetricName: 'Hits',
        Dimensions: [
          { Name: 'Host', Value: 'a' },
          { Name: 'Zone', Value: 'z' },
        ],
      },
    ]);
    await awsCli(server.url, [
      'cloudwatch',
      'put-metric-alarm',
      '--alarm-name',
      'cli-hits',
      '--namespace',
      'Cli',
      '--metric-name',
      'Hits',
      '--statistic',
      'Sum',
      '--period',
      '60',
      '--evaluation-periods',
      '1',
      '--threshold',
      '100',
      '--comparison-operator',
      'GreaterThanOrEqualToThreshold',
      '--alarm-actions',
      'arn:aws:sns:us-east-1:000000000000:ops',
    ]);
    const alarms = await awsCli(server.url, ['cloudwatch', 'describe-alarms', '--alarm-names', 'cli-hits']);
    assert.equal(alarms.MetricAlarms[0].AlarmArn, 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:cli-hits');
    assert.deepEqual(alarms.MetricAlarms[0].AlarmActions, ['arn:aws:sns:us-east-1:000000000000:ops']);
    await awsCli(server.url, [
      'cloudwatch',
      'put-dashboard',
      '--dashboard-name',
      'cli-board',
      '--dashboard-body',
      '{"widgets":[{"type":"text","properties":{"markdown":"hi"}}]}',
    ]);
    const board = await awsCli(server.url, ['cloudwatch', 'get-dashboard', '--dashboard-name', 'cli-board']);
    assert.equal(board.DashboardArn, 'arn:aws:cloudwatch::000000000000:dashboard/cli-board');
    await assert.rejects(
      awsCli(server.url, ['cloudwatch', 'put-metric-data', '--namespace', 'AWS/Kinesis', '--metric-name', 'Hits', '--value', '1']),
      (e: Error & { stderr?: string }) => /\(InvalidParameterValue\).*The value AWS\/ for parameter Namespace is invalid\./.test(e.stderr ?? ''),
    );
  });

  it('works with boto3 (query protocol): metric math and alarm history', async () => {
    const out = await python3(
      `import boto3, json, sys, datetime
cw = boto3.client('cloudwatch', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='a', aws_secret_access_key='s')
t0 = datetime.datetime.fromtimestamp(${T0 / 1000}, datetime.timezone.utc)
cw.put_metric_data(Namespace='Py', MetricData=[{'MetricName': 'A', 'Value': 4, 'Timestamp': t0}, {'MetricName': 'B', 'Value': 6, 'Timestamp': t0}])
r = cw.get_metric_data(StartTime=t0, EndTime=t0 + datetime.timedelta(minutes=1), MetricDataQueries=[
  {'Id': 'a', 'MetricStat': {'Metric': {'Namespace': 'Py', 'MetricName': 'A'}, 'Period': 60, 'Stat': 'Sum'}, 'ReturnData': False},
  {'Id': 'b', 'MetricStat': {'Metric': {'Namespace': 'Py', 'MetricName': 'B'}, 'Period': 60, 'Stat': 'Sum'}, 'ReturnData': False},
  {'Id': 'total', 'Expression': 'SUM(METRICS())'}])
h = cw.describe_alarm_history(AlarmName='cli-hits')
print(json.dumps([r['MetricDataResults'][0]['Values'], [i['HistorySummary'] for i in h['AlarmHistoryItems']]]))`,
      [server.url],
    );
    assert.deepEqual(JSON.parse(out), [[10], ['Alarm "cli-hits" created']]);
  });

  it('serves every series to Prometheus at GET /metrics', async () => {
    const r = await fetch(`${server.url}/metrics`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const text = await r.text();
    assert.match(text, /^cli_hits_sum\{Host="a",Zone="z",unit="Count"\} 7$/m);
    assert.match(text, /^cli_hits_count\{Host="a",Zone="z",unit="Count"\} 2$/m);
  });
});
