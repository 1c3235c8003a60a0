/**
 * Built-in functions of the Flink SQL dialect that KDA's table (functions.ts)
 * lacks, called from compiled expressions as `F.name(...)` like the others:
 * CAST/TRY_CAST with Flink's rules and text forms, string functions (CONCAT,
 * CONCAT_WS, LPAD, SPLIT_INDEX, REGEXP_EXTRACT, ...), temporal ones
 * (DATE_FORMAT, TO_TIMESTAMP, TIMESTAMPADD/DIFF, FROM_UNIXTIME, ...),
 * conditional ones (IF, GREATEST, IS DISTINCT FROM), JSON (JSON_VALUE,
 * JSON_QUERY, JSON_EXISTS, JSON_OBJECT, JSON_ARRAY), collections and hashes.
 * SQL NULL is JS null; a function returns null when a required argument is.
 */
import { createHash, randomUUID } from 'node:crypto';
import { LruCache } from '../../core/index.ts';
import type { SqlType } from '../plan/types.ts';
import { castTo, evalContext, formatTimestamp, parseTimestamp, RowError } from './functions.ts';
import { linearTimeProblem } from './regexp-fallback.ts';

type V = unknown;

const DAY_MS = 86_400_000;
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Java's Double.toString, which is how Flink writes a DOUBLE as text: 1.0, 0.5, 1.0E7, 1.0E-4. */
export function javaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x);
    return s.includes('.') || s.includes('e') ? s : `${s}.0`;
  }
  const [m, e] = x.toExponential().split('e') as [string, string];
  return `${m.includes('.') ? m : `${m}.0`}E${Number(e)}`;
}

/** Flink's text of a TIMESTAMP(p): 2021-01-31 14:47:00.000 with p fraction digits. */
export function flinkTimestampText(ms: number, precision = 3): string {
  const s = formatTimestamp(ms);
  if (precision <= 0) return s.slice(0, 19);
  if (precision <= 3) return s.slice(0, 20 + precision);
  return s + '0'.repeat(precision - 3);
}

/** A value as Flink writes it as text (CAST(x AS STRING), string concatenation). */
export function flinkText(v: V, t: SqlType | null): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number') {
    if (!t) return String(v);
    switch (t.name) {
      case 'DOUBLE':
      case 'REAL':
        return javaDouble(v);
      case 'DECIMAL':
        return t.scale !== undefined && t.scale > 0 ? v.toFixed(t.scale) : String(Math.round(v));
      case 'TIMESTAMP':
        return flinkTimestampText(v, t.precision ?? 6);
      case 'DATE':
        return formatTimestamp(v).slice(0, 10);
      case 'TIME':
        return formatTimestamp(((v % DAY_MS) + DAY_MS) % DAY_MS).slice(11, 19);
      default:
        return String(v);
    }
  }
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (Array.isArray(v)) return `[${v.map((x) => (x === null ? 'NULL' : flinkText(x, t?.element ?? t?.fields?.[0]?.type ?? null))).join(', ')}]`;
  if (v instanceof Map)
    return `{${[...v.entries()].map(([k, x]) => `${flinkText(k, t?.key ?? null)}=${x === null ? 'NULL' : flinkText(x, t?.value ?? null)}`).join(', ')}}`;
  return String(v);
}

/** CAST in Flink: like KDA's castTo, with Flink's text forms and truncation rules. */
export function flinkCast(v: V, t: SqlType): V {
  if (v === null || v === undefined) return null;
  switch (t.name) {
    case 'VARCHAR':
    case 'CHAR': {
      const s = flinkText(v, null);
      return t.length !== undefined && s.length > t.length ? s.slice(0, t.length) : s;
    }
    case 'BOOLEAN':
      if (typeof v === 'string') {
        const u = v.trim().toUpperCase();
        if (u === 'TRUE' || u === '1' || u === 'T' || u === 'YES' || u === 'Y') return true;
        if (u === 'FALSE' || u === '0' || u === 'F' || u === 'NO' || u === 'N') return false;
        throw new RowError('CastError', `cannot cast '${v}' to BOOLEAN`);
      }
      return castTo(v, t);
    case 'BYTES':
      return typeof v === 'string' ? new TextEncoder().encode(v) : v;
    case 'TIMESTAMP':
    case 'DATE': {
      if (typeof v === 'string') {
        const ms = parseTimestamp(v);
        if (ms === null) throw new RowError('CastError', `cannot cast '${v}' to ${t.name === 'DATE' ? 'DATE' : 'TIMESTAMP'}`);
        return t.name === 'DATE' ? Math.floor(ms / DAY_MS) * DAY_MS : ms;
      }
      return castTo(v, t);
    }
    case 'ARRAY':
    case 'MAP':
    case 'ROW':
      return v;
    default:
      return castTo(v, t);
  }
}

// ---- date/time patterns (Java DateTimeFormatter / SimpleDateFormat subset, UTC) ----
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const TOKEN = /'([^']*)'|y+|M+|d+|H+|h+|m+|s+|S+|a|E+|D+|u|Z+|X+|z+/g;

