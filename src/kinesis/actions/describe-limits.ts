/**
 * DescribeLimits (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DescribeLimits.html)
 * Reads {}; writes { ShardLimit, OpenShardCount, OnDemandStreamCount, OnDemandStreamCountLimit }.
 */

import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';

export const ON_DEMAND_STREAM_COUNT_LIMIT = 50;

export const describeLimits = defineAction(kinesisModel, 'DescribeLimits', (_input, ctx: KinesisContext) => ({
  ShardLimit: ctx.deps.shardLimit,
  OpenShardCount: ctx.deps.openShardCount(),
  OnDemandStreamCount: ctx.deps.onDemandStreamCount(),
  OnDemandStreamCountLimit: ON_DEMAND_STREAM_COUNT_LIMIT,
}));
