/**
 * Functions (the Lambda-compatible API): the list, and one function's configuration, event source mappings,
 * invocations and errors (counted from its REPORT log lines) and its latest log lines, refreshed every 2 s.
 */
import { useEffect, useState } from 'preact/hooks';
import { awsRest, consoleFetch, useLoad } from '../api.ts';
import { time } from '../format.ts';
import { link } from '../main.tsx';

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

/**
 * Invocations and errors from the function's log, as Lambda writes it: one REPORT line per invocation; a
 * handler's error logs `ERROR\tInvoke Error`, a crash or timeout ends its REPORT line with `Status: error`.
 */
function counts(lines: LogLine[]): { invocations: number; errors: number } {
  let invocations = 0;
  let errors = 0;
  for (const l of lines) {
    for (const line of l.message.split('\n')) {
      if (line.startsWith('REPORT RequestId:')) {
        invocations++;
        if (line.includes('Status: error')) errors++;
      } else if (line.includes('\tERROR\tInvoke Error')) errors++;
    }
  }
  return { invocations, errors };
}

function FunctionDetail({ name }: { name: string }) {
  const config = useLoad(() => awsRest<FunctionConfiguration>('lambda', 'GET', `${LAMBDA}/functions/${encodeURIComponent(name)}/configuration`), [name]);
  const mappings = useLoad(
    () => awsRest<{ EventSourceMappings: Mapping[] }>('lambda', 'GET', `${LAMBDA}/event-source-mappings/?FunctionName=${encodeURIComponent(name)}`),
    [name],
  );
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
  const { invocations, errors } = counts(logs);
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
      <p data-testid="invocations">
        <b>{invocations}</b> invocation(s), <b class={errors ? 'error' : ''}>{errors}</b> error(s) in the kept log
      </p>
      <h2>Event source mappings</h2>
      {mappings.error ? <p class="error">{mappings.error}</p> : null}
      <table class="list" data-testid="mappings">
        <thead>
          <tr>
            <th>UUID</th>
            <th>Source</th>
            <th>State</th>
            <th>Batch size</th>
            <th>Starting position</th>
            <th>Last result</th>
          </tr>
        </thead>
        <tbody>
          {mappings.data?.EventSourceMappings.map((m) => (
            <tr key={m.UUID}>
              <td class="mono small">{m.UUID}</td>
              <td class="small">{m.EventSourceArn}</td>
              <td>{m.State}</td>
              <td>{m.BatchSize}</td>
              <td>{m.StartingPosition ?? '—'}</td>
              <td class="small">{m.LastProcessingResult ?? '—'}</td>
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
