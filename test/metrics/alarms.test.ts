import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FileStorage, MemoryStorage } from '../../src/storage/index.ts';
import type { MetaStore } from '../../src/storage/index.ts';
import { MetricsEngine } from '../../src/metrics/index.ts';
import type { MetricAlarmInput } from '../../src/metrics/index.ts';
import { MetricsError } from '../../src/metrics/errors.ts';
import { MINUTE, T0, clockAt, tempDir } from './helpers.ts';
import type { ManualClock } from '../../src/core/index.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface Received {
  headers: IncomingHttpHeaders;
  body: Record<string, string>;
  message: Record<string, unknown>;
}

/** A local HTTP endpoint subscribed to a topic: records every notification it receives. */
async function webhook(): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>;
      received.push({ headers: req.headers, body, message: JSON.parse(body.Message!) as Record<string, unknown> });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

async function engine(clock: ManualClock, opts: { meta?: MetaStore; dataDir?: string; topics?: Record<string, string[]> } = {}): Promise<MetricsEngine> {
  const meta = opts.meta ?? new MemoryStorage().meta;
  const e = await MetricsEngine.open({ clock, meta, dataDir: opts.dataDir, fsync: false, evaluationDelayMs: 0, actions: { topics: opts.topics } });
  cleanups.push(() => e.close());
  return e;
}

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:ops';

/** IteratorAge > 60 s for 3 of 5 minutes: the S1/S2 stream-health alarm of the issue. */
function iteratorAgeAlarm(extra: Partial<MetricAlarmInput> = {}): MetricAlarmInput {
  return {
    alarmName: 'orders-iterator-age',
    namespace: 'AWS/Kinesis',
    metricName: 'GetRecords.IteratorAgeMilliseconds',
    dimensions: [{ name: 'StreamName', value: 'orders' }],
    statistic: 'Maximum',
    periodSec: 60,
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    threshold: 60_000,
    comparisonOperator: 'GreaterThanThreshold',
    alarmActions: [TOPIC],
    okActions: [TOPIC],
    ...extra,
  };
}

/** Emits an IteratorAge sample in the current minute through an emission handle, then moves to the next minute. */
function minuteOf(e: MetricsEngine, clock: ManualClock, ages: number[]): Promise<void> {
  const h = e.registry.handle('AWS/Kinesis', 'GetRecords.IteratorAgeMilliseconds', [{ name: 'StreamName', value: 'orders' }], 'Milliseconds');
  return (async () => {
    for (const age of ages) {
      h.record(age);
      clock.advance(MINUTE);
      await e.alarms.idle();
    }
  })();
}

