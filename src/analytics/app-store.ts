/**
 * What both Kinesis Analytics registries keep the same way (SQL applications, registry.ts; Flink applications,
 * v2/registry.ts): the applications by name, persisted as JSON in storage.meta under a key prefix, control-plane
 * calls serialised per application, and the writes that timers start, tracked so that shutdown and tests can
 * wait for them. Statuses, versions and what runs stay with each registry.
 */
import { type AwsError, KeyedMutex, type Logger } from '../core/index.ts';
import type { MetaStore } from '../storage/index.ts';

export class PersistedApps<T extends { name: string; arn: string }> {
  /** The live configurations by name. */
  readonly byName = new Map<string, T>();
  private readonly queues = new KeyedMutex();
  /** Writes started by timers, awaited by whenSettled(). */
  private readonly writes = new Set<Promise<unknown>>();

  constructor(
    private readonly meta: MetaStore,
    private readonly keyPrefix: string,
    private readonly notFound: (name: string) => AwsError,
    private readonly logger: Logger,
  ) {}

  /** Every stored application, as stored: the registry's load() decides what becomes of each. */
  stored(): T[] {
    const out: T[] = [];
    for (const key of this.meta.keys(this.keyPrefix)) {
      const app = this.meta.get<T>(key);
      if (app) out.push(app);
    }
    return out;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The live config (do not mutate outside the registry's methods); the registry's not-found error when none. */
  get(name: string): T {
    const app = this.byName.get(name);
    if (!app) throw this.notFound(name);
    return app;
  }

  byArn(arn: string): T | undefined {
    for (const app of this.byName.values()) if (app.arn === arn) return app;
    return undefined;
  }

  /** Sorted by name. */
  list(): T[] {
    return [...this.byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async save(app: T): Promise<void> {
    await this.meta.put(this.keyPrefix + app.name, app);
  }

  /** Deletes the stored configuration of `name`. */
  async remove(name: string): Promise<void> {
    await this.meta.delete(this.keyPrefix + name);
  }

  /** Runs `fn` after every earlier call for the same application has finished. */
  serialise<R>(name: string, fn: () => Promise<R>): Promise<R> {
    return this.queues.run(name, fn);
  }

  /** Tracks a write a timer started: it has no caller to fail, so a failure is logged and counted as `what`. */
  track(p: Promise<unknown>, what: string): void {
    const tracked = p.catch((e) => this.logger.swallowed(what, e)).finally(() => this.writes.delete(tracked));
    this.writes.add(tracked);
  }

  /** Resolves once the tracked writes (and any they started meanwhile) have landed. */
  async whenSettled(): Promise<void> {
    while (this.writes.size > 0) await Promise.all([...this.writes]);
  }
}
