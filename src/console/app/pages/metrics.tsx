/**
 * Metrics and alarms: every CloudWatch dashboard rendered from its JSON body (metric widgets as charts on
 * the dashboard's 24-column grid, text widgets as text), and the alarms with their state and history; an alarm's
 * actions are disabled and enabled again from the list. Alarms are created and edited with a form: on one metric, on
 * metric math or on an anomaly detection band (PutMetricAlarm), or composite over other alarms (PutCompositeAlarm);
 * they are deleted with DeleteAlarms; dashboards are created and edited as their JSON body
 * (PutDashboard, its DashboardValidationMessages listed on refusal) and deleted (DeleteDashboards).
 */
import { useState } from 'preact/hooks';
import { aws, awsDetailed, errorText, useLoad } from '../api.ts';
import { color, MetricChart } from '../metrics.tsx';
import { OutcomeText, useAction } from '../forms.tsx';
import type { MetricQuery } from '../metrics.tsx';

interface Widget {
  type: string;
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  properties?: {
    metrics?: unknown[][];
    title?: string;
    stat?: string;
    period?: number;
    markdown?: string;
    view?: string;
  };
}

/** A widget's `metrics` array (with "." and "..." shorthands and a trailing options object) as queries. */
export function widgetQueries(widget: Widget): MetricQuery[] {
  const queries: MetricQuery[] = [];
  let previous: unknown[] = [];
  const rows = widget.properties?.metrics ?? [];
  rows.forEach((row, i) => {
    const last = row[row.length - 1];
    const options = (last !== null && typeof last === 'object' && !Array.isArray(last) ? last : {}) as Record<string, unknown>;
    let parts = row.filter((x) => typeof x === 'string') as string[];
    if (parts[0] === '...') parts = [...(previous as string[]).slice(0, previous.length), ...parts.slice(1)];
    parts = parts.map((p, j) => (p === '.' ? String(previous[j] ?? '') : p));
    const id = typeof options.id === 'string' ? options.id : `m${i + 1}`;
    const base = { id, color: typeof options.color === 'string' ? options.color : color(i), right: options.yAxis === 'right' };
    if (typeof options.expression === 'string') {
      queries.push({ ...base, label: typeof options.label === 'string' ? options.label : options.expression, expression: options.expression });
      return;
    }
    previous = parts;
    const [namespace, metricName, ...dims] = parts;
    const dimensions: Record<string, string> = {};
    for (let d = 0; d + 1 < dims.length; d += 2) dimensions[dims[d]!] = dims[d + 1]!;
    queries.push({
      ...base,
      label: typeof options.label === 'string' ? options.label : `${metricName ?? ''} ${Object.values(dimensions).join(' ')}`.trim(),
      namespace: namespace ?? '',
      metricName: metricName ?? '',
      dimensions,
      stat: typeof options.stat === 'string' ? options.stat : (widget.properties?.stat ?? 'Average'),
    });
  });
  return queries;
}

function Dashboard({ name }: { name: string }) {
  const body = useLoad(async () => {
    const d = await aws<{ DashboardBody: string }>('cloudwatch', 'GetDashboard', { DashboardName: name });
    return JSON.parse(d.DashboardBody) as { widgets?: Widget[]; start?: string };
  }, [name]);
  if (body.error) return <p class="error">{body.error}</p>;
  if (!body.data) return <p class="muted">Loading {name}…</p>;
  const m = /^-PT(\d+)([HM])$/.exec(body.data.start ?? '');
  const minutes = m ? Number(m[1]) * (m[2] === 'H' ? 60 : 1) : 180;
  const widgets = [...(body.data.widgets ?? [])].sort((a, b) => (a.y ?? 0) - (b.y ?? 0) || (a.x ?? 0) - (b.x ?? 0));
  return (
    <div class="dashboard" data-testid="dashboard" data-name={name}>
      {widgets.map((w, i) => (
        <div key={i} class="widget" style={{ gridColumn: `${(w.x ?? 0) + 1} / span ${w.width ?? 6}` }}>
          {w.type === 'metric' ? (
            <MetricChart
              title={w.properties?.title ?? `widget ${i + 1}`}
              queries={widgetQueries(w)}
              minutes={minutes}
              period={w.properties?.period ?? 300}
              height={(w.height ?? 6) * 28}
            />
          ) : w.type === 'text' ? (
            <pre class="text-widget">{w.properties?.markdown ?? ''}</pre>
          ) : (
            <p class="muted small">A {w.type} widget (not drawn by the console).</p>
          )}
        </div>
      ))}
    </div>
  );
}

