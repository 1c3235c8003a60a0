/**
 * The runtime host: runs each started application as
 *   shard readers → record parser → SqlApplication → output writers,
 * driven by appends to the source stream and by the injected Clock.
 *
 * - Input: every shard of the source stream is read from the starting
 *   position; a batch from all shards is merged by arrival time and pushed with
 *   ROWTIME = arrival time, never decreasing. A delivery stream as the input is
 *   read like one shard (DeliveryPort.openReader); its checkpointed position is
 *   retained against Firehose's post-delivery trimming until the app is deleted. Records that do not parse go to
 *   error_stream with the reason; the application keeps running. Shards are
 *   followed across resharding, parents before children (shard-follower.ts),
 *   and KPL-aggregated records give one row source per user record (kpl.ts).
 * - Time: a tick every `tickMs` of clock time advances the application to
 *   `now - graceMs` once everything readable has been pushed, so windows close
 *   by the clock on a quiet stream too.
 * - Output: rows of each configured in-app stream are formatted (JSON/CSV) and
 *   written with Kinesis PutRecords (500 per call) or to a delivery stream.
 * - At-least-once: every `checkpointIntervalMs` of clock time, and on stop, the
 *   host (1) waits until the outputs of everything pushed so far are written,
 *   then (2) stores shard offsets and SqlApplication.checkpoint() in
 *   storage.meta (`analytics/checkpoint/<app>`). A restart resumes from there,
 *   so input after the checkpoint is replayed, never skipped.
 * - Failure of one application (bad code, missing stream, a destination that
 *   refuses writes) stops that application with a clear message; the error is
 *   reported through `onFailure` and never escapes to the server.
 */
import { AwsError, isAwsError, retry, type Clock, type TimerHandle } from '../../core/index.ts';
import type { MetaStore } from '../../storage/index.ts';
import type { ApplicationRuntime } from '../registry.ts';
import type { AppInput, AppOutput, ApplicationConfig, StartingPosition } from '../model.ts';
import { deliveryStreamNameFromArn, inAppStreamNames, streamNameFromArn } from '../model.ts';
import type { ObjectReader } from './reference.ts';
import { decodeSequence } from '../../kinesis/index.ts';
import type {
  CompiledApplication,
  DeliveryInputReader,
  DeliveryPort,
  InputStreamSpec,
  RecordParser,
  ReferenceTableSpec,
  RowFormatter,
  SqlPort,
  StreamEngine,
  StreamShardReader,
} from './ports.ts';
import { ShardFollower } from './shard-follower.ts';
import { deaggregate, isAggregated } from '../../kinesis/index.ts';

export const CHECKPOINT_KEY_PREFIX = 'analytics/checkpoint/';
export const ERROR_STREAM = 'error_stream';
const MAX_PUT_RECORDS = 500;
/** How many recent error_stream rows the host keeps per application for inspection. */
const RECENT_ERRORS = 100;

export interface HostOptions {
  /** Clock time between checkpoints (default 10 s). */
  checkpointIntervalMs?: number;
  /** Clock time between time advances (default 1 s). */
  tickMs?: number;
  /** How far behind the clock the application's time runs, to let late-visible appends arrive first (default 1 s). */
  graceMs?: number;
  /** Records read per shard per batch (default 10,000). */
  readBatch?: number;
  /**
   * Clock time an application stays STARTING / STOPPING / UPDATING / DELETING once the
   * work of the call is done (the control plane's status transitions, registry.ts; default
   * 100 ms each). 0 settles before the call answers.
   */
  startDelayMs?: number;
  stopDelayMs?: number;
  updateDelayMs?: number;
  deleteDelayMs?: number;
}

export interface HostDeps {
  meta: MetaStore;
  clock: Clock;
  streams: StreamEngine;
  sql: SqlPort;
  delivery?: DeliveryPort;
  /** Reads reference data objects (see reference.ts). */
  readObject: ObjectReader;
  options?: HostOptions;
}

interface ShardCheckpoint {
  offset: number;
}

interface InputCheckpoint {
  /** Identity of the stream the offsets belong to (ARN + creation time). */
  streamKey: string;
  shards: Record<string, ShardCheckpoint>;
  /** For a delivery-stream input: its name (the reader's retained position is released with the checkpoint). */
  delivery?: string;
}