export function formatDatePattern(ms: number, fmt: string): string {
  const d = new Date(ms);
  return fmt.replace(TOKEN, (tok, lit: string | undefined) => {
    if (lit !== undefined) return lit === '' ? "'" : lit;
    const n = tok.length;
    switch (tok[0]) {
      case 'y':
        return n === 2 ? pad(d.getUTCFullYear() % 100) : pad(d.getUTCFullYear(), n);
      case 'M':
        return n >= 4 ? MONTHS[d.getUTCMonth()]! : n === 3 ? MONTHS[d.getUTCMonth()]!.slice(0, 3) : pad(d.getUTCMonth() + 1, n);
      case 'd':
        return pad(d.getUTCDate(), n);
      case 'H':
        return pad(d.getUTCHours(), n);
      case 'h':
        return pad(((d.getUTCHours() + 11) % 12) + 1, n);
      case 'm':
        return pad(d.getUTCMinutes(), n);
      case 's':
        return pad(d.getUTCSeconds(), n);
      case 'S':
        return pad(d.getUTCMilliseconds(), 3).padEnd(n, '0').slice(0, n);
      case 'a':
        return d.getUTCHours() < 12 ? 'AM' : 'PM';
      case 'E':
        return n >= 4 ? DAYS[d.getUTCDay()]! : DAYS[d.getUTCDay()]!.slice(0, 3);
      case 'D':
        return pad(Math.floor((ms - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY_MS) + 1, n);
      case 'u':
        return String(d.getUTCDay() || 7);
      case 'Z':
        return '+0000';
      case 'X':
        return 'Z';
      default:
        return 'UTC';
    }
  });
}

const parseCache = new LruCache<string, { re: RegExp; fields: string[] }>(256);

/** Parses text with a Java date pattern (UTC); null when it does not match. */
export function parseDatePattern(s: string, fmt: string): number | null {
  let p = parseCache.get(fmt);
  if (!p) {
    const fields: string[] = [];
    let src = '';
    let last = 0;
    TOKEN.lastIndex = 0;
    for (let m = TOKEN.exec(fmt); m; m = TOKEN.exec(fmt)) {
      src += fmt.slice(last, m.index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      last = m.index + m[0].length;
      if (m[1] !== undefined) {
        src += (m[1] === '' ? "'" : m[1]).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        continue;
      }
      const tok = m[0];
      fields.push(tok);
      const c = tok[0];
      if (c === 'M' && tok.length >= 3) src += '([A-Za-z]+)';
      else if (c === 'E') src += '[A-Za-z]+';
      else if (c === 'a') src += '(AM|PM|am|pm)';
      else if (c === 'y' && tok.length === 4) src += '(\\d{4})';
      else if (c === 'S') src += '(\\d{1,9})';
      else if (c === 'Z' || c === 'X' || c === 'z') src += '(Z|[+-]\\d{2}:?\\d{2}|UTC|GMT)';
      else src += `(\\d{1,${Math.max(2, tok.length)}})`;
      if (c === 'E') fields.pop();
    }
    src += fmt.slice(last).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    p = { re: new RegExp(`^${src}$`), fields };
    parseCache.set(fmt, p);
  }
  const m = p.re.exec(s.trim());
  if (!m) return null;
  let y = 1970;
  let mo = 1;
  let day = 1;
  let h = 0;
  let mi = 0;
  let sec = 0;
  let frac = 0;
  let pm = false;
  let h12 = false;
  let offsetMin = 0;
  for (let i = 0; i < p.fields.length; i++) {
    const v = m[i + 1]!;
    const f = p.fields[i]!;
    switch (f[0]) {
      case 'y':
        y = f.length === 2 ? 2000 + Number(v) : Number(v);
        break;
      case 'M':
        mo = f.length >= 3 ? MONTHS.findIndex((x) => x.toLowerCase().startsWith(v.toLowerCase().slice(0, 3))) + 1 : Number(v);
        break;
      case 'd':
        day = Number(v);
        break;
      case 'H':
        h = Number(v);
        break;
      case 'h':
        h = Number(v);
        h12 = true;
        break;
      case 'm':
        mi = Number(v);
        break;
      case 's':
        sec = Number(v);
        break;
      case 'S':
        frac = Math.floor(Number(`0.${v}`) * 1000);
        break;
      case 'a':
        pm = v.toUpperCase() === 'PM';
        break;
      case 'Z':
      case 'X':
      case 'z':
        if (v !== 'Z' && v !== 'UTC' && v !== 'GMT') {
          const digits = v.slice(1).replace(':', '');
          offsetMin = (v[0] === '-' ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
        }
        break;
      default:
        break;
    }
  }
  if (mo < 1 || mo > 12 || day < 1 || day > 31 || h > 23 || mi > 59 || sec > 59) return null;
  if (h12) h = (h % 12) + (pm ? 12 : 0);
  return Date.UTC(y, mo - 1, day, h, mi, sec) + frac - offsetMin * 60_000;
}

const UNIT_MS: Record<string, number> = {
  NANOSECOND: 1e-6,
  MICROSECOND: 1e-3,
  MILLISECOND: 1,
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: DAY_MS,
  WEEK: 7 * DAY_MS,
};
const UNIT_MONTHS: Record<string, number> = { MONTH: 1, QUARTER: 3, YEAR: 12 };

function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const ty = y + Math.floor(m / 12);
  const tm = ((m % 12) + 12) % 12;
  const last = new Date(Date.UTC(ty, tm + 1, 0)).getUTCDate();
  const day = Math.min(d.getUTCDate(), last);
  return Date.UTC(ty, tm, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

function monthsBetween(a: number, b: number): number {
  const da = new Date(a);
  const db = new Date(b);
  let months = (db.getUTCFullYear() - da.getUTCFullYear()) * 12 + (db.getUTCMonth() - da.getUTCMonth());
  // Whole months only: a month counts once the day/time of month is reached.
  const restA = a - Date.UTC(da.getUTCFullYear(), da.getUTCMonth(), 1);
  const restB = b - Date.UTC(db.getUTCFullYear(), db.getUTCMonth(), 1);
  if (months > 0 && restB < restA) months--;
  else if (months < 0 && restB > restA) months++;
  return months;
}

// ---- JSON paths (SQL/JSON path language, lax mode) ----
type PathStep = { k: 'key'; name: string } | { k: 'index'; i: number } | { k: 'wild' };
interface JsonPath {
  strict: boolean;
  steps: PathStep[];
}
const pathCache = new LruCache<string, JsonPath>(1024);

function parsePath(text: string): JsonPath {
  let p = pathCache.get(text);
  if (p) return p;
  let s = text.trim();
  let strict = false;
  const mode = /^(lax|strict)\s+/i.exec(s);
  if (mode) {
    strict = mode[1]!.toLowerCase() === 'strict';
    s = s.slice(mode[0].length);
  }
  if (!s.startsWith('$')) throw new RowError('JsonPathError', `Illegal jsonpath spec: ${text}, format of the spec should be: '<lax|strict> $\{expr}'`);
  const steps: PathStep[] = [];
  const re = /\.([A-Za-z_$][\w$]*)|\."((?:[^"\\]|\\.)*)"|\.\*|\[\s*(\d+)\s*\]|\[\s*\*\s*\]|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]/y;
  re.lastIndex = 1;
  while (re.lastIndex < s.length) {
    const at = re.lastIndex;
    const m = re.exec(s);
    if (!m) throw new RowError('JsonPathError', `Illegal jsonpath spec: ${text} (at position ${at})`);
    if (m[1] !== undefined) steps.push({ k: 'key', name: m[1] });
    else if (m[2] !== undefined) steps.push({ k: 'key', name: m[2] });
    else if (m[3] !== undefined) steps.push({ k: 'index', i: Number(m[3]) });
    else if (m[4] !== undefined) steps.push({ k: 'key', name: m[4] });
    else if (m[5] !== undefined) steps.push({ k: 'key', name: m[5] });
    else steps.push({ k: 'wild' });
  }
  p = { strict, steps };
  pathCache.set(text, p);
  return p;
}

const NOT_FOUND = Symbol('not found');

/** Evaluates a path; wildcard steps collect an array. NOT_FOUND when the path leads nowhere (lax) — strict throws. */
function evalPath(doc: unknown, path: JsonPath): unknown {
  let cur: unknown[] = [doc];
  let multi = false;
  for (const step of path.steps) {
    const next: unknown[] = [];
    for (const c of cur) {
      if (step.k === 'key') {
        if (c !== null && typeof c === 'object' && !Array.isArray(c) && Object.hasOwn(c, step.name)) next.push((c as Record<string, unknown>)[step.name]);
        else if (path.strict) throw new RowError('JsonPathError', `No results for path: $.${step.name}`);
      } else if (step.k === 'index') {
        if (Array.isArray(c) && step.i < c.length) next.push(c[step.i]);
        else if (path.strict) throw new RowError('JsonPathError', `No results for path: [${step.i}]`);
      } else {
        multi = true;
        if (Array.isArray(c)) next.push(...c);
        else if (c !== null && typeof c === 'object') next.push(...Object.values(c));
      }
    }
    cur = next;
  }
  if (cur.length === 0) return NOT_FOUND;
  return multi ? cur : cur[0];
}

const docCache = new LruCache<string, unknown>(64);
function parseJson(s: string): unknown {
  const hit = docCache.get(s);
  if (hit !== undefined) return hit;
  const v: unknown = JSON.parse(s);
  docCache.set(s, v);
  return v;
}

function jsonText(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x instanceof Map ? Object.fromEntries(x) : x instanceof Uint8Array ? Buffer.from(x).toString('base64') : x));
}

