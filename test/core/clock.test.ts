import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, retry } from '../../src/core/index.ts';

describe('ManualClock', () => {
  it('fires timers in due order only when advanced past them', () => {
    const clock = new ManualClock(1000);
    const fired: string[] = [];
    clock.setTimer(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimer(() => fired.push(`a@${clock.now()}`), 10);
    const c = clock.setTimer(() => fired.push('cancelled'), 15);
    c.cancel();
    clock.advance(5);
    assert.deepEqual(fired, []);
    clock.advance(100);
    assert.deepEqual(fired, ['a@1010', 'b@1020']);
    assert.equal(clock.now(), 1105);
  });

  it('fires timers scheduled by timers within the same advance', () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    clock.setTimer(() => {
      fired.push(clock.now());
      clock.setTimer(() => fired.push(clock.now()), 10);
    }, 10);
    clock.advance(25);
    assert.deepEqual(fired, [10, 20]);
  });
});

describe('retry', () => {
  it('retries retryable errors with growing delays and gives up on others', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await retry(
      async () => {
        if (++calls < 4) throw new Error('flaky');
        return 'ok';
      },
      {
        initialDelayMs: 100,
        maxDelayMs: 1000,
        maxElapsedMs: 60_000,
        jitter: 0,
        isRetryable: () => true,
        sleep: async (ms) => {
          delays.push(ms);
        },
        now: () => 0,
      },
    );
    assert.equal(result, 'ok');
    assert.deepEqual(delays, [100, 200, 400]);
    await assert.rejects(
      retry(
        async () => {
          throw new Error('fatal');
        },
        {
          initialDelayMs: 1,
          maxDelayMs: 1,
          maxElapsedMs: 1000,
          jitter: 0,
          isRetryable: () => false,
        },
      ),
      /fatal/,
    );
  });
});
