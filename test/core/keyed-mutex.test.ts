import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedMutex } from '../../src/core/index.ts';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('KeyedMutex', () => {
  it('runs the calls for one key one at a time, in call order', async () => {
    const m = new KeyedMutex();
    const events: string[] = [];
    const gate = deferred();
    const a = m.run('s', async () => {
      events.push('a start');
      await gate.promise;
      events.push('a end');
      return 'A';
    });
    const b = m.run('s', async () => {
      events.push('b start');
      return 'B';
    });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(events, ['a start'], 'b waits for a');
    assert.equal(m.isHeld('s'), true);
    gate.resolve();
    assert.deepEqual(await Promise.all([a, b]), ['A', 'B']);
    assert.deepEqual(events, ['a start', 'a end', 'b start']);
  });

  it('lets different keys run at the same time', async () => {
    const m = new KeyedMutex();
    const gate = deferred();
    const started: string[] = [];
    const a = m.run('x', async () => {
      started.push('x');
      await gate.promise;
    });
    const b = m.run('y', async () => {
      started.push('y');
    });
    await b;
    assert.deepEqual(started, ['x', 'y']);
    gate.resolve();
    await a;
  });

  it('rejects only the failing call; the next one for the key still runs', async () => {
    const m = new KeyedMutex();
    const failed = m.run('k', async () => {
      throw new Error('boom');
    });
    const next = m.run('k', async () => 'ran');
    await assert.rejects(failed, /boom/);
    assert.equal(await next, 'ran');
  });

  it('starts a call asynchronously even when nothing is queued, and forgets keys once idle', async () => {
    const m = new KeyedMutex();
    let ran = false;
    const p = m.run('k', async () => {
      ran = true;
    });
    assert.equal(ran, false);
    await p;
    assert.equal(ran, true);
    await m.idle();
    await new Promise((r) => setImmediate(r));
    assert.equal(m.size, 0);
    assert.equal(m.isHeld('k'), false);
  });

  it('idle() waits for every queued call, failed ones included, without rejecting', async () => {
    const m = new KeyedMutex();
    const gate = deferred();
    let done = 0;
    void m
      .run('a', async () => {
        await gate.promise;
        done++;
      })
      .catch(() => {});
    m.run('b', async () => {
      throw new Error('x');
    }).catch(() => {
      done++;
    });
    const idle = m.idle();
    gate.resolve();
    await idle;
    assert.equal(done >= 1, true);
    await new Promise((r) => setImmediate(r));
    assert.equal(done, 2);
  });
});
