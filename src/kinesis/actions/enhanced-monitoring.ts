/**
 * EnableEnhancedMonitoring / DisableEnhancedMonitoring
 * (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_EnableEnhancedMonitoring.html)
 * Reads { StreamName | StreamARN, ShardLevelMetrics: [IncomingBytes | … | ALL] (1–7) };
 * writes { StreamName, StreamARN, CurrentShardLevelMetrics, DesiredShardLevelMetrics }.
 * The state shows in DescribeStream / DescribeStreamSummary's EnhancedMonitoring (no CloudWatch here).
 */
import { compileValidator } from '../../aws/index.ts';
import type { ActionHandler } from '../../aws/index.ts';
import type { KinesisEngine } from '../engine.ts';
import { STREAM_ARN, STREAM_NAME, streamNameOf } from '../shapes.ts';

interface Input {
  ShardLevelMetrics: string[];
  StreamName?: string;
  StreamARN?: string;
}

const validate = compileValidator<Input>({
  type: 'structure',
  members: {
    ShardLevelMetrics: {
      type: 'list',
      notNull: true,
      minLength: 1,
      maxLength: 7,
      member: {
        type: 'string',
        enum: [
          'IncomingBytes',
          'IncomingRecords',
          'OutgoingBytes',
          'OutgoingRecords',
          'WriteProvisionedThroughputExceeded',
          'ReadProvisionedThroughputExceeded',
          'IteratorAgeMilliseconds',
          'ALL',
        ],
      },
    },
    StreamName: STREAM_NAME,
    StreamARN: STREAM_ARN,
  },
});

function handler(engine: KinesisEngine, enable: boolean): ActionHandler {
  return async (raw) => {
    const input = validate(raw);
    const name = streamNameOf(input);
    const r = await engine.setMonitoring(name, input.ShardLevelMetrics, enable);
    return { StreamName: name, StreamARN: engine.arnFor(name), CurrentShardLevelMetrics: r.current, DesiredShardLevelMetrics: r.desired };
  };
}

export function enableEnhancedMonitoring(engine: KinesisEngine): ActionHandler {
  return handler(engine, true);
}

export function disableEnhancedMonitoring(engine: KinesisEngine): ActionHandler {
  return handler(engine, false);
}
