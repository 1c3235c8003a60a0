/**
 * Kinesis Data Streams benchmark (issue 2): PutRecords with 1 KiB and 100 B
 * records from 8 concurrent keep-alive clients sending pre-serialized bodies to
 * a 4-shard stream, then a TRIM_HORIZON read-back of every shard with
 * GetRecords, side by side in one run against a null server, kinesalite,
 * kinesis-local and `freshet server` (--fsync always, and never).
 *
 *   node --import tsx bench/kinesis/run.ts            # full run, ~10 minutes or less
 *   node --import tsx bench/kinesis/run.ts --quick    # ~1 minute smoke
 *
 * Options: --runs N, --duration-ms N, --servers null,kinesalite,kinesis-local,freshet-always,freshet-never,
 * --sizes 1024,100, --no-write (print the table, leave docs/benchmarks.md alone),
 * --cpu-prof <dir> (profile the Freshet servers; the summary is printed),
 * --baseline-root <dir> [--baseline-label <text>]: also run `freshet server` (--fsync always) from another
 * checkout (e.g. `git worktree add /tmp/base main`, its node_modules linked) and compare this build with it.
 *
 * Figures go to docs/benchmarks.md through writeSection('kinesis', ...); a run with a baseline goes to its own
 * section, writeSection('kinesis-baseline', ...), with the side-by-side ratios.
 */
import { existsSync, readdirSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { machineLine, median, writeSection } from '../lib/report.ts';
import { freshet, kinesalite, kinesisLocal, nullServer, startPeer, ROOT, type Peer, type PeerSpec } from './peers.ts';
import { buildBodies, runOnce, STREAM_NAME_LENGTH, type RunResult } from './workload.ts';
import { KinesisWire } from './wire.ts';
import { summariseProfile } from './profile-summary.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    'duration-ms': { type: 'string' },
    servers: { type: 'string' },
    sizes: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    'baseline-root': { type: 'string' },
    'baseline-label': { type: 'string', default: 'baseline' },
  },
});
const BASELINE = values['baseline-root'] !== undefined ? { root: resolve(values['baseline-root']), label: `@ ${values['baseline-label']}` } : undefined;

const QUICK = values.quick;
const RUNS = Number(values.runs ?? (QUICK ? 1 : 5));
const DURATION_MS = Number(values['duration-ms'] ?? (QUICK ? 1500 : 3000));
const SIZES = (values.sizes ?? '1024,100').split(',').map(Number);
const SHARDS = 4;
const CONCURRENCY = 8;
const RECORDS_PER_REQUEST = 500;
/** Pre-built bodies per size: enough for the fastest storing server over most runs, bounded to ~350 MB of bodies. */
const MAX_RECORDS: Record<number, number> = QUICK ? { 1024: 60_000, 100: 250_000 } : { 1024: 250_000, 100: 800_000 };

const profDir = values['cpu-prof'] !== undefined ? resolve(values['cpu-prof']) : undefined;
if (profDir) mkdirSync(profDir, { recursive: true });
const freshetFlags = profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];

const SPECS: Record<string, PeerSpec> = {
  null: nullServer,
  'freshet-always': freshet('always', freshetFlags),
  'freshet-never': freshet('never', freshetFlags),
  kinesalite,
  'kinesis-local': kinesisLocal,
  ...(BASELINE ? { 'freshet-baseline': freshet('always', freshetFlags, undefined, BASELINE) } : {}),
};
const freshetReady = existsSync(join(ROOT, 'src', 'server', 'index.ts'));
const selected = (values.servers ?? Object.keys(SPECS).join(',')).split(',').filter((s) => {
  if (s === 'freshet-baseline' && !BASELINE) throw new Error('server freshet-baseline needs --baseline-root <dir>');
  if (!(s in SPECS)) throw new Error(`unknown server ${s}; known: ${Object.keys(SPECS).join(', ')}`);
  if (s.startsWith('freshet') && !freshetReady) {
    console.error(`skipping ${s}: src/server/index.ts does not exist yet`);
    return false;
  }
  return true;
});

const log = (s: string): void => void process.stderr.write(`${s}\n`);

