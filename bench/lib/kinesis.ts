/**
 * What the in-process benchmarks share: a KinesisEngine on storage of their choice (MemoryStorage unless given),
 * with no create/update/delete delays and the streams they name already ACTIVE — no server, no HTTP, so the figures
 * are the engine's and the component's on top of it.
 */
import type { Clock } from '../../src/core/index.ts';
import { ManualClock } from '../../src/core/index.ts';
import { KinesisEngine } from '../../src/kinesis/index.ts';
import { MemoryStorage } from '../../src/storage/index.ts';
import type { LogStorage } from '../../src/storage/index.ts';

/** The engine options every in-process benchmark uses (one account and region, streams ready at once). */
export const BENCH_ENGINE_OPTIONS = {
  region: 'us-east-1',
  accountId: '000000000000',
  shardLimit: 100,
  createDelayMs: 0,
  deleteDelayMs: 0,
  updateDelayMs: 0,
} as const;

/** What the helper needs of an engine: this build's KinesisEngine, or another build's (bench/kinesis/ab-actions.ts). */
export interface BenchEngine {
  createStream(name: string, options: { shardCount: number }): Promise<void>;
  whenActive(name: string): Promise<void>;
}

export interface InProcessKinesisOptions {
  clock: Clock;
  /** Opened here; MemoryStorage when not given. */
  storage?: LogStorage;
  /** Streams to create, name → shard count; each is ACTIVE when the helper returns. */
  streams?: Readonly<Record<string, number>>;
}

/** Another build's KinesisEngine class (bench/kinesis/ab-actions.ts). */
export interface BenchEngineClass<E extends BenchEngine> {
  open(options: Record<string, unknown>): Promise<E>;
}

/**
 * Opens `storage` (MemoryStorage by default) and an engine on it (this build's KinesisEngine, or `engine`) with
 * BENCH_ENGINE_OPTIONS, creates `streams` and waits until they are ACTIVE (moving a ManualClock by 1 ms so their
 * zero-delay timers fire).
 */
export async function inProcessKinesis(options: InProcessKinesisOptions): Promise<{ kinesis: KinesisEngine; storage: LogStorage }>;
export async function inProcessKinesis<E extends BenchEngine>(
  options: InProcessKinesisOptions & { engine: BenchEngineClass<E> },
): Promise<{ kinesis: E; storage: LogStorage }>;
export async function inProcessKinesis(
  options: InProcessKinesisOptions & { engine?: BenchEngineClass<BenchEngine> },
): Promise<{ kinesis: BenchEngine; storage: LogStorage }> {
  const storage = options.storage ?? new MemoryStorage();
  await storage.open();
  const engineOptions = { storage, clock: options.clock, ...BENCH_ENGINE_OPTIONS };
  const kinesis = options.engine ? await options.engine.open(engineOptions) : await KinesisEngine.open(engineOptions);
  const streams = options.streams ?? {};
  const names = Object.keys(streams);
  for (const name of names) await kinesis.createStream(name, { shardCount: streams[name]! });
  if (names.length > 0 && options.clock instanceof ManualClock) options.clock.advance(1);
  for (const name of names) await kinesis.whenActive(name);
  return { kinesis, storage };
}
