/**
 * Functions (the Lambda-compatible API): the list, and one function's configuration, event source mappings,
 * its AWS/Lambda metrics (Invocations, Errors, Throttles, Duration) over the last hour, refreshed every 5 s, and
 * its latest log lines, refreshed every 2 s. A function is invoked from its page with a test event (Invoke with
 * LogType Tail, as the Lambda console's Test tab does): its status, response and log tail are shown. Its event
 * source mappings are enabled and disabled there (UpdateEventSourceMapping with Enabled).
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { awsRest, awsRestRaw, consoleFetch, errorText, hasCloudWatch, useLoad } from '../api.ts';
import { time } from '../format.ts';
import { link } from '../main.tsx';
import { color, MetricDataChart, useMetricData } from '../metrics.tsx';
import type { MetricData, MetricQuery } from '../metrics.tsx';

interface FunctionConfiguration {
  FunctionName: string;
  FunctionArn: string;
  Runtime?: string;
  Handler?: string;
  MemorySize?: number;
  Timeout?: number;
  State?: string;
  LastModified?: string;
  CodeSize?: number;
}

interface Mapping {
  UUID: string;
  EventSourceArn?: string;
  State?: string;
  BatchSize?: number;
  StartingPosition?: string;
  LastProcessingResult?: string;
}

interface LogLine {
  timestamp: number;
  logStreamName: string;
  message: string;
}

const LAMBDA = '/2015-03-31';

export function FunctionsPage({ name }: { name: string | undefined }) {
  return name ? <FunctionDetail name={name} /> : <FunctionList />;
}

function FunctionList() {
  const list = useLoad(() => awsRest<{ Functions: FunctionConfiguration[] }>('lambda', 'GET', `${LAMBDA}/functions/`), []);
  return (
    <div>
      <h1>Functions</h1>
      {list.error ? <p class="error">{list.error}</p> : null}
      <table class="list" data-testid="functions">
        <thead>
          <tr>
            <th>Name</th>
            <th>Runtime</th>
            <th>Handler</th>
            <th>State</th>
            <th>Last modified</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.Functions.map((f) => (
            <tr key={f.FunctionName} data-name={f.FunctionName}>
              <td>
                <a href={link('functions', f.FunctionName)}>{f.FunctionName}</a>
              </td>
              <td>{f.Runtime ?? 'image'}</td>
              <td class="mono small">{f.Handler}</td>
              <td>{f.State ?? 'Active'}</td>
              <td class="small">{f.LastModified}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data && list.data.Functions.length === 0 ? (
        <p class="muted">No functions yet: create one with `aws lambda create-function` or a freshet.yaml.</p>
      ) : null}
    </div>
  );
}

/** The AWS/Lambda metrics of one function (FunctionName dimension), as Lambda's console charts them. */
function lambdaQueries(name: string): MetricQuery[] {
  const metric = (id: string, metricName: string, stat: string, c: number, right = false): MetricQuery => ({
    id,
    label: stat === 'Sum' ? metricName : `${metricName} ${stat}`,
    color: color(c),
    namespace: 'AWS/Lambda',
    metricName,
    dimensions: { FunctionName: name },
    stat,
    ...(right ? { right: true } : {}),
  });
  return [
    metric('invocations', 'Invocations', 'Sum', 0),
    metric('errors', 'Errors', 'Sum', 1),
    metric('throttles', 'Throttles', 'Sum', 2),
    metric('durationAvg', 'Duration', 'Average', 3),
    metric('durationMax', 'Duration', 'Maximum', 4),
  ];
}

const METRIC_MINUTES = 60;

/** Totals over the charted hour: counts summed; the mean duration weighted by each minute's invocations. */
function totals(data: MetricData): { invocations: number; errors: number; throttles: number; avgMs: number | undefined; maxMs: number | undefined } {
  const values = (id: string) => data.series.find((s) => s.query.id === id)?.values ?? [];
  const sum = (id: string) => values(id).reduce<number>((a, v) => a + (v ?? 0), 0);
  const inv = values('invocations');
  const avg = values('durationAvg');
  let weighted = 0;
  let weight = 0;
  avg.forEach((v, i) => {
    const n = inv[i] ?? 0;
    if (v !== null && n) {
      weighted += v * n;
      weight += n;
    }
  });
  const maxima = values('durationMax').filter((v): v is number => v !== null);
  return {
    invocations: sum('invocations'),
    errors: sum('errors'),
    throttles: sum('throttles'),
    avgMs: weight ? weighted / weight : undefined,
    maxMs: maxima.length ? Math.max(...maxima) : undefined,
  };
}

