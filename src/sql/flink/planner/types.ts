/**
 * Flink's names and rules for types: how Flink prints a type (`STRING`,
 * `INT`, `TIMESTAMP(3)`, `TIMESTAMP_LTZ(3)`), which types compare and
 * combine, what a query column may be written into, and aggregate result
 * types (SUM and AVG of an INT are INT in Flink).
 */
import type { SqlType } from '../../plan/types.ts';
import { isDatetime, isIntegral, isNumeric } from '../../plan/types.ts';

export const FT = {
  STRING: { name: 'VARCHAR' } as SqlType,
  INT: { name: 'INTEGER' } as SqlType,
  BIGINT: { name: 'BIGINT' } as SqlType,
  DOUBLE: { name: 'DOUBLE' } as SqlType,
  FLOAT: { name: 'REAL' } as SqlType,
  BOOLEAN: { name: 'BOOLEAN' } as SqlType,
  TIMESTAMP3: { name: 'TIMESTAMP', precision: 3 } as SqlType,
  TIMESTAMP_LTZ3: { name: 'TIMESTAMP', precision: 3, ltz: true } as SqlType,
  DATE: { name: 'DATE' } as SqlType,
  TIME: { name: 'TIME' } as SqlType,
  INTERVAL: { name: 'INTERVAL' } as SqlType,
  NULL: { name: 'NULL' } as SqlType,
  ANY: { name: 'ANY' } as SqlType,
  BYTES: { name: 'BYTES' } as SqlType,
} as const;

