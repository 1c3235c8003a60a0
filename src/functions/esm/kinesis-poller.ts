/**
 * The poller of one Kinesis event source mapping: reads every shard through
 * the in-process Kinesis engine, batches records and invokes the function
 * synchronously, with Lambda's failure handling for stream sources.
 *
 * Reference: Lambda developer guide, "Using Lambda with Kinesis" — batching
 * (BatchSize, MaximumBatchingWindowInSeconds, the 6 MB payload), starting
 * positions, ParallelizationFactor (concurrent batches per shard, in order per
 * partition key), error handling (retry until MaximumRetryAttempts or
 * MaximumRecordAgeInSeconds; BisectBatchOnFunctionError splits a failed batch
 * without using the retry quota; throttles and other failures before the
 * function runs are retried until the records expire), partial batch
 * responses (ReportBatchItemFailures: checkpoint at the lowest failed
 * sequence number), tumbling windows and on-failure destinations.
 *
 * Shards are followed as the KCL (and every Freshet consumer) does: a child
 * shard is read only after its parents are read to their ends and processed.
 * KPL aggregates are de-aggregated. Records not passing FilterCriteria are
 * skipped. With ParallelizationFactor N, records go to N lanes by a hash of
 * their partition key; each lane processes its batches in order.
 *
 * Checkpoints (`functions/esm-cp/<uuid>` in the MetaStore): per shard, the
 * offset of the first record not yet processed (the minimum over the lanes)
 * and, with tumbling windows, the open window's start and state. A batch's
 * success is written durably before the lane takes its next batch, so after
 * a crash no batch that completed is delivered again and none is skipped;
 * only batches in flight at the crash run again.
 */
import { AwsError } from '../../core/index.ts';
import type { Clock, TimerHandle } from '../../core/index.ts';
import { randomUUID } from 'node:crypto';
import { deaggregate, isAggregated } from '../../kinesis/index.ts';
import type { KinesisEngine, ShardReader } from '../../kinesis/index.ts';
import type { FunctionsEngine, InvokeResult } from '../engine.ts';
import { CHECKPOINT_LOG_PREFIX, CheckpointLog } from './checkpoints.ts';
import type { CheckpointFence } from './checkpoints.ts';
import type { CompiledFilter } from './filter.ts';
import { compileCriteria, passes } from './filter.ts';
import type { StreamRecord } from './events.ts';
import { batchItemFailures, epochSeconds, kinesisEvent, kinesisFailureRecord, kinesisWindowEvent, recordParts } from './events.ts';
import type { RecordParts } from './events.ts';
import type { MappingRecord } from './model.ts';
import { LIMITS, streamNameOf } from './model.ts';

/** How often (clock time) the shard list is read again, to find children of splits and merges. */
const RESCAN_MS = 10_000;
/** Per record, what the event adds around its base64 data (partition key, sequence numbers, ARNs). */
const RECORD_OVERHEAD_BYTES = 420;

export interface PollerDeps {
  functions: FunctionsEngine;
  kinesis: KinesisEngine;
  clock: Clock;
  region: string;
  retryInitialMs: number;
  retryMaxMs: number;
  /** Sends an on-failure record to a destination ARN (an SQS queue). */
  sendToDestination(arn: string, body: string): Promise<void>;
  /** Under `--auth enforce`: why the execution role may not read the stream now, or undefined. */
  access?: () => string | undefined;
  /**
   * In a cluster: the fencing token of this node's lease on the mapping (null when it holds none). Checked before
   * every invocation (a node that lost the lease invokes nothing more and stops) and carried by every checkpoint.
   */
  fence?: CheckpointFence;
  /** Called when `fence` answers null before an invocation: the mapping's lease is gone, the poller is to stop. */
  onLost?: () => void;
  onResult(uuid: string, result: string): void;
  report(what: string, err?: unknown): void;
}

interface ShardCheckpoint {
  offset: number;
  window?: { startMs: number; state: unknown };
}

interface Lane {
  queue: StreamRecord[];
  busy: boolean;
  timer: TimerHandle | null;
  /** Clock time the oldest waiting record reached the lane (the batching window starts then). */
  sinceMs: number;
}

