/**
 * Metric alarm evaluation over one evaluation range, as the CloudWatch User
 * Guide's "Evaluating an alarm" and "How alarm state is evaluated when data is
 * missing" define it:
 *
 * - CloudWatch reads more datapoints than EvaluationPeriods (N): the
 *   evaluation range (N + 2 periods here; AWS's exact number is undocumented,
 *   its examples use 5 for N = 3).
 * - If the range holds at least N real datapoints, the N most recent real ones
 *   are evaluated (older ones in the range included when newer are missing),
 *   and TreatMissingData does not matter: ALARM if at least M
 *   (DatapointsToAlarm) breach, else OK.
 * - Otherwise every real datapoint in the range is evaluated and the missing
 *   ones are used as few times as possible:
 *   - breaching / notBreaching: N − (real count) missing datapoints are filled
 *     as breaching / not breaching; ALARM if at least M breach, else OK;
 *   - missing: ALARM if at least M real ones breach; else OK if any real one
 *     does not breach; else ALARM if the oldest breaching datapoint is at least
 *     M periods old with only breaching or missing datapoints after it (the
 *     "premature alarm state" rule); else INSUFFICIENT_DATA;
 *   - ignore: as missing, but without the premature rule, and keeping the
 *     current state where missing would say INSUFFICIENT_DATA.
 *
 * This reproduces every row of the User Guide's two example tables (tested in
 * test/metrics/alarm-evaluation.test.ts).
 */
export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export type TreatMissingData = 'missing' | 'notBreaching' | 'breaching' | 'ignore';

export const COMPARISON_OPERATORS = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
  'LessThanLowerOrGreaterThanUpperThreshold',
  'LessThanLowerThreshold',
  'GreaterThanUpperThreshold',
] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

export function isBandOperator(op: ComparisonOperator): boolean {
  return op === 'LessThanLowerOrGreaterThanUpperThreshold' || op === 'LessThanLowerThreshold' || op === 'GreaterThanUpperThreshold';
}

/** One datapoint of the range; `lower`/`upper` carry the band for anomaly-detection alarms. */
export interface EvalPoint {
  timestampMs: number;
  value: number;
  sampleCount: number;
  lower?: number;
  upper?: number;
}

export function breaches(op: ComparisonOperator, p: EvalPoint, threshold: number): boolean {
  switch (op) {
    case 'GreaterThanOrEqualToThreshold':
      return p.value >= threshold;
    case 'GreaterThanThreshold':
      return p.value > threshold;
    case 'LessThanThreshold':
      return p.value < threshold;
    case 'LessThanOrEqualToThreshold':
      return p.value <= threshold;
    case 'LessThanLowerOrGreaterThanUpperThreshold':
      return p.value < (p.lower ?? Number.NEGATIVE_INFINITY) || p.value > (p.upper ?? Number.POSITIVE_INFINITY);
    case 'LessThanLowerThreshold':
      return p.value < (p.lower ?? Number.NEGATIVE_INFINITY);
    case 'GreaterThanUpperThreshold':
      return p.value > (p.upper ?? Number.POSITIVE_INFINITY);
  }
}

export function evaluationRange(evaluationPeriods: number): number {
  return evaluationPeriods + 2;
}

export interface WindowResult {
  /** The new state, or null to keep the current one (ignore). */
  state: AlarmStateValue | null;
  /** Real datapoints evaluated, oldest first, with whether each breached. */
  evaluated: Array<{ point: EvalPoint; breaching: boolean }>;
  /** Missing datapoints filled in with TreatMissingData (breaching / notBreaching). */
  filled: number;
  /** Breaching count among evaluated datapoints, fills included. */
  breachingCount: number;
  /** How the state was reached, for the state reason. */
  reason: 'threshold' | 'filled' | 'premature' | 'insufficient' | 'retained';
}

/**
 * Evaluates a range of datapoints (oldest first; null = missing). The range
 * should be `evaluationRange(N)` long and end with the latest period.
 */
export function evaluateWindow(
  points: ReadonlyArray<EvalPoint | null>,
  opts: { evaluationPeriods: number; datapointsToAlarm: number; treatMissingData: TreatMissingData; isBreaching: (p: EvalPoint) => boolean },
): WindowResult {
  const n = opts.evaluationPeriods;
  const m = opts.datapointsToAlarm;
  const real: Array<{ point: EvalPoint; breaching: boolean; age: number }> = [];
  points.forEach((p, i) => {
    if (p) real.push({ point: p, breaching: opts.isBreaching(p), age: points.length - i });
  });
  if (real.length >= n) {
    const evaluated = real.slice(real.length - n);
    const b = evaluated.filter((e) => e.breaching).length;
    return { state: b >= m ? 'ALARM' : 'OK', evaluated, filled: 0, breachingCount: b, reason: 'threshold' };
  }
  const realBreaching = real.filter((e) => e.breaching).length;
  const anyOk = real.some((e) => !e.breaching);
  const fill = n - real.length;
  switch (opts.treatMissingData) {
    case 'breaching':
    case 'notBreaching': {
      const b = realBreaching + (opts.treatMissingData === 'breaching' ? fill : 0);
      return { state: b >= m ? 'ALARM' : 'OK', evaluated: real, filled: fill, breachingCount: b, reason: 'filled' };
    }
    case 'missing':
    case 'ignore': {
      if (realBreaching >= m) return { state: 'ALARM', evaluated: real, filled: 0, breachingCount: realBreaching, reason: 'threshold' };
      if (anyOk) return { state: 'OK', evaluated: real, filled: 0, breachingCount: realBreaching, reason: 'threshold' };
      if (opts.treatMissingData === 'ignore') return { state: null, evaluated: real, filled: 0, breachingCount: realBreaching, reason: 'retained' };
      const oldestBreaching = real.find((e) => e.breaching);
      if (oldestBreaching && oldestBreaching.age >= m)
        return { state: 'ALARM', evaluated: real, filled: 0, breachingCount: realBreaching, reason: 'premature' };
      return { state: 'INSUFFICIENT_DATA', evaluated: real, filled: 0, breachingCount: realBreaching, reason: 'insufficient' };
    }
  }
}
