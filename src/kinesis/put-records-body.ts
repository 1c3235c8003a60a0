/**
 * A PutRecords JSON body read in place: the stream name and, for each record,
 * where its Data (base64) and PartitionKey sit in the body's bytes. PutRecords'
 * hot path uses it instead of decoding the body to a string and JSON.parse-ing
 * it (together ~25% of the request's CPU at 1 KiB records): no string is made
 * for a record's data, and its key's bytes are hashed where they are.
 *
 * It accepts exactly the plain shape SDKs send — the members StreamName and
 * Records, each record's Data and PartitionKey, in any order, any JSON
 * whitespace, no escape sequences, ASCII keys — and returns undefined for
 * anything else (StreamARN, ExplicitHashKey, escapes, duplicates, bad JSON,
 * wrong types …), so the caller falls back to the full decoder and validator,
 * which answer exactly as before.
 */
export interface PutRecordsBody {
  streamName: string;
  count: number;
  dataStart: Uint32Array;
  dataEnd: Uint32Array;
  keyStart: Uint32Array;
  keyEnd: Uint32Array;
}

const MAX_RECORDS = 500;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

// Member names as bytes, matched in place.
const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const STREAM_NAME = bytes('StreamName');
const RECORDS = bytes('Records');
const DATA = bytes('Data');
const PARTITION_KEY = bytes('PartitionKey');

// Reused between calls (the caller copies what it keeps before the next call).
const dataStart = new Uint32Array(MAX_RECORDS);
const dataEnd = new Uint32Array(MAX_RECORDS);
const keyStart = new Uint32Array(MAX_RECORDS);
const keyEnd = new Uint32Array(MAX_RECORDS);

function ws(b: Uint8Array, i: number): number {
  for (;;) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

/** True when b[start, end) holds exactly `name`. */
function is(b: Uint8Array, start: number, end: number, name: Uint8Array): boolean {
  if (end - start !== name.length) return false;
  for (let k = 0; k < name.length; k++) if (b[start + k] !== name[k]) return false;
  return true;
}

/**
 * hot path: parses `body`, or returns undefined to decline. The arrays of the result are
 * shared with the next call.
 */
export function readPutRecordsBody(body: Buffer): PutRecordsBody | undefined {
  const len = body.length;
  // No escape sequence anywhere: every string ends at its next quote.
  if (body.indexOf(BACKSLASH) !== -1) return undefined;
  let i = ws(body, 0);
  if (body[i] !== 0x7b) return undefined; // {
  i = ws(body, i + 1);
  let streamName: string | undefined;
  let count = -1;
  for (;;) {
    if (body[i] !== QUOTE) return undefined;
    const nameEnd = body.indexOf(QUOTE, i + 1);
    if (nameEnd < 0) return undefined;
    const nameStart = i + 1;
    i = ws(body, nameEnd + 1);
    if (body[i] !== 0x3a) return undefined; // :
    i = ws(body, i + 1);
    if (is(body, nameStart, nameEnd, STREAM_NAME)) {
      if (streamName !== undefined || body[i] !== QUOTE) return undefined;
      const end = body.indexOf(QUOTE, i + 1);
      if (end < 0) return undefined;
      streamName = body.toString('latin1', i + 1, end);
      i = end + 1;
    } else if (is(body, nameStart, nameEnd, RECORDS)) {
      if (count >= 0) return undefined;
      const after = readRecords(body, i);
      if (after < 0) return undefined;
      count = lastCount;
      i = after;
    } else return undefined;
    i = ws(body, i);
    if (body[i] === 0x2c) {
      // ,
      i = ws(body, i + 1);
      continue;
    }
    if (body[i] !== 0x7d) return undefined; // }
    break;
  }
  if (ws(body, i + 1) !== len || streamName === undefined || count < 1) return undefined;
  return { streamName, count, dataStart, dataEnd, keyStart, keyEnd };
}

let lastCount = 0;

/** Reads `[ {record}, … ]` from `i`; returns the position after `]` (setting lastCount) or -1. */
function readRecords(b: Buffer, i: number): number {
  if (b[i] !== 0x5b) return -1; // [
  i = ws(b, i + 1);
  let n = 0;
  if (b[i] === 0x5d) return -1; // an empty list is an error the validator words
  for (;;) {
    if (n === MAX_RECORDS || b[i] !== 0x7b) return -1; // {
    i = ws(b, i + 1);
    let ds = -1;
    let ks = -1;
    for (;;) {
      if (b[i] !== QUOTE) return -1;
      const nameEnd = b.indexOf(QUOTE, i + 1);
      if (nameEnd < 0) return -1;
      const nameStart = i + 1;
      i = ws(b, nameEnd + 1);
      if (b[i] !== 0x3a) return -1;
      i = ws(b, i + 1);
      if (b[i] !== QUOTE) return -1;
      const start = i + 1;
      const end = b.indexOf(QUOTE, start);
      if (end < 0) return -1;
      if (is(b, nameStart, nameEnd, DATA)) {
        if (ds >= 0) return -1;
        ds = start;
        dataStart[n] = start;
        dataEnd[n] = end;
      } else if (is(b, nameStart, nameEnd, PARTITION_KEY)) {
        if (ks >= 0) return -1;
        ks = start;
        keyStart[n] = start;
        keyEnd[n] = end;
      } else return -1;
      i = ws(b, end + 1);
      if (b[i] === 0x2c) {
        i = ws(b, i + 1);
        continue;
      }
      if (b[i] !== 0x7d) return -1;
      break;
    }
    if (ds < 0 || ks < 0) return -1;
    n++;
    i = ws(b, i + 1);
    if (b[i] === 0x2c) {
      i = ws(b, i + 1);
      continue;
    }
    if (b[i] !== 0x5d) return -1; // ]
    lastCount = n;
    return i + 1;
  }
}
