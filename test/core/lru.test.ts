import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LruCache } from '../../src/core/index.ts';

describe('LruCache', () => {
  it('never holds more than maxEntries however many distinct keys go in', () => {
    const c = new LruCache<string, number>(100);
    for (let i = 0; i < 10_000; i++) {
      c.set(`k${i}`, i);
      assert.ok(c.size <= 100);
    }
    assert.equal(c.get('k9999'), 9999);
    assert.equal(c.get('k0'), undefined, 'the oldest entries are gone');
  });

  it('keeps an entry that is used while others come and go', () => {
    const c = new LruCache<string, number>(10);
    c.set('hot', 1);
    for (let i = 0; i < 1000; i++) {
      c.set(`cold${i}`, i);
      if (i % 4 === 0) assert.equal(c.get('hot'), 1, `hot survives insertion ${i}`);
    }
  });

  it('evicts the least recently used first: an entry untouched for maxEntries insertions is gone', () => {
    const c = new LruCache<number, string>(8);
    for (let i = 0; i < 8; i++) c.set(i, `v${i}`);
    assert.equal(c.get(7), 'v7');
    for (let i = 100; i < 108; i++) c.set(i, 'x');
    assert.equal(c.has(0), false);
    assert.equal(c.size <= 8, true);
  });

  it('getOrCreate computes once per key while the key is held', () => {
    const c = new LruCache<string, RegExp>(4);
    let made = 0;
    const make = (p: string) => {
      made++;
      return new RegExp(p);
    };
    const a = c.getOrCreate('a+', make);
    assert.equal(c.getOrCreate('a+', make), a);
    assert.equal(made, 1);
  });

  it('replaces a value, deletes and clears', () => {
    const c = new LruCache<string, number>(4);
    c.set('a', 1);
    c.set('a', 2);
    assert.equal(c.get('a'), 2);
    assert.equal(c.size, 1);
    assert.equal(c.delete('a'), true);
    assert.equal(c.get('a'), undefined);
    c.set('b', 1);
    c.clear();
    assert.equal(c.size, 0);
  });

  it('refuses a capacity below 2', () => {
    assert.throws(() => new LruCache(1), RangeError);
  });
});
