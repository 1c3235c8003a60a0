/**
 * Postgres data types on the wire for DuckDB values: which type OID a result column is announced as,
 * and its text (format 0) and binary (format 1) representations, as PostgreSQL's own output functions
 * write them (`src/backend/utils/adt/*.c`: int8out/int8send, timestamp_out/timestamp_send, numeric_send …).
 *
 * A column's writer is chosen once per result (by its DuckDB type), then called per value.
 * DuckDB values arrive as @duckdb/node-api gives them: number, bigint, string, boolean, or a value object
 * (DuckDBTimestampValue {micros}, DuckDBDateValue {days}, DuckDBDecimalValue, DuckDBBlobValue {bytes} …).
 */
import type { DuckDBDecimalType, DuckDBType } from '@duckdb/node-api';
import type { BackendWriter } from './backend.ts';

/** Postgres type OIDs (pg_type.oid, from PostgreSQL's pg_type.dat). */
export const PG_OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  unknown: 705,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;

/** DuckDB logical type ids (duckdb.h DUCKDB_TYPE_*), kept here so this module loads without DuckDB. */
export const DUCK = {
  BOOLEAN: 1,
  TINYINT: 2,
  SMALLINT: 3,
  INTEGER: 4,
  BIGINT: 5,
  UTINYINT: 6,
  USMALLINT: 7,
  UINTEGER: 8,
  UBIGINT: 9,
  FLOAT: 10,
  DOUBLE: 11,
  TIMESTAMP: 12,
  DATE: 13,
  TIME: 14,
  INTERVAL: 15,
  HUGEINT: 16,
  VARCHAR: 17,
  BLOB: 18,
  DECIMAL: 19,
  TIMESTAMP_S: 20,
  TIMESTAMP_MS: 21,
  TIMESTAMP_NS: 22,
  ENUM: 23,
  UUID: 27,
  TIMESTAMP_TZ: 31,
  UHUGEINT: 32,
  SQLNULL: 36,
} as const;

export interface PgType {
  oid: number;
  /** pg_type.typlen: bytes, or -1 for variable length. */
  size: number;
  /** atttypmod: -1, or for numeric ((precision << 16) | scale) + 4. */
  modifier: number;
}

/** How one result column is announced and written. */
export interface ColumnCodec {
  type: PgType;
  /** Writes a non-null value in text format. */
  text(w: BackendWriter, v: unknown): void;
  /** Writes a non-null value in binary format. */
  binary(w: BackendWriter, v: unknown): void;
  /** The text form (COPY, and anything building strings). */
  toText(v: unknown): string;
}

const PG_EPOCH_DAYS = 10_957; // 2000-01-01 - 1970-01-01
const PG_EPOCH_MICROS = 946_684_800_000_000n;
const INT64_MAX = 9_223_372_036_854_775_807n;
const INT64_MIN = -9_223_372_036_854_775_808n;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** 'YYYY-MM-DD' for days since 1970-01-01 (PostgreSQL appends ' BC' for years ≤ 0). */
export function formatDate(days: number): string {
  if (days >= 2147483647) return 'infinity';
  if (days <= -2147483647) return '-infinity';
  const d = new Date(days * 86_400_000);
  const y = d.getUTCFullYear();
  const ys = y > 0 ? String(y).padStart(4, '0') : String(1 - y).padStart(4, '0');
  return `${ys}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}${y > 0 ? '' : ' BC'}`;
}

/** '.ffffff' with trailing zeros removed, or '' (PostgreSQL prints only the fractional digits it needs). */
function fraction(micros: number): string {
  if (micros === 0) return '';
  let s = String(micros).padStart(6, '0');
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 48) end--;
  s = s.slice(0, end);
  return `.${s}`;
}

/** 'HH:MM:SS[.ffffff]' for microseconds since midnight. */
export function formatTime(micros: bigint): string {
  const total = Number(micros);
  const us = total % 1_000_000;
  const secs = Math.floor(total / 1_000_000);
  return `${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}${fraction(us)}`;
}