const peers: Peer[] = [];
// Interrupted: stop the child servers rather than leave them running.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void Promise.all(peers.map((p) => p.stop())).finally(() => process.exit(130));
  });
}
const loadBefore = loadavg();
let loadAfter = loadBefore;
try {
  for (const key of selected) {
    log(`starting ${SPECS[key]!.name}`);
    peers.push(await startPeer(SPECS[key]!));
  }

  const results = new Map<string, RunResult[]>(); // `${size}|${peer}` → runs
  let streamCounter = 0;
  for (const size of SIZES) {
    const requestCount = Math.ceil((MAX_RECORDS[size] ?? 200_000) / RECORDS_PER_REQUEST);
    log(`building ${requestCount} PutRecords bodies of ${RECORDS_PER_REQUEST} × ${size} B records`);
    const bodies = buildBodies(size, RECORDS_PER_REQUEST, requestCount);
    for (let run = 0; run < RUNS; run++) {
      // Servers take turns within each repetition, so slow drift on this shared machine hits all of them alike.
      for (const peer of peers) {
        const streamName = `bench-${size}-${run}-${++streamCounter}-`.padEnd(STREAM_NAME_LENGTH, 'x');
        // Fresh keep-alive connections per run: pooled ones may have been closed by the server while idle.
        const wire = new KinesisWire(peer.port, CONCURRENCY);
        const r = await runOnce(wire, bodies, {
          streamName,
          shardCount: SHARDS,
          concurrency: CONCURRENCY,
          durationMs: DURATION_MS,
          readBack: peer.readsBack,
          readBackTimeoutMs: 180_000,
          serverCpuMs: () => peer.cpuMs(),
        }).finally(() => wire.close());
        const key = `${size}|${peer.name}`;
        results.set(key, [...(results.get(key) ?? []), r]);
        const rb = r.readBack;
        log(
          `${size} B run ${run + 1}/${RUNS} ${peer.name}: ${r.recordsPerSec.toFixed(0)} rec/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, ` +
            `acked ${r.acknowledged}, failed ${r.failed}${r.exhausted ? ' (bodies exhausted)' : ''}, client CPU ${(100 * r.clientCpuShare).toFixed(0)}% of a core, server ${r.serverCpuUsPerRecord.toFixed(2)} µs CPU/record (${((r.serverCpuUsPerRecord * r.recordsPerSec) / 1e4).toFixed(0)}% of a core)` +
            (r.failed ? ` ${JSON.stringify(r.failedCodes)}` : '') +
            (rb
              ? `; read-back ${rb.recordsPerSec.toFixed(0)} rec/s (${rb.serverCpuUsPerRecord.toFixed(2)} µs CPU/record, server ${(100 * rb.serverCpuShare).toFixed(0)}% / client ${(100 * rb.clientCpuShare).toFixed(0)}% of a core), lost ${rb.lost}, dup ${rb.duplicates}, mismatched ${rb.mismatched}, out-of-order ${rb.outOfOrder}`
              : ''),
        );
      }
    }
  }
  for (const p of peers.splice(0)) await p.stop();
  loadAfter = loadavg();

  const md = report(results);
  process.stdout.write(`${md}\n`);
  if (!values['no-write']) {
    if (BASELINE) {
      writeSection('kinesis-baseline', `Kinesis Data Streams: this build side by side with ${values['baseline-label']}`, md);
      log('wrote the kinesis-baseline section of docs/benchmarks.md');
    } else {
      writeSection('kinesis', 'Kinesis Data Streams: PutRecords / GetRecords', md);
      log('wrote the kinesis section of docs/benchmarks.md');
    }
  }
  if (profDir) {
    for (const f of readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'))) {
      process.stdout.write(`\nCPU profile ${f}:\n${summariseProfile(join(profDir, f))}\n`);
    }
  }
} finally {
  for (const p of peers) await p.stop();
}

