/** Crypto ticker: {"event_time": ISO, "ticker": BTC|ETH|BNB|XRP|DOGE, "price": 0–100}. */
import { Rng, round } from './random.ts';
import { isoMillisZ } from './time-format.ts';
import type { GeneratorKind } from './types.ts';

export const CRYPTO_TICKERS = ['BTC', 'ETH', 'BNB', 'XRP', 'DOGE'] as const;

export const crypto: GeneratorKind = {
  name: 'crypto',
  description: 'Crypto ticker: {"event_time","ticker","price"}, tickers BTC/ETH/BNB/XRP/DOGE, price 0–100',
  scenario: 'Other payloads',
  fields: ['event_time', 'ticker', 'price'],
  defaultFormat: 'json',
  defaultSchedule: { kind: 'rate', perSecond: 5 },
  defaultAnomalyRate: 0,
  create({ seed, anomalyRate }) {
    const rng = new Rng(seed);
    return {
      next(nowMs) {
        const t = rng.pick(CRYPTO_TICKERS);
        const anomalous = anomalyRate > 0 && rng.chance(anomalyRate);
        // Normal prices stay under 50 so an injected anomaly (90–100) stands out.
        const price = anomalous ? rng.uniform(90, 100) : rng.uniform(0, 50);
        return { partitionKey: t, value: { event_time: isoMillisZ(nowMs), ticker: t, price: round(price, 2) }, anomalous };
      },
    };
  },
};
