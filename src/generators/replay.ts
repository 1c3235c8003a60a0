/**
 * Replays a CSV (with a header row) or JSONL file into a stream, keeping each
 * row's event time and spacing rows by (event-time gap / speedup) on an
 * injected Clock. Rows are written as they are in the file (CSV lines or JSON
 * objects); `format` converts CSV rows to JSON objects when asked.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { formatCsvField, splitCsvLine, splitCsvRecords, systemClock, type Clock, type TimerHandle } from '../core/index.ts';
import type { RecordFormat } from './types.ts';
import type { RecordSink } from './writer.ts';
import type { GeneratorStats } from './run.ts';

export interface ReplayRow {
  eventTimeMs: number;
  partitionKey: string;
  data: string;
}

export interface ReplayOptions {
  /** Path of a .csv or .jsonl/.ndjson file. */
  file: string;
  sink: RecordSink;
  /** Event-time seconds per wall-clock second (3600: an hour of data per second). */
  speedup: number;
  /** Field holding the event time (default: the first of event_time, evnt_time, EVENT_TIME, timestamp, time, ts). */
  timeField?: string;
  /** Field used as the partition key (default: the row number). */
  partitionKeyField?: string;
  /** Output format; defaults to the file's own (CSV lines for .csv, JSON for .jsonl). */
  format?: RecordFormat;
  count?: number;
  clock?: Clock;
}

export interface ReplayHandle {
  readonly rows: number;
  readonly stats: GeneratorStats;
  readonly done: Promise<GeneratorStats>;
  stop(): Promise<GeneratorStats>;
}

const TIME_FIELDS = ['event_time', 'evnt_time', 'EVENT_TIME', 'eventTime', 'timestamp', 'time', 'ts', 'TX_DATETIME'];

/**
 * Event time in ms from a field value: epoch seconds or milliseconds, ISO
 * 8601, or `yyyy-MM-dd HH:mm:ss[.f]`; values without a zone are UTC.
 */
export function parseEventTime(v: unknown): number {
  if (typeof v === 'number') return v < 1e11 ? v * 1000 : v;
  if (typeof v !== 'string' || v.trim() === '') return NaN;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return parseEventTime(Number(s));
  let iso = s.replace(' ', 'T');
  // Trim sub-millisecond digits (Python's microseconds) that Date.parse may reject.
  iso = iso.replace(/(\.\d{3})\d+/, '$1');
  if (!/(Z|[+-]\d\d:?\d\d)$/i.test(iso)) iso += 'Z';
  return Date.parse(iso);
}

function coerce(v: string): string | number {
  return v !== '' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v) ? Number(v) : v;
}

