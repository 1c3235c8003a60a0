/**
 * Flink SQL's value formats for connector tables: `json` (with
 * `json.timestamp-format.standard` SQL / ISO-8601, `json.ignore-parse-errors`,
 * `json.fail-on-missing-field`, `json.encode.ignore-null-fields`), `csv`
 * (field delimiter, quote character, null literal, comments, ignore parse
 * errors), `debezium-json` (a changelog: before/after/op envelopes) and `raw`
 * (the whole record as one STRING column). Decoders turn a record into rows of
 * the table's physical columns (plus the row kind for debezium-json);
 * encoders turn a sink row back into a record.
 *
 * Timestamps: TIMESTAMP values are read leniently — both standards' forms, and
 * a trailing `Z` or offset (converted to UTC) — where Flink accepts only the
 * configured form; they are written in the configured form.
 */
import { formatCsvField, splitCsvLine } from '../../core/index.ts';
import type { FormatPlan } from '../plan/flink.ts';
import type { ColumnDef, SqlType } from '../plan/types.ts';
import { flinkCast, javaDouble } from '../runtime/flink-functions.ts';
import { formatTimestamp, parseTimestamp, RowError } from '../runtime/functions.ts';

export interface DecodedRecord {
  /** Rows of the physical columns' values, in column order (a debezium record can give two). */
  rows: unknown[][];
  /** Row kinds (debezium-json only), parallel to rows. */
  kinds?: number[];
}

export type RecordDecoder = (data: Uint8Array | string) => DecodedRecord;
export type RowEncoder = (values: readonly unknown[], kind: number) => string | null;

/** A record that does not fit the format, when the table does not ignore parse errors. */
export class FormatError extends Error {
  readonly data: string;
  constructor(message: string, data: string) {
    super(message);
    this.name = 'FormatError';
    this.data = data;
  }
}

const decoder = new TextDecoder();
const bool = (v: string | undefined, dflt: boolean): boolean => (v === undefined ? dflt : v.toLowerCase() === 'true');

// ---- JSON values ↔ SQL values ----

function fromJson(v: unknown, t: SqlType): unknown {
  if (v === null || v === undefined) return null;
  switch (t.name) {
    case 'TIMESTAMP':
    case 'DATE': {
      if (typeof v === 'number') return t.name === 'DATE' ? v * 86_400_000 : v;
      const ms = parseTimestamp(String(v));
      if (ms === null)
        throw new RowError('ParseError', `Fail to deserialize at field: ${JSON.stringify(v)} is not a ${t.name === 'DATE' ? 'DATE' : 'TIMESTAMP'}`);
      return t.name === 'DATE' ? Math.floor(ms / 86_400_000) * 86_400_000 : ms;
    }
    case 'VARCHAR':
    case 'CHAR':
      return typeof v === 'object' ? JSON.stringify(v) : String(v);
    case 'ROW': {
      if (typeof v !== 'object' || Array.isArray(v)) throw new RowError('ParseError', `expected a JSON object for a ROW, got ${JSON.stringify(v)}`);
      const o = v as Record<string, unknown>;
      return (t.fields ?? []).map((f) => fromJson(o[f.name], f.type));
    }
    case 'ARRAY':
      if (!Array.isArray(v)) throw new RowError('ParseError', `expected a JSON array, got ${JSON.stringify(v)}`);
      return v.map((x) => fromJson(x, t.element ?? { name: 'ANY' }));
    case 'MAP': {
      if (typeof v !== 'object' || Array.isArray(v)) throw new RowError('ParseError', `expected a JSON object for a MAP, got ${JSON.stringify(v)}`);
      const m = new Map<unknown, unknown>();
      for (const [k, x] of Object.entries(v as Record<string, unknown>))
        m.set(fromJson(k, t.key ?? { name: 'VARCHAR' }), fromJson(x, t.value ?? { name: 'ANY' }));
      return m;
    }
    case 'BYTES':
      return typeof v === 'string' ? new Uint8Array(Buffer.from(v, 'base64')) : null;
    case 'ANY':
      return v;
    default:
      return flinkCast(v, t);
  }
}

