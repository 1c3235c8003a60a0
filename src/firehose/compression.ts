/**
 * Object compression as Firehose writes it (CompressionFormat):
 * - GZIP: one gzip member (RFC 1952), extension `.gz`.
 * - ZIP: a zip archive holding one entry, extension `.zip`.
 * - Snappy: the Snappy *framing* format (google/snappy framing_format.txt:
 *   stream identifier chunk, then compressed chunks of ≤ 64 KiB input, each
 *   with a masked CRC-32C of the uncompressed bytes), extension `.snappy`.
 * - HADOOP_SNAPPY: Hadoop's BlockCompressorStream layout (4-byte big-endian
 *   uncompressed block length, then 4-byte big-endian compressed length +
 *   raw snappy data), extension `.snappy`.
 */
import { gzip, gzipSync, gunzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// The ZIP and Snappy libraries load with the first object in their format (~40 ms of start-up otherwise).
interface Snappy {
  compress(b: Uint8Array): Uint8Array;
  uncompress(b: Uint8Array): Uint8Array;
}
let snappyLib: Snappy | undefined;
const snappy = (): Snappy => (snappyLib ??= require('snappyjs') as Snappy);
let fflateLib: typeof import('fflate') | undefined;
const fflate = (): typeof import('fflate') => (fflateLib ??= require('fflate') as typeof import('fflate'));

export const COMPRESSION_FORMATS = ['UNCOMPRESSED', 'GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY'] as const;
export type CompressionFormat = (typeof COMPRESSION_FORMATS)[number];

export function extensionFor(format: CompressionFormat): string {
  switch (format) {
    case 'GZIP':
      return '.gz';
    case 'ZIP':
      return '.zip';
    case 'Snappy':
    case 'HADOOP_SNAPPY':
      return '.snappy';
    default:
      return '';
  }
}

// CRC-32C (Castagnoli), table-driven.
const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32c(data: Uint8Array, start = 0, end = data.length): number {
  let crc = 0xffffffff;
  // hot path: byte loop over object bodies
  for (let i = start; i < end; i++) crc = CRC32C_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function maskedCrc(data: Uint8Array, start: number, end: number): number {
  const c = crc32c(data, start, end);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

const FRAME_CHUNK = 65536;
const STREAM_ID = Uint8Array.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]);

export function snappyFrame(data: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [STREAM_ID];
  let total = STREAM_ID.length;
  for (let off = 0; off < data.length; off += FRAME_CHUNK) {
    const end = Math.min(data.length, off + FRAME_CHUNK);
    const slice = data.subarray(off, end);
    const compressed = snappy().compress(slice);
    const useRaw = compressed.length >= slice.length;
    const payload = useRaw ? slice : compressed;
    const header = new Uint8Array(8);
    const len = payload.length + 4;
    header[0] = useRaw ? 0x01 : 0x00;
    header[1] = len & 0xff;
    header[2] = (len >>> 8) & 0xff;
    header[3] = (len >>> 16) & 0xff;
    new DataView(header.buffer).setUint32(4, maskedCrc(data, off, end), true);
    parts.push(header, payload);
    total += 8 + payload.length;
  }
  return concat(parts, total);
}

export function snappyUnframe(data: Uint8Array): Uint8Array {
  const out: Uint8Array[] = [];
  let total = 0;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let off = 0; off < data.length; ) {
    const type = data[off]!;
    const len = data[off + 1]! | (data[off + 2]! << 8) | (data[off + 3]! << 16);
    const body = data.subarray(off + 4, off + 4 + len);
    if (type === 0x00 || type === 0x01) {
      const chunk = type === 0x00 ? snappy().uncompress(body.subarray(4)) : body.subarray(4);
      if (maskedCrc(chunk, 0, chunk.length) !== dv.getUint32(off + 4, true)) throw new Error('snappy frame: CRC mismatch');
      out.push(chunk);
      total += chunk.length;
    }
    off += 4 + len;
  }
  return concat(out, total);
}

const HADOOP_BLOCK = 256 * 1024;

export function hadoopSnappy(data: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let off = 0; off < data.length || (off === 0 && data.length === 0); off += HADOOP_BLOCK) {
    const block = data.subarray(off, Math.min(data.length, off + HADOOP_BLOCK));
    const compressed = snappy().compress(block);
    const header = new Uint8Array(8);
    const dv = new DataView(header.buffer);
    dv.setUint32(0, block.length);
    dv.setUint32(4, compressed.length);
    parts.push(header, compressed);
    total += 8 + compressed.length;
    if (data.length === 0) break;
  }
  return concat(parts, total);
}

export function hadoopUnsnappy(data: Uint8Array): Uint8Array {
  const out: Uint8Array[] = [];
  let total = 0;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let off = 0; off < data.length; ) {
    const rawLen = dv.getUint32(off);
    off += 4;
    let got = 0;
    while (got < rawLen || (rawLen === 0 && got === 0 && off < data.length)) {
      const clen = dv.getUint32(off);
      off += 4;
      const chunk = snappy().uncompress(data.subarray(off, off + clen));
      off += clen;
      out.push(chunk);
      got += chunk.length;
      total += chunk.length;
      if (rawLen === 0) break;
    }
  }
  return concat(out, total);
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Compresses one object body. `entryName` names the single zip entry. */
export function compress(format: CompressionFormat, body: Uint8Array, entryName = 'data'): Uint8Array {
  switch (format) {
    case 'UNCOMPRESSED':
      return body;
    case 'GZIP':
      return gzipSync(body, { level: 6 });
    case 'ZIP':
      return fflate().zipSync({ [entryName]: body });
    case 'Snappy':
      return snappyFrame(body);
    case 'HADOOP_SNAPPY':
      return hadoopSnappy(body);
  }
}

const gzipAsync = promisify(gzip);

/**
 * compress() off the event loop where Node allows it: GZIP runs on the libuv
 * thread pool, so ingest (PutRecordBatch) keeps going while an object is
 * compressed (measured: the synchronous version halved ingest throughput).
 */
export async function compressAsync(format: CompressionFormat, body: Uint8Array, entryName = 'data'): Promise<Uint8Array> {
  if (format === 'GZIP') return gzipAsync(body, { level: 6 });
  return compress(format, body, entryName);
}

/** The inverse of compress (used by tests, the CLI and the Decompression processor). */
export function decompress(format: CompressionFormat, body: Uint8Array): Uint8Array {
  switch (format) {
    case 'UNCOMPRESSED':
      return body;
    case 'GZIP':
      return gunzipSync(body);
    case 'ZIP': {
      const files = fflate().unzipSync(body);
      const first = Object.values(files)[0];
      return first ?? new Uint8Array(0);
    }
    case 'Snappy':
      return snappyUnframe(body);
    case 'HADOOP_SNAPPY':
      return hadoopUnsnappy(body);
  }
}
