/**
 * The metrics engine: the time-series store, the in-process emission
 * registry, alarms and dashboards behind one object, for the CloudWatch
 * service (`GraniteServiceVersion20100801`), the `GET /metrics` route and the
 * engines that emit AWS/Kinesis, AWS/Firehose… metrics.
 */
import { join } from 'node:path';
import type { Clock } from '../core/index.ts';
import type { MetaStore } from '../storage/index.ts';
import { ActionDispatcher, type AlarmActionsConfig } from './alarms/actions.ts';
import { AlarmEngine } from './alarms/engine.ts';
import type { AlarmLeases } from './alarms/engine.ts';
import { Dashboards } from './dashboards.ts';
import { forecastBand } from './band.ts';
import { type GetMetricDataInput, type GetMetricDataOutput, getMetricData } from './get-metric-data.ts';
import type { BandFunction } from './math/evaluate.ts';
import {
  type GetMetricStatisticsInput,
  type ListMetricsInput,
  type MetricDatumInput,
  type MetricRef,
  type StatisticsDatapoint,
  getMetricStatistics,
  listMetrics,
  putMetricData,
} from './metric-data.ts';
import { prometheusText } from './prometheus.ts';
import { MetricsRegistry } from './registry.ts';
import { MetricStore } from './store/store.ts';

export interface MetricsEngineOptions {
  /** The server's data dir; the store lives in `<dataDir>/metrics`. Omitted: in memory. */
  dataDir?: string;
  /** Where alarms, their history and dashboards are kept. */
  meta: MetaStore;
  clock: Clock;
  region?: string;
  accountId?: string;
  /** fsync the metrics log and files (default true). */
  fsync?: boolean;
  /** Metrics log group-commit interval (default 1000 ms): what a kill -9 may lose. */
  commitIntervalMs?: number;
  checkpointIntervalMs?: number;
  maxCacheBytes?: number;
  actions?: AlarmActionsConfig;
  band?: BandFunction;
  evaluationDelayMs?: number;
  /** Start the emission registry (default true). */
  emit?: boolean;
  onWarning?: (message: string) => void;
  /** Several nodes on one JetStream namespace: each metric alarm is evaluated on the node holding its lease (`alarm/<name>`). */
  leases?: AlarmLeases;
}

export class MetricsEngine {
  readonly registry: MetricsRegistry;
  readonly alarms: AlarmEngine;
  readonly dashboards: Dashboards;
  readonly actions: ActionDispatcher;
  private readonly band: BandFunction;

  private constructor(
    readonly store: MetricStore,
    private readonly clock: Clock,
    opts: MetricsEngineOptions,
  ) {
    this.band = opts.band ?? forecastBand;
    this.registry = new MetricsRegistry(clock);
    this.actions = new ActionDispatcher(opts.actions ?? {}, clock);
    const region = opts.region ?? 'us-east-1';
    const accountId = opts.accountId ?? '000000000000';
    this.alarms = new AlarmEngine({
      store,
      meta: opts.meta,
      clock,
      actions: this.actions,
      region,
      accountId,
      evaluationDelayMs: opts.evaluationDelayMs,
      band: this.band,
      onWarning: opts.onWarning,
      beforeEvaluation: () => void this.registry.flush(),
      ...(opts.leases ? { leases: opts.leases } : {}),
    });
    this.dashboards = new Dashboards(opts.meta, clock, accountId);
  }

  static async open(opts: MetricsEngineOptions): Promise<MetricsEngine> {
    return MetricsEngine.openSync(opts);
  }

  /** Opens the store (recovering it), loads alarms and starts evaluating, synchronously. */
  static openSync(opts: MetricsEngineOptions): MetricsEngine {
    const store = MetricStore.openSync({
      dir: opts.dataDir === undefined ? undefined : join(opts.dataDir, 'metrics'),
      clock: opts.clock,
      fsync: opts.fsync,
      commitIntervalMs: opts.commitIntervalMs,
      checkpointIntervalMs: opts.checkpointIntervalMs,
      maxCacheBytes: opts.maxCacheBytes,
      onWarning: opts.onWarning,
    });
    const engine = new MetricsEngine(store, opts.clock, opts);
    engine.alarms.start();
    if (opts.emit ?? true) engine.registry.attach(store);
    return engine;
  }

  putMetricData(namespace: string, data: readonly MetricDatumInput[]): void {
    putMetricData(this.store, this.clock.now(), namespace, data);
  }

  getMetricStatistics(input: GetMetricStatisticsInput): Promise<{ label: string; datapoints: StatisticsDatapoint[] }> {
    this.registry.flush();
    return getMetricStatistics(this.store, this.clock.now(), input);
  }

  getMetricData(input: GetMetricDataInput): Promise<GetMetricDataOutput> {
    this.registry.flush();
    return getMetricData(this.store, this.clock.now(), input, this.band);
  }

  listMetrics(input: ListMetricsInput): { metrics: MetricRef[]; nextToken?: string } {
    this.registry.flush();
    return listMetrics(this.store, this.clock.now(), input);
  }

  /** The Prometheus text exposition of every series. */
  prometheus(): string {
    this.registry.flush();
    return prometheusText(this.store, this.clock.now());
  }

  /** Flushes emitted samples and commits the metrics log. */
  async flush(): Promise<void> {
    this.registry.flush();
    await this.store.flush();
  }

  async close(): Promise<void> {
    this.registry.detach();
    this.alarms.close();
    await this.alarms.idle();
    await this.store.close();
  }
}
