/** The validated contents of a `freshet.yaml` (see schema.ts for the rules). */
import type { RecordFormat } from '../generators/index.ts';
import type { AlarmSpec, DashboardSpec } from './monitoring.ts';

export interface StreamSpec {
  name: string;
  shards?: number;
  mode?: 'provisioned' | 'on-demand';
  retentionHours?: number;
  tags?: Record<string, string>;
}

/** Firehose CreateDeliveryStream input, in AWS's shape. */
export type DeliveryStreamSpec = { DeliveryStreamName: string } & Record<string, unknown>;

export type AppStartPosition = 'NOW' | 'TRIM_HORIZON' | 'LAST_STOPPED_POINT';

/** Kinesis Analytics (SQL) CreateApplication input, in AWS's shape, code already read from codeFile. */
export interface ApplicationSpec {
  ApplicationName: string;
  ApplicationDescription?: string;
  ApplicationCode: string;
  Inputs?: Record<string, unknown>[];
  Outputs?: Record<string, unknown>[];
  CloudWatchLoggingOptions?: Record<string, unknown>[];
  Tags?: { Key: string; Value?: string }[];
  start?: boolean | AppStartPosition;
  /**
   * KinesisAnalyticsV2 shape: a Flink runtime (`FLINK-1_15`, ...) makes this a Flink SQL application created
   * through the v2 API, its SQL (ApplicationCode / codeFile) as PLAINTEXT code; absent or `SQL-1_0`: a KDA SQL application (v1).
   */
  RuntimeEnvironment?: string;
  ServiceExecutionRole?: string;
  /** v2 ApplicationConfiguration (Flink, environment properties, snapshots); the code is filled in from the SQL. */
  ApplicationConfiguration?: Record<string, unknown>;
  /** v2 RunConfiguration for StartApplication (e.g. ApplicationRestoreConfiguration). */
  RunConfiguration?: Record<string, unknown>;
}

export interface GeneratorSpec {
  kind: string;
  stream: string;
  rate?: number | string;
  every?: string;
  batch?: number;
  count?: number;
  seed?: number;
  anomalyRate?: number;
  format?: RecordFormat;
  file?: string;
  speedup?: number;
  timeField?: string;
  partitionKeyField?: string;
}

/** `views:`: Redshift-style external schemas and materialized views (see views.ts). */
export interface ViewsSpec {
  /** The Postgres endpoint's URL (default: $FRESHET_PG_URL, else the endpoint's host, port 5439). */
  postgres?: string;
  externalSchemas: Array<{ name: string; iamRole?: string }>;
  /** Each view's CREATE MATERIALIZED VIEW statement (sqlFile already read). */
  materializedViews: Array<{ name: string; sql: string }>;
}

/** SQS CreateQueue input. */
export interface QueueSpec {
  QueueName: string;
  Attributes?: Record<string, string>;
  tags?: Record<string, string>;
}

/** Lambda CreateFunction input with the code as a directory (resolved against the yaml's folder by the loader). */
export interface FunctionSpec {
  FunctionName: string;
  Runtime: string;
  Handler?: string;
  codeDirectory: string;
  Role?: string;
  Description?: string;
  Timeout?: number;
  MemorySize?: number;
  Environment?: { Variables?: Record<string, string> };
  ReservedConcurrentExecutions?: number;
  Tags?: Record<string, string>;
}

/** An HTTP ingest route (src/ingest): PUT/POST on `path` writes to a stream. */
export interface IngestSpec {
  name: string;
  path: string;
  stream?: string;
  partitionKey?: { header: string } | { field: string };
  apiKey?: string;
  methods?: Array<'PUT' | 'POST'>;
}

/** Lambda CreateEventSourceMapping input. */
export type EventSourceMappingSpec = { FunctionName: string; EventSourceArn: string } & Record<string, unknown>;

export interface PipelineSpec {
  name: string;
  description?: string;
  defaultRoleArn: string;
  streams: StreamSpec[];
  deliveryStreams: DeliveryStreamSpec[];
  applications: ApplicationSpec[];
  generators: GeneratorSpec[];
  queues: QueueSpec[];
  functions: FunctionSpec[];
  eventSourceMappings: EventSourceMappingSpec[];
  ingest: IngestSpec[];
  detectors: Record<string, unknown>[];
  /** CloudWatch alarms: PutMetricAlarm's input, or PutCompositeAlarm's (with AlarmRule). */
  alarms: AlarmSpec[];
  /** CloudWatch dashboards: PutDashboard's input. */
  dashboards: DashboardSpec[];
  views?: ViewsSpec;
}
