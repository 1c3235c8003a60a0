/**
 * PutRecord (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecord.html)
 * Reads { StreamName | StreamARN, Data, PartitionKey, ExplicitHashKey?, SequenceNumberForOrdering? };
 * writes { ShardId, SequenceNumber } once the record is durable.
 * Sequence numbers already increase strictly per shard, so SequenceNumberForOrdering is only checked.
 */
import { AwsError } from '../../core/index.ts';
import { compileValidator } from '../../aws/index.ts';
import type { ActionHandler } from '../../aws/index.ts';
import type { KinesisEngine } from '../engine.ts';
import { partitionKeyHash } from '../hash.ts';
import { decodeSequence } from '../sequence.ts';
import { DATA, HASH_KEY, PARTITION_KEY, SEQUENCE_NUMBER, STREAM_ARN, STREAM_NAME, streamNameOf } from '../shapes.ts';
import { MAX_RECORD_BYTES } from './put-records.ts';

interface Input {
  SequenceNumberForOrdering?: string;
  PartitionKey: string;
  ExplicitHashKey?: string;
  Data: string;
  StreamName?: string;
  StreamARN?: string;
}

const validate = compileValidator<Input>({
  type: 'structure',
  members: {
    SequenceNumberForOrdering: SEQUENCE_NUMBER,
    PartitionKey: PARTITION_KEY,
    ExplicitHashKey: HASH_KEY,
    Data: DATA,
    StreamName: STREAM_NAME,
    StreamARN: STREAM_ARN,
  },
});

export function putRecord(engine: KinesisEngine): ActionHandler {
  return async (raw) => {
    const input = validate(raw);
    const name = streamNameOf(input);
    const data = Buffer.from(input.Data, 'base64');
    if (data.length + input.PartitionKey.length > MAX_RECORD_BYTES) {
      throw new AwsError(
        'InvalidArgumentException',
        `Record size (data plus partition key) of ${data.length + input.PartitionKey.length} bytes exceeds the 1 MiB limit.`,
      );
    }
    const s = engine.activeStream(name);
    const hk = input.ExplicitHashKey !== undefined ? engine.explicitHashKey(input.ExplicitHashKey) : partitionKeyHash(input.PartitionKey);
    const ordering = input.SequenceNumberForOrdering;
    if (ordering !== undefined) {
      const d = decodeSequence(ordering);
      if (!d || d.timeMs > Math.max(engine.clock.now(), ...s.open.map((x) => x.lastTimeMs))) {
        throw new AwsError(
          'InvalidArgumentException',
          `ExclusiveMinimumSequenceNumber ${ordering} used in PutRecord on stream ${name} under account ${engine.accountId} is invalid.`,
        );
      }
    }
    const shard = engine.route(s, hk);
    if (engine.enforceLimits) {
      const state = s.shards[shard]!;
      if (!engine.limiterFor(state).admitWrite(engine.clock.now(), data.length + Buffer.byteLength(input.PartitionKey))) {
        throw new AwsError('ProvisionedThroughputExceededException', engine.rateExceededMessage(s, state));
      }
    }
    const shardOf = new Uint32Array(1);
    shardOf[0] = shard;
    const [seq] = await engine.appendRouted(s, [input.PartitionKey], [data], shardOf);
    return { ShardId: s.shards[shard]!.shardId, SequenceNumber: seq };
  };
}
