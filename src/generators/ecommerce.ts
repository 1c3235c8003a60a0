/**
 * S3 e-commerce metrics, CSV: platform, marketplace, event_time, views,
 * revenue. Each run (every runFrequency minutes, default 5) emits one row per
 * platform × marketplace. Anomalies are what a metric detector should catch:
 * at the start of each run, with probability `anomalyRate`, an episode starts
 * in which one marketplace's views (every platform's row, and so its revenue)
 * drop to 10–30% or spike to 3–6× for 2–4 runs.
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
    const perRun = PLATFORMS.length * MARKETPLACES.length;
    let episode: { marketplace: string; factor: number; runsLeft: number } | undefined;
    return {
      next(nowMs) {
        if (slot % perRun === 0) {
          if (episode && --episode.runsLeft <= 0) episode = undefined;
          if (!episode && anomalyRate > 0 && rng.chance(anomalyRate)) {
            const drop = rng.chance(0.5);
            episode = { marketplace: rng.pick(MARKETPLACES), factor: drop ? rng.uniform(0.1, 0.3) : rng.uniform(3, 6), runsLeft: rng.int(2, 4) };
          }
        }
        const platform = PLATFORMS[slot % PLATFORMS.length]!;
        const marketplace = MARKETPLACES[Math.floor(slot / PLATFORMS.length) % MARKETPLACES.length]!;
        slot += 1;
        const anomalous = episode?.marketplace === marketplace;
        const base = BASE_VIEWS[marketplace]! * (platform === 'web' ? 1 : 0.6);
        let views = Math.max(0, Math.round(base * (1 + 0.1 * rng.normal())));
        if (anomalous) views = Math.round(views * episode!.factor);
        const revenue = round(views * rng.uniform(0.02, 0.04) * rng.uniform(30, 60), 2);
        return { partitionKey: `${platform}:${marketplace}`, value: { platform, marketplace, event_time: sqlTenths(nowMs), views, revenue }, anomalous };
      },
    };
  },
};
