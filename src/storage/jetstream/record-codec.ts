/**
 * How one log record is stored as a JetStream message payload: the Kinesis arrival time and the partition key
 * travel in the payload rather than in NATS headers, so a read parses no header block per record and the
 * record's timestamp is Freshet's clock (JetStream's own message time is the server's wall clock).
 *
 *   [0..8)   timestampMs  float64 LE
 *   [8..10)  key length   uint16 LE (UTF-8 bytes; Kinesis keys are ≤ 256 chars, ≤ 1024 bytes)
 *   [10..)   key bytes, then data bytes
 */
export const RECORD_HEADER_BYTES = 10;

// hot path
export function encodeRecord(key: string, data: Uint8Array, timestampMs: number): Buffer {
  const keyBytes = key.length === 0 ? 0 : Buffer.byteLength(key, 'utf8');
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + keyBytes + data.byteLength);
  out.writeDoubleLE(timestampMs, 0);
  out.writeUInt16LE(keyBytes, 8);
  if (keyBytes > 0) out.write(key, RECORD_HEADER_BYTES, 'utf8');
  out.set(data, RECORD_HEADER_BYTES + keyBytes);
  return out;
}

/** The record's timestamp, or NaN for a payload too short to be a record. */
export function recordTimestamp(payload: Uint8Array): number {
  if (payload.byteLength < RECORD_HEADER_BYTES) return Number.NaN;
  return new DataView(payload.buffer, payload.byteOffset, RECORD_HEADER_BYTES).getFloat64(0, true);
}

/** Byte length of the key, or -1 for a payload that is not a record. */
export function recordKeyBytes(payload: Uint8Array): number {
  if (payload.byteLength < RECORD_HEADER_BYTES) return -1;
  const n = payload[8]! | (payload[9]! << 8);
  return RECORD_HEADER_BYTES + n <= payload.byteLength ? n : -1;
}
