/**
 * Metric and composite alarms on the injected clock: PutMetricAlarm,
 * PutCompositeAlarm, DescribeAlarms(ForMetric), DescribeAlarmHistory,
 * DeleteAlarms, SetAlarmState, Enable/DisableAlarmActions semantics.
 *
 * A metric alarm is evaluated at every boundary of its period (epoch-aligned;
 * `evaluationDelayMs` later, so the last second's emitted samples are in):
 * the statistic of each of the last `evaluationRange(N)` periods is read from
 * the store (or the metric-math expression with ReturnData true is evaluated),
 * and evaluate.ts decides the state. A composite alarm is evaluated whenever
 * one of the alarms its rule names changes state (and when it is created or
 * updated): ALARM when the rule is true, OK otherwise; it is INSUFFICIENT_DATA
 * only between creation and that first evaluation.
 *
 * On a state change the alarm's history gets a StateUpdate item and, when
 * actions are enabled, each action of the new state runs once (Action history
 * items record the outcome). SetAlarmState sets a state (with actions) until
 * the next evaluation. Alarms, their states and two weeks of history live in
 * the MetaStore, so a restart keeps them.
 */
import { createHash } from 'node:crypto';
import { log } from '../../core/index.ts';
import type { Clock, TimerHandle } from '../../core/index.ts';
import type { MetaStore } from '../../storage/index.ts';
import { MetricsError } from '../errors.ts';
import { forecastBand } from '../band.ts';
import { type MetricDataQueryInput, evaluateQueries, validateQueries } from '../get-metric-data.ts';
import type { BandFunction, TimeSeries } from '../math/evaluate.ts';
import { type MetricRef, seriesOf } from '../metric-data.ts';
import { aggregate } from '../query.ts';
import { needsDistribution, parseStatistic } from '../stats.ts';
import type { MetricStore } from '../store/store.ts';
import type { Dimension } from '../store/series.ts';
import type { ActionDispatcher, AlarmNotification } from './actions.ts';
import {
  type AlarmStateValue,
  COMPARISON_OPERATORS,
  type ComparisonOperator,
  type EvalPoint,
  type TreatMissingData,
  breaches,
  evaluateWindow,
  evaluationRange,
  isBandOperator,
} from './evaluate.ts';
import { awsJsonDate, longDate, regionName } from './format.ts';
import { AlarmRuleError, type RuleNode, evaluateRule, parseAlarmRule, ruleAlarms } from './rule.ts';
import { lambdaEventMetrics, stateReason, stateReasonData, triggerMetrics } from './text.ts';

export type AlarmType = 'MetricAlarm' | 'CompositeAlarm';

export interface Tag {
  key: string;
  value: string;
}

interface ActionLists {
  actionsEnabled?: boolean;
  okActions?: string[];
  alarmActions?: string[];
  insufficientDataActions?: string[];
}

export interface MetricAlarmInput extends ActionLists {
  alarmName: string;
  alarmDescription?: string;
  metricName?: string;
  namespace?: string;
  statistic?: string;
  extendedStatistic?: string;
  dimensions?: Dimension[];
  periodSec?: number;
  unit?: string;
  evaluationPeriods: number;
  datapointsToAlarm?: number;
  threshold?: number;
  comparisonOperator: string;
  treatMissingData?: string;
  evaluateLowSampleCountPercentile?: string;
  metrics?: MetricDataQueryInput[];
  thresholdMetricId?: string;
  tags?: Tag[];
}

export interface CompositeAlarmInput extends ActionLists {
  alarmName: string;
  alarmDescription?: string;
  alarmRule: string;
  actionsSuppressor?: string;
  actionsSuppressorWaitPeriod?: number;
  actionsSuppressorExtensionPeriod?: number;
  tags?: Tag[];
}

export interface AlarmStateRecord {
  value: AlarmStateValue;
  reason: string;
  reasonData?: string;
  updatedMs: number;
  transitionedMs: number;
}

/** An alarm as DescribeAlarms reports it (camelCase; the codec writes AWS's names). */
export interface AlarmView {
  type: AlarmType;
  alarmName: string;
  alarmArn: string;
  alarmDescription?: string;
  configurationUpdatedMs: number;
  actionsEnabled: boolean;
  okActions: string[];
  alarmActions: string[];
  insufficientDataActions: string[];
  state: AlarmStateRecord;
  metric?: MetricAlarmInput;
  composite?: CompositeAlarmInput & { actionsSuppressedBy?: string; actionsSuppressedReason?: string };
}

export interface HistoryItem {
  alarmName: string;
  alarmType: AlarmType;
  timestampMs: number;
  historyItemType: 'ConfigurationUpdate' | 'StateUpdate' | 'Action';
  historySummary: string;
  historyData: string;
}

interface StoredAlarm {
  type: AlarmType;
  metric?: MetricAlarmInput;
  composite?: CompositeAlarmInput;
  configurationUpdatedMs: number;
  state: AlarmStateRecord;
  tags: Tag[];
}

interface LiveAlarm extends StoredAlarm {
  name: string;
  arn: string;
  timer: TimerHandle | null;
  chain: Promise<void>;
  /** Composite: the parsed rule. */
  rule?: RuleNode;
  /** Metric math: the checked queries. */
  compiled?: ReturnType<typeof validateQueries>;
}

export interface AlarmEngineOptions {
  store: MetricStore;
  meta: MetaStore;
  clock: Clock;
  actions: ActionDispatcher;
  region?: string;
  accountId?: string;
  /** How long after a period boundary the period is evaluated (default 2 s). */
  evaluationDelayMs?: number;
  /** Band function for anomaly-detection alarms (ANOMALY_DETECTION_BAND). */
  band?: BandFunction;
  /** Called with evaluation failures (they never stop the engine). */
  onWarning?: (message: string) => void;
  /** Runs before each evaluation (the metrics engine flushes emitted samples into the store). */
  beforeEvaluation?: () => void;
  /**
   * Several nodes on one JetStream namespace: a metric alarm is evaluated (and its actions run) only on the node
   * holding its lease `alarm/<name>` (src/cluster/leases.ts), so a state change and its actions happen once.
   */
  leases?: AlarmLeases;
}

/** The lease manager as the alarms use it. */
export interface AlarmLeases {
  mayRun(resource: string): Promise<boolean>;
  holds(resource: string): boolean;
}

