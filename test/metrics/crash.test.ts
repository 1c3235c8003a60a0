import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../src/core/index.ts';
import { MetricStore, TIERS } from '../../src/metrics/index.ts';
import { tempDir } from './helpers.ts';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

/** Runs the writer until it has acknowledged `minAcked` datapoints, then SIGKILLs it. Returns the last acknowledged total. */
async function runAndKill(dir: string, minAcked: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let acked = 0;
  let buffered = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const m = /^ack (\d+)$/.exec(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
        if (m) acked = Number(m[1]);
      }
      if (acked >= minAcked) {
        clearTimeout(timer);
        child.kill('SIGKILL'); // mid-write: the next batch is being recorded
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited early: ${code ?? signal}`));
    });
  });
  await exited;
  return acked;
}

/** SampleCount of the series in every tier, over all time the tier keeps. */
async function counts(store: MetricStore): Promise<number[]> {
  const s = store.series('Crash', 'Count', [], 'Count');
  const now = Math.floor(Date.now() / 1000);
  // The writer stamps datapoints up to 122 s in the past, so near the top of the hour the hourly tier's
  // oldest bucket starts more than an hour ago: look two hours back.
  const from = now - 2 * 3600;
  const out: number[] = [];
  for (const tier of TIERS) {
    await store.load(tier, from, now + 3600);
    let n = 0;
    store.scan(s.id, tier, from, now + 3600, (run, i0, i1) => {
      for (let i = i0; i < i1; i++) n += run.count[i]!;
    });
    out.push(n);
  }
  return out;
}

describe('MetricStore crash safety', () => {
  it('after SIGKILL mid-write keeps every datapoint acknowledged by a commit, once, in every tier (3 runs)', async (t) => {
    const { dir, remove } = await tempDir('freshet-metrics-crash-');
    try {
      let acked = 0;
      for (let run = 0; run < 3; run++) {
        const runAcked = await runAndKill(dir, 1500);
        // Before the kill the writer committed `runAcked` datapoints in this run, and had
        // at most one more batch (≤ 7 datapoints) recorded but not yet committed.
        acked += runAcked;
        const store = await MetricStore.open({ dir, clock: systemClock, fsync: true });
        try {
          const [oneSecond, ...rest] = await counts(store);
          t.diagnostic(`run ${run}: acked ${acked}, 1 s tier ${oneSecond}, other tiers ${rest.join('/')}, replayed ${store.recovery.walRecordsReplayed}`);
          for (const n of rest) {
            assert.ok(n >= acked, `every acknowledged datapoint survived (${n} ≥ ${acked})`);
            assert.ok(n <= acked + 7 * (run + 1), `nothing was counted twice (${n} ≤ ${acked} + unacknowledged)`);
          }
          assert.equal(rest[0], rest[1]);
          assert.equal(rest[1], rest[2]);
          acked = rest[0]!; // what is stored is the base for the next run
        } finally {
          await store.close();
        }
      }
    } finally {
      await remove();
    }
  });
});
