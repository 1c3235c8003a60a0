/**
 * Sequence numbers in AWS's layout. An AWS sequence number is the decimal form (56 digits) of a 186-bit
 * number whose 47 hex digits are, as the community emulators decode them (kinesalite's db/index.js):
 *
 *   [0] 2 | [1,10) shard creation time, s | [10] shard index & 0xf | [11,27) per-shard index (< 2^63)
 *   | [27,29) 00 | [29,38) arrival time, s | [38,46) shard index (32 bits) | [46] layout version 2
 *
 * Freshet's per-shard index is the record's log offset + 1, and 0 names the position before a shard's first
 * record (its StartingSequenceNumber). So per shard the numbers increase strictly with the offset, map back to
 * an offset with one parse, and the next record's number in the same second is the previous one + 2^80, which
 * the writers below add in place (GetRecords' and PutRecords' hot paths) instead of converting a BigInt.
 * A closed shard's EndingSequenceNumber has the largest index (2^63 − 1) and its closing time, as AWS's has.
 *
 * parseSequence also reads what clients may send: AWS's older layouts (versions 0 and 1, and small numbers,
 * which AWS reads as 2^124 + n: version 0, shard index in the low 16 bits), so they get AWS's answers; and
 * Freshet's own earlier layout ("legacy", 56 digits: '4', arrival ms (15), shard index (6), log offset (20),
 * stream salt (14)), which data dirs and clients' checkpoints written before issue 11 hold.
 */

/** Every sequence number Freshet issues has 56 digits (2^185 ≤ n < 3·2^184). */
export const SEQUENCE_LENGTH = 56;

const V2_BASE = 1n << 185n;
const V2_END = 3n << 184n;
const SMALL = 1n << 124n;
const V0_END = 1n << 125n;
/** AWS refuses version-0 numbers whose shard creation time is this late (kinesalite's "Date too large"). */
const MAX_V0_CREATE_SECS = 16025175000;
/** The per-shard index of a closed shard's EndingSequenceNumber, as AWS writes it. */
const ENDING_INDEX = (1n << 63n) - 1n;
const LEGACY_PREFIX = 52; // '4'

/** What a sequence number says, in whichever layout it was written. */
export type ParsedSequence =
  | {
      layout: 'v2';
      /** Signed, as AWS reads it ('shardId--02147483648' for 0x80000000). */
      shardIndex: number;
      shardCreateSecs: number;
      /** The per-shard index (offset + 1 for Freshet's own numbers; 0 before the first record). */
      index: bigint;
      timeMs: number;
      /** The number as AWS's messages print it. */
      display: string;
    }
  | { layout: 'v0' | 'v1'; shardIndex: number; shardCreateSecs: number; timeMs: number | undefined; display: string }
  | { layout: 'legacy'; shardIndex: number; offset: number; timeMs: number; salt: string; display: string };

function hexField(hex: string, from: number, to: number): number {
  return Number.parseInt(hex.slice(from, to), 16);
}

/** A 32-bit shard index field as AWS reads it: signed. */
function signedIndex(hex: string): number {
  const n = Number.parseInt(hex, 16);
  return n >= 0x80000000 ? n - 0x100000000 : n;
}

/**
 * Reads a sequence number (a string of decimal digits) in any layout AWS or Freshet ever issued; undefined
 * where AWS answers "… is invalid." (an unknown layout version, a per-shard index ≥ 2^63, a version-0 time
 * past AWS's limit).
 */
export function parseSequence(seq: string): ParsedSequence | undefined {
  if (!/^\d{1,130}$/.test(seq)) return undefined;
  let n = BigInt(seq);
  if (seq.length === SEQUENCE_LENGTH && seq.charCodeAt(0) === LEGACY_PREFIX && n < V2_BASE) {
    const offset = Number(seq.slice(22, 42));
    if (!Number.isSafeInteger(offset)) return undefined;
    return { layout: 'legacy', timeMs: Number(seq.slice(1, 16)), shardIndex: Number(seq.slice(16, 22)), offset, salt: seq.slice(42), display: seq };
  }
  if (n >= V2_BASE && n < V2_END) {
    const hex = n.toString(16);
    const version = hex.charCodeAt(46);
    if (version === 0x32 /* '2' */) {
      if (hexField(hex, 11, 12) > 7) return undefined;
      return {
        layout: 'v2',
        shardCreateSecs: hexField(hex, 1, 10),
        shardIndex: signedIndex(hex.slice(38, 46)),
        index: BigInt(`0x${hex.slice(11, 27)}`),
        timeMs: hexField(hex, 29, 38) * 1000,
        display: seq,
      };
    }
    if (version === 0x31 /* '1' */) {
      return {
        layout: 'v1',
        shardCreateSecs: hexField(hex, 1, 10),
        shardIndex: signedIndex(hex.slice(38, 46)),
        timeMs: hexField(hex, 13, 22) * 1000,
        display: seq,
      };
    }
    return undefined;
  }
  if (n < SMALL) n += SMALL;
  if (n < V0_END) {
    const hex = n.toString(16);
    const createSecs = hexField(hex, 1, 10);
    if (createSecs >= MAX_V0_CREATE_SECS) return undefined;
    return { layout: 'v0', shardCreateSecs: createSecs, shardIndex: hexField(hex, 28, 32), timeMs: undefined, display: n.toString() };
  }
  return undefined;
}

