/**
 * Reads every shard of a stream through the Kinesis API (ListShards,
 * GetShardIterator, GetRecords), following child shards after resharding and
 * optionally de-aggregating KPL records. Used by `freshet tail` and by tests
 * that read back what generators wrote.
 *
 * Order: records of one shard are delivered in sequence order; a child shard
 * starts only after every parent this reader was following has ended, so
 * records of one partition key stay in order across a split or merge.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type Shard,
  type ShardIteratorType,
  type _Record,
} from '@aws-sdk/client-kinesis';
import { deaggregate, isAggregated } from '../kinesis/index.ts';

export type StartPosition = { kind: 'trim-horizon' } | { kind: 'latest' } | { kind: 'at-timestamp'; timestamp: Date };

export interface ReadRecord {
  shardId: string;
  sequenceNumber: string;
  /** Set for user records taken out of a KPL-aggregated record. */
  subSequenceNumber?: number;
  partitionKey: string;
  data: Uint8Array;
  approximateArrivalTimestamp?: Date;
}

export interface ReadStreamOptions {
  client: KinesisClient;
  streamName: string;
  from?: StartPosition;
  /** Read only this shard (and the shards that descend from it). */
  shardId?: string;
  /** Keep polling for new records (like `tail -f`); otherwise stop once every shard is caught up. */
  follow?: boolean;
  /** Unpack KPL-aggregated records into their user records (default true). */
  deaggregate?: boolean;
  /** Pause between polling rounds that returned nothing, in ms (default 250). */
  idlePollMs?: number;
  /** GetRecords Limit per call (default 1000). */
  limit?: number;
  signal?: AbortSignal;
  onRecord: (record: ReadRecord) => void;
  /** Called once every starting shard has its iterator (LATEST readers see everything put after this). */
  onReady?: (shardIds: string[]) => void;
}

interface ShardCursor {
  shardId: string;
  iterator: string | undefined;
  lastSequence: string | undefined;
  caughtUp: boolean;
}

function emitDeaggregated(shardId: string, r: _Record, data: Uint8Array, out: (rec: ReadRecord) => void): void {
  const users = deaggregate(data, r.PartitionKey!, r.SequenceNumber!);
  if (!users) {
    // A corrupt aggregate is shown as-is rather than dropped.
    out({ shardId, sequenceNumber: r.SequenceNumber!, partitionKey: r.PartitionKey!, data, approximateArrivalTimestamp: r.ApproximateArrivalTimestamp });
    return;
  }
  for (const u of users) {
    out({
      shardId,
      sequenceNumber: u.sequenceNumber,
      subSequenceNumber: u.subSequenceNumber,
      partitionKey: u.partitionKey,
      data: u.data,
      approximateArrivalTimestamp: r.ApproximateArrivalTimestamp,
    });
  }
}

async function listAllShards(client: KinesisClient, streamName: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    const res = await client.send(new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }));
    shards.push(...(res.Shards ?? []));
    nextToken = res.NextToken;
  } while (nextToken);
  return shards;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function errorName(e: unknown): string {
  return (e as { name?: string })?.name ?? '';
}

