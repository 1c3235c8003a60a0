/**
 * FunctionsEngine: Lambda-compatible functions — their configurations,
 * versions and aliases (durable in the MetaStore under `functions/fn/<name>`,
 * code in a content-addressed store), execution environments with warm
 * reuse, concurrency limits, invocation (RequestResponse, Event, DryRun) and
 * logs. The AWSLambda service, event source mappings, Firehose's Lambda
 * processor and SQL applications all invoke through `invoke`.
 *
 * Reference: Lambda API reference (CreateFunction, UpdateFunctionCode,
 * UpdateFunctionConfiguration, PublishVersion, CreateAlias, Invoke,
 * PutFunctionConcurrency) and the developer guide on execution environments,
 * concurrency (reserved concurrency, throttling as TooManyRequestsException),
 * asynchronous invocation and logging (START / END / REPORT lines).
 */
import { AwsError, KeyedMutex, log } from '../core/index.ts';
import type { Clock, Logger, TimerHandle } from '../core/index.ts';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { lambdaError } from './errors.ts';
import { StorageError } from '../storage/index.ts';
import type { LogStorage } from '../storage/index.ts';
import type { RoleAuthorizer } from '../aws/index.ts';
import type { KinesisEngine } from '../kinesis/index.ts';
import type { QueuesEngine } from '../queues/index.ts';
import { queueNameFromArn } from '../queues/index.ts';
import type { MessageAttributes } from '../queues/index.ts';
import type { MetricsRegistry } from '../metrics/index.ts';
import { FunctionMetrics } from './metrics.ts';
import { AsyncEventLog } from './async-events.ts';
import type { AsyncEvent } from './async-events.ts';
import { CodeStore } from './code-store.ts';
import type { StoredCode } from './code-store.ts';
import { EventSourceMappings } from './esm/mappings.ts';
import type { MappingLeases } from './esm/mappings.ts';
import { Environment } from './environment.ts';
import type { EnvironmentSpec, InitFailure, InvocationOutcome } from './environment.ts';
import { FunctionLogs, logStreamName, tailBase64 } from './logs.ts';
import type { AliasRecord, CodeSource, EventInvokeConfig, FunctionRecord, FunctionSettings, VersionRecord } from './model.ts';
import { LIMITS, functionArn, parseFunctionRef, validateName, validateSettings } from './model.ts';

export const FUNCTION_META_PREFIX = 'functions/fn/';

/** How long an environment's execution-role credentials last (STS's 12-hour maximum for role sessions). */
const ROLE_SESSION_SECONDS = 43_200;

export interface FunctionsEngineOptions {
  storage: LogStorage;
  clock: Clock;
  region: string;
  accountId: string;
  /** Code is kept under `<dataDir>/functions/code`; without one, in a temporary directory removed on close. */
  dataDir?: string;
  /** AWS_ENDPOINT_URL for every function (Freshet's URL), or a getter for it (known once the server listens). */
  endpointUrl?: string | (() => string | undefined);
  /** Account concurrency limit (Lambda's default 1,000). */
  accountConcurrency?: number;
  /** Concurrency reservations may not take from (Lambda: 100). */
  minUnreservedConcurrency?: number;
  /** Environments idle this long (clock time) are stopped. Default 10 minutes. */
  idleEnvironmentMs?: number;
  nodePath?: string;
  pythonPath?: string;
  /** Where background problems are reported (default: the `functions` logger). */
  logger?: Logger;
  /** Asynchronous invocations: retry delays (ms of clock time) after the first and later failures. */
  asyncRetryDelaysMs?: readonly number[];
  /** Event sources: the in-process Kinesis engine and queues (mappings to a missing one are refused). */
  kinesis?: KinesisEngine;
  queues?: QueuesEngine;
  /** Clock time an event source mapping's state transition takes (Creating → Enabled…). Default 5 ms. */
  mappingTransitionMs?: number;
  /** Backoff of event source mappings between retries of a failed batch (clock time). Default 1 s doubling to 30 s. */
  mappingRetryInitialMs?: number;
  mappingRetryMaxMs?: number;
  /** `--auth enforce`: event source mappings read their source with the function's execution role. */
  roles?: RoleAuthorizer;
  /**
   * Clock time a provisioned concurrency configuration stays IN_PROGRESS at least (its environments
   * initialise meanwhile; READY once both are done). Default 5 s (AWS: a minute or two).
   */
  provisionedReadyMs?: number;
  /**
   * Several nodes on one JetStream namespace: event source mappings poll only where their lease (`esm/<uuid>`) is
   * held, and deployment packages are also kept in the shared storage (a log per upload, named by the marker
   * `functions/code/<sha256 hex>`: see storeCode), so a node
   * runs a function whose code was uploaded through another node.
   */
  leases?: MappingLeases;
}

/** Shared deployment packages (a cluster): one storage log per upload, its zip in records of this size (see storeCode). */
export const CODE_LOG_PREFIX = 'functions/code/';
const CODE_CHUNK_BYTES = 256 * 1024;

/** A shared package's marker (MetaStore `functions/code/<sha256 hex>`): written once all of its log's chunks are durable. */
interface SharedCode {
  log: string;
  size: number;
}

/** The live side of one provisioned concurrency configuration: the environments kept warm for it. */
interface Allocation {
  name: string;
  qualifier: string;
  /** The published version whose environments it keeps (an alias's version when it was put). */
  version: string;
  requested: number;
  pool: Pool;
  envs: Set<Environment>;
  /** Environments being started for it. */
  starting: number;
  /** The clock's minimum IN_PROGRESS time has passed. */
  settled: boolean;
  failure: string | undefined;
  timer: TimerHandle | null;
  cancelled: boolean;
}

export interface ProvisionedConcurrencyState {
  qualifier: string;
  requested: number;
  allocated: number;
  available: number;
  status: 'IN_PROGRESS' | 'READY' | 'FAILED';
  statusReason: string | undefined;
  lastModifiedMs: number;
}

export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';

export interface InvokeOptions {
  invocationType?: InvocationType;
  logType?: 'None' | 'Tail';
  qualifier?: string;
  /** Base64 JSON (Invoke's ClientContext header). */
  clientContext?: string;
  /** Skip the JSON check of the payload (in-process callers that build their events). */
  trustedPayload?: boolean;
}

export interface InvokeResult {
  statusCode: 200 | 202 | 204;
  payload: Buffer;
  /** 'Unhandled' when the function or its runtime failed (X-Amz-Function-Error). */
  functionError: 'Unhandled' | undefined;
  /** Base64 of the last 4 KB of the invocation's log, with LogType Tail. */
  logResult: string | undefined;
  executedVersion: string;
  requestId: string;
}

interface Pool {
  key: string;
  spec: EnvironmentSpec;
  envs: Set<Environment>;
  idle: Environment[];
  retired: boolean;
  /** Provisioned concurrency configurations keeping environments of this pool warm. */
  allocations: Set<Allocation>;
}

export class FunctionsEngine {
  readonly storage: LogStorage;
  readonly clock: Clock;
  readonly region: string;
  readonly accountId: string;
  readonly logs = new FunctionLogs();
  readonly code: CodeStore;
  private endpoint: () => string | undefined;
  private readonly functions = new Map<string, FunctionRecord>();
  private readonly pools = new Map<string, Pool>();
  private readonly inFlight = new Map<string, number>();
  private unreservedInFlight = 0;
  private readonly accountConcurrency: number;
  private readonly minUnreserved: number;
  private readonly idleMs: number;
  private readonly nodePath: string;
  private readonly pythonPath: string;
  private readonly tmpRoot: string | undefined;
  private readonly logger: Logger;
  private readonly asyncDelays: readonly number[];
  private reaper: TimerHandle | null = null;
  private closed = false;
  private readonly locks = new KeyedMutex();
  private readonly asyncPending = new Set<Promise<void>>();
  private readonly asyncTimers = new Set<TimerHandle>();
  /** Where Event invocations' destination records go (SQS queues when the engine has them). */
  deliverDestination: ((arn: string, record: unknown) => Promise<void>) | undefined;
  /** Sends a message to a queue by ARN (dead-letter queues of asynchronous invocations). */
  private sendToQueue: ((arn: string, body: string, attributes: MessageAttributes) => Promise<void>) | undefined;
  /** Event source mappings (Kinesis streams and queues → functions). */
  readonly mappings: EventSourceMappings;
  private readonly asyncLog: AsyncEventLog;
  /** AWS/Lambda emission, once `emitMetrics` attached a registry. */
  metrics: FunctionMetrics | undefined;
  private totalInFlight = 0;
  private readonly roles: RoleAuthorizer | undefined;
  /** Provisioned concurrency: `name\u0000qualifier` → its warm environments. */
  private readonly allocations = new Map<string, Allocation>();
  private readonly provisionedReadyMs: number;
  /** A cluster: packages are also written to the shared storage, and read from it when missing here. */
  private readonly shareCode: boolean;
  private unwatch: (() => void) | undefined;
  /** Packages being fetched from the shared storage, by hex key. */
  private readonly fetching = new Map<string, Promise<void>>();

