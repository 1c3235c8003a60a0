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
 *
 * This file is the host (the control plane's ApplicationRuntime); each
 * application runs in an AppRunner (app-runner.ts), with its input side in
 * row-feed.ts, outputs in output-writer.ts, source checks in sources.ts,
 * reference tables in reference-tables.ts and the checkpoint layout in
 * checkpoint.ts.
 */
import type { RoleAuthorizer } from '../../aws/index.ts';
import { log, type Clock } from '../../core/index.ts';
import type { MetaStore } from '../../storage/index.ts';
import { retryWrite } from './retry-write.ts';
import type { ApplicationRuntime } from '../registry.ts';
import type { ApplicationConfig, StartingPosition } from '../model.ts';
import { inAppStreamNames } from '../model.ts';
import type { ObjectReader } from './reference.ts';
import type { DeliveryPort, FunctionPort, InputStreamSpec, ReferenceTableSpec, RunGate, SqlPort, StreamEngine } from './ports.ts';
import type { ApplicationStats, RunnerHost } from './app-runner.ts';
import { AppRunner } from './app-runner.ts';
import type { StoredCheckpoint } from './checkpoint.ts';
import { CHECKPOINT_KEY_PREFIX, deliveryHolder } from './checkpoint.ts';
import { loadReferenceTables } from './reference-tables.ts';
import { untrustedRole } from './sources.ts';
import type { OutputStats } from './output-writer.ts';
import { analyticsErrors } from '../errors.ts';
import type { AppLogLevel } from '../app-log.ts';

export { CHECKPOINT_KEY_PREFIX } from './checkpoint.ts';
export { ERROR_STREAM } from './app-runner.ts';
export type { ApplicationStats } from './app-runner.ts';
export type { OutputStats };

/** A running application's counters: what it read (its input ids) and what each output wrote. */
export interface RunningStats {
  application: string;
  inputIds: readonly string[];
  stats: ApplicationStats;
  outputs: Iterable<[string, OutputStats]>;
}

const logger = log.child('analytics');

function runningStats(r: AppRunner): RunningStats {
  return { application: r.app.name, inputIds: r.app.inputs.map((i) => i.id), stats: r.stats, outputs: [...r.outputStats()] };
}

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
  /** Window, join and DISTINCT rows and groups an application may keep (default 1,000,000; src/sql DEFAULT_MAX_STATE_ROWS). */
  maxStateRows?: number;
}

export interface HostDeps {
  meta: MetaStore;
  clock: Clock;
  streams: StreamEngine;
  sql: SqlPort;
  delivery?: DeliveryPort;
  /** The server's functions, for LambdaOutput destinations. */
  functions?: FunctionPort;
  /** Reads reference data objects (see reference.ts). */
  readObject: ObjectReader;
  options?: HostOptions;
  /** `--auth enforce`: what applications' roles may do. */
  roles?: RoleAuthorizer;
  /** Several nodes on one namespace: an application runs only where its lease is held (src/cluster/leases.ts). */
  gate?: RunGate;
}

/** Runs the applications of one server. Implements the control plane's ApplicationRuntime. */
export class AnalyticsHost implements ApplicationRuntime, RunnerHost {
  readonly meta: MetaStore;
  readonly clock: Clock;
  readonly streams: StreamEngine;
  readonly sql: SqlPort;
  delivery: DeliveryPort | undefined;
  readonly functions: FunctionPort | undefined;
  readonly readObject: ObjectReader;
  readonly roles: RoleAuthorizer | undefined;
  readonly gate: RunGate | undefined;
  readonly checkpointIntervalMs: number;
  readonly tickMs: number;
  readonly graceMs: number;
  readonly readBatch: number;
  private readonly runners = new Map<string, AppRunner>();
  /**
   * Starts in flight, by application: a runner is registered only once its start is done (its first checkpoint
   * written), and a stop meanwhile must not find nothing and return — see stop().
   */
  private readonly starts = new Map<string, Promise<void>>();
  /** Final counters of applications that stopped since `runningStats` was last read (one per name). */
  private readonly ended = new Map<string, RunningStats>();
  private closing = false;
  /** Set by the service: told when an application stops on its own. */
  onFailure: (name: string, error: unknown) => void = () => undefined;
  /** Set by the service: told when a running application's role may not do its work (a message) or may again (undefined). */
  onRoleProblem: (name: string, message: string | undefined) => void = () => undefined;
  /** Set by the service: a line for the application's CloudWatch log streams (see app-log.ts). */
  onLog: (name: string, level: AppLogLevel, message: string, errorCode?: string) => void = () => undefined;

  constructor(deps: HostDeps) {
    this.meta = deps.meta;
    this.clock = deps.clock;
    this.streams = deps.streams;
    this.sql = deps.sql;
    this.delivery = deps.delivery;
    this.functions = deps.functions;
    this.readObject = deps.readObject;
    this.roles = deps.roles;
    this.gate = deps.gate;
    const o = deps.options ?? {};
    this.checkpointIntervalMs = o.checkpointIntervalMs ?? 10_000;
    this.tickMs = o.tickMs ?? 1_000;
    this.graceMs = o.graceMs ?? 1_000;
    this.readBatch = o.readBatch ?? 10_000;
  }

