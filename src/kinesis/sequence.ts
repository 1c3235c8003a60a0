/**
 * Sequence numbers: 56-digit decimal strings, like AWS's, built from fixed-width
 * fields so that they compare as strings and as numbers, and decode in O(1):
 *
 *   [0]      version digit '4'
 *   [1,16)   arrival time, ms since epoch (15 digits; kept non-decreasing per shard)
 *   [16,22)  shard index (6 digits)
 *   [22,42)  storage offset within the shard's log (20 digits)
 *   [42,56)  stream incarnation salt (14 digits; tells one stream's numbers from another's)
 *
 * Per shard, time never decreases and the offset strictly increases, so numbers
 * strictly increase for the stream's whole life; AT_SEQUENCE_NUMBER decodes to
 * an offset with no search.
 */
export const SEQUENCE_LENGTH = 56;
const ZEROS = '00000000000000000000';

function pad(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : ZEROS.slice(0, width - s.length) + s;
}

/** The part of a sequence number fixed per shard: index and salt. */
export function shardSequenceParts(shardIndex: number, salt: string): { shardPart: string; saltPart: string } {
  return { shardPart: pad(shardIndex, 6), saltPart: salt };
}

/** hot path: encodes (time, shard, offset, salt). `shardPart` is pad6(shard index), `salt` 14 digits. */
export function encodeSequence(timeMs: number, shardPart: string, offset: number, salt: string): string {
  return `4${pad(timeMs, 15)}${shardPart}${pad(offset, 20)}${salt}`;
}

/** The leading 22 digits shared by every record of one shard appended at one time (version, time, shard). */
export function sequencePrefix(timeMs: number, shardPart: string): string {
  return `4${pad(timeMs, 15)}${shardPart}`;
}

/** hot path: a sequence number from its precomputed prefix. */
export function sequenceFromPrefix(prefix: string, offset: number, salt: string): string {
  return prefix + pad(offset, 20) + salt;
}

export interface DecodedSequence {
  timeMs: number;
  shardIndex: number;
  offset: number;
  salt: string;
}

/** Decodes a sequence number Freshet issued; undefined if it cannot be one (wrong length/version). */
export function decodeSequence(seq: string): DecodedSequence | undefined {
  if (seq.length !== SEQUENCE_LENGTH || seq.charCodeAt(0) !== 52 /* '4' */ || !/^\d+$/.test(seq)) return undefined;
  const offset = Number(seq.slice(22, 42));
  if (!Number.isSafeInteger(offset)) return undefined;
  return { timeMs: Number(seq.slice(1, 16)), shardIndex: Number(seq.slice(16, 22)), offset, salt: seq.slice(42) };
}

/** A fresh 14-digit salt for a new stream incarnation. */
export function newSalt(random: () => number = Math.random): string {
  // 1 + 13 random digits: never starts with 0 so it always prints as 14 digits.
  return String(1 + Math.floor(random() * 9)) + pad(Math.floor(random() * 1e13), 13);
}

/**
 * A sequence number for the position just before `offset` when no record precedes it (a SubscribeToShard
 * ContinuationSequenceNumber on an empty shard): time field 0, which no record carries. AFTER_SEQUENCE_NUMBER
 * and AT_SEQUENCE_NUMBER both resume at `offset`, and it sorts before every record of the shard.
 */
export function beforeOffsetSequence(shardPart: string, offset: number, salt: string): string {
  return encodeSequence(0, shardPart, offset, salt);
}