  private constructor(opts: FunctionsEngineOptions) {
    this.roles = opts.roles;
    this.provisionedReadyMs = opts.provisionedReadyMs ?? 5000;
    this.storage = opts.storage;
    this.clock = opts.clock;
    this.region = opts.region;
    this.accountId = opts.accountId;
    const url = opts.endpointUrl;
    this.endpoint = typeof url === 'function' ? url : () => url;
    this.accountConcurrency = opts.accountConcurrency ?? LIMITS.defaultAccountConcurrency;
    this.minUnreserved = opts.minUnreservedConcurrency ?? LIMITS.minUnreservedConcurrency;
    this.idleMs = opts.idleEnvironmentMs ?? 10 * 60_000;
    this.nodePath = opts.nodePath ?? process.execPath;
    this.pythonPath = opts.pythonPath ?? '/usr/bin/python3';
    this.logger = opts.logger ?? log.child('functions');
    this.asyncDelays = opts.asyncRetryDelaysMs ?? [60_000, 120_000];
    const queues = opts.queues;
    if (queues) {
      this.sendToQueue = async (arn, body, attributes) => {
        const name = queueNameFromArn(arn);
        if (name === undefined) throw new Error(`unsupported dead-letter target ${arn}`);
        await queues.sendMessage(name, { body, messageAttributes: attributes });
      };
      this.deliverDestination = async (arn, record) => {
        const name = queueNameFromArn(arn);
        if (name === undefined) throw new Error(`unsupported destination ${arn}`);
        await queues.sendMessage(name, { body: JSON.stringify(record) });
      };
    }
    this.mappings = new EventSourceMappings({
      functions: this,
      storage: opts.storage,
      clock: opts.clock,
      region: opts.region,
      accountId: opts.accountId,
      kinesis: opts.kinesis,
      queues: opts.queues,
      transitionMs: opts.mappingTransitionMs ?? 5,
      retryInitialMs: opts.mappingRetryInitialMs ?? 1000,
      retryMaxMs: opts.mappingRetryMaxMs ?? 30_000,
      ...(opts.roles ? { roles: opts.roles } : {}),
      ...(opts.leases ? { leases: opts.leases } : {}),
      report: (what, err) => this.report(what, err),
    });
    this.shareCode = opts.leases !== undefined;
    this.asyncLog = new AsyncEventLog(opts.storage, opts.clock, (what, err) => this.report(what, err));
    if (opts.dataDir) {
      this.code = new CodeStore(join(opts.dataDir, 'functions', 'code'));
    } else {
      this.tmpRoot = mkdtempSync(join(tmpdir(), 'freshet-functions-'));
      this.code = new CodeStore(join(this.tmpRoot, 'code'));
    }
  }

  static async open(opts: FunctionsEngineOptions): Promise<FunctionsEngine> {
    const engine = new FunctionsEngine(opts);
    for (const key of opts.storage.meta.keys(FUNCTION_META_PREFIX)) {
      const rec = opts.storage.meta.get<FunctionRecord>(key);
      if (rec) engine.functions.set(rec.name, rec);
    }
    // Functions created, changed or deleted through other nodes (a cluster): this node's view follows them.
    engine.unwatch = opts.storage.meta.watch?.(FUNCTION_META_PREFIX, (key) => engine.followed(key.slice(FUNCTION_META_PREFIX.length)));
    // Provisioned concurrency configurations warm their environments again after a restart.
    for (const rec of engine.functions.values()) {
      for (const q of Object.keys(rec.provisionedConcurrency ?? {})) engine.allocate(rec, q);
    }
    engine.scheduleReap();
    // Event invocations acknowledged before a restart run now.
    for (const ev of await engine.asyncLog.open()) engine.enqueueAsync(ev);
    await engine.mappings.open();
    return engine;
  }

  /**
   * A function another node wrote or deleted: the copy here follows. Environments of revisions it no longer has (its
   * code or configuration updated, a version deleted) retire as they would had the change been made here; a deleted
   * function's environments, provisioned concurrency, logs and metrics go.
   */
  private followed(name: string): void {
    const rec = this.storage.meta.get<FunctionRecord>(FUNCTION_META_PREFIX + name);
    if (rec) {
      this.functions.set(name, rec);
      for (const [key, pool] of this.pools) {
        if (pool.spec.functionName !== name) continue;
        const v = pool.spec.version === '$LATEST' ? rec.latest : rec.versions[pool.spec.version];
        if (!v || this.poolKey(name, v) !== key) this.retirePool(key, pool);
      }
    } else {
      const old = this.functions.get(name);
      this.functions.delete(name);
      for (const q of Object.keys(old?.provisionedConcurrency ?? {})) this.deallocate(name, q);
      this.retirePools(name, undefined);
      this.logs.forget(name);
      this.metrics?.forget(name);
    }
  }

  /**
   * Stores a package here and, in a cluster, in the shared storage (once per package). Each upload writes its own log
   * (`functions/code/<sha256 hex>/<upload id>`, so two nodes uploading the same zip at once never mix their chunks),
   * then creates the package's marker (the MetaStore key `functions/code/<sha256 hex>`: which log, how long) once every
   * chunk is durable. Only one node creates the marker; a node that loses that race deletes its log and uses the
   * winner's. An upload cut short leaves a log without a marker, which no reader takes; the next upload writes anew.
   */
  private async storeCode(code: CodeSource): Promise<StoredCode> {
    const stored = await this.code.put(code);
    if (!this.shareCode) return stored;
    const meta = this.storage.meta;
    const markerKey = CODE_LOG_PREFIX + stored.key;
    if (meta.get<SharedCode>(markerKey)) return stored;
    const id = `${markerKey}/${randomBytes(8).toString('hex')}`;
    const log = await this.storage.createLog(id);
    const zip = await this.code.readZip(stored.key);
    // One append per chunk: a record stays well under a NATS message's size limit.
    for (let at = 0; at < zip.length; at += CODE_CHUNK_BYTES) {
      await log.append([{ key: String(at), data: zip.subarray(at, at + CODE_CHUNK_BYTES), timestampMs: this.clock.now() }]).durable;
    }
    const marker: SharedCode = { log: id, size: zip.length };
    try {
      await (meta.create ? meta.create(markerKey, marker) : meta.put(markerKey, marker));
    } catch (e) {
      if (!(e instanceof StorageError && e.code === 'EXISTS')) throw e;
      // Another node shared the same package first: its log is the one readers take.
      await this.storage.deleteLog(id).catch((e2: unknown) => this.report(`deleting the duplicate code log ${id}`, e2));
    }
    return stored;
  }

  /**
   * Makes a package this node has not stored (uploaded through another node) present here, from the shared storage.
   * A package whose marker is there but whose bytes do not add up to it (length, SHA-256) is refused with a retryable
   * ServiceException: a corrupt package never runs.
   */
  private async ensureCode(key: string): Promise<void> {
    if (!this.shareCode || this.code.has(key)) return;
    let p = this.fetching.get(key);
    if (!p) {
      p = (async () => {
        const st = this.storage;
        const marker = st.meta.get<SharedCode>(CODE_LOG_PREFIX + key);
        // Not shared (a package stored before the node joined a cluster): the environment fails to start, as before.
        if (!marker) return;
        const refuse = (why: string) =>
          lambdaError('ServiceException', `The deployment package ${key} could not be fetched from the shared storage (${why}). Try again.`, {
            Type: 'Service',
          });
        let zip: Buffer;
        try {
          const log = st.getLog(marker.log) ?? (st.openLog ? await st.openLog(marker.log) : undefined);
          if (!log) throw refuse(`log ${marker.log} is missing`);
          await log.refresh?.();
          const parts: Buffer[] = [];
          let got = 0;
          for (let at = log.startOffset; at < log.endOffset && got < marker.size; ) {
            const { records, nextOffset } = await log.read(at, { maxRecords: 16, maxBytes: 8 * CODE_CHUNK_BYTES });
            if (records.length === 0) break;
            for (const r of records) {
              parts.push(Buffer.from(r.data));
              got += r.data.length;
            }
            at = nextOffset;
          }
          zip = Buffer.concat(parts);
        } catch (e) {
          if (e instanceof AwsError) throw e;
          throw refuse(e instanceof Error ? e.message : String(e));
        }
        if (zip.length !== marker.size) throw refuse(`${zip.length} of ${marker.size} bytes`);
        const digest = createHash('sha256').update(zip).digest('hex');
        if (digest !== key) throw refuse(`its SHA-256 is ${digest}`);
        await this.code.put({ zip });
      })().finally(() => this.fetching.delete(key));
      this.fetching.set(key, p);
    }
    await p;
  }

