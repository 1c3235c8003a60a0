/**
 * One running application: resolves its sources, compiles its code, opens a
 * reader per shard (following resharding), and runs a pump — read and push
 * everything readable (row-feed.ts), advance time by the clock, write outputs
 * (output-writer.ts), checkpoint when due (checkpoint.ts) — until it is
 * stopped or fails. A failure stops this application only and is reported to
 * the host.
 */
import type { RoleAuthorizer } from '../../aws/index.ts';
import type { Clock, TimerHandle } from '../../core/index.ts';
import type { MetaStore } from '../../storage/index.ts';
import { StorageError } from '../../storage/index.ts';
import type { ApplicationConfig, StartingPosition } from '../model.ts';
import { inAppStreamNames } from '../model.ts';
import type { InputCheckpoint, ShardCheckpoint, StoredCheckpoint } from './checkpoint.ts';
import { CHECKPOINT_KEY_PREFIX, deliveryHolder } from './checkpoint.ts';
import { errorMessage, invalidConfig } from './config-errors.ts';
import type { OutputSink, OutputStats } from './output-writer.ts';
import { OutputWriter } from './output-writer.ts';
import type { CompiledApplication, DeliveryInputReader, ReferenceTableSpec, SqlPort, StreamShardReader } from './ports.ts';
import type { InputFeed, ShardFeed } from './row-feed.ts';
import { RowFeed } from './row-feed.ts';
import { ShardFollower } from './shard-follower.ts';
import { checkRoles, resolveSources, roleRetryDelayMs } from './sources.ts';
import { analyticsErrors } from '../errors.ts';
import type { AppLogLevel } from '../app-log.ts';
import { log } from '../../core/index.ts';

const logger = log.child('analytics');

/**
 * Codes of a periodic checkpoint's metadata write that failed for now, not for good: refused by fencing (this node's
 * lease expired by its own clock while a renewal was late under load, or a newer owner took it over), timed out or
 * unreachable, or lost a race with another writer of the bucket.
 */
const CHECKPOINT_TRANSIENT = new Set(['FENCED', 'EIO', 'CONFLICT']);

export const ERROR_STREAM = 'error_stream';
/**
 * Clock time between re-checks of a running application's roles (`--auth enforce`) while IAM does not change:
 * a change of any role or policy is re-checked at the next read or write; this period catches conditions on
 * time (`aws:CurrentTime`).
 */
export const ROLE_RECHECK_MS = 10_000;
/** How many recent error_stream rows the host keeps per application for inspection. */
const RECENT_ERRORS = 100;

/** Counters and recent errors of a running application (for tests, the CLI and the console). */
export interface ApplicationStats {
  recordsRead: number;
  /** Bytes of the records read. */
  bytesRead: number;
  /** The largest MillisBehindLatest of the last read's shards. */
  millisBehindLatest: number;
  rowsPushed: number;
  parseErrors: number;
  recordsWritten: number;
  checkpoints: number;
  /** Periodic checkpoints whose metadata write failed for now (retried at the next interval). */
  checkpointFailures: number;
  lastCheckpointMs: number | undefined;
  /** Most recent error_stream rows, as objects keyed by column name. */
  recentErrors: Array<Record<string, unknown>>;
  /** A checkpoint that could not be restored (e.g. the code changed), if any. */
  restoreWarning?: string;
}

/** What a runner needs from the host that runs it. */
export interface RunnerHost extends OutputSink {
  readonly meta: MetaStore;
  readonly clock: Clock;
  readonly sql: SqlPort;
  readonly checkpointIntervalMs: number;
  readonly tickMs: number;
  readonly graceMs: number;
  readonly readBatch: number;
  /** `--auth enforce`: inputs and outputs are used with their RoleARN, checked like any caller. */
  readonly roles?: RoleAuthorizer | undefined;
  loadReferenceTables(app: ApplicationConfig): Promise<ReferenceTableSpec[]>;
  /** The runner stopped on its own after `error`. */
  runnerFailed(runner: AppRunner, error: unknown): void;
  /** A role of the running application may not do its work (`message`), or may again (undefined): the application stays RUNNING. */
  runnerRoleProblem(runner: AppRunner, message: string | undefined): void;
  /** A line for the application's CloudWatch log streams (see app-log.ts); costs nothing without logging options. */
  runnerLog(runner: AppRunner, level: AppLogLevel, message: string, errorCode?: string): void;
}

export class AppRunner {
  private sql!: CompiledApplication;
  private feed!: RowFeed;
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
  private advancedToMs = -Infinity;
  private lastCheckpointMs: number;
  private lastRoleCheckMs: number;
  /** The IAM generation the roles were last checked at (`--auth enforce`). */
  private roleGeneration = -1;
  /** A role that may not do its work: the application reads and writes nothing until a retry finds it allowed. */
  private roleProblem: string | undefined;
  private roleAttempts = 0;
  private roleRetryAtMs = 0;