/** Flink's JSON text of a TIMESTAMP(p): fraction digits as needed (appendFraction 0..9). */
function jsonTimestamp(ms: number, iso: boolean, ltz: boolean): string {
  let s = formatTimestamp(ms);
  s = s.replace(/\.?0+$/, (m) => (m.startsWith('.') ? '' : m)).replace(/\.$/, '');
  if (s.endsWith('.000')) s = s.slice(0, -4);
  if (iso) s = s.replace(' ', 'T');
  return ltz && iso ? `${s}Z` : s;
}

function toJson(v: unknown, t: SqlType, iso: boolean): unknown {
  if (v === null || v === undefined) return null;
  switch (t.name) {
    case 'TIMESTAMP':
      return jsonTimestamp(v as number, iso, !!t.ltz);
    case 'DATE':
      return formatTimestamp(v as number).slice(0, 10);
    case 'TIME':
      return formatTimestamp(v as number).slice(11, 19);
    case 'ROW': {
      const o: Record<string, unknown> = {};
      (t.fields ?? []).forEach((f, i) => {
        o[f.name] = toJson((v as unknown[])[i], f.type, iso);
      });
      return o;
    }
    case 'ARRAY':
      return (v as unknown[]).map((x) => toJson(x, t.element ?? { name: 'ANY' }, iso));
    case 'MAP': {
      const o: Record<string, unknown> = {};
      for (const [k, x] of v as Map<unknown, unknown>) o[String(k)] = toJson(x, t.value ?? { name: 'ANY' }, iso);
      return o;
    }
    case 'BYTES':
      return Buffer.from(v as Uint8Array).toString('base64');
    default:
      return v;
  }
}

// ---- decoders ----

function jsonDecoder(format: FormatPlan, columns: readonly ColumnDef[]): RecordDecoder {
  const ignore = bool(format.options['ignore-parse-errors'], false);
  const failOnMissing = bool(format.options['fail-on-missing-field'], false);
  const names = columns.map((c) => c.name);
  const types = columns.map((c) => c.type);
  // hot path: one call per record; a flat object is read by property name.
  const rowOf = (o: Record<string, unknown>): unknown[] => {
    const row = new Array<unknown>(names.length);
    for (let i = 0; i < names.length; i++) {
      const v = o[names[i]!];
      if (v === undefined && failOnMissing) throw new RowError('ParseError', `Could not find field with name '${names[i]}'.`);
      row[i] = v === undefined || v === null ? null : fromJson(v, types[i]!);
    }
    return row;
  };
  return (data) => {
    const text = typeof data === 'string' ? data : decoder.decode(data);
    let obj: unknown;
    try {
      obj = JSON.parse(text);
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new Error('not a JSON object');
      return { rows: [rowOf(obj as Record<string, unknown>)] };
    } catch (e) {
      if (ignore) return { rows: [] };
      throw new FormatError(`Failed to deserialize JSON '${text.length > 200 ? `${text.slice(0, 200)}…` : text}': ${(e as Error).message}`, text);
    }
  };
}

