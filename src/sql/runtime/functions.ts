/**
 * Scalar functions and operators that compiled expressions call (`F.name(...)`).
 * SQL NULL is JS null; every function returns null when a required argument is
 * null (SQL semantics), except the logical operators (three-valued logic),
 * IS [NOT] NULL, COALESCE and CASE. A failure raises RowError, which the
 * operator turns into an error_stream row.
 */
import { LruCache } from '../../core/index.ts';
// Side effect first: user regular expressions get V8's linear-time fallback (see the module).
import { linearTimeProblem } from './regexp-fallback.ts';
import type { SqlType } from '../plan/types.ts';

export class RowError extends Error {
  readonly errorName: string;
  constructor(errorName: string, message: string) {
    super(message);
    this.errorName = errorName;
  }
}

type V = unknown;

const UNIT_MS: Record<string, number> = { MILLISECOND: 1, SECOND: 1000, MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 };

function floorTs(ms: number, unit: string): number {
  const u = UNIT_MS[unit];
  if (u !== undefined) return Math.floor(ms / u) * u;
  const d = new Date(ms);
  if (unit === 'MONTH') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  return Date.UTC(d.getUTCFullYear(), 0, 1); // YEAR
}

function ceilTs(ms: number, unit: string): number {
  const f = floorTs(ms, unit);
  if (f === ms) return ms;
  const u = UNIT_MS[unit];
  if (u !== undefined) return f + u;
  const d = new Date(f);
  if (unit === 'MONTH') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return Date.UTC(d.getUTCFullYear() + 1, 0, 1);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Compiled SIMILAR TO patterns (LIKE has its own matcher, below). A pattern can be a column value, so the cache is bounded:
 * a stream of distinct patterns recompiles instead of growing memory.
 */
const likeCache = new LruCache<string, RegExp>(1024);
function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
/** Something `.test(text)` matches: a compiled LIKE pattern or a RegExp. */
export interface TextMatcher {
  test(text: string): boolean;
}

/** In a compiled LIKE pattern: `_` (any one UTF-16 unit, as the RegExp it replaces matched) and `%` (any run). */
const LIKE_ONE = -1;
const LIKE_ANY = -2;

/**
 * A LIKE pattern matched without a backtracking RegExp: `'%a%a%a%b'` against a long run of `a`s made
 * `^.*a.*a.*a.*b$` take seconds per row (exponential in the number of `%`), which a hostile application
 * could use to stall the server. This greedy matcher only ever returns to the last `%`, so a row costs at
 * most text length × pattern length steps.
 */
class LikePattern implements TextMatcher {
  constructor(private readonly p: Int32Array) {}

  // hot path: once per row a LIKE with a literal pattern sees
  test(s: string): boolean {
    const p = this.p;
    const n = s.length;
    const m = p.length;
    let i = 0;
    let j = 0;
    let star = -1;
    let mark = 0;
    while (i < n) {
      const c = j < m ? p[j]! : 0;
      if (j < m && c !== LIKE_ANY && (c === LIKE_ONE || c === s.charCodeAt(i))) {
        i++;
        j++;
      } else if (j < m && c === LIKE_ANY) {
        star = j++;
        mark = i;
      } else if (star >= 0) {
        j = star + 1;
        i = ++mark;
      } else return false;
    }
    while (j < m && p[j] === LIKE_ANY) j++;
    return j === m;
  }
}

const likePatterns = new LruCache<string, LikePattern>(1024);

/** LIKE pattern → its matcher (% any run, _ one char, optional escape char). */
export function likeMatcher(pattern: string, escape: string | null): TextMatcher {
  const key = `${escape ?? ''}\u0000${pattern}`;
  let m = likePatterns.get(key);
  if (m) return m;
  const codes: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (escape !== null && c === escape && i + 1 < pattern.length) {
      codes.push(pattern.charCodeAt(++i));
      continue;
    }
    codes.push(c === '%' ? LIKE_ANY : c === '_' ? LIKE_ONE : pattern.charCodeAt(i));
  }
  m = new LikePattern(Int32Array.from(codes));
  likePatterns.set(key, m);
  return m;
}
/** SIMILAR TO pattern → RegExp (SQL regular expressions: % _ plus | * + ? {} [] ()). */
export function similarToRegExp(pattern: string, escape: string | null): RegExp {
  const key = `S${escape ?? ''}\u0000${pattern}`;
  let re = likeCache.get(key);
  if (re) return re;
  let src = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (escape !== null && c === escape && i + 1 < pattern.length) {
      src += escapeRe(pattern[++i]!);
      continue;
    }
    if (c === '%') src += '[\\s\\S]*';
    else if (c === '_') src += '[\\s\\S]';
    else if ('|*+?{}()[]^-,'.includes(c)) src += c;
    else src += escapeRe(c);
  }
  const problem = linearTimeProblem(`^(?:${src})$`, pattern);
  if (problem !== undefined) throw new RowError('InvalidRegex', problem);
  re = new RegExp(`^(?:${src})$`);
  likeCache.set(key, re);
  return re;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** KDA's text form of a TIMESTAMP: 2021-01-31 14:47:00.000 (UTC). */
