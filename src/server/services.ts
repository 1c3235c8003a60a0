/**
 * The one list of AWS API services mounted on the Freshet server. Firehose,
 * Kinesis Analytics and CloudWatch add themselves here, built from the same
 * shared deps; `buildRoutes` lists the non-AWS HTTP routes they bring.
 */
import type { Clock } from '../core/index.ts';
import { MemoryStorage } from '../storage/index.ts';
import type { LogStorage } from '../storage/index.ts';
import { createKinesisService } from '../kinesis/index.ts';
import { createAnalyticsService, createAnalyticsV2Service, emitApplicationMetrics, leasedApplications, leasedFlinkApplications } from '../analytics/index.ts';
import type { LeasedKind } from '../cluster/index.ts';
import type { AnalyticsV2Delays, ApplicationLogWriter, HostOptions as AnalyticsHostOptions } from '../analytics/index.ts';
import type { KinesisEngine, ResourcePolicyStore } from '../kinesis/index.ts';
import { createFirehoseService, emitDeliveryMetrics } from '../firehose/index.ts';
import type { FirehoseOptions } from '../firehose/index.ts';
import type { AwsService, HttpRoute, RoleAuthorizer } from '../aws/index.ts';
import { MetricsEngine, attachKinesisMetrics } from '../metrics/index.ts';
import type { AlarmActionsConfig } from '../metrics/index.ts';
import { createCloudWatchService, prometheusRoute } from '../cloudwatch/index.ts';
import { createDetectorsService } from '../detectors/index.ts';
import type { DetectorsOptions } from '../detectors/index.ts';
import { QueuesEngine, createSqsService } from '../queues/index.ts';
import { FunctionsEngine, alarmActionInvoker, createLambdaService, codeDownloadRoute, functionInvoker, logsRoute } from '../functions/index.ts';
import type { FunctionsEngineOptions } from '../functions/index.ts';
import { ingestRoutes } from '../ingest/index.ts';
import { LogsEngine, createLogsService } from '../logs/index.ts';

export interface ServiceDeps {
  storage: LogStorage;
  clock: Clock;
  region: string;
  accountId: string;
  kinesis: KinesisEngine;
  /** Undefined with in-memory storage. */
  dataDir: string | undefined;
  /** Firehose server configuration (bucket mappings, table schemas, transformation functions). */
  firehose?: FirehoseOptions;
  /** Kinesis Analytics runtime settings (checkpoint interval, tick, grace). */
  analytics?: AnalyticsHostOptions;
  /** Metrics and alarms: alarm action topics (webhook endpoints per SNS topic), evaluation delay, fsync of the metrics store. */
  metrics?: { actions?: AlarmActionsConfig; evaluationDelayMs?: number; fsync?: boolean };
  /** KinesisAnalyticsV2 status delays (tests set them to 0). */
  analyticsV2?: Partial<AnalyticsV2Delays>;
  /** Metric detectors (LookoutMetrics): activation delay, series settings, SNS topic → webhook URL. */
  detectors?: DetectorsOptions;
  /** Functions engine settings (concurrency, retry backoff of event source mappings, runtimes' executables). */
  functions?: Partial<Omit<FunctionsEngineOptions, 'storage' | 'clock' | 'region' | 'accountId' | 'kinesis' | 'queues' | 'dataDir' | 'endpointUrl'>>;
  /** The server's URL once it listens: queue URLs and functions' AWS_ENDPOINT_URL. */
  serverUrl: () => string;
  /** Where Kinesis resource policies are kept (the identity store; in memory when absent). */
  resourcePolicies?: ResourcePolicyStore;
  /** `--auth enforce`: delivery streams, SQL applications and event source mappings act with their roles (src/iam). */
  roles?: RoleAuthorizer;
  /** Several nodes on one JetStream namespace: SQL and Flink applications, delivery streams and event source mappings run where their lease is held. */
  leases?: {
    mayRun(resource: string): Promise<boolean>;
    holds(resource: string): boolean;
    token(resource: string): number | undefined;
    register(kind: LeasedKind): void;
  };
}