/** 'YYYY-MM-DD HH:MM:SS[.ffffff]' for microseconds since 1970-01-01 (UTC). */
export function formatTimestamp(micros: bigint): string {
  if (micros >= INT64_MAX) return 'infinity';
  if (micros <= INT64_MIN + 1n) return '-infinity';
  let days = micros / 86_400_000_000n;
  let rest = micros % 86_400_000_000n;
  if (rest < 0n) {
    rest += 86_400_000_000n;
    days -= 1n;
  }
  const date = formatDate(Number(days));
  const bc = date.endsWith(' BC');
  const time = formatTime(rest);
  return bc ? `${date.slice(0, -3)} ${time} BC` : `${date} ${time}`;
}

/** PostgreSQL's default IntervalStyle (postgres): '1 year 2 mons 3 days 04:05:06.5'. */
export function formatInterval(months: number, days: number, micros: bigint): string {
  const parts: string[] = [];
  const years = Math.trunc(months / 12);
  const mons = months % 12;
  if (years !== 0) parts.push(`${years} year${Math.abs(years) === 1 ? '' : 's'}`);
  if (mons !== 0) parts.push(`${mons} mon${Math.abs(mons) === 1 ? '' : 's'}`);
  if (days !== 0) parts.push(`${days} day${Math.abs(days) === 1 ? '' : 's'}`);
  if (micros !== 0n || parts.length === 0) {
    const neg = micros < 0n;
    const abs = neg ? -micros : micros;
    const total = Number(abs / 1_000_000n);
    const us = Number(abs % 1_000_000n);
    parts.push(`${neg ? '-' : ''}${pad2(Math.floor(total / 3600))}:${pad2(Math.floor(total / 60) % 60)}:${pad2(total % 60)}${fraction(us)}`);
  }
  return parts.join(' ');
}

/** float8out with extra_float_digits > 0 (the default since PostgreSQL 12): shortest exact digits. */
export function formatFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Object.is(v, -0)) return '-0';
  const s = String(v);
  // JS writes 1e-7 / 1e+21; PostgreSQL writes at least two exponent digits (1e-07, 1e+21).
  const e = s.indexOf('e');
  if (e < 0) return s;
  const sign = s[e + 1]!;
  const digits = s.slice(e + 2);
  return `${s.slice(0, e)}e${sign}${digits.length < 2 ? `0${digits}` : digits}`;
}

/** float4out: the shortest digits that read back as the same 32-bit float. */
export function formatFloat4(v: number): string {
  if (!Number.isFinite(v) || v === 0) return formatFloat(v);
  const f = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return formatFloat(Number(s));
  }
  return formatFloat(f);
}

const HEX = '0123456789abcdef';

/** bytea_output = hex: '\x' then two hex digits per byte. */
export function formatBytea(b: Uint8Array): string {
  let s = '\\x';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]! >> 4]! + HEX[b[i]! & 15]!;
  return s;
}

/**
 * numeric_send: Int16 ndigits, Int16 weight, Int16 sign, Int16 dscale, then base-10000 digits,
 * from a decimal string such as '-123.4500'.
 */
