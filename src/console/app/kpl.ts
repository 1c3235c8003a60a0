/**
 * Decoding of Kinesis records for the live tail: KPL aggregated records (the magic 0xF3899AC2, a protobuf
 * AggregatedRecord, an MD5) into their user records, everything else as UTF-8 text or JSON, else base64.
 * The protobuf reader covers exactly AggregatedRecord's fields (varints and length-delimited).
 */
const MAGIC = [0xf3, 0x89, 0x9a, 0xc2];

export interface Decoded {
  text: string;
  json: boolean;
  /** KPL user records (partition key and decoded data), when the record is an aggregate. */
  subRecords?: Array<{ partitionKey: string; text: string }>;
}

export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function bytesToB64(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}

function decodeData(data: Uint8Array): { text: string; json: boolean } {
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return { text: `base64:${bytesToB64(data)}`, json: false };
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return { text: JSON.stringify(JSON.parse(trimmed)), json: true };
    } catch {
      // not JSON after all: shown as text
    }
  }
  return { text, json: false };
}

class Reader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly end: number,
  ) {}
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  }
  bytes(): Uint8Array {
    const n = this.varint();
    if (this.pos + n > this.end) throw new Error('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 2) this.bytes();
    else if (wire === 1) this.pos += 8;
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

function decodeAggregate(data: Uint8Array): Array<{ partitionKey: string; text: string }> | undefined {
  if (data.length < MAGIC.length + 16) return undefined;
  for (let i = 0; i < MAGIC.length; i++) if (data[i] !== MAGIC[i]) return undefined;
  try {
    const r = new Reader(data, data.length - 16);
    r.pos = MAGIC.length;
    const keys: string[] = [];
    const records: Array<{ keyIndex: number; data: Uint8Array }> = [];
    const text = new TextDecoder();
    while (r.pos < r.end) {
      const tag = r.varint();
      const field = Math.floor(tag / 8);
      const wire = tag & 7;
      if (field === 1 && wire === 2) keys.push(text.decode(r.bytes()));
      else if (field === 3 && wire === 2) {
        const body = r.bytes();
        const sub = new Reader(body, body.length);
        let keyIndex = 0;
        let payload: Uint8Array = new Uint8Array(0);
        while (sub.pos < sub.end) {
          const t = sub.varint();
          if (t === 8) keyIndex = sub.varint();
          else if (t === 26) payload = sub.bytes();
          else sub.skip(t & 7);
        }
        records.push({ keyIndex, data: payload });
      } else r.skip(wire);
    }
    return records.map((x) => ({ partitionKey: keys[x.keyIndex] ?? '', text: decodeData(x.data).text }));
  } catch {
    return undefined;
  }
}

export function decodeRecord(b64: string): Decoded {
  const data = base64ToBytes(b64);
  const subRecords = decodeAggregate(data);
  if (subRecords) return { text: `KPL aggregate of ${subRecords.length} user record(s)`, json: false, subRecords };
  return decodeData(data);
}
