/**
 * `freshet anomaly score <file.csv>`: streams a CSV through a detector and
 * prints `timestamp,<columns>,anomaly_score,anomaly_grade[,extras]` for every
 * row (see docs/anomaly.md). Detectors: `trcf` (default; the thresholded Random
 * Cut Forest with the best univariate settings), `confluence` (Freshet's best
 * detector; `best` always names it) and `kda` (`--kda`: KDA's RANDOM_CUT_FOREST
 * exactly, raw scores).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Option } from 'commander';
import type { Command } from 'commander';
import {
  BEST_DETECTOR,
  DETECTOR_NAMES,
  KDA_RCF_DEFAULTS,
  TRANSFORM_METHODS,
  TRCF_UNIVARIATE_DEFAULTS,
  checkKdaRcfParameters,
  kdaForestOptions,
  scoreCsv,
} from '../../anomaly/index.ts';
import type { CsvDetector, DetectorName, TransformMethod } from '../../anomaly/index.ts';
import { registerDetect, scoreMetricCsv } from './detectors.ts';

const PROGRESS_MIN_BYTES = 1 << 20;

function intOption(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got '${v}'`);
    return n;
  };
}

function positiveOption(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${name} must be a number > 0, got '${v}'`);
    return n;
  };
}

interface ScoreFlags {
  columns: string;
  timestamp: string;
  detector: string;
  kda?: boolean;
  trees?: number;
  sampleSize?: number;
  shingle?: number;
  timeDecay?: number;
  transform?: TransformMethod;
  zFactor?: number;
  seed: number;
  progress?: boolean;
}

/** The detector and its settings from the flags; throws a one-line error for a bad combination. */
export function detectorFromFlags(flags: ScoreFlags): CsvDetector {
  const name = (flags.kda ? 'kda' : flags.detector === 'best' ? BEST_DETECTOR : flags.detector) as DetectorName;
  if (flags.kda && flags.detector !== 'trcf' && flags.detector !== 'kda')
    throw new Error(`--kda and --detector ${flags.detector} contradict each other; use one`);
  if (!DETECTOR_NAMES.includes(name)) throw new Error(`--detector must be one of ${[...DETECTOR_NAMES, 'best'].join(', ')}, got '${flags.detector}'`);
  const forestFlags = ['trees', 'sampleSize', 'shingle', 'timeDecay', 'transform', 'zFactor'] as const;
  if (name === 'confluence') {
    const used = forestFlags.filter((k) => flags[k] !== undefined);
    if (used.length > 0)
      throw new Error(`--detector ${flags.detector} has no forest settings to change (${used.map(flagName).join(', ')}); see docs/anomaly.md`);
    return { kind: 'confluence', options: { seed: flags.seed } };
  }
  if (name === 'kda') {
    if (flags.transform !== undefined || flags.zFactor !== undefined)
      throw new Error('--kda scores raw values without a threshold: --transform and --z-factor do not apply');
    const p = {
      numberOfTrees: flags.trees ?? KDA_RCF_DEFAULTS.numberOfTrees,
      subSampleSize: flags.sampleSize ?? KDA_RCF_DEFAULTS.subSampleSize,
      timeDecay: flags.timeDecay ?? KDA_RCF_DEFAULTS.timeDecay,
      shingleSize: flags.shingle ?? KDA_RCF_DEFAULTS.shingleSize,
    };
    const err = checkKdaRcfParameters(p);
    if (err) throw new Error(`--kda: ${err} (KDA's RANDOM_CUT_FOREST limits)`);
    const { dimensions: _d, ...options } = kdaForestOptions(1, p, flags.seed);
    return { kind: 'kda', options };
  }
  const d = TRCF_UNIVARIATE_DEFAULTS;
  return {
    kind: 'trcf',
    options: {
      numberOfTrees: flags.trees ?? d.numberOfTrees,
      sampleSize: flags.sampleSize ?? d.sampleSize,
      shingleSize: flags.shingle ?? d.shingleSize,
      timeDecay: flags.timeDecay ?? d.timeDecay,
      transform: flags.transform ?? d.transform,
      ...(flags.zFactor !== undefined ? { zFactor: flags.zFactor } : {}),
      seed: flags.seed,
    },
  };
}

function flagName(k: string): string {
  return `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export function register(program: Command): void {
  const anomaly = program.command('anomaly').description('Anomaly detection: Random Cut Forest, thresholded RCF, and the Confluence detector');
  const d = TRCF_UNIVARIATE_DEFAULTS;
  anomaly
    .command('score')
    .description('Score every row of a CSV file; prints timestamp,<columns>,anomaly_score,anomaly_grade and detector-specific columns')
    .argument('<file.csv>', "CSV file with a header line ('-' reads standard input)")
    .option('--columns <names>', 'comma-separated numeric columns forming each point', 'value')
    .option('--timestamp <column>', 'timestamp column (copied to the output; dates or epoch seconds/ms)', 'timestamp')
    .addOption(
      new Option(
        '--detector <name>',
        `trcf: thresholded RCF; confluence: Freshet's best detector (one column); best: always the best (now ${BEST_DETECTOR}); kda: as --kda; metric: a metric detector's series (one column; docs/detectors.md)`,
      )
        .choices([...DETECTOR_NAMES, 'best', 'metric'])
        .default('trcf'),
    )
    .option('--kda', "KDA's RANDOM_CUT_FOREST exactly (100 trees, 256 samples, timeDecay 100000, shingle 1): raw scores, grade = score / log2(samples + 1)")
    .option('--trees <n>', `number of trees (default ${d.numberOfTrees}; --kda ${KDA_RCF_DEFAULTS.numberOfTrees})`, intOption('--trees', 1))
    .option('--sample-size <n>', `points sampled per tree (default ${d.sampleSize})`, intOption('--sample-size', 2))
    .option(
      '--shingle <n>',
      `consecutive rows joined into one point (default ${d.shingleSize}; --kda ${KDA_RCF_DEFAULTS.shingleSize})`,
      intOption('--shingle', 1),
    )
    .option(
      '--time-decay <n>',
      `the sample covers about this many recent points (default ${d.timeDecay}; --kda ${KDA_RCF_DEFAULTS.timeDecay})`,
      intOption('--time-decay', 1),
    )
    .addOption(new Option('--transform <method>', `trcf input transformation (default ${d.transform})`).choices([...TRANSFORM_METHODS]))
    .option('--z-factor <x>', 'trcf: deviations above the mean score that make an anomaly (default 3)', positiveOption('--z-factor'))
    .option('--seed <n>', 'random seed (same seed and input give the same output)', intOption('--seed', 0), 0)
    .option('--progress', 'print a progress line on stderr (default: only on a terminal, for files over 1 MiB)')
    .action(async (file: string, flags: ScoreFlags) => {
      if (flags.detector === 'metric') {
        const columns = flags.columns.split(',').map((c) => c.trim());
        if (columns.length !== 1 || flags.kda) throw new Error('--detector metric scores one column (--columns <name>) and takes no forest flags');
        await scoreMetricCsv(file, columns[0]!, flags.timestamp, process.stdout);
        return;
      }
      const detector = detectorFromFlags(flags);
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
        detector,
        ...(onProgress ? { onProgress } : {}),
      });
      if (showProgress) err.write(err.isTTY ? `\r${line(rows)} (done)\n` : `${line(rows)} (done)\n`);
    });
  registerDetect(anomaly);
}