export function formatTimestamp(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}
export function formatDate(ms: number): string {
  return formatTimestamp(ms).slice(0, 10);
}
export function formatTime(ms: number): string {
  return formatTimestamp(((ms % 86_400_000) + 86_400_000) % 86_400_000).slice(11, 19);
}

const TS_RE = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$/;
/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const TS_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18] as const;
const d2 = (s: string, i: number): number => (s.charCodeAt(i) - 48) * 10 + (s.charCodeAt(i + 1) - 48);

// hot path: every TIMESTAMP column of every input record. The common 'YYYY-MM-DD[T ]HH:MM:SS[.fff…]'
// form is read by character codes; anything else (zones, short forms) goes through the regular expression.
function parseTimestampFast(s: string): number | null {
  const n = s.length;
  if (n < 19 || n > 29 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return null;
  const sep = s.charCodeAt(10);
  if (sep !== 84 && sep !== 32) return null;
  for (let k = 0; k < TS_DIGITS.length; k++) {
    const c = s.charCodeAt(TS_DIGITS[k]!);
    if (c < 48 || c > 57) return null;
  }
  let ms = 0;
  if (n > 19) {
    if (s.charCodeAt(19) !== 46) return null;
    let scale = 100;
    for (let i = 20; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) return null;
      if (scale >= 1) ms += (c - 48) * scale;
      scale /= 10;
    }
    ms = Math.floor(ms);
  }
  const y = d2(s, 0) * 100 + d2(s, 2);
  const mo = d2(s, 5);
  const d = d2(s, 8);
  const h = d2(s, 11);
  const mi = d2(s, 14);
  const sec = d2(s, 17);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59) return null;
  return ((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60_000 + sec * 1000 + ms;
}

/** Parses '2021-01-31 14:05:47.190', ISO forms with T/Z/offset, or a date; null if it is not one. */
export function parseTimestamp(s: string): number | null {
  const fast = parseTimestampFast(s);
  if (fast !== null) return fast;
  const m = TS_RE.exec(s);
  if (!m) return null;
  if (
    Number(m[2]) < 1 ||
    Number(m[2]) > 12 ||
    Number(m[3]) < 1 ||
    Number(m[3]) > 31 ||
    Number(m[4] ?? 0) > 23 ||
    Number(m[5] ?? 0) > 59 ||
    Number(m[6] ?? 0) > 59
  )
    return null;
  const frac = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  let ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)) + Math.floor(frac);
  const z = m[8];
  if (z && z !== 'Z') {
    const sign = z[0] === '-' ? -1 : 1;
    const digits = z.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return Number.isFinite(ms) ? ms : null;
}
export function parseTime(s: string): number | null {
  const m = /^\s*(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?\s*$/.exec(s);
  if (!m) return null;
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3] ?? 0)) * 1000 + (m[4] ? Math.floor(Number(`0.${m[4]}`) * 1000) : 0);
}