/** Where a sequence number Freshet issued points in its shard's log. */
export interface DecodedSequence {
  shardIndex: number;
  /** The record's offset; for a position marker (`before`), the offset it precedes. */
  offset: number;
  /** A marker between records (a StartingSequenceNumber, a continuation before any record): no record has it. */
  before: boolean;
  timeMs: number;
}

/** Decodes a sequence number Freshet issued (this layout or the legacy one); undefined for anything else. */
export function decodeSequence(seq: string): DecodedSequence | undefined {
  const p = parseSequence(seq);
  if (p?.layout === 'legacy') return { shardIndex: p.shardIndex, offset: p.offset, before: p.timeMs === 0, timeMs: p.timeMs };
  if (p?.layout !== 'v2') return undefined;
  // Indexes past 2^53 (an EndingSequenceNumber's) are beyond any log's end; Number() keeps them past it.
  return p.index === 0n
    ? { shardIndex: p.shardIndex, offset: 0, before: true, timeMs: p.timeMs }
    : { shardIndex: p.shardIndex, offset: Number(p.index - 1n), before: false, timeMs: p.timeMs };
}

/** The shard id an AWS sequence number encodes, as AWS's "Invalid StartingSequenceNumber" message writes it. */
export function encodedShardName(index: number): string {
  return index < 0 ? `shardId--${String(-index).padStart(11, '0')}` : `shardId-${String(index).padStart(12, '0')}`;
}

/** Buffer's native latin1 reader (`toString('latin1', …)` spends most of its time normalising arguments). */
interface Latin1Buffer extends Buffer {
  latin1Slice(start: number, end: number): string;
}

/** Digits 4-at-a-time: QUADS[n] is the ASCII of n (0–9999, zero-padded), little-endian in a u32. */
const QUADS = new Uint32Array(10000);
for (let i = 0; i < 10000; i++) {
  const s = String(i).padStart(4, '0');
  QUADS[i] = s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24);
}
/** 2^80 (one step of the per-shard index) = MID_STEP · 10^15 + LOW_STEP. */
const LOW_STEP = 614629174706176;
const MID_STEP = 1208925819;
const E15 = 1e15;
const E10 = 1e10;

/** The sequence numbers of one shard: fixed shard index and creation time. */
export class ShardSequences {
  /** The bits of every number of this shard that do not change: layout, creation time, shard index. */
  private readonly base: bigint;
  readonly shardCreateSecs: number;

  constructor(
    readonly shardIndex: number,
    /** When the shard opened (the stream's creation for its first shards). */
    shardCreateMs: number,
  ) {
    this.shardCreateSecs = Math.floor(shardCreateMs / 1000);
    const ix = BigInt(shardIndex);
    this.base = V2_BASE + (BigInt(this.shardCreateSecs) << 148n) + ((ix & 15n) << 144n) + (ix << 4n) + 2n;
  }

  /** The number with per-shard index `index` and time field `timeMs`. */
  numberAt(index: bigint, timeMs: number): bigint {
    return this.base + (index << 80n) + (BigInt(Math.floor(timeMs / 1000)) << 36n);
  }

  /** The number of the record at `offset` that arrived at `timeMs`. */
  record(offset: number, timeMs: number): string {
    return this.numberAt(BigInt(offset) + 1n, timeMs).toString();
  }

  /** The shard's StartingSequenceNumber: index 0, its creation time. */
  starting(): string {
    return this.numberAt(0n, this.shardCreateSecs * 1000).toString();
  }

