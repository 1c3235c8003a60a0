/**
 * DescribeStreamSummary (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DescribeStreamSummary.html)
 * Reads { StreamName | StreamARN }; writes { StreamDescriptionSummary: { ..., OpenShardCount, ConsumerCount } }.
 */
import { compileValidator } from '../../aws/index.ts';
import type { ActionHandler } from '../../aws/index.ts';
import type { KinesisEngine } from '../engine.ts';
import { STREAM_ARN, STREAM_NAME, streamNameOf, toEpochSeconds } from '../shapes.ts';

interface Input {
  StreamName?: string;
  StreamARN?: string;
}

const validate = compileValidator<Input>({ type: 'structure', members: { StreamName: STREAM_NAME, StreamARN: STREAM_ARN } });

export function describeStreamSummary(engine: KinesisEngine): ActionHandler {
  return (raw) => {
    const d = engine.describe(streamNameOf(validate(raw)));
    const m = engine.stream(d.streamName).meta;
    return {
      StreamDescriptionSummary: {
        StreamName: d.streamName,
        StreamARN: d.streamArn,
        StreamStatus: d.status,
        StreamModeDetails: { StreamMode: d.mode },
        RetentionPeriodHours: d.retentionHours,
        StreamCreationTimestamp: toEpochSeconds(d.createdMs),
        EnhancedMonitoring: [{ ShardLevelMetrics: m.shardLevelMetrics ?? [] }],
        EncryptionType: m.encryptionType ?? 'NONE',
        ...(m.keyId !== undefined ? { KeyId: m.keyId } : {}),
        OpenShardCount: d.status === 'CREATING' ? 0 : d.shards.filter((s) => s.endingSequenceNumber === undefined).length,
        ConsumerCount: engine.stream(d.streamName).meta.consumers?.length ?? 0,
      },
    };
  };
}