interface StoredCheckpoint {
  takenMs: number;
  /** Code plus input and reference schemas the operator state was built for. */
  plan: string;
  inputs: Record<string, InputCheckpoint>;
  state: unknown;
  /** null before the first row (JSON has no -Infinity). */
  lastRowtimeMs: number | null;
}

/** Counters and recent errors of a running application (for tests, the CLI and the console). */
export interface ApplicationStats {
  recordsRead: number;
  rowsPushed: number;
  parseErrors: number;
  recordsWritten: number;
  checkpoints: number;
  lastCheckpointMs: number | undefined;
  /** Most recent error_stream rows, as objects keyed by column name. */
  recentErrors: Array<Record<string, unknown>>;
  /** A checkpoint that could not be restored (e.g. the code changed), if any. */
  restoreWarning?: string;
}

function invalidConfig(message: string, cause?: unknown): AwsError {
  return new AwsError('InvalidApplicationConfigurationException', message, cause === undefined ? {} : { cause });
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const decoder = new TextDecoder();

/** Who holds a delivery stream's records for an application input. */
function deliveryHolder(app: string, inputId: string): string {
  return `analytics:${app}:${inputId}`;
}

interface ShardFeed {
  reader: StreamShardReader;
  /** In-app stream this shard feeds (shards are spread over `<prefix>_001…` by InputParallelism). */
  inAppStream: string;
  parser: RecordParser;
  unsubscribe: () => void;
  /** Set for a delivery-stream input. */
  delivery?: DeliveryInputReader;
}

interface InputFeed {
  input: AppInput;
  /** Kinesis stream or delivery stream name. */
  streamName: string;
  delivery: boolean;
  streamKey: string;
  shards: ShardFeed[];
  /** For a Kinesis input: follows its shards across resharding (parents before children). */
  follower?: ShardFollower<ShardFeed>;
}

class OutputWriter {
  private pending: Uint8Array[] = [];
  private seq = 0;

  constructor(
    readonly output: AppOutput,
    private readonly formatter: RowFormatter,
    private readonly host: AnalyticsHost,
  ) {}

  // hot path: called with every batch of rows an in-app stream emits.
  readonly onRows = (rows: readonly unknown[][]): void => {
    const f = this.formatter;
    for (let i = 0; i < rows.length; i++) this.pending.push(f.format(rows[i]!));
  };

  get pendingCount(): number {
    return this.pending.length;
  }

  async flush(): Promise<number> {
    const all = this.pending;
    if (all.length === 0) return 0;
    this.pending = [];
    for (let i = 0; i < all.length; i += MAX_PUT_RECORDS) {
      const batch = all.slice(i, i + MAX_PUT_RECORDS);
      try {
        await this.write(batch);
      } catch (e) {
        // Keep what was not written, in order, ahead of rows formatted meanwhile.
        this.pending = all.slice(i).concat(this.pending);
        throw e;
      }
    }
    return all.length;
  }

  private async write(batch: Uint8Array[]): Promise<void> {
    const dest = this.output.destination;
    if (dest.kind === 'kinesis') {
      const name = streamNameFromArn(dest.resourceArn)!;
      const records = new Array<{ partitionKey: string; data: Uint8Array }>(batch.length);
      for (let i = 0; i < batch.length; i++) records[i] = { partitionKey: String(this.seq++ % 1_000_000), data: batch[i]! };
      await this.host.withRetry(() => this.host.streams.putRecords(name, records));
    } else if (dest.kind === 'firehose') {
      const delivery = this.host.delivery;
      if (!delivery) throw invalidConfig('Output to a delivery stream needs the Firehose service, which is not running');
      const name = deliveryStreamNameFromArn(dest.resourceArn)!;
      await this.host.withRetry(() => delivery.putRecordBatch(name, batch));
    } else {
      throw invalidConfig('LambdaOutput is not supported by Freshet');
    }
  }
}

class AppRunner {
  private sql!: CompiledApplication;
  private inputs: InputFeed[] = [];
  private writers: OutputWriter[] = [];
  private errorColumns: readonly string[] = [];
  /** Writers of outputs named error_stream: parse errors are delivered to them directly. */
  private errorWriters: OutputWriter[] = [];
  private timer: TimerHandle | undefined;
  private pumping: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private failed = false;
  private lastRowtimeMs = -Infinity;
  private advancedToMs = -Infinity;
  private lastCheckpointMs: number;
  readonly stats: ApplicationStats = {
    recordsRead: 0,
    rowsPushed: 0,
    parseErrors: 0,
    recordsWritten: 0,
    checkpoints: 0,
    lastCheckpointMs: undefined,
    recentErrors: [],
  };

  /** What operator state depends on: restoring state into a different plan would misread it. */
  private readonly planKey: string;

  constructor(
    readonly app: ApplicationConfig,
    private readonly host: AnalyticsHost,
  ) {
    this.lastCheckpointMs = host.clock.now();
    this.planKey = JSON.stringify({
      code: app.code,
      inputs: app.inputs.map((i) => [i.namePrefix, i.parallelism, i.schema.columns]),
      tables: app.references.map((r) => [r.tableName, r.schema.columns]),
    });
  }

  async start(positions: ReadonlyMap<string, StartingPosition>): Promise<void> {
    const host = this.host;
    const app = this.app;
    const checkpoint = host.meta.get<StoredCheckpoint>(CHECKPOINT_KEY_PREFIX + app.name);

    // Resolve sources before compiling so a missing stream is reported as such.
    const specs: InputStreamSpec[] = [];
    const resolved: Array<{ input: AppInput; streamName: string; streamKey: string; shardIds: string[]; delivery: boolean }> = [];
    for (const input of app.inputs) {
      if (input.source.kind === 'firehose') {
        // A delivery stream is read like a stream with one shard: the records put into it, in arrival order.
        const name = deliveryStreamNameFromArn(input.source.resourceArn)!;
        const delivery = host.delivery;
        if (!delivery?.openReader) throw invalidConfig(`Input ${input.id}: reading delivery stream ${name} needs the Firehose service, which is not running`);
        if (delivery.exists && !delivery.exists(name))
          throw invalidConfig(`Input ${input.id}: delivery stream ${name} (${input.source.resourceArn}) does not exist`);
        let probe: DeliveryInputReader;
        try {
          probe = await delivery.openReader(name, 'LATEST', deliveryHolder(app.name, input.id));
        } catch (e) {
          throw invalidConfig(`Input ${input.id}: delivery stream ${name} (${input.source.resourceArn}) cannot be read: ${message(e)}`, e);
        }
        probe.close();
        resolved.push({ input, streamName: name, streamKey: `${input.source.resourceArn}@${probe.createdMs}`, shardIds: [probe.shardId], delivery: true });
        for (const n of inAppStreamNames(input)) specs.push({ name: n, columns: input.schema.columns });
        continue;
      }
      if (input.source.kind !== 'kinesis') {
        throw invalidConfig(`Input ${input.id}: an application input is a Kinesis stream or a delivery stream, not ${input.source.resourceArn}`);
      }
      const streamName = streamNameFromArn(input.source.resourceArn)!;
      let d: ReturnType<StreamEngine['describe']>;
      try {
        d = host.streams.describe(streamName);
      } catch (e) {
        throw invalidConfig(`Input ${input.id}: stream ${streamName} (${input.source.resourceArn}) does not exist`, e);
      }
      resolved.push({ input, streamName, streamKey: `${d.streamArn}@${d.createdMs}`, shardIds: d.shards.map((s) => s.shardId), delivery: false });
      for (const name of inAppStreamNames(input)) specs.push({ name, columns: input.schema.columns });
    }
    for (const output of app.outputs) {
      const dest = output.destination;
      if (dest.kind === 'kinesis') {
        const name = streamNameFromArn(dest.resourceArn)!;
        try {
          host.streams.describe(name);
        } catch (e) {
          throw invalidConfig(`Output ${output.id}: stream ${name} (${dest.resourceArn}) does not exist`, e);
        }
      } else if (dest.kind === 'firehose') {
        const name = deliveryStreamNameFromArn(dest.resourceArn)!;
        if (!host.delivery) throw invalidConfig(`Output ${output.id}: delivery stream ${name} needs the Firehose service, which is not running`);
        if (host.delivery.exists && !host.delivery.exists(name))
          throw invalidConfig(`Output ${output.id}: delivery stream ${name} (${dest.resourceArn}) does not exist`);
      } else {
        throw invalidConfig(`Output ${output.id}: LambdaOutput is not supported by Freshet`);
      }
    }
    const tables = await host.loadReferenceTables(app);

    try {
      this.sql = host.sql.compile(app.code, specs, tables, host.clock);
    } catch (e) {
      throw invalidConfig(`Application code does not compile: ${message(e)}`, e);
    }
    try {
      for (const output of app.outputs) {
        const stream = this.sql.resolveStream(output.name);
        if (stream === undefined) throw invalidConfig(`Output ${output.id}: in-application stream ${output.name} is not created by the application code`);
        const writer = new OutputWriter(output, this.sql.formatter(stream, output.format), host);
        this.writers.push(writer);
        this.sql.onOutput(stream, writer.onRows);
        if (stream === ERROR_STREAM) this.errorWriters.push(writer);
      }
      // Runtime errors inside the SQL application (error_stream) join parse errors in the host's recent errors.
      this.errorColumns = this.sql.columnNames(ERROR_STREAM);
      this.sql.onOutput(ERROR_STREAM, this.recordErrors);

      // Starting positions: LAST_STOPPED_POINT resumes from the checkpoint when it belongs to the same stream.
      let restoreState = checkpoint !== undefined;
      for (const r of resolved) {
        const position = positions.get(r.input.id) ?? 'NOW';
        const saved = checkpoint?.inputs[r.input.id];
        const resume = position === 'LAST_STOPPED_POINT' && saved !== undefined && saved.streamKey === r.streamKey;
        if (!resume) restoreState = false;
        const names = inAppStreamNames(r.input);
        const parser = host.sql.parser(r.input.schema);
        const feed: InputFeed = { input: r.input, streamName: r.streamName, delivery: r.delivery, streamKey: r.streamKey, shards: [] };
        if (!r.delivery) {
          feed.follower = new ShardFollower<ShardFeed>(host.streams, r.streamName, feed.shards, (reader, i) => ({
            reader,
            inAppStream: names[i % names.length]!,
            parser,
            unsubscribe: reader.onAppend(this.schedule),
          }));
          this.inputs.push(feed);
          await feed.follower.start(position === 'TRIM_HORIZON' ? 'TRIM_HORIZON' : 'LATEST', resume ? saved!.shards : undefined);
          continue;
        }
        for (let i = 0; i < r.shardIds.length; i++) {
          const shardId = r.shardIds[i]!;
          const savedShard = resume ? saved!.shards[shardId] : undefined;
          const type = position === 'TRIM_HORIZON' || savedShard !== undefined ? 'TRIM_HORIZON' : 'LATEST';
          let reader: StreamShardReader;
          let delivery: DeliveryInputReader | undefined;
          if (r.delivery) {
            delivery = await host.delivery!.openReader!(r.streamName, type, deliveryHolder(app.name, r.input.id));
            reader = delivery;
          } else {
            reader = await host.streams.openShardReader(r.streamName, shardId, { type });
          }
          if (savedShard !== undefined) reader.offset = Math.max(reader.offset, savedShard.offset);
          const unsubscribe = reader.onAppend(this.schedule);
          feed.shards.push({ reader, inAppStream: names[i % names.length]!, parser, unsubscribe, ...(delivery ? { delivery } : {}) });
        }
        this.inputs.push(feed);
      }
      if (restoreState && checkpoint) {
        if (checkpoint.plan !== this.planKey) {
          this.stats.restoreWarning = 'the application code or its input/reference schemas changed since the checkpoint: operator state was not restored';
        } else {
          try {
            this.sql.restore(checkpoint.state);
            this.lastRowtimeMs = checkpoint.lastRowtimeMs ?? -Infinity;
            this.advancedToMs = this.lastRowtimeMs;
          } catch (e) {
            this.stats.restoreWarning = `operator state could not be restored: ${message(e)}`;
          }
        }
      }
      // The starting point is the first checkpoint, so a crash before the first periodic one
      // still resumes from here rather than from NOW.
      await this.checkpoint();
    } catch (e) {
      this.release();
      throw e;
    }
    this.armTimer();
    this.schedule();
  }

  private armTimer(): void {
    if (this.stopped) return;
    this.timer = this.host.clock.setTimer(this.onTick, this.host.tickMs);
  }

  private readonly onTick = (): void => {
    this.timer = undefined;
    if (this.stopped) return;
    this.schedule();
    this.armTimer();
  };

  /** Runs the pump now, or once more after the current run. */
  readonly schedule = (): void => {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
    });
  };

  async whenIdle(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  /** Live rows of any in-app stream, as objects (for the CLI and the console's real-time table). */
  tap(stream: string, listener: (rows: Array<Record<string, unknown>>) => void): () => void {
    const name = this.sql.resolveStream(stream);
    if (name === undefined) {
      throw new AwsError(
        'ResourceNotFoundException',
        `Application ${this.app.name} has no in-application stream ${stream}; streams: ${this.sql.streamNames().join(', ')}`,
      );
    }
    const sql = this.sql;
    return sql.onOutput(name, (rows) => listener(rows.map((r) => sql.rowObject(name, r))));
  }

  private async pump(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.step();
      } while (this.again && !this.stopped);
    } catch (e) {
      this.fail(e);
    }
  }

  /** Reads everything readable, pushes it, advances time, writes outputs, checkpoints when due. */
  private async step(): Promise<void> {
    const host = this.host;
    // Everything appended before this moment is readable now, so after reading to the end
    // no record older than `target` can still arrive (beyond the grace period).
    const target = host.clock.now() - host.graceMs;
    for (;;) {
      for (const input of this.inputs) if (input.follower) await input.follower.refresh();
      if (this.stopped) return;
      const n = await this.readOnce();
      await this.flush();
      if (this.stopped) return;
      // Nothing read: done, unless a parent just finished and its children may be read now.
      if (n === 0 && !this.readableChanged()) break;
    }
    if (target > this.advancedToMs) {
      this.advancedToMs = target;
      if (target > this.lastRowtimeMs) this.lastRowtimeMs = target;
      this.sql.advanceTime(target);
      await this.flush();
    }
    if (host.clock.now() - this.lastCheckpointMs >= host.checkpointIntervalMs) await this.checkpoint();
  }

  /** One batch from every shard, merged by arrival time and pushed. Returns the number of records read. */
  private async readOnce(): Promise<number> {
    const feeds: ShardFeed[] = [];
    for (const input of this.inputs) {
      const follower = input.follower;
      for (const s of input.shards) if (!follower || follower.readable(s)) feeds.push(s);
    }
    if (feeds.length === 0) return 0;
    const batches = await Promise.all(feeds.map((f) => f.reader.read(this.host.readBatch)));
    // Even when stopping, what was read is pushed: the readers' offsets have moved past it.
    let total = 0;
    for (const b of batches) total += b.records.length;
    if (total === 0) return 0;
    this.stats.recordsRead += total;
    if (feeds.length === 1) {
      this.pushRecords(feeds[0]!, batches[0]!.records);
      this.pushPending();
      return total;
    }
    // A batch that may not be the end of its shard bounds what can be merged: past its last arrival
    // time another shard's later records could still belong in between. Records beyond that
    // horizon are put back (the reader's offset moves back to them) and read again next round.
    let horizon = Infinity;
    for (let k = 0; k < feeds.length; k++) {
      const b = batches[k]!;
      const last = b.records[b.records.length - 1];
      if (last !== undefined && (b.records.length >= this.host.readBatch || b.millisBehindLatest > 0)) {
        if (last.approximateArrivalTimestampMs < horizon) horizon = last.approximateArrivalTimestampMs;
      }
    }
    let merged = total;
    if (horizon !== Infinity) {
      merged = 0;
      for (let k = 0; k < feeds.length; k++) {
        const recs = batches[k]!.records;
        let keep = 0;
        while (keep < recs.length && recs[keep]!.approximateArrivalTimestampMs <= horizon) keep++;
        if (keep < recs.length) {
          const reader = feeds[k]!.reader;
          const seq = recs[keep]!.sequenceNumber;
          const back = reader.offsetOf ? reader.offsetOf(seq) : decodeSequence(seq)?.offset;
          if (back === undefined) throw new Error(`cannot decode sequence number ${seq}`);
          reader.offset = back;
          batches[k]!.records = recs.slice(0, keep);
        }
        merged += keep;
      }
      this.stats.recordsRead -= total - merged;
    }
    // Merge shards by arrival time (k-way by index; batches are each already in order).
    const idx = new Array<number>(feeds.length).fill(0);
    for (let done = 0; done < merged; done++) {
      let best = -1;
      let bestTs = Infinity;
      for (let k = 0; k < feeds.length; k++) {
        const r = batches[k]!.records[idx[k]!];
        if (r !== undefined && r.approximateArrivalTimestampMs < bestTs) {
          bestTs = r.approximateArrivalTimestampMs;
          best = k;
        }
      }
      const rec = batches[best]!.records[idx[best]!++]!;
      this.pushRecord(feeds[best]!, rec.data, rec.approximateArrivalTimestampMs, rec.partitionKey, rec.sequenceNumber);
    }
    this.pushPending();
    return merged;
  }

  // hot path: one call per source record.
  private pushRecords(
    feed: ShardFeed,
    records: ReadonlyArray<{ data: Uint8Array; approximateArrivalTimestampMs: number; partitionKey: string; sequenceNumber: string }>,
  ): void {
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      this.pushRecord(feed, r.data, r.approximateArrivalTimestampMs, r.partitionKey, r.sequenceNumber);
    }
  }

  // Rows of consecutive records with the same stream and arrival time go to the engine in one push.
  private pendingStream = '';
  private pendingRowtime = 0;
  private pendingArrival = 0;
  private pendingRows: unknown[][] = [];

  private readableChanged(): boolean {
    let changed = false;
    for (const input of this.inputs) if (input.follower?.readableChanged()) changed = true;
    return changed;
  }

  // hot path: one call per source record. A KPL-aggregated record gives one row source per user record.
  private pushRecord(feed: ShardFeed, data: Uint8Array, arrivalMs: number, partitionKey = '', sequenceNumber = ''): void {
    if (isAggregated(data)) {
      const users = deaggregate(data, partitionKey, sequenceNumber);
      if (users !== undefined) {
        for (let i = 0; i < users.length; i++) this.pushData(feed, users[i]!.data, arrivalMs);
        return;
      }
    }
    this.pushData(feed, data, arrivalMs);
  }

  // hot path
  private pushData(feed: ShardFeed, data: Uint8Array, arrivalMs: number): void {
    // ROWTIME is the arrival time, kept monotonic across shards and time advances.
    const rowtime = Math.max(arrivalMs, this.lastRowtimeMs);
    this.lastRowtimeMs = rowtime;
    const parsed = feed.parser.parse(data);
    const errors = parsed.errors;
    if (errors.length > 0) {
      this.pushPending();
      this.stats.parseErrors += errors.length;
      for (let i = 0; i < errors.length; i++) this.parseError(errors[i]!.message, rowtime, errors[i]!.data);
    }
    const rows = parsed.rows;
    if (rows.length === 0) return;
    this.stats.rowsPushed += rows.length;
    if (this.pendingRows.length > 0 && (this.pendingStream !== feed.inAppStream || this.pendingRowtime !== rowtime || this.pendingArrival !== arrivalMs)) {
      this.pushPending();
    }
    this.pendingStream = feed.inAppStream;
    this.pendingRowtime = rowtime;
    this.pendingArrival = arrivalMs;
    const pending = this.pendingRows;
    for (let i = 0; i < rows.length; i++) pending.push(rows[i]!);
  }

  private pushPending(): void {
    const rows = this.pendingRows;
    if (rows.length === 0) return;
    this.pendingRows = [];
    this.sql.push(this.pendingStream, rows, this.pendingRowtime, this.pendingArrival);
  }

  /**
   * A record (or one of its rows) that does not fit the input schema. KDA reports it in
   * error_stream with DATA_ROW holding the original data hex-encoded. Applications cannot
   * read error_stream, so these rows go straight to its outputs rather than through the SQL engine.
   */
  private parseError(message: string, rowtime: number, data: string): void {
    const now = this.host.clock.now();
    const row: unknown[] = [now, now, 'ERROR', 'Input_Parse_Error', message, rowtime, Buffer.from(data, 'utf8').toString('hex'), null];
    const rows = [row];
    this.recordErrors(rows);
    for (const w of this.errorWriters) w.onRows(rows);
  }

  private readonly recordErrors = (rows: readonly unknown[][]): void => {
    const recent = this.stats.recentErrors;
    const cols = this.errorColumns;
    for (const row of rows) {
      const o: Record<string, unknown> = {};
      for (let c = 0; c < cols.length; c++) o[cols[c]!] = row[c + 1];
      recent.push(o);
      if (recent.length > RECENT_ERRORS) recent.shift();
    }
  };

  private async flush(): Promise<void> {
    for (const w of this.writers) this.stats.recordsWritten += await w.flush();
  }

  async checkpoint(): Promise<void> {
    await this.flush();
    const inputs: Record<string, InputCheckpoint> = {};
    for (const feed of this.inputs) {
      const shards: Record<string, ShardCheckpoint> = {};
      for (const s of feed.shards) {
        shards[s.reader.shardId] = { offset: s.reader.offset };
        // The delivery stream keeps undelivered-to-us records from being trimmed once Firehose has delivered them.
        if (s.delivery) await s.delivery.retain(s.reader.offset);
      }
      inputs[feed.input.id] = { streamKey: feed.streamKey, shards, ...(feed.delivery ? { delivery: feed.streamName } : {}) };
    }
    const now = this.host.clock.now();
    const stored: StoredCheckpoint = {
      takenMs: now,
      plan: this.planKey,
      inputs,
      state: this.sql.checkpoint(),
      lastRowtimeMs: Number.isFinite(this.lastRowtimeMs) ? this.lastRowtimeMs : null,
    };
    await this.host.meta.put(CHECKPOINT_KEY_PREFIX + this.app.name, stored);
    this.lastCheckpointMs = now;
    this.stats.checkpoints++;
    this.stats.lastCheckpointMs = now;
  }

  /** Stops reading; with `checkpoint`, first writes outputs and stores the position and state. */
  async stop(checkpoint: boolean): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.timer?.cancel();
    await this.whenIdle();
    try {
      if (checkpoint && !this.failed) await this.checkpoint();
    } finally {
      this.release();
    }
  }

  private release(): void {
    this.stopped = true;
    this.timer?.cancel();
    for (const input of this.inputs) {
      for (const s of input.shards) {
        s.unsubscribe();
        s.delivery?.close();
      }
    }
    try {
      this.sql?.close();
    } catch {
      // closing a failed application must not throw
    }
  }

  private fail(e: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.release();
    this.host.runnerFailed(this, e);
  }
}

