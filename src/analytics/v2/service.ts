/**
 * The KinesisAnalytics_20180523 service (Managed Service for Apache Flink, API v2) as the server mounts
 * it: Flink SQL applications on the Kinesis engine, with the KDA v1 applications listed beside them as
 * SQL-1_0 applications.
 */
import type { ApplicationLogWriter } from '../app-log.ts';
import { defineService, type AwsService, type RoleAuthorizer } from '../../aws/index.ts';
import { kinesisAnalyticsV2Model } from '../../aws/models/kinesisanalyticsv2.ts';
import { log, type Clock } from '../../core/index.ts';
import type { LogStorage } from '../../storage/index.ts';
import type { AnalyticsContext } from '../actions/context.ts';
import type { DeliveryPort, StreamEngine } from '../runtime/ports.ts';
import { join } from 'node:path';
import { createObjectReader, type ObjectReader } from '../runtime/reference.ts';
import { ANALYTICS_V2_ACTIONS, type V2Context } from './actions.ts';
import { analyticsV2Errors } from './errors.ts';
import { DEFAULT_V2_DELAYS, FLINK_LEASE_PREFIX, V2Registry, type FlinkGate, type V2Delays } from './registry.ts';

const logger = log.child('analytics-v2');

export interface AnalyticsV2Deps {
  storage: LogStorage;
  clock: Clock;
  region: string;
  accountId: string;
  kinesis: StreamEngine;
  dataDir: string | undefined;
  /** `--auth enforce`: Flink jobs read and write with their ServiceExecutionRole, checked like any caller. */
  roles?: RoleAuthorizer;
  /** The server's base URL, for presigned console URLs (the server's own when absent: http://localhost:4567). */
  serverUrl?: () => string;
}

export interface AnalyticsV2Options {
  /** The v1 API's context: its applications are the SQL-1_0 applications of v2. */
  v1?: AnalyticsContext;
  delays?: Partial<V2Delays>;
  readObject?: ObjectReader;
  /** Delivery streams for `firehose` sinks. */
  delivery?: DeliveryPort;
  /** Rows and groups of state a Flink job may keep (the server's `analytics.maxStateRows`). */
  maxStateRows?: number;
  /** CloudWatch Logs: where jobs' CloudWatchLoggingOptions lines go. */
  logWriter?: ApplicationLogWriter;
  /** Several nodes on one namespace: a job runs only where its application's lease is held (src/cluster/leases.ts). */
  gate?: FlinkGate;
}

export interface AnalyticsV2Service extends AwsService {
  readonly registry: V2Registry;
  /** Resolves once applications that were running before a restart run again (from their last checkpoint). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export function createAnalyticsV2Service(deps: AnalyticsV2Deps, options: AnalyticsV2Options = {}): AnalyticsV2Service {
  const registry = new V2Registry(
    deps.storage.meta,
    deps.clock,
    deps.kinesis,
    { ...DEFAULT_V2_DELAYS, ...options.delays },
    { delivery: options.delivery, s3Root: deps.dataDir !== undefined ? join(deps.dataDir, 's3') : undefined },
  );
  if (deps.roles) registry.roles = { roles: deps.roles, region: deps.region, accountId: deps.accountId };
  registry.maxStateRows = options.maxStateRows;
  registry.logWriter = options.logWriter;
  registry.gate = options.gate;
  const ctx: V2Context = {
    registry,
    region: deps.region,
    accountId: deps.accountId,
    readObject: options.readObject ?? createObjectReader({ dataDir: deps.dataDir }),
    v1: options.v1,
    serverUrl: deps.serverUrl ?? (() => 'http://localhost:4567'),
  };
  const wasRunning = registry.load();
  const ready = Promise.all(
    wasRunning.map((app) =>
      registry
        .serialise(app.name, async () => {
          // What held or failed it before the restart is checked again now.
          delete app.lastError;
          await registry.startJob(app, registry.checkpointState(app.name), { resuming: true });
          app.status = 'RUNNING';
          await registry.save(app);
        })
        .catch((e) => logger.swallowed('resuming a Flink application', e, { application: app.name })),
    ),
  ).then(() => undefined);
  const service = defineService({ model: kinesisAnalyticsV2Model, actions: ANALYTICS_V2_ACTIONS, errors: analyticsV2Errors }, ctx);
  return {
    ...service,
    registry,
    ready,
    async close() {
      await ready;
      await registry.close();
    },
  };
}

/**
 * Flink applications as leased work (src/cluster/leases.ts, resource `flink/<name>`): every application whose job
 * should run (RUNNING, STARTING, AUTOSCALING, or UPDATING/ROLLING_BACK back to RUNNING) runs on its lease's owner;
 * its version is the current configuration's, so an update made through another node restarts the job on the
 * owner from its checkpoint. Starting and stopping here never writes the application's status (registry.ts FlinkGate).
 */
export function leasedFlinkApplications(registry: V2Registry) {
  return {
    prefix: FLINK_LEASE_PREFIX,
    desired: (): Map<string, number> => registry.desiredJobs(),
    start: (name: string): Promise<void> => registry.runLeased(name),
    stop: (name: string, checkpoint: boolean): Promise<void> => registry.idleLeased(name, checkpoint),
  };
}
