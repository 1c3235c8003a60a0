import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlinkApplication, FormatError, planFlinkScript, SqlError, type FlinkState } from '../../../src/sql/index.ts';

const T0 = Date.UTC(2021, 0, 31, 14, 0, 0);

const CRYPTO = `
CREATE TABLE crypto (
  event_time TIMESTAMP(3), ticker STRING, price DOUBLE,
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'kinesis', 'stream' = 'crypto', 'format' = 'json', 'json.timestamp-format.standard' = 'ISO-8601');
CREATE TABLE totals (ticker STRING, window_end TIMESTAMP(3), total DOUBLE)
  WITH ('connector' = 'kinesis', 'stream' = 'totals', 'format' = 'json', 'json.timestamp-format.standard' = 'ISO-8601');
INSERT INTO totals
SELECT ticker, window_end, SUM(price) FROM TABLE(TUMBLE(TABLE crypto, DESCRIPTOR(event_time), INTERVAL '1' MINUTE))
GROUP BY ticker, window_start, window_end;`;

function rec(sec: number, ticker: string, price: number): { data: string } {
  return { data: JSON.stringify({ event_time: new Date(T0 + sec * 1000).toISOString(), ticker, price }) };
}

function collect(app: FlinkApplication, sink: string): string[] {
  const out: string[] = [];
  const enc = app.encoder(sink);
  app.onOutput(sink, (rows) => {
    for (const r of rows) out.push(enc(r)!);
  });
  return out;
}

