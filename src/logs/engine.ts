/**
 * LogsEngine: CloudWatch Logs' log groups, log streams and events on Freshet's storage — what the
 * Logs_20140328 actions and applications' CloudWatchLoggingOptions write through.
 *
 * - Groups and streams are metadata (`logs/g/<group>`, `logs/s/<group>/<stream>`, names URI-encoded).
 * - Each stream's events are one storage log (`logs/<uuid>`): a record per event, data `[timestamp, message]`
 *   as JSON, the record's time the ingestion time. PutLogEvents answers once the batch is durable (the
 *   storage's fsync group commit), so an acknowledged event survives kill -9.
 * - Events are also held in memory per stream, sorted by timestamp (then arrival), which is the order
 *   GetLogEvents and FilterLogEvents read. Opening the engine reads every stream's log back.
 * - Retention (PutRetentionPolicy) is applied on the injected clock: events older than the retention are not
 *   returned, and once a minute they are dropped from memory and whole storage segments trimmed.
 *
 * Reference: CloudWatch Logs API reference (PutLogEvents' quotas and rules, GetLogEvents' tokens,
 * DescribeLogStreams' ordering).
 */
import { randomUUID } from 'node:crypto';
import { log } from '../core/index.ts';
import type { Clock, Logger, TimerHandle } from '../core/index.ts';
import type { AppendRecord, LogStorage, ShardLog } from '../storage/index.ts';
import { logsErrors } from './errors.ts';

export const LOGS_META_PREFIX = 'logs/';
const GROUP_PREFIX = 'logs/g/';
const STREAM_PREFIX = 'logs/s/';

/** The retention periods PutRetentionPolicy accepts, in days. */
export const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const DAY_MS = 86_400_000;
/** PutLogEvents: events more than 2 hours ahead are too new; older than 14 days too old. */
const TOO_NEW_MS = 2 * 3_600_000;
const TOO_OLD_MS = 14 * DAY_MS;
const MAX_SPAN_MS = DAY_MS;
const MAX_BATCH_BYTES = 1_048_576;
const EVENT_OVERHEAD_BYTES = 26;
const SWEEP_INTERVAL_MS = 60_000;

interface StoredGroup {
  name: string;
  createdMs: number;
  retentionDays?: number;
  kmsKeyId?: string;
  tags: Record<string, string>;
}

interface StoredStream {
  group: string;
  name: string;
  createdMs: number;
  logId: string;
}

export interface LogEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
  /** Position in its stream's storage log: unique per stream. */
  offset: number;
}

export interface StreamInfo {
  name: string;
  createdMs: number;
  firstEventTimestamp: number | undefined;
  lastEventTimestamp: number | undefined;
  lastIngestionTime: number | undefined;
  storedBytes: number;
  uploadSequenceToken: string;
}

export interface GroupInfo {
  name: string;
  createdMs: number;
  retentionDays: number | undefined;
  kmsKeyId: string | undefined;
  storedBytes: number;
}

export interface PutResult {
  accepted: number;
  tooNewStart?: number;
  tooOldEnd?: number;
  expiredEnd?: number;
  sequenceToken: string;
}

class StreamState {
  /** Sorted by (timestamp, offset). */
  events: LogEvent[] = [];
  storedBytes = 0;
  lastIngestionTime: number | undefined;
  constructor(
    readonly meta: StoredStream,
    readonly log: ShardLog,
  ) {}

  insert(batch: readonly LogEvent[]): void {
    const ev = this.events;
    const last = ev.at(-1);
    for (const e of batch) ev.push(e);
    // Batches are chronological; one that starts before the stream's last event is merged by a stable sort.
    if (last !== undefined && batch[0] !== undefined && batch[0].timestamp < last.timestamp) {
      ev.sort((a, b) => a.timestamp - b.timestamp || a.offset - b.offset);
    }
  }
}

class GroupState {
  readonly streams = new Map<string, StreamState>();
  constructor(public meta: StoredGroup) {}
}

export interface LogsEngineOptions {
  storage: LogStorage;
  clock: Clock;
  region: string;
  accountId: string;
  logger?: Logger;
}

export class LogsEngine {
  readonly storage: LogStorage;
  readonly clock: Clock;
  readonly region: string;
  readonly accountId: string;
  private readonly groups = new Map<string, GroupState>();
  private readonly logger: Logger;
  private timer: TimerHandle | undefined;
  private closed = false;

  private constructor(o: LogsEngineOptions) {
    this.storage = o.storage;
    this.clock = o.clock;
    this.region = o.region;
    this.accountId = o.accountId;
    this.logger = o.logger ?? log.child('logs');
  }

