/**
 * AWS/Lambda metrics, named, dimensioned and counted as Lambda publishes them:
 * - Invocations (each invocation that ran, successful or failed; not throttled requests), Errors (1 for
 *   an invocation whose function or runtime failed, 0 otherwise: Sum counts errors, Average is the
 *   error rate), Throttles (throttled requests), Duration (milliseconds of the handler's run, without
 *   the init phase, with a distribution so pNN works), ConcurrentExecutions (instances busy when an
 *   invocation starts: read it with Maximum);
 * - IteratorAge (stream event source mappings: milliseconds between the stream receiving the batch's
 *   last record and the mapping sending the batch), DeadLetterErrors (an asynchronous event that could
 *   not be sent to the function's dead-letter queue), DestinationDeliveryFailures (an asynchronous
 *   invocation's or a stream mapping's on-failure record that could not be sent to its destination).
 * Dimensions: FunctionName; FunctionName + Resource (the function name, or `name:qualifier` when
 * invoked with a version or alias); FunctionName + Resource + ExecutedVersion for invocations through
 * an alias; and the account-wide series without dimensions for Invocations, Errors, Throttles, Duration
 * and ConcurrentExecutions.
 */
import type { MetricHandle, MetricsRegistry } from '../metrics/index.ts';

export const LAMBDA_NAMESPACE = 'AWS/Lambda';

type Dims = Array<{ name: string; value: string }>;

/** The four per-invocation series of one dimension set. */
class InvocationHandles {
  readonly invocations: MetricHandle;
  readonly errors: MetricHandle;
  readonly throttles: MetricHandle;
  readonly duration: MetricHandle;
  /** ProvisionedConcurrencyInvocations and ProvisionedConcurrencySpilloverInvocations, made on first use. */
  private pc: { on: MetricHandle; spill: MetricHandle } | undefined;

  constructor(
    private readonly registry: MetricsRegistry,
    private readonly dims: Dims,
  ) {
    this.invocations = registry.handle(LAMBDA_NAMESPACE, 'Invocations', dims, 'Count');
    this.errors = registry.handle(LAMBDA_NAMESPACE, 'Errors', dims, 'Count');
    this.throttles = registry.handle(LAMBDA_NAMESPACE, 'Throttles', dims, 'Count');
    this.duration = registry.handle(LAMBDA_NAMESPACE, 'Duration', dims, 'Milliseconds', { distribution: true });
  }

  // hot path: once per invocation.
  invoked(durationMs: number, failed: boolean): void {
    this.invocations.record(1);
    this.errors.record(failed ? 1 : 0);
    this.duration.record(durationMs);
  }

  /** An invocation of a version or alias with provisioned concurrency: on a provisioned environment, or spilled over to an on-demand one. */
  provisioned(onProvisioned: boolean): void {
    if (this.pc === undefined) {
      this.pc = {
        on: this.registry.handle(LAMBDA_NAMESPACE, 'ProvisionedConcurrencyInvocations', this.dims, 'Count'),
        spill: this.registry.handle(LAMBDA_NAMESPACE, 'ProvisionedConcurrencySpilloverInvocations', this.dims, 'Count'),
      };
    }
    (onProvisioned ? this.pc.on : this.pc.spill).record(1);
  }
}

/** What one invocation records into: every dimension set it belongs to, resolved once per (function, qualifier, version). */
export class InvocationMetrics {
  constructor(
    private readonly sets: readonly InvocationHandles[],
    private readonly concurrency: MetricHandle,
    private readonly accountConcurrency: MetricHandle,
  ) {}

  // hot path: once per invocation.
  invoked(durationMs: number, failed: boolean): void {
    for (let i = 0; i < this.sets.length; i++) this.sets[i]!.invoked(durationMs, failed);
  }

  /** Provisioned concurrency: the invocation ran on a provisioned environment, or spilled over. */
  provisioned(onProvisioned: boolean): void {
    for (let i = 0; i < this.sets.length; i++) this.sets[i]!.provisioned(onProvisioned);
  }

