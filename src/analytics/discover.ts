/**
 * Schema discovery (DiscoverInputSchema): infers a SourceSchema from sample
 * records the way the KDA console does — JSON objects become one column per
 * leaf with a JSONPath mapping (`$.a.b`), CSV lines become COL1…COLn; SQL
 * types from the values seen (integers → INTEGER/BIGINT, fractions → DOUBLE,
 * true/false → BOOLEAN, `yyyy-MM-dd HH:mm:ss[.f]` → TIMESTAMP, `yyyy-MM-dd` →
 * DATE, other text → VARCHAR(n) with n the next power of two ≥ the longest
 * value). Names that are SQL reserved words get KDA's `COL_` prefix.
 *
 * Pure functions over strings; the I/O (reading a stream or an S3 object) is
 * behind DiscoverySource.
 */
import type { AwsError } from '../core/index.ts';
import type { ColumnSpec, RecordSchema, StartingPosition } from './model.ts';
import { analyticsErrors } from './errors.ts';

export interface DiscoverySource {
  /** Up to `max` raw records of the stream or delivery stream `resourceArn`, from `position`. */
  sampleStream(resourceArn: string, position: StartingPosition, max: number): Promise<Uint8Array[]>;
  /** The bytes of `fileKey` in the bucket `bucketArn` (`arn:aws:s3:::<bucket>`), from Freshet's embedded object store. */
  readObject(bucketArn: string, fileKey: string): Promise<Uint8Array>;
}

export interface DiscoveredSchema {
  schema: RecordSchema;
  /**
   * ParsedInputRecords: one entry per row (a record can hold several), each column's value as
   * text. An absent value is '' (the wire list is not sparse: SDKs drop nulls from it, which
   * would shift the columns).
   */
  parsed: string[][];
}

/**
 * UnableToDetectSchemaException with the error shape's members: RawInputRecords (the
 * sample) and ProcessedInputRecords (the sample after preprocessing: the same records, as
 * Freshet has no Lambda preprocessing).
 */
export function unableToDetectSchema(message: string, raw: readonly string[]): AwsError {
  return analyticsErrors.create('UnableToDetectSchemaException', message, { fields: { RawInputRecords: [...raw], ProcessedInputRecords: [...raw] } });
}

/** Words that cannot be unquoted column names in KDA SQL; discovery prefixes them with `COL_`. */
const RESERVED = new Set([
  'ALL',
  'AND',
  'ANY',
  'AS',
  'BETWEEN',
  'BY',
  'CASE',
  'CAST',
  'CHAR',
  'CURRENT',
  'DATE',
  'DAY',
  'DECIMAL',
  'DEFAULT',
  'DISTINCT',
  'DOUBLE',
  'ELSE',
  'END',
  'EXISTS',
  'FALSE',
  'FLOAT',
  'FOR',
  'FROM',
  'FULL',
  'GROUP',
  'HAVING',
  'HOUR',
  'IN',
  'INNER',
  'INSERT',
  'INT',
  'INTEGER',
  'INTERVAL',
  'INTO',
  'IS',
  'JOIN',
  'LEFT',
  'LIKE',
  'LIMIT',
  'MINUTE',
  'MONTH',
  'NOT',
  'NULL',
  'OF',
  'ON',
  'OR',
  'ORDER',
  'OUTER',
  'OVER',
  'PARTITION',
  'RANGE',
  'REAL',
  'RIGHT',
  'ROW',
  'ROWS',
  'ROWTIME',
  'SECOND',
  'SELECT',
  'STREAM',
  'TABLE',
  'THEN',
  'TIME',
  'TIMESTAMP',
  'TO',
  'TRUE',
  'UNION',
  'USER',
  'VALUE',
  'VALUES',
  'WHEN',
  'WHERE',
  'WINDOW',
  'WITH',
  'YEAR',
]);

const INT32_MAX = 2147483647;
const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const INT_RE = /^[-+]?\d+$/;
const NUMBER_RE = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

type Kind = 'int' | 'bigint' | 'double' | 'boolean' | 'timestamp' | 'date' | 'varchar';

interface ColumnStats {
  name: string;
  mapping?: string;
  kind: Kind | undefined;
  maxLength: number;
}

function kindOfText(s: string): Kind {
  if (INT_RE.test(s)) return Math.abs(Number(s)) <= INT32_MAX ? 'int' : 'bigint';
  if (NUMBER_RE.test(s)) return 'double';
  if (s === 'true' || s === 'false') return 'boolean';
  if (TIMESTAMP_RE.test(s)) return 'timestamp';
  if (DATE_RE.test(s)) return 'date';
  return 'varchar';
}

function kindOfJson(v: unknown): Kind {
  if (typeof v === 'number') return Number.isInteger(v) ? (Math.abs(v) <= INT32_MAX ? 'int' : 'bigint') : 'double';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') {
    if (TIMESTAMP_RE.test(v)) return 'timestamp';
    if (DATE_RE.test(v)) return 'date';
  }
  return 'varchar';
}

function merge(a: Kind | undefined, b: Kind): Kind {
  if (a === undefined || a === b) return b;
  const numeric = (k: Kind) => k === 'int' || k === 'bigint' || k === 'double';
  if (numeric(a) && numeric(b)) return a === 'double' || b === 'double' ? 'double' : 'bigint';
  return 'varchar';
}

function sqlType(stats: ColumnStats): string {
  switch (stats.kind) {
    case 'int':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'double':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'date':
      return 'DATE';
    default: {
      let n = 1;
      while (n < stats.maxLength) n *= 2;
      return `VARCHAR(${n})`;
    }
  }
}

