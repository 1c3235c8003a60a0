/**
 * Flink's built-in scalar functions as Freshet plans them: argument counts,
 * argument checks, result types, and the runtime function each becomes
 * (src/sql/runtime/functions.ts and flink-functions.ts). Aggregate and
 * window function names are listed here too.
 */
import { SqlError } from '../../errors.ts';
import type { PExpr } from '../../plan/plan.ts';
import type { SqlType } from '../../plan/types.ts';
import { isDatetime, isNumeric } from '../../plan/types.ts';
import type { Expr } from '../ast.ts';
import { lit } from './relation.ts';
import { FT, commonType, flinkType, isText } from './types.ts';

export interface FnSpec {
  min: number;
  max: number;
  plan: (args: PExpr[], e: Extract<Expr, { kind: 'call' }>, ctx: unknown) => PExpr;
}

const call = (fn: string, args: PExpr[], t: SqlType): PExpr => ({ k: 'call', fn, args, t });
const text = (p: PExpr): PExpr => (isText(p.t) || p.t.name === 'NULL' ? p : call('fText', [p, lit(JSON.stringify(p.t), FT.STRING)], FT.STRING));

function simple(runtime: string, min: number, max: number, type: SqlType | ((args: PExpr[]) => SqlType), conv?: (a: PExpr, i: number) => PExpr): FnSpec {
  return { min, max, plan: (args) => call(runtime, conv ? args.map(conv) : args, typeof type === 'function' ? type(args) : type) };
}

function numeric(runtime: string, n = 1, type: SqlType | 'same' = FT.DOUBLE): FnSpec {
  return {
    min: n,
    max: n,
    plan: (args, e) => {
      args.forEach((a, i) => {
        if (!isNumeric(a.t)) throw new SqlError(`${e.name} needs a number, but argument ${i + 1} is ${flinkType(a.t)}`, e.args[i]!.pos);
      });
      return call(runtime, args, type === 'same' ? args[0]!.t : type);
    },
  };
}

const same = (args: PExpr[]): SqlType => args[0]?.t ?? FT.ANY;

function common(name: string) {
  return (args: PExpr[]): SqlType => {
    let t: SqlType = FT.NULL;
    for (const a of args) {
      const c = commonType(t, a.t);
      if (!c) throw new SqlError(`${name}: arguments of types ${flinkType(t)} and ${flinkType(a.t)} have no common type`, { line: 0, column: 0 });
      t = c;
    }
    return t;
  };
}

/**
 * A collection function: its first argument (every argument when `all`) must be an ARRAY or MAP (`kind`) or
 * NULL, else Flink's 'Invalid input arguments' with the signature.
 */
function collection(
  runtime: string,
  signature: string,
  min: number,
  max: number,
  kind: 'ARRAY' | 'MAP',
  type: (args: PExpr[]) => SqlType,
  all = false,
): FnSpec {
  return {
    min,
    max,
    plan: (args, e) => {
      args.forEach((a, i) => {
        if ((i === 0 || all) && a.t.name !== kind && a.t.name !== 'NULL' && a.t.name !== 'ANY')
          throw new SqlError(`Invalid input arguments. Expected signatures are: ${signature}`, e.args[i]!.pos);
      });
      return call(runtime, args, type(args));
    },
  };
}

/** ARRAY_APPEND / ARRAY_PREPEND: the array's type, its element type widened to take the new element. */
function withElement(args: PExpr[]): SqlType {
  const t = args[0]!.t;
  const el = commonType(t.element ?? FT.NULL, args[1]!.t) ?? t.element ?? FT.ANY;
  return { name: 'ARRAY', element: el };
}

function timeArg(name: string): FnSpec {
  return {
    min: 1,
    max: 1,
    plan: (args, e) => {
      if (!isDatetime(args[0]!.t) && args[0]!.t.name !== 'NULL')
        throw new SqlError(`${name} needs a TIMESTAMP or DATE, got ${flinkType(args[0]!.t)}`, e.args[0]!.pos);
      return call(
        'extract',
        [lit(name === 'DAYOFMONTH' ? 'DAY' : name === 'DAYOFYEAR' ? 'DOY' : name === 'DAYOFWEEK' ? 'DOW' : name, FT.STRING), args[0]!],
        FT.BIGINT,
      );
    },
  };
}