interface ShardWork {
  shardId: string;
  reader: ShardReader;
  parents: string[];
  lanes: Lane[];
  pending: number;
  reading: boolean;
  readAgain: boolean;
  finished: boolean;
  parts: RecordParts;
  window: { startMs: number; state: unknown } | undefined;
  windowTimer: TimerHandle | null;
  unsubscribe: () => void;
}

export interface PollerStats {
  recordsProcessed: number;
  batchesInvoked: number;
  iteratorAgeMs: number;
  failuresDiscarded: number;
}

type Attempt =
  | { kind: 'ok'; response: unknown; result: InvokeResult }
  | { kind: 'partial'; failedAt: number; result: InvokeResult }
  | { kind: 'failed'; result: InvokeResult | undefined }
  | { kind: 'retry-later' };

export class KinesisPoller {
  private readonly shards = new Map<string, ShardWork>();
  private readonly filters: CompiledFilter[];
  private readonly streamName: string;
  /** The mapped function's name (the FunctionName dimension of its IteratorAge). */
  private readonly functionName: string;
  private readonly lanesPerShard: number;
  private readonly cap: number;
  private stopped = false;
  private rescanTimer: TimerHandle | null = null;
  private listing: Promise<void> | null = null;
  private relist = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly sleeps = new Set<{ timer: TimerHandle; resolve: () => void }>();
  readonly stats: PollerStats = { recordsProcessed: 0, batchesInvoked: 0, iteratorAgeMs: 0, failuresDiscarded: 0 };

  constructor(
    private readonly m: MappingRecord,
    private readonly deps: PollerDeps,
  ) {
    this.filters = compileCriteria(m.filters, 'data');
    this.streamName = streamNameOf(m.eventSourceArn);
    this.functionName = deps.functions.resolveName(m.functionArn).name;
    // Tumbling windows keep one state per shard: one lane.
    this.lanesPerShard = m.tumblingWindowSeconds > 0 ? 1 : m.parallelizationFactor;
    this.cap = Math.max(2 * m.batchSize * this.lanesPerShard, 1000);
    this.checkpoints = new CheckpointLog(deps.functions.storage, CHECKPOINT_LOG_PREFIX + m.uuid, () => deps.clock.now(), deps.fence);
  }

  private readonly checkpoints: CheckpointLog<Record<string, ShardCheckpoint>>;
  private saved: Record<string, ShardCheckpoint> | undefined;
  private loaded = false;

  start(): void {
    void this.deps.kinesis
      .whenActive(this.streamName)
      .then(() => this.rescan())
      .catch((e: unknown) => this.deps.report(`event source mapping ${this.m.uuid}`, e));
  }

  private rescan(): void {
    if (this.stopped) return;
    if (this.listing) {
      this.relist = true;
      return;
    }
    this.listing = (async () => {
      do {
        this.relist = false;
        await this.openShards();
      } while (this.relist && !this.stopped);
    })()
      .catch((e: unknown) => this.deps.report(`event source mapping ${this.m.uuid}: cannot list shards of ${this.streamName}`, e))
      .finally(() => {
        this.listing = null;
      });
  }