/** Runs the applications of one server. Implements the control plane's ApplicationRuntime. */
export class AnalyticsHost implements ApplicationRuntime {
  readonly meta: MetaStore;
  readonly clock: Clock;
  readonly streams: StreamEngine;
  readonly sql: SqlPort;
  delivery: DeliveryPort | undefined;
  readonly readObject: ObjectReader;
  readonly checkpointIntervalMs: number;
  readonly tickMs: number;
  readonly graceMs: number;
  readonly readBatch: number;
  private readonly runners = new Map<string, AppRunner>();
  /** Set by the service: told when an application stops on its own. */
  onFailure: (name: string, error: unknown) => void = () => undefined;

  constructor(deps: HostDeps) {
    this.meta = deps.meta;
    this.clock = deps.clock;
    this.streams = deps.streams;
    this.sql = deps.sql;
    this.delivery = deps.delivery;
    this.readObject = deps.readObject;
    const o = deps.options ?? {};
    this.checkpointIntervalMs = o.checkpointIntervalMs ?? 10_000;
    this.tickMs = o.tickMs ?? 1_000;
    this.graceMs = o.graceMs ?? 1_000;
    this.readBatch = o.readBatch ?? 10_000;
  }

  async start(app: ApplicationConfig, positions: ReadonlyMap<string, StartingPosition>): Promise<void> {
    await this.stop(app.name, { checkpoint: true });
    const runner = new AppRunner(structuredClone(app), this);
    await runner.start(positions);
    this.runners.set(app.name, runner);
  }

