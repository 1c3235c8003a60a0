/**
 * A Flink SQL application running inside the server: a FlinkApplication fed from the Kinesis engine
 * (one split per shard, from TRIM_HORIZON/LATEST per `scan.stream.initpos`, or from checkpointed
 * offsets), writing its `kinesis` sinks back into the engine, `firehose` sinks into delivery streams,
 * `filesystem` sinks into the embedded object store (`s3://bucket/...` → `<dataDir>/s3/bucket/...`)
 * or a directory, and `print` sinks to the log. `datagen` and file sources run under
 * `freshet sql run --dialect flink`; a job that uses them here is refused at start.
 *
 * A checkpoint is the operator state plus each shard's next offset, taken between batches, so
 * restoring it replays nothing twice and skips nothing. Kinesis and Firehose sinks are at-least-once
 * across a crash (rows written after the last checkpoint are written again); file sinks are
 * exactly-once: files are committed once the checkpoint that covers them is stored (commit()).
 */
import { randomUUID } from 'node:crypto';
import { log, type Clock, type TimerHandle } from '../../core/index.ts';
import { retryWrite } from '../runtime/retry-write.ts';
import { FlinkApplication, SqlError, type FlinkState, type Row } from '../../sql/index.ts';
import { FileSystemSink, kinesisStart, resolveTablePath, type FileSinkState, type KinesisStart } from '../../sql/index.ts';
import type { DeliveryPort, StreamEngine, StreamShardReader } from '../runtime/ports.ts';
import { streamNameFromArn } from '../model.ts';
import type { RoleAuthorizer } from '../../aws/index.ts';
import { KDA_SERVICE_PRINCIPAL, cannotAssume, roleRetryDelayMs } from '../runtime/sources.ts';
import { analyticsV2Errors } from './errors.ts';
import { planParallelism, type KeyGroupStates, type ParallelPlan, Subtasks } from './parallel.ts';

const logger = log.child('analytics-v2');

export interface JobState {
  flink: FlinkState;
  /** table → shardId → next offset */
  offsets: Record<string, Record<string, number>>;
  /** filesystem sink → its files prepared for this checkpoint */
  files?: Record<string, FileSinkState>;
  /** A keyed parallel job: each key group's operator state (`flink` then holds the sources' watermarks only). */
  keyGroups?: KeyGroupStates;
}

/** Where a job's sinks write besides Kinesis. */
export interface JobOutputs {
  delivery?: DeliveryPort | undefined;
  /** `<dataDir>/s3`: the embedded object store, for `s3://` filesystem paths; undefined with in-memory storage. */
  s3Root?: string | undefined;
}

interface Feed {
  table: string;
  stream: string;
  reader: StreamShardReader;
  off: () => void;
  /** MillisBehindLatest of this shard's last read. */
  behindMs: number;
  /**
   * The reader's offset once the records read so far went into the job (set right after each push): what a bounded
   * checkpoint stores. The reader's own offset moves before the read's records are pushed, a microtask later.
   */
  pushed: number;
}

/** What a running job has done, as `freshet status` shows it next to SQL applications. */
export interface FlinkJobStats {
  recordsRead: number;
  /** Rows its sinks were handed. */
  rowsWritten: number;
  /** Input lag: the largest MillisBehindLatest of its shards' last reads (0 once caught up). */
  millisBehindLatest: number;
  /** Clock time of the last checkpoint taken, if any. */
  lastCheckpointMs: number | null;
}

const SUPPORTED = new Set(['kinesis', 'firehose', 'filesystem', 'print', 'blackhole']);

/** `--auth enforce`: the application's ServiceExecutionRole, which its tables are read and written with. */
export interface JobRole {
  roles: RoleAuthorizer;
  roleArn: string;
  region: string;
  accountId: string;
}

/**
 * What the ServiceExecutionRole needs on each table's resource (Managed Service for Apache Flink developer guide,
 * "Identity and Access Management": the Kinesis connector describes, lists and reads its stream, the sink puts
 * records; the Firehose sink puts record batches; a filesystem sink on `s3://` puts objects).
 */
const SOURCE_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  kinesis: ['kinesis:DescribeStream', 'kinesis:ListShards', 'kinesis:GetShardIterator', 'kinesis:GetRecords'],
};
const SINK_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  kinesis: ['kinesis:DescribeStream', 'kinesis:PutRecords'],
  firehose: ['firehose:PutRecordBatch'],
  filesystem: ['s3:PutObject'],
};

