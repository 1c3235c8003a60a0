/**
 * ListStreams (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_ListStreams.html)
 * Reads { Limit? (1–10000, default and cap 100), ExclusiveStartStreamName?, NextToken? };
 * writes { StreamNames, HasMoreStreams, NextToken?, StreamSummaries }.
 */
import { kinesisErrors } from '../errors.ts';
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';
import { wire } from './context.ts';
import type { ListStreamsOutput } from '../../aws/models/kinesis.ts';
import { toEpochSeconds } from '../shapes.ts';

function decodeToken(token: string): string {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof v.after === 'string') return v.after;
  } catch {
    // fall through
  }
  throw kinesisErrors.format('InvalidArgumentException', 'badNextToken', { token });
}

export const listStreams = defineAction(kinesisModel, 'ListStreams', (input, ctx: KinesisContext) => {
  const engine = ctx.deps;
  const limit = Math.min(input.Limit ?? 100, 100);
  if (input.NextToken !== undefined && input.ExclusiveStartStreamName !== undefined) {
    throw kinesisErrors.format('InvalidArgumentException', 'nextTokenWith', { member: 'ExclusiveStartStreamName' });
  }
  const after = input.NextToken !== undefined ? decodeToken(input.NextToken) : input.ExclusiveStartStreamName;
  let names = engine.listStreams();
  if (after !== undefined) names = names.filter((n) => n > after);
  const page = names.slice(0, limit);
  const more = names.length > page.length;
  const out: Record<string, unknown> = {
    StreamNames: page,
    HasMoreStreams: more,
    StreamSummaries: page.map((n) => {
      const d = engine.describe(n);
      return {
        StreamName: n,
        StreamARN: d.streamArn,
        StreamStatus: d.status,
        StreamModeDetails: { StreamMode: d.mode },
        StreamCreationTimestamp: toEpochSeconds(d.createdMs),
      };
    }),
  };
  if (more) out.NextToken = Buffer.from(JSON.stringify({ after: page.at(-1) })).toString('base64url');
  return wire<ListStreamsOutput>(out);
});
