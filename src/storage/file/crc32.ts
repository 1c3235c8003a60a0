/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320 — the one zlib, gzip and
 * PNG use) over byte ranges. Frames carry it so recovery can tell a torn or
 * corrupted tail from good data.
 *
 * Two implementations with identical results: Node's native `zlib.crc32`
 * (added in Node 20.15 / 22.2) when present, otherwise a table-driven
 * slicing-by-8 in JS (8 lookup tables, 8 bytes per step). The choice is made
 * once at module load, not per call.
 */
import * as zlib from 'node:zlib';

const TABLES = buildTables();

function buildTables(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
}

/** Table-driven CRC-32 of `buf[start, end)`, continuing from `crc` (0 to start). */
// hot path
export function crc32Js(buf: Uint8Array, start: number, end: number, crc = 0): number {
  const t = TABLES;
  let c = ~crc;
  let i = start;
  const end8 = end - ((end - start) & 7);
  while (i < end8) {
    const lo = c ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24));
    const hi = buf[i + 4]! | (buf[i + 5]! << 8) | (buf[i + 6]! << 16) | (buf[i + 7]! << 24);
    c =
      t[1792 + (lo & 0xff)]! ^
      t[1536 + ((lo >>> 8) & 0xff)]! ^
      t[1280 + ((lo >>> 16) & 0xff)]! ^
      t[1024 + (lo >>> 24)]! ^
      t[768 + (hi & 0xff)]! ^
      t[512 + ((hi >>> 8) & 0xff)]! ^
      t[256 + ((hi >>> 16) & 0xff)]! ^
      t[hi >>> 24]!;
    i += 8;
  }
  while (i < end) c = t[(c ^ buf[i++]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

type NativeCrc = (data: Uint8Array, value?: number) => number;
const native: NativeCrc | undefined = (zlib as unknown as { crc32?: NativeCrc }).crc32;

function crc32Native(buf: Uint8Array, start: number, end: number, crc = 0): number {
  // Below ~256 bytes the JS tables beat crossing into C++ with a subarray (measured: 100 B frames 850 MB/s JS vs 340 MB/s native; 1 KiB 910 vs 2000).
  if (end - start < 256) return crc32Js(buf, start, end, crc);
  return native!(buf.subarray(start, end), crc);
}

/** CRC-32 of `buf[start, end)`: native when the runtime has it, else the JS tables. */
export const crc32: (buf: Uint8Array, start: number, end: number, crc?: number) => number = native ? crc32Native : crc32Js;
export const crc32Implementation: 'native' | 'js' = native ? 'native' : 'js';

/** CRC-32 of all of `data`, continuing from `crc`; native for long inputs without making a subarray. */
// hot path
export function crc32Of(data: Uint8Array, crc: number): number {
  return native !== undefined && data.length >= 256 ? native(data, crc) : crc32Js(data, 0, data.length, crc);
}
