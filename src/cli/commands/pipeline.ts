/**
 * `freshet up`, `freshet diff`, `freshet down` and `freshet validate`: apply a
 * declarative pipeline file (freshet.yaml) through the AWS APIs.
 */
import type { Command } from 'commander';
import { log } from '../../core/index.ts';
import { startProgress } from '../../generators/index.ts';
import {
  ApplyError,
  applyDown,
  applyUp,
  createClients,
  describeError,
  formatChange,
  loadPipeline,
  planDown,
  planUp,
  PipelineError,
  resolveEndpoint,
  runPipelineGenerators,
  type FreshetClients,
  type LoadedPipeline,
} from '../../pipeline/index.ts';

const FILE_HELP = 'pipeline file';
const ENDPOINT_HELP = 'Freshet endpoint (default $FRESHET_ENDPOINT or http://127.0.0.1:4567)';
const STATE_HELP = 'folder for the record of what up created (default: .freshet next to the file)';

async function withPipeline<T>(file: string, endpointOpt: string | undefined, fn: (loaded: LoadedPipeline, clients: FreshetClients) => Promise<T>): Promise<T> {
  const loaded = loadPipeline(file);
  const endpoint = resolveEndpoint(endpointOpt);
  const clients = createClients({ endpoint, maxAttempts: 3 });
  try {
    return await fn(loaded, clients);
  } catch (e) {
    if (e instanceof PipelineError) throw e;
    if (e instanceof ApplyError) {
      // Say what is left behind and how to undo it: `down` deletes what this pipeline created, nothing else.
      const changed = e.changed.map((c) => `${c.resource} ${c.name} (${c.action})`);
      throw new Error(
        `${e.message}: ${describeError(e.cause, endpoint)}\n` +
          (changed.length
            ? `  changed before it: ${changed.join(', ')}\n  undo with: freshet down -f ${file}${endpointOpt ? ` --endpoint ${endpointOpt}` : ''} (deletes only what this pipeline created)`
            : '  nothing was changed before it'),
      );
    }
    throw new Error(describeError(e, endpoint));
  } finally {
    clients.destroy();
  }
}

export function register(program: Command): void {
  program
    .command('validate')
    .description('Check a pipeline file against its schema; errors name their line')
    .option('-f, --file <path>', FILE_HELP, 'freshet.yaml')
    .action((o: { file: string }) => {
      const loaded = loadPipeline(o.file);
      const s = loaded.spec;
      console.log(
        `${o.file}: pipeline ${s.name} is valid (${s.streams.length} stream(s), ${s.deliveryStreams.length} delivery stream(s), ${s.applications.length} application(s), ${s.generators.length} generator(s))`,
      );
    });

  program
    .command('diff')
    .description('Show what `freshet up` would create or change')
    .option('-f, --file <path>', FILE_HELP, 'freshet.yaml')
    .option('--down', 'show what `freshet down` would delete instead')
    .option('--exit-code', 'exit with status 2 when there are changes')
    .option('--state-dir <dir>', STATE_HELP)
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (o: { file: string; down?: boolean; exitCode?: boolean; stateDir?: string; endpoint?: string }) => {
      const opts = { stateDir: o.stateDir };
      const changes = await withPipeline(o.file, o.endpoint, (loaded, clients) => (o.down ? planDown(loaded, clients, opts) : planUp(loaded, clients, opts)));
      for (const c of changes) console.log(formatChange(c));
      const count = (a: string) => changes.filter((c) => c.action === a).length;
      const pending = changes.filter((c) => c.action !== 'unchanged' && c.action !== 'keep').length;
      console.log(
        o.down
          ? `${count('delete')} to delete, ${count('keep')} kept`
          : `${count('create')} to create, ${count('update')} to update, ${count('replace')} to replace, ${count('unchanged')} unchanged`,
      );
      if (o.exitCode && pending > 0) process.exitCode = 2;
    });

  program
    .command('up')
    .description(
      'Create or update the streams, queues, delivery streams, SQL applications, functions, mappings and ingest routes of a pipeline file, then run its generators (Ctrl-C stops them)',
    )
    .option('-f, --file <path>', FILE_HELP, 'freshet.yaml')
    .option('--no-generators', 'do not start the generators')
    .option('--state-dir <dir>', STATE_HELP)
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (o: { file: string; generators: boolean; stateDir?: string; endpoint?: string }) => {
      await withPipeline(o.file, o.endpoint, async (loaded, clients) => {
        await applyUp(loaded, clients, { log: (l) => console.log(l), stateDir: o.stateDir });
        console.log(`pipeline ${loaded.spec.name} is up at ${clients.endpoint}`);
        if (!o.generators || loaded.spec.generators.length === 0) return;
        const { running, alreadyRunning } = await runPipelineGenerators(loaded, clients.kinesis);
        for (const a of alreadyRunning)
          console.log(`generator ${a.label} is already running (process ${a.owner}: the demo or another \`freshet up\`); not starting a second one`);
        if (running.length === 0) return;
        const progress = running.map((r) => startProgress(r.label, r));
        const keepAlive = setInterval(() => {}, 1 << 30);
        const cliLog = log.child('cli');
        const stop = () => {
          for (const r of running) r.stop().catch((e) => cliLog.swallowed('stopping the generator', e, { generator: r.label }));
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          await Promise.all(running.map((r) => r.done));
        } finally {
          clearInterval(keepAlive);
          for (const p of progress) p.stop();
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      });
    });

  program
    .command('down')
    .description(
      'Delete what `freshet up` created from this file (ingest routes, mappings, functions, applications, delivery streams, queues, streams) and nothing else',
    )
    .option('-f, --file <path>', FILE_HELP, 'freshet.yaml')
    .option('--state-dir <dir>', STATE_HELP)
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (o: { file: string; stateDir?: string; endpoint?: string }) => {
      await withPipeline(o.file, o.endpoint, async (loaded, clients) => {
        const changes = await applyDown(loaded, clients, { log: (l) => console.log(l), stateDir: o.stateDir });
        console.log(
          `pipeline ${loaded.spec.name}: ${changes.filter((c) => c.action === 'delete').length} deleted, ${changes.filter((c) => c.action === 'keep').length} kept`,
        );
      });
    });
}
