/**
 * Record formats of KDA inputs and outputs (InputSchema.RecordFormat /
 * DestinationSchema.RecordFormatType): JSON with JSONPath mappings (`$.a.b`,
 * `$.a[0]`) or CSV with row and column delimiters, into typed column values;
 * and rows back out as JSON or CSV with KDA's text forms (TIMESTAMP as
 * `2021-01-31 14:47:00.000`, REAL with float precision).
 */
import { LruCache, formatCsvField, splitCsvLine } from '../../core/index.ts';
import type { ColumnDef, SqlType } from '../plan/types.ts';
import { castTo, formatDate, formatTime, formatTimestamp, RowError } from '../runtime/functions.ts';

export interface InputColumn extends ColumnDef {
  /** JSONPath for JSON records (default `$.<name>`); ignored for CSV (position is used). */
  mapping?: string;
}

export interface RecordFormat {
  type: 'JSON' | 'CSV';
  /** CSV only: default "\n". */
  rowDelimiter?: string;
  /** CSV only: default ",". */
  columnDelimiter?: string;
}

export interface ParsedRecord {
  rows: unknown[][];
  errors: { message: string; data: string }[];
}

type Path = (string | number)[];

/** JSONPaths come from user schemas: bounded so a stream of distinct mappings cannot grow memory. */
const pathCache = new LruCache<string, Path>(1024);
/** `$.a.b[0]` / `$['a b']` → ['a', 'b', 0]. */
export function parseJsonPath(path: string): Path {
  let p = pathCache.get(path);
  if (p) return p;
  if (!path.startsWith('$')) throw new RowError('InvalidMapping', `JSONPath must start with $: ${path}`);
  p = [];
  const re = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/gy;
  re.lastIndex = 1;
  while (re.lastIndex < path.length) {
    const m = re.exec(path);
    if (!m) throw new RowError('InvalidMapping', `cannot read JSONPath ${path}`);
    p.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (m[3] ?? m[4]!)));
  }
  pathCache.set(path, p);
  return p;
}

function pick(obj: unknown, path: Path): unknown {
  let cur = obj;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return null;
    cur = (cur as Record<string | number, unknown>)[k];
    if (cur === undefined) return null;
  }
  // A nested object or array mapped to a text column is kept as its JSON text.
  return cur !== null && typeof cur === 'object' ? JSON.stringify(cur) : cur;
}

const decoder = new TextDecoder();

interface CompiledColumns {
  paths: Path[];
  types: SqlType[];
  text: boolean[];
}
const compiledCache = new WeakMap<readonly InputColumn[], CompiledColumns>();

/** Paths and types resolved once per schema (the schema array is the cache key). */
function compiled(columns: readonly InputColumn[]): CompiledColumns {
  let c = compiledCache.get(columns);
  if (!c) {
    c = {
      paths: columns.map((col) => parseJsonPath(col.mapping ?? `$.${col.name}`)),
      types: columns.map((col) => col.type),
      text: columns.map((col) => col.type.name === 'VARCHAR' || col.type.name === 'CHAR'),
    };
    compiledCache.set(columns, c);
  }
  return c;
}

// hot path: one call per input record.
function jsonRow(o: unknown, c: CompiledColumns): unknown[] {
  const n = c.paths.length;
  const row = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    const path = c.paths[i]!;
    // A one-step path is a plain property read.
    const v = path.length === 1 && o !== null && typeof o === 'object' ? ((o as Record<string, unknown>)[path[0] as string] ?? null) : pick(o, path);
    row[i] = v !== null && typeof v === 'object' ? castTo(JSON.stringify(v), c.types[i]!) : castTo(v, c.types[i]!);
  }
  return row;
}

/** Converts one record's data into typed rows for the given columns. */
export function parseRecord(data: string | Uint8Array, format: RecordFormat, columns: readonly InputColumn[]): ParsedRecord {
  const text = typeof data === 'string' ? data : decoder.decode(data);
  const out: ParsedRecord = { rows: [], errors: [] };
  const c = compiled(columns);
  if (format.type === 'JSON') {
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      out.errors.push({ message: `record is not valid JSON: ${(e as Error).message}`, data: text });
      return out;
    }
    if (!Array.isArray(obj)) {
      try {
        out.rows.push(jsonRow(obj, c));
      } catch (e) {
        out.errors.push({ message: (e as Error).message, data: text });
      }
      return out;
    }
    for (const o of obj) {
      try {
        out.rows.push(jsonRow(o, c));
      } catch (e) {
        out.errors.push({ message: (e as Error).message, data: JSON.stringify(o) });
      }
    }
    return out;
  }
  const rowDelim = format.rowDelimiter ?? '\n';
  const colDelim = format.columnDelimiter ?? ',';
  for (const line of text.split(rowDelim)) {
    if (line.trim() === '') continue;
    const fields = splitCsvLine(line.replace(/\r$/, ''), colDelim);
    try {
      if (fields.length < columns.length) throw new RowError('ParseError', `expected ${columns.length} fields, got ${fields.length}`);
      const row = new Array<unknown>(columns.length);
      for (let i = 0; i < columns.length; i++) row[i] = castTo(fields[i] === '' && !c.text[i] ? null : fields[i]!, c.types[i]!);
      out.rows.push(row);
    } catch (e) {
      out.errors.push({ message: (e as Error).message, data: line });
    }
  }
  return out;
}

