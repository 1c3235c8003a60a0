/**
 * Where a `kinesis` source table starts reading: `scan.stream.initpos` (or the older
 * `source.init.position`) TRIM_HORIZON, LATEST (the default) or AT_TIMESTAMP with
 * `scan.stream.initpos-timestamp` (`source.init.timestamp`): epoch seconds (fractions allowed), as the
 * Flink Kinesis connector takes it, or a date-time in its default format (yyyy-MM-dd'T'HH:mm:ss.SSSXXX;
 * any ISO-8601 date-time is read).
 */

export interface KinesisStart {
  type: 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';
  /** AT_TIMESTAMP: ms since the epoch. */
  timestampMs?: number;
}

/** The timestamp option's text as ms since the epoch, or null when it is neither epoch seconds nor an ISO-8601 date-time. */
export function parseInitTimestamp(text: string): number | null {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(t)) return null;
  const ms = Date.parse(t.replace(' ', 'T'));
  return Number.isNaN(ms) ? null : ms;
}

/** The start position of a kinesis table from its (planner-checked) options. */
export function kinesisStart(options: Readonly<Record<string, string>>): KinesisStart {
  const pos = (options['scan.stream.initpos'] ?? options['source.init.position'] ?? 'LATEST').toUpperCase();
  if (pos === 'TRIM_HORIZON') return { type: 'TRIM_HORIZON' };
  if (pos !== 'AT_TIMESTAMP') return { type: 'LATEST' };
  const ms = parseInitTimestamp(options['scan.stream.initpos-timestamp'] ?? options['source.init.timestamp'] ?? '');
  return ms === null ? { type: 'LATEST' } : { type: 'AT_TIMESTAMP', timestampMs: ms };
}
