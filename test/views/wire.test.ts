/**
 * The Postgres wire codec: frontend bytes captured from a real client (node-postgres, through a recording
 * proxy) decode the same at every split point; backend messages parse with node-postgres's own protocol
 * parser (pg-protocol); value formats match Postgres's output functions.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { parse as parseBackend } from 'pg-protocol';
import { BackendWriter } from '../../src/views/wire/backend.ts';
import { FrontendDecoder } from '../../src/views/wire/frontend.ts';
import type { FrontendMessage } from '../../src/views/wire/frontend.ts';
import {
  decodeNumericBinary,
  encodeNumericBinary,
  formatBytea,
  formatFloat,
  formatFloat4,
  formatInterval,
  formatTimestamp,
} from '../../src/views/wire/types.ts';
import { startViews } from './helpers.ts';
import type { ViewsHarness } from './helpers.ts';

function decodeAll(bytes: Buffer, splits: readonly number[]): FrontendMessage[] {
  const d = new FrontendDecoder();
  const out: FrontendMessage[] = [];
  let from = 0;
  for (const at of [...splits, bytes.length]) {
    d.push(bytes.subarray(from, at));
    from = at;
    for (let m = d.next(); m !== undefined; m = d.next()) out.push(m);
  }
  return out;
}

describe('Frontend decoder', () => {
  let h: ViewsHarness;
  let proxy: Server;
  let captured = Buffer.alloc(0);
  before(async () => {
    h = await startViews();
    // A proxy that records what node-postgres sends.
    proxy = createServer((client) => {
      const upstream = connect(h.pgPort, '127.0.0.1');
      client.on('data', (d) => {
        captured = Buffer.concat([captured, d]);
        upstream.write(d);
      });
      upstream.on('data', (d) => client.write(d));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const c = new pg.Client({
      host: '127.0.0.1',
      port: (proxy.address() as AddressInfo).port,
      user: 'analyst',
      database: 'dev',
      application_name: 'wire-test',
    });
    await c.connect();
    await c.query('SELECT 1');
    await c.query({ name: 'by-id', text: 'SELECT $1::int + $2::int AS s', values: [2, null] });
    await c.end();
  });
  after(async () => {
    await new Promise<void>((r) => proxy.close(() => r()));
    await h.close();
  });

  it('decodes what node-postgres sends, split at every byte offset, into the same messages', () => {
    const whole = decodeAll(captured, []);
    assert.deepEqual(
      whole.map((m) => m.type),
      ['startup', 'query', 'parse', 'bind', 'describe', 'execute', 'sync', 'terminate'],
    );
    const startup = whole[0] as Extract<FrontendMessage, { type: 'startup' }>;
    assert.equal(startup.protocol, 196608);
    assert.equal(startup.params.user, 'analyst');
    assert.equal(startup.params.database, 'dev');
    assert.equal(startup.params.application_name, 'wire-test');
    const parse = whole[2] as Extract<FrontendMessage, { type: 'parse' }>;
    assert.equal(parse.name, 'by-id');
    assert.equal(parse.sql, 'SELECT $1::int + $2::int AS s');
    const bind = whole[3] as Extract<FrontendMessage, { type: 'bind' }>;
    assert.deepEqual(
      bind.params.map((p) => (p === null ? null : Buffer.from(p).toString())),
      ['2', null],
    );
    for (let at = 1; at < captured.length; at++) assert.deepEqual(decodeAll(captured, [at]), whole, `split at ${at}`);
    // One byte at a time.
    assert.deepEqual(
      decodeAll(
        captured,
        Array.from({ length: captured.length - 1 }, (_, i) => i + 1),
      ),
      whole,
    );
  });

  it('decodes SSLRequest, CancelRequest and refuses an impossible length', () => {
    const ssl = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
    assert.deepEqual(decodeAll(ssl, []), [{ type: 'sslRequest' }]);
    const cancel = Buffer.alloc(16);
    cancel.writeInt32BE(16, 0);
    cancel.writeInt32BE(80877102, 4);
    cancel.writeInt32BE(1234, 8);
    cancel.writeInt32BE(-5, 12);
    assert.deepEqual(decodeAll(cancel, []), [{ type: 'cancel', processId: 1234, secretKey: -5 }]);
    const d = new FrontendDecoder();
    d.push(Buffer.from([0, 0, 0, 2, 0, 0, 0, 0]));
    assert.throws(() => d.next(), /invalid message length/);
  });
});

describe('Backend writer', () => {
  it('writes messages node-postgres parses', async () => {
    const w = new BackendWriter(16);
    w.authenticationOk();
    w.parameterStatus('server_version', '15.0 (Freshet)');
    w.backendKeyData(42, -7);
    w.rowDescription([{ name: 'naïve', tableOid: 0, columnAttr: 0, typeOid: 25, typeSize: -1, typeModifier: -1, format: 0 }]);
    w.beginRow(2);
    w.cellText('été ✓');
    w.cellNull();
    w.endRow();
    w.commandComplete('SELECT 1');
    w.errorResponse({ severity: 'ERROR', code: '42883', message: 'function f does not exist', hint: 'No function matches' });
    w.readyForQuery('T');
    const stream = new PassThrough();
    const seen: Array<Record<string, unknown>> = [];
    const done = parseBackend(stream, (m) => seen.push({ ...m }));
    stream.end(w.take());
    await done;
    assert.deepEqual(
      seen.map((m) => m.name),
      ['authenticationOk', 'parameterStatus', 'backendKeyData', 'rowDescription', 'dataRow', 'commandComplete', 'error', 'readyForQuery'],
    );
    assert.equal(seen[1]!.parameterValue, '15.0 (Freshet)');
    assert.equal(seen[2]!.processID, 42);
    assert.equal(seen[2]!.secretKey, -7);
    assert.equal((seen[3]!.fields as Array<{ name: string }>)[0]!.name, 'naïve');
    assert.deepEqual(seen[4]!.fields, ['été ✓', null]);
    assert.equal(seen[5]!.text, 'SELECT 1');
    assert.equal(seen[6]!.code, '42883');
    assert.equal(seen[6]!.hint, 'No function matches');
    assert.equal(seen[7]!.status, 'T');
  });
});

describe('Value formats', () => {
  it('formats timestamps, intervals, floats and bytea as Postgres prints them', () => {
    assert.equal(formatTimestamp(0n), '1970-01-01 00:00:00');
    assert.equal(formatTimestamp(1_711_965_600_123_400n), '2024-04-01 10:00:00.1234');
    assert.equal(formatTimestamp(-1n), '1969-12-31 23:59:59.999999');
    assert.equal(formatInterval(14, 3, 3_723_500_000n), '1 year 2 mons 3 days 01:02:03.5');
    assert.equal(formatInterval(0, 0, 0n), '00:00:00');
    assert.equal(formatFloat(1e-7), '1e-07');
    assert.equal(formatFloat(0.1 + 0.2), '0.30000000000000004');
    assert.equal(formatFloat(Number.NaN), 'NaN');
    assert.equal(formatFloat4(Math.fround(0.1)), '0.1');
    assert.equal(formatBytea(Buffer.from([0, 255, 16])), '\\x00ff10');
  });

  it('round-trips numerics through numeric_send', () => {
    for (const v of ['0', '12.50', '-0.0001', '123456789.123456789', '10000', '-99999999999999999.99', '0.00']) {
      const w = new BackendWriter();
      w.beginRow(1);
      encodeNumericBinary(w, v);
      w.endRow();
      const bytes = w.take();
      // DataRow: type, length, column count, cell length, cell
      const cell = bytes.subarray(11);
      assert.equal(decodeNumericBinary(cell), v, v);
    }
  });
});