/** Reads the stream until caught up (follow=false) or until `signal` aborts. */
export async function readStream(opts: ReadStreamOptions): Promise<void> {
  const { client, streamName, signal } = opts;
  const from = opts.from ?? { kind: 'trim-horizon' };
  const follow = opts.follow ?? false;
  const unpack = opts.deaggregate ?? true;
  const idlePollMs = opts.idlePollMs ?? 250;
  const limit = opts.limit ?? 1000;

  let shards = await listAllShards(client, streamName);
  const byId = new Map(shards.map((s) => [s.ShardId!, s]));
  const started = new Set<string>();
  const finished = new Set<string>();
  const active: ShardCursor[] = [];

  const parentsOf = (s: Shard) => [s.ParentShardId, s.AdjacentParentShardId].filter((p): p is string => !!p);
  const descendsFrom = (id: string, root: string, depth = 0): boolean => {
    if (id === root) return true;
    const s = byId.get(id);
    if (!s || depth > 1000) return false;
    return parentsOf(s).some((p) => descendsFrom(p, root, depth + 1));
  };
  const wanted = (s: Shard) => !opts.shardId || descendsFrom(s.ShardId!, opts.shardId);

  const start = (s: Shard, type: ShardIteratorType, timestamp?: Date) => {
    started.add(s.ShardId!);
    active.push({ shardId: s.ShardId!, iterator: undefined, lastSequence: undefined, caughtUp: false });
    pendingIterators.set(s.ShardId!, { type, timestamp });
  };
  const pendingIterators = new Map<string, { type: ShardIteratorType; timestamp?: Date }>();

  // Initial shard set.
  for (const s of shards) {
    if (!wanted(s)) continue;
    const open = s.SequenceNumberRange?.EndingSequenceNumber === undefined;
    if (from.kind === 'latest') {
      if (open) start(s, 'LATEST');
    } else {
      // A shard whose parents are gone (expired) or outside the selection is a root.
      const trackedParents = parentsOf(s).filter((p) => byId.has(p) && wanted(byId.get(p)!));
      if (trackedParents.length === 0 || opts.shardId === s.ShardId) {
        start(s, from.kind === 'trim-horizon' ? 'TRIM_HORIZON' : 'AT_TIMESTAMP', from.kind === 'at-timestamp' ? from.timestamp : undefined);
      }
    }
  }
  if (opts.shardId && !byId.has(opts.shardId)) throw new Error(`shard ${opts.shardId} not found in stream ${streamName}`);

  const startChildren = async (ended: string) => {
    finished.add(ended);
    let children = shards.filter((s) => parentsOf(s).includes(ended));
    if (children.length === 0) {
      shards = await listAllShards(client, streamName);
      for (const s of shards) byId.set(s.ShardId!, s);
      children = shards.filter((s) => parentsOf(s).includes(ended));
    }
    for (const child of children) {
      if (started.has(child.ShardId!)) continue;
      const waiting = parentsOf(child).some((p) => started.has(p) && !finished.has(p));
      if (!waiting) start(child, 'TRIM_HORIZON');
    }
  };

  const emit = opts.onRecord;
  const takeIterator = async (cur: ShardCursor) => {
    const pending = pendingIterators.get(cur.shardId);
    const res = await client.send(
      new GetShardIteratorCommand(
        cur.lastSequence
          ? { StreamName: streamName, ShardId: cur.shardId, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: cur.lastSequence }
          : { StreamName: streamName, ShardId: cur.shardId, ShardIteratorType: pending!.type, Timestamp: pending!.timestamp },
      ),
    );
    cur.iterator = res.ShardIterator;
  };
  for (const cur of active) await takeIterator(cur);
  opts.onReady?.(active.map((c) => c.shardId));
  while (!signal?.aborted && active.length > 0) {
    let gotAny = false;
    for (let i = 0; i < active.length && !signal?.aborted; i++) {
      const cur = active[i]!;
      if (cur.iterator === undefined) await takeIterator(cur);
      let res;
      try {
        res = await client.send(new GetRecordsCommand({ ShardIterator: cur.iterator, Limit: limit }));
      } catch (e) {
        if (errorName(e) === 'ExpiredIteratorException') {
          cur.iterator = undefined;
          continue;
        }
        if (errorName(e) === 'ProvisionedThroughputExceededException') continue;
        throw e;
      }
      const records = res.Records ?? [];
      // hot path: per-record delivery
      for (let j = 0; j < records.length; j++) {
        const r = records[j]!;
        const data = r.Data ?? new Uint8Array(0);
        if (unpack && isAggregated(data)) emitDeaggregated(cur.shardId, r, data, emit);
        else
          emit({
            shardId: cur.shardId,
            sequenceNumber: r.SequenceNumber!,
            partitionKey: r.PartitionKey!,
            data,
            approximateArrivalTimestamp: r.ApproximateArrivalTimestamp,
          });
        cur.lastSequence = r.SequenceNumber;
      }
      if (records.length > 0) gotAny = true;
      if (!res.NextShardIterator) {
        // The shard is closed and fully read: move on to its children.
        active.splice(i, 1);
        i--;
        for (const c of res.ChildShards ?? []) {
          if (!byId.has(c.ShardId!)) {
            byId.set(c.ShardId!, {
              ShardId: c.ShardId,
              ParentShardId: c.ParentShards?.[0],
              AdjacentParentShardId: c.ParentShards?.[1],
              HashKeyRange: c.HashKeyRange,
            } as Shard);
            shards.push(byId.get(c.ShardId!)!);
          }
        }
        await startChildren(cur.shardId);
        gotAny = true;
        continue;
      }
      cur.iterator = res.NextShardIterator;
      cur.caughtUp = records.length === 0 && (res.MillisBehindLatest ?? 0) === 0;
    }
    if (!follow && active.every((c) => c.caughtUp)) break;
    if (!gotAny) await sleep(idlePollMs, signal);
  }
}
