/**
 * Which test files share a Node process in `npm test` (test/helpers/run-files.mjs), and which run alone.
 *
 * Why: every test file used to be its own `node --import tsx` process, and each one pays for Node's start-up, tsx,
 * and loading (compiling, the first time) the server, the AWS SDK clients and the rest of what it imports — about
 * 1 s of CPU before its first test, for each of the ~220 files, on a 2-core machine where `npm test` is CPU-bound.
 * A group runs several files in one process: its entry (written by writeGroupEntries) imports each file inside a
 * `describe` named after the file, so the file's tests, and the hooks it registers at its top level
 * (`before(() => startServer())`, `after(() => server.close())`), belong to that suite: they run, are reported
 * and fail under the file's name, its `after` hooks run when its own tests are done, and a file that hangs fails
 * on its own timeout. The files of a group are imported together when the process starts (so module-level code
 * of a later file, not its hooks, runs early) and their tests run one file after the other, never concurrently.
 *
 * What a group shares is the process: module instances (src/ has no test-visible singletons that two files set
 * differently), process.env, signal handlers, the fork servers of third-party-clients.ts. A file stays alone
 * (ISOLATED) when it depends on the process being its own — listed with the reason, not guessed; and a file
 * heavy enough that sharing its start-up saves little next to its length stays alone too (its measured time in
 * test-weights.json is at least SOLO_SHARE of the run's), so the slowest-first order keeps the long files at the front.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Files that run in a process of their own, and why. Keep the reason when you add one.
 */
export const ISOLATED = new Map([
  // kill -9 a child that writes (a server, a storage writer, an app) and check what survived: each waits on
  // real-time restarts and fsync, and a neighbour's CPU load must not stretch the windows they measure.
  ['test/analytics/crash.test.ts', 'kill -9 of a running server, restart, compare'],
  ['test/analytics/v2-crash.test.ts', 'kill -9 of a running server, restart, compare'],
  ['test/analytics/cli-checkpoint.test.ts', 'kills the server it started mid-checkpoint'],
  ['test/detectors/stream-crash.test.ts', 'kill -9 of a running server, restart, compare'],
  ['test/firehose/crash.test.ts', 'kill -9 of a running server, restart, compare'],
  ['test/functions/crash.test.ts', 'kill -9 of a running server, restart, compare'],
  ['test/kinesis/crash.test.ts', 'kill -9 of a running server, restart, compare'],
  ['test/metrics/crash.test.ts', 'kill -9 of a writer child, reopen, compare'],
  ['test/storage/crash.test.ts', 'kill -9 of a writer child, reopen, compare'],
  ['test/views/crash.test.ts', 'kill -9 of a running server, restart, compare'],
  // NATS servers and clusters that the test kills, stops (SIGSTOP) and restarts on a real-time schedule; owned
  // by the JetStream and cluster work, and long enough to gain nothing from sharing a process.
  ['test/cluster/dev-cluster.test.ts', 'starts and stops a local NATS cluster'],
  ['test/cluster/jetstream-client-matrix.test.ts', 'NATS cluster'],
  ['test/cluster/jetstream-two-nodes-faults.test.ts', 'kills NATS servers and Freshet nodes'],
  ['test/cluster/jetstream-two-nodes.test.ts', 'two Freshet nodes on one NATS cluster'],
  ['test/cluster/leases-failover.test.ts', 'kills the node holding a lease'],
  ['test/cluster/leases.test.ts', 'lease timing on a NATS cluster'],
  ['test/cluster/jetstream-scenarios.test.ts', 'two Freshet nodes on one NATS cluster running S1 and S2 with real-time waits (30–50 s)'],
  ['test/cluster/detectors-leased.test.ts', 'two Freshet nodes on one NATS cluster; a node stops mid-run'],
  ['test/cluster/leases-more.test.ts', 'two Freshet nodes on one NATS cluster; times a cross-node EFO takeover in real time'],
  ['test/storage/jetstream-model.test.ts', 'NATS server per file'],
  ['test/storage/jetstream-suite.test.ts', 'NATS server per file'],
  // A Chromium per file and real-time page waits; the console tests are long and owned by the console work.
  ['test/console/browser.test.ts', 'Chromium + real-time demo'],
  ['test/console/detectors-views.test.ts', 'Chromium'],
  ['test/console/manage.test.ts', 'Chromium'],
  ['test/console/manage-metrics.test.ts', 'Chromium'],
  ['test/console/manage2.test.ts', 'Chromium'],
  ['test/console/signin.test.ts', 'Chromium'],
  // Measures a real-time rate in its own process (5,000 records/s for 5 s): another file's leftover timers or
  // sockets in the same event loop would count against it (failed in a group at load 28: 4,137 records/s).
  ['test/views/refresh.test.ts', 'real-time throughput measured in-process'],
  // Its slow-loris case was answered 400 instead of 408 at the headers timeout when it ran after six other
  // security files in one process (second grouped run); until that is understood it keeps a process of its own.
  ['test/security/hostile.test.ts', 'HTTP server timeouts: failed in a group, cause not yet known'],
  // Its CancelRequest case hung until the file's timeout when it ran after views/clients in one process (second
  // grouped run, load ~25); it passed alone in every run before. Alone until the cause is known.
  ['test/views/node-postgres.test.ts', 'Postgres CancelRequest hung in a group, cause not yet known'],
  // Packs, installs and runs the package, the README's lines and the demo as a user would, each as processes of
  // their own with real-time waits.
  ['test/cli/package.test.ts', 'npm pack + npm ci + the installed binary'],
  ['test/cli/readme.test.ts', "the README's lines through bash"],
  ['test/demo/demo.test.ts', 'the demo binary in real time'],
]);

