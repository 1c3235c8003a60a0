/**
 * `freshet generate <kind> --stream <name>`: the scenarios' producers, writing
 * real records through PutRecords; `freshet generate replay <file>` replays a
 * CSV/JSONL file at a speed-up factor, keeping event times.
 */
import type { Command } from 'commander';
import { log } from '../../core/index.ts';
import {
  GENERATORS,
  KinesisWriter,
  parseDuration,
  parseRate,
  startGenerator,
  startProgress,
  startReplay,
  type GeneratorStats,
  type RecordFormat,
} from '../../generators/index.ts';
import { describeError, kinesisClient, resolveEndpoint } from '../../client/index.ts';

function nonNegativeInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got '${v}'`);
    return n;
  };
}

function fraction(v: string): number {
  const n = Number(v);
  if (!(n >= 0 && n <= 1)) throw new Error(`--anomaly-rate must be between 0 and 1, got '${v}'`);
  return n;
}

function format(v: string): RecordFormat {
  if (v !== 'json' && v !== 'csv') throw new Error(`--format must be json or csv, got '${v}'`);
  return v;
}

interface GenerateOptions {
  stream: string;
  rate?: number;
  every?: number;
  batch?: number;
  count?: number;
  anomalyRate?: number;
  seed?: number;
  format?: RecordFormat;
  speedup: number;
  timeField?: string;
  partitionKeyField?: string;
  endpoint?: string;
  quiet?: boolean;
}

function explain(e: unknown, endpoint: string, stream: string): string {
  if ((e as { name?: string }).name === 'ResourceNotFoundException') {
    return `stream ${stream} not found at ${endpoint} — create it with \`npx freshet streams create ${stream}\``;
  }
  return describeError(e, endpoint);
}

async function runUntilDone(
  label: string,
  handle: { readonly stats: GeneratorStats; done: Promise<GeneratorStats>; stop(): Promise<GeneratorStats> },
  quiet: boolean,
): Promise<GeneratorStats> {
  const progress = quiet ? undefined : startProgress(label, handle);
  // The system clock's timers are unref'd (they never hold a server open), so
  // the command holds the event loop itself until the generator is done.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const stop = () => {
    handle.stop().catch((e) => log.child('cli').swallowed('stopping the generator', e, { generator: label }));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await handle.done;
  } finally {
    clearInterval(keepAlive);
    progress?.stop();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

export function register(program: Command): void {
  const kinds = Object.values(GENERATORS)
    .map((g) => `  ${g.name.padEnd(10)} ${g.description}`)
    .join('\n');
  program
    .command('generate <kind> [file]')
    .description('Write scenario records (sales, trades, ecommerce, ticker, sensors, crypto) or replay a file into a stream through PutRecords (Ctrl-C stops)')
    .addHelpText(
      'after',
      `\nKinds:\n${kinds}\n  replay     replay a .csv or .jsonl file: generate replay <file> --stream s --speedup 3600\n\nExamples:\n  freshet generate sales --stream sales --rate 1200/min\n  freshet generate trades --stream trades --every 10s --anomaly-rate 0.05\n  freshet generate replay data/series.csv --stream s --speedup 3600 --time-field timestamp`,
    )
    .requiredOption('--stream <name>', 'stream to write to')
    .option('--rate <n/s>', 'records per second, e.g. 20/s or 1200/min', (v: string) => parseRate(v))
    .option('--every <duration>', 'write a batch every interval instead, e.g. 5m', parseDuration)
    .option('--batch <n>', 'records per --every batch (default: the kind’s own, e.g. 100 trades)', nonNegativeInt('--batch'))
    .option('--count <n>', 'stop after n records', nonNegativeInt('--count'))
    .option('--anomaly-rate <p>', 'fraction of injected anomalies, 0..1 (trades default 0.05)', fraction)
    .option('--seed <n>', 'random seed: the same seed gives the same records', nonNegativeInt('--seed'), 1)
    .option('--format <json|csv>', 'record format (default: the kind’s own)', format)
    .option('--speedup <x>', 'replay: event-time seconds per second', Number, 1)
    .option('--time-field <field>', 'replay: field holding the event time')
    .option('--partition-key-field <field>', 'replay: field used as partition key')
    .option('-q, --quiet', 'no live counter')
    .option('--endpoint <url>', 'Freshet endpoint (default $FRESHET_ENDPOINT or http://127.0.0.1:4567)')
    .action(async (kindName: string, file: string | undefined, o: GenerateOptions) => {
      const endpoint = resolveEndpoint(o.endpoint);
      if (kindName !== 'replay' && !GENERATORS[kindName]) {
        throw new Error(`unknown generator '${kindName}' — choose one of ${Object.keys(GENERATORS).join(', ')}, replay`);
      }
      if (kindName === 'replay' && !file) throw new Error('replay needs a file: freshet generate replay <file.csv|file.jsonl> --stream <name> --speedup 3600');
      if (o.rate !== undefined && o.every !== undefined) throw new Error('give either --rate or --every, not both');
      const client = kinesisClient({ endpoint });
      // A replay keeps the file's order in the stream: its rows have distinct partition keys, so concurrent calls could land out of order.
      const sink = new KinesisWriter({ client, streamName: o.stream, maxInFlight: kindName === 'replay' ? 1 : undefined });
      try {
        const handle =
          kindName === 'replay'
            ? startReplay({
                file: file!,
                sink,
                speedup: o.speedup,
                timeField: o.timeField,
                partitionKeyField: o.partitionKeyField,
                format: o.format,
                count: o.count,
              })
            : startGenerator({
                kind: kindName,
                sink,
                ratePerSecond: o.rate,
                everyMs: o.every,
                batch: o.batch,
                count: o.count,
                seed: o.seed,
                anomalyRate: o.anomalyRate,
                format: o.format,
              });
        const stats = await runUntilDone(`${kindName} → ${o.stream}`, handle, o.quiet === true);
        if (o.quiet) process.stderr.write(`${stats.sent} records sent to ${o.stream}\n`);
      } catch (e) {
        throw new Error(explain(e, endpoint, o.stream));
      } finally {
        client.destroy();
      }
    });
}
