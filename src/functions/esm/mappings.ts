/**
 * EventSourceMappings: Create/Get/List/Update/DeleteEventSourceMapping and
 * the state machine around the pollers.
 *
 * Reference: Lambda API reference, CreateEventSourceMapping,
 * UpdateEventSourceMapping, DeleteEventSourceMapping and
 * EventSourceMappingConfiguration.State (Creating, Enabling, Enabled,
 * Disabling, Disabled, Updating, Deleting): a new mapping is Creating, then
 * Enabled (or Disabled); an update is Updating, then Enabled or Disabled;
 * disabling goes through Disabling; a delete is Deleting until gone. The
 * transitions take `transitionMs` of clock time; the poller runs only while
 * Enabled.
 */
import type { AwsError, Clock, TimerHandle } from '../../core/index.ts';
import { randomUUID } from 'node:crypto';
import { lambdaError } from '../errors.ts';
import type { KinesisEngine } from '../../kinesis/index.ts';
import type { QueuesEngine } from '../../queues/index.ts';
import { queueNameFromArn } from '../../queues/index.ts';
import type { LogStorage } from '../../storage/index.ts';
import type { RoleAuthorizer } from '../../aws/index.ts';
import type { FunctionsEngine } from '../engine.ts';
import { compileCriteria } from './filter.ts';
import { CHECKPOINT_LOG_PREFIX, CheckpointLog } from './checkpoints.ts';
import { KinesisPoller } from './kinesis-poller.ts';
import type { MappingInput, MappingRecord, MappingState } from './model.ts';
import { DEFAULTS, kindOf, streamNameOf, validateMapping } from './model.ts';
import { SqsPoller } from './sqs-poller.ts';

export const MAPPING_META_PREFIX = 'functions/esm/';
/** The lease of a mapping's poller in a cluster: `esm/<uuid>` (src/cluster/leases.ts). */
export const MAPPING_LEASE_PREFIX = 'esm/';

/** The lease manager as the mappings use it (several nodes on one JetStream namespace). */
export interface MappingLeases {
  mayRun(resource: string): Promise<boolean>;
  holds(resource: string): boolean;
  token(resource: string): number | undefined;
}

export interface MappingsOptions {
  functions: FunctionsEngine;
  storage: LogStorage;
  clock: Clock;
  region: string;
  accountId: string;
  kinesis: KinesisEngine | undefined;
  queues: QueuesEngine | undefined;
  /** Clock time each state transition takes (Creating → Enabled…). */
  transitionMs: number;
  /** Backoff between retries of a failed batch. */
  retryInitialMs: number;
  retryMaxMs: number;
  /** `--auth enforce`: the source is read with the function's execution role, checked like any caller. */
  roles?: RoleAuthorizer;
  /** In a cluster: a mapping's poller runs only on the node holding its lease (`esm/<uuid>`). */
  leases?: MappingLeases;
  report(what: string, err?: unknown): void;
}

/** What a mapping's execution role needs on its source (Lambda developer guide, "Execution role permissions"). */
const KINESIS_SOURCE_ACTIONS = ['kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:DescribeStream'] as const;
const SQS_SOURCE_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'] as const;

export interface MappingStats {
  recordsProcessed: number;
  batchesInvoked: number;
  iteratorAgeMs: number;
  failuresDiscarded: number;
}

type Poller = KinesisPoller | SqsPoller;

export class EventSourceMappings {
  private readonly records = new Map<string, MappingRecord>();
  private readonly pollers = new Map<string, Poller>();
  private readonly timers = new Map<string, TimerHandle>();
  private readonly transitions = new Map<string, Promise<void>>();
  private closed = false;
  private unwatch: (() => void) | undefined;

  constructor(private readonly o: MappingsOptions) {}

  /** Loads mappings and finishes transitions a restart interrupted. */
  async open(): Promise<void> {
    // Mappings created, changed or deleted through other nodes (a cluster): this node's view follows them; which
    // node polls is the lease's business (leased()).
    this.unwatch = this.o.storage.meta.watch?.(MAPPING_META_PREFIX, (key) => this.followed(key.slice(MAPPING_META_PREFIX.length)));
    for (const key of this.o.storage.meta.keys(MAPPING_META_PREFIX)) {
      const rec = this.o.storage.meta.get<MappingRecord>(key);
      if (!rec) continue;
      this.records.set(rec.uuid, rec);
      if (rec.state === 'Deleting') {
        await this.remove(rec);
        continue;
      }
      const target: MappingState = rec.enabled ? 'Enabled' : 'Disabled';
      if (rec.state !== target) await this.setState(rec, target);
      if (target === 'Enabled') await this.startGated(rec);
    }
  }

