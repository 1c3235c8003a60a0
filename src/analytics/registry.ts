/**
 * The applications of one Freshet server: their persisted configuration
 * (storage.meta, key `analytics/app/<name>`), per-application serialisation of
 * control-plane calls, version checks, status transitions, and the hand-off to
 * the runtime host.
 *
 * Status transitions follow the ApplicationStatus enum of the KDA v1 API
 * reference: StartApplication → STARTING → RUNNING, StopApplication →
 * STOPPING → READY, a versioned change (UpdateApplication, Add*, Delete*) →
 * UPDATING → the status it started from, DeleteApplication → DELETING → gone.
 * The work happens when the call is made (inputs attached, outputs written and
 * checkpointed, runtime stopped); the application settles into its next status
 * after a short delay of clock time (StatusDelays), as a Kinesis stream goes
 * CREATING → ACTIVE, so clients poll DescribeApplication as they do against AWS.
 * A delay of 0 settles before the call answers.
 */
import { type AwsError, log, type Clock, type TimerHandle } from '../core/index.ts';
import type { MetaStore } from '../storage/index.ts';
import type { ApplicationConfig, ApplicationStatus, StartingPosition } from './model.ts';
import { PersistedApps } from './app-store.ts';
import { analyticsErrors } from './errors.ts';

export const APP_KEY_PREFIX = 'analytics/app/';
/** Where the runtime host keeps an application's checkpoint (runtime/host.ts CHECKPOINT_KEY_PREFIX). */
const CHECKPOINT_KEY = 'analytics/checkpoint/';

/** What the control plane needs from whatever runs applications. */
export interface ApplicationRuntime {
  /**
   * Starts `app` reading each input from the given position. Throws (AwsError) when it cannot start. `resuming`
   * (a server restart): a role that may not is held while the application runs, as it was, instead of refusing.
   */
  start(app: ApplicationConfig, positions: ReadonlyMap<string, StartingPosition>, options?: { resuming?: boolean }): Promise<void>;
  /** Stops `name`, checkpointing positions and operator state first when `checkpoint`. No-op when not running. */
  stop(name: string, options: { checkpoint: boolean }): Promise<void>;
  /** Forgets everything stored for `name` (checkpoints). */
  forget(name: string): Promise<void>;
  /** An InvalidArgumentException message for unusable RecordColumns (SqlType), or undefined. */
  checkColumns(app: ApplicationConfig): string | undefined;
  /** A CodeValidationException message for `app`'s code, or undefined when it compiles. */
  checkCode(app: ApplicationConfig): string | undefined;
  /** `--auth enforce`: an InvalidArgumentException message when Kinesis Analytics may not assume one of `app`'s roles. */
  checkRoles?(app: ApplicationConfig): string | undefined;
}

/** Clock time each transitional status lasts once its work is done. 0 settles before the call answers. */
export interface StatusDelays {
  /** STARTING → RUNNING, counted from when the inputs are attached. */
  startMs: number;
  /** STOPPING → READY, counted from when outputs are written and the checkpoint taken. */
  stopMs: number;
  /** UPDATING → READY or RUNNING, counted from when a running application is running on the new configuration. */
  updateMs: number;
  /** DELETING → gone (ResourceNotFoundException), counted from when the runtime is stopped and checkpoints dropped. */
  deleteMs: number;
}

/** Short, like the Kinesis stream CREATING → ACTIVE delay: enough for a client to see the transition, not to wait on it. */
export const DEFAULT_STATUS_DELAYS: Readonly<StatusDelays> = { startMs: 100, stopMs: 100, updateMs: 100, deleteMs: 100 };

// Error texts. The codes are the API reference's; AWS's wording for these is not published
// anywhere we could find, so the messages are Freshet's (docs/compatibility.md lists them).

export function notFound(name: string): AwsError {
  return analyticsErrors.create('ResourceNotFoundException', `Application ${name} is not found`);
}

