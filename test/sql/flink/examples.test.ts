/**
 * The Flink examples' SQL, verbatim from examples/, over records from
 * Freshet's own generators on a ManualClock: every window's values are
 * recomputed independently and compared exactly.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ManualClock } from '../../../src/core/index.ts';
import { getGenerator } from '../../../src/generators/index.ts';
import { FileSystemSink, FlinkApplication, resolveTablePath } from '../../../src/sql/index.ts';

const ROOT = new URL('../../../examples/', import.meta.url);
const tmp = mkdtempSync(join(tmpdir(), 'freshet-flink-examples-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('examples/crypto-studio (Studio notebook SQL)', () => {
  it('sums price per ticker per event-time minute, fires windows by the 5-second watermark and commits daily files', () => {
    const code = readFileSync(new URL('crypto-studio/crypto.sql', ROOT), 'utf8');
    const clock = new ManualClock(Date.UTC(2021, 0, 31, 23, 57, 30));
    const app = FlinkApplication.compile(code, { clock });
    const totals: Record<string, unknown>[] = [];
    const enc = app.encoder('crypto_totals');
    app.onOutput('crypto_totals', (rows) => {
      for (const r of rows) totals.push(JSON.parse(enc(r)!) as Record<string, unknown>);
    });
    const archive = app.stream('crypto_archive');
    const dir = resolveTablePath(archive.flink!.connector.options.path!, { s3Root: join(tmp, 's3') });
    const files = new FileSystemSink({
      dir,
      columns: archive.columns,
      partitionKeys: archive.flink!.partitionedBy!,
      format: archive.flink!.connector.format!,
      options: archive.flink!.connector.options,
    });
    app.onOutput('crypto_archive', (rows) => files.write(rows, clock.now()));
    app.start(1000);

    const gen = getGenerator('crypto').create({ seed: 11, anomalyRate: 0 });
    const expected = new Map<string, { total: number; n: number }>();
    let lastEvent = 0;
    // 5 records a second for 5 minutes, across midnight (two daily partitions), in 1-second batches.
    for (let s = 0; s < 300; s++) {
      const batch = [];
      for (let k = 0; k < 5; k++) {
        const g = gen.next(clock.now() + k * 150);
        const v = g.value as { event_time: string; ticker: string; price: number };
        const t = Date.parse(v.event_time);
        const minute = t - (t % 60_000);
        const key = `${v.ticker}|${minute}`;
        const e = expected.get(key) ?? { total: 0, n: 0 };
        e.total += v.price;
        e.n++;
        expected.set(key, e);
        lastEvent = Math.max(lastEvent, t);
        batch.push({ data: JSON.stringify(v), partitionKey: g.partitionKey, shardId: 'shardId-000000000000' });
      }
      app.pushRecords('crypto_ticker', batch, clock.now());
      clock.advance(1000);
    }
    // Windows whose end - 1 the watermark (latest event - 5 s) has reached are out, and only those.
    const wm = lastEvent - 5000;
    const want = [...expected.entries()]
      .filter(([k]) => Number(k.split('|')[1]) + 60_000 - 1 <= wm)
      .map(([k, e]) => {
        const [ticker, start] = k.split('|') as [string, string];
        const iso = (ms: number): string =>
          new Date(ms)
            .toISOString()
            .replace(/\.000Z$/, '')
            .replace(/Z$/, '');
        return { ticker, window_start: iso(Number(start)), window_end: iso(Number(start) + 60_000), total_price: e.total, trades: e.n };
      });
    const key = (o: Record<string, unknown>): string => `${String(o.window_start)} ${String(o.ticker)}`;
    assert.equal(totals.length, want.length);
    assert.ok(totals.length >= 20, `expected at least 4 minutes × 5 tickers, got ${totals.length}`);
    assert.deepEqual(
      [...totals].sort((a, b) => key(a).localeCompare(key(b))),
      want.sort((a, b) => key(a).localeCompare(key(b))),
    );
    assert.equal(app.metrics().lateRowsDropped, 0);

    // The archive: the same totals, one directory per day, visible once committed.
    const done = files.commit(files.prepare(), clock.now(), wm);
    assert.deepEqual(done.partitions.sort(), ['dt=2021-01-31', 'dt=2021-02-01']);
    const lines = done.files.flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n'));
    assert.equal(lines.length, want.length);
    assert.ok(readdirSync(join(dir, 'dt=2021-02-01')).includes('_SUCCESS'));
    app.close();
  });
});

describe('examples/s4-ticker-flink (S4.2 in Flink SQL)', () => {
  it('averages each ticker per 10 seconds of event time, with count, min and max', () => {
    const code = readFileSync(new URL('s4-ticker-flink/ticker.sql', ROOT), 'utf8');
    const clock = new ManualClock(Date.UTC(2020, 7, 1, 12, 0, 0));
    const app = FlinkApplication.compile(code, { clock });
    const out: Record<string, unknown>[] = [];
    const enc = app.encoder('ticker_aggregates');
    app.onOutput('ticker_aggregates', (rows) => {
      for (const r of rows) out.push(JSON.parse(enc(r)!) as Record<string, unknown>);
    });
    const gen = getGenerator('ticker').create({ seed: 3, anomalyRate: 0 });
    const expected = new Map<string, number[]>();
    let lastEvent = 0;
    // 100 records a second for a minute (S4.2's producer), pushed every 100 ms.
    for (let step = 0; step < 600; step++) {
      const batch = [];
      for (let k = 0; k < 10; k++) {
        const v = gen.next(clock.now() + k * 10).value as { EVENT_TIME: string; TICKER: string; PRICE: number };
        const t = Date.parse(v.EVENT_TIME);
        const key = `${v.TICKER}|${t - (t % 10_000) + 10_000}`;
        expected.set(key, [...(expected.get(key) ?? []), v.PRICE]);
        lastEvent = Math.max(lastEvent, t);
        batch.push({ data: JSON.stringify(v) });
      }
      app.pushRecords('ticker_stream', batch, clock.now());
      clock.advance(100);
    }
    const wm = lastEvent - 2000;
    const want = [...expected.entries()]
      .filter(([k]) => Number(k.split('|')[1]) - 1 <= wm)
      .map(([k, prices]) => {
        const [ticker, end] = k.split('|') as [string, string];
        let sum = 0;
        for (const p of prices) sum += p;
        return {
          TICKER: ticker,
          WINDOW_END: new Date(Number(end))
            .toISOString()
            .replace('T', ' ')
            .replace(/\.000Z$/, ''),
          AVG_PRICE: sum / prices.length,
          QUOTES: prices.length,
          MIN_PRICE: Math.min(...prices),
          MAX_PRICE: Math.max(...prices),
        };
      });
    const key = (o: Record<string, unknown>): string => `${String(o.WINDOW_END)} ${String(o.TICKER)}`;
    assert.ok(out.length >= 5 * 8 - 8, `expected most 10-second windows of 8 tickers, got ${out.length}`);
    assert.deepEqual(
      [...out].sort((a, b) => key(a).localeCompare(key(b))),
      want.sort((a, b) => key(a).localeCompare(key(b))),
    );
    app.close();
  });
});