/** The ARN a table's connector uses, or undefined when it touches no AWS resource (print, a local directory). */
function tableResource(connector: string, options: Readonly<Record<string, string>>, role: JobRole): string | undefined {
  if (connector === 'kinesis') {
    if (options['stream.arn'] !== undefined) return options['stream.arn'];
    return `arn:aws:kinesis:${role.region}:${role.accountId}:stream/${options.stream ?? ''}`;
  }
  if (connector === 'firehose') return `arn:aws:firehose:${role.region}:${role.accountId}:deliverystream/${options['delivery-stream'] ?? ''}`;
  if (connector === 'filesystem') {
    const m = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(options.path ?? '');
    return m ? `arn:aws:s3:::${m[1]}/${m[2]}${m[2] === '' || m[2]!.endsWith('/') ? '' : '/'}*` : undefined;
  }
  return undefined;
}

/**
 * Throws InvalidApplicationConfigurationException when the role cannot be assumed by Kinesis Analytics or may not
 * do what a table needs, with AWS's AccessDenied text for the role's session. At start and, while the job runs,
 * before its next read after any IAM change and every ROLE_RECHECK_MS of clock time (registry.ts), as the
 * connectors' calls would start failing on AWS.
 */
export function checkJobRole(app: FlinkApplication, role: JobRole, label: string): void {
  if (!role.roles.assumableBy(role.roleArn, KDA_SERVICE_PRINCIPAL))
    throw analyticsV2Errors.create('InvalidApplicationConfigurationException', cannotAssume(role.roleArn));
  const check = (table: string, actions: readonly string[] | undefined, connector: string, options: Readonly<Record<string, string>>): void => {
    if (actions === undefined) return;
    const resource = tableResource(connector, options, role);
    if (resource === undefined) return;
    for (const action of actions) {
      const denied = role.roles.denied(role.roleArn, action, resource, label);
      if (denied !== undefined) throw analyticsV2Errors.create('InvalidApplicationConfigurationException', `table "${table}": ${denied}`);
    }
  };
  for (const name of app.sourceNames()) {
    const c = name.startsWith('$') ? undefined : app.stream(name).flink?.connector;
    if (c) check(name, SOURCE_ACTIONS[c.connector], c.connector, c.options);
  }
  for (const name of app.sinkNames()) {
    const c = name.startsWith('$') ? undefined : app.stream(name).flink?.connector;
    if (c) check(name, SINK_ACTIONS[c.connector], c.connector, c.options);
  }
}

export class FlinkJob {
  readonly app: FlinkApplication;
  private feeds: Feed[] = [];
  private pending: Promise<unknown> = Promise.resolve();
  private readonly files = new Map<string, FileSystemSink>();
  private draining: Promise<void> | null = null;
  private again = false;
  /** `--auth enforce`: the ServiceExecutionRole and the IAM generation it was last checked at. */
  private role: JobRole | undefined;
  private roleGeneration = -1;
  /**
   * The role may not do what the job needs: the job reads, writes and advances nothing (its offsets stay, so nothing
   * is lost or done twice) until a retry on the clock (roleRetryDelayMs) finds it allowed. AWS keeps such an
   * application RUNNING and restarts the job with backoff; so does Freshet.
   */
  private roleProblem: Error | null = null;
  private roleAttempts = 0;
  private roleRetry: TimerHandle | undefined;
  /** Told when the role may not do its work (the reason) and when it may again (null). */
  onRoleProblem: ((e: Error | null) => void) | null = null;

  /** Why the role holds the job now (null: it does not). */
  get roleHold(): Error | null {
    return this.roleProblem;
  }
  private closed = false;
  /** Rows written to each sink, and the failure that stopped the job. */
  failure: Error | null = null;
  onFailure: ((e: Error) => void) | null = null;
  private recordsRead = 0;
  private rowsWritten = 0;
  private lastCheckpointMs: number | null = null;
  /** Parallel subtasks on worker threads (parallel.ts), when the plan and ParallelismConfiguration ask for them. */
  private par: Subtasks | null = null;
  private parTimer: TimerHandle | undefined;
  /** How the job runs: its degree of parallelism and, for the application's log, why. */
  parallel: ParallelPlan = { n: 1, layout: null, note: null };
  /** Each sink's writer (subtasks' rows reach them through the main thread). */
  private readonly writers = new Map<string, (rows: Row[]) => void>();
  /** The streams its `kinesis` sinks write. */
  private readonly sinkStreams: string[] = [];