/** ResourceInUseException for an action the application's status does not allow. */
export function inUse(name: string, status: ApplicationStatus, needs: string): AwsError {
  return analyticsErrors.create('ResourceInUseException', `Application ${name} is in ${status} state; ${needs}`);
}

export function versionMismatch(given: number, current: number): AwsError {
  return analyticsErrors.create(
    'ConcurrentModificationException',
    `Provided application version id (${given}) does not match the current application version id (${current})`,
  );
}

const logger = log.child('analytics');

export class ApplicationRegistry {
  private readonly store: PersistedApps<ApplicationConfig>;
  private readonly apps: Map<string, ApplicationConfig>;
  /** The timer that settles each application's transitional status. */
  private readonly settling = new Map<string, TimerHandle>();
  readonly delays: Readonly<StatusDelays>;

  /** Called when a running (or starting, or updating) application fails on its own (the runtime reports it). */
  readonly onRuntimeFailure = (name: string, error: unknown): void => {
    logger.warn('application failed', { application: name, error: error instanceof Error ? error.message : String(error) });
    void this.serialise(name, async () => {
      const app = this.apps.get(name);
      if (!app || (app.status !== 'RUNNING' && app.status !== 'STARTING' && app.status !== 'UPDATING')) return;
      this.cancelSettling(name);
      app.status = 'READY';
      delete app.targetStatus;
      app.lastError = error instanceof Error ? error.message : String(error);
      await this.save(app);
    }).catch((e) => logger.swallowed('saving the status of a failed application', e, { application: name }));
  };

  /**
   * Called while an application runs when one of its roles may not do its work (`message`, shown as lastError while it
   * stays RUNNING and its runner retries) or may again (undefined: lastError is cleared).
   */
  readonly onRoleProblem = (name: string, message: string | undefined): void => {
    void this.serialise(name, async () => {
      const app = this.apps.get(name);
      if (!app || (app.status !== 'RUNNING' && app.status !== 'STARTING' && app.status !== 'UPDATING') || app.lastError === message) return;
      if (message === undefined) delete app.lastError;
      else app.lastError = message;
      await this.save(app);
    }).catch((e) => logger.swallowed('saving the role problem of an application', e, { application: name }));
  };

  constructor(
    private readonly meta: MetaStore,
    readonly clock: Clock,
    readonly runtime: ApplicationRuntime,
    delays: Partial<StatusDelays> = {},
  ) {
    this.delays = { ...DEFAULT_STATUS_DELAYS, ...delays };
    this.store = new PersistedApps(meta, APP_KEY_PREFIX, notFound, logger);
    this.apps = this.store.byName;
  }

  /** Loads persisted applications; returns those that were running (or on their way to it) when the server stopped. */
  load(): ApplicationConfig[] {
    const wasRunning: ApplicationConfig[] = [];
    for (const app of this.store.stored()) {
      if (app.status === 'DELETING') {
        // Deleted while the server went down: finish the deletion.
        // A delete that fails leaves the entries for the next start to finish: log it, count it, go on loading.
        this.store.remove(app.name).catch((e) => logger.swallowed('finishing a deletion', e, { application: app.name }));
        this.meta.delete(CHECKPOINT_KEY + app.name).catch((e) => logger.swallowed('finishing a deletion', e, { application: app.name }));
        continue;
      }
      // An UPDATING application without a target predates targetStatus: only running ones were UPDATING then.
      const resume = app.status === 'RUNNING' || app.status === 'STARTING' || (app.status === 'UPDATING' && app.targetStatus !== 'READY');
      if (resume) wasRunning.push(app);
      // Transitional states do not survive a restart: the app is READY until resumed.
      app.status = 'READY';
      delete app.targetStatus;
      this.apps.set(app.name, app);
    }
    return wasRunning;
  }

  has(name: string): boolean {
    return this.store.has(name);
  }

