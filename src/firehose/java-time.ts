/**
 * A compiler for Java `DateTimeFormatter.ofPattern` patterns, as used by
 * Firehose's `!{timestamp:<pattern>}` prefix expressions.
 * Reference: java.time.format.DateTimeFormatter ("Patterns for Formatting and
 * Parsing"), formatting only, Locale.US (Firehose runs with the US locale: weeks
 * start on Sunday, minimal days in the first week = 1).
 *
 * The pattern is compiled once into a list of field writers; formatting a
 * timestamp then only reads calendar fields (computed once per call) and
 * appends strings.
 */
import { LruCache } from '../core/index.ts';

export interface ZonedFields {
  year: number;
  month: number; // 1..12
  day: number; // 1..31
  hour: number; // 0..23
  minute: number;
  second: number;
  millis: number;
  /** Offset from UTC in minutes (east positive). */
  offsetMinutes: number;
  dayOfWeek: number; // 1 = Monday .. 7 = Sunday (ISO)
  dayOfYear: number;
  epochMs: number;
  zoneId: string;
}

type Piece = (f: ZonedFields) => string;

export class PatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PatternError';
  }
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const QUARTER_LONG = ['1st quarter', '2nd quarter', '3rd quarter', '4th quarter'];

function pad(n: number, width: number): string {
  const neg = n < 0;
  let s = String(Math.abs(n));
  while (s.length < width) s = `0${s}`;
  return neg ? `-${s}` : s;
}

/** Java's year printing: 'yy' → two-digit reduced; 'y'/'yyy' → as is (padded to the count); 'yyyy'+ → padded, sign when exceeding. */
function yearPiece(count: number, get: (f: ZonedFields) => number): Piece {
  if (count === 2) return (f) => pad(((get(f) % 100) + 100) % 100, 2);
  return (f) => {
    const y = get(f);
    const s = pad(y, count < 4 ? count : count);
    return count >= 4 && String(Math.abs(y)).length > count && y > 0 ? `+${s}` : s;
  };
}

function numberPiece(letter: string, count: number, max: number, get: (f: ZonedFields) => number): Piece {
  if (count > max) throw new PatternError(`Too many pattern letters: ${letter}`);
  return (f) => pad(get(f), count);
}

function textPiece(count: number, names: readonly string[], get: (f: ZonedFields) => number, numeric?: (count: number) => Piece): Piece {
  if (count <= 2 && numeric) return numeric(count);
  if (count === 3 || (count <= 2 && !numeric)) return (f) => names[get(f)]!.slice(0, 3);
  if (count === 4) return (f) => names[get(f)]!;
  if (count === 5) return (f) => names[get(f)]!.slice(0, 1);
  throw new PatternError('Too many pattern letters');
}

function offsetString(minutes: number, withColon: boolean, withMinutes: 'always' | 'nonzero', zeroText: string | null): string {
  if (minutes === 0 && zeroText !== null) return zeroText;
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const h = pad(Math.floor(abs / 60), 2);
  const m = abs % 60;
  if (withMinutes === 'nonzero' && m === 0) return sign + h;
  return sign + h + (withColon ? ':' : '') + pad(m, 2);
}

function localizedOffset(minutes: number, full: boolean): string {
  if (minutes === 0) return 'GMT';
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const h = Math.floor(abs / 60);
  const m = abs % 60;
  if (full) return `GMT${sign}${pad(h, 2)}:${pad(m, 2)}`;
  return `GMT${sign}${h}${m ? `:${pad(m, 2)}` : ''}`;
}

/** US-locale week fields: week starts Sunday, first week has >= 1 day. */
function usDayOfWeek(f: ZonedFields): number {
  return (f.dayOfWeek % 7) + 1; // Sunday = 1 .. Saturday = 7
}
function usWeekOfYear(f: ZonedFields): number {
  const jan1Dow = (usDayOfWeek(f) - 1 - ((f.dayOfYear - 1) % 7) + 14) % 7; // 0 = Sunday
  return Math.floor((f.dayOfYear - 1 + jan1Dow) / 7) + 1;
}
function usWeekOfMonth(f: ZonedFields): number {
  const firstDow = (usDayOfWeek(f) - 1 - ((f.day - 1) % 7) + 14) % 7;
  return Math.floor((f.day - 1 + firstDow) / 7) + 1;
}
function usWeekBasedYear(f: ZonedFields): number {
  // With minimal days = 1 the week containing Jan 1 is week 1, so the last days of December may belong to next year's week 1.
  if (f.month === 12) {
    const daysLeft = 31 - f.day;
    const dow = usDayOfWeek(f) - 1; // 0 = Sunday
    if (dow + daysLeft < 6) return f.year + 1;
  }
  return f.year;
}
function usWeekOfWeekBasedYear(f: ZonedFields): number {
  return usWeekBasedYear(f) !== f.year ? 1 : usWeekOfYear(f);
}