  private constructor(
    app: FlinkApplication,
    private readonly streams: StreamEngine,
    private readonly label: string,
    private readonly clock: Clock,
  ) {
    this.app = app;
  }

  /** Plans the SQL (SqlError on mistakes) and checks that every table's connector can run in the server. */
  static plan(sql: string, options: Record<string, string>, clock?: Clock, maxStateRows?: number): FlinkApplication {
    const app = FlinkApplication.compile(sql, { options, ...(clock ? { clock } : {}), ...(maxStateRows !== undefined ? { maxStateRows } : {}) });
    for (const name of [...app.sourceNames(), ...app.sinkNames()]) {
      if (name.startsWith('$')) continue;
      const connector = app.stream(name).flink?.connector.connector;
      if (connector !== undefined && !SUPPORTED.has(connector)) {
        app.close();
        throw new SqlError(
          `table "${name}" uses the '${connector}' connector, which Freshet runs only under \`freshet sql run --dialect flink\`; applications in the server read 'kinesis' tables and write 'kinesis', 'firehose', 'filesystem' and 'print' tables`,
        );
      }
    }
    return app;
  }

  static async start(
    label: string,
    sql: string,
    options: Record<string, string>,
    clock: Clock,
    streams: StreamEngine,
    outputs: JobOutputs,
    state?: JobState,
    role?: JobRole,
    maxStateRows?: number,
    resuming = false,
    parallelism = 1,
  ): Promise<FlinkJob> {
    let app: FlinkApplication;
    try {
      app = FlinkJob.plan(sql, options, clock, maxStateRows);
    } catch (e) {
      throw analyticsV2Errors.create('InvalidApplicationConfigurationException', e instanceof Error ? e.message : String(e));
    }
    const job = new FlinkJob(app, streams, label, clock);
    try {
      if (role) {
        job.role = role;
        // Resuming after a server restart: a role that may not holds the job (roleHold) instead of refusing the start.
        if (resuming) job.checkRole(role);
        else {
          checkJobRole(app, role, label);
          job.roleGeneration = role.roles.generation();
        }
      }
      job.parallel = planParallelism(app, parallelism, state);
      const shards = job.parallel.layout?.mode === 'keyed' ? job.shardsAtStart() : undefined;
      const { n, layout } = job.parallel;
      await job.attachSinks(outputs, state?.files ?? {}, clock.now());
      if (layout !== null) {
        job.par = await Subtasks.start({
          sql,
          options,
          maxStateRows,
          clock,
          n,
          layout,
          app,
          shards,
          state: state ? { flink: state.flink, keyGroups: state.keyGroups } : undefined,
          onOutput: (sink, rows) => job.writers.get(sink)?.(rows),
          sinks: [...job.writers.keys()],
          onError: (e) => job.fail(e),
        });
      } else if (state) app.restore(state.flink);
      await job.attachSources(state?.offsets ?? {});
      await job.syncSinkEnds();
    } catch (e) {
      job.close();
      throw e;
    }
    if (job.par) job.tickSubtasks();
    else app.start(1000);
    job.kick();
    return job;
  }

  /** A keyed parallel job assigns the shards of its ACTIVE source streams to subtasks when it starts (others as they attach). */
  private shardsAtStart(): Record<string, string[]> {
    const shards: Record<string, string[]> = {};
    for (const table of this.app.sourceNames()) {
      const c = this.app.stream(table).flink?.connector;
      const stream = c?.options.stream ?? streamNameFromArn(c?.options['stream.arn'] ?? '') ?? '';
      try {
        const d = this.streams.describe(stream);
        if (d.status !== 'CREATING' && d.shards.length > 0) shards[table] = d.shards.map((x) => x.shardId);
      } catch {
        // attachSources says that the stream does not exist
      }
    }
    return shards;
  }

  /** Processing time for the subtasks: every second of the clock, as FlinkApplication.start ticks a one-thread job. */
  private tickSubtasks(): void {
    this.parTimer = this.clock.setTimer(() => {
      if (this.closed || !this.par) return;
      this.par.advance(this.clock.now());
      this.tickSubtasks();
    }, 1000);
  }

  /** A sink's writer: fed by the application, or by the subtasks' replies when the job runs in parallel. */
  private listen(sink: string, write: (rows: Row[]) => void): void {
    this.writers.set(sink, write);
    this.app.onOutput(sink, write);
  }

