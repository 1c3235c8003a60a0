/**
 * In-process A/B of the Kinesis hot paths between this checkout and another one (e.g. main): the PutRecords
 * raw-body handler (plus the UTF-8 encoding sending a string body costs) and the GetRecords handler, each
 * build with its own engine on its own FileStorage (--fsync never) in this one process, alternating in many
 * short rounds. Server CPU µs per record; the ratio is the median of per-round ratios. On a shared machine this
 * resolves a few percent where the HTTP benchmark (run.ts --baseline-root) swings by tens of percent.
 *
 *   node --import tsx bench/kinesis/ab-actions.ts --baseline-root <dir> [--baseline-label main] [--sizes 100,1024]
 *     [--put-rounds 101] [--get-rounds 41] [--no-write]
 *
 * The other checkout needs its dependencies (e.g. `ln -s $PWD/node_modules <dir>/node_modules`).
 * Figures go to docs/benchmarks.md through writeSection('kinesis-ab', ...).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { systemClock } from '../../src/core/index.ts';
import { FileStorage } from '../../src/storage/index.ts';
import type { LogStorage } from '../../src/storage/index.ts';
import { inProcessKinesis } from '../lib/kinesis.ts';
import { machineLine, median, writeSection } from '../lib/report.ts';

const { values } = parseArgs({
  options: {
    'baseline-root': { type: 'string' },
    'baseline-label': { type: 'string', default: 'baseline' },
    sizes: { type: 'string', default: '100,1024' },
    'put-rounds': { type: 'string', default: '101' },
    'get-rounds': { type: 'string', default: '41' },
    'no-write': { type: 'boolean', default: false },
  },
});
if (values['baseline-root'] === undefined) {
  console.error('ab-actions: give --baseline-root <dir> (another checkout of freshet, with node_modules)');
  process.exit(2);
}
const BASE = resolve(values['baseline-root']);
const LABEL = values['baseline-label'];
const PUT_ROUNDS = Number(values['put-rounds']);
const GET_ROUNDS = Number(values['get-rounds']);
const RECORDS_PER_ROUND = 2_000;
const RECORDS_PER_REQUEST = 500;

/** What this tool uses of a build's src/kinesis (the same in every build since the engine existed). */
interface KinesisModule {
  KinesisEngine: {
    open(
      opts: Record<string, unknown>,
    ): Promise<{ createStream(n: string, o: { shardCount: number }): Promise<void>; whenActive(n: string): Promise<void>; close(): Promise<void> }>;
  };
  createKinesisService(engine: unknown): {
    actions: Record<string, ((raw: Record<string, unknown>, ctx: unknown) => unknown) | undefined>;
    rawJsonActions?: Record<string, ((body: Buffer, ctx: unknown) => Promise<unknown> | undefined) | undefined>;
  };
}
interface Encoded {
  body: string | Buffer;
  onSent?: () => void;
}

interface Build {
  label: string;
  dir: string;
  storage: LogStorage;
  engine: Awaited<ReturnType<KinesisModule['KinesisEngine']['open']>>;
  service: ReturnType<KinesisModule['createKinesisService']>;
}

const ctx = { protocol: 'json' };
const cpuUs = (): number => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

async function build(label: string, root: string): Promise<Build> {
  const mod = (await import(pathToFileURL(join(root, 'src', 'kinesis', 'index.ts')).href)) as KinesisModule;
  const dir = mkdtempSync(join(tmpdir(), 'freshet-ab-'));
  const { storage, kinesis: engine } = await inProcessKinesis({
    clock: systemClock,
    storage: new FileStorage({ dataDir: dir, fsync: { kind: 'never' }, clock: systemClock }),
    streams: { ab: 1 },
    engine: mod.KinesisEngine,
  });
  return { label, dir, storage, engine, service: mod.createKinesisService(engine) };
}

/** One round of PutRecords through the raw-body handler: CPU µs per record. */
async function putRound(b: Build, body: Buffer): Promise<number> {
  const raw = b.service.rawJsonActions?.PutRecords;
  if (!raw) throw new Error(`${b.label}: no raw PutRecords handler`);
  const c = cpuUs();
  for (let i = 0; i < RECORDS_PER_ROUND; i += RECORDS_PER_REQUEST) {
    const r = (await raw(body, ctx)) as Encoded | undefined;
    if (!r) throw new Error(`${b.label}: the raw PutRecords path declined the body`);
    // What sending costs: a string body is UTF-8 encoded into a Buffer.
    if (typeof r.body === 'string') Buffer.from(r.body);
    r.onSent?.();
  }
  return (cpuUs() - c) / RECORDS_PER_ROUND;
}