function compileLetter(letter: string, count: number): Piece {
  switch (letter) {
    case 'G':
      return count <= 3
        ? (f) => (f.year > 0 ? 'AD' : 'BC')
        : count === 4
          ? (f) => (f.year > 0 ? 'Anno Domini' : 'Before Christ')
          : (f) => (f.year > 0 ? 'A' : 'B');
    case 'u':
      return yearPiece(count, (f) => f.year);
    case 'y':
      return yearPiece(count, (f) => (f.year > 0 ? f.year : 1 - f.year));
    case 'Y':
      return yearPiece(count, usWeekBasedYear);
    case 'M':
    case 'L':
      return textPiece(
        count,
        MONTHS,
        (f) => f.month - 1,
        (c) => (f) => pad(f.month, c),
      );
    case 'Q':
    case 'q':
      if (count <= 2) return (f) => pad(Math.ceil(f.month / 3), count);
      if (count === 3) return (f) => `Q${Math.ceil(f.month / 3)}`;
      if (count === 4) return (f) => QUARTER_LONG[Math.ceil(f.month / 3) - 1]!;
      if (count === 5) return (f) => String(Math.ceil(f.month / 3));
      throw new PatternError(`Too many pattern letters: ${letter}`);
    case 'd':
      return numberPiece(letter, count, 2, (f) => f.day);
    case 'D':
      return numberPiece(letter, count, 3, (f) => f.dayOfYear);
    case 'w':
      return numberPiece(letter, count, 2, usWeekOfWeekBasedYear);
    case 'W':
      return numberPiece(letter, count, 1, usWeekOfMonth);
    case 'F':
      return numberPiece(letter, count, 1, (f) => Math.floor((f.day - 1) / 7) + 1);
    case 'E':
      return textPiece(count, DAYS, (f) => f.dayOfWeek - 1);
    case 'e':
    case 'c':
      return textPiece(
        count,
        DAYS,
        (f) => f.dayOfWeek - 1,
        (c) => (f) => pad(usDayOfWeek(f), c),
      );
    case 'a':
      if (count > 1) throw new PatternError('Too many pattern letters: a');
      return (f) => (f.hour < 12 ? 'AM' : 'PM');
    case 'H':
      return numberPiece(letter, count, 2, (f) => f.hour);
    case 'k':
      return numberPiece(letter, count, 2, (f) => (f.hour === 0 ? 24 : f.hour));
    case 'K':
      return numberPiece(letter, count, 2, (f) => f.hour % 12);
    case 'h':
      return numberPiece(letter, count, 2, (f) => (f.hour % 12 === 0 ? 12 : f.hour % 12));
    case 'm':
      return numberPiece(letter, count, 2, (f) => f.minute);
    case 's':
      return numberPiece(letter, count, 2, (f) => f.second);
    case 'S':
      if (count > 9) throw new PatternError('Too many pattern letters: S');
      return (f) => pad(f.millis, 3).concat('000000').slice(0, count);
    case 'A':
      return (f) => pad(((f.hour * 60 + f.minute) * 60 + f.second) * 1000 + f.millis, count);
    case 'n':
      return (f) => pad(f.millis * 1_000_000, count);
    case 'N':
      return (f) => pad((((f.hour * 60 + f.minute) * 60 + f.second) * 1000 + f.millis) * 1_000_000, count);
    case 'V':
      if (count !== 2) throw new PatternError('Pattern letter count must be 2: V');
      return (f) => f.zoneId;
    case 'z':
      if (count > 4) throw new PatternError('Too many pattern letters: z');
      return (f) => zoneName(f, count === 4);
    case 'O':
      if (count === 1) return (f) => localizedOffset(f.offsetMinutes, false);
      if (count === 4) return (f) => localizedOffset(f.offsetMinutes, true);
      throw new PatternError('Pattern letter count must be 1 or 4: O');
    case 'X':
    case 'x': {
      const zero = letter === 'X' ? 'Z' : null;
      if (count === 1) return (f) => offsetString(f.offsetMinutes, false, 'nonzero', zero);
      if (count === 2 || count === 4) return (f) => offsetString(f.offsetMinutes, false, 'always', zero);
      if (count === 3 || count === 5) return (f) => offsetString(f.offsetMinutes, true, 'always', zero);
      throw new PatternError(`Too many pattern letters: ${letter}`);
    }
    case 'Z':
      if (count <= 3) return (f) => offsetString(f.offsetMinutes, false, 'always', null);
      if (count === 4) return (f) => localizedOffset(f.offsetMinutes, true);
      if (count === 5) return (f) => offsetString(f.offsetMinutes, true, 'always', 'Z');
      throw new PatternError('Too many pattern letters: Z');
    default:
      throw new PatternError(`Unknown pattern letter: ${letter}`);
  }
}

