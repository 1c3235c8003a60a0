/**
 * KinesisAnalyticsV2 applications of one server: persisted configuration with every version
 * (storage.meta `analytics-v2/app/<name>`), snapshots (`analytics-v2/snapshot/<name>/<snapshot>`),
 * the periodic checkpoint of a running job (`analytics-v2/checkpoint/<name>`), per-application
 * serialisation of control-plane calls, and statuses that settle on the injected clock
 * (STARTING → RUNNING, STOPPING/FORCE_STOPPING → READY, UPDATING/ROLLING_BACK → where it was,
 * DELETING → gone), as Kinesis streams go CREATING → ACTIVE.
 */
import { type AwsError, log, type Clock, type TimerHandle } from '../../core/index.ts';
import type { MetaStore } from '../../storage/index.ts';
import type { StreamEngine } from '../runtime/ports.ts';
import { FlinkJob, type JobOutputs, type JobRole, type JobState } from './job.ts';
import type { RoleAuthorizer } from '../../aws/index.ts';
import { ROLE_RECHECK_MS } from '../runtime/app-runner.ts';
import { KDA_SERVICE_PRINCIPAL, cannotAssume } from '../runtime/sources.ts';
import { sqlOptions, type V2App, type V2Status } from './model.ts';
import { PersistedApps } from '../app-store.ts';
import { analyticsV2Errors } from './errors.ts';
import { formatAppLogLine, logLevelPasses } from '../app-log.ts';
import type { ApplicationLogWriter, AppLogLevel } from '../app-log.ts';

const APP_KEY = 'analytics-v2/app/';
const SNAPSHOT_KEY = 'analytics-v2/snapshot/';
const CHECKPOINT_KEY = 'analytics-v2/checkpoint/';
/** The lease of a Flink application's job (src/cluster/leases.ts). */
export const FLINK_LEASE_PREFIX = 'flink/';
const logger = log.child('analytics-v2');

/**
 * Several nodes on one namespace (src/cluster/leases.ts): a job runs only on the holder of its application's lease.
 *
 * Who writes an application's status, then: the node that took the control-plane call (Start, Stop, Update, …, and
 * the timer settling its transition), and the lease owner when its job fails (READY with the error) — only while it
 * holds the lease. Taking, losing or handing over a lease starts or stops the job and never writes the status: the
 * application stays RUNNING on every node while some node runs it. Every node follows the stored applications, so
 * each shows the status and configuration the others wrote.
 */
export interface FlinkGate {
  mayRun(resource: string): Promise<boolean>;
  holds(resource: string): boolean;
}

/** Statuses in which an application's job should run somewhere. */
function shouldRun(app: V2App): boolean {
  const s = app.status;
  if (s === 'RUNNING' || s === 'STARTING' || s === 'AUTOSCALING') return true;
  return (s === 'UPDATING' || s === 'ROLLING_BACK') && app.targetStatus === 'RUNNING';
}

export interface V2Delays {
  startMs: number;
  stopMs: number;
  updateMs: number;
  deleteMs: number;
}

export const DEFAULT_V2_DELAYS: V2Delays = { startMs: 100, stopMs: 100, updateMs: 100, deleteMs: 100 };

export function notFoundV2(name: string): AwsError {
  return analyticsV2Errors.create('ResourceNotFoundException', `Application ${name} is not found`);
}

export function inUseV2(name: string, status: V2Status, needs: string): AwsError {
  return analyticsV2Errors.create('ResourceInUseException', `Application ${name} is in ${status} status; ${needs}`);
}

export class V2Registry {
  private readonly store: PersistedApps<V2App>;
  private readonly apps: Map<string, V2App>;
  private readonly timers = new Map<string, TimerHandle>();
  private readonly checkpointTimers = new Map<string, TimerHandle>();
  private readonly roleTimers = new Map<string, TimerHandle>();
  private readonly jobs = new Map<string, FlinkJob>();
  /** `--auth enforce`: jobs act with their ServiceExecutionRole (job.ts checkJobRole). */
  roles: { roles: RoleAuthorizer; region: string; accountId: string } | undefined;
  /** The state cap of every job (the server's `analytics.maxStateRows`; FlinkApplication's default otherwise). */
  maxStateRows: number | undefined;
  /** CloudWatch Logs: where jobs' CloudWatchLoggingOptions lines go, filtered by MonitoringConfiguration's LogLevel (see app-log.ts). */
  logWriter: ApplicationLogWriter | undefined;
  /** Several nodes on one namespace: jobs run where their lease is held (set before load()). */
  gate: FlinkGate | undefined;
  /** Applications whose job this node is starting for a control-plane call, until the call saves the new status. */
  private readonly claimed = new Set<string>();
  private unfollow: (() => void) | undefined;