  /** Opens the engine: reads the groups, streams and every stream's events back from storage. */
  static async open(o: LogsEngineOptions): Promise<LogsEngine> {
    const engine = new LogsEngine(o);
    const meta = o.storage.meta;
    for (const key of meta.keys(GROUP_PREFIX)) {
      const g = meta.get<StoredGroup>(key);
      if (g) engine.groups.set(g.name, new GroupState(g));
    }
    for (const key of meta.keys(STREAM_PREFIX)) {
      const s = meta.get<StoredStream>(key);
      const group = s && engine.groups.get(s.group);
      if (!s || !group) continue;
      const shardLog = o.storage.getLog(s.logId) ?? (await o.storage.createLog(s.logId));
      const state = new StreamState(s, shardLog);
      await engine.load(state);
      group.streams.set(s.name, state);
    }
    engine.schedule();
    return engine;
  }

  private async load(state: StreamState): Promise<void> {
    const batch: LogEvent[] = [];
    let from = state.log.startOffset;
    while (from < state.log.endOffset) {
      const r = await state.log.read(from, { maxRecords: 10_000, maxBytes: 8 << 20 });
      if (r.records.length === 0) break;
      for (const rec of r.records) {
        const [timestamp, message] = JSON.parse(Buffer.from(rec.data).toString('utf8')) as [number, string];
        batch.push({ timestamp, message, ingestionTime: rec.timestampMs, offset: rec.offset });
        state.storedBytes += Buffer.byteLength(message) + EVENT_OVERHEAD_BYTES;
        state.lastIngestionTime = rec.timestampMs;
      }
      from = r.nextOffset;
    }
    batch.sort((a, b) => a.timestamp - b.timestamp || a.offset - b.offset);
    state.events = batch;
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = this.clock.setTimer(() => {
      this.sweep().then(
        () => this.schedule(),
        (e: unknown) => {
          this.logger.swallowed('the retention sweep', e);
          this.schedule();
        },
      );
    }, SWEEP_INTERVAL_MS);
  }