/** The lease of a metric alarm's evaluation: `alarm/<name>`. */
export const ALARM_LEASE_PREFIX = 'alarm/';

const logger = log.child('metrics').child('alarms');

const ALARM_KEY = 'cloudwatch/alarm/';
const HISTORY_KEY = 'cloudwatch/alarm-history/';
const HISTORY_RETENTION_MS = 14 * 86_400_000;
const TREAT_MISSING: readonly TreatMissingData[] = ['missing', 'notBreaching', 'breaching', 'ignore'];

function invalid(message: string): MetricsError {
  return new MetricsError('ValidationError', message);
}

function isValidAlarmPeriod(p: number): boolean {
  return Number.isInteger(p) && (p === 10 || p === 20 || p === 30 || (p > 0 && p % 60 === 0));
}

export class AlarmEngine {
  private readonly alarms = new Map<string, LiveAlarm>();
  private history: HistoryItem[] = [];
  private historySeq = 0;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly store: MetricStore;
  private readonly meta: MetaStore;
  private readonly clock: Clock;
  private readonly actions: ActionDispatcher;
  readonly region: string;
  readonly accountId: string;
  private readonly delayMs: number;
  private readonly band: BandFunction;
  private readonly warn: (message: string) => void;
  private readonly beforeEvaluation: () => void;
  private readonly leases: AlarmLeases | undefined;
  private closed = false;

  constructor(opts: AlarmEngineOptions) {
    this.store = opts.store;
    this.meta = opts.meta;
    this.clock = opts.clock;
    this.actions = opts.actions;
    this.region = opts.region ?? 'us-east-1';
    this.accountId = opts.accountId ?? '000000000000';
    this.delayMs = opts.evaluationDelayMs ?? 2000;
    this.band = opts.band ?? forecastBand;
    this.warn = opts.onWarning ?? ((message) => logger.warn(message));
    this.beforeEvaluation = opts.beforeEvaluation ?? (() => undefined);
    this.leases = opts.leases;
  }

  /**
   * The leased kind (a cluster): every metric alarm this node knows is evaluated on one node. Taking the lease reads
   * the alarm's state as its previous owner stored it, so a transition that node already made (and acted on) is
   * not made again here.
   */
  leased(): { prefix: string; desired(): ReadonlyMap<string, number>; start(name: string): Promise<void>; stop(name: string): Promise<void> } {
    return {
      prefix: ALARM_LEASE_PREFIX,
      desired: () => {
        const out = new Map<string, number>();
        for (const a of this.alarms.values()) if (a.type === 'MetricAlarm') out.set(a.name, 1);
        return out;
      },
      start: async (name) => {
        const a = this.alarms.get(name);
        const stored = this.meta.get<StoredAlarm>(ALARM_KEY + name);
        if (a && stored && stored.state.updatedMs >= a.state.updatedMs) a.state = stored.state;
      },
      // Evaluations ask for the lease at each period boundary: nothing runs between them.
      stop: async () => undefined,
    };
  }

  /** Loads alarms and history from the MetaStore and starts evaluating. */
  start(): void {
    const now = this.clock.now();
    for (const key of this.meta.keys(ALARM_KEY)) {
      const stored = this.meta.get<StoredAlarm>(key);
      if (!stored) continue;
      const name = key.slice(ALARM_KEY.length);
      const live = this.live(name, stored);
      this.alarms.set(name, live);
    }
    for (const key of this.meta.keys(HISTORY_KEY)) {
      const item = this.meta.get<HistoryItem>(key);
      if (!item) continue;
      if (item.timestampMs < now - HISTORY_RETENTION_MS) {
        this.track(this.meta.delete(key));
        continue;
      }
      this.history.push(item);
      this.historySeq = Math.max(this.historySeq, Number(key.slice(-8)) + 1);
    }
    this.history.sort((a, b) => a.timestampMs - b.timestampMs);
    for (const a of this.alarms.values()) if (a.type === 'MetricAlarm') this.schedule(a);
    // Shared metadata (a cluster): alarms put, changed or deleted through other nodes, and states their evaluating
    // node stored, are followed here (only the lease owner evaluates a metric alarm; see leased()).
    this.unwatch = this.meta.watch?.(ALARM_KEY, (key) => this.followed(key.slice(ALARM_KEY.length)));
  }

  private unwatch: (() => void) | undefined;

  /** An alarm another node wrote or deleted: the copy here follows it. */
  private followed(name: string): void {
    if (this.closed) return;
    const stored = this.meta.get<StoredAlarm>(ALARM_KEY + name);
    const existing = this.alarms.get(name);
    if (!stored) {
      existing?.timer?.cancel();
      this.alarms.delete(name);
      return;
    }
    if (existing && existing.configurationUpdatedMs === stored.configurationUpdatedMs) {
      // Only its state or tags moved (another node evaluated it): the schedule here stays.
      existing.state = stored.state;
      existing.tags = stored.tags;
      return;
    }
    existing?.timer?.cancel();
    const live = this.live(name, stored);
    if (existing) live.chain = existing.chain;
    this.alarms.set(name, live);
    if (live.type === 'MetricAlarm') this.schedule(live);
  }

  arnOf(name: string): string {
    return `arn:aws:cloudwatch:${this.region}:${this.accountId}:alarm:${name}`;
  }

  private live(name: string, stored: StoredAlarm): LiveAlarm {
    const live: LiveAlarm = { ...stored, name, arn: this.arnOf(name), timer: null, chain: Promise.resolve() };
    if (stored.composite) live.rule = parseAlarmRule(stored.composite.alarmRule);
    if (stored.metric?.metrics) live.compiled = validateQueries(stored.metric.metrics, 'Metrics');
    return live;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    const tracked = p.catch((e: unknown) => {
      this.warn(`metrics alarms: ${(e as Error).message}`);
    });
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
    return p;
  }

  /** Resolves once every evaluation, persistence and action started so far has finished. */
  async idle(): Promise<void> {
    for (;;) {
      const chains = [...this.alarms.values()].map((a) => a.chain);
      const work = [...this.pending, ...chains];
      await Promise.all(work);
      const again = [...this.alarms.values()].map((a) => a.chain);
      if (this.pending.size === 0 && again.every((c, i) => c === chains[i])) return;
    }
  }

