/** Synthetic interval data for detector tests: views per marketplace with a daily cycle and noise, as the ecommerce generator makes. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Rng } from '../../src/generators/random.ts';
import { formatJava } from '../../src/firehose/index.ts';

export const MARKETPLACES = ['US', 'UK', 'DE', 'FR', 'JP', 'IN'] as const;
const BASE: Record<string, number> = { US: 4000, UK: 1500, DE: 1200, FR: 900, JP: 1100, IN: 2000 };

export interface Injection {
  marketplace: string;
  /** Interval indexes affected. */
  from: number;
  to: number;
  /** Multiplier of the views (0.2 = a drop to a fifth). */
  factor: number;
}

/** Rows (marketplace, event_time, views) of interval `i` starting at `startMs`: one per platform × marketplace. */
export function intervalRows(rng: Rng, i: number, startMs: number, freqMs: number, inject: readonly Injection[] = [], dayOriginMs = 0): string[] {
  const rows: string[] = [];
  // The daily cycle's phase: from UTC midnight, or from `dayOriginMs` for a test whose data must not depend on the hour it runs at.
  const day = (2 * Math.PI * ((((startMs - dayOriginMs) % 86_400_000) + 86_400_000) % 86_400_000)) / 86_400_000;
  for (const m of MARKETPLACES) {
    for (const platform of ['web', 'mobile_app', 'mobile_web']) {
      let views = BASE[m]! * (platform === 'web' ? 1 : 0.6) * (1 + 0.3 * Math.sin(day)) * (1 + 0.05 * rng.normal());
      for (const j of inject) if (j.marketplace === m && i >= j.from && i <= j.to) views *= j.factor;
      const t = startMs + Math.floor(rng.uniform(0, freqMs - 1000));
      rows.push(`${m},${formatJava('yyyy-MM-dd HH:mm:ss.S', t)},${Math.round(views)}`);
    }
  }
  return rows;
}

/** Writes interval `startMs`'s CSV where the S3 example's delivery stream would. */
export function writeInterval(bucketDir: string, startMs: number, rows: readonly string[]): string {
  const dir = join(bucketDir, 'streaming-csv', 'data', `intvl_date=${formatJava('yyyy-MM-dd', startMs)}`, `intvl_hhmm=${formatJava('HHmm', startMs)}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'part-0000.csv');
  writeFileSync(file, `marketplace,event_time,views\n${rows.join('\n')}\n`);
  return file;
}
