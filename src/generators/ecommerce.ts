/**
 * S3 e-commerce metrics, CSV: platform, marketplace, event_time, views,
 * revenue. Each run (every runFrequency minutes, default 5) emits one row per
 * platform × marketplace. An anomaly multiplies that row's views (and so its
 * revenue) by 3–6.
 */
import { Rng, round } from './random.ts';
import { sqlTenths } from './time-format.ts';
import type { GeneratorKind } from './types.ts';

export const PLATFORMS = ['web', 'mobile_app', 'mobile_web'] as const;
export const MARKETPLACES = ['US', 'UK', 'DE', 'FR', 'JP', 'IN'] as const;
const BASE_VIEWS: Record<string, number> = { US: 4000, UK: 1500, DE: 1200, FR: 900, JP: 1100, IN: 2000 };

export const ecommerce: GeneratorKind = {
  name: 'ecommerce',
  description: 'S3 e-commerce CSV: platform,marketplace,event_time,views,revenue; one row per platform×marketplace every 5 min',
  scenario: 'S3',
  fields: ['platform', 'marketplace', 'event_time', 'views', 'revenue'],
  defaultFormat: 'csv',
  defaultSchedule: { kind: 'every', intervalMs: 5 * 60_000, batch: PLATFORMS.length * MARKETPLACES.length },
  defaultAnomalyRate: 0.02,
  create({ seed, anomalyRate }) {
    const rng = new Rng(seed);
    let slot = 0;
    return {
      next(nowMs) {
        const platform = PLATFORMS[slot % PLATFORMS.length]!;
        const marketplace = MARKETPLACES[Math.floor(slot / PLATFORMS.length) % MARKETPLACES.length]!;
        slot += 1;
        const anomalous = anomalyRate > 0 && rng.chance(anomalyRate);
        const base = BASE_VIEWS[marketplace]! * (platform === 'web' ? 1 : 0.6);
        let views = Math.max(0, Math.round(base * (1 + 0.1 * rng.normal())));
        if (anomalous) views = Math.round(views * rng.uniform(3, 6));
        const revenue = round(views * rng.uniform(0.02, 0.04) * rng.uniform(30, 60), 2);
        return { partitionKey: `${platform}:${marketplace}`, value: { platform, marketplace, event_time: sqlTenths(nowMs), views, revenue }, anomalous };
      },
    };
  },
};
