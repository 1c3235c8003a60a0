/**
 * The shapes the console's server sends and its browser code reads: the live feed's snapshot
 * (src/console/live.ts) and the tail decoder's answer (POST /console/api/decode). Types only, with no
 * imports, so the browser build (src/console/app/, its own tsconfig with DOM types) and the server share
 * one definition.
 */

export interface ShardSample {
  id: string;
  open: boolean;
  parent?: string;
  adjacentParent?: string;
  startingHashKey: string;
  endingHashKey: string;
  /** Records ever appended (the log's end offset). */
  records: number;
  /** Records per second over the last sample interval. */
  rate: number;
}

export interface StreamSample {
  name: string;
  status: string;
  retentionHours: number;
  shards: ShardSample[];
  rate: number;
  records: number;
}

export interface AppSample {
  name: string;
  status: string;
  versionId: number;
  recordsRead: number;
  recordsWritten: number;
  /** Input records read per second. */
  rate: number;
  /** Output rows written per second. */
  outRate: number;
  parseErrors: number;
  /** Inputs' Kinesis streams and outputs' delivery streams, by name (for the pipeline graph). */
  inputs: string[];
  outputs: string[];
  recentErrors: Array<Record<string, unknown>>;
  lastError?: string;
}

export interface DeliverySample {
  name: string;
  /** Firehose's CloudWatch metrics by name (IncomingRecords, DeliveryToS3.DataFreshness, …). */
  metrics: { readonly [metric: string]: number };
  /** Incoming records per second, and delivered records per second. */
  rate: number;
  deliveredRate: number;
}

export interface LiveSnapshot {
  timeMs: number;
  streams: StreamSample[];
  apps: AppSample[];
  deliveries: DeliverySample[];
}

/** A record's data as the tail shows it: JSON (compacted), UTF-8 text, or `base64:…`. */
export interface DecodedData {
  text: string;
  json: boolean;
}

/** One Kinesis record decoded; a KPL aggregate also lists its user records, de-aggregated on the server. */
export interface DecodedRecord extends DecodedData {
  subRecords?: Array<DecodedData & { partitionKey: string; subSequenceNumber: number }>;
}

/** One materialized view of the Postgres endpoint, as GET /console/api/views lists it (src/views ViewStatus). */
export interface ViewSummary {
  schema: string;
  name: string;
  kind: 'streaming' | 'regular';
  stream: string | undefined;
  autoRefresh: boolean;
  rows: number;
  /** Age of the oldest record not yet in the view; 0 when caught up. */
  lagMs: number;
  lastRefreshMs: number | undefined;
  recordsIngested: number;
  state: 'ok' | 'error';
  lastError: string | undefined;
}