  private async openShards(): Promise<void> {
    const kinesis = this.deps.kinesis;
    if (!this.loaded) {
      this.saved = await this.checkpoints.load();
      this.loaded = true;
    }
    const saved = this.shards.size === 0 ? this.saved : undefined;
    const firstStart = this.saved === undefined && this.shards.size === 0;
    const shards = kinesis.listShards(this.streamName);
    const listed = new Set(shards.map((s) => s.shardId));
    let opened = false;
    for (const s of shards) {
      if (this.stopped) return;
      const parents = [s.parentShardId, s.adjacentParentShardId].filter((p): p is string => p !== undefined && listed.has(p));
      const existing = this.shards.get(s.shardId);
      if (existing) {
        existing.parents = parents;
        continue;
      }
      const cp = saved?.[s.shardId];
      let reader: ShardReader;
      if (cp !== undefined) {
        reader = await kinesis.openShardReader(this.streamName, s.shardId, { type: 'TRIM_HORIZON' });
        reader.offset = Math.max(reader.offset, cp.offset);
      } else if (firstStart && this.m.startingPosition === 'AT_TIMESTAMP') {
        const ts = Math.min(this.m.startingPositionTimestampMs ?? 0, this.deps.clock.now());
        reader = await kinesis.openShardReader(this.streamName, s.shardId, { type: 'AT_TIMESTAMP', timestampMs: ts });
      } else {
        // Shards first seen after the mapping started hold only records that arrived since: all of them are read.
        reader = await kinesis.openShardReader(this.streamName, s.shardId, {
          type: firstStart && this.m.startingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON',
        });
      }
      if (this.stopped) return;
      const work: ShardWork = {
        shardId: s.shardId,
        reader,
        parents,
        lanes: Array.from({ length: this.lanesPerShard }, () => ({ queue: [], busy: false, timer: null, sinceMs: 0 })),
        pending: 0,
        reading: false,
        readAgain: false,
        finished: false,
        parts: recordParts(s.shardId, this.m.eventSourceArn, this.deps.region, this.roleArn()),
        window: cp?.window ? { startMs: cp.window.startMs, state: cp.window.state } : undefined,
        windowTimer: null,
        unsubscribe: () => {},
      };
      work.unsubscribe = reader.onAppend(() => this.kick(work));
      this.shards.set(s.shardId, work);
      opened = true;
    }
    for (const id of [...this.shards.keys()]) {
      if (listed.has(id)) continue;
      // Removed after the retention period: nothing is left to read.
      this.shards.get(id)!.unsubscribe();
      this.shards.delete(id);
    }
    if (opened || firstStart) await this.checkpoint();
    if (this.stopped) return;
    for (const w of this.shards.values()) this.kick(w);
    this.scheduleRescan();
  }

  private roleArn(): string {
    try {
      return this.deps.functions.version(this.m.functionArn).version.role;
    } catch {
      return '';
    }
  }

  private scheduleRescan(): void {
    if (this.stopped || this.rescanTimer) return;
    this.rescanTimer = this.deps.clock.setTimer(() => {
      this.rescanTimer = null;
      this.rescan();
    }, RESCAN_MS);
  }

  private parentsDone(w: ShardWork): boolean {
    for (const p of w.parents) {
      const pw = this.shards.get(p);
      if (pw && !pw.finished) return false;
    }
    return true;
  }

  /** Reads more of a shard if it may be read and its lanes have room. */
  private kick(w: ShardWork): void {
    if (this.stopped || w.finished) return;
    if (!this.parentsDone(w)) {
      for (const p of w.parents) {
        const pw = this.shards.get(p);
        if (pw) this.kick(pw);
      }
      return;
    }
    if (w.reading) {
      w.readAgain = true;
      return;
    }
    if (w.pending >= this.cap) return;
    w.reading = true;
    const p = this.read(w).finally(() => {
      this.inFlight.delete(p);
      w.reading = false;
      if (w.readAgain && !this.stopped) {
        w.readAgain = false;
        this.kick(w);
      }
    });
    this.inFlight.add(p);
  }

  private async read(w: ShardWork): Promise<void> {
    try {
      while (!this.stopped && w.pending < this.cap) {
        const denied = this.deps.access?.();
        if (denied !== undefined) {
          // The shard is not read (its checkpoint stays) until the role may read it again.
          this.deps.onResult(this.m.uuid, `PROBLEM: ${denied}`);
          this.retryReadLater(w);
          return;
        }
        const before = w.reader.offset;
        const { records } = await w.reader.read(Math.min(10_000, this.cap - w.pending));
        if (this.stopped) return;
        if (w.reader.offset === before) {
          this.maybeFinish(w);
          return;
        }
        const n = this.lanesPerShard;
        const now = this.deps.clock.now();
        // The records returned are the last records.length offsets before the reader's new position
        // (retention only ever drops a prefix).
        const firstOffset = w.reader.offset - records.length;
        for (let i = 0; i < records.length; i++) {
          const r = records[i]!;
          const offset = firstOffset + i;
          if (isAggregated(r.data)) {
            const users = deaggregate(r.data, r.partitionKey, r.sequenceNumber);
            if (users) {
              for (const u of users)
                this.enqueue(
                  w,
                  { offset, sequenceNumber: r.sequenceNumber, partitionKey: u.partitionKey, data: u.data, arrivalMs: r.approximateArrivalTimestampMs },
                  n,
                  now,
                );
              continue;
            }
          }
          this.enqueue(
            w,
            { offset, sequenceNumber: r.sequenceNumber, partitionKey: r.partitionKey, data: r.data, arrivalMs: r.approximateArrivalTimestampMs },
            n,
            now,
          );
        }
        for (const lane of w.lanes) this.dispatch(w, lane);
        if (w.pending === 0) {
          // Everything read so far was filtered out: the checkpoint moves past it.
          await this.checkpoint();
        }
      }
    } catch (e) {
      this.deps.report(`event source mapping ${this.m.uuid}: reading ${this.streamName}/${w.shardId} failed`, e);
      this.retryReadLater(w);
    }
  }

