import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage } from '../../src/storage/index.ts';
import { MetricsEngine, MetricsError, prometheusName } from '../../src/metrics/index.ts';
import { MINUTE, T0, clockAt } from './helpers.ts';

const engines: MetricsEngine[] = [];
afterEach(async () => {
  while (engines.length) await engines.pop()!.close();
});

async function engine(now = T0): Promise<{ e: MetricsEngine; clock: ReturnType<typeof clockAt> }> {
  const clock = clockAt(now);
  const e = await MetricsEngine.open({ clock, meta: new MemoryStorage().meta });
  engines.push(e);
  return { e, clock };
}

const GOOD = JSON.stringify({
  start: '-PT6H',
  periodOverride: 'inherit',
  widgets: [
    {
      type: 'metric',
      x: 0,
      y: 0,
      width: 12,
      height: 6,
      properties: {
        metrics: [
          ['AWS/Kinesis', 'IncomingRecords', 'StreamName', 'orders', { stat: 'Sum' }],
          ['.', 'OutgoingRecords', '.', '.'],
          [{ expression: 'm1 * 2', label: 'x', id: 'e1' }],
        ],
        period: 60,
        stat: 'Sum',
        region: 'us-east-1',
        title: 'Stream',
      },
    },
    { type: 'text', x: 0, y: 7, width: 3, height: 3, properties: { markdown: 'Hello world' } },
    { type: 'alarm', x: 3, y: 7, width: 6, height: 3, properties: { alarms: ['arn:aws:cloudwatch:us-east-1:000000000000:alarm:a'] } },
  ],
});

describe('Dashboards', () => {
  it('stores, gets, lists by prefix and deletes dashboards', async () => {
    const { e } = await engine();
    assert.deepEqual(await e.dashboards.put('ops-main', GOOD), []);
    await e.dashboards.put('ops-2', '{"widgets":[]}');
    await e.dashboards.put('team', '{"widgets":[]}');
    assert.deepEqual(e.dashboards.get('ops-main'), {
      dashboardName: 'ops-main',
      dashboardArn: 'arn:aws:cloudwatch::000000000000:dashboard/ops-main',
      dashboardBody: GOOD,
    });
    assert.deepEqual(
      e.dashboards.list('ops').entries.map((d) => [d.dashboardName, d.sizeBytes]),
      [
        ['ops-2', 14],
        ['ops-main', GOOD.length],
      ],
    );
    await assert.rejects(e.dashboards.delete(['team', 'ghost']), (err: unknown) => err instanceof MetricsError && err.code === 'ResourceNotFound');
    assert.equal(e.dashboards.list().entries.length, 3, 'nothing is deleted when one name does not exist');
    await e.dashboards.delete(['team', 'ops-2']);
    assert.deepEqual(
      e.dashboards.list().entries.map((d) => d.dashboardName),
      ['ops-main'],
    );
    assert.throws(
      () => e.dashboards.get('team'),
      (err: unknown) => err instanceof MetricsError && err.code === 'ResourceNotFound' && err.message === 'Dashboard team does not exist',
    );
  });

  it('refuses a body that is not a JSON object with AWS text', async () => {
    const { e } = await engine();
    for (const body of ['not json', '[1]', '"x"']) {
      await assert.rejects(
        e.dashboards.put('d', body),
        (err: unknown) =>
          err instanceof MetricsError && err.code === 'InvalidParameterInput' && err.message === 'The field DashboardBody must be a valid JSON object',
      );
    }
  });

  it('lists every structure error as DashboardValidationMessages, worded as AWS words them', async () => {
    const { e } = await engine();
    const body = JSON.stringify({
      widgets: [
        { type: 'text', width: 30, properties: {} },
        {
          type: 'metric',
          properties: {
            region: 'us-east-1',
            metrics: [
              ['AWS/ECS', 'CPUUtilization', { ClusterName: 'x' }],
              ['AWS/EC2', 5],
            ],
          },
        },
        { type: 'chart', properties: {} },
      ],
    });
    await assert.rejects(e.dashboards.put('bad', body), (err: unknown) => {
      assert.ok(err instanceof MetricsError);
      assert.equal(err.code, 'InvalidParameterInput');
      assert.deepEqual(err.dashboardValidationMessages, [
        { DataPath: '/widgets/0/width', Message: 'Should be <= 24' },
        { DataPath: '/widgets/0/properties', Message: "Should have required property 'markdown'" },
        { DataPath: '/widgets/1/properties/metrics/0', Message: 'Should NOT have more than 2 items' },
        { DataPath: '/widgets/1/properties/metrics/1/1', Message: 'Invalid metric field type, only "String" type is allowed' },
        { DataPath: '/widgets/2/type', Message: 'Should be equal to one of the allowed values' },
      ]);
      assert.equal(
        err.message,
        `The dashboard body is invalid, there are 5 validation errors:\n${JSON.stringify(
          err.dashboardValidationMessages!.map((m) => ({ dataPath: m.DataPath, message: m.Message })),
          null,
          2,
        )}`,
      );
      return true;
    });
  });
});