  private async attachSinks(outputs: JobOutputs, filesState: Record<string, FileSinkState>, nowMs: number): Promise<void> {
    for (const sink of this.app.sinkNames()) {
      const plan = this.app.stream(sink);
      const c = plan.flink?.connector;
      if (!c) continue;
      if (c.connector === 'kinesis') {
        const stream = c.options.stream ?? streamNameFromArn(c.options['stream.arn'] ?? '') ?? '';
        this.sinkStreams.push(stream);
        const encode = this.app.encoder(sink);
        this.listen(sink, (rows: Row[]) => {
          this.rowsWritten += rows.length;
          const records: { partitionKey: string; data: Uint8Array }[] = [];
          for (const r of rows) {
            const text = encode(r);
            if (text !== null) records.push({ partitionKey: randomUUID(), data: Buffer.from(text, 'utf8') });
          }
          if (records.length === 0) return;
          this.pending = this.pending.then(() => retryWrite(() => this.streams.putRecords(stream, records))).catch((e) => this.fail(e));
        });
      } else if (c.connector === 'firehose') {
        const target = c.options['delivery-stream'] ?? '';
        const delivery = outputs.delivery;
        if (!delivery)
          throw analyticsV2Errors.create(
            'InvalidApplicationConfigurationException',
            `table "${sink}" writes delivery stream ${target}, but Firehose is not available`,
          );
        if (delivery.exists && !delivery.exists(target))
          throw analyticsV2Errors.create('InvalidApplicationConfigurationException', `table "${sink}" writes delivery stream ${target}, which does not exist`);
        const encode = this.app.encoder(sink);
        this.listen(sink, (rows: Row[]) => {
          this.rowsWritten += rows.length;
          const records: Uint8Array[] = [];
          for (const r of rows) {
            const text = encode(r);
            if (text !== null) records.push(Buffer.from(`${text}\n`, 'utf8'));
          }
          if (records.length === 0) return;
          this.pending = this.pending.then(() => retryWrite(() => delivery.putRecordBatch(target, records))).catch((e) => this.fail(e));
        });
      } else if (c.connector === 'filesystem') {
        let dir: string;
        try {
          dir = resolveTablePath(c.options.path ?? '', { s3Root: outputs.s3Root });
        } catch (e) {
          throw analyticsV2Errors.create('InvalidApplicationConfigurationException', `table "${sink}": ${e instanceof Error ? e.message : String(e)}`);
        }
        const files = await FileSystemSink.open({
          dir,
          columns: plan.columns,
          partitionKeys: plan.flink!.partitionedBy ?? [],
          format: c.format!,
          options: c.options,
          fileId: this.label,
        });
        files.recover(filesState[sink], nowMs, this.watermark());
        this.files.set(sink, files);
        this.listen(sink, (rows: Row[]) => {
          this.rowsWritten += rows.length;
          files.write(rows, this.clock.now());
        });
      } else if (c.connector === 'print') {
        this.listen(sink, (rows: Row[]) => {
          this.rowsWritten += rows.length;
          for (const r of rows) logger.info('print', { application: this.label, sink, row: this.app.printText(sink, r) });
        });
      }
    }
  }

  /**
   * Before the first write: this node's view of each sink stream's shard ends is brought up to date (opening a reader
   * at LATEST re-reads the end from shared storage). On JetStream each record of an append expects the sequence
   * before it, from this node's view; a view behind the stream (a job taken over from a dead node, which wrote last)
   * has its first batch refused whole (the batch's records are chained by message id) and placed again at the end
   * re-read then. Re-reading first saves that refusal and round trip (before the chain, the batch's tail was stored
   * and the whole batch retried: most of a resumed job's first output written twice, issue 19).
   */
  private async syncSinkEnds(): Promise<void> {
    for (const stream of this.sinkStreams) {
      let shards: Array<{ shardId: string }>;
      try {
        shards = this.streams.describe(stream).shards;
      } catch {
        continue; // a missing stream fails the first write, as before
      }
      for (const s of shards) {
        try {
          await this.streams.openShardReader(stream, s.shardId, { type: 'LATEST' });
        } catch (e) {
          // The first write then retries on a refused append, as before.
          logger.swallowed('reading the end of a sink stream', e, { application: this.label, stream, shard: s.shardId });
        }
      }
    }
  }

