/** Starts the generators a pipeline file declares (used by `freshet up` and the demo). */
import { resolve } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Clock } from '../core/index.ts';
import { KinesisWriter, parseDuration, parseRate, startGenerator, startReplay, type GeneratorStats } from '../generators/index.ts';
import type { LoadedPipeline } from './load.ts';

export interface RunningGenerator {
  label: string;
  readonly stats: GeneratorStats;
  done: Promise<GeneratorStats>;
  /** Sends what has been generated so far. */
  flush(): Promise<void>;
  stop(): Promise<GeneratorStats>;
}

export function startPipelineGenerators(loaded: LoadedPipeline, kinesis: KinesisClient, opts: { clock?: Clock } = {}): RunningGenerator[] {
  return loaded.spec.generators.map((g, i) => {
    const sink = new KinesisWriter({ client: kinesis, streamName: g.stream });
    const label = `${g.kind} → ${g.stream}`;
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
            clock: opts.clock,
          })
        : startGenerator({
            kind: g.kind,
            sink,
            ratePerSecond: g.rate !== undefined ? parseRate(g.rate) : undefined,
            everyMs: g.every !== undefined ? parseDuration(g.every) : undefined,
            batch: g.batch,
            count: g.count,
            seed: g.seed ?? i + 1,
            anomalyRate: g.anomalyRate,
            format: g.format,
            clock: opts.clock,
          });
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