function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return '–';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function report(results: Map<string, RunResult[]>): string {
  const names = peers.length ? peers.map((p) => p.name) : [...new Set([...results.keys()].map((k) => k.split('|')[1]!))];
  const lines: string[] = [];
  const command = `node --import tsx bench/kinesis/run.ts ${process.argv.slice(2).join(' ')}`.trim();
  lines.push(`Command: \`${command}\``);
  lines.push('');
  const la = (l: number[]): string => l.map((x) => x.toFixed(1)).join(' / ');
  lines.push(
    `Machine: ${machineLine()}; load average (1/5/15 min) ${la(loadBefore)} at start, ${la(loadAfter)} at end — this machine is shared with other jobs, so absolute figures swing between runs; ratios within one run are the comparable figures.`,
  );
  lines.push('');
  lines.push(
    `Workload: a ${SHARDS}-shard stream per run; PutRecords of ${RECORDS_PER_REQUEST} records, each with a unique partition key, ` +
      `from ${CONCURRENCY} concurrent keep-alive node:http clients sending bodies serialized before timing, for ${DURATION_MS / 1000} s ` +
      `(or until ${Object.entries(MAX_RECORDS)
        .map(([s, n]) => `${fmt(n)} × ${s} B`)
        .join(' / ')} records run out); then every shard read from TRIM_HORIZON ` +
      `with GetRecords (Limit 10000, the 4 shards in parallel). Medians of ${RUNS} run(s) per server, servers taking turns. Every server is a separate ` +
      `child process on 127.0.0.1 (kinesalite in-memory and kinesis-local with 0 ms stream-creation delay). Acknowledged = records answered with a ` +
      `sequence number (throttled/failed records are not); lost = acknowledged − acknowledged read back with the same partition key (summed over runs). ` +
      `MB/s counts record payload bytes (10^6). The client shares this machine's cores with the server under test. ` +
      `Server CPU µs/record = the server process's user + system CPU time (from /proc) over the phase divided by its records: ` +
      `steadier than wall-clock rates when other jobs load the machine; "write CPU × null server" = null server µs/record ÷ this server's. ` +
      `The × columns are medians of per-repetition ratios (each run against the reference's run of the same repetition); the other columns are medians over runs.`,
  );
  const targets: string[] = [];
  const baselines: string[] = [];
  for (const size of SIZES) {
    const row = (
      name: string,
    ):
      | { w: number; p50: number; p99: number; mb: number; rb: number; cpuW: number; cpuR: number; lost: number; failed: number; runs: RunResult[] }
      | undefined => {
      const runs = results.get(`${size}|${name}`);
      if (!runs?.length) return undefined;
      const rbs = runs.map((r) => r.readBack).filter((r) => r !== undefined);
      return {
        w: median(runs.map((r) => r.recordsPerSec)),
        mb: median(runs.map((r) => r.mbPerSec)),
        p50: median(runs.map((r) => r.p50Ms)),
        p99: median(runs.map((r) => r.p99Ms)),
        rb: rbs.length ? median(rbs.map((r) => r.recordsPerSec)) : NaN,
        cpuW: median(runs.map((r) => r.serverCpuUsPerRecord)),
        cpuR: rbs.length ? median(rbs.map((r) => r.serverCpuUsPerRecord)) : NaN,
        lost: rbs.length ? rbs.reduce((a, r) => a + r.lost + r.mismatched, 0) : NaN,
        failed: runs.reduce((a, r) => a + r.failed, 0),
        runs,
      };
    };
    const nul = row(nullServer.name);
    const kl = row(kinesalite.name);
    // Ratios pair each run with the reference's run of the same repetition (adjacent in time), then take the median:
    // on a shared machine that cancels much of the drift that ratios of separate medians keep.
    const paired = (a: { runs: RunResult[] } | undefined, b: { runs: RunResult[] } | undefined, f: (x: RunResult, y: RunResult) => number): number =>
      a && b ? median(a.runs.slice(0, Math.min(a.runs.length, b.runs.length)).map((x, k) => f(x, b.runs[k]!))) : NaN;
    const speed = (x: RunResult, y: RunResult): number => x.recordsPerSec / y.recordsPerSec;
    const efficiency = (x: RunResult, y: RunResult): number => y.serverCpuUsPerRecord / x.serverCpuUsPerRecord;
    lines.push('');
    lines.push(`### ${size === 1024 ? '1 KiB' : `${size} B`} records`);
    lines.push('');
    lines.push(
      '| server | records/s | MB/s | p50 ms | p99 ms | read-back records/s | lost | failed/throttled | × null server | × kinesalite | server CPU µs/record write | … read | write CPU × null server |',
    );
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const name of names) {
      const r = row(name);
      if (!r) continue;
      const dupes = r.runs.reduce((a, x) => a + (x.readBack?.duplicates ?? 0) + (x.readBack?.outOfOrder ?? 0), 0);
      const exhausted = r.runs.filter((x) => x.exhausted).length;
      lines.push(
        `| ${name} | ${fmt(r.w)}${exhausted ? ` (${exhausted}/${r.runs.length} †)` : ''} | ${fmt(r.mb, 1)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.rb)} | ${Number.isNaN(r.lost) ? 'n/a' : fmt(r.lost)}${dupes ? ` (+${dupes} dup/out-of-order)` : ''} | ${fmt(r.failed)} | ` +
          `${fmt(paired(r, nul, speed), 2)} | ${fmt(paired(r, kl, speed), 2)} | ${fmt(r.cpuW, 2)} | ${fmt(r.cpuR, 2)} | ${fmt(paired(r, nul, efficiency), 2)} |`,
      );
    }
    const f = row(freshet('always').name);
    const base = BASELINE ? row(freshet('always', [], undefined, BASELINE).name) : undefined;
    if (f && base) {
      const cpuRatio = (pick: (x: RunResult) => number) => (x: RunResult, y: RunResult) => pick(x) / pick(y);
      const readRate = (x: RunResult, y: RunResult): number => (x.readBack?.recordsPerSec ?? NaN) / (y.readBack?.recordsPerSec ?? NaN);
      const readCpu = cpuRatio((x) => x.readBack?.serverCpuUsPerRecord ?? NaN);
      baselines.push(
        `- ${size === 1024 ? '1 KiB' : `${size} B`}: PutRecords records/s ${fmt(paired(f, base, speed), 3)}×, server CPU µs/record written ${fmt(
          paired(
            f,
            base,
            cpuRatio((x) => x.serverCpuUsPerRecord),
          ),
          3,
        )}×; ` +
          `GetRecords read-back records/s ${fmt(paired(f, base, readRate), 3)}×, server CPU µs/record read ${fmt(paired(f, base, readCpu), 3)}× ` +
          `(this build ÷ ${values['baseline-label']}, medians of per-repetition ratios; CPU below 1 and rates above 1 favour this build).`,
      );
    }
    if (f) {
      const mark = (ok: boolean): string => (ok ? 'met' : '**not met**');
      targets.push(
        `- ${size === 1024 ? '1 KiB' : `${size} B`}: write ≥ 0.7× null server: ${nul ? `${fmt(paired(f, nul, speed), 2)}× — ${mark(paired(f, nul, speed) >= 0.7)}` : 'not measured'}; ` +
          `write ≥ 8× kinesalite: ${kl ? `${fmt(paired(f, kl, speed), 2)}× — ${mark(paired(f, kl, speed) >= 8)}` : 'not measured'}; ` +
          `read-back ≥ 300k records/s: ${fmt(f.rb)} — ${mark(f.rb >= 300_000)}; zero lost: ${fmt(f.lost)} — ${mark(f.lost === 0)}. ` +
          `Per server CPU time, Freshet writes at ${fmt(paired(f, nul, efficiency), 2)}× the null server's efficiency and ${fmt(paired(f, kl, efficiency), 2)}× kinesalite's; ` +
          `its read-back costs ${fmt(f.cpuR, 2)} µs CPU/record (${fmt(1e6 / f.cpuR)} records per CPU-second).`,
      );
    }
  }
  lines.push('');
  lines.push(
    '† in that many runs the server took every pre-built body before the duration was up, so the run was shorter (its rate is still acknowledged records ÷ elapsed time).',
  );
  lines.push('');
  if (baselines.length) {
    lines.push('');
    lines.push(`Side by side, Freshet (--fsync always) of this build against ${values['baseline-label']} (\`${values['baseline-root']}\`):`);
    lines.push('');
    lines.push(...baselines);
  }
  lines.push('');
  lines.push('Targets from issue 2, for Freshet with `--fsync always`:');
  lines.push('');
  lines.push(...(targets.length ? targets : ['- Freshet was not part of this run.']));
  return lines.join('\n');
}
