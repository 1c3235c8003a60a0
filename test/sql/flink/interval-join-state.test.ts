/**
 * The interval join's kept rows (columnar, chained per key, int keys in a KeyIndex) checked against a
 * brute-force join of the same rows: out-of-order rows, keys that repeat, negative and large int keys,
 * text keys (kept apart from the int table), inner / LEFT / FULL joins, and a checkpoint taken half-way
 * and restored into a new job.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlinkApplication, type Row } from '../../../src/sql/index.ts';
import { KeyIndex } from '../../../src/sql/runtime/operators/key-index.ts';

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
      return x % m;
    };
    const pool: unknown[] = [null, 'a', '1', 0.5, -0, 2147483648, -2147483649];
    for (let i = 0; i < 3000; i++) pool.push(i * 7919 - 10_000_000);
    for (let i = 0; i < 100_000; i++) {
      const k = pool[rnd(pool.length)];
      const op = rnd(3);
      if (op === 0) {
        ki.set(k, i);
        ref.set(k, i);
      } else if (op === 1) {
        ki.delete(k);
        ref.delete(k);
      } else assert.equal(ki.get(k), ref.get(k) ?? -1, `key ${String(k)}`);
    }
    assert.equal(ki.size, ref.size);
    for (const k of pool) assert.equal(ki.get(k), ref.get(k) ?? -1);
    ki.clear();
    assert.equal(ki.size, 0);
    assert.equal(ki.get(pool[10]), -1);
  });
});
