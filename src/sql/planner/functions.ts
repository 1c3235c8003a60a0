/**
 * Scalar function catalog for the planner: argument counts and result types
 * of the KDA reference's functions, and the runtime function each maps to.
 */
import type { SqlType } from '../plan/types.ts';
import { T } from '../plan/types.ts';

export interface ScalarFn {
  runtime: string;
  min: number;
  max: number;
  type: (args: SqlType[]) => SqlType;
}

const same = (args: SqlType[]): SqlType => args[0] ?? T.ANY;
const fixed = (t: SqlType) => (): SqlType => t;

export const SCALAR_FUNCTIONS: Record<string, ScalarFn> = {
  CHAR_LENGTH: { runtime: 'charLength', min: 1, max: 1, type: fixed(T.INTEGER) },
  CHARACTER_LENGTH: { runtime: 'charLength', min: 1, max: 1, type: fixed(T.INTEGER) },
  UPPER: { runtime: 'upper', min: 1, max: 1, type: fixed(T.VARCHAR) },
  LOWER: { runtime: 'lower', min: 1, max: 1, type: fixed(T.VARCHAR) },
  INITCAP: { runtime: 'initcap', min: 1, max: 1, type: fixed(T.VARCHAR) },
  SUBSTRING: { runtime: 'substring', min: 2, max: 3, type: fixed(T.VARCHAR) },
  SUBSTR: { runtime: 'substring', min: 2, max: 3, type: fixed(T.VARCHAR) },
  REGEX_REPLACE: { runtime: 'regexReplace', min: 3, max: 5, type: fixed(T.VARCHAR) },
  COALESCE: { runtime: 'coalesce', min: 1, max: 64, type: same },
  NULLIF: { runtime: 'nullif', min: 2, max: 2, type: same },
  ABS: { runtime: 'abs', min: 1, max: 1, type: same },
  FLOOR: { runtime: 'floor', min: 1, max: 1, type: same },
  CEIL: { runtime: 'ceil', min: 1, max: 1, type: same },
  CEILING: { runtime: 'ceil', min: 1, max: 1, type: same },
  EXP: { runtime: 'exp', min: 1, max: 1, type: fixed(T.DOUBLE) },
  LN: { runtime: 'ln', min: 1, max: 1, type: fixed(T.DOUBLE) },
  LOG10: { runtime: 'log10', min: 1, max: 1, type: fixed(T.DOUBLE) },
  POWER: { runtime: 'power', min: 2, max: 2, type: fixed(T.DOUBLE) },
  SQRT: { runtime: 'sqrt', min: 1, max: 1, type: fixed(T.DOUBLE) },
  ROUND: { runtime: 'round', min: 1, max: 2, type: same },
  MOD: { runtime: 'mod', min: 2, max: 2, type: same },
  TSDIFF: { runtime: 'tsdiff', min: 2, max: 2, type: fixed(T.BIGINT) },
  UNIX_TIMESTAMP: { runtime: 'unixTimestamp', min: 1, max: 1, type: fixed(T.BIGINT) },
  TO_TIMESTAMP: { runtime: 'toTimestamp', min: 1, max: 1, type: fixed(T.TIMESTAMP) },
  CHAR_TO_TIMESTAMP: { runtime: 'charToTimestamp', min: 2, max: 2, type: fixed(T.TIMESTAMP) },
  TIMESTAMP_TO_CHAR: { runtime: 'timestampToChar', min: 2, max: 2, type: fixed(T.VARCHAR) },
  CHAR_TO_DATE: { runtime: 'charToDate', min: 2, max: 2, type: fixed(T.DATE) },
  CHAR_TO_TIME: { runtime: 'charToTime', min: 2, max: 2, type: fixed(T.TIME) },
  DATE_TO_CHAR: { runtime: 'timestampToChar', min: 2, max: 2, type: fixed(T.VARCHAR) },
  TIME_TO_CHAR: { runtime: 'timestampToChar', min: 2, max: 2, type: fixed(T.VARCHAR) },
  CURRENT_DATE: { runtime: 'currentDate', min: 0, max: 0, type: fixed(T.DATE) },
  CURRENT_TIME: { runtime: 'currentTime', min: 0, max: 0, type: fixed(T.TIME) },
  LOCALTIME: { runtime: 'currentTime', min: 0, max: 0, type: fixed(T.TIME) },
  OVERLAY: { runtime: 'overlay', min: 3, max: 4, type: fixed(T.VARCHAR) },
  NUMBER_TO_CHAR: { runtime: 'numberToChar', min: 2, max: 2, type: fixed(T.VARCHAR) },
  CURRENT_ROW_TIMESTAMP: { runtime: 'now', min: 0, max: 0, type: fixed(T.TIMESTAMP) },
  CURRENT_TIMESTAMP: { runtime: 'now', min: 0, max: 0, type: fixed(T.TIMESTAMP) },
  LOCALTIMESTAMP: { runtime: 'now', min: 0, max: 0, type: fixed(T.TIMESTAMP) },
  // KDA: MONOTONIC(x) returns x and declares it monotonic, so a streaming GROUP BY / ORDER BY can key on it.
  MONOTONIC: { runtime: 'monotonic', min: 1, max: 1, type: same },
};

export const AGGREGATE_FUNCTIONS = new Set([
  'COUNT',
  'SUM',
  'AVG',
  'MIN',
  'MAX',
  'FIRST_VALUE',
  'LAST_VALUE',
  'EXP_AVG',
  'LAG',
  'NTH_VALUE',
  'STDDEV_POP',
  'STDDEV_SAMP',
  'VAR_POP',
  'VAR_SAMP',
]);
/** Analytic-only functions: valid with OVER, not in GROUP BY. */
export const ANALYTIC_ONLY = new Set(['LAG', 'NTH_VALUE']);

export const TABLE_FUNCTIONS = new Set([
  'RANDOM_CUT_FOREST',
  'RANDOM_CUT_FOREST_WITH_EXPLANATION',
  'TOP_K_ITEMS_TUMBLING',
  'COUNT_DISTINCT_ITEMS_TUMBLING',
  'HOTSPOTS',
  'GROUP_RANK',
]);
/** Named in the KDA reference but not implemented in Freshet yet (a clear error beats "unknown function"). Empty today. */
export const UNSUPPORTED_FUNCTIONS = new Set<string>([]);