  private persist(a: LiveAlarm): void {
    const stored: StoredAlarm = {
      type: a.type,
      metric: a.metric,
      composite: a.composite,
      configurationUpdatedMs: a.configurationUpdatedMs,
      state: a.state,
      tags: a.tags,
    };
    this.track(this.meta.put(ALARM_KEY + a.name, stored));
  }

  private addHistory(item: HistoryItem): void {
    this.history.push(item);
    const seq = this.historySeq++;
    this.track(this.meta.put(`${HISTORY_KEY}${String(item.timestampMs).padStart(15, '0')}-${String(seq).padStart(8, '0')}`, item));
    const cutoff = this.clock.now() - HISTORY_RETENTION_MS;
    if (this.history.length > 0 && this.history[0]!.timestampMs < cutoff) {
      const keep = this.history.filter((h) => h.timestampMs >= cutoff);
      this.history = keep;
      for (const key of this.meta.keys(HISTORY_KEY)) {
        if (Number(key.slice(HISTORY_KEY.length, HISTORY_KEY.length + 15)) < cutoff) this.track(this.meta.delete(key));
      }
    }
  }

  // ------------------------------------------------------------------ put

  private validateMetricAlarm(input: MetricAlarmInput): ReturnType<typeof validateQueries> | undefined {
    if (!COMPARISON_OPERATORS.includes(input.comparisonOperator as ComparisonOperator)) {
      throw invalid(`The value ${input.comparisonOperator} for parameter ComparisonOperator is not supported.`);
    }
    const band = isBandOperator(input.comparisonOperator as ComparisonOperator);
    if (input.treatMissingData !== undefined && !TREAT_MISSING.includes(input.treatMissingData as TreatMissingData)) {
      throw invalid(
        `The value ${input.treatMissingData} for parameter TreatMissingData is not supported. Supported values are breaching, notBreaching, ignore and missing.`,
      );
    }
    if (input.evaluateLowSampleCountPercentile !== undefined && !['evaluate', 'ignore'].includes(input.evaluateLowSampleCountPercentile)) {
      throw invalid(
        `Option ${input.evaluateLowSampleCountPercentile} is not supported. Supported options for parameter EvaluateLowSampleCountPercentile are evaluate and ignore.`,
      );
    }
    if (!(input.evaluationPeriods >= 1)) throw invalid('The parameter EvaluationPeriods must be greater than or equal to 1.');
    const m = input.datapointsToAlarm ?? input.evaluationPeriods;
    if (m < 1 || m > input.evaluationPeriods) throw invalid('DatapointsToAlarm must be greater than 0 and less than or equal to EvaluationPeriods.');
    let period: number;
    let compiled: ReturnType<typeof validateQueries> | undefined;
    if (input.metrics !== undefined) {
      for (const [field, v] of [
        ['MetricName', input.metricName],
        ['Namespace', input.namespace],
        ['Statistic', input.statistic],
        ['ExtendedStatistic', input.extendedStatistic],
        ['Period', input.periodSec],
        ['Unit', input.unit],
      ] as const) {
        if (v !== undefined) throw invalid(`The parameters Metrics and ${field} are mutually exclusive and you have specified both.`);
      }
      if (input.dimensions && input.dimensions.length > 0)
        throw invalid('The parameters Metrics and Dimensions are mutually exclusive and you have specified both.');
      compiled = validateQueries(input.metrics, 'Metrics');
      // User Guide: "You can't create an alarm based on a SEARCH expression."
      if (input.metrics.some((q) => q.expression !== undefined && /\bSEARCH\s*\(/.test(q.expression))) {
        throw invalid('SEARCH expressions cannot be used in alarms: an alarm watches a single time series.');
      }
      const returning = input.metrics.filter((q) => q.returnData !== false);
      const wanted = band ? input.metrics.filter((q) => q.id !== input.thresholdMetricId && q.returnData !== false) : returning;
      if (wanted.length !== 1) throw invalid('Exactly one element of the Metrics array must have ReturnData set to true.');
      const periods = new Set(input.metrics.filter((q) => q.metricStat).map((q) => q.metricStat!.periodSec));
      if (periods.size > 1) throw invalid('All metrics in the Metrics array must use the same period.');
      period = [...periods][0] ?? input.metrics.find((q) => q.periodSec !== undefined)?.periodSec ?? 60;
      if (band) {
        const bandQuery = input.metrics.find((q) => q.id === input.thresholdMetricId);
        if (!input.thresholdMetricId || !bandQuery?.expression?.includes('ANOMALY_DETECTION_BAND')) {
          throw invalid(
            `ThresholdMetricId must be the Id of an ANOMALY_DETECTION_BAND expression in Metrics for the comparison operator ${input.comparisonOperator}.`,
          );
        }
      }
    } else {
      if (input.metricName === undefined) throw invalid('One of MetricName or Metrics must be specified.');
      if (input.namespace === undefined) throw new MetricsError('MissingParameter', 'The parameter Namespace is required.');
      if (input.periodSec === undefined) throw new MetricsError('MissingParameter', 'The parameter Period is required.');
      if ((input.statistic === undefined) === (input.extendedStatistic === undefined)) {
        throw invalid('Exactly one of Statistic or ExtendedStatistic must be specified.');
      }
      if (input.statistic !== undefined && parseStatistic(input.statistic)?.kind !== 'basic')
        throw invalid(`The value ${input.statistic} for parameter Statistic is not supported.`);
      if (input.extendedStatistic !== undefined) {
        const spec = parseStatistic(input.extendedStatistic);
        if (!spec || spec.kind === 'basic') throw invalid(`The value ${input.extendedStatistic} for parameter ExtendedStatistic is not supported.`);
      }
      if (band)
        throw invalid(
          `The comparison operator ${input.comparisonOperator} is for anomaly detection alarms, which need Metrics with an ANOMALY_DETECTION_BAND and ThresholdMetricId.`,
        );
      period = input.periodSec;
    }
    if (!isValidAlarmPeriod(period)) throw invalid('The parameter Period must be 10, 20, 30 or a multiple of 60.');
    const total = period * input.evaluationPeriods;
    if (period < 3600 ? total > 86_400 : total > 604_800) {
      throw invalid(
        period < 3600
          ? 'The product of Period and EvaluationPeriods must not exceed 86400 seconds (one day) for periods under one hour.'
          : 'The product of Period and EvaluationPeriods must not exceed 604800 seconds (seven days).',
      );
    }
    if (!band && input.threshold === undefined) throw new MetricsError('MissingParameter', 'The parameter Threshold is required.');
    if (!band && input.thresholdMetricId !== undefined) throw invalid('ThresholdMetricId is only used with the anomaly detection comparison operators.');
    return compiled;
  }

  async putMetricAlarm(input: MetricAlarmInput): Promise<void> {
    const compiled = this.validateMetricAlarm(input);
    const config: MetricAlarmInput = {
      ...input,
      actionsEnabled: input.actionsEnabled ?? true,
      okActions: input.okActions ?? [],
      alarmActions: input.alarmActions ?? [],
      insufficientDataActions: input.insufficientDataActions ?? [],
      dimensions: input.metrics ? undefined : (input.dimensions ?? []),
    };
    delete config.tags;
    await this.put(input.alarmName, 'MetricAlarm', { metric: config }, input.tags, (a) => {
      a.compiled = compiled;
    });
  }

  async putCompositeAlarm(input: CompositeAlarmInput): Promise<void> {
    let rule: RuleNode;
    try {
      rule = parseAlarmRule(input.alarmRule);
    } catch (e) {
      if (e instanceof AlarmRuleError) throw invalid(`Error in AlarmRule: ${e.message}.`);
      throw e;
    }
    const missing = ruleAlarms(rule).filter((ref) => !this.resolve(ref));
    if (missing.length > 0) throw invalid(`Could not save the composite alarm as alarms [${missing.join(', ')}] in the alarm rule do not exist`);
    if (input.actionsSuppressor !== undefined && !this.resolve(input.actionsSuppressor)) {
      throw invalid(`Could not save the composite alarm as the actions suppressor alarm ${input.actionsSuppressor} does not exist`);
    }
    const config: CompositeAlarmInput = {
      ...input,
      actionsEnabled: input.actionsEnabled ?? true,
      okActions: input.okActions ?? [],
      alarmActions: input.alarmActions ?? [],
      insufficientDataActions: input.insufficientDataActions ?? [],
    };
    delete config.tags;
    await this.put(input.alarmName, 'CompositeAlarm', { composite: config }, input.tags, (a) => {
      a.rule = rule;
    });
    const a = this.alarms.get(input.alarmName)!;
    if (this.inCycle(a)) {
      this.warn(`composite alarm ${a.name} is part of a cycle; it is not evaluated`);
      return;
    }
    this.evaluateComposite(a, undefined);
    await a.chain;
  }

  private async put(
    name: string,
    type: AlarmType,
    body: Pick<StoredAlarm, 'metric' | 'composite'>,
    tags: Tag[] | undefined,
    prepare: (a: LiveAlarm) => void,
  ): Promise<void> {
    const now = this.clock.now();
    const existing = this.alarms.get(name);
    if (existing && existing.type !== type) {
      throw invalid(`An alarm named ${name} already exists as a ${existing.type === 'MetricAlarm' ? 'metric' : 'composite'} alarm.`);
    }
    const live: LiveAlarm = existing
      ? { ...existing, ...body, configurationUpdatedMs: now }
      : {
          type,
          ...body,
          name,
          arn: this.arnOf(name),
          configurationUpdatedMs: now,
          // "When this operation creates an alarm, the alarm state is immediately set to INSUFFICIENT_DATA."
          state: { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', updatedMs: now, transitionedMs: now },
          // Tags given when updating an alarm are ignored, as in CloudWatch.
          tags: tags ?? [],
          timer: null,
          chain: Promise.resolve(),
        };
    prepare(live);
    existing?.timer?.cancel();
    live.timer = null;
    this.alarms.set(name, live);
    this.persist(live);
    const view = this.configJson(live);
    this.addHistory({
      alarmName: name,
      alarmType: type,
      timestampMs: now,
      historyItemType: 'ConfigurationUpdate',
      historySummary: `Alarm "${name}" ${existing ? 'updated' : 'created'}`,
      historyData: existing
        ? JSON.stringify({ version: '1.0', type: 'Update', updatedAlarm: view, originalAlarm: this.configJson(existing) })
        : JSON.stringify({ version: '1.0', type: 'Create', createdAlarm: view }),
    });
    // A cluster: the node the alarm was put through evaluates it (unless another node already does).
    if (type === 'MetricAlarm' && this.leases) await this.leases.mayRun(ALARM_LEASE_PREFIX + name);
    if (type === 'MetricAlarm') this.schedule(live);
  }

  private configJson(a: LiveAlarm): Record<string, unknown> {
    const c = a.metric ?? a.composite!;
    return { ...c, alarmArn: a.arn, timestamp: awsJsonDate(a.configurationUpdatedMs) };
  }

  private resolve(ref: string): LiveAlarm | undefined {
    const prefix = `arn:aws:cloudwatch:${this.region}:${this.accountId}:alarm:`;
    return this.alarms.get(ref.startsWith(prefix) ? ref.slice(prefix.length) : ref);
  }

  private inCycle(start: LiveAlarm): boolean {
    const seen = new Set<string>();
    const visit = (a: LiveAlarm): boolean => {
      if (a.name === start.name && seen.size > 0) return true;
      if (seen.has(a.name)) return false;
      seen.add(a.name);
      if (!a.rule) return false;
      return ruleAlarms(a.rule).some((ref) => {
        const child = this.resolve(ref);
        return child ? visit(child) : false;
      });
    };
    return visit(start);
  }

  // ------------------------------------------------------------------ evaluation

  private periodOf(a: LiveAlarm): number {
    const m = a.metric!;
    if (m.periodSec !== undefined) return m.periodSec;
    return m.metrics?.find((q) => q.metricStat)?.metricStat?.periodSec ?? m.metrics?.find((q) => q.periodSec !== undefined)?.periodSec ?? 60;
  }

  private schedule(a: LiveAlarm): void {
    if (this.closed) return;
    const periodMs = this.periodOf(a) * 1000;
    const now = this.clock.now();
    const boundary = Math.floor((now - this.delayMs) / periodMs) * periodMs + periodMs;
    a.timer = this.clock.setTimer(
      () => {
        if (this.alarms.get(a.name) !== a) return;
        // Another node holds this alarm's lease (a cluster): it evaluates, and acts.
        if (this.leases && !this.leases.holds(ALARM_LEASE_PREFIX + a.name)) {
          this.schedule(a);
          return;
        }
        a.chain = a.chain.then(() => this.evaluateMetricAlarm(a, boundary)).catch((e: unknown) => this.warn(`alarm ${a.name}: ${(e as Error).message}`));
        this.schedule(a);
      },
      boundary + this.delayMs - now,
    );
  }

  /** Evaluates a metric alarm now for the periods ending at `boundaryMs` (default: the last boundary), after any evaluation in progress. */
  evaluateNow(name: string, boundaryMs?: number): Promise<void> {
    const a = this.alarms.get(name);
    if (!a?.metric) return Promise.resolve();
    const periodMs = this.periodOf(a) * 1000;
    const b = boundaryMs ?? Math.floor((this.clock.now() - this.delayMs) / periodMs) * periodMs;
    a.chain = a.chain.then(() => this.evaluateMetricAlarm(a, b)).catch((e: unknown) => this.warn(`alarm ${a.name}: ${(e as Error).message}`));
    return a.chain;
  }

  private async evaluateMetricAlarm(a: LiveAlarm, boundaryMs: number): Promise<void> {
    if (this.alarms.get(a.name) !== a) return;
    this.beforeEvaluation();
    const m = a.metric!;
    const periodSec = this.periodOf(a);
    const n = m.evaluationPeriods;
    const range = evaluationRange(n);
    const endSec = Math.floor(boundaryMs / 1000);
    const startSec = endSec - range * periodSec;
    const evalTimeMs = boundaryMs + this.delayMs;
    const points: Array<EvalPoint | null> = new Array(range).fill(null);
    let minSamples = 0;
    if (!m.metrics) {
      const ref: MetricRef = { namespace: m.namespace!, metricName: m.metricName!, dimensions: m.dimensions ?? [] };
      const spec = parseStatistic(m.statistic ?? m.extendedStatistic!)!;
      const buckets = await aggregate(this.store, seriesOf(this.store, ref, m.unit), startSec, endSec, periodSec, needsDistribution(spec), evalTimeMs);
      for (let i = 0; i < range; i++) {
        const v = buckets.value(i, spec);
        if (v === undefined) continue;
        points[i] = { timestampMs: buckets.timestampMs(i), value: v, sampleCount: buckets.count[i]! };
      }
      if (spec.kind === 'percentile' && m.evaluateLowSampleCountPercentile === 'ignore') {
        // User Guide: "fewer than 10/(1-percentile) data points" (10/percentile below the median).
        const p = spec.p / 100;
        minSamples = p >= 0.5 ? 10 / (1 - p) : 10 / p;
      }
    } else {
      // Anomaly bands get a day of history to learn from; the points evaluated are still the last `range` periods.
      const lookbackSec = m.thresholdMetricId ? Math.max(range * periodSec, 86_400) : range * periodSec;
      const values = await evaluateQueries(this.store, evalTimeMs, a.compiled!, (endSec - lookbackSec) * 1000, endSec * 1000, this.band);
      const ret = m.metrics.find((q) => q.id !== m.thresholdMetricId && q.returnData !== false)!;
      const v = values.get(ret.id);
      if (v?.kind !== 'series') throw new Error(`the expression ${ret.id} must return one time series`);
      let upper: TimeSeries | undefined;
      let lower: TimeSeries | undefined;
      if (m.thresholdMetricId) {
        const b = values.get(m.thresholdMetricId);
        if (b?.kind === 'array' && b.items.length === 2) [upper, lower] = b.items;
      }
      const at = (s: TimeSeries | undefined, t: number): number | undefined => {
        if (!s) return undefined;
        const i = s.t.indexOf(t);
        return i >= 0 ? s.v[i] : undefined;
      };
      v.series.t.forEach((t, i) => {
        const k = Math.floor((t - startSec) / periodSec);
        if (k < 0 || k >= range) return;
        points[k] = { timestampMs: t * 1000, value: v.series.v[i]!, sampleCount: 1, upper: at(upper, t), lower: at(lower, t) };
      });
    }
    const op = m.comparisonOperator as ComparisonOperator;
    const treat = (m.treatMissingData ?? 'missing') as TreatMissingData;
    const result = evaluateWindow(points, {
      evaluationPeriods: n,
      datapointsToAlarm: m.datapointsToAlarm ?? n,
      treatMissingData: treat,
      isBreaching: (p) => breaches(op, p, m.threshold ?? 0),
    });
    if (result.state === null || result.state === a.state.value) return;
    if (minSamples > 0 && result.evaluated.some((e) => e.point.sampleCount < minSamples)) return;
    const reason = stateReason({
      result,
      oldState: a.state.value,
      newState: result.state,
      evaluationPeriods: n,
      datapointsToAlarm: m.datapointsToAlarm ?? n,
      comparisonOperator: op,
      threshold: m.threshold,
      treatMissingData: treat,
    });
    const real = points.filter((p): p is EvalPoint => p !== null);
    const reasonData = stateReasonData({
      queryDateMs: evalTimeMs,
      startDateMs: startSec * 1000,
      statistic: m.metrics ? undefined : m.statistic,
      extendedStatistic: m.extendedStatistic,
      unit: m.unit,
      periodSec,
      recent: real,
      threshold: m.threshold,
      evaluated: result.evaluated.map((e) => e.point),
    });
    this.transition(a, result.state, reason, reasonData, evalTimeMs);
  }

  private evaluateComposite(a: LiveAlarm, trigger: LiveAlarm | undefined): void {
    if (!a.rule || this.alarms.get(a.name) !== a) return;
    const value = evaluateRule(a.rule, (ref) => this.resolve(ref)?.state.value);
    const next: AlarmStateValue = value ? 'ALARM' : 'OK';
    if (next === a.state.value) return;
    const now = this.clock.now();
    const children = ruleAlarms(a.rule)
      .map((ref) => this.resolve(ref))
      .filter((c): c is LiveAlarm => c !== undefined);
    const triggering = trigger ? [trigger] : children.filter((c) => c.state.value === 'ALARM');
    const reason = trigger
      ? `${trigger.arn} transitioned to ${trigger.state.value} at ${longDate(trigger.state.transitionedMs)}`
      : `Composite alarm rule evaluated ${value ? 'TRUE' : 'FALSE'} on ${longDate(now)}`;
    const reasonData = JSON.stringify({
      triggeringAlarms: triggering.map((c) => ({
        arn: c.arn,
        state: { value: c.state.value, timestamp: awsJsonDate(c.state.transitionedMs) },
      })),
    });
    this.transition(a, next, reason, reasonData, now);
  }

  private transition(a: LiveAlarm, next: AlarmStateValue, reason: string, reasonData: string | undefined, atMs: number): void {
    const old = a.state;
    a.state = { value: next, reason, reasonData, updatedMs: atMs, transitionedMs: atMs };
    this.persist(a);
    this.addHistory({
      alarmName: a.name,
      alarmType: a.type,
      timestampMs: atMs,
      historyItemType: 'StateUpdate',
      historySummary: `Alarm updated from ${old.value} to ${next}`,
      historyData: JSON.stringify({
        version: '1.0',
        oldState: { stateValue: old.value, stateReason: old.reason, stateReasonData: parseJson(old.reasonData) },
        newState: { stateValue: next, stateReason: reason, stateReasonData: parseJson(reasonData) },
      }),
    });
    this.runActions(a, old, atMs);
    // Composite alarms that name this one re-evaluate now.
    for (const parent of this.alarms.values()) {
      if (parent.rule && ruleAlarms(parent.rule).some((ref) => this.resolve(ref) === a) && !this.inCycle(parent)) this.evaluateComposite(parent, a);
    }
  }

  private actionsSuppressed(a: LiveAlarm): boolean {
    const s = a.composite?.actionsSuppressor;
    if (!s) return false;
    return this.resolve(s)?.state.value === 'ALARM';
  }

  private runActions(a: LiveAlarm, old: AlarmStateRecord, atMs: number): void {
    const cfg = a.metric ?? a.composite!;
    if (!cfg.actionsEnabled) return;
    if (a.type === 'CompositeAlarm' && this.actionsSuppressed(a)) return;
    const list = a.state.value === 'ALARM' ? cfg.alarmActions : a.state.value === 'OK' ? cfg.okActions : cfg.insufficientDataActions;
    if (!list || list.length === 0) return;
    const notification = this.notification(a, old, atMs);
    const functionEvent = this.functionEvent(a, old, atMs);
    const subject = `${a.state.value}: "${a.name}" in ${regionName(this.region)}`;
    for (const arn of list) {
      this.track(
        this.actions.dispatch({ actionArn: arn, notification, functionEvent, subject }).then((outcome) => {
          this.addHistory({
            alarmName: a.name,
            alarmType: a.type,
            timestampMs: this.clock.now(),
            historyItemType: 'Action',
            historySummary: outcome.ok ? `Successfully executed action ${arn}` : `Failed to execute action ${arn}. Received error: "${outcome.detail}"`,
            historyData: JSON.stringify({
              actionState: outcome.ok ? 'Succeeded' : 'Failed',
              notificationResource: arn,
              stateUpdateTimestamp: atMs,
              detail: outcome.detail,
            }),
          });
        }),
      );
    }
  }

  /** The CloudWatch alarm JSON an SNS notification carries. */
  private notification(a: LiveAlarm, old: AlarmStateRecord, atMs: number): AlarmNotification {
    const cfg = a.metric ?? a.composite!;
    const base = {
      AlarmName: a.name,
      AlarmDescription: cfg.alarmDescription ?? null,
      AWSAccountId: this.accountId,
      AlarmConfigurationUpdatedTimestamp: awsJsonDate(a.configurationUpdatedMs),
      NewStateValue: a.state.value,
      NewStateReason: a.state.reason,
      StateChangeTime: awsJsonDate(atMs),
      Region: regionName(this.region),
      AlarmArn: a.arn,
      OldStateValue: old.value,
      OKActions: cfg.okActions ?? [],
      AlarmActions: cfg.alarmActions ?? [],
      InsufficientDataActions: cfg.insufficientDataActions ?? [],
    };
    const m = a.metric;
    if (!m) {
      const data = parseJson(a.state.reasonData) as { triggeringAlarms?: Array<{ arn: string; state: { value: string; timestamp: string } }> } | undefined;
      const children = (data?.triggeringAlarms ?? []).map((t) => ({ Arn: t.arn, State: { Value: t.state.value, Timestamp: t.state.timestamp } }));
      return { ...base, AlarmRule: a.composite!.alarmRule, TriggeringChildren: children };
    }
    // AWS writes TreatMissingData in notifications as this padded line.
    const treat = `- TreatMissingData:                    ${m.treatMissingData ?? 'missing'}`;
    const trigger = m.metrics
      ? {
          Period: this.periodOf(a),
          EvaluationPeriods: m.evaluationPeriods,
          DatapointsToAlarm: m.datapointsToAlarm ?? m.evaluationPeriods,
          ComparisonOperator: m.comparisonOperator,
          Threshold: m.threshold,
          ThresholdMetricId: m.thresholdMetricId,
          TreatMissingData: treat,
          EvaluateLowSampleCountPercentile: m.evaluateLowSampleCountPercentile ?? '',
          Metrics: triggerMetrics(m.metrics),
        }
      : {
          MetricName: m.metricName,
          Namespace: m.namespace,
          StatisticType: m.statistic ? 'Statistic' : 'ExtendedStatistic',
          Statistic: m.statistic ? m.statistic.toUpperCase() : m.extendedStatistic,
          Unit: m.unit ?? null,
          Dimensions: (m.dimensions ?? []).map((d) => ({ value: d.value, name: d.name })),
          Period: m.periodSec,
          EvaluationPeriods: m.evaluationPeriods,
          DatapointsToAlarm: m.datapointsToAlarm ?? m.evaluationPeriods,
          ComparisonOperator: m.comparisonOperator,
          Threshold: m.threshold,
          TreatMissingData: treat,
          EvaluateLowSampleCountPercentile: m.evaluateLowSampleCountPercentile ?? '',
        };
    return { ...base, Trigger: trigger };
  }

  /**
   * The event a Lambda alarm action receives (CloudWatch's documented payload): `source`, `alarmArn`,
   * `accountId`, `time`, `region`, and `alarmData` with the new and previous state and the alarm's
   * configuration — its metrics (camelCase, dimensions as an object) or, for a composite alarm, its rule.
   */
  private functionEvent(a: LiveAlarm, old: AlarmStateRecord, atMs: number): Record<string, unknown> {
    const state = (s: AlarmStateRecord, ms: number) => ({
      value: s.value,
      reason: s.reason,
      ...(s.reasonData !== undefined ? { reasonData: s.reasonData } : {}),
      timestamp: awsJsonDate(ms),
    });
    let configuration: Record<string, unknown>;
    const m = a.metric;
    if (m) {
      const single =
        m.metrics === undefined && m.metricName !== undefined && m.namespace !== undefined
          ? {
              namespace: m.namespace,
              metricName: m.metricName,
              dimensions: m.dimensions ?? [],
              periodSec: m.periodSec ?? 60,
              stat: m.statistic ?? m.extendedStatistic ?? 'Average',
              unit: m.unit,
            }
          : undefined;
      const id = createHash('sha256').update(a.arn).digest('hex').slice(0, 32);
      const uuid = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
      configuration = {
        ...(m.alarmDescription !== undefined ? { description: m.alarmDescription } : {}),
        metrics: lambdaEventMetrics(m.metrics, single, uuid),
      };
    } else {
      const c = a.composite!;
      configuration = {
        ...(c.alarmDescription !== undefined ? { description: c.alarmDescription } : {}),
        alarmRule: c.alarmRule,
        ...(c.actionsSuppressor !== undefined
          ? {
              actionsSuppressor: c.actionsSuppressor,
              actionsSuppressorWaitPeriod: c.actionsSuppressorWaitPeriod,
              actionsSuppressorExtensionPeriod: c.actionsSuppressorExtensionPeriod,
            }
          : {}),
      };
    }
    return {
      source: 'aws.cloudwatch',
      alarmArn: a.arn,
      accountId: this.accountId,
      time: awsJsonDate(atMs),
      region: this.region,
      alarmData: { alarmName: a.name, state: state(a.state, atMs), previousState: state(old, old.updatedMs), configuration },
    };
  }

  // ------------------------------------------------------------------ other actions

  setAlarmState(name: string, value: AlarmStateValue, reason: string, reasonData?: string): void {
    const a = this.alarms.get(name);
    if (!a) throw new MetricsError('ResourceNotFound', `Alarm ${name} not found`);
    if (reasonData !== undefined) {
      try {
        JSON.parse(reasonData);
      } catch {
        throw new MetricsError('InvalidFormat', 'The parameter StateReasonData must be valid JSON.');
      }
    }
    const now = this.clock.now();
    if (a.state.value === value) {
      a.state = { ...a.state, reason, reasonData, updatedMs: now };
      this.persist(a);
      return;
    }
    this.transition(a, value, reason, reasonData, now);
  }

  deleteAlarms(names: readonly string[]): void {
    const missing = names.filter((n) => !this.alarms.has(n));
    if (missing.length > 0) throw new MetricsError('ResourceNotFound', `${missing.length === 1 ? 'Alarm' : 'Alarms'} ${missing.join(', ')} not found`);
    const doomed = new Set(names);
    for (const parent of this.alarms.values()) {
      if (!parent.rule || doomed.has(parent.name)) continue;
      const used = ruleAlarms(parent.rule).filter((ref) => {
        const child = this.resolve(ref);
        return child !== undefined && doomed.has(child.name);
      });
      if (used.length > 0) throw invalid(`Cannot delete alarm ${used.join(', ')}: the composite alarm ${parent.name} uses it in its AlarmRule`);
    }
    const now = this.clock.now();
    for (const name of names) {
      const a = this.alarms.get(name)!;
      a.timer?.cancel();
      this.alarms.delete(name);
      this.track(this.meta.delete(ALARM_KEY + name));
      this.addHistory({
        alarmName: name,
        alarmType: a.type,
        timestampMs: now,
        historyItemType: 'ConfigurationUpdate',
        historySummary: `Alarm "${name}" deleted`,
        historyData: JSON.stringify({ version: '1.0', type: 'Delete', deletedAlarm: this.configJson(a) }),
      });
    }
  }

  setActionsEnabled(names: readonly string[], enabled: boolean): void {
    const now = this.clock.now();
    for (const name of names) {
      const a = this.alarms.get(name);
      if (!a) continue;
      const cfg = a.metric ?? a.composite!;
      if (cfg.actionsEnabled === enabled) continue;
      const before = this.configJson(a);
      cfg.actionsEnabled = enabled;
      a.configurationUpdatedMs = now;
      this.persist(a);
      this.addHistory({
        alarmName: name,
        alarmType: a.type,
        timestampMs: now,
        historyItemType: 'ConfigurationUpdate',
        historySummary: `Alarm "${name}" updated`,
        historyData: JSON.stringify({ version: '1.0', type: 'Update', updatedAlarm: this.configJson(a), originalAlarm: before }),
      });
    }
  }

  // ------------------------------------------------------------------ describe

  private view(a: LiveAlarm): AlarmView {
    const cfg = a.metric ?? a.composite!;
    const v: AlarmView = {
      type: a.type,
      alarmName: a.name,
      alarmArn: a.arn,
      alarmDescription: cfg.alarmDescription,
      configurationUpdatedMs: a.configurationUpdatedMs,
      actionsEnabled: cfg.actionsEnabled ?? true,
      okActions: cfg.okActions ?? [],
      alarmActions: cfg.alarmActions ?? [],
      insufficientDataActions: cfg.insufficientDataActions ?? [],
      state: { ...a.state },
    };
    if (a.metric) v.metric = a.metric;
    if (a.composite) {
      const suppressed = this.actionsSuppressed(a);
      v.composite = {
        ...a.composite,
        ...(suppressed ? { actionsSuppressedBy: 'Alarm', actionsSuppressedReason: `Alarm ${a.composite.actionsSuppressor} is in ALARM state` } : {}),
      };
    }
    return v;
  }

  get(name: string): AlarmView | undefined {
    const a = this.alarms.get(name);
    return a ? this.view(a) : undefined;
  }

  tagsOf(name: string): Tag[] | undefined {
    return this.alarms.get(name)?.tags;
  }

  setTags(name: string, tags: Tag[]): void {
    const a = this.alarms.get(name);
    if (!a) throw new MetricsError('ResourceNotFoundException', `Alarm ${name} not found`);
    a.tags = tags;
    this.persist(a);
  }

  describeAlarms(filter: {
    alarmNames?: readonly string[];
    alarmNamePrefix?: string;
    alarmTypes?: readonly AlarmType[];
    childrenOfAlarmName?: string;
    parentsOfAlarmName?: string;
    stateValue?: AlarmStateValue;
    actionPrefix?: string;
    maxRecords?: number;
    nextToken?: string;
  }): { alarms: AlarmView[]; nextToken?: string } {
    if (filter.alarmNames?.length && filter.alarmNamePrefix !== undefined) {
      throw invalid('The parameters AlarmNames and AlarmNamePrefix are mutually exclusive and you have specified both.');
    }
    let list: LiveAlarm[];
    if (filter.childrenOfAlarmName !== undefined || filter.parentsOfAlarmName !== undefined) {
      if (filter.childrenOfAlarmName !== undefined && filter.parentsOfAlarmName !== undefined) {
        throw invalid('The parameters ChildrenOfAlarmName and ParentsOfAlarmName are mutually exclusive and you have specified both.');
      }
      if (filter.alarmNames?.length || filter.alarmNamePrefix || filter.alarmTypes?.length || filter.stateValue || filter.actionPrefix) {
        throw invalid('ChildrenOfAlarmName and ParentsOfAlarmName cannot be combined with other filters except MaxRecords and NextToken.');
      }
      if (filter.childrenOfAlarmName !== undefined) {
        const parent = this.alarms.get(filter.childrenOfAlarmName);
        list = parent?.rule
          ? ruleAlarms(parent.rule)
              .map((r) => this.resolve(r))
              .filter((c): c is LiveAlarm => c !== undefined)
          : [];
      } else {
        const child = this.alarms.get(filter.parentsOfAlarmName!);
        list = child ? [...this.alarms.values()].filter((p) => p.rule && ruleAlarms(p.rule).some((r) => this.resolve(r) === child)) : [];
      }
    } else {
      // Without AlarmTypes only metric alarms are returned, as the API reference says.
      const types = filter.alarmTypes?.length ? filter.alarmTypes : (['MetricAlarm'] as const);
      list = [...this.alarms.values()].filter((a) => {
        if (!types.includes(a.type)) return false;
        if (filter.alarmNames?.length && !filter.alarmNames.includes(a.name)) return false;
        if (filter.alarmNamePrefix !== undefined && !a.name.startsWith(filter.alarmNamePrefix)) return false;
        if (filter.stateValue !== undefined && a.state.value !== filter.stateValue) return false;
        if (filter.actionPrefix !== undefined && !(a.metric ?? a.composite!).alarmActions?.some((x) => x.startsWith(filter.actionPrefix!))) return false;
        return true;
      });
    }
    list.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    return paginate(list, filter.maxRecords ?? 50, filter.nextToken, (a) => this.view(a), 'alarms');
  }

  describeAlarmsForMetric(filter: {
    metricName: string;
    namespace: string;
    statistic?: string;
    extendedStatistic?: string;
    dimensions?: readonly Dimension[];
    periodSec?: number;
    unit?: string;
  }): AlarmView[] {
    const dimKey = (ds: readonly Dimension[]): string =>
      [...ds]
        .sort((a, b) => (a.name < b.name ? -1 : 1))
        .map((d) => `${d.name}=${d.value}`)
        .join(',');
    const want = filter.dimensions ? dimKey(filter.dimensions) : undefined;
    return [...this.alarms.values()]
      .filter((a) => {
        const m = a.metric;
        if (!m || m.metrics) return false;
        if (m.metricName !== filter.metricName || m.namespace !== filter.namespace) return false;
        if (want !== undefined && dimKey(m.dimensions ?? []) !== want) return false;
        if (filter.statistic !== undefined && m.statistic !== filter.statistic) return false;
        if (filter.extendedStatistic !== undefined && m.extendedStatistic !== filter.extendedStatistic) return false;
        if (filter.periodSec !== undefined && m.periodSec !== filter.periodSec) return false;
        if (filter.unit !== undefined && m.unit !== filter.unit) return false;
        return true;
      })
      .sort((x, y) => (x.name < y.name ? -1 : 1))
      .map((a) => this.view(a));
  }

  describeAlarmHistory(filter: {
    alarmName?: string;
    alarmTypes?: readonly AlarmType[];
    historyItemType?: HistoryItem['historyItemType'];
    startDateMs?: number;
    endDateMs?: number;
    maxRecords?: number;
    nextToken?: string;
    scanBy?: 'TimestampDescending' | 'TimestampAscending';
  }): { items: HistoryItem[]; nextToken?: string } {
    const types = filter.alarmTypes?.length ? filter.alarmTypes : (['MetricAlarm'] as const);
    const items = this.history
      .map((h, i) => ({ h, i }))
      .filter(({ h }) => {
        if (filter.alarmName !== undefined && h.alarmName !== filter.alarmName) return false;
        if (filter.alarmName === undefined && !types.includes(h.alarmType)) return false;
        if (filter.historyItemType !== undefined && h.historyItemType !== filter.historyItemType) return false;
        if (filter.startDateMs !== undefined && h.timestampMs < filter.startDateMs) return false;
        if (filter.endDateMs !== undefined && h.timestampMs > filter.endDateMs) return false;
        return true;
      });
    if ((filter.scanBy ?? 'TimestampDescending') === 'TimestampDescending') items.reverse();
    const page = paginate(items, filter.maxRecords ?? 100, filter.nextToken, ({ h }) => h, 'history');
    return { items: page.alarms, nextToken: page.nextToken };
  }

  close(): void {
    this.closed = true;
    this.unwatch?.();
    for (const a of this.alarms.values()) a.timer?.cancel();
  }
}

function parseJson(s: string | undefined): unknown {
  if (s === undefined) return undefined;
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/** Offset-based pages; the token names what it pages so it cannot be replayed against another listing. */
function paginate<T, V>(list: T[], max: number, token: string | undefined, view: (t: T) => V, kind: string): { alarms: V[]; nextToken?: string } {
  let from = 0;
  if (token !== undefined) {
    const m = /^(\w+):(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!m || m[1] !== kind) throw new MetricsError('InvalidNextToken', 'The service cannot process the NextToken provided.');
    from = Number(m[2]);
  }
  const page = list.slice(from, from + max);
  const out: { alarms: V[]; nextToken?: string } = { alarms: page.map(view) };
  if (from + max < list.length) out.nextToken = Buffer.from(`${kind}:${from + max}`, 'utf8').toString('base64url');
  return out;
}
