/** S4.2 ticker: 100 records/s of {"EVENT_TIME","TICKER","PRICE"}; prices walk randomly in 0–100. */
import { Rng, round } from './random.ts';
import { isoMillisZ } from './time-format.ts';
import type { GeneratorKind } from './types.ts';

export const TICKER_SYMBOLS = ['AMZN', 'AAPL', 'MSFT', 'GOOG', 'TSLA', 'NFLX', 'META', 'INTC'] as const;

export const ticker: GeneratorKind = {
  name: 'ticker',
  description: 'S4.2 ticker: {"EVENT_TIME","TICKER","PRICE"} at 100 records/s',
  scenario: 'S4.2',
  fields: ['EVENT_TIME', 'TICKER', 'PRICE'],
  defaultFormat: 'json',
  defaultSchedule: { kind: 'rate', perSecond: 100 },
  defaultAnomalyRate: 0,
  create({ seed, anomalyRate }) {
    const rng = new Rng(seed);
    const prices = TICKER_SYMBOLS.map(() => rng.uniform(20, 80));
    return {
      next(nowMs) {
        const i = rng.int(0, TICKER_SYMBOLS.length - 1);
        prices[i] = Math.min(100, Math.max(0, prices[i]! + rng.normal()));
        const anomalous = anomalyRate > 0 && rng.chance(anomalyRate);
        const price = anomalous ? Math.min(100, prices[i]! * 3) : prices[i]!;
        return { partitionKey: TICKER_SYMBOLS[i]!, value: { EVENT_TIME: isoMillisZ(nowMs), TICKER: TICKER_SYMBOLS[i]!, PRICE: round(price, 2) }, anomalous };
      },
    };
  },
};
