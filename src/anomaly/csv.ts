/**
 * Streams a CSV through one of the detectors: reads a header line, then one
 * point per row from the chosen numeric columns, and writes
 * `timestamp,<columns>,anomaly_score,anomaly_grade[,extras]` per row as it goes
 * (each row is scored before the detector learns it). Used by
 * `freshet anomaly score`. Quoted fields are supported within a line; embedded
 * newlines are not.
 *
 *   kda         the plain forest exactly as KDA's RANDOM_CUT_FOREST: anomaly_score is
 *               the raw score; anomaly_grade is it divided by log2(sampleSize + 1), the
 *               largest possible score (KDA has no grade; this is how NAB scaled it)
 *   trcf        ThresholdedRandomCutForest; extras: relative_index, expected_<column>
 *   confluence  ConfluenceDetector (one column); extras: expected, reason. An empty
 *               cell is a missing interval.
 */
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { formatCsvField, splitCsvLine } from '../core/index.ts';
import { RandomCutForest } from './forest.ts';
import type { ForestOptions } from './forest.ts';
import { ThresholdedRandomCutForest } from './thresholded.ts';
import type { ThresholdedForestOptions } from './thresholded.ts';
import { ConfluenceDetector } from './confluence.ts';
import type { ConfluenceOptions } from './confluence.ts';

export type CsvDetector =
  | { kind: 'kda'; options: Omit<ForestOptions, 'dimensions'> }
  | { kind: 'trcf'; options: Omit<ThresholdedForestOptions, 'dimensions'> }
  | { kind: 'confluence'; options: ConfluenceOptions };

export interface CsvScoreOptions {
  /** Numeric columns forming the point, in order. */
  columns: string[];
  /** Column copied to the output as the row's timestamp (and parsed for the detectors that use time). */
  timestampColumn: string;
  detector: CsvDetector;
  /** Called about every `progressEveryMs` with the rows done so far. */
  onProgress?: (rows: number) => void;
  progressEveryMs?: number;
}

/** Splits one CSV line (RFC 4180 quoting within the line): core's splitter, re-exported for the anomaly package's users. */
export { splitCsvLine };

/**
 * A timestamp cell as epoch milliseconds: a number (seconds below 10^11, else
 * milliseconds) or a date (`2014-04-10 07:15:00`, ISO 8601; no zone means UTC).
 * NaN when it is neither.
 */
export function parseTimestamp(cell: string): number {
  const s = cell.trim();
  if (s === '') return NaN;
  if (/^-?\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    return Math.abs(n) < 1e11 ? n * 1000 : n;
  }
  const iso = s.replace(' ', 'T');
  const zoned = /([zZ]|[+-]\d\d:?\d\d)$/.test(iso);
  return Date.parse(zoned ? iso : `${iso}Z`);
}

interface RowScorer {
  /** Output columns after the input columns. */
  header: string[];
  /** Scores one row; `point` holds NaN for an empty cell. Returns the output fields after the input columns. */
  score(point: Float64Array, timestampMs: number, lineNo: number): string;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(6) : '';
}

