import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/index.ts';
import { SqlApplication, SqlError, type ColumnDef, type Row } from '../../src/sql/index.ts';
import { JoinStreamOperator } from '../../src/sql/runtime/operators/join-stream.ts';

const T0 = Date.UTC(2021, 0, 31, 14, 0, 0);
const INPUTS = [
  { name: 'ORDERS', columns: [{ name: 'ORDER_ID', type: { name: 'INTEGER' } }] as ColumnDef[] },
  {
    name: 'SHIPMENTS',
    columns: [
      { name: 'ORDER_ID', type: { name: 'INTEGER' } },
      { name: 'CARRIER', type: { name: 'VARCHAR', length: 8 } },
    ] as ColumnDef[],
  },
];
const LEFT_FOLLOWING = `CREATE OR REPLACE STREAM shipped (order_id INTEGER, carrier VARCHAR(8));
CREATE OR REPLACE PUMP p AS INSERT INTO shipped
  SELECT STREAM o.order_id, s.carrier FROM orders AS o
  LEFT JOIN shipments OVER (RANGE INTERVAL '1' MINUTE FOLLOWING) AS s ON o.order_id = s.order_id;`;
const FULL_BOTH_WAYS = `CREATE OR REPLACE STREAM both (o_id INTEGER, s_id INTEGER, carrier VARCHAR(8));
CREATE OR REPLACE PUMP p AS INSERT INTO both
  SELECT STREAM o.order_id, s.order_id, s.carrier FROM orders AS o
  FULL OUTER JOIN shipments OVER (RANGE BETWEEN INTERVAL '30' SECOND PRECEDING AND INTERVAL '1' MINUTE FOLLOWING) AS s
  ON o.order_id = s.order_id;`;

/** Shipments meet the last 2 orders (a count, however old), FULL OUTER. */
const FULL_ORDER_ROWS = `CREATE OR REPLACE STREAM both (o_id INTEGER, s_id INTEGER, carrier VARCHAR(8));
CREATE OR REPLACE PUMP p AS INSERT INTO both
  SELECT STREAM o.order_id, s.order_id, s.carrier FROM orders OVER (ROWS 1 PRECEDING) AS o
  FULL OUTER JOIN shipments AS s ON o.order_id = s.order_id;`;

function collect(app: SqlApplication, stream: string): Row[] {
  const rows: Row[] = [];
  app.onOutput(stream, (r) => rows.push(...r));
  return rows;
}

type Step = ['O' | 'S', number, number, string?] | ['T', number];

/** Orders and shipments over four minutes: matches early and late in the window, unmatched rows on both sides. */
const STEPS: Step[] = [
  ['O', 0, 1],
  ['O', 1_000, 2],
  ['S', 5_000, 9, 'stray'],
  ['O', 10_000, 3],
  ['S', 20_000, 1, 'ups'],
  ['O', 40_000, 4],
  ['S', 50_000, 4, 'dhl'],
  ['S', 55_000, 2, 'late?'],
  // checkpoint here in the split runs: orders 3 and 4 and shipment 9 are still waiting
  ['S', 65_000, 3, 'edge'],
  ['O', 70_000, 5],
  ['S', 90_000, 8, 'stray2'],
  ['T', 150_000],
  ['O', 160_000, 6],
  ['T', 240_000],
];
const SPLIT = 8;

function feed(app: SqlApplication, steps: Step[]): void {
  for (const s of steps) {
    if (s[0] === 'T') app.advanceTime(T0 + s[1]);
    else if (s[0] === 'O') app.push('ORDERS', [{ ORDER_ID: s[2] }], T0 + s[1]);
    else app.push('SHIPMENTS', [{ ORDER_ID: s[2], CARRIER: s[3] }], T0 + s[1]);
  }
}

function roundTrip(code: string, stream: string): { whole: Row[]; before: Row[]; after: Row[]; state: ReturnType<SqlApplication['checkpoint']> } {
  const whole = SqlApplication.compile(code, { inputs: INPUTS });
  const wholeOut = collect(whole, stream);
  feed(whole, STEPS);
  const first = SqlApplication.compile(code, { inputs: INPUTS });
  const before = collect(first, stream);
  feed(first, STEPS.slice(0, SPLIT));
  const state = JSON.parse(JSON.stringify(first.checkpoint())) as ReturnType<SqlApplication['checkpoint']>;
  first.close();
  const second = SqlApplication.compile(code, { inputs: INPUTS });
  second.restore(state);
  const after = collect(second, stream);
  feed(second, STEPS.slice(SPLIT));
  return { whole: wholeOut, before, after, state };
}