interface MetricAlarm {
  AlarmName: string;
  AlarmArn?: string;
  AlarmDescription?: string;
  StateValue: string;
  StateReason?: string;
  MetricName?: string;
  Namespace?: string;
  Dimensions?: Array<{ Name: string; Value: string }>;
  Statistic?: string;
  ExtendedStatistic?: string;
  Unit?: string;
  InsufficientDataActions?: string[];
  Period?: number;
  EvaluationPeriods?: number;
  DatapointsToAlarm?: number;
  Threshold?: number;
  ComparisonOperator?: string;
  TreatMissingData?: string;
  AlarmActions?: string[];
  OKActions?: string[];
  StateUpdatedTimestamp?: number;
  ActionsEnabled?: boolean;
  /** A metric-math or anomaly-detection alarm's queries. */
  Metrics?: MetricDataQuery[];
  ThresholdMetricId?: string;
  /** A composite alarm's rule, and the alarm that suppresses its actions (kept as it is when the form saves it). */
  AlarmRule?: string;
  ActionsSuppressor?: string;
  ActionsSuppressorWaitPeriod?: number;
  ActionsSuppressorExtensionPeriod?: number;
}

interface MetricDataQuery {
  Id: string;
  Expression?: string;
  Label?: string;
  ReturnData?: boolean;
  Period?: number;
  MetricStat?: { Metric: { Namespace?: string; MetricName?: string; Dimensions?: Array<{ Name: string; Value: string }> }; Period?: number; Stat?: string };
}

const STATISTICS = ['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount'];
/** Percentiles offered besides the statistics (sent as ExtendedStatistic); an alarm's own is added when editing. */
const PERCENTILES = ['p50', 'p90', 'p95', 'p99'];
const COMPARISONS = ['GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold'];
const MISSING_DATA = ['missing', 'notBreaching', 'breaching', 'ignore'];
/** The comparisons of an anomaly-detection alarm: the metric against its band, not a threshold. */
const BAND_COMPARISONS = ['LessThanLowerOrGreaterThanUpperThreshold', 'GreaterThanUpperThreshold', 'LessThanLowerThreshold'];

/** What the form makes: PutMetricAlarm on one metric, on metric math, on an anomaly band, or PutCompositeAlarm. */
type AlarmKind = 'metric' | 'math' | 'anomaly' | 'composite';
const KINDS: Array<[AlarmKind, string]> = [
  ['metric', 'one metric'],
  ['math', 'metric math'],
  ['anomaly', 'anomaly detection band'],
  ['composite', 'composite (a rule over alarms)'],
];

function kindOf(a: MetricAlarm | undefined): AlarmKind {
  if (a?.AlarmRule !== undefined) return 'composite';
  if (a?.ThresholdMetricId !== undefined) return 'anomaly';
  if (a?.Metrics?.length) return 'math';
  return 'metric';
}

/** One row of a Metrics array while edited: an expression, or else a metric with its statistic and period. */
interface QueryRow {
  id: string;
  expression: string;
  namespace: string;
  metric: string;
  dimensions: string;
  stat: string;
  period: string;
  label: string;
  returnData: boolean;
}

const metricRow = (id: string, returnData: boolean): QueryRow => ({
  id,
  expression: '',
  namespace: '',
  metric: '',
  dimensions: '',
  stat: 'Average',
  period: '60',
  label: '',
  returnData,
});
const expressionRow = (id: string, expression: string, returnData: boolean): QueryRow => ({ ...metricRow(id, returnData), expression, stat: '', period: '' });