function FunctionMetrics({ name }: { name: string }) {
  const queries = useMemo(() => lambdaQueries(name), [name]);
  const { data, error } = useMetricData(queries, METRIC_MINUTES, 60, 5000);
  if (error) return <p class="muted small">AWS/Lambda metrics: {error}</p>;
  if (!data) return <p class="muted small">AWS/Lambda metrics: loading…</p>;
  const t = totals(data);
  const only = (ids: string[]): MetricData => ({ ...data, series: data.series.filter((s) => ids.includes(s.query.id)) });
  return (
    <div>
      <p data-testid="invocations">
        <b>{t.invocations}</b> invocation(s), <b class={t.errors ? 'error' : ''}>{t.errors}</b> error(s), <b>{t.throttles}</b> throttle(s)
        {t.avgMs !== undefined ? `, duration ${t.avgMs.toFixed(1)} ms on average (max ${(t.maxMs ?? 0).toFixed(1)} ms)` : ''} in the last hour
        <span class="muted small"> (AWS/Lambda metrics)</span>
      </p>
      <div class="charts">
        <MetricDataChart title="Invocations, errors and throttles" data={only(['invocations', 'errors', 'throttles'])} minutes={METRIC_MINUTES} />
        <MetricDataChart title="Duration (ms)" data={only(['durationAvg', 'durationMax'])} minutes={METRIC_MINUTES} />
      </div>
    </div>
  );
}

