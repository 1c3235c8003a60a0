#!/usr/bin/env node
/**
 * Runs test files with node:test in the order given (scripts/test.sh: the slowest first): `node --test <files>`
 * sorts its files by name on Node 20, the run() API keeps the caller's order. `concurrency` files at a time; a
 * file still running after 6 minutes fails (as `--test-timeout` does for a file under `node --test`); a
 * file whose tests are done exits even if a client library left a socket or timer behind (`--test-force-exit`).
 * The options of the Node running this script (`--import tsx`, …) reach every test file's process.
 * Usage: node [options] run-files.mjs <concurrency> <file>…
 */
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const [concurrency, ...files] = process.argv.slice(2);
if (!Number(concurrency) || files.length === 0) {
  console.error('usage: node [--import tsx …] test/helpers/run-files.mjs <concurrency> <file>…');
  process.exit(2);
}
const stream = run({ files, concurrency: Number(concurrency), timeout: 360_000, forceExit: true });
stream.on('test:fail', () => {
  process.exitCode = 1;
});
stream.compose(new spec()).pipe(process.stdout);
