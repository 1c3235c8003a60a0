/**
 * `freshet demo` (what `npm start` runs): the server on the embedded default
 * store, the S1 and S2 example pipelines applied through the AWS APIs, their
 * generators writing real records, and a live status line. Ctrl-C stops
 * cleanly; the next run resumes with the same data dir (`up` is idempotent
 * and running applications restart from their checkpoints).
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { startServer } from '../../server/index.ts';
import { createConsole } from '../../console/index.ts';
import type { FreshetServer } from '../../server/index.ts';
import type { AnalyticsService } from '../../analytics/index.ts';
import type { FirehoseService } from '../../firehose/index.ts';
import { applyUp, createClients, DEFAULT_ENDPOINT, loadPipeline, runPipelineGenerators } from '../../pipeline/index.ts';
import type { LoadedPipeline, RunningGenerator } from '../../pipeline/index.ts';
import type { LogFormat, LogLevel } from '../../core/index.ts';
import { addLogOptions, applyLogOptions, DEFAULT_PG_PORT, explainStartError, parsePort, portFree } from './server.ts';

/**
 * The package's examples/ folder: the nearest one above this module, which runs from src/cli/commands/ (tsx)
 * or from a chunk in dist/ (the built CLI, also when installed from npm).
 */
function examplesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'examples');
    if (existsSync(join(candidate, EXAMPLES.s1!, 'freshet.yaml'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`the example pipelines are missing: no examples/ folder above ${fileURLToPath(import.meta.url)}; reinstall Freshet`);
    dir = parent;
  }
}
const EXAMPLES: Record<string, string> = {
  s1: 's1-revenue-per-store',
  s2: 's2-anomalous-trades',
  s3: 's3-ecommerce-metrics',
  s4: 's4-ticker-to-files',
};

interface DemoFlags {
  port: number;
  host: string;
  dataDir: string;
  examples: string[];
  seconds?: number;
  pgPort?: number;
  /** false with --no-pg. */
  pg: boolean;
}

export interface DemoStatus {
  recordsIn: number;
  sqlRowsOut: number;
  filesDelivered: number;
  recordsDelivered: number;
}

/** Sums what the demo's parts have done so far. */
export function demoStatus(server: FreshetServer, generators: readonly RunningGenerator[]): DemoStatus {
  let recordsIn = 0;
  for (const g of generators) recordsIn += g.stats.sent;
  let sqlRowsOut = 0;
  let filesDelivered = 0;
  let recordsDelivered = 0;
  for (const service of server.services) {
    if (service.targetPrefix === 'KinesisAnalytics_20150814') {
      const analytics = service as AnalyticsService;
      for (const app of analytics.registry.list()) sqlRowsOut += analytics.host.stats(app.name)?.recordsWritten ?? 0;
    } else if (service.targetPrefix === 'Firehose_20150804') {
      const metrics = (service as FirehoseService).engine.allMetrics();
      for (const m of Object.values(metrics)) {
        filesDelivered += m['DeliveryToS3.ObjectCount'];
        recordsDelivered += m['DeliveryToS3.Records'];
      }
    }
  }
  return { recordsIn, sqlRowsOut, filesDelivered, recordsDelivered };
}

export function formatStatus(s: DemoStatus): string {
  return `records in ${s.recordsIn} · SQL rows out ${s.sqlRowsOut} · files delivered ${s.filesDelivered} (${s.recordsDelivered} records)`;
}

/**
 * What to try next, with the endpoint the demo really listens on (the default one needs no flag), and psql
 * against its Postgres endpoint when it serves one.
 */
export function demoHints(url: string, examples: readonly string[], pg?: { host: string; port: number }): string {
  const endpoint = url === DEFAULT_ENDPOINT ? '' : ` --endpoint ${url}`;
  const stream = examples.includes('s1') ? 's1-sales-events' : examples.includes('s2') ? 's2-trades' : undefined;
  return [
    ...(stream ? [`Try: npx freshet tail ${stream}${endpoint}`] : []),
    `npx freshet status${endpoint}`,
    `aws --endpoint-url ${url} kinesis list-streams`,
    ...(pg ? [`psql -h ${pg.host} -p ${pg.port} -U analyst dev`] : []),
    'Ctrl-C to stop',
  ].join('   ·   ');
}