/** Reads a replay file into rows with their event times. */
export function loadReplayFile(file: string, o: { timeField?: string; partitionKeyField?: string; format?: RecordFormat } = {}): ReplayRow[] {
  const text = readFileSync(file, 'utf8');
  const isCsv = extname(file).toLowerCase() === '.csv';
  // CSV records may hold line breaks inside quoted fields; JSONL is one object per line.
  const lines = (isCsv ? splitCsvRecords(text) : text.split(/\r?\n/)).filter((l) => l.trim() !== '');
  const rows: ReplayRow[] = [];
  if (isCsv) {
    if (lines.length === 0) return rows;
    const header = splitCsvLine(lines[0]!);
    const timeField = o.timeField ?? TIME_FIELDS.find((f) => header.includes(f));
    if (!timeField || !header.includes(timeField)) {
      throw new Error(`${file}: no event-time column${o.timeField ? ` '${o.timeField}'` : ''} — columns are ${header.join(', ')}; pass --time-field`);
    }
    const ti = header.indexOf(timeField);
    const ki = o.partitionKeyField ? header.indexOf(o.partitionKeyField) : -1;
    if (o.partitionKeyField && ki < 0) throw new Error(`${file}: no column '${o.partitionKeyField}' for the partition key`);
    for (let i = 1; i < lines.length; i++) {
      const cells = splitCsvLine(lines[i]!);
      const eventTimeMs = parseEventTime(cells[ti]);
      if (Number.isNaN(eventTimeMs)) throw new Error(`${file}:${i + 1}: cannot read event time '${cells[ti]}' in column ${timeField}`);
      let data: string;
      if (o.format === 'json') {
        const obj: Record<string, string | number> = {};
        for (let c = 0; c < header.length; c++) obj[header[c]!] = c === ti ? cells[c]! : coerce(cells[c] ?? '');
        data = JSON.stringify(obj);
      } else {
        data = `${lines[i]}\n`;
      }
      rows.push({ eventTimeMs, partitionKey: ki >= 0 ? cells[ki] || String(i) : String(i), data });
    }
    return rows;
  }
  for (let i = 0; i < lines.length; i++) {
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(lines[i]!) as Record<string, unknown>;
    } catch {
      throw new Error(`${file}:${i + 1}: not a JSON object`);
    }
    const timeField = o.timeField ?? TIME_FIELDS.find((f) => f in obj);
    if (!timeField || !(timeField in obj)) throw new Error(`${file}:${i + 1}: no event-time field${o.timeField ? ` '${o.timeField}'` : ''}; pass --time-field`);
    const eventTimeMs = parseEventTime(obj[timeField]);
    if (Number.isNaN(eventTimeMs)) throw new Error(`${file}:${i + 1}: cannot read event time ${JSON.stringify(obj[timeField])}`);
    const key = o.partitionKeyField ? obj[o.partitionKeyField] : undefined;
    let data = lines[i]!.trim();
    if (o.format === 'csv')
      data = `${Object.values(obj)
        .map((v) => (typeof v === 'string' ? formatCsvField(v) : String(v)))
        .join(',')}\n`;
    rows.push({ eventTimeMs, partitionKey: key === undefined || key === null || key === '' ? String(i + 1) : String(key), data });
  }
  return rows;
}

export function startReplay(opts: ReplayOptions): ReplayHandle {
  if (!(opts.speedup > 0)) throw new Error(`--speedup must be a positive number, got ${opts.speedup}`);
  const rows = loadReplayFile(opts.file, opts);
  const clock = opts.clock ?? systemClock;
  const sink = opts.sink;
  const limit = Math.min(rows.length, opts.count ?? Infinity);
  const stats: GeneratorStats = { generated: 0, anomalies: 0, sent: 0, retried: 0, failed: 0, batches: 0 };
  const syncStats = () => Object.assign(stats, { sent: sink.stats.sent, retried: sink.stats.retried, failed: sink.stats.failed, batches: sink.stats.batches });
  const encoder = new TextEncoder();
  const startMs = clock.now();
  const firstEventMs = rows.length ? rows[0]!.eventTimeMs : 0;
  const dueAt = (i: number) => startMs + Math.max(0, (rows[i]!.eventTimeMs - firstEventMs) / opts.speedup);

  let timer: TimerHandle | undefined;
  let stopped = false;
  let resolveDone!: (s: GeneratorStats) => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<GeneratorStats>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  // Benign: the rejection reaches whoever awaits `done`; a caller that only uses stop() must not see an unhandled rejection.
  done.catch(() => {});

  const finish = (error?: unknown) => {
    if (stopped) return;
    stopped = true;
    timer?.cancel();
    if (error !== undefined) rejectDone(error);
    else sink.flush().then(() => resolveDone(syncStats()), rejectDone);
  };

  const tick = () => {
    if (stopped) return;
    const now = clock.now();
    // Out-of-order rows are due "in the past" and go out with the current tick.
    while (stats.generated < limit && dueAt(stats.generated) <= now) {
      const row = rows[stats.generated]!;
      sink.add(encoder.encode(row.data), row.partitionKey);
      stats.generated++;
    }
    sink.flush().catch((e) => finish(e));
    if (stats.generated >= limit) finish();
    else timer = clock.setTimer(tick, dueAt(stats.generated) - now);
  };
  tick();

  return {
    rows: rows.length,
    get stats() {
      return syncStats();
    },
    done,
    async stop() {
      finish();
      return done;
    },
  };
}