function rowsOf(a: MetricAlarm | undefined, kind: AlarmKind): QueryRow[] {
  if (a?.Metrics?.length) {
    return a.Metrics.map((q) => ({
      id: q.Id,
      expression: q.Expression ?? '',
      namespace: q.MetricStat?.Metric.Namespace ?? '',
      metric: q.MetricStat?.Metric.MetricName ?? '',
      dimensions: (q.MetricStat?.Metric.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).join(', '),
      stat: q.MetricStat?.Stat ?? '',
      period: q.MetricStat?.Period === undefined ? '' : String(q.MetricStat.Period),
      label: q.Label ?? '',
      returnData: q.ReturnData !== false,
    }));
  }
  // A new alarm starts from the usual shape: a metric and an expression over it (returned instead of it), or a metric
  // and its band (both returned, as CloudWatch's console makes them).
  return kind === 'anomaly'
    ? [metricRow('m1', true), expressionRow('ad1', 'ANOMALY_DETECTION_BAND(m1, 2)', true)]
    : [metricRow('m1', false), expressionRow('e1', 'm1', true)];
}

function dimensionList(text: string): Array<{ Name: string; Value: string }> {
  return lines(text).map((pair) => {
    const eq = pair.indexOf('=');
    return eq < 0 ? { Name: pair, Value: '' } : { Name: pair.slice(0, eq).trim(), Value: pair.slice(eq + 1).trim() };
  });
}

/** The Metrics array of PutMetricAlarm from the rows; numbers go as typed, so that CloudWatch judges them. */
function metricsInput(rows: QueryRow[]): MetricDataQuery[] {
  return rows.map((r) => {
    const common = { Id: r.id.trim(), ReturnData: r.returnData, ...(r.label.trim() ? { Label: r.label.trim() } : {}) };
    if (r.expression.trim()) return { ...common, Expression: r.expression.trim() };
    return {
      ...common,
      MetricStat: {
        Metric: { Namespace: r.namespace.trim(), MetricName: r.metric.trim(), Dimensions: dimensionList(r.dimensions) },
        Period: Number(r.period),
        Stat: r.stat.trim(),
      },
    };
  });
}

/** The rows of a metric-math or anomaly alarm's Metrics array, each an expression or a metric. */
function QueryRows({ rows, onChange }: { rows: QueryRow[]; onChange: (rows: QueryRow[]) => void }) {
  const set = (i: number, k: keyof QueryRow) => (e: { currentTarget: { value: string; checked: boolean } }) =>
    onChange(rows.map((r, j) => (j === i ? { ...r, [k]: k === 'returnData' ? e.currentTarget.checked : e.currentTarget.value } : r)));
  return (
    <table class="list compact" data-testid="alarm-queries">
      <thead>
        <tr>
          <th>Id</th>
          <th>Expression</th>
          <th>or Namespace</th>
          <th>Metric</th>
          <th>Dimensions</th>
          <th>Stat</th>
          <th>Period</th>
          <th>Label</th>
          <th>Returned</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i} data-row={i}>
            <td>
              <input name="id" size={4} value={r.id} onInput={set(i, 'id')} />
            </td>
            <td>
              <input name="expression" value={r.expression} onInput={set(i, 'expression')} placeholder="m1 * 2" />
            </td>
            <td>
              <input name="namespace" size={12} value={r.namespace} onInput={set(i, 'namespace')} disabled={r.expression.trim() !== ''} />
            </td>
            <td>
              <input name="metric" size={12} value={r.metric} onInput={set(i, 'metric')} disabled={r.expression.trim() !== ''} />
            </td>
            <td>
              <input
                name="dimensions"
                value={r.dimensions}
                onInput={set(i, 'dimensions')}
                placeholder="StreamName=orders"
                disabled={r.expression.trim() !== ''}
              />
            </td>
            <td>
              <input name="stat" size={8} value={r.stat} onInput={set(i, 'stat')} disabled={r.expression.trim() !== ''} />
            </td>
            <td>
              <input name="period" size={5} value={r.period} onInput={set(i, 'period')} inputMode="numeric" disabled={r.expression.trim() !== ''} />
            </td>
            <td>
              <input name="label" size={10} value={r.label} onInput={set(i, 'label')} />
            </td>
            <td>
              <input type="checkbox" name="returnData" checked={r.returnData} onChange={set(i, 'returnData')} />
            </td>
            <td>
              <button type="button" onClick={() => onChange(rows.filter((_, j) => j !== i))}>
                Remove
              </button>
            </td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <td colSpan={10}>
            <button type="button" onClick={() => onChange([...rows, metricRow(`q${rows.length + 1}`, false)])}>
              Add query
            </button>
          </td>
        </tr>
      </tfoot>
    </table>
  );
}

