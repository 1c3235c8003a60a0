/**
 * The KinesisAnalytics_20150814 service (Kinesis Data Analytics API v1, SQL
 * applications) as the Freshet server mounts it: control plane + runtime host.
 */
import type { RoleAuthorizer } from '../aws/index.ts';
import type { Clock } from '../core/index.ts';
import type { LogStorage, MetaStore } from '../storage/index.ts';
import { defineService } from '../aws/index.ts';
import type { AwsService } from '../aws/index.ts';
import { kinesisAnalyticsModel } from '../aws/models/kinesisanalytics.ts';
import { ANALYTICS_ACTIONS } from './actions/index.ts';
import { analyticsErrors } from './errors.ts';
import type { AnalyticsContext } from './actions/context.ts';
import { APP_KEY_PREFIX, ApplicationRegistry, resumePositions } from './registry.ts';
import { AnalyticsHost, type HostOptions } from './runtime/host.ts';
import type { DeliveryInputReader, DeliveryPort, FunctionPort, RunGate, SqlPort, StreamEngine } from './runtime/ports.ts';
import { createSqlPort } from './runtime/sql-adapter.ts';
import { createObjectReader, type BucketLocation, type ObjectReader } from './runtime/reference.ts';
import { unableToDetectSchema, type DiscoverySource } from './discover.ts';
import { log } from '../core/index.ts';
import { deliveryStreamNameFromArn, streamNameFromArn, type ApplicationConfig, type StartingPosition } from './model.ts';

import { formatAppLogLine } from './app-log.ts';
import type { ApplicationLogWriter } from './app-log.ts';

const logger = log.child('analytics');

export interface AnalyticsDeps {
  storage: LogStorage;
  clock: Clock;
  region: string;
  accountId: string;
  /** The in-process Kinesis engine (src/kinesis KinesisEngine). */
  kinesis: StreamEngine;
  /** Root of the embedded object store (`<dataDir>/s3/<bucket>/<key>`); undefined with in-memory storage. */
  dataDir: string | undefined;
  /** Firehose's configuration: reference data is read where Firehose writes each bucket. */
  firehose?: { buckets?: Readonly<Record<string, BucketLocation>>; s3Root?: string } | undefined;
}

/** The slice of src/firehose's FirehoseEngine that outputs to delivery streams use. */
export interface FirehoseEngineLike {
  /** Appends records to a DirectPut delivery stream; rejects with ResourceNotFoundException when it does not exist. */
  put(name: string, datas: readonly Uint8Array[]): Promise<unknown>;
  /** The stream's metadata; throws when it does not exist. */
  meta(name: string): unknown;
  /** Resolves once persisted delivery streams are loaded. */
  ready?(): Promise<void>;
  /** A reader over a delivery stream's records (FirehoseEngine.openRecordReader), for delivery-stream inputs. */
  openRecordReader?(name: string, position: 'TRIM_HORIZON' | 'LATEST', holder: string): Promise<DeliveryInputReader>;
  releaseRecordReader?(name: string, holder: string): Promise<void>;
}

export interface AnalyticsOptions {
  host?: HostOptions;
  /** The Firehose engine, for outputs to delivery streams. */
  firehose?: FirehoseEngineLike;
  /** Delivery-stream writes for Firehose outputs, when not given as `firehose`. */
  delivery?: DeliveryPort;
  /** The server's functions, for LambdaOutput destinations (src/functions' functionInvoker). */
  functions?: FunctionPort;
  /** Overrides the SQL engine adapter (tests of the host itself). */
  sql?: SqlPort;
  /** `--auth enforce`: applications use their inputs and outputs with their RoleARN, checked like any caller. */
  roles?: RoleAuthorizer;
  /** Several nodes on one namespace: applications run only where their lease is held. */
  gate?: RunGate;
  /** CloudWatch Logs: where applications' CloudWatchLoggingOptions lines go (see app-log.ts). */
  logWriter?: ApplicationLogWriter;
}

