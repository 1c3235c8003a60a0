/**
 * S2 stock trades: tickerSymbol (≤ 8 chars), tradeType BUY/SELL, price
 * (double), quantity (int), id (int). The original producer sends 100 trades
 * per invocation, 5% of them with a significantly higher price and quantity.
 */
import { Rng, round } from './random.ts';
import type { GeneratorKind } from './types.ts';

/** Symbols and their usual price level. */
export const TICKERS: readonly { symbol: string; basePrice: number }[] = [
  { symbol: 'AAPL', basePrice: 90 },
  { symbol: 'AMZN', basePrice: 75 },
  { symbol: 'MSFT', basePrice: 60 },
  { symbol: 'INTC', basePrice: 30 },
  { symbol: 'TBV', basePrice: 20 },
  { symbol: 'NFLX', basePrice: 85 },
  { symbol: 'GOOG', basePrice: 95 },
  { symbol: 'ORCL', basePrice: 45 },
];
export const NORMAL_QUANTITY_MAX = 100;
/** Anomalies: price 5–10× the symbol's level, quantity 10–50× the usual maximum. */
export const ANOMALY_PRICE_FACTOR = [5, 10] as const;
export const ANOMALY_QUANTITY = [1000, 5000] as const;

export const trades: GeneratorKind = {
  name: 'trades',
  description: 'S2 stock trades: tickerSymbol, tradeType, price, quantity, id; 100 per invocation, 5% anomalous',
  scenario: 'S2',
  fields: ['tickerSymbol', 'tradeType', 'price', 'quantity', 'id'],
  defaultFormat: 'json',
  defaultSchedule: { kind: 'every', intervalMs: 10_000, batch: 100 },
  defaultAnomalyRate: 0.05,
  create({ seed, anomalyRate }) {
    const rng = new Rng(seed);
    let id = 0;
    return {
      next() {
        const t = rng.pick(TICKERS);
        const anomalous = anomalyRate > 0 && rng.chance(anomalyRate);
        const price = anomalous ? t.basePrice * rng.uniform(ANOMALY_PRICE_FACTOR[0], ANOMALY_PRICE_FACTOR[1]) : t.basePrice * (1 + 0.05 * rng.normal());
        const quantity = anomalous ? rng.int(ANOMALY_QUANTITY[0], ANOMALY_QUANTITY[1]) : rng.int(1, NORMAL_QUANTITY_MAX);
        id += 1;
        return {
          partitionKey: t.symbol,
          value: { tickerSymbol: t.symbol, tradeType: rng.chance(0.5) ? 'BUY' : 'SELL', price: round(Math.max(0.01, price), 2), quantity, id },
          anomalous,
        };
      },
    };
  },
};
