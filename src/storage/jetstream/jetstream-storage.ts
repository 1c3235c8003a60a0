/**
 * LogStorage on a NATS JetStream cluster (docs/architecture.md, "A NATS JetStream backend"; issue 19).
 *
 * - One JetStream stream per shard log (file storage, the configured replicas, discard old, direct gets allowed);
 *   its subject is `<ns>.log.<encoded id>`. Offset = stream sequence − 1.
 * - Append: every record is published (not requested) with a reply subject on one inbox this storage subscribes
 *   to: the publish acks arrive there, one promise and one timer per batch, none per record. A batch is a chain:
 *   each record carries its own `Nats-Msg-Id`; the first also `Nats-Expected-Last-Sequence` (the log's end as this
 *   node knows it), every later one `Nats-Expected-Last-Msg-Id` = the id of the record before it. JetStream checks
 *   both in log order, so a batch whose first record is refused has every later record refused too (nothing of it
 *   stored), and offsets stay dense. A writer that lost a race (another node appended) has its refused batches
 *   placed again at the end re-read from the stream (`rerunRaced`), once that end is not inside another writer's
 *   batch (`settledEnd`); after any other failure the log refuses appends until it has re-read its end from the
 *   stream (`resync`). A batch is acknowledged (durable) when JetStream acknowledged every record, i.e. after its
 *   replication policy (R3: a Raft quorum). JetStream 2.9 has no atomic batch publish: a batch can still be left
 *   partly stored by a failure in its middle (a connection lost, a server restarted between its records).
 * - Read: the stream leader's message gets (`$JS.API.STREAM.MSG.GET.<stream>`) published in pipelined windows to
 *   the same inbox, so a read costs one round trip per window, not per record. Not direct gets: any replica
 *   answers those, and a server continued after a pause can serve entries the new leader replaced.
 * - Metadata in a KV bucket `<ns>-meta` (kv-meta-store.ts).
 */
import { randomBytes } from 'node:crypto';
import { connect, createInbox, headers } from '@nats-io/transport-node';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, JetStreamApiError } from '@nats-io/jetstream';
import type { JetStreamManager, StoredMsg, StreamInfo } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import { spansFromRecords } from '../spans.ts';
import type { AppendRecord, AppendResult, LogRecord, LogStorage, ReadLimits, ReadResult, RecordSpans, ShardLog } from '../types.ts';
import { StorageError } from '../types.ts';
import { KvMetaStore } from './kv-meta-store.ts';
import { kvCompareAndSet, kvCreateIfAbsent } from './kv-cas.ts';
import { NodeMembership, openNodesBucket } from './membership.ts';
import { encodeRecord, RECORD_HEADER_BYTES, recordKeyBytes, recordTimestamp } from './record-codec.ts';

export interface JetStreamStorageOptions {
  /** NATS server URLs (nats://host:port); the client fails over between them. */
  servers: string[];
  /** A NATS credentials file (JWT + nkey seed). */
  credsFile?: string;
  /** Replicas of every shard stream and of the metadata bucket (1..5). Default 1. */
  replicas?: number;
  /** Prefix of every stream, subject and bucket this storage owns ([A-Za-z0-9], default `freshet`): several Freshet installations can share a NATS cluster. */
  namespace?: string;
  /** How long a batch waits for its publish acks before it fails (default 5 s). */
  ackTimeoutMs?: number;
  /** Direct gets in flight per read window (default 256). */
  readWindow?: number;
  /** Bytes of each log's most recent records this node appended kept in memory to serve reads at the tail without a NATS round trip (default 4 MiB; 0 = none). */
  tailCacheBytes?: number;
}

const EXPECTED_LAST_SEQ = 'Nats-Expected-Last-Sequence';
const MSG_ID = 'Nats-Msg-Id';
const EXPECTED_LAST_MSG_ID = 'Nats-Expected-Last-Msg-Id';
/**
 * The shard streams' `duplicate_window`. The batch chain needs only the stream's last message id, which JetStream
 * keeps in memory whatever the window; but every stored `Nats-Msg-Id` sits in the leader's and each replica's dedupe
 * table for the window (the default, 2 min, would hold ~1M ids per stream at 10k records/s), and Freshet never sends
 * an id twice (ids are fresh per sending), so dedupe buys nothing. Not smaller: a restarted server rebuilds its last
 * message id from the messages inside the window only, and a chain in flight across a restart should find it.
 * Set when a stream is created only: a stream created before batch chains keeps JetStream's default window (it costs
 * memory, nothing else). Changing it at open would take `jsm.streams.update`, which reads the whole config and writes
 * it back, subjects included, and could thus undo a `sealLog` another node ran in between (the parent shard written
 * again after its final end).
 */
const DUPLICATE_WINDOW_MS = 2000;
/**
 * How long a writer placing batches again (or re-reading its end after a failure) waits for a stream's end that is
 * inside another writer's batch — that batch's later records are on their way — before it takes the end as it is
 * (a batch left partly stored by a failure: nothing more of it will come).
 */
const SETTLE_WAIT_MS = 1000;
/**
 * Reads ask with short timeouts and try again inside the read rather than fail the client's call after one long
 * wait: a read window waits this long for its answers (the missing ones are then asked one by one), a
 * leader request (stream info, message get) this long per try, READ_TRIES tries.
 */
const DIRECT_TIMEOUT_MS = 1000;
const LEADER_TIMEOUT_MS = 1500;
const READ_TRIES = 4;
/**
 * A stream leader that last heard from its followers longer ago than this (nats-server's Raft leader hears from each
 * follower at least every heartbeat, 1 s) is not counted as having them: a server continued after a pause still
 * believes it leads — for up to nats-server's lost-quorum interval, 10 s, unless the new leader's heartbeat reaches it
 * first — and answers stream info with its old end.
 */
const PEER_SILENT_NS = 3_000_000_000;
/** How long leaderInfo keeps asking while the answers come from such a leader, before it takes the last one. */
const STALE_LEADER_WAIT_MS = 3000;
/** A read at a log's tail re-reads the stream's end (other nodes' appends) at most this often. */
const REFRESH_MS = 50;
/** How often a log with onAppend listeners looks for other nodes' appends. */
const FOLLOW_MS = 200;

/** Log ids are [A-Za-z0-9_.-/]; stream names and subject tokens allow [A-Za-z0-9-] safely: others become `_XX`. */
function encodeLogId(id: string): string {
  let out = '';
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d;
    out += ok ? id[i] : `_${c.toString(16).padStart(2, '0')}`;
  }
  return out;
}