  private async attachSources(offsets: Record<string, Record<string, number>>): Promise<void> {
    for (const table of this.app.sourceNames()) {
      const c = this.app.stream(table).flink?.connector;
      if (c?.connector !== 'kinesis') continue;
      const stream = c.options.stream ?? streamNameFromArn(c.options['stream.arn'] ?? '') ?? '';
      let status: string;
      try {
        status = this.streams.describe(stream).status;
      } catch {
        throw analyticsV2Errors.create('InvalidApplicationConfigurationException', `table "${table}" reads stream ${stream}, which does not exist`);
      }
      const initpos = kinesisStart(c.options);
      if (status === 'CREATING' && this.streams.whenActive) {
        // A CREATING stream lists no shards (as on AWS): the table's splits attach once the stream is ACTIVE.
        this.streams.whenActive(stream).then(
          () => (this.closed ? undefined : this.attachStream(table, stream, initpos, offsets).then(() => this.kick())),
          (e: unknown) => this.fail(e),
        );
        continue;
      }
      await this.attachStream(table, stream, initpos, offsets);
    }
  }

  private async attachStream(table: string, stream: string, initpos: KinesisStart, offsets: Record<string, Record<string, number>>): Promise<void> {
    const ids = this.streams.describe(stream).shards.map((s) => s.shardId);
    if (this.par) this.par.registerSplits(table, ids);
    else this.app.registerSplits(table, ids);
    for (const id of ids) {
      const reader = await this.streams.openShardReader(stream, id, initpos);
      const at = offsets[table]?.[id];
      if (at !== undefined) reader.offset = at;
      const off = reader.onAppend(() => this.kick());
      this.feeds.push({ table, stream, reader, off, behindMs: 0, pushed: reader.offset });
    }
  }

  /**
   * Before a read or a write: once IAM changed since the role was last checked (a policy put, attached, detached
   * or deleted), checks it again. True when the job may go on (no failure, the role may do its work).
   */
  private roleStillAllows(): boolean {
    const role = this.role;
    if (role !== undefined && this.roleProblem === null && role.roles.generation() !== this.roleGeneration) this.recheckRole(role);
    return this.failure === null && this.roleProblem === null;
  }

  /** The periodic re-check (conditions on time); a job held by its role retries on its own backoff instead. */
  recheckRole(role: JobRole): void {
    if (this.closed || this.failure || this.roleProblem) return;
    this.checkRole(role);
  }

  /** Checks the role (`checkJobRole`): holds the job and schedules a retry when it may not, resumes it when it may again. */
  private checkRole(role: JobRole): void {
    this.roleRetry = undefined;
    if (this.closed || this.failure) return;
    this.roleGeneration = role.roles.generation();
    try {
      checkJobRole(this.app, role, this.label);
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      this.roleAttempts++;
      if (this.roleProblem === null) logger.warn('flink application role may not do its work; retrying', { application: this.label, error: error.message });
      const changed = this.roleProblem?.message !== error.message;
      this.roleProblem = error;
      this.roleRetry = this.clock.setTimer(() => this.checkRole(role), roleRetryDelayMs(this.roleAttempts));
      if (changed) this.onRoleProblem?.(error);
      return;
    }
    if (this.roleProblem !== null) {
      logger.info('flink application role may do its work again', { application: this.label, retries: this.roleAttempts });
      this.roleProblem = null;
      this.roleAttempts = 0;
      this.onRoleProblem?.(null);
      this.kick();
    }
  }

  private fail(e: unknown): void {
    if (this.failure) return;
    this.failure = e instanceof Error ? e : new Error(String(e));
    logger.warn('flink application failed', { application: this.label, error: this.failure.message });
    this.onFailure?.(this.failure);
  }

