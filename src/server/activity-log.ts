/**
 * What the server says while it runs, on the structured logger (src/core/log.ts, namespace `server`):
 *  - info: streams created and deleted, resharding (open shard count changes), status changes of SQL and
 *    Flink applications;
 *  - info: delivery outcomes per delivery stream, summed over DELIVERY_SUMMARY_MS (one line per stream per
 *    period at most, so a busy stream does not flood the log);
 *  - warn: delivery retries and dropped records, rate-limited the same way;
 *  - debug: every request answered with an error (client errors included), see `logRequestErrors`.
 * It watches the engines' public state every POLL_MS rather than hooking into them: the engines stay free of
 * logging on their hot paths, and a quiet server costs one cheap poll.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { swallowedErrors } from '../core/index.ts';
import type { Clock, Logger, TimerHandle } from '../core/index.ts';
import type { AwsService } from '../aws/index.ts';
import type { KinesisEngine } from '../kinesis/index.ts';
import type { AnalyticsService, AnalyticsV2Service } from '../analytics/index.ts';
import type { FirehoseService } from '../firehose/index.ts';
import type { DetectorsService } from '../detectors/index.ts';
import type { LambdaService } from '../functions/index.ts';

export const POLL_MS = 2_000;
export const DELIVERY_SUMMARY_MS = 60_000;

interface DeliveryTotals {
  records: number;
  objects: number;
  retries: number;
  dropped: number;
}

/** What `GET /status` answers (and `freshet status` shows). */
export interface ServerStatus {
  streams: Array<{
    name: string;
    status: string;
    openShards: number;
    records: number;
    recordsPerSecond: number;
    /** Run-state tags of pipeline generators writing to it (`freshet:generator:…`, see src/pipeline/generators.ts). */
    generators: Record<string, string>;
  }>;
  applications: Array<{
    name: string;
    status: string;
    /**
     * KinesisAnalytics (SQL) or KinesisAnalyticsV2 (Flink SQL). A Flink application reports its job's counters
     * while the job runs, null otherwise; it has no parse error count (null) and no error_stream.
     */
    kind: 'sql' | 'flink';
    recordsRead: number | null;
    rowsWritten: number | null;
    parseErrors: number | null;
    /** Input lag: the largest MillisBehindLatest of the input reader's last read (0 once caught up). */
    millisBehindLatest: number | null;
    lastCheckpointMs: number | null;
    recentErrors: Array<Record<string, unknown>>;
    /** Why the application (SQL) or its Flink job last failed. */
    lastError?: string;
  }>;
  deliveryStreams: Array<{
    name: string;
    destination: 's3' | 'http';
    recordsIn: number;
    recordsDelivered: number;
    objects: number;
    bufferedRecords: number;
    freshnessSeconds: number;
    retries: number;
    dropped: number;
  }>;
  /** Metric detectors (LookoutMetrics). */
  detectors: Array<{
    name: string;
    status: string;
    frequency: string;
    /** Start of the interval live detection runs next, if scheduled. */
    nextIntervalMs: number | null;
    /** The last execution's status and start ('COMPLETED', 'FAILED', …), if any ran. */
    lastExecution: { status: string; startMs: number; failureReason?: string } | null;
    anomalyGroups: number;
  }>;
  /** Lambda-compatible functions. */
  functions: Array<{ name: string; runtime: string /** Warm execution environments. */; environments: number }>;
  /** Event source mappings: state, the last result as Lambda reports it, and the lag of Kinesis sources. */
  eventSourceMappings: Array<{
    uuid: string;
    function: string;
    source: string;
    state: string;
    lastProcessingResult: string;
    recordsProcessed: number;
    /** Age of the last record read from a Kinesis source (Lambda's IteratorAge); 0 for queues. */
    iteratorAgeMs: number;
  }>;
  /**
   * The errors.swallowed metric: failures caught, logged at warn and not rethrown because the work went on (a
   * failed trim, delete, temp-file cleanup…), per logger namespace (`storage`, `kinesis`, `firehose`…), since start
   * (optional for clients: servers before it do not send it).
   */
  swallowedErrors?: Record<string, number>;
}

