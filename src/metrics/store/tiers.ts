/**
 * The resolutions CloudWatch keeps and for how long (GetMetricStatistics
 * reference, "Amazon CloudWatch retains metric data as follows"): 1-second
 * data (high-resolution custom metrics only) for 3 hours, 1-minute data for
 * 15 days, 5-minute data for 63 days, 1-hour data for 455 days. Every datapoint
 * is folded into each tier it belongs to when it arrives, so the coarser tiers
 * are the roll-ups: after 15 days a 1-minute series is still there, at 5-minute
 * resolution, and after 63 days at 1-hour resolution.
 *
 * Each tier stores cells in blocks of `blockSec` (one file per block), sized so
 * a block of a dense series is a few KiB and a query over a day touches a few
 * blocks.
 */
export interface Tier {
  readonly index: number;
  readonly resSec: number;
  readonly retentionSec: number;
  readonly blockSec: number;
  readonly cellsPerBlock: number;
}

function tier(index: number, resSec: number, retentionSec: number, blockSec: number): Tier {
  return { index, resSec, retentionSec, blockSec, cellsPerBlock: blockSec / resSec };
}

const HOUR = 3600;
const DAY = 86_400;

export const TIERS: readonly Tier[] = [
  tier(0, 1, 3 * HOUR, 15 * 60),
  tier(1, 60, 15 * DAY, 6 * HOUR),
  tier(2, 300, 63 * DAY, 2 * DAY),
  tier(3, 3600, 455 * DAY, 16 * DAY),
];

export const TIER_1S = TIERS[0]!;
export const TIER_1M = TIERS[1]!;
export const TIER_5M = TIERS[2]!;
export const TIER_1H = TIERS[3]!;
