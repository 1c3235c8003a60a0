/**
 * PostgreSQL protocol 3.0, the backend side: typed messages → bytes.
 * Reference: PostgreSQL 16 documentation, §55.7 Message Formats (backend messages) and §55.8 Error and
 * Notice Message Fields.
 *
 * One growable buffer per connection: messages are written back to back and `take()`n as one socket write.
 * Writers are shaped (value) → void on the current position; the buffer grows by 1.5× when full.
 */

/** One column of a RowDescription. */
export interface FieldDescription {
  name: string;
  tableOid: number;
  columnAttr: number;
  typeOid: number;
  typeSize: number;
  typeModifier: number;
  /** 0 text, 1 binary. */
  format: number;
}

/** ErrorResponse / NoticeResponse fields (§55.8): severity, SQLSTATE code, message, and optional extras. */
export interface ErrorFields {
  severity: 'ERROR' | 'FATAL' | 'PANIC' | 'WARNING' | 'NOTICE' | 'INFO' | 'LOG' | 'DEBUG';
  code: string;
  message: string;
  detail?: string;
  hint?: string;
  /** 1-based character position in the query text. */
  position?: number;
}

export class BackendWriter {
  private buf: Buffer;
  private pos = 0;
  /** Start of the message being written (for its length). */
  private msgStart = 0;

  constructor(initialBytes = 16 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.pos;
  }

  /** The bytes written so far (a copy), leaving the writer empty. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length;
    while (size < this.pos + n) size = Math.ceil(size * 1.5);
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private begin(code: number): void {
    this.ensure(5);
    this.msgStart = this.pos;
    this.buf[this.pos] = code;
    this.pos += 5;
  }

  private end(): void {
    this.buf.writeInt32BE(this.pos - this.msgStart - 1, this.msgStart + 1);
  }

  private int16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
  }

  private int32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v | 0, this.pos);
    this.pos += 4;
  }

  private byte(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  private cstring(s: string): void {
    this.ensure(Buffer.byteLength(s) + 1);
    this.pos += this.buf.write(s, this.pos, 'utf8');
    this.buf[this.pos++] = 0;
  }

  private raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  authenticationOk(): void {
    this.begin(0x52);
    this.int32(0);
    this.end();
  }

  authenticationCleartextPassword(): void {
    this.begin(0x52);
    this.int32(3);
    this.end();
  }

  parameterStatus(name: string, value: string): void {
    this.begin(0x53);
    this.cstring(name);
    this.cstring(value);
    this.end();
  }

  backendKeyData(processId: number, secretKey: number): void {
    this.begin(0x4b);
    this.int32(processId);
    this.int32(secretKey);
    this.end();
  }

  /** 'I' idle, 'T' in a transaction block, 'E' in a failed transaction block. */
  readyForQuery(status: 'I' | 'T' | 'E'): void {
    this.begin(0x5a);
    this.byte(status.charCodeAt(0));
    this.end();
  }

  rowDescription(fields: readonly FieldDescription[]): void {
    this.begin(0x54);
    this.int16(fields.length);
    for (const f of fields) {
      this.cstring(f.name);
      this.int32(f.tableOid);
      this.int16(f.columnAttr);
      this.int32(f.typeOid);
      this.int16(f.typeSize);
      this.int32(f.typeModifier);
      this.int16(f.format);
    }
    this.end();
  }

  // hot path: one call per result row.
  /**
   * Starts a DataRow of `columns` values; each value is then written with `cellNull`, `cellBytes` or
   * `cellText`, and the row closed with `endRow`.
   */
  beginRow(columns: number): void {
    this.begin(0x44);
    this.int16(columns);
  }

  cellNull(): void {
    this.int32(-1);
  }

  cellBytes(b: Uint8Array): void {
    this.ensure(4 + b.length);
    this.buf.writeInt32BE(b.length, this.pos);
    this.buf.set(b, this.pos + 4);
    this.pos += 4 + b.length;
  }

  /** A text value, UTF-8 encoded in place. */
  cellText(s: string): void {
    // A JS string of n UTF-16 units is at most 3n UTF-8 bytes.
    this.ensure(4 + s.length * 3);
    const n = this.buf.write(s, this.pos + 4, 'utf8');
    this.buf.writeInt32BE(n, this.pos);
    this.pos += 4 + n;
  }

  /** A binary value written by `write` into `size` bytes at the returned offset. */
  cellFixed(size: number): { buf: Buffer; offset: number } {
    this.ensure(4 + size);
    this.buf.writeInt32BE(size, this.pos);
    const offset = this.pos + 4;
    this.pos += 4 + size;
    return { buf: this.buf, offset };
  }

  endRow(): void {
    this.end();
  }

  commandComplete(tag: string): void {
    this.begin(0x43);
    this.cstring(tag);
    this.end();
  }

  emptyQueryResponse(): void {
    this.begin(0x49);
    this.end();
  }

  private fields(f: ErrorFields): void {
    this.byte(0x53); // S: localized severity
    this.cstring(f.severity);
    this.byte(0x56); // V: severity, never localized
    this.cstring(f.severity);
    this.byte(0x43); // C: SQLSTATE
    this.cstring(f.code);
    this.byte(0x4d); // M: message
    this.cstring(f.message);
    if (f.detail !== undefined) {
      this.byte(0x44);
      this.cstring(f.detail);
    }
    if (f.hint !== undefined) {
      this.byte(0x48);
      this.cstring(f.hint);
    }
    if (f.position !== undefined) {
      this.byte(0x50);
      this.cstring(String(f.position));
    }
    this.byte(0);
  }

  errorResponse(f: ErrorFields): void {
    this.begin(0x45);
    this.fields(f);
    this.end();
  }

  noticeResponse(f: ErrorFields): void {
    this.begin(0x4e);
    this.fields(f);
    this.end();
  }

  parseComplete(): void {
    this.begin(0x31);
    this.end();
  }

  bindComplete(): void {
    this.begin(0x32);
    this.end();
  }

  closeComplete(): void {
    this.begin(0x33);
    this.end();
  }

  noData(): void {
    this.begin(0x6e);
    this.end();
  }

  portalSuspended(): void {
    this.begin(0x73);
    this.end();
  }

  parameterDescription(oids: readonly number[]): void {
    this.begin(0x74);
    this.int16(oids.length);
    for (const o of oids) this.int32(o);
    this.end();
  }

  /** COPY … TO STDOUT: overall format 0 (text) with `columns` text columns. */
  copyOutResponse(columns: number): void {
    this.begin(0x48);
    this.byte(0);
    this.int16(columns);
    for (let i = 0; i < columns; i++) this.int16(0);
    this.end();
  }

  copyData(data: Uint8Array): void {
    this.begin(0x64);
    this.raw(data);
    this.end();
  }

  /** Starts a CopyData message whose content is appended with `copyText`, then closed with `endCopyData`. */
  beginCopyData(): void {
    this.begin(0x64);
  }

  copyText(s: string): void {
    this.ensure(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  endCopyData(): void {
    this.end();
  }

  copyDone(): void {
    this.begin(0x63);
    this.end();
  }
}

/** The one-byte answer to SSLRequest / GSSENCRequest: 'S' (go ahead with TLS) or 'N' (no). */
export function sslResponse(accept: boolean): Buffer {
  return Buffer.from([accept ? 0x53 : 0x4e]);
}