/** The AWS services, and the non-AWS routes of functions and ingest (`buildRoutes` adds the services' own). */
export async function buildServices(deps: ServiceDeps): Promise<{ services: AwsService[]; routes: HttpRoute[] }> {
  const queues = await QueuesEngine.open({ storage: deps.storage, clock: deps.clock, region: deps.region, accountId: deps.accountId });
  // CloudWatch Logs: log groups and streams on the storage; applications' CloudWatchLoggingOptions write there.
  const logs = await LogsEngine.open({ storage: deps.storage, clock: deps.clock, region: deps.region, accountId: deps.accountId });
  const functions = await FunctionsEngine.open({
    ...deps.functions,
    storage: deps.storage,
    clock: deps.clock,
    region: deps.region,
    accountId: deps.accountId,
    kinesis: deps.kinesis,
    queues,
    ...(deps.dataDir !== undefined ? { dataDir: deps.dataDir } : {}),
    endpointUrl: deps.serverUrl,
    ...(deps.roles ? { roles: deps.roles } : {}),
    // Mappings poll where their lease is held; packages are shared through the storage (a cluster).
    ...(deps.leases ? { leases: deps.leases } : {}),
  });
  // Lambda processors of delivery streams and SQL applications' Lambda input/output run the server's functions.
  const invoker = functionInvoker(functions);
  const firehose = createFirehoseService({ ...deps, functionInvoker: invoker, ...(deps.leases ? { gate: deps.leases } : {}) });
  // The metrics store lives in <data-dir>/metrics; alarms and dashboards in the storage's metadata.
  const metrics = MetricsEngine.openSync({
    dataDir: deps.dataDir,
    meta: deps.storage.meta,
    clock: deps.clock,
    region: deps.region,
    accountId: deps.accountId,
    ...(deps.metrics?.actions ? { actions: deps.metrics.actions } : {}),
    ...(deps.metrics?.evaluationDelayMs !== undefined ? { evaluationDelayMs: deps.metrics.evaluationDelayMs } : {}),
    // Metrics are as durable as the streams: over in-memory streams (tests, `--storage memory` with a data dir) their
    // block files are written without fsync, which otherwise costs a sync per block at every checkpoint.
    fsync: deps.metrics?.fsync ?? !(deps.storage instanceof MemoryStorage),
    // A cluster: each metric alarm is evaluated, and acts, on one node.
    ...(deps.leases ? { leases: deps.leases } : {}),
  });
  // Alarm actions on arn:aws:lambda:…:function:… invoke the server's functions asynchronously.
  if (!deps.metrics?.actions?.invokeFunction) metrics.actions.setFunctionInvoker(alarmActionInvoker(functions));
  // AWS/Lambda (per invocation, IteratorAge per stream batch) and AWS/SQS (per call; depth and age once a minute).
  functions.emitMetrics(metrics.registry);
  queues.emitMetrics(metrics.registry);
  // AWS/Firehose: every delivery stream's counters, once a second.
  emitDeliveryMetrics(metrics.registry, () => firehose.engine.deliveryMetrics());
  // AWS/Kinesis: the stream actions record into the registry (per shard where enhanced monitoring is on).
  attachKinesisMetrics(deps.kinesis, metrics.registry);
  const kinesis = createKinesisService(deps.kinesis, deps.resourcePolicies ? { resourcePolicies: deps.resourcePolicies } : {});
  // Applications write to delivery streams in-process through the Firehose engine.
  const logWriter = applicationLogWriter(logs);
  const analytics = createAnalyticsService(deps, {
    firehose: firehose.engine,
    logWriter,
    functions: invoker,
    ...(deps.analytics ? { host: deps.analytics } : {}),
    ...(deps.roles ? { roles: deps.roles } : {}),
    ...(deps.leases ? { gate: deps.leases } : {}),
  });
  const flink = createAnalyticsV2Service(deps, {
    v1: analytics.context,
    logWriter,
    // One state cap for SQL applications and Flink jobs.
    ...(deps.analytics?.maxStateRows !== undefined ? { maxStateRows: deps.analytics.maxStateRows } : {}),
    delivery: {
      putRecordBatch: async (name, records) => {
        await firehose.engine.put(name, records);
      },
      exists: (name) => {
        try {
          firehose.engine.meta(name);
          return true;
        } catch {
          return false;
        }
      },
    },
    ...(deps.analyticsV2 ? { delays: deps.analyticsV2 } : {}),
    ...(deps.leases ? { gate: deps.leases } : {}),
  });
  // Detectors read buckets where the delivery streams write them: embedded, or mapped to a remote store.
  const detectors = createDetectorsService({
    clock: deps.clock,
    region: deps.region,
    accountId: deps.accountId,
    dataDir: deps.dataDir,
    bucketPath: (bucket) => {
      const m = deps.firehose?.buckets?.[bucket];
      return m !== undefined && m.kind !== 'null' && m.kind !== 'directory' ? m : firehose.engine.stores.localPath(bucket);
    },
    functions: invoker,
    // Metric sets may read a stream of this server directly (kinesis://<stream>), with their role under --auth enforce.
    kinesis: deps.kinesis,
    // Alert deliveries counted as AWS/LookoutMetrics Delivered / Undelivered.
    metrics: metrics.registry,
    ...(deps.roles ? { roles: deps.roles } : {}),
    ...(deps.detectors ? { options: deps.detectors } : {}),
    // Definitions, results and models in the storage's metadata (shared in a cluster); over in-memory storage with a
    // data directory they stay in files there (<data-dir>/detectors/meta/), as durable as before.
    ...(deps.storage instanceof MemoryStorage && deps.dataDir !== undefined ? {} : { meta: deps.storage.meta }),
    // A cluster: each running detector runs on one node (lease detector/<name>).
    ...(deps.leases ? { leases: deps.leases } : {}),
  });
  if (deps.leases) {
    deps.leases.register(leasedApplications(deps.storage.meta, analytics.host));
    deps.leases.register(leasedFlinkApplications(flink.registry));
    const engine = firehose.engine;
    deps.leases.register({
      prefix: 'firehose/',
      desired: () => engine.leasedStreams(),
      start: (name) => engine.runLeased(name),
      stop: (name) => engine.idleLeased(name),
    });
    deps.leases.register(functions.mappings.leased());
    deps.leases.register(metrics.alarms.leased());
    deps.leases.register(detectors.engine.leased());
  }
  // AWS/KinesisAnalytics: every running application's input and output counters, once a second.
  emitApplicationMetrics(metrics.registry, () => analytics.host.runningStats());
  return {
    // Closed in reverse: functions (their pollers read streams and queues) first, Kinesis and CloudWatch last.
    services: [
      // First, so it closes last: the other services may still emit metrics while they close.
      createCloudWatchService(metrics),
      // Early, so it closes late: applications write their log lines while they stop.
      createLogsService(logs),
      kinesis,
      firehose,
      analytics,
      createSqsService({ queues, baseUrl: deps.serverUrl }),
      createLambdaService({ functions, s3Root: deps.dataDir !== undefined ? `${deps.dataDir}/s3` : undefined }),
      // API v2 (Flink SQL applications); v1 applications show through it as SQL-1_0.
      flink,
      detectors,
    ],
    routes: [codeDownloadRoute(functions), logsRoute(functions), ...ingestRoutes({ kinesis: deps.kinesis, meta: deps.storage.meta })],
  };
}

/** Applications' CloudWatchLoggingOptions lines, appended to the server's CloudWatch Logs streams. */
function applicationLogWriter(logs: LogsEngine): ApplicationLogWriter {
  return {
    write(logStreamArn, timestampMs, message) {
      // writeToArn never rejects; the application does not wait for its log lines.
      void logs.writeToArn(logStreamArn, timestampMs, message);
    },
  };
}

/** The non-AWS HTTP routes the services bring: `GET /metrics` (Prometheus) from the CloudWatch service. */
export function buildRoutes(services: readonly AwsService[]): HttpRoute[] {
  const routes: HttpRoute[] = [];
  for (const s of services) if ('metrics' in s && s.metrics instanceof MetricsEngine) routes.push(prometheusRoute(s.metrics));
  return routes;
}
