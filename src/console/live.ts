/**
 * The live view's snapshot: once a second, every stream's shards (record counts and rates), every SQL
 * application's status and counters, every delivery stream's metrics. Read from the engines' public
 * objects (the same numbers their AWS APIs and CloudWatch metrics report), computed only while a console
 * has the live feed open: with nobody listening the sampler's timer is stopped and it costs nothing.
 */
import type { KinesisEngine } from '../kinesis/index.ts';
import type { AnalyticsService } from '../analytics/index.ts';
import type { FirehoseService } from '../firehose/index.ts';
import type { AuthMode } from '../aws/index.ts';
import type { IamStore } from '../iam/index.ts';
import type { AppSample, DeliverySample, LiveSnapshot, ShardSample, StreamSample, ViewSummary } from './snapshot.ts';

/** What the console reads: the server's engines, as startServer returns them. */
export interface ConsoleTarget {
  kinesis: KinesisEngine;
  services: readonly { targetPrefix: string }[];
  /** Where delivered objects live (`<dataDir>/s3/<bucket>/…`); undefined with in-memory storage. */
  dataDir: string | undefined;
  region: string;
  /** The server's `--auth` mode (default `any`): under `enforce` the console API takes SigV4 like the AWS APIs. */
  auth?: AuthMode;
  /** The materialized views of the Postgres endpoint (startServer's `pg.engine().list()`), when it runs. */
  views?: () => Promise<ReadonlyArray<ViewSummary>>;
  /** The server's identity store (startServer's `iam`): who signed a console API request, and what they may do. */
  iam?: IamStore;
  /**
   * Where the Postgres endpoint listens (startServer's `pg.host`/`pg.port`): the views page creates, refreshes and
   * drops views by sending the statements there as the signed-in caller, as psql would.
   */
  postgres?: { host: string; port: number; tls?: boolean };
}

const ANALYTICS_PREFIX = 'KinesisAnalytics_20150814';
const FIREHOSE_PREFIX = 'Firehose_20150804';

export function analyticsOf(target: ConsoleTarget): AnalyticsService | undefined {
  return target.services.find((s) => s.targetPrefix === ANALYTICS_PREFIX) as AnalyticsService | undefined;
}

export function firehoseOf(target: ConsoleTarget): FirehoseService | undefined {
  return target.services.find((s) => s.targetPrefix === FIREHOSE_PREFIX) as FirehoseService | undefined;
}

function nameFromArn(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

function perSecond(now: number, before: number | undefined, elapsedMs: number): number {
  if (before === undefined || elapsedMs <= 0 || now < before) return 0;
  return Math.round(((now - before) * 1000) / elapsedMs);
}

/** Takes snapshots and turns counters into rates against the previous snapshot. */
export class LiveSampler {
  private prevMs = 0;
  private prev = new Map<string, number>();

  constructor(private readonly target: ConsoleTarget) {}

  sample(nowMs: number): LiveSnapshot {
    const elapsed = this.prevMs === 0 ? 0 : nowMs - this.prevMs;
    const next = new Map<string, number>();
    const counter = (key: string, value: number): number => {
      next.set(key, value);
      return perSecond(value, this.prev.get(key), elapsed);
    };
    const { kinesis } = this.target;
    const streams: StreamSample[] = [];
    for (const name of kinesis.listStreams()) {
      let state: ReturnType<KinesisEngine['stream']>;
      try {
        state = kinesis.stream(name);
      } catch {
        continue; // deleted between the listing and here
      }
      const shards: ShardSample[] = [];
      let rate = 0;
      let records = 0;
      for (const shard of state.shards) {
        if (!shard) continue;
        const end = shard.log.endOffset;
        const r = counter(`s/${name}/${shard.shardId}`, end);
        rate += r;
        records += end;
        const info = shard.info;
        shards.push({
          id: shard.shardId,
          open: shard.closedEnd === undefined,
          ...(info.parentShardId ? { parent: info.parentShardId } : {}),
          ...(info.adjacentParentShardId ? { adjacentParent: info.adjacentParentShardId } : {}),
          startingHashKey: info.startingHashKey,
          endingHashKey: info.endingHashKey,
          records: end,
          rate: r,
        });
      }
      streams.push({ name, status: state.meta.status, retentionHours: state.meta.retentionHours, shards, rate, records });
    }

    const apps: AppSample[] = [];
    const analytics = analyticsOf(this.target);
    if (analytics) {
      for (const app of analytics.registry.list()) {
        const stats = analytics.host.stats(app.name);
        const read = stats?.recordsRead ?? 0;
        const written = stats?.recordsWritten ?? 0;
        apps.push({
          name: app.name,
          status: app.status,
          versionId: app.versionId,
          recordsRead: read,
          recordsWritten: written,
          rate: counter(`a/${app.name}/in`, read),
          outRate: counter(`a/${app.name}/out`, written),
          parseErrors: stats?.parseErrors ?? 0,
          inputs: app.inputs.map((i) => nameFromArn(i.source.resourceArn)),
          outputs: app.outputs.map((o) => nameFromArn(o.destination.resourceArn)),
          recentErrors: stats?.recentErrors.slice(-20) ?? [],
          ...(app.lastError ? { lastError: app.lastError } : {}),
        });
      }
    }

    const deliveries: DeliverySample[] = [];
    const firehose = firehoseOf(this.target);
    if (firehose) {
      const all = firehose.engine.allMetrics();
      for (const name of Object.keys(all).sort()) {
        const m = all[name]!;
        deliveries.push({
          name,
          metrics: { ...m },
          rate: counter(`d/${name}/in`, m.IncomingRecords),
          deliveredRate: counter(`d/${name}/out`, m['DeliveryToS3.Records'] + m['DeliveryToHttpEndpoint.Records']),
        });
      }
    }
    this.prev = next;
    this.prevMs = nowMs;
    return { timeMs: nowMs, streams, apps, deliveries };
  }
}