describe('stream-to-stream join: outer rows wait for their window', () => {
  it('LEFT OUTER + FOLLOWING: rows still waiting for a match survive a checkpoint/restore and come out exactly once', () => {
    const { whole, before, after, state } = roundTrip(LEFT_FOLLOWING, 'SHIPPED');
    const view = (rows: Row[]): unknown[] => rows.map((r) => [(r[0] as number) - T0, r[1], r[2]]);
    assert.deepEqual(view(whole), [
      [20_000, 1, 'ups'],
      [50_000, 4, 'dhl'],
      [55_000, 2, 'late?'],
      [65_000, 3, 'edge'],
      [130_000, 5, null],
      [220_000, 6, null],
    ]);
    // Before the checkpoint only matches came out; orders 3 and 4 were kept, not emitted with NULLs.
    assert.deepEqual(view(before), [
      [20_000, 1, 'ups'],
      [50_000, 4, 'dhl'],
      [55_000, 2, 'late?'],
    ]);
    const join = state.pumps.P!.find((o) => o !== null && typeof o === 'object' && 'left' in o) as { left: Row[]; leftMatched: number[] };
    assert.deepEqual(
      join.left.map((r) => r[1]),
      [1, 2, 3, 4],
      'orders whose window is still open are in the checkpoint',
    );
    assert.deepEqual(join.leftMatched, [0, 1, 3], 'with which of them already matched');
    assert.deepEqual([...before, ...after], whole);
  });

  it('FULL OUTER: unmatched rows of both sides survive a checkpoint/restore; output stays in ROWTIME order', () => {
    const { whole, before, after } = roundTrip(FULL_BOTH_WAYS, 'BOTH');
    const view = (rows: Row[]): unknown[] => rows.map((r) => [(r[0] as number) - T0, r[1], r[2], r[3]]);
    assert.deepEqual(
      view(whole),
      [
        [20_000, 1, 1, 'ups'],
        [50_000, 4, 4, 'dhl'],
        [55_000, 2, 2, 'late?'],
        [65_000, 3, 3, 'edge'],
        // shipment 9 (5 s) can meet orders up to 35 s; shipment 8 (90 s) up to 120 s; order 5 (70 s) shipments up to 130 s
        [35_000, null, 9, 'stray'],
        [120_000, null, 8, 'stray2'],
        [130_000, 5, null, null],
        [220_000, 6, null, null],
      ].sort((a, b) => (a[0] as number) - (b[0] as number)),
    );
    assert.deepEqual([...before, ...after], whole);
    for (let i = 1; i < whole.length; i++) assert.ok((whole[i]![0] as number) >= (whole[i - 1]![0] as number), 'ROWTIME never goes back');
  });

  it('on a quiet stream the running clock brings the unmatched row out at the tick that reaches its window end, not before', () => {
    const clock = new ManualClock(T0);
    const app = SqlApplication.compile(LEFT_FOLLOWING, { inputs: INPUTS, clock });
    const out = collect(app, 'SHIPPED');
    app.start(1000);
    app.push('ORDERS', [{ ORDER_ID: 1 }], T0);
    clock.advanceTo(T0 + 59_999);
    assert.equal(out.length, 0, 'a shipment up to the window end (60 s) could still match');
    clock.advanceTo(T0 + 60_000);
    assert.deepEqual(out, [[T0 + 60_000, 1, null]]);
    clock.advanceTo(T0 + 120_000);
    assert.equal(out.length, 1);
    app.close();
  });

  it('restores join state written before outer rows waited (kept rows were already emitted) without emitting them again', () => {
    const app = SqlApplication.compile(LEFT_FOLLOWING, { inputs: INPUTS });
    const out = collect(app, 'SHIPPED');
    const fresh = app.checkpoint();
    // The earlier shape: only the kept rows of each side.
    const ops = fresh.pumps.P!;
    const at = ops.findIndex((o) => o !== null && typeof o === 'object' && 'left' in o);
    ops[at] = {
      left: [
        [T0, 1, T0],
        [T0, 2, T0],
      ],
      right: [],
    };
    app.restore(fresh);
    app.push('SHIPMENTS', [{ ORDER_ID: 1, CARRIER: 'ups' }], T0 + 10_000);
    app.advanceTime(T0 + 300_000);
    assert.deepEqual(out, [[T0 + 10_000, 1, 'ups']]);
    app.close();
  });
});

