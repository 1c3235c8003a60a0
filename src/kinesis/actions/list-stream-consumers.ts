/**
 * ListStreamConsumers (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_ListStreamConsumers.html)
 * Reads { StreamARN, MaxResults? (1–10000, default 100), NextToken?, StreamCreationTimestamp? };
 * writes { Consumers: [Consumer], NextToken? }. Consumers are listed in registration order.
 */
import { AwsError } from '../../core/errors.ts';
import { compileValidator } from '../../server/index.ts';
import type { ActionHandler } from '../../server/index.ts';
import type { KinesisEngine } from '../engine.ts';
import { STREAM_ARN, streamNameOf } from '../shapes.ts';
import { consumerToWire } from './consumer-shapes.ts';

interface Input {
  StreamARN: string;
  MaxResults?: number;
  NextToken?: string;
  StreamCreationTimestamp?: number;
}

const validate = compileValidator<Input>({
  type: 'structure',
  members: {
    StreamARN: { ...STREAM_ARN, notNull: true },
    MaxResults: { type: 'integer', min: 1, max: 10000 },
    NextToken: { type: 'string', minLength: 1, maxLength: 1048576 },
    StreamCreationTimestamp: { type: 'timestamp' },
  },
});

export function listStreamConsumers(engine: KinesisEngine): ActionHandler {
  return (raw) => {
    const input = validate(raw);
    const name = streamNameOf(input);
    const s = engine.stream(name);
    if (input.StreamCreationTimestamp !== undefined && Math.floor(input.StreamCreationTimestamp) !== Math.floor(s.meta.createdMs / 1000)) throw engine.notFound(name);
    let start = 0;
    if (input.NextToken !== undefined) {
      const n = Number(Buffer.from(input.NextToken, 'base64url').toString('utf8'));
      if (!Number.isInteger(n) || n < 0) throw new AwsError('InvalidArgumentException', `Invalid NextToken: ${input.NextToken}`);
      start = n;
    }
    const all = engine.listConsumers(name);
    const max = input.MaxResults ?? 100;
    const page = all.slice(start, start + max);
    const out: Record<string, unknown> = { Consumers: page.map(consumerToWire) };
    if (start + max < all.length) out.NextToken = Buffer.from(String(start + max)).toString('base64url');
    return out;
  };
}