function parseExamples(value: string): string[] {
  const names = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const n of names) if (!EXAMPLES[n]) throw new InvalidArgumentError(`unknown example '${n}'; choose from ${Object.keys(EXAMPLES).join(', ')}`);
  return names;
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number, got '${value}'`);
  return n;
}

export function register(program: Command): void {
  const command = program
    .command('demo')
    .description(
      'Start the server with the S1 (revenue per store per minute) and S2 (anomalous trades) pipelines and their generators, and show live status (what `npm start` runs)',
    )
    .option('--port <port>', 'port to listen on', (v) => Number(v), 4567)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'where streams, checkpoints and delivered files live', './freshet-data')
    .option('--examples <list>', 'example pipelines to run, comma-separated (s1, s2, s3, s4)', parseExamples, ['s1', 's2'])
    .option('--seconds <n>', 'stop by itself after this many seconds (default: run until Ctrl-C)', parsePositive)
    .option('--pg-port <port>', 'Postgres endpoint for materialized views (psql); 0 picks a free one (default 5439, or free with --port 0)', parsePort)
    .option('--no-pg', 'do not serve the Postgres endpoint');
  addLogOptions(command).action(async (flags: DemoFlags & { logLevel?: LogLevel; logFormat?: LogFormat }) => {
    // The demo's own status line is the show: the server logs only warnings unless asked for more.
    applyLogOptions({ ...flags, logLevel: flags.logLevel ?? (process.env.FRESHET_LOG_LEVEL ? undefined : 'warn') });
    await runDemo(flags);
  });
}

async function runDemo(flags: DemoFlags): Promise<void> {
  const dataDir = resolve(flags.dataDir);
  let server: FreshetServer;
  const webConsole = createConsole();
  // The Postgres endpoint as `freshet server` serves it: Redshift's 5439 (free with --port 0), off with a
  // message when that default is taken, so the README's psql line works against the demo.
  let pgPort = flags.pg ? (flags.pgPort ?? (flags.port === 0 ? 0 : DEFAULT_PG_PORT)) : undefined;
  if (pgPort === DEFAULT_PG_PORT && flags.pgPort === undefined && !(await portFree(flags.host, pgPort))) {
    console.error(`freshet demo: port ${pgPort} is in use: Postgres endpoint off (pass --pg-port <other>, or --no-pg)`);
    pgPort = undefined;
  }
  const explain = (e: unknown): Error => {
    const err = e as { code?: string; port?: number };
    if (err.code === 'EADDRINUSE' && pgPort !== undefined && err.port === pgPort)
      return new Error(`Postgres port ${pgPort} on ${flags.host} is already in use; stop what is using it or pass --pg-port <other> (or --no-pg)`);
    return new Error(explainStartError(e, { port: flags.port, host: flags.host, dataDir }));
  };
  const options = { port: flags.port, host: flags.host, dataDir, storage: 'file' as const, httpRoutes: webConsole.routes };
  try {
    server = await startServer({ ...options, ...(pgPort !== undefined ? { pg: { port: pgPort } } : {}) });
  } catch (e) {
    const err = e as { code?: string; port?: number };
    // The default Postgres port taken between the check above and the listen: run without it, as `freshet server` does.
    if (err.code !== 'EADDRINUSE' || flags.pgPort !== undefined || pgPort !== DEFAULT_PG_PORT || err.port !== pgPort) throw explain(e);
    console.error(`freshet demo: port ${pgPort} is in use: Postgres endpoint off (pass --pg-port <other>, or --no-pg)`);
    try {
      server = await startServer(options);
    } catch (e2) {
      throw explain(e2);
    }
  }
  const pg = server.pg;
  webConsole.attach({
    kinesis: server.kinesis,
    services: server.services,
    dataDir,
    region: 'us-east-1',
    auth: server.auth,
    iam: server.iam,
    ...(pg ? { views: async () => (await pg.engine()).list() } : {}),
  });
  const clients = createClients({ endpoint: server.url });
  const generators: RunningGenerator[] = [];
  let stopping = false;
  let ticker: NodeJS.Timeout | undefined;

  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    if (ticker) clearInterval(ticker);
    process.stderr.write(`\nfreshet demo: ${why}; stopping generators and the server…\n`);
    await Promise.allSettled(generators.map((g) => g.stop()));
    console.log(`final: ${formatStatus(demoStatus(server, generators))}`);
    clients.destroy();
    webConsole.close();
    await server.close();
    process.stderr.write('freshet demo: stopped. Run `npm start` again to resume with the same data.\n');
  };
  const onSignal = () => void stop('interrupted');
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    console.log(`Freshet is listening on ${server.url} (data in ${dataDir})`);
    console.log(`Console: ${server.url}/console/ (open it in a browser to watch the pipelines)`);
    if (pg) console.log(`Postgres: ${pg.host}:${pg.port} for streaming materialized views (psql -h ${pg.host} -p ${pg.port} -U analyst dev; docs/views.md)`);
    const examples = examplesDir();
    const pipelines: LoadedPipeline[] = flags.examples.map((n) => loadPipeline(join(examples, EXAMPLES[n]!, 'freshet.yaml')));
    for (const p of pipelines) {
      // Pipeline records live with the data, not next to the example files.
      const changes = await applyUp(p, clients, { log: () => {}, stateDir: join(dataDir, 'pipelines') });
      const made = changes.filter((c) => c.action !== 'unchanged' && c.action !== 'keep').length;
      console.log(`  pipeline ${p.spec.name}: ${made === 0 ? 'already up (resuming)' : `${made} resource(s) created or updated`}`);
      // Continues each generator's sequence (ids never repeat across restarts), and leaves alone one that a
      // `freshet up` of the same file already runs.
      const { running, alreadyRunning } = await runPipelineGenerators(p, clients.kinesis);
      for (const a of alreadyRunning) console.log(`  generator ${a.label} is already running (process ${a.owner}); not starting a second one`);
      generators.push(...running);
    }
    console.log(`Delivered files appear under ${join(dataDir, 's3')}/ (S1 after its 60 s window and 60 s buffer).`);
    console.log(demoHints(server.url, flags.examples, pg));
  } catch (e) {
    await stop('could not set up the demo pipelines');
    throw e;
  }

  const tty = process.stdout.isTTY === true;
  const started = Date.now();
  let lastPrinted = 0;
  await new Promise<void>((done) => {
    ticker = setInterval(() => {
      if (stopping) return done();
      const s = demoStatus(server, generators);
      const elapsed = Math.round((Date.now() - started) / 1000);
      const line = `[${elapsed}s] ${formatStatus(s)}`;
      // A TTY gets a line rewritten every second; a log gets one every 10 s.
      if (tty) process.stdout.write(`\r${line}\x1b[K`);
      else if (elapsed - lastPrinted >= 10 || lastPrinted === 0) {
        console.log(line);
        lastPrinted = Math.max(elapsed, 1);
      }
      if (flags.seconds !== undefined && elapsed >= flags.seconds) {
        void stop(`ran for ${flags.seconds} s`).then(done, done);
      }
    }, 1000);
  });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}