describe('stream-to-stream join: ROWS windows', () => {
  it('ROWS window, FULL OUTER: kept rows and which of them matched survive a checkpoint/restore; unmatched rows come out when pushed out of the window', () => {
    const { whole, before, after, state } = roundTrip(FULL_ORDER_ROWS, 'BOTH');
    const view = (rows: Row[]): unknown[] => rows.map((r) => [(r[0] as number) - T0, r[1], r[2], r[3]]);
    assert.deepEqual(view(whole), [
      // shipment 9 meets orders 1 and 2 only; order 3 pushes order 1 out of every later shipment's window (2 rows)
      [5_000, null, 9, 'stray'],
      [10_000, 1, null, null],
      [20_000, null, 1, 'ups'],
      [40_000, 2, null, null],
      [50_000, 4, 4, 'dhl'],
      [55_000, null, 2, 'late?'],
      [65_000, 3, 3, 'edge'],
      [90_000, null, 8, 'stray2'],
      // orders 5 and 6 are still the last 2 orders: a count does not pass with the clock, so order 5 never comes out
    ]);
    assert.deepEqual(view(before), view(whole).slice(0, 6));
    const join = state.pumps.P!.find((o) => o !== null && typeof o === 'object' && 'left' in o) as { left: Row[]; leftMatched: number[]; right: Row[] };
    assert.deepEqual(
      join.left.map((r) => r[1]),
      [3, 4],
      'the last 2 orders are in the checkpoint',
    );
    assert.deepEqual(join.leftMatched, [1], 'order 4 already matched: no null row when order 6 pushes it out after the restore');
    assert.deepEqual(join.right, []);
    assert.deepEqual([...before, ...after], whole);
  });

  it('ROWS window: a row waiting for a lagging windowed side survives a checkpoint/restore and then meets its whole window', () => {
    const ctx = { pumpName: 'p', error: (): void => {}, table: () => ({ rows: [], version: 0 }), rcfSeed: 0 };
    const key = { k: 'col', i: 1, t: { name: 'INTEGER' } } as const;
    const plan = {
      op: 'joinStream',
      left: { op: 'scan', stream: 'ORDERS' },
      right: { op: 'scan', stream: 'SHIPMENTS' },
      joinType: 'LEFT',
      on: null,
      leftRangeMs: 0,
      rightRangeMs: 0,
      leftWidth: 2,
      rightWidth: 3,
      leftKey: key,
      rightKey: key,
      rowsWindow: { side: 'right', n: 1 },
    } as const;
    const run = (split: boolean): Row[] => {
      const out: Row[] = [];
      let op = new JoinStreamOperator(plan, ctx, (rows) => out.push(...rows));
      op.process(
        [
          [10, 1],
          [10, 2],
        ],
        0,
      );
      op.process([[5, 1, 'ups']], 1);
      assert.equal(out.length, 0, 'the shipments are not at 10 yet: orders 1 and 2 wait');
      if (split) {
        const state = JSON.parse(JSON.stringify(op.checkpoint())) as { left: Row[] };
        assert.deepEqual(state.left, [
          [10, 1],
          [10, 2],
        ]);
        op.close();
        op = new JoinStreamOperator(plan, ctx, (rows) => out.push(...rows));
        op.restore(state);
      }
      op.process(
        [
          [8, 1, 'dhl'],
          [12, 2, 'late'],
        ],
        1,
      );
      return out;
    };
    const whole = run(false);
    // Window of the orders at 10: the last 2 shipments at or before 10 (ups, dhl); the one at 12 is after them.
    assert.deepEqual(whole, [
      [10, 1, 5, 1, 'ups'],
      [10, 1, 8, 1, 'dhl'],
      [10, 2, null, null, null],
    ]);
    assert.deepEqual(run(true), whole);
  });

  it('invalid ROWS join windows are plan errors at the offending place, with a message saying what to write', () => {
    const code = (from: string): string => `CREATE OR REPLACE STREAM m (order_id INTEGER);
CREATE OR REPLACE PUMP p AS INSERT INTO m
  SELECT STREAM o.order_id
  ${from};`;
    const on = 'ON o.order_id = s.order_id';
    const cases: [string, number, string][] = [
      [`FROM orders AS o JOIN shipments OVER (PARTITION BY order_id ROWS 2 PRECEDING) AS s ${on}`, 54, 'cannot have PARTITION BY'],
      [`FROM orders AS o JOIN shipments OVER (ROWS UNBOUNDED PRECEDING) AS s ${on}`, 40, 'give a count, e.g. ROWS 10 PRECEDING'],
      [`FROM orders AS o JOIN shipments OVER (ROWS 2.5 PRECEDING) AS s ${on}`, 46, 'ROWS needs a non-negative integer'],
      [
        `FROM orders OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS o JOIN shipments OVER (ROWS 2 PRECEDING) AS s ${on}`,
        20,
        'cannot be combined with a RANGE window',
      ],
      [`FROM orders AS o JOIN shipments OVER w AS s ${on} WINDOW w AS (ROWS 2 PRECEDING)`, 40, 'named window'],
      [`FROM orders AS o JOIN shipments AS s ${on}`, 20, 'or OVER (ROWS 10 PRECEDING)'],
    ];
    for (const [from, column, text] of cases) {
      assert.throws(
        () => SqlApplication.compile(code(from), { inputs: INPUTS }),
        (e: unknown) => {
          assert.ok(e instanceof SqlError, String(e));
          assert.deepEqual([e.line, e.column], [4, column], e.message);
          assert.ok(e.reason.includes(text), e.message);
          return true;
        },
      );
    }
  });
});