/** A type as Flink prints it. */
export function flinkType(t: SqlType): string {
  switch (t.name) {
    case 'VARCHAR':
      return t.length === undefined ? 'STRING' : `VARCHAR(${t.length})`;
    case 'CHAR':
      return `CHAR(${t.length ?? 1})`;
    case 'INTEGER':
      return 'INT';
    case 'REAL':
      return 'FLOAT';
    case 'DECIMAL':
      return `DECIMAL(${t.precision ?? 10}, ${t.scale ?? 0})`;
    case 'TIMESTAMP':
      return t.ltz ? `TIMESTAMP_LTZ(${t.precision ?? 6})` : `TIMESTAMP(${t.precision ?? 6})`;
    case 'TIME':
      return 'TIME(0)';
    case 'ARRAY':
      return `ARRAY<${t.element ? flinkType(t.element) : 'NULL'}>`;
    case 'MAP':
      return `MAP<${t.key ? flinkType(t.key) : 'NULL'}, ${t.value ? flinkType(t.value) : 'NULL'}>`;
    case 'ROW':
      return `ROW<${(t.fields ?? []).map((f) => `\`${f.name}\` ${flinkType(f.type)}`).join(', ')}>`;
    case 'INTERVAL':
      return 'INTERVAL SECOND(3)';
    default:
      return t.name;
  }
}

export function isText(t: SqlType): boolean {
  return t.name === 'VARCHAR' || t.name === 'CHAR';
}

/** Whether `a` and `b` can be compared with = < > (Flink does not convert between text and numbers implicitly). */
export function comparable(a: SqlType, b: SqlType): boolean {
  if (a.name === 'NULL' || b.name === 'NULL' || a.name === 'ANY' || b.name === 'ANY') return true;
  if (isNumeric(a) && isNumeric(b)) return true;
  if (isText(a) && isText(b)) return true;
  if (a.name === 'TIMESTAMP' && b.name === 'TIMESTAMP') return true;
  if (isDatetime(a) && isDatetime(b)) return a.name === b.name || (a.name !== 'TIME' && b.name !== 'TIME');
  return a.name === b.name;
}

/** The type both branches of a CASE / COALESCE / UNION column have in common, or undefined. */
export function commonType(a: SqlType, b: SqlType): SqlType | undefined {
  if (a.name === 'NULL' || a.name === 'ANY') return b;
  if (b.name === 'NULL' || b.name === 'ANY') return a;
  if (isNumeric(a) && isNumeric(b)) return widerNumber(a, b);
  if (isText(a) && isText(b)) {
    if (a.name === 'CHAR' && b.name === 'CHAR' && a.length === b.length) return a;
    const la = a.length;
    const lb = b.length;
    return la === undefined || lb === undefined ? FT.STRING : { name: 'VARCHAR', length: Math.max(la, lb) };
  }
  if (a.name === 'TIMESTAMP' && b.name === 'TIMESTAMP')
    return { name: 'TIMESTAMP', precision: Math.max(a.precision ?? 6, b.precision ?? 6), ...(a.ltz || b.ltz ? { ltz: true } : {}) };
  if (a.name === b.name) return a;
  return undefined;
}

const RANK: Partial<Record<SqlType['name'], number>> = { TINYINT: 1, SMALLINT: 2, INTEGER: 3, BIGINT: 4, DECIMAL: 5, REAL: 6, DOUBLE: 7 };

export function widerNumber(a: SqlType, b: SqlType): SqlType {
  const ra = RANK[a.name] ?? 7;
  const rb = RANK[b.name] ?? 7;
  if (a.name === 'DECIMAL' && b.name === 'DECIMAL') {
    const scale = Math.max(a.scale ?? 0, b.scale ?? 0);
    const whole = Math.max((a.precision ?? 10) - (a.scale ?? 0), (b.precision ?? 10) - (b.scale ?? 0));
    return { name: 'DECIMAL', precision: Math.min(38, whole + scale), scale };
  }
  // An integer with a DECIMAL stays DECIMAL (Flink: INT + DECIMAL(5,2) is DECIMAL).
  if (a.name === 'DECIMAL' && isIntegral(b)) return a;
  if (b.name === 'DECIMAL' && isIntegral(a)) return b;
  return ra >= rb ? { name: a.name } : { name: b.name };
}

/** Whether a query column of type `from` may be written into a sink column of type `to` (Flink's implicit casts on INSERT). */
export function insertable(from: SqlType, to: SqlType): boolean {
  if (from.name === 'NULL' || from.name === 'ANY') return true;
  if (isNumeric(from) && isNumeric(to)) return true;
  if (isText(from) && isText(to)) return true;
  if (from.name === 'TIMESTAMP' && to.name === 'TIMESTAMP') return true;
  if (from.name === 'ARRAY' && to.name === 'ARRAY') return !from.element || !to.element || insertable(from.element, to.element);
  if (from.name === 'MAP' && to.name === 'MAP') return true;
  if (from.name === 'ROW' && to.name === 'ROW') return (from.fields?.length ?? 0) === (to.fields?.length ?? 0);
  return from.name === to.name;
}

/** Result type of an aggregate in Flink. */
export function aggResultType(fn: string, arg: SqlType | undefined): SqlType {
  switch (fn) {
    case 'COUNT':
      return FT.BIGINT;
    case 'SUM':
    case 'SUM0':
      if (!arg) return FT.BIGINT;
      if (arg.name === 'DECIMAL') return { name: 'DECIMAL', precision: 38, scale: arg.scale ?? 0 };
      return arg.name === 'NULL' ? FT.INT : { name: arg.name };
    case 'AVG':
      if (!arg) return FT.DOUBLE;
      if (arg.name === 'DECIMAL') return { name: 'DECIMAL', precision: 38, scale: Math.max(6, arg.scale ?? 0) };
      return arg.name === 'NULL' ? FT.INT : { name: arg.name };
    case 'STDDEV_POP':
    case 'STDDEV_SAMP':
    case 'VAR_POP':
    case 'VAR_SAMP':
    case 'STDDEV':
    case 'VARIANCE':
      return arg && isIntegral(arg) ? { name: arg.name } : FT.DOUBLE;
    case 'LISTAGG':
      return FT.STRING;
    case 'ROW_NUMBER':
    case 'RANK':
    case 'DENSE_RANK':
      return FT.BIGINT;
    default:
      return arg ?? FT.ANY;
  }
}
