/**
 * src/cli/command-table.ts lists every top-level command for `freshet --help` without loading the command
 * modules; these tests keep it equal to what the modules register.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { COMMANDS, listCommands, MODULES, showDefaultsAsTyped, type CommandEntry } from '../../src/cli/command-table.ts';
import { runCli } from './run-cli.ts';

/** What each module registers, as the table would list it. */
async function registered(): Promise<CommandEntry[]> {
  const out: CommandEntry[] = [];
  for (const module of Object.keys(MODULES) as (keyof typeof MODULES)[]) {
    const program = new Command();
    (await MODULES[module]()).register(program);
    const help = program.createHelp();
    for (const c of program.commands) out.push({ name: c.name(), module, term: help.subcommandTerm(c), description: help.subcommandDescription(c) });
  }
  return out;
}

describe('command table', () => {
  it('lists exactly the commands the modules register, with their modules, usage terms and descriptions', async () => {
    const byName = (a: CommandEntry, b: CommandEntry) => a.name.localeCompare(b.name);
    assert.deepEqual([...COMMANDS].sort(byName), (await registered()).sort(byName));
  });

  it('prints the same top-level help as the modules would', async () => {
    const full = new Command().name('freshet');
    for (const load of Object.values(MODULES)) (await load()).register(full);
    const table = new Command().name('freshet');
    listCommands(table);
    assert.equal(table.helpInformation(), full.helpInformation());
  });

  it('describes every command and sub-command with a capitalised sentence', async () => {
    const lower: string[] = [];
    const walk = (c: Command, path: string): void => {
      for (const sub of c.commands) {
        const name = `${path} ${sub.name()}`.trim();
        if (!/^[A-Z]/.test(sub.description())) lower.push(`${name}: ${sub.description()}`);
        walk(sub, name);
      }
    };
    const full = new Command().name('freshet');
    for (const load of Object.values(MODULES)) (await load()).register(full);
    walk(full, '');
    assert.deepEqual(lower, []);
  });

  it('gives every listing and describe command -o, --output table|json|yaml', async () => {
    const withOutput: string[] = [];
    const listings: string[] = [];
    const walk = (c: Command, path: string): void => {
      for (const sub of c.commands) {
        const name = `${path} ${sub.name()}`.trim();
        if (sub.options.some((o) => o.long === '--output' && o.short === '-o')) withOutput.push(name);
        // A listing or a description of what runs; `functions logs` is a log to follow (like tail), not a listing.
        if (/^(list|describe|anomalies|logs|status|metrics|alarms)$/.test(sub.name()) && name !== 'functions logs') listings.push(name);
        walk(sub, name);
      }
    };
    const full = new Command().name('freshet');
    for (const load of Object.values(MODULES)) (await load()).register(full);
    walk(full, '');
    assert.deepEqual(
      listings.filter((n) => !withOutput.includes(n)),
      [],
    );
    assert.deepEqual(withOutput.sort(), [
      'alarms',
      'apps describe',
      'apps list',
      'apps logs',
      'cluster status',
      'delivery describe',
      'delivery list',
      'detectors anomalies',
      'detectors describe',
      'detectors list',
      'functions list',
      'metrics',
      'status',
      'streams describe',
      'streams list',
    ]);
  });

  it('shows every default in help as the user would type it, never as JSON', async () => {
    const leaks: string[] = [];
    const walk = (c: Command, path: string): void => {
      for (const sub of c.commands) {
        const name = `${path} ${sub.name()}`.trim();
        // Collapsed, so a default wrapped onto the next line is seen whole.
        const help = sub.helpInformation().replace(/\s+/g, ' ');
        for (const m of help.matchAll(/\(default: ["[{][^)]*\)|\[object [^\]]*\]/g)) leaks.push(`${name}: ${m[0]}`);
        walk(sub, name);
      }
    };
    const full = new Command().name('freshet');
    for (const load of Object.values(MODULES)) (await load()).register(full);
    showDefaultsAsTyped(full);
    walk(full, '');
    assert.deepEqual(leaks, []);
  });

  it('loads the owning module for `freshet help <command>` and names a mistyped command', async () => {
    const help = await runCli(['help', 'tail']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: freshet tail \[options\] <stream>/);
    assert.match(help.stdout, /--from <position>/);
    const typo = await runCli(['srever']);
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /unknown command 'srever'\n\(Did you mean server\?\)/);
  });
});
