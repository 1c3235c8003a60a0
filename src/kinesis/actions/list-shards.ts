/**
 * ListShards (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_ListShards.html)
 * Reads { StreamName | StreamARN | NextToken, ExclusiveStartShardId?, MaxResults? (1–10000, default 1000),
 * StreamCreationTimestamp?, ShardFilter? }; writes { Shards, NextToken? }.
 * NextToken identifies the stream by itself and expires after 300 s (ExpiredNextTokenException).
 * ShardFilter, per the API reference: AT_LATEST = open shards; AT_TRIM_HORIZON = shards open at the trim horizon
 * (now − retention); FROM_TRIM_HORIZON = every shard still kept; AT_TIMESTAMP = shards opened at or before T and
 * closed at or after T (or open); FROM_TIMESTAMP = shards closed at or after T, and open ones; AFTER_SHARD_ID.
 * The stream's first shards count as open since before any timestamp. The filter is carried in the NextToken.
 */
import { kinesisErrors } from '../errors.ts';
import { defineAction } from '../../aws/index.ts';
import { kinesisModel } from '../../aws/models/kinesis.ts';
import type { KinesisContext } from './context.ts';
import { NEXT_TOKEN_TTL_MS, canonicalShardId } from '../engine.ts';
import type { ShardInfo } from '../engine.ts';
import { streamNameOf } from '../shapes.ts';
import { shardToWire } from './describe-stream.ts';

interface Token {
  s: string; // stream name
  u: string; // stream incarnation (salt)
  a: string; // last shard id returned
  t: number; // issued at, ms
  f?: string; // filter type
  ft?: number; // filter timestamp, ms
}

/** Whether a shard passes a time-based ShardFilter (`thMs` = trim horizon). */
function passes(sh: ShardInfo, type: string | undefined, atMs: number | undefined, thMs: number): boolean {
  const opened = sh.openedMs ?? -Infinity;
  const closed = sh.closedMs ?? Infinity;
  switch (type) {
    case 'AT_LATEST':
      return sh.endingSequenceNumber === undefined;
    case 'AT_TRIM_HORIZON':
      return opened <= thMs && closed >= thMs;
    case 'FROM_TRIM_HORIZON':
      return closed >= thMs;
    case 'AT_TIMESTAMP':
      return opened <= atMs! && closed >= atMs!;
    case 'FROM_TIMESTAMP':
      return closed >= atMs!;
    default:
      return true;
  }
}

function decodeToken(token: string): Token | undefined {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<Token>;
    if (typeof v.s === 'string' && typeof v.u === 'string' && typeof v.a === 'string' && typeof v.t === 'number') return v as Token;
  } catch {
    // fall through
  }
  return undefined;
}

export const listShards = defineAction(kinesisModel, 'ListShards', (input, ctx: KinesisContext) => {
  const engine = ctx.deps;
  const hasName = input.StreamName !== undefined || input.StreamARN !== undefined;
  let name: string;
  let after: string | undefined;
  let filterType: string | undefined;
  let filterMs: number | undefined;
  if (input.NextToken !== undefined) {
    // AWS's texts, as users pasted them: the member named is the one the request carried.
    if (input.StreamName !== undefined) throw kinesisErrors.format('InvalidArgumentException', 'nextTokenWith', { member: 'StreamName' });
    if (input.StreamARN !== undefined) throw kinesisErrors.format('InvalidArgumentException', 'nextTokenWith', { member: 'StreamARN' });
    if (input.ExclusiveStartShardId !== undefined) throw kinesisErrors.format('InvalidArgumentException', 'nextTokenWith', { member: 'ExclusiveStartShardId' });
    if (input.ShardFilter !== undefined) throw kinesisErrors.format('InvalidArgumentException', 'nextTokenWith', { member: 'ShardFilter' });
    if (input.StreamCreationTimestamp !== undefined)
      throw kinesisErrors.format('InvalidArgumentException', 'nextTokenWith', { member: 'StreamCreationTimestamp' });
    const tok = decodeToken(input.NextToken);
    if (!tok) throw kinesisErrors.format('InvalidArgumentException', 'badNextToken', { token: String(input.NextToken) });
    if (engine.clock.now() - tok.t > NEXT_TOKEN_TTL_MS) throw kinesisErrors.format('ExpiredNextTokenException', 'expired', { token: String(input.NextToken) });
    name = tok.s;
    after = tok.a;
    filterType = tok.f;
    filterMs = tok.ft;
    if (engine.describe(name).incarnation !== tok.u) throw engine.notFound(name);
  } else {
    if (!hasName) throw kinesisErrors.format('InvalidArgumentException', 'noNextTokenNorStream', {});
    name = streamNameOf(input);
    after = input.ExclusiveStartShardId === undefined ? undefined : canonicalShardId(input.ExclusiveStartShardId);
    const f = input.ShardFilter;
    if (f) {
      if (f.Type === 'AFTER_SHARD_ID') {
        if (f.ShardId === undefined) throw kinesisErrors.format('InvalidArgumentException', 'filterNeedsShardId', {});
        const id = canonicalShardId(f.ShardId);
        if (after === undefined || id > after) after = id;
      } else if ((f.Type === 'AT_TIMESTAMP' || f.Type === 'FROM_TIMESTAMP') && f.Timestamp === undefined) {
        throw kinesisErrors.format('InvalidArgumentException', 'filterNeedsTimestamp', { type: f.Type });
      }
      filterType = f.Type;
      if (f.Timestamp !== undefined) filterMs = Math.round(f.Timestamp * 1000);
    }
    const created = input.StreamCreationTimestamp;
    const createdMs = engine.describe(name).createdMs;
    // StreamCreationTimestamp tells apart streams that reused a name; ours must match to the second.
    if (created !== undefined && Math.floor(created) !== Math.floor(createdMs / 1000)) throw engine.notFound(name);
  }
  const d = engine.describe(name);
  let shards = d.shards;
  if (after !== undefined) {
    const a = after;
    shards = shards.filter((x) => x.shardId > a);
  }
  if (filterType !== undefined && filterType !== 'AFTER_SHARD_ID') {
    const th = engine.trimHorizonMs(name);
    shards = shards.filter((x) => passes(x, filterType, filterMs, th));
  }
  const max = input.MaxResults ?? 1000;
  const page = shards.slice(0, max);
  const out: Record<string, unknown> = { Shards: page.map(shardToWire) };
  if (shards.length > page.length) {
    const tok: Token = { s: name, u: d.incarnation, a: page.at(-1)!.shardId, t: engine.clock.now() };
    if (filterType !== undefined) tok.f = filterType;
    if (filterMs !== undefined) tok.ft = filterMs;
    out.NextToken = Buffer.from(JSON.stringify(tok)).toString('base64url');
  }
  return out;
});
