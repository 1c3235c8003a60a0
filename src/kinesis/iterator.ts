/**
 * Shard iterators: opaque, tamper-evident tokens. Layout (before base64):
 *   u8 version=1 | f64 createdMs | f64 offset | u32 shardIndex | f64 salt | utf8 streamName | 16-byte HMAC-SHA256 prefix
 * The HMAC key is per data directory (kept in storage.meta), so iterators stay
 * valid across a restart of the same server, and forged or edited ones are
 * refused with AWS's "Invalid ShardIterator.".
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const VERSION = 1;
const HEADER = 1 + 8 + 8 + 4 + 8;
const MAC_BYTES = 16;

export interface IteratorPosition {
  streamName: string;
  /** The stream incarnation (sequence salt), so a recreated stream does not accept old iterators. */
  salt: string;
  shardIndex: number;
  offset: number;
  createdMs: number;
}

export class IteratorCodec {
  constructor(private readonly key: Buffer) {}

  encode(p: IteratorPosition): string {
    const nameLen = Buffer.byteLength(p.streamName);
    const buf = Buffer.allocUnsafe(HEADER + nameLen + MAC_BYTES);
    buf.writeUInt8(VERSION, 0);
    buf.writeDoubleBE(p.createdMs, 1);
    buf.writeDoubleBE(p.offset, 9);
    buf.writeUInt32BE(p.shardIndex, 17);
    buf.writeDoubleBE(Number(p.salt), 21);
    buf.write(p.streamName, HEADER, 'utf8');
    const mac = createHmac('sha256', this.key)
      .update(buf.subarray(0, HEADER + nameLen))
      .digest();
    mac.copy(buf, HEADER + nameLen, 0, MAC_BYTES);
    return buf.toString('base64');
  }

  /** Undefined when the token is not one this server issued. */
  decode(token: string): IteratorPosition | undefined {
    const buf = Buffer.from(token, 'base64');
    if (buf.length < HEADER + 1 + MAC_BYTES || buf.toString('base64') !== token || buf[0] !== VERSION) return undefined;
    const bodyLen = buf.length - MAC_BYTES;
    const mac = createHmac('sha256', this.key).update(buf.subarray(0, bodyLen)).digest().subarray(0, MAC_BYTES);
    if (!timingSafeEqual(mac, buf.subarray(bodyLen))) return undefined;
    return {
      createdMs: buf.readDoubleBE(1),
      offset: buf.readDoubleBE(9),
      shardIndex: buf.readUInt32BE(17),
      salt: String(buf.readDoubleBE(21)),
      streamName: buf.toString('utf8', HEADER, bodyLen),
    };
  }
}

/** AWS's time format in ExpiredIteratorException messages: "Thu Jan 22 01:22:02 UTC 2015". */
export function amzUtcString(ms: number): string {
  const m = /^(\w+), (\d+) (\w+) (\d+) ([\d:]+) GMT$/.exec(new Date(ms).toUTCString());
  if (!m) return new Date(ms).toISOString();
  return `${m[1]} ${m[3]} ${m[2]} ${m[5]} UTC ${m[4]}`;
}
