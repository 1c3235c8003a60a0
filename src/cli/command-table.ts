/**
 * Every top-level `freshet` command: the module that registers it (src/cli/commands/<module>.ts) and what
 * `freshet --help` lists for it. The top-level help is printed from this table alone, so it loads nothing but
 * commander; running a command (or asking for its own help) loads only the module that owns it.
 *
 * `term` and `description` repeat what the module registers; test/cli/command-table.test.ts fails when they
 * drift, and when a module registers a command this table does not list.
 */
import type { Command } from 'commander';

/** What a module that needs every command (completion) is given: the table, without importing it (see main.ts). */
export interface CommandTable {
  readonly commands: readonly CommandEntry[];
  readonly modules: Readonly<Record<string, () => Promise<CommandModule>>>;
}

export interface CommandModule {
  register(program: Command, table?: CommandTable): void;
}

export const MODULES = {
  server: () => import('./commands/server.ts'),
  streams: () => import('./commands/streams.ts'),
  anomaly: () => import('./commands/anomaly.ts'),
  sql: () => import('./commands/sql.ts'),
  delivery: () => import('./commands/delivery.ts'),
  functions: () => import('./commands/functions.ts'),
  generate: () => import('./commands/generate.ts'),
  pipeline: () => import('./commands/pipeline.ts'),
  demo: () => import('./commands/demo.ts'),
  metrics: () => import('./commands/metrics.ts'),
  detectors: () => import('./commands/detectors.ts'),
  status: () => import('./commands/status.ts'),
  apps: () => import('./commands/apps.ts'),
  completion: () => import('./commands/completion.ts'),
  iam: () => import('./commands/iam.ts'),
  cluster: () => import('./commands/cluster.ts'),
} as const satisfies Record<string, () => Promise<CommandModule>>;

export interface CommandEntry {
  readonly name: string;
  readonly module: keyof typeof MODULES;
  /** As commander's help shows it: the name, `[options]` when it has any, then its arguments. */
  readonly term: string;
  readonly description: string;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'server',
    module: 'server',
    term: 'server [options]',
    description: 'Run the Kinesis Data Streams compatible server (AWS JSON 1.1 over HTTP/1.1 and h2c)',
  },
  { name: 'streams', module: 'streams', term: 'streams', description: 'Create, list, describe and delete Kinesis data streams' },
  {
    name: 'put',
    module: 'streams',
    term: 'put [options] <stream> <data>',
    description: 'Put one record (data as UTF-8 text; prefix with base64: for binary) and print its shard and sequence number',
  },
  {
    name: 'tail',
    module: 'streams',
    term: 'tail [options] <stream>',
    description: 'Print records from every shard and follow new ones (like tail -f); JSON is re-printed, UTF-8 shown as text, anything else as base64',
  },
  { name: 'anomaly', module: 'anomaly', term: 'anomaly', description: 'Anomaly detection: Random Cut Forest, thresholded RCF, and the Confluence detector' },
  { name: 'sql', module: 'sql', term: 'sql', description: 'Check and run SQL application code: Kinesis Data Analytics SQL, or Flink SQL with --dialect flink' },
  {
    name: 'delivery',
    module: 'delivery',
    term: 'delivery',
    description: 'Firehose-compatible delivery streams (buffer records and deliver them to files, S3 or an HTTP endpoint)',
  },
  { name: 'functions', module: 'functions', term: 'functions', description: 'Lambda-compatible functions: list, invoke, read logs' },
  {
    name: 'generate',
    module: 'generate',
    term: 'generate [options] <kind> [file]',
    description: 'Write scenario records (sales, trades, ecommerce, ticker, sensors, crypto) or replay a file into a stream through PutRecords (Ctrl-C stops)',
  },
  { name: 'validate', module: 'pipeline', term: 'validate [options]', description: 'Check a pipeline file against its schema; errors name their line' },
  { name: 'diff', module: 'pipeline', term: 'diff [options]', description: 'Show what `freshet up` would create or change' },
  {
    name: 'up',
    module: 'pipeline',
    term: 'up [options]',
    description:
      'Create or update the streams, queues, delivery streams, SQL applications, functions, mappings and ingest routes of a pipeline file, then run its generators (Ctrl-C stops them)',
  },
  {
    name: 'down',
    module: 'pipeline',
    term: 'down [options]',
    description:
      'Delete what `freshet up` created from this file (ingest routes, mappings, functions, applications, delivery streams, queues, streams) and nothing else',
  },
  {
    name: 'demo',
    module: 'demo',
    term: 'demo [options]',
    description:
      'Start the server with the S1 (revenue per store per minute) and S2 (anomalous trades) pipelines and their generators, and show live status (what `npm start` runs)',
  },
  {
    name: 'metrics',
    module: 'metrics',
    term: 'metrics [options] [namespace] [metric]',
    description: 'Chart a metric in the terminal (one bar per period); without a metric, list the metrics (of a namespace)',
  },
  { name: 'alarms', module: 'metrics', term: 'alarms [options]', description: 'List alarms and their states (ALARM first), metric and composite' },
  {
    name: 'detectors',
    module: 'detectors',
    term: 'detectors',
    description: 'Metric anomaly detectors (Lookout for Metrics API): list, describe, and show anomaly groups',
  },
  {
    name: 'status',
    module: 'status',
    term: 'status [options]',
    description:
      'Show what runs: streams with rates, applications with lag, delivery streams with freshness, detectors, functions, generators (--watch refreshes in place)',
  },
  { name: 'apps', module: 'apps', term: 'apps', description: 'List, inspect, start and stop SQL applications (Kinesis Data Analytics)' },
  {
    name: 'completion',
    module: 'completion',
    term: 'completion <shell>',
    description: 'Print a shell completion script for bash or zsh (e.g. source <(freshet completion bash))',
  },
  { name: 'iam', module: 'iam', term: 'iam', description: 'IAM users, access keys and policy simulation (for --auth enforce)' },
  { name: 'cluster', module: 'cluster', term: 'cluster', description: 'Inspect the Freshet nodes sharing a NATS JetStream cluster (--storage jetstream)' },
  {
    name: 'dev-cluster',
    module: 'cluster',
    term: 'dev-cluster [options]',
    description: 'Start a local NATS JetStream cluster (nats-server) and Freshet nodes storing on it, for trying --storage jetstream',
  },
];

/** The entry for a top-level command name, if there is one. */
export function findCommand(name: string | undefined): CommandEntry | undefined {
  return name === undefined ? undefined : COMMANDS.find((c) => c.name === name);
}

/**
 * Adds every command to `program` as a name and description only, for the top-level help and for commander's
 * "unknown command" suggestions; none of them can run.
 */
export function listCommands(program: Command): void {
  const terms = new Map<string, string>();
  for (const c of COMMANDS) {
    program.command(c.name).description(c.description);
    terms.set(c.name, c.term);
  }
  const help = program.createHelp();
  program.configureHelp({ subcommandTerm: (cmd) => terms.get(cmd.name()) ?? help.subcommandTerm(cmd) });
}

/**
 * Help shows each option's default as the user would type it (`(default: always)`, `(default: s1,s2)`), not as
 * commander prints the parsed value (`"always"`, `["s1","s2"]`): applied to every command a module registers.
 */
export function showDefaultsAsTyped(cmd: Command): void {
  for (const o of cmd.options) {
    const v: unknown = o.defaultValue;
    if (v === undefined || o.defaultValueDescription !== undefined || typeof v === 'boolean') continue;
    o.defaultValueDescription = Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  for (const sub of cmd.commands) showDefaultsAsTyped(sub);
}