export interface AnalyticsService extends AwsService {
  readonly registry: ApplicationRegistry;
  readonly host: AnalyticsHost;
  /** Resolves once applications that were running before a restart are running again (or failed). */
  readonly ready: Promise<void>;
  /** What the v1 actions run with (the v2 API serves SQL-1_0 applications through it). */
  readonly context: AnalyticsContext;
  setDelivery(delivery: DeliveryPort | undefined): void;
  close(): Promise<void>;
}

export const TARGET_PREFIX = 'KinesisAnalytics_20150814';

function discoverySource(deps: AnalyticsDeps, readObject: ObjectReader): DiscoverySource {
  return {
    async sampleStream(resourceArn: string, position: StartingPosition, max: number): Promise<Uint8Array[]> {
      const name = streamNameFromArn(resourceArn);
      if (!name) {
        if (deliveryStreamNameFromArn(resourceArn)) {
          throw analyticsErrors.create(
            'InvalidArgumentException',
            'Schema discovery from a delivery stream is not supported by Freshet; use the Kinesis stream that feeds it',
          );
        }
        throw analyticsErrors.create('InvalidArgumentException', `ResourceARN ${resourceArn} is not a Kinesis stream ARN`);
      }
      let d: ReturnType<StreamEngine['describe']>;
      try {
        d = deps.kinesis.describe(name);
      } catch {
        throw analyticsErrors.create('ResourceNotFoundException', `Stream ${name} under account ${deps.accountId} not found.`);
      }
      const out: Uint8Array[] = [];
      // TRIM_HORIZON samples the oldest records; NOW and LAST_STOPPED_POINT the most recent ones
      // (the reader starts `max` records before the tip; the log clamps that to its start).
      const oldest = position === 'TRIM_HORIZON';
      for (const shard of d.shards) {
        const reader = await deps.kinesis.openShardReader(name, shard.shardId, { type: oldest ? 'TRIM_HORIZON' : 'LATEST' });
        if (!oldest) reader.offset = Math.max(0, reader.offset - max);
        const { records } = await reader.read(max);
        for (const r of records) out.push(r.data);
      }
      if (out.length === 0) {
        throw unableToDetectSchema(`No data found in stream ${name} to discover a schema from`, []);
      }
      return oldest ? out.slice(0, max) : out.slice(-max);
    },
    readObject,
  };
}

function deliveryPort(engine: FirehoseEngineLike): DeliveryPort {
  return {
    async putRecordBatch(name, records) {
      await engine.put(name, records);
    },
    ...(engine.openRecordReader
      ? { openReader: (name: string, position: 'TRIM_HORIZON' | 'LATEST', holder: string) => engine.openRecordReader!(name, position, holder) }
      : {}),
    ...(engine.releaseRecordReader ? { releaseReader: (name: string, holder: string) => engine.releaseRecordReader!(name, holder) } : {}),
    exists(name) {
      try {
        engine.meta(name);
        return true;
      } catch {
        return false;
      }
    },
  };
}

