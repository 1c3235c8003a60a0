/**
 * `freshet` command line. Each capability registers its own commands from
 * src/cli/commands/<name>.ts; this file only lists them.
 */
import { Command } from 'commander';
import { register as registerServer } from './commands/server.ts';
import { register as registerStreams } from './commands/streams.ts';
import { register as registerAnomaly } from './commands/anomaly.ts';
import { register as registerSql } from './commands/sql.ts';
import { register as registerDelivery } from './commands/delivery.ts';
import { register as registerGenerate } from './commands/generate.ts';
import { register as registerPipeline } from './commands/pipeline.ts';
import { register as registerDemo } from './commands/demo.ts';

const program = new Command();
program
  .name('freshet')
  .description('Self-hosted streaming data: Kinesis streams, KDA SQL apps, Firehose delivery, anomaly detection.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)');

registerServer(program);
registerStreams(program);
registerAnomaly(program);
registerSql(program);
registerDelivery(program);
registerGenerate(program);
registerPipeline(program);
registerDemo(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // One clear line, never a stack trace, for expected failures.
  console.error(`freshet: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