  throttled(): void {
    for (let i = 0; i < this.sets.length; i++) this.sets[i]!.throttles.record(1);
  }

  /** Instances busy once this invocation started: the function's and the account's. */
  started(functionInFlight: number, accountInFlight: number): void {
    this.concurrency.record(functionInFlight);
    this.accountConcurrency.record(accountInFlight);
  }
}

class FunctionHandles {
  readonly byResource = new Map<string, InvocationMetrics>();
  readonly base: InvocationHandles;
  readonly concurrency: MetricHandle;
  readonly iteratorAge: MetricHandle;
  readonly deadLetterErrors: MetricHandle;
  readonly destinationFailures: MetricHandle;

  constructor(registry: MetricsRegistry, name: string) {
    const dims = [{ name: 'FunctionName', value: name }];
    this.base = new InvocationHandles(registry, dims);
    this.concurrency = registry.handle(LAMBDA_NAMESPACE, 'ConcurrentExecutions', dims, 'Count');
    this.iteratorAge = registry.handle(LAMBDA_NAMESPACE, 'IteratorAge', dims, 'Milliseconds');
    this.deadLetterErrors = registry.handle(LAMBDA_NAMESPACE, 'DeadLetterErrors', dims, 'Count');
    this.destinationFailures = registry.handle(LAMBDA_NAMESPACE, 'DestinationDeliveryFailures', dims, 'Count');
  }
}

/** The functions engine's emitter. */
export class FunctionMetrics {
  private readonly functions = new Map<string, FunctionHandles>();
  private readonly account: InvocationHandles;
  private readonly accountConcurrency: MetricHandle;

  constructor(private readonly registry: MetricsRegistry) {
    this.account = new InvocationHandles(registry, []);
    this.accountConcurrency = registry.handle(LAMBDA_NAMESPACE, 'ConcurrentExecutions', [], 'Count');
  }

  private fn(name: string): FunctionHandles {
    let f = this.functions.get(name);
    if (f === undefined) {
      f = new FunctionHandles(this.registry, name);
      this.functions.set(name, f);
    }
    return f;
  }

  /**
   * The series an invocation of `name` records into. `qualifier`: the version or alias it was invoked
   * with (undefined: unqualified); `executedVersion`: the version that ran.
   */
  invocation(name: string, qualifier: string | undefined, executedVersion: string): InvocationMetrics {
    const f = this.fn(name);
    const key = `${qualifier ?? ''}\u0000${executedVersion}`;
    let m = f.byResource.get(key);
    if (m === undefined) {
      const resource = qualifier === undefined ? name : `${name}:${qualifier}`;
      const sets = [
        this.account,
        f.base,
        new InvocationHandles(this.registry, [
          { name: 'FunctionName', value: name },
          { name: 'Resource', value: resource },
        ]),
      ];
      const isAlias = qualifier !== undefined && qualifier !== executedVersion && qualifier !== '$LATEST' && !/^\d+$/.test(qualifier);
      if (isAlias) {
        sets.push(
          new InvocationHandles(this.registry, [
            { name: 'FunctionName', value: name },
            { name: 'Resource', value: resource },
            { name: 'ExecutedVersion', value: executedVersion },
          ]),
        );
      }
      m = new InvocationMetrics(sets, f.concurrency, this.accountConcurrency);
      f.byResource.set(key, m);
    }
    return m;
  }

  iteratorAge(name: string, ageMs: number): void {
    this.fn(name).iteratorAge.record(ageMs);
  }

  deadLetterError(name: string): void {
    this.fn(name).deadLetterErrors.record(1);
  }

  destinationDeliveryFailure(name: string): void {
    this.fn(name).destinationFailures.record(1);
  }

  /** The function is gone: its handles are dropped (a function created again under the name starts afresh). */
  forget(name: string): void {
    this.functions.delete(name);
  }
}