/** Java SimpleDateFormat subset (yyyy MM dd HH mm ss SSS, literal text in quotes), as KDA's CHAR_TO_TIMESTAMP uses. */
function formatWithPattern(ms: number, fmt: string): string {
  const d = new Date(ms);
  return fmt.replace(/'([^']*)'|yyyy|yy|MM|dd|HH|hh|mm|ss|SSS|a/g, (tok, lit: string | undefined) => {
    if (lit !== undefined) return lit;
    switch (tok) {
      case 'yyyy':
        return pad(d.getUTCFullYear(), 4);
      case 'yy':
        return pad(d.getUTCFullYear() % 100);
      case 'MM':
        return pad(d.getUTCMonth() + 1);
      case 'dd':
        return pad(d.getUTCDate());
      case 'HH':
        return pad(d.getUTCHours());
      case 'hh':
        return pad(((d.getUTCHours() + 11) % 12) + 1);
      case 'mm':
        return pad(d.getUTCMinutes());
      case 'ss':
        return pad(d.getUTCSeconds());
      case 'SSS':
        return pad(d.getUTCMilliseconds(), 3);
      default:
        return d.getUTCHours() < 12 ? 'AM' : 'PM';
    }
  });
}
/** REGEX_REPLACE's patterns (they can come from data): bounded like likeCache. */
const userRegExps = new LruCache<string, RegExp>(256);
/** A user's regular expression, refused (RowError) when it cannot run in linear time (regexp-fallback.ts). */
export function userRegExp(source: string, flags: '' | 'g'): RegExp {
  const key = `${flags}\u0000${source}`;
  let re = userRegExps.get(key);
  if (re) return re;
  try {
    re = new RegExp(source, flags);
  } catch (e) {
    throw new RowError('InvalidRegex', `invalid regular expression '${source}': ${(e as Error).message}`);
  }
  const problem = linearTimeProblem(source);
  if (problem !== undefined) throw new RowError('InvalidRegex', problem);
  userRegExps.set(key, re);
  return re;
}
/** Compiled date/time patterns (formats can come from data): bounded like likeCache. */
const patternCache = new LruCache<string, { re: RegExp; fields: string[] }>(256);
function parseWithPattern(s: string, fmt: string): number | null {
  let p = patternCache.get(fmt);
  if (!p) {
    const fields: string[] = [];
    const src = fmt.replace(/'([^']*)'|yyyy|yy|MMM|MM|dd|HH|hh|mm|ss|SSS|S+|a|[.*+?^${}()|[\]\\]/g, (tok, lit: string | undefined) => {
      if (lit !== undefined) return escapeRe(lit);
      if (/^[.*+?^${}()|[\]\\]$/.test(tok)) return `\\${tok}`;
      fields.push(tok);
      return tok === 'a' ? '(AM|PM|am|pm)' : tok === 'MMM' ? '([A-Za-z]{3})' : tok.startsWith('S') ? '(\\d{1,9})' : tok === 'yyyy' ? '(\\d{4})' : '(\\d{1,2})';
    });
    p = { re: new RegExp(`^${src}$`), fields };
    patternCache.set(fmt, p);
  }
  const m = p.re.exec(s.trim());
  if (!m) return null;
  let y = 1970,
    mo = 1,
    day = 1,
    h = 0,
    mi = 0,
    sec = 0,
    frac = 0,
    pm = false,
    h12 = false;
  for (let i = 0; i < p.fields.length; i++) {
    const v = m[i + 1]!;
    switch (p.fields[i]) {
      case 'yyyy':
        y = Number(v);
        break;
      case 'yy':
        y = 2000 + Number(v);
        break;
      case 'MM':
        mo = Number(v);
        break;
      case 'MMM':
        mo = MONTHS.findIndex((x) => x.toLowerCase() === v.toLowerCase()) + 1;
        break;
      case 'dd':
        day = Number(v);
        break;
      case 'HH':
        h = Number(v);
        break;
      case 'hh':
        h = Number(v);
        h12 = true;
        break;
      case 'mm':
        mi = Number(v);
        break;
      case 'ss':
        sec = Number(v);
        break;
      case 'a':
        pm = v.toUpperCase() === 'PM';
        break;
      default:
        frac = Math.floor(Number(`0.${v}`) * 1000);
    }
  }
  if (h12) h = (h % 12) + (pm ? 12 : 0);
  return Date.UTC(y, mo - 1, day, h, mi, sec) + frac;
}

