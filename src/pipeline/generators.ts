/**
 * Starts the generators a pipeline file declares (used by `freshet up` and the demo).
 *
 * A generator knows whether it already runs, and where its sequence stands, through a tag on the stream it
 * writes to (`freshet:generator:<pipeline>:<n>` = `owner=<pid>@<host> beat=<ms> seed=<seed> next=<n>`): stored
 * with the stream, so the demo and every `up` against the same endpoint see the same record, and it survives
 * restarts with the data dir. While running, the owner renews the tag every HEARTBEAT_MS with `next` set
 * RESERVE_MS of records ahead, so even after kill -9 a restart continues past every id already written (a gap,
 * never a repeat); a clean stop writes the exact count and `beat=0`. A generator whose tag was renewed less
 * than STALE_MS ago by another process is left to that process.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { AddTagsToStreamCommand, ListTagsForStreamCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { log, systemClock, type Clock, type TimerHandle } from '../core/index.ts';
import { KinesisWriter, parseDuration, parseRate, startGenerator, startReplay, type GeneratorStats } from '../generators/index.ts';
import type { LoadedPipeline } from './load.ts';
import type { GeneratorSpec } from './types.ts';
import { formatRunState, HEARTBEAT_MS, STALE_MS, generatorTagKey, parseRunState, type GeneratorRunState } from '../client/index.ts';

export interface RunningGenerator {
  label: string;
  readonly stats: GeneratorStats;
  done: Promise<GeneratorStats>;
  /** Sends what has been generated so far. */
  flush(): Promise<void>;
  stop(): Promise<GeneratorStats>;
}

const RESERVE_MS = 30_000;
const logger = log.child('pipeline').child('generators');

function startOne(loaded: LoadedPipeline, g: GeneratorSpec, i: number, kinesis: KinesisClient, clock: Clock | undefined, seed: number, skip: number) {
  // A replay keeps the file's order in the stream: its rows have distinct partition keys, so concurrent calls could land out of order.
  const sink = new KinesisWriter({ client: kinesis, streamName: g.stream, maxInFlight: g.kind === 'replay' ? 1 : undefined });
  const handle =
    g.kind === 'replay'
      ? startReplay({
          file: resolve(loaded.dir, g.file!),
          sink,
          speedup: g.speedup ?? 1,
          timeField: g.timeField,
          partitionKeyField: g.partitionKeyField,
          format: g.format,
          count: g.count,
          clock,
        })
      : startGenerator({
          kind: g.kind,
          sink,
          ratePerSecond: g.rate !== undefined ? parseRate(g.rate) : undefined,
          everyMs: g.every !== undefined ? parseDuration(g.every) : undefined,
          batch: g.batch,
          count: g.count,
          seed,
          skip,
          anomalyRate: g.anomalyRate,
          format: g.format,
          clock,
        });
  return { sink, handle, label: `${g.kind} → ${g.stream}`, defaultSeed: i + 1 };
}

/** Starts every generator of the file, each from the start of its sequence (no run-state; see runPipelineGenerators). */
export function startPipelineGenerators(loaded: LoadedPipeline, kinesis: KinesisClient, opts: { clock?: Clock } = {}): RunningGenerator[] {
  return loaded.spec.generators.map((g, i) => {
    const { sink, handle, label } = startOne(loaded, g, i, kinesis, opts.clock, g.seed ?? i + 1, 0);
    return {
      label,
      get stats() {
        return handle.stats;
      },
      done: handle.done,
      flush: () => sink.flush(),
      stop: () => handle.stop(),
    };
  });
}

/** A generator's run-state as its stream's tag holds it. */
/** This process, as tags name it: `<pid>@<host>` (characters tags do not allow replaced). */
export function processOwner(): string {
  return `${process.pid}@${hostname().replace(/[^A-Za-z0-9_.:/+\-@]/g, '-')}`.slice(0, 100);
}

async function readTags(kinesis: KinesisClient, stream: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let start: string | undefined;
  for (;;) {
    const res = await kinesis.send(new ListTagsForStreamCommand({ StreamName: stream, Limit: 50, ...(start ? { ExclusiveStartTagKey: start } : {}) }));
    for (const t of res.Tags ?? []) out[t.Key!] = t.Value ?? '';
    if (!res.HasMoreTags || !res.Tags?.length) return out;
    start = res.Tags[res.Tags.length - 1]!.Key;
  }
}

export interface PipelineGeneratorsResult {
  running: RunningGenerator[];
  /** Generators another process (the demo, another `up`) runs right now: not started again. */
  alreadyRunning: Array<{ label: string; owner: string }>;
}

/**
 * Starts the file's generators that are not running elsewhere, each continuing its sequence from its stream's
 * run-state tag, and keeps that tag renewed until stopped.
 */
export async function runPipelineGenerators(
  loaded: LoadedPipeline,
  kinesis: KinesisClient,
  opts: { clock?: Clock; owner?: string } = {},
): Promise<PipelineGeneratorsResult> {
  const clock = opts.clock ?? systemClock;
  const owner = opts.owner ?? processOwner();
  const result: PipelineGeneratorsResult = { running: [], alreadyRunning: [] };
  const pipeline = loaded.spec.name;
  for (const [i, g] of loaded.spec.generators.entries()) {
    const key = generatorTagKey(pipeline, i);
    const label = `${g.kind} → ${g.stream}`;
    const previous = parseRunState((await readTags(kinesis, g.stream))[key]);
    const now = clock.now();
    if (previous && previous.owner !== owner && previous.beatMs > 0 && now - previous.beatMs < STALE_MS) {
      result.alreadyRunning.push({ label, owner: previous.owner });
      continue;
    }
    const seed = g.seed ?? previous?.seed ?? i + 1;
    // A replay runs through its file; only a generator kind's sequence continues.
    const skip = g.kind === 'replay' || (g.seed !== undefined && previous?.seed !== g.seed) ? 0 : (previous?.next ?? 0);
    const rate = g.rate !== undefined ? parseRate(g.rate) : g.every !== undefined ? (g.batch ?? 100) / (parseDuration(g.every) / 1000) : 100;
    const reserve = Math.ceil((rate * RESERVE_MS) / 1000);
    const write = (state: GeneratorRunState) =>
      kinesis.send(new AddTagsToStreamCommand({ StreamName: g.stream, Tags: { [key]: formatRunState(state) } })).then(() => undefined);
    // Claim it before the first record: a restart after a crash right now still continues past `skip + reserve`.
    await write({ owner, beatMs: now, seed, next: skip + reserve });
    const { sink, handle } = startOne(loaded, g, i, kinesis, opts.clock, seed, skip);
    let timer: TimerHandle | undefined;
    let stopped = false;
    const beat = () => {
      if (stopped) return;
      write({ owner, beatMs: clock.now(), seed, next: skip + handle.stats.generated + reserve }).catch((e) =>
        logger.swallowed(`renewing the run-state of generator ${label}`, e),
      );
      timer = clock.setTimer(beat, HEARTBEAT_MS);
    };
    timer = clock.setTimer(beat, HEARTBEAT_MS);
    let released: Promise<void> | undefined;
    const release = () =>
      (released ??= (async () => {
        stopped = true;
        timer?.cancel();
        await write({ owner, beatMs: 0, seed, next: skip + handle.stats.generated });
      })());
    const done = handle.done.then(async (stats) => {
      await release();
      return stats;
    });
    done.catch(() => {});
    result.running.push({
      label,
      get stats() {
        return handle.stats;
      },
      done,
      flush: () => sink.flush(),
      async stop() {
        const stats = await handle.stop();
        await release();
        return stats;
      },
    });
  }
  return result;
}
