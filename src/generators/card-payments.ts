/**
 * Card payments (SCENARIOS.md, "Other payloads"): `{"TRANSACTION_ID", "TX_DATETIME", "CUSTOMER_ID",
 * "TERMINAL_ID", "TX_AMOUNT"}` — a bigint id counting up, `yyyy-MM-dd HH:mm:ss` times, 5,000 customers
 * paying at 1,000 terminals, amounts with two decimals around each customer's usual spend. The partition
 * key is the customer. An anomaly is a fraudulent payment of 220–1,000 (the usual fraud rule on this data:
 * any amount over 220).
 */
import { Rng, round } from './random.ts';
import type { GeneratorKind } from './types.ts';

export const CUSTOMERS = 5_000;
export const TERMINALS = 1_000;
export const FRAUD_MIN_AMOUNT = 220;

const pad = (n: number) => String(n).padStart(2, '0');

/** `2024-04-01 10:05:47` (UTC). */
export function txDatetime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export const cardPayments: GeneratorKind = {
  name: 'card-payments',
  description: 'card payments: {"TRANSACTION_ID","TX_DATETIME","CUSTOMER_ID","TERMINAL_ID","TX_AMOUNT"}, 5,000 customers, 1,000 terminals',
  scenario: 'card payments',
  fields: ['TRANSACTION_ID', 'TX_DATETIME', 'CUSTOMER_ID', 'TERMINAL_ID', 'TX_AMOUNT'],
  defaultFormat: 'json',
  defaultSchedule: { kind: 'rate', perSecond: 50 },
  defaultAnomalyRate: 0,
  create({ seed, anomalyRate }) {
    const rng = new Rng(seed);
    let id = 0;
    return {
      next(nowMs) {
        const customer = rng.int(0, CUSTOMERS - 1);
        // Each customer's usual spend: 5–100, the same for every run of a seed.
        const usual = 5 + ((customer * 7919) % 96);
        const anomalous = anomalyRate > 0 && rng.chance(anomalyRate);
        const amount = anomalous ? rng.uniform(FRAUD_MIN_AMOUNT, 1000) : Math.max(0.01, rng.uniform(usual * 0.5, usual * 1.5));
        id++;
        return {
          partitionKey: String(customer),
          value: {
            TRANSACTION_ID: id,
            TX_DATETIME: txDatetime(nowMs),
            CUSTOMER_ID: customer,
            TERMINAL_ID: rng.int(0, TERMINALS - 1),
            TX_AMOUNT: round(amount, 2),
          },
          anomalous,
        };
      },
    };
  },
};
