/**
 * The Kinesis engine's data model: the persisted stream metadata (JSON in storage.meta under
 * `kinesis/stream/<name>`), the runtime state built from it, the types of the engine's public API,
 * and AWS's fixed numbers. Shared by every part of the engine (registry, writes, reads, resharding,
 * consumers, retention); nothing here does I/O.
 */
import type { Clock, TimerHandle } from '../../core/index.ts';
import type { LogStorage, ShardLog } from '../../storage/index.ts';
import { hashKeyToBuffer } from '../hash.ts';
import type { ShardLimiter } from '../limits.ts';
import type { SequenceWriter, ShardSequences } from '../sequence.ts';

export type StreamStatus = 'CREATING' | 'ACTIVE' | 'DELETING' | 'UPDATING';
export type StreamMode = 'PROVISIONED' | 'ON_DEMAND';
export type ShardIteratorType = 'TRIM_HORIZON' | 'LATEST' | 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'AT_TIMESTAMP';

export interface ShardInfo {
  shardId: string;
  /** Decimal strings, as on the wire. */
  startingHashKey: string;
  endingHashKey: string;
  startingSequenceNumber: string;
  /** Set once the shard is closed by a split or merge. */
  endingSequenceNumber?: string;
  parentShardId?: string;
  adjacentParentShardId?: string;
  /** Clock time the shard opened; undefined for the stream's first shards (open "since forever"). */
  openedMs?: number;
  /** Clock time the shard closed. */
  closedMs?: number;
  /** For a closed shard: one past its last log offset (may be missing after a crash mid-reshard; recovered from the log). */
  endOffset?: number;
}

/** Persisted stream metadata (JSON in storage.meta). */
export interface StreamMeta {
  name: string;
  uuid: string;
  salt: string;
  createdMs: number;
  status: StreamStatus;
  mode: StreamMode;
  retentionHours: number;
  tags: Record<string, string>;
  shards: ShardInfo[];
  /** Enhanced fan-out consumers registered on the stream. */
  consumers?: ConsumerMeta[];
  /** Server-side encryption state (StartStreamEncryption); Freshet records it, data is stored as written. */
  encryptionType?: 'NONE' | 'KMS';
  keyId?: string;
  /** Enhanced monitoring (EnableEnhancedMonitoring): the shard-level metrics switched on. */
  shardLevelMetrics?: string[];
}

/** Every shard-level metric, in AWS's order (what 'ALL' stands for). */
export const SHARD_LEVEL_METRICS = [
  'IncomingBytes',
  'IncomingRecords',
  'OutgoingBytes',
  'OutgoingRecords',
  'WriteProvisionedThroughputExceeded',
  'ReadProvisionedThroughputExceeded',
  'IteratorAgeMilliseconds',
] as const;

export type ConsumerStatus = 'CREATING' | 'DELETING' | 'ACTIVE';

/** A registered enhanced fan-out consumer. */
export interface ConsumerMeta {
  name: string;
  arn: string;
  status: ConsumerStatus;
  createdMs: number;
}

/** A child of a closed shard, as GetRecords and SubscribeToShard report it. */
export interface ChildShard {
  shardId: string;
  parentShards: string[];
  startingHashKey: string;
  endingHashKey: string;
}

/** What DescribeStream, DescribeStreamSummary, ListShards and the other read-only actions report of a stream. */
export interface StreamDescription {
  streamName: string;
  streamArn: string;
  status: StreamStatus;
  mode: StreamMode;
  retentionHours: number;
  createdMs: number;
  /** Every shard still kept (open and closed), in shard-id order; none until the stream has been ACTIVE (also when deleted while CREATING), as AWS lists them. */
  shards: ShardInfo[];
  tags: Record<string, string>;
  /** Open shards (0 while CREATING). */
  openShardCount: number;
  consumerCount: number;
  encryptionType: 'NONE' | 'KMS';
  keyId: string | undefined;
  shardLevelMetrics: string[];
  /** Tells this incarnation of the name from earlier ones (pagination tokens carry it). */
  incarnation: string;
}

export interface PutInput {
  partitionKey: string;
  data: Uint8Array;
  /** Decimal string in [0, 2^128-1]; overrides the partition key's MD5. */
  explicitHashKey?: string;
}

export interface PutResult {
  shardId: string;
  sequenceNumber: string;
}

export interface KinesisRecord {
  sequenceNumber: string;
  partitionKey: string;
  data: Uint8Array;
  approximateArrivalTimestampMs: number;
}

export interface ShardPosition {
  type: ShardIteratorType;
  sequenceNumber?: string;
  /** For AT_TIMESTAMP, ms since epoch. */
  timestampMs?: number;
}

/** A consumer reference as DescribeStreamConsumer / DeregisterStreamConsumer take it: the ARN, or stream + consumer name. */
export interface ConsumerRef {
  streamName?: string;
  consumerName?: string;
  consumerArn?: string;
}

/** A consumer with the stream it belongs to. */
export interface ConsumerDescription {
  streamName: string;
  streamArn: string;
  consumer: ConsumerMeta;
}

export interface KinesisEngineOptions {
  storage: LogStorage;
  clock: Clock;
  region: string;
  accountId: string;
  shardLimit: number;
  createDelayMs: number;
  deleteDelayMs: number;
  updateDelayMs: number;
  /** How often retention trimming runs, in ms of clock time (default 60 s). */
  retentionCheckIntervalMs?: number;
  /** How often ON_DEMAND streams are checked for hot shards, in ms of clock time (default 60 s). */
  scalingCheckIntervalMs?: number;
  /** Enforce AWS's per-shard throughput limits (see limits.ts). Off by default. */
  enforceLimits?: boolean;
}

