/**
 * `freshet` command line. Each capability registers its own commands from src/cli/commands/<name>.ts; the
 * table of them is src/cli/command-table.ts.
 *
 * Command modules pull in heavy dependencies (AWS SDK clients, the SQL front end, the server), so only the
 * module that owns the command being run (or named by `freshet help <command>`) is loaded. The top-level help,
 * and an unknown command's error, come from the table alone: `freshet --help` loads commander and nothing else.
 */
import { Command } from 'commander';
import { COMMANDS, findCommand, listCommands, MODULES, showDefaultsAsTyped } from './command-table.ts';

const program = new Command();
program
  .name('freshet')
  .description('Self-hosted streaming data: Kinesis streams, KDA SQL apps, Firehose delivery, anomaly detection.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)');

const first = process.argv[2];
const entry = findCommand(first === 'help' ? process.argv[3] : first);
if (entry) {
  // The table is handed over, not imported by the module: a command module importing it would move it into a
  // shared chunk that `freshet --help` then loads too.
  (await MODULES[entry.module]()).register(program, { commands: COMMANDS, modules: MODULES });
  showDefaultsAsTyped(program);
} else listCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // One clear line, never a stack trace, for expected failures.
  console.error(`freshet: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