  /** A mapping another node wrote or deleted: the copy here follows (its poller, if any, is the lease's). */
  private followed(uuid: string): void {
    const rec = this.o.storage.meta.get<MappingRecord>(MAPPING_META_PREFIX + uuid);
    if (rec) {
      const mine = this.records.get(uuid);
      // This node's poller results stay (LastProcessingResult is per node: the poller's own).
      if (mine && this.pollers.has(uuid)) rec.lastProcessingResult = mine.lastProcessingResult;
      this.records.set(uuid, rec);
    } else this.records.delete(uuid);
  }

  /**
   * Whether this node can poll the mapping's source: queues are known only to the node they were created through
   * (src/queues does not follow other nodes), so only such a node asks for an SQS mapping's lease.
   */
  private canPoll(r: MappingRecord): boolean {
    if (r.kind === 'kinesis') return this.o.kinesis !== undefined;
    const name = queueNameFromArn(r.eventSourceArn);
    return this.o.queues !== undefined && name !== undefined && this.o.queues.has(name);
  }

  /** Starts the poller here, through the lease in a cluster (false: another node polls it). */
  private async startGated(rec: MappingRecord): Promise<void> {
    const leases = this.o.leases;
    if (leases && !(await leases.mayRun(MAPPING_LEASE_PREFIX + rec.uuid))) return;
    const current = this.records.get(rec.uuid);
    if (current && current.state === 'Enabled') this.startPoller(current);
  }

  /**
   * The leased kind (`esm/<uuid>`): every Enabled mapping should poll somewhere, versioned by its last modification
   * (an update through any node restarts the poller on its owner with the new settings, from its checkpoint).
   */
  leased(): {
    prefix: string;
    desired(): ReadonlyMap<string, number>;
    start(uuid: string): Promise<void>;
    stop(uuid: string, checkpoint: boolean): Promise<void>;
  } {
    return {
      prefix: MAPPING_LEASE_PREFIX,
      desired: () => {
        const out = new Map<string, number>();
        for (const r of this.records.values()) if (r.state === 'Enabled' && this.canPoll(r)) out.set(r.uuid, r.lastModifiedMs);
        return out;
      },
      start: async (uuid) => {
        const rec = this.records.get(uuid);
        // A changed version was stopped first (the lease manager stops, then starts).
        if (rec && rec.state === 'Enabled') this.startPoller(rec);
      },
      stop: async (uuid) => {
        await this.stopPoller(uuid);
        // Deleted through another node, whose removal of the checkpoint log may have come before this poller's last
        // write (or found no log: a node knows a log it has not opened only once it opens it).
        const rec = this.records.get(uuid);
        if (!rec || rec.state === 'Deleting') await CheckpointLog.remove(this.o.storage, CHECKPOINT_LOG_PREFIX + uuid);
      },
    };
  }

  private notFound(): AwsError {
    return lambdaError('ResourceNotFoundException', 'The resource you requested does not exist.');
  }

  get(uuid: string): MappingRecord {
    const r = this.records.get(uuid);
    if (!r) throw this.notFound();
    return r;
  }

  list(filter: { functionName?: string; eventSourceArn?: string } = {}): MappingRecord[] {
    let fnArn: string | undefined;
    if (filter.functionName !== undefined) {
      const { name, qualifier } = this.o.functions.resolveName(filter.functionName);
      fnArn = this.o.functions.arn(name, qualifier);
    }
    return [...this.records.values()]
      .filter((r) => (fnArn === undefined || r.functionArn === fnArn) && (filter.eventSourceArn === undefined || r.eventSourceArn === filter.eventSourceArn))
      .sort((a, b) => a.lastModifiedMs - b.lastModifiedMs || (a.uuid < b.uuid ? -1 : 1));
  }

  stats(uuid: string): MappingStats {
    const p = this.pollers.get(uuid);
    if (!p) return { recordsProcessed: 0, batchesInvoked: 0, iteratorAgeMs: 0, failuresDiscarded: 0 };
    if (p instanceof KinesisPoller) return { ...p.stats };
    return { ...p.stats, iteratorAgeMs: 0, failuresDiscarded: 0 };
  }