  async stop(name: string, options: { checkpoint: boolean }): Promise<void> {
    const runner = this.runners.get(name);
    if (!runner) return;
    this.runners.delete(name);
    await runner.stop(options.checkpoint);
  }

  async forget(name: string): Promise<void> {
    const saved = this.meta.get<StoredCheckpoint>(CHECKPOINT_KEY_PREFIX + name);
    for (const [id, input] of Object.entries(saved?.inputs ?? {})) {
      if (input.delivery !== undefined) await this.delivery?.releaseReader?.(input.delivery, deliveryHolder(name, id)).catch(() => undefined);
    }
    await this.meta.delete(CHECKPOINT_KEY_PREFIX + name);
  }

  checkColumns(app: ApplicationConfig): string | undefined {
    for (const input of app.inputs) {
      const problem = this.sql.checkColumns(input.schema.columns);
      if (problem) return `Input ${input.id}: ${problem}`;
    }
    for (const ref of app.references) {
      const problem = this.sql.checkColumns(ref.schema.columns);
      if (problem) return `Reference data source ${ref.id}: ${problem}`;
    }
    return undefined;
  }

  checkCode(app: ApplicationConfig): string | undefined {
    if (app.code.trim().length === 0) return undefined;
    // Until an input is configured the code can only be checked for syntax (it names streams that do not exist yet).
    if (app.inputs.length === 0) return this.sql.checkSyntax(app.code);
    const specs: InputStreamSpec[] = [];
    for (const input of app.inputs) for (const name of inAppStreamNames(input)) specs.push({ name, columns: input.schema.columns });
    const tables: ReferenceTableSpec[] = app.references.map((r) => ({ name: r.tableName, columns: r.schema.columns, rows: [] }));
    return this.sql.check(app.code, specs, tables);
  }

