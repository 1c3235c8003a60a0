/**
 * Runs one data-driven Flink SQL case: a .sql file whose `--` directive lines
 * drive a FlinkApplication and whose whole text is the script (so error
 * positions are positions in the file).
 *
 *   -- test: what the case shows
 *   -- at <ms> TABLE[@split]: {"col": ...}      push a row at processing time base + ms (event time is in the row)
 *   -- record <ms> TABLE[@split]: <text>        push a record through the table's format (pushRecords)
 *   -- change <ms> TABLE: +U {"col": ...}       push a changelog row into a debezium-json table
 *   -- splits TABLE: a, b                       declare a table's splits (shards) up front
 *   -- table-rows NAME: {"col": ...}            a row of a lookup (reference file) table
 *   -- advance <ms>                             processing time moves to base + ms
 *   -- finish                                   end of input (every window fires)
 *   -- expect SINK: +I {"col": ...}             the next change of SINK (all its columns; TIMESTAMPs as 'yyyy-MM-dd HH:mm:ss.SSS')
 *   -- expect-none SINK                         SINK emits nothing
 *   -- expect-late <n>                          rows dropped as late, in total
 *   -- expect-errors <n>                        rows that failed (dropped), in total
 *   -- expect-row-error text                    every failed row's message is text
 *   -- expect-error L:C text                    planning fails at line L, column C with a message containing text
 *
 * Base time: 2021-01-31 14:00:00 UTC.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FlinkApplication, SqlError, formatTimestamp } from '../../../src/sql/index.ts';

export const BASE_MS = Date.UTC(2021, 0, 31, 14, 0, 0);

type Step =
  | { kind: 'push'; at: number; table: string; split: string; row: Record<string, unknown> }
  | { kind: 'record'; at: number; table: string; split: string; text: string }
  | { kind: 'change'; at: number; table: string; change: '+I' | '-U' | '+U' | '-D'; row: Record<string, unknown> }
  | { kind: 'splits'; table: string; splits: string[] }
  | { kind: 'advance'; at: number }
  | { kind: 'finish' }
  | { kind: 'tablerow'; table: string; row: Record<string, unknown> };

export interface FlinkCase {
  title: string;
  code: string;
  steps: Step[];
  expects: Map<string, string[]>;
  none: Set<string>;
  late?: number;
  errors?: number;
  rowError?: string;
  error?: { line: number; column: number; text: string };
}

function target(spec: string): { table: string; split: string } {
  const [table, split] = spec.trim().split('@') as [string, string | undefined];
  return { table: table.trim(), split: split?.trim() ?? '' };
}

export function readFlinkCase(path: string): FlinkCase {
  const code = readFileSync(path, 'utf8');
  const c: FlinkCase = { title: path, code, steps: [], expects: new Map(), none: new Set() };
  for (const line of code.split('\n')) {
    const m = /^--\s*([a-z-]+):?(?:\s+(.*))?$/.exec(line.trim());
    if (!m) continue;
    const dir = m[1]!;
    const rest = m[2] ?? '';
    switch (dir) {
      case 'test':
        c.title = rest;
        break;
      case 'at': {
        const a = /^(\d+)\s+([^:]+):\s*(.*)$/.exec(rest)!;
        c.steps.push({ kind: 'push', at: Number(a[1]), ...target(a[2]!), row: JSON.parse(a[3]!) });
        break;
      }
      case 'record': {
        const a = /^(\d+)\s+([^:]+):\s?(.*)$/.exec(rest)!;
        c.steps.push({ kind: 'record', at: Number(a[1]), ...target(a[2]!), text: a[3]! });
        break;
      }
      case 'change': {
        const a = /^(\d+)\s+([^:]+):\s*([+-][IUD])\s+(.*)$/.exec(rest)!;
        c.steps.push({ kind: 'change', at: Number(a[1]), table: a[2]!.trim(), change: a[3] as '+I', row: JSON.parse(a[4]!) });
        break;
      }
      case 'splits': {
        const a = /^([^:]+):\s*(.*)$/.exec(rest)!;
        c.steps.push({ kind: 'splits', table: a[1]!.trim(), splits: a[2]!.split(',').map((x) => x.trim()) });
        break;
      }
      case 'table-rows': {
        const a = /^([^:]+):\s*(.*)$/.exec(rest)!;
        c.steps.push({ kind: 'tablerow', table: a[1]!.trim(), row: JSON.parse(a[2]!) });
        break;
      }
      case 'advance':
        c.steps.push({ kind: 'advance', at: Number(rest) });
        break;
      case 'finish':
        c.steps.push({ kind: 'finish' });
        break;
      case 'expect': {
        const a = /^([^:]+):\s*([+-][IUD])\s+(.*)$/.exec(rest)!;
        const name = a[1]!.trim();
        const list = c.expects.get(name) ?? [];
        list.push(`${a[2]} ${JSON.stringify(JSON.parse(a[3]!))}`);
        c.expects.set(name, list);
        break;
      }
      case 'expect-none':
        c.none.add(rest.trim());
        break;
      case 'expect-late':
        c.late = Number(rest);
        break;
      case 'expect-errors':
        c.errors = Number(rest);
        break;
      case 'expect-row-error':
        c.rowError = rest;
        break;
      case 'expect-error': {
        const e = /^(\d+):(\d+)\s+(.*)$/.exec(rest)!;
        c.error = { line: Number(e[1]), column: Number(e[2]), text: e[3]! };
        break;
      }
      default:
        break;
    }
  }
  return c;
}

/** A sink value as the case files write it: TIMESTAMP/DATE as text, the rest as JSON. */
function show(v: unknown, type: string): unknown {
  if (v === null || v === undefined) return null;
  if (type === 'TIMESTAMP') return formatTimestamp(v as number);
  if (type === 'DATE') return formatTimestamp(v as number).slice(0, 10);
  if (v instanceof Map) return Object.fromEntries(v);
  return v;
}

