/**
 * `alarms:` and `dashboards:` in freshet.yaml, applied through the CloudWatch API by `freshet up` /
 * `diff` / `down`.
 *
 *  - An alarm is PutMetricAlarm's input (single-metric or `Metrics` metric-math alarms) or, when it has
 *    an `AlarmRule`, PutCompositeAlarm's. Action ARNs may name the file's functions as
 *    `${function:<name>}`. `up` creates it tagged `freshet:pipeline=<name>`, updates it (a Put with the
 *    file's configuration) when a field the file sets differs from DescribeAlarms, and `down` deletes
 *    the alarms the pipeline created (composite ones first).
 *  - A dashboard is PutDashboard's input; `DashboardBody` is the JSON text or, for readability, a YAML
 *    mapping written as JSON. CloudWatch's validation messages come back as the failure of `up`.
 *    Dashboards have no tags: `down` deletes those the local record says this pipeline created.
 */
import {
  DeleteAlarmsCommand,
  DeleteDashboardsCommand,
  DescribeAlarmsCommand,
  GetDashboardCommand,
  ListTagsForResourceCommand,
  PutCompositeAlarmCommand,
  PutDashboardCommand,
  PutMetricAlarmCommand,
  type CompositeAlarm,
  type MetricAlarm,
  type PutCompositeAlarmCommandInput,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import type { FreshetClients } from './clients.ts';

export const MONITORING_PIPELINE_TAG = 'freshet:pipeline';

/** PutMetricAlarm's or PutCompositeAlarm's input as the file gives it. */
export type AlarmSpec = { AlarmName: string; AlarmRule?: string; Tags?: Array<{ Key: string; Value: string }> } & Record<string, unknown>;

/** PutDashboard's input, the body as JSON text or as a mapping. */
export interface DashboardSpec {
  DashboardName: string;
  DashboardBody: string | Record<string, unknown>;
}

export interface MonitoringContext {
  clients: FreshetClients;
  pipeline: string;
  /** Replaces `${function:…}`, `${queue:…}`… references (lenient: a placeholder for what does not exist yet). */
  resolve: <T>(value: T, lenient: boolean) => Promise<T>;
  markCreated: (key: string) => void;
  markDeleted: (key: string) => void;
  created: (key: string) => boolean;
}

export interface MonitoringStep {
  resource: 'alarm' | 'dashboard';
  name: string;
  action: 'create' | 'update' | 'unchanged' | 'delete' | 'keep';
  details: string[];
  apply?: () => Promise<void>;
}

const isComposite = (a: AlarmSpec) => typeof a.AlarmRule === 'string';

async function describeAlarm(clients: FreshetClients, name: string): Promise<MetricAlarm | CompositeAlarm | undefined> {
  const r = await (await clients.cloudwatch()).send(new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }));
  return r.MetricAlarms?.[0] ?? r.CompositeAlarms?.[0];
}

/** Comparable form of a value: arrays of dimensions sorted by name, numbers and strings as they are. */
function canonical(key: string, v: unknown): string {
  if (key === 'Dimensions' && Array.isArray(v)) return JSON.stringify([...v].sort((a, b) => String(a.Name).localeCompare(String(b.Name))));
  return JSON.stringify(v ?? null);
}

/** `actual` cut down to the members `desired` has, recursively (arrays item by item). */
function subset(desired: unknown, actual: unknown): unknown {
  if (Array.isArray(desired) && Array.isArray(actual)) return actual.map((a, i) => (i < desired.length ? subset(desired[i], a) : a));
  if (desired && typeof desired === 'object' && !Array.isArray(desired) && actual && typeof actual === 'object' && !Array.isArray(actual)) {
    const a = actual as Record<string, unknown>;
    return Object.fromEntries(Object.entries(desired).map(([key, d]) => [key, subset(d, a[key])]));
  }
  return actual;
}

/** Fields the file sets that differ from what CloudWatch describes (Tags are not described, so not compared). */
function alarmDiff(desired: Record<string, unknown>, actual: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(desired)) {
    if (k === 'Tags' || k === 'AlarmName') continue;
    let have = actual[k];
    // DescribeAlarms lists metric-math queries with defaults filled in (empty Dimensions…): compare what the file sets.
    if (k === 'Metrics') have = subset(v, have);
    if (canonical(k, v) !== canonical(k, have)) out.push(`${k}: ${JSON.stringify(have)} → ${JSON.stringify(v)}`);
  }
  return out;
}

async function putAlarm(ctx: MonitoringContext, a: AlarmSpec, tags: boolean): Promise<void> {
  const input = await ctx.resolve({ ...a }, false);
  const pipelineTag = { Key: MONITORING_PIPELINE_TAG, Value: ctx.pipeline };
  const withTags = tags ? { Tags: [...(a.Tags ?? []).filter((t) => t.Key !== MONITORING_PIPELINE_TAG), pipelineTag] } : { Tags: undefined };
  if (isComposite(a)) await (await ctx.clients.cloudwatch()).send(new PutCompositeAlarmCommand({ ...(input as PutCompositeAlarmCommandInput), ...withTags }));
  else await (await ctx.clients.cloudwatch()).send(new PutMetricAlarmCommand({ ...(input as PutMetricAlarmCommandInput), ...withTags }));
}

