import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type AlarmStateValue, type EvalPoint, type TreatMissingData, evaluateWindow } from '../../src/metrics/alarms/evaluate.ts';

/**
 * The User Guide's tables ("How alarm state is evaluated when data is
 * missing"): five most recent datapoints, oldest first; 0 = not breaching,
 * X = breaching, - = missing. Columns: MISSING, IGNORE, BREACHING, NOT BREACHING;
 * "retain" = the alarm keeps its current state.
 */
type Row = [string, AlarmStateValue | 'retain', AlarmStateValue | 'retain', AlarmStateValue | 'retain', AlarmStateValue | 'retain'];

const THREE_OF_THREE: Row[] = [
  ['0 - X - X', 'OK', 'OK', 'OK', 'OK'],
  ['0 - - - -', 'OK', 'OK', 'OK', 'OK'],
  ['- - - - -', 'INSUFFICIENT_DATA', 'retain', 'ALARM', 'OK'],
  ['0 X X - X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
  ['- - X - -', 'ALARM', 'retain', 'ALARM', 'OK'],
  // Rows of earlier editions of the same page:
  ['- - - - X', 'INSUFFICIENT_DATA', 'retain', 'ALARM', 'OK'],
  ['X - - - -', 'ALARM', 'retain', 'ALARM', 'OK'],
];

const TWO_OF_THREE: Row[] = [
  ['0 - X - X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
  ['0 0 X 0 X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
  ['0 - X - -', 'OK', 'OK', 'ALARM', 'OK'],
  ['- - - - 0', 'OK', 'OK', 'ALARM', 'OK'],
  ['- - - X -', 'ALARM', 'retain', 'ALARM', 'OK'],
  // Earlier edition:
  ['- - - - X', 'INSUFFICIENT_DATA', 'retain', 'ALARM', 'OK'],
];

function points(row: string): Array<EvalPoint | null> {
  return row.split(' ').map((c, i) => (c === '-' ? null : { timestampMs: i * 300_000, value: c === 'X' ? 10 : 0, sampleCount: 1 }));
}

const MODES: TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];

function check(rows: Row[], datapointsToAlarm: number): void {
  for (const [data, ...expected] of rows) {
    MODES.forEach((mode, k) => {
      it(`${data} with TreatMissingData ${mode} → ${expected[k]}`, () => {
        const r = evaluateWindow(points(data), { evaluationPeriods: 3, datapointsToAlarm, treatMissingData: mode, isBreaching: (p) => p.value > 5 });
        assert.equal(r.state ?? 'retain', expected[k]);
      });
    });
  }
}

describe('Alarm evaluation: the User Guide table for 3 out of 3 datapoints', () => check(THREE_OF_THREE, 3));
describe('Alarm evaluation: the User Guide table for 2 out of 3 datapoints (M out of N)', () => check(TWO_OF_THREE, 2));

describe('Alarm evaluation details', () => {
  it('evaluates the most recent real datapoints, reaching back into the range past missing ones', () => {
    const r = evaluateWindow(points('X X - 0 -'), {
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: 'breaching',
      isBreaching: (p) => p.value > 5,
    });
    assert.equal(r.state, 'OK');
    assert.equal(r.filled, 0, 'enough real datapoints: missing data is not used');
    assert.deepEqual(
      r.evaluated.map((e) => e.breaching),
      [true, true, false],
    );
  });

  it('fills only the shortfall of real datapoints', () => {
    const r = evaluateWindow(points('0 - X - -'), {
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: 'breaching',
      isBreaching: (p) => p.value > 5,
    });
    assert.equal(r.filled, 1);
    assert.equal(r.breachingCount, 2);
    assert.equal(r.state, 'OK');
  });

  it('with one evaluation period, one breaching datapoint alarms and one good one clears', () => {
    const opts = { evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: 'missing' as const, isBreaching: (p: EvalPoint) => p.value > 5 };
    assert.equal(evaluateWindow(points('- - X'), opts).state, 'ALARM');
    assert.equal(evaluateWindow(points('X - 0'), opts).state, 'OK');
    assert.equal(evaluateWindow(points('- - -'), opts).state, 'INSUFFICIENT_DATA');
  });
});

/**
 * The same tables end to end: datapoints published through PutMetricData one per minute, the alarm
 * evaluated by the engine at the boundary after the fifth minute on a ManualClock. Each case starts
 * from a state set with SetAlarmState; "retain" cases run from OK and from ALARM and must keep each.
 */
describe('Alarm evaluation through the engine on a ManualClock (the User Guide tables)', () => {
  const T0 = Date.UTC(2021, 0, 31, 14, 0, 0);
  const run = async (data: string, m: number, mode: TreatMissingData, start: 'OK' | 'ALARM' = 'OK'): Promise<string> => {
    const { MetricsEngine } = await import('../../src/metrics/index.ts');
    const { MemoryStorage } = await import('../../src/storage/index.ts');
    const { ManualClock } = await import('../../src/core/index.ts');
    const clock = new ManualClock(T0 + 5 * 60_000);
    const e = await MetricsEngine.open({ clock, meta: new MemoryStorage().meta, evaluationDelayMs: 0 });
    try {
      data.split(' ').forEach((c, i) => {
        if (c !== '-') e.putMetricData('Table', [{ metricName: 'M', timestampMs: T0 + i * 60_000, value: c === 'X' ? 10 : 0 }]);
      });
      await e.alarms.putMetricAlarm({
        alarmName: 'a',
        namespace: 'Table',
        metricName: 'M',
        statistic: 'Maximum',
        periodSec: 60,
        evaluationPeriods: 3,
        datapointsToAlarm: m,
        threshold: 5,
        comparisonOperator: 'GreaterThanThreshold',
        treatMissingData: mode,
      });
      e.alarms.setAlarmState('a', start, 'the starting state');
      await e.alarms.evaluateNow('a', T0 + 5 * 60_000);
      const state = e.alarms.get('a')!.state;
      return state.value === start && state.reason === 'the starting state' ? 'retain' : state.value;
    } finally {
      await e.close();
    }
  };
  for (const [rows, m] of [
    [THREE_OF_THREE, 3],
    [TWO_OF_THREE, 2],
  ] as const) {
    for (const [data, ...expected] of rows) {
      MODES.forEach((mode, k) => {
        const want = expected[k]!;
        it(`${m} of 3: ${data} with ${mode} → ${want}`, async () => {
          if (want === 'retain') {
            assert.equal(await run(data, m, mode, 'OK'), 'retain');
            assert.equal(await run(data, m, mode, 'ALARM'), 'retain');
            return;
          }
          // Start from the other side of the expected state, so reaching it is a real transition.
          const got = await run(data, m, mode, want === 'ALARM' ? 'OK' : 'ALARM');
          assert.equal(got, want);
        });
      });
    }
  }
});