function columnName(raw: string): string {
  const cleaned = raw.replace(/[^A-Za-z0-9_]/g, '_') || 'COL';
  const name = /^[0-9]/.test(cleaned) || RESERVED.has(cleaned.toUpperCase()) ? `COL_${cleaned}` : cleaned;
  return name.slice(0, 128);
}

function jsonPathKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `['${key.replace(/'/g, "\\'")}']`;
}

/** Flattens an object into leaf paths: objects recurse; arrays and scalars are leaves. */
function leaves(value: Record<string, unknown>, path: string, keys: string[], out: Array<[path: string, keys: string[], value: unknown]>): void {
  for (const [k, v] of Object.entries(value)) {
    const p = path + jsonPathKey(k);
    if (v && typeof v === 'object' && !Array.isArray(v)) leaves(v as Record<string, unknown>, p, [...keys, k], out);
    else out.push([p, [...keys, k], v]);
  }
}

function inferJson(rows: Array<Record<string, unknown>>, rowPath: string): DiscoveredSchema {
  const byPath = new Map<string, ColumnStats & { keys: string[] }>();
  const rowLeaves: Array<Map<string, unknown>> = [];
  for (const row of rows) {
    const out: Array<[string, string[], unknown]> = [];
    leaves(row, '$', [], out);
    const m = new Map<string, unknown>();
    for (const [path, keys, v] of out) {
      m.set(path, v);
      let s = byPath.get(path);
      if (!s) {
        s = { name: '', mapping: path, kind: undefined, maxLength: 1, keys };
        byPath.set(path, s);
      }
      if (v === null || v === undefined) continue;
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      s.kind = merge(s.kind, kindOfJson(v));
      s.maxLength = Math.max(s.maxLength, text.length);
    }
    rowLeaves.push(m);
  }
  // Leaf key as the name; qualify with parents when two leaves share it.
  const stats = [...byPath.values()];
  const counts = new Map<string, number>();
  for (const s of stats) counts.set(s.keys.at(-1)!, (counts.get(s.keys.at(-1)!) ?? 0) + 1);
  const used = new Set<string>();
  for (const s of stats) {
    let name = columnName(counts.get(s.keys.at(-1)!)! > 1 ? s.keys.join('_') : s.keys.at(-1)!);
    for (let i = 2; used.has(name.toUpperCase()); i++) name = `${name}_${i}`;
    used.add(name.toUpperCase());
    s.name = name;
  }
  const columns: ColumnSpec[] = stats.map((s) => ({ name: s.name, mapping: s.mapping!, sqlType: sqlType(s) }));
  const parsed = rowLeaves.map((m) =>
    stats.map((s) => {
      const v = m.get(s.mapping!);
      return v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
    }),
  );
  return { schema: { format: 'JSON', rowPath, encoding: 'UTF-8', columns }, parsed };
}

const CSV_DELIMITERS = [',', '|', '\t', ';'];

function inferCsv(texts: string[]): DiscoveredSchema | undefined {
  const lines = texts.flatMap((t) => t.split(/\r?\n/)).filter((l) => l.length > 0);
  if (lines.length === 0) return undefined;
  let delimiter = ',';
  let best = 1;
  for (const d of CSV_DELIMITERS) {
    const counts = lines.map((l) => l.split(d).length);
    const n = counts[0]!;
    if (n > best && counts.every((c) => c === n)) {
      best = n;
      delimiter = d;
    }
  }
  const rows = lines.map((l) => l.split(delimiter));
  const width = Math.max(...rows.map((r) => r.length));
  const stats: ColumnStats[] = [];
  for (let c = 0; c < width; c++) {
    const s: ColumnStats = { name: `COL${c + 1}`, kind: undefined, maxLength: 1 };
    for (const r of rows) {
      const v = r[c];
      if (v === undefined || v === '') continue;
      s.kind = merge(s.kind, kindOfText(v));
      s.maxLength = Math.max(s.maxLength, v.length);
    }
    stats.push(s);
  }
  return {
    schema: {
      format: 'CSV',
      rowDelimiter: '\n',
      columnDelimiter: delimiter,
      encoding: 'UTF-8',
      columns: stats.map((s) => ({ name: s.name, sqlType: sqlType(s) })),
    },
    parsed: rows.map((r) => stats.map((_, c) => r[c] ?? '')),
  };
}

/**
 * Infers a schema from raw sample records (UTF-8 text). Throws UnableToDetectSchemaException
 * (carrying the records) when there is nothing to go on, or when some records are JSON objects
 * and others are not (no one format reads them all).
 */
export function inferSchema(records: readonly string[]): DiscoveredSchema {
  const texts = records.map((r) => r.trim()).filter((r) => r.length > 0);
  if (texts.length === 0) throw unableToDetectSchema('Unable to detect a schema: no sample records were found', records);
  const jsonRows: Array<Record<string, unknown>> = [];
  let objects = 0;
  let arrays = false;
  for (const t of texts) {
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch {
      continue;
    }
    if (Array.isArray(v) && v.length > 0 && v.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
      arrays = true;
      objects++;
      jsonRows.push(...(v as Array<Record<string, unknown>>));
    } else if (v && typeof v === 'object' && !Array.isArray(v)) {
      objects++;
      jsonRows.push(v as Record<string, unknown>);
    }
  }
  if (objects === texts.length) return inferJson(jsonRows, arrays ? '$[0:]' : '$');
  if (objects > 0) {
    throw unableToDetectSchema(
      `Unable to detect a schema: ${objects} of ${texts.length} sample records are JSON objects and the others are not; the records of one input must share a format`,
      records,
    );
  }
  const csv = inferCsv(texts);
  if (!csv) throw unableToDetectSchema('Unable to detect a schema from the sample records', records);
  return csv;
}

/** DiscoverInputSchema samples at most this many records. */
export const DISCOVERY_SAMPLE_SIZE = 100;