/** Behaviour codes of JSON_VALUE / JSON_QUERY (plan literals). */
const ERROR = 'ERROR';
const DEFAULT = 'DEFAULT';

function hash(alg: string, s: V): V {
  if (s === null) return null;
  return createHash(alg)
    .update(typeof s === 'string' ? s : s instanceof Uint8Array ? s : String(s))
    .digest('hex');
}

const regexCache = new LruCache<string, RegExp>(512);
/** A Java regular expression as a JS one (the common subset is the same; named groups `(?<n>` too). */
function javaRegex(re: string, flags = ''): RegExp {
  const key = `${flags}\u0000${re}`;
  let r = regexCache.get(key);
  if (!r) {
    try {
      r = new RegExp(re, flags);
    } catch (e) {
      throw new RowError('InvalidRegex', `invalid regular expression '${re}': ${(e as Error).message}`);
    }
    const problem = linearTimeProblem(re);
    if (problem !== undefined) throw new RowError('InvalidRegex', problem);
    regexCache.set(key, r);
  }
  return r;
}

function str(v: V): string {
  return typeof v === 'string' ? v : flinkText(v, null);
}

/** A key under which equal SQL values (numbers, text, arrays, maps, rows) are equal. */
function sameKey(v: V): string {
  if (v === null || v === undefined) return 'n';
  if (v instanceof Map) return `m${JSON.stringify([...v.entries()].map(([k, x]) => [sameKey(k), sameKey(x)]))}`;
  if (Array.isArray(v)) return `a${JSON.stringify(v.map(sameKey))}`;
  return `${typeof v}:${String(v)}`;
}

/** Order of two non-NULL values of one type (numbers, text, booleans; arrays element by element). */
function compareValues(x: V, y: V): number {
  if (Array.isArray(x) && Array.isArray(y)) {
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const a = x[i] as V;
      const b = y[i] as V;
      if (a === null || b === null) {
        if (a !== b) return a === null ? -1 : 1;
        continue;
      }
      const c = compareValues(a, b);
      if (c !== 0) return c;
    }
    return x.length - y.length;
  }
  return (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0;
}

