/**
 * Runs a generator kind against a sink on a schedule driven by an injected
 * Clock: `rate` (records per second, emitted in ticks) or `every`
 * (a batch per interval, like the scenarios' scheduled Lambda producers).
 */
import { systemClock, type Clock, type TimerHandle } from '../core/index.ts';
import { encodeRecord, getGenerator } from './registry.ts';
import type { GeneratorKind, RecordFormat } from './types.ts';
import type { RecordSink, WriterStats } from './writer.ts';

export interface GeneratorStats extends WriterStats {
  generated: number;
  anomalies: number;
}

export interface GeneratorRunOptions {
  kind: GeneratorKind | string;
  sink: RecordSink;
  /** Records per second. Ignored when everyMs is set. */
  ratePerSecond?: number;
  /** Emit `batch` records every `everyMs`. */
  everyMs?: number;
  batch?: number;
  /** Stop after this many records. */
  count?: number;
  seed?: number;
  /**
   * Records of this seed's sequence already written by an earlier run: the factory is advanced past them first,
   * so a restarted generator continues its sequence (ids 1, 2, 3… go on, nothing repeats).
   */
  skip?: number;
  anomalyRate?: number;
  format?: RecordFormat;
  clock?: Clock;
  /** Granularity of rate mode, in ms (default 100). */
  tickMs?: number;
}

export interface GeneratorHandle {
  readonly kind: string;
  readonly stats: GeneratorStats;
  /** Resolves when `count` records are written (never, without a count, until stop()). */
  readonly done: Promise<GeneratorStats>;
  /** Sends what has been generated so far. */
  flush(): Promise<void>;
  stop(): Promise<GeneratorStats>;
}

export function resolveSchedule(kind: GeneratorKind, o: { ratePerSecond?: number; everyMs?: number; batch?: number }) {
  if (o.everyMs !== undefined) {
    const batch = o.batch ?? (kind.defaultSchedule.kind === 'every' ? kind.defaultSchedule.batch : 1);
    return { kind: 'every' as const, intervalMs: o.everyMs, batch };
  }
  if (o.ratePerSecond !== undefined) return { kind: 'rate' as const, perSecond: o.ratePerSecond };
  return kind.defaultSchedule;
}

export function startGenerator(opts: GeneratorRunOptions): GeneratorHandle {
  const kind = typeof opts.kind === 'string' ? getGenerator(opts.kind) : opts.kind;
  const clock = opts.clock ?? systemClock;
  const format = opts.format ?? kind.defaultFormat;
  const factory = kind.create({ seed: opts.seed ?? 1, anomalyRate: opts.anomalyRate ?? kind.defaultAnomalyRate });
  const startNow = clock.now();
  for (let i = 0; i < (opts.skip ?? 0); i++) factory.next(startNow);
  const schedule = resolveSchedule(kind, opts);
  const tickMs = opts.tickMs ?? 100;
  const limit = opts.count ?? Infinity;
  const sink = opts.sink;
  const stats: GeneratorStats = { generated: 0, anomalies: 0, sent: 0, retried: 0, failed: 0, batches: 0 };
  const syncStats = () => {
    stats.sent = sink.stats.sent;
    stats.retried = sink.stats.retried;
    stats.failed = sink.stats.failed;
    stats.batches = sink.stats.batches;
    return stats;
  };

  let timer: TimerHandle | undefined;
  let stopped = false;
  let resolveDone!: (s: GeneratorStats) => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<GeneratorStats>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  // A caller that only uses stop() must not see an unhandled rejection.
  done.catch(() => {});

  const encoder = new TextEncoder();
  const emit = (n: number) => {
    const now = clock.now();
    for (let i = 0; i < n && stats.generated < limit; i++) {
      const rec = factory.next(now);
      stats.generated++;
      if (rec.anomalous) stats.anomalies++;
      sink.add(encoder.encode(encodeRecord(rec, kind.fields, format)), rec.partitionKey);
    }
    // Surface write failures promptly instead of generating into a dead stream.
    sink.flush().catch((e) => finish(e));
    if (stats.generated >= limit) finish();
  };

  const finish = (error?: unknown) => {
    if (stopped) return;
    stopped = true;
    timer?.cancel();
    if (error !== undefined) {
      rejectDone(error);
      return;
    }
    sink.flush().then(() => resolveDone(syncStats()), rejectDone);
  };

  const startMs = clock.now();
  if (schedule.kind === 'every') {
    const tick = () => {
      if (stopped) return;
      emit(schedule.batch);
      if (!stopped) timer = clock.setTimer(tick, schedule.intervalMs);
    };
    tick();
  } else {
    const perMs = schedule.perSecond / 1000;
    const tick = () => {
      if (stopped) return;
      const due = Math.floor((clock.now() - startMs) * perMs) - stats.generated;
      if (due > 0) emit(due);
      if (!stopped) timer = clock.setTimer(tick, tickMs);
    };
    timer = clock.setTimer(tick, tickMs);
  }

  return {
    kind: kind.name,
    get stats() {
      return syncStats();
    },
    done,
    flush: () => sink.flush(),
    async stop() {
      finish();
      return done;
    },
  };
}
