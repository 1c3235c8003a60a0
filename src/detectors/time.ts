/**
 * Time for metric detectors: interval lengths, the timestamp column's formats (Java patterns as the
 * LookoutMetrics console and the seeds write them, e.g. `yyyy-MM-dd HH:mm:ss.s`), the `{{pattern}}` keys of
 * templated S3 paths, and the timestamp strings the API returns.
 */
import { formatJava, zonedFields } from '../firehose/index.ts';

/** AWS's frequencies, plus PT1M (a Freshet extension for demos). */
export const FREQUENCY_MS: Readonly<Record<string, number>> = {
  PT1M: 60_000,
  PT5M: 300_000,
  PT10M: 600_000,
  PT1H: 3_600_000,
  P1D: 86_400_000,
};

export function frequencyMs(frequency: string): number {
  const ms = FREQUENCY_MS[frequency];
  if (ms === undefined) throw new RangeError(`unknown frequency ${frequency}`);
  return ms;
}

/** The start of the interval holding `ms` (intervals are aligned to the epoch, in UTC). */
export function intervalStart(ms: number, freqMs: number): number {
  return Math.floor(ms / freqMs) * freqMs;
}

/** The API's timestamp strings: ISO 8601 in UTC to the second (`2021-06-02T22:35:00Z`). */
export function apiTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

const DATE_RE = /^(\d{4})-?(\d{2})-?(\d{2})(?:[ T]?(\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?\s*([zZ]|[+-]\d\d:?\d\d)?$/;

/**
 * Parses a timestamp cell. `format` is the metric set's ColumnFormat: patterns built of y M d H m s S
 * with separators read the digits in order (the common formats, including the seeds' `yyyy-MM-dd
 * HH:mm:ss.s`), `epoch` / a missing format also read epoch seconds or milliseconds. Times without an
 * offset are in `zone`. NaN when the cell is not a timestamp.
 */
export function parseTimestampCell(cell: string, format: string | undefined, zone: string): number {
  const s = cell.trim();
  if (s === '') return NaN;
  if ((format === undefined || /^epoch/i.test(format)) && /^\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    return n < 1e11 ? n * 1000 : n;
  }
  const m = DATE_RE.exec(s);
  if (!m) return NaN;
  const frac = m[7] ?? '';
  const millis = frac === '' ? 0 : Math.round(Number(`0.${frac}`) * 1000);
  const local = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), millis);
  const off = m[8];
  if (off !== undefined) {
    if (off === 'z' || off === 'Z') return local;
    const sign = off[0] === '-' ? -1 : 1;
    const digits = off.slice(1).replace(':', '');
    return local - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  if (zone === 'UTC' || zone === '') return local;
  // Local wall time in `zone`: subtract the zone's offset at that instant (twice, to settle across a DST change).
  let utc = local - zonedFields(local, zone).offsetMinutes * 60_000;
  utc = local - zonedFields(utc, zone).offsetMinutes * 60_000;
  return utc;
}

/** Renders a templated path: each `{{pattern}}` is the interval start formatted with that Java pattern in `zone`. */
export function renderTemplate(template: string, startMs: number, zone: string): string {
  return template.replace(/\{\{([^}]+)\}\}/g, (_all, pattern: string) => formatJava(pattern, startMs, zone));
}