  private retryReadLater(w: ShardWork): void {
    void this.sleep(this.deps.retryInitialMs).then(() => this.kick(w));
  }

  // hot path: once per record.
  private enqueue(w: ShardWork, r: StreamRecord, lanes: number, now: number): void {
    if (this.filters.length) {
      const subject: Record<string, unknown> = {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.partitionKey,
        sequenceNumber: r.sequenceNumber,
        approximateArrivalTimestamp: Number(epochSeconds(r.arrivalMs)),
      };
      if (!passes(this.filters, subject, 'data', Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('utf8'))) return;
    }
    const lane = w.lanes[lanes === 1 ? 0 : laneOf(r.partitionKey, lanes)]!;
    if (lane.queue.length === 0) lane.sinceMs = now;
    lane.queue.push(r);
    w.pending++;
  }

  /** A shard read to its end with nothing pending: its children may start. */
  private maybeFinish(w: ShardWork): void {
    if (w.finished || !w.reader.ended || w.pending > 0) return;
    for (const l of w.lanes) if (l.busy) return;
    if (w.window) {
      // When the shard ends, Lambda considers the window closed.
      this.dispatch(w, w.lanes[0]!);
      return;
    }
    w.finished = true;
    void this.checkpoint()
      .then(() => {
        let unseen = false;
        for (const c of w.reader.childShards()) {
          const cw = this.shards.get(c.shardId);
          if (cw) this.kick(cw);
          else unseen = true;
        }
        if (unseen) this.rescan();
      })
      .catch((e: unknown) => this.deps.report(`event source mapping ${this.m.uuid}: checkpoint at the end of ${w.shardId}`, e));
  }

  /** Starts the lane's next batch when it is due (full, window elapsed, or no window). */
  private dispatch(w: ShardWork, lane: Lane): void {
    if (this.stopped || lane.busy) return;
    const m = this.m;
    const tumbling = m.tumblingWindowSeconds > 0;
    if (tumbling) {
      const sizeMs = m.tumblingWindowSeconds * 1000;
      const now = this.deps.clock.now();
      if (w.window) {
        const endMs = w.window.startMs + sizeMs;
        const head = lane.queue[0];
        const closes = (head !== undefined && head.arrivalMs >= endMs) || (head === undefined && (now >= endMs || w.reader.ended));
        if (closes) {
          this.runBatch(w, lane, 0, true);
          return;
        }
        if (head === undefined) {
          this.armWindowTimer(w, endMs - now);
          return;
        }
      } else if (lane.queue.length) {
        const startMs = Math.floor(lane.queue[0]!.arrivalMs / sizeMs) * sizeMs;
        w.window = { startMs, state: {} };
        this.armWindowTimer(w, startMs + sizeMs - now);
      }
    }
    if (lane.queue.length === 0) {
      this.maybeFinish(w);
      return;
    }
    let count = 0;
    let bytes = 2;
    const windowEnd = tumbling && w.window ? w.window.startMs + m.tumblingWindowSeconds * 1000 : Number.POSITIVE_INFINITY;
    while (count < lane.queue.length && count < m.batchSize) {
      const r = lane.queue[count]!;
      if (r.arrivalMs >= windowEnd) break;
      const size = Math.ceil(r.data.length / 3) * 4 + r.partitionKey.length + RECORD_OVERHEAD_BYTES;
      if (count > 0 && bytes + size > LIMITS.maxBatchBytes) break;
      bytes += size;
      count++;
    }
    const full = count === m.batchSize || bytes + RECORD_OVERHEAD_BYTES * 4 >= LIMITS.maxBatchBytes || count < lane.queue.length;
    if (!full && m.maximumBatchingWindowSeconds > 0 && !w.reader.ended) {
      const due = lane.sinceMs + m.maximumBatchingWindowSeconds * 1000 - this.deps.clock.now();
      if (due > 0) {
        if (!lane.timer) {
          lane.timer = this.deps.clock.setTimer(() => {
            lane.timer = null;
            this.dispatch(w, lane);
          }, due);
        }
        return;
      }
    }
    lane.timer?.cancel();
    lane.timer = null;
    this.runBatch(w, lane, count, false);
  }