function makeScorer(detector: CsvDetector, columns: string[]): RowScorer {
  const n = columns.length;
  const requireValues = (point: Float64Array, lineNo: number): void => {
    for (let k = 0; k < n; k++) {
      if (Number.isNaN(point[k]!))
        throw new Error(`line ${lineNo}: column '${columns[k]}' is empty (only --detector confluence reads an empty cell as a missing interval)`);
    }
  };
  switch (detector.kind) {
    case 'kda': {
      const forest = new RandomCutForest({ ...detector.options, dimensions: n });
      const max = Math.log2(forest.options.sampleSize + 1);
      return {
        header: ['anomaly_score', 'anomaly_grade'],
        score(point, _ts, lineNo) {
          requireValues(point, lineNo);
          const s = forest.scoreAndUpdate(point);
          // The raw score in full (shortest round-trip form): the same bits the forest returned.
          return `${s},${fmt(Math.min(1, s / max))}`;
        },
      };
    }
    case 'trcf': {
      const trcf = new ThresholdedRandomCutForest({ ...detector.options, dimensions: n });
      const expectedCols = columns.map((c) => `expected_${c}`);
      const empty = ','.repeat(n - 1);
      return {
        header: ['anomaly_score', 'anomaly_grade', 'relative_index', ...expectedCols],
        score(point, ts, lineNo) {
          requireValues(point, lineNo);
          const r = trcf.process(point, Number.isNaN(ts) ? undefined : ts);
          const exp = r.expected ? Array.from(r.expected, fmt).join(',') : empty;
          return `${fmt(r.score)},${fmt(r.grade)},${r.grade > 0 ? r.relativeIndex : ''},${exp}`;
        },
      };
    }
    case 'confluence': {
      if (n !== 1) throw new Error(`--detector confluence scores one column; got ${n} (--columns ${columns.join(',')})`);
      const d = new ConfluenceDetector(detector.options);
      return {
        header: ['anomaly_score', 'anomaly_grade', 'expected', 'reason'],
        score(point, ts, lineNo) {
          if (Number.isNaN(ts)) throw new Error(`line ${lineNo}: the timestamp is not a date or a number (confluence uses time for seasonality)`);
          // A row out of time order is scored in its own time slot (NAB's machine_temperature has one).
          const r = d.update(ts, point[0]!);
          return `${fmt(r.score)},${fmt(r.grade)},${fmt(r.expected)},${r.missing ? 'missing' : r.reason}`;
        },
      };
    }
  }
}

/** Scores every row of `input` and writes the result CSV to `output`; returns the number of rows. */
export async function scoreCsv(input: Readable, output: Writable, opts: CsvScoreOptions): Promise<number> {
  const rl = createInterface({ input, crlfDelay: Infinity });
  let header: string[] | null = null;
  let valueIdx: number[] = [];
  let tsIdx = -1;
  let scorer: RowScorer | null = null;
  let point = new Float64Array(0);
  let lineNo = 0;
  let rows = 0;
  let chunk = '';
  const every = opts.progressEveryMs ?? 500;
  let lastProgress = Date.now();
  try {
    for await (const raw of rl) {
      lineNo++;
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (header === null) {
        const h = splitCsvLine(line.replace(/^\uFEFF/, '')).map((c) => c.trim());
        header = h;
        const have = h.join(', ');
        valueIdx = opts.columns.map((c) => {
          const i = h.indexOf(c);
          if (i < 0) throw new Error(`column '${c}' not found in the CSV header (columns: ${have})`);
          return i;
        });
        tsIdx = h.indexOf(opts.timestampColumn);
        if (tsIdx < 0)
          throw new Error(`timestamp column '${opts.timestampColumn}' not found in the CSV header (columns: ${have}); choose one with --timestamp`);
        scorer = makeScorer(opts.detector, opts.columns);
        point = new Float64Array(valueIdx.length);
        chunk = `${[formatCsvField(opts.timestampColumn), ...opts.columns.map((c) => formatCsvField(c)), ...scorer.header].join(',')}\n`;
        continue;
      }
      if (line.trim() === '') continue;
      const fields = splitCsvLine(line);
      const tsCell = fields[tsIdx] ?? '';
      let text = formatCsvField(tsCell);
      for (let k = 0; k < valueIdx.length; k++) {
        const cell = (fields[valueIdx[k]!] ?? '').trim();
        const v = cell === '' ? NaN : Number(cell);
        if (cell !== '' && !Number.isFinite(v)) throw new Error(`line ${lineNo}: column '${opts.columns[k]}' is not a number: '${cell}'`);
        point[k] = v;
        text += `,${cell}`;
      }
      chunk += `${text},${scorer!.score(point, parseTimestamp(tsCell), lineNo)}\n`;
      rows++;
      if (chunk.length >= 65536) {
        if (!output.write(chunk)) await once(output, 'drain');
        chunk = '';
      }
      if (opts.onProgress && (rows & 1023) === 0) {
        const now = Date.now();
        if (now - lastProgress >= every) {
          lastProgress = now;
          opts.onProgress(rows);
        }
      }
    }
  } finally {
    // On an error mid-file, stop reading: close the line reader and its source.
    rl.close();
    input.destroy();
  }
  if (header === null) throw new Error('the CSV is empty (no header line)');
  if (chunk.length > 0 && !output.write(chunk)) await once(output, 'drain');
  return rows;
}
