#!/usr/bin/env node
/**
 * Prints the slowest test files of a run by wall time, with their CPU time, from the lines test/helpers/file-times.ts
 * appended to the file named by the first argument (scripts/test.sh runs this after the tests; JavaScript, so it
 * runs without tsx). A file whose CPU time is far below its wall time mostly waits (servers, sleeps, polls, child
 * processes it did not wait for); one near or above it burns CPU. Usage: file-times-report.mjs <times.jsonl> [rows=25]
 */
import { existsSync, readFileSync } from 'node:fs';

const [path, rowsArg] = process.argv.slice(2);
if (!path) {
  console.error('usage: file-times-report.mjs <times.jsonl> [rows]: the file FRESHET_TEST_TIMES named during the run');
  process.exit(2);
}
if (!existsSync(path)) process.exit(0);
/** @type {Array<{ file: string, wallS: number, cpuS: number }>} */
const rows = readFileSync(path, 'utf8')
  .split('\n')
  .filter((l) => l !== '')
  .map((l) => JSON.parse(l))
  .sort((a, b) => b.wallS - a.wallS);
/** @param {'wallS' | 'cpuS'} k */
const sum = (k) => rows.reduce((s, x) => s + (Number.isFinite(x[k]) ? x[k] : 0), 0);
let text = `slowest test files (wall s, cpu s incl. waited-for children), of ${rows.length} files:\n`;
for (const r of rows.slice(0, Number(rowsArg ?? 25))) text += `${r.wallS.toFixed(1).padStart(7)} ${r.cpuS.toFixed(1).padStart(7)}  ${r.file}\n`;
text += `all files: ${sum('wallS').toFixed(0)} s wall, ${sum('cpuS').toFixed(0)} s cpu\n`;
process.stdout.write(text);
