/**
 * `freshet` command line. Each capability registers its own commands from
 * src/cli/commands/<name>.ts; this file only lists them.
 *
 * Command modules pull in heavy dependencies (AWS SDK clients, the SQL parser,
 * the server), so only the module that owns the command being run is loaded;
 * `--help` and unknown commands load them all. This keeps `freshet server`'s
 * start-up to the server's own imports.
 */
import { Command } from 'commander';

type Registrar = { register(program: Command): void };

const MODULES: Record<string, () => Promise<Registrar>> = {
  server: () => import('./commands/server.ts'),
  streams: () => import('./commands/streams.ts'),
  anomaly: () => import('./commands/anomaly.ts'),
  sql: () => import('./commands/sql.ts'),
  delivery: () => import('./commands/delivery.ts'),
  generate: () => import('./commands/generate.ts'),
  pipeline: () => import('./commands/pipeline.ts'),
  demo: () => import('./commands/demo.ts'),
};

/** Top-level command name → the module that registers it (when it differs from the name). */
const OWNER: Record<string, string> = { put: 'streams', tail: 'streams', validate: 'pipeline', diff: 'pipeline', up: 'pipeline', down: 'pipeline' };

const program = new Command();
program
  .name('freshet')
  .description('Self-hosted streaming data: Kinesis streams, KDA SQL apps, Firehose delivery, anomaly detection.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)');

const first = process.argv[2];
const owner = first === undefined ? undefined : (OWNER[first] ?? (first in MODULES ? first : undefined));
const toLoad = owner ? [owner] : Object.keys(MODULES);
for (const mod of await Promise.all(toLoad.map((name) => MODULES[name]!()))) mod.register(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // One clear line, never a stack trace, for expected failures.
  console.error(`freshet: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