function csvDecoder(format: FormatPlan, columns: readonly ColumnDef[]): RecordDecoder {
  const delim = format.options['field-delimiter'] ?? ',';
  const ignore = bool(format.options['ignore-parse-errors'], false);
  const comments = bool(format.options['allow-comments'], false);
  const nullLiteral = format.options['null-literal'];
  const types = columns.map((c) => c.type);
  return (data) => {
    const text = typeof data === 'string' ? data : decoder.decode(data);
    const rows: unknown[][] = [];
    for (const line of text.split(/\r?\n/)) {
      if (line === '' || (comments && line.startsWith('#'))) continue;
      try {
        const fields = splitCsvLine(line, delim);
        if (fields.length < types.length && !ignore) throw new Error(`expected ${types.length} fields, found ${fields.length}`);
        rows.push(
          types.map((t, i) => {
            const f = fields[i];
            if (f === undefined || (nullLiteral !== undefined && f === nullLiteral) || (f === '' && t.name !== 'VARCHAR' && t.name !== 'CHAR')) return null;
            return fromJson(f, t);
          }),
        );
      } catch (e) {
        if (ignore) continue;
        throw new FormatError(`Failed to deserialize CSV row '${line}': ${(e as Error).message}`, line);
      }
    }
    return { rows };
  };
}

function debeziumDecoder(format: FormatPlan, columns: readonly ColumnDef[]): RecordDecoder {
  const ignore = bool(format.options['ignore-parse-errors'], false);
  const schemaInclude = bool(format.options['schema-include'], false);
  const rowOf = (o: unknown): unknown[] => {
    const r = (o ?? {}) as Record<string, unknown>;
    return columns.map((c) => fromJson(r[c.name], c.type));
  };
  return (data) => {
    const text = typeof data === 'string' ? data : decoder.decode(data);
    try {
      let env = JSON.parse(text) as Record<string, unknown>;
      if (schemaInclude && env.payload && typeof env.payload === 'object') env = env.payload as Record<string, unknown>;
      const op = env.op;
      switch (op) {
        case 'c':
        case 'r':
          return { rows: [rowOf(env.after)], kinds: [0] };
        case 'u':
          return { rows: [rowOf(env.before), rowOf(env.after)], kinds: [1, 2] };
        case 'd':
          return { rows: [rowOf(env.before)], kinds: [3] };
        default:
          throw new Error(`Unknown "op" value "${String(op)}". The Debezium JSON message is '${text}'`);
      }
    } catch (e) {
      if (ignore) return { rows: [] };
      throw new FormatError(`Corrupt Debezium JSON message '${text}': ${(e as Error).message}`, text);
    }
  };
}

function rawDecoder(columns: readonly ColumnDef[]): RecordDecoder {
  const t = columns[0]!.type;
  return (data) => ({
    rows: [[t.name === 'BYTES' ? (typeof data === 'string' ? new TextEncoder().encode(data) : data) : typeof data === 'string' ? data : decoder.decode(data)]],
  });
}

/** A decoder for a source table's records (its physical columns). */
export function createDecoder(format: FormatPlan, columns: readonly ColumnDef[]): RecordDecoder {
  switch (format.name) {
    case 'json':
      return jsonDecoder(format, columns);
    case 'csv':
      return csvDecoder(format, columns);
    case 'debezium-json':
      return debeziumDecoder(format, columns);
    case 'raw':
      if (columns.length !== 1) throw new Error("The 'raw' format supports only one physical column");
      return rawDecoder(columns);
    default:
      throw new Error(`format '${format.name}' cannot be read by Freshet`);
  }
}

// ---- encoders ----

