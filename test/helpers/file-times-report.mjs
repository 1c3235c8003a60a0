#!/usr/bin/env node
/**
 * Prints the slowest test processes of a run by wall time, with their CPU time, and the slowest test files by
 * suite time, from the lines file-times.mjs (one per process: its files, wall and CPU seconds) and run-files.mjs
 * (one per file: its suite's seconds) appended to the file named by the first argument (scripts/test.sh runs this
 * after the tests; JavaScript, so it runs without tsx). A process whose CPU time is far below its wall time mostly
 * waits (servers, sleeps, polls, child processes it did not wait for); one near or above it burns CPU.
 * Usage: file-times-report.mjs <times.jsonl> [rows=25]
 *        file-times-report.mjs <times.jsonl> --weights   the files' suite seconds as JSON, for test/helpers/test-weights.json
 */
import { existsSync, readFileSync } from 'node:fs';

const [path, rowsArg] = process.argv.slice(2);
if (!path) {
  console.error('usage: file-times-report.mjs <times.jsonl> [rows | --weights]: the file FRESHET_TEST_TIMES named during the run');
  process.exit(2);
}
if (!existsSync(path)) process.exit(0);
/** @type {Array<{ files?: string[], file?: string, wallS?: number, cpuS?: number, suiteS?: number }>} */
const lines = readFileSync(path, 'utf8')
  .split('\n')
  .filter((l) => l !== '')
  .map((l) => JSON.parse(l));
const suites = lines.filter((l) => typeof l.suiteS === 'number').sort((a, b) => (b.suiteS ?? 0) - (a.suiteS ?? 0));
if (rowsArg === '--weights') {
  const weights = Object.fromEntries(suites.map((s) => [s.file, s.suiteS]).sort(([a], [b]) => String(a).localeCompare(String(b))));
  process.stdout.write(`${JSON.stringify(weights, null, 1)}\n`);
  process.exit(0);
}
const rows = Number(rowsArg ?? 25);
const processes = lines.filter((l) => typeof l.wallS === 'number').sort((a, b) => (b.wallS ?? 0) - (a.wallS ?? 0));
const fileCount = processes.reduce((n, p) => n + (p.files ?? [p.file]).length, 0);
/** @param {'wallS' | 'cpuS'} k */
const sum = (k) => processes.reduce((s, x) => s + (Number.isFinite(x[k]) ? (x[k] ?? 0) : 0), 0);
const label = (/** @type {{ files?: string[], file?: string }} */ p) => {
  const files = p.files ?? [p.file ?? '?'];
  return files.length > 1 ? `${files[0]} and ${files.length - 1} more` : String(files[0]);
};
let text = `slowest test processes (wall s, cpu s incl. waited-for children), of ${processes.length} processes:\n`;
for (const p of processes.slice(0, rows)) text += `${(p.wallS ?? 0).toFixed(1).padStart(7)} ${(p.cpuS ?? Number.NaN).toFixed(1).padStart(7)}  ${label(p)}\n`;
if (suites.length > 0) {
  text += `slowest test files (suite s, start-up not included), of ${suites.length} files:\n`;
  for (const s of suites.slice(0, rows)) text += `${(s.suiteS ?? 0).toFixed(1).padStart(7)}  ${s.file}\n`;
}
text += `all files: ${sum('wallS').toFixed(0)} s wall, ${sum('cpuS').toFixed(0)} s cpu (${fileCount} files in ${processes.length} processes)\n`;
process.stdout.write(text);