  private checkSource(arn: string): void {
    const kind = kindOf(arn);
    if (kind === 'kinesis') {
      const k = this.o.kinesis;
      const name = streamNameOf(arn);
      if (!k?.listStreams().includes(name) || k.arnFor(name) !== arn.replace(/\/consumer\/.*$/, '')) {
        throw lambdaError('InvalidParameterValueException', `Stream not found: ${arn}`);
      }
      return;
    }
    if (kind === 'sqs') {
      const q = this.o.queues;
      const name = queueNameFromArn(arn);
      if (!q || name === undefined || !q.has(name) || q.arnFor(name) !== arn) {
        throw lambdaError(
          'InvalidParameterValueException',
          'Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.',
        );
      }
      return;
    }
    throw lambdaError('InvalidParameterValueException', `Unrecognized event source, must be kinesis, dynamodb stream or sqs. Unsupported source arn : ${arn}`);
  }

  /**
   * Lambda's words when the function's execution role may not read the source, or undefined when it may (or
   * auth is not enforced). CreateEventSourceMapping refuses with them; a poller whose role loses the permission
   * stops reading and shows them as `PROBLEM: …` in LastProcessingResult until it is given back.
   */
  private accessProblem(functionArn: string, eventSourceArn: string): string | undefined {
    const roles = this.o.roles;
    if (roles === undefined) return undefined;
    let role: string;
    try {
      role = this.o.functions.version(functionArn).version.role;
    } catch {
      return undefined;
    }
    const session = `awslambda_${this.o.functions.resolveName(functionArn).name}`;
    if (kindOf(eventSourceArn) === 'kinesis') {
      const stream = eventSourceArn.replace(/\/consumer\/.*$/, '');
      for (const action of KINESIS_SOURCE_ACTIONS) {
        if (roles.denied(role, action, stream, session) !== undefined) {
          return `Cannot access stream ${eventSourceArn}. Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.`;
        }
      }
      return undefined;
    }
    for (const action of SQS_SOURCE_ACTIONS) {
      if (roles.denied(role, action, eventSourceArn, session) !== undefined) {
        return `The provided execution role does not have permissions to call ${action.slice(4)} on SQS`;
      }
    }
    return undefined;
  }

  /** CreateEventSourceMapping. */
  async create(input: MappingInput): Promise<MappingRecord> {
    if (input.functionName === undefined || input.eventSourceArn === undefined) {
      throw lambdaError('InvalidParameterValueException', 'FunctionName and EventSourceArn are required.');
    }
    const fns = this.o.functions;
    const { name, qualifier } = fns.resolveName(input.functionName);
    const { version } = fns.version(name, qualifier);
    const functionArn = fns.arn(name, qualifier);
    const kind = kindOf(input.eventSourceArn);
    this.checkSource(input.eventSourceArn);
    const problem = this.accessProblem(functionArn, input.eventSourceArn);
    if (problem !== undefined) throw lambdaError('InvalidParameterValueException', problem);
    for (const r of this.records.values()) {
      if (r.functionArn === functionArn && r.eventSourceArn === input.eventSourceArn) {
        throw lambdaError(
          'ResourceConflictException',
          `The event source arn (" ${input.eventSourceArn} ") and function (" ${name} ") provided mapping already exists. Please update or delete the existing mapping with UUID ${r.uuid}`,
        );
      }
    }
    const rec: MappingRecord = {
      uuid: randomUUID(),
      functionArn,
      eventSourceArn: input.eventSourceArn,
      kind: kind!,
      batchSize: input.batchSize ?? (kind === 'sqs' ? DEFAULTS.sqsBatchSize : DEFAULTS.kinesisBatchSize),
      maximumBatchingWindowSeconds: input.maximumBatchingWindowSeconds ?? 0,
      startingPosition: input.startingPosition as MappingRecord['startingPosition'],
      startingPositionTimestampMs: input.startingPositionTimestampMs,
      parallelizationFactor: input.parallelizationFactor ?? 1,
      bisectBatchOnFunctionError: input.bisectBatchOnFunctionError ?? false,
      maximumRetryAttempts: input.maximumRetryAttempts ?? -1,
      maximumRecordAgeSeconds: input.maximumRecordAgeSeconds ?? -1,
      functionResponseTypes: input.functionResponseTypes ?? [],
      tumblingWindowSeconds: input.tumblingWindowSeconds ?? 0,
      filters: input.filters ?? [],
      onFailureDestination: input.onFailureDestination,
      maximumConcurrency: input.maximumConcurrency ?? undefined,
      enabled: input.enabled ?? true,
      state: 'Creating',
      stateTransitionReason: 'USER_INITIATED',
      lastModifiedMs: this.o.clock.now(),
      lastProcessingResult: 'No records processed',
    };
    validateMapping(rec);
    compileCriteria(rec.filters, kind === 'sqs' ? 'body' : 'data');
    if (kind === 'sqs') this.checkVisibility(rec, version.timeoutSeconds);
    await this.persist(rec);
    this.records.set(rec.uuid, rec);
    this.transition(rec, rec.enabled ? 'Enabled' : 'Disabled');
    return { ...rec };
  }

