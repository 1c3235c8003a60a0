/**
 * Streams a CSV through a ThresholdedRandomCutForest: reads a header line, then
 * one point per row from the chosen numeric columns, and writes
 * `timestamp,<columns>,anomaly_score,anomaly_grade` per row as it goes (the row
 * is scored before the forest learns it). Used by `freshet anomaly score`.
 * Quoted fields are supported within a line; embedded newlines are not.
 */
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { ThresholdedRandomCutForest } from './thresholded.ts';
import type { ThresholdedForestOptions } from './thresholded.ts';

export interface CsvScoreOptions {
  /** Numeric columns forming the point, in order. */
  columns: string[];
  /** Column copied to the output as the row's timestamp. */
  timestampColumn: string;
  forest: Omit<ThresholdedForestOptions, 'dimensions'>;
  /** Called about every `progressEveryMs` with the rows done so far. */
  onProgress?: (rows: number) => void;
  progressEveryMs?: number;
}

/** Splits one CSV line (RFC 4180 quoting within the line). */
export function splitCsvLine(line: string): string[] {
  if (line.indexOf('"') < 0) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Scores every row of `input` and writes the result CSV to `output`; returns the number of rows. */
export async function scoreCsv(input: Readable, output: Writable, opts: CsvScoreOptions): Promise<number> {
  const rl = createInterface({ input, crlfDelay: Infinity });
  let header: string[] | null = null;
  let valueIdx: number[] = [];
  let tsIdx = -1;
  let detector: ThresholdedRandomCutForest | null = null;
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
        header = splitCsvLine(line.replace(/^\uFEFF/, '')).map((h) => h.trim());
        const have = header.join(', ');
        valueIdx = opts.columns.map((c) => {
          const i = header!.indexOf(c);
          if (i < 0) throw new Error(`column '${c}' not found in the CSV header (columns: ${have})`);
          return i;
        });
        tsIdx = header.indexOf(opts.timestampColumn);
        if (tsIdx < 0)
          throw new Error(`timestamp column '${opts.timestampColumn}' not found in the CSV header (columns: ${have}); choose one with --timestamp`);
        detector = new ThresholdedRandomCutForest({ ...opts.forest, dimensions: valueIdx.length });
        point = new Float64Array(valueIdx.length);
        chunk = `${[csvField(opts.timestampColumn), ...opts.columns.map(csvField), 'anomaly_score', 'anomaly_grade'].join(',')}\n`;
        continue;
      }
      if (line.trim() === '') continue;
      const fields = splitCsvLine(line);
      let text = csvField(fields[tsIdx] ?? '');
      for (let k = 0; k < valueIdx.length; k++) {
        const cell = (fields[valueIdx[k]!] ?? '').trim();
        const v = cell === '' ? NaN : Number(cell);
        if (!Number.isFinite(v)) throw new Error(`line ${lineNo}: column '${opts.columns[k]}' is not a number: '${cell}'`);
        point[k] = v;
        text += `,${cell}`;
      }
      const r = detector!.process(point);
      chunk += `${text},${r.score.toFixed(6)},${r.grade.toFixed(6)}\n`;
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