  setEndpointUrl(url: string): void {
    this.endpoint = () => url;
  }

  private get endpointUrl(): string | undefined {
    return this.endpoint() || undefined;
  }

  /** Emits AWS/Lambda metrics (FunctionName, Resource, ExecutedVersion dimensions) into `registry` from now on. */
  emitMetrics(registry: MetricsRegistry): void {
    this.metrics = new FunctionMetrics(registry);
  }

  /** A background failure (caught, not rethrown: the work goes on) or, without `err`, a warning. */
  report(what: string, err?: unknown): void {
    if (err === undefined) this.logger.warn(what);
    else this.logger.swallowed(what, err);
  }

  arn(name: string, qualifier?: string): string {
    return functionArn(this.region, this.accountId, name, qualifier);
  }

  private notFound(name: string, qualifier?: string): AwsError {
    return lambdaError('ResourceNotFoundException', `Function not found: ${this.arn(name, qualifier)}`);
  }

  /** Serialises changes to one function (metadata writes stay in order). */
  private withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(name, fn);
  }

  private async persist(rec: FunctionRecord): Promise<void> {
    await this.storage.meta.put(FUNCTION_META_PREFIX + rec.name, rec);
  }

  /** The function a FunctionName parameter names (name, partial or full ARN), checked against this account and region. */
  resolveName(ref: string): { name: string; qualifier: string | undefined } {
    const p = parseFunctionRef(ref);
    if ((p.accountId !== undefined && p.accountId !== this.accountId) || (p.region !== undefined && p.region !== this.region)) {
      throw this.notFound(p.name, p.qualifier);
    }
    return { name: p.name, qualifier: p.qualifier };
  }

  get(ref: string): FunctionRecord {
    const { name } = this.resolveName(ref);
    const rec = this.functions.get(name);
    if (!rec) throw this.notFound(name);
    return rec;
  }

  has(name: string): boolean {
    return this.functions.has(name);
  }

  list(): FunctionRecord[] {
    return [...this.functions.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** As `version`, but an alias gives its own version, without weighted routing (GetFunction, GetFunctionConfiguration). */
  versionExact(ref: string, qualifier?: string): { record: FunctionRecord; version: VersionRecord; alias: AliasRecord | undefined } {
    return this.version(ref, qualifier, false);
  }

  /** Where GetFunction says a version's deployment package can be downloaded (Freshet serves it there). */
  codeLocation(v: VersionRecord): string {
    const hex = Buffer.from(v.codeSha256, 'base64').toString('hex');
    return `${this.endpointUrl ?? 'http://127.0.0.1:4567'}/freshet/functions/code/${hex}.zip`;
  }

  /** The configuration a qualifier names: $LATEST (default), a version number, or an alias (its version). */
  version(ref: string, qualifier?: string, route = true): { record: FunctionRecord; version: VersionRecord; alias: AliasRecord | undefined } {
    const { name, qualifier: fromRef } = this.resolveName(ref);
    if (fromRef !== undefined && qualifier !== undefined && fromRef !== qualifier) {
      throw lambdaError('InvalidParameterValueException', 'The derived qualifier from the function name does not match the specified qualifier.');
    }
    const q = qualifier ?? fromRef;
    const record = this.functions.get(name);
    if (!record) throw this.notFound(name, q);
    if (q === undefined || q === '$LATEST') return { record, version: record.latest, alias: undefined };
    const v = record.versions[q];
    if (v) return { record, version: v, alias: undefined };
    const alias = record.aliases[q];
    if (!alias) throw this.notFound(name, q);
    let target = alias.functionVersion;
    // Weighted alias routing: a share of invocations goes to the additional version.
    if (route) {
      for (const [ver, weight] of Object.entries(alias.additionalVersionWeights)) {
        if (Math.random() < weight) target = ver;
      }
    }
    const version = target === '$LATEST' ? record.latest : record.versions[target];
    if (!version) throw this.notFound(name, target);
    return { record, version, alias };
  }

  // ---- functions ---------------------------------------------------------------------------------

  /** Under `--auth enforce`, Lambda must be able to assume the execution role (its trust policy names `lambda.amazonaws.com`). */
  private checkTrust(role: string | undefined): void {
    if (role !== undefined && this.roles !== undefined && !this.roles.assumableBy(role, 'lambda.amazonaws.com')) {
      throw lambdaError('InvalidParameterValueException', 'The role defined for the function cannot be assumed by Lambda.');
    }
  }

  async createFunction(
    name: string,
    settings: FunctionSettings,
    code: CodeSource,
    opts: { tags?: Record<string, string>; publish?: boolean } = {},
  ): Promise<{ record: FunctionRecord; version: VersionRecord }> {
    validateName(name);
    validateSettings(settings, true);
    this.checkTrust(settings.role);
    return this.withLock(name, async () => {
      if (this.functions.has(name)) {
        throw lambdaError('ResourceConflictException', `Function already exist: ${name}`);
      }
      const stored = await this.storeCode(code);
      const now = this.clock.now();
      const latest: VersionRecord = {
        version: '$LATEST',
        runtime: settings.runtime!,
        handler: settings.handler ?? '',
        role: settings.role!,
        description: settings.description ?? '',
        timeoutSeconds: settings.timeoutSeconds ?? LIMITS.defaultTimeoutSeconds,
        memoryMb: settings.memoryMb ?? LIMITS.defaultMemoryMb,
        environment: { ...(settings.environment ?? {}) },
        codeSha256: stored.sha256,
        codeSize: stored.size,
        architectures: settings.architectures ?? ['x86_64'],
        ephemeralStorageMb: settings.ephemeralStorageMb ?? 512,
        layers: settings.layers ?? [],
        deadLetterTargetArn: settings.deadLetterTargetArn,
        tracingMode: settings.tracingMode ?? 'PassThrough',
        lastModifiedMs: now,
        revisionId: randomUUID(),
      };
      const record: FunctionRecord = {
        name,
        createdMs: now,
        latest,
        versions: {},
        nextVersion: 1,
        aliases: {},
        tags: { ...(opts.tags ?? {}) },
        reservedConcurrency: undefined,
        eventInvokeConfig: undefined,
      };
      let version = latest;
      if (opts.publish) version = this.publishInto(record, undefined);
      await this.persist(record);
      this.functions.set(name, record);
      return { record, version };
    });
  }

  async updateFunctionCode(
    ref: string,
    code: CodeSource,
    opts: { publish?: boolean; revisionId?: string } = {},
  ): Promise<{ record: FunctionRecord; version: VersionRecord }> {
    const { name } = this.resolveName(ref);
    const stored = await this.storeCode(code);
    return this.withLock(name, async () => {
      const record = this.get(name);
      this.checkRevision(record.latest, opts.revisionId);
      record.latest = { ...record.latest, codeSha256: stored.sha256, codeSize: stored.size, lastModifiedMs: this.clock.now(), revisionId: randomUUID() };
      let version = record.latest;
      if (opts.publish) version = this.publishInto(record, undefined);
      await this.persist(record);
      this.retirePools(name, '$LATEST');
      return { record, version };
    });
  }

  async updateFunctionConfiguration(
    ref: string,
    settings: FunctionSettings,
    opts: { revisionId?: string } = {},
  ): Promise<{ record: FunctionRecord; version: VersionRecord }> {
    const { name } = this.resolveName(ref);
    validateSettings(settings, false);
    this.checkTrust(settings.role);
    return this.withLock(name, async () => {
      const record = this.get(name);
      this.checkRevision(record.latest, opts.revisionId);
      const l = record.latest;
      record.latest = {
        ...l,
        ...(settings.runtime !== undefined ? { runtime: settings.runtime } : {}),
        ...(settings.handler !== undefined ? { handler: settings.handler } : {}),
        ...(settings.role !== undefined ? { role: settings.role } : {}),
        ...(settings.description !== undefined ? { description: settings.description } : {}),
        ...(settings.timeoutSeconds !== undefined ? { timeoutSeconds: settings.timeoutSeconds } : {}),
        ...(settings.memoryMb !== undefined ? { memoryMb: settings.memoryMb } : {}),
        ...(settings.environment !== undefined ? { environment: { ...settings.environment } } : {}),
        ...(settings.architectures !== undefined ? { architectures: settings.architectures } : {}),
        ...(settings.ephemeralStorageMb !== undefined ? { ephemeralStorageMb: settings.ephemeralStorageMb } : {}),
        ...(settings.layers !== undefined ? { layers: settings.layers } : {}),
        ...(settings.deadLetterTargetArn !== undefined ? { deadLetterTargetArn: settings.deadLetterTargetArn || undefined } : {}),
        ...(settings.tracingMode !== undefined ? { tracingMode: settings.tracingMode } : {}),
        lastModifiedMs: this.clock.now(),
        revisionId: randomUUID(),
      };
      await this.persist(record);
      this.retirePools(name, '$LATEST');
      return { record, version: record.latest };
    });
  }

  private checkRevision(v: { revisionId: string }, revisionId: string | undefined): void {
    if (revisionId !== undefined && revisionId !== v.revisionId) {
      throw lambdaError(
        'PreconditionFailedException',
        'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
      );
    }
  }

  /** DeleteFunction, or with a qualifier one published version (not $LATEST, not one an alias uses). */
  async deleteFunction(ref: string, qualifier?: string): Promise<void> {
    const { name, qualifier: fromRef } = this.resolveName(ref);
    const q = qualifier ?? fromRef;
    await this.withLock(name, async () => {
      const record = this.get(name);
      if (q !== undefined) {
        if (q === '$LATEST') {
          throw lambdaError('InvalidParameterValueException', '$LATEST version cannot be deleted without deleting the function.');
        }
        if (!record.versions[q]) throw this.notFound(name, q);
        const users = Object.values(record.aliases).filter((a) => a.functionVersion === q || q in a.additionalVersionWeights);
        if (users.length) {
          throw lambdaError(
            'ResourceConflictException',
            `Unable to delete version because the following aliases reference it: [${users.map((a) => a.name).join(', ')}]`,
          );
        }
        delete record.versions[q];
        if (record.provisionedConcurrency?.[q]) delete record.provisionedConcurrency[q];
        this.deallocate(name, q);
        await this.persist(record);
        this.retirePools(name, q);
      } else {
        this.functions.delete(name);
        for (const q of Object.keys(record.provisionedConcurrency ?? {})) this.deallocate(name, q);
        await this.storage.meta.delete(FUNCTION_META_PREFIX + name);
        this.retirePools(name, undefined);
        this.logs.forget(name);
        this.metrics?.forget(name);
      }
      await this.collectCode();
    });
  }

  private async collectCode(): Promise<void> {
    const keep = new Set<string>();
    for (const r of this.functions.values()) {
      keep.add(Buffer.from(r.latest.codeSha256, 'base64').toString('hex'));
      for (const v of Object.values(r.versions)) keep.add(Buffer.from(v.codeSha256, 'base64').toString('hex'));
    }
    await this.code.gc(keep);
  }

  /** The directory an environment of this version runs from. */
  codeDirOf(v: VersionRecord): string {
    return this.code.dirOf(Buffer.from(v.codeSha256, 'base64').toString('hex'));
  }

  // ---- versions and aliases ------------------------------------------------------------------------

  private publishInto(record: FunctionRecord, description: string | undefined): VersionRecord {
    const latest = record.latest;
    // Nothing changed since the last published version: Lambda returns that version.
    const last = record.versions[String(record.nextVersion - 1)];
    if (last && sameConfiguration(last, latest) && (description === undefined || description === last.description)) return last;
    const v: VersionRecord = {
      ...latest,
      version: String(record.nextVersion),
      description: description ?? latest.description,
      revisionId: randomUUID(),
      lastModifiedMs: this.clock.now(),
      environment: { ...latest.environment },
    };
    record.versions[v.version] = v;
    record.nextVersion++;
    return v;
  }

  async publishVersion(ref: string, opts: { codeSha256?: string; description?: string; revisionId?: string } = {}): Promise<VersionRecord> {
    const { name } = this.resolveName(ref);
    return this.withLock(name, async () => {
      const record = this.get(name);
      if (opts.codeSha256 !== undefined && opts.codeSha256 !== record.latest.codeSha256) {
        throw lambdaError(
          'InvalidParameterValueException',
          `CodeSHA256 (${opts.codeSha256}) is different from current CodeSHA256 in $LATEST (${record.latest.codeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
        );
      }
      this.checkRevision(record.latest, opts.revisionId);
      const v = this.publishInto(record, opts.description);
      await this.persist(record);
      return v;
    });
  }

  listVersions(ref: string): VersionRecord[] {
    const r = this.get(ref);
    return [r.latest, ...Object.values(r.versions).sort((a, b) => Number(a.version) - Number(b.version))];
  }

  private checkAliasTarget(record: FunctionRecord, version: string, weights: Record<string, number> | undefined): void {
    if (version !== '$LATEST' && !record.versions[version]) throw this.notFound(record.name, version);
    for (const [v, w] of Object.entries(weights ?? {})) {
      if (!record.versions[v]) throw this.notFound(record.name, v);
      if (!(w >= 0 && w <= 1))
        throw lambdaError(
          'ValidationException',
          `1 validation error detected: Value '${w}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Member must have value less than or equal to 1.0`,
        );
    }
  }

  async createAlias(
    ref: string,
    alias: { name: string; functionVersion: string; description?: string; additionalVersionWeights?: Record<string, number> },
  ): Promise<AliasRecord> {
    const { name } = this.resolveName(ref);
    if (!/^(?!^[0-9]+$)([a-zA-Z0-9-_]+)$/.test(alias.name) || alias.name.length > 128) {
      throw lambdaError(
        'ValidationException',
        `1 validation error detected: Value '${alias.name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)`,
      );
    }
    return this.withLock(name, async () => {
      const record = this.get(name);
      if (record.aliases[alias.name]) {
        throw lambdaError('ResourceConflictException', `Alias already exists: ${this.arn(name, alias.name)}`);
      }
      this.checkAliasTarget(record, alias.functionVersion, alias.additionalVersionWeights);
      const a: AliasRecord = {
        name: alias.name,
        functionVersion: alias.functionVersion,
        description: alias.description ?? '',
        additionalVersionWeights: { ...(alias.additionalVersionWeights ?? {}) },
        revisionId: randomUUID(),
      };
      record.aliases[a.name] = a;
      await this.persist(record);
      return a;
    });
  }

  getAlias(ref: string, aliasName: string): AliasRecord {
    const record = this.get(ref);
    const a = record.aliases[aliasName];
    if (!a) {
      throw lambdaError('ResourceNotFoundException', `Alias not found: ${this.arn(record.name, aliasName)}`);
    }
    return a;
  }

  listAliases(ref: string, functionVersion?: string): AliasRecord[] {
    return Object.values(this.get(ref).aliases)
      .filter((a) => functionVersion === undefined || a.functionVersion === functionVersion)
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async updateAlias(
    ref: string,
    aliasName: string,
    update: { functionVersion?: string; description?: string; additionalVersionWeights?: Record<string, number>; revisionId?: string },
  ): Promise<AliasRecord> {
    const { name } = this.resolveName(ref);
    return this.withLock(name, async () => {
      const record = this.get(name);
      const a = this.getAlias(name, aliasName);
      this.checkRevision(a, update.revisionId);
      const next: AliasRecord = {
        ...a,
        ...(update.functionVersion !== undefined ? { functionVersion: update.functionVersion } : {}),
        ...(update.description !== undefined ? { description: update.description } : {}),
        ...(update.additionalVersionWeights !== undefined ? { additionalVersionWeights: { ...update.additionalVersionWeights } } : {}),
        revisionId: randomUUID(),
      };
      this.checkAliasTarget(record, next.functionVersion, next.additionalVersionWeights);
      record.aliases[aliasName] = next;
      await this.persist(record);
      return next;
    });
  }

  async deleteAlias(ref: string, aliasName: string): Promise<void> {
    const { name } = this.resolveName(ref);
    await this.withLock(name, async () => {
      const record = this.get(name);
      delete record.aliases[aliasName];
      if (record.provisionedConcurrency?.[aliasName]) delete record.provisionedConcurrency[aliasName];
      this.deallocate(name, aliasName);
      await this.persist(record);
    });
  }

  // ---- tags, concurrency, event invoke config ------------------------------------------------------

  async tag(ref: string, tags: Record<string, string>): Promise<void> {
    const { name } = this.resolveName(ref);
    await this.withLock(name, async () => {
      const record = this.get(name);
      record.tags = { ...record.tags, ...tags };
      await this.persist(record);
    });
  }

  async untag(ref: string, keys: readonly string[]): Promise<void> {
    const { name } = this.resolveName(ref);
    await this.withLock(name, async () => {
      const record = this.get(name);
      const tags = { ...record.tags };
      for (const k of keys) delete tags[k];
      record.tags = tags;
      await this.persist(record);
    });
  }

  private reservedTotal(except?: string): number {
    let sum = 0;
    for (const r of this.functions.values()) if (r.name !== except && r.reservedConcurrency !== undefined) sum += r.reservedConcurrency;
    return sum;
  }

  /** PutFunctionConcurrency: reserves concurrency, leaving the account's unreserved minimum. */
  async putConcurrency(ref: string, reserved: number): Promise<number> {
    const { name } = this.resolveName(ref);
    return this.withLock(name, async () => {
      const record = this.get(name);
      if (!Number.isInteger(reserved) || reserved < 0) {
        throw lambdaError(
          'ValidationException',
          `1 validation error detected: Value '${reserved}' at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 0`,
        );
      }
      if (this.accountConcurrency - this.reservedTotal(name) - reserved < this.minUnreserved) {
        throw lambdaError(
          'InvalidParameterValueException',
          `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${this.minUnreserved}].`,
        );
      }
      record.reservedConcurrency = reserved;
      await this.persist(record);
      return reserved;
    });
  }

  async deleteConcurrency(ref: string): Promise<void> {
    const { name } = this.resolveName(ref);
    await this.withLock(name, async () => {
      const record = this.get(name);
      record.reservedConcurrency = undefined;
      await this.persist(record);
    });
  }

  accountSettings(): { concurrentExecutions: number; unreservedConcurrentExecutions: number; functionCount: number; totalCodeSize: number } {
    let total = 0;
    for (const r of this.functions.values()) {
      total += r.latest.codeSize;
      for (const v of Object.values(r.versions)) total += v.codeSize;
    }
    return {
      concurrentExecutions: this.accountConcurrency,
      unreservedConcurrentExecutions: this.accountConcurrency - this.reservedTotal() - this.provisionedUnreservedTotal(),
      functionCount: this.functions.size,
      totalCodeSize: total,
    };
  }

  async putEventInvokeConfig(ref: string, cfg: Partial<Omit<EventInvokeConfig, 'lastModifiedMs'>>, replace: boolean): Promise<EventInvokeConfig> {
    const { name } = this.resolveName(ref);
    return this.withLock(name, async () => {
      const record = this.get(name);
      const base =
        replace || !record.eventInvokeConfig
          ? { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600, onSuccess: undefined, onFailure: undefined }
          : record.eventInvokeConfig;
      record.eventInvokeConfig = { ...base, ...cfg, lastModifiedMs: this.clock.now() } as EventInvokeConfig;
      await this.persist(record);
      return record.eventInvokeConfig;
    });
  }

  async deleteEventInvokeConfig(ref: string): Promise<void> {
    const { name } = this.resolveName(ref);
    await this.withLock(name, async () => {
      const record = this.get(name);
      record.eventInvokeConfig = undefined;
      await this.persist(record);
    });
  }

  // ---- provisioned concurrency ---------------------------------------------------------------------

  /** The version a provisioned concurrency qualifier keeps warm: a published version, or an alias's version. */
  private provisionedTarget(record: FunctionRecord, qualifier: string): { version: string; alias: AliasRecord | undefined } {
    if (qualifier === '$LATEST') {
      throw lambdaError('InvalidParameterValueException', 'The function resource provided must be an alias or a published version.');
    }
    if (/^\d+$/.test(qualifier)) {
      if (!record.versions[qualifier]) throw this.notFound(record.name, qualifier);
      return { version: qualifier, alias: undefined };
    }
    const alias = record.aliases[qualifier];
    if (!alias) throw lambdaError('ResourceNotFoundException', `Cannot find alias arn: ${this.arn(record.name, qualifier)}`);
    return { version: alias.functionVersion, alias };
  }

  /** Provisioned concurrency of functions without reserved concurrency: it comes out of the unreserved pool. */
  private provisionedUnreservedTotal(exceptName?: string, exceptQualifier?: string): number {
    let sum = 0;
    for (const r of this.functions.values()) {
      if (r.reservedConcurrency !== undefined) continue;
      for (const [q, c] of Object.entries(r.provisionedConcurrency ?? {})) if (r.name !== exceptName || q !== exceptQualifier) sum += c.requested;
    }
    return sum;
  }

  /** PutProvisionedConcurrencyConfig: keeps `requested` environments of a published version (or an alias's) initialised. */
  async putProvisionedConcurrency(ref: string, qualifier: string, requested: number): Promise<ProvisionedConcurrencyState> {
    if (qualifier === '$LATEST') {
      throw lambdaError('InvalidParameterValueException', 'Provisioned Concurrency Configs cannot be applied to unpublished function versions.');
    }
    const { name } = this.resolveName(ref);
    return this.withLock(name, async () => {
      const record = this.get(name);
      const { version, alias } = this.provisionedTarget(record, qualifier);
      if (version === '$LATEST') {
        throw lambdaError('InvalidParameterValueException', 'Provisioned Concurrency Configs cannot be applied to unpublished function versions.');
      }
      const configs = record.provisionedConcurrency ?? {};
      if (alias && configs[version]) {
        throw lambdaError('ResourceConflictException', "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version");
      }
      if (!alias && Object.values(record.aliases).some((a) => a.functionVersion === qualifier && configs[a.name])) {
        throw lambdaError('ResourceConflictException', 'Version is pointed by a Provisioned Concurrency alias');
      }
      if (record.reservedConcurrency !== undefined) {
        let others = 0;
        for (const [q, c] of Object.entries(configs)) if (q !== qualifier) others += c.requested;
        if (others + requested > record.reservedConcurrency) {
          throw lambdaError(
            'InvalidParameterValueException',
            'Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function',
          );
        }
      } else if (this.accountConcurrency - this.reservedTotal() - this.provisionedUnreservedTotal(name, qualifier) - requested < this.minUnreserved) {
        throw lambdaError(
          'InvalidParameterValueException',
          `Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${this.minUnreserved}].`,
        );
      }
      record.provisionedConcurrency = { ...configs, [qualifier]: { requested, lastModifiedMs: this.clock.now() } };
      await this.persist(record);
      this.deallocate(name, qualifier);
      this.allocate(record, qualifier);
      return this.provisionedState(record, qualifier);
    });
  }

  /** GetProvisionedConcurrencyConfig. */
  getProvisionedConcurrency(ref: string, qualifier: string): ProvisionedConcurrencyState {
    const record = this.get(ref);
    this.provisionedTarget(record, qualifier);
    if (!record.provisionedConcurrency?.[qualifier]) {
      throw lambdaError('ProvisionedConcurrencyConfigNotFoundException', 'No Provisioned Concurrency Config found for this function');
    }
    return this.provisionedState(record, qualifier);
  }

  /** ListProvisionedConcurrencyConfigs, by qualifier. */
  listProvisionedConcurrency(ref: string): ProvisionedConcurrencyState[] {
    const record = this.get(ref);
    return Object.keys(record.provisionedConcurrency ?? {})
      .sort()
      .map((q) => this.provisionedState(record, q));
  }

  /** DeleteProvisionedConcurrencyConfig: the environments kept for it become on-demand ones (reaped when idle). */
  async deleteProvisionedConcurrency(ref: string, qualifier: string): Promise<void> {
    const { name } = this.resolveName(ref);
    await this.withLock(name, async () => {
      const record = this.get(name);
      this.provisionedTarget(record, qualifier);
      if (!record.provisionedConcurrency?.[qualifier]) return;
      delete record.provisionedConcurrency[qualifier];
      await this.persist(record);
      this.deallocate(name, qualifier);
    });
  }

  private provisionedState(record: FunctionRecord, qualifier: string): ProvisionedConcurrencyState {
    const c = record.provisionedConcurrency![qualifier]!;
    const a = this.allocations.get(`${record.name}\u0000${qualifier}`);
    let ready = 0;
    if (a) for (const e of a.envs) if (e.state === 'idle' || e.state === 'busy') ready++;
    const allocated = Math.min(ready, c.requested);
    const failed = a?.failure !== undefined;
    const done = a?.settled === true && allocated >= c.requested;
    return {
      qualifier,
      requested: c.requested,
      allocated,
      available: done ? allocated : 0,
      status: failed ? 'FAILED' : done ? 'READY' : 'IN_PROGRESS',
      statusReason: failed ? a!.failure : undefined,
      lastModifiedMs: c.lastModifiedMs,
    };
  }

  /** Starts keeping a configuration's environments warm (after a put, or at open). */
  private allocate(record: FunctionRecord, qualifier: string): void {
    const c = record.provisionedConcurrency?.[qualifier];
    if (!c || this.closed) return;
    const alias = record.aliases[qualifier];
    const version = alias ? alias.functionVersion : qualifier;
    const v = record.versions[version];
    if (!v) return;
    const pool = this.poolFor(record, v);
    const a: Allocation = {
      name: record.name,
      qualifier,
      version,
      requested: c.requested,
      pool,
      envs: new Set(),
      starting: 0,
      settled: false,
      failure: undefined,
      timer: null,
      cancelled: false,
    };
    a.timer = this.clock.setTimer(() => {
      a.timer = null;
      a.settled = true;
    }, this.provisionedReadyMs);
    this.allocations.set(`${record.name}\u0000${qualifier}`, a);
    pool.allocations.add(a);
    this.warm(a);
  }

  /** Starts environments until the allocation has as many as it asks for. */
  private warm(a: Allocation): void {
    while (!a.cancelled && !this.closed && a.failure === undefined && a.envs.size + a.starting < a.requested) {
      a.starting++;
      this.startEnvironment(a.pool, 'provisioned-concurrency').then(
        ({ env, failure }) => {
          a.starting--;
          if (failure) {
            a.failure = `FUNCTION_ERROR_INIT_FAILURE`;
            this.report(`provisioned concurrency of ${a.name}:${a.qualifier}: init failed (${failure.errorType}: ${failure.errorMessage})`);
            return;
          }
          if (a.cancelled || this.closed || a.pool.retired) {
            a.pool.envs.delete(env);
            env.kill();
            return;
          }
          env.provisioned = true;
          this.logs.append(
            a.name,
            env.spec.logStreamName,
            this.clock.now(),
            `INIT_START Runtime Version: ${env.spec.runtime}\tRuntime Version ARN: freshet:${env.spec.runtime}\n${env.takeInitOutput()}`,
          );
          a.envs.add(env);
          a.pool.idle.push(env);
        },
        (e: unknown) => {
          a.starting--;
          a.failure = 'FUNCTION_ERROR_INIT_FAILURE';
          this.report(`provisioned concurrency of ${a.name}:${a.qualifier}`, e);
        },
      );
    }
  }

  /** Stops keeping a configuration's environments: idle ones stop now, busy ones once their invocation ends. */
  private deallocate(name: string, qualifier: string): void {
    const key = `${name}\u0000${qualifier}`;
    const a = this.allocations.get(key);
    if (!a) return;
    this.allocations.delete(key);
    a.cancelled = true;
    a.timer?.cancel();
    a.pool.allocations.delete(a);
    for (const e of a.envs) {
      e.provisioned = false;
      const i = a.pool.idle.indexOf(e);
      if (i >= 0) {
        a.pool.idle.splice(i, 1);
        a.pool.envs.delete(e);
        e.kill();
      }
    }
    a.envs.clear();
  }

  /** Environments kept warm by provisioned concurrency, per function (tests, the console). */
  provisionedEnvironmentCount(name: string): number {
    let n = 0;
    for (const a of this.allocations.values()) if (a.name === name) for (const e of a.envs) if (e.state === 'idle' || e.state === 'busy') n++;
    return n;
  }

  // ---- environments ----------------------------------------------------------------------------------

  private poolKey(name: string, v: VersionRecord): string {
    return `${name}\u0000${v.version}\u0000${v.revisionId}`;
  }

  private poolFor(record: FunctionRecord, v: VersionRecord): Pool {
    const key = this.poolKey(record.name, v);
    let pool = this.pools.get(key);
    if (!pool) {
      const spec: EnvironmentSpec = {
        functionName: record.name,
        version: v.version,
        runtime: v.runtime,
        handler: v.handler,
        memoryMb: v.memoryMb,
        timeoutSeconds: v.timeoutSeconds,
        codeDir: this.codeDirOf(v),
        environment: v.environment,
        region: this.region,
        accountId: this.accountId,
        endpointUrl: this.endpointUrl,
        roleArn: v.role,
        logGroupName: `/aws/lambda/${record.name}`,
        logStreamName: '',
        pythonPath: this.pythonPath,
        nodePath: this.nodePath,
      };
      pool = { key, spec, envs: new Set(), idle: [], retired: false, allocations: new Set() };
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** Stops the environments of a function (or one version of it) once they finish what they run. */
  private retirePools(name: string, version: string | undefined): void {
    for (const [key, pool] of this.pools) {
      if (pool.spec.functionName !== name || (version !== undefined && pool.spec.version !== version)) continue;
      this.retirePool(key, pool);
    }
  }

  private retirePool(key: string, pool: Pool): void {
    pool.retired = true;
    this.pools.delete(key);
    for (const a of pool.allocations) a.cancelled = true;
    pool.allocations.clear();
    for (const e of pool.idle) e.kill();
    pool.idle.length = 0;
  }

  private async acquireEnvironment(pool: Pool): Promise<{ env: Environment; failure: InitFailure | undefined; cold: boolean }> {
    // A provisioned environment is taken before an on-demand one.
    if (pool.allocations.size) {
      for (let i = pool.idle.length - 1; i >= 0; i--) {
        const env = pool.idle[i]!;
        if (env.provisioned && env.state === 'idle') {
          pool.idle.splice(i, 1);
          return { env, failure: undefined, cold: false };
        }
      }
    }
    while (pool.idle.length) {
      const env = pool.idle.pop()!;
      if (env.state === 'idle') return { env, failure: undefined, cold: false };
      pool.envs.delete(env);
    }
    return this.startEnvironment(pool, 'on-demand');
  }

  /** Starts one environment of the pool (its init runs now); a failed one is stopped and left out of the pool. */
  private async startEnvironment(
    pool: Pool,
    initializationType: 'on-demand' | 'provisioned-concurrency',
  ): Promise<{ env: Environment; failure: InitFailure | undefined; cold: boolean }> {
    const spec: EnvironmentSpec = {
      ...pool.spec,
      initializationType,
      endpointUrl: this.endpointUrl,
      // Lambda's execution-role session lasts as long as an environment may (Freshet stops idle ones after idleEnvironmentMs).
      ...(this.roles ? { credentials: this.roles.credentials(pool.spec.roleArn, pool.spec.functionName, ROLE_SESSION_SECONDS) } : {}),
      logStreamName: logStreamName(this.clock.now(), pool.spec.version, randomBytes(16).toString('hex')),
    };
    // A package uploaded through another node is fetched from the shared storage first (a cluster); a package that
    // cannot be fetched whole fails the invocation with a retryable ServiceException rather than run.
    try {
      await this.ensureCode(basename(pool.spec.codeDir));
    } catch (e) {
      this.report(`fetching the code of ${pool.spec.functionName} from the shared storage`, e);
      throw e;
    }
    const env = new Environment(spec, this.clock);
    pool.envs.add(env);
    env.onStrayOutput = (text) => this.logs.append(spec.functionName, spec.logStreamName, this.clock.now(), text);
    const failure = await env.start();
    if (failure) {
      env.kill();
      pool.envs.delete(env);
    }
    return { env, failure, cold: true };
  }

  private releaseEnvironment(pool: Pool, env: Environment): void {
    if (env.state === 'idle' && !pool.retired && !this.closed) {
      pool.idle.push(env);
      return;
    }
    pool.envs.delete(env);
    env.kill();
    // A provisioned environment that ended (a timeout, a crash) is replaced.
    if (env.provisioned && !pool.retired && !this.closed) {
      for (const a of pool.allocations) {
        if (a.envs.delete(env)) this.warm(a);
      }
    }
  }

  private scheduleReap(): void {
    if (this.closed) return;
    this.reaper = this.clock.setTimer(
      () => {
        const now = this.clock.now();
        for (const pool of this.pools.values()) {
          const keep: Environment[] = [];
          for (const e of pool.idle) {
            if (e.state === 'idle' && (e.provisioned || now - e.lastUsedMs < this.idleMs)) keep.push(e);
            else {
              pool.envs.delete(e);
              e.kill();
            }
          }
          pool.idle = keep;
        }
        this.scheduleReap();
      },
      Math.min(60_000, this.idleMs),
    );
  }

  /** Number of environments (processes) running or idle, per function name. */
  environmentCount(name?: string): number {
    let n = 0;
    for (const p of this.pools.values()) if (name === undefined || p.spec.functionName === name) n += p.envs.size;
    return n;
  }

  // ---- invocation ------------------------------------------------------------------------------------

  private acquireConcurrency(record: FunctionRecord): () => void {
    const name = record.name;
    const reserved = record.reservedConcurrency;
    const used = this.inFlight.get(name) ?? 0;
    if (reserved !== undefined) {
      if (used >= reserved) {
        throw lambdaError('TooManyRequestsException', 'Rate Exceeded.', { Type: 'User', Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
      }
    } else if (this.unreservedInFlight >= this.accountConcurrency - this.reservedTotal()) {
      throw lambdaError('TooManyRequestsException', 'Rate Exceeded.', { Type: 'User', Reason: 'ConcurrentInvocationLimitExceeded' });
    }
    this.inFlight.set(name, used + 1);
    this.totalInFlight++;
    if (reserved === undefined) this.unreservedInFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.totalInFlight--;
      this.inFlight.set(name, (this.inFlight.get(name) ?? 1) - 1);
      if (reserved === undefined) this.unreservedInFlight--;
    };
  }

  /** Invoke: RequestResponse (default), Event (queued, 202) or DryRun (204). */
  async invoke(ref: string, payload: Uint8Array, opts: InvokeOptions = {}): Promise<InvokeResult> {
    const type = opts.invocationType ?? 'RequestResponse';
    const { record, version } = this.version(ref, opts.qualifier);
    const requestId = randomUUID();
    const limit = type === 'Event' ? LIMITS.maxAsyncPayloadBytes : LIMITS.maxSyncPayloadBytes;
    if (payload.length > limit) {
      throw lambdaError('RequestTooLargeException', `Request must be smaller than ${limit} bytes for the InvokeFunction operation`);
    }
    let body = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    if (body.length === 0) body = Buffer.from('{}');
    else if (!opts.trustedPayload) {
      try {
        JSON.parse(body.toString('utf8'));
      } catch (e) {
        throw lambdaError(
          'InvalidRequestContentException',
          `Could not parse request body into json: Could not parse payload into json: ${(e as Error).message}`,
        );
      }
    }
    let clientContext: string | undefined;
    if (opts.clientContext !== undefined) {
      clientContext = Buffer.from(opts.clientContext, 'base64').toString('utf8');
      try {
        JSON.parse(clientContext);
      } catch {
        throw lambdaError('InvalidRequestContentException', 'Client context must be a valid Base64-encoded JSON object.');
      }
    }
    if (type === 'DryRun')
      return { statusCode: 204, payload: Buffer.alloc(0), functionError: undefined, logResult: undefined, executedVersion: version.version, requestId };
    if (type === 'Event') {
      const ev: AsyncEvent = {
        requestId,
        name: record.name,
        qualifier: opts.qualifier ?? this.resolveName(ref).qualifier,
        payload: Buffer.from(body),
        attempts: 0,
        firstMs: this.clock.now(),
      };
      // Acknowledged only once durable.
      await this.asyncLog.add(ev);
      this.enqueueAsync(ev);
      return { statusCode: 202, payload: Buffer.alloc(0), functionError: undefined, logResult: undefined, executedVersion: version.version, requestId };
    }
    const invokedArn = this.arn(record.name, opts.qualifier ?? this.resolveName(ref).qualifier);
    return this.run(record, version, body, { requestId, invokedArn, clientContext, tail: opts.logType === 'Tail' });
  }

  /** Runs one synchronous invocation on an environment of `version`. */
  private async run(
    record: FunctionRecord,
    version: VersionRecord,
    payload: Buffer,
    o: { requestId: string; invokedArn: string; clientContext: string | undefined; tail: boolean },
  ): Promise<InvokeResult> {
    // The invoked ARN's eighth field is the qualifier it named (a version or alias), if any.
    const qualifier = o.invokedArn.split(':')[7];
    const metrics = this.metrics?.invocation(record.name, qualifier, version.version);
    let release: () => void;
    try {
      release = this.acquireConcurrency(record);
    } catch (e) {
      metrics?.throttled();
      throw e;
    }
    metrics?.started(this.inFlight.get(record.name) ?? 1, this.totalInFlight);
    const pool = this.poolFor(record, version);
    const { requestId } = o;
    let env: Environment | undefined;
    try {
      const acquired = await this.acquireEnvironment(pool);
      env = acquired.env;
      if (pool.allocations.size) metrics?.provisioned(env.provisioned);
      const stream = env.spec.logStreamName;
      const name = record.name;
      const init = acquired.cold ? env.takeInitOutput() : '';
      if (acquired.cold) {
        this.logs.append(
          name,
          stream,
          this.clock.now(),
          `INIT_START Runtime Version: ${version.runtime}\tRuntime Version ARN: freshet:${version.runtime}\n${init}`,
        );
      }
      const startMs = performance.now();
      if (acquired.failure) {
        const f = acquired.failure;
        const errorPayload = f.payload ?? Buffer.from(JSON.stringify({ errorType: f.errorType, errorMessage: f.errorMessage }));
        const text =
          `INIT_REPORT Init Duration: ${env.initDurationMs.toFixed(2)} ms\tPhase: init\tStatus: error\tError Type: ${f.errorType}\n` +
          `START RequestId: ${requestId} Version: ${version.version}\n` +
          `END RequestId: ${requestId}\n` +
          `REPORT RequestId: ${requestId}\tDuration: ${(performance.now() - startMs).toFixed(2)} ms\tBilled Duration: 1 ms\tMemory Size: ${version.memoryMb} MB\tMax Memory Used: 0 MB\tStatus: error\tError Type: ${f.errorType}\n`;
        this.logs.append(name, stream, this.clock.now(), text);
        metrics?.invoked(performance.now() - startMs, true);
        return {
          statusCode: 200,
          payload: errorPayload,
          functionError: 'Unhandled',
          logResult: o.tail ? tailBase64(init + text, LIMITS.tailBytes) : undefined,
          executedVersion: version.version,
          requestId,
        };
      }
      const deadlineMs = this.clock.now() + version.timeoutSeconds * 1000;
      const outcome = await env.invoke({
        requestId,
        payload,
        invokedArn: o.invokedArn,
        deadlineMs,
        traceId: `Root=1-${Math.floor(this.clock.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`,
        ...(o.clientContext !== undefined ? { clientContext: o.clientContext } : {}),
      });
      const durationMs = performance.now() - startMs;
      metrics?.invoked(durationMs, outcome.kind !== 'response');
      return this.finish(record, version, env, outcome, { requestId, durationMs, tail: o.tail, init, cold: acquired.cold });
    } finally {
      release();
      if (env) this.releaseEnvironment(pool, env);
    }
  }

  // hot path: once per invocation.
  private finish(
    record: FunctionRecord,
    version: VersionRecord,
    env: Environment,
    outcome: InvocationOutcome,
    o: { requestId: string; durationMs: number; tail: boolean; init: string; cold: boolean },
  ): InvokeResult {
    const { requestId } = o;
    let payload: Buffer;
    let functionError: 'Unhandled' | undefined;
    let platform = '';
    switch (outcome.kind) {
      case 'response':
        payload = outcome.payload;
        break;
      case 'error':
        payload = outcome.payload;
        functionError = 'Unhandled';
        break;
      case 'timeout': {
        const secs = version.timeoutSeconds.toFixed(2);
        payload = Buffer.from(
          JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${requestId} Error: Task timed out after ${secs} seconds` }),
        );
        functionError = 'Unhandled';
        platform = `${new Date(this.clock.now()).toISOString()} ${requestId} Task timed out after ${secs} seconds\n`;
        break;
      }
      case 'exit':
        payload = Buffer.from(JSON.stringify({ errorType: outcome.errorType, errorMessage: outcome.errorMessage }));
        functionError = 'Unhandled';
        platform = `${outcome.errorMessage}\n${outcome.errorType}\n`;
        break;
    }
    const memUsed = env.maxMemoryUsedMb(o.tail);
    const initPart = o.cold && !env.initReported ? `\tInit Duration: ${env.initDurationMs.toFixed(2)} ms` : '';
    env.initReported = true;
    let text = `START RequestId: ${requestId} Version: ${version.version}\n${outcome.output}`;
    if (text.length && !text.endsWith('\n')) text += '\n';
    if (outcome.kind === 'exit') text += platform;
    text += `END RequestId: ${requestId}\n`;
    text += `REPORT RequestId: ${requestId}\tDuration: ${o.durationMs.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(o.durationMs))} ms\tMemory Size: ${version.memoryMb} MB\tMax Memory Used: ${memUsed} MB${initPart}\t\n`;
    if (outcome.kind === 'timeout') text += platform;
    this.logs.append(record.name, env.spec.logStreamName, this.clock.now(), text);
    return {
      statusCode: 200,
      payload,
      functionError,
      logResult: o.tail ? tailBase64(o.init + text, LIMITS.tailBytes) : undefined,
      executedVersion: version.version,
      requestId,
    };
  }

  // ---- asynchronous invocation ---------------------------------------------------------------------

  private enqueueAsync(ev: AsyncEvent): void {
    const p = this.runAsync(ev)
      .then((outcome) => {
        if (outcome === 'done') this.asyncLog.done(ev.requestId);
      })
      .finally(() => this.asyncPending.delete(p));
    this.asyncPending.add(p);
  }

  /**
   * Runs an Event invocation. A function error is retried after the delays of
   * the function's event invoke config (Lambda: two retries, about a minute
   * and two minutes apart); a throttle is retried until the event is too old.
   * The outcome goes to the OnSuccess / OnFailure destination when one is set.
   */
  private async runAsync(ev: AsyncEvent): Promise<'done' | 'pending'> {
    if (this.closed) return 'pending';
    let record: FunctionRecord;
    let version: VersionRecord;
    try {
      ({ record, version } = this.version(ev.name, ev.qualifier));
    } catch {
      // The function (or version) is gone: nothing can run the event.
      return 'done';
    }
    const cfg = record.eventInvokeConfig;
    const maxRetries = cfg?.maximumRetryAttempts ?? 2;
    const maxAgeMs = (cfg?.maximumEventAgeSeconds ?? 21_600) * 1000;
    ev.attempts++;
    let result: InvokeResult | undefined;
    let throttled = false;
    try {
      result = await this.run(record, version, ev.payload, {
        requestId: ev.requestId,
        invokedArn: this.arn(record.name, ev.qualifier),
        clientContext: undefined,
        tail: false,
      });
    } catch (e) {
      if (e instanceof AwsError && e.code === 'TooManyRequestsException') throttled = true;
      else {
        this.report(`async invocation of ${record.name} failed`, e);
        return 'done';
      }
    }
    // Stopping: an invocation cut short by the environments going away runs again after the restart.
    if (this.closed) return 'pending';
    const age = this.clock.now() - ev.firstMs;
    const failed = throttled || result?.functionError !== undefined;
    if (failed && !this.closed) {
      const retriesLeft = throttled ? age < maxAgeMs : ev.attempts <= maxRetries && age < maxAgeMs;
      if (retriesLeft) {
        if (throttled) ev.attempts--;
        const delay = throttled ? 1000 : (this.asyncDelays[Math.min(ev.attempts - 1, this.asyncDelays.length - 1)] ?? 60_000);
        const t = this.clock.setTimer(() => {
          this.asyncTimers.delete(t);
          this.enqueueAsync(ev);
        }, delay);
        this.asyncTimers.add(t);
        return 'pending';
      }
    }
    const destination = failed ? cfg?.onFailure : cfg?.onSuccess;
    if (destination && this.deliverDestination) {
      let requestPayload: unknown;
      let responsePayload: unknown;
      try {
        requestPayload = JSON.parse(ev.payload.toString('utf8'));
      } catch {
        requestPayload = ev.payload.toString('utf8');
      }
      try {
        responsePayload = result ? JSON.parse(result.payload.toString('utf8')) : undefined;
      } catch {
        responsePayload = result?.payload.toString('utf8');
      }
      const record2 = {
        version: '1.0',
        timestamp: new Date(this.clock.now()).toISOString(),
        requestContext: {
          requestId: ev.requestId,
          functionArn: this.arn(record.name, version.version),
          condition: failed ? (throttled ? 'EventAgeExceeded' : 'RetriesExhausted') : 'Success',
          approximateInvokeCount: ev.attempts,
        },
        requestPayload,
        responseContext: {
          statusCode: result?.statusCode ?? 429,
          executedVersion: version.version,
          ...(result?.functionError ? { functionError: result.functionError } : {}),
        },
        responsePayload,
      };
      await this.deliverDestination(destination, record2).catch((e: unknown) => {
        this.metrics?.destinationDeliveryFailure(record.name);
        this.report(`destination ${destination}`, e);
      });
    }
    if (failed && version.deadLetterTargetArn !== undefined) await this.sendToDeadLetter(record.name, version.deadLetterTargetArn, ev, result);
    return 'done';
  }

  /**
   * An asynchronous event that failed for good goes to the function's dead-letter queue (DeadLetterConfig):
   * the event as the message body, with the RequestID, ErrorCode and ErrorMessage attributes Lambda
   * adds. A failure to send counts as DeadLetterErrors.
   */
  private async sendToDeadLetter(name: string, targetArn: string, ev: AsyncEvent, result: InvokeResult | undefined): Promise<void> {
    const send = this.sendToQueue;
    let errorMessage = 'Rate Exceeded.';
    if (result) {
      try {
        const body = JSON.parse(result.payload.toString('utf8')) as { errorMessage?: unknown };
        errorMessage = typeof body.errorMessage === 'string' ? body.errorMessage : result.payload.toString('utf8');
      } catch {
        errorMessage = result.payload.toString('utf8');
      }
    }
    try {
      if (send === undefined) throw new Error(`no queues to send to ${targetArn}`);
      await send(targetArn, ev.payload.toString('utf8'), {
        RequestID: { dataType: 'String', stringValue: ev.requestId },
        ErrorCode: { dataType: 'Number', stringValue: result ? '200' : '429' },
        ErrorMessage: { dataType: 'String', stringValue: errorMessage.slice(0, 1024) },
      });
    } catch (e) {
      this.metrics?.deadLetterError(name);
      this.report(`dead-letter queue ${targetArn} of ${name}`, e);
    }
  }

  /** Resolves once queued Event invocations have run (tests). */
  async settled(): Promise<void> {
    while (this.asyncPending.size) await Promise.all([...this.asyncPending]);
  }

  async close(): Promise<void> {
    // Pollers stop first: a batch cut short by the environments stopping is not a failure.
    const stopping = this.mappings.close();
    this.unwatch?.();
    this.closed = true;
    this.reaper?.cancel();
    for (const t of this.asyncTimers) t.cancel();
    for (const a of this.allocations.values()) a.timer?.cancel();
    const exits: Promise<void>[] = [];
    for (const pool of this.pools.values()) {
      for (const e of pool.envs) {
        e.kill();
        exits.push(e.whenExited());
      }
    }
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 2000).unref())]);
    await stopping;
    this.pools.clear();
    if (this.tmpRoot) rmSync(this.tmpRoot, { recursive: true, force: true });
  }
}

function sameConfiguration(a: VersionRecord, b: VersionRecord): boolean {
  return (
    a.codeSha256 === b.codeSha256 &&
    a.runtime === b.runtime &&
    a.handler === b.handler &&
    a.role === b.role &&
    a.timeoutSeconds === b.timeoutSeconds &&
    a.memoryMb === b.memoryMb &&
    JSON.stringify(a.environment) === JSON.stringify(b.environment)
  );
}
