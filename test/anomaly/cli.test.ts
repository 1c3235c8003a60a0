import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { register } from '../../src/cli/commands/anomaly.ts';
import { RandomCutForest, kdaForestOptions, parseTimestamp, scoreCsv } from '../../src/anomaly/index.ts';
import type { CsvDetector } from '../../src/anomaly/index.ts';
import { TestRandom } from './helpers.ts';
import { CLI, ROOT } from '../cli/run-cli.ts';

function freshet(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { cwd: ROOT, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin!.end(stdin ?? '');
  });
}

/** Runs scoreCsv in-process on CSV text; returns the output lines. */
async function scoreText(csv: string, detector: CsvDetector, columns = ['value']): Promise<string[]> {
  const input = new PassThrough();
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (c: Buffer) => chunks.push(c));
  input.end(csv);
  await scoreCsv(input, output, { columns, timestampColumn: 'timestamp', detector });
  return Buffer.concat(chunks).toString('utf8').trimEnd().split('\n');
}

describe('freshet anomaly score', () => {
  let dir = '';
  let csv = '';
  let csvText = '';
  const spikeRow = 700;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'freshet-anomaly-'));
    csv = join(dir, 'series.csv');
    const rnd = new TestRandom(77);
    const lines = ['timestamp,value,other'];
    const start = Date.UTC(2024, 0, 1);
    for (let i = 0; i < 1000; i++) {
      const ts = new Date(start + i * 300_000).toISOString().replace('T', ' ').slice(0, 19);
      const v = i === spikeRow ? 95 : 20 + 5 * Math.sin(i / 20) + rnd.gaussian();
      lines.push(`${ts},${v.toFixed(3)},"x,${i}"`);
    }
    csvText = `${lines.join('\n')}\n`;
    await writeFile(csv, csvText);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('scores with the thresholded forest by default: a row per input, the spike graded, its expected value', async () => {
    const r = await freshet(['anomaly', 'score', csv, '--seed', '3']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'no progress line when stderr is not a terminal');
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'timestamp,value,anomaly_score,anomaly_grade,relative_index,expected_value');
    assert.equal(lines.length, 1001);
    const rows = lines.slice(1).map((l) => l.split(','));
    assert.equal(rows[0]![0], '2024-01-01 00:00:00');
    assert.equal(rows[spikeRow]![1], '95.000');
    const grades = rows.map((c) => Number(c[3]));
    assert.ok(grades.every((g) => g >= 0 && g <= 1));
    assert.equal(grades.indexOf(Math.max(...grades)), spikeRow);
    assert.equal(rows[spikeRow]![4], '0', 'relative index: this row');
    assert.ok(Math.abs(Number(rows[spikeRow]![5]) - 20) < 8, `expected ${rows[spikeRow]![5]}`);
  });

  it('--kda prints exactly the plain forest scores (KDA RANDOM_CUT_FOREST defaults)', async () => {
    const r = await freshet(['anomaly', 'score', csv, '--kda', '--seed', '5']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'timestamp,value,anomaly_score,anomaly_grade');
    const forest = new RandomCutForest(kdaForestOptions(1, {}, 5));
    assert.equal(forest.options.numberOfTrees, 100);
    assert.equal(forest.options.sampleSize, 256);
    assert.equal(forest.options.shingleSize, 1);
    const values = csvText
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[1]));
    values.forEach((v, i) => {
      const s = forest.scoreAndUpdate([v]);
      const cells = lines[i + 1]!.split(',');
      assert.equal(cells[2], String(s), `row ${i + 1}: the same bits`);
      assert.equal(Number(cells[3]), Number(Math.min(1, s / Math.log2(257)).toFixed(6)));
    });
  });

  it('reads standard input with -, takes several columns and shingling, and prints progress on request', async () => {
    const r = await freshet(
      ['anomaly', 'score', '-', '--columns', 'value,value', '--shingle', '4', '--trees', '20', '--sample-size', '64', '--progress'],
      csvText,
    );
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'timestamp,value,value,anomaly_score,anomaly_grade,relative_index,expected_value,expected_value');
    assert.equal(lines.length, 1001);
    assert.match(r.stderr, /anomaly score: 1000 rows, \d+ rows\/s \(done\)\n$/);
  });

  it('fails with one clear line and exit code 1 for a missing column', async () => {
    const r = await freshet(['anomaly', 'score', csv, '--columns', 'price']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, "freshet: column 'price' not found in the CSV header (columns: timestamp, value, other)\n");
  });

  it('--detector best runs Confluence: expected values, reasons, empty cells as missing intervals', async () => {
    const text = csvText.replace(/\n(2024-01-01 10:00:00),[^,]*,/, '\n$1,,');
    const lines = await scoreText(text, { kind: 'confluence', options: { seed: 1 } });
    assert.equal(lines[0], 'timestamp,value,anomaly_score,anomaly_grade,expected,reason');
    const missing = lines.find((l) => l.startsWith('2024-01-01 10:00:00'))!.split(',');
    assert.equal(missing[1], '');
    assert.equal(missing[3], '0.000000');
    assert.equal(missing[5], 'missing');
    const spike = lines[spikeRow + 1]!.split(',');
    assert.ok(Number(spike[3]) >= 0.5, `spike grade ${spike[3]}`);
    // A row out of time order (NAB's machine_temperature has one, at a DST change) is scored, not refused.
    const swapped = csvText.replace('2024-01-01 12:00:00', '2024-01-01 11:00:00');
    assert.equal((await scoreText(swapped, { kind: 'confluence', options: {} })).length, 1001);
    const best = await freshet(['anomaly', 'score', csv, '--detector', 'best']);
    assert.equal(best.code, 0, best.stderr);
    assert.equal(best.stdout.split('\n')[0], 'timestamp,value,anomaly_score,anomaly_grade,expected,reason');
  });

  // The remaining checks drive the same command in-process (commander with exitOverride), so the
  // suite spawns fewer processes; the spawned cases above cover main.ts's error printing.
  async function inProcess(args: string[]): Promise<unknown> {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => {} });
    register(program);
    try {
      await program.parseAsync(['node', 'freshet', ...args]);
      return null;
    } catch (e) {
      return e;
    }
  }

  it('reports a missing timestamp column, a missing file, a non-number cell and bad settings', async () => {
    const ts = await inProcess(['anomaly', 'score', csv, '--timestamp', 'time']);
    assert.match((ts as Error).message, /^timestamp column 'time' not found in the CSV header \(columns: timestamp, value, other\)/);
    const missing = join(dir, 'nope.csv');
    assert.equal(((await inProcess(['anomaly', 'score', missing])) as Error).message, `cannot read '${missing}': no such file`);
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, 'timestamp,value\n2024-01-01,1\n2024-01-02,abc\n2024-01-03,\n');
    assert.equal(((await inProcess(['anomaly', 'score', bad, '--trees', '5'])) as Error).message, "line 3: column 'value' is not a number: 'abc'");
    const empty = join(dir, 'empty-cell.csv');
    await writeFile(empty, 'timestamp,value\n2024-01-01,1\n2024-01-02,\n');
    assert.match(((await inProcess(['anomaly', 'score', empty, '--kda'])) as Error).message, /^line 3: column 'value' is empty \(only --detector confluence/);
    assert.match(((await inProcess(['anomaly', 'score', csv, '--trees', '0'])) as Error).message, /--trees must be an integer >= 1/);
    assert.match(
      ((await inProcess(['anomaly', 'score', csv, '--kda', '--shingle', '31'])) as Error).message,
      /--kda: shingleSize must be an integer between 1 and 30/,
    );
    assert.match(((await inProcess(['anomaly', 'score', csv, '--kda', '--transform', 'NORMALIZE'])) as Error).message, /--kda scores raw values/);
    assert.match(
      ((await inProcess(['anomaly', 'score', csv, '--detector', 'best', '--shingle', '4'])) as Error).message,
      /--detector best has no forest settings to change \(--shingle\)/,
    );
    assert.match(
      ((await inProcess(['anomaly', 'score', csv, '--detector', 'confluence', '--columns', 'value,value'])) as Error).message,
      /confluence scores one column; got 2/,
    );
    assert.match(String(await inProcess(['anomaly', 'score', csv, '--detector', 'htm'])), /Allowed choices are trcf, confluence, kda, best/);
  });

  it('parses dates and epoch numbers as timestamps', () => {
    assert.equal(parseTimestamp('2014-04-10 07:15:00'), Date.UTC(2014, 3, 10, 7, 15));
    assert.equal(parseTimestamp('2014-04-10T07:15:00.500Z'), Date.UTC(2014, 3, 10, 7, 15, 0, 500));
    assert.equal(parseTimestamp('2014-04-10T09:15:00+02:00'), Date.UTC(2014, 3, 10, 7, 15));
    assert.equal(parseTimestamp('1397114100'), Date.UTC(2014, 3, 10, 7, 15));
    assert.equal(parseTimestamp('1397114100000'), Date.UTC(2014, 3, 10, 7, 15));
    assert.ok(Number.isNaN(parseTimestamp('yesterday')));
  });

  it('documents its options in --help', () => {
    const program = new Command();
    register(program);
    const help = program.commands
      .find((c) => c.name() === 'anomaly')!
      .commands.find((c) => c.name() === 'score')!
      .helpInformation();
    for (const opt of [
      '<file.csv>',
      '--columns',
      '--timestamp',
      '--detector',
      '--kda',
      '--trees',
      '--sample-size',
      '--shingle',
      '--time-decay',
      '--transform',
      '--z-factor',
      '--seed',
      '--progress',
    ]) {
      assert.ok(help.includes(opt), opt);
    }
  });
});