export function encodeNumericBinary(w: BackendWriter, text: string): void {
  if (text === 'NaN') {
    const { buf, offset } = w.cellFixed(8);
    buf.writeInt16BE(0, offset);
    buf.writeInt16BE(0, offset + 2);
    buf.writeUInt16BE(0xc000, offset + 4);
    buf.writeInt16BE(0, offset + 6);
    return;
  }
  const neg = text.startsWith('-');
  const body = neg || text.startsWith('+') ? text.slice(1) : text;
  const dot = body.indexOf('.');
  let intPart = dot < 0 ? body : body.slice(0, dot);
  const fracPart = dot < 0 ? '' : body.slice(dot + 1);
  const dscale = fracPart.length;
  intPart = intPart.replace(/^0+/, '');
  // Align to groups of 4 digits around the decimal point.
  const intPadded = intPart.padStart(Math.ceil(intPart.length / 4) * 4, '0');
  const fracPadded = fracPart.padEnd(Math.ceil(fracPart.length / 4) * 4, '0');
  const groups: number[] = [];
  for (let i = 0; i < intPadded.length; i += 4) groups.push(Number(intPadded.slice(i, i + 4)));
  for (let i = 0; i < fracPadded.length; i += 4) groups.push(Number(fracPadded.slice(i, i + 4)));
  let weight = intPadded.length / 4 - 1;
  // Strip leading and trailing zero groups (PostgreSQL stores neither).
  let start = 0;
  while (start < groups.length && groups[start] === 0) {
    start++;
    weight--;
  }
  let end = groups.length;
  while (end > start && groups[end - 1] === 0) end--;
  const digits = groups.slice(start, end);
  if (digits.length === 0) weight = 0;
  const { buf, offset } = w.cellFixed(8 + digits.length * 2);
  buf.writeInt16BE(digits.length, offset);
  buf.writeInt16BE(weight, offset + 2);
  buf.writeUInt16BE(neg && digits.length > 0 ? 0x4000 : 0, offset + 4);
  buf.writeInt16BE(dscale, offset + 6);
  for (let i = 0; i < digits.length; i++) buf.writeUInt16BE(digits[i]!, offset + 8 + i * 2);
}

/** Decodes numeric_send's format back to a decimal string (for binary parameters). */
export function decodeNumericBinary(b: Uint8Array): string {
  const v = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const ndigits = v.readInt16BE(0);
  const weight = v.readInt16BE(2);
  const sign = v.readUInt16BE(4);
  const dscale = v.readInt16BE(6);
  if (sign === 0xc000) return 'NaN';
  let intPart = '';
  let frac = '';
  for (let i = 0; i < ndigits; i++) {
    const d = String(v.readUInt16BE(8 + i * 2)).padStart(4, '0');
    if (i <= weight) intPart += d;
    else frac += d;
  }
  for (let i = ndigits; i <= weight; i++) intPart += '0000';
  if (weight < -1) frac = '0000'.repeat(-weight - 1) + frac;
  intPart = intPart.replace(/^0+/, '') || '0';
  frac = frac.padEnd(dscale, '0').slice(0, dscale);
  return `${sign === 0x4000 ? '-' : ''}${intPart}${dscale > 0 ? `.${frac}` : ''}`;
}

function uuidBytes(s: string): Buffer {
  return Buffer.from(s.replace(/-/g, ''), 'hex');
}

const VAR = -1;

function textCodec(type: PgType, toText: (v: unknown) => string): ColumnCodec {
  return {
    type,
    toText,
    text: (w, v) => w.cellText(toText(v)),
    binary: (w, v) => w.cellText(toText(v)),
  };
}

const asString = (v: unknown): string => (typeof v === 'string' ? v : String(v));

interface MicrosValue {
  micros: bigint;
}
interface DaysValue {
  days: number;
}
interface IntervalValue {
  months: number;
  days: number;
  micros: bigint;
}
interface BytesValue {
  bytes: Uint8Array;
}

