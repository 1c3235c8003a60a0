/** Firehose ListDeliveryStreams — API_ListDeliveryStreams: Limit, DeliveryStreamType, ExclusiveStartDeliveryStreamName → { DeliveryStreamNames, HasMoreDeliveryStreams } */
import type { ActionHandler } from '../../aws/index.ts';
import type { FirehoseEngine } from '../engine.ts';
import { Violations } from '../validate.ts';

export function listDeliveryStreams(engine: FirehoseEngine): ActionHandler {
  return (input) => {
    const v = new Violations();
    const limit = v.int(input.Limit, 'limit', { min: 1, max: 10000 }) ?? 10;
    const type = v.str(input.DeliveryStreamType, 'deliveryStreamType', {
      enumValues: ['DirectPut', 'KinesisStreamAsSource', 'MSKAsSource', 'DatabaseAsSource'],
    });
    const start = v.str(input.ExclusiveStartDeliveryStreamName, 'exclusiveStartDeliveryStreamName', {
      min: 1,
      max: 64,
      pattern: /^[a-zA-Z0-9_.-]+$/,
      patternText: '[a-zA-Z0-9_.-]+',
    });
    v.throwIfAny();
    const { names, hasMore } = engine.list({ limit, type, exclusiveStart: start });
    return { DeliveryStreamNames: names, HasMoreDeliveryStreams: hasMore };
  };
}
