import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseColumnList, SqlApplication, type ApplicationPlan } from '../../src/sql/index.ts';
import type { Row } from '../../src/sql/runtime/operator.ts';
import { UnionOperator } from '../../src/sql/runtime/operators/union.ts';

const T0 = Date.UTC(2021, 0, 31, 14, 0, 0);
const ctx = { pumpName: 'p', error: () => {}, table: () => ({ rows: [], version: 0 }), rcfSeed: 0 };

function collect(app: SqlApplication, stream: string): unknown[][] {
  const rows: unknown[][] = [];
  app.onOutput(stream, (batch) => {
    for (const r of batch) rows.push([(r[0] as number) - T0, ...r.slice(1)]);
  });
  return rows;
}

const GROUP_RANK_APP = `
CREATE OR REPLACE STREAM out (name VARCHAR(8), score INTEGER, "groupRank" INTEGER);
CREATE OR REPLACE PUMP p AS INSERT INTO out
  SELECT STREAM * FROM TABLE(GROUP_RANK(CURSOR(SELECT STREAM * FROM scores), 'SCORE', 'groupRank', 'desc', 'asc', 0, 0));`;
const SCORES = [{ name: 'SCORES', columns: parseColumnList('name VARCHAR(8), score INTEGER') }];

describe('GROUP_RANK', () => {
  it('resumes a half-gathered group from a checkpoint and ranks it when the next ROWTIME arrives', () => {
    const a = SqlApplication.compile(GROUP_RANK_APP, { inputs: SCORES });
    const before = collect(a, 'OUT');
    a.push(
      'SCORES',
      [
        { NAME: 'x', SCORE: 1 },
        { NAME: 'y', SCORE: 7 },
      ],
      T0,
    );
    const state = JSON.parse(JSON.stringify(a.checkpoint()));
    a.close();
    assert.deepEqual(before, []);

    // The plan is JSON: an application rebuilt from it restores the state.
    const plan = JSON.parse(JSON.stringify(a.plan)) as ApplicationPlan;
    const b = new SqlApplication(plan);
    const after = collect(b, 'OUT');
    b.restore(state);
    b.push('SCORES', [{ NAME: 'z', SCORE: 7 }], T0);
    b.push('SCORES', [{ NAME: 'next', SCORE: 0 }], T0 + 10);
    assert.deepEqual(after, [
      [0, 'y', 7, 1],
      [0, 'z', 7, 1],
      [0, 'x', 1, 3],
    ]);
    b.close();
  });
});

describe('GROUP BY MONOTONIC(...)', () => {
  it('keeps an open group across a checkpoint and closes it on the next key', () => {
    const code = `
CREATE OR REPLACE STREAM totals (order_id INTEGER, total DOUBLE);
CREATE OR REPLACE PUMP p AS INSERT INTO totals
  SELECT STREAM order_id, SUM(amount) FROM lineitems GROUP BY MONOTONIC(order_id);`;
    const inputs = [{ name: 'LINEITEMS', columns: parseColumnList('order_id INTEGER, amount DOUBLE') }];
    const a = SqlApplication.compile(code, { inputs });
    a.push('LINEITEMS', [{ ORDER_ID: 7, AMOUNT: 1.5 }], T0);
    const state = a.checkpoint();
    a.close();
    const b = SqlApplication.compile(code, { inputs });
    const rows = collect(b, 'TOTALS');
    b.restore(state);
    b.push('LINEITEMS', [{ ORDER_ID: 7, AMOUNT: 2 }], T0 + 5);
    b.advanceTime(T0 + 3_600_000);
    assert.deepEqual(rows, [], 'the clock cannot close a group keyed on a declared MONOTONIC column');
    b.push('LINEITEMS', [{ ORDER_ID: 8, AMOUNT: 1 }], T0 + 3_600_000);
    assert.deepEqual(rows, [[3_600_000, 7, 3.5]]);
    b.close();
  });
});

describe('UNION ALL merge', () => {
  it('holds a branch row until every branch has reached its ROWTIME, then emits in ROWTIME order', () => {
    const out: Row[] = [];
    const u = new UnionOperator(
      {
        op: 'union',
        inputs: [
          { op: 'scan', stream: 'A' },
          { op: 'scan', stream: 'B' },
        ],
      },
      ctx,
      (rows) => out.push(...rows),
    );
    u.process(
      [
        [10, 'a10'],
        [30, 'a30'],
      ],
      0,
    );
    assert.deepEqual(out, [], 'branch B has not reached 10 yet');
    u.process([[20, 'b20']], 1);
    assert.deepEqual(out, [
      [10, 'a10'],
      [20, 'b20'],
    ]);
    // Equal ROWTIMEs held together come out in branch order.
    u.process([[30, 'b30']], 1);
    assert.deepEqual(out.slice(2), [
      [30, 'a30'],
      [30, 'b30'],
    ]);
    u.process([[40, 'a40']], 0);
    const state = JSON.parse(JSON.stringify(u.checkpoint()));

    const out2: Row[] = [];
    const v = new UnionOperator(
      {
        op: 'union',
        inputs: [
          { op: 'scan', stream: 'A' },
          { op: 'scan', stream: 'B' },
        ],
      },
      ctx,
      (rows) => out2.push(...rows),
    );
    v.restore(state);
    v.process([[35, 'b35']], 1);
    assert.deepEqual(out2, [[35, 'b35']]);
    v.advance(40);
    assert.deepEqual(
      out2,
      [
        [35, 'b35'],
        [40, 'a40'],
      ],
      'the watermark releases what no branch can precede',
    );
  });
});