function decodeLogId(s: string): string {
  return s.replace(/_([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
}

/** Resends of a batch answered "no responders" on its first record (20, 40, … ms apart: 2.1 s in all). */
const MAX_RESENDS = 14;
/** Times a batch refused because another node appended first is placed again at the new end (see rerunRaced). */
const MAX_RACES = 12;
/** JetStream's "wrong last sequence" (a publish's Nats-Expected-Last-Sequence was not the stream's last sequence). */
const WRONG_LAST_SEQUENCE = 10071;
/** JetStream's "wrong last msg ID" (a publish's Nats-Expected-Last-Msg-Id was not the stream's last message id). */
const WRONG_LAST_MSG_ID = 10070;

/**
 * A record's `Nats-Msg-Id`: `<writer>.<sending>.<records after it in its batch>`. The writer part is random per
 * storage instance and the sending number is new each time a batch is sent, so an id is never reused; the last part
 * tells a reader of the stream's last message whether a batch ends there (0) or more of it may follow.
 */
const MSG_ID_PATTERN = /^[0-9a-f]{12}\.[0-9a-z]+\.([0-9]+)$/;

/** Whether a stored message's id (null: none, a record written before batch chains) ends a batch. */
function endsBatch(msgId: string | null): boolean {
  if (!msgId) return true;
  const m = MSG_ID_PATTERN.exec(msgId);
  return !m || m[1] === '0';
}

interface PendingBatch {
  id: number;
  log: JetStreamShardLog;
  /** Sequence of the batch's first record (offset + 1). */
  firstSeq: number;
  count: number;
  lastTs: number;
  /** The encoded records, kept for the log's tail cache once acknowledged. */
  payloads: Buffer[];
  acked: number;
  /** Times the batch was sent again after "no responders" on its first record (see republish). */
  resends: number;
  /** Records of the batch refused with "wrong last sequence" (another node appended first), and times it was placed again. */
  refused: number;
  races: number;
  /** 1 for each record whose answer arrived (per sending): a second answer for one record is not counted again. */
  answered: Uint8Array;
  /** The `Nats-Msg-Id` of the record its first record expects last (null: the expected sequence only). */
  prevId: string | null;
  done: boolean;
  error: StorageError | null;
  resolve: () => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout | null;
}

interface PendingRead {
  id: number;
  /** Each record's stored payload; null when the leader has none (trimmed) or answered with an error. */
  results: Array<Uint8Array | null>;
  got: number;
  resolve: () => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout | null;
}

/**
 * Whether the stream info comes from a leader that has not heard from a quorum of its group lately (PEER_SILENT_NS):
 * for R3, from neither follower. A leader that has lost its quorum, or a paused one that does not know yet that
 * another server leads.
 */
function lacksQuorum(si: StreamInfo): boolean {
  const peers = si.cluster?.replicas;
  if (!peers || peers.length === 0) return false;
  let heard = 1; // the leader itself
  for (const p of peers) if (!p.offline && p.active < PEER_SILENT_NS) heard++;
  return heard * 2 <= peers.length + 1;
}

/** JetStream's "stream not found" / "no message found" (HTTP-like status 404). */
function isNotFound(e: unknown): boolean {
  return e instanceof JetStreamApiError && e.status === 404;
}

function apiError(e: unknown, what: string): StorageError {
  if (e instanceof StorageError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new StorageError(`${what}: ${msg}`, 'EIO', { cause: e });
}

class JetStreamShardLog implements ShardLog {
  /** Next offset append() assigns (ahead of endOffset while batches are in flight). */
  next: number;
  end: number;
  start: number;
  lastTs: number | undefined;
  /** In-flight batches in append order. */
  pending: PendingBatch[] = [];
  /**
   * Set while batches refused because another node appended first wait to be placed again (rerunRaced): appends
   * made meanwhile wait in `held`, unsent, and are numbered after them.
   */
  racing = false;
  held: PendingBatch[] = [];
  /** Set from the moment rerunRaced has taken the refused batches until placeAgain has sent them. */
  placing = false;
  readonly listeners = new Set<(end: number) => void>();
  /** Set after a failed batch until the end has been re-read from the stream. */
  broken: StorageError | null = null;
  gone: StorageError | null = null;
  /** Set once seal() closed the log to appends (a resharded parent). */
  sealed: StorageError | null = null;
  /**
   * The `Nats-Msg-Id` of the record at `next - 1` when this node sent it (null after the end was read from the
   * stream). A batch's first record expects it, so a batch sent while an earlier one of ours is in flight is refused
   * if that one is. Not taken from a stored message: a stream leader's last message id lives in memory only — a
   * restarted server has none until it rebuilds it from its duplicate window — so an end read from the stream is
   * expected by its sequence alone.
   */
  chainId: string | null = null;
  /**
   * Set when the end was taken from the stream inside another writer's batch (its later records may follow): the
   * next append goes through placeAgain, which waits for a settled end, instead of landing in that batch's middle.
   */
  unsettled = false;
  /** The refresh in progress (concurrent readers share it) and when the last one finished (ms, wall clock). */
  refreshing: Promise<void> | null = null;
  refreshedAt = 0;
  /** Polls for other nodes' appends while onAppend listeners exist. */
  follower: NodeJS.Timeout | null = null;
  /**
   * Tail cache: the encoded records [tailBase, tailBase + tail.length - tailHead) — always ending at `end` — that
   * this node appended; reads of the tail (consumers keeping up) are served from here. Records never change once
   * acknowledged, so a cached one is as good as a stored one; trimmed ones are below `start` and never asked for.
   */
  tail: Buffer[] = [];
  tailHead = 0;
  tailBase = 0;
  tailBytes = 0;

  constructor(
    private readonly storage: JetStreamStorage,
    readonly id: string,
    readonly stream: string,
    readonly subject: string,
    state: { start: number; end: number; lastTs: number | undefined },
  ) {
    this.start = state.start;
    this.end = state.end;
    this.next = state.end;
    this.lastTs = state.lastTs;
    this.tailBase = state.end;
  }

  /** Forgets the tail cache (after a resync: the stream's end may not be ours). */
  resetTail(): void {
    this.tail = [];
    this.tailHead = 0;
    this.tailBase = this.end;
    this.tailBytes = 0;
  }

  get startOffset(): number {
    return this.start;
  }
  get endOffset(): number {
    return this.end;
  }
  get lastTimestampMs(): number | undefined {
    return this.end > this.start ? this.lastTs : undefined;
  }

  // hot path
  append(records: readonly AppendRecord[]): AppendResult {
    if (this.gone) throw this.gone;
    if (this.broken) throw this.broken;
    if (this.sealed) throw this.sealed;
    const firstOffset = this.next;
    const n = records.length;
    if (n === 0) return { firstOffset, durable: Promise.resolve() };
    this.next = firstOffset + n;
    return this.storage.publish(this, records, firstOffset + 1);
  }

  async read(fromOffset: number, limits: ReadLimits): Promise<ReadResult> {
    if (this.gone) throw this.gone;
    let from = Math.max(fromOffset, this.start);
    if (from >= this.end) {
      // At the tail: another node may have appended since (at most one refresh per REFRESH_MS per log).
      await this.refresh(REFRESH_MS);
      from = Math.max(fromOffset, this.start);
    }
    const end = this.end;
    if (from >= end) return { records: [], nextOffset: from };
    const records = await this.storage.readRange(this, from, end, limits);
    if (this.gone) throw this.gone;
    return { records, nextOffset: records.length > 0 ? records[records.length - 1]!.offset + 1 : Math.max(from, this.start) };
  }

  async readSpans(fromOffset: number, limits: ReadLimits): Promise<RecordSpans> {
    const { records, nextOffset } = await this.read(fromOffset, limits);
    return spansFromRecords(records, nextOffset);
  }

  async offsetForTimestamp(ts: number): Promise<number> {
    if (this.gone) throw this.gone;
    // Timestamps are non-decreasing per log (the contract): binary search over the stored records.
    let lo = this.start;
    let hi = this.end;
    if (lo >= hi || (this.lastTs !== undefined && this.lastTs < ts)) return hi;
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const t = await this.storage.timestampAt(this, mid);
      if (t === undefined) {
        // Trimmed under us: search from the new start.
        lo = Math.max(mid + 1, this.start);
        continue;
      }
      if (t >= ts) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  async trimBefore(ts: number): Promise<number> {
    if (this.gone) throw this.gone;
    const cut = await this.offsetForTimestamp(ts);
    if (cut > this.start) {
      await this.storage.purgeBefore(this, cut);
      this.start = Math.max(this.start, cut);
    }
    return this.start;
  }

  onAppend(listener: (end: number) => void): () => void {
    this.listeners.add(listener);
    // While someone listens (SubscribeToShard), other nodes' appends are looked for every FOLLOW_MS.
    if (!this.follower) {
      this.follower = setInterval(() => {
        if (this.gone) this.stopFollowing();
        else this.refresh(REFRESH_MS).catch(() => {});
      }, FOLLOW_MS);
      this.follower.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopFollowing();
    };
  }

  stopFollowing(): void {
    if (this.follower) clearInterval(this.follower);
    this.follower = null;
  }

  /** Re-reads start, end and last timestamp from the stream (other nodes' appends and trims); `maxAgeMs` > 0 reuses a refresh that recent. */
  refresh(maxAgeMs = 0): Promise<void> {
    if (this.gone) return Promise.reject(this.gone);
    if (this.refreshing) return this.refreshing;
    if (maxAgeMs > 0 && Date.now() - this.refreshedAt < maxAgeMs) return Promise.resolve();
    const p = this.storage.refreshLog(this).finally(() => {
      this.refreshing = null;
      this.refreshedAt = Date.now();
    });
    this.refreshing = p;
    return p;
  }

  seal(): Promise<number> {
    return this.storage.sealLog(this);
  }

  /** Completed batches at the head of the queue become visible, in order. */
  advance(cacheBytes: number): void {
    let moved = false;
    while (this.pending.length > 0 && this.pending[0]!.done && this.pending[0]!.error === null) {
      const b = this.pending.shift()!;
      const first = b.firstSeq - 1;
      if (cacheBytes > 0) {
        if (this.tailBase + this.tail.length - this.tailHead !== first) {
          this.tail = [];
          this.tailHead = 0;
          this.tailBase = first;
          this.tailBytes = 0;
        }
        const ps = b.payloads;
        for (let i = 0; i < ps.length; i++) {
          this.tail.push(ps[i]!);
          this.tailBytes += ps[i]!.byteLength;
        }
        while (this.tailBytes > cacheBytes && this.tailHead < this.tail.length) {
          this.tailBytes -= this.tail[this.tailHead++]!.byteLength;
          this.tailBase++;
        }
        if (this.tailHead > 1024 && this.tailHead * 2 > this.tail.length) {
          this.tail = this.tail.slice(this.tailHead);
          this.tailHead = 0;
        }
      }
      this.end = first + b.count;
      this.lastTs = b.lastTs;
      moved = true;
    }
    if (moved && this.listeners.size) {
      const end = this.end;
      for (const l of this.listeners) l(end);
    }
  }
}

export class JetStreamStorage implements LogStorage {
  private nc: NatsConnection | null = null;
  private jsm: JetStreamManager | null = null;
  /** The same API with LEADER_TIMEOUT_MS per request: the read path's leader requests. */
  private readJsm: JetStreamManager | null = null;
  private metaStore: KvMetaStore | null = null;
  private member: NodeMembership | null = null;
  private sub: Subscription | null = null;
  private inbox = '';
  private readonly logs = new Map<string, JetStreamShardLog>();
  private readonly opening = new Map<string, Promise<ShardLog>>();
  private readonly batches = new Map<number, PendingBatch>();
  private readonly reads = new Map<number, PendingRead>();
  private nextId = 1;
  private readonly ns: string;
  private readonly replicas: number;
  private readonly ackTimeoutMs: number;
  private readonly readWindow: number;
  private readonly tailCacheBytes: number;
  /** The writer part of this instance's message ids (MSG_ID_PATTERN). */
  private readonly writerId = randomBytes(6).toString('hex');
  private closed = false;

  constructor(private readonly opts: JetStreamStorageOptions) {
    this.ns = opts.namespace ?? 'freshet';
    if (!/^[A-Za-z0-9]+$/.test(this.ns)) throw new StorageError(`JetStream namespace ${this.ns} must be letters and digits`, 'EINVAL');
    this.replicas = opts.replicas ?? 1;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 5000;
    this.readWindow = opts.readWindow ?? 256;
    this.tailCacheBytes = opts.tailCacheBytes ?? 4 * 1024 * 1024;
  }

  get meta(): KvMetaStore {
    if (!this.metaStore) throw new StorageError('storage is not open', 'CLOSED');
    return this.metaStore;
  }

  /** This node's entry in the namespace's node list (`freshet cluster status`). */
  get membership(): NodeMembership | null {
    return this.member;
  }

  /**
   * Compare-and-set on a KV bucket of this namespace that holds under concurrency (kv-cas.ts says why KV's own
   * update/create do not on clustered nats-server before 2.9.21): the cluster layer's leases write through these.
   */
  compareAndSet(kv: KV, key: string, body: Uint8Array | string, expected: number): Promise<number> {
    return kvCompareAndSet(kv, key, typeof body === 'string' ? Buffer.from(body) : body, expected);
  }

  /** compareAndSet for a key that must not exist (never written, or deleted). */
  createIfAbsent(kv: KV, key: string, body: Uint8Array | string): Promise<number> {
    return kvCreateIfAbsent(kv, key, typeof body === 'string' ? Buffer.from(body) : body);
  }

  /** Replicas of every stream and bucket (the cluster layer's lease bucket takes the same). */
  get replicaCount(): number {
    return this.replicas;
  }

  /** The namespace (prefix of the streams and buckets). */
  get namespace(): string {
    return this.ns;
  }

  /** The NATS connection (for the cluster layer: leases, node registry). */
  get connection(): NatsConnection {
    if (!this.nc) throw new StorageError('storage is not open', 'CLOSED');
    return this.nc;
  }

  private get streamPrefix(): string {
    return `${this.ns}-L-`;
  }

  async open(): Promise<void> {
    try {
      const nc = await connect({
        servers: this.opts.servers,
        name: 'freshet',
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        // A server that stops answering (a partition, SIGSTOP) is noticed by missed PINGs: 2 s apart, 2 missed
        // (NATS's defaults, 2 min × 2, would leave every publish hanging for minutes).
        pingInterval: 2000,
        maxPingOut: 2,
        ...(this.opts.credsFile ? { authenticator: await credsAuthenticator(this.opts.credsFile) } : {}),
      });
      this.nc = nc;
      this.jsm = await jetstreamManager(nc, { timeout: 10_000 });
      this.readJsm = await jetstreamManager(nc, { timeout: LEADER_TIMEOUT_MS, checkAPI: false });
      this.inbox = createInbox();
      this.sub = nc.subscribe(`${this.inbox}.>`, { callback: (err, msg) => this.onReply(err, msg) });
      // Nodes starting together create the bucket together (an identical create succeeds); a loaded cluster may be slow to answer.
      const kvm = new Kvm(jetstream(nc, { timeout: 10_000 }));
      const metaBucket = `${this.ns}-meta`;
      let kv: KV | undefined;
      for (let attempt = 1; !kv; attempt++) {
        try {
          kv = await kvm.create(metaBucket, { replicas: this.replicas, history: 1 });
        } catch (e) {
          if (attempt >= 3) throw e;
        }
      }
      this.metaStore = new KvMetaStore(kv, this.jsm, metaBucket);
      await this.metaStore.load();
      this.member = new NodeMembership(await openNodesBucket(nc, this.ns, this.replicas));
      await this.member.start();
      const lister = this.jsm.streams.list();
      for await (const si of lister) {
        if (!si.config.name.startsWith(this.streamPrefix)) continue;
        const id = decodeLogId(si.config.name.slice(this.streamPrefix.length));
        this.logs.set(id, await this.logFromInfo(id, si));
      }
    } catch (e) {
      await this.close();
      throw apiError(e, `cannot open JetStream storage at ${this.opts.servers.join(',')}`);
    }
  }

  private async logFromInfo(id: string, si: StreamInfo): Promise<JetStreamShardLog> {
    const st = si.state;
    const end = st.last_seq;
    const start = st.messages === 0 ? end : st.first_seq - 1;
    const log = new JetStreamShardLog(this, id, si.config.name, `${this.ns}.log.${encodeLogId(id)}`, { start, end, lastTs: undefined });
    if (end > start) {
      const last = await this.lastRecord(log, end);
      log.lastTs = last.lastTs;
      log.unsettled = !endsBatch(last.msgId);
    }
    if (si.config.subjects?.[0] !== log.subject) log.sealed = sealedError(id);
    return log;
  }

  /** The stream's record at `seq` (its last) as the leader has it: its arrival time and its message id (null: none). */
  private async lastRecord(log: JetStreamShardLog, seq: number): Promise<{ lastTs: number | undefined; msgId: string | null }> {
    if (seq <= 0) return { lastTs: undefined, msgId: null };
    const m = await this.leaderMessage(log, seq);
    if (!m) return { lastTs: undefined, msgId: null };
    return { lastTs: recordTimestamp(m.data), msgId: m.header?.get(MSG_ID) || null };
  }

  /**
   * The log's end from the stream leader, once it is not inside another writer's batch: a stream whose last message
   * is followed by more of its batch (MSG_ID_PATTERN) is asked again until that batch has landed, at most
   * SETTLE_WAIT_MS (a batch cut short by a failure stays cut: its end is then taken as it is). Numbering from such
   * an end would have this node's first record stored between two of that batch's records, and the rest of that
   * batch refused — partly stored.
   */
  private async settledEnd(log: JetStreamShardLog): Promise<{ si: StreamInfo; lastTs: number | undefined; msgId: string | null }> {
    const since = Date.now();
    for (let waits = 0; ; waits++) {
      const si = await this.leaderInfo(log);
      const last = await this.lastRecord(log, si.state.last_seq);
      if (endsBatch(last.msgId) || Date.now() - since >= SETTLE_WAIT_MS || this.closed || log.gone) return { si, ...last };
      await new Promise((r) => setTimeout(r, Math.min(20, 2 + 2 * waits)));
    }
  }

  async createLog(id: string): Promise<ShardLog> {
    const jsm = this.requireJsm();
    if (this.logs.has(id)) throw new StorageError(`log ${id} exists`, 'EXISTS');
    const enc = encodeLogId(id);
    const name = this.streamPrefix + enc;
    // JetStream answers a create with an identical config as a success: ask first, so EXISTS means exists.
    try {
      await jsm.streams.info(name);
      throw new StorageError(`log ${id} exists`, 'EXISTS');
    } catch (e) {
      if (e instanceof StorageError) throw e;
      if (!isNotFound(e)) throw apiError(e, `create log ${id}`);
    }
    let si: StreamInfo;
    try {
      si = await jsm.streams.add(this.streamConfig(name, enc));
    } catch (e) {
      throw apiError(e, `create log ${id}`);
    }
    const log = await this.logFromInfo(id, si);
    this.logs.set(id, log);
    return log;
  }

  /** The log, created unless it exists (created by another node, maybe at this moment: JetStream accepts an identical add). */
  async openLog(id: string): Promise<ShardLog> {
    const known = this.logs.get(id);
    if (known) return known;
    // This node's callers opening one log together (a CreateStream and the watcher following it) share one open.
    const opening = this.opening.get(id);
    if (opening) return opening;
    const p = this.openLogOnce(id).finally(() => this.opening.delete(id));
    this.opening.set(id, p);
    return p;
  }

  private async openLogOnce(id: string): Promise<ShardLog> {
    const jsm = this.requireJsm();
    const enc = encodeLogId(id);
    const name = this.streamPrefix + enc;
    let si: StreamInfo | undefined;
    // Another node may be adding the same stream at this moment: JetStream can leave the second identical add
    // unanswered until the first is in place, so a failed add is followed by another look (3 tries in all).
    for (let attempt = 1; !si; attempt++) {
      try {
        si = await jsm.streams.info(name);
      } catch (e) {
        if (!isNotFound(e)) {
          if (attempt >= 3) throw apiError(e, `open log ${id}`);
          continue;
        }
        try {
          si = await jsm.streams.add(this.streamConfig(name, enc));
        } catch (e2) {
          if (attempt >= 3) throw apiError(e2, `open log ${id}`);
        }
      }
    }
    const again = this.logs.get(id);
    if (again) return again;
    const log = await this.logFromInfo(id, si);
    this.logs.set(id, log);
    return log;
  }

  getLog(id: string): ShardLog | undefined {
    return this.logs.get(id);
  }

  /** See JetStreamShardLog.refresh. The end moves only while this node has no append in flight (its own appends then decide). */
  async refreshLog(log: JetStreamShardLog): Promise<void> {
    const si = await this.leaderInfo(log);
    const st = si.state;
    const start = st.messages === 0 ? st.last_seq : st.first_seq - 1;
    if (start > log.start) log.start = start;
    if (st.last_seq > log.end && log.pending.length === 0 && !log.broken && !log.racing) {
      const last = await this.lastRecord(log, st.last_seq);
      if (st.last_seq <= log.end || log.pending.length > 0 || log.racing || log.broken) return;
      log.end = st.last_seq;
      log.next = st.last_seq;
      log.lastTs = last.lastTs;
      log.chainId = null;
      // (readers may see that batch's records at once; this node's next append waits for it to land: publish)
      log.unsettled = !endsBatch(last.msgId);
      log.resetTail();
      if (log.listeners.size) for (const l of log.listeners) l(log.end);
    }
  }

  /**
   * The log's stream info as its leader sees it. When a stream has no leader (an election, a server just continued
   * after a pause) the meta leader answers instead, from its own replica — which may lag, or be empty while it
   * catches up (messages 0, first sequence past records that exist): a log's start and end must never move on such
   * a view (a start moved past stored records hides them from every later read on this node), so it is asked again,
   * READ_TRIES times LEADER_TIMEOUT_MS at most, then the read fails retryably. So does a view from a leader that has
   * not heard from a quorum of its replicas (lacksQuorum) after STALE_LEADER_WAIT_MS of asking again.
   */
  async leaderInfo(log: JetStreamShardLog): Promise<StreamInfo> {
    let last: unknown;
    let suspect: StreamInfo | null = null;
    const since = Date.now();
    for (let attempt = 0; attempt < READ_TRIES || (suspect && Date.now() - since < STALE_LEADER_WAIT_MS); attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, suspect ? 100 : 50 * attempt));
      let si: StreamInfo;
      try {
        si = await this.requireReadJsm().streams.info(log.stream);
      } catch (e) {
        if (isNotFound(e)) {
          log.gone = new StorageError(`log ${log.id} was deleted`, 'NOT_FOUND');
          this.logs.delete(log.id);
          throw log.gone;
        }
        if (e instanceof StorageError) throw e;
        last = e;
        continue;
      }
      if (!si.cluster) return si;
      if (si.cluster.leader) {
        if (!lacksQuorum(si)) return si;
        // Maybe a server continued after a pause, answering with the end it had: ask again (the new leader answers
        // too); a read must not end at an end older than the one the log has.
        suspect = si;
        continue;
      }
      last = new Error('the stream has no leader right now');
    }
    // A leader that has not heard from a quorum for this long cannot commit anything, and its end may be one a paused
    // server kept (a fresh-clone run read 0 of 200 acknowledged records through such a view, with no error): the read
    // fails retryably instead, and the reader asks again once a leader with a quorum answers.
    if (suspect)
      throw new StorageError(
        `read the end of ${log.id}: the stream's leader has not heard from a quorum of its replicas for ${STALE_LEADER_WAIT_MS / 1000} s`,
        'EIO',
      );
    throw apiError(last, `read the end of ${log.id}`);
  }

  /**
   * Seals a log: its stream takes another subject, so every node's later publishes find no stream (refused), then
   * the appends in flight here settle and the stream's end is the log's final end. Records stay readable and trimmable.
   */
  async sealLog(log: JetStreamShardLog): Promise<number> {
    const jsm = this.requireJsm();
    log.sealed = sealedError(log.id);
    try {
      await jsm.streams.update(log.stream, { subjects: [`${this.ns}.sealed.${encodeLogId(log.id)}`] });
    } catch (e) {
      throw apiError(e, `seal ${log.id}`);
    }
    while ((log.pending.length > 0 || log.racing) && !this.closed) await new Promise((r) => setTimeout(r, 10));
    while (log.broken && !log.gone && !this.closed) await new Promise((r) => setTimeout(r, 10));
    await this.refreshLog(log);
    return log.end;
  }

  private streamConfig(name: string, enc: string) {
    return {
      name,
      subjects: [`${this.ns}.log.${enc}`],
      storage: 'file' as never,
      num_replicas: this.replicas,
      retention: 'limits' as never,
      discard: 'old' as never,
      allow_direct: true,
      max_msgs_per_subject: -1,
      duplicate_window: DUPLICATE_WINDOW_MS * 1_000_000,
    };
  }

  listLogs(): string[] {
    return [...this.logs.keys()].sort();
  }

  async deleteLog(id: string): Promise<void> {
    const jsm = this.requireJsm();
    const log = this.logs.get(id);
    const name = log?.stream ?? this.streamPrefix + encodeLogId(id);
    try {
      await jsm.streams.delete(name);
    } catch (e) {
      if (!isNotFound(e)) throw apiError(e, `delete log ${id}`);
    }
    if (log) log.gone = new StorageError(`log ${id} was deleted`, 'NOT_FOUND');
    this.logs.delete(id);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new StorageError('storage is closed', 'CLOSED');
    for (const log of this.logs.values()) {
      log.gone = err;
      log.stopFollowing();
    }
    for (const b of this.batches.values()) this.failBatch(b, err);
    for (const r of this.reads.values()) this.failRead(r, err);
    this.metaStore?.close();
    await this.member?.stop();
    this.sub?.unsubscribe();
    if (this.nc) {
      try {
        await this.nc.drain();
      } catch {
        // Already closed (connection lost): nothing left to flush.
        await this.nc.close();
      }
    }
    this.nc = null;
  }

  /** The record at `offset` as the stream leader has it (fault tests compare it with what reads return). */
  async leaderRecord(id: string, offset: number): Promise<LogRecord | null> {
    const log = this.logs.get(id);
    if (!log) return null;
    const p = await this.leaderGet(log, offset + 1);
    if (!p) return null;
    const keyBytes = recordKeyBytes(p);
    const b = Buffer.from(p.buffer, p.byteOffset, p.byteLength);
    return {
      offset,
      key: b.toString('utf8', RECORD_HEADER_BYTES, RECORD_HEADER_BYTES + keyBytes),
      data: b.subarray(RECORD_HEADER_BYTES + keyBytes),
      timestampMs: recordTimestamp(p),
    };
  }

  /** Where a log's stream lives: its leader and replicas (server names), for `cluster status` and fault tests. */
  async placement(id: string): Promise<{ stream: string; leader: string | undefined; replicas: Array<{ name: string; current: boolean }> }> {
    const name = this.logs.get(id)?.stream ?? this.streamPrefix + encodeLogId(id);
    const si = await this.requireJsm().streams.info(name);
    return {
      stream: name,
      leader: si.cluster?.leader,
      replicas: (si.cluster?.replicas ?? []).map((r) => ({ name: r.name, current: r.current })),
    };
  }

  private requireJsm(): JetStreamManager {
    if (this.closed || !this.jsm) throw new StorageError('storage is closed', 'CLOSED');
    return this.jsm;
  }

  private requireReadJsm(): JetStreamManager {
    if (this.closed || !this.readJsm) throw new StorageError('storage is closed', 'CLOSED');
    return this.readJsm;
  }

  // ---- append ----

  // hot path
  publish(log: JetStreamShardLog, records: readonly AppendRecord[], firstSeq: number): AppendResult {
    const nc = this.nc!;
    const id = this.nextId++;
    const reply = `${this.inbox}.a.${id}`;
    const n = records.length;
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const durable = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Callers may drop or await `durable` late; a refused append must not become an unhandled rejection (it would end the process).
    durable.catch(() => {});
    const payloads = new Array<Buffer>(n);
    const b: PendingBatch = {
      payloads,
      id,
      log,
      firstSeq,
      count: n,
      lastTs: records[n - 1]!.timestampMs,
      acked: 0,
      resends: 0,
      refused: 0,
      races: 0,
      answered: new Uint8Array(n),
      prevId: null,
      done: false,
      error: null,
      resolve,
      reject,
      timer: null,
    };
    const result = new BatchResult(b, durable);
    this.batches.set(id, b);
    b.timer = setTimeout(
      () => this.failBatch(b, new StorageError(`no JetStream ack within ${this.ackTimeoutMs} ms for log ${log.id}`, 'EIO')),
      this.ackTimeoutMs,
    );
    try {
      for (let i = 0; i < n; i++) {
        const r = records[i]!;
        payloads[i] = encodeRecord(r.key, r.data, r.timestampMs);
      }
    } catch (e) {
      log.pending.push(b);
      this.failBatch(b, apiError(e, `append to ${log.id}`));
      return result;
    }
    if (log.unsettled && !log.racing) {
      // The end was read inside another writer's batch: placed once that batch has landed (settledEnd).
      log.unsettled = false;
      log.racing = true;
      log.placing = true;
      setTimeout(() => void this.placeAgain(log, []), 0);
    }
    if (log.racing) {
      // Numbered after the refused batches being placed again (rerunRaced), and sent with them.
      this.batches.delete(id);
      log.held.push(b);
      return result;
    }
    b.prevId = log.chainId;
    log.chainId = this.lastMsgId(b);
    log.pending.push(b);
    this.send(nc, b, reply);
    return result;
  }

  /** Message ids of a batch's records (this sending) are this plus the number of records after each. */
  private msgIdPrefix(b: PendingBatch): string {
    return `${this.writerId}.${b.id.toString(36)}.`;
  }

  /** The message id of the batch's last record (this sending). */
  private lastMsgId(b: PendingBatch): string {
    return `${this.msgIdPrefix(b)}0`;
  }

  /**
   * Publishes the batch as a chain (per-shard order under concurrent gateways, all-or-nothing under races): the first
   * record expects the log's end (its sequence, and the id of this node's batch before it when that is in flight or
   * just acknowledged: chainId), each later one the id of the record before it. JetStream checks both against the
   * stream's last message, in log order: once one record is refused, the stream's last message id is not that
   * record's, and every later one is refused ("wrong last msg ID").
   */
  // hot path
  private send(nc: NatsConnection, b: PendingBatch, reply: string): void {
    try {
      const prefix = this.msgIdPrefix(b);
      const last = b.count - 1;
      let prev = b.prevId;
      for (let i = 0; i < b.count; i++) {
        const h = headers();
        const msgId = prefix + (last - i);
        h.set(MSG_ID, msgId);
        if (i === 0) h.set(EXPECTED_LAST_SEQ, String(b.firstSeq - 1));
        if (prev !== null) h.set(EXPECTED_LAST_MSG_ID, prev);
        prev = msgId;
        nc.publish(b.log.subject, b.payloads[i]!, { reply: `${reply}.${i}`, headers: h });
      }
    } catch (e) {
      this.failBatch(b, apiError(e, `append to ${b.log.id}`));
    }
  }

  private onReply(err: Error | null, msg: Msg): void {
    if (err) return; // the subscription closes with the connection; close() fails what is pending
    const s = msg.subject;
    const kindAt = this.inbox.length + 1;
    const dot = s.indexOf('.', kindAt + 2);
    if (s.charCodeAt(kindAt) === 0x61 /* a */) {
      const b = this.batches.get(Number(s.slice(kindAt + 2, dot)));
      if (b) this.onAck(b, Number(s.slice(dot + 1)), msg);
    } else {
      const r = this.reads.get(Number(s.slice(kindAt + 2, dot)));
      if (!r) return;
      const i = Number(s.slice(dot + 1));
      if (r.results[i] !== undefined) return;
      r.results[i] = messagePayload(msg);
      if (++r.got === r.results.length) this.finishRead(r);
    }
  }

  // hot path
  private onAck(b: PendingBatch, i: number, msg: Msg): void {
    // Each record is answered once: a second answer (a server that was paused answering late, a reconnect) must not
    // make a batch look acknowledged while one of its records is not.
    if (b.done || !(i >= 0 && i < b.count) || b.answered[i] === 1) return;
    b.answered[i] = 1;
    const h = msg.headers;
    if (h && h.code >= 300) {
      if (h.code === 503 && b.acked === 0 && b.resends < MAX_RESENDS && !b.log.gone && b.log.pending[0] === b) {
        this.republish(b);
        return;
      }
      // 503: no responders (the stream is gone or has no leader right now).
      const code = h.code === 503 ? (b.log.gone ? 'NOT_FOUND' : 'EIO') : 'EIO';
      this.failBatch(b, new StorageError(`JetStream refused the append to ${b.log.id}: ${h.code} ${h.description}`, code));
      return;
    }
    const d = msg.data;
    // A PubAck is {"stream":…,"seq":N,…}; an error reply carries "error". Look for the error first (rare).
    if (d.byteLength > 0 && d.indexOf(0x65 /* e */) >= 0) {
      const ack = JSON.parse(Buffer.from(d).toString('utf8')) as { seq?: number; error?: { code: number; err_code?: number; description: string } };
      const code = ack.error?.err_code;
      if ((code === WRONG_LAST_SEQUENCE || code === WRONG_LAST_MSG_ID) && !b.log.gone && !b.log.sealed) {
        // Another node appended to this log first (the first record's expectation failed, and with it the chain of
        // the later ones): once every record of the batch is answered, it is placed again at the new end.
        b.refused++;
        b.log.racing = true;
        if (b.acked + b.refused === b.count) this.rerunRaced(b.log);
        return;
      }
      if (ack.error) {
        const code = ack.error.err_code === 10059 ? 'NOT_FOUND' : 'EIO';
        this.failBatch(b, new StorageError(`JetStream refused the append to ${b.log.id}: ${ack.error.description}`, code));
        return;
      }
    }
    // A record is stored at the sequence it expected plus one: an acknowledgement of any other sequence means the
    // stream and this node disagree on the log, and the batch must not be acknowledged to the client.
    const seq = ackSequence(d);
    if (seq !== b.firstSeq + i) {
      this.failBatch(
        b,
        new StorageError(`JetStream acknowledged record ${i} of an append to ${b.log.id} at sequence ${seq}, not ${b.firstSeq + i}: retry`, 'EIO'),
      );
      return;
    }
    b.acked++;
    if (b.refused > 0) {
      if (b.acked + b.refused === b.count) this.rerunRaced(b.log);
      return;
    }
    if (b.acked === b.count) {
      b.done = true;
      if (b.timer) clearTimeout(b.timer);
      this.batches.delete(b.id);
      b.resolve();
      b.log.advance(this.tailCacheBytes);
      // (the last answer a refused batch ahead of it was waiting for)
      if (b.log.racing) this.rerunRaced(b.log);
    }
  }

  /**
   * "No responders" for a batch's first record: a stream just created on another server of the cluster, whose
   * subject interest has not reached this connection's server yet (or a leader election). Nothing of the batch is
   * stored — each later record expects the one before it — so it is sent again, under a new reply id (the old one's
   * late replies are ignored), after a short pause; the ack timeout still bounds the whole.
   */
  private republish(b: PendingBatch): void {
    this.batches.delete(b.id);
    b.resends++;
    setTimeout(() => {
      if (b.done || this.closed || !this.nc) return;
      const id = this.nextId++;
      const wasLast = b.log.chainId === this.lastMsgId(b);
      b.id = id;
      // (new ids: a later batch of ours expecting the old ones is refused and placed again after this one)
      if (wasLast) b.log.chainId = this.lastMsgId(b);
      b.answered.fill(0);
      this.batches.set(id, b);
      this.send(this.nc, b, `${this.inbox}.a.${id}`);
    }, 20 * b.resends);
  }

  private failBatch(b: PendingBatch, e: StorageError): void {
    if (b.done) return;
    b.done = true;
    b.error = e;
    if (b.timer) clearTimeout(b.timer);
    this.batches.delete(b.id);
    b.reject(e);
    const log = b.log;
    const i = log.pending.indexOf(b);
    if (i >= 0) log.pending.splice(i, 1);
    log.advance(this.tailCacheBytes);
    if (!log.broken && !log.gone && !this.closed) {
      log.broken = new StorageError(`log ${log.id} is recovering from a failed append: retry`, 'EIO', { cause: e });
      void this.resync(log);
    }
    if (log.racing) this.rerunRaced(log);
  }

  /**
   * Per-shard order under two writing nodes: every batch is a chain (send), so the node that appended second has
   * its batch refused ("wrong last sequence" on its first record, "wrong last msg ID" on the rest) — nothing of it
   * stored; only a failure between a batch's records leaves part of it stored. Once every batch this node has in
   * flight on the log is answered: fully acknowledged ones stand; fully refused ones are placed again, in their
   * order, after a short random pause (so two nodes racing flat out do not keep meeting) at the end re-read from the
   * stream leader (settledEnd), followed by the appends made meanwhile — so the refused node makes progress instead of
   * failing its callers (starvation); partly stored ones, and ones refused MAX_RACES times, fail (the client retries).
   * A batch's offsets are final when its `durable` resolves (AppendResult.firstOffset).
   */
  private rerunRaced(log: JetStreamShardLog): void {
    if (!log.racing || log.placing) return;
    for (const b of log.pending) if (!b.done && b.acked + b.refused < b.count) return; // answers still to come
    const again: PendingBatch[] = [];
    const kept: PendingBatch[] = [];
    for (const b of log.pending) {
      if (b.done) kept.push(b);
      else if (b.acked === 0 && b.races < MAX_RACES && !log.broken) again.push(b);
      else this.rejectRaced(b, `JetStream refused the append to ${log.id}: another node appended to it first (${b.acked} of ${b.count} records stored)`);
    }
    log.pending = kept;
    log.advance(this.tailCacheBytes);
    for (const b of again) this.batches.delete(b.id);
    // Even with nothing to place again (a batch partly stored failed), the end is re-read before the next append.
    log.placing = true;
    const races = again.length > 0 ? again[0]!.races : 0;
    setTimeout(() => void this.placeAgain(log, again), Math.random() * Math.min(40, 2 + 4 * races));
  }

  /** rerunRaced's second half: the log's end from the stream leader, then the queued batches numbered from it and sent. */
  private async placeAgain(log: JetStreamShardLog, again: PendingBatch[]): Promise<void> {
    let si: StreamInfo | undefined;
    let lastTs: number | undefined;
    let error: StorageError | null = null;
    try {
      ({ si, lastTs } = await this.settledEnd(log));
    } catch (e) {
      error = apiError(e, `append to ${log.id}`);
    }
    // (appends made until now, in order; batches whose ack timeout ran out meanwhile are done already)
    const queued = again.concat(log.held).filter((b) => !b.done);
    log.held = [];
    log.racing = false;
    log.placing = false;
    error ??=
      log.gone ??
      log.broken ??
      (log.pending.length > 0 || this.closed || !this.nc ? new StorageError(`append to ${log.id} raced another node: retry`, 'EIO') : null);
    if (error || !si || !this.nc) {
      for (const b of queued) {
        log.pending.push(b);
        this.failBatch(b, error ?? new StorageError('storage is closed', 'CLOSED'));
      }
      return;
    }
    const st = si.state;
    if (st.last_seq > log.end) {
      log.end = st.last_seq;
      log.lastTs = lastTs;
      log.resetTail();
    }
    log.next = log.end;
    log.chainId = null;
    log.unsettled = false;
    for (const b of queued) {
      b.firstSeq = log.next + 1;
      log.next += b.count;
      b.acked = 0;
      if (b.refused > 0) b.races++;
      b.refused = 0;
      b.answered.fill(0);
      b.id = this.nextId++;
      b.prevId = log.chainId;
      log.chainId = this.lastMsgId(b);
      this.batches.set(b.id, b);
      log.pending.push(b);
      this.send(this.nc, b, `${this.inbox}.a.${b.id}`);
    }
    if (log.listeners.size) for (const l of log.listeners) l(log.end);
  }

  private rejectRaced(b: PendingBatch, message: string): void {
    b.done = true;
    b.error = new StorageError(message, 'EIO');
    if (b.timer) clearTimeout(b.timer);
    this.batches.delete(b.id);
    b.reject(b.error);
  }

  /** After a failed batch: wait for the batches in flight to settle, then take the end from the stream. */
  private async resync(log: JetStreamShardLog): Promise<void> {
    for (let attempt = 0; !this.closed && !log.gone; attempt++) {
      if (log.pending.length > 0) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      try {
        const { si } = await this.settledEnd(log);
        const fresh = await this.logFromInfo(log.id, si);
        log.start = fresh.start;
        log.end = fresh.end;
        log.next = fresh.end;
        log.lastTs = fresh.lastTs;
        log.chainId = null;
        log.unsettled = false;
        log.resetTail();
        log.broken = null;
        if (log.listeners.size) for (const l of log.listeners) l(log.end);
        return;
      } catch (e) {
        if (log.gone) return;
        if (isNotFound(e)) {
          log.gone = new StorageError(`log ${log.id} was deleted`, 'NOT_FOUND');
          this.logs.delete(log.id);
          return;
        }
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      }
    }
  }

  // ---- read ----

  private fetchWindow(log: JetStreamShardLog, fromSeq: number, count: number): Promise<Array<Uint8Array | null>> {
    const nc = this.nc;
    if (!nc || this.closed) return Promise.reject(new StorageError('storage is closed', 'CLOSED'));
    const id = this.nextId++;
    const results = new Array<Uint8Array | null>(count);
    return new Promise((resolve, reject) => {
      const r: PendingRead = {
        id,
        results,
        got: 0,
        resolve: () => resolve(results),
        reject,
        timer: null,
      };
      this.reads.set(id, r);
      // Unanswered gets (a replica paused or cut off) come back as missing: the leader is asked for them.
      r.timer = setTimeout(() => this.finishRead(r), Math.min(DIRECT_TIMEOUT_MS, this.ackTimeoutMs));
      // The stream leader's message get, not a direct get: any replica answers a direct get, and a server continued
      // after a pause can hold, for a while, entries the new leader replaced (seen in the partition test: another
      // record at an offset whose acknowledged record the leader has). The leader's answer is the log.
      const subject = `$JS.API.STREAM.MSG.GET.${log.stream}`;
      const prefix = `${this.inbox}.g.${id}.`;
      for (let i = 0; i < count; i++) nc.publish(subject, `{"seq":${fromSeq + i}}`, { reply: prefix + i });
    });
  }

  private finishRead(r: PendingRead): void {
    if (r.timer) clearTimeout(r.timer);
    this.reads.delete(r.id);
    r.resolve();
  }

  private failRead(r: PendingRead, e: StorageError): void {
    if (r.timer) clearTimeout(r.timer);
    this.reads.delete(r.id);
    r.reject(e);
  }

  /** The stored payload of one record from the stream leader (for records a lagging replica did not have). */
  private async leaderGet(log: JetStreamShardLog, seq: number): Promise<Uint8Array | null> {
    const m = await this.leaderMessage(log, seq);
    return m ? m.data : null;
  }

  /** One stored message (payload and headers) from the stream leader; null when it has none (trimmed, never written). */
  private async leaderMessage(log: JetStreamShardLog, seq: number): Promise<StoredMsg | null> {
    let last: unknown;
    for (let attempt = 0; attempt < READ_TRIES; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * attempt));
      try {
        return await this.requireReadJsm().streams.getMessage(log.stream, { seq });
      } catch (e) {
        if (isNotFound(e)) return null;
        if (e instanceof StorageError) throw e;
        last = e; // no leader yet, "temporarily unavailable", a timeout: ask again
      }
    }
    throw apiError(last, `read ${log.id}`);
  }

  async readRange(log: JetStreamShardLog, from: number, end: number, limits: ReadLimits): Promise<LogRecord[]> {
    const out: LogRecord[] = [];
    let bytes = 0;
    let offset = from;
    const maxRecords = Math.max(1, limits.maxRecords);
    while (offset < end && out.length < maxRecords) {
      // hot path: the tail cache (records this node appended, no copy: the buffers are ours and never change).
      if (offset >= log.tailBase) {
        const tail = log.tail;
        const cached = log.tailBase + tail.length - log.tailHead;
        while (offset < cached && offset < end) {
          const p = tail[log.tailHead + offset - log.tailBase]!;
          const keyBytes = recordKeyBytes(p);
          const dataLen = p.byteLength - RECORD_HEADER_BYTES - keyBytes;
          if (out.length > 0 && bytes + dataLen > limits.maxBytes) return out;
          bytes += dataLen;
          out.push({
            offset,
            key: keyBytes === 0 ? '' : p.toString('utf8', RECORD_HEADER_BYTES, RECORD_HEADER_BYTES + keyBytes),
            data: p.subarray(RECORD_HEADER_BYTES + keyBytes),
            timestampMs: recordTimestamp(p),
          });
          offset++;
          if (out.length >= maxRecords) return out;
        }
        if (offset >= end) return out;
      }
      const uncached = log.tailBase > offset ? log.tailBase - offset : Number.POSITIVE_INFINITY;
      const count = Math.min(end - offset, maxRecords - out.length, this.readWindow, uncached);
      const msgs = await this.fetchWindow(log, offset + 1, count);
      for (let i = 0; i < count; i++) {
        let payload: Uint8Array | null = msgs[i] ?? null;
        if (payload === null) payload = await this.leaderGet(log, offset + 1);
        if (payload === null) {
          // Trimmed (by retention or another node) before we got to it: continue from the new start. A record
          // inside [start, end) that the leader does not have is a view to distrust, not the log's end: an empty
          // answer there would tell a Kinesis reader it is at the tip (MillisBehindLatest 0) with records unread.
          if (out.length > 0) return out;
          if (offset >= log.start) await log.refresh();
          if (offset >= log.start) {
            throw new StorageError(`log ${log.id}: record at offset ${offset} is not readable yet (start ${log.start}, end ${log.end}): retry`, 'EIO');
          }
          break;
        }
        const keyBytes = recordKeyBytes(payload);
        if (keyBytes < 0) throw new StorageError(`log ${log.id}: record at offset ${offset} is not a Freshet record`, 'CORRUPT');
        const dataLen = payload.byteLength - RECORD_HEADER_BYTES - keyBytes;
        if (out.length > 0 && bytes + dataLen > limits.maxBytes) return out;
        bytes += dataLen;
        const p = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
        out.push({
          offset,
          key: keyBytes === 0 ? '' : p.toString('utf8', RECORD_HEADER_BYTES, RECORD_HEADER_BYTES + keyBytes),
          data: Buffer.from(p.subarray(RECORD_HEADER_BYTES + keyBytes)),
          timestampMs: recordTimestamp(p),
        });
        offset++;
        if (out.length >= maxRecords) return out;
      }
      if (offset < log.start) offset = log.start;
    }
    return out;
  }

  /** Arrival time of the record at `offset`, or undefined when it is no longer stored. */
  async timestampAt(log: JetStreamShardLog, offset: number): Promise<number | undefined> {
    const [m] = await this.fetchWindow(log, offset + 1, 1);
    const payload = m ?? (await this.leaderGet(log, offset + 1));
    return payload ? recordTimestamp(payload) : undefined;
  }

  async purgeBefore(log: JetStreamShardLog, offset: number): Promise<void> {
    try {
      await this.requireJsm().streams.purge(log.stream, { seq: offset + 1 });
    } catch (e) {
      throw apiError(e, `trim ${log.id}`);
    }
  }
}

/** The payload of a STREAM.MSG.GET answer (`{"message":{"data":"<base64>",…}}`), or null (an error: 404 trimmed, no leader). */
function messagePayload(msg: Msg): Uint8Array | null {
  if (msg.headers && msg.headers.code >= 300) return null;
  const text = Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength).toString('latin1');
  const at = text.indexOf('"data":"');
  if (at < 0) return text.indexOf('"message"') >= 0 ? new Uint8Array(0) : null;
  const end = text.indexOf('"', at + 8);
  return Buffer.from(text.slice(at + 8, end), 'base64');
}

