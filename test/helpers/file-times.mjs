/**
 * Per-file time of a test run, for keeping `npm test` inside its budget. scripts/test.sh preloads this module
 * (`--import`, by absolute URL) into every test file's process: when the process exits it appends one JSON line
 * to `$FRESHET_TEST_TIMES` — the test files it ran (a group's entry, test-groups.mjs, lists them), its wall time (process start-up included) and the CPU time of the process
 * and of the children it waited for (/proc/self/stat utime, stime, cutime, cstime). Children killed but never
 * waited for (a Python fork server, a NATS server, Chromium) are not counted. file-times-report.mjs prints the
 * slowest files after the run.
 *
 * Plain JavaScript, and a no-op outside a test file's main thread: processes and worker threads that Freshet
 * starts inherit the preload (a Lambda worker thread has no tsx loader, and the same argv as its test file).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { isMainThread } from 'node:worker_threads';

const out = process.env.FRESHET_TEST_TIMES;
const file = process.argv[1];
const entry = file?.endsWith('.test.mjs') && file.includes('freshet-test-groups-');
if (out && isMainThread && process.env.NODE_TEST_CONTEXT && (entry || file?.endsWith('.test.ts'))) {
  process.once('exit', () => {
    let cpu = Number.NaN;
    try {
      // Fields after the command name (which may hold spaces): utime is the 12th, then stime, cutime, cstime.
      const stat = readFileSync('/proc/self/stat', 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpu = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) / 100; // USER_HZ: 100 on Linux
    } catch {
      // not Linux: wall time only
    }
    let files = [relative(process.cwd(), file)];
    if (entry) {
      try {
        files = JSON.parse(/^export const FILES = (.*);$/m.exec(readFileSync(file, 'utf8'))?.[1] ?? '[]');
      } catch {
        // the entry is gone (the run was interrupted): the entry's name only
      }
    }
    const line = { files, wallS: Math.round(process.uptime() * 10) / 10, cpuS: cpu, exitCode: process.exitCode ?? 0 };
    appendFileSync(out, `${JSON.stringify(line)}\n`);
  });
}
