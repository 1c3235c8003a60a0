/**
 * EnableEnhancedMonitoring / DisableEnhancedMonitoring
 * (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_EnableEnhancedMonitoring.html)
 * Reads { StreamName | StreamARN, ShardLevelMetrics: [IncomingBytes | … | ALL] (1–7) };
 * writes { StreamName, StreamARN, CurrentShardLevelMetrics, DesiredShardLevelMetrics }.
 * The state shows in DescribeStream / DescribeStreamSummary's EnhancedMonitoring; the actions publish the shard-level metrics it
 * switched on (src/metrics/kinesis.ts).
 */

import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { EnhancedMonitoringOutput } from '../../aws/models/kinesis.ts';
import type { KinesisEngine } from '../engine.ts';
import { streamNameOf } from '../shapes.ts';
import type { KinesisContext } from './context.ts';
import { wire } from './context.ts';

async function setMonitoring(
  engine: KinesisEngine,
  input: { ShardLevelMetrics: string[]; StreamName?: string; StreamARN?: string },
  enable: boolean,
): Promise<EnhancedMonitoringOutput> {
  const name = streamNameOf(input);
  const r = await engine.setMonitoring(name, input.ShardLevelMetrics, enable);
  return wire<EnhancedMonitoringOutput>({
    StreamName: name,
    StreamARN: engine.arnFor(name),
    CurrentShardLevelMetrics: r.current,
    DesiredShardLevelMetrics: r.desired,
  });
}

export const enableEnhancedMonitoring = defineAction(kinesisModel, 'EnableEnhancedMonitoring', (input, ctx: KinesisContext) =>
  setMonitoring(ctx.deps, input, true),
);

export const disableEnhancedMonitoring = defineAction(kinesisModel, 'DisableEnhancedMonitoring', (input, ctx: KinesisContext) =>
  setMonitoring(ctx.deps, input, false),
);
