/**
 * The interval join's kept rows (columnar, chained per key, int keys in a KeyIndex) checked against a
 * brute-force join of the same rows: out-of-order rows, keys that repeat, negative and large int keys,
 * text keys (kept apart from the int table), inner / LEFT / FULL joins, and a checkpoint taken half-way
 * and restored into a new job.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlinkApplication, type Row } from '../../../src/sql/index.ts';
import { TimerQueue } from '../../../src/sql/runtime/operators/flink-common.ts';
import { KeyedSlots, KeyIndex } from '../../../src/sql/runtime/operators/key-index.ts';

const T0 = Date.UTC(2021, 0, 31, 14, 0, 0);
const LOWER = -3000;
const UPPER = 2000;

const CODE = `
CREATE TABLE l (k INT, s STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '30' SECOND) WITH ('connector' = 'datagen');
CREATE TABLE r (k INT, s STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '30' SECOND) WITH ('connector' = 'datagen');
CREATE TABLE inner_int (lv INT, rv INT) WITH ('connector' = 'blackhole');
CREATE TABLE left_text (lv INT, rv INT) WITH ('connector' = 'blackhole');
CREATE TABLE full_int (lv INT, rv INT) WITH ('connector' = 'blackhole');
INSERT INTO inner_int SELECT a.v, b.v FROM l a JOIN r b
  ON a.k = b.k AND b.ts BETWEEN a.ts - INTERVAL '3' SECOND AND a.ts + INTERVAL '2' SECOND;
INSERT INTO left_text SELECT a.v, b.v FROM l a LEFT JOIN r b
  ON a.s = b.s AND b.ts BETWEEN a.ts - INTERVAL '3' SECOND AND a.ts + INTERVAL '2' SECOND;
INSERT INTO full_int SELECT a.v, b.v FROM l a FULL OUTER JOIN r b
  ON a.k = b.k AND b.ts BETWEEN a.ts - INTERVAL '3' SECOND AND a.ts + INTERVAL '2' SECOND;`;

interface Ev {
  k: number;
  s: string;
  v: number;
  ts: number;
}

function events(n: number, seed: number, vBase: number): Ev[] {
  let x = seed;
  const rnd = (m: number): number => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % m;
  };
  const keys = [-7, -1, 0, 1, 2, 3, 5, 8, 13, 2147483647, -2147483648, 40000];
  const out: Ev[] = [];
  for (let i = 0; i < n; i++) {
    const k = keys[rnd(keys.length)]!;
    // 10 rows a second, each up to 5 s out of order (well inside the 30 s watermark delay: none is late).
    out.push({ k, s: `s${((k % 5) + 5) % 5}`, v: vBase + i, ts: T0 + i * 100 + rnd(5000) });
  }
  return out;
}

function expected(ls: Ev[], rs: Ev[], on: (a: Ev, b: Ev) => boolean, left: boolean, right: boolean): string[] {
  const out: string[] = [];
  const rMatched = new Set<Ev>();
  for (const a of ls) {
    let met = false;
    for (const b of rs) {
      const d = b.ts - a.ts;
      if (!on(a, b) || d < LOWER || d > UPPER) continue;
      met = true;
      rMatched.add(b);
      out.push(`${a.v},${b.v}`);
    }
    if (!met && left) out.push(`${a.v},null`);
  }
  if (right) for (const b of rs) if (!rMatched.has(b)) out.push(`null,${b.v}`);
  return out.sort();
}

describe('interval join state', () => {
  it('joins out-of-order rows on int and text keys exactly like a brute-force join, across a checkpoint and restore', () => {
    const ls = events(1500, 7, 0);
    const rs = events(1500, 99, 100_000);
    const got: Record<string, string[]> = { inner_int: [], left_text: [], full_int: [] };
    const listen = (app: FlinkApplication): void => {
      for (const sink of Object.keys(got)) app.onOutput(sink, (rows) => got[sink]!.push(...rows.map((x) => `${x[1]},${x[2]}`)));
    };
    let app = FlinkApplication.compile(CODE);
    listen(app);
    const row = (e: Ev): Row => [0, e.k, e.s, e.v, e.ts];
    const B = 25;
    for (let i = 0; i < ls.length; i += B) {
      if (i === 750) {
        // Half-way: the state moves to a new job through a checkpoint (as JSON, as it is stored).
        const state = JSON.parse(JSON.stringify(app.checkpoint()));
        app.close();
        app = FlinkApplication.compile(CODE);
        listen(app);
        app.restore(state);
      }
      const now = T0 + i * 100;
      app.pushRows('l', ls.slice(i, i + B).map(row), now);
      app.pushRows('r', rs.slice(i, i + B).map(row), now);
    }
    app.finish();
    app.close();
    assert.deepEqual(
      got.inner_int!.sort(),
      expected(ls, rs, (a, b) => a.k === b.k, false, false),
    );
    assert.ok(got.inner_int!.length > 1000, `a join with many matches (${got.inner_int!.length})`);
    assert.deepEqual(
      got.left_text!.sort(),
      expected(ls, rs, (a, b) => a.s === b.s, true, false),
    );
    assert.deepEqual(
      got.full_int!.sort(),
      expected(ls, rs, (a, b) => a.k === b.k, true, true),
    );
    assert.ok(got.full_int!.some((x) => x.startsWith('null,')) && got.full_int!.some((x) => x.endsWith(',null')), 'unmatched rows on both sides');
  });

  it('keeps no rows once the watermark has passed every row', () => {
    const app = FlinkApplication.compile(CODE);
    app.pushRows(
      'l',
      events(200, 3, 0).map((e) => [0, e.k, e.s, e.v, e.ts]),
      T0,
    );
    app.pushRows(
      'r',
      events(200, 4, 1000).map((e) => [0, e.k, e.s, e.v, e.ts]),
      T0,
    );
    assert.ok(app.stateRows() >= 400 * 3, `every row kept by each of the three joins (${app.stateRows()})`);
    app.finish();
    assert.equal(app.stateRows(), 0);
    app.close();
  });
});

describe('KeyIndex', () => {
  it('agrees with a Map under random sets and deletes of int, fractional, text and NULL keys, through growth', () => {
    const ki = new KeyIndex(4);
    const ref = new Map<unknown, number>();
    let x = 1;
    const rnd = (m: number): number => {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      return (x >>> 12) % m;
    };
    const pool: unknown[] = [null, 'a', '1', 0.5, -0, 2147483648, -2147483649];
    for (let i = 0; i < 3000; i++) pool.push(i * 7919 - 10_000_000);
    for (let i = 0; i < 100_000; i++) {
      const k = pool[rnd(pool.length)];
      const op = rnd(5);
      if (op === 0) {
        ki.set(k, i);
        ref.set(k, i);
      } else if (op === 1) {
        ki.delete(k);
        ref.delete(k);
      } else if (op === 2) {
        assert.equal(ki.remove(k), ref.get(k) ?? -1, `removed key ${String(k)}`);
        ref.delete(k);
      } else if (op === 3) {
        assert.equal(ki.swap(k, i), ref.get(k) ?? -1, `swapped key ${String(k)}`);
        ref.set(k, i);
      } else assert.equal(ki.get(k), ref.get(k) ?? -1, `key ${String(k)}`);
    }
    assert.equal(ki.size, ref.size);
    for (const k of pool) assert.equal(ki.get(k), ref.get(k) ?? -1);
    ki.clear();
    assert.equal(ki.size, 0);
    assert.equal(ki.get(pool[10]), -1);
  });
});

describe('KeyedSlots', () => {
  it('deletes a key only when it holds the given value, and agrees with a Map throughout', () => {
    const ks = new KeyedSlots<{ id: number }>();
    const ref = new Map<unknown, { id: number }>();
    let x = 3;
    const rnd = (m: number): number => {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      return (x >>> 12) % m;
    };
    const objs = Array.from({ length: 50 }, (_, id) => ({ id }));
    for (let i = 0; i < 50_000; i++) {
      const k = rnd(5) === 0 ? `t${rnd(40)}` : rnd(400) - 200;
      const v = objs[rnd(objs.length)]!;
      const op = rnd(4);
      if (op === 0) {
        ks.set(k, v);
        ref.set(k, v);
      } else if (op === 1) {
        // Half the time the value it holds (deleted), half the time another one (kept).
        const cur = ref.get(k);
        const w = cur !== undefined && rnd(2) === 0 ? cur : v;
        assert.equal(ks.deleteIf(k, w), cur);
        if (cur === w) ref.delete(k);
      } else if (op === 2) {
        ks.delete(k);
        ref.delete(k);
      }
      assert.equal(ks.get(k), ref.get(k));
    }
    assert.equal(ks.size, ref.size);
    assert.equal(ks.values().length, ref.size);
  });
});

describe('TimerQueue', () => {
  it('pops timers in due order, ties in push order, like a stably sorted list, through in-place moves and growth', () => {
    const q = new TimerQueue<number>();
    let ref: { p: number; v: number }[] = [];
    let x = 7;
    const rnd = (m: number): number => {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      return (x >>> 12) % m;
    };
    let now = 0;
    for (let i = 0; i < 60_000; i++) {
      const op = rnd(10);
      if (op < 6) {
        // Mostly in time order, some earlier (out of order), some ties.
        now += rnd(3);
        const p = rnd(8) === 0 ? now - rnd(50) : now;
        q.push(p, i);
        let j = ref.length;
        while (j > 0 && ref[j - 1]!.p > p) j--;
        ref.splice(j, 0, { p, v: i });
      } else if (op < 9 || ref.length > 5000) {
        assert.equal(q.peek(), ref.length > 0 ? ref[0]!.p : Infinity);
        assert.equal(q.pop(), ref.shift()?.v);
      } else {
        // Drain everything due (as a watermark would).
        const w = now - rnd(20);
        while (q.size > 0 && q.peek() <= w) assert.equal(q.pop(), ref.shift()!.v);
        assert.ok(ref.length === 0 || ref[0]!.p > w);
      }
      assert.equal(q.size, ref.length);
    }
    while (ref.length > 0) assert.equal(q.pop(), ref.shift()!.v);
    assert.equal(q.pop(), undefined);
    assert.equal(q.peek(), Infinity);
    q.push(5, 1);
    q.clear();
    assert.equal(q.size, 0);
    ref = [];
  });
});