export function createAnalyticsService(deps: AnalyticsDeps, options: AnalyticsOptions = {}): AnalyticsService {
  const delivery = options.delivery ?? (options.firehose ? deliveryPort(options.firehose) : undefined);
  const readObject = createObjectReader({ dataDir: deps.dataDir, buckets: deps.firehose?.buckets, s3Root: deps.firehose?.s3Root });
  const host = new AnalyticsHost({
    readObject,
    meta: deps.storage.meta,
    clock: deps.clock,
    streams: deps.kinesis,
    sql: options.sql ?? createSqlPort(options.host?.maxStateRows !== undefined ? { maxStateRows: options.host.maxStateRows } : {}),
    ...(delivery ? { delivery } : {}),
    ...(options.functions ? { functions: options.functions } : {}),
    ...(options.host ? { options: options.host } : {}),
    ...(options.roles ? { roles: options.roles } : {}),
    ...(options.gate ? { gate: options.gate } : {}),
  });
  const o = options.host ?? {};
  const registry = new ApplicationRegistry(deps.storage.meta, deps.clock, host, {
    ...(o.startDelayMs !== undefined ? { startMs: o.startDelayMs } : {}),
    ...(o.stopDelayMs !== undefined ? { stopMs: o.stopDelayMs } : {}),
    ...(o.updateDelayMs !== undefined ? { updateMs: o.updateDelayMs } : {}),
    ...(o.deleteDelayMs !== undefined ? { deleteMs: o.deleteDelayMs } : {}),
  });
  host.onFailure = registry.onRuntimeFailure;
  host.onRoleProblem = registry.onRoleProblem;
  const writer = options.logWriter;
  if (writer) {
    host.onLog = (name, level, message, errorCode) => {
      let app: ApplicationConfig;
      try {
        app = registry.get(name);
      } catch {
        return;
      }
      if (app.logging.length === 0) return;
      const line = formatAppLogLine({ level, message, applicationArn: app.arn, versionId: app.versionId, ...(errorCode !== undefined ? { errorCode } : {}) });
      const now = deps.clock.now();
      for (const l of app.logging) writer.write(l.logStreamArn, now, line);
    };
  }
  const ctx: AnalyticsContext = {
    registry,
    clock: deps.clock,
    region: deps.region,
    accountId: deps.accountId,
    discovery: discoverySource(deps, readObject),
  };
  const wasRunning = registry.load();
  // Applications that were running when the server stopped resume where they checkpointed.
  // Delivery streams an output writes to must be loaded before those applications start.
  // If Firehose fails to load, applications still resume (an output to a missing delivery stream then fails that application).
  const firehoseReady =
    wasRunning.length > 0
      ? (options.firehose?.ready?.() ?? Promise.resolve()).catch((e) => logger.swallowed('waiting for delivery streams to load', e))
      : Promise.resolve();
  const ready = Promise.all(
    wasRunning.map((app) =>
      registry.serialise(app.name, async () => {
        await firehoseReady;
        const live = registry.get(app.name);
        // startLocked records the failure on the application (READY with lastError); the others still resume.
        await registry
          .startLocked(live, resumePositions(live), { resuming: true })
          .catch((e) => logger.swallowed('resuming the application', e, { application: app.name }));
      }),
    ),
  ).then(() => undefined);

  const service = defineService({ model: kinesisAnalyticsModel, actions: ANALYTICS_ACTIONS, errors: analyticsErrors }, ctx);
  return {
    ...service,
    registry,
    host,
    ready,
    context: ctx,
    setDelivery(delivery) {
      host.delivery = delivery;
    },
    async close() {
      await ready;
      await registry.close();
      await host.close();
    },
  };
}

/**
 * SQL applications as leased work (src/cluster/leases.ts): every application RUNNING (or STARTING, or UPDATING to
 * RUNNING) in the shared metadata should run on one node; its version is the configuration's, so a change made
 * through another node restarts it on the owner from its checkpoint.
 */
export function leasedApplications(meta: MetaStore, host: AnalyticsHost) {
  return {
    prefix: 'analytics/',
    desired(): Map<string, number> {
      const out = new Map<string, number>();
      for (const key of meta.keys(APP_KEY_PREFIX)) {
        const app = meta.get<ApplicationConfig>(key);
        if (!app) continue;
        const run = app.status === 'RUNNING' || app.status === 'STARTING' || (app.status === 'UPDATING' && app.targetStatus === 'RUNNING');
        if (run) out.set(app.name, app.versionId);
      }
      return out;
    },
    async start(name: string): Promise<void> {
      const app = meta.get<ApplicationConfig>(APP_KEY_PREFIX + name);
      if (!app) return;
      await host.start(app, resumePositions(app));
    },
    stop(name: string, checkpoint: boolean): Promise<void> {
      return host.stop(name, { checkpoint });
    },
  };
}
