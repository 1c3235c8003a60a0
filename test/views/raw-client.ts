/**
 * A minimal Postgres protocol 3.0 client written from the protocol documentation (§55.7), independent of
 * Freshet's codec, for what drivers here do not expose: raw binary cells, Execute with a row limit,
 * CancelRequest timing and malformed input.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';

export interface BackendMessage {
  type: string;
  body: Buffer;
}

export interface RawResult {
  fields: Array<{ name: string; oid: number; format: number }>;
  rows: Array<Array<Buffer | null>>;
  tags: string[];
  errors: Array<Record<string, string>>;
  suspended: number;
  types: string[];
}

function frame(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function cstr(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
}

function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

export function parseFields(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < body.length && body[i] !== 0) {
    const code = String.fromCharCode(body[i]!);
    const end = body.indexOf(0, i + 1);
    out[code] = body.toString('utf8', i + 1, end);
    i = end + 1;
  }
  return out;
}

export class RawClient {
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  processId = 0;
  secretKey = 0;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('close', () => {
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async connect(port: number, user = 'analyst'): Promise<RawClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(s));
      s.on('error', reject);
    });
    const c = new RawClient(socket);
    const params = Buffer.concat([cstr('user'), cstr(user), cstr('database'), cstr('dev'), Buffer.from([0])]);
    socket.write(Buffer.concat([int32(params.length + 8), int32(196608), params]));
    for (;;) {
      const m = await c.next();
      if (m === undefined) throw new Error('connection closed during start-up');
      if (m.type === 'K') {
        c.processId = m.body.readInt32BE(0);
        c.secretKey = m.body.readInt32BE(4);
      }
      if (m.type === 'E') throw new Error(`start-up failed: ${JSON.stringify(parseFields(m.body))}`);
      if (m.type === 'Z') return c;
    }
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next backend message, or undefined once the connection has closed. */
  async next(): Promise<BackendMessage | undefined> {
    for (;;) {
      if (this.buf.length >= 5) {
        const len = this.buf.readInt32BE(1);
        if (this.buf.length >= len + 1) {
          const type = String.fromCharCode(this.buf[0]!);
          const body = this.buf.subarray(5, len + 1);
          this.buf = this.buf.subarray(len + 1);
          return { type, body };
        }
      }
      if (this.socket.destroyed || this.socket.readableEnded) return undefined;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** Reads messages up to and including ReadyForQuery. */
  async collect(): Promise<RawResult> {
    const r: RawResult = { fields: [], rows: [], tags: [], errors: [], suspended: 0, types: [] };
    for (;;) {
      const m = await this.next();
      if (m === undefined) return r;
      r.types.push(m.type);
      switch (m.type) {
        case 'T': {
          const n = m.body.readInt16BE(0);
          let i = 2;
          for (let k = 0; k < n; k++) {
            const end = m.body.indexOf(0, i);
            const name = m.body.toString('utf8', i, end);
            i = end + 1;
            const oid = m.body.readInt32BE(i + 6);
            const format = m.body.readInt16BE(i + 16);
            i += 18;
            r.fields.push({ name, oid, format });
          }
          break;
        }
        case 'D': {
          const n = m.body.readInt16BE(0);
          let i = 2;
          const row: Array<Buffer | null> = [];
          for (let k = 0; k < n; k++) {
            const len = m.body.readInt32BE(i);
            i += 4;
            if (len < 0) row.push(null);
            else {
              row.push(Buffer.from(m.body.subarray(i, i + len)));
              i += len;
            }
          }
          r.rows.push(row);
          break;
        }
        case 'C':
          r.tags.push(m.body.toString('utf8', 0, m.body.length - 1));
          break;
        case 'E':
          r.errors.push(parseFields(m.body));
          break;
        case 's':
          r.suspended++;
          break;
        case 'Z':
          return r;
      }
    }
  }

  async simple(sql: string): Promise<RawResult> {
    this.write(frame('Q', cstr(sql)));
    return this.collect();
  }

  /** Parse (unnamed), Bind (text parameters, one result format for all columns), Describe portal, Execute (maxRows) and, unless `sync` is false, Sync. */
  extended(sql: string, params: Array<string | null>, resultFormat: 0 | 1, maxRows = 0, sync = true): void {
    const bindParams = params.map((p) => (p === null ? int32(-1) : Buffer.concat([int32(Buffer.byteLength(p)), Buffer.from(p)])));
    this.write(
      Buffer.concat([
        frame('P', Buffer.concat([cstr(''), cstr(sql), int16(0)])),
        frame('B', Buffer.concat([cstr(''), cstr(''), int16(0), int16(params.length), ...bindParams, int16(1), int16(resultFormat)])),
        frame('D', Buffer.concat([Buffer.from('P'), cstr('')])),
        frame('E', Buffer.concat([cstr(''), int32(maxRows)])),
        ...(sync ? [frame('S', Buffer.alloc(0))] : []),
      ]),
    );
  }

  /** Execute the unnamed portal again (after PortalSuspended), then Sync. */
  executeMore(maxRows: number): void {
    this.write(Buffer.concat([frame('E', Buffer.concat([cstr(''), int32(maxRows)])), frame('S', Buffer.alloc(0))]));
  }

  sync(): void {
    this.write(frame('S', Buffer.alloc(0)));
  }

  async close(): Promise<void> {
    if (this.socket.destroyed) return;
    this.socket.end(frame('X', Buffer.alloc(0)));
    await new Promise<void>((r) => this.socket.once('close', () => r()));
  }
}
