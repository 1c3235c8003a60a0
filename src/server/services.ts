/**
 * The one list of AWS API services mounted on the Freshet server. Firehose and
 * Kinesis Analytics add themselves here, built from the same shared deps.
 */
import type { Clock } from '../core/index.ts';
import type { LogStorage } from '../storage/index.ts';
import { createKinesisService } from '../kinesis/index.ts';
import { createAnalyticsService } from '../analytics/index.ts';
import type { HostOptions as AnalyticsHostOptions } from '../analytics/index.ts';
import type { KinesisEngine } from '../kinesis/index.ts';
import { createFirehoseService } from '../firehose/index.ts';
import type { FirehoseOptions } from '../firehose/index.ts';
import type { AwsService } from '../aws/index.ts';

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
}

export function buildServices(deps: ServiceDeps): AwsService[] {
  const firehose = createFirehoseService(deps);
  return [
    createKinesisService(deps.kinesis),
    firehose,
    // Applications write to delivery streams in-process through the Firehose engine.
    createAnalyticsService(deps, { firehose: firehose.engine, ...(deps.analytics ? { host: deps.analytics } : {}) }),
  ];
}