  private checkVisibility(rec: MappingRecord, timeoutSeconds: number): void {
    const q = this.o.queues!;
    const name = queueNameFromArn(rec.eventSourceArn)!;
    const vt = Number(q.getAttributes(name, ['VisibilityTimeout']).VisibilityTimeout);
    if (vt < timeoutSeconds) {
      throw lambdaError('InvalidParameterValueException', `Queue visibility timeout: ${vt} seconds is less than Function timeout: ${timeoutSeconds} seconds`);
    }
  }

  /** UpdateEventSourceMapping: settings change while Updating; Enabled=false disables. */
  async update(uuid: string, input: MappingInput): Promise<MappingRecord> {
    const rec = this.get(uuid);
    if (rec.state === 'Creating' || rec.state === 'Updating' || rec.state === 'Deleting' || rec.state === 'Disabling' || rec.state === 'Enabling') {
      throw lambdaError('ResourceInUseException', `Cannot update the event source mapping because it is in use.`);
    }
    const next: MappingRecord = { ...rec };
    if (input.functionName !== undefined) {
      const { name, qualifier } = this.o.functions.resolveName(input.functionName);
      this.o.functions.version(name, qualifier);
      next.functionArn = this.o.functions.arn(name, qualifier);
    }
    const set = <K extends keyof MappingRecord>(k: K, v: MappingRecord[K] | undefined): void => {
      if (v !== undefined) next[k] = v;
    };
    set('batchSize', input.batchSize);
    set('maximumBatchingWindowSeconds', input.maximumBatchingWindowSeconds);
    set('parallelizationFactor', input.parallelizationFactor);
    set('bisectBatchOnFunctionError', input.bisectBatchOnFunctionError);
    set('maximumRetryAttempts', input.maximumRetryAttempts);
    set('maximumRecordAgeSeconds', input.maximumRecordAgeSeconds);
    set('functionResponseTypes', input.functionResponseTypes);
    set('tumblingWindowSeconds', input.tumblingWindowSeconds);
    set('filters', input.filters);
    if (input.maximumConcurrency === null) next.maximumConcurrency = undefined;
    else set('maximumConcurrency', input.maximumConcurrency);
    if (input.onFailureDestination !== undefined) next.onFailureDestination = input.onFailureDestination || undefined;
    set('enabled', input.enabled);
    validateMapping(next);
    compileCriteria(next.filters, next.kind === 'sqs' ? 'body' : 'data');
    const enabling = next.enabled && !rec.enabled;
    const disabling = !next.enabled && rec.enabled;
    next.state = disabling ? 'Disabling' : enabling ? 'Enabling' : 'Updating';
    next.stateTransitionReason = 'USER_INITIATED';
    next.lastModifiedMs = this.o.clock.now();
    await this.stopPoller(uuid);
    await this.persist(next);
    this.records.set(uuid, next);
    this.transition(next, next.enabled ? 'Enabled' : 'Disabled');
    return { ...next };
  }

  /** DeleteEventSourceMapping: answers with the mapping in state Deleting. */
  async delete(uuid: string): Promise<MappingRecord> {
    const rec = this.get(uuid);
    if (rec.state === 'Creating' || rec.state === 'Deleting') {
      throw lambdaError('ResourceInUseException', 'Cannot delete the event source mapping because it is in use.');
    }
    const next: MappingRecord = { ...rec, state: 'Deleting', stateTransitionReason: 'USER_INITIATED', lastModifiedMs: this.o.clock.now() };
    await this.persist(next);
    this.records.set(uuid, next);
    await this.stopPoller(uuid);
    this.schedule(uuid, () => this.remove(next));
    return { ...next };
  }