/** The codec for a result column of DuckDB type `t`. */
export function columnCodec(t: DuckDBType): ColumnCodec {
  const alias = t.alias?.toUpperCase();
  switch (t.typeId as number) {
    case DUCK.BOOLEAN:
      return {
        type: { oid: PG_OID.bool, size: 1, modifier: -1 },
        toText: (v) => (v ? 't' : 'f'),
        text: (w, v) => w.cellText(v ? 't' : 'f'),
        binary: (w, v) => {
          const { buf, offset } = w.cellFixed(1);
          buf[offset] = v ? 1 : 0;
        },
      };
    case DUCK.TINYINT:
    case DUCK.SMALLINT:
    case DUCK.UTINYINT:
      return {
        type: { oid: PG_OID.int2, size: 2, modifier: -1 },
        toText: asString,
        text: (w, v) => w.cellText(String(v)),
        binary: (w, v) => {
          const { buf, offset } = w.cellFixed(2);
          buf.writeInt16BE(v as number, offset);
        },
      };
    case DUCK.INTEGER:
    case DUCK.USMALLINT:
      return {
        type: { oid: PG_OID.int4, size: 4, modifier: -1 },
        toText: asString,
        text: (w, v) => w.cellText(String(v)),
        binary: (w, v) => {
          const { buf, offset } = w.cellFixed(4);
          buf.writeInt32BE(v as number, offset);
        },
      };
    case DUCK.BIGINT:
    case DUCK.UINTEGER:
      return {
        type: { oid: PG_OID.int8, size: 8, modifier: -1 },
        toText: asString,
        text: (w, v) => w.cellText(String(v)),
        binary: (w, v) => {
          const { buf, offset } = w.cellFixed(8);
          buf.writeBigInt64BE(BigInt(v as number | bigint), offset);
        },
      };
    case DUCK.UBIGINT:
    case DUCK.HUGEINT:
    case DUCK.UHUGEINT:
      return {
        type: { oid: PG_OID.numeric, size: VAR, modifier: -1 },
        toText: asString,
        text: (w, v) => w.cellText(String(v)),
        binary: (w, v) => encodeNumericBinary(w, String(v)),
      };
    case DUCK.FLOAT:
      return {
        type: { oid: PG_OID.float4, size: 4, modifier: -1 },
        toText: (v) => formatFloat4(v as number),
        text: (w, v) => w.cellText(formatFloat4(v as number)),
        binary: (w, v) => {
          const { buf, offset } = w.cellFixed(4);
          buf.writeFloatBE(v as number, offset);
        },
      };
    case DUCK.DOUBLE:
      return {
        type: { oid: PG_OID.float8, size: 8, modifier: -1 },
        toText: (v) => formatFloat(v as number),
        text: (w, v) => w.cellText(formatFloat(v as number)),
        binary: (w, v) => {
          const { buf, offset } = w.cellFixed(8);
          buf.writeDoubleBE(v as number, offset);
        },
      };
    case DUCK.DECIMAL: {
      const d = t as DuckDBDecimalType;
      return {
        type: { oid: PG_OID.numeric, size: VAR, modifier: ((d.width << 16) | d.scale) + 4 },
        toText: asString,
        text: (w, v) => w.cellText(String(v)),
        binary: (w, v) => encodeNumericBinary(w, String(v)),
      };
    }
    case DUCK.VARCHAR:
    case DUCK.ENUM: {
      const oid = alias === 'JSON' ? PG_OID.json : PG_OID.varchar;
      return {
        type: { oid, size: VAR, modifier: -1 },
        toText: asString,
        text: (w, v) => w.cellText(v as string),
        binary: (w, v) => w.cellText(v as string),
      };
    }
    case DUCK.BLOB:
      return {
        type: { oid: PG_OID.bytea, size: VAR, modifier: -1 },
        toText: (v) => formatBytea((v as BytesValue).bytes),
        text: (w, v) => w.cellText(formatBytea((v as BytesValue).bytes)),
        binary: (w, v) => w.cellBytes((v as BytesValue).bytes),
      };
    case DUCK.DATE:
      return {
        type: { oid: PG_OID.date, size: 4, modifier: -1 },
        toText: (v) => formatDate((v as DaysValue).days),
        text: (w, v) => w.cellText(formatDate((v as DaysValue).days)),
        binary: (w, v) => {
          const { buf, offset } = w.cellFixed(4);
          const days = (v as DaysValue).days;
          buf.writeInt32BE(days >= 2147483647 ? 2147483647 : days <= -2147483647 ? -2147483648 : days - PG_EPOCH_DAYS, offset);
        },
      };
    case DUCK.TIME:
      return {
        type: { oid: PG_OID.time, size: 8, modifier: -1 },
        toText: (v) => formatTime((v as MicrosValue).micros),
        text: (w, v) => w.cellText(formatTime((v as MicrosValue).micros)),
        binary: (w, v) => {
          const { buf, offset } = w.cellFixed(8);
          buf.writeBigInt64BE((v as MicrosValue).micros, offset);
        },
      };
    case DUCK.TIMESTAMP:
    case DUCK.TIMESTAMP_TZ:
    case DUCK.TIMESTAMP_S:
    case DUCK.TIMESTAMP_MS:
    case DUCK.TIMESTAMP_NS: {
      const tz = t.typeId === DUCK.TIMESTAMP_TZ;
      const id = t.typeId as number;
      // DuckDB's second/millisecond/nanosecond timestamps carry their own unit.
      const toMicros =
        id === DUCK.TIMESTAMP_S
          ? (v: unknown) => (v as { seconds: bigint }).seconds * 1_000_000n
          : id === DUCK.TIMESTAMP_MS
            ? (v: unknown) => (v as { millis: bigint }).millis * 1000n
            : id === DUCK.TIMESTAMP_NS
              ? (v: unknown) => (v as { nanos: bigint }).nanos / 1000n
              : (v: unknown) => (v as MicrosValue).micros;
      const toText = tz
        ? (v: unknown) => {
            const s = formatTimestamp(toMicros(v));
            return s.endsWith('infinity') ? s : `${s}+00`;
          }
        : (v: unknown) => formatTimestamp(toMicros(v));
      return {
        type: { oid: tz ? PG_OID.timestamptz : PG_OID.timestamp, size: 8, modifier: -1 },
        toText,
        text: (w, v) => w.cellText(toText(v)),
        binary: (w, v) => {
          const { buf, offset } = w.cellFixed(8);
          const us = toMicros(v);
          buf.writeBigInt64BE(us >= INT64_MAX ? INT64_MAX : us <= INT64_MIN + 1n ? INT64_MIN : us - PG_EPOCH_MICROS, offset);
        },
      };
    }
    case DUCK.INTERVAL: {
      const toText = (v: unknown) => {
        const i = v as IntervalValue;
        return formatInterval(i.months, i.days, i.micros);
      };
      return {
        type: { oid: PG_OID.interval, size: 16, modifier: -1 },
        toText,
        text: (w, v) => w.cellText(toText(v)),
        binary: (w, v) => {
          const i = v as IntervalValue;
          const { buf, offset } = w.cellFixed(16);
          buf.writeBigInt64BE(i.micros, offset);
          buf.writeInt32BE(i.days, offset + 8);
          buf.writeInt32BE(i.months, offset + 12);
        },
      };
    }
    case DUCK.UUID:
      return {
        type: { oid: PG_OID.uuid, size: 16, modifier: -1 },
        toText: asString,
        text: (w, v) => w.cellText(String(v)),
        binary: (w, v) => w.cellBytes(uuidBytes(String(v))),
      };
    default:
      // Lists, structs, maps, unions, bit strings …: DuckDB's own text form, announced as text.
      return textCodec({ oid: PG_OID.text, size: VAR, modifier: -1 }, asString);
  }
}

