/**
 * Session windows (sessions in KeyedSlots, fired sessions reused) checked against a brute-force
 * sessionisation of the same rows: out-of-order rows that bridge sessions, int keys (negative, large),
 * text keys, a two-column key, and a checkpoint taken half-way and restored into a new job.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ColumnBatch, FlinkApplication, type Row } from '../../../src/sql/index.ts';

const T0 = Date.UTC(2021, 0, 31, 14, 0, 0);
const GAP = 2000;

const CODE = `
CREATE TABLE ev (k INT, s STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '60' SECOND) WITH ('connector' = 'datagen');
CREATE TABLE by_int (k INT, n BIGINT, total INT, ws TIMESTAMP(3), we TIMESTAMP(3)) WITH ('connector' = 'blackhole');
CREATE TABLE by_text (s STRING, n BIGINT, total INT, ws TIMESTAMP(3), we TIMESTAMP(3)) WITH ('connector' = 'blackhole');
CREATE TABLE by_both (k INT, s STRING, n BIGINT, total INT, ws TIMESTAMP(3), we TIMESTAMP(3)) WITH ('connector' = 'blackhole');
INSERT INTO by_int SELECT k, COUNT(*), SUM(v), window_start, window_end
FROM TABLE(SESSION(TABLE ev PARTITION BY k, DESCRIPTOR(ts), INTERVAL '2' SECOND)) GROUP BY k, window_start, window_end;
INSERT INTO by_text SELECT s, COUNT(*), SUM(v), window_start, window_end
FROM TABLE(SESSION(TABLE ev PARTITION BY s, DESCRIPTOR(ts), INTERVAL '2' SECOND)) GROUP BY s, window_start, window_end;
INSERT INTO by_both SELECT k, s, COUNT(*), SUM(v), window_start, window_end
FROM TABLE(SESSION(TABLE ev PARTITION BY k, s, DESCRIPTOR(ts), INTERVAL '2' SECOND)) GROUP BY k, s, window_start, window_end;`;

interface Ev {
  k: number;
  s: string;
  v: number;
  ts: number;
}

/** Per key, rows in time order; a row more than GAP after the previous one starts a new session. */
function sessions(evs: Ev[], keyOf: (e: Ev) => string): string[] {
  const byKey = new Map<string, Ev[]>();
  for (const e of evs) {
    const k = keyOf(e);
    const list = byKey.get(k);
    if (list) list.push(e);
    else byKey.set(k, [e]);
  }
  const out: string[] = [];
  for (const [k, list] of byKey) {
    list.sort((a, b) => a.ts - b.ts);
    let first = list[0]!;
    let last = first;
    let n = 0;
    let total = 0;
    const flush = (): void => {
      out.push(`${k}|${n}|${total}|${first.ts}|${last.ts + GAP}`);
    };
    for (const e of list) {
      if (n > 0 && e.ts - last.ts > GAP) {
        flush();
        first = e;
        n = 0;
        total = 0;
      }
      last = e;
      n++;
      total += e.v;
    }
    flush();
  }
  return out.sort();
}

describe('session window state', () => {
  // Rows: the row loop; columns: the columnar loop a Kinesis source's batches take (pushRecords → pushColumns).
  for (const feed of ['rows', 'columns'] as const)
    it(`closes and merges out-of-order sessions exactly like a brute-force sessionisation, across a checkpoint and restore (${feed})`, () => {
      let x = 42;
      const rnd = (m: number): number => {
        x = (x * 1103515245 + 12345) & 0x7fffffff;
        return x % m;
      };
      const keys = [-3, 0, 1, 7, 2147483647, -2147483648, 99999];
      for (let i = 0; i < 60; i++) keys.push(rnd(100_000) - 50_000);
      const evs: Ev[] = [];
      // 20 rows a second for 200 s, each up to 3 s early or late: sessions start, bridge and close all along.
      for (let i = 0; i < 4000; i++) {
        const k = keys[rnd(keys.length)]!;
        evs.push({ k, s: `s${rnd(40)}`, v: rnd(100), ts: T0 + i * 50 + rnd(6000) - 3000 + (i > 2000 ? 15_000 : 0) });
      }
      const got: Record<string, string[]> = { by_int: [], by_text: [], by_both: [] };
      const listen = (app: FlinkApplication): void => {
        for (const sink of Object.keys(got))
          app.onOutput(sink, (rows) => {
            for (const r of rows) got[sink]!.push(r.slice(1).join('|'));
          });
      };
      let app = FlinkApplication.compile(CODE);
      listen(app);
      const B = 40;
      for (let i = 0; i < evs.length; i += B) {
        if (i === 2000) {
          const state = JSON.parse(JSON.stringify(app.checkpoint()));
          app.close();
          app = FlinkApplication.compile(CODE);
          listen(app);
          app.restore(state);
        }
        const rows = evs.slice(i, i + B).map((e): Row => [0, e.k, e.s, e.v, e.ts]);
        if (feed === 'rows') app.pushRows('ev', rows, T0 + i * 50);
        else app.pushColumns('ev', ColumnBatch.fromRows(rows, 5), T0 + i * 50);
      }
      app.finish();
      assert.equal(app.stateRows(), 0);
      app.close();
      const byInt = sessions(evs, (e) => String(e.k));
      assert.ok(byInt.length > 1000, `many sessions (${byInt.length})`);
      assert.deepEqual(got.by_int!.sort(), byInt);
      assert.deepEqual(
        got.by_text!.sort(),
        sessions(evs, (e) => e.s),
      );
      assert.deepEqual(
        got.by_both!.sort(),
        sessions(evs, (e) => `${e.k}|${e.s}`),
      );
    });
});