  private async remove(rec: MappingRecord): Promise<void> {
    this.records.delete(rec.uuid);
    await this.o.storage.meta.delete(MAPPING_META_PREFIX + rec.uuid);
    await CheckpointLog.remove(this.o.storage, CHECKPOINT_LOG_PREFIX + rec.uuid);
  }

  private schedule(uuid: string, fn: () => Promise<void>): void {
    this.timers.get(uuid)?.cancel();
    const t = this.o.clock.setTimer(() => {
      this.timers.delete(uuid);
      const p = fn()
        .catch((e: unknown) => this.o.report(`event source mapping ${uuid}`, e))
        .finally(() => this.transitions.delete(uuid));
      this.transitions.set(uuid, p);
    }, this.o.transitionMs);
    this.timers.set(uuid, t);
  }

  private transition(rec: MappingRecord, target: MappingState): void {
    this.schedule(rec.uuid, async () => {
      const current = this.records.get(rec.uuid);
      if (!current || this.closed) return;
      await this.setState(current, target);
      if (target === 'Enabled') await this.startGated(current);
    });
  }

  private async setState(rec: MappingRecord, state: MappingState): Promise<void> {
    rec.state = state;
    await this.persist(rec);
  }

  private async persist(rec: MappingRecord): Promise<void> {
    await this.o.storage.meta.put(MAPPING_META_PREFIX + rec.uuid, rec);
  }

  private onResult = (uuid: string, result: string): void => {
    const r = this.records.get(uuid);
    if (r) r.lastProcessingResult = result;
  };

  private startPoller(rec: MappingRecord): void {
    if (this.closed || this.pollers.has(rec.uuid)) return;
    const o = this.o;
    const access = o.roles ? () => this.accessProblem(rec.functionArn, rec.eventSourceArn) : undefined;
    const leases = o.leases;
    const resource = MAPPING_LEASE_PREFIX + rec.uuid;
    const fence = leases ? () => (leases.holds(resource) ? (leases.token(resource) ?? null) : null) : undefined;
    const onLost = (): void => {
      o.report(`event source mapping ${rec.uuid}: its lease moved to another node; polling stops here`);
      void this.stopPoller(rec.uuid);
    };
    let poller: Poller;
    if (rec.kind === 'kinesis') {
      if (!o.kinesis) return;
      poller = new KinesisPoller(rec, {
        functions: o.functions,
        kinesis: o.kinesis,
        clock: o.clock,
        region: o.region,
        retryInitialMs: o.retryInitialMs,
        retryMaxMs: o.retryMaxMs,
        sendToDestination: async (arn, body) => {
          const q = o.queues;
          const name = queueNameFromArn(arn);
          if (!q || name === undefined) throw new Error(`no such queue: ${arn}`);
          await q.sendMessage(name, { body });
        },
        ...(access ? { access } : {}),
        ...(fence ? { fence, onLost } : {}),
        onResult: this.onResult,
        report: o.report,
      });
    } else {
      if (!o.queues) return;
      poller = new SqsPoller(rec, {
        functions: o.functions,
        queues: o.queues,
        clock: o.clock,
        region: o.region,
        retryInitialMs: o.retryInitialMs,
        ...(access ? { access } : {}),
        ...(leases ? { holds: () => leases.holds(resource), onLost } : {}),
        onResult: this.onResult,
        report: o.report,
      });
    }
    this.pollers.set(rec.uuid, poller);
    poller.start();
  }

  private async stopPoller(uuid: string): Promise<void> {
    const p = this.pollers.get(uuid);
    if (!p) return;
    this.pollers.delete(uuid);
    await p.stop();
  }

  /** Resolves once pending state transitions have run and Kinesis pollers are idle (tests, benchmarks). */
  async settled(): Promise<void> {
    while (this.transitions.size) await Promise.allSettled([...this.transitions.values()]);
    for (const p of this.pollers.values()) if (p instanceof KinesisPoller) await p.idle();
  }

  /** Stops every poller at once (no result is recorded after this call returns control), then waits for them. */
  async close(): Promise<void> {
    this.closed = true;
    this.unwatch?.();
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    const stopping = [...this.pollers.keys()].map((u) => this.stopPoller(u));
    await Promise.allSettled([...this.transitions.values()]);
    await Promise.all(stopping);
  }
}
