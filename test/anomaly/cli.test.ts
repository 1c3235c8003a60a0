import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { register } from '../../src/cli/commands/anomaly.ts';
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

describe('freshet anomaly score', () => {
  let dir = '';
  let csv = '';
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
    await writeFile(csv, `${lines.join('\n')}\n`);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints timestamp,value,anomaly_score,anomaly_grade for every row and flags the spike', async () => {
    const r = await freshet(['anomaly', 'score', csv, '--trees', '50', '--seed', '3']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'no progress line when stderr is not a terminal');
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'timestamp,value,anomaly_score,anomaly_grade');
    assert.equal(lines.length, 1001);
    const rows = lines.slice(1).map((l) => l.split(','));
    assert.equal(rows[0]![0], '2024-01-01 00:00:00');
    assert.equal(rows[spikeRow]![1], '95.000');
    const scores = rows.map((c) => Number(c[2]));
    const grades = rows.map((c) => Number(c[3]));
    assert.ok(grades.every((g) => g >= 0 && g <= 1));
    assert.equal(scores[0], 0, 'warm-up rows score 0');
    const maxIdx = scores.indexOf(Math.max(...scores));
    assert.equal(maxIdx, spikeRow);
    assert.ok(grades[spikeRow]! > 0);
  });

  it('reads standard input with -, takes several columns, shingling and a progress line on request', async () => {
    const r = await freshet(
      ['anomaly', 'score', '-', '--columns', 'value,value', '--shingle', '4', '--trees', '20', '--sample-size', '64', '--progress'],
      await readFile(csv, 'utf8'),
    );
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'timestamp,value,value,anomaly_score,anomaly_grade');
    assert.equal(lines.length, 1001);
    assert.match(r.stderr, /anomaly score: 1000 rows, \d+ rows\/s \(done\)\n$/);
  });

  it('fails with one clear line and exit code 1 for a missing column', async () => {
    const r = await freshet(['anomaly', 'score', csv, '--columns', 'price']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, "freshet: column 'price' not found in the CSV header (columns: timestamp, value, other)\n");
  });

  // The remaining checks drive the same command in-process (commander with exitOverride), so the
  // suite spawns fewer processes; the spawned cases above cover main.ts's error printing.
  async function inProcess(args: string[]): Promise<unknown> {
    const program = new Command().exitOverride();
    register(program);
    try {
      await program.parseAsync(['node', 'freshet', ...args]);
      return null;
    } catch (e) {
      return e;
    }
  }

  it('reports a missing timestamp column, a missing file and a non-number cell', async () => {
    const ts = await inProcess(['anomaly', 'score', csv, '--timestamp', 'time']);
    assert.match((ts as Error).message, /^timestamp column 'time' not found in the CSV header \(columns: timestamp, value, other\)/);
    const missing = join(dir, 'nope.csv');
    assert.equal(((await inProcess(['anomaly', 'score', missing])) as Error).message, `cannot read '${missing}': no such file`);
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, 'timestamp,value\n2024-01-01,1\n2024-01-02,abc\n');
    assert.equal(((await inProcess(['anomaly', 'score', bad, '--trees', '5'])) as Error).message, "line 3: column 'value' is not a number: 'abc'");
    assert.match(((await inProcess(['anomaly', 'score', csv, '--trees', '0'])) as Error).message, /--trees must be an integer >= 1/);
  });

  it('documents its options in --help', () => {
    const program = new Command();
    register(program);
    const help = program.commands
      .find((c) => c.name() === 'anomaly')!
      .commands.find((c) => c.name() === 'score')!
      .helpInformation();
    for (const opt of ['<file.csv>', '--columns', '--timestamp', '--trees', '--sample-size', '--shingle', '--time-decay', '--seed', '--progress']) {
      assert.ok(help.includes(opt), opt);
    }
  });
});
