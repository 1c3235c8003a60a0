/**
 * The test runner of `npm test` (run-files.mjs, test-groups.mjs): which files share a process, and that files
 * sharing one are each run, reported and failed as their own.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { GROUP_SHARE, ISOLATED, MAX_FILES, planGroups, readWeights, SOLO_SHARE } from './test-groups.mjs';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

describe('test groups (test-groups.mjs)', () => {
  const weights = readWeights(join(import.meta.dirname, 'test-weights.json'));
  const files = [...weights.keys(), 'test/new-folder/new.test.ts'];
  const units = planGroups(files, weights);
  const total = [...weights.values()].reduce((a, b) => a + b, 0);

  it('runs every file exactly once', () => {
    assert.deepEqual(units.flatMap((u) => u.files).sort(), [...files].sort());
  });

  it('leaves the isolated files and the heavy ones alone, and groups the others up to the size limits', () => {
    for (const u of units) {
      if (u.files.length === 1) continue;
      assert.ok(u.files.length <= MAX_FILES, u.files.join(' '));
      for (const f of u.files) {
        assert.ok(!ISOLATED.has(f), `${f} is isolated but grouped`);
        assert.ok((weights.get(f) ?? 0) < total * SOLO_SHARE, `${f} is heavy but grouped`);
      }
      // A group is closed once it reaches GROUP_SHARE: only its last file can take it over.
      const lastless = u.files.slice(0, -1).reduce((s, f) => s + (weights.get(f) ?? 0), 0);
      assert.ok(lastless < total * GROUP_SHARE, `${u.files[0]}…: ${lastless} s before its last file`);
    }
    for (const f of ISOLATED.keys())
      if (files.includes(f))
        assert.ok(
          units.some((u) => u.files.length === 1 && u.files[0] === f),
          f,
        );
    assert.ok(units.some((u) => u.files.length > 1));
  });

  it('starts the slowest processes first, and leaves the same files alone when given one folder', () => {
    for (let i = 1; i < units.length; i++) assert.ok(units[i - 1]!.seconds >= units[i]!.seconds);
    // Shares of the whole suite's time, not of the files given: a folder's light files are still grouped.
    const kinesis = files.filter((f) => f.startsWith('test/kinesis/'));
    const heavy = (f: string) => ISOLATED.has(f) || (weights.get(f) ?? 0) >= total * SOLO_SHARE;
    const alone = planGroups(kinesis, weights).filter((u) => u.files.length === 1 && !heavy(u.files[0]!));
    assert.ok(alone.length <= 1, alone.map((u) => u.files[0]).join(' '));
  });
});

describe('run-files.mjs', () => {
  const fixture = (n: string) => `test/helpers/fixtures/${n}.fixture.ts`;
  /** run-files.mjs as scripts/test.sh runs it, outside this test's own node:test context. */
  async function runFiles(files: string[], log: string): Promise<{ code: number; stdout: string }> {
    const env: NodeJS.ProcessEnv = { ...process.env, FIXTURE_LOG: log, FRESHET_TEST_TIMES: '' };
    delete env.NODE_TEST_CONTEXT;
    return run(process.execPath, ['--import', 'tsx', 'test/helpers/run-files.mjs', '1', ...files], { cwd: ROOT, env }).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
  }

  it('reports each file of a shared process under its name, runs its after hooks before the next file, and fails the run for a failing test or a late uncaught exception', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-run-files-'));
    const log = join(dir, 'log');
    try {
      const fixtures = ['a-hooks', 'b-late-throw', 'c-fails'].map(fixture);
      const res = await runFiles(fixtures, log);
      assert.equal(res.code, 1, res.stdout);
      assert.match(res.stdout, /^run-files: 3 files in 1 processes \(1 groups of 3 files\), 1 at a time$/m);
      for (const f of fixtures) assert.match(res.stdout, new RegExp(`^[▶✔✖] ${f.replaceAll('.', '\\.')}`, 'm'));
      assert.match(res.stdout, /✖ c fails/);
      assert.match(res.stdout, /✔ c passes/);
      assert.match(
        res.stdout,
        /Test "b throws after it ended" at test\/helpers\/fixtures\/b-late-throw\.fixture\.ts:\d+:\d+ generated asynchronous activity after the test ended/,
      );
      assert.match(res.stdout, /late failure of b/);
      assert.deepEqual(readFileSync(log, 'utf8').split('\n'), ['a:test', 'a:after', 'b:test', 'c:test', '']);
      // Without the failing file, the late exception alone fails the run (while a later file of the process runs;
      // after a process's last test, `--test-force-exit` ends it, as it did with one file per process).
      const late = await runFiles([fixture('b-late-throw'), fixture('d-waits')], join(dir, 'log2'));
      assert.equal(late.code, 1, late.stdout);
      assert.match(late.stdout, /late failure of b/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
