/**
 * HOP windows by event time with mergeable aggregates are sliced (a row updates one slide-sized slice;
 * a window's groups are its slices' merged when it fires). Checked against the same query kept per whole
 * window (a FIRST_VALUE among the aggregates keeps the operator unsliced) on random input: out-of-order and
 * late rows, NULL values and NULL keys, several jobs at once, a checkpoint restored half-way, and a
 * checkpoint of whole windows (taken before slicing) restored into a sliced job.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlinkApplication, type FlinkState, type Row } from '../../../src/sql/index.ts';

const T0 = Date.UTC(2021, 0, 31, 14, 0, 0);

const AGGS = 'COUNT(*), COUNT(v), SUM(v), MIN(v), MAX(v), AVG(v), COUNT(DISTINCT v)';
const CODE = `
CREATE TABLE ev (k INT, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '3' SECOND) WITH ('connector' = 'datagen');
CREATE TABLE sliced (k INT, ws TIMESTAMP(3), we TIMESTAMP(3), n BIGINT, nv BIGINT, total INT, lo INT, hi INT, mean INT, d BIGINT)
  WITH ('connector' = 'blackhole');
CREATE TABLE whole (k INT, ws TIMESTAMP(3), we TIMESTAMP(3), n BIGINT, nv BIGINT, total INT, lo INT, hi INT, mean INT, d BIGINT, f INT)
  WITH ('connector' = 'blackhole');
CREATE TABLE sliced_all (ws TIMESTAMP(3), n BIGINT, total INT) WITH ('connector' = 'blackhole');
CREATE TABLE whole_all (ws TIMESTAMP(3), n BIGINT, total INT, f INT) WITH ('connector' = 'blackhole');
INSERT INTO sliced SELECT k, window_start, window_end, ${AGGS}
FROM TABLE(HOP(TABLE ev, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '6' SECOND)) GROUP BY k, window_start, window_end;
INSERT INTO whole SELECT k, window_start, window_end, ${AGGS}, FIRST_VALUE(v)
FROM TABLE(HOP(TABLE ev, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '6' SECOND)) GROUP BY k, window_start, window_end;
INSERT INTO sliced_all SELECT window_start, COUNT(*), SUM(v)
FROM TABLE(HOP(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' SECOND, INTERVAL '4' SECOND)) GROUP BY window_start, window_end;
INSERT INTO whole_all SELECT window_start, COUNT(*), SUM(v), FIRST_VALUE(v)
FROM TABLE(HOP(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' SECOND, INTERVAL '4' SECOND)) GROUP BY window_start, window_end;`;

function rng(seed: number): (n: number) => number {
  let x = seed >>> 0;
  return (n) => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return (x >>> 8) % n;
  };
}

/** Batches of rows [_, k, v, ts]: time mostly moving forward, some rows seconds behind (late or not), NULL values and keys. */
function input(seed: number, batches: number): Row[][] {
  const rnd = rng(seed);
  const out: Row[][] = [];
  let t = T0;
  for (let b = 0; b < batches; b++) {
    const batch: Row[] = [];
    const n = 1 + rnd(30);
    for (let i = 0; i < n; i++) {
      t += rnd(120);
      const ts = rnd(10) === 0 ? t - rnd(8000) : t;
      batch.push([0, rnd(12) === 0 ? null : rnd(6) - 2, rnd(9) === 0 ? null : rnd(50) - 10, ts]);
    }
    out.push(batch);
  }
  return out;
}

interface Outputs {
  sliced: string[];
  whole: string[];
  slicedAll: string[];
  wholeAll: string[];
}

function listen(app: FlinkApplication, into: Outputs): void {
  const take = (sink: string, list: string[], width: number): void => {
    app.onOutput(sink, (rows) => {
      for (const r of rows) list.push(JSON.stringify(r.slice(1, 1 + width)));
    });
  };
  take('sliced', into.sliced, 10);
  take('whole', into.whole, 10);
  take('sliced_all', into.slicedAll, 3);
  take('whole_all', into.wholeAll, 3);
}

const outputs = (): Outputs => ({ sliced: [], whole: [], slicedAll: [], wholeAll: [] });
const sorted = (xs: string[]): string[] => [...xs].sort();