/** The alarm form's fields, as text while edited. */
interface AlarmFields {
  name: string;
  description: string;
  namespace: string;
  metric: string;
  /** `Name=Value` pairs, one per line or comma-separated. */
  dimensions: string;
  statistic: string;
  period: string;
  evaluationPeriods: string;
  datapoints: string;
  threshold: string;
  comparison: string;
  missing: string;
  /** One ARN per line. */
  alarmActions: string;
  okActions: string;
  /** A composite alarm's AlarmRule. */
  rule: string;
  /** An anomaly-detection alarm's band (the Id of its ANOMALY_DETECTION_BAND query). */
  thresholdMetricId: string;
}

function fieldsOf(a: MetricAlarm | undefined): AlarmFields {
  return {
    name: a?.AlarmName ?? '',
    description: a?.AlarmDescription ?? '',
    namespace: a?.Namespace ?? '',
    metric: a?.MetricName ?? '',
    dimensions: (a?.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).join('\n'),
    statistic: a?.Statistic ?? a?.ExtendedStatistic ?? 'Average',
    period: String(a?.Period ?? 60),
    evaluationPeriods: String(a?.EvaluationPeriods ?? 1),
    datapoints: a?.DatapointsToAlarm === undefined ? '' : String(a.DatapointsToAlarm),
    threshold: a?.Threshold === undefined ? '' : String(a.Threshold),
    comparison: a?.ComparisonOperator ?? COMPARISONS[0]!,
    missing: a?.TreatMissingData ?? 'missing',
    alarmActions: (a?.AlarmActions ?? []).join('\n'),
    okActions: (a?.OKActions ?? []).join('\n'),
    rule: a?.AlarmRule ?? '',
    thresholdMetricId: a?.ThresholdMetricId ?? 'ad1',
  };
}

const lines = (text: string) =>
  text
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter((x) => x !== '');

/**
 * PutMetricAlarm's (or, for a composite alarm, PutCompositeAlarm's) input from the form; numbers are sent as typed so
 * that CloudWatch judges them. A put replaces the whole alarm, so what the form does not show of an edited alarm (its
 * actions being disabled, its unit, its INSUFFICIENT_DATA actions, a composite alarm's actions suppressor) is sent as it was.
 */
function putAlarmInput(f: AlarmFields, kind: AlarmKind, rows: QueryRow[], editing: MetricAlarm | undefined): Record<string, unknown> {
  const kept = {
    AlarmActions: lines(f.alarmActions),
    OKActions: lines(f.okActions),
    ...(editing?.ActionsEnabled === false ? { ActionsEnabled: false } : {}),
    ...(editing?.InsufficientDataActions?.length ? { InsufficientDataActions: editing.InsufficientDataActions } : {}),
  };
  const named = { AlarmName: f.name.trim(), ...(f.description.trim() ? { AlarmDescription: f.description.trim() } : {}) };
  if (kind === 'composite') {
    const suppressor = editing?.ActionsSuppressor
      ? {
          ActionsSuppressor: editing.ActionsSuppressor,
          ...(editing.ActionsSuppressorWaitPeriod !== undefined ? { ActionsSuppressorWaitPeriod: editing.ActionsSuppressorWaitPeriod } : {}),
          ...(editing.ActionsSuppressorExtensionPeriod !== undefined ? { ActionsSuppressorExtensionPeriod: editing.ActionsSuppressorExtensionPeriod } : {}),
        }
      : {};
    return { ...named, AlarmRule: f.rule.trim(), ...kept, ...suppressor };
  }
  const evaluation = {
    EvaluationPeriods: Number(f.evaluationPeriods),
    ...(f.datapoints.trim() ? { DatapointsToAlarm: Number(f.datapoints) } : {}),
    ComparisonOperator: f.comparison,
    TreatMissingData: f.missing,
  };
  if (kind === 'math') return { ...named, Metrics: metricsInput(rows), Threshold: Number(f.threshold), ...evaluation, ...kept };
  if (kind === 'anomaly') return { ...named, Metrics: metricsInput(rows), ThresholdMetricId: f.thresholdMetricId.trim(), ...evaluation, ...kept };
  return {
    ...named,
    Namespace: f.namespace.trim(),
    MetricName: f.metric.trim(),
    Dimensions: dimensionList(f.dimensions),
    ...(STATISTICS.includes(f.statistic) ? { Statistic: f.statistic } : { ExtendedStatistic: f.statistic }),
    Period: Number(f.period),
    Threshold: Number(f.threshold),
    ...evaluation,
    ...kept,
    ...(editing?.Unit ? { Unit: editing.Unit } : {}),
  };
}

