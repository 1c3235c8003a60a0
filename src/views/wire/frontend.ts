/**
 * PostgreSQL frontend/backend protocol 3.0, the frontend side: bytes a client sends → typed messages.
 * Reference: PostgreSQL 16 documentation, chapter 55 "Frontend/Backend Protocol", §55.7 Message Formats.
 *
 * A pure, incremental decoder: `push()` bytes as they arrive (in any split), `next()` returns whole messages.
 * The first message of a connection has no type byte (StartupMessage, SSLRequest, GSSENCRequest,
 * CancelRequest: Int32 length, Int32 code); after SSLRequest/GSSENCRequest another such message follows.
 * Every later message is Byte1 type, Int32 length (including itself), body.
 */

export const PROTOCOL_3_0 = 196608;
export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;

/** Larger messages are refused as a protocol violation (PostgreSQL's own limit is 1 GB). */
export const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

export type FrontendMessage =
  | { type: 'startup'; protocol: number; params: Record<string, string> }
  | { type: 'sslRequest' }
  | { type: 'gssEncRequest' }
  | { type: 'cancel'; processId: number; secretKey: number }
  | { type: 'query'; sql: string }
  | { type: 'parse'; name: string; sql: string; paramTypes: number[] }
  | {
      type: 'bind';
      portal: string;
      statement: string;
      paramFormats: number[];
      params: Array<Uint8Array | null>;
      resultFormats: number[];
    }
  | { type: 'describe'; target: 'S' | 'P'; name: string }
  | { type: 'execute'; portal: string; maxRows: number }
  | { type: 'close'; target: 'S' | 'P'; name: string }
  | { type: 'sync' }
  | { type: 'flush' }
  | { type: 'terminate' }
  | { type: 'password'; data: Uint8Array }
  | { type: 'copyData'; data: Uint8Array }
  | { type: 'copyDone' }
  | { type: 'copyFail'; message: string }
  | { type: 'functionCall' }
  | { type: 'unknown'; code: number };

/** A malformed message: the connection answers with SQLSTATE 08P01 (protocol_violation) and closes. */
export class ProtocolError extends Error {
  readonly sqlState = '08P01';
}

/** Reads fields out of one message body. */
class BodyReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  /** A NUL-terminated UTF-8 string. */
  cstring(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw new ProtocolError('invalid string in message');
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  rest(): Uint8Array {
    const b = this.buf.subarray(this.pos);
    this.pos = this.buf.length;
    return b;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new ProtocolError('invalid message format');
  }
}

function decodeStartup(body: Buffer): FrontendMessage {
  const r = new BodyReader(body);
  const code = r.int32();
  if (code === SSL_REQUEST_CODE) return { type: 'sslRequest' };
  if (code === GSSENC_REQUEST_CODE) return { type: 'gssEncRequest' };
  if (code === CANCEL_REQUEST_CODE) return { type: 'cancel', processId: r.int32(), secretKey: r.int32() };
  if (code >>> 16 !== 3) throw new ProtocolError(`unsupported frontend protocol ${code >>> 16}.${code & 0xffff}: server supports 3.0 to 3.0`);
  const params: Record<string, string> = {};
  while (r.remaining > 1) {
    const k = r.cstring();
    if (k === '') break;
    params[k] = r.cstring();
  }
  return { type: 'startup', protocol: code, params };
}

