import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crc32, crc32Js, crc32Of } from '../../src/storage/file/crc32.ts';

describe('crc32', () => {
  it('matches the CRC-32 check value and agrees across implementations, ranges and continuation', () => {
    assert.equal(crc32Js(Buffer.from('123456789'), 0, 9), 0xcbf43926);
    const buf = Buffer.alloc(5000);
    for (let i = 0; i < buf.length; i++) buf[i] = (i * 7919 + 13) & 0xff;
    for (const [start, end] of [
      [0, 0],
      [0, 1],
      [3, 11],
      [0, 255],
      [1, 257],
      [17, 4999],
      [0, 5000],
    ] as const) {
      const whole = crc32Js(buf, start, end);
      assert.equal(crc32(buf, start, end), whole, `[${start}, ${end})`);
      for (const cut of [start, Math.floor((start + end) / 2), end]) {
        const head = crc32Js(buf, start, cut);
        assert.equal(crc32Js(buf, cut, end, head), whole, `JS continuation at ${cut}`);
        assert.equal(crc32Of(buf.subarray(cut, end), head), whole, `crc32Of continuation at ${cut}`);
      }
    }
  });
});