/** Splits one CSV line; double quotes group a field and "" is a quote (core's splitter, kept under this name for callers of src/sql). */
export function splitCsv(line: string, delim: string): string[] {
  return splitCsvLine(line, delim);
}

/** Shortest decimal text that reads back as the same float32 (Java's Float.toString precision). */
export function formatReal(x: number): number {
  if (!Number.isFinite(x) || Number.isInteger(x)) return x;
  const f = Math.fround(x);
  for (let p = 1; p <= 9; p++) {
    const v = Number(f.toPrecision(p));
    if (Math.fround(v) === f) return v;
  }
  return f;
}

/** A value as KDA writes it to a JSON destination. */
export function jsonValue(v: unknown, t: SqlType): unknown {
  if (v === null || v === undefined) return null;
  switch (t.name) {
    case 'TIMESTAMP':
      return formatTimestamp(v as number);
    case 'DATE':
      return formatDate(v as number);
    case 'TIME':
      return formatTime(v as number);
    case 'REAL':
      return formatReal(v as number);
    default:
      return v;
  }
}

/** One row (as delivered by onOutput: [ROWTIME, ...columns]) → a JSON object text. */
export function formatRowJson(columns: readonly ColumnDef[], row: readonly unknown[]): string {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) o[columns[i]!.name] = jsonValue(row[i + 1], columns[i]!.type);
  return JSON.stringify(o);
}

/** One row → a CSV line (no delimiter at the end). */
export function formatRowCsv(columns: readonly ColumnDef[], row: readonly unknown[], delimiter = ','): string {
  const parts: string[] = [];
  for (let i = 0; i < columns.length; i++) {
    const v = jsonValue(row[i + 1], columns[i]!.type);
    if (v === null) {
      parts.push('');
      continue;
    }
    parts.push(formatCsvField(String(v), delimiter));
  }
  return parts.join(delimiter);
}

/** A row as a plain object with KDA text forms, including ROWTIME (for tests, CLI and console). */
export function rowToObject(columns: readonly ColumnDef[], row: readonly unknown[], withRowtime = true): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (withRowtime) o.ROWTIME = formatTimestamp(row[0] as number);
  for (let i = 0; i < columns.length; i++) o[columns[i]!.name] = jsonValue(row[i + 1], columns[i]!.type);
  return o;
}

const ISO_TS = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

function inferType(values: unknown[]): SqlType {
  const vs = values.filter((v) => v !== null && v !== undefined);
  if (vs.length === 0) return { name: 'VARCHAR', length: 16 };
  if (vs.every((v) => typeof v === 'boolean')) return { name: 'BOOLEAN' };
  if (vs.every((v) => typeof v === 'number')) {
    if (vs.every((v) => Number.isInteger(v))) return (vs as number[]).every((v) => Math.abs(v) <= 2147483647) ? { name: 'INTEGER' } : { name: 'BIGINT' };
    return { name: 'DOUBLE' };
  }
  if (vs.every((v) => typeof v === 'string' && ISO_TS.test(v))) return { name: 'TIMESTAMP' };
  const maxLen = Math.max(...vs.map((v) => (typeof v === 'string' ? v.length : JSON.stringify(v).length)));
  // KDA's discovery sizes VARCHAR to the longest sample, rounded up to a power of two.
  let n = 1;
  while (n < maxLen) n *= 2;
  return { name: 'VARCHAR', length: Math.max(n, 1) };
}

/** Infers columns (with JSONPath mappings) from sample JSON records, like DiscoverInputSchema. */
export function discoverJsonSchema(samples: readonly string[]): InputColumn[] {
  const paths = new Map<string, unknown[]>();
  const walk = (o: unknown, prefix: string, name: string): void => {
    if (o !== null && typeof o === 'object' && !Array.isArray(o)) {
      for (const [k, v] of Object.entries(o as Record<string, unknown>)) walk(v, `${prefix}.${k}`, k);
      return;
    }
    let list = paths.get(prefix);
    if (!list) {
      list = [];
      paths.set(prefix, list);
    }
    list.push(o);
    void name;
  };
  for (const s of samples) {
    try {
      walk(JSON.parse(s), '$', '');
    } catch {
      // not JSON: skipped
    }
  }
  const used = new Set<string>();
  return [...paths.entries()].map(([path, values]) => {
    let name = path.slice(path.lastIndexOf('.') + 1) || 'COL';
    if (used.has(name)) name = path.slice(2).replace(/\./g, '_');
    used.add(name);
    return { name, type: inferType(values), mapping: path };
  });
}
