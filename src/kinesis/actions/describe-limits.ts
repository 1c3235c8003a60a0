/**
 * DescribeLimits (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DescribeLimits.html)
 * Reads {}; writes { ShardLimit, OpenShardCount, OnDemandStreamCount, OnDemandStreamCountLimit }.
 */
import type { ActionHandler } from '../../aws/index.ts';
import type { KinesisEngine } from '../engine.ts';

export const ON_DEMAND_STREAM_COUNT_LIMIT = 50;

export function describeLimits(engine: KinesisEngine): ActionHandler {
  return () => ({
    ShardLimit: engine.shardLimit,
    OpenShardCount: engine.openShardCount(),
    OnDemandStreamCount: engine.onDemandStreamCount(),
    OnDemandStreamCountLimit: ON_DEMAND_STREAM_COUNT_LIMIT,
  });
}