  async start(app: ApplicationConfig, positions: ReadonlyMap<string, StartingPosition>, options?: { resuming?: boolean }): Promise<void> {
    await this.stop(app.name, { checkpoint: true });
    const p = this.startNow(app, positions, options);
    this.starts.set(app.name, p);
    try {
      await p;
    } finally {
      if (this.starts.get(app.name) === p) this.starts.delete(app.name);
    }
  }

  private async startNow(app: ApplicationConfig, positions: ReadonlyMap<string, StartingPosition>, options?: { resuming?: boolean }): Promise<void> {
    // Another node holds the lease: it runs the application (and picks up a new configuration from the metadata).
    if (this.gate && !(await this.gate.mayRun(`analytics/${app.name}`))) return;
    const runner = new AppRunner(structuredClone(app), this);
    await runner.start(positions, options?.resuming === true);
    this.runners.set(app.name, runner);
    this.onLog(app.name, 'INFO', options?.resuming === true ? 'Application resumed from its last checkpoint' : 'Application started');
    // A first step that found a role holding the application ran before it was registered: report it now.
    if (runner.roleHold !== undefined) this.onRoleProblem(app.name, runner.roleHold);
  }

  async stop(name: string, options: { checkpoint: boolean }): Promise<void> {
    // A start in flight is waited for, and what it started is stopped. Before, a StartApplication through this node
    // that the lease manager handed over to balance the nodes while it was starting was "stopped" before its runner
    // existed: the lease went to the other node, then the start ended and registered its runner here, so both nodes
    // ran the application (issue 19: S2 on two nodes, its periodic checkpoints refused by fencing on the old node).
    const starting = this.starts.get(name);
    if (starting) await starting.catch(() => undefined);
    const runner = this.runners.get(name);
    if (!runner) return;
    this.runners.delete(name);
    try {
      await runner.stop(options.checkpoint);
    } finally {
      this.ended.set(name, runningStats(runner));
    }
    this.onLog(name, 'INFO', this.closing ? 'Application paused for a server shutdown; it resumes when the server restarts' : 'Application stopped');
  }

  async forget(name: string): Promise<void> {
    const saved = this.meta.get<StoredCheckpoint>(CHECKPOINT_KEY_PREFIX + name);
    for (const [id, input] of Object.entries(saved?.inputs ?? {})) {
      if (input.delivery === undefined) continue;
      // A hold that is not released keeps the delivery stream's delivered records from being trimmed: log it, count it, go on deleting.
      await this.delivery
        ?.releaseReader?.(input.delivery, deliveryHolder(name, id))
        .catch((e) => logger.swallowed('releasing the delivery-stream input', e, { application: name, deliveryStream: input.delivery }));
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

  checkRoles(app: ApplicationConfig): string | undefined {
    return untrustedRole(this.roles, app);
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
   * Every running application's counters (for the AWS/KinesisAnalytics metrics), after the final
   * counters of those that stopped since the last call, so what they did last is not missed.
   */
  *runningStats(): IterableIterator<RunningStats> {
    const ended = [...this.ended.values()];
    this.ended.clear();
    yield* ended;
    for (const r of this.runners.values()) yield runningStats(r);
  }

  /**
   * Subscribes to the rows of an in-app stream of a running application (input streams included),
   * as objects keyed by column name with ROWTIME. Returns an unsubscribe; the subscription ends
   * with the application (a restart needs a new tap).
   */
  tap(name: string, stream: string, listener: (rows: Array<Record<string, unknown>>) => void): () => void {
    const runner = this.runners.get(name);
    if (!runner) throw analyticsErrors.create('ResourceInUseException', `Application ${name} is not running`);
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
    return loadReferenceTables(this.readObject, this.sql, app);
  }

  /** Retries retryable write failures (throttling, an append refused for now: retry-write.ts) with jittered backoff; anything else fails the application. */
  withRetry<T>(fn: () => Promise<T>): Promise<T> {
    return retryWrite(fn);
  }

  runnerRoleProblem(runner: AppRunner, message: string | undefined): void {
    if (this.runners.get(runner.app.name) !== runner) return;
    this.onRoleProblem(runner.app.name, message);
    this.onLog(
      runner.app.name,
      message === undefined ? 'INFO' : 'WARN',
      message === undefined ? 'The roles may do their work again' : `Application held: ${message}`,
    );
  }

  runnerLog(runner: AppRunner, level: AppLogLevel, message: string, errorCode?: string): void {
    if (this.runners.get(runner.app.name) === runner || !this.runners.has(runner.app.name)) this.onLog(runner.app.name, level, message, errorCode);
  }

  runnerFailed(runner: AppRunner, error: unknown): void {
    this.onLog(runner.app.name, 'ERROR', `Application failed: ${error instanceof Error ? error.message : String(error)}`);
    if (this.runners.get(runner.app.name) === runner) this.runners.delete(runner.app.name);
    this.ended.set(runner.app.name, runningStats(runner));
    this.onFailure(runner.app.name, error);
  }

  /** Server shutdown: checkpoint and stop every application, leaving them marked RUNNING so they resume on restart. */
  async close(): Promise<void> {
    this.closing = true;
    const names = [...this.runners.keys()];
    // Shutdown goes on for the others; an application whose checkpoint failed replays from its previous one on restart.
    await Promise.all(names.map((n) => this.stop(n, { checkpoint: true }).catch((e) => logger.swallowed('checkpointing at shutdown', e, { application: n }))));
  }
}
