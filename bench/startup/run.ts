/**
 * Start-up times of the built CLI, side by side with `node -e 0` (the floor: Node itself):
 *   - `freshet --help`, and `npx freshet --help` both in this checkout and in a project that installed the packed
 *     package (test/cli/install-package.ts: what users run): time until the process exits;
 *   - `freshet server`: time until it accepts a TCP connection, on an empty data dir (a new one each run) and on
 *     a data dir populated by `freshet demo` (S1 and S2: streams, SQL applications, delivery streams).
 * Each case runs --runs times, the cases interleaved so that they share the machine's load; medians reported.
 * Besides wall time, the CPU time (user + system) of the process: on this shared machine wall time includes
 * waiting for the other tenants, CPU time much less so.
 *
 *   node --import tsx bench/startup/run.ts [--runs 10] [--demo-seconds 20] [--before <checkout>] [--write]
 *
 * --before runs the same cases from another checkout's sources through tsx (`node --import tsx
 * src/cli/main.ts`, how Freshet started before it was built), e.g. a clone of main from before the build.
 * --write puts the table into the `startup` section of docs/benchmarks.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { machineLine, median, writeSection } from '../lib/report.ts';
import { installPackage } from '../../test/cli/install-package.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    'demo-seconds': { type: 'string', default: '20' },
    before: { type: 'string' },
    write: { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const BEFORE = values.before === undefined ? undefined : resolve(values.before);
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface Sample {
  wallMs: number;
  cpuMs: number | undefined;
}

interface Case {
  name: string;
  target?: number;
  run(): Promise<Sample>;
}

/** Runs a command to its end; CPU time through /usr/bin/time when the machine has it. */
function untilExit(command: string, args: string[], cwd: string): Promise<Sample> {
  const out = join(work, 'time.txt');
  const [cmd, argv] = TIME ? [TIME, ['-f', '%U %S', '-o', out, command, ...args]] : [command, args];
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) return reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`));
      let cpuMs: number | undefined;
      if (TIME) {
        const [user, system] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
        cpuMs = ((user ?? 0) + (system ?? 0)) * 1000;
      }
      resolvePromise({ wallMs, cpuMs });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolvePromise(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolvePromise(true);
    });
    socket.once('error', () => resolvePromise(false));
  });
}

/** CPU milliseconds a live process has used so far (Linux /proc). */
function cpuOf(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1000;
  } catch {
    return undefined;
  }
}

/** Starts `freshet server` on a free port and times it until a TCP connection succeeds; then stops it. */
async function untilAccepting(command: string, args: string[], cwd: string, dataDir: string): Promise<Sample> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(command, [...args, 'server', '--port', String(port), '--data-dir', dataDir], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}: ${stderr}`);
      if (await canConnect(port)) break;
      if (performance.now() - t0 > 60_000) throw new Error(`server not accepting after 60 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    const wallMs = performance.now() - t0;
    return { wallMs, cpuMs: cpuOf(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

// ---- set-up ----
execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
const work = mkdtempSync(join(tmpdir(), 'freshet-startup-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const demoDir = join(work, 'demo');
console.log(`populating ${demoDir} with \`freshet demo --seconds ${values['demo-seconds']}\`…`);
execFileSync(process.execPath, ['dist/cli.js', 'demo', '--port', '0', '--data-dir', demoDir, '--seconds', values['demo-seconds']!], {
  cwd: ROOT,
  stdio: 'ignore',
});
const demoBytes = Number(execFileSync('du', ['-sk', demoDir], { encoding: 'utf8' }).split('\t')[0]) * 1024;
console.log('packing and installing the package…');
const installed = await installPackage(join(work, 'package'));
let emptyDirs = 0;
const emptyDir = (): string => join(work, `empty-${emptyDirs++}`);