function feed(app: FlinkApplication, batches: Row[][], from: number, to: number): void {
  for (let b = from; b < to; b++) {
    const rows = batches[b]!.map((r) => r.slice());
    app.pushRows('ev', rows, T0 + b);
  }
}

describe('sliced HOP windows', () => {
  it('give the same groups as whole windows on random input with late rows, NULLs and a checkpoint restored half-way', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const batches = input(seed, 60);
      const out = outputs();
      const app = FlinkApplication.compile(CODE);
      listen(app, out);
      feed(app, batches, 0, 30);
      const state = JSON.parse(JSON.stringify(app.checkpoint())) as FlinkState;
      app.close();
      const resumed = FlinkApplication.compile(CODE);
      resumed.restore(state);
      listen(resumed, out);
      feed(resumed, batches, 30, batches.length);
      const late = resumed.metrics().lateRowsDropped;
      resumed.finish();
      resumed.close();
      assert.ok(out.sliced.length > 50, `seed ${seed}: windows fired (${out.sliced.length})`);
      assert.ok(late > 0, `seed ${seed}: some rows were late`);
      assert.deepEqual(sorted(out.sliced), sorted(out.whole), `seed ${seed}: per key`);
      assert.deepEqual(sorted(out.slicedAll), sorted(out.wholeAll), `seed ${seed}: no key`);
      // In time order the two come out in the same order too.
      assert.deepEqual(
        out.sliced.map((r) => JSON.parse(r)[1]),
        out.whole.map((r) => JSON.parse(r)[1]),
      );
    }
  });

  it('restores a checkpoint of whole windows (taken before slicing) and merges them into the windows as they fire', () => {
    const code = `
CREATE TABLE ev (k INT, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '3' SECOND) WITH ('connector' = 'datagen');
CREATE TABLE o (k INT, ws TIMESTAMP(3), n BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO o SELECT k, window_start, COUNT(*) FROM TABLE(HOP(TABLE ev, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '6' SECOND))
GROUP BY k, window_start, window_end;`;
    const batches = input(9, 60);
    const collect = (app: FlinkApplication, into: string[]): void => {
      app.onOutput('o', (rows) => {
        for (const r of rows) into.push(JSON.stringify(r.slice(1, 4)));
      });
    };
    const straight: string[] = [];
    const a = FlinkApplication.compile(code);
    collect(a, straight);
    feed(a, batches, 0, batches.length);
    a.finish();
    a.close();

    const resumed: string[] = [];
    const b = FlinkApplication.compile(code);
    collect(b, resumed);
    feed(b, batches, 0, 30);
    const state = JSON.parse(JSON.stringify(b.checkpoint())) as FlinkState;
    b.close();
    // Rewrite the window operator's slices as the whole windows an unsliced operator kept: each pending
    // window's COUNT is the sum of its three slices' counts.
    const nodes = Object.values(state.pumps)[0]!;
    const i = nodes.findIndex((n) => n !== null && typeof n === 'object' && 'sliced' in n);
    assert.ok(i >= 0, 'the HOP operator is sliced');
    const op = nodes[i] as { wm: number | null; windows: [number, number, [unknown, unknown[], unknown[]][]][]; hopEnds: number[]; sliced?: boolean };
    const whole: [number, number, [unknown, unknown[], unknown[]][]][] = [];
    for (const end of op.hopEnds) {
      const groups = new Map<unknown, [unknown, unknown[], unknown[]]>();
      for (const [start, sliceEnd, gs] of op.windows) {
        if (start < end - 6000 || sliceEnd > end) continue;
        for (const [k, keys, acc] of gs) {
          const g = groups.get(k);
          if (g) (g[2] as number[])[0]! += acc[0] as number;
          else groups.set(k, [k, keys, [acc[0]]]);
        }
      }
      whole.push([end - 6000, end, [...groups.values()]]);
    }
    nodes[i] = { wm: op.wm, windows: whole, sessions: [] };
    const c = FlinkApplication.compile(code);
    c.restore(state);
    collect(c, resumed);
    feed(c, batches, 30, batches.length);
    c.finish();
    c.close();
    assert.ok(straight.length > 50);
    assert.deepEqual(sorted(resumed), sorted(straight));
  });
});