  /** The live config (do not mutate outside the registry's methods). */
  get(name: string): ApplicationConfig {
    return this.store.get(name);
  }

  byArn(arn: string): ApplicationConfig | undefined {
    return this.store.byArn(arn);
  }

  list(): ApplicationConfig[] {
    return this.store.list();
  }

  async add(app: ApplicationConfig): Promise<void> {
    if (this.apps.has(app.name)) throw analyticsErrors.create('ResourceInUseException', `Application ${app.name} already exists`);
    this.apps.set(app.name, app);
    await this.save(app);
  }

  async save(app: ApplicationConfig): Promise<void> {
    await this.store.save(app);
  }

  /** Runs `fn` after every earlier call for the same application has finished. */
  serialise<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.store.serialise(name, fn);
  }

  /**
   * A versioned configuration change (UpdateApplication, Add*, Delete*): checks
   * the status and CurrentApplicationVersionId, lets `change` edit a copy,
   * validates the code, bumps the version and persists. The application is
   * UPDATING until it settles back to READY, or to RUNNING once a running
   * application runs on the new configuration from where it stopped.
   */
  mutate(name: string, currentVersionId: number, change: (draft: ApplicationConfig) => void): Promise<void> {
    return this.serialise(name, async () => {
      const app = this.get(name);
      if (app.status !== 'READY' && app.status !== 'RUNNING') throw inUse(name, app.status, 'it can be changed when READY or RUNNING');
      if (currentVersionId !== app.versionId) throw versionMismatch(currentVersionId, app.versionId);
      const draft = structuredClone(app);
      change(draft);
      const columnError = this.runtime.checkColumns(draft) ?? this.runtime.checkRoles?.(draft);
      if (columnError !== undefined) throw analyticsErrors.create('InvalidArgumentException', columnError);
      const codeError = this.runtime.checkCode(draft);
      if (codeError !== undefined) throw analyticsErrors.create('CodeValidationException', codeError);
      const target = app.status;
      draft.versionId = app.versionId + 1;
      draft.updatedMs = this.clock.now();
      this.cancelSettling(name);
      // The old object is what concurrent describes see until the draft replaces it.
      app.status = 'UPDATING';
      app.targetStatus = target;
      if (target === 'RUNNING') {
        try {
          await this.runtime.stop(name, { checkpoint: true });
        } catch (e) {
          app.status = target;
          delete app.targetStatus;
          throw e;
        }
      }
      draft.status = 'UPDATING';
      draft.targetStatus = target;
      this.apps.set(name, draft);
      await this.save(draft);
      if (target === 'RUNNING') {
        try {
          await this.attach(draft, resumePositions(draft));
        } catch (e) {
          // A restart that fails leaves the new configuration in place and the app READY with lastError.
          await this.fail(draft, e);
          return;
        }
      }
      await this.settle(draft, 'UPDATING', target, this.delays.updateMs);
    });
  }

  /** Starts an app (caller holds the app's queue and checked it is READY): STARTING, then RUNNING. On failure the app is READY with lastError, and the error is rethrown. */
  async startLocked(app: ApplicationConfig, positions: ReadonlyMap<string, StartingPosition>, options?: { resuming?: boolean }): Promise<void> {
    this.cancelSettling(app.name);
    app.status = 'STARTING';
    app.targetStatus = 'RUNNING';
    delete app.lastError;
    await this.save(app);
    try {
      await this.attach(app, positions, options);
    } catch (e) {
      await this.fail(app, e);
      throw e;
    }
    await this.settle(app, 'STARTING', 'RUNNING', this.delays.startMs);
  }

  /** StopApplication (caller holds the app's queue): outputs written and positions checkpointed now, STOPPING, then READY. */
  async stopLocked(app: ApplicationConfig): Promise<void> {
    if (app.status !== 'RUNNING') throw inUse(app.name, app.status, 'only a RUNNING application can be stopped');
    this.cancelSettling(app.name);
    app.status = 'STOPPING';
    app.targetStatus = 'READY';
    await this.save(app);
    try {
      await this.runtime.stop(app.name, { checkpoint: true });
    } catch (e) {
      app.status = 'READY';
      delete app.targetStatus;
      await this.save(app);
      throw e;
    }
    await this.settle(app, 'STOPPING', 'READY', this.delays.stopMs);
  }

  /** DeleteApplication (caller holds the app's queue): runtime stopped and checkpoints dropped now, DELETING, then gone. */
  async deleteLocked(app: ApplicationConfig): Promise<void> {
    if (app.status === 'DELETING') throw inUse(app.name, app.status, 'it is already being deleted');
    this.cancelSettling(app.name);
    app.status = 'DELETING';
    delete app.targetStatus;
    await this.save(app);
    await this.runtime.stop(app.name, { checkpoint: false });
    await this.runtime.forget(app.name);
    if (this.delays.deleteMs <= 0) {
      this.apps.delete(app.name);
      await this.store.remove(app.name);
      return;
    }
    const timer = this.clock.setTimer(() => {
      if (this.settling.get(app.name) === timer) this.settling.delete(app.name);
      if (this.apps.get(app.name) !== app) return;
      // Forget the name and start the metadata delete in the same turn, so a CreateApplication
      // of the same name that follows is written after this delete, not before it.
      this.apps.delete(app.name);
      this.track(this.store.remove(app.name));
    }, this.delays.deleteMs);
    this.settling.set(app.name, timer);
  }

  /** Resolves once status changes started by timers are persisted (tests, shutdown). */
  async whenSettled(): Promise<void> {
    await this.store.whenSettled();
  }

  /** Cancels pending status changes (server shutdown): persisted transitional states are resolved by load(). */
  async close(): Promise<void> {
    for (const t of this.settling.values()) t.cancel();
    this.settling.clear();
    await this.whenSettled();
  }

  /** Records the starting positions in the config and starts the runtime. */
  private async attach(app: ApplicationConfig, positions: ReadonlyMap<string, StartingPosition>, options?: { resuming?: boolean }): Promise<void> {
    for (const input of app.inputs) {
      const p = positions.get(input.id);
      if (p) input.startingPosition = p;
    }
    await this.runtime.start(app, positions, options);
  }

  /** The runtime did not start: READY with the reason in lastError. */
  private async fail(app: ApplicationConfig, error: unknown): Promise<void> {
    app.status = 'READY';
    delete app.targetStatus;
    app.lastError = error instanceof Error ? error.message : String(error);
    await this.save(app);
  }

  /** Moves `app` from the transitional status `from` to `to` after `delayMs` of clock time (0: now). */
  private async settle(app: ApplicationConfig, from: ApplicationStatus, to: 'READY' | 'RUNNING', delayMs: number): Promise<void> {
    if (delayMs <= 0) {
      app.status = to;
      delete app.targetStatus;
      await this.save(app);
      return;
    }
    const timer = this.clock.setTimer(() => {
      if (this.settling.get(app.name) === timer) this.settling.delete(app.name);
      // Every call that changes the status cancels this timer first; the checks guard against a replaced config.
      if (this.apps.get(app.name) !== app || app.status !== from) return;
      app.status = to;
      delete app.targetStatus;
      this.track(this.save(app));
    }, delayMs);
    this.settling.set(app.name, timer);
  }

  private cancelSettling(name: string): void {
    this.settling.get(name)?.cancel();
    this.settling.delete(name);
  }

  private track(p: Promise<unknown>): void {
    this.store.track(p, 'a status write');
  }
}

export function resumePositions(app: ApplicationConfig): Map<string, StartingPosition> {
  return new Map(app.inputs.map((i) => [i.id, 'LAST_STOPPED_POINT' as StartingPosition]));
}
