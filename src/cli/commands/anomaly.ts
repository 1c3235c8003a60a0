/**
 * `freshet anomaly score <file.csv>`: streams a CSV through a Random Cut Forest
 * with an adaptive threshold and prints `timestamp,<columns>,anomaly_score,anomaly_grade`
 * for every row (see docs/anomaly.md).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { scoreCsv } from '../../anomaly/index.ts';

const PROGRESS_MIN_BYTES = 1 << 20;

function intOption(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got '${v}'`);
    return n;
  };
}

interface ScoreFlags {
  columns: string;
  timestamp: string;
  trees: number;
  sampleSize: number;
  shingle: number;
  seed: number;
  timeDecay: number;
  progress?: boolean;
}

export function register(program: Command): void {
  const anomaly = program.command('anomaly').description('Random Cut Forest anomaly detection');
  anomaly
    .command('score')
    .description('Score every row of a CSV file; prints timestamp,<columns>,anomaly_score,anomaly_grade')
    .argument('<file.csv>', "CSV file with a header line ('-' reads standard input)")
    .option('--columns <names>', 'comma-separated numeric columns forming each point', 'value')
    .option('--timestamp <column>', 'column copied to the output as the timestamp', 'timestamp')
    .option('--trees <n>', 'number of trees', intOption('--trees', 1), 100)
    .option('--sample-size <n>', 'points sampled per tree', intOption('--sample-size', 2), 256)
    .option('--shingle <n>', 'consecutive rows joined into one point (internal shingling)', intOption('--shingle', 1), 1)
    .option('--time-decay <n>', 'KDA timeDecay: the sample covers about this many recent points', intOption('--time-decay', 1), 100000)
    .option('--seed <n>', 'random seed (same seed and input give the same scores)', intOption('--seed', 0), 0)
    .option('--progress', 'print a progress line on stderr (default: only on a terminal, for files over 1 MiB)')
    .action(async (file: string, flags: ScoreFlags) => {
      let size = 0;
      if (file !== '-') {
        try {
          const st = await stat(file);
          if (!st.isFile()) throw new Error('not a file');
          size = st.size;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          throw new Error(`cannot read '${file}': ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
        }
      }
      const columns = flags.columns
        .split(',')
        .map((c) => c.trim())
        .filter((c) => c !== '');
      if (columns.length === 0) throw new Error('--columns needs at least one column name');
      const err = process.stderr;
      const showProgress = flags.progress === true || (err.isTTY === true && size >= PROGRESS_MIN_BYTES);
      const started = Date.now();
      const line = (rows: number): string => {
        const secs = (Date.now() - started) / 1000;
        return `anomaly score: ${rows} rows, ${Math.round(rows / Math.max(secs, 0.001))} rows/s`;
      };
      const onProgress = showProgress
        ? (rows: number) => {
            err.write(err.isTTY ? `\r${line(rows)}` : `${line(rows)}\n`);
          }
        : undefined;
      const rows = await scoreCsv(file === '-' ? process.stdin : createReadStream(file), process.stdout, {
        columns,
        timestampColumn: flags.timestamp,
        forest: {
          numberOfTrees: flags.trees,
          sampleSize: flags.sampleSize,
          shingleSize: flags.shingle,
          timeDecay: flags.timeDecay,
          seed: flags.seed,
        },
        ...(onProgress ? { onProgress } : {}),
      });
      if (showProgress) err.write(err.isTTY ? `\r${line(rows)} (done)\n` : `${line(rows)} (done)\n`);
    });
}