export async function planAlarm(a: AlarmSpec, ctx: MonitoringContext): Promise<MonitoringStep> {
  const name = a.AlarmName;
  const existing = await describeAlarm(ctx.clients, name);
  if (!existing) {
    return {
      resource: 'alarm',
      name,
      action: 'create',
      details: [isComposite(a) ? `composite: ${a.AlarmRule}` : describeMetricAlarm(a)],
      apply: async () => {
        await putAlarm(ctx, a, true);
        ctx.markCreated(`alarm/${name}`);
      },
    };
  }
  const desired = await ctx.resolve({ ...a }, true);
  const diff = alarmDiff(desired, existing as Record<string, unknown>);
  if (diff.length === 0) return { resource: 'alarm', name, action: 'unchanged', details: [] };
  // A Put replaces the whole configuration (tags given on a Put of an existing alarm are ignored by CloudWatch).
  return { resource: 'alarm', name, action: 'update', details: diff, apply: () => putAlarm(ctx, a, false) };
}

function describeMetricAlarm(a: AlarmSpec): string {
  if (Array.isArray(a.Metrics)) return `metric math, ${a.ComparisonOperator} ${a.Threshold ?? a.ThresholdMetricId}`;
  const stat = (a.Statistic ?? a.ExtendedStatistic) as string | undefined;
  return `${a.Namespace} ${a.MetricName} ${stat ?? ''} ${a.ComparisonOperator} ${a.Threshold} for ${a.DatapointsToAlarm ?? a.EvaluationPeriods} of ${a.EvaluationPeriods} × ${a.Period} s`;
}

function bodyText(d: DashboardSpec): string {
  return typeof d.DashboardBody === 'string' ? d.DashboardBody : JSON.stringify(d.DashboardBody);
}

function sameJson(a: string, b: string | undefined): boolean {
  if (b === undefined) return false;
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return a === b;
  }
}

async function getDashboard(clients: FreshetClients, name: string): Promise<string | undefined> {
  try {
    return (await (await clients.cloudwatch()).send(new GetDashboardCommand({ DashboardName: name }))).DashboardBody;
  } catch (e) {
    const n = (e as { name?: string }).name;
    if (n === 'ResourceNotFound' || n === 'DashboardNotFoundError' || n === 'ResourceNotFoundException') return undefined;
    throw e;
  }
}

export async function planDashboard(d: DashboardSpec, ctx: MonitoringContext): Promise<MonitoringStep> {
  const name = d.DashboardName;
  const body = bodyText(d);
  const existing = await getDashboard(ctx.clients, name);
  const put = async () => {
    const r = await (await ctx.clients.cloudwatch()).send(new PutDashboardCommand({ DashboardName: name, DashboardBody: await ctx.resolve(body, false) }));
    const messages = r.DashboardValidationMessages ?? [];
    if (messages.length > 0) throw new Error(`dashboard ${name}: ${messages.map((m) => `${m.DataPath}: ${m.Message}`).join('; ')}`);
  };
  if (existing === undefined) {
    let widgets = 0;
    try {
      widgets = (JSON.parse(body) as { widgets?: unknown[] }).widgets?.length ?? 0;
    } catch {
      // PutDashboard reports the body's problem when applied
    }
    return {
      resource: 'dashboard',
      name,
      action: 'create',
      details: [`${widgets} widget${widgets === 1 ? '' : 's'}`],
      apply: async () => {
        await put();
        ctx.markCreated(`dashboard/${name}`);
      },
    };
  }
  if (sameJson(await ctx.resolve(body, true), existing)) return { resource: 'dashboard', name, action: 'unchanged', details: [] };
  return { resource: 'dashboard', name, action: 'update', details: ['DashboardBody differs'], apply: put };
}

async function alarmOwned(ctx: MonitoringContext, alarm: MetricAlarm | CompositeAlarm): Promise<boolean> {
  if (ctx.created(`alarm/${alarm.AlarmName}`)) return true;
  try {
    const r = await (await ctx.clients.cloudwatch()).send(new ListTagsForResourceCommand({ ResourceARN: alarm.AlarmArn }));
    return (r.Tags ?? []).some((t) => t.Key === MONITORING_PIPELINE_TAG && t.Value === ctx.pipeline);
  } catch {
    return false;
  }
}

/** `down`: the file's dashboards, then its composite alarms, then its metric alarms — those this pipeline created. */
export async function planMonitoringDown(
  alarms: readonly AlarmSpec[],
  dashboards: readonly DashboardSpec[],
  ctx: MonitoringContext,
): Promise<MonitoringStep[]> {
  const steps: MonitoringStep[] = [];
  for (const d of dashboards) {
    const name = d.DashboardName;
    if ((await getDashboard(ctx.clients, name)) === undefined) continue;
    if (!ctx.created(`dashboard/${name}`)) {
      steps.push({ resource: 'dashboard', name, action: 'keep', details: [`not created by pipeline ${ctx.pipeline}`] });
      continue;
    }
    steps.push({
      resource: 'dashboard',
      name,
      action: 'delete',
      details: [],
      apply: async () => {
        await (await ctx.clients.cloudwatch()).send(new DeleteDashboardsCommand({ DashboardNames: [name] }));
        ctx.markDeleted(`dashboard/${name}`);
      },
    });
  }
  const ordered = [...alarms.filter(isComposite), ...alarms.filter((a) => !isComposite(a))];
  for (const a of ordered) {
    const existing = await describeAlarm(ctx.clients, a.AlarmName);
    if (!existing) continue;
    if (!(await alarmOwned(ctx, existing))) {
      steps.push({ resource: 'alarm', name: a.AlarmName, action: 'keep', details: [`not created by pipeline ${ctx.pipeline}`] });
      continue;
    }
    steps.push({
      resource: 'alarm',
      name: a.AlarmName,
      action: 'delete',
      details: [],
      apply: async () => {
        await (await ctx.clients.cloudwatch()).send(new DeleteAlarmsCommand({ AlarmNames: [a.AlarmName] }));
        ctx.markDeleted(`alarm/${a.AlarmName}`);
      },
    });
  }
  return steps;
}