/** The `seq` of a PubAck (`{"stream":"…","seq":N,…}`), or -1. */
// hot path: no JSON.parse per acknowledged record
function ackSequence(d: Uint8Array): number {
  // `"seq":` — q, quote, colon, then digits
  for (let i = 5; i < d.length - 1; i++) {
    if (d[i] === 0x3a && d[i - 1] === 0x22 && d[i - 2] === 0x71 && d[i - 3] === 0x65 && d[i - 4] === 0x73 && d[i - 5] === 0x22) {
      let n = 0;
      let j = i + 1;
      for (; j < d.length && d[j]! >= 0x30 && d[j]! <= 0x39; j++) n = n * 10 + (d[j]! - 0x30);
      return j > i + 1 ? n : -1;
    }
  }
  return -1;
}

/** What append() returns: the batch's first offset is read from the batch, which rerunRaced may place again before `durable` resolves. */
class BatchResult implements AppendResult {
  constructor(
    private readonly b: PendingBatch,
    readonly durable: Promise<void>,
  ) {}
  get firstOffset(): number {
    return this.b.firstSeq - 1;
  }
}

function sealedError(id: string): StorageError {
  return new StorageError(`log ${id} is sealed (its shard was closed by a reshard): retry`, 'EIO');
}

async function credsAuthenticator(file: string) {
  const { readFile } = await import('node:fs/promises');
  const { credsAuthenticator: make } = await import('@nats-io/transport-node');
  return make(new Uint8Array(await readFile(file)));
}