function decodeTyped(code: number, body: Buffer): FrontendMessage {
  const r = new BodyReader(body);
  switch (code) {
    case 0x51: // 'Q'
      return { type: 'query', sql: r.cstring() };
    case 0x50: {
      // 'P'
      const name = r.cstring();
      const sql = r.cstring();
      const n = r.int16();
      const paramTypes = new Array<number>(n);
      for (let i = 0; i < n; i++) paramTypes[i] = r.int32() >>> 0;
      return { type: 'parse', name, sql, paramTypes };
    }
    case 0x42: {
      // 'B'
      const portal = r.cstring();
      const statement = r.cstring();
      const nf = r.int16();
      const paramFormats = new Array<number>(nf);
      for (let i = 0; i < nf; i++) paramFormats[i] = r.int16();
      const np = r.int16();
      const params = new Array<Uint8Array | null>(np);
      for (let i = 0; i < np; i++) {
        const len = r.int32();
        params[i] = len < 0 ? null : r.bytes(len);
      }
      const nr = r.int16();
      const resultFormats = new Array<number>(nr);
      for (let i = 0; i < nr; i++) resultFormats[i] = r.int16();
      return { type: 'bind', portal, statement, paramFormats, params, resultFormats };
    }
    case 0x44: {
      // 'D'
      const t = r.byte();
      if (t !== 0x53 && t !== 0x50) throw new ProtocolError(`invalid DESCRIBE message subtype ${t}`);
      return { type: 'describe', target: t === 0x53 ? 'S' : 'P', name: r.cstring() };
    }
    case 0x45: // 'E'
      return { type: 'execute', portal: r.cstring(), maxRows: r.int32() };
    case 0x43: {
      // 'C'
      const t = r.byte();
      if (t !== 0x53 && t !== 0x50) throw new ProtocolError(`invalid CLOSE message subtype ${t}`);
      return { type: 'close', target: t === 0x53 ? 'S' : 'P', name: r.cstring() };
    }
    case 0x53: // 'S'
      return { type: 'sync' };
    case 0x48: // 'H'
      return { type: 'flush' };
    case 0x58: // 'X'
      return { type: 'terminate' };
    case 0x70: // 'p': PasswordMessage, SASLInitialResponse, SASLResponse, GSSResponse
      return { type: 'password', data: r.rest() };
    case 0x64: // 'd'
      return { type: 'copyData', data: r.rest() };
    case 0x63: // 'c'
      return { type: 'copyDone' };
    case 0x66: // 'f'
      return { type: 'copyFail', message: r.cstring() };
    case 0x46: // 'F'
      return { type: 'functionCall' };
    default:
      return { type: 'unknown', code };
  }
}

/**
 * Incremental decoder. `expectStartup` is true until the StartupMessage (or a CancelRequest) has been
 * decoded; an SSLRequest or GSSENCRequest keeps it true, since the startup packet follows.
 */
export class FrontendDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  expectStartup = true;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.buffered += chunk.length;
  }

  /** The next whole message, or undefined until more bytes arrive. Throws ProtocolError on a malformed one. */
  next(): FrontendMessage | undefined {
    const headerBytes = this.expectStartup ? 4 : 5;
    if (this.buffered < headerBytes) return undefined;
    const head = this.peek(headerBytes);
    const code = this.expectStartup ? -1 : head[0]!;
    const length = head.readInt32BE(this.expectStartup ? 0 : 1);
    const minLength = this.expectStartup ? 8 : 4;
    if (length < minLength || length > MAX_MESSAGE_BYTES) throw new ProtocolError(`invalid message length ${length}`);
    const total = length + (this.expectStartup ? 0 : 1);
    if (this.buffered < total) return undefined;
    const whole = this.take(total);
    const body = whole.subarray(headerBytes);
    if (!this.expectStartup) return decodeTyped(code, body);
    const msg = decodeStartup(body);
    if (msg.type === 'startup' || msg.type === 'cancel') this.expectStartup = false;
    return msg;
  }

  /** True when a whole message is buffered (cheap: reads the header only). */
  hasMessage(): boolean {
    const headerBytes = this.expectStartup ? 4 : 5;
    if (this.buffered < headerBytes) return false;
    const head = this.peek(headerBytes);
    const length = head.readInt32BE(this.expectStartup ? 0 : 1);
    return this.buffered >= length + (this.expectStartup ? 0 : 1);
  }

  /** Bytes received but not yet decoded (e.g. a TLS ClientHello sent right after the SSLRequest). */
  drain(): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [];
    this.buffered = 0;
    return all;
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first;
    this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  private take(n: number): Buffer {
    let first = this.chunks[0]!;
    if (first.length < n) {
      first = Buffer.concat(this.chunks);
      this.chunks = [first];
    }
    this.buffered -= n;
    if (first.length === n) {
      this.chunks.shift();
      return first;
    }
    this.chunks[0] = first.subarray(n);
    return first.subarray(0, n);
  }
}