function zoneName(f: ZonedFields, long: boolean): string {
  if (f.zoneId === 'UTC') return long ? 'Coordinated Universal Time' : 'UTC';
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: f.zoneId, timeZoneName: long ? 'long' : 'short' }).formatToParts(f.epochMs);
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? f.zoneId;
}

export type CompiledPattern = (f: ZonedFields) => string;

/** Compiles a Java DateTimeFormatter pattern. Throws PatternError for patterns Java would reject. */
export function compileJavaPattern(pattern: string): CompiledPattern {
  const pieces: Piece[] = [];
  let optionalDepth = 0;
  for (let i = 0; i < pattern.length; ) {
    const ch = pattern[i]!;
    if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')) {
      let j = i;
      while (j < pattern.length && pattern[j] === ch) j++;
      pieces.push(compileLetter(ch, j - i));
      i = j;
    } else if (ch === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) throw new PatternError(`Pattern ends with an incomplete string literal: ${pattern}`);
      if (end === i + 1) {
        pieces.push(() => "'");
        i = end + 1;
        continue;
      }
      // '' inside a literal is an escaped quote
      let lit = '';
      let k = i + 1;
      for (;;) {
        const e = pattern.indexOf("'", k);
        if (e < 0) throw new PatternError(`Pattern ends with an incomplete string literal: ${pattern}`);
        lit += pattern.slice(k, e);
        if (pattern[e + 1] === "'") {
          lit += "'";
          k = e + 2;
          continue;
        }
        i = e + 1;
        break;
      }
      pieces.push(() => lit);
    } else if (ch === '[') {
      // Optional sections always print when formatting a full timestamp.
      optionalDepth++;
      i++;
    } else if (ch === ']') {
      if (optionalDepth === 0) throw new PatternError('Pattern invalid as it contains ] without previous [');
      optionalDepth--;
      i++;
    } else if (ch === '{' || ch === '}' || ch === '#') {
      throw new PatternError(`Pattern includes reserved character: '${ch}'`);
    } else {
      pieces.push(() => ch);
      i++;
    }
  }
  if (pieces.length === 1) return pieces[0]!;
  return (f) => {
    let s = '';
    for (let i = 0; i < pieces.length; i++) s += pieces[i]!(f);
    return s;
  };
}

/** Per CustomTimeZone spelling (zone ids are case-insensitive, so spellings are many): bounded. */
const zoneFormatters = new LruCache<string, Intl.DateTimeFormat>(256);

/** Throws RangeError for an unknown IANA zone. */
export function assertTimeZone(zone: string): void {
  new Intl.DateTimeFormat('en-US', { timeZone: zone });
}

/** Calendar fields of `epochMs` in `zone` (IANA id). */
export function zonedFields(epochMs: number, zone = 'UTC'): ZonedFields {
  let offsetMinutes = 0;
  if (zone !== 'UTC') {
    let fmt = zoneFormatters.get(zone);
    if (!fmt) {
      fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
      zoneFormatters.set(zone, fmt);
    }
    const p: Record<string, number> = {};
    for (const part of fmt.formatToParts(epochMs)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
    offsetMinutes = Math.round((asUtc - Math.floor(epochMs / 1000) * 1000) / 60000);
  }
  const d = new Date(epochMs + offsetMinutes * 60000);
  const year = d.getUTCFullYear();
  const startOfYear = Date.UTC(year, 0, 1);
  const dayStart = Date.UTC(year, d.getUTCMonth(), d.getUTCDate());
  return {
    year,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millis: d.getUTCMilliseconds(),
    offsetMinutes,
    dayOfWeek: ((d.getUTCDay() + 6) % 7) + 1,
    dayOfYear: Math.round((dayStart - startOfYear) / 86_400_000) + 1,
    epochMs,
    zoneId: zone,
  };
}

/** Formats `epochMs` in `zone` with a Java DateTimeFormatter pattern. */
export function formatJava(pattern: string, epochMs: number, zone = 'UTC'): string {
  return compileJavaPattern(pattern)(zonedFields(epochMs, zone));
}