  private armWindowTimer(w: ShardWork, ms: number): void {
    if (w.windowTimer || this.stopped) return;
    w.windowTimer = this.deps.clock.setTimer(
      () => {
        w.windowTimer = null;
        this.dispatch(w, w.lanes[0]!);
      },
      Math.max(0, ms),
    );
  }

  private runBatch(w: ShardWork, lane: Lane, count: number, finalWindowInvoke: boolean): void {
    lane.busy = true;
    const p = this.process(w, lane, count, finalWindowInvoke)
      .catch((e: unknown) => this.deps.report(`event source mapping ${this.m.uuid}`, e))
      .finally(() => {
        this.inFlight.delete(p);
        lane.busy = false;
        if (this.stopped) return;
        if (lane.queue.length === 0) lane.sinceMs = this.deps.clock.now();
        this.dispatch(w, lane);
        this.kick(w);
        this.maybeFinish(w);
      });
    this.inFlight.add(p);
  }

  /** Invokes the function once with records [from, to) of the lane's queue. */
  private async attempt(w: ShardWork, records: StreamRecord[], from: number, to: number, finalWindowInvoke: boolean): Promise<Attempt> {
    const m = this.m;
    let payload: Buffer;
    if (m.tumblingWindowSeconds > 0 && w.window) {
      payload = kinesisWindowEvent(records, from, to, w.parts, {
        startMs: w.window.startMs,
        endMs: w.window.startMs + m.tumblingWindowSeconds * 1000,
        state: w.window.state,
        shardId: w.shardId,
        streamArn: m.eventSourceArn,
        final: finalWindowInvoke,
        terminatedEarly: false,
      });
    } else {
      payload = kinesisEvent(records, from, to, w.parts);
    }
    let result: InvokeResult;
    // IteratorAge: how long ago the stream received the batch's last record, as the batch is sent.
    const fm = this.deps.functions.metrics;
    if (fm !== undefined) fm.iteratorAge(this.functionName, Math.max(0, this.deps.clock.now() - records[to - 1]!.arrivalMs));
    if (this.deps.fence?.() === null) {
      // The lease moved (this node was late renewing it): the new owner reads on from the last checkpoint.
      this.deps.onLost?.();
      return { kind: 'retry-later' };
    }
    try {
      result = await this.deps.functions.invoke(m.functionArn, payload, { trustedPayload: true });
    } catch (e) {
      // Throttled, or the function is gone: retried until the records expire, without using the retry quota.
      if (e instanceof AwsError) {
        this.deps.onResult(m.uuid, e.code === 'ResourceNotFoundException' ? 'PROBLEM: Function not found.' : 'PROBLEM: Function call throttled.');
        return { kind: 'retry-later' };
      }
      throw e;
    }
    this.stats.batchesInvoked++;
    if (result.functionError) return { kind: 'failed', result };
    const reporting = m.functionResponseTypes.includes('ReportBatchItemFailures');
    if (!reporting && m.tumblingWindowSeconds === 0) return { kind: 'ok', response: undefined, result };
    let response: unknown;
    try {
      response = JSON.parse(result.payload.toString('utf8'));
    } catch {
      response = undefined;
    }
    if (m.tumblingWindowSeconds > 0 && (response === null || typeof response !== 'object' || !('state' in response))) {
      // A tumbling-window response must carry the state.
      return { kind: 'failed', result };
    }
    if (reporting) {
      const bySeq = new Map<string, number>();
      for (let i = to - 1; i >= from; i--) bySeq.set(records[i]!.sequenceNumber, i);
      const f = batchItemFailures(response, (id) => bySeq.has(id));
      if (f.kind === 'invalid') return { kind: 'failed', result };
      if (f.kind === 'failed') {
        let lowest = to;
        for (const id of f.ids) lowest = Math.min(lowest, bySeq.get(id)!);
        return { kind: 'partial', failedAt: lowest, result };
      }
    }
    return { kind: 'ok', response, result };
  }

