/**
 * `alarms:` and `dashboards:` in freshet.yaml: checked against CloudWatch's model when loaded (typos with
 * did-you-mean, at their line), created by `up` (metric, metric-math and composite alarms, an action on the
 * file's function through `${function:…}`, a dashboard whose body is a mapping), unchanged on a second
 * `diff`, updated when the file changes, refused with CloudWatch's dashboard validation messages, and
 * deleted by `down` — except an alarm the pipeline did not create.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeAlarmsCommand, GetDashboardCommand, ListDashboardsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { startServer } from '../../src/server/index.ts';
import type { FreshetServer } from '../../src/server/index.ts';
import { ApplyError, PipelineError, applyDown, applyUp, createClients, loadPipeline, parsePipeline, planUp } from '../../src/pipeline/index.ts';
import type { FreshetClients } from '../../src/pipeline/index.ts';

const yaml = (threshold: number, extra = '') => `name: watch
functions:
  - FunctionName: watch-notify
    Runtime: nodejs20.x
    Handler: index.handler
    codeDirectory: notify
alarms:
  - AlarmName: watch-errors
    Namespace: AWS/Lambda
    MetricName: Errors
    Dimensions: [{ Name: FunctionName, Value: watch-notify }]
    Statistic: Sum
    Period: 60
    EvaluationPeriods: 5
    DatapointsToAlarm: 3
    Threshold: ${threshold}
    ComparisonOperator: GreaterThanThreshold
    TreatMissingData: notBreaching
    AlarmActions: ['\${function:watch-notify}']
    Tags: [{ Key: team, Value: data }]
  - AlarmName: watch-error-rate
    EvaluationPeriods: 1
    Threshold: 0.5
    ComparisonOperator: GreaterThanThreshold
    Metrics:
      - Id: rate
        Expression: errors / invocations
      - Id: errors
        MetricStat: { Metric: { Namespace: AWS/Lambda, MetricName: Errors }, Period: 300, Stat: Sum }
        ReturnData: false
      - Id: invocations
        MetricStat: { Metric: { Namespace: AWS/Lambda, MetricName: Invocations }, Period: 300, Stat: Sum }
        ReturnData: false
  - AlarmName: watch-any
    AlarmRule: ALARM("watch-errors") OR ALARM("watch-error-rate")
dashboards:
  - DashboardName: watch
    DashboardBody:
      widgets:
        - { type: metric, x: 0, y: 0, width: 12, height: 6, properties: { region: us-east-1, stat: Sum, period: 60, metrics: [[AWS/Lambda, Errors, FunctionName, watch-notify]] } }
${extra}`;

describe('alarms and dashboards in pipeline files', () => {
  let server: FreshetServer;
  let clients: FreshetClients;
  let dir: string;
  before(async () => {
    server = await startServer({ port: 0, storage: 'memory', createDelayMs: 0 });
    clients = createClients({ endpoint: server.url, maxAttempts: 1 });
    dir = mkdtempSync(join(tmpdir(), 'freshet-monitoring-'));
    mkdirSync(join(dir, 'notify'));
    writeFileSync(join(dir, 'notify', 'index.mjs'), 'export const handler = async () => "ok";\n');
  });
  after(async () => {
    clients.destroy();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reports a typo in an alarm or a dashboard at its line, checked against CloudWatch's model", () => {
    const bad = yaml(1).replace('    Threshold: 1\n', '    Treshold: 1\n').replace('    DashboardBody:', '    DashboardBdy: x\n    DashboardBody:');
    assert.throws(
      () => parsePipeline(bad, 'freshet.yaml'),
      (e: unknown) => {
        assert.ok(e instanceof PipelineError);
        const text = e.problems.join('\n');
        assert.match(text, /^freshet\.yaml:16:5: alarms\[0\]\.Treshold: unknown member of PutMetricAlarmInput; did you mean Threshold\?$/m);
        assert.match(text, /^freshet\.yaml:38:5: dashboards\[0\]\.DashboardBdy: unknown member of PutDashboardInput; did you mean DashboardBody\?$/m);
        assert.equal(e.problems.length, 2);
        return true;
      },
    );
    assert.throws(() => parsePipeline(`${yaml(1)}  - DashboardName: watch\n    DashboardBody: '{}'\n`, 'freshet.yaml'), /dashboard 'watch' is declared twice/);
  });

  it('up creates the alarms (tagged, actions resolved) and the dashboard; diff then shows nothing; a change is an update; down deletes them', async () => {
    const file = join(dir, 'freshet.yaml');
    const stateDir = join(dir, '.freshet');
    writeFileSync(file, yaml(1));
    const done = await applyUp(loadPipeline(file), clients, { stateDir });
    assert.deepEqual(
      done.map((c) => `${c.resource}:${c.name}:${c.action}`),
      ['function:watch-notify:create', 'alarm:watch-errors:create', 'alarm:watch-error-rate:create', 'alarm:watch-any:create', 'dashboard:watch:create'],
    );
    const described = await (await clients.cloudwatch()).send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: 'watch', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
    );
    const errors = described.MetricAlarms!.find((a) => a.AlarmName === 'watch-errors')!;
    assert.deepEqual(errors.AlarmActions, ['arn:aws:lambda:us-east-1:000000000000:function:watch-notify']);
    assert.equal(errors.DatapointsToAlarm, 3);
    assert.equal(errors.TreatMissingData, 'notBreaching');
    assert.equal(described.MetricAlarms!.find((a) => a.AlarmName === 'watch-error-rate')!.Metrics!.length, 3);
    assert.equal(described.CompositeAlarms![0]!.AlarmRule, 'ALARM("watch-errors") OR ALARM("watch-error-rate")');
    const { ListTagsForResourceCommand } = await import('@aws-sdk/client-cloudwatch');
    const tags = await (await clients.cloudwatch()).send(new ListTagsForResourceCommand({ ResourceARN: errors.AlarmArn }));
    assert.deepEqual(tags.Tags?.map((t) => `${t.Key}=${t.Value}`).sort(), ['freshet:pipeline=watch', 'team=data']);
    const board = await (await clients.cloudwatch()).send(new GetDashboardCommand({ DashboardName: 'watch' }));
    assert.equal(JSON.parse(board.DashboardBody!).widgets[0].properties.metrics[0][1], 'Errors');

    const again = await planUp(loadPipeline(file), clients, { stateDir });
    assert.deepEqual(
      again.map((c) => c.action),
      again.map(() => 'unchanged'),
    );

    writeFileSync(file, yaml(4).replace('stat: Sum, period: 60', 'stat: Sum, period: 300'));
    const changed = await planUp(loadPipeline(file), clients, { stateDir });
    const alarm = changed.find((c) => c.name === 'watch-errors')!;
    assert.equal(alarm.action, 'update');
    assert.deepEqual(alarm.details, ['Threshold: 1 → 4']);
    assert.equal(changed.find((c) => c.resource === 'dashboard')!.action, 'update');
    await applyUp(loadPipeline(file), clients, { stateDir });
    const updated = await (await clients.cloudwatch()).send(new DescribeAlarmsCommand({ AlarmNames: ['watch-errors'] }));
    assert.equal(updated.MetricAlarms![0]!.Threshold, 4);

    // An alarm of the same name this pipeline did not create is kept by down.
    await (await clients.cloudwatch()).send(
      new PutMetricAlarmCommand({
        AlarmName: 'watch-foreign',
        Namespace: 'X',
        MetricName: 'Y',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    writeFileSync(
      file,
      yaml(4).replace(
        'alarms:\n',
        'alarms:\n  - { AlarmName: watch-foreign, Namespace: X, MetricName: Y, Statistic: Sum, Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: GreaterThanThreshold }\n',
      ),
    );
    const removed = await applyDown(loadPipeline(file), clients, { stateDir });
    assert.deepEqual(
      removed.map((c) => `${c.resource}:${c.name}:${c.action}`),
      [
        'dashboard:watch:delete',
        'alarm:watch-any:delete',
        'alarm:watch-foreign:keep',
        'alarm:watch-errors:delete',
        'alarm:watch-error-rate:delete',
        'function:watch-notify:delete',
      ],
    );
    const left = await (await clients.cloudwatch()).send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: 'watch', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
    );
    assert.deepEqual(
      [...(left.MetricAlarms ?? []), ...(left.CompositeAlarms ?? [])].map((a) => a.AlarmName),
      ['watch-foreign'],
    );
    assert.deepEqual((await (await clients.cloudwatch()).send(new ListDashboardsCommand({}))).DashboardEntries, []);
  });

  it("fails up with CloudWatch's validation message for a bad dashboard body", async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'name: bad-board\ndashboards:\n  - DashboardName: bad\n    DashboardBody:\n      widgets:\n        - { type: metric, properties: {} }\n',
    );
    await assert.rejects(applyUp(loadPipeline(file), clients, { stateDir: join(dir, '.bad') }), (e: unknown) => {
      assert.ok(e instanceof ApplyError);
      assert.deepEqual(e.failed, { resource: 'dashboard', name: 'bad' });
      assert.match(String((e.cause as Error).message), /dashboard|widget|metrics/i);
      return true;
    });
  });
});
