/** The routing MD5 (src/kinesis/md5.ts) against node:crypto, byte for byte. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hash, randomBytes } from 'node:crypto';
import { md5Into, md5OfString } from '../../src/kinesis/md5.ts';

test('md5Into equals node:crypto for every length from 0 to 1,100 bytes, at any offset', () => {
  const out = new Uint8Array(16);
  const src = randomBytes(1200);
  for (let n = 0; n <= 1100; n++) {
    const start = n % 7;
    md5Into(src, start, start + n, out);
    assert.equal(Buffer.from(out).toString('hex'), hash('md5', src.subarray(start, start + n), 'hex'), `length ${n}`);
  }
});

test('md5OfString hashes the UTF-8 bytes of ASCII and non-ASCII keys', () => {
  const out = new Uint8Array(16);
  for (const key of [
    '',
    'a',
    'pk-00000001',
    'x'.repeat(55),
    'y'.repeat(56),
    'z'.repeat(64),
    'w'.repeat(256),
    'naïve',
    'ключ',
    '😀 emoji',
    'mixed-ü-'.repeat(40),
  ]) {
    md5OfString(key, out);
    assert.equal(Buffer.from(out).toString('hex'), hash('md5', key, 'hex'), key);
  }
});
