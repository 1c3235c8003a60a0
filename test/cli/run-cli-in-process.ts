/**
 * Runs a `freshet` command inside the test process, as src/cli/main.ts does (the command-table entry's module
 * registers its commands on a new commander program, options show their defaults as typed, a thrown error
 * becomes one `freshet: …` line and exit code 1), with what it writes to stdout and stderr captured.
 *
 * For tests of what a command prints, not of the binary: a spawn of the built CLI costs about 0.5 s of CPU
 * (Node start-up and loading the command's chunk and its SDK clients), this only the command's own work once
 * its module is loaded. Each command family keeps tests that spawn the built binary (run-cli.ts).
 *
 * The test runner's own reports go to stdout too, as Buffers (node --test runs each file in a child that
 * reports in V8's serialization), so only strings are captured. Calls run one at a time.
 */
import { Command, type CommanderError } from 'commander';
import { COMMANDS, findCommand, MODULES, showDefaultsAsTyped } from '../../src/cli/command-table.ts';
import type { CliResult } from './run-cli.ts';

let running: Promise<unknown> = Promise.resolve();

export function runCliInProcess(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const result = running.then(() => run(args, env));
  running = result.catch(() => undefined);
  return result;
}

async function run(args: string[], env: Record<string, string>): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write;
  const err = process.stderr.write;
  const savedEnv = new Map(Object.keys(env).map((k) => [k, process.env[k]]));
  const savedExitCode = process.exitCode;
  process.stdout.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    if (typeof chunk !== 'string') return (out as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    stdout += chunk;
    return true;
  } as typeof process.stdout.write;
  process.stderr.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    if (typeof chunk !== 'string') return (err as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    stderr += chunk;
    return true;
  } as typeof process.stderr.write;
  Object.assign(process.env, env);
  process.exitCode = undefined;
  let code = 0;
  let exited: CommanderError | undefined;
  try {
    const program = new Command();
    program
      .name('freshet')
      .description('Self-hosted streaming data: Kinesis streams, KDA SQL apps, Firehose delivery, anomaly detection.')
      .version('0.1.0')
      .showHelpAfterError('(run with --help for usage)')
      .exitOverride((e) => {
        exited = e; // commander throws, having printed what it prints, where it would end the process
        throw e;
      });
    const entry = findCommand(args[0] === 'help' ? args[1] : args[0]);
    if (!entry) throw new Error(`runCliInProcess: no command ${args[0]} (use runCli for the top level)`);
    (await MODULES[entry.module]()).register(program, { commands: COMMANDS, modules: MODULES });
    showDefaultsAsTyped(program);
    try {
      await program.parseAsync(['node', 'freshet', ...args]);
      code = typeof process.exitCode === 'number' ? process.exitCode : 0;
    } catch (e) {
      if (exited !== undefined && e === exited) code = exited.exitCode;
      else {
        process.stderr.write(`freshet: ${e instanceof Error ? e.message : String(e)}\n`);
        code = 1;
      }
    }
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    for (const [k, v] of savedEnv) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    process.exitCode = savedExitCode;
  }
  return { code, stdout, stderr };
}
