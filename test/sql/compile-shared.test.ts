/**
 * ExprCompiler.build shares a generated function that reads no constants between compilers (jobs) that
 * generate the same source, and never one that reads constants (a RegExp, a CAST's type), whose values
 * belong to one compiler; jobs built from the same SQL compute the same results either way.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlinkApplication, type Row } from '../../src/sql/index.ts';
import type { PExpr } from '../../src/sql/plan/plan.ts';
import { ExprCompiler } from '../../src/sql/runtime/compile.ts';

const col = (i: number): PExpr => ({ k: 'col', i, t: { name: 'INTEGER' } });

describe('ExprCompiler.build', () => {
  it('returns the same function for the same source without constants, a new one with constants', () => {
    const a = new ExprCompiler().fn1({ k: 'call', fn: 'add', args: [col(1), col(2)], t: { name: 'INTEGER' } });
    const b = new ExprCompiler().fn1({ k: 'call', fn: 'add', args: [col(1), col(2)], t: { name: 'INTEGER' } });
    assert.equal(a, b);
    assert.equal(a([0, 2, 3]), 5);
    const like: PExpr = {
      k: 'call',
      fn: 'like',
      args: [col(1), { k: 'lit', v: 'a%', t: { name: 'VARCHAR' } }, { k: 'lit', v: null, t: { name: 'VARCHAR' } }],
      t: { name: 'BOOLEAN' },
    };
    const c = new ExprCompiler().fn1(like);
    const d = new ExprCompiler().fn1(like);
    assert.notEqual(c, d);
    assert.equal(c([0, 'abc']), true);
    assert.equal(d([0, 'xbc']), false);
  });

  it('gives two jobs of the same SQL, run one after the other and side by side, the same rows', () => {
    const code = `
CREATE TABLE t (k INT, s STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'datagen');
CREATE TABLE o (k INT, s STRING, m BOOLEAN) WITH ('connector' = 'blackhole');
INSERT INTO o SELECT k * 2, UPPER(s), s LIKE 'a%' FROM t WHERE k > 1;`;
    const rows = (app: FlinkApplication): Row[] => {
      const out: Row[] = [];
      app.onOutput('o', (r) => out.push(...r));
      return out;
    };
    const a = FlinkApplication.compile(code);
    const b = FlinkApplication.compile(code);
    const ra = rows(a);
    const rb = rows(b);
    const input = (): Row[] => [
      [0, 1, 'ab', 1000],
      [0, 2, 'ab', 2000],
      [0, 3, 'xy', 3000],
    ];
    a.pushRows('t', input(), 0);
    b.pushRows('t', input(), 0);
    a.close();
    const c = FlinkApplication.compile(code);
    const rc = rows(c);
    c.pushRows('t', input(), 0);
    const want = [
      [2000, 4, 'AB', true],
      [3000, 6, 'XY', false],
    ];
    assert.deepEqual(ra, want);
    assert.deepEqual(rb, want);
    assert.deepEqual(rc, want);
  });
});
