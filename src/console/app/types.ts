/** The live feed's shapes, as src/console/live.ts sends them (kept in step by hand: the browser build imports no server code). */
export interface ShardSample {
  id: string;
  open: boolean;
  parent?: string;
  adjacentParent?: string;
  startingHashKey: string;
  endingHashKey: string;
  records: number;
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
  rate: number;
  outRate: number;
  parseErrors: number;
  inputs: string[];
  outputs: string[];
  recentErrors: Array<Record<string, unknown>>;
  lastError?: string;
}

export interface DeliverySample {
  name: string;
  metrics: Record<string, number>;
  rate: number;
  deliveredRate: number;
}

export interface LiveSnapshot {
  timeMs: number;
  streams: StreamSample[];
  apps: AppSample[];
  deliveries: DeliverySample[];
}