  /** Why a role holds the application now (undefined: none does). */
  get roleHold(): string | undefined {
    return this.roleProblem;
  }
  readonly stats: ApplicationStats = {
    recordsRead: 0,
    bytesRead: 0,
    millisBehindLatest: 0,
    rowsPushed: 0,
    parseErrors: 0,
    recordsWritten: 0,
    checkpoints: 0,
    checkpointFailures: 0,
    lastCheckpointMs: undefined,
    recentErrors: [],
  };

  /** Each output's write counters, keyed by output id. */
  *outputStats(): IterableIterator<[string, OutputStats]> {
    for (const w of this.writers) yield [w.output.id, w.stats];
  }

  /** What operator state depends on: restoring state into a different plan would misread it. */
  private readonly planKey: string;

  constructor(
    readonly app: ApplicationConfig,
    private readonly host: RunnerHost,
  ) {
    this.lastCheckpointMs = host.clock.now();
    this.lastRoleCheckMs = this.lastCheckpointMs;
    this.planKey = JSON.stringify({
      code: app.code,
      inputs: app.inputs.map((i) => [i.namePrefix, i.parallelism, i.schema.columns]),
      tables: app.references.map((r) => [r.tableName, r.schema.columns]),
    });
  }

  /**
   * `resuming` (the server restarted while the application ran): its roles are not checked here but at the first
   * step, so one that may not holds the application RUNNING with the reason, as before the restart.
   */
  async start(positions: ReadonlyMap<string, StartingPosition>, resuming = false): Promise<void> {
    const host = this.host;
    const app = this.app;
    const checkpoint = host.meta.get<StoredCheckpoint>(CHECKPOINT_KEY_PREFIX + app.name);

    // Resolve sources before compiling so a missing stream is reported as such.
    const { specs, resolved } = await resolveSources(resuming ? { streams: host.streams, delivery: host.delivery, functions: host.functions } : host, app);
    const tables = await host.loadReferenceTables(app);

    try {
      this.sql = host.sql.compile(app.code, specs, tables, host.clock);
    } catch (e) {
      throw invalidConfig(`Application code does not compile: ${errorMessage(e)}`, e);
    }
    this.feed = new RowFeed(this.sql, this.stats, host.readBatch, (m, rowtimeMs, data) => this.parseError(m, rowtimeMs, data), host.functions);
    try {
      for (const output of app.outputs) {
        const stream = this.sql.resolveStream(output.name);
        if (stream === undefined) throw invalidConfig(`Output ${output.id}: in-application stream ${output.name} is not created by the application code`);
        const writer = new OutputWriter(output, this.sql.formatter(stream, output.format), host, app.arn);
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
        const processor = r.input.processor
          ? { functionArn: r.input.processor.resourceArn, applicationArn: app.arn, streamArn: r.input.source.resourceArn, delivery: r.delivery }
          : undefined;
        const feed: InputFeed = { input: r.input, streamName: r.streamName, delivery: r.delivery, streamKey: r.streamKey, shards: [] };
        if (!r.delivery) {
          feed.follower = new ShardFollower<ShardFeed>(host.streams, r.streamName, feed.shards, (reader, i) => ({
            reader,
            inAppStream: names[i % names.length]!,
            parser,
            unsubscribe: reader.onAppend(this.schedule),
            ...(processor ? { processor } : {}),
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
          feed.shards.push({
            reader,
            inAppStream: names[i % names.length]!,
            parser,
            unsubscribe,
            ...(delivery ? { delivery } : {}),
            ...(processor ? { processor } : {}),
          });
        }
        this.inputs.push(feed);
      }
      if (restoreState && checkpoint) {
        if (checkpoint.plan !== this.planKey) {
          this.stats.restoreWarning = 'the application code or its input/reference schemas changed since the checkpoint: operator state was not restored';
        } else {
          try {
            this.sql.restore(checkpoint.state);
            this.feed.lastRowtimeMs = checkpoint.lastRowtimeMs ?? -Infinity;
            this.advancedToMs = this.feed.lastRowtimeMs;
          } catch (e) {
            this.stats.restoreWarning = `operator state could not be restored: ${errorMessage(e)}`;
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
      throw analyticsErrors.create(
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
    if (host.roles !== undefined && !(await this.rolesAllow(host.roles))) return;
    for (;;) {
      for (const input of this.inputs) if (input.follower) await input.follower.refresh();
      if (this.stopped) return;
      const n = await this.feed.readOnce(this.inputs);
      await this.flush();
      if (this.stopped) return;
      // Nothing read: done, unless a parent just finished and its children may be read now.
      if (n === 0 && !this.readableChanged()) break;
    }
    if (target > this.advancedToMs) {
      this.advancedToMs = target;
      if (target > this.feed.lastRowtimeMs) this.feed.lastRowtimeMs = target;
      this.sql.advanceTime(target);
      await this.flush();
    }
    if (host.clock.now() - this.lastCheckpointMs >= host.checkpointIntervalMs) await this.periodicCheckpoint();
  }

  /**
   * A periodic checkpoint. Its outputs are written first, and their failure fails the application as any write does;
   * a metadata write that failed for now (CHECKPOINT_TRANSIENT) does not: it is counted and logged, and retried at the
   * next interval. The previous checkpoint stays, so a restart replays from it (at least once, nothing lost). When
   * the lease is really lost, the lease manager stops the application here; before, a failover's survivor whose
   * renewal was late under load had its checkpoint refused, marked the application READY, and nobody ran it.
   */
  private async periodicCheckpoint(): Promise<void> {
    await this.flush();
    try {
      await this.storeCheckpoint();
    } catch (e) {
      if (!(e instanceof StorageError) || !CHECKPOINT_TRANSIENT.has(e.code)) throw e;
      this.lastCheckpointMs = this.host.clock.now();
      this.stats.checkpointFailures++;
      logger.warn('checkpoint not stored, retried at the next interval', { application: this.app.name, code: e.code, error: e.message });
    }
  }

  /**
   * `--auth enforce`: the roles are checked again before the next read or write once IAM changed (a policy put,
   * attached, detached or deleted) and every ROLE_RECHECK_MS of clock time (conditions on time). A role that may not
   * holds the application as AWS does: it stays RUNNING and reads, writes and advances nothing (so the records stay
   * in its sources and nothing is lost or done twice), shows the reason (lastError) and retries with backoff on the
   * clock (roleRetryDelayMs) until the role may again, then goes on from where it stopped.
   */
  private async rolesAllow(roles: RoleAuthorizer): Promise<boolean> {
    const now = this.host.clock.now();
    if (this.roleProblem !== undefined) {
      if (now < this.roleRetryAtMs) return false;
    } else if (roles.generation() === this.roleGeneration && now - this.lastRoleCheckMs < ROLE_RECHECK_MS) {
      return true;
    }
    this.lastRoleCheckMs = now;
    this.roleGeneration = roles.generation();
    try {
      checkRoles(roles, this.app);
    } catch (e) {
      const message = errorMessage(e);
      this.roleAttempts++;
      this.roleRetryAtMs = now + roleRetryDelayMs(this.roleAttempts);
      if (this.roleProblem === undefined) {
        // The previous step wrote everything it read: a checkpoint here lets a restart (or a crash) go on from this point.
        await this.checkpoint();
        logger.warn('application role may not do its work; retrying', { application: this.app.name, error: message });
      }
      if (message !== this.roleProblem) {
        this.roleProblem = message;
        this.host.runnerRoleProblem(this, message);
      }
      return false;
    }
    if (this.roleProblem !== undefined) {
      logger.info('application role may do its work again', { application: this.app.name, retries: this.roleAttempts });
      this.roleProblem = undefined;
      this.roleAttempts = 0;
      this.host.runnerRoleProblem(this, undefined);
    }
    return true;
  }

  private readableChanged(): boolean {
    let changed = false;
    for (const input of this.inputs) if (input.follower?.readableChanged()) changed = true;
    return changed;
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
      // Parse errors and SQL runtime errors, as KDA logs them: the error's name is its code.
      const level = o.ERROR_LEVEL === 'WARNING' || o.ERROR_LEVEL === 'WARN' ? 'WARN' : 'ERROR';
      this.host.runnerLog(this, level, String(o.MESSAGE ?? ''), o.ERROR_NAME !== undefined && o.ERROR_NAME !== null ? String(o.ERROR_NAME) : undefined);
    }
  };

  private async flush(): Promise<void> {
    for (const w of this.writers) this.stats.recordsWritten += await w.flush();
  }

  async checkpoint(): Promise<void> {
    await this.flush();
    await this.storeCheckpoint();
  }

  /** Stores the inputs' positions and the operator state (the outputs written up to them). */
  private async storeCheckpoint(): Promise<void> {
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
      lastRowtimeMs: Number.isFinite(this.feed.lastRowtimeMs) ? this.feed.lastRowtimeMs : null,
    };
    await this.host.meta.put(CHECKPOINT_KEY_PREFIX + this.app.name, stored);
    this.lastCheckpointMs = now;
    this.stats.checkpoints++;
    this.stats.lastCheckpointMs = now;
    this.host.runnerLog(this, 'INFO', `Checkpoint ${this.stats.checkpoints} completed`);
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