/** A Postgres type name for an OID (ParameterDescription of unknown types, `format_type`). */
export function pgTypeName(oid: number): string {
  for (const [name, o] of Object.entries(PG_OID)) if (o === oid) return name;
  return 'text';
}

/**
 * The DuckDB type a parameter of Postgres type `oid` is bound as (in SQL text: `CAST($n AS …)`), or
 * undefined for text-like and unknown types (bound as VARCHAR, which DuckDB casts where the query needs).
 */
export function duckTypeForOid(oid: number): string | undefined {
  switch (oid) {
    case PG_OID.bool:
      return 'BOOLEAN';
    case PG_OID.int2:
      return 'SMALLINT';
    case PG_OID.int4:
      return 'INTEGER';
    case PG_OID.int8:
      return 'BIGINT';
    case PG_OID.float4:
      return 'FLOAT';
    case PG_OID.float8:
      return 'DOUBLE';
    case PG_OID.numeric:
      return 'DECIMAL(38,10)';
    case PG_OID.bytea:
      return 'BLOB';
    case PG_OID.date:
      return 'DATE';
    case PG_OID.time:
      return 'TIME';
    case PG_OID.timestamp:
      return 'TIMESTAMP';
    case PG_OID.timestamptz:
      return 'TIMESTAMPTZ';
    case PG_OID.interval:
      return 'INTERVAL';
    case PG_OID.uuid:
      return 'UUID';
    case PG_OID.json:
    case PG_OID.jsonb:
      return 'JSON';
    case PG_OID.text:
    case PG_OID.varchar:
    case PG_OID.bpchar:
      return 'VARCHAR';
    default:
      return undefined;
  }
}