const CLI = [join(ROOT, 'bin', 'freshet.js')];
const cases: Case[] = [
  { name: '`node -e 0` (floor)', run: () => untilExit(process.execPath, ['-e', '0'], ROOT) },
  { name: '`freshet --help`', target: 300, run: () => untilExit(process.execPath, [...CLI, '--help'], ROOT) },
  { name: '`npx freshet --help`, installed package', run: () => untilExit('npx', ['freshet', '--help'], installed.app) },
  { name: '`npx freshet --help`, in this checkout', run: () => untilExit('npx', ['freshet', '--help'], ROOT) },
  { name: '`freshet server`, empty data dir: accepting', target: 800, run: () => untilAccepting(process.execPath, CLI, ROOT, emptyDir()) },
  { name: "`freshet server`, the demo's data dir: accepting", run: () => untilAccepting(process.execPath, CLI, ROOT, demoDir) },
];
if (BEFORE) {
  const TSX = ['--import', 'tsx', join(BEFORE, 'src', 'cli', 'main.ts')];
  cases.push(
    { name: 'before: `freshet --help` (tsx)', run: () => untilExit(process.execPath, [...TSX, '--help'], BEFORE) },
    { name: 'before: `npx freshet --help`', run: () => untilExit('npx', ['freshet', '--help'], BEFORE) },
    { name: 'before: `freshet server`, empty data dir', run: () => untilAccepting(process.execPath, TSX, BEFORE, emptyDir()) },
    { name: "before: `freshet server`, the demo's data dir", run: () => untilAccepting(process.execPath, TSX, BEFORE, demoDir) },
  );
}

// ---- runs ----
const loadBefore = loadavg();
const samples = new Map<string, Sample[]>(cases.map((c) => [c.name, []]));
for (const c of cases) await c.run(); // one untimed warm-up each: the page cache, not the first run, is measured
for (let r = 0; r < RUNS; r++) {
  for (const c of cases) samples.get(c.name)!.push(await c.run());
  process.stdout.write(`\rrun ${r + 1}/${RUNS}`);
}
process.stdout.write('\n');
const loadAfter = loadavg();
rmSync(work, { recursive: true, force: true });

// ---- report ----
const floor = median(samples.get(cases[0]!.name)!.map((s) => s.wallMs));
const s = (ms: number): string => (ms / 1000).toFixed(2);
const rows = cases.map((c) => {
  const xs = samples.get(c.name)!;
  const wall = median(xs.map((x) => x.wallMs));
  const cpus = xs.map((x) => x.cpuMs).filter((x): x is number => x !== undefined);
  const cpu = cpus.length ? `${s(median(cpus))} s` : 'n/a';
  const verdict = c.target === undefined ? '' : wall <= c.target ? `≤ ${s(c.target)} s: met` : `≤ ${s(c.target)} s: **not met**`;
  return `| ${c.name} | ${s(wall)} s | ${s(Math.min(...xs.map((x) => x.wallMs)))} s | ${cpu} | ${c === cases[0] ? '' : `+${s(wall - floor)} s`} | ${verdict} |`;
});
const table = `| Case | median wall | fastest | median CPU | over the floor | target |\n|---|---:|---:|---:|---:|---|\n${rows.join('\n')}`;
console.log(table);

if (values.write) {
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' / ');
  const cores = cpus().length;
  const busy =
    Math.max(loadBefore[0]!, loadAfter[0]!) > cores
      ? ` Other work kept this machine busy during the run (load average above its ${cores} cores), so every process waited for a core: wall times, the floor's included, are several times what they are on an idle machine; the CPU column is much less affected, and the targets are judged on the wall medians as measured.`
      : '';
  writeSection(
    'startup',
    'Start-up',
    `Command: \`node --import tsx bench/startup/run.ts --runs ${RUNS} --demo-seconds ${values['demo-seconds']}${BEFORE ? ' --before <clone of main before the build>' : ''} --write\`

Machine: ${machineLine()}; load average ${load(loadBefore)} before, ${load(loadAfter)} after (1 / 5 / 15 min; the machine is shared: compare rows within this run).

The built CLI (\`bin/freshet.js\` running \`dist/cli.js\`, what \`npx freshet\` runs). "--help": time until the process exits; \`npx\` in a project that installed the packed package (\`npm pack\`, then \`npm ci\` of it and its dependencies, as \`npm install freshet\` would), and in this checkout (where npm first reads the whole development tree of node_modules to find the project's own bin). "server … accepting": time from spawning \`freshet server --port <p> --data-dir <dir>\` until a TCP connection to the port succeeds (polled every 2 ms), on a new empty data dir each run, and on a data dir that \`freshet demo --seconds ${values['demo-seconds']}\` populated (${(demoBytes / 1048576).toFixed(1)} MiB: S1 and S2's streams, SQL applications and delivery streams, which the server reopens). Medians of ${RUNS} runs after one warm-up run each, the cases interleaved run by run; CPU = user + system time of the process (until it exits, or until it accepts); "over the floor" = median wall minus \`node -e 0\`'s.${BEFORE ? ' "before" rows: the same cases from the sources of main before this build, run through tsx as `npm start` and the bin did then.' : ''}${busy}

${table}`,
  );
  console.log('wrote the startup section of docs/benchmarks.md');
}
