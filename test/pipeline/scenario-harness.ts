/**
 * Runs an example pipeline end to end in-process: a real Freshet server on a
 * ManualClock (memory storage, Firehose files in a temp dir), `applyUp` from
 * the example file, and its generators on the same clock, so minutes of
 * scenario time pass in a few seconds.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/index.ts';
import { startServer, type FreshetServer } from '../../src/server/index.ts';
import {
  applyDown,
  applyUp,
  createClients,
  loadPipeline,
  startPipelineGenerators,
  type FreshetClients,
  type LoadedPipeline,
  type RunningGenerator,
} from '../../src/pipeline/index.ts';
import { ROOT } from '../cli/run-cli.ts';

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Scenario {
  clock: ManualClock;
  server: FreshetServer;
  clients: FreshetClients;
  loaded: LoadedPipeline;
  s3Root: string;
  generators: RunningGenerator[];
  /** Moves scenario time forward in steps, letting I/O settle between them. */
  advance(ms: number, stepMs?: number): Promise<void>;
  /** Every file under the bucket, as { key, text }. */
  files(bucket: string): { key: string; text: string }[];
  close(): Promise<void>;
}

/** Every file below `dir` with its text, keyed by its path under `dir` (none when `dir` does not exist). */
export function filesUnder(dir: string): { key: string; text: string }[] {
  const out: { key: string; text: string }[] = [];
  const walk = (at: string, prefix: string): void => {
    let names: string[];
    try {
      names = readdirSync(at);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(at, n);
      if (statSync(p).isDirectory()) walk(p, `${prefix}${n}/`);
      else out.push({ key: `${prefix}${n}`, text: readFileSync(p, 'utf8') });
    }
  };
  walk(dir, '');
  return out;
}

export async function startScenario(example: string, opts: { startMs?: number } = {}): Promise<Scenario> {
  const clock = new ManualClock(opts.startMs);
  const s3Root = mkdtempSync(join(tmpdir(), `freshet-${example}-`));
  const server = await startServer({ port: 0, storage: 'memory', clock, firehose: { s3Root } });
  const clients = createClients({ endpoint: server.url });
  const loaded = loadPipeline(join(ROOT, 'examples', example, 'freshet.yaml'));
  // The record of what `up` created goes to a temp dir, not into examples/.
  const stateDir = join(s3Root, '.freshet-state');
  // Creation waits (CREATING → ACTIVE) run on the server's clock: keep it moving meanwhile.
  const pump = setInterval(() => clock.advance(100), 5);
  try {
    await applyUp(loaded, clients, { waitTimeoutMs: 30_000, stateDir });
  } finally {
    clearInterval(pump);
  }
  const generators = startPipelineGenerators(loaded, clients.kinesis, { clock });
  const scenario: Scenario = {
    clock,
    server,
    clients,
    loaded,
    s3Root,
    generators,
    async advance(ms, stepMs = 1000) {
      for (let t = 0; t < ms; t += stepMs) {
        clock.advance(Math.min(stepMs, ms - t));
        await Promise.all(generators.map((g) => g.flush()));
        await realSleep(15);
      }
    },
    files(bucket) {
      // Firehose's `s3Root` option has meant both "<root>/<bucket>" and "<root>/s3/<bucket>"; read whichever exists.
      const out = [...filesUnder(join(s3Root, bucket)), ...filesUnder(join(s3Root, 's3', bucket))];
      return out.sort((a, b) => a.key.localeCompare(b.key));
    },
    async close() {
      for (const g of generators) await g.stop().catch(() => {});
      const pump2 = setInterval(() => clock.advance(100), 5);
      try {
        await applyDown(loaded, clients, { waitTimeoutMs: 30_000, stateDir });
      } finally {
        clearInterval(pump2);
        clients.destroy();
        await server.close();
      }
    },
  };
  return scenario;
}