/** Splits on a delimiter, honouring an escape character and a quote character. */
function splitDelimited(s: string, delim: string, esc: string | null, quote: string | null): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (esc !== null && esc !== '' && c === esc && i + 1 < s.length) {
      cur += s[++i];
      continue;
    }
    if (quote !== null && quote !== '' && c === quote) {
      quoted = !quoted;
      continue;
    }
    if (!quoted && s.startsWith(delim, i)) {
      out.push(cur);
      cur = '';
      i += delim.length - 1;
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out;
}

/** Java DecimalFormat subset for NUMBER_TO_CHAR: '#,##0.00', '0.###', '000', literal prefix/suffix, '%'. */
function decimalFormat(x: number, fmt: string): string {
  const m = /^([^#0,.]*)([#0,]*)(?:\.([#0]*))?([^#0,.]*)$/.exec(fmt);
  if (!m) throw new RowError('InvalidArgument', `unsupported number format '${fmt}'`);
  const [, prefix, intPart, fracPart = '', suffix] = m as unknown as [string, string, string, string | undefined, string];
  if (suffix.includes('%')) x *= 100;
  const minFrac = (fracPart.match(/0/g) ?? []).length;
  const maxFrac = fracPart.length;
  const minInt = (intPart.match(/0/g) ?? []).length;
  const group = intPart.includes(',') ? intPart.length - intPart.lastIndexOf(',') - 1 : 0;
  let [ip, fp = ''] = Math.abs(x).toFixed(maxFrac).split('.') as [string, string | undefined];
  while (fp.length > minFrac && fp.endsWith('0')) fp = fp.slice(0, -1);
  ip = ip.replace(/^0+(?=\d)/, '');
  if (ip === '0' && minInt === 0 && fp !== '') ip = '';
  ip = ip.padStart(minInt, '0');
  if (group > 0) ip = ip.replace(new RegExp(`\\B(?=(\\d{${group}})+(?!\\d))`, 'g'), ',');
  return `${x < 0 ? '-' : ''}${prefix}${ip}${fp ? `.${fp}` : ''}${suffix}`;
}

function num(v: V, what: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = Number(v.trim());
    if (v.trim() !== '' && Number.isFinite(n)) return n;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new RowError('CastError', `cannot convert '${String(v)}' to ${what}`);
}

const INT_RANGE: Record<string, [number, number]> = {
  TINYINT: [-128, 127],
  SMALLINT: [-32768, 32767],
  INTEGER: [-2147483648, 2147483647],
  BIGINT: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** CAST(v AS t) and assignment of a value to a column of type t. */
export function castTo(v: V, t: SqlType): V {
  if (v === null || v === undefined) return null;
  switch (t.name) {
    case 'VARCHAR':
    case 'CHAR': {
      let s: string;
      if (typeof v === 'string') s = v;
      else if (typeof v === 'number' && t.name) s = String(v);
      else s = String(v);
      // KDA truncates a value longer than the declared length on assignment.
      return t.length !== undefined && s.length > t.length ? s.slice(0, t.length) : s;
    }
    case 'INTEGER':
    case 'BIGINT':
    case 'SMALLINT':
    case 'TINYINT': {
      const n = Math.trunc(num(v, t.name));
      const r = INT_RANGE[t.name]!;
      if (n < r[0] || n > r[1]) throw new RowError('OutOfRange', `${n} is out of range for ${t.name}`);
      return n;
    }
    case 'REAL':
      return Math.fround(num(v, 'REAL'));
    case 'DOUBLE':
      return num(v, 'DOUBLE');
    case 'DECIMAL': {
      const n = num(v, 'DECIMAL');
      if (t.scale === undefined) return n;
      const f = 10 ** t.scale;
      return Math.round(n * f) / f;
    }
    case 'BOOLEAN': {
      if (typeof v === 'boolean') return v;
      if (typeof v === 'number') return v !== 0;
      const s = String(v).trim().toUpperCase();
      if (s === 'TRUE') return true;
      if (s === 'FALSE') return false;
      throw new RowError('CastError', `cannot convert '${String(v)}' to BOOLEAN`);
    }
    case 'TIMESTAMP':
    case 'DATE': {
      let ms: number | null;
      if (typeof v === 'number') ms = v;
      else ms = parseTimestamp(String(v));
      if (ms === null) throw new RowError('CastError', `cannot convert '${String(v)}' to ${t.name}`);
      return t.name === 'DATE' ? Math.floor(ms / 86_400_000) * 86_400_000 : ms;
    }
    case 'TIME': {
      if (typeof v === 'number') return ((v % 86_400_000) + 86_400_000) % 86_400_000;
      const ms = parseTime(String(v)) ?? (parseTimestamp(String(v)) !== null ? parseTimestamp(String(v))! % 86_400_000 : null);
      if (ms === null) throw new RowError('CastError', `cannot convert '${String(v)}' to TIME`);
      return ms;
    }
    default:
      return v;
  }
}

function cmp(a: V, b: V): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = typeof a === 'number' ? a : num(a, 'a number');
  const y = typeof b === 'number' ? b : num(b, 'a number');
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Context the runtime sets before evaluating (CURRENT_ROW_TIMESTAMP reads it). */
export const evalContext = { nowMs: 0, /** Flink's CURRENT_WATERMARK: the watermark of the input being processed. */ watermarkMs: -Infinity };

function initcap(s: string): string {
  return s.toLowerCase().replace(/(^|[^A-Za-z0-9])([a-z])/g, (_m, p: string, c: string) => p + c.toUpperCase());
}

function extract(unit: string, ms: number): number {
  const d = new Date(ms);
  switch (unit) {
    case 'YEAR':
      return d.getUTCFullYear();
    case 'MONTH':
      return d.getUTCMonth() + 1;
    case 'DAY':
      return d.getUTCDate();
    case 'HOUR':
      return d.getUTCHours();
    case 'MINUTE':
      return d.getUTCMinutes();
    case 'SECOND':
      return d.getUTCSeconds();
    case 'MILLISECOND':
      return d.getUTCMilliseconds();
    case 'DOW':
      return d.getUTCDay() + 1;
    case 'DOY':
      return Math.floor((ms - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
    case 'QUARTER':
      return Math.floor(d.getUTCMonth() / 3) + 1;
    case 'WEEK': {
      const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
      const day = t.getUTCDay() || 7;
      t.setUTCDate(t.getUTCDate() + 4 - day);
      return Math.ceil(((t.getTime() - Date.UTC(t.getUTCFullYear(), 0, 1)) / 86_400_000 + 1) / 7);
    }
    default:
      return Math.floor(ms / 1000); // EPOCH
  }
}

// hot path: these run per row from compiled expressions; keep them small so V8 inlines them.
export const F = {
  add: (a: V, b: V): V => (a === null || b === null ? null : (a as number) + (b as number)),
  sub: (a: V, b: V): V => (a === null || b === null ? null : (a as number) - (b as number)),
  mul: (a: V, b: V): V => (a === null || b === null ? null : (a as number) * (b as number)),
  div: (a: V, b: V): V => {
    if (a === null || b === null) return null;
    if (b === 0) throw new RowError('DivisionByZero', 'division by zero');
    return (a as number) / (b as number);
  },
  idiv: (a: V, b: V): V => {
    if (a === null || b === null) return null;
    if (b === 0) throw new RowError('DivisionByZero', 'division by zero');
    return Math.trunc((a as number) / (b as number));
  },
  mod: (a: V, b: V): V => {
    if (a === null || b === null) return null;
    if (b === 0) throw new RowError('DivisionByZero', 'division by zero');
    return (a as number) % (b as number);
  },
  neg: (a: V): V => (a === null ? null : -(a as number)),
  /** BIGINT arithmetic result: exact within ±(2^53 − 1) (BIGINT values are doubles), else a row error, never a rounded value. */
  checkBigint: (a: V): V => {
    if (a === null || Number.isSafeInteger(a)) return a;
    throw new RowError('OutOfRange', `${String(a)} is out of range for BIGINT (Freshet holds BIGINT exactly within ±9007199254740991)`);
  },
  /** MONOTONIC(x): x itself; the declaration only matters to the planner. */
  monotonic: (a: V): V => a,
  real: (a: V): V => (a === null ? null : Math.fround(a as number)),
  concat: (a: V, b: V): V => (a === null || b === null ? null : String(a) + String(b)),
  eq: (a: V, b: V): V => (a === null || b === null ? null : a === b || cmp(a, b) === 0),
  ne: (a: V, b: V): V => (a === null || b === null ? null : a !== b && cmp(a, b) !== 0),
  lt: (a: V, b: V): V => (a === null || b === null ? null : typeof a === 'number' && typeof b === 'number' ? a < b : cmp(a, b) < 0),
  le: (a: V, b: V): V => (a === null || b === null ? null : typeof a === 'number' && typeof b === 'number' ? a <= b : cmp(a, b) <= 0),
  gt: (a: V, b: V): V => (a === null || b === null ? null : typeof a === 'number' && typeof b === 'number' ? a > b : cmp(a, b) > 0),
  ge: (a: V, b: V): V => (a === null || b === null ? null : typeof a === 'number' && typeof b === 'number' ? a >= b : cmp(a, b) >= 0),
  and: (a: V, b: V): V => (a === false || b === false ? false : a === null || b === null ? null : true),
  or: (a: V, b: V): V => (a === true || b === true ? true : a === null || b === null ? null : false),
  not: (a: V): V => (a === null ? null : !a),
  isNull: (a: V): V => a === null,
  isNotNull: (a: V): V => a !== null,
  isTrue: (a: V): V => a === true,
  isFalse: (a: V): V => a === false,
  between: (a: V, lo: V, hi: V): V => F.and(F.ge(a, lo), F.le(a, hi)),
  in: (a: V, ...list: V[]): V => {
    if (a === null) return null;
    let sawNull = false;
    for (const x of list) {
      if (x === null) sawNull = true;
      else if (F.eq(a, x) === true) return true;
    }
    return sawNull ? null : false;
  },
  like: (s: V, p: V, esc: V): V => (s === null || p === null ? null : likeMatcher(String(p), esc === null ? null : String(esc)).test(String(s))),
  similar: (s: V, p: V, esc: V): V => (s === null || p === null ? null : similarToRegExp(String(p), esc === null ? null : String(esc)).test(String(s))),
  coalesce: (...xs: V[]): V => {
    for (const x of xs) if (x !== null) return x;
    return null;
  },
  nullif: (a: V, b: V): V => (F.eq(a, b) === true ? null : a),
  cast: (v: V, t: SqlType): V => castTo(v, t),
  // date/time
  floorTo: (v: V, unit: V): V => (v === null ? null : floorTs(v as number, unit as string)),
  ceilTo: (v: V, unit: V): V => (v === null ? null : ceilTs(v as number, unit as string)),
  step: (v: V, by: V): V => (v === null || by === null ? null : Math.floor((v as number) / (by as number)) * (by as number)),
  extract: (unit: V, v: V): V => (v === null ? null : extract(unit as string, v as number)),
  tsdiff: (a: V, b: V): V => (a === null || b === null ? null : (a as number) - (b as number)),
  unixTimestamp: (a: V): V => (a === null ? null : a),
  toTimestamp: (a: V): V => (a === null ? null : num(a, 'TIMESTAMP')),
  now: (): V => evalContext.nowMs,
  charToTimestamp: (fmt: V, s: V): V => {
    if (fmt === null || s === null) return null;
    const ms = parseWithPattern(String(s), String(fmt));
    if (ms === null) throw new RowError('CastError', `'${String(s)}' does not match the format '${String(fmt)}'`);
    return ms;
  },
  charToDate: (fmt: V, s: V): V => {
    const ms = F.charToTimestamp(fmt, s);
    return ms === null ? null : Math.floor((ms as number) / 86_400_000) * 86_400_000;
  },
  charToTime: (fmt: V, s: V): V => {
    const ms = F.charToTimestamp(fmt, s);
    return ms === null ? null : (((ms as number) % 86_400_000) + 86_400_000) % 86_400_000;
  },
  currentDate: (): V => Math.floor(evalContext.nowMs / 86_400_000) * 86_400_000,
  currentTime: (): V => evalContext.nowMs % 86_400_000,
  numberToChar: (n: V, fmt: V): V => (n === null || fmt === null ? null : decimalFormat(n as number, String(fmt))),
  overlay: (s: V, rep: V, from: V, len: V): V => {
    if (s === null || rep === null || from === null) return null;
    const str = String(s);
    const r = String(rep);
    const start = (from as number) - 1;
    const n = len === undefined || len === null ? r.length : (len as number);
    return str.slice(0, Math.max(0, start)) + r + str.slice(Math.max(0, start + n));
  },
  timestampToChar: (fmt: V, ts: V): V => (fmt === null || ts === null ? null : formatWithPattern(ts as number, String(fmt))),
  // strings
  charLength: (s: V): V => (s === null ? null : String(s).length),
  upper: (s: V): V => (s === null ? null : String(s).toUpperCase()),
  lower: (s: V): V => (s === null ? null : String(s).toLowerCase()),
  initcap: (s: V): V => (s === null ? null : initcap(String(s))),
  substring: (s: V, from: V, len: V): V => {
    if (s === null || from === null) return null;
    const str = String(s);
    const start = (from as number) - 1;
    if (len === undefined || len === null) return str.slice(Math.max(0, start));
    const end = start + (len as number);
    if ((len as number) < 0) throw new RowError('SubstringError', 'SUBSTRING length must not be negative');
    return str.slice(Math.max(0, start), Math.max(0, end));
  },
  position: (sub: V, s: V, from: V): V =>
    sub === null || s === null ? null : String(s).indexOf(String(sub), from === null || from === undefined ? 0 : (from as number) - 1) + 1,
  trim: (mode: V, chars: V, s: V): V => {
    if (s === null) return null;
    const c = chars === null ? ' ' : String(chars);
    let str = String(s);
    if (c.length === 0) return str;
    if (mode !== 'TRAILING') while (str.startsWith(c)) str = str.slice(c.length);
    if (mode !== 'LEADING') while (str.endsWith(c)) str = str.slice(0, str.length - c.length);
    return str;
  },
  regexReplace: (s: V, re: V, rep: V, start: V, occurrence: V): V => {
    if (s === null || re === null || rep === null) return null;
    const str = String(s);
    const from = start === null || start === undefined ? 0 : (start as number) - 1;
    const occ = occurrence === null || occurrence === undefined ? 0 : (occurrence as number);
    const rx = userRegExp(String(re), 'g');
    let n = 0;
    // Java-style $1 back-references work the same in JS replacement strings.
    return (
      str.slice(0, from) +
      str.slice(from).replace(rx, (m, ...groups) => {
        n++;
        if (occ !== 0 && n !== occ) return m;
        const gs = groups.slice(0, -2) as (string | undefined)[];
        return String(rep).replace(/\$(\d)/g, (_x, d: string) => gs[Number(d) - 1] ?? '');
      })
    );
  },
  // log parsers (ROW values are arrays in field order)
  field: (row: V, i: V): V => (row === null || row === undefined ? null : ((row as V[])[i as number] ?? null)),
  regexLogParse: (s: V, re: V, types: V): V => {
    if (s === null) return null;
    const m = (re as RegExp).exec(String(s));
    if (!m) return null; // KDA: a line that does not match gives a NULL row
    const ts = types as SqlType[];
    // '-' is how web server logs write "no value".
    return ts.map((t, i) => castTo(m[i + 1] === undefined || (m[i + 1] === '-' && t.name !== 'VARCHAR') ? null : m[i + 1]!, t));
  },
  sysLogParse: (s: V): V => {
    if (s === null) return null;
    // 'Mon DD HH:MM:SS rest': syslog carries no year, so the year is 1970 (as Java's parser gives).
    const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) ?(.*)$/.exec(String(s));
    if (!m) return null;
    const mo = MONTHS.indexOf(m[1]!);
    if (mo < 0) return null;
    return [Date.UTC(1970, mo, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])), m[6]!];
  },
  fixedColumnLogParse: (s: V, cols: V): V => {
    if (s === null) return null;
    const str = String(s);
    return (cols as { type: SqlType; start: number; length: number | null; format: string | null }[]).map((c) => {
      const raw = (c.length === null ? str.slice(c.start) : str.slice(c.start, c.start + c.length)).trim();
      if (raw === '') return null;
      if (c.format && (c.type.name === 'TIMESTAMP' || c.type.name === 'DATE' || c.type.name === 'TIME')) {
        const ms = parseWithPattern(raw, c.format);
        if (ms === null) throw new RowError('ParseError', `'${raw}' does not match the format '${c.format}'`);
        return ms;
      }
      return castTo(raw, c.type);
    });
  },
  variableColumnLogParse: (s: V, delim: V, esc: V, quote: V, types: V): V => {
    if (s === null) return null;
    const parts = splitDelimited(String(s), delim === null ? ',' : String(delim), esc === null ? null : String(esc), quote === null ? null : String(quote));
    const ts = types as SqlType[];
    // Missing trailing fields are NULL; extra text goes into the last field.
    if (parts.length > ts.length && ts.length > 0)
      parts.splice(ts.length - 1, parts.length, parts.slice(ts.length - 1).join(delim === null ? ',' : String(delim)));
    return ts.map((t, i) => castTo(parts[i] === undefined || parts[i] === '' ? null : parts[i]!, t));
  },
  // math
  abs: (a: V): V => (a === null ? null : Math.abs(a as number)),
  floor: (a: V): V => (a === null ? null : Math.floor(a as number)),
  ceil: (a: V): V => (a === null ? null : Math.ceil(a as number)),
  exp: (a: V): V => (a === null ? null : Math.exp(a as number)),
  ln: (a: V): V => {
    if (a === null) return null;
    if ((a as number) <= 0) throw new RowError('InvalidArgument', `LN of ${String(a)} is undefined`);
    return Math.log(a as number);
  },
  log10: (a: V): V => {
    if (a === null) return null;
    if ((a as number) <= 0) throw new RowError('InvalidArgument', `LOG10 of ${String(a)} is undefined`);
    return Math.log10(a as number);
  },
  power: (a: V, b: V): V => (a === null || b === null ? null : (a as number) ** (b as number)),
  sqrt: (a: V): V => (a === null ? null : Math.sqrt(a as number)),
  round: (a: V, d: V): V => {
    if (a === null) return null;
    const f = 10 ** (d === null || d === undefined ? 0 : (d as number));
    return Math.round((a as number) * f) / f;
  },
};

export type FunctionTable = typeof F;
