/**
 * Record framing inside a segment file. Every record is one self-checking
 * frame (little-endian):
 *
 *   0  u32  frameBytes   whole frame, header included
 *   4  u32  crc32        CRC-32 of bytes [8, frameBytes)
 *   8  u32  offset low   offset = high * 2^32 + low (offsets stay below 2^53)
 *  12  u32  offset high
 *  16  f64  timestampMs
 *  24  u16  keyBytes     UTF-8 length of the key
 *  26  ...  key, then data (frameBytes - 26 - keyBytes bytes)
 *
 * A per-record CRC (rather than Kafka's per-batch one) lets recovery keep every
 * whole record of a torn batch's predecessor and lets a read start at any
 * frame the sparse index points to.
 */
import { crc32, crc32Js, crc32Of } from './crc32.ts';

export const FRAME_HEADER_BYTES = 26;
/** Frames larger than this are treated as garbage during scans (Kinesis records are ≤ 1 MiB). */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;
const TWO_32 = 0x1_0000_0000;

/** Writes one frame at `pos` of `buf` (which must have room) and returns the position after it. */
// hot path
export function writeFrame(buf: Buffer, pos: number, offset: number, timestampMs: number, key: string, data: Uint8Array): number {
  const keyStart = pos + FRAME_HEADER_BYTES;
  const keyBytes = key.length === 0 ? 0 : buf.write(key, keyStart, 'utf8');
  const end = keyStart + keyBytes + data.length;
  buf.writeUInt32LE(end - pos, pos);
  buf.writeUInt32LE(offset % TWO_32, pos + 8);
  buf.writeUInt32LE(Math.floor(offset / TWO_32), pos + 12);
  buf.writeDoubleLE(timestampMs, pos + 16);
  buf.writeUInt16LE(keyBytes, pos + 24);
  buf.set(data, keyStart + keyBytes);
  // Header and key in JS, then the data straight from the caller's array
  // (continuing the CRC) — no subarray allocation per record.
  buf.writeUInt32LE(crc32Of(data, crc32Js(buf, pos + 8, keyStart + keyBytes)), pos + 4);
  return end;
}

/** Exact frame size of a record. */
// hot path
export function frameBytes(key: string, data: Uint8Array): number {
  return FRAME_HEADER_BYTES + (key.length === 0 ? 0 : Buffer.byteLength(key, 'utf8')) + data.length;
}

export const FrameCheck = {
  /** A whole, valid frame starts here. */
  OK: 0,
  /** The buffer ends before the frame does: read more. */
  SHORT: 1,
  /** Garbage: bad length, bad CRC or bad key length. */
  BAD: 2,
} as const;

/**
 * Checks the frame at `pos` (buffer valid up to `end`). When `verifyCrc` is
 * false only the structure is checked (used by reads when CRC checking is off).
 */
// hot path
export function checkFrame(buf: Buffer, pos: number, end: number, verifyCrc: boolean): number {
  if (end - pos < FRAME_HEADER_BYTES) return FrameCheck.SHORT;
  const len = buf.readUInt32LE(pos);
  if (len < FRAME_HEADER_BYTES || len > MAX_FRAME_BYTES) return FrameCheck.BAD;
  if (pos + len > end) return FrameCheck.SHORT;
  if (FRAME_HEADER_BYTES + buf.readUInt16LE(pos + 24) > len) return FrameCheck.BAD;
  if (verifyCrc && crc32(buf, pos + 8, pos + len) !== buf.readUInt32LE(pos + 4)) return FrameCheck.BAD;
  return FrameCheck.OK;
}

export function frameLength(buf: Buffer, pos: number): number {
  return buf.readUInt32LE(pos);
}

export function frameOffset(buf: Buffer, pos: number): number {
  return buf.readUInt32LE(pos + 12) * TWO_32 + buf.readUInt32LE(pos + 8);
}

export function frameTimestamp(buf: Buffer, pos: number): number {
  return buf.readDoubleLE(pos + 16);
}

export function frameKeyBytes(buf: Buffer, pos: number): number {
  return buf.readUInt16LE(pos + 24);
}

export function frameKey(buf: Buffer, pos: number): string {
  const keyBytes = buf.readUInt16LE(pos + 24);
  return keyBytes === 0 ? '' : buf.toString('utf8', pos + FRAME_HEADER_BYTES, pos + FRAME_HEADER_BYTES + keyBytes);
}

/** The record's data as a view into `buf` (no copy). */
export function frameData(buf: Buffer, pos: number): Buffer {
  const keyBytes = buf.readUInt16LE(pos + 24);
  return buf.subarray(pos + FRAME_HEADER_BYTES + keyBytes, pos + buf.readUInt32LE(pos));
}