describe('Prometheus exposition', () => {
  it('maps names predictably and exposes every series with its dimensions as labels', () => {
    assert.equal(prometheusName('AWS/Kinesis', 'PutRecords.Latency'), 'aws_kinesis_put_records_latency');
    assert.equal(prometheusName('AWS/Kinesis', 'GetRecords.IteratorAgeMilliseconds'), 'aws_kinesis_get_records_iterator_age_milliseconds');
    assert.equal(prometheusName('MyApp', 'HTTPRequestCount'), 'my_app_http_request_count');
    assert.equal(prometheusName('AWS/Firehose', 'DeliveryToS3.DataFreshness'), 'aws_firehose_delivery_to_s3_data_freshness');
  });

  it('writes counters since start and the last complete minute as gauges', async () => {
    const { e, clock } = await engine(T0);
    const h = e.registry.handle('AWS/Kinesis', 'IncomingRecords', [{ name: 'StreamName', value: 'or"ders' }], 'Count');
    h.record(3);
    h.record(4);
    e.putMetricData('App', [{ metricName: 'Temp', value: 20.5 }]);
    clock.advance(MINUTE);
    h.record(10);
    const text = e.prometheus();
    assert.equal(
      text,
      [
        '# HELP app_temp CloudWatch metric App Temp',
        '# TYPE app_temp summary',
        'app_temp_sum 20.5',
        'app_temp_count 1',
        '# TYPE app_temp_minimum gauge',
        'app_temp_minimum 20.5',
        '# TYPE app_temp_maximum gauge',
        'app_temp_maximum 20.5',
        '# HELP aws_kinesis_incoming_records CloudWatch metric AWS/Kinesis IncomingRecords',
        '# TYPE aws_kinesis_incoming_records summary',
        'aws_kinesis_incoming_records_sum{StreamName="or\\"ders",unit="Count"} 17',
        'aws_kinesis_incoming_records_count{StreamName="or\\"ders",unit="Count"} 3',
        '# TYPE aws_kinesis_incoming_records_minimum gauge',
        'aws_kinesis_incoming_records_minimum{StreamName="or\\"ders",unit="Count"} 3',
        '# TYPE aws_kinesis_incoming_records_maximum gauge',
        'aws_kinesis_incoming_records_maximum{StreamName="or\\"ders",unit="Count"} 4',
        '',
      ].join('\n'),
    );
  });
});

describe('Emission handles', () => {
  it('do nothing until a store is attached, then fold each second into one datapoint', async () => {
    const clock = clockAt(T0);
    const e = await MetricsEngine.open({ clock, meta: new MemoryStorage().meta, emit: false });
    engines.push(e);
    const h = e.registry.handle('AWS/Kinesis', 'PutRecords.Latency', [{ name: 'StreamName', value: 's' }], 'Milliseconds', { distribution: true });
    h.record(5);
    assert.equal(h.count, 0, 'off: no work at all');
    e.registry.attach(e.store);
    for (const v of [1, 2, 3, 40]) h.record(v);
    clock.advance(1000);
    assert.equal(h.count, 0, 'flushed by the one-second timer');
    const stats = await e.getMetricStatistics({
      namespace: 'AWS/Kinesis',
      metricName: 'PutRecords.Latency',
      dimensions: [{ name: 'StreamName', value: 's' }],
      startTimeMs: T0,
      endTimeMs: T0 + MINUTE,
      periodSec: 60,
      extendedStatistics: ['p50', 'p100'],
    });
    assert.equal(stats.datapoints.length, 1);
    assert.equal(stats.datapoints[0]!.unit, 'Milliseconds');
    assert.equal(stats.datapoints[0]!.extendedStatistics!.p100, 40);
    const basic = await e.getMetricStatistics({
      namespace: 'AWS/Kinesis',
      metricName: 'PutRecords.Latency',
      dimensions: [{ name: 'StreamName', value: 's' }],
      startTimeMs: T0,
      endTimeMs: T0 + MINUTE,
      periodSec: 60,
      statistics: ['SampleCount', 'Sum'],
    });
    assert.deepEqual(basic.datapoints[0]!.statistics, { SampleCount: 4, Sum: 46 });
  });
});
