/**
 * Runs one data-driven SQL case: a .sql file whose leading `--` comment lines
 * are directives and whose whole text is the application code (so error
 * positions are positions in the file).
 *
 *   -- test: what the case shows
 *   -- input NAME: "col" TYPE, ...              an input in-application stream
 *   -- table NAME: "col" TYPE, ...              a reference table
 *   -- table-rows NAME: {"col": ...}            a reference table row
 *   -- at <ms> NAME: {"col": ...}               push a row with ROWTIME base + ms (base 2021-01-31 14:00:00 UTC)
 *   -- advance <ms>                             advanceTime(base + ms)
 *   -- expect NAME: {"ROWTIME": ..., ...}       the next expected row of NAME (all columns, in order)
 *   -- expect-partial NAME: {...}               the next expected row of NAME (only the given keys)
 *   -- expect-none NAME                         NAME emits nothing
 *   -- expect-error L:C text                    compiling fails at line L, column C with a message containing text
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseColumnList, rowToObject, SqlApplication, SqlError, type ColumnDef } from '../../src/sql/index.ts';

export const BASE_MS = Date.UTC(2021, 0, 31, 14, 0, 0);

type Step =
  | { kind: 'push'; at: number; stream: string; row: Record<string, unknown> }
  | { kind: 'advance'; at: number }
  | { kind: 'tablerow'; table: string; row: Record<string, unknown> };

export interface Case {
  title: string;
  code: string;
  inputs: { name: string; columns: ColumnDef[] }[];
  tables: { name: string; columns: ColumnDef[] }[];
  steps: Step[];
  expects: Map<string, { partial: boolean; row: Record<string, unknown> }[]>;
  none: Set<string>;
  error?: { line: number; column: number; text: string };
}

export function readCase(path: string): Case {
  const code = readFileSync(path, 'utf8');
  const c: Case = { title: path, code, inputs: [], tables: [], steps: [], expects: new Map(), none: new Set() };
  for (const line of code.split('\n')) {
    const m = /^--\s*([a-z-]+):?\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, dir, rest] = m as unknown as [string, string, string];
    const named = /^([^:]+):\s*(.*)$/.exec(rest);
    switch (dir) {
      case 'test':
        c.title = rest;
        break;
      case 'input':
        c.inputs.push({ name: named![1]!.trim(), columns: parseColumnList(named![2]!) });
        break;
      case 'table':
        c.tables.push({ name: named![1]!.trim(), columns: parseColumnList(named![2]!) });
        break;
      case 'table-rows':
        c.steps.push({ kind: 'tablerow', table: named![1]!.trim(), row: JSON.parse(named![2]!) });
        break;
      case 'at': {
        const a = /^(\d+)\s+([^:]+):\s*(.*)$/.exec(rest)!;
        c.steps.push({ kind: 'push', at: Number(a[1]), stream: a[2]!.trim(), row: JSON.parse(a[3]!) });
        break;
      }
      case 'advance':
        c.steps.push({ kind: 'advance', at: Number(rest) });
        break;
      case 'expect':
      case 'expect-partial': {
        const name = named![1]!.trim();
        const list = c.expects.get(name) ?? [];
        list.push({ partial: dir === 'expect-partial', row: JSON.parse(named![2]!) });
        c.expects.set(name, list);
        break;
      }
      case 'expect-none':
        c.none.add(rest.trim());
        break;
      case 'expect-error': {
        const e = /^(\d+):(\d+)\s+(.*)$/.exec(rest)!;
        c.error = { line: Number(e[1]), column: Number(e[2]), text: e[3]! };
        break;
      }
      default:
        break; // ordinary comment
    }
  }
  return c;
}

export function runCase(c: Case): void {
  if (c.error) {
    let err: unknown;
    try {
      SqlApplication.compile(c.code, { inputs: c.inputs, tables: c.tables });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof SqlError, `expected a SqlError, got ${String(err)}`);
    assert.ok(err.reason.includes(c.error.text), `message "${err.reason}" should contain "${c.error.text}"`);
    assert.deepEqual([err.line, err.column], [c.error.line, c.error.column], `position of: ${err.message}`);
    return;
  }
  assert.ok(c.expects.size > 0 || c.none.size > 0, 'a case must expect something');
  const app = SqlApplication.compile(c.code, { inputs: c.inputs, tables: c.tables, rcfSeed: 7 });
  const got = new Map<string, Record<string, unknown>[]>();
  for (const name of new Set([...c.expects.keys(), ...c.none])) {
    const cols = app.columns(name);
    got.set(name, []);
    app.onOutput(name, (rows) => {
      for (const r of rows) got.get(name)!.push(rowToObject(cols, r));
    });
  }
  const tableRows = new Map<string, Record<string, unknown>[]>();
  for (const s of c.steps) {
    if (s.kind === 'push') app.push(s.stream, [s.row], BASE_MS + s.at);
    else if (s.kind === 'advance') app.advanceTime(BASE_MS + s.at);
    else {
      const list = tableRows.get(s.table) ?? [];
      list.push(s.row);
      tableRows.set(s.table, list);
      app.setReferenceTable(s.table, list);
    }
  }
  for (const name of c.none) assert.deepEqual(got.get(name), [], `${name} should emit nothing`);
  for (const [name, want] of c.expects) {
    const rows = got.get(name)!;
    assert.equal(rows.length, want.length, `${name}: ${rows.length} rows, expected ${want.length}:\n${rows.map((r) => JSON.stringify(r)).join('\n')}`);
    want.forEach((w, i) => {
      if (w.partial) {
        const sub: Record<string, unknown> = {};
        for (const k of Object.keys(w.row)) sub[k] = rows[i]![k];
        assert.deepEqual(sub, w.row, `${name} row ${i + 1}`);
      } else assert.deepEqual(rows[i], w.row, `${name} row ${i + 1}`);
    });
  }
  app.close();
}
