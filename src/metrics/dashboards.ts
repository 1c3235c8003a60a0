/**
 * Dashboards: PutDashboard, GetDashboard, ListDashboards, DeleteDashboards
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html).
 *
 * A body that is not a JSON object is refused with AWS's "The field
 * DashboardBody must be a valid JSON object". A body that breaks the structure
 * rules is refused as AWS refuses it: InvalidParameterInput "The dashboard body
 * is invalid, there are N validation errors:" followed by the errors as a JSON
 * array of {dataPath, message}, and the same list as
 * DashboardValidationMessages ({DataPath, Message}); messages use AWS's
 * JSON-schema wording ("Should have required property 'markdown'", "Should NOT
 * have more than 500 items", "Invalid metric field type, only \"String\" type is
 * allowed"). Checked: the widgets array (0–500 widgets), each widget's type
 * (metric, text, log, alarm, explorer, custom), x/y/width/height ranges, the
 * properties each type needs (metric: metrics or annotations or alarms, and
 * region; text: markdown; alarm: alarms; log: query) and the shape of each
 * metric array (strings then an optional rendering-options object, or one
 * expression object). Dashboards live in the MetaStore.
 */
import type { MetaStore } from '../storage/index.ts';
import { type DashboardValidationMessage, MetricsError } from './errors.ts';

const KEY = 'cloudwatch/dashboard/';
const NAME_RE = /^[A-Za-z0-9_-]{1,255}$/;
const WIDGET_TYPES = ['metric', 'text', 'log', 'alarm', 'explorer', 'custom'];
const METRIC_OPTIONS = new Set(['accountId', 'color', 'id', 'label', 'period', 'region', 'stat', 'visible', 'yAxis', 'unit', 'expression', 'returnData']);

interface StoredDashboard {
  body: string;
  lastModifiedMs: number;
}

export interface DashboardEntry {
  dashboardName: string;
  dashboardArn: string;
  lastModifiedMs: number;
  sizeBytes: number;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The structure checks; returns AWS-style {dataPath, message} errors (empty when valid). */
export function validateDashboardBody(body: unknown): Array<{ dataPath: string; message: string }> {
  const errors: Array<{ dataPath: string; message: string }> = [];
  const err = (dataPath: string, message: string): void => void errors.push({ dataPath, message });
  if (!isObj(body)) {
    err('', 'Should be object');
    return errors;
  }
  if (body.periodOverride !== undefined && body.periodOverride !== 'auto' && body.periodOverride !== 'inherit')
    err('/periodOverride', 'Should be equal to one of the allowed values');
  for (const f of ['start', 'end']) if (body[f] !== undefined && typeof body[f] !== 'string') err(`/${f}`, 'Should be string');
  if (!('widgets' in body)) {
    err('', "Should have required property 'widgets'");
    return errors;
  }
  const widgets = body.widgets;
  if (!Array.isArray(widgets)) {
    err('/widgets', 'Should be array');
    return errors;
  }
  if (widgets.length > 500) err('/widgets', 'Should NOT have more than 500 items');
  widgets.forEach((w, i) => {
    const p = `/widgets/${i}`;
    if (!isObj(w)) return err(p, 'Should be object');
    if (!('type' in w)) err(p, "Should have required property 'type'");
    else if (typeof w.type !== 'string' || !WIDGET_TYPES.includes(w.type)) err(`${p}/type`, 'Should be equal to one of the allowed values');
    for (const [f, lo, hi] of [
      ['x', 0, 23],
      ['y', 0, Number.MAX_SAFE_INTEGER],
      ['width', 1, 24],
      ['height', 1, 1000],
    ] as const) {
      const v = w[f];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !Number.isInteger(v)) err(`${p}/${f}`, 'Should be integer');
      else if (v < lo) err(`${p}/${f}`, `Should be >= ${lo}`);
      else if (v > hi) err(`${p}/${f}`, `Should be <= ${hi}`);
    }
    if (!('properties' in w)) return err(p, "Should have required property 'properties'");
    const props = w.properties;
    if (!isObj(props)) return err(`${p}/properties`, 'Should be object');
    const pp = `${p}/properties`;
    switch (w.type) {
      case 'text':
        if (!('markdown' in props)) err(pp, "Should have required property 'markdown'");
        else if (typeof props.markdown !== 'string') err(`${pp}/markdown`, 'Should be string');
        if (props.background !== undefined && props.background !== 'solid' && props.background !== 'transparent')
          err(`${pp}/background`, 'Should be equal to one of the allowed values');
        break;
      case 'alarm':
        if (!('alarms' in props)) err(pp, "Should have required property 'alarms'");
        else if (!Array.isArray(props.alarms)) err(`${pp}/alarms`, 'Should be array');
        else
          props.alarms.forEach((a, j) => {
            if (typeof a !== 'string') err(`${pp}/alarms/${j}`, 'Should be string');
          });
        break;
      case 'log':
        if (!('query' in props)) err(pp, "Should have required property 'query'");
        break;
      case 'metric':
        if (!('metrics' in props) && !('annotations' in props) && !('alarms' in props)) err(pp, "Should have required property 'metrics'");
        if (!('region' in props)) err(pp, "Should have required property 'region'");
        else if (typeof props.region !== 'string') err(`${pp}/region`, 'Should be string');
        if (props.view !== undefined && !['timeSeries', 'singleValue', 'gauge', 'bar', 'pie', 'table'].includes(String(props.view)))
          err(`${pp}/view`, 'Should be equal to one of the allowed values');
        if (props.period !== undefined && (typeof props.period !== 'number' || !Number.isInteger(props.period) || props.period < 1))
          err(`${pp}/period`, 'Should be integer >= 1');
        if (props.metrics !== undefined) checkMetrics(props.metrics, `${pp}/metrics`, err);
        break;
    }
  });
  return errors;
}