describe('FlinkApplication', () => {
  it('writes sink rows in the sink format (JSON with ISO-8601 timestamps)', () => {
    const app = FlinkApplication.compile(CRYPTO);
    const out = collect(app, 'totals');
    app.pushRecords('crypto', [rec(1, 'BTC', 1.5), rec(2, 'BTC', 2)], T0);
    app.pushRecords('crypto', [rec(70, 'ETH', 1)], T0 + 1000);
    assert.deepEqual(out, ['{"ticker":"BTC","window_end":"2021-01-31T14:01:00","total":3.5}']);
    app.close();
  });

  it('resumes a half-filled window from a checkpoint taken into JSON (no rows lost or counted twice)', () => {
    const a = FlinkApplication.compile(CRYPTO);
    const outA = collect(a, 'totals');
    a.pushRecords('crypto', [rec(1, 'BTC', 1), rec(10, 'BTC', 2)], T0);
    const state = JSON.parse(JSON.stringify(a.checkpoint())) as FlinkState;
    a.close();
    assert.deepEqual(outA, []);
    const b = FlinkApplication.compile(CRYPTO);
    const outB = collect(b, 'totals');
    b.restore(state);
    b.pushRecords('crypto', [rec(30, 'BTC', 4), rec(66, 'BTC', 100)], T0 + 2000);
    assert.deepEqual(outB, ['{"ticker":"BTC","window_end":"2021-01-31T14:01:00","total":7}']);
    // The restored watermark still drops a row for the window that fired.
    b.pushRecords('crypto', [rec(59, 'BTC', 1)], T0 + 3000);
    assert.equal(b.metrics().lateRowsDropped, 1);
    b.close();
  });

  it('starts operators fresh when the code changed since the checkpoint', () => {
    const a = FlinkApplication.compile(CRYPTO);
    a.pushRecords('crypto', [rec(1, 'BTC', 1)], T0);
    const state = a.checkpoint();
    const b = FlinkApplication.compile(CRYPTO.replace('SUM(price)', 'MAX(price)'));
    const out = collect(b, 'totals');
    b.restore(state);
    b.pushRecords('crypto', [rec(2, 'BTC', 5), rec(70, 'BTC', 1)], T0 + 1000);
    assert.deepEqual(out, ['{"ticker":"BTC","window_end":"2021-01-31T14:01:00","total":5}']);
  });

  it('fails a record the JSON format cannot read, unless the table ignores parse errors', () => {
    const app = FlinkApplication.compile(CRYPTO);
    assert.throws(
      () => app.pushRecords('crypto', [{ data: 'not json' }], T0),
      (e: unknown) => e instanceof FormatError && /Failed to deserialize JSON 'not json'/.test(e.message),
    );
    const lenient = FlinkApplication.compile(
      CRYPTO.replace("'json.timestamp-format.standard' = 'ISO-8601');", "'json.timestamp-format.standard' = 'ISO-8601', 'json.ignore-parse-errors' = 'true');"),
    );
    lenient.pushRecords('crypto', [{ data: 'not json' }, rec(1, 'BTC', 1)], T0);
    assert.equal(lenient.metrics().sources.crypto!.rows, 1);
  });

  it('writes a changelog as debezium-json and prints it as Flink does', () => {
    const app = FlinkApplication.compile(`
      CREATE TABLE t (k STRING, v INT) WITH ('connector' = 'datagen');
      CREATE TABLE cdc (k STRING, total INT) WITH ('connector' = 'kinesis', 'stream' = 'cdc', 'format' = 'debezium-json');
      CREATE TABLE p (k STRING, total INT) WITH ('connector' = 'print');
      INSERT INTO cdc SELECT k, SUM(v) FROM t GROUP BY k;
      INSERT INTO p SELECT k, SUM(v) FROM t GROUP BY k;`);
    const out = collect(app, 'cdc');
    const printed: string[] = [];
    app.onOutput('p', (rows) => {
      for (const r of rows) printed.push(app.printText('p', r));
    });
    app.push('t', [{ k: 'a', v: 1 }], T0);
    app.push('t', [{ k: 'a', v: 2 }], T0 + 1);
    assert.deepEqual(out, [
      '{"before":null,"after":{"k":"a","total":1},"op":"c"}',
      '{"before":{"k":"a","total":1},"after":null,"op":"d"}',
      '{"before":null,"after":{"k":"a","total":3},"op":"c"}',
    ]);
    assert.deepEqual(printed, ['+I[a, 1]', '-U[a, 1]', '+U[a, 3]']);
  });

  it('explains a job as a plan tree with changelog modes', () => {
    const script = planFlinkScript(`
      CREATE TABLE t (k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'datagen');
      EXPLAIN CHANGELOG_MODE SELECT k, COUNT(*) FROM t GROUP BY k;`);
    const explain = script.statements.find((s) => s.kind === 'explain')!.text!;
    assert.match(explain, /GroupAggregate\(groupBy=\[\$1\], select=\[COUNT\(\*\)\], changelogMode=\[I,UB,UA,D\]\)/);
    assert.match(explain, /WatermarkAssigner\(rowtime=\[ts\]/);
    assert.match(explain, /TableSourceScan\(table=\[\[default_catalog, default_database, t\]\], fields=\[k, v, ts\], changelogMode=\[I\]\)/);
    assert.equal(script.plan.pumps.length, 0, 'EXPLAIN does not add a job');
  });

  it('keeps both sides of a NOT EXISTS anti join across a checkpoint, and explains it as a changelog LeftAntiJoin', () => {
    const SQL = `
      CREATE TABLE orders (id INT, total INT) WITH ('connector' = 'datagen');
      CREATE TABLE payments (order_id INT, amount INT) WITH ('connector' = 'datagen');
      CREATE TABLE unpaid (id INT, total INT) WITH ('connector' = 'print');
      INSERT INTO unpaid SELECT id, total FROM orders o WHERE NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id);`;
    const explain = planFlinkScript(
      `${SQL}\nEXPLAIN CHANGELOG_MODE SELECT id FROM orders o WHERE NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id);`,
    ).statements.find((x) => x.kind === 'explain')!.text!;
    assert.match(explain, /Join\(joinType=\[LeftAntiJoin\], leftKeys=\[\$1\], rightKeys=\[\$1\], changelogMode=\[I,UB,UA,D\]\)/);
    const changes = (app: FlinkApplication): string[] => {
      const out: string[] = [];
      app.onChanges('unpaid', (cs) => {
        for (const c of cs) out.push(`${c.kind} ${String(c.row.id)}`);
      });
      return out;
    };
    const a = FlinkApplication.compile(SQL);
    const outA = changes(a);
    a.push(
      'orders',
      [
        { id: 1, total: 5 },
        { id: 2, total: 7 },
      ],
      T0,
    );
    a.push('payments', [{ order_id: 2, amount: 7 }], T0);
    assert.deepEqual(outA, ['+I 1', '+I 2', '-D 2']);
    const state = JSON.parse(JSON.stringify(a.checkpoint())) as FlinkState;
    a.close();
    const b = FlinkApplication.compile(SQL);
    const outB = changes(b);
    b.restore(state);
    // Order 1 is still out (and withdrawn by its payment); order 2's payment is remembered for a late duplicate.
    b.push('payments', [{ order_id: 1, amount: 5 }], T0 + 1000);
    b.push('orders', [{ id: 2, total: 7 }], T0 + 1000);
    assert.deepEqual(outB, ['-D 1']);
    b.close();
  });

  it('explains a correlated scalar subquery as a LeftOuterJoin with a GroupAggregate on the correlation key, and keeps both sides across a checkpoint', () => {
    const SQL = `
      CREATE TABLE orders (id INT, cust STRING) WITH ('connector' = 'datagen');
      CREATE TABLE payments (cust STRING, paid INT) WITH ('connector' = 'datagen');
      CREATE TABLE due (id INT, paid INT) WITH ('connector' = 'print');
      INSERT INTO due SELECT id, (SELECT SUM(paid) FROM payments p WHERE p.cust = o.cust) FROM orders o;`;
    const explain = planFlinkScript(
      `${SQL}\nEXPLAIN CHANGELOG_MODE SELECT id, (SELECT SUM(paid) FROM payments p WHERE p.cust = o.cust) FROM orders o;`,
    ).statements.find((x) => x.kind === 'explain')!.text!;
    assert.match(explain, /Join\(joinType=\[LeftOuterJoin\], leftKeys=\[\$2\], rightKeys=\[\$1\], changelogMode=\[I,UB,UA,D\]\)/);
    assert.match(explain, /GroupAggregate\(groupBy=\[\$1\], select=\[SUM\(\$2\), COUNT\(\*\)\], changelogMode=\[I,UB,UA,D\]\)/);
    const changes = (app: FlinkApplication): string[] => {
      const out: string[] = [];
      app.onChanges('due', (cs) => {
        for (const c of cs) out.push(`${c.kind} ${String(c.row.id)}:${String(c.row.paid)}`);
      });
      return out;
    };
    const a = FlinkApplication.compile(SQL);
    const outA = changes(a);
    a.push('payments', [{ cust: 'x', paid: 3 }], T0);
    a.push('orders', [{ id: 1, cust: 'x' }], T0);
    assert.deepEqual(outA, ['+I 1:3']);
    const state = JSON.parse(JSON.stringify(a.checkpoint())) as FlinkState;
    a.close();
    const b = FlinkApplication.compile(SQL);
    const outB = changes(b);
    b.restore(state);
    // The restored aggregate adds to the sum of 3, and the restored order is retracted and re-emitted.
    b.push('payments', [{ cust: 'x', paid: 4 }], T0 + 1000);
    assert.deepEqual(outB, ['-D 1:3', '+I 1:null', '-D 1:null', '+I 1:7']);
    b.close();
  });

  it("shows CREATE TABLE and CREATE VIEW in Flink's layout, and says which statement fits when the object is the other kind", () => {
    const script = planFlinkScript(`
      CREATE TABLE ticks (
        ticker STRING NOT NULL,
        price DECIMAL(10, 2),
        event_time TIMESTAMP(3),
        arrived TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
        cents AS CAST(price * 100 AS BIGINT),
        WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND,
        PRIMARY KEY (ticker) NOT ENFORCED
      ) WITH ('connector' = 'kinesis', 'stream' = 'ticks', 'format' = 'json');
      CREATE TEMPORARY VIEW big AS SELECT ticker, price FROM ticks WHERE price > 100;
      SHOW CREATE TABLE ticks;
      SHOW CREATE VIEW big;`);
    const shown = script.statements.filter((x) => x.kind === 'show').map((x) => x.text);
    assert.deepEqual(shown, [
      [
        'CREATE TABLE `default_catalog`.`default_database`.`ticks` (',
        '  `ticker` VARCHAR(2147483647) NOT NULL,',
        '  `price` DECIMAL(10, 2),',
        '  `event_time` TIMESTAMP(3),',
        "  `arrived` TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,",
        '  `cents` AS CAST(price * 100 AS BIGINT),',
        "  WATERMARK FOR `event_time` AS event_time - INTERVAL '5' SECOND,",
        '  CONSTRAINT `PK_-873960663` PRIMARY KEY (`ticker`) NOT ENFORCED',
        ')',
        'WITH (',
        "  'connector' = 'kinesis',",
        "  'stream' = 'ticks',",
        "  'format' = 'json'",
        ')',
      ].join('\n'),
      'CREATE TEMPORARY VIEW `default_catalog`.`default_database`.`big`(`ticker`, `price`) as\nSELECT ticker, price FROM ticks WHERE price > 100',
    ]);
    assert.throws(
      () => planFlinkScript(`CREATE TABLE t (a INT) WITH ('connector' = 'datagen');\nCREATE VIEW v AS SELECT a FROM t;\nSHOW CREATE TABLE v;`),
      (e: SqlError) =>
        e.line === 3 &&
        e.reason ===
          'SHOW CREATE TABLE is only supported for tables, but `default_catalog`.`default_database`.`v` is a view. Please use SHOW CREATE VIEW instead.',
    );
    assert.throws(
      () => planFlinkScript(`CREATE TABLE t (a INT) WITH ('connector' = 'datagen');\nSHOW CREATE VIEW t;`),
      (e: SqlError) =>
        e.reason ===
        'SHOW CREATE VIEW is only supported for views, but `default_catalog`.`default_database`.`t` is a table. Please use SHOW CREATE TABLE instead.',
    );
    assert.throws(
      () => planFlinkScript('SHOW CREATE TABLE nope;'),
      (e: SqlError) => e.reason === 'Could not execute SHOW CREATE TABLE. Table with identifier `default_catalog`.`default_database`.`nope` does not exist.',
    );
  });

  it('keeps the plan plain JSON (it can be stored and rebuilt)', () => {
    const plan = planFlinkScript(CRYPTO).plan;
    const rebuilt = new FlinkApplication(JSON.parse(JSON.stringify(plan)));
    const out = collect(rebuilt, 'totals');
    rebuilt.pushRecords('crypto', [rec(1, 'X', 1), rec(90, 'X', 1)], T0);
    assert.equal(out.length, 1);
  });

  it('reads SELECT results from a query stream (sql run), VALUES included', () => {
    const app = FlinkApplication.compile(`SELECT a * 2 AS twice, UPPER(b) AS up FROM (VALUES (1, 'x'), (2, 'y')) AS t (a, b);`);
    const [stream] = app.sinkNames();
    const rows: unknown[][] = [];
    app.onOutput(stream!, (r) => rows.push(...r.map((x) => x.slice(1))));
    app.advanceTime(T0);
    assert.deepEqual(rows, [
      [2, 'X'],
      [4, 'Y'],
    ]);
  });

  it('refuses a KDA plan and reports code errors as SqlError with a position', () => {
    assert.throws(
      () => FlinkApplication.compile("CREATE TABLE t (a INT) WITH ('connector' = 'datagen');\nSELECT b FROM t;"),
      (e: unknown) => e instanceof SqlError && e.line === 2 && e.column === 8,
    );
  });
  it('takes a batch watermark from its largest time less the delay, and drops a row without a time mid-batch with an error, keeping the rest', () => {
    const app = FlinkApplication.compile(`
CREATE TABLE bid (bidder INT, price DOUBLE, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND) WITH ('connector' = 'datagen');
CREATE TABLE t (n BIGINT, total DOUBLE, window_end TIMESTAMP(3)) WITH ('connector' = 'blackhole');
INSERT INTO t SELECT COUNT(*), SUM(price), window_end FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end;`);
    const out: unknown[][] = [];
    app.onOutput('t', (rows) => {
      for (const r of rows) out.push(r.slice(1));
    });
    const row = (price: number, sec: number | null): unknown[] => [0, 1, price, sec === null ? null : T0 + sec * 1000];
    // Out of order within the batch: the largest time (11 s) sets the watermark to 9 s, not the last row's (3 s).
    app.pushRows('bid', [row(1, 1), row(2, 11), row(4, 3)], T0);
    assert.equal(app.metrics().sources.bid!.watermark, T0 + 9000);
    assert.deepEqual(out, []);
    // A row without a time in the middle: reported and dropped; the rows before and after it count and move the watermark.
    app.pushRows('bid', [row(8, 5), row(16, null), row(32, 12)], T0 + 1);
    assert.equal(app.metrics().rowErrors, 1);
    assert.equal(app.metrics().recentErrors[0]!.errorName, 'NullRowtime');
    assert.equal(app.metrics().sources.bid!.rows, 5);
    assert.equal(app.metrics().sources.bid!.watermark, T0 + 10_000);
    assert.deepEqual(out, [[3, 13, T0 + 10_000]]);
    app.finish();
    assert.deepEqual(out[1], [2, 34, T0 + 20_000]);
    app.close();
  });

  it('counts open window groups and sessions as state while they are open, and none once they fire or merge', () => {
    const app = FlinkApplication.compile(`
CREATE TABLE bid (bidder INT, price DOUBLE, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '60' SECOND) WITH ('connector' = 'datagen');
CREATE TABLE s (bidder INT, n BIGINT, window_start TIMESTAMP(3), window_end TIMESTAMP(3)) WITH ('connector' = 'blackhole');
CREATE TABLE h (bidder INT, n BIGINT, window_start TIMESTAMP(3)) WITH ('connector' = 'blackhole');
INSERT INTO s SELECT bidder, COUNT(*), window_start, window_end
FROM TABLE(SESSION(TABLE bid PARTITION BY bidder, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY bidder, window_start, window_end;
INSERT INTO h SELECT bidder, COUNT(*), window_start
FROM TABLE(HOP(TABLE bid, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND)) GROUP BY bidder, window_start, window_end;`);
    const sessions: unknown[][] = [];
    app.onOutput('s', (rows) => {
      for (const r of rows) sessions.push(r.slice(1));
    });
    const row = (bidder: number, sec: number): unknown[] => [0, bidder, 1, T0 + sec * 1000];
    // bidder 1: two sessions (0 s and 30 s); bidder 2: one session (1 s); each row is in two HOP windows.
    app.pushRows('bid', [row(1, 0), row(2, 1), row(1, 30)], T0);
    // 3 sessions + HOP groups, kept per 5 s slice (a window's groups are its two slices' merged as it fires): [0,5) b1 b2, [30,35) b1 = 3.
    assert.equal(app.stateRows(), 3 + 3);
    // A row at 20 s for bidder 1 merges into its 30 s session (still 3 sessions) and opens the group of slice [20,25).
    app.pushRows('bid', [row(1, 20)], T0 + 1);
    assert.equal(app.stateRows(), 3 + 4);
    app.pushRows('bid', [row(3, 100)], T0 + 2);
    // The watermark (100 s − 60 s) fired everything ending by 40 s: bidder 3's session and its slice's group are left.
    assert.equal(app.stateRows(), 1 + 1);
    assert.deepEqual(
      sessions.map((r) => [r[0], r[1]]),
      [
        [1, 1],
        [2, 1],
        [1, 2],
      ],
    );
    app.finish();
    assert.equal(app.stateRows(), 0);
    app.close();
  });
  it('counts regular, semi and anti join state as it changes: the count equals the kept rows through inserts, retractions and TTL expiry', () => {
    const app = FlinkApplication.compile(`
SET 'table.exec.state.ttl' = '5 s';
CREATE TABLE a (k INT, v INT) WITH ('connector' = 'kinesis', 'stream' = 'a', 'format' = 'debezium-json');
CREATE TABLE b (k INT, w INT) WITH ('connector' = 'datagen');
CREATE TABLE j (k INT, v INT, w INT) WITH ('connector' = 'blackhole');
CREATE TABLE s (k INT, v INT) WITH ('connector' = 'blackhole');
CREATE TABLE n (k INT, v INT) WITH ('connector' = 'blackhole');
INSERT INTO j SELECT a.k, a.v, b.w FROM a LEFT JOIN b ON a.k = b.k;
INSERT INTO s SELECT k, v FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.k = a.k);
INSERT INTO n SELECT k, v FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.k = a.k);`);
    // Kept entries walked from the checkpoint: each join keeps [key, [[id, …], …]] per side.
    const walked = (): number => {
      let total = 0;
      for (const nodes of Object.values(app.checkpoint().pumps))
        for (const st of nodes) {
          const sides = st as { left?: unknown; right?: unknown } | null;
          if (!sides || !Array.isArray(sides.left) || !Array.isArray(sides.right)) continue;
          for (const side of [sides.left, sides.right] as [unknown, unknown[]][][]) for (const [, bucket] of side) total += bucket.length;
        }
      return total;
    };
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return (seed >>> 8) % n;
    };
    const held: { k: number; v: number }[] = [];
    let now = T0;
    let checks = 0;
    let expiries = 0;
    for (let step = 0; step < 300; step++) {
      now += 100 + rnd(400);
      const pick = rnd(10);
      if (pick < 4) {
        const row = { k: rnd(8), v: rnd(3) };
        held.push(row);
        app.pushChanges('a', [{ kind: '+I', row }], now);
      } else if (pick < 6 && held.length > 0) {
        const [row] = held.splice(rnd(held.length), 1);
        app.pushChanges('a', [{ kind: '-D', row: row! }], now);
      } else if (pick < 9) app.pushRows('b', [[0, rnd(8), rnd(2)]], now);
      else {
        // Past the TTL: every kept row expires.
        now += 6000;
        app.advanceTime(now);
        held.length = 0;
        expiries++;
      }
      const expected = walked();
      assert.equal(app.stateRows(), expected, `step ${step}`);
      if (expected > 0) checks++;
    }
    assert.ok(checks > 100 && expiries > 10, `state was held during most steps (${checks}) and expired ${expiries} times`);
    app.close();
  });
});