/** Reads the whole shard with GetRecords (Limit 10,000): CPU µs per record. */
async function getRound(b: Build, records: number): Promise<number> {
  const start = (await b.service.actions.GetShardIterator!({ StreamName: 'ab', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }, ctx)) as {
    ShardIterator: string;
  };
  let iterator = start.ShardIterator;
  const c = cpuUs();
  for (;;) {
    const page = (await b.service.actions.GetRecords!({ ShardIterator: iterator, Limit: 10_000 }, ctx)) as Encoded;
    const text = typeof page.body === 'string' ? Buffer.from(page.body) : page.body;
    const empty = text.toString('latin1', 0, 13) === '{"Records":[]';
    const next = /"NextShardIterator":"([^"]+)"/.exec(text.toString('latin1', Math.max(0, text.length - 800)));
    page.onSent?.();
    if (empty || !next) break;
    iterator = next[1]!;
  }
  return (cpuUs() - c) / records;
}

const keepAlive = setInterval(() => undefined, 1000);
const loadBefore = loadavg();
const rows: string[] = [];
/** Ratios (this build ÷ the other) beyond 1.05: more than 5% more CPU per record. */
const over: string[] = [];
try {
  for (const size of values.sizes.split(',').map(Number)) {
    const builds = [await build(LABEL, BASE), await build('this build', resolve(import.meta.dirname, '..', '..'))];
    const body = Buffer.from(
      JSON.stringify({
        StreamName: 'ab',
        Records: Array.from({ length: RECORDS_PER_REQUEST }, (_, i) => ({
          PartitionKey: `pk-${i.toString(36)}`,
          Data: Buffer.alloc(size, i).toString('base64'),
        })),
      }),
    );
    const put: number[][] = [[], []];
    for (let r = 0; r < PUT_ROUNDS; r++) {
      // Alternate which build goes first, so drift on a shared machine hits both alike.
      for (const k of r % 2 ? [1, 0] : [0, 1]) put[k]!.push(await putRound(builds[k]!, body));
    }
    const get: number[][] = [[], []];
    for (let r = 0; r < GET_ROUNDS; r++) {
      for (const k of r % 2 ? [1, 0] : [0, 1]) get[k]!.push(await getRound(builds[k]!, PUT_ROUNDS * RECORDS_PER_ROUND));
    }
    const ratio = (xs: number[][]): number => median(xs[1]!.map((x, i) => x / xs[0]![i]!));
    const line =
      `| ${size === 1024 ? '1 KiB' : `${size} B`} | ${median(put[0]!).toFixed(2)} | ${median(put[1]!).toFixed(2)} | ${ratio(put).toFixed(3)} | ` +
      `${median(get[0]!).toFixed(2)} | ${median(get[1]!).toFixed(2)} | ${ratio(get).toFixed(3)} |`;
    console.error(line);
    rows.push(line);
    const label = size === 1024 ? '1 KiB' : `${size} B`;
    if (ratio(put) > 1.05) over.push(`PutRecords ${label} ${ratio(put).toFixed(3)}×`);
    if (ratio(get) > 1.05) over.push(`GetRecords ${label} ${ratio(get).toFixed(3)}×`);
    for (const b of builds) {
      await b.engine.close();
      await b.storage.close();
      rmSync(b.dir, { recursive: true, force: true });
    }
  }
} finally {
  clearInterval(keepAlive);
}
const la = (l: number[]): string => l.map((x) => x.toFixed(1)).join(' / ');
const md = [
  `Command: \`node --import tsx bench/kinesis/ab-actions.ts ${process.argv.slice(2).join(' ')}\``,
  '',
  `Machine: ${machineLine()}; load average (1/5/15 min) ${la(loadBefore)} at start, ${la(loadavg())} at end (shared with other jobs).`,
  '',
  `Both builds in one process, each with its own engine on FileStorage (--fsync never), one 1-shard stream: PutRecords of ${RECORDS_PER_REQUEST} records through the raw-body handler ` +
    `(${PUT_ROUNDS} rounds of ${RECORDS_PER_ROUND.toLocaleString('en-US')} records per build, plus the UTF-8 encoding a string response costs when sent), then GetRecords (Limit 10,000) ` +
    `of the whole shard (${GET_ROUNDS} rounds per build); builds alternate round by round. Server-side CPU µs per record (no HTTP); × = median of per-round ratios, this build ÷ ${LABEL}.`,
  '',
  `| records | PutRecords ${LABEL} | PutRecords this build | × | GetRecords ${LABEL} | GetRecords this build | × |`,
  '|---|---:|---:|---:|---:|---:|---:|',
  ...rows,
  '',
  over.length ? `Beyond 5% more CPU per record than ${LABEL}: ${over.join(', ')}.` : `Every ratio is within 5% of ${LABEL} (at most 1.05×, CPU per record).`,
].join('\n');
process.stdout.write(`${md}\n`);
if (!values['no-write']) writeSection('kinesis-ab', `Kinesis Data Streams: this build against ${LABEL}, in-process A/B`, md);