function checkMetrics(metrics: unknown, p: string, err: (path: string, message: string) => void): void {
  if (!Array.isArray(metrics)) {
    err(p, 'Should be array');
    return;
  }
  metrics.forEach((m, j) => {
    const mp = `${p}/${j}`;
    if (!Array.isArray(m)) return err(mp, 'Should be array');
    if (m.length === 0) return err(mp, 'Should NOT have fewer than 1 items');
    const last = m[m.length - 1];
    const hasOptions = isObj(last);
    if (hasOptions && m.length === 1) {
      // An expression: [{ "expression": "...", "id": "e1", ... }]
      if (typeof last.expression !== 'string') err(`${mp}/0`, "Should have required property 'expression'");
      return;
    }
    // A rendering-options object takes only its documented keys; anything else makes AWS read the
    // array as too long for its shape (e.g. ["AWS/ECS", "CPUUtilization", {"ClusterName": "x"}]).
    if (hasOptions && Object.keys(last).some((k) => !METRIC_OPTIONS.has(k))) return err(mp, `Should NOT have more than ${m.length - 1} items`);
    const fields = hasOptions ? m.slice(0, -1) : m;
    fields.forEach((f, k) => {
      if (typeof f !== 'string') err(`${mp}/${k}`, 'Invalid metric field type, only "String" type is allowed');
    });
    if (fields.length < 2) err(mp, 'Should NOT have fewer than 2 items');
    else if (fields.length % 2 !== 0) err(mp, `Should NOT have more than ${fields.length - 1} items`);
  });
}

export class Dashboards {
  constructor(
    private readonly meta: MetaStore,
    private readonly clock: { now(): number },
    private readonly accountId: string,
  ) {}

  arnOf(name: string): string {
    return `arn:aws:cloudwatch::${this.accountId}:dashboard/${name}`;
  }

  /** Validates and stores a dashboard; returns the (warning) validation messages, empty when clean. */
  async put(name: string, body: string): Promise<DashboardValidationMessage[]> {
    if (!NAME_RE.test(name)) {
      throw new MetricsError(
        'InvalidParameterValue',
        `The value ${name} for parameter DashboardName is invalid. Dashboard names can contain only alphanumerics, dash (-) and underscore (_).`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new MetricsError('InvalidParameterInput', 'The field DashboardBody must be a valid JSON object');
    }
    if (!isObj(parsed)) throw new MetricsError('InvalidParameterInput', 'The field DashboardBody must be a valid JSON object');
    const errors = validateDashboardBody(parsed);
    if (errors.length > 0) {
      throw new MetricsError(
        'InvalidParameterInput',
        `The dashboard body is invalid, there are ${errors.length} validation errors:\n${JSON.stringify(errors, null, 2)}`,
        {
          dashboardValidationMessages: errors.map((e) => ({ DataPath: e.dataPath, Message: e.message })),
        },
      );
    }
    const stored: StoredDashboard = { body, lastModifiedMs: this.clock.now() };
    await this.meta.put(KEY + name, stored);
    return [];
  }

  get(name: string): { dashboardName: string; dashboardArn: string; dashboardBody: string } {
    const d = this.meta.get<StoredDashboard>(KEY + name);
    if (!d) throw new MetricsError('ResourceNotFound', `Dashboard ${name} does not exist`);
    return { dashboardName: name, dashboardArn: this.arnOf(name), dashboardBody: d.body };
  }

  list(prefix?: string, nextToken?: string): { entries: DashboardEntry[]; nextToken?: string } {
    const names = this.meta.keys(KEY).map((k) => k.slice(KEY.length));
    let from = 0;
    if (nextToken !== undefined) {
      from = names.findIndex((n) => n > Buffer.from(nextToken, 'base64url').toString('utf8'));
      if (from < 0) from = names.length;
    }
    const matching = names.slice(from).filter((n) => prefix === undefined || n.startsWith(prefix));
    const page = matching.slice(0, 1000);
    const entries = page.map((n) => {
      const d = this.meta.get<StoredDashboard>(KEY + n)!;
      return { dashboardName: n, dashboardArn: this.arnOf(n), lastModifiedMs: d.lastModifiedMs, sizeBytes: Buffer.byteLength(d.body) };
    });
    const out: { entries: DashboardEntry[]; nextToken?: string } = { entries };
    if (matching.length > page.length) out.nextToken = Buffer.from(page[page.length - 1]!, 'utf8').toString('base64url');
    return out;
  }

  /** Deletes all the named dashboards, or none when any does not exist. */
  async delete(names: readonly string[]): Promise<void> {
    const missing = names.filter((n) => this.meta.get(KEY + n) === undefined);
    if (missing.length > 0) throw new MetricsError('ResourceNotFound', `Dashboard ${missing.join(', ')} does not exist`);
    await Promise.all(names.map((n) => this.meta.delete(KEY + n)));
  }
}