/** A MAP value's entries (a Map, or an object as a JSON record gives it). */
function entriesOf(m: V): [V, V][] {
  return m instanceof Map ? [...(m as Map<V, V>).entries()] : Object.entries(m as Record<string, V>);
}

/** ARRAY_MAX (dir 1) / ARRAY_MIN (-1): the extreme non-NULL element, NULL when there is none. */
function extreme(a: V, dir: number): V {
  if (a === null) return null;
  let best: V = null;
  for (const x of a as V[]) if (x !== null && (best === null || compareValues(x, best) * dir > 0)) best = x;
  return best;
}

/** A user regular expression, or null when it does not compile (the REGEXP_COUNT family answers NULL then). */
function regexOrNull(re: string, flags: string): RegExp | null {
  try {
    return javaRegex(re, flags);
  } catch (e) {
    if (e instanceof RowError && e.message.startsWith('invalid regular expression')) return null;
    throw e;
  }
}

// hot path: called per row from compiled expressions.
export const FLINK_FUNCTIONS = {
  fCast: (v: V, t: SqlType): V => flinkCast(v, t),
  tryCast: (v: V, t: SqlType): V => {
    try {
      return flinkCast(v, t);
    } catch {
      return null;
    }
  },
  /** Text of a value of the given type (concatenation with non-text operands, CAST AS STRING). */
  fText: (v: V, t: SqlType): V => (v === null ? null : flinkText(v, t)),
  fConcat: (...xs: V[]): V => {
    let s = '';
    for (const x of xs) {
      if (x === null) return null;
      s += str(x);
    }
    return s;
  },
  concatWs: (sep: V, ...xs: V[]): V => {
    if (sep === null) return null;
    const parts: string[] = [];
    for (const x of xs) if (x !== null) parts.push(str(x));
    return parts.join(str(sep));
  },
  fIf: (c: V, a: V, b: V): V => (c === true ? a : b),
  isDistinctFrom: (a: V, b: V): V => {
    if (a === null && b === null) return false;
    if (a === null || b === null) return true;
    return !(a === b || (a instanceof Uint8Array && b instanceof Uint8Array && Buffer.from(a).equals(Buffer.from(b))));
  },
  isUnknown: (a: V): V => a === null,
  greatest: (...xs: V[]): V => {
    let best: V = null;
    for (const x of xs) {
      if (x === null) return null;
      if (best === null || (x as number) > (best as number)) best = x;
    }
    return best;
  },
  least: (...xs: V[]): V => {
    let best: V = null;
    for (const x of xs) {
      if (x === null) return null;
      if (best === null || (x as number) < (best as number)) best = x;
    }
    return best;
  },
  // strings
  lpad: (s: V, n: V, p: V): V => {
    if (s === null || n === null || p === null) return null;
    const len = n as number;
    const text = str(s);
    if (len < 0) return null;
    if (len <= text.length) return text.slice(0, len);
    if (str(p).length === 0) return null;
    return text.padStart(len, str(p));
  },
  rpad: (s: V, n: V, p: V): V => {
    if (s === null || n === null || p === null) return null;
    const len = n as number;
    const text = str(s);
    if (len < 0) return null;
    if (len <= text.length) return text.slice(0, len);
    if (str(p).length === 0) return null;
    return text.padEnd(len, str(p));
  },
  repeat: (s: V, n: V): V => (s === null || n === null ? null : str(s).repeat(Math.max(0, n as number))),
  replace: (s: V, a: V, b: V): V => (s === null || a === null || b === null ? null : str(s).split(str(a)).join(str(b))),
  reverse: (s: V): V => (s === null ? null : [...str(s)].reverse().join('')),
  left: (s: V, n: V): V => (s === null || n === null ? null : (n as number) <= 0 ? '' : str(s).slice(0, n as number)),
  right: (s: V, n: V): V => (s === null || n === null ? null : (n as number) <= 0 ? '' : str(s).slice(-(n as number))),
  ltrim: (s: V): V => (s === null ? null : str(s).replace(/^ +/, '')),
  rtrim: (s: V): V => (s === null ? null : str(s).replace(/ +$/, '')),
  btrim: (s: V): V => (s === null ? null : str(s).replace(/^ +| +$/g, '')),
  splitIndex: (s: V, sep: V, i: V): V => {
    if (s === null || sep === null || i === null || (i as number) < 0) return null;
    const parts = str(s).split(str(sep));
    return parts[i as number] ?? null;
  },
  regexpExtract: (s: V, re: V, i: V): V => {
    if (s === null || re === null) return null;
    const m = javaRegex(str(re)).exec(str(s));
    if (!m) return null;
    const g = i === null || i === undefined ? 1 : (i as number);
    return m[g] ?? null;
  },
  regexp: (s: V, re: V): V => (s === null || re === null ? null : javaRegex(str(re)).test(str(s))),
  regexpCount: (s: V, re: V): V => {
    if (s === null || re === null) return null;
    const r = regexOrNull(str(re), 'g');
    return r ? [...str(s).matchAll(r)].length : null;
  },
  /** REGEXP_EXTRACT_ALL(s, re[, group]): group (default 1; 0 the whole match) of every match; NULL past the last group. */
  regexpExtractAll: (s: V, re: V, i?: V): V => {
    if (s === null || re === null || i === null) return null;
    const r = regexOrNull(str(re), 'g');
    if (!r) return null;
    const g = i === undefined ? 1 : (i as number);
    const groups = new RegExp(`${r.source}|`).exec('')!.length - 1;
    if (g < 0 || g > groups) return null;
    return [...str(s).matchAll(r)].map((m) => m[g] ?? null);
  },
  regexpInstr: (s: V, re: V): V => {
    if (s === null || re === null) return null;
    const r = regexOrNull(str(re), '');
    if (!r) return null;
    const m = r.exec(str(s));
    return m ? m.index + 1 : 0;
  },
  regexpSubstr: (s: V, re: V): V => {
    if (s === null || re === null) return null;
    const m = regexOrNull(str(re), '')?.exec(str(s));
    return m ? m[0] : null;
  },
  startsWith: (s: V, p: V): V => (s === null || p === null ? null : str(s).startsWith(str(p))),
  endsWith: (s: V, p: V): V => (s === null || p === null ? null : str(s).endsWith(str(p))),
  /** TRANSLATE(s, from, to): each character of `from` becomes the one at its place in `to`, or goes when `to` is shorter. */
  translate: (s: V, from: V, to: V): V => {
    if (s === null || from === null || to === null) return null;
    const f = [...str(from)];
    const t = [...str(to)];
    let out = '';
    for (const c of str(s)) {
      const k = f.indexOf(c);
      if (k < 0) out += c;
      else if (k < t.length) out += t[k];
    }
    return out;
  },
  /** URL_ENCODE: application/x-www-form-urlencoded in UTF-8, as Java's URLEncoder writes it. */
  urlEncode: (s: V): V =>
    s === null
      ? null
      : encodeURIComponent(str(s))
          .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
          .replace(/%20/g, '+')
          .replace(/%2A/g, '*'),
  urlDecode: (s: V): V => {
    if (s === null) return null;
    try {
      return decodeURIComponent(str(s).replace(/\+/g, ' '));
    } catch {
      return null;
    }
  },
  /** JSON_QUOTE: the text as a JSON string literal (with `/` escaped, as Flink does). */
  jsonQuote: (s: V): V => (s === null ? null : JSON.stringify(str(s)).replace(/\//g, '\\/')),
  /** JSON_UNQUOTE: a JSON string literal's text; anything else unchanged. */
  jsonUnquote: (s: V): V => {
    if (s === null) return null;
    const t = str(s);
    if (t.length < 2 || !t.startsWith('"') || !t.endsWith('"')) return t;
    try {
      const v: unknown = JSON.parse(t);
      return typeof v === 'string' ? v : t;
    } catch {
      return t;
    }
  },
  regexpReplace: (s: V, re: V, rep: V): V => {
    if (s === null || re === null || rep === null) return null;
    // Java replacement strings use $1 like JS; a lone $ is literal in neither.
    return str(s).replace(javaRegex(str(re), 'g'), str(rep));
  },
  locate: (sub: V, s: V, from: V): V => {
    if (sub === null || s === null) return null;
    const start = from === null || from === undefined ? 0 : Math.max(0, (from as number) - 1);
    return str(s).indexOf(str(sub), start) + 1;
  },
  instr: (s: V, sub: V): V => (s === null || sub === null ? null : str(s).indexOf(str(sub)) + 1),
  ascii: (s: V): V => (s === null ? null : str(s).length === 0 ? 0 : str(s).charCodeAt(0)),
  chr: (n: V): V => (n === null ? null : String.fromCharCode((n as number) % 256)),
  toBase64: (s: V): V => (s === null ? null : Buffer.from(typeof s === 'string' ? s : (s as Uint8Array)).toString('base64')),
  fromBase64: (s: V): V => (s === null ? null : Buffer.from(str(s), 'base64').toString('utf8')),
  md5: (s: V): V => hash('md5', s),
  sha1: (s: V): V => hash('sha1', s),
  sha256: (s: V): V => hash('sha256', s),
  sha2: (s: V, bits: V): V => (bits === null ? null : hash(`sha${bits as number}`, s)),
  hex: (v: V): V => {
    if (v === null) return null;
    if (typeof v === 'number') return Math.trunc(v).toString(16).toUpperCase();
    return Buffer.from(str(v), 'utf8').toString('hex').toUpperCase();
  },
  bin: (v: V): V => (v === null ? null : Math.trunc(v as number).toString(2)),
  uuid: (): V => randomUUID(),
  strToMap: (s: V, pairSep: V, kvSep: V): V => {
    if (s === null) return null;
    const m = new Map<string, string | null>();
    for (const pair of str(s).split(pairSep === null || pairSep === undefined ? ',' : str(pairSep))) {
      const at = pair.indexOf(kvSep === null || kvSep === undefined ? '=' : str(kvSep));
      if (at < 0) m.set(pair, null);
      else m.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return m;
  },
  parseUrl: (u: V, part: V, key: V): V => {
    if (u === null || part === null) return null;
    let url: URL;
    try {
      url = new URL(str(u));
    } catch {
      return null;
    }
    switch (str(part).toUpperCase()) {
      case 'HOST':
        return url.hostname;
      case 'PATH':
        return url.pathname;
      case 'QUERY':
        if (key !== null && key !== undefined) return url.searchParams.get(str(key));
        return url.search.length > 1 ? url.search.slice(1) : null;
      case 'REF':
        return url.hash.length > 1 ? url.hash.slice(1) : null;
      case 'PROTOCOL':
        return url.protocol.replace(/:$/, '');
      case 'FILE':
        return url.pathname + url.search;
      case 'AUTHORITY':
        return url.host;
      case 'USERINFO':
        return url.username ? `${url.username}${url.password ? `:${url.password}` : ''}` : null;
      default:
        return null;
    }
  },
  // math
  log2: (a: V): V => (a === null ? null : Math.log2(a as number)),
  logBase: (b: V, x: V): V => (b === null || x === null ? null : Math.log(x as number) / Math.log(b as number)),
  sign: (a: V): V => (a === null ? null : Math.sign(a as number)),
  pi: (): V => Math.PI,
  e: (): V => Math.E,
  rand: (): V => Math.random(),
  randInteger: (a: V, b: V): V => {
    const bound = b === undefined ? a : b;
    return bound === null ? null : Math.floor(Math.random() * (bound as number));
  },
  truncate: (a: V, d: V): V => {
    if (a === null) return null;
    const f = 10 ** (d === null || d === undefined ? 0 : (d as number));
    return Math.trunc((a as number) * f) / f;
  },
  fRound: (a: V, d: V): V => {
    if (a === null) return null;
    const f = 10 ** (d === null || d === undefined ? 0 : (d as number));
    // HALF_UP as Java's BigDecimal rounds: away from zero at .5.
    const x = (a as number) * f;
    return (Math.sign(x) * Math.round(Math.abs(x) + 1e-9)) / f;
  },
  degrees: (a: V): V => (a === null ? null : ((a as number) * 180) / Math.PI),
  radians: (a: V): V => (a === null ? null : ((a as number) * Math.PI) / 180),
  sin: (a: V): V => (a === null ? null : Math.sin(a as number)),
  cos: (a: V): V => (a === null ? null : Math.cos(a as number)),
  tan: (a: V): V => (a === null ? null : Math.tan(a as number)),
  asin: (a: V): V => (a === null ? null : Math.asin(a as number)),
  acos: (a: V): V => (a === null ? null : Math.acos(a as number)),
  atan: (a: V): V => (a === null ? null : Math.atan(a as number)),
  atan2: (a: V, b: V): V => (a === null || b === null ? null : Math.atan2(a as number, b as number)),
  cot: (a: V): V => (a === null ? null : 1 / Math.tan(a as number)),
  sinh: (a: V): V => (a === null ? null : Math.sinh(a as number)),
  cosh: (a: V): V => (a === null ? null : Math.cosh(a as number)),
  tanh: (a: V): V => (a === null ? null : Math.tanh(a as number)),
  fMod: (a: V, b: V): V => {
    if (a === null || b === null) return null;
    if (b === 0) throw new RowError('DivisionByZero', 'Division by zero');
    return (a as number) % (b as number);
  },
  // temporal
  dateFormat: (ts: V, fmt: V): V => {
    if (ts === null || fmt === null) return null;
    const ms = typeof ts === 'number' ? ts : parseTimestamp(str(ts));
    return ms === null ? null : formatDatePattern(ms, str(fmt));
  },
  /** TO_TIMESTAMP(string[, format]): NULL when the text does not fit. */
  toTimestampStr: (s: V, fmt: V): V => {
    if (s === null) return null;
    if (fmt === null) return null;
    if (fmt === undefined) return parseTimestamp(str(s));
    return parseDatePattern(str(s), str(fmt));
  },
  /** TO_TIMESTAMP_LTZ(number, precision): epoch seconds (0) or milliseconds (3). */
  toTimestampLtz: (n: V, precision: V): V => {
    if (n === null) return null;
    if (typeof n === 'string') return parseTimestamp(n);
    const p = precision === null || precision === undefined ? 3 : (precision as number);
    return p === 0 ? (n as number) * 1000 : p === 3 ? Math.floor(n as number) : Math.floor((n as number) / 10 ** (p - 3));
  },
  toDate: (s: V, fmt: V): V => {
    if (s === null) return null;
    const ms = fmt === undefined || fmt === null ? parseTimestamp(str(s)) : parseDatePattern(str(s), str(fmt));
    return ms === null ? null : Math.floor(ms / DAY_MS) * DAY_MS;
  },
  fromUnixtime: (sec: V, fmt: V): V => {
    if (sec === null) return null;
    const f = fmt === undefined || fmt === null ? 'yyyy-MM-dd HH:mm:ss' : str(fmt);
    return formatDatePattern((sec as number) * 1000, f);
  },
  /** UNIX_TIMESTAMP(): now in seconds; UNIX_TIMESTAMP(text[, format]): that time in seconds (-1... NULL when it does not parse). */
  unixSeconds: (now: V, s: V, fmt: V): V => {
    if (s === undefined) return Math.floor((now as number) / 1000);
    if (s === null) return null;
    const ms = fmt === undefined || fmt === null ? parseDatePattern(str(s), 'yyyy-MM-dd HH:mm:ss') : parseDatePattern(str(s), str(fmt));
    return ms === null ? null : Math.floor(ms / 1000);
  },
  timestampAdd: (unit: V, n: V, ts: V): V => {
    if (n === null || ts === null) return null;
    const u = unit as string;
    const months = UNIT_MONTHS[u];
    if (months !== undefined) return addMonths(ts as number, (n as number) * months);
    return (ts as number) + (n as number) * UNIT_MS[u]!;
  },
  timestampDiff: (unit: V, a: V, b: V): V => {
    if (a === null || b === null) return null;
    const u = unit as string;
    const months = UNIT_MONTHS[u];
    if (months !== undefined) return Math.trunc(monthsBetween(a as number, b as number) / months);
    return Math.trunc(((b as number) - (a as number)) / UNIT_MS[u]!);
  },
  addMonths: (ts: V, months: V): V => (ts === null || months === null ? null : addMonths(ts as number, months as number)),
  convertTz: (s: V, from: V, to: V): V => {
    if (s === null || from === null || to === null) return null;
    const local = parseTimestamp(str(s));
    if (local === null) return null;
    const offset = (zone: string, at: number): number => {
      if (/^(UTC|GMT|Z)$/i.test(zone)) return 0;
      const m = /^(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?$/.exec(zone);
      if (m) return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0)) * 60_000;
      try {
        const parts = new Intl.DateTimeFormat('en-US', {
          timeZone: zone,
          hourCycle: 'h23',
          year: 'numeric',
          month: 'numeric',
          day: 'numeric',
          hour: 'numeric',
          minute: 'numeric',
          second: 'numeric',
        }).formatToParts(at);
        const get = (t: string): number => Number(parts.find((x) => x.type === t)?.value ?? 0);
        return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - (at - (at % 1000));
      } catch {
        throw new RowError('InvalidTimeZone', `unknown time zone '${zone}'`);
      }
    };
    const utc = local - offset(str(from), local);
    return formatTimestamp(utc + offset(str(to), utc)).slice(0, 19);
  },
  currentWatermark: (): V => (evalContext.watermarkMs === -Infinity ? null : evalContext.watermarkMs),
  dayOfWeek: (ts: V): V => (ts === null ? null : new Date(ts as number).getUTCDay() + 1),
  // JSON
  isJson: (s: V): V => {
    if (s === null) return false;
    try {
      JSON.parse(str(s));
      return true;
    } catch {
      return false;
    }
  },
  jsonExists: (s: V, p: V): V => {
    if (s === null || p === null) return null;
    try {
      return evalPath(parseJson(str(s)), parsePath(str(p))) !== NOT_FOUND;
    } catch {
      return false;
    }
  },
  /** JSON_VALUE: behaviours are 'NULL' | 'ERROR' | 'DEFAULT' with their default values. */
  jsonValue: (s: V, p: V, t: V, onEmpty: V, emptyDefault: V, onError: V, errorDefault: V): V => {
    if (s === null || p === null) return null;
    const type = t as SqlType;
    let v: unknown;
    try {
      v = evalPath(parseJson(str(s)), parsePath(str(p)));
      if (v !== NOT_FOUND && v !== null && typeof v === 'object')
        throw new RowError('JsonValueError', `JSON_VALUE of ${str(p)} is not a scalar: ${jsonText(v)}`);
    } catch (e) {
      if (onError === ERROR) throw e instanceof RowError ? e : new RowError('JsonValueError', (e as Error).message);
      return onError === DEFAULT ? errorDefault : null;
    }
    if (v === NOT_FOUND || v === null) {
      if (onEmpty === ERROR) throw new RowError('JsonValueError', `No results for path: ${str(p)}`);
      return onEmpty === DEFAULT ? emptyDefault : null;
    }
    try {
      return flinkCast(typeof v === 'number' && (type.name === 'VARCHAR' || type.name === 'CHAR') ? String(v) : v, type);
    } catch (e) {
      if (onError === ERROR) throw e;
      return onError === DEFAULT ? errorDefault : null;
    }
  },
  /** JSON_QUERY: wrapper 'WITHOUT' | 'CONDITIONAL' | 'UNCONDITIONAL'; behaviours 'NULL' | 'EMPTY ARRAY' | 'EMPTY OBJECT' | 'ERROR'. */
  jsonQuery: (s: V, p: V, wrapper: V, onEmpty: V, onError: V): V => {
    if (s === null || p === null) return null;
    const behave = (b: V, why: string): V => {
      if (b === ERROR) throw new RowError('JsonQueryError', why);
      return b === 'EMPTY ARRAY' ? '[]' : b === 'EMPTY OBJECT' ? '{}' : null;
    };
    let v: unknown;
    try {
      v = evalPath(parseJson(str(s)), parsePath(str(p)));
    } catch (e) {
      return behave(onError, (e as Error).message);
    }
    if (v === NOT_FOUND) return behave(onEmpty, `No results for path: ${str(p)}`);
    const composite = v !== null && typeof v === 'object';
    if (wrapper === 'UNCONDITIONAL' || (wrapper === 'CONDITIONAL' && !Array.isArray(v))) return jsonText([v]);
    if (!composite) return behave(onError, `JSON_QUERY of ${str(p)} is a scalar: use JSON_VALUE or WITH WRAPPER`);
    return jsonText(v);
  },
  jsonObject: (absentOnNull: V, ...kv: V[]): V => {
    const o: Record<string, unknown> = {};
    for (let i = 0; i + 1 < kv.length; i += 2) {
      const k = kv[i];
      if (k === null) throw new RowError('JsonObjectError', 'JSON_OBJECT keys must not be NULL');
      const v = kv[i + 1];
      if (v === null && absentOnNull === true) continue;
      o[str(k)] = v instanceof Map ? Object.fromEntries(v) : v;
    }
    return jsonText(o);
  },
  jsonArray: (absentOnNull: V, ...xs: V[]): V => jsonText(absentOnNull === true ? xs.filter((x) => x !== null) : xs),
  jsonString: (v: V): V => (v === null ? null : jsonText(v)),
  /** A JSON text value nested into JSON_OBJECT/JSON_ARRAY stays JSON (Flink: JSON_OBJECT(... VALUE JSON_OBJECT(...))). */
  jsonRaw: (v: V): V => (v === null ? null : JSON.parse(str(v))),
  // collections
  cardinality: (v: V): V => (v === null ? null : v instanceof Map ? v.size : (v as unknown[]).length),
  /** A scalar subquery's value: `rows` is how many rows it has for this key (NULL: none); more than one fails as in Flink. */
  singleValue: (rows: V, v: V): V => {
    if (rows !== null && (rows as number) > 1) throw new RowError('TableRuntimeException', 'SingleValueAggFunction received more than one element.');
    return v;
  },
  /** INTERSECT ALL / EXCEPT ALL: an array of `n` elements, unnested into `n` copies of a row. */
  replicateRows: (n: V): V => (n === null || (n as number) <= 0 ? [] : new Array<number>(n as number).fill(1)),
  element: (v: V): V => {
    if (v === null) return null;
    const a = v as unknown[];
    if (a.length === 0) return null;
    if (a.length > 1) throw new RowError('ElementError', 'ELEMENT: the array has more than one element');
    return a[0] ?? null;
  },
  at: (v: V, i: V): V => {
    if (v === null || i === null) return null;
    if (v instanceof Map) return v.get(i) ?? null;
    if (Array.isArray(v)) return v[(i as number) - 1] ?? null;
    return null;
  },
  arrayOf: (...xs: V[]): V => xs,
  mapOf: (...kv: V[]): V => {
    const m = new Map<V, V>();
    for (let i = 0; i + 1 < kv.length; i += 2) m.set(kv[i], kv[i + 1]);
    return m;
  },
  rowOf: (...xs: V[]): V => xs,
  arrayContains: (a: V, x: V): V => (a === null ? null : (a as unknown[]).includes(x)),
  arrayDistinct: (a: V): V => {
    if (a === null) return null;
    const seen = new Set<string>();
    return (a as V[]).filter((x) => {
      const k = sameKey(x);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  },
  arrayPosition: (a: V, x: V): V => {
    if (a === null || x === null) return null;
    const k = sameKey(x);
    return (a as V[]).findIndex((y) => sameKey(y) === k) + 1;
  },
  arrayRemove: (a: V, x: V): V => {
    if (a === null) return null;
    const k = sameKey(x);
    return (a as V[]).filter((y) => sameKey(y) !== k);
  },
  arrayReverse: (a: V): V => (a === null ? null : [...(a as V[])].reverse()),
  arrayAppend: (a: V, x: V): V => (a === null ? null : [...(a as V[]), x]),
  arrayPrepend: (a: V, x: V): V => (a === null ? null : [x, ...(a as V[])]),
  arrayConcat: (...as: V[]): V => (as.some((a) => a === null) ? null : (as as V[][]).flat(1)),
  arrayUnion: (a: V, b: V): V => (a === null || b === null ? null : FLINK_FUNCTIONS.arrayDistinct([...(a as V[]), ...(b as V[])])),
  arrayMax: (a: V): V => extreme(a, 1),
  arrayMin: (a: V): V => extreme(a, -1),
  /** ARRAY_SLICE(a, start[, end]): 1-based and inclusive, negative offsets count from the end, 0 is the start. */
  arraySlice: (a: V, start: V, end?: V): V => {
    if (a === null || start === null || end === null) return null;
    const xs = a as V[];
    const n = xs.length;
    const at = (o: number): number => (o < 0 ? n + o + 1 : o === 0 ? 1 : o);
    const from = Math.max(1, at(start as number));
    const to = Math.min(n, end === undefined ? n : at(end as number));
    return from > to ? [] : xs.slice(from - 1, to);
  },
  /** ARRAY_SORT(a[, ascending[, nullsFirst]]): nulls first when ascending, last when descending, unless told. */
  arraySort: (a: V, asc?: V, nullsFirst?: V): V => {
    if (a === null || asc === null || nullsFirst === null) return null;
    const up = asc === undefined ? true : asc === true;
    const first = nullsFirst === undefined ? up : nullsFirst === true;
    return [...(a as V[])].sort((x, y) => {
      if (x === null || y === null) return x === y ? 0 : (x === null) === first ? -1 : 1;
      const c = compareValues(x, y);
      return up ? c : -c;
    });
  },
  /** ARRAY_JOIN(a, delimiter[, nullReplacement]): NULL elements dropped unless a replacement is given. */
  arrayJoin: (a: V, delim: V, nullText?: V): V => {
    if (a === null || delim === null || nullText === null) return null;
    const parts: string[] = [];
    for (const x of a as V[]) {
      if (x === null) {
        if (nullText !== undefined) parts.push(str(nullText));
      } else parts.push(typeof x === 'string' ? x : flinkText(x, null));
    }
    return parts.join(str(delim));
  },
  mapKeys: (m: V): V => (m === null ? null : entriesOf(m).map((e) => e[0])),
  mapValues: (m: V): V => (m === null ? null : entriesOf(m).map((e) => e[1])),
  mapEntries: (m: V): V => (m === null ? null : entriesOf(m)),
  mapFromArrays: (ks: V, vs: V): V => {
    if (ks === null || vs === null) return null;
    const a = ks as V[];
    const b = vs as V[];
    if (a.length !== b.length)
      throw new RowError('MapFromArraysError', 'Invalid function MAP_FROM_ARRAYS call: the length of the keys array and the values array must be the same');
    return new Map(a.map((k, i) => [k, b[i] ?? null]));
  },
  /** SPLIT(s, delimiter): the parts between delimiters (an empty delimiter splits into characters). */
  split: (s: V, d: V): V => {
    if (s === null || d === null) return null;
    const text = str(s);
    const delim = str(d);
    if (delim === '') return [...text];
    return text.split(delim);
  },
  isAlpha: (s: V): V => (s === null ? false : /^\p{L}+$/u.test(str(s))),
  isDigit: (s: V): V => (s === null ? false : /^\p{Nd}+$/u.test(str(s))),
  isDecimal: (s: V): V => (s === null ? false : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(str(s).trim())),
};

export type FlinkFunctionTable = typeof FLINK_FUNCTIONS;

export { DAY_MS };
