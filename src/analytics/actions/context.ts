/** What every KinesisAnalytics_20150814 action handler receives besides its request. */
import type { Clock } from '../../core/index.ts';
import type { ApplicationRegistry } from '../registry.ts';
import type { DiscoverySource } from '../discover.ts';

export interface AnalyticsContext {
  registry: ApplicationRegistry;
  clock: Clock;
  region: string;
  accountId: string;
  discovery: DiscoverySource;
}

export type Wire = Record<string, unknown>;

export function applicationArn(region: string, accountId: string, name: string): string {
  return `arn:aws:kinesisanalytics:${region}:${accountId}:application/${name}`;
}