/** An encoder for a sink table's rows (the physical columns' values, without time or kind). */
export function createEncoder(format: FormatPlan, columns: readonly ColumnDef[]): RowEncoder {
  switch (format.name) {
    case 'json': {
      const iso = format.options['timestamp-format.standard'] === 'ISO-8601';
      const ignoreNull = bool(format.options['encode.ignore-null-fields'], false);
      return (values) => {
        const o: Record<string, unknown> = {};
        columns.forEach((c, i) => {
          const v = values[i];
          if (v === null && ignoreNull) return;
          o[c.name] = toJson(v, c.type, iso);
        });
        return JSON.stringify(o);
      };
    }
    case 'debezium-json': {
      const iso = format.options['timestamp-format.standard'] === 'ISO-8601';
      // Flink writes +I / +U as a create of `after` and -U / -D as a delete of `before`.
      return (values, kind) => {
        const o: Record<string, unknown> = {};
        columns.forEach((c, i) => {
          o[c.name] = toJson(values[i], c.type, iso);
        });
        return JSON.stringify(kind === 0 || kind === 2 ? { before: null, after: o, op: 'c' } : { before: o, after: null, op: 'd' });
      };
    }
    case 'csv': {
      const delim = format.options['field-delimiter'] ?? ',';
      const nullLiteral = format.options['null-literal'] ?? '';
      return (values) =>
        columns
          .map((c, i) => {
            const v = values[i];
            if (v === null || v === undefined) return nullLiteral;
            if (c.type.name === 'TIMESTAMP') return jsonTimestamp(v as number, false, false);
            if (c.type.name === 'DOUBLE' || c.type.name === 'REAL') return javaDouble(v as number);
            return formatCsvField(String(toJson(v, c.type, false)), delim);
          })
          .join(delim);
    }
    case 'raw':
      return (values) => (values[0] === null ? null : values[0] instanceof Uint8Array ? Buffer.from(values[0]).toString('utf8') : String(values[0]));
    default:
      throw new Error(`format '${format.name}' is written by the file sink only`);
  }
}

// ---- the print sink's text ----

/** Java's LocalDateTime.toString: seconds and fraction only when not zero (2021-01-31T14:00, ...T14:00:05.120). */
function javaLocalDateTime(ms: number): string {
  const s = formatTimestamp(ms); // 2021-01-31 14:00:05.120
  let out = `${s.slice(0, 10)}T${s.slice(11, 16)}`;
  const sec = s.slice(17, 19);
  const frac = s.slice(20, 23);
  if (sec !== '00' || frac !== '000') out += `:${sec}`;
  if (frac !== '000') out += `.${frac}`;
  return out;
}

function printValue(v: unknown, t: SqlType): string {
  if (v === null || v === undefined) return 'null';
  switch (t.name) {
    case 'TIMESTAMP':
      return t.ltz
        ? `${formatTimestamp(v as number)
            .replace(' ', 'T')
            .replace(/\.000$/, '')}Z`
        : javaLocalDateTime(v as number);
    case 'DATE':
      return formatTimestamp(v as number).slice(0, 10);
    case 'TIME':
      return formatTimestamp(v as number)
        .slice(11, 19)
        .replace(/:00$/, '');
    case 'DOUBLE':
    case 'REAL':
      return javaDouble(v as number);
    case 'DECIMAL':
      return t.scale !== undefined ? (v as number).toFixed(t.scale) : String(v);
    case 'ARRAY':
      return `[${(v as unknown[]).map((x) => printValue(x, t.element ?? { name: 'ANY' })).join(', ')}]`;
    case 'MAP':
      return `{${[...(v as Map<unknown, unknown>).entries()].map(([k, x]) => `${printValue(k, t.key ?? { name: 'ANY' })}=${printValue(x, t.value ?? { name: 'ANY' })}`).join(', ')}}`;
    case 'ROW':
      return `+I[${(v as unknown[]).map((x, i) => printValue(x, t.fields?.[i]?.type ?? { name: 'ANY' })).join(', ')}]`;
    case 'BYTES':
      return `[${[...(v as Uint8Array)].join(', ')}]`;
    default:
      return String(v);
  }
}

const KIND_NAMES = ['+I', '-U', '+U', '-D'];

/** A row as Flink's print connector writes it: `+I[BTC, 2021-01-31T14:00, 12.5]`. */
export function printRow(values: readonly unknown[], columns: readonly ColumnDef[], kind: number): string {
  return `${KIND_NAMES[kind] ?? '+I'}[${columns.map((c, i) => printValue(values[i], c.type)).join(', ')}]`;
}

/** One value as the print connector writes it (for tables of results). */
export function printValueText(v: unknown, t: SqlType): string {
  return printValue(v, t);
}