  /**
   * Processes the lane's first `count` records (or a final window invocation)
   * until they succeed or are discarded, removing them from the lane and
   * checkpointing as they complete.
   */
  private async process(w: ShardWork, lane: Lane, count: number, finalWindowInvoke: boolean): Promise<void> {
    const m = this.m;
    if (finalWindowInvoke) {
      let delay = this.deps.retryInitialMs;
      for (;;) {
        if (this.stopped) return;
        const a = await this.attempt(w, [], 0, 0, true);
        if (this.stopped && a.kind !== 'ok') return;
        // A failed final invocation holds the shard until it succeeds (Lambda suspends processing).
        if (a.kind === 'ok') break;
        await this.sleep(delay);
        delay = Math.min(delay * 2, this.deps.retryMaxMs);
      }
      w.window = undefined;
      w.windowTimer?.cancel();
      w.windowTimer = null;
      await this.checkpoint();
      this.deps.onResult(m.uuid, 'OK');
      return;
    }
    // The batch: the lane's first records (new ones are only ever appended behind them).
    const batch = lane.queue.slice(0, count);
    let removed = 0;
    const advance = async (to: number): Promise<void> => {
      if (to <= removed) return;
      await this.complete(w, lane, to - removed, batch[to - 1]!);
      removed = to;
    };
    // Work items: [from, to) ranges of the batch, in order; bisection replaces one by its halves.
    const work: Array<[number, number]> = [[0, count]];
    let attempts = 0;
    let invokes = 0;
    let delay = this.deps.retryInitialMs;
    let last: InvokeResult | undefined;
    while (work.length) {
      if (this.stopped) return;
      const [from, to] = work[0]!;
      if (m.maximumRecordAgeSeconds !== -1 && this.deps.clock.now() - batch[from]!.arrivalMs > m.maximumRecordAgeSeconds * 1000) {
        work.shift();
        await this.discard(w, batch, from, to, 'RecordAgeExceeded', invokes, last);
        await advance(to);
        attempts = 0;
        continue;
      }
      const a = await this.attempt(w, batch, from, to, false);
      // Stopping: a completed batch is still recorded; anything else (a failure may be the environments going away) is left to run again.
      if (this.stopped && a.kind !== 'ok') return;
      if (a.kind !== 'retry-later') {
        invokes++;
        last = a.result;
      }
      if (a.kind === 'ok') {
        if (m.tumblingWindowSeconds > 0 && w.window) w.window.state = (a.response as { state: unknown }).state;
        work.shift();
        attempts = 0;
        delay = this.deps.retryInitialMs;
        this.stats.recordsProcessed += to - from;
        this.deps.onResult(m.uuid, 'OK');
        // Progress is durable before anything after it runs.
        await advance(to);
        continue;
      }
      if (a.kind === 'retry-later') {
        await this.sleep(delay);
        delay = Math.min(delay * 2, this.deps.retryMaxMs);
        continue;
      }
      this.deps.onResult(m.uuid, 'PROBLEM: Function call failed');
      let [f, t] = [from, to];
      if (a.kind === 'partial' && a.failedAt > from) {
        // Records before the lowest reported failure are done; the rest is retried from there.
        this.stats.recordsProcessed += a.failedAt - from;
        await advance(a.failedAt);
        f = a.failedAt;
        work[0] = [f, t];
      } else if (a.kind === 'failed' && m.bisectBatchOnFunctionError && to - from > 1) {
        // Bisection does not use the retry quota.
        const mid = from + Math.ceil((to - from) / 2);
        work.splice(0, 1, [from, mid], [mid, to]);
        continue;
      }
      attempts++;
      if (m.maximumRetryAttempts !== -1 && attempts > m.maximumRetryAttempts) {
        work.shift();
        await this.discard(w, batch, f, t, 'RetryAttemptsExhausted', invokes, last);
        await advance(t);
        attempts = 0;
        continue;
      }
      await this.sleep(delay);
      delay = Math.min(delay * 2, this.deps.retryMaxMs);
    }
  }

