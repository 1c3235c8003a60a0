import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  GENERATORS,
  encodeRecord,
  getGenerator,
  STORES,
  CATEGORIES,
  TICKERS,
  PLATFORMS,
  MARKETPLACES,
  CRYPTO_TICKERS,
  TICKER_SYMBOLS,
} from '../../src/generators/index.ts';
import type { GeneratedRecord } from '../../src/generators/index.ts';

const T0 = Date.UTC(2021, 0, 31, 14, 5, 47, 190);

function take(kind: string, n: number, seed = 7, anomalyRate?: number): GeneratedRecord[] {
  const g = getGenerator(kind);
  const f = g.create({ seed, anomalyRate: anomalyRate ?? g.defaultAnomalyRate });
  return Array.from({ length: n }, (_, i) => f.next(T0 + i * 50));
}

describe('generator factories', () => {
  it('produce the same records for the same seed and different ones for another seed', () => {
    for (const kind of Object.keys(GENERATORS)) {
      const a = take(kind, 200, 42);
      const b = take(kind, 200, 42);
      const c = take(kind, 200, 43);
      assert.deepEqual(a, b, kind);
      assert.notDeepEqual(a, c, kind);
    }
  });

  it('sales: S1 fields from store_1…store_5 with Python-style event times and 2-decimal sales', () => {
    const recs = take('sales', 2000);
    const stores = new Set<string>();
    for (const r of recs) {
      assert.deepEqual(Object.keys(r.value), ['category', 'store_id', 'evnt_time', 'sales']);
      assert.ok((STORES as readonly string[]).includes(r.value.store_id as string));
      assert.ok((CATEGORIES as readonly string[]).includes(r.value.category as string));
      assert.match(r.value.evnt_time as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
      const s = r.value.sales as number;
      assert.ok(s >= 1 && s <= 100 && Math.abs(s * 100 - Math.round(s * 100)) < 1e-6, `sales ${s}`);
      assert.equal(r.partitionKey, r.value.store_id);
      stores.add(r.value.store_id as string);
    }
    assert.equal(stores.size, 5);
    assert.equal(recs[0]!.value.evnt_time, '2021-01-31T14:05:47.190000');
    const schedule = getGenerator('sales').defaultSchedule;
    assert.deepEqual(schedule, { kind: 'rate', perSecond: 20 }, '1,200 events a minute');
  });

  it('trades: S2 fields and types, increasing ids', () => {
    const recs = take('trades', 1000);
    recs.forEach((r, i) => {
      assert.deepEqual(Object.keys(r.value), ['tickerSymbol', 'tradeType', 'price', 'quantity', 'id']);
      assert.ok((r.value.tickerSymbol as string).length <= 8);
      assert.ok(r.value.tradeType === 'BUY' || r.value.tradeType === 'SELL');
      assert.equal(typeof r.value.price, 'number');
      assert.ok((r.value.price as number) > 0);
      assert.ok(Number.isInteger(r.value.quantity) && (r.value.quantity as number) >= 1);
      assert.equal(r.value.id, i + 1);
    });
  });

  it('trades: injects the configured share of anomalies, each with clearly higher price and quantity', () => {
    const n = 20_000;
    const recs = take('trades', n, 3, 0.05);
    const anomalies = recs.filter((r) => r.anomalous);
    const share = anomalies.length / n;
    assert.ok(share > 0.045 && share < 0.055, `anomaly share ${share}`);
    const base = new Map(TICKERS.map((t) => [t.symbol, t.basePrice]));
    let maxNormalPriceRatio = 0;
    let maxNormalQuantity = 0;
    for (const r of recs) {
      const ratio = (r.value.price as number) / base.get(r.value.tickerSymbol as string)!;
      if (r.anomalous) {
        assert.ok(ratio >= 5 && (r.value.quantity as number) >= 1000, JSON.stringify(r.value));
      } else {
        maxNormalPriceRatio = Math.max(maxNormalPriceRatio, ratio);
        maxNormalQuantity = Math.max(maxNormalQuantity, r.value.quantity as number);
      }
    }
    assert.ok(maxNormalPriceRatio < 2, `normal price ratio up to ${maxNormalPriceRatio}`);
    assert.ok(maxNormalQuantity <= 100);
    assert.equal(take('trades', 2000, 3, 0).filter((r) => r.anomalous).length, 0);
  });

  it('ecommerce: S3 CSV rows, one per platform × marketplace per run, detector time format', () => {
    const g = getGenerator('ecommerce');
    const recs = take('ecommerce', PLATFORMS.length * MARKETPLACES.length, 5, 0);
    const combos = new Set(recs.map((r) => `${r.value.platform}/${r.value.marketplace}`));
    assert.equal(combos.size, 18);
    const line = encodeRecord(recs[0]!, g.fields, g.defaultFormat);
    assert.match(line, /^web,US,2021-01-31 14:05:47\.1,\d+,\d+(\.\d{1,2})?\n$/);
    for (const r of recs) {
      assert.ok(Number.isInteger(r.value.views) && (r.value.views as number) > 0);
      assert.equal(typeof r.value.revenue, 'number');
    }
    assert.equal(g.defaultSchedule.kind === 'every' && g.defaultSchedule.intervalMs, 5 * 60_000);
  });

  it('ticker: S4.2 fields with ISO event times and prices in 0–100', () => {
    for (const r of take('ticker', 2000)) {
      assert.deepEqual(Object.keys(r.value), ['EVENT_TIME', 'TICKER', 'PRICE']);
      assert.match(r.value.EVENT_TIME as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok((TICKER_SYMBOLS as readonly string[]).includes(r.value.TICKER as string));
      assert.ok((r.value.PRICE as number) >= 0 && (r.value.PRICE as number) <= 100);
    }
  });

  it('sensors: ids 1–99, temperatures 10–180, status follows the thresholds', () => {
    const recs = take('sensors', 5000);
    let okCount = 0;
    let lowNotOk = 0;
    let low = 0;
    for (const r of recs) {
      const id = r.value.sensor_id as number;
      const t = r.value.current_temperature as number;
      const status = r.value.status as string;
      assert.ok(id >= 1 && id <= 99 && Number.isInteger(id));
      assert.equal(r.partitionKey, String(id));
      assert.ok(t >= 10 && t <= 180);
      if (t > 160) assert.equal(status, 'ERROR');
      else if (t > 140) assert.ok(status === 'WARNING' || status === 'ERROR');
      else {
        low++;
        if (status !== 'OK') lowNotOk++;
        else okCount++;
      }
    }
    const share = lowNotOk / low;
    assert.ok(share > 0.17 && share < 0.23, `non-OK share below 140: ${share}`);
    assert.ok(okCount > 0);
  });

  it('crypto: tickers BTC/ETH/BNB/XRP/DOGE and prices in 0–100', () => {
    for (const r of take('crypto', 2000)) {
      assert.deepEqual(Object.keys(r.value), ['event_time', 'ticker', 'price']);
      assert.ok((CRYPTO_TICKERS as readonly string[]).includes(r.value.ticker as string));
      assert.ok((r.value.price as number) >= 0 && (r.value.price as number) <= 100);
    }
  });

  it('encodes CSV with quoting and JSON compactly', () => {
    const rec: GeneratedRecord = { partitionKey: 'k', value: { a: 'x,y', b: 'say "hi"', c: 3 }, anomalous: false };
    assert.equal(encodeRecord(rec, ['a', 'b', 'c'], 'csv'), '"x,y","say ""hi""",3\n');
    assert.equal(encodeRecord(rec, ['a', 'b', 'c'], 'json'), '{"a":"x,y","b":"say \\"hi\\"","c":3}');
  });

  it('rejects an unknown kind with the list of kinds', () => {
    assert.throws(() => getGenerator('nope'), /unknown generator 'nope' — choose one of sales, trades, ecommerce, ticker, sensors, crypto/);
  });
});
