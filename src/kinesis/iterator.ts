/**
 * Shard iterators with AWS's structure: base64 of the 8 bytes 00 00 00 00 00 00 00 01 and an AES-256-CBC
 * ciphertext whose plaintext is the stream name plus 130 bytes, so a token is 152 + 16·⌊(L + 2) / 16⌋ bytes for
 * a stream name of L bytes — the sizes kinesalite measured on AWS's. The plaintext is Freshet's own:
 *
 *   <created ms, 14 digits>/<stream name>/<shard id, 20 chars>/<next offset, 56 digits>/<salt, 14 digits><MAC, 22 hex>
 *
 * MAC = HMAC-SHA256 of everything before it, cut to 88 bits. The keys derive from one secret per data
 * directory (kept in storage.meta), so iterators stay valid across a restart of the same server, and forged
 * or edited ones are refused with AWS's "Invalid ShardIterator.".
 *
 * Tokens of Freshet's earlier layout (before issue 11: u8 version 1 | f64 createdMs | f64 offset | u32 shard
 * index | f64 salt | stream name | 16 bytes of HMAC) are still read, for iterators handed out just before an
 * upgrade (they expire 5 minutes after they were made).
 */
import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';

export interface IteratorPosition {
  streamName: string;
  /** The stream incarnation (a 14-digit salt), so a recreated stream does not accept old iterators. */
  salt: string;
  shardIndex: number;
  offset: number;
  createdMs: number;
}

const HEADER = Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]);
const BLOCK = 16;
/** Plaintext bytes besides the stream name: 14 + 1 + 1 + 20 + 1 + 56 + 1 + 14 + 22. */
const FIXED_PLAINTEXT = 130;
const MAC_HEX = 22;
const SALT_DIGITS = 14;
const OFFSET_DIGITS = 56;
const SHARD_ID_CHARS = 20;
const SHARD_ID = /^shardId-(\d{12})$/;

const LEGACY_VERSION = 1;
const LEGACY_HEADER = 1 + 8 + 8 + 4 + 8;
const LEGACY_MAC_BYTES = 16;

function derive(secret: Buffer, label: string): Buffer {
  return createHmac('sha256', secret).update(label).digest();
}

export class IteratorCodec {
  private readonly aesKey: Buffer;
  private readonly iv: Buffer;
  private readonly macKey: Buffer;

  constructor(private readonly secret: Buffer) {
    this.aesKey = derive(secret, 'freshet shard iterator: aes-256-cbc key');
    this.iv = derive(secret, 'freshet shard iterator: iv').subarray(0, BLOCK);
    this.macKey = derive(secret, 'freshet shard iterator: mac key');
  }

  private mac(text: string): string {
    return createHmac('sha256', this.macKey).update(text).digest('hex').slice(0, MAC_HEX);
  }

  encode(p: IteratorPosition): string {
    const body =
      `${String(p.createdMs).padStart(14, '0')}/${p.streamName}/shardId-${String(p.shardIndex).padStart(12, '0')}/` +
      `${String(p.offset).padStart(OFFSET_DIGITS, '0')}/${p.salt}`;
    const cipher = createCipheriv('aes-256-cbc', this.aesKey, this.iv);
    return Buffer.concat([HEADER, cipher.update(body + this.mac(body), 'latin1'), cipher.final()]).toString('base64');
  }

  /** Undefined when the token is not one this server issued. */
  decode(token: string): IteratorPosition | undefined {
    const buf = Buffer.from(token, 'base64');
    if (buf.toString('base64') !== token) return undefined;
    if (buf.length > 0 && buf[0] === LEGACY_VERSION) return this.decodeLegacy(buf);
    if (buf.length < HEADER.length + BLOCK * 9 || (buf.length - HEADER.length) % BLOCK !== 0 || !buf.subarray(0, HEADER.length).equals(HEADER)) {
      return undefined;
    }
    let text: string;
    try {
      const decipher = createDecipheriv('aes-256-cbc', this.aesKey, this.iv);
      text = decipher.update(buf.subarray(HEADER.length), undefined, 'latin1') + decipher.final('latin1');
    } catch {
      return undefined;
    }
    const nameLength = text.length - FIXED_PLAINTEXT;
    if (nameLength < 1) return undefined;
    const body = text.slice(0, text.length - MAC_HEX);
    const mac = Buffer.from(text.slice(text.length - MAC_HEX), 'latin1');
    if (!timingSafeEqual(mac, Buffer.from(this.mac(body), 'latin1'))) return undefined;
    const nameEnd = 15 + nameLength;
    const shardId = SHARD_ID.exec(body.slice(nameEnd + 1, nameEnd + 1 + SHARD_ID_CHARS));
    const offsetStart = nameEnd + 2 + SHARD_ID_CHARS;
    if (!shardId) return undefined;
    return {
      createdMs: Number(body.slice(0, 14)),
      streamName: body.slice(15, nameEnd),
      shardIndex: Number(shardId[1]),
      offset: Number(body.slice(offsetStart, offsetStart + OFFSET_DIGITS)),
      salt: body.slice(offsetStart + OFFSET_DIGITS + 1, offsetStart + OFFSET_DIGITS + 1 + SALT_DIGITS),
    };
  }

  private decodeLegacy(buf: Buffer): IteratorPosition | undefined {
    if (buf.length < LEGACY_HEADER + 1 + LEGACY_MAC_BYTES) return undefined;
    const bodyLength = buf.length - LEGACY_MAC_BYTES;
    const mac = createHmac('sha256', this.secret).update(buf.subarray(0, bodyLength)).digest().subarray(0, LEGACY_MAC_BYTES);
    if (!timingSafeEqual(mac, buf.subarray(bodyLength))) return undefined;
    return {
      createdMs: buf.readDoubleBE(1),
      offset: buf.readDoubleBE(9),
      shardIndex: buf.readUInt32BE(17),
      salt: String(buf.readDoubleBE(21)),
      streamName: buf.toString('utf8', LEGACY_HEADER, bodyLength),
    };
  }
}

/** AWS's time format in ExpiredIteratorException messages: "Thu Jan 22 01:22:02 UTC 2015". */
export function amzUtcString(ms: number): string {
  const m = /^(\w+), (\d+) (\w+) (\d+) ([\d:]+) GMT$/.exec(new Date(ms).toUTCString());
  if (!m) return new Date(ms).toISOString();
  return `${m[1]} ${m[3]} ${m[2]} ${m[5]} UTC ${m[4]}`;
}