function FunctionDetail({ name }: { name: string }) {
  const config = useLoad(() => awsRest<FunctionConfiguration>('lambda', 'GET', `${LAMBDA}/functions/${encodeURIComponent(name)}/configuration`), [name]);
  const [mappingTick, setMappingTick] = useState(0);
  const mappings = useLoad(
    () => awsRest<{ EventSourceMappings: Mapping[] }>('lambda', 'GET', `${LAMBDA}/event-source-mappings/?FunctionName=${encodeURIComponent(name)}`),
    [name, mappingTick],
  );
  // Mapping states move on their own (Updating → Enabled / Disabled, last results): listed again every 5 s.
  useEffect(() => {
    const t = setInterval(() => setMappingTick((n) => n + 1), 5000);
    return () => clearInterval(t);
  }, []);
  const [mappingMessage, setMappingMessage] = useState<{ text: string; error: boolean } | undefined>();
  const setEnabled = async (m: Mapping, enabled: boolean) => {
    try {
      await awsRest('lambda', 'PUT', `${LAMBDA}/event-source-mappings/${encodeURIComponent(m.UUID)}`, { Enabled: enabled });
      setMappingMessage({ text: `${enabled ? 'Enabling' : 'Disabling'} the mapping from ${m.EventSourceArn ?? m.UUID}…`, error: false });
    } catch (e) {
      setMappingMessage({ text: errorText(e), error: true });
    }
    setMappingTick((n) => n + 1);
  };
  const [logs, setLogs] = useState<LogLine[]>([]);
  const [logError, setLogError] = useState<string | undefined>();
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const res = await consoleFetch(`/freshet/function-logs/${encodeURIComponent(name)}`);
        if (!res.ok) throw new Error((await res.text()).trim());
        const text = await res.text();
        if (!stopped)
          setLogs(
            text
              .split('\n')
              .filter(Boolean)
              .map((l) => JSON.parse(l) as LogLine),
          );
        setLogError(undefined);
      } catch (e) {
        setLogError(e instanceof Error ? e.message : String(e));
      }
      if (!stopped) timer = setTimeout(poll, 2000);
    };
    void poll();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [name]);
  const c = config.data;
  return (
    <div>
      <p class="crumbs">
        <a href={link('functions')}>Functions</a> / {name}
      </p>
      <h1>{name}</h1>
      {config.error ? <p class="error">{config.error}</p> : null}
      {c ? (
        <p class="muted">
          {c.FunctionArn} · {c.Runtime ?? 'image'} · handler {c.Handler} · {c.MemorySize} MB · timeout {c.Timeout} s · {c.State ?? 'Active'}
        </p>
      ) : null}
      {hasCloudWatch() ? <FunctionMetrics name={name} /> : <p class="muted small">No CloudWatch API on this server: no AWS/Lambda metrics.</p>}
      <InvokePanel name={name} />
      <h2>Event source mappings</h2>
      {mappings.error ? <p class="error">{mappings.error}</p> : null}
      {mappingMessage ? <p class={mappingMessage.error ? 'message error' : 'message'}>{mappingMessage.text}</p> : null}
      <table class="list" data-testid="mappings">
        <thead>
          <tr>
            <th>UUID</th>
            <th>Source</th>
            <th>State</th>
            <th>Batch size</th>
            <th>Starting position</th>
            <th>Last result</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {mappings.data?.EventSourceMappings.map((m) => (
            <tr key={m.UUID} data-uuid={m.UUID}>
              <td class="mono small">{m.UUID}</td>
              <td class="small">{m.EventSourceArn}</td>
              <td>{m.State}</td>
              <td>{m.BatchSize}</td>
              <td>{m.StartingPosition ?? '—'}</td>
              <td class="small">{m.LastProcessingResult ?? '—'}</td>
              <td>
                {m.State === 'Enabled' || m.State === 'Disabled' ? (
                  <button type="button" onClick={() => void setEnabled(m, m.State === 'Disabled')}>
                    {m.State === 'Disabled' ? 'Enable' : 'Disable'}
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Logs</h2>
      {logError ? <p class="error">{logError}</p> : null}
      <pre class="logs" data-testid="function-logs">
        {logs
          .slice(-200)
          .map((l) => `${time(l.timestamp)}  ${l.message.trimEnd()}`)
          .join('\n')}
      </pre>
    </div>
  );
}

interface InvokeResult {
  status: number;
  functionError: string | null;
  payload: string;
  log: string;
}

/** UTF-8 text of base64 (X-Amz-Log-Result). */
function fromBase64(b64: string): string {
  const bin = atob(b64);
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/**
 * The Lambda console's Test tab: a JSON event, invoked synchronously with LogType Tail; the status code, the
 * function error (X-Amz-Function-Error) when it failed, the response payload and the last 4 KB of its log.
 */
function InvokePanel({ name }: { name: string }) {
  const [event, setEvent] = useState('{}');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<InvokeResult | undefined>();
  const [error, setError] = useState<string | undefined>();
  const invoke = async () => {
    setError(undefined);
    try {
      JSON.parse(event);
    } catch (e) {
      setError(`The test event is not JSON: ${(e as Error).message}`);
      return;
    }
    setBusy(true);
    try {
      const r = await awsRestRaw('lambda', 'POST', `${LAMBDA}/functions/${encodeURIComponent(name)}/invocations`, event, {
        'content-type': 'application/json',
        'x-amz-invocation-type': 'RequestResponse',
        'x-amz-log-type': 'Tail',
      });
      if (r.status >= 300) {
        // The service refused the call (not the function failing): AWS's error type and message.
        const body = r.text ? (JSON.parse(r.text) as { message?: string; Message?: string }) : {};
        const type = (r.headers.get('x-amzn-errortype') ?? String(r.status)).split(':')[0];
        setError(`${type}: ${body.message ?? body.Message ?? r.text}`);
        setResult(undefined);
      } else {
        const log = r.headers.get('x-amz-log-result');
        setResult({ status: r.status, functionError: r.headers.get('x-amz-function-error'), payload: r.text, log: log ? fromBase64(log) : '' });
      }
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="card" data-testid="invoke">
      <h2>Test</h2>
      <p class="small muted">Invoke the function synchronously with this event (JSON).</p>
      <textarea rows={4} cols={80} class="mono" aria-label="Test event" value={event} onInput={(e) => setEvent((e.target as HTMLTextAreaElement).value)} />
      <p>
        <button type="button" disabled={busy} onClick={() => void invoke()}>
          {busy ? 'Invoking…' : 'Invoke'}
        </button>
      </p>
      {error ? <p class="error">{error}</p> : null}
      {result ? (
        <div data-testid="invoke-result">
          <p class={result.functionError ? 'error' : 'message'}>
            {result.functionError ? `Failed (${result.functionError})` : 'Succeeded'} · status {result.status}
          </p>
          <h3>Response</h3>
          <pre class="logs" data-testid="invoke-payload">
            {result.payload}
          </pre>
          <h3>Log output</h3>
          <pre class="logs" data-testid="invoke-log">
            {result.log}
          </pre>
        </div>
      ) : null}
    </div>
  );
}
