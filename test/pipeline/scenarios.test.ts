/**
 * The example pipelines of examples/ run end to end on a real in-process
 * Freshet (Kinesis + KDA SQL + Firehose) with a ManualClock, and their output
 * files are checked value by value against the records the generators wrote.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readStream, type ReadRecord } from '../../src/pipeline/index.ts';
import { startScenario, type Scenario } from './scenario-harness.ts';

async function readInput(s: Scenario, stream: string): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  await readStream({ client: s.clients.kinesis, streamName: stream, follow: false, idlePollMs: 5, onRecord: (r) => out.push(r) });
  return out;
}

const rowsOf = (s: Scenario, bucket: string) =>
  s.files(bucket).flatMap((f) =>
    f.text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => ({ key: f.key, row: JSON.parse(l) as Record<string, unknown> })),
  );

/** KDA prints TIMESTAMP as `yyyy-MM-dd HH:mm:ss.SSS` (UTC). */
const kdaTime = (v: unknown) => Date.parse(`${String(v).replace(' ', 'T')}Z`);

/**
 * Groups input records into tumbling windows of `windowMs` by arrival time and
 * returns a function from an output row's window label to that window's
 * records, whichever edge (start or end) the engine uses as the label.
 */
function windows(records: ReadRecord[], windowMs: number) {
  const byStart = new Map<number, ReadRecord[]>();
  for (const r of records) {
    const start = Math.floor(r.approximateArrivalTimestamp!.getTime() / windowMs) * windowMs;
    let list = byStart.get(start);
    if (!list) byStart.set(start, (list = []));
    list.push(r);
  }
  return byStart;
}

