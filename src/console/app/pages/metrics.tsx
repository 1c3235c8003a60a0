/**
 * Metrics and alarms: every CloudWatch dashboard rendered from its JSON body (metric widgets as charts on
 * the dashboard's 24-column grid, text widgets as text), and the alarms with their state and history; an alarm's
 * actions are disabled and enabled again from the list.
 */
import { useState } from 'preact/hooks';
import { aws, errorText, useLoad } from '../api.ts';
import { color, MetricChart } from '../metrics.tsx';
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
  StateValue: string;
  StateReason?: string;
  MetricName?: string;
  Namespace?: string;
  Threshold?: number;
  ComparisonOperator?: string;
  StateUpdatedTimestamp?: number;
  ActionsEnabled?: boolean;
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

const STATE_CLASS: Record<string, string> = { OK: 'status ok', ALARM: 'status bad', INSUFFICIENT_DATA: 'status idle' };

export function MetricsPage() {
  const dashboards = useLoad(() => aws<{ DashboardEntries: Array<{ DashboardName: string }> }>('cloudwatch', 'ListDashboards', {}), []);
  const alarms = useLoad(
    () =>
      aws<{ MetricAlarms: MetricAlarm[]; CompositeAlarms?: MetricAlarm[] }>('cloudwatch', 'DescribeAlarms', { AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
    [],
  );
  const [open, setOpen] = useState<string | undefined>();
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>();
  const all = [...(alarms.data?.MetricAlarms ?? []), ...(alarms.data?.CompositeAlarms ?? [])];
  // Silencing an alarm during maintenance and turning it back on (DisableAlarmActions / EnableAlarmActions).
  const setActions = async (name: string, enabled: boolean) => {
    try {
      await aws('cloudwatch', enabled ? 'EnableAlarmActions' : 'DisableAlarmActions', { AlarmNames: [name] });
      setMessage({ text: `Actions of ${name} ${enabled ? 'enabled' : 'disabled'}`, error: false });
    } catch (e) {
      setMessage({ text: errorText(e), error: true });
    }
    alarms.reload();
  };
  return (
    <div>
      <h1>Metrics and alarms</h1>
      <h2>Alarms</h2>
      {alarms.error ? <p class="error">{errorText(alarms.error)}</p> : null}
      {message ? <p class={message.error ? 'message error' : 'message'}>{message.text}</p> : null}
      {alarms.data && all.length === 0 ? <p class="muted">No alarms (aws cloudwatch put-metric-alarm … creates one).</p> : null}
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
                <td>{a.Namespace ? `${a.Namespace} ${a.MetricName ?? ''}` : ''}</td>
                <td>{a.ComparisonOperator ? `${a.ComparisonOperator} ${a.Threshold}` : ''}</td>
                <td class="small">{a.StateReason}</td>
                <td class="nowrap" data-testid="alarm-actions">
                  {a.ActionsEnabled === false ? 'disabled' : 'enabled'}{' '}
                  <button type="button" onClick={() => void setActions(a.AlarmName, a.ActionsEnabled === false)}>
                    {a.ActionsEnabled === false ? 'Enable actions' : 'Disable actions'}
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
      {dashboards.data?.DashboardEntries.length === 0 ? <p class="muted">No dashboards (aws cloudwatch put-dashboard … creates one).</p> : null}
      {dashboards.data?.DashboardEntries.map((d) => (
        <section key={d.DashboardName}>
          <h3>{d.DashboardName}</h3>
          <Dashboard name={d.DashboardName} />
        </section>
      ))}
    </div>
  );
}