  isRunning(name: string): boolean {
    return this.runners.has(name);
  }

  stats(name: string): ApplicationStats | undefined {
    return this.runners.get(name)?.stats;
  }

  /**
   * Subscribes to the rows of an in-app stream of a running application (input streams included),
   * as objects keyed by column name with ROWTIME. Returns an unsubscribe; the subscription ends
   * with the application (a restart needs a new tap).
   */
  tap(name: string, stream: string, listener: (rows: Array<Record<string, unknown>>) => void): () => void {
    const runner = this.runners.get(name);
    if (!runner) throw new AwsError('ResourceInUseException', `Application ${name} is not running`);
    return runner.tap(stream, listener);
  }

  /** Resolves once the application has processed everything readable and written its outputs. */
  async whenIdle(name?: string): Promise<void> {
    const runners = name === undefined ? [...this.runners.values()] : [this.runners.get(name)].filter((r) => r !== undefined);
    for (const r of runners) await r!.whenIdle();
  }

  /** Takes a checkpoint of a running application now. */
  async checkpointNow(name: string): Promise<void> {
    const r = this.runners.get(name);
    if (!r) return;
    await r.whenIdle();
    await r.checkpoint();
  }

  async loadReferenceTables(app: ApplicationConfig): Promise<ReferenceTableSpec[]> {
    const tables: ReferenceTableSpec[] = [];
    for (const ref of app.references) {
      let bytes: Uint8Array;
      try {
        bytes = await this.readObject(ref.bucketArn, ref.fileKey);
      } catch (e) {
        throw invalidConfig(`Reference data source ${ref.id} (${ref.tableName}): ${message(e)}`, e);
      }
      const parser = this.sql.parser(ref.schema);
      const rows: unknown[][] = [];
      // JSON reference files hold one record per line; CSV files are split by the parser's row delimiter.
      const records =
        ref.schema.format === 'JSON'
          ? decoder
              .decode(bytes)
              .split(/\r?\n/)
              .filter((l) => l.trim().length > 0)
              .map((l) => new TextEncoder().encode(l))
          : [bytes];
      for (const rec of records) {
        const parsed = parser.parse(rec);
        const bad = parsed.errors[0];
        if (bad) throw invalidConfig(`Reference data source ${ref.id} (${ref.tableName}): ${bad.message} in ${bad.data}`);
        for (const row of parsed.rows) rows.push(row);
      }
      tables.push({ name: ref.tableName, columns: ref.schema.columns, rows });
    }
    return tables;
  }

  /** Retries retryable AwsErrors (throttling) with jittered backoff; anything else fails the application. */
  withRetry<T>(fn: () => Promise<T>): Promise<T> {
    return retry(fn, { initialDelayMs: 50, maxDelayMs: 2_000, maxElapsedMs: 30_000, jitter: 0.5, isRetryable: (e) => isAwsError(e) && e.retryable });
  }

  runnerFailed(runner: AppRunner, error: unknown): void {
    if (this.runners.get(runner.app.name) === runner) this.runners.delete(runner.app.name);
    this.onFailure(runner.app.name, error);
  }

  /** Server shutdown: checkpoint and stop every application, leaving them marked RUNNING so they resume on restart. */
  async close(): Promise<void> {
    const names = [...this.runners.keys()];
    await Promise.all(names.map((n) => this.stop(n, { checkpoint: true }).catch(() => undefined)));
  }
}