/** The Postgres OID announced for a DuckDB parameter type id (ParameterDescription). */
export function oidForDuckTypeId(id: number): number {
  switch (id) {
    case DUCK.BOOLEAN:
      return PG_OID.bool;
    case DUCK.TINYINT:
    case DUCK.SMALLINT:
    case DUCK.UTINYINT:
      return PG_OID.int2;
    case DUCK.INTEGER:
    case DUCK.USMALLINT:
      return PG_OID.int4;
    case DUCK.BIGINT:
    case DUCK.UINTEGER:
      return PG_OID.int8;
    case DUCK.FLOAT:
      return PG_OID.float4;
    case DUCK.DOUBLE:
      return PG_OID.float8;
    case DUCK.DECIMAL:
    case DUCK.HUGEINT:
    case DUCK.UBIGINT:
    case DUCK.UHUGEINT:
      return PG_OID.numeric;
    case DUCK.BLOB:
      return PG_OID.bytea;
    case DUCK.DATE:
      return PG_OID.date;
    case DUCK.TIME:
      return PG_OID.time;
    case DUCK.TIMESTAMP:
    case DUCK.TIMESTAMP_S:
    case DUCK.TIMESTAMP_MS:
    case DUCK.TIMESTAMP_NS:
      return PG_OID.timestamp;
    case DUCK.TIMESTAMP_TZ:
      return PG_OID.timestamptz;
    case DUCK.INTERVAL:
      return PG_OID.interval;
    case DUCK.UUID:
      return PG_OID.uuid;
    default:
      return PG_OID.text;
  }
}

/**
 * A parameter value sent in binary format (§55.2.3), as text DuckDB can cast, by its Postgres type.
 * Returns a Uint8Array for bytea (bound as BLOB).
 */
export function decodeBinaryParam(oid: number, b: Uint8Array): string | Uint8Array {
  const v = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  switch (oid) {
    case PG_OID.bool:
      return v[0] ? 'true' : 'false';
    case PG_OID.int2:
      return String(v.readInt16BE(0));
    case PG_OID.int4:
    case PG_OID.oid:
      return String(v.length === 4 ? v.readInt32BE(0) : v.readBigInt64BE(0));
    case PG_OID.int8:
      return String(v.readBigInt64BE(0));
    case PG_OID.float4:
      return formatFloat(v.readFloatBE(0));
    case PG_OID.float8:
      return formatFloat(v.readDoubleBE(0));
    case PG_OID.numeric:
      return decodeNumericBinary(v);
    case PG_OID.bytea:
      return v;
    case PG_OID.date:
      return formatDate(v.readInt32BE(0) + PG_EPOCH_DAYS);
    case PG_OID.time:
      return formatTime(v.readBigInt64BE(0));
    case PG_OID.timestamp:
      return formatTimestamp(v.readBigInt64BE(0) + PG_EPOCH_MICROS);
    case PG_OID.timestamptz:
      return `${formatTimestamp(v.readBigInt64BE(0) + PG_EPOCH_MICROS)}+00`;
    case PG_OID.uuid: {
      const h = v.toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    case PG_OID.jsonb:
      // jsonb_send: a version byte (1), then the JSON text.
      return v.subarray(1).toString('utf8');
    default:
      return v.toString('utf8');
  }
}
