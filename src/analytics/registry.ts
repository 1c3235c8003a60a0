/**
 * The applications of one Freshet server: their persisted configuration
 * (storage.meta, key `analytics/app/<name>`), per-application serialisation of
 * control-plane calls, version checks, and the hand-off to the runtime host.
 */
import { AwsError, type Clock } from '../core/index.ts';
import type { MetaStore } from '../storage/index.ts';
import type { ApplicationConfig, StartingPosition } from './model.ts';

export const APP_KEY_PREFIX = 'analytics/app/';
/** Where the runtime host keeps an application's checkpoint (runtime/host.ts CHECKPOINT_KEY_PREFIX). */
const CHECKPOINT_KEY = 'analytics/checkpoint/';

/** What the control plane needs from whatever runs applications. */
export interface ApplicationRuntime {
  /** Starts `app` reading each input from the given position. Throws (AwsError) when it cannot start. */
  start(app: ApplicationConfig, positions: ReadonlyMap<string, StartingPosition>): Promise<void>;
  /** Stops `name`, checkpointing positions and operator state first when `checkpoint`. No-op when not running. */
  stop(name: string, options: { checkpoint: boolean }): Promise<void>;
  /** Forgets everything stored for `name` (checkpoints). */
  forget(name: string): Promise<void>;
  /** An InvalidArgumentException message for unusable RecordColumns (SqlType), or undefined. */
  checkColumns(app: ApplicationConfig): string | undefined;
  /** A CodeValidationException message for `app`'s code, or undefined when it compiles. */
  checkCode(app: ApplicationConfig): string | undefined;
}

export function notFound(name: string): AwsError {
  return new AwsError('ResourceNotFoundException', `Application ${name} is not found`);
}

export class ApplicationRegistry {
  private readonly apps = new Map<string, ApplicationConfig>();
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Called when a running application fails on its own (the runtime reports it). */
  readonly onRuntimeFailure = (name: string, error: unknown): void => {
    void this.serialise(name, async () => {
      const app = this.apps.get(name);
      if (!app || app.status !== 'RUNNING') return;
      app.status = 'READY';
      app.lastError = error instanceof Error ? error.message : String(error);
      await this.save(app);
    }).catch(() => undefined); // a failure to persist the status must not become an unhandled rejection
  };

  constructor(
    private readonly meta: MetaStore,
    readonly clock: Clock,
    readonly runtime: ApplicationRuntime,
  ) {}

  /** Loads persisted applications; returns those that were running when the server stopped. */
  load(): ApplicationConfig[] {
    const wasRunning: ApplicationConfig[] = [];
    for (const key of this.meta.keys(APP_KEY_PREFIX)) {
      const app = this.meta.get<ApplicationConfig>(key);
      if (!app) continue;
      if (app.status === 'DELETING') {
        // Deleted while the server went down: finish the deletion.
        this.meta.delete(key).catch(() => undefined);
        this.meta.delete(CHECKPOINT_KEY + app.name).catch(() => undefined);
        continue;
      }
      if (app.status === 'RUNNING' || app.status === 'STARTING' || app.status === 'UPDATING') wasRunning.push(app);
      // Transitional states do not survive a restart: the app is READY until resumed.
      app.status = 'READY';
      this.apps.set(app.name, app);
    }
    return wasRunning;
  }

  has(name: string): boolean {
    return this.apps.has(name);
  }

  /** The live config (do not mutate outside `mutate`). */
  get(name: string): ApplicationConfig {
    const app = this.apps.get(name);
    if (!app) throw notFound(name);
    return app;
  }

  byArn(arn: string): ApplicationConfig | undefined {
    for (const app of this.apps.values()) if (app.arn === arn) return app;
    return undefined;
  }

  list(): ApplicationConfig[] {
    return [...this.apps.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async add(app: ApplicationConfig): Promise<void> {
    if (this.apps.has(app.name)) throw new AwsError('ResourceInUseException', `Application ${app.name} already exists`);
    this.apps.set(app.name, app);
    await this.save(app);
  }

  async remove(name: string): Promise<void> {
    this.apps.delete(name);
    await this.meta.delete(APP_KEY_PREFIX + name);
  }

  async save(app: ApplicationConfig): Promise<void> {
    await this.meta.put(APP_KEY_PREFIX + app.name, app);
  }

  /** Runs `fn` after every earlier call for the same application has finished. */
  serialise<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(name) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.queues.set(name, tail);
    void tail.then(() => {
      if (this.queues.get(name) === tail) this.queues.delete(name);
    });
    return next;
  }

  /**
   * A versioned configuration change (UpdateApplication, Add*, Delete*): checks
   * the status and CurrentApplicationVersionId, lets `change` edit a copy,
   * validates the code, bumps the version, persists, and restarts a running
   * application on the new configuration from where it stopped.
   */
  mutate(name: string, currentVersionId: number, change: (draft: ApplicationConfig) => void): Promise<void> {
    return this.serialise(name, async () => {
      const app = this.get(name);
      if (app.status !== 'READY' && app.status !== 'RUNNING') {
        throw new AwsError('ResourceInUseException', `Application ${name} is in ${app.status} state`);
      }
      if (currentVersionId !== app.versionId) {
        throw new AwsError(
          'ConcurrentModificationException',
          `Provided application version id (${currentVersionId}) does not match the current application version id (${app.versionId})`,
        );
      }
      const draft = structuredClone(app);
      change(draft);
      const columnError = this.runtime.checkColumns(draft);
      if (columnError !== undefined) throw new AwsError('InvalidArgumentException', columnError);
      const codeError = this.runtime.checkCode(draft);
      if (codeError !== undefined) throw new AwsError('CodeValidationException', codeError);
      draft.versionId = app.versionId + 1;
      draft.updatedMs = this.clock.now();
      const wasRunning = app.status === 'RUNNING';
      if (wasRunning) {
        app.status = 'UPDATING';
        await this.runtime.stop(name, { checkpoint: true });
      }
      draft.status = 'READY';
      this.apps.set(name, draft);
      // A restart that fails leaves the new configuration in place and the app READY with lastError.
      if (wasRunning) await this.startLocked(draft, resumePositions(draft)).catch(() => undefined);
      else await this.save(draft);
    });
  }

  /** Starts an app (caller holds the app's queue). On failure the app is READY with lastError, and the error is rethrown. */
  async startLocked(app: ApplicationConfig, positions: ReadonlyMap<string, StartingPosition>): Promise<void> {
    app.status = 'STARTING';
    delete app.lastError;
    for (const input of app.inputs) {
      const p = positions.get(input.id);
      if (p) input.startingPosition = p;
    }
    await this.save(app);
    try {
      await this.runtime.start(app, positions);
      app.status = 'RUNNING';
    } catch (e) {
      app.status = 'READY';
      app.lastError = e instanceof Error ? e.message : String(e);
      await this.save(app);
      throw e;
    }
    await this.save(app);
  }
}

export function resumePositions(app: ApplicationConfig): Map<string, StartingPosition> {
  return new Map(app.inputs.map((i) => [i.id, 'LAST_STOPPED_POINT' as StartingPosition]));
}