  /** Removes the lane's first `n` records (processed or discarded) and checkpoints. */
  private async complete(w: ShardWork, lane: Lane, n: number, last: StreamRecord): Promise<void> {
    lane.queue.splice(0, n);
    w.pending -= n;
    this.stats.iteratorAgeMs = Math.max(0, this.deps.clock.now() - last.arrivalMs);
    await this.checkpoint();
  }

  private async discard(
    w: ShardWork,
    records: StreamRecord[],
    from: number,
    to: number,
    condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded',
    invokes: number,
    last: InvokeResult | undefined,
  ): Promise<void> {
    this.stats.failuresDiscarded += to - from;
    const dest = this.m.onFailureDestination;
    if (!dest) return;
    const body = kinesisFailureRecord(
      {
        requestId: last?.requestId ?? randomUUID(),
        functionArn: this.m.functionArn,
        condition,
        approximateInvokeCount: invokes,
        response: last ? { statusCode: last.statusCode, executedVersion: last.executedVersion, functionError: last.functionError } : undefined,
        timestampMs: this.deps.clock.now(),
      },
      { shardId: w.shardId, streamArn: this.m.eventSourceArn, records, from, to },
    );
    try {
      await this.deps.sendToDestination(dest, body);
    } catch (e) {
      this.deps.functions.metrics?.destinationDeliveryFailure(this.functionName);
      this.deps.report(`event source mapping ${this.m.uuid}: on-failure destination ${dest}`, e);
    }
  }

  /** Persists every shard's position (writes coalesce; each resolves once a snapshot taken after the call is durable). */
  private checkpoint(): Promise<void> {
    return this.checkpoints.write(() => {
      const snapshot: Record<string, ShardCheckpoint> = {};
      for (const w of this.shards.values()) {
        let offset = w.reader.offset;
        for (const lane of w.lanes) {
          const head = lane.queue[0];
          if (head !== undefined && head.offset < offset) offset = head.offset;
        }
        snapshot[w.shardId] = w.window ? { offset, window: { startMs: w.window.startMs, state: w.window.state } } : { offset };
      }
      this.saved = snapshot;
      return snapshot;
    });
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const entry = {
        timer: this.deps.clock.setTimer(() => {
          this.sleeps.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.sleeps.add(entry);
    });
  }

  /** Stops polling; batches in flight finish their invocation but record nothing more. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.rescanTimer?.cancel();
    for (const s of this.sleeps) {
      s.timer.cancel();
      s.resolve();
    }
    this.sleeps.clear();
    for (const w of this.shards.values()) {
      w.unsubscribe();
      w.windowTimer?.cancel();
      for (const l of w.lanes) l.timer?.cancel();
    }
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
    if (this.listing) await this.listing;
    await this.checkpoints.settled();
  }

  /** Resolves when nothing is read or processed right now (tests and benchmarks). */
  async idle(): Promise<void> {
    while (this.inFlight.size || this.listing) {
      await Promise.allSettled([...this.inFlight, ...(this.listing ? [this.listing] : [])]);
    }
    await this.checkpoints.settled();
  }
}

/**
 * The lane of a partition key: FNV-1a, mixed by MurmurHash3's finaliser (FNV's low bits alone put
 * short keys such as tickers mostly in one lane), modulo the lane count. One key, one lane.
 */
function laneOf(key: string, lanes: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % lanes;
}
