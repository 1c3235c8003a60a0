#!/usr/bin/env node
/**
 * Runs test files with node:test, several files to a process (test/helpers/test-groups.mjs says which share one
 * and why), the slowest processes first: `node --test <files>` sorts its files by name on Node 20 and gives each
 * its own process, the run() API keeps the caller's order. `concurrency` processes at a time; a test file still
 * running after 6 minutes fails (its suite's timeout), as does a process still running after 20; a process whose
 * tests are done exits even if a client library left a socket or timer behind (`--test-force-exit`).
 * The options of the Node running this script (`--import tsx`, …) reach every process.
 *
 * Each file's tests are reported under a suite named after the file; with FRESHET_TEST_TIMES set, each file's
 * suite time is appended there as a JSON line (file-times.mjs appends each process's CPU time), for
 * file-times-report.mjs. FRESHET_TEST_GROUPS=0 runs every file alone (the same entries, one file each).
 * Usage: node [options] run-files.mjs <concurrency> <file>…
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { planGroups, readWeights, writeGroupEntries } from './test-groups.mjs';

const FILE_TIMEOUT_MS = 360_000;
const PROCESS_TIMEOUT_MS = 1_200_000;

const [concurrency, ...args] = process.argv.slice(2);
if (!Number(concurrency) || args.length === 0) {
  console.error('usage: node [--import tsx …] test/helpers/run-files.mjs <concurrency> <file>…');
  process.exit(2);
}
const root = resolve(import.meta.dirname, '..', '..');
const files = args.map((f) => relative(root, resolve(f)));
const weights = readWeights(join(import.meta.dirname, 'test-weights.json'));
const units = process.env.FRESHET_TEST_GROUPS === '0' ? files.map((f) => ({ files: [f], seconds: weights.get(f) ?? 0 })) : planGroups(files, weights);
const dir = mkdtempSync(join(tmpdir(), 'freshet-test-groups-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
const entries = writeGroupEntries(units, root, dir, FILE_TIMEOUT_MS);
const grouped = units.filter((u) => u.files.length > 1);
console.log(
  `run-files: ${files.length} files in ${units.length} processes (${grouped.length} groups of ${grouped.reduce((n, u) => n + u.files.length, 0)} files), ${concurrency} at a time`,
);

const times = process.env.FRESHET_TEST_TIMES;
const fileNames = new Set(files);
const stream = run({ files: entries, concurrency: Number(concurrency), timeout: PROCESS_TIMEOUT_MS, forceExit: true });
stream.on('test:fail', () => {
  process.exitCode = 1;
});
/** @param {{ name: string, nesting: number, details: { duration_ms: number } }} data */
const recordFile = (data) => {
  // A file's suite: the outermost suite of its process's entry.
  if (times && data.nesting === 0 && fileNames.has(data.name)) {
    appendFileSync(times, `${JSON.stringify({ file: data.name, suiteS: Math.round(data.details.duration_ms / 100) / 10 })}\n`);
  }
};
stream.on('test:pass', recordFile);
stream.on('test:fail', recordFile);
stream.compose(new spec()).pipe(process.stdout);
