import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CloudWatchClient, PutMetricAlarmCommand, PutMetricDataCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { chart, parseDuration, periodFor } from '../../src/cli/commands/metrics.ts';
import { startTestServer, type TestServer } from './server-harness.ts';
import { runCli } from './run-cli.ts';
import { runCliInProcess } from './run-cli-in-process.ts';

let server: TestServer;
let cw: CloudWatchClient;
let env: Record<string, string>;

before(async () => {
  server = await startTestServer();
  env = { FRESHET_ENDPOINT: server.url };
  cw = new CloudWatchClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 's' }, maxAttempts: 1 });
});
after(async () => {
  cw.destroy();
  await server.close();
});

describe('freshet metrics', () => {
  it('charts each minute of a metric with its value, and lists the metrics without arguments', async () => {
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const values = [5, 10, 20];
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'Shop',
        MetricData: values.map((v, i) => ({
          MetricName: 'Orders',
          Dimensions: [{ Name: 'Store', Value: 'north' }],
          Timestamp: new Date(minute - (3 - i) * 60_000),
          Value: v,
          Unit: 'Count',
        })),
      }),
    );
    const r = await runCli(['metrics', 'Shop', 'Orders', '--dimension', 'Store=north', '--since', '5m', '--stat', 'Sum', '-o', 'table'], env);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^Shop Orders Store=north — Sum \(Count\) per 1 min, last 5m$/);
    const bars = lines.slice(1);
    const shown = bars.filter((l) => !l.endsWith('·')).map((l) => Number(l.split(/\s+/).at(-1)));
    assert.deepEqual(shown, values, r.stdout);
    const longest = bars.find((l) => l.endsWith(' 20'))!;
    assert.ok(longest.includes('█'.repeat(40)), 'the largest value draws the full bar');

    const list = await runCliInProcess(['metrics', '-o', 'table'], env);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^Shop {7}Orders {2}Store=north$/m);
  });

  it('says what to do when a flag is wrong or the server is not running', async () => {
    const bad = await runCliInProcess(['metrics', 'Shop', 'Orders', '--since', 'yesterday'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--since must be a duration such as 90s, 15m, 3h or 2d, got 'yesterday'/);
    const down = await runCliInProcess(['alarms', '--endpoint', 'http://127.0.0.1:9']);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot reach Freshet at http:\/\/127\.0\.0\.1:9 — start it with `npx freshet server`/);
  });

  it('fits the window in at most 60 bars of whole minutes, and leaves periods without data blank', () => {
    assert.equal(periodFor(parseDuration('15m')), 60);
    assert.equal(periodFor(parseDuration('1h')), 60);
    assert.equal(periodFor(parseDuration('3h')), 180);
    assert.equal(periodFor(parseDuration('2d')), 2880);
    const lines = chart([{ t: 120_000, v: 4 }], 0, 180_000, 60);
    assert.deepEqual(
      lines.map((l) => l.slice(0, 5)),
      ['00:00', '00:01', '00:02'],
    );
    assert.ok(lines[0]!.endsWith('·') && lines[1]!.endsWith('·') && lines[2]!.endsWith(' 4'));
  });
});

describe('freshet alarms', () => {
  it('lists alarms with ALARM first, their type, state and reason, and filters by state', async () => {
    for (const name of ['cpu-high', 'orders-low']) {
      await cw.send(
        new PutMetricAlarmCommand({
          AlarmName: name,
          Namespace: 'Shop',
          MetricName: 'Orders',
          Statistic: 'Sum',
          // A day: evaluated at midnight only, so no evaluation (no data → INSUFFICIENT_DATA) undoes the SetAlarmState
          // below while the CLI starts (a 60 s period failed that way whenever a minute boundary fell in between).
          Period: 86_400,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'LessThanThreshold',
        }),
      );
    }
    await cw.send(new SetAlarmStateCommand({ AlarmName: 'orders-low', StateValue: 'ALARM', StateReason: 'testing the listing' }));
    const r = await runCliInProcess(['alarms', '-o', 'table'], env);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^STATE\s+ALARM\s+TYPE\s+SINCE\s+REASON$/);
    assert.match(lines[1]!, /^ALARM\s+orders-low\s+metric\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+testing the listing$/);
    assert.match(lines[2]!, /^INSUFFICIENT_DATA\s+cpu-high\s+metric\s/);
    const only = await runCliInProcess(['alarms', '--state', 'alarm', '--json'], env);
    assert.equal(only.code, 0, only.stderr);
    assert.deepEqual(
      (JSON.parse(only.stdout) as Array<{ name: string }>).map((a) => a.name),
      ['orders-low'],
    );
  });
});
