/**
 * SQL types of the KDA dialect, as the plan carries them. Values at run time:
 * numbers for every numeric type (BIGINT and DECIMAL are JS doubles, so exact
 * to 2^53 / 15–17 significant digits), strings for VARCHAR/CHAR, booleans,
 * TIMESTAMP/DATE as epoch milliseconds (UTC), TIME as milliseconds of the day,
 * INTERVAL as milliseconds, and null for SQL NULL.
 */
export const SQL_TYPE_NAMES = [
  'VARCHAR',
  'CHAR',
  'INTEGER',
  'BIGINT',
  'SMALLINT',
  'TINYINT',
  'REAL',
  'DOUBLE',
  'DECIMAL',
  'BOOLEAN',
  'TIMESTAMP',
  'DATE',
  'TIME',
  'INTERVAL',
  'NULL',
  'ANY',
  'ROW',
  // Flink SQL's collection and binary types (src/sql/flink); KDA code never declares them.
  'ARRAY',
  'MAP',
  'BYTES',
] as const;
export type SqlTypeName = (typeof SQL_TYPE_NAMES)[number];

export interface SqlType {
  name: SqlTypeName;
  /** VARCHAR(n) / CHAR(n) length. */
  length?: number;
  /** DECIMAL(p, s). */
  precision?: number;
  scale?: number;
  /** ROW (what the log parsers return): its fields; the value is an array in field order. */
  fields?: ColumnDef[];
  /** Flink: TIMESTAMP_LTZ (TIMESTAMP WITH LOCAL TIME ZONE); the value is epoch ms as for TIMESTAMP. */
  ltz?: boolean;
  /** Flink: ARRAY's element type (the value is a JS array). */
  element?: SqlType;
  /** Flink: MAP's key and value types (the value is a JS Map). */
  key?: SqlType;
  value?: SqlType;
}

export interface ColumnDef {
  name: string;
  type: SqlType;
}

const INTEGRAL = new Set<SqlTypeName>(['INTEGER', 'BIGINT', 'SMALLINT', 'TINYINT']);
const NUMERIC = new Set<SqlTypeName>(['INTEGER', 'BIGINT', 'SMALLINT', 'TINYINT', 'REAL', 'DOUBLE', 'DECIMAL']);

export function isIntegral(t: SqlType): boolean {
  return INTEGRAL.has(t.name);
}
export function isNumeric(t: SqlType): boolean {
  return NUMERIC.has(t.name) || t.name === 'NULL' || t.name === 'ANY';
}
export function isString(t: SqlType): boolean {
  return t.name === 'VARCHAR' || t.name === 'CHAR' || t.name === 'NULL' || t.name === 'ANY';
}
export function isDatetime(t: SqlType): boolean {
  return t.name === 'TIMESTAMP' || t.name === 'DATE' || t.name === 'TIME';
}

export function typeToString(t: SqlType): string {
  if ((t.name === 'VARCHAR' || t.name === 'CHAR') && t.length !== undefined) return `${t.name}(${t.length})`;
  if (t.name === 'DECIMAL' && t.precision !== undefined) return `DECIMAL(${t.precision},${t.scale ?? 0})`;
  return t.name;
}

const NUMERIC_RANK: Partial<Record<SqlTypeName, number>> = {
  TINYINT: 1,
  SMALLINT: 2,
  INTEGER: 3,
  BIGINT: 4,
  DECIMAL: 5,
  REAL: 6,
  DOUBLE: 7,
};

/** The type of `a op b` for arithmetic on two numeric types (SQL widening). */
export function widerNumeric(a: SqlType, b: SqlType): SqlType {
  if (a.name === 'NULL' || a.name === 'ANY') return b;
  if (b.name === 'NULL' || b.name === 'ANY') return a;
  const ra = NUMERIC_RANK[a.name] ?? 7;
  const rb = NUMERIC_RANK[b.name] ?? 7;
  return ra >= rb ? { name: a.name } : { name: b.name };
}

export const T = {
  VARCHAR: { name: 'VARCHAR' } as SqlType,
  INTEGER: { name: 'INTEGER' } as SqlType,
  BIGINT: { name: 'BIGINT' } as SqlType,
  DOUBLE: { name: 'DOUBLE' } as SqlType,
  REAL: { name: 'REAL' } as SqlType,
  DECIMAL: { name: 'DECIMAL' } as SqlType,
  BOOLEAN: { name: 'BOOLEAN' } as SqlType,
  TIMESTAMP: { name: 'TIMESTAMP' } as SqlType,
  DATE: { name: 'DATE' } as SqlType,
  TIME: { name: 'TIME' } as SqlType,
  INTERVAL: { name: 'INTERVAL' } as SqlType,
  NULL: { name: 'NULL' } as SqlType,
  ANY: { name: 'ANY' } as SqlType,
} as const;
