/**
 * DescribeStreamSummary (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DescribeStreamSummary.html)
 * Reads { StreamName | StreamARN }; writes { StreamDescriptionSummary: { ..., OpenShardCount, ConsumerCount } }.
 */
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';
import { wire } from './context.ts';
import type { DescribeStreamSummaryOutput } from '../../aws/models/kinesis.ts';
import { streamNameOf, toEpochSeconds } from '../shapes.ts';

export const describeStreamSummary = defineAction(kinesisModel, 'DescribeStreamSummary', (input, ctx: KinesisContext) => {
  const engine = ctx.deps;
  const d = engine.describe(streamNameOf(input));
  return wire<DescribeStreamSummaryOutput>({
    StreamDescriptionSummary: {
      StreamName: d.streamName,
      StreamARN: d.streamArn,
      StreamStatus: d.status,
      StreamModeDetails: { StreamMode: d.mode },
      RetentionPeriodHours: d.retentionHours,
      StreamCreationTimestamp: toEpochSeconds(d.createdMs),
      EnhancedMonitoring: [{ ShardLevelMetrics: d.shardLevelMetrics }],
      EncryptionType: d.encryptionType,
      ...(d.keyId !== undefined ? { KeyId: d.keyId } : {}),
      OpenShardCount: d.openShardCount,
      ConsumerCount: d.consumerCount,
    },
  });
});