/** At most this many consumers per stream (AWS's quota). */
export const MAX_CONSUMERS_PER_STREAM = 20;
export const ITERATOR_TTL_MS = 300_000;
export const NEXT_TOKEN_TTL_MS = 300_000;
export const MAX_GET_RECORDS_BYTES = 10 * 1024 * 1024;
export const ON_DEMAND_SHARDS = 4;
/** ON_DEMAND streams split a shard whose writes, over one scaling check interval, average above half a shard's write limit. */
export const ON_DEMAND_SPLIT_BYTES_PER_SEC = 512 * 1024;
export const ON_DEMAND_SPLIT_RECORDS_PER_SEC = 500;
/** AWS's default quota of on-demand streams per account. */
export const ON_DEMAND_STREAM_LIMIT = 50;
/** storage.meta key prefix of stream metadata. */
export const META_PREFIX = 'kinesis/stream/';

/** Runtime state of one shard. */
export interface ShardState {
  readonly index: number;
  readonly shardId: string;
  /** The shard id as ASCII bytes, for responses written in place. */
  readonly shardIdAscii: Uint8Array;
  readonly log: ShardLog;
  /** The shard's sequence numbers (its index and creation time are part of every one). */
  readonly seq: ShardSequences;
  /** Writes PutRecords' sequence numbers (consecutive offsets cost two additions, see SequenceWriter). */
  readonly putSeq: SequenceWriter;
  /** Last arrival time handed out; keeps sequence numbers' time field non-decreasing. */
  lastTimeMs: number;
  /** The shard's metadata entry (shared with StreamMeta.shards). */
  readonly info: ShardInfo;
  /** Next offset append() will assign (ahead of the durable endOffset while writes are in flight). */
  nextOffset: number;
  /** Set when closed: one past the shard's last offset. Readers reaching it move to the children. */
  closedEnd: number | undefined;
  /** Records and bytes written since the last on-demand scaling check. */
  writeRecords: number;
  writeBytes: number;
  /** Called once when the shard closes (SubscribeToShard moves on to the children). */
  readonly closeListeners: Set<() => void>;
  /** Throughput limiter, created on first use when limits are enforced. */
  limiter?: ShardLimiter;
}

/** Runtime state of one stream. */
export interface StreamState {
  meta: StreamMeta;
  readonly arn: string;
  /** Every shard still kept (open or closed, within retention), by shard index; removed ones are undefined. */
  readonly shards: Array<ShardState | undefined>;
  /** Open shards, ascending by starting hash key: what writes route to. */
  open: ShardState[];
  /** Open shards' starting hash keys as 16-byte buffers, for routing (parallel to `open`). */
  startKeys: Buffer[];
  timer?: TimerHandle;
  activeWaiters: Array<() => void>;
  /** Whether the stream has been ACTIVE: until then (CREATING, or DELETING straight from CREATING) AWS lists no shards. */
  everActive: boolean;
}

export function shardIdName(index: number): string {
  return `shardId-${String(index).padStart(12, '0')}`;
}

/** The largest shard index a shard id can name (2^31 − 1); AWS answers a larger one as an unknown shard id. */
export const MAX_SHARD_INDEX = 2147483647;

/**
 * The shard index a shard id names, by AWS's loose rule (as kinesalite recorded it against AWS): the text
 * after the first '-' (the whole id when it has none) must be decimal digits naming 0 … 2^31 − 1. So
 * 'shardId-000000000005', 'shardId-5', 'shard-5', 'foo-5', '-5' and '5' all name shard 5, which messages
 * call by its canonical id (shardIdName). Undefined for anything else ('ABKLFD8', '2.14E4', 'shardId-002147483648').
 */
export function parseShardId(id: string): number | undefined {
  const dash = id.indexOf('-');
  let digits = id;
  if (dash >= 0) {
    const next = id.indexOf('-', dash + 1);
    const part = id.slice(dash + 1, next < 0 ? id.length : next);
    if (part !== '') digits = part;
  }
  if (!/^\d+$/.test(digits)) return undefined;
  const n = Number(digits);
  return n <= MAX_SHARD_INDEX ? n : undefined;
}

/** The canonical id of the shard a shard id names loosely ('shard-5' → 'shardId-000000000005'), or the id as given. */
export function canonicalShardId(id: string): string {
  const index = parseShardId(id);
  return index === undefined ? id : shardIdName(index);
}

/** When a shard opened, as its sequence numbers record it: the stream's creation for its first shards. */
export function shardCreateMs(meta: StreamMeta, info: ShardInfo): number {
  return info.openedMs ?? meta.createdMs;
}

/** Rebuilds a stream's routing table (`open`, `startKeys`) from its shards. */
export function rebuildRoutes(state: StreamState): void {
  const open: ShardState[] = [];
  for (const sh of state.shards) if (sh && sh.closedEnd === undefined) open.push(sh);
  open.sort((a, b) => (BigInt(a.info.startingHashKey) < BigInt(b.info.startingHashKey) ? -1 : 1));
  state.open = open;
  state.startKeys = open.map((sh) => hashKeyToBuffer(BigInt(sh.info.startingHashKey)));
}

/** Children of a shard (shards naming it as parent or adjacent parent), with their parents, as GetRecords' ChildShards. */
export function childShardsOf(meta: StreamMeta, shardId: string): ChildShard[] {
  const out: ChildShard[] = [];
  for (const i of meta.shards) {
    if (i.parentShardId !== shardId && i.adjacentParentShardId !== shardId) continue;
    const parents = [i.parentShardId!];
    if (i.adjacentParentShardId !== undefined) parents.push(i.adjacentParentShardId);
    out.push({ shardId: i.shardId, parentShards: parents, startingHashKey: i.startingHashKey, endingHashKey: i.endingHashKey });
  }
  return out;
}
