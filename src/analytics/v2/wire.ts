/**
 * The compact forms a parallel Flink SQL job's batches cross threads in (parallel.ts ↔ subtask.ts, subtask ↔
 * subtask), so that a batch is one transferred ArrayBuffer (moved, not copied) and a few strings rather than a
 * structured clone of an object per record or row — which cost as much CPU as running the job (docs/benchmarks.md,
 * analytics-flink-parallel: 2.03× the CPU of one thread for a stateless filter, 2.27× for a keyed TUMBLE SUM).
 *
 * - Records (main thread → the subtask reading the shard): the record bytes back to back, each record's arrival time
 *   and end offset, in one ArrayBuffer; partition keys and sequence numbers only when the table reads them (METADATA).
 *   The subtask decodes the batch's bytes as one string when they are ASCII (records are then substrings of it,
 *   which the text formats read as they read a decoded record).
 * - Rows (router → the subtask owning their key group): per value a tag byte and, for numbers, a float64; strings of
 *   up to INTERN_CHARS characters by a number in a dictionary each sender keeps per receiver (new entries travel
 *   with the batch that first uses them), longer ones and other values (arrays, maps, bytes) in side lists that are
 *   structured-cloned as before.
 */
import { isAscii } from 'node:buffer';
import type { Row, SourceRecord } from '../../sql/index.ts';

/** A batch of records read from one shard, packed (see the module comment). */
export interface PackedRecords {
  n: number;
  /** [arrival ms: float64 × n][end offset: uint32 × n][record bytes], transferred. */
  buf: ArrayBuffer;
  /** Present when the table reads the metadata. */
  keys?: (string | undefined)[];
  seqs?: (string | undefined)[];
}

/** The metadata a table's records must carry across: partition keys and/or sequence numbers. */
export interface RecordNeeds {
  keys: boolean;
  seqs: boolean;
}

const utf8 = new TextEncoder();

/** hot path: packs a batch of records (one allocation, one copy of each record's bytes). */
export function packRecords(records: readonly SourceRecord[], needs: RecordNeeds): PackedRecords {
  const n = records.length;
  let bytes = 0;
  let texts: (Uint8Array | undefined)[] | null = null;
  for (let i = 0; i < n; i++) {
    const d = records[i]!.data;
    if (typeof d === 'string') {
      texts ??= new Array<Uint8Array | undefined>(n);
      const b = utf8.encode(d);
      texts[i] = b;
      bytes += b.length;
    } else bytes += d.length;
  }
  const head = n * 12;
  const buf = new ArrayBuffer(head + bytes);
  const arrival = new Float64Array(buf, 0, n);
  const ends = new Uint32Array(buf, n * 8, n);
  const body = new Uint8Array(buf, head);
  let off = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    const d = texts?.[i] ?? (r.data as Uint8Array);
    body.set(d, off);
    off += d.length;
    ends[i] = off;
    arrival[i] = r.arrivalMs ?? Number.NaN;
  }
  const out: PackedRecords = { n, buf };
  if (needs.keys) {
    const keys = new Array<string | undefined>(n);
    for (let i = 0; i < n; i++) keys[i] = records[i]!.partitionKey;
    out.keys = keys;
  }
  if (needs.seqs) {
    const seqs = new Array<string | undefined>(n);
    for (let i = 0; i < n; i++) seqs[i] = records[i]!.sequenceNumber;
    out.seqs = seqs;
  }
  return out;
}

/**
 * hot path: the records of a packed batch. `text`: the format reads text (json, csv, debezium-json), so an ASCII
 * batch is decoded once and each record is a substring of it; otherwise each record is a view of its bytes.
 */
export function unpackRecords(p: PackedRecords, shardId: string, text: boolean): SourceRecord[] {
  const { n, buf } = p;
  const arrival = new Float64Array(buf, 0, n);
  const ends = new Uint32Array(buf, n * 8, n);
  const head = n * 12;
  const body = Buffer.from(buf, head);
  const whole = text && isAscii(body) ? body.toString('latin1') : null;
  const out = new Array<SourceRecord>(n);
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = ends[i]!;
    const a = arrival[i]!;
    const rec: SourceRecord = {
      data: whole !== null ? whole.slice(start, end) : new Uint8Array(buf, head + start, end - start),
      shardId,
    };
    if (!Number.isNaN(a)) rec.arrivalMs = a;
    const key = p.keys?.[i];
    if (key !== undefined) rec.partitionKey = key;
    const seq = p.seqs?.[i];
    if (seq !== undefined) rec.sequenceNumber = seq;
    out[i] = rec;
    start = end;
  }
  return out;
}

/** Rows packed for one receiver, with their key groups. */
export interface PackedRows {
  n: number;
  /** [numbers: float64 × nums][tags: uint8 × tags][key groups: uint8 × n], transferred. */
  buf: ArrayBuffer;
  nums: number;
  tags: number;
  /** Dictionary entries this batch adds (in order), strings too long to intern, and values of other kinds. */
  fresh: string[];
  strs: string[];
  objs: unknown[];
}

const T_NULL = 0;
const T_UNDEFINED = 1;
const T_NUMBER = 2;
const T_INTERNED = 3;
const T_STRING = 4;
const T_TRUE = 5;
const T_FALSE = 6;
const T_OTHER = 7;
/** A row starts with its width (a tag, then the width as a number). */
const T_ROW = 8;