export interface ActivityLog {
  /** The engines' state now, with stream rates over the last RATE_WINDOW_MS. */
  status(): ServerStatus;
  stop(): void;
}

export const RATE_WINDOW_MS = 10_000;

export function startActivityLog(opts: { kinesis: KinesisEngine; services: readonly AwsService[]; clock: Clock; logger: Logger }): ActivityLog {
  const { kinesis, clock, logger } = opts;
  const analytics = opts.services.find((s) => s.targetPrefix === 'KinesisAnalytics_20150814') as AnalyticsService | undefined;
  const firehose = opts.services.find((s) => s.targetPrefix === 'Firehose_20150804') as FirehoseService | undefined;
  const flink = opts.services.find((s) => s.targetPrefix === 'KinesisAnalytics_20180523') as AnalyticsV2Service | undefined;
  const lookout = opts.services.find((s) => s.signingName === 'lookoutmetrics') as DetectorsService | undefined;
  const lambda = opts.services.find((s) => s.signingName === 'lambda') as LambdaService | undefined;
  const shards = new Map<string, number>();
  const statuses = new Map<string, string>();
  const delivered = new Map<string, DeliveryTotals>();
  const reported = new Map<string, DeliveryTotals>();
  let lastSummary = clock.now();
  let first = true;
  /** Per stream: (time, records) samples of the last RATE_WINDOW_MS, oldest first. */
  const samples = new Map<string, Array<{ ms: number; records: number }>>();

  /** Per stream and shard: the shard's end offset (records appended), kept by a subscription per shard. */
  const ends = new Map<string, Map<string, { end: number; stop: () => void }>>();
  const recordsOf = (name: string): number => {
    let shards = ends.get(name);
    if (!shards) ends.set(name, (shards = new Map()));
    for (const info of kinesis.listShards(name)) {
      if (shards.has(info.shardId)) continue;
      const entry = { end: 0, stop: () => {} };
      entry.stop = kinesis.subscribe(name, info.shardId, (end) => {
        entry.end = end;
      });
      shards.set(info.shardId, entry);
    }
    let n = 0;
    for (const e of shards.values()) n += e.end;
    return n;
  };
  const forget = (name: string): void => {
    for (const e of ends.get(name)?.values() ?? []) e.stop();
    ends.delete(name);
  };
  const sample = (name: string): { records: number; perSecond: number } => {
    const now = clock.now();
    const records = recordsOf(name);
    let list = samples.get(name);
    if (!list) samples.set(name, (list = []));
    list.push({ ms: now, records });
    while (list.length > 2 && now - list[1]!.ms >= RATE_WINDOW_MS) list.shift();
    const oldest = list[0]!;
    const spanMs = now - oldest.ms;
    return { records, perSecond: spanMs > 0 ? ((records - oldest.records) * 1000) / spanMs : 0 };
  };

  const openShards = (name: string): number | undefined => {
    try {
      return kinesis.listShards(name).filter((s) => s.endingSequenceNumber === undefined).length;
    } catch {
      return undefined; // deleted between list and describe
    }
  };

  const poll = () => {
    const names = new Set(kinesis.listStreams());
    for (const name of names) {
      const open = openShards(name);
      if (open === undefined) continue;
      const before = shards.get(name);
      if (before === undefined && !first) logger.info(`stream ${name} created`, { stream: name, openShards: open });
      else if (before !== undefined && before !== open)
        logger.info(`stream ${name} resharded: ${before} → ${open} open shards`, { stream: name, openShards: open });
      shards.set(name, open);
      sample(name);
    }
    for (const name of [...shards.keys()]) {
      if (names.has(name)) continue;
      shards.delete(name);
      samples.delete(name);
      forget(name);
      logger.info(`stream ${name} deleted`, { stream: name });
    }
    // SQL (v1) and Flink (v2) applications live in separate registries and may share a name: keyed apart.
    const seen = new Set<string>();
    const track = (key: string, label: string, name: string, status: string) => {
      seen.add(key);
      const before = statuses.get(key);
      if (before !== status && !(first && status === 'READY'))
        logger.info(`${label} ${name} ${status}${before ? ` (was ${before})` : ''}`, { application: name, status });
      statuses.set(key, status);
    };
    for (const app of analytics?.registry.list() ?? []) track(`sql:${app.name}`, 'application', app.name, app.status);
    for (const app of flink?.registry.list() ?? []) track(`flink:${app.name}`, 'Flink application', app.name, app.status);
    for (const key of [...statuses.keys()]) if (!seen.has(key)) statuses.delete(key);
    if (firehose) {
      for (const [name, m] of Object.entries(firehose.engine.allMetrics())) {
        delivered.set(name, {
          records: m['DeliveryToS3.Records'] + m['DeliveryToHttpEndpoint.Records'],
          objects: m['DeliveryToS3.ObjectCount'],
          retries: m.DeliveryRetries,
          dropped: m.DroppedRecords,
        });
      }
      if (clock.now() - lastSummary >= DELIVERY_SUMMARY_MS) {
        lastSummary = clock.now();
        summarise();
      }
    }
    first = false;
  };

  const summarise = () => {
    for (const [name, now] of delivered) {
      const was = reported.get(name) ?? { records: 0, objects: 0, retries: 0, dropped: 0 };
      const records = now.records - was.records;
      const objects = now.objects - was.objects;
      if (records > 0) logger.info(`delivery stream ${name} delivered ${records} records (${objects} objects)`, { deliveryStream: name, records, objects });
      const dropped = now.dropped - was.dropped;
      // DeliveryRetries counts every failed attempt since the pipeline started: a stream that failed once and
      // recovered would otherwise be warned about every period from then on.
      const retries = now.retries - was.retries;
      if (retries > 0 || dropped > 0)
        logger.warn(`delivery stream ${name} is failing to deliver: ${retries} attempts failed since the last report, ${dropped} records dropped`, {
          deliveryStream: name,
          retries,
          dropped,
        });
      reported.set(name, { ...now });
    }
  };

  let timer: TimerHandle | undefined;
  const tick = () => {
    try {
      poll();
    } catch (e) {
      logger.swallowed('watching the engines for the log', e);
    }
    timer = clock.setTimer(tick, POLL_MS);
  };
  tick();
  return {
    status(): ServerStatus {
      const streams: ServerStatus['streams'] = [];
      for (const name of kinesis.listStreams()) {
        const open = openShards(name);
        if (open === undefined) continue;
        const { records, perSecond } = sample(name);
        const d = kinesis.describe(name);
        const generators: Record<string, string> = {};
        for (const [k, v] of Object.entries(d.tags)) if (k.startsWith('freshet:generator:')) generators[k] = v;
        streams.push({ name, status: d.status, openShards: open, records, recordsPerSecond: Math.round(perSecond * 10) / 10, generators });
      }
      const applications: ServerStatus['applications'] = (analytics?.registry.list() ?? []).map((app) => {
        const stats = analytics!.host.stats(app.name);
        return {
          name: app.name,
          kind: 'sql' as const,
          status: app.status,
          recordsRead: stats?.recordsRead ?? 0,
          rowsWritten: stats?.recordsWritten ?? 0,
          parseErrors: stats?.parseErrors ?? 0,
          millisBehindLatest: stats?.millisBehindLatest ?? 0,
          lastCheckpointMs: stats?.lastCheckpointMs ?? null,
          recentErrors: stats?.recentErrors ?? [],
          ...(app.lastError !== undefined ? { lastError: app.lastError } : {}),
        };
      });
      for (const app of flink?.registry.list() ?? []) {
        const stats = flink!.registry.job(app.name)?.stats();
        applications.push({
          name: app.name,
          kind: 'flink',
          status: app.status,
          recordsRead: stats?.recordsRead ?? null,
          rowsWritten: stats?.rowsWritten ?? null,
          parseErrors: null,
          millisBehindLatest: stats?.millisBehindLatest ?? null,
          lastCheckpointMs: stats?.lastCheckpointMs ?? null,
          recentErrors: [],
          ...(app.lastError !== undefined ? { lastError: app.lastError } : {}),
        });
      }
      const deliveryStreams: ServerStatus['deliveryStreams'] = Object.entries(firehose?.engine.allMetrics() ?? {}).map(([name, m]) => {
        const http = isHttp(firehose!.engine.describe(name));
        return {
          name,
          destination: http ? 'http' : 's3',
          recordsIn: m.IncomingRecords,
          recordsDelivered: http ? m['DeliveryToHttpEndpoint.Records'] : m['DeliveryToS3.Records'],
          objects: m['DeliveryToS3.ObjectCount'],
          bufferedRecords: m.BufferedRecords,
          freshnessSeconds: Math.round(http ? m['DeliveryToHttpEndpoint.DataFreshness'] : m['DeliveryToS3.DataFreshness']),
          retries: m.DeliveryRetries,
          dropped: m.DroppedRecords,
        };
      });
      const detectors: ServerStatus['detectors'] = [];
      if (lookout) {
        const engine = lookout.engine;
        const groupCounts = new Map<string, number>();
        for (const g of engine.groups.values()) groupCounts.set(g.detectorArn, (groupCounts.get(g.detectorArn) ?? 0) + 1);
        for (const d of engine.detectors.values()) {
          const runs = engine.executions.get(d.arn);
          const last = runs?.[runs.length - 1];
          detectors.push({
            name: d.name,
            status: d.status,
            frequency: d.frequency,
            nextIntervalMs: d.nextIntervalMs ?? null,
            lastExecution: last
              ? { status: last.status, startMs: last.startMs, ...(last.failureReason !== undefined ? { failureReason: last.failureReason } : {}) }
              : null,
            anomalyGroups: groupCounts.get(d.arn) ?? 0,
          });
        }
        detectors.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      }
      const functions: ServerStatus['functions'] = (lambda?.functions.list() ?? []).map((f) => ({
        name: f.name,
        runtime: f.latest.runtime,
        environments: lambda!.functions.environmentCount(f.name),
      }));
      const eventSourceMappings: ServerStatus['eventSourceMappings'] = (lambda?.functions.mappings.list() ?? []).map((m) => {
        const stats = lambda!.functions.mappings.stats(m.uuid);
        return {
          uuid: m.uuid,
          function: m.functionArn.slice(m.functionArn.indexOf(':function:') + ':function:'.length),
          source: m.eventSourceArn.slice(m.eventSourceArn.lastIndexOf(':') + 1),
          state: m.state,
          lastProcessingResult: m.lastProcessingResult,
          recordsProcessed: stats.recordsProcessed,
          iteratorAgeMs: stats.iteratorAgeMs,
        };
      });
      return { streams, applications, deliveryStreams, detectors, functions, eventSourceMappings, swallowedErrors: { ...swallowedErrors() } };
    },
    stop() {
      timer?.cancel();
      for (const name of [...ends.keys()]) forget(name);
    },
  };
}

function isHttp(description: Record<string, unknown>): boolean {
  const d = (description.Destinations as Array<Record<string, unknown>> | undefined)?.[0];
  return d?.HttpEndpointDestinationDescription !== undefined;
}

/**
 * Wraps a request listener so that every request answered with an error status is logged at debug (the AWS
 * error type, the action, the status). Used only when debug is enabled: the wrapper costs a listener per request.
 */
export function logRequestErrors(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    res.once('finish', () => {
      if (res.statusCode < 400) return;
      const target = req.headers['x-amz-target'];
      logger.debug(`${res.statusCode} ${res.getHeader('x-amzn-errortype') ?? ''} for ${typeof target === 'string' ? target : `${req.method} ${req.url}`}`, {
        status: res.statusCode,
        errorType: res.getHeader('x-amzn-errortype'),
        action: target,
        client: req.socket.remoteAddress,
      });
    });
    listener(req, res);
  };
}