describe('example pipelines end to end', () => {
  it('S1: revenue per store per minute equals the sum of that minute’s sales', async () => {
    const s = await startScenario('s1-revenue-per-store');
    try {
      await s.advance(180_000);
      for (const g of s.generators) await g.stop();
      await s.advance(120_000, 5000);
      const input = await readInput(s, 's1-sales-events');
      assert.ok(input.length >= 3000, `${input.length} sales events`);
      const out = rowsOf(s, 'freshet-s1');
      for (const o of out) assert.match(o.key, /^sales_revenue\/2021\/01\/31\/14\/s1-revenue-per-minute-1-2021-01-31-14-\d\d-\d\d-[0-9a-f-]{36}$/);
      const byStart = windows(input, 60_000);
      const starts = [...byStart.keys()].sort((a, b) => a - b);
      // Whole minutes only: the first and last minute of the run are partial on the producer side but still windows.
      const labels = [...new Set(out.map((o) => kdaTime(o.row.timestamp)))].sort((a, b) => a - b);
      const offset = labels[0]! - starts[0]!;
      assert.ok(offset === 0 || offset === 60_000, `window label offset ${offset}`);
      let checked = 0;
      for (const { row } of out) {
        const windowStart = kdaTime(row.timestamp) - offset;
        const sales = (byStart.get(windowStart) ?? []).map((r) => JSON.parse(Buffer.from(r.data).toString()) as { store_id: string; sales: number });
        const expected = sales.filter((x) => x.store_id === row.store_id).reduce((a, x) => a + x.sales, 0);
        assert.ok(Math.abs((row.revenue as number) - expected) < 0.02, `${row.store_id} @ ${row.timestamp}: revenue ${row.revenue}, sum of sales ${expected}`);
        checked++;
      }
      // Three whole minutes × five stores at least.
      assert.ok(checked >= 15, `${checked} rows checked`);
      assert.deepEqual([...new Set(out.map((o) => o.row.store_id))].sort(), ['store_1', 'store_2', 'store_3', 'store_4', 'store_5']);
    } finally {
      await s.close();
    }
  });

  it('S2: the injected 5% anomalous trades dominate the delivered anomalies', async () => {
    const s = await startScenario('s2-anomalous-trades');
    try {
      await s.advance(300_000, 2000);
      for (const g of s.generators) await g.stop();
      await s.advance(120_000, 5000);
      const stats = s.generators[0]!.stats;
      const out = rowsOf(s, 'freshet-s2').map((o) => o.row as { quantity: number; price: number; id: number; ANOMALY_SCORE: number });
      const injected = stats.anomalies;
      const flaggedInjected = out.filter((r) => r.quantity >= 1000).length;
      assert.ok(injected >= 100, `${injected} anomalies injected`);
      assert.ok(out.every((r) => r.ANOMALY_SCORE > 1));
      assert.ok(flaggedInjected / out.length >= 0.8, `${flaggedInjected} of ${out.length} delivered rows are injected anomalies`);
      assert.ok(flaggedInjected / injected >= 0.8, `${flaggedInjected} of ${injected} injected anomalies delivered`);
      const files = s.files('freshet-s2');
      assert.ok(files.length >= 3, 'a new file about every minute');
      for (const f of files) assert.match(f.key, /^anomalous-trades\/2021-01-31\/s2-anomalous-trades-1-/);
    } finally {
      await s.close();
    }
  });

  it('S3: ecommerce CSV rows reach 5-minute interval folders with marketplace, event_time, views', async () => {
    const s = await startScenario('s3-ecommerce-metrics');
    try {
      await s.advance(20 * 60_000, 10_000);
      for (const g of s.generators) await g.stop();
      await s.advance(400_000, 10_000);
      const input = (await readInput(s, 's3-ecommerce')).map((r) => Buffer.from(r.data).toString().trim().split(','));
      assert.ok(input.length >= 18 * 4, `${input.length} ecommerce rows`);
      const files = s.files('freshet-s3');
      assert.ok(files.length >= 3);
      for (const f of files) {
        const m = /^streaming-csv\/data\/intvl_date=(2021-01-31)\/intvl_hhmm=(\d\d)([0-5][05])\/[^/]+$/.exec(f.key);
        assert.ok(m, f.key);
        // Every row of an interval's file has its event time inside that 5-minute interval.
        for (const line of f.text.split('\n').filter((l) => l !== '')) {
          const eventTime = line.split(',')[1]!;
          const [, hh, mm] = /(\d\d):(\d\d):/.exec(eventTime) ?? [];
          assert.equal(eventTime.slice(0, 10), m[1], line);
          assert.equal(`${hh}${String(Math.floor(Number(mm) / 5) * 5).padStart(2, '0')}`, `${m[2]}${m[3]}`, `${line} under ${f.key}`);
        }
      }
      const delivered = files.flatMap((f) => f.text.split('\n').filter((l) => l !== '')).sort();
      const expected = input.map(([, marketplace, eventTime, views]) => `${marketplace},${eventTime},${views}`).sort();
      assert.deepEqual(delivered, expected);
    } finally {
      await s.close();
    }
  });

  it('S4.2: 100 ticker records a second become per-ticker 10-second averages in files', async () => {
    const s = await startScenario('s4-ticker-to-files');
    try {
      await s.advance(40_000, 1000);
      for (const g of s.generators) await g.stop();
      await s.advance(90_000, 5000);
      const input = await readInput(s, 's4-ticker');
      assert.ok(input.length >= 4000, `${input.length} ticker records`);
      const out = rowsOf(s, 'freshet-s4').map((o) => o.row as { TICKER: string; AVG_PRICE: number; QUOTES: number; WINDOW_END: string });
      const byStart = windows(input, 10_000);
      const firstStart = Math.min(...byStart.keys());
      const labels = out.map((r) => kdaTime(r.WINDOW_END));
      const offset = Math.min(...labels) - firstStart;
      assert.ok(offset === 0 || offset === 10_000, `window label offset ${offset}`);
      assert.ok(out.length >= 4 * 8, `${out.length} aggregate rows`);
      for (const r of out) {
        const quotes: { TICKER: string; PRICE: number }[] = (byStart.get(kdaTime(r.WINDOW_END) - offset) ?? [])
          .map((x) => JSON.parse(Buffer.from(x.data).toString()) as { TICKER: string; PRICE: number })
          .filter((x) => x.TICKER === r.TICKER);
        assert.equal(r.QUOTES, quotes.length, `${r.TICKER} @ ${r.WINDOW_END}`);
        const avg = quotes.reduce((a, x) => a + x.PRICE, 0) / quotes.length;
        assert.ok(Math.abs(r.AVG_PRICE - avg) < 1e-6, `${r.TICKER} @ ${r.WINDOW_END}: ${r.AVG_PRICE} vs ${avg}`);
      }
    } finally {
      await s.close();
    }
  });
});