export function runFlinkCase(c: FlinkCase): void {
  if (c.error) {
    let err: unknown;
    try {
      FlinkApplication.compile(c.code);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof SqlError, `expected a SqlError, got ${String(err)}`);
    assert.ok(err.reason.includes(c.error.text), `message "${err.reason}" should contain "${c.error.text}"`);
    assert.deepEqual([err.line, err.column], [c.error.line, c.error.column], `position of: ${err.message}`);
    return;
  }
  assert.ok(c.expects.size > 0 || c.none.size > 0, 'a case must expect something');
  const app = FlinkApplication.compile(c.code);
  const got = new Map<string, string[]>();
  for (const name of new Set([...c.expects.keys(), ...c.none])) {
    got.set(name, []);
    const cols = app.columns(name);
    app.onChanges(name, (changes) => {
      for (const ch of changes) {
        const row: Record<string, unknown> = {};
        for (const col of cols) row[col.name] = show(ch.row[col.name], col.type.name);
        got.get(name)!.push(`${ch.kind} ${JSON.stringify(row)}`);
      }
    });
  }
  const lookup = new Map<string, Record<string, unknown>[]>();
  for (const s of c.steps) {
    switch (s.kind) {
      case 'push':
        app.push(s.table, [s.row], BASE_MS + s.at, s.split);
        break;
      case 'record':
        app.pushRecords(s.table, [{ data: s.text, arrivalMs: BASE_MS + s.at, ...(s.split ? { shardId: s.split } : {}) }], BASE_MS + s.at, s.split);
        break;
      case 'change':
        app.pushChanges(s.table, [{ kind: s.change, row: s.row }], BASE_MS + s.at);
        break;
      case 'splits':
        app.registerSplits(s.table, s.splits, BASE_MS);
        break;
      case 'advance':
        app.advanceTime(BASE_MS + s.at);
        break;
      case 'finish':
        app.finish();
        break;
      case 'tablerow': {
        const list = lookup.get(s.table) ?? [];
        list.push(s.row);
        lookup.set(s.table, list);
        app.setReferenceTable(s.table, list);
        break;
      }
    }
  }
  const m = app.metrics();
  for (const name of c.none) assert.deepEqual(got.get(name), [], `${name} should emit nothing`);
  for (const [name, want] of c.expects) {
    const rows = got.get(name)!;
    assert.deepEqual(rows, want, `${name}: got\n${rows.join('\n')}\nexpected\n${want.join('\n')}`);
  }
  if (c.late !== undefined) assert.equal(m.lateRowsDropped, c.late, 'late rows dropped');
  if (c.errors !== undefined) assert.equal(m.rowErrors, c.errors, `row errors: ${JSON.stringify(m.recentErrors)}`);
  if (c.rowError !== undefined) {
    assert.ok(m.recentErrors.length > 0, 'rows should have failed');
    for (const e of m.recentErrors) assert.equal(e.message, c.rowError);
  }
  app.close();
}