describe('Metric alarms', () => {
  it('goes INSUFFICIENT_DATA → OK → ALARM → OK as 3 of 5 minutes breach, notifying the topic once per transition', async () => {
    const clock = clockAt(T0);
    const hook = await webhook();
    const e = await engine(clock, { topics: { ops: [hook.url] } });
    await e.alarms.putMetricAlarm(iteratorAgeAlarm());
    assert.equal(e.alarms.get('orders-iterator-age')!.state.value, 'INSUFFICIENT_DATA');
    assert.equal(e.alarms.get('orders-iterator-age')!.state.reason, 'Unchecked: Initial alarm creation');
    await minuteOf(e, clock, [1000, 2000]);
    assert.equal(e.alarms.get('orders-iterator-age')!.state.value, 'OK');
    await minuteOf(e, clock, [90_000, 120_000]);
    assert.equal(e.alarms.get('orders-iterator-age')!.state.value, 'OK', 'two breaching minutes are not three');
    await minuteOf(e, clock, [95_000]);
    const alarm = e.alarms.get('orders-iterator-age')!;
    assert.equal(alarm.state.value, 'ALARM');
    assert.equal(
      alarm.state.reason,
      'Threshold Crossed: 3 out of the last 5 datapoints [95000.0 (31/01/21 14:04:00), 120000.0 (31/01/21 14:03:00), 90000.0 (31/01/21 14:02:00)] were greater than the threshold (60000.0) (minimum 3 datapoints for OK -> ALARM transition).',
    );
    const data = JSON.parse(alarm.state.reasonData!) as Record<string, unknown>;
    assert.equal(data.statistic, 'Maximum');
    assert.deepEqual(data.recentDatapoints, [1000, 2000, 90000, 120000, 95000]);
    await minuteOf(e, clock, [99_000, 1000]);
    assert.equal(e.alarms.get('orders-iterator-age')!.state.value, 'ALARM', 'staying in ALARM sends nothing new');
    await minuteOf(e, clock, [1000, 1000]);
    assert.equal(e.alarms.get('orders-iterator-age')!.state.value, 'OK');
    await e.alarms.idle();
    assert.deepEqual(
      hook.received.map((r) => [r.message.OldStateValue, r.message.NewStateValue]),
      [
        ['INSUFFICIENT_DATA', 'OK'],
        ['OK', 'ALARM'],
        ['ALARM', 'OK'],
      ],
    );
    const first = hook.received[1]!;
    assert.equal(first.headers['x-amz-sns-message-type'], 'Notification');
    assert.equal(first.headers['x-amz-sns-topic-arn'], TOPIC);
    assert.equal(first.body.Type, 'Notification');
    assert.equal(first.body.TopicArn, TOPIC);
    assert.equal(first.body.Subject, 'ALARM: "orders-iterator-age" in US East (N. Virginia)');
    assert.equal(first.message.AlarmArn, 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:orders-iterator-age');
    assert.equal(first.message.Region, 'US East (N. Virginia)');
    assert.deepEqual(first.message.Trigger, {
      MetricName: 'GetRecords.IteratorAgeMilliseconds',
      Namespace: 'AWS/Kinesis',
      StatisticType: 'Statistic',
      Statistic: 'MAXIMUM',
      Unit: null,
      Dimensions: [{ value: 'orders', name: 'StreamName' }],
      Period: 60,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 60000,
      TreatMissingData: '- TreatMissingData:                    missing',
      EvaluateLowSampleCountPercentile: '',
    });
    const history = e.alarms.describeAlarmHistory({ alarmName: 'orders-iterator-age', scanBy: 'TimestampAscending' }).items;
    assert.deepEqual(
      history.filter((h) => h.historyItemType !== 'Action').map((h) => h.historySummary),
      ['Alarm "orders-iterator-age" created', 'Alarm updated from INSUFFICIENT_DATA to OK', 'Alarm updated from OK to ALARM', 'Alarm updated from ALARM to OK'],
    );
    assert.deepEqual(
      history.filter((h) => h.historyItemType === 'Action').map((h) => h.historySummary),
      [`Successfully executed action ${TOPIC}`, `Successfully executed action ${TOPIC}`, `Successfully executed action ${TOPIC}`],
    );
  });

  it('treats missing data as breaching when told to, with the reason AWS gives', async () => {
    const clock = clockAt(T0);
    const e = await engine(clock);
    await e.alarms.putMetricAlarm(iteratorAgeAlarm({ evaluationPeriods: 2, datapointsToAlarm: 2, treatMissingData: 'breaching' }));
    clock.advance(2 * MINUTE);
    await e.alarms.idle();
    const a = e.alarms.get('orders-iterator-age')!;
    assert.equal(a.state.value, 'ALARM');
    assert.equal(a.state.reason, 'Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching].');
  });

  it('runs no actions while they are disabled, and SetAlarmState runs them and lasts until the next evaluation', async () => {
    const clock = clockAt(T0);
    const hook = await webhook();
    const e = await engine(clock, { topics: { ops: [hook.url] } });
    await e.alarms.putMetricAlarm(iteratorAgeAlarm({ actionsEnabled: false, evaluationPeriods: 1, datapointsToAlarm: 1 }));
    await minuteOf(e, clock, [1]);
    assert.equal(e.alarms.get('orders-iterator-age')!.state.value, 'OK');
    e.alarms.setActionsEnabled(['orders-iterator-age'], true);
    e.alarms.setAlarmState('orders-iterator-age', 'ALARM', 'testing the pager', '{"by":"test"}');
    await e.alarms.idle();
    assert.equal(e.alarms.get('orders-iterator-age')!.state.value, 'ALARM');
    assert.equal(hook.received.length, 1);
    assert.equal(hook.received[0]!.message.NewStateReason, 'testing the pager');
    await minuteOf(e, clock, [2]);
    assert.equal(e.alarms.get('orders-iterator-age')!.state.value, 'OK', 'the next evaluation sets the actual state');
    assert.equal(hook.received.length, 2);
    assert.throws(
      () => e.alarms.setAlarmState('nope', 'OK', 'x'),
      (err: unknown) => err instanceof MetricsError && err.code === 'ResourceNotFound',
    );
    assert.throws(
      () => e.alarms.setAlarmState('orders-iterator-age', 'OK', 'x', '{not json'),
      (err: unknown) => err instanceof MetricsError && err.code === 'InvalidFormat',
    );
  });

  it('evaluates a metric-math alarm on the expression that returns data', async () => {
    const clock = clockAt(T0);
    const e = await engine(clock);
    const stream = [{ name: 'StreamName', value: 'orders' }];
    await e.alarms.putMetricAlarm({
      alarmName: 'failed-share',
      evaluationPeriods: 1,
      threshold: 5,
      comparisonOperator: 'GreaterThanThreshold',
      metrics: [
        { id: 'failed', metricStat: { metric: { namespace: 'App', metricName: 'Failed', dimensions: stream }, periodSec: 60, stat: 'Sum' }, returnData: false },
        { id: 'total', metricStat: { metric: { namespace: 'App', metricName: 'Total', dimensions: stream }, periodSec: 60, stat: 'Sum' }, returnData: false },
        { id: 'share', expression: '100 * failed / total', label: 'failed %' },
      ],
    });
    e.putMetricData('App', [
      { metricName: 'Failed', dimensions: stream, value: 10 },
      { metricName: 'Total', dimensions: stream, value: 100 },
    ]);
    clock.advance(MINUTE);
    await e.alarms.idle();
    const a = e.alarms.get('failed-share')!;
    assert.equal(a.state.value, 'ALARM');
    assert.match(a.state.reason, /^Threshold Crossed: 1 datapoint \[10\.0 \(31\/01\/21 14:00:00\)\] was greater than the threshold \(5\.0\)\.$/);
  });

  it('compares against a pluggable anomaly-detection band', async () => {
    const clock = clockAt(T0);
    const e = await MetricsEngine.open({
      clock,
      meta: new MemoryStorage().meta,
      evaluationDelayMs: 0,
      band: (s) => ({
        upper: { label: 'upper', periodSec: s.periodSec, t: s.t, v: s.t.map(() => 50) },
        lower: { label: 'lower', periodSec: s.periodSec, t: s.t, v: s.t.map(() => 10) },
      }),
    });
    cleanups.push(() => e.close());
    await e.alarms.putMetricAlarm({
      alarmName: 'band',
      evaluationPeriods: 1,
      comparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
      thresholdMetricId: 'ad1',
      metrics: [
        { id: 'm1', metricStat: { metric: { namespace: 'App', metricName: 'Load', dimensions: [] }, periodSec: 60, stat: 'Average' } },
        { id: 'ad1', expression: 'ANOMALY_DETECTION_BAND(m1, 2)' },
      ],
    });
    e.putMetricData('App', [{ metricName: 'Load', value: 30 }]);
    clock.advance(MINUTE);
    await e.alarms.idle();
    assert.equal(e.alarms.get('band')!.state.value, 'OK');
    e.putMetricData('App', [{ metricName: 'Load', value: 80 }]);
    clock.advance(MINUTE);
    await e.alarms.idle();
    const a = e.alarms.get('band')!;
    assert.equal(a.state.value, 'ALARM');
    assert.equal(
      a.state.reason,
      'Thresholds Crossed: 1 out of the last 1 datapoints [80.0 (31/01/21 14:01:00)] was less than the lower thresholds [10.0] or greater than the upper thresholds [50.0] (minimum 1 datapoint for OK -> ALARM transition).',
    );
  });

  it('holds its state while a percentile has too few samples and EvaluateLowSampleCountPercentile is ignore', async () => {
    const clock = clockAt(T0);
    const e = await engine(clock);
    await e.alarms.putMetricAlarm({
      alarmName: 'p99',
      namespace: 'App',
      metricName: 'Latency',
      extendedStatistic: 'p99',
      periodSec: 60,
      evaluationPeriods: 1,
      threshold: 100,
      comparisonOperator: 'GreaterThanThreshold',
      evaluateLowSampleCountPercentile: 'ignore',
    });
    e.putMetricData('App', [{ metricName: 'Latency', values: [500, 600] }]); // 2 samples; p99 needs 1000
    clock.advance(MINUTE);
    await e.alarms.idle();
    assert.equal(e.alarms.get('p99')!.state.value, 'INSUFFICIENT_DATA');
    e.putMetricData('App', [{ metricName: 'Latency', values: [500], counts: [1000] }]);
    clock.advance(MINUTE);
    await e.alarms.idle();
    assert.equal(e.alarms.get('p99')!.state.value, 'ALARM');
  });

  it('refuses malformed alarms with ValidationError', async () => {
    const clock = clockAt(T0);
    const e = await engine(clock);
    const bad = async (extra: Partial<MetricAlarmInput>, message: string) =>
      assert.rejects(e.alarms.putMetricAlarm(iteratorAgeAlarm(extra)), (err: unknown) => err instanceof MetricsError && err.message === message);
    await bad({ datapointsToAlarm: 6 }, 'DatapointsToAlarm must be greater than 0 and less than or equal to EvaluationPeriods.');
    await bad({ periodSec: 45 }, 'The parameter Period must be 10, 20, 30 or a multiple of 60.');
    await bad(
      { periodSec: 600, evaluationPeriods: 200 },
      'The product of Period and EvaluationPeriods must not exceed 86400 seconds (one day) for periods under one hour.',
    );
    await bad({ extendedStatistic: 'p99' }, 'Exactly one of Statistic or ExtendedStatistic must be specified.');
    await bad(
      { treatMissingData: 'sometimes' },
      'The value sometimes for parameter TreatMissingData is not supported. Supported values are breaching, notBreaching, ignore and missing.',
    );
    await bad(
      { evaluateLowSampleCountPercentile: 'maybe' },
      'Option maybe is not supported. Supported options for parameter EvaluateLowSampleCountPercentile are evaluate and ignore.',
    );
  });

  it('keeps alarms, their states and history across a restart and keeps evaluating', async () => {
    const t = await tempDir();
    cleanups.push(t.remove);
    const clock = clockAt(T0);
    const open = async () => {
      const storage = new FileStorage({ dataDir: t.dir, fsync: { kind: 'never' }, clock });
      await storage.open();
      const e = await MetricsEngine.open({ clock, meta: storage.meta, dataDir: t.dir, fsync: false, evaluationDelayMs: 0 });
      return { storage, e };
    };
    const first = await open();
    await first.e.alarms.putMetricAlarm(iteratorAgeAlarm({ evaluationPeriods: 1, datapointsToAlarm: 1 }));
    await minuteOf(first.e, clock, [90_000]);
    assert.equal(first.e.alarms.get('orders-iterator-age')!.state.value, 'ALARM');
    await first.e.close();
    await first.storage.close();
    const second = await open();
    cleanups.push(async () => {
      await second.e.close();
      await second.storage.close();
    });
    const a = second.e.alarms.get('orders-iterator-age')!;
    assert.equal(a.state.value, 'ALARM');
    assert.deepEqual(
      second.e.alarms.describeAlarmHistory({ alarmName: 'orders-iterator-age' }).items.map((h) => h.historyItemType),
      ['Action', 'StateUpdate', 'ConfigurationUpdate'],
    );
    const stats = await second.e.getMetricStatistics({
      namespace: 'AWS/Kinesis',
      metricName: 'GetRecords.IteratorAgeMilliseconds',
      dimensions: [{ name: 'StreamName', value: 'orders' }],
      startTimeMs: T0,
      endTimeMs: T0 + 2 * MINUTE,
      periodSec: 60,
      statistics: ['Maximum'],
    });
    assert.deepEqual(
      stats.datapoints.map((d) => d.statistics.Maximum),
      [90_000],
    );
    await minuteOf(second.e, clock, [5]);
    assert.equal(second.e.alarms.get('orders-iterator-age')!.state.value, 'OK');
  });
});

describe('Composite alarms', () => {
  async function withChildren(clock: ManualClock, e: MetricsEngine): Promise<void> {
    for (const name of ['cpu-high', 'disk-full', 'deploying']) {
      await e.alarms.putMetricAlarm({
        alarmName: name,
        namespace: 'App',
        metricName: name,
        statistic: 'Maximum',
        periodSec: 60,
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: 'GreaterThanThreshold',
      });
    }
    void clock;
  }

  it('follows its rule as children change, with AND, OR, NOT, parentheses, AT_LEAST, TRUE and FALSE', async () => {
    const clock = clockAt(T0);
    const hook = await webhook();
    const e = await engine(clock, { topics: { ops: [hook.url] } });
    await withChildren(clock, e);
    await e.alarms.putCompositeAlarm({
      alarmName: 'page-someone',
      alarmRule: '(ALARM("cpu-high") OR ALARM(disk-full)) AND NOT ALARM("arn:aws:cloudwatch:us-east-1:000000000000:alarm:deploying")',
      alarmActions: [TOPIC],
    });
    assert.equal(e.alarms.get('page-someone')!.state.value, 'OK', 'evaluated at creation');
    e.alarms.setAlarmState('disk-full', 'ALARM', 'full');
    assert.equal(e.alarms.get('page-someone')!.state.value, 'ALARM');
    assert.match(
      e.alarms.get('page-someone')!.state.reason,
      /^arn:aws:cloudwatch:us-east-1:000000000000:alarm:disk-full transitioned to ALARM at Sunday 31 January, 2021 14:00:00 UTC$/,
    );
    e.alarms.setAlarmState('deploying', 'ALARM', 'deploy started');
    assert.equal(e.alarms.get('page-someone')!.state.value, 'OK');
    await e.alarms.idle();
    assert.equal(hook.received.length, 1);
    assert.equal(hook.received[0]!.message.AlarmRule, e.alarms.get('page-someone')!.composite!.alarmRule);
    assert.deepEqual(
      (hook.received[0]!.message.TriggeringChildren as Array<{ Arn: string }>).map((c) => c.Arn),
      ['arn:aws:cloudwatch:us-east-1:000000000000:alarm:disk-full'],
    );

    await e.alarms.putCompositeAlarm({ alarmName: 'two-of-three', alarmRule: 'AT_LEAST(2, ALARM, ("cpu-high", "disk-full", "deploying"))' });
    assert.equal(e.alarms.get('two-of-three')!.state.value, 'ALARM');
    await e.alarms.putCompositeAlarm({ alarmName: 'always', alarmRule: 'TRUE OR FALSE' });
    assert.equal(e.alarms.get('always')!.state.value, 'ALARM');
    const children = e.alarms.describeAlarms({ childrenOfAlarmName: 'page-someone' }).alarms.map((a) => a.alarmName);
    assert.deepEqual(children, ['cpu-high', 'deploying', 'disk-full']);
    const parents = e.alarms.describeAlarms({ parentsOfAlarmName: 'disk-full' }).alarms.map((a) => a.alarmName);
    assert.deepEqual(parents, ['page-someone', 'two-of-three']);
    assert.deepEqual(
      e.alarms.describeAlarms({}).alarms.map((a) => a.alarmName),
      ['cpu-high', 'deploying', 'disk-full'],
      'DescribeAlarms without AlarmTypes lists metric alarms only',
    );
    assert.equal(e.alarms.describeAlarms({ alarmTypes: ['CompositeAlarm'] }).alarms.length, 3);
  });

  it('refuses rules that name missing alarms or do not parse, and deleting an alarm a rule uses', async () => {
    const clock = clockAt(T0);
    const e = await engine(clock);
    await withChildren(clock, e);
    await assert.rejects(
      e.alarms.putCompositeAlarm({ alarmName: 'c', alarmRule: 'ALARM("cpu-high") AND ALARM("ghost")' }),
      (err: unknown) =>
        err instanceof MetricsError &&
        err.code === 'ValidationError' &&
        err.message === 'Could not save the composite alarm as alarms [ghost] in the alarm rule do not exist',
    );
    await assert.rejects(
      e.alarms.putCompositeAlarm({ alarmName: 'c', alarmRule: 'ALARM("cpu-high") AND' }),
      (err: unknown) =>
        err instanceof MetricsError &&
        err.message ===
          'Error in AlarmRule: Unexpected end of rule at position 22, expected ALARM(…), OK(…), INSUFFICIENT_DATA(…), AT_LEAST(…), TRUE, FALSE, NOT or (.',
    );
    await e.alarms.putCompositeAlarm({ alarmName: 'c', alarmRule: 'OK("cpu-high")' });
    assert.throws(
      () => e.alarms.deleteAlarms(['cpu-high']),
      (err: unknown) => err instanceof MetricsError && err.code === 'ValidationError',
    );
    assert.throws(
      () => e.alarms.deleteAlarms(['ghost']),
      (err: unknown) => err instanceof MetricsError && err.code === 'ResourceNotFound',
    );
    e.alarms.deleteAlarms(['c', 'cpu-high']);
    assert.equal(e.alarms.get('c'), undefined);
  });
});

describe('Alarm queries', () => {
  it('filters DescribeAlarms by prefix, state and action prefix, pages with NextToken, and finds alarms for a metric', async () => {
    const clock = clockAt(T0);
    const e = await engine(clock);
    for (let i = 0; i < 5; i++) await e.alarms.putMetricAlarm(iteratorAgeAlarm({ alarmName: `a${i}`, alarmActions: i % 2 ? [TOPIC] : [] }));
    await e.alarms.putMetricAlarm(iteratorAgeAlarm({ alarmName: 'b0', statistic: 'Average' }));
    e.alarms.setAlarmState('a1', 'ALARM', 'x');
    assert.deepEqual(
      e.alarms.describeAlarms({ alarmNamePrefix: 'a' }).alarms.map((a) => a.alarmName),
      ['a0', 'a1', 'a2', 'a3', 'a4'],
    );
    assert.deepEqual(
      e.alarms.describeAlarms({ stateValue: 'ALARM' }).alarms.map((a) => a.alarmName),
      ['a1'],
    );
    assert.deepEqual(
      e.alarms.describeAlarms({ actionPrefix: 'arn:aws:sns' }).alarms.map((a) => a.alarmName),
      ['a1', 'a3', 'b0'],
    );
    const p1 = e.alarms.describeAlarms({ maxRecords: 4 });
    const p2 = e.alarms.describeAlarms({ maxRecords: 4, nextToken: p1.nextToken });
    assert.deepEqual(
      [...p1.alarms, ...p2.alarms].map((a) => a.alarmName),
      ['a0', 'a1', 'a2', 'a3', 'a4', 'b0'],
    );
    assert.equal(p2.nextToken, undefined);
    assert.deepEqual(
      e.alarms
        .describeAlarmsForMetric({ namespace: 'AWS/Kinesis', metricName: 'GetRecords.IteratorAgeMilliseconds', statistic: 'Average' })
        .map((a) => a.alarmName),
      ['b0'],
    );
    assert.equal(e.alarms.describeAlarmsForMetric({ namespace: 'AWS/Kinesis', metricName: 'GetRecords.IteratorAgeMilliseconds', dimensions: [] }).length, 0);
    const updates = e.alarms.describeAlarmHistory({ historyItemType: 'StateUpdate' }).items;
    assert.deepEqual(
      updates.map((h) => [h.alarmName, h.historySummary]),
      [['a1', 'Alarm updated from INSUFFICIENT_DATA to ALARM']],
    );
  });
});