/** Strings this long or shorter are interned (keys, tickers, names); a dictionary stops growing at MAX_INTERNED. */
const INTERN_CHARS = 64;
const MAX_INTERNED = 1 << 16;

/** One sender's encoder toward one receiver: its string dictionary and scratch buffers, reused batch to batch. */
export class RowEncoder {
  private readonly dict = new Map<string, number>();
  private nums = new Float64Array(4096);
  private tags = new Uint8Array(4096);
  private groups = new Uint8Array(1024);
  private nNums = 0;
  private nTags = 0;
  private n = 0;
  private fresh: string[] = [];
  private strs: string[] = [];
  private objs: unknown[] = [];

  get size(): number {
    return this.n;
  }

  /** hot path: appends one row of key group `group`. */
  add(row: Row, group: number): void {
    const w = row.length;
    if (this.nTags + w + 1 > this.tags.length) this.tags = grow(this.tags, this.nTags + w + 1);
    if (this.nNums + w + 1 > this.nums.length) this.nums = grow(this.nums, this.nNums + w + 1);
    if (this.n >= this.groups.length) this.groups = grow(this.groups, this.n + 1);
    const tags = this.tags;
    const nums = this.nums;
    this.groups[this.n++] = group;
    let t = this.nTags;
    let k = this.nNums;
    tags[t++] = T_ROW;
    nums[k++] = w;
    for (let i = 0; i < w; i++) {
      const v = row[i];
      switch (typeof v) {
        case 'number':
          tags[t++] = T_NUMBER;
          nums[k++] = v;
          break;
        case 'string': {
          if (v.length > INTERN_CHARS) {
            tags[t++] = T_STRING;
            this.strs.push(v);
            break;
          }
          let id = this.dict.get(v);
          if (id === undefined) {
            if (this.dict.size >= MAX_INTERNED) {
              tags[t++] = T_STRING;
              this.strs.push(v);
              break;
            }
            id = this.dict.size;
            this.dict.set(v, id);
            this.fresh.push(v);
          }
          tags[t++] = T_INTERNED;
          nums[k++] = id;
          break;
        }
        case 'boolean':
          tags[t++] = v ? T_TRUE : T_FALSE;
          break;
        case 'undefined':
          tags[t++] = T_UNDEFINED;
          break;
        default:
          if (v === null) tags[t++] = T_NULL;
          else {
            tags[t++] = T_OTHER;
            this.objs.push(v);
          }
      }
    }
    this.nTags = t;
    this.nNums = k;
  }

  /** The rows added since the last take, packed; the encoder starts a new batch. */
  take(): PackedRows {
    const nums = this.nNums;
    const tags = this.nTags;
    const n = this.n;
    const buf = new ArrayBuffer(nums * 8 + tags + n);
    new Float64Array(buf, 0, nums).set(this.nums.subarray(0, nums));
    new Uint8Array(buf, nums * 8, tags).set(this.tags.subarray(0, tags));
    new Uint8Array(buf, nums * 8 + tags, n).set(this.groups.subarray(0, n));
    const out: PackedRows = { n, buf, nums, tags, fresh: this.fresh, strs: this.strs, objs: this.objs };
    this.nNums = 0;
    this.nTags = 0;
    this.n = 0;
    this.fresh = [];
    this.strs = [];
    this.objs = [];
    return out;
  }
}

/** One receiver's decoder for one sender: the sender's dictionary, as its batches built it. */
export class RowDecoder {
  private readonly dict: string[] = [];

  /** hot path: the rows of a batch and their key groups. */
  read(p: PackedRows): { rows: Row[]; groups: Uint8Array } {
    for (const s of p.fresh) this.dict.push(s);
    const nums = new Float64Array(p.buf, 0, p.nums);
    const tags = new Uint8Array(p.buf, p.nums * 8, p.tags);
    const groups = new Uint8Array(p.buf, p.nums * 8 + p.tags, p.n);
    const dict = this.dict;
    const rows = new Array<Row>(p.n);
    let t = 0;
    let k = 0;
    let s = 0;
    let o = 0;
    for (let r = 0; r < p.n; r++) {
      if (tags[t++] !== T_ROW) throw new Error('internal: a packed row batch is out of step');
      const w = nums[k++]!;
      const row: Row = new Array(w);
      for (let i = 0; i < w; i++) {
        switch (tags[t++]) {
          case T_NUMBER:
            row[i] = nums[k++];
            break;
          case T_INTERNED:
            row[i] = dict[nums[k++]!];
            break;
          case T_STRING:
            row[i] = p.strs[s++];
            break;
          case T_NULL:
            row[i] = null;
            break;
          case T_UNDEFINED:
            row[i] = undefined;
            break;
          case T_TRUE:
            row[i] = true;
            break;
          case T_FALSE:
            row[i] = false;
            break;
          default:
            row[i] = p.objs[o++];
        }
      }
      rows[r] = row;
    }
    return { rows, groups };
  }
}

function grow<T extends Float64Array | Uint8Array>(a: T, need: number): T {
  let size = a.length * 2;
  while (size < need) size *= 2;
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}
