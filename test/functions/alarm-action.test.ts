/**
 * CloudWatch alarm actions on Lambda ARNs: a state change invokes the function asynchronously with
 * the event CloudWatch documents for Lambda alarm actions (source aws.cloudwatch, alarmData with the
 * new and previous state and the alarm's metrics), once per transition; an action naming a function
 * that does not exist is recorded as a failed Action in the alarm's history.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { startServer } from '../../src/server/index.ts';
import { ManualClock } from '../../src/core/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { ROLE, uniqueName, zipOf } from './helpers.ts';
import { waitUntil } from './esm-harness.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

describe('CloudWatch alarm actions on functions', () => {
  let server: FreshetServer;
  let cw: CloudWatchClient;
  let lambda: LambdaClient;
  let dir: string;
  before(async () => {
    // A clock that stays put: with the real one, a minute boundary between SetAlarmState ALARM and OK evaluated the
    // alarm (no data: INSUFFICIENT_DATA), as CloudWatch does, and the OK event's previous state was not ALARM.
    server = await startServer({ port: 0, storage: 'memory', createDelayMs: 0, metrics: { evaluationDelayMs: 0 }, clock: new ManualClock(Date.now()) });
    const cfg = { endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 };
    cw = new CloudWatchClient(cfg);
    lambda = new LambdaClient(cfg);
    dir = mkdtempSync(join(tmpdir(), 'freshet-alarm-action-'));
  });
  after(async () => {
    cw.destroy();
    lambda.destroy();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A function that appends every event it gets to a file; returns its ARN and the file. */
  async function recordingFunction(): Promise<{ arn: string; out: string; events: () => any[] }> {
    const name = uniqueName('alarm-fn');
    const out = join(dir, `${name}.ndjson`);
    const code = `const fs = require('fs'); exports.handler = async (e) => { fs.appendFileSync(process.env.OUT, JSON.stringify(e) + '\\n'); return 'ok'; };`;
    const created = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: ROLE,
        Code: { ZipFile: zipOf({ 'index.js': code }) },
        Environment: { Variables: { OUT: out } },
      }),
    );
    const events = () =>
      existsSync(out)
        ? readFileSync(out, 'utf8')
            .split('\n')
            .filter((l) => l.length > 0)
            .map((l) => JSON.parse(l))
        : [];
    return { arn: created.FunctionArn!, out, events };
  }

  it('invokes the function with the Lambda alarm-action event on each transition to ALARM and OK', async () => {
    const fn = await recordingFunction();
    const alarmName = uniqueName('cpu-high');
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: alarmName,
        AlarmDescription: 'CPU above 80',
        Namespace: 'Freshet/Test',
        MetricName: 'CPU',
        Dimensions: [{ Name: 'Host', Value: 'h1' }],
        Statistic: 'Average',
        Period: 60,
        EvaluationPeriods: 3,
        Threshold: 80,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [fn.arn],
        OKActions: [fn.arn],
      }),
    );
    await cw.send(new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'ALARM', StateReason: 'testing the action' }));
    await waitUntil(() => fn.events().length === 1, 'the ALARM invocation', 15_000);
    const ev = fn.events()[0];
    assert.deepEqual(Object.keys(ev), ['source', 'alarmArn', 'accountId', 'time', 'region', 'alarmData']);
    assert.equal(ev.source, 'aws.cloudwatch');
    assert.equal(ev.alarmArn, `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${alarmName}`);
    assert.equal(ev.accountId, '000000000000');
    assert.equal(ev.region, 'us-east-1');
    assert.match(ev.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    assert.equal(ev.alarmData.alarmName, alarmName);
    assert.deepEqual(ev.alarmData.state, { value: 'ALARM', reason: 'testing the action', timestamp: ev.time });
    assert.equal(ev.alarmData.previousState.value, 'INSUFFICIENT_DATA');
    assert.match(ev.alarmData.previousState.timestamp, /\+0000$/);
    assert.equal(ev.alarmData.configuration.description, 'CPU above 80');
    const [metric] = ev.alarmData.configuration.metrics;
    assert.match(metric.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.deepEqual(metric.metricStat, { metric: { namespace: 'Freshet/Test', name: 'CPU', dimensions: { Host: 'h1' } }, period: 60, stat: 'Average' });
    assert.equal(metric.returnData, true);

    // Back to OK: the OK action runs once; a SetAlarmState to the state it already has runs nothing.
    await cw.send(new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'OK', StateReason: 'recovered' }));
    await waitUntil(() => fn.events().length === 2, 'the OK invocation', 15_000);
    await cw.send(new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'OK', StateReason: 'still fine' }));
    const second = fn.events()[1];
    assert.equal(second.alarmData.state.value, 'OK');
    assert.equal(second.alarmData.previousState.value, 'ALARM');
    assert.equal(second.alarmData.previousState.reason, 'testing the action');
    assert.equal(second.alarmData.configuration.metrics[0].id, metric.id, 'the same generated id each time');
    const history = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: alarmName, HistoryItemType: 'Action' }));
    assert.equal(history.AlarmHistoryItems?.length, 2);
    for (const item of history.AlarmHistoryItems ?? []) assert.equal(item.HistorySummary, `Successfully executed action ${fn.arn}`);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(fn.events().length, 2, 'no invocation without a transition');
  });

  it('passes metric-math queries and composite rules in the configuration', async () => {
    const fn = await recordingFunction();
    const mathAlarm = uniqueName('error-rate');
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: mathAlarm,
        EvaluationPeriods: 1,
        Threshold: 0.1,
        ComparisonOperator: 'GreaterThanThreshold',
        Metrics: [
          { Id: 'e', Expression: 'errors / calls', Label: 'Error rate', ReturnData: true },
          {
            Id: 'errors',
            MetricStat: { Metric: { Namespace: 'Freshet/Test', MetricName: 'Errors' }, Period: 300, Stat: 'Sum', Unit: 'Count' },
            ReturnData: false,
          },
          { Id: 'calls', MetricStat: { Metric: { Namespace: 'Freshet/Test', MetricName: 'Calls' }, Period: 300, Stat: 'Sum' }, ReturnData: false },
        ],
        AlarmActions: [fn.arn],
      }),
    );
    const composite = uniqueName('composite');
    await cw.send(new PutCompositeAlarmCommand({ AlarmName: composite, AlarmRule: `ALARM("${mathAlarm}")`, AlarmActions: [fn.arn] }));
    await cw.send(new SetAlarmStateCommand({ AlarmName: mathAlarm, StateValue: 'ALARM', StateReason: 'rate high' }));
    await waitUntil(() => fn.events().length === 2, 'both invocations', 15_000);
    const byName = new Map(fn.events().map((e) => [e.alarmData.alarmName, e]));
    assert.deepEqual(byName.get(mathAlarm).alarmData.configuration.metrics, [
      { id: 'e', expression: 'errors / calls', label: 'Error rate', returnData: true },
      {
        id: 'errors',
        metricStat: { metric: { namespace: 'Freshet/Test', name: 'Errors', dimensions: {} }, period: 300, stat: 'Sum', unit: 'Count' },
        returnData: false,
      },
      { id: 'calls', metricStat: { metric: { namespace: 'Freshet/Test', name: 'Calls', dimensions: {} }, period: 300, stat: 'Sum' }, returnData: false },
    ]);
    const c = byName.get(composite);
    assert.deepEqual(c.alarmData.configuration, { alarmRule: `ALARM("${mathAlarm}")` });
    assert.equal(c.alarmData.state.value, 'ALARM');
  });

  it('records a failed action when the function does not exist', async () => {
    const alarmName = uniqueName('orphan');
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:no-such-function';
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: alarmName,
        Namespace: 'Freshet/Test',
        MetricName: 'CPU',
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [arn],
      }),
    );
    await cw.send(new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'ALARM', StateReason: 'x' }));
    let summary = '';
    await waitUntil(async () => {
      const h = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: alarmName, HistoryItemType: 'Action' }));
      summary = h.AlarmHistoryItems?.[0]?.HistorySummary ?? '';
      return summary !== '';
    }, 'the action history item');
    assert.match(
      summary,
      /^Failed to execute action arn:aws:lambda:us-east-1:000000000000:function:no-such-function\. Received error: ".*ResourceNotFoundException/,
    );
  });
});