  /** Reads whatever the shards hold now (again if more arrives meanwhile). */
  kick(): void {
    if (this.closed) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drainOnce()
      .catch((e) => this.fail(e))
      .finally(() => {
        this.draining = null;
        if (this.again && !this.closed) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async drainOnce(): Promise<void> {
    for (;;) {
      if (!this.roleStillAllows()) return;
      let got = 0;
      for (const f of this.feeds) {
        if (this.closed) return;
        const { records, millisBehindLatest } = await f.reader.read(1000);
        f.behindMs = millisBehindLatest;
        if (records.length === 0) {
          f.pushed = f.reader.offset;
          continue;
        }
        got += records.length;
        this.recordsRead += records.length;
        const batch = records.map((r) => ({
          data: r.data,
          arrivalMs: r.approximateArrivalTimestampMs,
          partitionKey: r.partitionKey,
          shardId: f.reader.shardId,
          sequenceNumber: r.sequenceNumber,
        }));
        const arrivalMs = records[records.length - 1]!.approximateArrivalTimestampMs;
        if (this.par) {
          this.par.push(f.table, batch, arrivalMs, f.reader.shardId);
          f.pushed = f.reader.offset;
          await this.par.room();
        } else {
          this.app.pushRecords(f.table, batch, arrivalMs, f.reader.shardId);
          f.pushed = f.reader.offset;
        }
      }
      if (got === 0) return;
    }
  }

  stats(): FlinkJobStats {
    let behind = 0;
    for (const f of this.feeds) if (f.behindMs > behind) behind = f.behindMs;
    return { recordsRead: this.recordsRead, rowsWritten: this.rowsWritten, millisBehindLatest: behind, lastCheckpointMs: this.lastCheckpointMs };
  }

  /** Waits until every record in the shards has gone through and every sink write has landed. */
  async settle(): Promise<void> {
    do {
      this.again = false;
      if (this.draining) await this.draining;
      await this.drainOnce();
      if (this.par) await this.par.idle();
      await this.pending;
    } while (this.draining !== null || this.again);
    if (this.failure) throw this.failure;
  }

  /** Moves processing time (idle splits, processing-time windows) and writes what that fires. */
  async advance(nowMs: number): Promise<void> {
    if (!this.roleStillAllows()) return;
    if (this.par) {
      this.par.advance(nowMs);
      await this.par.idle();
    } else this.app.advanceTime(nowMs);
    await this.pending;
  }

  /** The lowest source watermark (what partition-time commits wait for). */
  private watermark(): number {
    let w = Infinity;
    for (const t of this.app.sourceNames()) w = Math.min(w, (this.par ? this.par.watermark(t) : this.app.watermark(t)) ?? -Infinity);
    return w;
  }

  /**
   * A checkpoint; file sinks' buffers become in-progress files it lists (commit() makes them visible once it is stored).
   * By default it first catches up (settle: every record in the shards, again while more arrives). `bounded`: a barrier
   * at the records pushed so far, taken at once (state, offsets and file buffers in one synchronous step), which then
   * waits only for the sink writes queued before it — under continuous input the default may not return for long, and
   * a lease owner's checkpoint must (a takeover's first checkpoint, the periodic ones). Records after the barrier are
   * read again from it after a failover or restart, as with any checkpoint.
   */
  async checkpoint(options?: { bounded?: boolean }): Promise<JobState> {
    if (options?.bounded !== true) await this.settle();
    const offsets: JobState['offsets'] = {};
    for (const f of this.feeds) (offsets[f.table] ??= {})[f.reader.shardId] = f.pushed;
    let state: JobState;
    if (this.par) {
      // The subtasks' barrier goes out in the same synchronous step as these offsets are read (see Subtasks.checkpoint).
      let atBarrier: JobState['offsets'] = offsets;
      const { flink, keyGroups } = await this.par.checkpoint(() => {
        atBarrier = {};
        for (const f of this.feeds) (atBarrier[f.table] ??= {})[f.reader.shardId] = f.pushed;
      });
      state = { flink, offsets: atBarrier, ...(keyGroups ? { keyGroups } : {}) };
    } else state = { flink: this.app.checkpoint(), offsets };
    if (this.files.size > 0) {
      state.files = {};
      for (const [name, sink] of this.files) state.files[name] = sink.prepare();
    }
    if (options?.bounded === true) {
      // The writes of every row the barrier's state has emitted: queued on `pending` before this point.
      await this.pending;
      if (this.failure) throw this.failure;
    }
    this.lastCheckpointMs = this.clock.now();
    return state;
  }

  /** After `state` is stored: commits the files it lists (partition commit, success files). */
  commit(state: JobState): void {
    const now = this.clock.now();
    const wm = this.watermark();
    for (const [name, sink] of this.files) {
      const st = state.files?.[name];
      if (st) sink.commit(st, now, wm);
    }
  }

  close(): void {
    this.closed = true;
    this.roleRetry?.cancel();
    this.parTimer?.cancel();
    this.par?.close();
    for (const f of this.feeds) f.off();
    this.feeds = [];
    this.app.close();
  }
}
