import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/index.ts';
import { startGenerator, startReplay, loadReplayFile, parseEventTime } from '../../src/generators/index.ts';
import type { RecordSink, WriterStats } from '../../src/generators/index.ts';

/** A sink that stamps each record with the injected clock's time (the schedule under test). */
class ClockedSink implements RecordSink {
  readonly stats: WriterStats = { sent: 0, retried: 0, failed: 0, batches: 0 };
  readonly records: { atMs: number; data: string; key: string }[] = [];
  constructor(private readonly clock: ManualClock) {}
  add(data: Uint8Array, partitionKey: string): void {
    this.records.push({ atMs: this.clock.now(), data: Buffer.from(data).toString(), key: partitionKey });
    this.stats.sent++;
  }
  async flush(): Promise<void> {}
}

const tmp = mkdtempSync(join(tmpdir(), 'freshet-replay-'));

describe('generator schedules on an injected clock', () => {
  it('--rate 20/s writes 1,200 sales records in a minute, spread over the minute', async () => {
    const clock = new ManualClock();
    const sink = new ClockedSink(clock);
    const h = startGenerator({ kind: 'sales', sink, ratePerSecond: 20, clock });
    const t0 = clock.now();
    clock.advance(30_000);
    assert.equal(sink.records.length, 600);
    clock.advance(30_000);
    assert.equal(sink.records.length, 1200);
    const perSecond = new Map<number, number>();
    for (const r of sink.records) perSecond.set(Math.floor((r.atMs - t0 - 1) / 1000), (perSecond.get(Math.floor((r.atMs - t0 - 1) / 1000)) ?? 0) + 1);
    assert.ok(
      [...perSecond.values()].every((n) => n === 20),
      'twenty records in every second',
    );
    // Event times come from the clock.
    const first = JSON.parse(sink.records[0]!.data) as { evnt_time: string };
    assert.equal(first.evnt_time, new Date(sink.records[0]!.atMs).toISOString().replace('Z', '000'));
    const stats = await h.stop();
    assert.equal(stats.generated, 1200);
  });

  it('--every 5m writes one batch per interval and --count stops it', async () => {
    const clock = new ManualClock();
    const sink = new ClockedSink(clock);
    const h = startGenerator({ kind: 'ecommerce', sink, everyMs: 5 * 60_000, count: 18 * 3, clock });
    const t0 = clock.now();
    assert.equal(sink.records.length, 18, 'first batch at start');
    clock.advance(5 * 60_000 - 1);
    assert.equal(sink.records.length, 18);
    clock.advance(1);
    assert.equal(sink.records.length, 36);
    clock.advance(5 * 60_000);
    const stats = await h.done;
    assert.equal(stats.generated, 54);
    assert.deepEqual([...new Set(sink.records.map((r) => r.atMs - t0))], [0, 300_000, 600_000]);
    clock.advance(60 * 60_000);
    assert.equal(sink.records.length, 54);
    assert.equal(clock.pendingTimers, 0);
    assert.match(sink.records[0]!.data, /^web,US,2021-01-31 14:00:00\.0,\d+,[\d.]+\n$/);
  });

  it('trades default: 100 per invocation', async () => {
    const clock = new ManualClock();
    const sink = new ClockedSink(clock);
    const h = startGenerator({ kind: 'trades', sink, clock, count: 300 });
    assert.equal(sink.records.length, 100);
    clock.advance(10_000);
    assert.equal(sink.records.length, 200);
    clock.advance(10_000);
    await h.done;
    assert.equal(sink.records.length, 300);
  });

  it('replay spaces CSV rows by event time / speedup and keeps their event times', async () => {
    const file = join(tmp, 'hourly.csv');
    writeFileSync(file, 'timestamp,value\n2014-04-01 00:00:00,10\n2014-04-01 01:00:00,11\n2014-04-01 01:30:00,"12"\n2014-04-01 03:30:00,13\n');
    const clock = new ManualClock();
    const sink = new ClockedSink(clock);
    const t0 = clock.now();
    const h = startReplay({ file, sink, speedup: 3600, clock });
    assert.equal(h.rows, 4);
    assert.equal(sink.records.length, 1);
    clock.advance(999);
    assert.equal(sink.records.length, 1);
    clock.advance(1);
    assert.equal(sink.records.length, 2);
    clock.advance(10_000);
    const stats = await h.done;
    assert.equal(stats.generated, 4);
    assert.deepEqual(
      sink.records.map((r) => r.atMs - t0),
      [0, 1000, 1500, 3500],
    );
    assert.deepEqual(
      sink.records.map((r) => r.data),
      ['2014-04-01 00:00:00,10\n', '2014-04-01 01:00:00,11\n', '2014-04-01 01:30:00,"12"\n', '2014-04-01 03:30:00,13\n'],
    );
  });

  it('replay of JSONL keeps each line as written, converts CSV to JSON on request, and uses a key field', async () => {
    const file = join(tmp, 'sales.jsonl');
    const lines = [
      '{"category": "Books", "store_id": "store_1", "evnt_time": "2021-01-31T14:05:47.190114", "sales": 22.78}',
      '{"category": "Toys", "store_id": "store_2", "evnt_time": "2021-01-31T14:06:47.190114", "sales": 1.5}',
    ];
    writeFileSync(file, `${lines.join('\n')}\n`);
    const clock = new ManualClock();
    const sink = new ClockedSink(clock);
    const t0 = clock.now();
    const h = startReplay({ file, sink, speedup: 60, partitionKeyField: 'store_id', clock });
    clock.advance(1000);
    await h.done;
    assert.deepEqual(
      sink.records.map((r) => [r.atMs - t0, r.key, r.data]),
      [
        [0, 'store_1', lines[0]],
        [1000, 'store_2', lines[1]],
      ],
    );

    const csv = join(tmp, 'trades.csv');
    writeFileSync(csv, 'event_time,tickerSymbol,price\n2021-01-01T00:00:00Z,AAPL,90.5\n');
    const rows = loadReplayFile(csv, { format: 'json' });
    assert.deepEqual(JSON.parse(rows[0]!.data), { event_time: '2021-01-01T00:00:00Z', tickerSymbol: 'AAPL', price: 90.5 });
  });

  it('replay reads CSV rows whose quoted fields hold commas, quotes and line breaks (CRLF files too), keeping each row as written', () => {
    const file = join(tmp, 'quoted.csv');
    const row1 = '2021-01-01T00:00:00Z,"Smith, J","said ""hi""\r\nthen left"';
    writeFileSync(file, `event_time,name,note\r\n${row1}\r\n2021-01-01T00:00:01Z,plain,x\r\n`);
    const rows = loadReplayFile(file);
    assert.deepEqual(
      rows.map((r) => r.data),
      [`${row1}\n`, '2021-01-01T00:00:01Z,plain,x\n'],
    );
    assert.deepEqual(JSON.parse(loadReplayFile(file, { format: 'json' })[0]!.data), {
      event_time: '2021-01-01T00:00:00Z',
      name: 'Smith, J',
      note: 'said "hi"\r\nthen left',
    });
  });

  it('replay names the missing time column and the fix', () => {
    const file = join(tmp, 'notime.csv');
    writeFileSync(file, 'a,b\n1,2\n');
    assert.throws(() => loadReplayFile(file), /no event-time column — columns are a, b; pass --time-field/);
  });

  it('parses the event-time forms the scenarios use', () => {
    assert.equal(parseEventTime('2021-01-31T14:05:47.190114'), Date.UTC(2021, 0, 31, 14, 5, 47, 190));
    assert.equal(parseEventTime('2021-06-02 22:35:10.5'), Date.UTC(2021, 5, 2, 22, 35, 10, 500));
    assert.equal(parseEventTime('2020-08-01T12:00:00.000Z'), Date.UTC(2020, 7, 1, 12));
    assert.equal(parseEventTime(1612101947), 1612101947000);
    assert.equal(parseEventTime('1612101947190'), 1612101947190);
    assert.ok(Number.isNaN(parseEventTime('soon')));
  });
});