  /** Drops events past their group's retention: from memory, and whole storage segments older than the retention. */
  async sweep(): Promise<void> {
    const now = this.clock.now();
    for (const g of this.groups.values()) {
      const days = g.meta.retentionDays;
      if (days === undefined) continue;
      const cutoff = now - days * DAY_MS;
      for (const s of g.streams.values()) {
        const ev = s.events;
        let keep = 0;
        for (const e of ev) {
          if (e.timestamp >= cutoff) ev[keep++] = e;
          else s.storedBytes -= Buffer.byteLength(e.message) + EVENT_OVERHEAD_BYTES;
        }
        ev.length = keep;
        // Storage records carry the ingestion time, which may precede an event's timestamp by up to 2 h.
        await s.log.trimBefore(cutoff - TOO_NEW_MS);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
  }

  // ---- groups

  groupArn(name: string): string {
    return `arn:aws:logs:${this.region}:${this.accountId}:log-group:${name}`;
  }

  streamArn(group: string, stream: string): string {
    return `arn:aws:logs:${this.region}:${this.accountId}:log-group:${group}:log-stream:${stream}`;
  }

  /** The log group an ARN names (`arn:aws:logs:<region>:<account>:log-group:<name>[:*]`), or undefined. */
  groupFromArn(arn: string): string | undefined {
    const prefix = `arn:aws:logs:${this.region}:${this.accountId}:log-group:`;
    if (!arn.startsWith(prefix)) return undefined;
    const rest = arn.slice(prefix.length);
    return rest.endsWith(':*') ? rest.slice(0, -2) : rest;
  }

  /** Group and stream of a log stream ARN (`…:log-group:<group>:log-stream:<stream>`), or undefined. */
  streamFromArn(arn: string): { group: string; stream: string } | undefined {
    const m = /^arn:aws[a-z-]*:logs:[^:]*:[^:]*:log-group:(.+?):log-stream:(.+)$/.exec(arn);
    return m ? { group: m[1]!, stream: m[2]! } : undefined;
  }

  async createGroup(name: string, opts: { tags?: Record<string, string>; kmsKeyId?: string } = {}): Promise<void> {
    if (this.groups.has(name)) throw logsErrors.format('ResourceAlreadyExistsException', 'group', {});
    const meta: StoredGroup = { name, createdMs: this.clock.now(), tags: { ...opts.tags }, ...(opts.kmsKeyId ? { kmsKeyId: opts.kmsKeyId } : {}) };
    const g = new GroupState(meta);
    this.groups.set(name, g);
    await this.storage.meta.put(GROUP_PREFIX + encodeURIComponent(name), meta);
  }

  async deleteGroup(name: string): Promise<void> {
    const g = this.group(name);
    this.groups.delete(name);
    for (const s of [...g.streams.values()]) await this.dropStream(s);
    await this.storage.meta.delete(GROUP_PREFIX + encodeURIComponent(name));
  }

  hasGroup(name: string): boolean {
    return this.groups.has(name);
  }

  /** Groups sorted by name. */
  listGroups(): GroupInfo[] {
    const out: GroupInfo[] = [];
    for (const g of this.groups.values()) {
      let bytes = 0;
      for (const s of g.streams.values()) bytes += s.storedBytes;
      out.push({ name: g.meta.name, createdMs: g.meta.createdMs, retentionDays: g.meta.retentionDays, kmsKeyId: g.meta.kmsKeyId, storedBytes: bytes });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async setRetention(name: string, days: number | undefined): Promise<void> {
    const g = this.group(name);
    const meta: StoredGroup = { ...g.meta };
    if (days === undefined) delete meta.retentionDays;
    else meta.retentionDays = days;
    g.meta = meta;
    await this.storage.meta.put(GROUP_PREFIX + encodeURIComponent(name), meta);
  }

  tags(name: string): Record<string, string> {
    return { ...this.group(name).meta.tags };
  }

  async tag(name: string, tags: Record<string, string>): Promise<void> {
    const g = this.group(name);
    const merged = { ...g.meta.tags, ...tags };
    if (Object.keys(merged).length > 50) throw logsErrors.format('TooManyTagsException', 'tags', {});
    g.meta = { ...g.meta, tags: merged };
    await this.storage.meta.put(GROUP_PREFIX + encodeURIComponent(name), g.meta);
  }

  async untag(name: string, keys: readonly string[]): Promise<void> {
    const g = this.group(name);
    const tags = { ...g.meta.tags };
    for (const k of keys) delete tags[k];
    g.meta = { ...g.meta, tags };
    await this.storage.meta.put(GROUP_PREFIX + encodeURIComponent(name), g.meta);
  }

  private group(name: string): GroupState {
    const g = this.groups.get(name);
    if (!g) throw logsErrors.format('ResourceNotFoundException', 'group', {});
    return g;
  }

  // ---- streams

  async createStream(group: string, name: string): Promise<void> {
    const g = this.group(group);
    if (g.streams.has(name)) throw logsErrors.format('ResourceAlreadyExistsException', 'stream', {});
    const meta: StoredStream = { group, name, createdMs: this.clock.now(), logId: `logs/${randomUUID()}` };
    const shardLog = await this.storage.createLog(meta.logId);
    // Another CreateLogStream of the same name (or a DeleteLogGroup) may have landed while the log was created.
    if (g.streams.has(name) || this.groups.get(group) !== g) {
      await this.storage.deleteLog(meta.logId);
      throw g.streams.has(name)
        ? logsErrors.format('ResourceAlreadyExistsException', 'stream', {})
        : logsErrors.format('ResourceNotFoundException', 'group', {});
    }
    g.streams.set(name, new StreamState(meta, shardLog));
    await this.storage.meta.put(streamKey(group, name), meta);
  }

  async deleteStream(group: string, name: string): Promise<void> {
    await this.dropStream(this.stream(group, name));
  }

  private async dropStream(s: StreamState): Promise<void> {
    this.groups.get(s.meta.group)?.streams.delete(s.meta.name);
    await this.storage.meta.delete(streamKey(s.meta.group, s.meta.name));
    await this.storage.deleteLog(s.meta.logId);
  }

  hasStream(group: string, name: string): boolean {
    return this.groups.get(group)?.streams.has(name) === true;
  }

  /** A group's streams, unordered. */
  listStreams(group: string): StreamInfo[] {
    const g = this.group(group);
    const cutoff = this.cutoff(g);
    const out: StreamInfo[] = [];
    for (const s of g.streams.values()) {
      const first = s.events.find((e) => e.timestamp >= cutoff);
      const last = s.events.at(-1);
      out.push({
        name: s.meta.name,
        createdMs: s.meta.createdMs,
        firstEventTimestamp: first?.timestamp,
        lastEventTimestamp: last !== undefined && last.timestamp >= cutoff ? last.timestamp : undefined,
        lastIngestionTime: s.lastIngestionTime,
        storedBytes: s.storedBytes,
        uploadSequenceToken: sequenceToken(s.log.endOffset),
      });
    }
    return out;
  }

  private stream(group: string, name: string): StreamState {
    const s = this.group(group).streams.get(name);
    if (!s) throw logsErrors.format('ResourceNotFoundException', 'stream', {});
    return s;
  }

  private cutoff(g: GroupState): number {
    return g.meta.retentionDays === undefined ? -Infinity : this.clock.now() - g.meta.retentionDays * DAY_MS;
  }

  // ---- events

  /**
   * PutLogEvents: checks AWS's batch rules (chronological, ≤ 24 h span, ≤ 1 MiB counting 26 bytes an event),
   * leaves out too-new (> 2 h ahead), too-old (> 14 days) and expired (past retention) events and reports
   * their indexes, and resolves once the accepted events are durable.
   */
  async put(group: string, stream: string, events: readonly { timestamp: number; message: string }[]): Promise<PutResult> {
    const g = this.group(group);
    const s = this.stream(group, stream);
    let bytes = 0;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      bytes += Buffer.byteLength(e.message) + EVENT_OVERHEAD_BYTES;
      if (i > 0 && e.timestamp < events[i - 1]!.timestamp) throw logsErrors.format('InvalidParameterException', 'chronological', {});
    }
    if (bytes > MAX_BATCH_BYTES) throw logsErrors.format('InvalidParameterException', 'uploadTooLarge', { bytes: String(bytes) });
    const first = events[0];
    const lastEvent = events.at(-1);
    if (first !== undefined && lastEvent !== undefined && lastEvent.timestamp - first.timestamp > MAX_SPAN_MS) {
      throw logsErrors.format('InvalidParameterException', 'span', {});
    }
    const now = this.clock.now();
    const expiredBefore = this.cutoff(g);
    const result: PutResult = { accepted: 0, sequenceToken: '' };
    const accepted: { timestamp: number; message: string }[] = [];
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (e.timestamp > now + TOO_NEW_MS) {
        result.tooNewStart ??= i;
        continue;
      }
      if (e.timestamp < expiredBefore) {
        result.expiredEnd = i;
        continue;
      }
      if (e.timestamp < now - TOO_OLD_MS) {
        result.tooOldEnd = i;
        continue;
      }
      accepted.push(e);
    }
    if (accepted.length > 0) {
      // hot path: one record per event, no closures per event.
      const records: AppendRecord[] = new Array(accepted.length);
      for (let i = 0; i < accepted.length; i++) {
        const e = accepted[i]!;
        records[i] = { key: '', data: Buffer.from(JSON.stringify([e.timestamp, e.message])), timestampMs: now };
      }
      const { firstOffset, durable } = s.log.append(records);
      await durable;
      const batch: LogEvent[] = new Array(accepted.length);
      for (let i = 0; i < accepted.length; i++) {
        const e = accepted[i]!;
        batch[i] = { timestamp: e.timestamp, message: e.message, ingestionTime: now, offset: firstOffset + i };
        s.storedBytes += Buffer.byteLength(e.message) + EVENT_OVERHEAD_BYTES;
      }
      s.insert(batch);
      s.lastIngestionTime = now;
      result.accepted = accepted.length;
    }
    result.sequenceToken = sequenceToken(s.log.endOffset);
    return result;
  }

  /**
   * Appends one line to the log stream an ARN names, if that stream exists (applications' logging options).
   * Resolves to whether it was written; never rejects (a failure is logged).
   */
  async writeToArn(logStreamArn: string, timestampMs: number, message: string): Promise<boolean> {
    const at = this.streamFromArn(logStreamArn);
    if (!at || !this.hasStream(at.group, at.stream)) return false;
    try {
      await this.put(at.group, at.stream, [{ timestamp: timestampMs, message }]);
      return true;
    } catch (e) {
      this.logger.swallowed('writing an application log line', e, { logStreamArn });
      return false;
    }
  }

  /** A stream's events with startMs ≤ timestamp < endMs that have not expired, in timestamp order. */
  events(group: string, stream: string, startMs: number | undefined, endMs: number | undefined): readonly LogEvent[] {
    const g = this.group(group);
    const s = this.stream(group, stream);
    const from = Math.max(startMs ?? -Infinity, this.cutoff(g));
    const to = endMs ?? Infinity;
    if (from === -Infinity && to === Infinity) return s.events;
    return s.events.filter((e) => e.timestamp >= from && e.timestamp < to);
  }

  /** The names of a group's streams, sorted. */
  streamNames(group: string): string[] {
    return [...this.group(group).streams.keys()].sort();
  }
}

function streamKey(group: string, stream: string): string {
  return `${STREAM_PREFIX}${encodeURIComponent(group)}/${encodeURIComponent(stream)}`;
}

/** A sequence token in AWS's form (decimal digits); PutLogEvents no longer requires one, so it is only informative. */
function sequenceToken(endOffset: number): string {
  return String(49_600_000_000_000 + endOffset).padStart(56, '0');
}

/** A digits-only event id, unique in its group: the stream's position and the event's offset. */
export function eventId(streamIndex: number, e: LogEvent): string {
  return `${String(e.timestamp).padStart(16, '0')}${String(streamIndex).padStart(6, '0')}${String(e.offset).padStart(12, '0')}`;
}
