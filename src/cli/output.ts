/**
 * One output switch for every listing and describe command: `-o, --output table|json|yaml`, tables by default
 * on a terminal and JSON when stdout is piped (so `freshet streams list | jq` works without a flag). `--json`
 * stays as a short form of `--output json`. An empty table says what to do next instead of printing nothing.
 */
import { type Command, InvalidArgumentError } from 'commander';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

function parseOutput(value: string): OutputFormat {
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw new InvalidArgumentError(`expected table, json or yaml, got '${value}'`);
}

/** Adds `-o, --output <format>` and `--json` to a listing or describe command; `unset` says what it prints without them. */
export function addOutputOption(command: Command, unset = 'table on a terminal, json when piped'): Command {
  return command.option('-o, --output <format>', `table, json or yaml (default: ${unset})`, parseOutput).option('--json', 'same as --output json');
}

export interface OutputFlags {
  output?: OutputFormat;
  json?: boolean;
}

export function outputFormat(flags: OutputFlags): OutputFormat {
  if (flags.output !== undefined) return flags.output;
  if (flags.json) return 'json';
  return process.stdout.isTTY === true ? 'table' : 'json';
}

async function toYaml(value: unknown): Promise<string> {
  // Loaded only when asked for: the other formats start without it.
  const { stringify } = await import('yaml');
  return stringify(value);
}

/** Prints `value` as JSON or YAML, or as `table()` returns it. */
export async function printValue(value: unknown, format: OutputFormat, table: () => string): Promise<void> {
  if (format === 'json') console.log(JSON.stringify(value, null, 2));
  else if (format === 'yaml') process.stdout.write(await toYaml(value));
  else console.log(table());
}

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | null | undefined;
  /** Right-aligned (numbers). */
  right?: boolean;
}

/** Rows as aligned columns under upper-case headers, like kubectl's tables. */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => String(c.value(r) ?? '-')));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (columns[i]!.right ? v.padStart(widths[i]!) : i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header.toUpperCase())), ...cells.map(line)].join('\n');
}

/** A listing: JSON/YAML as the list; a table, or `empty` (what to do next) when there is nothing. */
export async function printList<T>(
  rows: readonly T[],
  format: OutputFormat,
  columns: readonly Column<T>[],
  empty: string,
  json: unknown = rows,
): Promise<void> {
  if (format !== 'table') return printValue(json, format, () => '');
  console.log(rows.length === 0 ? empty : formatTable(rows, columns));
}