  constructor(
    private readonly meta: MetaStore,
    readonly clock: Clock,
    private readonly streams: StreamEngine,
    readonly delays: V2Delays = DEFAULT_V2_DELAYS,
    private readonly outputs: JobOutputs = {},
  ) {
    this.store = new PersistedApps(meta, APP_KEY, notFoundV2, logger);
    this.apps = this.store.byName;
  }

  /**
   * Loads persisted applications; returns those that were running when the server stopped. With a gate (several
   * nodes) none: statuses stay as stored (other nodes may run the jobs) and the leases start the jobs here.
   */
  load(): V2App[] {
    if (this.gate) return this.loadShared();
    const wasRunning: V2App[] = [];
    for (const app of this.store.stored()) {
      if (app.status === 'DELETING') {
        void this.forget(app.name).catch((e) => logger.swallowed('finishing a deletion', e, { application: app.name }));
        continue;
      }
      const target = app.targetStatus ?? app.status;
      if (target === 'RUNNING' || app.status === 'RUNNING' || app.status === 'STARTING') wasRunning.push(app);
      app.status = 'READY';
      delete app.targetStatus;
      this.apps.set(app.name, app);
    }
    return wasRunning;
  }

  /** load() on a node of several: the stored applications as they are, then follows the other nodes' changes. */
  private loadShared(): V2App[] {
    for (const app of this.store.stored()) this.apps.set(app.name, app);
    this.unfollow = this.meta.watch?.(APP_KEY, (key) => this.followed(key.slice(APP_KEY.length)));
    return [];
  }

  /** Another node changed (or deleted) application `name`: this node shows what it wrote. */
  private followed(name: string): void {
    const stored = this.meta.get<V2App>(APP_KEY + name);
    const mine = this.apps.get(name);
    if (!stored) {
      if (!mine) return;
      this.timers.get(name)?.cancel();
      this.timers.delete(name);
      this.apps.delete(name);
      return;
    }
    // A transition this node started for an earlier call no longer applies: the other node's write is newer.
    if (mine && mine.status !== stored.status) {
      this.timers.get(name)?.cancel();
      this.timers.delete(name);
    }
    this.apps.set(name, stored);
  }

  /** Applications whose job should run on some node, with their current version (the leases' desired set). */
  desiredJobs(): Map<string, number> {
    const out = new Map<string, number>();
    for (const app of this.apps.values()) if (shouldRun(app) || this.claimed.has(app.name)) out.set(app.name, app.current.versionId);
    return out;
  }

  /** This node took `name`'s lease: its job starts here from the last checkpoint (failover: records after it are processed again). */
  async runLeased(name: string): Promise<void> {
    await this.serialise(name, async () => {
      const app = this.apps.get(name);
      if (!app || this.jobs.has(name) || !shouldRun(app)) return;
      try {
        await this.startJob(app, this.checkpointState(name), { resuming: true });
      } finally {
        this.claimed.delete(name);
      }
    });
  }

  /** This node no longer holds `name`'s lease (or hands it over): its job stops here; the status is not written. */
  async idleLeased(name: string, checkpoint: boolean): Promise<void> {
    await this.serialise(name, async () => {
      await this.stopJob(name, checkpoint && this.apps.has(name));
    });
  }

  has(name: string): boolean {
    return this.store.has(name);
  }

  get(name: string): V2App {
    return this.store.get(name);
  }

  byArn(arn: string): V2App | undefined {
    return this.store.byArn(arn);
  }

  list(): V2App[] {
    return this.store.list();
  }

  job(name: string): FlinkJob | undefined {
    return this.jobs.get(name);
  }