const NOW: PExpr = call('now', [], FT.TIMESTAMP_LTZ3);

export const FUNCTIONS: Record<string, FnSpec> = {
  // conditional
  COALESCE: simple('coalesce', 1, Infinity, common('COALESCE')),
  IFNULL: simple('coalesce', 2, 2, common('IFNULL')),
  NULLIF: simple('nullif', 2, 2, same),
  IF: {
    min: 3,
    max: 3,
    plan: (args, e) => {
      if (args[0]!.t.name !== 'BOOLEAN' && args[0]!.t.name !== 'NULL')
        throw new SqlError(`IF's condition must be BOOLEAN, got ${flinkType(args[0]!.t)}`, e.args[0]!.pos);
      const t = commonType(args[1]!.t, args[2]!.t);
      if (!t) throw new SqlError(`IF: ${flinkType(args[1]!.t)} and ${flinkType(args[2]!.t)} have no common type`, e.pos);
      return call('fIf', args, t);
    },
  },
  GREATEST: simple('greatest', 1, Infinity, common('GREATEST')),
  LEAST: simple('least', 1, Infinity, common('LEAST')),
  // strings
  CHAR_LENGTH: simple('charLength', 1, 1, FT.INT, text),
  CHARACTER_LENGTH: simple('charLength', 1, 1, FT.INT, text),
  LENGTH: simple('charLength', 1, 1, FT.INT, text),
  UPPER: simple('upper', 1, 1, FT.STRING),
  LOWER: simple('lower', 1, 1, FT.STRING),
  INITCAP: simple('initcap', 1, 1, FT.STRING),
  SUBSTRING: simple('substring', 2, 3, FT.STRING, (a, i) => (i === 0 ? text(a) : a)),
  SUBSTR: simple('substring', 2, 3, FT.STRING, (a, i) => (i === 0 ? text(a) : a)),
  CONCAT: simple('fConcat', 1, Infinity, FT.STRING, text),
  CONCAT_WS: simple('concatWs', 1, Infinity, FT.STRING, text),
  LPAD: simple('lpad', 3, 3, FT.STRING),
  RPAD: simple('rpad', 3, 3, FT.STRING),
  REPEAT: simple('repeat', 2, 2, FT.STRING),
  REPLACE: simple('replace', 3, 3, FT.STRING),
  REVERSE: simple('reverse', 1, 1, FT.STRING),
  LEFT: simple('left', 2, 2, FT.STRING),
  RIGHT: simple('right', 2, 2, FT.STRING),
  LTRIM: simple('ltrim', 1, 1, FT.STRING),
  RTRIM: simple('rtrim', 1, 1, FT.STRING),
  BTRIM: simple('btrim', 1, 1, FT.STRING),
  SPLIT_INDEX: simple('splitIndex', 3, 3, FT.STRING),
  REGEXP_EXTRACT: simple('regexpExtract', 2, 3, FT.STRING),
  REGEXP_REPLACE: simple('regexpReplace', 3, 3, FT.STRING),
  REGEXP: simple('regexp', 2, 2, FT.BOOLEAN),
  REGEXP_COUNT: simple('regexpCount', 2, 2, FT.INT, text),
  REGEXP_EXTRACT_ALL: simple('regexpExtractAll', 2, 3, { name: 'ARRAY', element: FT.STRING }, (a, i) => (i < 2 ? text(a) : a)),
  REGEXP_INSTR: simple('regexpInstr', 2, 2, FT.INT, text),
  REGEXP_SUBSTR: simple('regexpSubstr', 2, 2, FT.STRING, text),
  STARTSWITH: simple('startsWith', 2, 2, FT.BOOLEAN, text),
  ENDSWITH: simple('endsWith', 2, 2, FT.BOOLEAN, text),
  TRANSLATE: simple('translate', 3, 3, FT.STRING, text),
  URL_ENCODE: simple('urlEncode', 1, 1, FT.STRING, text),
  URL_DECODE: simple('urlDecode', 1, 1, FT.STRING, text),
  JSON_QUOTE: simple('jsonQuote', 1, 1, FT.STRING, text),
  JSON_UNQUOTE: simple('jsonUnquote', 1, 1, FT.STRING, text),
  LOCATE: simple('locate', 2, 3, FT.INT),
  INSTR: simple('instr', 2, 2, FT.INT),
  POSITION: simple('locate', 2, 2, FT.INT),
  OVERLAY: simple('overlay', 3, 4, FT.STRING),
  ASCII: simple('ascii', 1, 1, FT.INT),
  CHR: simple('chr', 1, 1, FT.STRING),
  TO_BASE64: simple('toBase64', 1, 1, FT.STRING),
  FROM_BASE64: simple('fromBase64', 1, 1, FT.STRING),
  MD5: simple('md5', 1, 1, FT.STRING, text),
  SHA1: simple('sha1', 1, 1, FT.STRING, text),
  SHA256: simple('sha256', 1, 1, FT.STRING, text),
  SHA2: simple('sha2', 2, 2, FT.STRING, (a, i) => (i === 0 ? text(a) : a)),
  HEX: simple('hex', 1, 1, FT.STRING),
  BIN: simple('bin', 1, 1, FT.STRING),
  UUID: simple('uuid', 0, 0, FT.STRING),
  STR_TO_MAP: simple('strToMap', 1, 3, { name: 'MAP', key: FT.STRING, value: FT.STRING }),
  PARSE_URL: simple('parseUrl', 2, 3, FT.STRING),
  // math
  ABS: numeric('abs', 1, 'same'),
  MOD: {
    min: 2,
    max: 2,
    plan: (args) => call('fMod', args, args[1]!.t.name === 'NULL' ? args[0]!.t : args[0]!.t),
  },
  POWER: numeric('power', 2),
  POW: numeric('power', 2),
  SQRT: numeric('sqrt'),
  EXP: numeric('exp'),
  LN: numeric('ln'),
  LOG10: numeric('log10'),
  LOG2: numeric('log2'),
  LOG: {
    min: 1,
    max: 2,
    plan: (args) => (args.length === 1 ? call('ln', args, FT.DOUBLE) : call('logBase', args, FT.DOUBLE)),
  },
  CEIL: numeric('ceil', 1, 'same'),
  CEILING: numeric('ceil', 1, 'same'),
  FLOOR: numeric('floor', 1, 'same'),
  ROUND: {
    min: 1,
    max: 2,
    plan: (args) => call('fRound', args, args[0]!.t),
  },
  TRUNCATE: {
    min: 1,
    max: 2,
    plan: (args) => call('truncate', args, args[0]!.t),
  },
  SIGN: numeric('sign', 1, 'same'),
  PI: simple('pi', 0, 0, FT.DOUBLE),
  E: simple('e', 0, 0, FT.DOUBLE),
  RAND: simple('rand', 0, 1, FT.DOUBLE, (a) => a),
  RAND_INTEGER: simple('randInteger', 1, 2, FT.INT),
  DEGREES: numeric('degrees'),
  RADIANS: numeric('radians'),
  SIN: numeric('sin'),
  COS: numeric('cos'),
  TAN: numeric('tan'),
  ASIN: numeric('asin'),
  ACOS: numeric('acos'),
  ATAN: numeric('atan'),
  ATAN2: numeric('atan2', 2),
  COT: numeric('cot'),
  SINH: numeric('sinh'),
  COSH: numeric('cosh'),
  TANH: numeric('tanh'),
  // temporal
  NOW: { min: 0, max: 0, plan: () => NOW },
  CURRENT_TIMESTAMP: { min: 0, max: 0, plan: () => NOW },
  CURRENT_ROW_TIMESTAMP: { min: 0, max: 0, plan: () => NOW },
  LOCALTIMESTAMP: { min: 0, max: 0, plan: () => call('now', [], FT.TIMESTAMP3) },
  CURRENT_DATE: simple('currentDate', 0, 0, FT.DATE),
  CURRENT_TIME: simple('currentTime', 0, 0, FT.TIME),
  LOCALTIME: simple('currentTime', 0, 0, FT.TIME),
  PROCTIME: { min: 0, max: 0, plan: () => call('now', [], FT.TIMESTAMP_LTZ3) },
  CURRENT_WATERMARK: {
    min: 1,
    max: 1,
    plan: (args, e) => {
      if (args[0]!.t.name !== 'TIMESTAMP') throw new SqlError('CURRENT_WATERMARK needs the rowtime attribute of the table', e.args[0]!.pos);
      return call('currentWatermark', [], { ...args[0]!.t });
    },
  },
  DATE_FORMAT: simple('dateFormat', 2, 2, FT.STRING),
  TO_TIMESTAMP: {
    min: 1,
    max: 2,
    plan: (args, e) => {
      if (!isText(args[0]!.t) && args[0]!.t.name !== 'NULL')
        throw new SqlError(`TO_TIMESTAMP needs text, got ${flinkType(args[0]!.t)}; for epoch numbers use TO_TIMESTAMP_LTZ(n, 3)`, e.args[0]!.pos);
      return call('toTimestampStr', args, FT.TIMESTAMP3);
    },
  },
  TO_TIMESTAMP_LTZ: simple('toTimestampLtz', 1, 2, FT.TIMESTAMP_LTZ3),
  TO_DATE: simple('toDate', 1, 2, FT.DATE),
  FROM_UNIXTIME: simple('fromUnixtime', 1, 2, FT.STRING),
  UNIX_TIMESTAMP: { min: 0, max: 2, plan: (args) => call('unixSeconds', [NOW, ...args], FT.BIGINT) },
  CONVERT_TZ: simple('convertTz', 3, 3, FT.STRING),
  YEAR: timeArg('YEAR'),
  QUARTER: timeArg('QUARTER'),
  MONTH: timeArg('MONTH'),
  WEEK: timeArg('WEEK'),
  DAYOFYEAR: timeArg('DAYOFYEAR'),
  DAYOFMONTH: timeArg('DAYOFMONTH'),
  DAYOFWEEK: timeArg('DAYOFWEEK'),
  HOUR: timeArg('HOUR'),
  MINUTE: timeArg('MINUTE'),
  SECOND: timeArg('SECOND'),
  // JSON
  JSON_STRING: simple('jsonString', 1, 1, FT.STRING),
  // collections
  CARDINALITY: simple('cardinality', 1, 1, FT.INT),
  ELEMENT: { min: 1, max: 1, plan: (args) => call('element', args, args[0]!.t.element ?? FT.ANY) },
  ARRAY_CONTAINS: simple('arrayContains', 2, 2, FT.BOOLEAN),
  ARRAY_DISTINCT: collection('arrayDistinct', 'ARRAY_DISTINCT(haystack <ARRAY>)', 1, 1, 'ARRAY', same),
  ARRAY_POSITION: collection('arrayPosition', 'ARRAY_POSITION(haystack <ARRAY>, needle <ARRAY ELEMENT>)', 2, 2, 'ARRAY', () => FT.INT),
  ARRAY_REMOVE: collection('arrayRemove', 'ARRAY_REMOVE(haystack <ARRAY>, needle <ARRAY ELEMENT>)', 2, 2, 'ARRAY', same),
  ARRAY_REVERSE: collection('arrayReverse', 'ARRAY_REVERSE(haystack <ARRAY>)', 1, 1, 'ARRAY', same),
  ARRAY_APPEND: collection('arrayAppend', 'ARRAY_APPEND(array <ARRAY>, element <ARRAY ELEMENT>)', 2, 2, 'ARRAY', withElement),
  ARRAY_PREPEND: collection('arrayPrepend', 'ARRAY_PREPEND(array <ARRAY>, element <ARRAY ELEMENT>)', 2, 2, 'ARRAY', withElement),
  ARRAY_CONCAT: collection('arrayConcat', 'ARRAY_CONCAT(<ARRAY>, <ARRAY>...)', 1, 255, 'ARRAY', same, true),
  ARRAY_UNION: collection('arrayUnion', 'ARRAY_UNION(<ARRAY>, <ARRAY>)', 2, 2, 'ARRAY', same, true),
  ARRAY_MAX: collection('arrayMax', 'ARRAY_MAX(<ARRAY>)', 1, 1, 'ARRAY', (args) => args[0]!.t.element ?? FT.ANY),
  ARRAY_MIN: collection('arrayMin', 'ARRAY_MIN(<ARRAY>)', 1, 1, 'ARRAY', (args) => args[0]!.t.element ?? FT.ANY),
  ARRAY_SLICE: collection('arraySlice', 'ARRAY_SLICE(array <ARRAY>, start <INTEGER>[, end <INTEGER>])', 2, 3, 'ARRAY', same),
  ARRAY_SORT: collection('arraySort', 'ARRAY_SORT(array <ARRAY>[, ascending_order <BOOLEAN>[, null_first <BOOLEAN>]])', 1, 3, 'ARRAY', same),
  ARRAY_JOIN: collection('arrayJoin', 'ARRAY_JOIN(array <ARRAY>, delimiter <STRING>[, nullReplacement <STRING>])', 2, 3, 'ARRAY', () => FT.STRING),
  MAP_KEYS: collection('mapKeys', 'MAP_KEYS(<MAP>)', 1, 1, 'MAP', (args) => ({ name: 'ARRAY', element: args[0]!.t.key ?? FT.ANY })),
  MAP_VALUES: collection('mapValues', 'MAP_VALUES(<MAP>)', 1, 1, 'MAP', (args) => ({ name: 'ARRAY', element: args[0]!.t.value ?? FT.ANY })),
  MAP_ENTRIES: collection('mapEntries', 'MAP_ENTRIES(<MAP>)', 1, 1, 'MAP', (args) => ({
    name: 'ARRAY',
    element: {
      name: 'ROW',
      fields: [
        { name: 'key', type: args[0]!.t.key ?? FT.ANY },
        { name: 'value', type: args[0]!.t.value ?? FT.ANY },
      ],
    },
  })),
  MAP_FROM_ARRAYS: collection(
    'mapFromArrays',
    'MAP_FROM_ARRAYS(<ARRAY>, <ARRAY>)',
    2,
    2,
    'ARRAY',
    (args) => ({
      name: 'MAP',
      key: args[0]!.t.element ?? FT.ANY,
      value: args[1]!.t.element ?? FT.ANY,
    }),
    true,
  ),
  SPLIT: simple('split', 2, 2, { name: 'ARRAY', element: FT.STRING }, text),
  IS_ALPHA: simple('isAlpha', 1, 1, FT.BOOLEAN, text),
  IS_DIGIT: simple('isDigit', 1, 1, FT.BOOLEAN, text),
  IS_DECIMAL: simple('isDecimal', 1, 1, FT.BOOLEAN, text),
};

export const AGGREGATES = new Set([
  'COUNT',
  'SUM',
  'SUM0',
  'AVG',
  'MIN',
  'MAX',
  'FIRST_VALUE',
  'LAST_VALUE',
  'STDDEV_POP',
  'STDDEV_SAMP',
  'STDDEV',
  'VAR_POP',
  'VAR_SAMP',
  'VARIANCE',
  'LISTAGG',
]);

/** Functions valid only with OVER. */
export const WINDOW_FUNCTIONS = new Set(['ROW_NUMBER', 'RANK', 'DENSE_RANK', 'LAG', 'LEAD']);

/** Names for `SHOW FUNCTIONS`. */
export function functionNames(): string[] {
  return [
    ...Object.keys(FUNCTIONS),
    ...AGGREGATES,
    ...WINDOW_FUNCTIONS,
    'JSON_VALUE',
    'JSON_QUERY',
    'JSON_EXISTS',
    'JSON_OBJECT',
    'JSON_ARRAY',
    'CAST',
    'TRY_CAST',
    'EXTRACT',
    'TIMESTAMPADD',
    'TIMESTAMPDIFF',
  ].sort();
}
