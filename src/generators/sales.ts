/**
 * S1 sales events: `{"category", "store_id", "evnt_time", "sales"}` from
 * store_1…store_5, about 1,200 events a minute. An anomaly is a sale ten to
 * twenty times the usual size.
 */
import { Rng, round } from './random.ts';
import { isoMicros } from './time-format.ts';
import type { GeneratorKind } from './types.ts';

export const STORES = ['store_1', 'store_2', 'store_3', 'store_4', 'store_5'] as const;
export const CATEGORIES = ['Electronics', 'Books', 'Clothing', 'Grocery', 'Toys', 'Home'] as const;
export const SALES_MIN = 1;
export const SALES_MAX = 100;

export const sales: GeneratorKind = {
  name: 'sales',
  description: 'S1 store sales: {"category","store_id","evnt_time","sales"}, 5 stores, ~1,200 events/min',
  scenario: 'S1',
  fields: ['category', 'store_id', 'evnt_time', 'sales'],
  defaultFormat: 'json',
  defaultSchedule: { kind: 'rate', perSecond: 20 },
  defaultAnomalyRate: 0,
  create({ seed, anomalyRate }) {
    const rng = new Rng(seed);
    return {
      next(nowMs) {
        const store = rng.pick(STORES);
        const anomalous = anomalyRate > 0 && rng.chance(anomalyRate);
        const amount = anomalous ? rng.uniform(SALES_MAX * 10, SALES_MAX * 20) : rng.uniform(SALES_MIN, SALES_MAX);
        return {
          partitionKey: store,
          value: { category: rng.pick(CATEGORIES), store_id: store, evnt_time: isoMicros(nowMs), sales: round(amount, 2) },
          anomalous,
        };
      },
    };
  },
};