  serialise<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.store.serialise(name, fn);
  }

  async add(app: V2App): Promise<void> {
    this.apps.set(app.name, app);
    await this.save(app);
  }

  async save(app: V2App): Promise<void> {
    await this.store.save(app);
    this.claimed.delete(app.name);
  }

  snapshotState(app: string, snapshot: string): JobState | undefined {
    return this.meta.get<JobState>(`${SNAPSHOT_KEY}${app}/${snapshot}`);
  }

  async putSnapshotState(app: string, snapshot: string, state: JobState): Promise<void> {
    await this.meta.put(`${SNAPSHOT_KEY}${app}/${snapshot}`, state);
    this.jobs.get(app)?.commit(state);
  }

  async deleteSnapshotState(app: string, snapshot: string): Promise<void> {
    await this.meta.delete(`${SNAPSHOT_KEY}${app}/${snapshot}`);
  }

  /** The last periodic checkpoint of the running job (what a restart resumes from). */
  checkpointState(name: string): JobState | undefined {
    return this.meta.get<JobState>(CHECKPOINT_KEY + name);
  }

  /** Moves `app` to a transitional status that settles into `target` after `delayMs` of clock time. */
  transition(app: V2App, now: V2Status, target: V2Status, delayMs: number, after?: () => void): void {
    this.timers.get(app.name)?.cancel();
    this.timers.delete(app.name);
    app.status = now;
    app.targetStatus = target;
    const done = (): void => {
      this.timers.delete(app.name);
      if (this.apps.get(app.name) !== app || app.status !== now) return;
      app.status = target;
      delete app.targetStatus;
      after?.();
      this.track(this.save(app));
    };
    if (delayMs <= 0) done();
    else this.timers.set(app.name, this.clock.setTimer(done, delayMs));
  }

  private track(p: Promise<unknown>): void {
    this.store.track(p, 'saving an application');
  }

  /** Resolves once status writes started by timers have landed. */
  async whenSettled(): Promise<void> {
    await this.store.whenSettled();
  }

  /** `--auth enforce`: AWS's InvalidArgumentException text when Kinesis Analytics may not assume `roleArn`. */
  untrustedRole(roleArn: string | undefined): string | undefined {
    if (this.roles === undefined || roleArn === undefined) return undefined;
    return this.roles.roles.assumableBy(roleArn, KDA_SERVICE_PRINCIPAL) ? undefined : cannotAssume(roleArn);
  }

  /**
   * A line for the application's log streams, read from its current version when written (so logging options
   * changed while it runs take effect), if MonitoringConfiguration's LogLevel lets it through.
   */
  appLog(name: string, level: AppLogLevel, message: string): void {
    const writer = this.logWriter;
    const app = this.apps.get(name);
    if (!writer || !app) return;
    const v = app.current;
    if (v.logging.length === 0 || !logLevelPasses(level, v.monitoring.logLevel)) return;
    const line = formatAppLogLine({ level, message, applicationArn: app.arn, versionId: v.versionId });
    const now = this.clock.now();
    for (const l of v.logging) writer.write(l.arn, now, line);
  }

  /**
   * Runs the application's current version from `state` (nothing: from the tables' start positions). With a gate,
   * only where the lease is held (taken now when free): elsewhere it returns at once and the owner runs it.
   */
  async startJob(app: V2App, state: JobState | undefined, options?: { resuming?: boolean }): Promise<void> {
    if (this.gate) {
      // Desired from now on (the call saves the new status after this): the lease reconciler must not release it meanwhile.
      this.claimed.add(app.name);
      if (!(await this.gate.mayRun(FLINK_LEASE_PREFIX + app.name))) return;
    }
    const v = app.current;
    const role: JobRole | undefined = this.roles && v.role !== undefined ? { ...this.roles, roleArn: v.role } : undefined;
    let job: FlinkJob;
    try {
      job = await FlinkJob.start(
        app.name,
        v.code.sql,
        sqlOptions(v),
        this.clock,
        this.streams,
        this.outputs,
        state,
        role,
        this.maxStateRows,
        options?.resuming === true,
        v.parallelism.type === 'CUSTOM' ? v.parallelism.parallelism : 1,
      );
    } catch (e) {
      this.appLog(app.name, 'ERROR', `Job could not start: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
    this.appLog(app.name, 'INFO', options?.resuming === true || state !== undefined ? 'Job started from a checkpoint or snapshot' : 'Job started');
    if (job.parallel.note !== null) this.appLog(app.name, job.parallel.layout === null ? 'WARN' : 'INFO', job.parallel.note);
    job.onFailure = (e) => {
      this.appLog(app.name, 'ERROR', `Job failed: ${e.message}`);
      void this.serialise(app.name, async () => {
        if (this.jobs.get(app.name) !== job) return;
        this.dropJob(app.name);
        // Only the lease owner writes the failure: a job that failed after its lease moved on is the new owner's to run.
        if (this.gate && !this.gate.holds(FLINK_LEASE_PREFIX + app.name)) return;
        // The application as this node knows it now (another node may have written a newer one meanwhile).
        const cur = this.apps.get(app.name);
        if (!cur) return;
        cur.lastError = e.message;
        cur.status = 'READY';
        delete cur.targetStatus;
        await this.save(cur);
      }).catch((err) => logger.swallowed('saving the failure of a Flink job', err, { application: app.name }));
    };
    job.onRoleProblem = (e) => {
      // AWS keeps the application RUNNING while the job retries: the reason is shown (lastError) until the role may again.
      void this.serialise(app.name, async () => {
        if (this.jobs.get(app.name) !== job || app.lastError === e?.message) return;
        if (e === null) delete app.lastError;
        else app.lastError = e.message;
        this.appLog(app.name, e === null ? 'INFO' : 'WARN', e === null ? 'The service execution role may do its work again' : `Job held: ${e.message}`);
        await this.save(app);
      }).catch((err) => logger.swallowed('saving the role problem of an application', err, { application: app.name }));
    };
    this.jobs.set(app.name, job);
    logger.info('flink job started', { application: app.name, version: v.versionId, fromState: state !== undefined });
    if (this.gate) {
      // The owner's first checkpoint, at once: a failover before the first periodic one resumes from here (a LATEST
      // start keeps its positions), and it carries this owner's fencing token, so a previous owner's late write is refused.
      // Bounded (a barrier at what the job has read so far): catching up first would not return while writers write,
      // and a takeover start is waited for (its status, the stop of a lease that moves again).
      try {
        const first = await job.checkpoint({ bounded: true });
        await this.meta.put(CHECKPOINT_KEY + app.name, first);
        job.commit(first);
      } catch (e) {
        logger.swallowed('writing the first checkpoint of a Flink job', e, { application: app.name });
      }
    }
    // Resumed while its role may not: shown once the job is registered.
    if (job.roleHold !== null) job.onRoleProblem(job.roleHold);
    if (role) {
      const recheck = (): void => {
        if (this.jobs.get(app.name) !== job) return;
        job.recheckRole(role);
        if (this.jobs.get(app.name) === job && job.failure === null) this.roleTimers.set(app.name, this.clock.setTimer(recheck, ROLE_RECHECK_MS));
      };
      this.roleTimers.set(app.name, this.clock.setTimer(recheck, ROLE_RECHECK_MS));
    }
    const c = v.checkpointing;
    if (c.enabled) {
      const every = Math.max(c.intervalMs, c.minPauseMs, 1);
      const tick = (): void => {
        if (this.jobs.get(app.name) !== job) return;
        void this.serialise(app.name, async () => {
          if (this.jobs.get(app.name) !== job) return;
          // Bounded: under continuous input a catching-up checkpoint may not return, and none would be stored.
          const state = await job.checkpoint({ bounded: true });
          await this.meta.put(CHECKPOINT_KEY + app.name, state);
          job.commit(state);
          this.appLog(app.name, 'INFO', 'Checkpoint completed');
        })
          .catch((e) => logger.swallowed('checkpointing a Flink application', e, { application: app.name }))
          .finally(() => {
            if (this.jobs.get(app.name) === job) this.checkpointTimers.set(app.name, this.clock.setTimer(tick, every));
          });
      };
      this.checkpointTimers.set(app.name, this.clock.setTimer(tick, every));
    }
  }

  /** Stops the running job; with `checkpoint`, returns its final state (after every pending write) and saves it as the latest checkpoint. */
  async stopJob(name: string, checkpoint: boolean): Promise<JobState | undefined> {
    const job = this.jobs.get(name);
    if (!job) return undefined;
    let state: JobState | undefined;
    try {
      // A node whose lease is gone does not write the checkpoint (the store would refuse it): the new owner's stands.
      if (checkpoint && (!this.gate || this.gate.holds(FLINK_LEASE_PREFIX + name))) {
        state = await job.checkpoint();
        await this.meta.put(CHECKPOINT_KEY + name, state);
        job.commit(state);
      }
    } catch (e) {
      // On a node of several the job stops even when its checkpoint failed: left running after its lease moved, it would run twice.
      if (this.gate) this.dropJob(name);
      throw e;
    }
    this.dropJob(name);
    this.appLog(name, 'INFO', checkpoint ? 'Job stopped after a final checkpoint' : 'Job stopped (forced, without a checkpoint)');
    return state;
  }

  private dropJob(name: string): void {
    if (this.jobs.has(name)) logger.info('flink job stopped', { application: name });
    this.checkpointTimers.get(name)?.cancel();
    this.checkpointTimers.delete(name);
    this.roleTimers.get(name)?.cancel();
    this.roleTimers.delete(name);
    this.jobs.get(name)?.close();
    this.jobs.delete(name);
  }

  /** Forgets an application and everything stored for it. */
  async forget(name: string): Promise<void> {
    this.dropJob(name);
    this.timers.get(name)?.cancel();
    this.timers.delete(name);
    this.apps.delete(name);
    for (const k of this.meta.keys(`${SNAPSHOT_KEY}${name}/`)) await this.meta.delete(k);
    await this.meta.delete(CHECKPOINT_KEY + name);
    await this.store.remove(name);
  }

  async close(): Promise<void> {
    this.unfollow?.();
    for (const name of [...this.jobs.keys()]) {
      await this.serialise(name, async () => {
        await this.stopJob(name, true).catch((e) => logger.swallowed('checkpointing on shutdown', e, { application: name }));
      });
    }
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    await this.whenSettled();
  }
}
