/**
 * Partition key → shard routing, as AWS does it: MD5 of the key's UTF-8 bytes
 * read as a 128-bit unsigned big-endian integer, routed to the shard whose
 * HashKeyRange holds it. Shard start keys are kept as 16-byte big-endian
 * buffers so routing is a few native Buffer compares, no BigInt per record.
 */
import { md5OfString } from './md5.ts';

export const HASH_SPACE = 1n << 128n;

export interface HashKeyRange {
  startingHashKey: bigint;
  endingHashKey: bigint;
}

/** Splits the hash space evenly over `count` shards (the last one takes the remainder), as CreateStream does. */
export function evenHashKeyRanges(count: number): HashKeyRange[] {
  const step = HASH_SPACE / BigInt(count);
  const out: HashKeyRange[] = [];
  for (let i = 0; i < count; i++) {
    const start = step * BigInt(i);
    const end = (i < count - 1 ? step * BigInt(i + 1) : HASH_SPACE) - 1n;
    out.push({ startingHashKey: start, endingHashKey: end });
  }
  return out;
}

export function hashKeyToBuffer(key: bigint): Buffer {
  const b = Buffer.alloc(16);
  b.writeBigUInt64BE(key >> 64n, 0);
  b.writeBigUInt64BE(key & 0xffffffffffffffffn, 8);
  return b;
}

export function bufferToHashKey(b: Uint8Array): bigint {
  const buf = Buffer.from(b.buffer, b.byteOffset, 16);
  return (buf.readBigUInt64BE(0) << 64n) | buf.readBigUInt64BE(8);
}

/** hot path: MD5 of the partition key as a 16-byte big-endian hash key. */
export function partitionKeyHash(partitionKey: string): Buffer {
  const out = Buffer.allocUnsafe(16);
  md5OfString(partitionKey, out);
  return out;
}

/**
 * hot path: index of the shard whose range holds `hashKey` (16 bytes, big-endian).
 * `startKeys` are the shards' starting hash keys, ascending, the first being 0.
 */
export function routeHashKey(hashKey: Uint8Array, startKeys: readonly Buffer[]): number {
  let lo = 0;
  let hi = startKeys.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (startKeys[mid]!.compare(hashKey) <= 0) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