/**
 * A file that takes at least this share of the whole run's time (the sum of test-weights.json, so the weights may
 * come from a loaded machine as well as a quiet one) runs alone: its start-up is a small part of it. At CI's
 * ~2,000 s that is ~40 s.
 */
export const SOLO_SHARE = 0.02;
/** A group is closed once its files' times reach this share of the run (~30 s at CI's), or it holds MAX_FILES. */
export const GROUP_SHARE = 0.015;
export const MAX_FILES = 16;

/**
 * The measured seconds per file (suite time of a full run: file-times-report.mjs --weights writes it), or an
 * empty map when the file is missing.
 * @param {string} path
 * @returns {Map<string, number>}
 */
export function readWeights(path) {
  try {
    return new Map(Object.entries(JSON.parse(readFileSync(path, 'utf8'))));
  } catch {
    return new Map();
  }
}

/**
 * Splits files into units to run, each a process: ISOLATED and heavy files alone, the others grouped by folder
 * (files of a folder import the same modules, so the group loads them once) up to GROUP_SHARE of the run. Units come out
 * slowest first (longest processing time first: with a few processes at a time, a long unit that starts last
 * stretches the run by its whole length).
 * @param {string[]} files paths relative to the repository root
 * @param {Map<string, number>} weights
 * @returns {Array<{ files: string[], seconds: number }>}
 */
export function planGroups(files, weights) {
  // A file test-weights.json does not list yet (a new one) counts as the median file.
  const known = [...weights.values()].sort((a, b) => a - b);
  const unknown = known[Math.floor(known.length / 2)] ?? 1;
  const secondsOf = (/** @type {string} */ f) => weights.get(f) ?? unknown;
  // Shares of the whole suite's time, not of the files given: a folder run alone is grouped as in `npm test`.
  const total = known.reduce((sum, x) => sum + x, 0) + files.reduce((sum, f) => sum + (weights.has(f) ? 0 : unknown), 0);
  const solo = total * SOLO_SHARE;
  const full = total * GROUP_SHARE;
  /** @type {Array<{ files: string[], seconds: number }>} */
  const units = [];
  const shared = [];
  for (const f of files) {
    if (ISOLATED.has(f) || secondsOf(f) >= solo) units.push({ files: [f], seconds: secondsOf(f) });
    else shared.push(f);
  }
  shared.sort();
  /** @type {{ files: string[], seconds: number } | undefined} */
  let group;
  for (const f of shared) {
    if (!group || group.seconds >= full || group.files.length >= MAX_FILES) {
      group = { files: [], seconds: 0 };
      units.push(group);
    }
    group.files.push(f);
    group.seconds += secondsOf(f);
  }
  // Stable: equal weights keep the caller's order.
  return units
    .map((u, i) => ({ u, i }))
    .sort((a, b) => b.u.seconds - a.u.seconds || a.i - b.i)
    .map(({ u }) => u);
}

/**
 * Writes one entry file per unit into `dir` and returns their paths, in the units' order. A unit's entry imports
 * each of its files inside a describe named after the file (with `timeout`): node:test runs the suites in order.
 * @param {Array<{ files: string[] }>} units
 * @param {string} root the repository root the files are relative to
 * @param {string} dir
 * @param {number} timeoutMs a file's timeout
 */
export function writeGroupEntries(units, root, dir, timeoutMs) {
  mkdirSync(dir, { recursive: true });
  return units.map((unit, i) => {
    const first = unit.files[0] ?? 'empty';
    const label = `${basename(dirname(first))}-${basename(first, '.test.ts')}${unit.files.length > 1 ? `-and-${unit.files.length - 1}` : ''}`;
    const entry = join(dir, `${String(i + 1).padStart(3, '0')}-${label}.test.mjs`);
    let text = `// Generated by test/helpers/test-groups.mjs for one run; its test files, one after the other.\nimport { describe } from 'node:test';\n`;
    text += `export const FILES = ${JSON.stringify(unit.files)};\n`;
    for (const f of unit.files) {
      text += `describe(${JSON.stringify(f)}, { timeout: ${timeoutMs} }, async () => {\n  await import(${JSON.stringify(pathToFileURL(resolve(root, f)).href)});\n});\n`;
    }
    writeFileSync(entry, text);
    return entry;
  });
}
