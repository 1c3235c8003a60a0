import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseApplication, planApplication, SqlError } from '../../src/sql/index.ts';

const S2 = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'acceptance.test.ts'), 'utf8').match(/const S2 = `([\s\S]*?)`;/)![1]!;
const INPUT = [
  {
    name: 'SOURCE_SQL_STREAM_001',
    columns: [
      { name: 'tickerSymbol', type: { name: 'VARCHAR' as const, length: 8 } },
      { name: 'tradeType', type: { name: 'VARCHAR' as const, length: 4 } },
      { name: 'price', type: { name: 'DOUBLE' as const } },
      { name: 'quantity', type: { name: 'INTEGER' as const } },
      { name: 'id', type: { name: 'INTEGER' as const } },
    ],
  },
];

describe('parser and planner on damaged code', () => {
  it('answers every prefix of S2 with a plan or a SqlError carrying a position inside the text', () => {
    const lines = S2.split('\n');
    for (let cut = 1; cut < S2.length; cut += 7) {
      const code = S2.slice(0, cut);
      try {
        planApplication(code, { inputs: INPUT });
      } catch (e) {
        assert.ok(e instanceof SqlError, `prefix ${cut}: ${String(e)}`);
        assert.ok(e.line >= 1 && e.line <= code.split('\n').length + 1, `prefix ${cut}: line ${e.line}`);
        assert.ok(e.column >= 1, `prefix ${cut}: column ${e.column}`);
      }
    }
    assert.ok(lines.length >= 4);
  });

  it('answers S2 with one character dropped with a plan or a SqlError, never another exception', () => {
    for (let i = 0; i < S2.length; i += 3) {
      const code = S2.slice(0, i) + S2.slice(i + 1);
      try {
        planApplication(code, { inputs: INPUT });
      } catch (e) {
        assert.ok(e instanceof SqlError, `without char ${i} (${JSON.stringify(S2[i])}): ${String(e)}`);
      }
    }
  });

  it('parses S2 verbatim, resolving unquoted ANOMALY_SCORE and `source` to the quoted upper-case names', () => {
    const stmts = parseApplication(S2);
    assert.deepEqual(
      stmts.map((s) => `${s.kind}:${s.name.name}`),
      ['createStream:TEMP_STREAM', 'createStream:DESTINATION_SQL_STREAM', 'createPump:STREAM_PUMP', 'createPump:OUTPUT_PUMP'],
    );
    const plan = planApplication(S2, { inputs: INPUT });
    assert.equal(plan.pumps[0]!.root.op, 'filterProject');
    assert.equal((plan.pumps[0]!.root as { input: { op: string } }).input.op, 'tableFn');
    assert.equal(plan.pumps[1]!.root.op, 'orderWindow');
  });
});
