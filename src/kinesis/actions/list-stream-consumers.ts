/**
 * ListStreamConsumers (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_ListStreamConsumers.html)
 * Reads { StreamARN, MaxResults? (1–10000, default 100), NextToken?, StreamCreationTimestamp? };
 * writes { Consumers: [Consumer], NextToken? }. Consumers are listed in registration order.
 * NextToken is bound to the stream's incarnation and, as the API reference says, expires after 300 s
 * (ExpiredNextTokenException); like ListShards, it cannot be combined with StreamCreationTimestamp.
 */
import { kinesisErrors } from '../errors.ts';
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';
import { NEXT_TOKEN_TTL_MS } from '../engine.ts';
import { streamNameOf } from '../shapes.ts';
import { consumerToWire } from './consumer-shapes.ts';

interface Token {
  u: string; // stream incarnation (salt)
  o: number; // offset of the next consumer
  t: number; // issued at, ms
}

function decodeToken(token: string): Token | undefined {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<Token>;
    if (typeof v.u === 'string' && Number.isInteger(v.o) && v.o! >= 0 && typeof v.t === 'number') return v as Token;
  } catch {
    // fall through
  }
  return undefined;
}

export const listStreamConsumers = defineAction(kinesisModel, 'ListStreamConsumers', (input, ctx: KinesisContext) => {
  const engine = ctx.deps;
  const name = streamNameOf(input);
  let start = 0;
  if (input.NextToken !== undefined) {
    if (input.StreamCreationTimestamp !== undefined)
      throw kinesisErrors.format('InvalidArgumentException', 'nextTokenWith', { member: 'StreamCreationTimestamp' });
    const tok = decodeToken(input.NextToken);
    if (!tok) throw kinesisErrors.format('InvalidArgumentException', 'badNextToken', { token: String(input.NextToken) });
    if (engine.clock.now() - tok.t > NEXT_TOKEN_TTL_MS) throw kinesisErrors.format('ExpiredNextTokenException', 'expired', { token: String(input.NextToken) });
    // A token of another stream (or of a deleted stream that had this name) does not page this one.
    if (engine.describe(name).incarnation !== tok.u) throw kinesisErrors.format('InvalidArgumentException', 'badNextToken', { token: String(input.NextToken) });
    start = tok.o;
  }
  const d = engine.describe(name);
  if (input.StreamCreationTimestamp !== undefined && Math.floor(input.StreamCreationTimestamp) !== Math.floor(d.createdMs / 1000)) throw engine.notFound(name);
  const all = engine.listConsumers(name);
  const max = input.MaxResults ?? 100;
  const page = all.slice(start, start + max);
  const out: Record<string, unknown> = { Consumers: page.map(consumerToWire) };
  if (start + max < all.length) {
    const tok: Token = { u: d.incarnation, o: start + max, t: engine.clock.now() };
    out.NextToken = Buffer.from(JSON.stringify(tok)).toString('base64url');
  }
  return out;
});