/**
 * Creates (no `editing`) or replaces an alarm: a metric alarm on one metric, on metric math (Metrics, one query
 * returned) or on an anomaly band (Metrics with ANOMALY_DETECTION_BAND, ThresholdMetricId) with PutMetricAlarm, or a
 * composite alarm (AlarmRule) with PutCompositeAlarm. Editing opens the stored definition. CloudWatch's refusal is
 * shown as it says it.
 */
function AlarmForm({ editing, onDone }: { editing: MetricAlarm | undefined; onDone: (saved: string | undefined) => void }) {
  const [kind, setKind] = useState<AlarmKind>(() => kindOf(editing));
  const [f, setF] = useState<AlarmFields>(() => fieldsOf(editing));
  const [rows, setRows] = useState<QueryRow[]>(() => rowsOf(editing, kindOf(editing)));
  const action = useAction();
  const set = (k: keyof AlarmFields) => (e: { currentTarget: { value: string } }) => setF({ ...f, [k]: e.currentTarget.value });
  const chooseKind = (e: { currentTarget: { value: string } }) => {
    const next = e.currentTarget.value as AlarmKind;
    setKind(next);
    setRows(rowsOf(undefined, next));
    // A band is compared with its own operators; a threshold with the others.
    const band = next === 'anomaly';
    if (band !== BAND_COMPARISONS.includes(f.comparison)) setF({ ...f, comparison: (band ? BAND_COMPARISONS : COMPARISONS)[0]! });
  };
  const save = action.submit(
    () => '',
    async () => {
      await aws('cloudwatch', kind === 'composite' ? 'PutCompositeAlarm' : 'PutMetricAlarm', putAlarmInput(f, kind, rows, editing));
      onDone(f.name.trim());
    },
  );
  const what = KINDS.find(([k]) => k === kind)?.[1] ?? kind;
  return (
    <form class="card editor" onSubmit={save} data-testid="alarm-form">
      <h3>{editing ? `Edit alarm ${editing.AlarmName}` : 'Create an alarm'}</h3>
      <div class="form-grid">
        <label>
          Name <input name="name" value={f.name} onInput={set('name')} readOnly={editing !== undefined} required />
        </label>
        <label>
          Alarm on{' '}
          <select name="kind" value={kind} onChange={chooseKind} disabled={editing !== undefined} title={what}>
            {KINDS.map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Description <input name="description" value={f.description} onInput={set('description')} />
        </label>
        {kind === 'metric' ? (
          <>
            <label>
              Namespace <input name="namespace" value={f.namespace} onInput={set('namespace')} placeholder="AWS/Kinesis" required />
            </label>
            <label>
              Metric <input name="metric" value={f.metric} onInput={set('metric')} placeholder="IncomingRecords" required />
            </label>
            <label>
              Dimensions <textarea name="dimensions" rows={2} value={f.dimensions} onInput={set('dimensions')} placeholder="StreamName=orders" />
            </label>
            <label>
              Statistic{' '}
              <select name="statistic" value={f.statistic} onChange={set('statistic')}>
                {[
                  ...STATISTICS,
                  ...PERCENTILES,
                  ...(editing?.ExtendedStatistic && !PERCENTILES.includes(editing.ExtendedStatistic) ? [editing.ExtendedStatistic] : []),
                ].map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            </label>
            <label>
              Period (s) <input name="period" value={f.period} onInput={set('period')} inputMode="numeric" />
            </label>
          </>
        ) : null}
        {kind === 'composite' ? (
          <label class="wide">
            Rule{' '}
            <textarea
              name="rule"
              class="code"
              rows={3}
              spellcheck={false}
              value={f.rule}
              onInput={set('rule')}
              placeholder='ALARM("orders-slow") AND NOT ALARM("maintenance")'
              required
            />
          </label>
        ) : (
          <>
            <label>
              Condition{' '}
              <select name="comparison" value={f.comparison} onChange={set('comparison')}>
                {(kind === 'anomaly' ? BAND_COMPARISONS : COMPARISONS).map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            </label>
            {kind === 'anomaly' ? (
              <label>
                Band (query Id) <input name="thresholdMetricId" value={f.thresholdMetricId} onInput={set('thresholdMetricId')} required />
              </label>
            ) : (
              <label>
                Threshold <input name="threshold" value={f.threshold} onInput={set('threshold')} inputMode="decimal" required />
              </label>
            )}
            <label>
              Evaluation periods <input name="evaluationPeriods" value={f.evaluationPeriods} onInput={set('evaluationPeriods')} inputMode="numeric" />
            </label>
            <label>
              Datapoints to alarm <input name="datapoints" value={f.datapoints} onInput={set('datapoints')} inputMode="numeric" placeholder="all" />
            </label>
            <label>
              Missing data{' '}
              <select name="missing" value={f.missing} onChange={set('missing')}>
                {MISSING_DATA.map((m) => (
                  <option key={m}>{m}</option>
                ))}
              </select>
            </label>
          </>
        )}
        <label>
          Alarm actions (ARNs) <textarea name="alarmActions" rows={2} value={f.alarmActions} onInput={set('alarmActions')} />
        </label>
        <label>
          OK actions (ARNs) <textarea name="okActions" rows={2} value={f.okActions} onInput={set('okActions')} />
        </label>
      </div>
      {kind === 'math' || kind === 'anomaly' ? (
        <>
          <p class="muted small">
            {kind === 'math'
              ? 'Queries (Metrics): one of them returned, the one the alarm watches.'
              : 'Queries (Metrics): the metric and its ANOMALY_DETECTION_BAND (both returned); the band is named above.'}
          </p>
          <QueryRows rows={rows} onChange={setRows} />
        </>
      ) : null}
      <p>
        <button type="submit" disabled={action.busy}>
          {editing ? 'Save alarm' : 'Create alarm'}
        </button>{' '}
        <button type="button" onClick={() => onDone(undefined)}>
          Cancel
        </button>
      </p>
      <OutcomeText outcome={action.outcome?.error ? action.outcome : undefined} />
    </form>
  );
}

const NEW_DASHBOARD = `{
  "widgets": [
    {
      "type": "metric", "x": 0, "y": 0, "width": 12, "height": 6,
      "properties": { "title": "Incoming records", "region": "us-east-1", "stat": "Sum", "period": 60,
        "metrics": [["AWS/Kinesis", "IncomingRecords", "StreamName", "my-stream"]] }
    }
  ]
}`;

/**
 * A dashboard's JSON body in an editor, saved with PutDashboard; a refused body lists CloudWatch's
 * DashboardValidationMessages (data path and message) under the editor.
 */
function DashboardEditor({ name, onDone }: { name: string | undefined; onDone: (saved: string | undefined) => void }) {
  const [dashboard, setDashboard] = useState(name ?? '');
  const [body, setBody] = useState<string | undefined>(name ? undefined : NEW_DASHBOARD);
  const [problem, setProblem] = useState<{ text: string; messages: Array<{ DataPath?: string; Message?: string }> } | undefined>();
  const current = useLoad(
    async () => (name ? (await aws<{ DashboardBody: string }>('cloudwatch', 'GetDashboard', { DashboardName: name })).DashboardBody : undefined),
    [name],
  );
  const text = body ?? current.data ?? '';
  const save = async (e: Event) => {
    e.preventDefault();
    const r = await awsDetailed<{ DashboardValidationMessages?: Array<{ DataPath?: string; Message?: string }> }>('cloudwatch', 'PutDashboard', {
      DashboardName: dashboard.trim(),
      DashboardBody: text,
    });
    if (r.ok) {
      if (r.body.DashboardValidationMessages?.length) setProblem({ text: 'Saved, with warnings:', messages: r.body.DashboardValidationMessages });
      else onDone(dashboard.trim());
      return;
    }
    const messages = (r.body.dashboardValidationMessages ?? r.body.DashboardValidationMessages ?? []) as Array<{ DataPath?: string; Message?: string }>;
    // The message repeats the list as JSON after its first line: the list is shown below it instead.
    setProblem({ text: `${r.code}: ${messages.length ? r.message.split('\n')[0] : r.message}`, messages });
  };
  return (
    <form class="card editor" onSubmit={save} data-testid="dashboard-form">
      <h3>{name ? `Edit dashboard ${name}` : 'Create a dashboard'}</h3>
      <label>
        Name <input name="dashboard" value={dashboard} onInput={(e) => setDashboard(e.currentTarget.value)} readOnly={name !== undefined} required />
      </label>
      <label>
        Body (JSON) <textarea name="body" class="code" rows={16} spellcheck={false} value={text} onInput={(e) => setBody(e.currentTarget.value)} />
      </label>
      <p>
        <button type="submit">Save dashboard</button>{' '}
        <button type="button" onClick={() => onDone(undefined)}>
          Cancel
        </button>
      </p>
      {current.error ? <p class="message error">{current.error}</p> : null}
      {problem ? (
        <div class="message error" data-testid="dashboard-problem">
          <p>{problem.text}</p>
          {problem.messages.length ? (
            <ul>
              {problem.messages.map((m, i) => (
                <li key={i}>
                  <code>{m.DataPath}</code> {m.Message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </form>
  );
}

function AlarmHistory({ name }: { name: string }) {
  const history = useLoad(
    () =>
      aws<{ AlarmHistoryItems: Array<{ Timestamp: number; HistoryItemType: string; HistorySummary: string }> }>('cloudwatch', 'DescribeAlarmHistory', {
        AlarmName: name,
      }),
    [name],
  );
  if (history.error) return <p class="error">{history.error}</p>;
  return (
    <table class="list compact" data-testid="alarm-history">
      <tbody>
        {history.data?.AlarmHistoryItems.map((h, i) => (
          <tr key={i}>
            <td class="nowrap">{new Date(h.Timestamp * 1000).toLocaleString()}</td>
            <td>{h.HistoryItemType}</td>
            <td>{h.HistorySummary}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** What an alarm watches, in the list: its metric, its returned expression, or its rule. */
function alarmSubject(a: MetricAlarm): string {
  if (a.AlarmRule !== undefined) return a.AlarmRule;
  if (a.Namespace) return `${a.Namespace} ${a.MetricName ?? ''}`;
  const returned = (a.Metrics ?? []).filter((q) => q.ReturnData !== false && q.Id !== a.ThresholdMetricId);
  return returned.map((q) => q.Expression ?? `${q.MetricStat?.Metric.Namespace ?? ''} ${q.MetricStat?.Metric.MetricName ?? ''}`).join(', ');
}

const STATE_CLASS: Record<string, string> = { OK: 'status ok', ALARM: 'status bad', INSUFFICIENT_DATA: 'status idle' };

export function MetricsPage() {
  const dashboards = useLoad(() => aws<{ DashboardEntries: Array<{ DashboardName: string }> }>('cloudwatch', 'ListDashboards', {}), []);
  const alarms = useLoad(
    () =>
      aws<{ MetricAlarms: MetricAlarm[]; CompositeAlarms?: MetricAlarm[] }>('cloudwatch', 'DescribeAlarms', { AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
    [],
  );
  const [open, setOpen] = useState<string | undefined>();
  const alarmAction = useAction(() => alarms.reload());
  /** The alarm form: closed, a new alarm (null) or the alarm being edited. */
  const [alarmForm, setAlarmForm] = useState<MetricAlarm | null | undefined>(undefined);
  /** The dashboard editor: closed, a new dashboard (null) or the name of the one being edited. */
  const [dashboardForm, setDashboardForm] = useState<string | null | undefined>(undefined);
  const dashboardAction = useAction(() => dashboards.reload());
  /** Bumped when a dashboard is saved, so that the drawn ones read their bodies again. */
  const [version, setVersion] = useState(0);
  const deleteAlarm = (name: string) =>
    alarmAction.run(
      `Alarm ${name} deleted`,
      async () => {
        await aws('cloudwatch', 'DeleteAlarms', { AlarmNames: [name] });
        if (open === name) setOpen(undefined);
      },
      { confirm: `Delete alarm ${name}?` },
    );
  const deleteDashboard = (name: string) =>
    dashboardAction.run(`Dashboard ${name} deleted`, () => aws('cloudwatch', 'DeleteDashboards', { DashboardNames: [name] }), {
      confirm: `Delete dashboard ${name}?`,
    });
  const all = [...(alarms.data?.MetricAlarms ?? []), ...(alarms.data?.CompositeAlarms ?? [])];
  // Silencing an alarm during maintenance and turning it back on (DisableAlarmActions / EnableAlarmActions).
  const setActions = (name: string, enabled: boolean) =>
    alarmAction.run(`Actions of ${name} ${enabled ? 'enabled' : 'disabled'}`, () =>
      aws('cloudwatch', enabled ? 'EnableAlarmActions' : 'DisableAlarmActions', { AlarmNames: [name] }),
    );
  return (
    <div>
      <h1>Metrics and alarms</h1>
      <h2>Alarms</h2>
      {alarms.error ? <p class="error">{errorText(alarms.error)}</p> : null}
      <OutcomeText outcome={alarmAction.outcome} />
      {alarmForm === undefined ? (
        <p>
          <button type="button" onClick={() => setAlarmForm(null)}>
            Create alarm
          </button>
        </p>
      ) : (
        <AlarmForm
          key={alarmForm?.AlarmName ?? ''}
          editing={alarmForm ? (all.find((a) => a.AlarmName === alarmForm.AlarmName) ?? alarmForm) : undefined}
          onDone={(saved) => {
            setAlarmForm(undefined);
            if (saved) alarmAction.show({ text: `Alarm ${saved} saved`, error: false });
            alarms.reload();
          }}
        />
      )}
      {alarms.data && all.length === 0 ? <p class="muted">No alarms yet.</p> : null}
      {all.length ? (
        <table class="list" data-testid="alarms">
          <thead>
            <tr>
              <th>Alarm</th>
              <th>State</th>
              <th>Metric</th>
              <th>Condition</th>
              <th>Reason</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {all.map((a) => (
              <tr key={a.AlarmName} data-name={a.AlarmName}>
                <td>
                  <button type="button" class="link" onClick={() => setOpen(open === a.AlarmName ? undefined : a.AlarmName)}>
                    {a.AlarmName}
                  </button>
                </td>
                <td>
                  <span class={STATE_CLASS[a.StateValue] ?? 'status'}>{a.StateValue}</span>
                </td>
                <td>{alarmSubject(a)}</td>
                <td>{a.ComparisonOperator ? `${a.ComparisonOperator} ${a.ThresholdMetricId ?? a.Threshold}` : ''}</td>
                <td class="small">{a.StateReason}</td>
                <td class="nowrap" data-testid="alarm-actions">
                  {a.ActionsEnabled === false ? 'disabled' : 'enabled'}{' '}
                  <button type="button" onClick={() => void setActions(a.AlarmName, a.ActionsEnabled === false)}>
                    {a.ActionsEnabled === false ? 'Enable actions' : 'Disable actions'}
                  </button>{' '}
                  <button type="button" onClick={() => setAlarmForm(a)}>
                    Edit
                  </button>{' '}
                  <button type="button" onClick={() => void deleteAlarm(a.AlarmName)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {open ? (
        <>
          <h3>History of {open}</h3>
          <AlarmHistory name={open} />
        </>
      ) : null}
      <h2>Dashboards</h2>
      {dashboards.error ? <p class="error">{dashboards.error}</p> : null}
      <OutcomeText outcome={dashboardAction.outcome} />
      {dashboardForm === undefined ? (
        <p>
          <button type="button" onClick={() => setDashboardForm(null)}>
            Create dashboard
          </button>
        </p>
      ) : (
        <DashboardEditor
          key={dashboardForm ?? ''}
          name={dashboardForm ?? undefined}
          onDone={(saved) => {
            setDashboardForm(undefined);
            if (saved) dashboardAction.show({ text: `Dashboard ${saved} saved`, error: false });
            setVersion((v) => v + 1);
            dashboards.reload();
          }}
        />
      )}
      {dashboards.data?.DashboardEntries.length === 0 ? <p class="muted">No dashboards yet.</p> : null}
      {dashboards.data?.DashboardEntries.map((d) => (
        <section key={d.DashboardName} data-dashboard={d.DashboardName}>
          <h3>
            {d.DashboardName}{' '}
            <button type="button" onClick={() => setDashboardForm(d.DashboardName)}>
              Edit
            </button>{' '}
            <button type="button" onClick={() => void deleteDashboard(d.DashboardName)}>
              Delete
            </button>
          </h3>
          <Dashboard key={version} name={d.DashboardName} />
        </section>
      ))}
    </div>
  );
}