  /** A closed shard's EndingSequenceNumber: the largest index, its closing time (above every record's number). */
  ending(closedMs: number): string {
    return this.numberAt(ENDING_INDEX, closedMs).toString();
  }

  /**
   * A number to resume after when no record before `offset` was delivered (SubscribeToShard's continuation):
   * AFTER_SEQUENCE_NUMBER with it continues at `offset`. Before offset 0 it is the StartingSequenceNumber.
   */
  before(offset: number, timeMs: number): string {
    return offset === 0 ? this.starting() : this.numberAt(BigInt(offset), timeMs).toString();
  }
}

/**
 * hot path: writes the sequence numbers of records of one shard, read in offset order, as 56 ASCII digits.
 * The number is kept as three parts — its top 31 digits (ASCII, as eight little-endian words) and two Number
 * limbs of 10 and 15 digits — so that the next offset in the same second is two additions (2^80 split over the
 * limbs) and the digits are stored four at a time; anything else (a new second, a gap) is converted from a
 * BigInt once.
 */
export class SequenceWriter {
  /** Digits [0, 32) as u32 words; the byte for digit 31 is overwritten by the middle limb. */
  private readonly hi = new Uint32Array(8);
  private readonly hiBytes = new Uint8Array(this.hi.buffer);
  private mid = 0;
  private low = 0;
  private offset = Number.NaN;
  /** The second the limbs were computed for: [secondStartMs, secondStartMs + 1000). */
  private secondStartMs = Number.NaN;
  private readonly scratch = Buffer.allocUnsafe(SEQUENCE_LENGTH) as Latin1Buffer;
  private readonly scratchView = new DataView(this.scratch.buffer, this.scratch.byteOffset, SEQUENCE_LENGTH);

  constructor(private readonly seq: ShardSequences) {}

  private reset(offset: number, timeMs: number): void {
    const digits = this.seq.numberAt(BigInt(offset) + 1n, timeMs).toString();
    const hi = this.hiBytes;
    for (let k = 0; k < 31; k++) hi[k] = digits.charCodeAt(k);
    this.mid = Number(digits.slice(31, 41));
    this.low = Number(digits.slice(41));
    this.secondStartMs = Math.floor(timeMs / 1000) * 1000;
  }

  /** Writes the number of the record at (offset, timeMs) as ASCII digits at [pos, pos + 56) of the bytes under `view`. */
  write(view: DataView, pos: number, offset: number, timeMs: number): void {
    if (offset === this.offset + 1 && timeMs >= this.secondStartMs && timeMs < this.secondStartMs + 1000) {
      let low = this.low + LOW_STEP;
      let mid = this.mid + MID_STEP;
      if (low >= E15) {
        low -= E15;
        mid++;
      }
      if (mid >= E10) {
        mid -= E10;
        const hi = this.hiBytes;
        let k = 30;
        while (hi[k] === 57) hi[k--] = 48;
        hi[k]!++;
      }
      this.low = low;
      this.mid = mid;
    } else this.reset(offset, timeMs);
    this.offset = offset;
    const hi = this.hi;
    for (let k = 0; k < 8; k++) view.setUint32(pos + 4 * k, hi[k]!, true);
    // digits [41, 56): 4 + 4 + 4, then the top 3 as a word at [40, 44) whose first byte [40] the middle limb rewrites
    let x = this.low;
    let q = Math.floor(x / 10000);
    view.setUint32(pos + 52, QUADS[x - q * 10000]!, true);
    x = q;
    q = Math.floor(x / 10000);
    view.setUint32(pos + 48, QUADS[x - q * 10000]!, true);
    x = q;
    q = Math.floor(x / 10000);
    view.setUint32(pos + 44, QUADS[x - q * 10000]!, true);
    view.setUint32(pos + 40, QUADS[q]!, true);
    // digits [31, 41): 4 + 4, then the top 2
    x = this.mid;
    q = Math.floor(x / 10000);
    view.setUint32(pos + 37, QUADS[x - q * 10000]!, true);
    x = q;
    q = Math.floor(x / 10000);
    view.setUint32(pos + 33, QUADS[x - q * 10000]!, true);
    view.setUint16(pos + 31, QUADS[q]! >>> 16, true);
  }

  /** The number of the record at (offset, timeMs) as a string. */
  next(offset: number, timeMs: number): string {
    this.write(this.scratchView, 0, offset, timeMs);
    return this.scratch.latin1Slice(0, SEQUENCE_LENGTH);
  }
}
